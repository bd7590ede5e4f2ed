"""The labels a typed request names: values of the catalogue's category columns (genres, category, author, ...).

A sentence embedding weighs every word of a request against every word of an item's short text, so a request's
rarest word can outweigh what it asks for: "a slow-burning sci-fi film" lands nearest "Paris Is Burning" and
"Burnt By the Sun", because titles share "burning" and every science-fiction film shares only "Sci-Fi" with it. A
category column says outright what an item is. When a request spells out one of its values, the items holding that
value are what the user asked for, and :meth:`FacetIndex.match` says which; the content model adds it to the
request's cosine (see :meth:`recengine.models.ContentKNN.intent_scores`).

A column is a category column when it holds short labels that items share, whatever its name: most of its
filled cells hold a label at least two items have, at most :data:`MAX_PER_CELL` labels per cell (split at ``|``
or ``;``, and at ``,`` where that makes fewer distinct labels: "Action, Comedy" is two genres, "King, Stephen" one
author; list brackets and quotes dropped). Labels are matched as whole words, case, hyphens and
punctuation aside ("Sci-Fi" in "sci-fi", "sci fi" or "scifi"), possessives aside ("Children's" in "for children")
and in the plural ("thrillers") unless a title uses that plural ("Star Wars" is not a request for War). Labels that
say nothing ("unknown", "other"), labels of fewer than three letters and English function words are never matched.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recengine.columns import Columns
from recengine.data.validate import LETTER, nested
from recengine.text.terms import FUNCTION_WORDS

#: Cells holding more labels than this are free text, not categories.
MAX_PER_CELL = 8
#: Longest label, in words, that a request can name.
MAX_LABEL_WORDS = 5
#: Most labels one catalogue keeps (the ones most items hold).
MAX_LABELS = 5000
#: Labels that stand for a missing value or a flag; a request saying "unknown", "other" or "a true story" does not
#: ask for them (a flag column's "True" says nothing a person would type).
EMPTY_LABELS = frozenset({"unknown", "other", "others", "none", "misc", "various", "n a", "na", "null", "nan",
                          "no genres listed", "not available", "undefined", "uncategorized", "uncategorised",
                          "true", "false", "yes", "no"})

_SPLIT = re.compile(r"\s*(?:\||;|,)\s*")
_SPLIT_NO_COMMA = re.compile(r"\s*(?:\||;)\s*")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b")


def normal(text: object) -> str:
    """Lower-case words joined by single spaces, with a space at each end (for whole-word matching).

    A possessive "'s" goes, so "Children's" is "children", as a request for films for children says it.

    >>> normal("A slow-burning Sci-Fi film!"), normal("Children's")
    (' a slow burning sci fi film ', ' children ')
    """
    return " " + " ".join(_WORDS.findall(_POSSESSIVE.sub("", str(text).casefold()))) + " "


def plurals(word: str) -> set[str]:
    """The English plural a request may use for a label's last word: "thrillers", "comedies", "boxes".

    >>> sorted(plurals("comedy")), sorted(plurals("western")), sorted(plurals("box")), sorted(plurals("toy"))
    (['comedies'], ['westerns'], ['boxes'], ['toys'])
    """
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return {word + "es"}
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return {word[:-1] + "ies"}
    return {word + "s"}


def singulars(word: str) -> set[str]:
    """The singular a request may use for a label's plural last word: "a video game" for Video Games. After s, x, z,
    ch or sh, "es" may be the ending ("boxes") or "s" may ("horses"): both forms are offered.

    >>> sorted(singulars("games")), sorted(singulars("comedies")), sorted(singulars("boxes")), sorted(singulars("glass"))
    (['game'], ['comedy'], ['box', 'boxe'], [])
    """
    if word.endswith("ies") and len(word) > 4:
        return {word[:-3] + "y"}
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return {word[:-2], word[:-1]}
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return {word[:-1]}
    return set()


def split_labels(cell: object, commas: bool = True) -> list[str]:
    """The labels of one cell: split at ``|``, ``;`` or (with ``commas``) ``,``; blanks left out. A printed list
    gives its quoted elements, commas inside them kept; a printed dict (a record of details) gives none.

    >>> split_labels("Animation|Children's|Comedy"), split_labels("['Books', 'Mystery, Thriller & Suspense']")
    (['Animation', "Children's", 'Comedy'], ['Books', 'Mystery, Thriller & Suspense'])
    >>> split_labels("{'Publisher': 'X'}")
    []
    """
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    text = str(cell).strip()
    if text[:1] == "{" and text[-1:] == "}":
        return []
    if text[:1] in "[(" and text[-1:] in "])":
        text = text[1:-1]
        quoted = _QUOTED.findall(text)
        if quoted:
            return [p for p in (a or b for a, b in quoted) if p.strip()]
    return [p for p in (s.strip().strip("'\"").strip() for s in (_SPLIT if commas else _SPLIT_NO_COMMA).split(text)) if p]


def _matchable(key: str) -> bool:
    words = key.split()
    return (
        0 < len(words) <= MAX_LABEL_WORDS
        and len(key.replace(" ", "")) >= 3
        and bool(LETTER.search(key))
        and key not in EMPTY_LABELS
        and not (len(words) == 1 and key in FUNCTION_WORDS)
    )


def _hashable(cell: object) -> object:
    """A cell that holds a list (JSON Lines, Parquet) as its labels joined by ``|``; a dict as its text."""
    if isinstance(cell, dict):
        return str(cell)
    return "|".join(str(x) for x in cell) if nested(cell) or isinstance(cell, set) else cell


def _fits(labels: list[str]) -> bool:
    """Whether one cell's labels look like categories: few, and short."""
    return len(labels) <= MAX_PER_CELL and all(len(x.split()) <= MAX_LABEL_WORDS for x in labels)


def label_cells(values: pd.Series) -> tuple[np.ndarray, list[list[str]]] | None:
    """(each row's code, each code's labels) when the column is a category column (see the module's note); else None.

    Cells are split once per distinct value, so a catalogue of a million items with twenty genres splits twenty.
    """
    cells = values.astype(object).map(_hashable, na_action="ignore")
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    probe = uniques[:: max(1, len(uniques) // 300)]  # a free-text column is told from 300 values, not all of them
    if sum(_fits(split_labels(u)) or _fits(split_labels(u, commas=False)) for u in probe) < 0.5 * len(probe):
        return None
    parts = [split_labels(u) for u in uniques]
    kept = [split_labels(u, commas=False) for u in uniques]
    if len({normal(x) for p in parts for x in p}) > len({normal(x) for p in kept for x in p}):
        # splitting at commas made more labels, not fewer: the comma is inside a value ("King, Stephen"), not
        # between values ("Action, Comedy", whose hundreds of combinations split into a few genres)
        parts = kept
    fits = np.array([_fits(p) for p in parts], dtype=bool)
    used = np.bincount(codes[codes >= 0], minlength=len(uniques))
    used[[not p for p in parts]] = 0  # blank or "[]": no labels, not free text either
    if used.sum() < 2 or used[fits].sum() < 0.9 * used.sum():  # mostly free text
        return None
    parts = [p if ok else [] for p, ok in zip(parts, fits)]
    counts: Counter[str] = Counter()
    for p, n in zip(parts, used):
        for key in {normal(x) for x in p}:
            counts[key] += int(n)
    # a label a request could name, held by two items or more (a year column of numbers names nothing)
    shared = sum(int(n) for p, n in zip(parts, used)
                 if any(counts[normal(x)] >= 2 and _matchable(normal(x).strip()) for x in p))
    return (codes, parts) if shared >= 0.5 * used.sum() else None


class FacetIndex:
    """Which items hold which labels of the catalogue's category columns, to find the labels a request names.

    Build one with :meth:`from_items`; ``FacetIndex(labels, held)`` restores a saved one.

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["1", "2", "3", "4"], "title": ["Alien", "Paris Is Burning", "Heat", "Dune"],
    ...                       "genres": ["Horror|Sci-Fi", "Documentary", "Action|Crime", "Action|Sci-Fi"]})
    >>> idx = FacetIndex.from_items(items)
    >>> idx.named("a slow-burning sci-fi film")
    ['Sci-Fi']
    >>> idx.match("a slow-burning sci-fi film").tolist()
    [1.0, 0.0, 0.0, 1.0]
    >>> idx.match("scifi action").tolist()  # two labels named: the share of them each item holds
    [0.5, 0.0, 0.5, 1.0]
    >>> idx.match("something burning") is None
    True
    >>> idx.held_by("a sci-fi action film", 0), idx.held_by("a sci-fi action film", 3)
    (['Sci-Fi'], ['Sci-Fi', 'Action'])
    >>> FacetIndex.from_items(pd.DataFrame({"shelf": ["Fiction", "Science Fiction", "Fiction", "Science Fiction"]})
    ...                       ).named("science fiction")  # not "Fiction" too: it lies inside the label named
    ['Science Fiction']
    """

    def __init__(self, labels: Iterable[str], held: sp.spmatrix, titles: Iterable[object] | None = ()) -> None:
        self.labels = [str(x) for x in labels]
        self.held = sp.csc_matrix(held, dtype=np.float32)
        self.sources: dict[str, int] = {}  # column -> labels first found there (when built from an item table)
        self._key_of = [normal(x).strip() for x in self.labels]  # each label as a request would write it
        self._keys = {k: i for i, k in enumerate(self._key_of)}
        self._squashed = {k.replace(" ", ""): i for k, i in self._keys.items() if " " in k}
        # "thrillers" asks for Thriller and "a video game" for Video Games, but "wars" is not War where a title
        # says it (Star Wars): a plural or singular form that the catalogue's titles use is left to the embedding
        in_titles = {w for t in (() if titles is None else titles) for w in normal(t).split()}
        self._plural: dict[str, int] = {}
        for key, i in self._keys.items():
            head, _, last = key.rpartition(" ")
            for form in (plurals(last) | singulars(last)) - in_titles:
                self._plural.setdefault(f"{head} {form}".strip(), i)
        for key in self._keys:
            self._plural.pop(key, None)

    @classmethod
    def from_items(cls, items: pd.DataFrame, skip: Iterable[str] = (Columns.item, Columns.title, Columns.text)) -> FacetIndex:
        """The labels of ``items``' category columns (every column but ``skip`` and numeric ones is considered)."""
        skipped = set(skip)
        sources: dict[str, int] = {}
        keys: dict[str, int] = {}
        shown: list[str] = []
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        for name in items.columns:
            column = items[name]
            if name in skipped or pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                continue
            found = label_cells(column)
            if found is None:
                continue
            codes, parts = found
            before = len(shown)
            pairs = []
            for code, labels in enumerate(parts):
                for label in labels:
                    key = normal(label).strip()
                    if not _matchable(key):
                        continue
                    if key not in keys:
                        keys[key] = len(shown)
                        shown.append(label)
                    pairs.append((code, keys[key]))
            if len(shown) > before:
                sources[str(name)] = len(shown) - before
            if not pairs:
                continue
            valid = np.flatnonzero(codes >= 0)
            by_row = sp.csr_matrix((np.ones(len(valid), dtype=np.float32), (valid, codes[valid])), shape=(len(items), len(parts)))
            pc, pl = np.asarray(pairs).T
            by_code = sp.csr_matrix((np.ones(len(pc), dtype=np.float32), (pc, pl)), shape=(len(parts), len(keys)))
            part = (by_row @ by_code).tocoo()
            rows.append(part.row)
            cols.append(part.col)
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        held = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(items), len(shown)))
        held.sum_duplicates()
        held.data[:] = 1.0  # a label in two columns of one item counts once
        keep = np.argsort(-np.asarray(held.sum(axis=0)).ravel(), kind="stable")[:MAX_LABELS]  # the most held first
        titles = items[Columns.title].tolist() if Columns.title in items.columns else ()
        index = cls([shown[i] for i in keep], held[:, keep], titles)
        index.sources = sources
        return index

    def __len__(self) -> int:
        return len(self.labels)

    def _named(self, request: str) -> list[int]:
        """Indices of the labels ``request`` names, in the order it names them."""
        text = normal(request)
        at = {i: text.find(f" {key} ") for key, i in self._keys.items() if f" {key} " in text}
        for key, i in [*self._squashed.items(), *self._plural.items()]:
            if f" {key} " in text:
                at.setdefault(i, text.find(f" {key} "))
        # "science fiction & fantasy" names one label, not also "fiction" inside it
        inside = {i for i in at for j in at if j != i and f" {self._key_of[i]} " in f" {self._key_of[j]} "}
        return sorted(set(at) - inside, key=lambda i: (at[i], i))

    def named(self, request: str) -> list[str]:
        """The labels ``request`` names, as the catalogue spells them."""
        return [self.labels[i] for i in self._named(request)]

    def held_by(self, request: str, row: int) -> list[str]:
        """The labels ``request`` names that the item in ``row`` holds, as the catalogue spells them."""
        found = self._named(request)
        return [self.labels[i] for i in found if self.held[row, i] > 0]

    def match(self, request: str) -> np.ndarray | None:
        """(n_items,) share of the labels ``request`` names that each item holds; None when it names none."""
        found = self._named(request)
        if not found:
            return None
        return np.asarray(self.held[:, found].sum(axis=1)).ravel() / len(found)
