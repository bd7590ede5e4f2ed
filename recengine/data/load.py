"""``read_dataset``: a user's interactions and item texts, from any supported file, into a :class:`Dataset`."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from recengine.columns import Columns
from recengine.data.dataset import OWN_INTERACTION_COLUMNS, OWN_NAME, OWN_TABLE, Dataset, IdMap
from recengine.data.lists import explode_item_lists, find_list_columns, listed_ids
from recengine.data.patterns import search
from recengine.data.readers import Source, Table, column_name, misnamed_note, read_table, source_name
from recengine.data.validate import (
    ALIASES,
    ITEMS_ID,
    MAX_EVENT_KINDS,
    NAME_ALIASES,
    ROLES,
    blank,
    build_texts,
    cell_text,
    check_mapping,
    clean_ids,
    codes_only,
    decimals,
    find_column,
    holds_numbers,
    holds_times,
    id_strings,
    left_out_warning,
    missing,
    nested,
    norm,
    parse_ratings,
    parse_template,
    parse_timestamps,
    plain_text,
    structured,
    text_columns,
    title_column,
    unread_ratings,
    unread_thumbs,
    unread_times,
)
from recengine.display import one_line
from recengine.errors import DataError

#: the roles of ``columns=`` that name a column of the items table (of the interactions when there is none)
_ITEM_TABLE_ROLES = (ITEMS_ID, "title", "text")


def _say_when_misnamed(read: Any) -> Any:
    @functools.wraps(read)
    def wrapper(interactions: Source, items: Source | None = None, **kwargs: Any) -> Dataset:
        try:
            return read(interactions, items, **kwargs)
        except DataError as exc:
            for source, default in ((interactions, "interactions"), (items, "items")):
                note = misnamed_note(source, default)
                if note is not None and str(exc).startswith(f"{source_name(source, default)}:"):
                    raise DataError(f"{exc} {note}") from exc
            raise
    return wrapper


@_say_when_misnamed
def read_dataset(
    interactions: Source,
    items: Source | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    text: str | Sequence[str] | None = None,
    hash_user_ids: bool = False,
    hash_salt: str | None = None,
    name: str | None = None,
    max_bytes: int | None = None,
    min_rating: float | None = None,
    events: Sequence[str] | None = None,
    skip_missing_ids: bool = False,
) -> Dataset:
    """Load interactions and (optionally) item texts into a validated :class:`Dataset`.

    Parameters
    ----------
    interactions
        Path, file object (e.g. Streamlit's ``UploadedFile``), bytes or DataFrame with one row per
        (user, item) interaction. CSV/TSV/any of ``, ; tab |`` (sniffed), Parquet, JSON Lines or JSON
        records, optionally gzip- or zip-compressed, UTF-8 (BOM or not) or Latin-1/cp1252; or an Excel
        workbook (.xlsx: its first sheet that holds data).
    items
        The same kinds of source, one row per item with an id and text columns. Items nobody has touched
        are kept: they are the cold items. Without it, item-level text columns of the interactions are used.
    columns
        Explicit mapping for roles that cannot be guessed: ``{"user": ..., "item": ..., "rating": ...,
        "timestamp": ..., "items_id": ..., "title": ...}`` (``title``: the column shown as the item's name). Unmapped roles are found by name (``user_id``, ``customer_id``, ``movieId``,
        ``sku``, ``rating``, ``score``, ``timestamp``, ``date``...). ``"label"`` names a column of 1 (clicked,
        bought) and 0 (shown only), as impression logs have: only the rows of 1 count. One named like a label
        (``is_click``, ``click``, ``label``, ``target``...) that holds 0s and 1s is read so unless mapped to None.
    text
        How to write each item's text: a template (``"{title} ({year}). {description}"``), a list of
        columns (written ``"Title: ... Genres: ..."``), one column, or ``None`` for every text column.
    hash_user_ids
        Replace user ids by salted SHA-256 hashes as the data loads (privacy for uploads).
    hash_salt
        The salt; by default this recengine home's own (kept in ``$RECENGINE_HOME/hash-salt``, as the app and the
        command line use it), so the same file hashes the same way from one load to the next: a fine-tune of it
        is reused, feedback finds its users again. Pass ``secrets.token_hex(16)`` for hashes that no other load can
        link to.
    min_rating
        Count only interactions rated at least this (e.g. 4 on a 1-5 scale): on explicit ratings, a 1-star
        review is then not taken for a like. ``None`` (default) counts every rating. See :func:`keep_ratings_at_least`.
    events
        In a log of several kinds of event (a column named ``event``, ``event_type``, ``action``, ``behavior``...,
        or mapped with ``columns={'event': ...}``), count only these kinds, e.g. ``["transaction", "addtocart"]``.
        They are chosen before duplicate pairs merge, so a purchase after a view still counts. ``None`` (default)
        counts every event, and a warning lists the kinds. The kind of each kept row is the ``event`` column.
    skip_missing_ids
        Leave out interaction rows with no user or no item id (a warning counts them and names the first lines),
        as raw logs such as Last.fm's have a few. ``False`` (default): such a row is an error that names it.

    Returns
    -------
    Dataset
        Duplicate (user, item) rows are merged into one: the latest row wins (by timestamp, else by
        position in the file) and the merge is reported in ``Dataset.warnings``.

    Raises
    ------
    DataError
        With the file, column and first offending rows named, and what to do.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = read_dataset(pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"]}))
    >>> ds.n_users, ds.n_items, ds.n_interactions
    (2, 2, 3)
    """
    interactions, items, columns, text, own_name = _own_tables(interactions, items, columns, text)
    name = name if name is not None else own_name  # a Dataset's own table read back keeps the dataset's name
    mapping = check_mapping(columns)
    warnings: list[str] = []
    inter = read_table(interactions, default_name="interactions", max_bytes=max_bytes)
    warnings.extend(inter.notes)
    # a column given by its pandas label (columns={"user": 0}) is named as read (0: "column 1" of an unnamed one)
    mapping = {r: c if r in _ITEM_TABLE_ROLES else column_name(c, inter) for r, c in mapping.items()}
    roles = roles_by_position(inter, mapping, warnings) if inter.headerless else mapping
    if inter.sheets:  # a workbook whose first sheet holds the items, not the interactions
        inter = interactions_sheet(inter, roles.get("user"), warnings)
    as_read = inter  # before its lists are read one item a row: to tell an items file given as the interactions
    # read once here, for the swap check too (a session file's catalogue was read twice); its own error is raised
    # where it always was, after the interactions' (a user column missing is said first)
    items_error: DataError | None = None
    try:
        item_table = read_table(items, default_name="items", max_bytes=max_bytes, explode=False) if items is not None else None
    except DataError as exc:
        item_table, items_error = None, exc
    texts_in = item_table if item_table is not None else inter
    mapping = {r: column_name(c, texts_in) if r in _ITEM_TABLE_ROLES else c for r, c in mapping.items()}
    text = column_name(text, texts_in)  # type: ignore[assignment]
    try:
        user_col = find_column(inter, "user", roles.get("user"), required=True)
    except DataError:
        # with no user column, each row of item lists stands for one; as its options say, "row" maps that again
        if roles.get("user", "row") != "row" or "row" in inter.frame.columns or not find_list_columns(inter, None, []):
            _swapped(inter, item_table, items, max_bytes)
            raise
        if "user" not in roles:  # a catalogue's list of authors is no session of items: the files may be swapped
            _swapped(inter, item_table, items, max_bytes)
        inter, user_col = _rows_as_users(inter, warnings)
    if "user" not in roles:
        user_col = _user_or_session(inter, user_col, warnings)
    if items_error is not None:
        raise items_error
    if item_table is not None:
        warnings.extend(item_table.notes)
    if "item" not in roles and item_table is not None and ITEMS_ID not in mapping:
        roles = {**roles, "item": _item_key(inter, item_table, user_col, warnings)}
    inter, item_col, before = _item_lists(inter, user_col, roles.get("item"), "item" in mapping, warnings)
    if skip_missing_ids and user_col != item_col:
        inter, kept = _without_missing_ids(inter, [user_col, item_col], warnings)
        before = before[kept]
    if user_col == item_col:
        mapped = "user" in mapping and "item" in mapping
        raise DataError(
            f"{inter.name}: the same column {user_col!r} was {'mapped' if mapped else 'taken'} as both user and item. "
            + ("Map each to its own column" if mapped else "Map them explicitly")
            + " with columns={'user': ..., 'item': ...} (in the app: Column mapping; in the CLI: --user-col and "
            "--item-col)."
        )
    for role, col in (("user", user_col), ("item", item_col)):  # --item-col Wann: 12,000 items, one event each
        head = inter.frame[col].dropna().head(200).astype(str)
        if role in mapping and pd.to_numeric(head, errors="coerce").isna().any() and holds_times(head):  # not numeric ids
            warnings.append(f"{inter.name}: column {col!r}, mapped as the {role}, holds dates or times: each of its "
                            f"{inter.frame[col].nunique():,} values is now {'an' if role == 'item' else 'a'} {role}. If "
                            f"that is not meant, map the {role} "
                            f"to its id column (columns={{'{role}': ...}}; in the app: Column mapping; in the CLI: "
                            f"--{role}-col).")
    taken = {user_col, item_col}
    inter, roles = _date_and_time(inter, roles, taken, warnings)
    rating_col = _optional(inter, "rating", roles, taken)
    ts_col = _optional(inter, "timestamp", roles, taken | {rating_col})
    event_col = _optional(inter, "event", roles, taken | {rating_col, ts_col})

    frame = pd.DataFrame({Columns.user: clean_ids(inter, user_col, "user"), Columns.item: clean_ids(inter, item_col, "item")})
    if rating_col is not None:
        frame[Columns.rating] = parse_ratings(inter, rating_col, warnings)
        _unrated_note(frame[Columns.rating], inter.name, rating_col, warnings)
    if ts_col is None and "timestamp" not in roles and (said := unread_times(inter, taken | {rating_col})):
        warnings.append(said)
    if ts_col is not None:
        frame[Columns.timestamp] = parse_timestamps(inter, ts_col, warnings)
        if before.any():  # a history precedes the user's first time seen
            first = frame[Columns.timestamp].groupby(frame[Columns.user]).transform("min")
            frame.loc[before, Columns.timestamp] = first[before] - 1
    frame["_order"] = np.arange(len(frame))
    event_col, keep = _event_kinds(inter, event_col, "event" in roles, frame, events, warnings)
    if keep is not None:
        frame = frame[keep]
    label_col, labelled = _labels(inter, roles, taken | {rating_col, ts_col, event_col}, warnings)
    read = taken | {ts_col, event_col, label_col}
    if rating_col is None and "rating" not in roles and (said := unread_thumbs(inter, read) or unread_ratings(inter, read)):
        warnings.append(said)
    if labelled is not None:  # before repeats merge: a click between two impressions of an item counts
        frame = frame[labelled.reindex(frame.index).to_numpy()]
    if rating_col is not None:
        frame = _without_returns(frame, inter, rating_col, warnings)
    frame = _merge_duplicates(frame, inter, warnings, counts=rating_col is not None and _counts(rating_col))
    if rating_col is not None and min_rating is None and (said := unweighted_ratings(frame[Columns.rating], inter.name,
                                                                                      rating_col)):
        warnings.append(said)

    interacted = set(pd.unique(frame[Columns.item]))
    items_frame: pd.DataFrame | None = None
    if item_table is None and inter.sheets:  # one workbook: the ratings on one sheet, the items on another
        item_table, items_frame = _items_sheet(inter, inter.sheets, mapping, item_col, text, interacted, warnings)
    elif item_table is not None and item_table.sheets:  # an items workbook (the same one, maybe): its items' sheet
        sheets = [t for t in (dataclasses.replace(item_table, sheets=()), *item_table.sheets) if t.name != inter.name]
        found, items_frame = _items_sheet(item_table, sheets, mapping, item_col, text, interacted, warnings)
        item_table = found or item_table
    roles_read = {user_col, item_col, rating_col, ts_col, event_col, label_col}
    log_again = (items_frame is None and item_table is not None and ITEMS_ID not in mapping and not item_table.headerless
                 and {user_col, item_col} <= set(item_table.frame.columns))
    if log_again:  # the interactions file again (or another log of them): only its item-level columns are text
        warnings.append(f"{item_table.name} holds the users ({user_col!r}) as well as the items, so each item's text is "
                        "made of its own columns only (those with one value per item), not its users, ratings or times.")
        items_frame = _items_from_interactions(item_table, item_col, roles_read, text, mapping.get("title"), warnings)
    elif items_frame is None and item_table is not None:
        items_frame = _items_from_table(item_table, mapping, item_col, text, warnings, interacted=interacted)
    elif items_frame is None:
        items_frame = _items_from_interactions(inter, item_col, roles_read, text, mapping.get("title"), warnings)

    known = set(items_frame[Columns.item])
    lacking = pd.unique(frame.loc[~frame[Columns.item].isin(known), Columns.item])
    items_name = item_table.name if item_table is not None else None
    if items_name is not None and len(lacking):
        items_frame = _same_ids_but_written_apart(items_frame, frame, inter.name, items_name, warnings)
        known = set(items_frame[Columns.item])
        lacking = pd.unique(frame.loc[~frame[Columns.item].isin(known), Columns.item])
    if items_name is not None and len(lacking) == frame[Columns.item].nunique():
        if item_table is not None and (found := _ids_of_one_in_other(as_read, item_table)) is not None:
            raise DataError(f"{items_name} shares no item id with {inter.name}, but {items_name} has {found}: the two "
                            f"files look swapped. Give {items_name} as the interactions and {inter.name} as the items "
                            "(in the app: the other upload box).")
        raise DataError(_no_shared_items(inter.name, items_name, list(lacking), sorted(known)))
    if items_name is not None and len(lacking):
        examples = ", ".join(map(str, lacking[:5]))
        warnings.append(
            f"{len(lacking):,} item(s) in {inter.name} have no row in {items_name} and so no text "
            f"(e.g. {examples}); text-based models cannot use them."
        )
    if len(lacking):
        extra = pd.DataFrame({Columns.item: lacking, Columns.text: "", Columns.title: lacking})
        items_frame = pd.concat([items_frame, extra], ignore_index=True)
    items_frame = items_frame.reset_index(drop=True)

    if items_name is None and not (items_frame[Columns.text].str.len() > 0).any():
        warnings.append(
            "No item texts were given: collaborative models work, but text-based models, intent queries and "
            "cold items need an items file with text columns."
        )
    # the items with no row in the items file are said above: these are the rows it has whose text is empty
    n_empty = int(((items_frame[Columns.text].str.len() == 0) & ~items_frame[Columns.item].isin(lacking)).sum())
    if items_name is not None and n_empty:
        warnings.append(f"{n_empty} item(s) of {items_name} have no text at all; only collaborative models can score them.")
    if (shared := shared_texts_warning(items_frame[Columns.text])) is not None:
        warnings.append(shared)

    if hash_user_ids:
        from recengine.settings import local_salt

        # this home's salt by default: a random one per load gave a fine-tune of the same file a new fingerprint
        salt = hash_salt if hash_salt is not None else local_salt()
        uniq = pd.unique(frame[Columns.user])
        hashed = {u: hash_user_id(u, salt) for u in uniq}
        frame[Columns.user] = frame[Columns.user].map(hashed)

    frame = frame.drop(columns="_order").reset_index(drop=True)
    if (said := one_row_per_user(frame, inter.name, user_col)) is not None:
        warnings.append(said)
    frame[Columns.weight] = np.float32(1.0)
    item_map = IdMap(items_frame[Columns.item].to_numpy(), kind="item")
    user_map = IdMap.from_values(frame[Columns.user], kind="user")
    options: dict[str, Any] = {
        "columns": {"user": user_col, "item": item_col, "rating": rating_col, "timestamp": ts_col},
        "text": text if isinstance(text, (str, type(None))) else list(text),
        "event_column": event_col,
        "events": list(events) if events is not None and event_col is not None else None,
        "label_column": label_col,
        "skip_missing_ids": skip_missing_ids,
        "hash_user_ids": hash_user_ids,
        # which salt hashed the ids (a digest of it, not the salt): a raw id is found again only with that salt
        "salt_digest": salt_digest(salt) if hash_user_ids else None,
        "interactions_file": inter.name,
        "items_file": items_name,
        "format": inter.format,
        "headerless": inter.headerless,
    }
    ds = Dataset(
        interactions=frame,
        items=items_frame,
        user_map=user_map,
        item_map=item_map,
        name=name or inter.name.split(".")[0],
        warnings=tuple(warnings),
        options=options,
    )
    return ds if min_rating is None else keep_ratings_at_least(ds, min_rating)


#: Event kinds that say a user turned an item away, not chose it: never suggested as events that count.
NEGATIVE_EVENT = re.compile(r"skip|dislike|unlike|remov|return|refund|cancel|hide|hidden|block|report|abandon|bounce|"
                            r"downvote|thumbs.?down|unsubscrib|delet|reject|unfollow|unsave", re.IGNORECASE)


def shared_texts_warning(texts: pd.Series) -> str | None:
    """A warning when the items with text have far fewer distinct texts than items (a template that reads only a
    topic or a show, say): items with one text get one vector, so text models cannot tell them apart.

    >>> shared_texts_warning(pd.Series(["Cooking (food)"] * 30 + ["Crime (news)"] * 30 + [""]))[:60]
    '60 items with text share only 2 distinct texts: items with t'
    >>> shared_texts_warning(pd.Series(["Heat", "Fargo", "Heat (1995)"])) is None
    True
    """
    filled = texts[texts.str.len() > 0]
    counts = filled.value_counts()  # most shared first
    distinct = len(counts)
    if len(filled) < 20 or distinct > len(filled) // 4:
        return None
    examples = ", ".join(f"{one_line(t, 40)!r} ({n:,} items)" for t, n in counts.head(2).items())
    return (f"{len(filled):,} items with text share only {distinct:,} distinct texts: items with the same text get the "
            f"same vector, so text models and cold-start suggestions cannot tell them apart (most shared: {examples}). "
            "Add a column that differs between items (a title, a description) to the text.")


#: What :func:`hash_user_id` writes: a page can tell hashed ids from the file's own.
HASHED_USER_ID = re.compile(r"u_[0-9a-f]{16}")


def hash_user_id(user_id: str, salt: str) -> str:
    """The id a user gets when ids are hashed with ``salt``.

    >>> hash_user_id("ann", "s"), bool(HASHED_USER_ID.fullmatch(hash_user_id("ann", "s")))
    ('u_403c71d26c812450', True)
    """
    return "u_" + hashlib.sha256((salt + "\x1f" + user_id).encode()).hexdigest()[:16]


def salt_digest(salt: str) -> str:
    """A short digest that tells salts apart without revealing them."""
    return hashlib.sha256(("recengine-salt\x1f" + salt).encode()).hexdigest()[:12]


def keep_ratings_at_least(ds: Dataset, min_rating: float) -> Dataset:
    """``ds`` with only the interactions rated at least ``min_rating``: the likes, on explicit-feedback data.

    Every item stays (one left with no good rating becomes a cold item); users left with no interaction
    go. What was left out is said in ``Dataset.warnings``.

    >>> import pandas as pd
    >>> ds = read_dataset(pd.DataFrame({"user": ["a", "a", "b"], "item": ["x", "y", "x"], "stars": [5, 1, 4]}))
    >>> kept = keep_ratings_at_least(ds, 4)
    >>> kept.n_interactions, kept.n_items, list(kept.cold_items)
    (2, 2, ['y'])
    """
    if isinstance(min_rating, bool) or not isinstance(min_rating, (int, float, np.integer, np.floating)) or not np.isfinite(min_rating):
        raise DataError("the minimum rating (min_rating; in the CLI: --min-rating; in the app: Minimum rating) must be a "
                        f"number, such as 4 on a 1-5 scale; got {min_rating!r}.")
    where = ds.options.get("interactions_file") or ds.name
    if not ds.has_ratings:
        raise DataError(
            f"{where}: a minimum rating ({min_rating:g}) needs ratings, and no rating column was read. Name it "
            "with columns={'rating': 'your column'} (in the CLI: --rating-col; in the app: Column mapping), or leave "
            "the minimum rating out to count every interaction."
        )
    ratings = ds.interactions[Columns.rating]
    keep = (ratings >= min_rating).to_numpy()
    if not keep.any():
        raise DataError(
            f"{where}: no rating is at least {min_rating:g} (the ratings run from {ratings.min():g} to "
            f"{ratings.max():g}), so nothing would be left. Choose a lower minimum rating."
        )
    frame = ds.interactions[keep].reset_index(drop=True)
    dropped = int((~keep).sum())
    # the note that 0 or -1 means "not rated" (and that min_rating would leave such rows out) is settled once they are
    # gone; the one that every rating counts alike (and names a minimum rating to choose) once one is chosen
    warnings = [w for w in ds.warnings if (_UNRATED not in w or ratings[keep].isin([-1.0, 0.0]).any()) and UNWEIGHTED not in w]
    if dropped:
        gone_users = ds.n_users - frame[Columns.user].nunique()
        warnings.append(
            f"{dropped:,} of {len(keep):,} interactions are rated below {min_rating:g} and were left out (the minimum rating): "
            "only ratings of at least that count as likes"
            + (f"; {gone_users:,} user(s) had no such rating and are gone." if gone_users else ".")
        )
    return Dataset(
        interactions=frame,
        items=ds.items,
        user_map=IdMap.from_values(frame[Columns.user], kind="user"),
        item_map=ds.item_map,
        name=ds.name,
        warnings=tuple(warnings),
        options={**ds.options, "min_rating": float(min_rating)},
    )


def _without_missing_ids(table: Table, columns: Sequence[str], warnings: list[str]) -> tuple[Table, np.ndarray]:
    """``table`` without the rows where any of ``columns`` has no id, and the positions kept; a warning counts the
    rows left out. All gone is an error."""
    gone = np.zeros(len(table.frame), dtype=bool)
    for c in columns:
        gone |= (id_strings(table.frame[c]) == "").to_numpy()
    keep = np.flatnonzero(~gone)
    if not gone.any():
        return table, keep
    if gone.all():
        raise DataError(f"{table.name}: no row has both a user and an item id ({', '.join(columns)}). Map the id "
                        "columns (columns={'user': ..., 'item': ...}; in the CLI: --user-col, --item-col; in the app: Column "
                        "mapping, User id and Item id).")
    warnings.append(f"{table.name}: {int(gone.sum()):,} row(s) with no user or item id were left out, first at "
                    f"{table.where(np.flatnonzero(gone))}.")
    return dataclasses.replace(table, frame=table.frame.iloc[keep].reset_index(drop=True),
                               lines=tuple(table.line_of(keep).tolist())), keep


def _item_lists(inter: Table, user_col: str, item: str | None, mapped: bool,
                warnings: list[str]) -> tuple[Table, str, np.ndarray]:
    """The item column of ``inter`` (``item``, else found by name), with the table read one row per item where it
    (and columns of the same ids beside it, unless the user ``mapped`` it) holds lists of items; with no column named
    like an item, the columns of lists are taken. Also which rows come before their row's time (see
    :func:`explode_item_lists`)."""
    try:
        item_col = find_column(inter, "item", item, required=True)
    except DataError:
        matrix = read_matrix(inter, user_col, warnings)  # numbers throughout: "4,5" is a rating of 4.5, not two items
        if matrix is not None:
            return matrix, "item", np.zeros(len(matrix.frame), dtype=bool)
        lists = find_list_columns(inter, None, [user_col])
        if not lists:
            raise
        item_col = lists[0].name
    else:
        lists = find_list_columns(inter, item_col, [user_col])
        lists = lists[:1] if mapped else lists  # a mapped column alone
    if not lists or user_col == item_col:
        return inter, item_col, np.zeros(len(inter.frame), dtype=bool)
    table, before = explode_item_lists(inter, item_col, lists, user_col, warnings)
    return table, item_col, before


def read_matrix(table: Table, user_col: str, warnings: list[str]) -> Table | None:
    """A matrix, one row per user and one column per item (a pivot table from a spreadsheet, Jester's ratings), read
    one row per (user, item, rating); None unless every column but the user's holds numbers (two columns at least).
    A blank cell is no interaction, and so is 0 where most cells hold 0 and none is below it (counts or 0/1).

    >>> t = read_matrix(Table(pd.DataFrame({"user": ["a", "b"], "Heat": ["5", ""], "Ran": ["", "3"]}), "m.csv"), "user", [])
    >>> t.frame.to_dict("records"), t.line_of([0, 1]).tolist()
    ([{'user': 'a', 'item': 'Heat', 'rating': 5.0}, {'user': 'b', 'item': 'Ran', 'rating': 3.0}], [1, 2])
    """
    items = [str(c) for c in table.frame.columns if str(c) != user_col]
    if len(items) < 2 or any(nested(v) for v in table.frame[items].head(50).to_numpy().ravel()):
        return None
    cells = table.frame[items].astype(object)
    empty = cells.map(blank).to_numpy(dtype=bool)
    values = np.column_stack([decimals(cells[c].astype(str)).to_numpy(dtype="float64") for c in items])
    bad = np.isnan(values) & ~empty
    if empty.all() or bad.sum() > max(1, 0.1 * (~empty).sum()):
        return None
    if bad.any():  # a matrix with a typo
        rows, cols = np.nonzero(bad)
        raise DataError(
            f"{table.name} reads as a matrix (one row per user, one column per item, each cell a rating), but column "
            f"{items[cols[0]]!r} holds {str(cells.iat[rows[0], cols[0]])!r} at {table.where(rows)}, which is no number. "
            "Write a number there or leave the cell blank (no interaction); or, if the file is no matrix, name its "
            "item column (columns={'item': ...}; in the CLI: --item-col; in the app: Column mapping, Item id)."
        )
    zeros = (values == 0) & ~empty
    none = empty | zeros if zeros.sum() > 0.5 * (~empty).sum() and not (values[~empty] < 0).any() else empty
    rows, cols = np.nonzero(~none)
    if not len(rows):
        return None
    frame = pd.DataFrame({user_col: table.frame[user_col].to_numpy()[rows], "item": np.asarray(items, dtype=object)[cols],
                          "rating": values[rows, cols]})
    zero_note = ", and so is each 0 (most cells hold 0)" if (none & ~empty).any() else ""
    warnings.append(
        f"{table.name} has no item column, and every column but {user_col!r} holds numbers, so it was read as a "
        f"matrix: one row per user, one column per item ({len(items):,} items, {len(frame):,} interactions; each "
        f"value is the rating). A blank cell is no interaction{zero_note}. If that is wrong, name the item column "
        "(columns={'item': ...}; in the CLI: --item-col; in the app: Column mapping, Item id)."
    )
    return dataclasses.replace(table, frame=frame, lines=tuple(table.line_of(rows).tolist()), headerless=False)


def interactions_sheet(book: Table, user: str | None, warnings: list[str]) -> Table:
    """The first sheet of a workbook that has a user column (``book`` itself, its first sheet, when it has one), the
    others kept as its ``sheets``."""
    tables = [dataclasses.replace(book, sheets=()), *book.sheets]
    for i, sheet in enumerate(tables):
        try:
            find_column(sheet, "user", user, required=True)
        except DataError:
            continue
        if i == 0:
            return book
        warnings[:] = [w for w in warnings if w not in book.notes]
        warnings.append(f"{book.name} has no user column, so the interactions were read from {sheet.name}.")
        return dataclasses.replace(sheet, sheets=tuple(t for j, t in enumerate(tables) if j != i), notes=book.notes)
    return book


def _items_sheet(book: Table, sheets: Sequence[Table], mapping: Mapping[str, str | None], item_col: str,
                 text: str | Sequence[str] | None, interacted: set[str],
                 warnings: list[str]) -> tuple[Table | None, pd.DataFrame | None]:
    """The first of a workbook's ``sheets`` that reads as the items of the interactions (ids of theirs, with text),
    and its items; (None, None) when none does. The note that ``book``'s other sheets were not read gives way to
    one that says which was."""
    for sheet in sheets:
        said: list[str] = []
        try:
            items = _items_from_table(sheet, mapping, item_col, text, said, interacted=interacted)
        except DataError:
            continue
        if items[Columns.item].isin(interacted).any():
            warnings[:] = [w for w in warnings if w not in book.notes]
            warnings.append(f"{sheet.name} was read as the items: their ids and texts.")
            warnings.extend(said)
            return sheet, items
    return None, None


def _unpadded(ids: pd.Series) -> pd.Series:
    """Ids of digits without their leading zeros or a trailing ``.0`` (``"007"`` -> ``"7"``, ``"000"`` -> ``"0"``,
    ``"10.0"`` -> ``"10"``, as pandas writes whole numbers of a column with blanks); other ids as they are.

    >>> _unpadded(pd.Series(["007", "000", "10.0", "B07", "1.5"])).tolist()
    ['7', '0', '10', 'B07', '1.5']
    """
    ids = ids.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    return ids.where(~ids.str.fullmatch(r"0+\d+"), ids.str.lstrip("0").replace("", "0"))


def _unhyphened(ids: pd.Series) -> pd.Series:
    """Ids made of digits and hyphens or spaces (ISBNs, phone-like codes) without the hyphens and spaces; others as
    they are.

    >>> _unhyphened(pd.Series(["978-0-14-044913-6", "0 14 1", "AB-12", "12"])).tolist()
    ['9780140449136', '0141', 'AB-12', '12']
    """
    spaced = ids.str.fullmatch(r"\d+(?:[- ]\d+)+")
    return ids.where(~spaced, ids.str.replace(r"[- ]", "", regex=True))


def _own_tables(interactions: Any, items: Any, columns: Mapping[str, Any] | None,
                text: Any) -> tuple[Any, Any, Mapping[str, Any] | None, Any, str | None]:
    """A :class:`Dataset`'s own tables (marked in their ``attrs``) read by their names, not guessed: ``weight`` is the
    dataset's (always 1), not a rating beside ``rating``, and ``text`` is the items' text as the dataset wrote it
    (not composed again from every text column, itself included). A role the caller maps, or a text it names, wins.
    The last value is the dataset's name, from its interactions table (None for any other table).

    >>> import recengine
    >>> ds = read_dataset(pd.DataFrame({"user": ["a", "b"], "item": ["x", "y"], "stars": [5, 3]}),
    ...                   pd.DataFrame({"item": ["x", "y"], "name": ["Kettle", "Mug"], "blurb": ["hot", "cup"]}))
    >>> back = read_dataset(ds.interactions, ds.items)
    >>> back.interactions.equals(ds.interactions), back.texts == ds.texts
    (True, True)
    """
    def own(frame: Any, table: str) -> bool:
        return isinstance(frame, pd.DataFrame) and frame.attrs.get(OWN_TABLE) == table

    own_name = interactions.attrs.get(OWN_NAME) if own(interactions, "interactions") else None
    if columns is not None and not isinstance(columns, Mapping):  # check_mapping says what columns= takes
        return interactions, items, columns, text, own_name
    mapping = dict(columns or {})
    if own(interactions, "interactions") and {Columns.user, Columns.item} <= set(interactions.columns) <= set(
            OWN_INTERACTION_COLUMNS):
        present = set(interactions.columns)
        for role, column in (("user", Columns.user), ("item", Columns.item), ("rating", Columns.rating),
                             ("timestamp", Columns.timestamp)):
            mapping.setdefault(role, column if column in present else None)
        if Columns.event in present:
            mapping.setdefault("event", Columns.event)
        interactions = interactions.drop(columns=[Columns.weight], errors="ignore")  # read_dataset sets it again
    if own(items, "items") and {Columns.item, Columns.title, Columns.text} <= set(items.columns) and text is None:
        mapping.setdefault("title", Columns.title)
        text = "{" + Columns.text + "}"
    return interactions, items, (mapping or columns), text, own_name


def _same_ids_but_written_apart(items: pd.DataFrame, frame: pd.DataFrame, inter_name: str, items_name: str,
                                warnings: list[str]) -> pd.DataFrame:
    """``items`` with its ids written as the interactions write them, where the two differ only by leading zeros
    (H&M's ``0108775015`` in the catalogue, ``108775015`` in transactions saved as integers; an ISBN saved as a
    number), a trailing ``.0`` (an id column with blanks, saved by pandas as floats), the hyphens or spaces of an id
    of digits (``978-0-14-044913-6`` and ``9780140449136``) or letter case (``sku 001`` and ``SKU 001``), at least half
    of the interacted items that lack a row in ``items`` find it so, and no two ids of either file become one; else
    ``items`` as it is. Ids that already match are never touched, so a few lacking rows are repaired as well as many.

    >>> items = pd.DataFrame({"item_id": ["0108775015", "0108775016"], "text": ["Strap top", "Tilly"]})
    >>> _same_ids_but_written_apart(items, pd.DataFrame({"item_id": ["108775015"]}), "t.parquet", "a.csv", [])["item_id"].tolist()
    ['108775015', '108775016']
    >>> items = pd.DataFrame({"item_id": ["sku 001", "sku 002", "Intent"], "text": ["Mug", "Pot", "Game"]})
    >>> _same_ids_but_written_apart(items, pd.DataFrame({"item_id": ["SKU 001", "SKU 002"]}), "o.csv", "p.csv", [])["item_id"].tolist()
    ['SKU 001', 'SKU 002', 'Intent']
    >>> items = pd.DataFrame({"item_id": [1, 2, 181], "text": ["A", "B", "C"]})  # saved as numbers; 181 never rated
    >>> _same_ids_but_written_apart(items, pd.DataFrame({"item_id": ["0000000001", "0000000002"]}), "r.csv", "b.csv", [])["item_id"].tolist()
    ['0000000001', '0000000002', '0000000181']
    >>> items = pd.DataFrame({"item_id": ["9780140449136", 743273565, "9781101"], "text": ["Odyssey", "Gatsby", "X"]})
    >>> inter = pd.DataFrame({"item_id": ["978-0-14-044913-6", "0743273565", "9781101"]})  # 2 of 3 lack a row
    >>> _same_ids_but_written_apart(items, inter, "r.csv", "b.jsonl", [])["item_id"].tolist()
    ['978-0-14-044913-6', '0743273565', '9781101']
    """
    ours = pd.Series(pd.unique(frame[Columns.item]), dtype=str)
    bare = _unpadded(_unhyphened(items[Columns.item].astype(str)))
    theirs, ours_key = bare.str.casefold(), _unpadded(_unhyphened(ours)).str.casefold()
    lacking = ~ours.isin(set(items[Columns.item].astype(str)))
    if theirs.duplicated().any() or ours_key.duplicated().any() or not ours_key[lacking].isin(set(theirs)).mean() >= 0.5:
        return items
    to_ours = dict(zip(ours_key, ours))  # the interactions' spelling wins; items nobody used lose their zeros only
    widths = ours.str.len()
    if ours.str.fullmatch(r"\d+").all() and widths.nunique() == 1 and ours.str.startswith("0").any():
        # the interactions pad every number to one width (ISBN-like 0000000001): the items nobody used are padded
        # alike, not left as 181 beside 0000000001 in one catalogue
        width = int(widths.iat[0])
        bare = bare.where(~(bare.str.fullmatch(r"\d+") & (bare.str.len() <= width)), bare.str.zfill(width))
    new = pd.Series([to_ours.get(t, b) for t, b in zip(theirs, bare)], index=items.index, dtype=object)
    changed = np.flatnonzero((new != items[Columns.item].astype(str)).to_numpy())
    if not len(changed):
        return items
    was, now = items[Columns.item].iat[changed[0]], new.iat[changed[0]]
    plain = _unhyphened(pd.Series([str(was), str(now)])).tolist()  # as the keys above read them
    how = ("letter case" if str(was).casefold() == str(now).casefold() else "hyphens or spaces" if plain[0] == plain[1]
           else "leading zeros and hyphens or spaces" if plain != [str(was), str(now)] else "leading zeros or a trailing '.0'")
    warnings.append(f"{items_name}: its item ids differ from those of {inter_name} only by {how} (e.g. {was!r} here, "
                    f"{now!r} there), so {len(changed):,} of them were read as the same ids, written as in {inter_name}.")
    return items.assign(**{Columns.item: new.to_numpy()})


_TIME_OF_DAY = re.compile(r"^\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*$")


def _date_and_time(table: Table, roles: Mapping[str, str | None], taken: set[str | None],
                   warnings: list[str]) -> tuple[Table, Mapping[str, str | None]]:
    """``table`` with a column of date and time read together, mapped as the timestamp, where the file writes the
    day in one column and the time of day in another (``date`` 2024-01-02 and ``time`` 10:30); else as it is."""
    if "timestamp" in roles or table.headerless:
        return table, roles
    named = [str(c) for c in table.frame.columns if str(c) not in taken
             and (norm(c) in ALIASES["timestamp"] or norm(c).endswith(("date", "time", "hour")))]
    head = {c: table.frame[c].dropna().head(200).astype(str) for c in named}
    clocks = [c for c in named if len(head[c]) and head[c].str.match(_TIME_OF_DAY).all()]
    if not clocks and (numbered := _day_number_and_clock(table, named, taken, warnings)) is not None:
        return numbered[0], {**roles, "timestamp": numbered[1]}
    if len(clocks) != 1:  # (most files: no column of times of day)
        return table, roles
    days = [c for c in named if c not in clocks and holds_times(table.frame[c])
            and not head[c].str.contains(r"\d:\d", regex=True).any()]
    if len(days) != 1:
        return table, roles
    both = f"{days[0]} {clocks[0]}"
    frame = table.frame.assign(**{both: table.frame[days[0]].astype(str).str.strip() + " "
                                  + table.frame[clocks[0]].astype(str).str.strip()})
    warnings.append(f"{table.name}: column {days[0]!r} holds the day and {clocks[0]!r} the time of day, so they were "
                    "read together as the timestamp.")
    return dataclasses.replace(table, frame=frame), {**roles, "timestamp": both}


#: names of a column that numbers the days (Dunnhumby's DAY: 1, 2, ... 711), read with a clock column beside it
_DAY_NUMBER_NAMES = ("day", "days", "dayno", "daynum", "daynumber", "dayid", "dayindex", "dayidx")


def _whole(values: pd.Series) -> pd.Series | None:
    """``values`` as whole numbers when every one is one (blanks aside), else None."""
    v = pd.to_numeric(values, errors="coerce")
    if v.isna().any() or not len(v) or not (v == np.floor(v)).all():
        return None
    return v.astype(np.int64)


def _day_number_and_clock(table: Table, named: list[str], taken: set[str | None],
                          warnings: list[str]) -> tuple[Table, str] | None:
    """Where a file numbers its days in one column and writes the time of day as HHMM digits in another
    (Dunnhumby's DAY 1 and TRANS_TIME 1631), the two read together as seconds from day 0; else None. Taken alone,
    the clock would order a Monday evening after a Tuesday morning."""
    def clock(values: pd.Series, whole: bool = True) -> bool:  # HHMM digits (some past 01:00, in the whole column)
        v = _whole(values.dropna())
        return v is not None and bool(v.between(0, 2359).all() and (v % 100 < 60).all()) and (not whole or bool((v >= 100).any()))

    def day_numbers(values: pd.Series) -> bool:
        v = _whole(values.dropna())
        return v is not None and bool((v >= 0).all())

    # the first rows rule most columns out before a whole column of a big log is read as numbers
    clocks = [c for c in named if clock(table.frame[c].head(200), whole=False) and clock(table.frame[c])]
    days = [str(c) for c in table.frame.columns if str(c) not in taken and norm(c) in _DAY_NUMBER_NAMES
            and day_numbers(table.frame[c])]
    if len(clocks) != 1 or len(days) != 1 or table.frame[[days[0], clocks[0]]].isna().any().any():
        return None
    day, clock = table.frame[days[0]].astype(np.int64), table.frame[clocks[0]].astype(np.int64)
    both = f"{days[0]} {clocks[0]}"
    frame = table.frame.assign(**{both: day * 86400 + clock // 100 * 3600 + clock % 100 * 60})
    warnings.append(f"{table.name}: column {days[0]!r} numbers the days and {clocks[0]!r} writes the time of day as "
                    "HHMM, so they were read together as the timestamp (seconds from day 0; the calendar dates "
                    "are not in the file).")
    return dataclasses.replace(table, frame=frame), both


#: how :func:`_unrated_note` says what -1 or 0 means (and how ``keep_ratings_at_least`` finds the note it settles)
_UNRATED = "for an item watched or read but not rated."


def _unset_value(ratings: pd.Series) -> float | None:
    """-1 or 0 where a rating column writes it below a scale that starts one higher (see :func:`_unrated_note`)."""
    for unset in (-1.0, 0.0):
        unrated = ratings.eq(unset)
        rated = ratings[~unrated]
        if unrated.any() and len(rated) and rated.min() >= unset + 1 and rated.max() >= 3:
            return unset
    return None


def _unrated_note(ratings: pd.Series, name: str, column: str, warnings: list[str]) -> None:
    """A word for a rating column that writes -1 or 0 below a scale that starts one higher: the Anime
    Recommendations data writes -1 for "watched, not rated" beside 1 to 10, Goodreads and Book-Crossing 0 for "read
    (or shelved), not rated" beside 1 to 5 or 10. Such rows stay interactions. A like/dislike scale (-1 and 1, 0 and 1)
    or one whose ratings reach below (0 to 5 with a 0.5) gets no word."""
    unset = _unset_value(ratings)
    if unset is None:
        return
    unrated = ratings.eq(unset)
    rated = ratings[~unrated]
    lists = "the Anime Recommendations data" if unset < 0 else "Goodreads and Book-Crossing"
    warnings.append(f"{name}: column {column!r} (rating) holds {unset:g} in {int(unrated.sum()):,} rows beside ratings from "
                    f"{rated.min():g} to {rated.max():g}; {lists} write {unset:g} {_UNRATED} Those rows count as "
                    "interactions; to count only rated ones, keep ratings of at least "
                    f"{unset + 1:g} (min_rating={unset + 1:g}; in the CLI: --min-rating {unset + 1:g}; in the app: "
                    "Minimum rating, under Column mapping).")


#: a rating column that counts (units bought, plays): a value below 0 is a return or a cancellation, no interaction
_COUNT_NAMES = ("quantity", "qty", "count", "purchases", "units", "unitssold", "plays", "playcount", "listens",
                "listencount", "views", "clicks")


def _counts(rating_col: str) -> bool:
    """Whether a rating column counts (plays, units bought) by its name: its values add up over repeated rows."""
    return norm(rating_col.rsplit(".", 1)[-1]) in _COUNT_NAMES


#: the words that start :func:`unweighted_ratings`'s warning (a sample whose benchmarks count every rating drops it)
UNWEIGHTED = "every row counts as one interaction whatever its"


def unweighted_ratings(ratings: pd.Series, name: str, column: str, share: float = 0.10) -> str | None:
    """A warning when a rating column spans a scale (or counts) and at least ``share`` of the rows sit low on it:
    models count every row as one interaction, so a 1-star review or one play weighs as much as a favourite. It
    names the minimum rating that keeps the upper half of a scale of up to 10 (3 of 1-5, 6 of 1-10) or, above 10
    (counts, scores out of 100), the rows above the median.

    >>> import pandas as pd
    >>> unweighted_ratings(pd.Series([1.0, 2, 5, 4, 4, 5, 3, 5, 4, 5]), "r.csv", "stars")[:62]
    "r.csv: column 'stars' (rating) runs from 1 to 5, but every row"
    >>> unweighted_ratings(pd.Series([4.0, 5, 4, 5, 3, 5, 4, 5, 4, 5]), "r.csv", "stars") is None  # hardly any low
    True
    >>> "--min-rating 2" in unweighted_ratings(pd.Series([1.0] * 8 + [30, 39]), "p.csv", "plays")
    True
    >>> unweighted_ratings(pd.Series([0.0, 1, 1, 0]), "t.csv", "thumb") is None  # a like/dislike: its own note
    True
    """
    values = ratings.dropna()
    if (unset := _unset_value(values)) is not None:  # "watched, not rated": _unrated_note says what to do
        values = values[values.ne(unset)]
    if values.nunique() < 3:
        return None
    lo, hi = float(values.min()), float(values.max())
    # a scale of up to 10 starts at 1 (or lower) whatever the lowest rating given: 3 to 5 are all upper-half ratings
    cut = float(np.ceil((min(lo, 1.0) + hi) / 2)) if hi <= 10 else max(float(values.median()), lo + 1)
    low = values.lt(cut)
    if low.mean() < share:
        return None
    what = f"a {column} of {lo:g} weighs as much as one of {hi:g}"
    return (f"{name}: column {column!r} (rating) runs from {lo:g} to {hi:g}, but {UNWEIGHTED} value: {what}, and "
            f"{int(low.sum()):,} rows ({low.mean():.0%}) are below {cut:g}. To count only the rows of at least {cut:g}: "
            f"min_rating={cut:g} (in the CLI: --min-rating {cut:g}; in the app: Minimum rating, under Column mapping).")


def _without_returns(frame: pd.DataFrame, table: Table, rating_col: str, warnings: list[str]) -> pd.DataFrame:
    """``frame`` without the rows whose count is below 0, where the rating column counts (Online Retail's Quantity
    is negative on its cancelled 'C' invoices); as it is otherwise. A warning says how many were left out."""
    if not _counts(rating_col):
        return frame
    returned = (frame[Columns.rating] < 0).to_numpy()
    if not returned.any() or returned.all():
        return frame
    first = np.flatnonzero(returned)[0]
    warnings.append(f"{table.name}: column {rating_col!r} counts, and is below 0 in {int(returned.sum()):,} rows (returns "
                    f"or cancellations, e.g. at {table.where([int(frame.index[first])])}); those rows were left out. To "
                    "count them as interactions too, read no rating column (columns={'rating': None}; in the app: Column "
                    "mapping, Rating / weight: (none); in the CLI: --rating-col none).")
    return frame[~returned]


def _swapped(inter: Table, item_table: Table | None, items: Source | None, max_bytes: int | None) -> None:
    """Raise an error that says so when the interactions have no user column but the items file has users and
    items: the two files were given the other way round (an easy slip on a stage, with two upload boxes)."""
    if item_table is None:
        return
    other = item_table
    if other.format.startswith("json"):  # read as interactions are: one row per record of a list it holds (Steam's)
        try:
            other = read_table(items, default_name="items", max_bytes=max_bytes)
        except DataError:
            return
    try:
        user = find_column(other, "user", None, required=True)
        item = find_column(other, "item", None, required=True)
        found = f"users ({user!r}) and items ({item!r})"
    except DataError:
        # no column named for users (an "email"): the interactions' ids, one per row, repeat in a column of the other
        found = _ids_of_one_in_other(inter, other)
        if found is None:
            return
    raise DataError(f"{inter.name} has no user column, but {other.name} has {found}: the two files look swapped. Give "
                    f"{other.name} as the interactions and {inter.name} as the items (in the app: the other upload box).")


#: Below this many rows, one interaction per user is a small sample, not a sign of the wrong file.
ONE_PER_USER_ROWS = 20


def one_row_per_user(frame: pd.DataFrame, name: str, user_col: object) -> str | None:
    """A warning when every user has exactly one interaction (of :data:`ONE_PER_USER_ROWS` rows or more): the column
    read as the user then holds a different value on every row, as an items file's id does, and no model can learn
    which items go together. A probe gave a headerless news catalogue as the interactions: "400 users, 8 items", the
    items its categories, loaded without a word.

    >>> one_row_per_user(pd.DataFrame({"user_id": [f"N{i}" for i in range(30)], "item_id": ["news"] * 30}), "n.tsv",
    ...                  "column 1")[:60]
    'n.tsv: each of its 30 users has exactly one interaction (col'
    """
    n = len(frame)
    if n < ONE_PER_USER_ROWS or frame[Columns.user].nunique() < n:
        return None
    return (f"{name}: each of its {n:,} users has exactly one interaction (column {str(user_col)!r}, read as the user, "
            "holds a different value on every row), so no model can learn which items go together. If this is an "
            "items file (one row per item), give it as the items; if the users are in another column, map it "
            "(columns={'user': ...}; in the CLI: --user-col; in the app: Column mapping, User id).")


def _ids_of_one_in_other(inter: Table, other: Table) -> str | None:
    """What says that ``inter`` is an items file and ``other`` the interactions, by their values alone (as files with no
    header row must be told): a column of ``inter`` with one distinct id per row whose ids repeat in a column of
    ``other`` (see :func:`_repeated_ids`), or make up the lists of items in a column of ``other`` (MIND's news ids in
    the click histories of its behaviors). None when neither holds."""
    pair = _repeated_ids(inter, other)
    if pair is not None:
        return (f"the ids of {inter.name}'s {pair[0]!r}, one per row there, repeated in its {pair[1]!r} as "
                "interactions are")
    pair = _listed_in(inter, other)
    if pair is not None:
        return (f"the ids of {inter.name}'s {pair[0]!r}, one per row there, in the lists of items of its {pair[1]!r} "
                "as interactions hold them")
    return None


def _listed_in(inter: Table, other: Table) -> tuple[str, str] | None:
    """(column of ``inter``, column of ``other``) where ``inter``'s column holds one distinct id per row, as an items
    file does, and nine in ten of the distinct ids listed in ``other``'s column of item lists are those ids."""
    frame, log = inter.frame, other.frame
    if len(frame) < 3:
        return None
    listed = {str(d): ids for d in log.columns if len(ids := listed_ids(log[d].head(5000))) >= 2}
    if not listed:
        return None
    for c in frame.columns:
        head = frame[c].head(1000)
        if head.map(nested).any():
            continue
        ids = id_strings(frame[c])
        if (ids == "").any() or not ids.is_unique:
            continue
        known = set(ids)
        for d, theirs in listed.items():
            if len(theirs & known) >= 0.9 * len(theirs):
                return str(c), d
    return None


def _repeated_ids(inter: Table, other: Table) -> tuple[str, str] | None:
    """(column of ``inter``, column of ``other``) where ``inter``'s column holds one distinct id per row, as an items
    file does, and most values of ``other``'s column are those ids, each many times over, as interactions are."""
    frame, log = inter.frame, other.frame
    if len(frame) < 10 or len(log) < 2 * len(frame) // 3:
        return None
    for c in frame.columns:
        ids = frame[c]
        if ids.map(lambda v: isinstance(v, (list, dict))).any() or not ids.astype(str).is_unique:
            continue
        known = set(ids.astype(str))
        for d in log.columns:
            values = log[d].astype(str).head(20_000)
            if values.isin(known).mean() >= 0.8 and values.nunique() < 0.7 * len(values):
                return str(c), str(d)
    return None


def _rows_as_users(inter: Table, warnings: list[str]) -> tuple[Table, str]:
    """``inter`` with a column that names each row by its line, to stand for the user: a file of sessions, one row
    each with its items in a list and no user (Amazon-M2's prev_items and next_item)."""
    name = "row"  # (the caller checked that the file has no such column)
    rows = [f"row {n}" for n in inter.line_of(np.arange(len(inter.frame)))]
    warnings.append(f"{inter.name} has no user column, and each row holds a list of items, so each row stands for a "
                    "user (a session), named by its line. If a column names the user, map it (columns={'user': ...}; in "
                    "the CLI: --user-col; in the app: Column mapping, User id).")
    return dataclasses.replace(inter, frame=inter.frame.assign(**{name: rows})), name


def _user_or_session(inter: Table, user_col: str, warnings: list[str]) -> str:
    """``user_col``, unless it is empty in most rows and a session (or basket, order) column is full: Diginetica's
    views name a user in one row in six, and each session stands for one. A warning says so."""
    users = inter.frame[user_col]
    if id_strings(users.sample(n=min(len(users), 20_000), random_state=0)).eq("").mean() <= 0.5:  # a sample tells
        return user_col
    blank = id_strings(users).eq("")
    sessions = [c for c in map(str, inter.frame.columns)
                if c != user_col and norm(c) in NAME_ALIASES["user"] and not id_strings(inter.frame[c]).eq("").any()]
    if len(sessions) != 1:
        return user_col
    warnings.append(
        f"{inter.name}: column {user_col!r} is empty in {int(blank.sum()):,} of {len(blank):,} rows, so each "
        f"{sessions[0]!r} stands for a user (anonymous sessions). To take {user_col!r} and leave out the rows without "
        f"one, map it (columns={{'user': {user_col!r}}} with skip_missing_ids=True; in the CLI: --user-col {user_col} "
        f"--skip-missing-ids; in the app: Column mapping, User id: {user_col}, with Skip rows with no user or item id)."
    )
    return sessions[0]


def _item_key(inter: Table, item_table: Table, user_col: str, warnings: list[str]) -> str | None:
    """The interactions' item column when the items file names its items by another of the interactions' columns.

    Amazon's 2023 reviews carry both ``asin`` (the variant bought) and ``parent_asin``; their metadata is keyed by
    ``parent_asin`` alone. Of the columns both files hold, the one whose values are unique in the items file and
    name most of the interactions' values in it is taken; None (find it by name) when the column found by name is
    in the items file too, or no single shared column holds the same ids.
    """
    try:
        named = find_column(inter, "item", None, required=False)
    except DataError:
        named = None
    shared = [c for c in map(str, inter.frame.columns) if c in item_table.frame.columns and c != user_col]
    if named in shared or not shared or item_table.headerless or inter.headerless:
        return None
    keys = []
    for col in shared:
        ids, theirs = item_table.frame[col].dropna(), inter.frame[col].dropna().head(20_000)
        if ids.empty or theirs.empty or ids.head(1000).map(nested).any() or theirs.head(1000).map(nested).any():
            continue
        ids = id_strings(ids)
        if ids.duplicated().mean() <= 0.1 and np.isin(pd.unique(id_strings(theirs)), ids.to_numpy()).mean() >= 0.5:
            keys.append(col)
    if len(keys) != 1:
        return None
    if named is not None:
        warnings.append(
            f"{inter.name}: the items file {item_table.name} names its items by {keys[0]!r}, which the interactions "
            f"hold too, so {keys[0]!r} was taken as the item, not {named!r}. If that is wrong, map it "
            f"(columns={{'item': {named!r}}}; in the app: Column mapping; in the CLI: --item-col {named})."
        )
    return keys[0]


def roles_by_position(table: Table, mapping: Mapping[str, str | None], warnings: list[str]) -> dict[str, str | None]:
    """The roles of a file with no header row, read in the order most such files use (MovieLens' ``u.data`` and
    ``ratings.dat``, Last.fm, Netflix): the user, then the item, then a time (unix seconds or dates) and a number
    (the rating or count), wherever they come. What ``mapping`` names wins; the warning says what was assumed.
    """
    cols = [str(c) for c in table.frame.columns]
    counter = cols[0] if len(cols) > 2 and _row_numbers(table.frame[cols[0]]) else None  # pandas' index, written out
    ids = [c for c in cols if c != counter]
    if len(ids) < 2:
        raise DataError(f"{table.name} has no header row and only one column of ids, but every interaction needs a user "
                        "and an item: give the file a user column and an item column.")
    roles = dict(mapping)
    user = roles.setdefault("user", next(c for c in ids if c != roles.get("item")))
    item = roles.setdefault("item", next((c for c in ids if c != user and not holds_times(table.frame[c])),
                                         next(c for c in ids if c != user)))
    rest = [c for c in ids if c not in (user, item)]
    if "timestamp" not in roles:
        roles["timestamp"] = next((c for c in rest if holds_times(table.frame[c])), None)
    if "rating" not in roles:
        roles["rating"] = next((c for c in rest if c != roles["timestamp"] and _reads_as_rating(table.frame[c])), None)
    if "event" not in roles:  # Taobao's pv, buy, cart, fav
        roles["event"] = next((c for c in rest if c not in (roles["timestamp"], roles["rating"])
                               and _reads_as_events(table.frame[c])), None)
    read = [f"{roles[r]} as the {r}" for r in (*ROLES, "event") if roles.get(r) is not None and r not in mapping]
    skipped = f"; {counter} counts the rows and was left out" if counter is not None and counter not in roles.values() else ""
    if read:
        frame = table.format == "dataframe"  # a DataFrame built from rows: its columns are numbered, not named
        warnings.append(
            f"{table.name} has {'no column names' if frame else 'no header row'}, so its columns were read by position: "
            f"{_and(read)}{skipped}. If that is wrong, "
            + ("name its columns (user_id, item_id, rating, timestamp)" if frame else
               "add a header row (user_id, item_id, rating, timestamp)")
            + ", or map the columns by these names "
            f"(columns={{'user': '{cols[1]}', ...}}; in the app: Column mapping; in the CLI: --user-col '{cols[1]}')."
        )
    return roles


def _reads_as_rating(values: pd.Series) -> bool:
    """Whether a column of a file with no header reads as a rating or a count: numbers throughout (a code such as
    YooChoose's category, 0, S or a brand id, is none), not below 0, in whole or half steps, and not all one value.
    Foursquare's check-ins hold a latitude (40.71981037) and a time-zone offset (-240) where no rating is.

    >>> [_reads_as_rating(pd.Series(v)) for v in (["3", "4.5", "1"], ["12", "0", "240"], ["40.7198", "40.69"],
    ...                                            ["-240", "-300"], ["0", "S", "0"], ["5", "5"], ["2520377", "149192"])]
    [True, True, False, False, False, False, False]
    """
    if not holds_numbers(values, share=1):
        return False
    numbers = decimals(values.dropna().head(200)).to_numpy(dtype="float64")
    whole = (numbers >= 0).all() and (numbers * 2 == np.round(numbers * 2)).all() and len(np.unique(numbers)) > 1
    return bool(whole and np.median(numbers) <= 10_000)  # Taobao's category ids (2520377) are no counts


def _reads_as_events(values: pd.Series) -> bool:
    """Whether a column of a file with no header names kinds of event: a few words (two to ten, each one word with no
    digit), each on many rows, as Taobao's ``pv``, ``buy``, ``cart`` and ``fav``.

    >>> _reads_as_events(pd.Series(["pv"] * 6 + ["buy", "cart"])), _reads_as_events(pd.Series(["Bridge", "Arts & Crafts"] * 3))
    (True, False)
    """
    kinds = id_strings(values.head(1000)).value_counts()
    return bool(2 <= len(kinds) <= 10 and len(kinds) < kinds.sum() / 2
                and all(re.fullmatch(r"[^\W\d]+", str(k)) for k in kinds.index))


def _row_numbers(values: pd.Series) -> bool:
    """Whether a column counts its rows, 0, 1, 2... or 1, 2, 3... (three rows at least): a written-out index.

    >>> _row_numbers(pd.Series(["0", "1", "2"])), _row_numbers(pd.Series(["196", "186", "22"]))
    (True, False)
    """
    n = pd.to_numeric(values, errors="coerce")
    if len(n) < 3 or n.isna().any():
        return False
    steps = np.arange(len(n))
    return bool((n.to_numpy() == steps).all() or (n.to_numpy() == steps + 1).all())


def guess_columns(table: Table, kind: str = "interactions") -> dict[str, str | None]:
    """The column :func:`read_dataset` would take for each role of ``table``, read as ``"interactions"`` or as
    ``"items"`` (then only ``item``, its id), with no mapping; None where none is found or several look alike.
    A mapping form shows these as its defaults."""
    if table.headerless:
        return {"item": str(table.frame.columns[0])} if kind == "items" else {
            r: c for r, c in roles_by_position(table, {}, []).items() if r in ROLES}
    guesses: dict[str, str | None] = {}
    for role in ("item",) if kind == "items" else (*ROLES, "event"):
        try:
            guesses[role] = find_column(table, role, None, required=False)
        except DataError:
            guesses[role] = None
    if guesses.get("event") is not None and not event_kinds(table, guesses["event"]):
        guesses["event"] = None
    if kind != "items":
        guesses["label"] = label_column(table, taken={guesses.get("user"), guesses.get("item")})
    if kind != "items" and guesses["item"] is None and guesses["user"] is not None:  # lists of items, named otherwise
        lists = find_list_columns(table, None, [guesses["user"]])
        guesses["item"] = lists[0].name if lists else None
    return guesses


def _ones_and_zeros(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which of ``values`` are 1 (or true) and which 0 (or false)."""
    text = values.astype(str).str.strip().str.lower()
    return text.isin(("1", "1.0", "true")), text.isin(("0", "0.0", "false"))


def label_column(table: Table, taken: set[str | None] = frozenset()) -> str | None:
    """The column that labels each row 1 (clicked, bought) or 0 (shown only): the first column named like a label
    (``is_click`` before ``is_like``) that holds 0s and 1s (nine values in ten, for the load to name the others),
    both. None when there is none.

    >>> label_column(Table(pd.DataFrame({"is_like": [0, 1], "is_click": [1, 0], "views": [3, 1]}), "log.csv"))
    'is_click'
    """
    cols = [str(c) for c in table.frame.columns if str(c) not in taken]
    for alias in ALIASES["label"]:
        for c in cols:
            if norm(c) != alias:
                continue
            ones, zeros = _ones_and_zeros(table.frame[c].head(20_000))
            if ones.any() and zeros.any() and (ones | zeros).mean() >= 0.9:
                return c
    return None


def _labels(table: Table, roles: Mapping[str, str | None], taken: set[str | None],
            warnings: list[str]) -> tuple[str | None, pd.Series | None]:
    """The label column (None: none, or mapped to None) and which rows it keeps: those labelled 1."""
    if "label" in roles and roles["label"] is None:
        return None, None
    column = (find_column(table, "label", roles["label"], required=True) if roles.get("label")
              else label_column(table, taken))
    if column is None:
        return None, None
    ones, zeros = _ones_and_zeros(table.frame[column])
    bad = np.flatnonzero(~(ones | zeros).to_numpy())
    if len(bad) or not ones.any():
        where = f"{str(table.frame[column].iloc[bad[0]])!r} at {table.where(bad)}" if len(bad) else "0 in every row"
        raise DataError(f"{table.name}: column {column!r} (label) must hold 1 (clicked, chosen) or 0 (shown only) in "
                        f"each row; it holds {where}. Fix those rows, or read no label column (columns={{'label': "
                        "None}; in the CLI: --label-col none; in the app: Column mapping, Label: (none)).")
    if not zeros.any():  # every row labelled 1: every row counts
        return column, None
    warnings.append(
        f"{table.name}: column {column!r} labels each row 1 (clicked, chosen) or 0 (shown only), so only the "
        f"{int(ones.sum()):,} rows labelled 1 count; the {int((~ones).sum()):,} labelled 0 were left out. To count "
        "every row, read no label column (columns={'label': None}; in the CLI: --label-col none; in the app: Column "
        "mapping, Label: (none))."
    )
    return column, ones


def event_kinds(table: Table, column: str | None) -> list[str]:
    """The kinds of event in ``column``, most frequent first; none when there is no such column or it holds more than
    :data:`MAX_EVENT_KINDS` (then it is not a column of event kinds).

    >>> event_kinds(Table(pd.DataFrame({"event": ["view", "view", "buy"]}), "log.csv"), "event")
    ['view', 'buy']
    """
    if column is None:
        return []
    counts = id_strings(table.frame[column]).value_counts()
    return [str(k) for k in counts.index] if len(counts) <= MAX_EVENT_KINDS else []


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _event_kinds(
    table: Table, column: str | None, mapped: bool, frame: pd.DataFrame, events: Sequence[str] | None, warnings: list[str]
) -> tuple[str | None, np.ndarray | None]:
    """Read the kind of each event into ``frame``: the column read (or None), and which rows to keep for ``events``.

    A column named like an event type holding more than :data:`MAX_EVENT_KINDS` kinds is not one (an "action" of free
    text), unless the mapping names it.
    """
    if events is not None and (isinstance(events, str) or not all(isinstance(e, str) for e in events) or not events):
        raise DataError(f"events names the kinds of event to count, e.g. ['transaction', 'addtocart']; got {events!r}.")
    kinds = id_strings(table.frame[column]) if column is not None else None
    counts = kinds.value_counts() if kinds is not None else None
    if counts is not None and not mapped and len(counts) > MAX_EVENT_KINDS:
        column, kinds, counts = None, None, None
    if kinds is None or counts is None:
        if events is not None:
            raise DataError(
                f"{table.name}: events {', '.join(map(repr, events))} were asked for, but no column of event kinds was "
                f"found among: {', '.join(map(str, table.frame.columns))}. Name it with columns={{'event': 'your column'}} "
                "(in the CLI: --event-col), or leave events out to count every row."
            )
        return None, None
    listed = ", ".join(f"{k or '(empty)'} {n:,}" for k, n in counts.head(6).items()) + (", ..." if len(counts) > 6 else "")
    if events is None:
        if len(counts) > 1:
            # the rarest kinds, as purchases are rarer than views; never one that reads as turning away ("skip")
            kept = [k for k in counts.index if not NEGATIVE_EVENT.search(str(k))] or list(counts.index)
            example = ",".join(str(k) for k in kept[-2:][::-1])
            warnings.append(
                f"{table.name}: column {column!r} holds {len(counts)} kinds of event ({listed} rows); every one counts as "
                "an interaction. To count only some (purchases, not views), name them: events=[...] (in the CLI: "
                f"--events {example}; in the app: Column mapping, Events that count)."
            )
        frame[Columns.event] = kinds.to_numpy()
        return column, None
    wanted = [str(e).strip() for e in events]
    unknown = [e for e in wanted if e not in counts.index]
    if unknown:
        raise DataError(
            f"{table.name}: column {column!r} has no event {', '.join(map(repr, unknown))}; its kinds are: {listed} "
            "rows. Name some of those."
        )
    keep = kinds.isin(wanted).to_numpy()
    dropped = counts.drop(wanted)
    if dropped.sum():
        warnings.append(
            f"{table.name}: only {', '.join(wanted)} events count ({int(keep.sum()):,} rows); {int(dropped.sum()):,} rows of "
            f"{', '.join(str(k) or '(empty)' for k in dropped.index[:6])} were left out before duplicate pairs merged."
        )
    frame[Columns.event] = kinds.to_numpy()
    return column, keep


#: the optional roles of the interactions a user may map a column to
_MAPPED_ROLES = ("rating", "timestamp", "event", "label")


def _optional(table: Table, role: str, mapping: Mapping[str, str | None], taken: set[str | None]) -> str | None:
    """The column of an optional role: the one mapped to it, else one found by name among the columns that no other
    role has taken or been mapped to (a column mapped as the timestamp is never guessed to be the rating first)."""
    if role in mapping and mapping[role] is None:  # mapped to None: read no such column, even if one looks like it
        return None
    explicit = mapping.get(role)
    if explicit is not None and explicit in taken:
        raise DataError(f"{table.name}: column {explicit!r} is mapped as the {role} but is read as another role already. "
                        f"Map each role to a column of its own (in the app: Column mapping; in the CLI: --{role}-col).")
    reserved = {mapping.get(r) for r in _MAPPED_ROLES if r != role}
    frame_cols = [c for c in table.frame.columns if c not in taken and (c == explicit or c not in reserved)]
    sub = dataclasses.replace(table, frame=table.frame[frame_cols])
    return find_column(sub, role, explicit, required=False, aliases=ALIASES[role])


def _no_shared_items(inter_name: str, items_name: str, used: list[str], listed: list[str]) -> str:
    """The message for an items file that shares no id with the interactions, with the likely cause."""
    theirs = set(_unpadded(pd.Series(used, dtype=str)))
    padded = [i for i, bare in zip(listed, _unpadded(pd.Series(listed, dtype=str))) if bare in theirs]
    hint = ""
    if padded:  # some two ids of one file would become one (else the load reads them as the same ids)
        hint = (f" The ids differ only by leading zeros (e.g. {padded[0]!r}): write them the same way in both files "
                "(keep them as text when exporting).")
    folded = {str(i).casefold(): str(i) for i in listed}
    cased = next(((str(u), folded[str(u).casefold()]) for u in used if str(u).casefold() in folded), None)
    if cased is not None and not hint:  # the load matches ids up to case only where no two of a file become one
        hint = (f" Some ids differ only by letter case (e.g. {cased[0]!r} there, {cased[1]!r} here), but they were not "
                "read as the same ids because some of them would then name two items or too few would match: write "
                "them in the same case in both files.")
    return (
        f"{items_name}: none of its item ids is an item of {inter_name} (e.g. {', '.join(map(repr, used[:3]))} there, "
        f"{', '.join(map(repr, listed[:3]))} here), so no interacted item would have text.{hint} Check that the "
        "items file belongs to these interactions, or map its id column (columns={'items_id': ...}; "
        "in the app: Column mapping, Item id in the items file; in the CLI: --items-id-col)."
    )


def _merge_duplicates(frame: pd.DataFrame, table: Table, warnings: list[str], counts: bool = False) -> pd.DataFrame:
    """One row per (user, item): the latest, dated when the pair was first seen; where the rating column counts
    (plays, units), the rows' counts added up (a track played 30, 30 and 2 times was played 62 times, not 2)."""
    dup = frame.duplicated([Columns.user, Columns.item], keep=False)
    if not dup.any():
        return frame
    order = [Columns.timestamp, "_order"] if Columns.timestamp in frame.columns else ["_order"]
    merged = frame.sort_values(order).drop_duplicates([Columns.user, Columns.item], keep="last").sort_values("_order")
    if counts:
        total = frame.groupby([Columns.user, Columns.item], sort=False)[Columns.rating].sum()
        merged[Columns.rating] = total.reindex(pd.MultiIndex.from_arrays([merged[Columns.user], merged[Columns.item]])).to_numpy()
    if Columns.timestamp in frame.columns:  # the latest rating, at the time the pair was first seen: a user's
        # first items (the few-shot profile) are the first they met, not the ones they last came back to
        first = frame.groupby([Columns.user, Columns.item], sort=False)[Columns.timestamp].min()
        at = pd.MultiIndex.from_arrays([merged[Columns.user], merged[Columns.item]])
        merged[Columns.timestamp] = first.reindex(at).to_numpy()
    n_removed = len(frame) - len(merged)
    involved = frame.loc[dup]
    n_pairs = len(involved.drop_duplicates([Columns.user, Columns.item]))
    first = involved["_order"].to_numpy()
    warnings.append(
        f"{table.name}: {n_pairs:,} (user, item) pair(s) are duplicated across {len(first):,} rows (first at "
        f"{table.where(first, limit=3)}); each pair was merged into one row"
        + (" that adds up their counts" if counts else " that keeps the latest row's values" + (
            " by timestamp" if Columns.timestamp in frame.columns else " in the file"))
        + (", dated at the pair's first time (so a user's first items stay first)" if Columns.timestamp in frame.columns
           else "")
        + f", so {n_removed:,} row(s) were dropped."
    )
    return merged


def _better_key(table: Table, named: str, interacted: set[str], warnings: list[str]) -> str:
    """``named``, the items file's column named as the interactions' items, unless it holds few of their ids and
    another column of ids unique in the file holds far more: goodbooks-10k's ratings name a book by books.csv's
    ``id``, not its ``book_id`` (Goodreads' own id, which matches a few by chance)."""
    head = table.frame.head(20_000)
    wanted = min(len(interacted), len(head))  # as many as the first rows can hold
    found = {named: _shared_ids(table, named, interacted)}
    if found[named] >= 0.5 * wanted:  # the usual case: the name is right
        return named
    for c in map(str, head.columns):
        if c != named and not head[c].head(1000).map(nested).any() and not id_strings(head[c].dropna()).duplicated().any():
            found[c] = _shared_ids(table, c, interacted)
    best = max(found, key=found.__getitem__)  # of equals, the named one
    if found[best] < max(2 * found[named], 0.5 * wanted, 1):
        return named
    warnings.append(f"{table.name}: its column {named!r} holds only {found[named]:,} of the interactions' item ids in its "
                    f"first rows, and column {best!r} holds {found[best]:,}, so {best!r} was taken as the item id. If "
                    f"that is wrong, map it (columns={{'items_id': {named!r}}}; in the CLI: --items-id-col {named}; in the app: "
                    "Column mapping, Item id in the items file).")
    return best


def _shared_ids(table: Table, column: str, interacted: set[str], sample: int = 20_000, fold: bool = False) -> int:
    """How many of the first rows of ``column`` hold an item id of the interactions (``interacted``; with ``fold``,
    ids case-folded, as ``interacted`` must be then)."""
    values = table.frame[column].head(sample)
    if values.map(nested).any():
        return 0
    ids = id_strings(values)
    return int((ids.str.casefold() if fold else ids).isin(interacted).sum())


def _items_from_table(
    table: Table,
    mapping: Mapping[str, str | None],
    inter_item_col: str,
    text: str | Sequence[str] | None,
    warnings: list[str],
    interacted: set[str] = frozenset(),
) -> pd.DataFrame:
    cols = [str(c) for c in table.frame.columns]
    explicit_item = mapping.get("item")
    if mapping.get(ITEMS_ID) is not None:
        id_col = find_column(table, "item", mapping[ITEMS_ID], required=True)
    elif table.headerless:  # ids first, as in MovieLens' movies.dat and u.item
        id_col = cols[0]
    elif explicit_item is not None and explicit_item in cols:
        id_col = explicit_item
    elif inter_item_col in cols:
        id_col = _better_key(table, inter_item_col, interacted, warnings)
    else:
        try:
            id_col = find_column(table, "item", None, required=True)
        except DataError:
            id_col = None
        if cols and (id_col is None or not _shared_ids(table, id_col, interacted)):  # Steam's games: "id"
            shared = {c: _shared_ids(table, c, interacted) for c in cols}
            by_values = max(cols, key=shared.__getitem__)
            case = ""
            if not shared[by_values] and interacted:  # MusicBrainz ids upper-case in one file, lower in the other
                folded = {str(i).casefold() for i in interacted}
                shared = {c: _shared_ids(table, c, folded, fold=True) for c in cols}
                by_values = max(cols, key=shared.__getitem__)
                case = " (up to letter case)"
            if shared[by_values]:
                id_col = by_values
                warnings.append(f"{table.name}: no column named like an item id holds the interactions' items, so "
                                f"column {by_values!r}, which holds them{case}, was taken as the item id. If that is "
                                "wrong, map it (columns={'items_id': ...}; in the app: Column mapping, Item id in the "
                                "items file; in the CLI: --items-id-col).")
        if id_col is None:  # say how to name the items file's own id column
            raise DataError(
                f"{table.name}: cannot tell which column holds the item ids: the interactions call them "
                f"{inter_item_col!r}, which this file lacks, and no single other column is named like an item id. "
                f"Its columns are: {', '.join(cols)}. Say which with columns={{'items_id': '...'}} (in the app: "
                "Column mapping, Item id in the items file; in the CLI: --items-id-col)."
            )
    table = _pivot_properties(table, id_col, text, warnings)
    ids = clean_ids(table, id_col, "item")
    left_out: list[str] = []
    notes: list[str] = []
    texts, used = build_texts(table, id_col, text, left_out, notes)
    if left_out:
        warnings.append(left_out_warning(table, left_out))
    warnings.extend(notes)
    texts = texts.fillna("").astype(str).str.strip()
    frame = table.frame.copy()
    frame.insert(0, "_id", ids)
    frame["_text"] = texts.to_numpy()
    dups = frame.duplicated("_id", keep=False)
    if dups.any():
        frame = _one_locale(table, frame, dups, warnings)
        dups = frame.duplicated("_id", keep=False)
    tcol = title_column(table.frame, id_col, mapping.get("title"), table.name)
    if dups.any():
        conflicting = frame[dups].groupby("_id")["_text"].nunique()
        conflicting = conflicting[conflicting > 1]
        named = frame[dups].groupby("_id")[tcol].nunique() if tcol is not None else pd.Series(dtype=int)
        if len(conflicting) and (named > 1).any():  # two items under one id, by their names
            bad_id = named.index[np.argmax(named.to_numpy() > 1)]
            rows = np.flatnonzero((frame["_id"] == bad_id).to_numpy())
            raise DataError(
                f"{table.name}: item id {bad_id!r} (column {id_col!r}) appears at {table.where(rows)} with different "
                f"{tcol!r} ({int((named > 1).sum())} such id(s) in all), so it would name two items. Give each item "
                "its own id, or keep one row per item."
            )
        if len(conflicting):  # a catalogue that writes an item once per category, author or property
            bad_id = conflicting.index[0]
            rows = np.flatnonzero((frame["_id"] == bad_id).to_numpy())
            frame, joined = merge_item_rows(frame.drop(columns="_text"), id_col)
            texts, _ = build_texts(Table(frame.drop(columns="_id"), table.name), id_col, text)
            frame["_text"] = texts.fillna("").astype(str).str.strip().to_numpy()
            warnings.append(
                f"{table.name}: {len(conflicting)} item id(s) appear on several rows that differ (e.g. {bad_id!r} at "
                f"{table.where(rows)}), so each item's rows were merged into one, "
                f"{'joining their values of ' + _and([repr(c) for c in joined]) if joined else 'keeping its first row'}."
                f" If each row is an item of its own, the id column {id_col!r} is "
                "not the items' id: map the right one (columns={'items_id': ...}; in the app: Column mapping, Item id in the "
                "items file; in the CLI: --items-id-col)."
            )
        else:
            n = int(dups.sum() - frame[dups]["_id"].nunique())
            warnings.append(f"{table.name}: {n} repeated item row(s) with identical text were dropped.")
            frame = frame.drop_duplicates("_id", keep="first")
    if not (frame["_text"].str.len() > 0).any():
        cols_used = ", ".join(used) if used else "none found"
        passed = f"; {', '.join(left_out)} hold only links or codes" if left_out else ""
        raise DataError(
            f"{table.name}: no item has any text (text columns: {cols_used}{passed}). Add a column with titles or "
            "descriptions, or choose the text columns explicitly (text=[...]; in the CLI: --text; in the app: Item text, "
            "Chosen columns), or load the interactions "
            "alone: the collaborative models need no items file."
        )
    if tcol is None and table.headerless and used:
        tcol = unnamed_title(frame, used)
    if tcol is not None:
        titles = frame[tcol].map(_title)
        if table.headerless and mapping.get("title") is None:  # "column 4": say which, and how to choose another
            _title_by_position(table, id_col, tcol, titles, warnings)
    else:
        titles = text_title(frame, [c for c in used if c in frame.columns]) if used else frame["_text"].str.slice(0, 60)
    titles = untitled_titles(titles, frame.drop(columns=["_id", "_text"]), id_col, tcol, used, frame["_text"])
    titles = titles.where(titles.str.len() > 0, frame["_id"])
    attributes = frame.drop(columns=[c for c in ("_id", "_text", id_col, tcol, Columns.item, Columns.text, Columns.title)
                                     if c in frame.columns])
    titles = distinct_titles(titles, frame["_id"], attributes)
    out = frame.drop(columns=["_id", "_text"])
    out = out.drop(columns=[c for c in (Columns.item, Columns.text, Columns.title) if c in out.columns])
    out.insert(0, Columns.item, frame["_id"].to_numpy())
    out.insert(1, Columns.title, titles.to_numpy())
    out.insert(2, Columns.text, frame["_text"].to_numpy())
    return out.reset_index(drop=True)


#: a column that tells which market or language a catalogue row is for (Amazon-M2's products: one row per locale)
_LOCALE_NAMES = ("locale", "language", "lang", "languagecode", "langcode", "country", "countrycode", "market",
                 "marketplace", "region", "site")


def _one_locale(table: Table, frame: pd.DataFrame, dups: pd.Series, warnings: list[str]) -> pd.DataFrame:
    """``frame`` with one row per item where the items file writes an item once per locale (``locale``,
    ``language``, ``country``...; no item twice in one locale): the row of the commonest locale the item has, so
    most texts are in one language. Else ``frame`` itself."""
    places = [c for c in table.frame.columns if norm(c) in _LOCALE_NAMES]
    if len(places) != 1:
        return frame
    place = frame[places[0]].astype(str).str.strip()
    if pd.DataFrame({"id": frame["_id"], "place": place})[dups.to_numpy()].duplicated().any():
        return frame
    counts = place.value_counts()
    rank = place.map({p: i for i, p in enumerate(counts.index)})
    kept = frame.assign(_rank=rank.to_numpy()).sort_values("_rank", kind="stable").drop_duplicates("_id")
    shown = ", ".join(f"{p} {n:,}" for p, n in counts.head(4).items()) + (", ..." if len(counts) > 4 else "")
    warnings.append(f"{table.name}: {int(frame['_id'][dups].nunique()):,} item(s) appear once per {places[0]!r} (rows: "
                    f"{shown}), so each item keeps the row of the commonest {places[0]!r} it has ({counts.index[0]} "
                    f"first). To use another, keep only its rows in the file.")
    return kept.drop(columns="_rank").sort_index()


#: the columns of a catalogue kept as (item, property, value) rows: a SQL entity-attribute-value table, Retailrocket's
#: item_properties, a product feed's specifications
_PROPERTY_NAMES = ("property", "properties", "attribute", "attr", "key", "feature", "field", "spec", "specification",
                   "characteristic", "facet", "propertyname", "attributename", "featurename", "fieldname", "specname",
                   "attributekey", "propertykey", "name")
_VALUE_NAMES = ("value", "val", "values", "propertyvalue", "attributevalue", "featurevalue", "fieldvalue", "specvalue")
MAX_PROPERTIES = 100


def _pivot_properties(table: Table, id_col: str, text: str | Sequence[str] | None, warnings: list[str]) -> Table:
    """``table`` with one row per item and a column per property, when it holds its items as (item, property, value)
    rows and ``text`` does not name those columns; else ``table`` itself. Where an item gives a property several
    values, the last one holds (by the time column's order, when there is one, as Retailrocket's properties change
    over time)."""
    frame = table.frame
    cols = [c for c in frame.columns if c != id_col]
    keys = [c for c in cols if norm(c) in _PROPERTY_NAMES]
    values = [c for c in cols if norm(c) in _VALUE_NAMES]
    ids = frame[id_col]
    if len(keys) != 1 or len(values) != 1 or frame.empty or ids.isna().any():
        return table  # (a missing id is reported, by its line, as in any items file)
    key, value = keys[0], values[0]
    if isinstance(text, str) and "{" in text:  # a template's columns, as build_texts reads them
        named = [v.strip() for kind, v in parse_template(text, table.name) if kind == "column"]
    else:
        named = [text] if isinstance(text, str) else list(text or [])
    if key in named or value in named:  # the user's own text of the rows: merged as they are
        return table
    n_items = ids.nunique()
    names = frame[key].astype(str).str.strip()
    pairs = pd.DataFrame({"id": ids.astype(str).to_numpy(), "key": names.to_numpy()}).drop_duplicates()
    held = pairs.groupby("key", sort=False).size().sort_values(ascending=False, kind="stable")  # items per property
    if (frame[key].head(1000).map(nested).any() or len(pairs) < 0.5 * len(frame) or pairs.groupby("id").size().median() < 2
            or held.iloc[0] < n_items / 3):
        return table  # the same name on an item's every row (a title), or names that few items share
    rows = frame
    try:  # the order in which values were written: by time where the file says it, else by line
        when = find_column(dataclasses.replace(table, frame=frame[[c for c in cols if c not in (key, value)]]),
                           "timestamp", None, required=False)
        if when is not None:
            rows = frame.assign(_when=parse_timestamps(table, when)).sort_values("_when", kind="stable")
    except DataError:  # no one time column, or one that does not read: the file's order
        when = None
    kept = held.index[:MAX_PROPERTIES]
    rows = rows.assign(_key=names)
    rows = rows[rows["_key"].isin(kept)].drop_duplicates([id_col, "_key"], keep="last")
    order = pd.Index(pd.unique(ids))
    wide = rows.pivot(index=id_col, columns="_key", values=value).reindex(order)[list(kept)]
    others = [c for c in cols if c not in (key, value, when)]
    out = frame.groupby(id_col, sort=False)[others].first().reindex(order) if others else pd.DataFrame(index=order)
    clash = [k for k in kept if k in out.columns or k in (id_col, "_id", "_text")]
    wide = wide.rename(columns={k: f"{key}: {k}" for k in clash})
    out = pd.concat([out, wide], axis=1).rename_axis(id_col).reset_index()
    shown = ", ".join(repr(k) for k in kept[:5]) + (", ..." if len(kept) > 5 else "")
    dropped = (f" The {len(held) - len(kept)} rarest properties were left out; keep {MAX_PROPERTIES} at most, or "
               "join them into a text column yourself." if len(held) > len(kept) else "")
    warnings.append(f"{table.name}: holds its items as ({id_col}, {key}, {value}) rows, so each property became a "
                    f"column: {len(kept)} of them ({shown}), {n_items} items.{dropped}")
    return dataclasses.replace(table, frame=out)


def merge_item_rows(frame: pd.DataFrame, id_col: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per item of ``frame`` (its ids in ``_id``), in the order items first come: where an item has several
    rows, each column's distinct values are joined with commas. Also the columns whose values were joined.

    >>> rows = pd.DataFrame({"_id": ["1", "2", "1"], "title": ["Heat", "Ran", "Heat"], "genre": ["Crime", "War", "Drama"]})
    >>> merged, joined = merge_item_rows(rows, "_id")
    >>> merged.to_dict("records"), joined
    ([{'_id': '1', 'title': 'Heat', 'genre': 'Crime, Drama'}, {'_id': '2', 'title': 'Ran', 'genre': 'War'}], ['genre'])
    """
    many = frame["_id"].duplicated(keep=False).to_numpy()
    groups = frame[many].groupby("_id", sort=False)
    joined: list[str] = []

    def join(values: pd.Series) -> object:
        plain = [v for v in values if not nested(v) and not blank(v)]
        distinct = list(dict.fromkeys(str(v).strip() for v in plain))
        if len(distinct) <= 1:
            return plain[0] if plain else values.iloc[0]
        return ", ".join(distinct)

    merged = pd.DataFrame(index=groups.head(1).index)
    for col in frame.columns:
        if col in ("_id", id_col):
            merged[col] = groups[col].first().to_numpy() if col == "_id" else groups[col].nth(0).to_numpy()
            continue
        values = groups[col].agg(join)
        if (values.astype(str) != groups[col].nth(0).astype(str).to_numpy()).any():
            joined.append(str(col))
        merged[col] = values.to_numpy()
    out = pd.concat([frame[~many], merged[frame.columns]]).sort_index()
    return out.reset_index(drop=True), joined


def distinct_titles(titles: pd.Series, ids: pd.Series, attributes: pd.DataFrame) -> pd.Series:
    """Titles that several items share, told apart so that a picker, a list or a reason names one item: by the
    first short attribute whose values differ among them (a year), else by item id. A number that is not a year or a
    date is named by its column ("price 88.21"): a bare "(494)" would read as a year.

    >>> titles = pd.Series(["Cape Fear", "Heat", "Cape Fear", "Chasing Amy", "Chasing Amy"])
    >>> ids = pd.Series(["98", "6", "1005", "246", "268"])
    >>> years = pd.DataFrame({"year": ["1962", "1995", "1991", "1997", "1997"]})
    >>> distinct_titles(titles, ids, years).tolist()
    ['Cape Fear (1962)', 'Heat', 'Cape Fear (1991)', 'Chasing Amy (item 246)', 'Chasing Amy (item 268)']
    >>> distinct_titles(pd.Series(["Tent", "Tent"]), pd.Series(["a", "b"]), pd.DataFrame({"unit_price": [39.83, 13.8]})).tolist()
    ['Tent (unit price 39.83)', 'Tent (unit price 13.8)']
    """
    shared = titles.duplicated(keep=False)
    if not shared.any():
        return titles
    group = titles[shared]
    labels = "item " + ids[shared].astype(str)
    told = pd.Series(False, index=group.index)  # the group already has its attribute
    for col in attributes.columns:  # one pass per column, whatever the number of shared titles
        values = attributes.loc[group.index, col].map(lambda v: "" if v is None or v != v else str(v).strip())
        by = values.groupby(group)
        fits = (values.str.len().between(1, 24).groupby(group).transform("all")
                & (by.transform("nunique") == by.transform("size")))
        labels = labels.where(~(fits & ~told), _named_number(values, str(col)))
        told |= fits
    out = titles.copy()
    out[shared] = group + " (" + labels + ")"
    return out


def _named_number(values: pd.Series, column: str) -> pd.Series:
    """``values`` with each number that is not a year (1000 to 2100) or a date preceded by its column's name, so that
    a title's note in brackets says what it is ("price 88.21", "num pages 494"); words, years and dates as they are.

    >>> _named_number(pd.Series(["494", "1997", "1997-05-01", "Hardcover", "-3.5"]), "num_pages").tolist()
    ['num pages 494', '1997', '1997-05-01', 'Hardcover', 'num pages -3.5']
    """
    number = values.str.fullmatch(r"[-+]?\d+(?:\.\d+)?")
    year = values.str.fullmatch(r"1\d{3}|20\d{2}|2100")
    if re.search(r"year|date|time", column, re.IGNORECASE):
        return values
    name = re.sub(r"[_.]+", " ", column.rsplit(".", 1)[-1]).strip() or column
    return values.where(~(number & ~year), name + " " + values)


def untold_title(title: str, titles: Sequence[object]) -> str:
    """``title`` without the note in brackets that :func:`distinct_titles` added to tell it from equal titles (an
    example typed in as a new item's title: the note named a category and moved its nearest items).

    >>> untold_title("Chasing Amy (item 246)", ["Chasing Amy (item 246)", "Chasing Amy (item 268)", "Heat"])
    'Chasing Amy'
    >>> untold_title("Heat (1995)", ["Heat (1995)", "Cape Fear"])
    'Heat (1995)'
    """
    stem, sep, _ = title.rpartition(" (")
    if sep and title.endswith(")") and sum(str(t).startswith(stem + " (") for t in titles) > 1:
        return stem
    return title


# A catalogue's sort form "Terminator, The" (library style, MovieLens among others) reads badly in a sentence
# ("because you liked Terminator, The and Alien"). Only capitalised articles at the very end move, before any
# trailing parenthesis: "City of Lost Children, The (Cité des enfants perdus, La)".
_SORT_FORM = re.compile(r"^(?P<body>.+?), (?P<article>The|A|An|Les|La|Le|L'|Il|El|Los|Las|Der|Die|Das)(?P<rest>\s*\(.*\))?$")


def readable_title(title: str) -> str:
    """A title as it is said, not as a catalogue sorts it (only the display title; the embedded text keeps it).

    >>> readable_title("Terminator, The"), readable_title("Good, the Bad and the Ugly, The"), readable_title("Avventura, L'")
    ('The Terminator', 'The Good, the Bad and the Ugly', "L'Avventura")
    >>> readable_title("City of Lost Children, The (Cité des enfants perdus, La)"), readable_title("Hello, Dolly!")
    ('The City of Lost Children (Cité des enfants perdus, La)', 'Hello, Dolly!')

    Runs of spaces and line breaks are one space (Food.com's "arriba   baked winter squash"):

    >>> readable_title("arriba   baked winter squash\\n mexican style ")
    'arriba baked winter squash mexican style'
    """
    title = " ".join(title.split())
    m = _SORT_FORM.match(title)
    if not m:
        return title
    article = m["article"]
    return f"{article}{'' if article.endswith(chr(39)) else ' '}{m['body']}{m['rest'] or ''}"


#: the longest title shown whole: a "title" that is a whole description (4,000 characters) is cut at a word
LONGEST_TITLE = 100


def _title(value: object) -> str:
    """A title cell as shown: no markup, said as it reads, at most :data:`LONGEST_TITLE` characters (cut at a word
    with "…"); empty when missing.

    >>> _title("word " * 40)[-10:], len(_title("word " * 40)) <= LONGEST_TITLE
    ('word word…', True)
    """
    return "" if missing(value) else cut_at_word(readable_title(plain_text(str(value))), LONGEST_TITLE)


def cut_at_word(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` characters, else cut at the last word that fits, with "…".

    >>> cut_at_word("The Daily Brief · Episode about election results", 30)
    'The Daily Brief · Episode…'
    """
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= width // 2 else cut).rstrip(" ·,;:-") + "…"


#: the longest title made from an item's text, where no column holds one
TEXT_TITLE = 60


def text_title(frame: pd.DataFrame, text_cols: Sequence[str]) -> pd.Series:
    """Titles for items of a file with no title column: the values of its text columns, without the labels the
    embedded text gives them ("Show: ... Summary: ..."), joined by " · " and cut at a word with "…".

    >>> text_title(pd.DataFrame({"show": ["The Daily Brief"], "summary": ["Episode about election results and "
    ...                                                                 "analysis of the vote (part 1)"]}), ["show", "summary"]).tolist()
    ['The Daily Brief · Episode about election results and…']
    """
    def one(row: tuple) -> str:
        return cut_at_word(" · ".join(t for t in (_title(v) for v in row) if t), TEXT_TITLE)

    if not len(text_cols):
        return pd.Series([""] * len(frame), index=frame.index)
    return pd.Series([one(r) for r in frame[list(text_cols)].itertuples(index=False, name=None)], index=frame.index)


def untitled_titles(titles: pd.Series, frame: pd.DataFrame, id_col: str, tcol: str | None, used: Sequence[str],
                    texts: pd.Series) -> pd.Series:
    """``titles`` with each blank one (an item whose title cell is empty) taken from the item's next text column
    that has a value, cut at a word to :data:`TEXT_TITLE` characters: first the title's own name in another
    language (``name.de`` beside ``name.en``, from nested JSON), then the text columns in the order the item text
    uses them, then the file's other text columns in its order; else from the item's text itself. Only an item with
    no text at all keeps a blank title (its id, then). ``frame`` holds the items' columns, row for row.

    >>> frame = pd.DataFrame({"id": ["1", "2", "3"], "title": [None, "Heat", None],
    ...                       "show": ["Murder mystery investigations", "Crime", None]})
    >>> untitled_titles(frame["title"].map(_title), frame, "id", "title", ["title", "show"],
    ...                 pd.Series(["Show: Murder mystery investigations.", "Title: Heat. Show: Crime.", ""])).tolist()
    ['Murder mystery investigations', 'Heat', '']
    """
    titles = titles.fillna("").astype(str)
    blank_rows = np.array(titles.str.len() == 0, dtype=bool)
    if not blank_rows.any():
        return titles
    out = titles.to_numpy(dtype=object).copy()
    cols = [str(c) for c in frame.columns]
    stem = tcol.rsplit(".", 1)[0] if tcol is not None and "." in tcol else None
    siblings = [c for c in cols if stem is not None and c.rsplit(".", 1)[0] == stem]  # name.de beside name.en
    order = [*siblings, *used]
    named = {str(c): c for c in frame.columns}
    candidates = list(dict.fromkeys(c for c in order if c in named and c not in (tcol, id_col)))

    def fill(columns: Sequence[str]) -> None:
        for c in columns:
            rows = np.flatnonzero(blank_rows)
            if not len(rows):
                return
            for i, v in zip(rows, frame[named[c]].iloc[rows]):
                if t := cut_at_word(_title(cell_text(v)), TEXT_TITLE):
                    out[i], blank_rows[i] = t, False

    fill(candidates)
    if blank_rows.any():  # columns the item text leaves out (a chosen text=[...]): in the file's order
        fill([c for c in text_columns(frame, id_col) if c in named and c not in (*candidates, tcol, id_col)])
    for i in np.flatnonzero(blank_rows):  # text from tags or a template's words alone
        out[i] = cut_at_word(_title(texts.iloc[i]), TEXT_TITLE)
    return pd.Series(out, index=titles.index, dtype=object)


def _cell_kind(value: object) -> str:
    """What one cell holds, as far as a title goes: "empty" (nothing, or an empty list or record: MIND's ``[]``),
    "structured" (a JSON or Python list or record, such as MIND's entities), "code" (links, ids, codes) or "text"."""
    if nested(value):
        return "empty" if len(value) == 0 else "structured"  # type: ignore[arg-type]
    if missing(value):
        return "empty"
    text = str(value).strip()
    if text in ("", "[]", "{}", "()"):
        return "empty"
    if text[:1] in "[{" and isinstance(structured(text), (list, dict, tuple)):
        return "structured"
    return "code" if codes_only(text) else "text"


def _no_title(values: pd.Series) -> bool:
    """Whether a column can never be a title: most of its cells are empty (or ``[]``), or most of the others are
    JSON lists or records (MIND's title entities), links (MIND's URLs) or codes.

    >>> _no_title(pd.Series(['[{"Label": "Oscars", "Type": "O"}]', "[]", "[]"])), _no_title(pd.Series(["Heat", "Ran"]))
    (True, False)
    """
    kinds = values.head(1000).map(_cell_kind)
    if not len(kinds) or (kinds == "empty").mean() > 0.5:
        return True
    given = kinds[kinds != "empty"]
    return bool(given.isin(("structured", "code")).mean() >= 0.5)


def unnamed_title(frame: pd.DataFrame, text_cols: Sequence[str]) -> str | None:
    """The title among the text columns of a file with no header: the first of those that tell the most items apart
    (a category, such as MIND's "sports", is shared by many), of those that can be one: never a column of JSON
    lists or records, links or codes, nor one empty (or ``[]``) in most rows (see :func:`_no_title`). None when no
    column can be.

    >>> unnamed_title(pd.DataFrame({"c2": ["news", "news", "sports", "news"],
    ...                             "c4": ["Storm hits", "Vote today", "Cup won", "Rates up"],
    ...                             "c7": ['[{"Label": "Storm"}]', '[{"Label": "Vote"}]', "[]", '[{"Label": "Rates"}]']}),
    ...               ["c2", "c4", "c7"])
    'c4'
    """
    candidates = [c for c in text_cols if not _no_title(frame[c])]
    if not candidates:
        return None

    def apart(c: str) -> float:  # of all rows: a column empty in many (MIND's abstracts) tells fewer apart
        sample = frame[c].head(1000).map(_title)
        given = sample[sample.str.len() > 0]
        return given.nunique() / len(sample) if len(sample) else 0.0

    def length(c: str) -> float:
        cells = frame[c].head(1000).map(cell_text)
        cells = cells[cells.str.len() > 0]
        return float(cells.str.len().median()) if len(cells) else 0.0

    share = {c: apart(c) for c in candidates}
    # a column of titles, not of descriptions: short cells win where they tell the items nearly as well apart
    short = [c for c in candidates if length(c) <= LONGEST_TITLE]
    if short and max(share[c] for c in short) >= max(share.values()) - 0.2:
        candidates = short
    best = max(share[c] for c in candidates)
    return next(c for c in candidates if share[c] >= best - 0.02)


def _title_by_position(table: Table, id_col: str, tcol: str, titles: pd.Series, warnings: list[str]) -> None:
    """Say which column of a file with no header row was taken as each item's title, and how to choose another."""
    cols = [str(c) for c in table.frame.columns]
    after = cols[cols.index(tcol) + 1:] + cols[:cols.index(tcol)] if tcol in cols else cols
    other = next((c for c in after if c not in (id_col, tcol)), tcol)  # the next column, say
    example = next((t for t in titles.head(50) if t), "")
    warnings.append(
        f"{table.name} has no header row, so its columns were read by position: {id_col} as the item id and {tcol} "
        f"as each item's title" + (f" (e.g. {example!r})" if example else "") + ". If that is wrong, add a header row "
        f"(item_id, title, ...), or map the title (columns={{'title': '{other}'}}; in the app: Column mapping, Title "
        f"shown for each item; in the CLI: --title-col '{other}')."
    )


def _item_values(frame: pd.DataFrame, column: str) -> pd.Series | None:
    """Each item's value of ``column`` (its most common, blanks aside), indexed by item id (``_id``), when the column
    is an attribute of the item: one value per item in 95 % of items, or, in a log whose clerks wrote an item's
    name a few ways (Online Retail's ``Description``: "damaged", "?"), the item's own value in four rows in five
    where the column's commonest value is in far fewer. None when it describes the visit, not the item (a
    customer's country, a review).

    >>> log = pd.DataFrame({"_id": ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"],
    ...                     "name": ["Lamp", "Lamp", "Lamp", "Lamp", "?", "Mug", "Mug", "Mug", "Mug", "Mug"],
    ...                     "country": ["UK", "UK", "UK", "UK", "FR", "UK", "UK", "UK", "FR", "UK"]})
    >>> _item_values(log, "name").to_dict(), _item_values(log, "country")
    ({'a': 'Lamp', 'b': 'Mug'}, None)
    """
    raw = frame[column]
    keys = raw.map(lambda v: repr(v) if nested(v) else v)  # JSON's lists and objects, comparable
    given = ~keys.map(blank).to_numpy(dtype=bool)
    pairs = pd.DataFrame({"_id": frame["_id"].to_numpy()[given], "v": keys[given].astype(str).to_numpy(),
                          "row": np.flatnonzero(given)})
    if pairs.empty:
        return None
    counts = pairs.groupby(["_id", "v"], sort=False).size()
    per_item = counts.groupby(level=0, sort=False)
    one_each = (per_item.size() <= 1).mean() >= 0.95
    agree = per_item.max().sum() / len(pairs)
    commonest = pairs["v"].value_counts().iloc[0] / len(pairs)
    if not (one_each or (agree >= 0.8 and agree - commonest >= 0.3)):
        return None
    best = per_item.idxmax().to_numpy()  # (item, value) with most rows
    first = pairs.drop_duplicates(["_id", "v"]).set_index(["_id", "v"])["row"]
    rows = first.loc[list(best)].to_numpy()
    return pd.Series(raw.iloc[rows].to_numpy(), index=[item for item, _ in best], dtype=object)


#: an item id that is a name ("Fallout 4"): a word of two letters of any script, then more
_NAMED = re.compile(r"[^\W\d_]{2,}\s+\S")


def _numbered(ids: np.ndarray) -> bool:
    """Whether most of (ten or more) ids are one pattern numbered on: "SKU 013", "Product 7", not "Fallout 4".

    >>> _numbered(np.array([f"SKU {i:03d}" for i in range(12)])), _numbered(np.array(["Fallout 4", "Doom"] * 6))
    (True, False)
    """
    if len(ids) < 10:
        return False
    shapes = pd.Series(ids, dtype=str).str.replace(r"\d+", "#", regex=True).str.casefold()
    return bool(shapes.str.contains("#", regex=False).mean() > 0.5 and shapes.value_counts().iloc[0] > 0.5 * len(ids))


def _items_from_interactions(
    table: Table, item_col: str, role_cols: set[str | None], text: str | Sequence[str] | None, title: str | None = None,
    warnings: list[str] | None = None,
) -> pd.DataFrame:
    """Item-level text columns of a single interactions file (values constant per item) become item texts."""
    src = table.frame.copy()
    src["_id"] = clean_ids(table, item_col, "item")  # the same ids as the interactions get (7.0 -> "7")
    left_out: list[str] = []
    candidates = [c for c in text_columns(table.frame, item_col, left_out) if c not in role_cols]
    values = {c: v for c in candidates if (v := _item_values(src, c)) is not None}
    per_item = list(values)
    left_out = [c for c in left_out if c not in role_cols and _item_values(src, c) is not None]  # an item's links
    if left_out and text is None and warnings is not None:
        warnings.append(left_out_warning(table, left_out))
    uniq = src.drop_duplicates("_id").copy()
    for c, v in values.items():  # each item's commonest value, not its first row's ("damaged")
        uniq[c] = v.reindex(uniq["_id"]).to_numpy()
    if len(uniq) > 1:  # the same in every row ("collaborative: false" on each of a playlist's tracks) tells no item apart
        per_item = [c for c in per_item if uniq[c].map(cell_text).nunique() > 1]
    # the title is the item's own: not a playlist's name that each of its tracks carries
    named = uniq if title is not None else uniq[[item_col, *per_item]]
    tcol = title_column(named, item_col, title, table.name)
    if tcol is None and table.headerless and per_item:
        tcol = unnamed_title(uniq, per_item)
    if tcol is not None and table.headerless and title is None and warnings is not None:
        _title_by_position(table, item_col, tcol, uniq[tcol].map(_title), warnings)
    if text is not None or per_item:  # a template reads any column; without one, the per-item text columns
        sub = Table((uniq if text is not None else uniq[["_id", *per_item]]).reset_index(drop=True), table.name,
                    headerless=table.headerless)
        texts, used = build_texts(sub, "_id", text)
        shown = uniq[tcol].map(_title) if tcol else texts.str.slice(0, 60)
        shown = untitled_titles(pd.Series(shown.to_numpy(), dtype=object), uniq[[item_col, *per_item]].reset_index(drop=True),
                                item_col, tcol, [c for c in used if c in per_item], texts.reset_index(drop=True))
        titles = np.where([bool(t) for t in shown], shown.to_numpy(), uniq["_id"].to_numpy())
        return pd.DataFrame({Columns.item: uniq["_id"].to_numpy(), Columns.title: titles, Columns.text: texts.to_numpy()})
    ids = uniq["_id"].to_numpy()
    # Items identified by their names ("Fallout 4") carry their own text; codes that read like words ("SKU 013")
    # do not: most of them are one pattern with other digits.
    named = search(pd.Series(ids, dtype=object), _NAMED).mean() > 0.5 and not _numbered(ids)
    return pd.DataFrame({Columns.item: ids, Columns.title: ids, Columns.text: ids if named else [""] * len(ids)})
