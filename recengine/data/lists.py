"""Interactions written as lists of items in one cell, one row per user visit, basket or impression.

Session, basket and news logs often hold a row per visit with the items in one cell: ``"N55189 N42782 N34694"``
(MIND's click history), a JSON array (``{"user": "u1", "items": ["a", "b"]}``), or a Parquet list column.
Impression logs label each shown item with whether it was clicked: ``"N55689-1 N35729-0"``. Read as single ids,
such a cell would become one odd item per visit, so :func:`explode_item_lists` turns each into one row per item
before anything else reads the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from recengine.data.readers import Table
from recengine.data.validate import decimal_commas, holds_times, nested
from recengine.errors import DataError

#: what separates the ids in a cell: spaces, commas, semicolons or pipes (the file's own delimiter cannot occur), and
#: the brackets and quotes of a printed array: ['B09W9FND7K' 'B09JSPLN1M'] (Amazon-M2's sessions)
_SPLIT = re.compile(r"[\s,;|\[\]'\"]+")
#: an impression: an id, a dash and 1 (clicked) or 0 (shown, not clicked)
_LABELLED = re.compile(r"^(?P<id>.+)-(?P<label>[01])$")
_SAMPLE = 500


@dataclass(frozen=True)
class ListColumn:
    """A column whose cells hold several item ids; ``labelled`` when each id carries a click label (``-1``/``-0``)."""

    name: str
    labelled: bool
    single: bool = field(default=False, repr=False)  # one id a row, read with the lists (a session's next item)


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _tokens(value: object) -> list[str]:
    """The ids in one cell: the elements of a list, or the pieces of a string between separators."""
    if _is_list(value):
        return [str(v).strip() for v in value if not nested(v) and str(v).strip()]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [t for t in _SPLIT.split(str(value).strip()) if t]


def _cell_tokens(cells: pd.Series) -> pd.Series:
    """:func:`_tokens` of each cell, with the strings split at once."""
    lists = cells.map(_is_list).to_numpy()
    out = pd.Series([[]] * len(cells), index=cells.index, dtype=object)
    if lists.any():
        out[lists] = cells[lists].map(_tokens)
    text = ~lists & cells.notna().to_numpy()
    if text.any():
        out[text] = cells[text].astype(str).str.strip().str.split(_SPLIT)
    return out


def list_column(values: pd.Series, name: str) -> ListColumn | None:
    """``values`` as a column of item lists, or None when its cells are single ids (or times, or prose).

    Cells that are lists (JSON arrays, Parquet lists) of plain values count. Strings count when three in ten of the
    sampled non-empty cells hold two ids or more and nine in ten of the ids hold a digit, as codes do and words do not.

    >>> list_column(pd.Series(["N1 N2 N3", "N4", "N2 N5"]), "history")
    ListColumn(name='history', labelled=False)
    >>> list_column(pd.Series(["N1-1 N2-0", "N3-0 N4-1"]), "impressions")
    ListColumn(name='impressions', labelled=True)
    >>> list_column(pd.Series(["Toy Story (1995)", "Heat (1995)"]), "title") is None
    True
    """
    sample = values.dropna().head(_SAMPLE).astype(object)  # categories and bytes as plain values
    if sample.empty:
        return None
    lists = sample.map(_is_list).astype(bool)
    if lists.mean() >= 0.9:
        if sample[lists].map(lambda v: any(nested(e) for e in v)).any():
            return None  # lists of records: the id cannot be told, and the caller's message says to flatten them
        tokens = sample[lists].map(_tokens)
        flat = pd.Series([t for ts in tokens for t in ts], dtype=object)
        return ListColumn(name, labelled=bool(len(flat)) and bool(flat.str.match(_LABELLED).mean() >= 0.9))
    text = sample.map(str).str.strip()
    text = text[text != ""]
    if text.empty or lists.any() or holds_times(text):
        return None
    tokens = text.map(_tokens)
    if (tokens.map(len) >= 2).mean() < 0.3:
        return None
    flat = pd.Series([t for ts in tokens for t in ts], dtype=object)
    if flat.str.contains(r"\d", regex=True).mean() < 0.9:
        return None
    return ListColumn(name, labelled=bool(flat.str.match(_LABELLED).mean() >= 0.9))


def find_list_columns(table: Table, item_col: str | None, skip: Sequence[str | None]) -> list[ListColumn]:
    """The item column, if it holds lists, then every other column of lists that shares ids with it (MIND's click
    history beside its impressions). With no item column, every column of lists, and every column of single ids
    that half of its values are in those lists, in file order."""
    frame = table.frame
    others = [str(c) for c in frame.columns if str(c) not in skip and str(c) != item_col]
    if item_col is not None:
        main = list_column(frame[item_col], item_col)
        if main is None:
            return []
        ids = _ids(frame[item_col], main)
        companions = [lc for c in others if (lc := list_column(frame[c], c)) is not None and ids & _ids(frame[c], lc)]
        return [main, *companions]
    # a guess: "4,5" in every row is a rating with a decimal comma, not two items (a column mapped as items is read)
    lists = [lc for c in others if not decimal_commas(frame[c]) and (lc := list_column(frame[c], c)) is not None]
    if not lists:
        return []
    # a column of single ids that the lists hold too: Amazon-M2's next_item after its prev_items
    ids = set().union(*(_ids(frame[lc.name], lc) for lc in lists))
    named = {lc.name for lc in lists}
    for c in others:
        if c in named or frame[c].head(_SAMPLE).map(_is_list).any() or holds_times(frame[c].dropna().head(_SAMPLE)):
            continue
        values = frame[c].dropna().head(_SAMPLE).astype(str).str.strip()
        if len(values) and values.isin(ids).mean() >= 0.5:
            lists.append(ListColumn(str(c), labelled=False, single=True))
    return sorted(lists, key=lambda lc: others.index(lc.name))  # in file order: a history, then what came next


def _ids(values: pd.Series, column: ListColumn, limit: int = 5000) -> set[str]:
    out: set[str] = set()
    for cell in values.head(limit):
        for t in _tokens(cell):
            m = _LABELLED.match(t) if column.labelled else None
            out.add(m.group("id") if m else t)
    return out


def listed_ids(values: pd.Series, limit: int = 5000) -> set[str]:
    """The distinct ids that the first ``limit`` cells of a column of item lists hold (labels cut off: ``N3-1`` is
    N3); empty when the column does not hold lists.

    >>> sorted(listed_ids(pd.Series(["N1 N2", "N2 N3"])))
    ['N1', 'N2', 'N3']
    >>> sorted(listed_ids(pd.Series(["N3-1 N2-0", "N1-0"])))
    ['N1', 'N2', 'N3']
    """
    column = list_column(values, str(values.name))
    return set() if column is None else _ids(values, column, limit)


#: names of a column of what a user was shown (an impression log's), and of one of what the user had clicked before
_SHOWN_NAMES = re.compile(r"impr|shown|display|exposure|candidate|served|slate", re.IGNORECASE)
_HISTORY_NAMES = re.compile(r"hist|past|previous|prev|clicked|before", re.IGNORECASE)


def _same_per_user(frame: pd.DataFrame, user_col: str, column: str, sample: int = 20_000) -> float | None:
    """The share of users (of those with two rows or more in the first ``sample`` rows) whose cells of ``column`` are
    the same on each of their rows, as a click history written again beside each impression is; None with fewer
    than three such users."""
    head = frame.head(sample)
    key = pd.DataFrame({"u": head[user_col].astype(object).map(str), "v": head[column].astype(object).map(str)})
    n = key.groupby("u", sort=False)["v"].agg(["size", "nunique"])
    n = n[n["size"] >= 2]
    return float((n["nunique"] == 1).mean()) if len(n) >= 3 else None


def _unlabelled_impressions(table: Table, lists: Sequence[ListColumn],
                            user_col: str) -> tuple[ListColumn, ListColumn] | None:
    """(history, impressions) where, of columns of item lists none labelled, one is the same on each of a user's
    rows (a click history, as MIND's) and a later one differs from row to row (the items each visit showed, as
    MIND's test split writes its impressions, with no -1/-0 to tell the clicks): in a file with no header row, or
    where the names say so (``history``, ``impressions``). None otherwise."""
    plain = [lc for lc in lists if not lc.single]
    if any(lc.labelled for lc in lists) or len(plain) < 2 or user_col not in table.frame.columns:
        return None
    same = {lc.name: _same_per_user(table.frame, user_col, lc.name) for lc in plain}
    for i, history in enumerate(plain):
        if same[history.name] is None or same[history.name] < 0.9:
            continue
        for shown in plain[i + 1:]:
            if same[shown.name] is None or same[shown.name] > 0.5:
                continue
            if table.headerless or _SHOWN_NAMES.search(shown.name) or (_HISTORY_NAMES.search(history.name)
                                                                         and not _HISTORY_NAMES.search(shown.name)):
                return history, shown
    return None


def explode_item_lists(table: Table, item_col: str, lists: Sequence[ListColumn], user_col: str,
                       warnings: list[str]) -> tuple[Table, np.ndarray]:
    """``table`` with one row per item of its list columns, in file order, under ``item_col``; each row keeps the
    other cells of the row it came from, and messages still name that row's line. Labelled impressions keep only
    the clicked ids.

    Also returns, per new row, whether it comes *before* its row's time: when an unlabelled list sits beside
    labelled impressions, it is the history the user had when shown them (as in MIND). A history repeated on each
    of a user's rows is read once.
    """
    frame = table.frame
    labelled = any(lc.labelled for lc in lists)
    said = []
    read_as_history, dropped, left_out = None, [lc.name for lc in lists], ""
    if (unlabelled := _unlabelled_impressions(table, lists, user_col)) is not None:
        read_as_history, shown = unlabelled
        lists = [lc for lc in lists if lc is not shown]
        left_out = (f"column {shown.name!r} holds lists of items with no click labels (-1/-0), different on each row, "
                    f"beside the history in column {read_as_history.name!r} (the same on each of a user's rows), as "
                    "the impressions of a test split are: what each visit showed, not what the user clicked, so it was "
                    "left out and only the history counts. To read it alone as the interactions instead, map it "
                    f"(columns={{'item': {shown.name!r}}}; in the CLI: --item-col {shown.name!r})")
    rest = frame.drop(columns=dropped)
    pieces = []
    for order, lc in enumerate(lists):
        cells = frame[lc.name]
        history = (labelled and not lc.labelled) or lc is read_as_history
        rows = np.arange(len(frame))
        if history:  # the same history on each of a user's impressions: its first copy is enough
            key = pd.DataFrame({"u": frame[user_col].astype(object).map(str), "k": cells.astype(object).map(str)})
            rows = np.flatnonzero(~key.duplicated().to_numpy())
        piece = rest.iloc[rows].copy()
        piece[item_col] = _cell_tokens(cells.iloc[rows]).to_numpy()
        piece["_row"], piece["_list"], piece["_before"] = rows, order, history
        piece = piece.explode(item_col)
        piece = piece[piece[item_col].notna()]
        piece[item_col] = piece[item_col].astype(str).str.strip()
        piece = piece[piece[item_col] != ""]
        n_in = len(piece)
        if lc.labelled:  # "N55689-1": clicked, kept as N55689; "-0" and anything unlabelled: shown only
            piece = piece[piece[item_col].str.endswith("-1")]
            piece[item_col] = piece[item_col].str.slice(0, -2)
        pieces.append(piece)
        if lc.labelled:
            said.append(f"column {lc.name!r} holds impressions labelled -1 (clicked) and -0 (shown, not clicked): "
                        f"{len(piece):,} of its {n_in:,} were clicks and count")
        elif lc.single:
            said.append(f"column {lc.name!r} holds one of those items a row, read as {len(piece):,} interactions after "
                        "its row's lists")
        else:
            example = next((f" (e.g. {str(c)[:40]!r})" for c in cells.head(50) if _tokens(c)), "")
            said.append(f"column {lc.name!r} holds lists of items{example}, read as {len(piece):,} interactions, one "
                        "per item" + (", before the time of their row (a history)" if history else ""))
    said += [left_out] if left_out else []
    out = pd.concat(pieces).sort_values(["_row", "_list"], kind="stable")
    if out.empty:
        check = "holds clicks (labelled -1)" if labelled else "lists item ids"
        raise DataError(f"{table.name}: {'; '.join(said)}, so no interaction is left to read. Check that the file "
                        f"{check}, or map another item column (columns={{'item': ...}}; in the CLI: --item-col; in the app: "
                        "Column mapping, Item id).")
    before = out["_before"].to_numpy(dtype=bool)
    lines = tuple(table.line_of(out["_row"].to_numpy()).tolist())
    out = out.drop(columns=["_row", "_list", "_before"]).reset_index(drop=True)
    warnings.append(f"{table.name}: {'; '.join(said)}. Map another item column if that is wrong "
                    "(columns={'item': ...}; in the CLI: --item-col; in the app: Column mapping, Item id).")
    return replace(table, frame=out, lines=lines), before


__all__ = ["ListColumn", "explode_item_lists", "find_list_columns", "list_column", "listed_ids"]
