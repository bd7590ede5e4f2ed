"""The validated dataset every model, split and page works on: id maps, a sparse matrix, item texts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recengine.columns import Columns
from recengine.errors import ConfigError, DataError, UnknownIdError


def nfc(text: str) -> str:
    """``text`` in Unicode's composed form (NFC): "José" typed on Windows and "José" saved by a Mac (an e and a
    combining accent) are one id.

    >>> nfc("Jose\u0301") == "Jos\u00e9"
    True
    """
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@dataclass(frozen=True, eq=False)
class IdMap:
    """A frozen two-way map between external ids (strings) and internal indices ``0..n-1``.

    Unknown ids map to ``-1`` in :meth:`to_internal` (cold start is a handled case, not a ``KeyError``);
    :meth:`index` raises :class:`UnknownIdError` with a readable message when one id must exist.

    Examples
    --------
    >>> m = IdMap.from_values(["b", "a", "b", "c"])
    >>> m.to_internal(["a", "zzz"]).tolist(), m.to_external([0]).tolist()
    ([1, -1], ['b'])
    """

    external: np.ndarray
    kind: str = "item"
    _index: dict[str, int] = field(init=False, repr=False)
    _near: dict[str, list[str]] | None = field(init=False, repr=False, default=None)

    def __repr__(self) -> str:  # 943 ids printed in full filled a notebook cell
        head = ", ".join(repr(str(x)) for x in self.external[:3])
        return f"IdMap({self.kind}, {len(self.external):,} ids: {head}{', ...' if len(self.external) > 3 else ''})"

    def __post_init__(self) -> None:
        ext = np.asarray([str(x) for x in self.external], dtype=object)
        ext.setflags(write=False)
        object.__setattr__(self, "external", ext)
        index = {x: i for i, x in enumerate(ext)}
        if len(index) != len(ext):
            raise ValueError("IdMap ids must be unique")
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_values(cls, values: Iterable[Any], kind: str = "item") -> IdMap:
        """Ids in order of first appearance."""
        return cls(np.asarray(list(dict.fromkeys(str(v) for v in values)), dtype=object), kind)

    def __len__(self) -> int:
        return len(self.external)

    def __contains__(self, external_id: object) -> bool:
        return self._find(external_id) is not None

    def _find(self, external_id: object) -> int | None:
        """The position of ``external_id``, also when it is written in another Unicode form than the loaded ids
        (those are NFC: a Mac's decomposed "José" finds the same user)."""
        key = str(external_id)
        found = self._index.get(key)
        return found if found is not None or key.isascii() else self._index.get(nfc(key))

    def to_internal(self, ids: Iterable[Any], missing: int = -1) -> np.ndarray:
        get = self._index.get
        if isinstance(ids, (pd.Series, pd.Index)):  # an Arrow-backed column read one scalar at a time: 4x slower
            keys = ids.astype(str).tolist()
        else:
            keys = [i if type(i) is str else str(i) for i in ids]
        out = np.fromiter((get(k, missing) for k in keys), dtype=np.int64, count=len(keys))
        for n in np.flatnonzero(out == missing):  # rare: another Unicode form of a loaded id
            if not keys[n].isascii():
                out[n] = get(nfc(keys[n]), missing)
        return out

    def to_external(self, idx: Iterable[int] | np.ndarray) -> np.ndarray:
        return self.external[np.asarray(idx, dtype=np.int64)]

    def index(self, external_id: object) -> int:
        found = self._find(external_id)
        if found is not None:
            return found
        examples = ", ".join(self.external[:3])
        near = self.near(external_id)
        raise UnknownIdError(
            f"unknown {self.kind} id {str(external_id)!r}"
            + (f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else "")
            + f": the dataset has {len(self)} {self.kind}s (e.g. {examples})."
        )

    def near(self, external_id: object, limit: int = 3) -> list[str]:
        """Ids written like ``external_id`` but not the same: leading zeros, a trailing ".0", case, spaces, the
        hyphens or spaces of an id of digits (an ISBN).

        >>> IdMap.from_values(["007", "12", "Ab"]).near("7"), IdMap.from_values(["7"]).near("7.0")
        (['007'], ['7'])
        >>> IdMap.from_values(["Ab"]).near("aB"), IdMap.from_values(["638-0-196-23052-9"]).near("6380196230529")
        (['Ab'], ['638-0-196-23052-9'])
        """
        def key(v: object) -> str:
            text = str(v).strip().casefold()
            text = re.sub(r"(?<=\d)[- ](?=\d)", "", text) if re.fullmatch(r"[\d\- ]+", text) else text
            text = text[:-2] if text.endswith(".0") and text[:-2].lstrip("-").isdigit() else text
            return (text.lstrip("0") or "0") if text.isdigit() else text

        if self._near is None:
            groups: dict[str, list[str]] = {}
            for x in self.external:
                groups.setdefault(key(x), []).append(str(x))
            object.__setattr__(self, "_near", groups)
        return [x for x in self._near.get(key(external_id), []) if x != str(external_id)][:limit]


#: The key in a :class:`Dataset` table's ``attrs`` that marks it as the dataset's own ("interactions" or "items").
OWN_TABLE = "recengine_table"
#: The key in the interactions table's ``attrs`` that holds the dataset's name (read back with it).
OWN_NAME = "recengine_name"
#: The columns a dataset's interactions table can hold.
OWN_INTERACTION_COLUMNS = (Columns.user, Columns.item, Columns.rating, Columns.timestamp, Columns.weight, Columns.event)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Interactions plus item texts, validated, with frozen id maps.

    ``interactions`` has ``user_id``, ``item_id``, ``weight`` and, when known, ``rating`` and
    ``timestamp`` (int64 unix seconds). ``items`` has one row per item in ``item_map`` order with
    ``item_id``, ``title``, ``text`` and the source columns. Items with text and no interactions are
    :attr:`cold_items`. Build one with :func:`recengine.read_dataset` or :func:`recengine.load_sample`.

    Its two tables read back into an equal dataset (the same users, items, weights and texts, in the same
    order): ``read_dataset(ds.interactions, ds.items)``. Each table carries a mark in its ``attrs`` (kept by
    pandas through row and column selections, lost in a file) that tells ``read_dataset`` to read its columns by
    their names and its ``text`` as written, not to guess roles and compose a text again.
    """

    interactions: pd.DataFrame
    items: pd.DataFrame
    user_map: IdMap
    item_map: IdMap
    name: str = "dataset"
    warnings: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table, frame in (("interactions", self.interactions), ("items", self.items)):
            if isinstance(frame, pd.DataFrame):
                frame.attrs[OWN_TABLE] = table
        if isinstance(self.interactions, pd.DataFrame):
            self.interactions.attrs[OWN_NAME] = self.name

    @property
    def n_users(self) -> int:
        return len(self.user_map)

    @property
    def n_items(self) -> int:
        return len(self.item_map)

    @property
    def n_interactions(self) -> int:
        return len(self.interactions)

    @property
    def has_ratings(self) -> bool:
        return Columns.rating in self.interactions.columns

    @property
    def has_timestamps(self) -> bool:
        return Columns.timestamp in self.interactions.columns

    @cached_property
    def user_index(self) -> np.ndarray:
        return self.user_map.to_internal(self.interactions[Columns.user])

    @cached_property
    def item_index(self) -> np.ndarray:
        return self.item_map.to_internal(self.interactions[Columns.item])

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """Binary implicit-feedback matrix (users x items): every interaction counts, as the protocols define."""
        data = np.ones(len(self.interactions), dtype=np.float32)
        m = sp.csr_matrix((data, (self.user_index, self.item_index)), shape=(self.n_users, self.n_items))
        m.sum_duplicates()
        m.data[:] = 1.0
        return m

    @cached_property
    def texts(self) -> list[str]:
        return self.items[Columns.text].tolist()

    @cached_property
    def titles(self) -> np.ndarray:
        return self.items[Columns.title].to_numpy(dtype=object)

    @cached_property
    def item_popularity(self) -> np.ndarray:
        """Number of users who interacted with each item (internal order)."""
        return np.asarray(self.matrix.sum(axis=0)).ravel().astype(np.int64)

    @cached_property
    def cold_item_mask(self) -> np.ndarray:
        return self.item_popularity == 0

    @property
    def cold_items(self) -> np.ndarray:
        """External ids of items that nobody has interacted with (they can only be reached through text)."""
        return self.item_map.external[self.cold_item_mask]

    def user_items(self, user_id: object) -> np.ndarray:
        """External ids of the items a known user interacted with (in internal order), as :meth:`title` takes them.

        Raises :class:`~recengine.errors.UnknownIdError` when the dataset has no such user.

        >>> import recengine
        >>> ds = recengine.load_sample("movielens-100k")
        >>> ds.user_items("196")[:3].tolist(), ds.user_item_indices("196")[:3].tolist()
        (['8', '13', '25'], [7, 12, 24])
        """
        return self.item_map.to_external(self.user_item_indices(user_id))

    def user_item_indices(self, user_id: object) -> np.ndarray:
        """Internal indices (rows of :attr:`titles`, columns of :attr:`matrix`) of the items a known user interacted with."""
        row = self.user_map.index(user_id)
        return self.matrix.indices[self.matrix.indptr[row] : self.matrix.indptr[row + 1]].copy()

    def title(self, item_id: object) -> str:
        """The display title of an item, by its external id (as the data names it, e.g. ``"242"``).

        An internal index (a position in :attr:`titles`, as :meth:`user_item_indices` gives) is no id: read
        ``ds.titles[i]`` for those.

        Raises :class:`~recengine.errors.UnknownIdError` when the dataset has no such item.

        Examples
        --------
        >>> import recengine
        >>> ds = recengine.load_sample("movielens-100k")
        >>> ds.title("242")
        'Kolya'
        >>> [ds.title(i) for i in ds.user_items("196")[:2]]
        ['Babe', 'Mighty Aphrodite']
        """
        try:
            return str(self.titles[self.item_map.index(item_id)])
        except UnknownIdError as exc:
            whole = isinstance(item_id, (int, np.integer)) and not isinstance(item_id, (bool, np.bool_))
            if whole and 0 <= int(item_id) < self.n_items:  # type: ignore[arg-type]
                raise UnknownIdError(
                    f"{exc.args[0]} Dataset.title takes an item's external id (a string such as "
                    f"{str(self.item_map.external[0])!r}), not its internal index: for index {int(item_id)} "  # type: ignore[arg-type]
                    f"read ds.titles[{int(item_id)}], or pass the ids that ds.user_items(user) gives."
                ) from None
            raise

    def with_interactions(self, interactions: pd.DataFrame, name: str | None = None) -> Dataset:
        """A dataset on a subset of the interactions with the same id maps and items (used by splits).

        Every user and item id of ``interactions`` must be one of this dataset's: a :class:`DataError` names the
        first unknown ones (new ids need a new dataset, from :func:`recengine.read_dataset`).
        """
        if not isinstance(interactions, pd.DataFrame):
            raise ConfigError(f"with_interactions takes a DataFrame of interactions (columns {Columns.user} and "
                              f"{Columns.item}, as Dataset.interactions has); got a {type(interactions).__name__}.")
        missing = [c for c in (Columns.user, Columns.item) if c not in interactions.columns]
        if missing:
            raise DataError(f"with_interactions: the interactions have no {' or '.join(missing)} column (they have "
                            f"{', '.join(map(str, interactions.columns)) or 'none'}). Give rows of this dataset's "
                            f"interactions table, with its column names.")
        interactions = interactions.reset_index(drop=True)
        # the positions are worked out here once, to check the ids; the subset keeps them for its matrix
        users = self.user_map.to_internal(interactions[Columns.user])
        items = self.item_map.to_internal(interactions[Columns.item])
        for kind, column, idx in (("user", Columns.user, users), ("item", Columns.item, items)):
            unknown = np.flatnonzero(idx < 0)
            if len(unknown):
                ids = pd.unique(interactions[column].to_numpy()[unknown])
                shown = ", ".join(repr(str(i)) for i in ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
                raise DataError(
                    f"with_interactions: {len(unknown)} row(s) name {kind} id(s) that {self.name} does not know "
                    f"({shown}). A subset keeps the dataset's id maps, so it can only hold its own users and items: "
                    "drop those rows, or load the new data as a dataset of its own with recengine.read_dataset."
                )
        subset = Dataset(
            interactions=interactions,
            items=self.items,
            user_map=self.user_map,
            item_map=self.item_map,
            name=name or self.name,
            warnings=self.warnings,
            options=self.options,
        )
        subset.__dict__["user_index"], subset.__dict__["item_index"] = users, items
        if "facets" in self.__dict__:  # the same items, so the same labels: not indexed again for each split
            subset.__dict__["facets"] = self.facets
        return subset

    @cached_property
    def facets(self) -> Any:
        """The category labels of the item table that a typed request can name (:class:`recengine.text.facets.FacetIndex`)."""
        from recengine.text.facets import FacetIndex

        return FacetIndex.from_items(self.items)

    def stats(self) -> dict[str, Any]:
        """Summary figures for the app and ``recengine data inspect``."""
        n_cold = int(self.cold_item_mask.sum())
        per_user = np.diff(self.matrix.indptr)
        has_text = self.items[Columns.text].str.len() > 0
        out: dict[str, Any] = {
            "name": self.name,
            "n_users": self.n_users,
            "n_items": self.n_items,
            "n_interactions": self.n_interactions,
            "n_cold_items": n_cold,
            "n_items_with_text": int(has_text.sum()),
            "density": float(self.matrix.nnz / max(1, self.n_users * self.n_items)),
            "interactions_per_user_median": float(np.median(per_user)) if len(per_user) else 0.0,
            "users_with_1_to_5": int(((per_user >= 1) & (per_user <= 5)).sum()),
            "has_ratings": self.has_ratings,
            "has_timestamps": self.has_timestamps,
            "warnings": list(self.warnings),
            "category_columns": dict(self.facets.sources),  # column -> labels a typed request can name
        }
        if self.has_ratings:
            r = self.interactions[Columns.rating]
            out["rating_min"], out["rating_max"] = float(r.min()), float(r.max())
            # the file's own name for it: a play count or a quantity is not a "rating"
            named = not self.options.get("headerless")  # a file with no header calls it "column 3"
            out["rating_column"] = ((self.options.get("columns") or {}).get("rating") if named else None) or Columns.rating
        if self.has_timestamps:
            t = pd.to_datetime(self.interactions[Columns.timestamp], unit="s")
            out["first_interaction"], out["last_interaction"] = str(t.min().date()), str(t.max().date())
        return out

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: {self.n_users} users, {self.n_items} items, "
            f"{self.n_interactions} interactions, {int(self.cold_item_mask.sum())} cold items)"
        )


def as_dataset(obj: object, where: str) -> Dataset:
    """``obj`` when it is a :class:`Dataset`; else a :class:`ConfigError` for ``where`` (the function that was
    called) that says what was given and what to pass instead: a split's ``train``, a table read first.

    >>> as_dataset(pd.DataFrame({"user_id": ["a"]}), "make_split")
    Traceback (most recent call last):
    ...
    recengine.errors.ConfigError: make_split takes a Dataset; got a DataFrame: read it into one first with recengine.read_dataset(frame).
    """
    if isinstance(obj, Dataset):
        return obj
    if isinstance(getattr(obj, "train", None), Dataset):  # a Split (its module imports this one)
        raise ConfigError(f"{where} takes a Dataset; got a {type(obj).__name__}: pass split.train.")
    if isinstance(obj, (list, tuple)) and obj and isinstance(getattr(obj[0], "train", None), Dataset):
        raise ConfigError(f"{where} takes a Dataset; got a {type(obj).__name__} of {type(obj[0]).__name__}s (few-shot "
                          "gives one per shot count): pass splits[0].train.")
    if isinstance(obj, pd.DataFrame):
        raise ConfigError(f"{where} takes a Dataset; got a DataFrame: read it into one first with "
                          "recengine.read_dataset(frame).")
    raise ConfigError(f"{where} takes a Dataset (from recengine.read_dataset or recengine.load_sample); got "
                      f"{'None' if obj is None else 'a ' + type(obj).__name__}.")
