"""Splits for the four evaluation protocols, defined once for every model, metric and page (seeded, except the
temporal one, which a date decides).

- ``warm``: per user, a random 80/20 split of their interactions (users with fewer than two stay
  train-only); all items are ranked, the user's train items excluded.
- ``cold_items``: 20 % of the items that have text are held out with all their interactions; test
  users rank the held-out items only (LightFM / ColdRec protocol). A user with no interaction left in train
  is not a test user: with no profile, nothing ranks the cold items for them.
- ``few_shot``: 20 % of users are held out; each gets ``n`` of their interactions as the profile
  (the earliest when there are timestamps, else a seeded random choice) and the rest as test; the
  other users are train. The same held-out users serve every ``n``.
- ``temporal``: a global cut in time, as if the recommender had been deployed on that date: about 20 % of the
  interactions lie after it. Test users are those with interactions before the cut; their later interactions
  with items new to them are the test. All items are ranked, the user's train items excluded; items first seen
  after the cut are cold items in train. Random splits leak the future; this one does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recengine.columns import Columns
from recengine.data.dataset import Dataset, as_dataset
from recengine.errors import DataError

PROTOCOLS = ("warm", "cold_items", "few_shot", "temporal")


@dataclass(frozen=True, eq=False)
class Split:
    """One protocol's train dataset and test interactions.

    ``train`` keeps the full id maps and item table, so held-out items stay in the catalogue as cold
    items and item embeddings stay aligned. ``profiles`` (few-shot only) holds the interactions a test
    user reveals at recommendation time; they are not in ``train``. ``candidates`` (cold items only)
    are the item ids that are ranked; ``None`` means all items. ``cut`` (temporal only) is the last moment
    ``train`` holds (UTC), ``after_share`` the share of all interactions after it and ``new_item_test`` how many
    test interactions are on items first seen after it (only a model that reads text can reach those).
    """

    protocol: str
    train: Dataset
    test: pd.DataFrame
    seed: int
    candidates: np.ndarray | None = None
    profiles: pd.DataFrame | None = None
    shots: int | None = None
    cut: pd.Timestamp | None = None
    after_share: float | None = None
    new_item_test: int | None = None

    @property
    def test_users(self) -> np.ndarray:
        return pd.unique(self.test[Columns.user])

    def __repr__(self) -> str:  # the whole test table and every candidate filled a notebook cell
        # a temporal split takes a seed and ignores it: naming it would say it mattered
        parts = [f"{self.protocol!r}", *([] if self.cut is not None else [f"seed {self.seed}"]), f"train {self.train!r}",
                 f"test: {len(self.test):,} interactions of {len(self.test_users):,} users"]
        if self.candidates is not None:
            parts.append(f"{len(self.candidates):,} candidate items")
        if self.shots is not None:
            parts.append(f"{self.shots} shot(s)")
        if self.cut is not None:
            parts.append(f"cut {self.cut.date()}, {self.new_item_test or 0:,} test interactions on new items")
        return f"Split({', '.join(parts)})"

    @property
    def cut_summary(self) -> str:
        """Where a temporal split cut and what lies after it, for a person reading the figures; "" for the others.

        The share of new items says how much of the test only the text models can find: on MovieLens-100K few
        test interactions are on new films, on a shop with a changing catalogue many are.
        """
        if self.cut is None:
            return ""
        return (f"cut {self.cut.date()}: {(self.after_share or 0.0) * 100:.0f} % of interactions after it; "
                f"{self.new_item_test or 0:,} of {len(self.test):,} test interactions are on items first seen after "
                "the cut")

    def profile_items(self, user_id: str) -> np.ndarray:
        """External ids of the items that form ``user_id``'s profile at test time."""
        if self.profiles is not None:
            return self.profiles.loc[self.profiles[Columns.user] == user_id, Columns.item].to_numpy()
        train = self.train
        if user_id not in train.user_map:
            return np.array([], dtype=object)
        return train.user_items(user_id)


def _uniform(hashes: np.ndarray) -> np.ndarray:
    """uint64 hashes as floats in [0, 1)."""
    return (np.asarray(hashes, dtype=np.uint64) >> np.uint64(11)).astype(np.float64) / float(2**53)


def _mixed(values: np.ndarray, seed: int) -> np.ndarray:
    """uint64 ``values`` hashed again with ``seed`` mixed in."""
    salt = pd.util.hash_array(np.asarray([seed], dtype=np.uint64))[0]
    return pd.util.hash_array(np.asarray(values, dtype=np.uint64) ^ salt)


def _signatures(inter: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """(each row's item hash, each user's signature: a hash of the set of items they used)."""
    items = pd.util.hash_array(inter[Columns.item].astype(str).to_numpy(dtype=object))
    sig = pd.Series(items >> np.uint64(32), index=inter.index).groupby(inter[Columns.user].to_numpy()).sum()
    return items, sig.astype(np.uint64)


def user_keys(inter: pd.DataFrame, seed: int) -> pd.Series:
    """A seeded random number in [0, 1) per user of ``inter`` (indexed by user id), drawn from what the user did,
    not from their id: hashed or renamed ids, or rows in another order, give every user the same number, so a
    split (and what a hybrid learns from it) does not change when ids are hashed for privacy.

    >>> log = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"]})
    >>> renamed = pd.DataFrame({"user_id": ["q", "p", "p"], "item_id": ["x", "x", "y"]})
    >>> user_keys(log, 42).tolist() == user_keys(renamed, 42)[["p", "q"]].tolist()
    True
    """
    _, sig = _signatures(inter)
    return pd.Series(_uniform(_mixed(sig.to_numpy(), seed)), index=sig.index)


def seeded_users(keys: pd.Series, users: np.ndarray, n: int) -> np.ndarray:
    """A seeded sample of ``n`` of ``users``: those with the smallest :func:`user_keys` ``keys``, in that order.

    >>> seeded_users(pd.Series([0.7, 0.2, 0.5], index=["a", "b", "c"]), np.array(["a", "b", "c"]), 2).tolist()
    ['b', 'c']
    """
    return users[np.argsort(keys.reindex(users).to_numpy(), kind="stable")[: int(n)]]


def row_keys(inter: pd.DataFrame, seed: int) -> np.ndarray:
    """A seeded random number in [0, 1) per row of ``inter``, drawn from its item and its user's items (see
    :func:`user_keys`): a user's rows are ordered the same way whatever the user is called."""
    items, sig = _signatures(inter)
    own = sig.reindex(inter[Columns.user].to_numpy()).to_numpy(dtype=np.uint64)
    return _uniform(_mixed(items ^ pd.util.hash_array(own), seed))


def id_order(ids: Sequence[str]) -> np.ndarray:
    """The positions of ``ids`` in natural order: numbers inside ids compare as numbers ("i2" before "i10").

    >>> id_order(["i10", "b", "i2", "007", "7"]).tolist()
    [3, 4, 1, 2, 0]
    """
    def key(i: int) -> tuple:
        s = str(ids[i])
        parts = re.split(r"(\d+)", s)
        return tuple(int(p) if k % 2 else p for k, p in enumerate(parts)), s

    return np.array(sorted(range(len(ids)), key=key), dtype=np.intp)


def warm_split(ds: Dataset, test_frac: float = 0.2, seed: int = 42) -> Split:
    """Per-user random split: ``round(test_frac * n)`` (at least 1) of each user's items go to test."""
    ds = as_dataset(ds, "warm_split")
    inter = ds.interactions
    users = inter[Columns.user].to_numpy()
    key = row_keys(inter, seed)
    order = np.lexsort((key, users))
    sorted_users = users[order]
    starts = np.r_[0, np.flatnonzero(sorted_users[1:] != sorted_users[:-1]) + 1]
    counts = np.diff(np.r_[starts, len(order)])
    pos = np.arange(len(order)) - np.repeat(starts, counts)
    n_test = np.maximum(1, np.rint(counts * test_frac).astype(int))
    n_test = np.where(counts < 2, 0, np.minimum(n_test, counts - 1))
    if not n_test.any():
        raise DataError(
            f"{ds.name}: the warm protocol needs users with at least 2 interactions (one to learn from, one to "
            "test); no user has more than one. Use the cold-items protocol, or data with longer histories."
        )
    is_test_sorted = pos < np.repeat(n_test, counts)
    is_test = np.zeros(len(inter), dtype=bool)
    is_test[order] = is_test_sorted
    return Split("warm", ds.with_interactions(inter[~is_test], f"{ds.name}:warm-train"), inter[is_test].reset_index(drop=True), seed)


def cold_items_split(ds: Dataset, item_frac: float = 0.2, seed: int = 42) -> Split:
    """Hold out ``item_frac`` of the items that have text, with all their interactions; test users are those of
    their users who have interactions left in train."""
    ds = as_dataset(ds, "cold_items_split")
    rng = np.random.default_rng(seed)
    has_text = ds.items[Columns.text].str.len().to_numpy() > 0
    touched = ~ds.cold_item_mask
    eligible = np.flatnonzero(has_text & touched)
    if len(eligible) < 5:
        fix = ("Load an items file with titles or descriptions for the items people used (in the CLI: --items FILE; in "
               "the app: the Data page)." if not touched.any() or has_text[touched].mean() < 0.5 else
               "It holds a fifth of them out to test on: use a dataset with more items.")
        raise DataError(
            f"{ds.name}: the cold-items protocol (and fine-tuning, judged on it) needs at least 5 items with both text "
            f"and interactions; only {len(eligible)} have both. {fix}"
        )
    n_hold = max(1, int(round(item_frac * len(eligible))))
    # drawn from the items in the order of their ids, not of the items file's rows: the same data in another
    # order holds out the same items
    eligible = eligible[id_order(ds.item_map.to_external(eligible))]
    held = np.sort(rng.choice(eligible, size=n_hold, replace=False))
    held_ids = ds.item_map.to_external(held)
    inter = ds.interactions
    is_test = inter[Columns.item].isin(set(held_ids)).to_numpy()
    test = inter[is_test]
    # a user whose every interaction was held out has no profile to rank the cold items by: no model can score them
    # (an empty profile gives ties, whose order would score chance hits)
    test = test[test[Columns.user].isin(set(inter.loc[~is_test, Columns.user]))]
    if test.empty:
        raise DataError(
            f"{ds.name}: in the cold-items protocol no user of the {n_hold} held-out item(s) has other interactions "
            "to learn their taste from, so there is nothing to test. Use data where users have several interactions "
            "each, or the few-shot protocol."
        )
    return Split(
        "cold_items",
        ds.with_interactions(inter[~is_test], f"{ds.name}:cold-items-train"),
        test.reset_index(drop=True),
        seed,
        candidates=held_ids,
    )


def require_timestamps(ds: Dataset) -> None:
    """A :class:`DataError` that says what to do when ``ds`` has no timestamps for the temporal protocol to cut at
    (the command line asks before it embeds the items, not after)."""
    if not ds.has_timestamps:
        raise DataError(
            f"{ds.name}: the temporal protocol cuts the interactions at a date, and this data has no timestamps. Map a "
            f"time column (columns={{'timestamp': 'COLUMN'}}; in the app: Data page, Column mapping, Timestamp; in the "
            "CLI: --timestamp-col COLUMN) or use the warm protocol."
        )


def temporal_split(ds: Dataset, test_frac: float = 0.2, seed: int = 42) -> Split:
    """A global cut in time, as if the recommender had been deployed on that date.

    A random split leaks the future: a model learns from a user's later interactions, and from other users' later
    taste, to find items the user chose before them. Here train is every interaction at or before the cut, and
    test the later interactions of users with at least one before it: users who came after the cut have nothing
    to learn their taste from. A pair the user already had in train is dropped from test (a re-watch or a
    re-purchase is not a discovery), and one the user repeated after the cut counts once. Items first seen after
    the cut stay in the catalogue as cold items, with their text: only the text models can reach them, as on the
    day it was deployed.

    The cut is the timestamp with about ``test_frac`` of the interactions after it; every interaction at one
    timestamp falls on the same side, so ties at the cut can move the share off ``test_frac`` (the split says by
    how much: :attr:`Split.after_share`). Deterministic: ``seed`` is accepted, as every protocol takes one, and
    ignored.

    >>> import recengine
    >>> temporal_split(recengine.load_sample("movielens-100k")).cut_summary  # doctest: +NORMALIZE_WHITESPACE
    'cut 1998-03-07: 20 % of interactions after it; 89 of 2,953 test interactions are on items first seen after
    the cut'
    """
    ds = as_dataset(ds, "temporal_split")
    require_timestamps(ds)
    inter = ds.interactions
    stamps = inter[Columns.timestamp].to_numpy(dtype=np.int64)
    times, counts = np.unique(stamps, return_counts=True)
    if len(times) < 2:
        when = pd.Timestamp(int(times[0]), unit="s") if len(times) else None
        raise DataError(
            f"{ds.name}: the temporal protocol cuts the interactions at a date, and all {len(stamps):,} of them carry "
            f"the same timestamp{f' ({when})' if when is not None else ''}: there is no before and after. Check which "
            "column is mapped as the time (columns={'timestamp': 'COLUMN'}; in the app: Data page, Column mapping, "
            "Timestamp; in the CLI: --timestamp-col COLUMN) or use the warm protocol."
        )
    # after[i]: the interactions later than times[i]; the last time leaves none after it, so it is no cut
    after = len(stamps) - np.cumsum(counts)[:-1]
    cut = int(times[int(np.argmin(np.abs(after - test_frac * len(stamps))))])
    is_after = stamps > cut
    train_rows, later = inter[~is_after], inter[is_after]
    later = later[later[Columns.user].isin(set(train_rows[Columns.user]))]
    seen = pd.MultiIndex.from_frame(train_rows[[Columns.user, Columns.item]])
    fresh = ~pd.MultiIndex.from_frame(later[[Columns.user, Columns.item]]).isin(seen)
    test = later[fresh].sort_values(Columns.timestamp, kind="stable").drop_duplicates([Columns.user, Columns.item])
    when = pd.Timestamp(cut, unit="s")
    if test.empty:
        raise DataError(
            f"{ds.name}: in the temporal protocol (cut {when.date()}, {is_after.mean():.0%} of the interactions after "
            "it) no user who was active before the cut came back after it for an item new to them, so there is "
            "nothing to test. Use data that spans a longer time, or the warm protocol."
        )
    train = ds.with_interactions(train_rows, f"{ds.name}:temporal-train")
    new_items = train.item_popularity[train.item_map.to_internal(test[Columns.item])] == 0
    return Split("temporal", train, test.reset_index(drop=True), seed, cut=when,
                 after_share=float(is_after.mean()), new_item_test=int(new_items.sum()))


def parse_shots(shots: object) -> tuple[int, ...]:
    """Shot counts from a list, one number or a string such as ``"1,3,5"``.

    >>> parse_shots("1, 3,5"), parse_shots(3)
    ((1, 3, 5), (3,))
    """
    items = shots.replace(",", " ").split() if isinstance(shots, str) else [shots] if isinstance(shots, (int, float)) else shots
    try:
        out = tuple(int(s) for s in items)  # type: ignore[union-attr]
        if any(int(s) != float(s) for s in items):  # type: ignore[union-attr]
            raise ValueError
    except (TypeError, ValueError):
        raise DataError(f"shots are whole numbers of revealed interactions, e.g. (1, 3, 5) or '1,3,5'; got {shots!r}.") from None
    return out


def few_shot_splits(
    ds: Dataset, shots: Sequence[int] = (1, 3, 5), user_frac: float = 0.2, seed: int = 42
) -> list[Split]:
    """One split per shot count, all with the same held-out users and the same train data.

    ``user_frac`` of the users with more than ``max(shots)`` interactions (those that can be held out) are held
    out, so the train data keeps most of the users who give it collaborative signal, however many light users
    the data has besides.
    """
    ds = as_dataset(ds, "few_shot_splits")
    shots = sorted(set(parse_shots(shots)))
    if not shots or shots[0] < 1:
        raise DataError("few-shot: shot counts must be positive integers, e.g. 1,3,5.")
    inter = ds.interactions
    counts = inter.groupby(Columns.user).size()
    eligible = counts.index[counts > shots[-1]].to_numpy()
    if len(eligible) < 2:
        raise DataError(
            f"{ds.name}: the few-shot protocol needs at least 2 users with more than {shots[-1]} interactions (some "
            f"to hold out, some to train on); this data has {len(eligible)}. Use another protocol (warm, cold-items), "
            "or smaller shot counts (on the command line: --shots 1,2)."
        )
    n_hold = min(max(1, int(round(user_frac * len(eligible)))), len(eligible) - 1)
    held = set(seeded_users(user_keys(inter, seed), eligible, n_hold).tolist())
    is_held = inter[Columns.user].isin(held).to_numpy()
    train = ds.with_interactions(inter[~is_held], f"{ds.name}:few-shot-train")
    held_rows = inter[is_held].copy()
    held_rows["_key"] = row_keys(held_rows, seed)
    order = [Columns.user, Columns.timestamp, "_key"] if ds.has_timestamps else [Columns.user, "_key"]
    held_rows = held_rows.sort_values(order)
    held_rows["_pos"] = held_rows.groupby(Columns.user).cumcount()
    out = []
    for n in shots:
        prof = held_rows[held_rows["_pos"] < n].drop(columns=["_key", "_pos"]).reset_index(drop=True)
        test = held_rows[held_rows["_pos"] >= n].drop(columns=["_key", "_pos"]).reset_index(drop=True)
        out.append(Split("few_shot", train, test, seed, profiles=prof, shots=n))
    return out


_SPLIT_OPTIONS = {"warm": ("test_frac",), "cold_items": ("item_frac",), "few_shot": ("shots", "user_frac"),
                  "temporal": ("test_frac",)}


def make_split(ds: Dataset, protocol: str, seed: int = 42, **kwargs: object) -> Split | list[Split]:
    """Dispatch by protocol name (``warm``, ``cold_items``/``cold-items``, ``few_shot``/``few-shot``, ``temporal``).

    Options: ``test_frac`` (warm, temporal), ``item_frac`` (cold items), ``shots`` and ``user_frac`` (few-shot);
    fractions lie strictly between 0 and 1, and ``shots`` may be a list, one number or a string such as
    ``"1,3,5"``. The temporal split takes ``seed`` and ignores it: a date, not a draw, decides it.
    """
    ds = as_dataset(ds, "make_split")
    key = str(protocol).replace("-", "_")
    allowed = _SPLIT_OPTIONS.get(key, ())
    unknown = [k for k in kwargs if k not in allowed]
    if key in _SPLIT_OPTIONS and unknown:
        raise DataError(f"the {protocol} protocol takes {', '.join(allowed)}; not {', '.join(unknown)}.")
    for name in ("test_frac", "item_frac", "user_frac"):
        if name in kwargs:
            value = kwargs[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < float(value) < 1.0:
                raise DataError(f"{name} is a fraction strictly between 0 and 1, e.g. 0.2; got {value!r}.")
    if "shots" in kwargs:
        kwargs["shots"] = parse_shots(kwargs["shots"])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise DataError(f"seed is a whole number from 0 to {2**32 - 1}, e.g. 42; got {seed!r}.")
    seed = int(seed)
    if key == "warm":
        return warm_split(ds, seed=seed, **kwargs)  # type: ignore[arg-type]
    if key == "cold_items":
        return cold_items_split(ds, seed=seed, **kwargs)  # type: ignore[arg-type]
    if key == "few_shot":
        return few_shot_splits(ds, seed=seed, **kwargs)  # type: ignore[arg-type]
    if key == "temporal":
        return temporal_split(ds, seed=seed, **kwargs)  # type: ignore[arg-type]
    raise DataError(f"unknown protocol {protocol!r}; choose one of warm, cold-items, few-shot, temporal.")
