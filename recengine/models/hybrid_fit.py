"""How the hybrid learns its weights: a validation split carved out of train, and coordinate ascent on NDCG@10.

Validation splits carved out of train simulate the situations the hybrid must handle: warm users keep 80 % of
their interactions; in two few-shot folds, 20 % of the users reveal only their first 1, 3 or 5 items (on a
catalogue of over 5,000 items, one split serves both, to fit the base models once). Base models
are fitted on what each split leaves; each profile-size regime then gets the weight vector that
maximises NDCG@10 of its validation users, starting from the best single signal (so validation quality
never falls below it).
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recengine.columns import Columns
from recengine.data import Dataset, cold_items_split, few_shot_splits, warm_split
from recengine.data.splits import seeded_users, user_keys
from recengine.errors import DataError
from recengine.models.profile import Profile

if TYPE_CHECKING:
    from recengine.models.hybrid import Hybrid

SIGNALS = ("ease", "itemknn", "cooccurrence", "content", "intent", "popularity", "item_age", "profile_size", "is_cold")
LEARNED = ("ease", "itemknn", "cooccurrence", "content", "popularity", "item_age", "is_cold")
REGIME_NAMES = ("intent only", "1 item", "2-3 items", "4-9 items", "10+ items")
SHOT_REGIMES = {1: 1, 3: 2, 5: 3}
# Signals whose weight may not be negative: text similarity is all a brand-new item has, and a negative weight
# learned on known items (where it can trim near-duplicates) would rank new items from least to most alike.
NONNEGATIVE = ("content",)
#: A regime's weights are learned only from this many validation users or more; with fewer it keeps the prior. On
#: 28 users (a small shop) the ascent took EASE to -1 for one-item profiles, a step that "raised NDCG@10 on both
#: halves" of 14 users each: noise, and reasons then said the ranker favours what people like you seldom chose. The
#: standard error of a mean NDCG@10 is about 0.3 / sqrt(users): 0.06 at 28, 0.03 at 100 (MovieLens-100K has 378
#: and more per regime).
MIN_LEARNING_USERS = 100
GRID = (-1.0, -0.5, -0.3, -0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)
_S = {name: i for i, name in enumerate(SIGNALS)}


def regime_of(size: Any) -> Any:
    """Profile-size regime: 0 (no liked items), 1 (one), 2 (2-3), 3 (4-9), 4 (10 or more).

    Examples
    --------
    >>> regime_of(np.array([0, 1, 2, 3, 4, 9, 10, 500])).tolist()
    [0, 1, 2, 2, 3, 3, 4, 4]
    """
    return np.searchsorted(np.array([1, 2, 4, 10]), np.asarray(size), side="right")


def default_weights(intent_weight: float = 1.0, intent_popularity: float = 0.3) -> np.ndarray:
    """Prior weights (regimes x signals), used where no validation data exists.

    The warm row is the validated blend of ``../shared/REFERENCE.md`` (EASE + 0.2 ItemKNN + 0.05 content);
    fewer items lean more on text and popularity.
    """
    W = np.zeros((len(REGIME_NAMES), len(SIGNALS)), dtype=np.float32)
    W[0, _S["intent"]], W[0, _S["popularity"]] = 1.0, intent_popularity
    rows = {1: (1.0, 0.2, 0.5, 0.5), 2: (1.0, 0.2, 0.3, 0.3), 3: (1.0, 0.2, 0.2, 0.2), 4: (1.0, 0.2, 0.05, 0.0)}
    for r, (e, k, c, p) in rows.items():
        W[r, [_S["ease"], _S["itemknn"], _S["content"], _S["popularity"]]] = (e, k, c, p)
        W[r, _S["intent"]] = intent_weight
    return W


def cooccurrence(dataset: Dataset) -> np.ndarray | sp.csr_matrix:
    """Item-item co-occurrence counts (how many users had both), zero diagonal; dense up to 10,000 items.

    Unlike cosine, counts keep popularity in: "people who liked this also liked" is what beats plain
    popularity for users with one to five items.
    """
    X = sp.csr_matrix(dataset.matrix, dtype=np.float32)
    co = sp.csr_matrix(X.T @ X)
    co.setdiag(0)
    co.eliminate_zeros()
    return co.toarray() if dataset.n_items <= 10_000 else co


def _zscore(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros(len(x), dtype=np.float32)
    fill = np.where(finite, x, np.nanmedian(x))
    std = fill.std()
    return ((fill - fill.mean()) / std if std > 0 else np.zeros_like(fill)).astype(np.float32)


#: names of an items file's column that dates each item (a release, a publication), when it has no ``year``
ITEM_DATE = re.compile(r"(?:^|_|\b)(?:year|date|released?|release_?date|published|publication_?date|pub_?date|"
                       r"publishedat|releasedat|created|createdat|added|dateadded|airdate|premiered?)$", re.IGNORECASE)


def item_years(items: pd.DataFrame) -> np.ndarray | None:
    """Each item's year (fractional) from a numeric ``year`` column, else from a column of dates named like one
    (``published``, ``release_date``: a news site's articles, a shop's launches); None when the items have neither.

    >>> item_years(pd.DataFrame({"year": [1995, None]})).tolist()
    [1995.0, nan]
    >>> item_years(pd.DataFrame({"published": ["2026-03-06T04:00:00+02:00", "2024-07-02"]})).round(2).tolist()
    [2026.18, 2024.5]
    >>> item_years(pd.DataFrame({"headline": ["Rain", "Sun"]})) is None
    True
    """
    from recengine.data.validate import holds_times, nested

    if "year" in items.columns:
        year = pd.to_numeric(items["year"], errors="coerce").to_numpy(dtype=np.float64)
        if np.isfinite(year).any():
            return year
    for name in items.columns:
        column = items[name]
        if not ITEM_DATE.search(str(name)) or pd.api.types.is_numeric_dtype(column) or column.map(nested).any():
            continue
        if not holds_times(column):
            continue
        when = pd.to_datetime(column, errors="coerce", format="mixed", utc=True)
        if when.notna().mean() >= 0.5:
            return (when.dt.year + (when.dt.dayofyear - 1) / 365.25).to_numpy(dtype=np.float64, na_value=np.nan)
    return None


def item_features(dataset: Dataset) -> np.ndarray:
    """(3, n_items): log popularity and item age (standardised over the catalogue), and is-cold (0/1).

    Age is years before the newest item, from the items' ``year`` or dates (:func:`item_years`) when they have them.
    """
    pop = _zscore(np.log1p(dataset.item_popularity))
    age = np.zeros(dataset.n_items, dtype=np.float32)
    year = item_years(dataset.items)
    if year is not None and np.isfinite(year).any():
        age = _zscore(np.nanmax(year) - year)
    return np.stack([pop, age, dataset.cold_item_mask.astype(np.float32)])


def ndcg_at(scores: np.ndarray, blocked: np.ndarray, relevant: np.ndarray, k: int = 10) -> float:
    """Mean NDCG@k of dense scores against a boolean relevance matrix (binary gains, RecBole's ideal DCG).

    Examples
    --------
    >>> ndcg_at(np.array([[0.9, 0.8, 0.1]]), np.zeros((1, 3), bool), np.array([[False, True, False]]), k=2)
    0.6309...
    """
    import torch

    s = torch.as_tensor(np.where(blocked, -np.inf, scores), dtype=torch.float32)
    return _Scorer(torch.as_tensor(relevant), k).ndcg(s)


class _Scorer:
    """NDCG@k of many candidate score matrices against one relevance matrix (torch top-k: fast on CPU)."""

    def __init__(self, relevant: Any, k: int = 10, n_rel: Any = None) -> None:
        import torch

        self.k = int(min(k, relevant.shape[1]))
        self.rel = relevant.to(torch.float32)
        self.discount = 1.0 / torch.log2(torch.arange(2, self.k + 2, dtype=torch.float32))
        n_rel = self.rel.sum(dim=1) if n_rel is None else n_rel
        n_rel = torch.clamp(n_rel, max=self.k).to(torch.int64)
        self.idcg = torch.cumsum(self.discount, 0)[torch.clamp(n_rel, min=1) - 1]

    def ndcg(self, scores: Any) -> float:
        return float(self.per_user(scores).mean())

    def per_user(self, scores: Any) -> Any:
        import torch

        top = torch.topk(scores, self.k, dim=1, sorted=True).indices
        dcg = (torch.gather(self.rel, 1, top) * self.discount).sum(dim=1)
        return dcg / self.idcg


def prune(F: Any, penalty: Any, relevant: Any, depth: int = 50) -> tuple[Any, Any, Any]:
    """Keep, per user, only items in some signal's top ``depth`` (where any blend's top-10 lies).

    Returns the signals, penalty and relevance gathered on those items (padded with -inf), so each
    coordinate-ascent step ranks a few hundred items per user instead of the whole catalogue.
    """
    import torch

    depth = int(min(depth, F.shape[2]))
    mask = torch.zeros(penalty.shape, dtype=torch.bool)
    for s in (_S[name] for name in LEARNED if name != "is_cold"):
        mask.scatter_(1, torch.topk(F[s] + penalty, depth, dim=1).indices, True)
    mask &= torch.isfinite(penalty)
    width = max(1, int(mask.sum(dim=1).max()))
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)[:, :width]
    Fg = torch.gather(F, 2, order.unsqueeze(0).expand(F.shape[0], -1, -1))
    pen = torch.where(torch.gather(mask, 1, order), 0.0, float("-inf"))
    return Fg, pen, torch.gather(relevant, 1, order)


def coordinate_ascent(
    F: np.ndarray, blocked: np.ndarray, relevant: np.ndarray, signals: tuple[str, ...], passes: int = 2, w: np.ndarray | None = None
) -> tuple[np.ndarray, float, dict[str, float]]:
    """Weights (n_signals,) maximising NDCG@10 of ``sum_s w_s F[s]`` over ``signals``.

    Without a starting ``w``, starts from the best single signal (weight 1, kept fixed as the scale).
    A step is taken only when it raises NDCG@10 on both halves of the users (odd and even rows), so a
    gain that one half of the validation users does not share is treated as noise.
    Returns the weights, the best NDCG@10 and each single signal's NDCG@10.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # hundreds of small tensor ops: thread hand-offs cost more than they save
    try:
        return _ascend(F, blocked, relevant, signals, passes, w)
    finally:
        torch.set_num_threads(threads)


def _ascend(
    F: np.ndarray, blocked: np.ndarray, relevant: np.ndarray, signals: tuple[str, ...], passes: int, w: np.ndarray | None
) -> tuple[np.ndarray, float, dict[str, float]]:
    import torch

    Ft = torch.as_tensor(F, dtype=torch.float32)
    penalty = torch.as_tensor(np.where(blocked, -np.inf, 0.0), dtype=torch.float32)
    rel = torch.as_tensor(relevant)
    n_rel = rel.sum(dim=1).to(torch.float32)
    if F.shape[2] > 500:
        Ft, penalty, rel = prune(Ft, penalty, rel)
    scorer = _Scorer(rel, 10, n_rel)
    idx = [_S[s] for s in signals]
    single: dict[str, float] = {}
    if w is None:
        single = {SIGNALS[s]: scorer.ndcg(Ft[s] + penalty) for s in idx if Ft[s].numel() > 1 and float(Ft[s].std()) > 0}
        anchor = _S[max(single, key=single.get)] if single else idx[0]  # every signal flat: any one is the scale
        w = np.zeros(len(SIGNALS), dtype=np.float64)
        w[anchor] = 1.0
        idx = [s for s in idx if s != anchor]
    w = np.asarray(w, dtype=np.float64).copy()
    current = torch.tensordot(torch.as_tensor(w, dtype=torch.float32), Ft, dims=1) + penalty
    odd = torch.arange(F.shape[1]) % 2 == 1

    def halves(per_user: Any) -> tuple[float, float, float]:
        return float(per_user.mean()), float(per_user[odd].mean()), float(per_user[~odd].mean())

    best = halves(scorer.per_user(current))
    for _ in range(passes):
        improved = False
        for s in idx:
            for g in GRID:
                if g == w[s] or (g < 0 and SIGNALS[s] in NONNEGATIVE):
                    continue
                trial = current + float(g - w[s]) * Ft[s]
                value = halves(scorer.per_user(trial))
                if value[0] > best[0] + 1e-4 and value[1] > best[1] and value[2] > best[2]:
                    best, current, w[s], improved = value, trial, g, True
        if not improved:
            break
    return w.astype(np.float32), best[0], single


Group = tuple[int, list[Profile], pd.DataFrame]


def _group(profiles_df: pd.DataFrame | None, train: Dataset, users: np.ndarray) -> list[Profile]:
    if profiles_df is None:
        m, ids = train.matrix, train.item_map.external
        rows = train.user_map.to_internal(users)
        return [Profile(liked=dict.fromkeys(ids[m.indices[m.indptr[r] : m.indptr[r + 1]]], 1.0), user_id=str(u)) for u, r in zip(users, rows)]
    grouped = profiles_df.groupby(Columns.user)[Columns.item].apply(list)
    return [Profile.from_items(grouped.get(u, []), user_id=u) for u in users]


# Memory for one validation group's signal tensor (n_signals x users x items, float32): users are sampled to fit.
# There are up to seven groups (warm, and three profile sizes in each of two few-shot folds), kept until the
# weights are learned: about 1.3 GB at most, plus the copy that joins a regime's groups.
VALIDATION_BYTES = 192 * 2**20
MIN_VALIDATION_USERS = 200


def validation_user_cap(n_items: int, n_signals: int = 9) -> int:
    """How many users one validation group may hold so that its signals fit in :data:`VALIDATION_BYTES`.

    MovieLens-100K (1,682 items) allows 3,324, more than it has; a 10,000-item catalogue 559.

    >>> validation_user_cap(1_682), validation_user_cap(10_000)
    (3324, 559)
    """
    return max(MIN_VALIDATION_USERS, VALIDATION_BYTES // (n_signals * 4 * max(1, int(n_items))))


def validation_setups(
    dataset: Dataset, seed: int, folds: int = 2, cold_offset: bool = False, shared: bool = False
) -> list[tuple[str, Dataset, list[Group]]]:
    """(stage, validation train set, groups of (regime, profiles, positives)) carved out of ``dataset``.

    Warm users keep 80 % of their interactions; in each few-shot fold a different 20 % of users reveal
    only their first 1, 3 or 5 items (folds pool more users, which steadies the estimate). With ``shared``
    (large catalogues) one split serves both: 20 % of users are held out as one few-shot fold, and the
    others keep 80 % of their interactions as warm users, so the base models are fitted once. Forced on
    MovieLens-100K (``evaluate`` with ``Hybrid(shared_split_items=0)``, mean of seeds 42, 1, 2 and 7), warm and
    cold-items NDCG@10 stay level (0.446 -> 0.445, 0.316 -> 0.318) and few-shot falls by 0.008 to 0.011. No items are
    held out: training the base models on less data than serving sees skewed the weights, and a random
    hold-out cannot tell how often brand-new items are wanted, so the ``is_cold`` weight is not learned
    (it stays 0: a cold item competes through its text, its collaborative signals read as average).
    With ``cold_offset=True`` a further ``cold`` setup (10 % of items held out) learns that offset.
    Protocols the data is too small for are skipped. A group with more users than
    :func:`validation_user_cap` allows for this catalogue keeps a seeded sample of them, so learning the
    weights on a large dataset takes bounded memory and time.
    """
    cap = validation_user_cap(dataset.n_items)
    keys = user_keys(dataset.interactions, seed)  # a sample drawn from what users did, not from their ids

    def groups(train: Dataset, raw: list[tuple[int, pd.DataFrame | None, pd.DataFrame]], cold_test: pd.DataFrame | None = None) -> list[Group]:
        out = []
        for regime, prof_df, test in raw:
            users = pd.unique(test[Columns.user])
            if len(users) > cap:
                users = np.sort(seeded_users(keys, users, cap))
                test = test[test[Columns.user].isin(set(users))]
            if len(users) >= 5:
                extra = cold_test[cold_test[Columns.user].isin(set(users))] if cold_test is not None else test.iloc[:0]
                out.append((regime, _group(prof_df, train, users), pd.concat([test, extra])))
        return out

    def few_shot_fold(fold: int) -> tuple[Dataset | None, list[tuple[int, pd.DataFrame | None, pd.DataFrame]]]:
        """A few-shot fold's train set and (regime, profiles, test) parts; (None, []) when the data is too small."""
        try:
            shots = few_shot_splits(dataset, shots=tuple(SHOT_REGIMES), seed=seed + 1 + fold)
        except DataError:
            return None, []
        return shots[0].train, [(SHOT_REGIMES[s.shots], s.profiles, s.test) for s in shots]

    setups = []
    if shared:  # one split: the fold's held-out users, and the others as warm users
        shot_train, shot_parts = few_shot_fold(0)
        warm = warm_split(shot_train if shot_train is not None else dataset, seed=seed)
        setups.append(("items", warm.train, groups(warm.train, [(4, None, warm.test), *shot_parts])))
    else:
        warm = warm_split(dataset, seed=seed)
        setups.append(("items", warm.train, groups(warm.train, [(4, None, warm.test)])))
        for fold in range(folds):
            shot_train, shot_parts = few_shot_fold(fold)
            if shot_train is None:
                break
            setups.append(("items", shot_train, groups(shot_train, shot_parts)))
    if cold_offset:
        with contextlib.suppress(DataError):
            cold = cold_items_split(dataset, item_frac=0.1, seed=seed)
            cold_warm = warm_split(cold.train, seed=seed)
            setups.append(("cold", cold_warm.train, groups(cold_warm.train, [(4, None, cold_warm.test)], cold.test)))
    return [(stage, train, g) for stage, train, g in setups if g]


def learn_weights(model: Hybrid, dataset: Dataset, embeddings: Any, encoder: Any, prior: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """Learn one weight vector per regime that has validation data; other regimes keep the prior.

    First the item-signal weights of each regime, then (with those fixed, and only with the
    ``cold_offset`` setting) the warm regime's ``is_cold`` offset on a split with held-out items.
    """
    W = prior.copy()
    report: dict[str, Any] = {}
    try:
        setups = validation_setups(dataset, model.config.seed, model.config.folds, model.config.cold_offset,
                                   shared=dataset.n_items > model.config.shared_split_items)
    except DataError as exc:
        return W, {"note": f"prior weights: the data is too small for a validation split ({exc})"}
    if not setups:
        return W, {"note": "prior weights: too few users for a validation split"}
    parts: dict[tuple[str, int], list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    model.item_map = dataset.item_map  # profile_matrix needs the (shared) item map
    total = len(setups) + 1  # the validation splits, then the final fit on all the data
    model.fit_steps = total  # Hybrid._fit says the last one ended
    slow = "" if model.ease_left_out else f" (EASE on {dataset.n_items:,} items is the slow part)"
    try:
        for step, (stage, train, groups) in enumerate(setups):
            model.report(step, total, f"learning the weights: validation split {step + 1} of {len(setups)}{slow}")
            bases = model.fit_bases(train, embeddings, encoder)
            feats = item_features(train)
            for regime, profiles, positives in groups:
                parts.setdefault((stage, regime), []).append(_group_arrays(model, profiles, positives, bases, feats))
    finally:
        model.item_map = None
    for (stage, regime), chunks in sorted(parts.items(), key=lambda kv: (kv[0][0] == "cold", kv[0][1])):
        F = np.concatenate([c[0] for c in chunks], axis=1)
        blocked = np.concatenate([c[1] for c in chunks])
        relevant = np.concatenate([c[2] for c in chunks])
        info = report.setdefault(REGIME_NAMES[regime], {})
        if stage == "items":
            learned = _learn(F, blocked, relevant, model.config.passes, model.config.intent_weight, info)
            if learned is not None:
                W[regime] = learned
        elif (F[_S["is_cold"]] > 0).any():
            keep = relevant.any(axis=1)
            W[regime], best, _ = coordinate_ascent(F[:, keep], blocked[keep], relevant[keep], ("is_cold",), 1, W[regime])
            info["ndcg@10 with cold items"] = round(best, 4)
    model.report(len(setups), total, f"fitting on all the data{slow}")
    return W, report


def _group_arrays(model: Hybrid, profiles: list[Profile], positives: pd.DataFrame, bases: tuple, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signals (n_signals, n_users, n_items), blocked (profile items) and relevant (held-out positives)."""
    X = model.profile_matrix(profiles)
    F = model.features(profiles, X, bases, feats)
    relevant = np.zeros(X.shape, dtype=bool)
    rows = positives[Columns.user].map({p.user_id: r for r, p in enumerate(profiles)}).to_numpy()
    relevant[rows, model.item_map.to_internal(positives[Columns.item])] = True
    blocked = X.toarray() > 0
    return F, blocked, relevant & ~blocked


def _learn(
    F: np.ndarray, blocked: np.ndarray, relevant: np.ndarray, passes: int, intent_weight: float, info: dict[str, Any]
) -> np.ndarray | None:
    """Item-signal weights on the items that have interactions (cold items, if any, are left out).

    None when no validation user has a held-out item that the base models could know (for example when
    every item has a single user, so each held-out item is cold in the fold): the regime keeps its prior.
    """
    cold = F[_S["is_cold"]] > 0
    warm_rel = relevant & ~cold
    keep = warm_rel.any(axis=1)
    if not keep.any():
        info["note"] = "prior weights: no validation user has a held-out item with other users"
        return None
    if keep.sum() < MIN_LEARNING_USERS:
        info.update({"users": int(keep.sum()), "note": f"prior weights: {int(keep.sum())} validation users, fewer than "
                     f"the {MIN_LEARNING_USERS} that weights are learned from (on fewer they fit noise)"})
        return None
    item_signals = tuple(s for s in LEARNED if s != "is_cold")
    w, best, single = coordinate_ascent(F[:, keep], blocked[keep] | cold[keep], warm_rel[keep], item_signals, passes)
    info.update({"users": int(keep.sum()), "ndcg@10": round(best, 4)})
    info.update({f"{k} alone": round(v, 4) for k, v in single.items()})
    anchor = float(w[_S["ease"]] if w[_S["ease"]] > 0 else np.abs(w).max() or 1.0)
    w[_S["intent"]] = intent_weight * anchor
    return w
