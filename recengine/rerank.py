"""Re-ranking knobs applied to a recommendation table: diversity (MMR), novelty and dislikes.

A pure function on the long table of :meth:`recengine.models.Recommender.recommend` (ask it for a
larger pool than you show, e.g. ``5 * k``) plus the item embeddings, so the CLI and the app share it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from recengine.columns import Columns
from recengine.errors import ConfigError
from recengine.models import ContentKNN, Profile, Recommender
from recengine.models.base import ASKED, as_profiles, check_k, profile_ids
from recengine.models.content import aligned_vectors


def _unit(x: np.ndarray, span: np.ndarray | None = None) -> np.ndarray:
    """``x`` scaled so that the least of ``span`` (default: ``x`` itself) is 0 and its greatest 1."""
    span = x if span is None else span
    lo, hi = float(np.min(span)), float(np.max(span))
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


# A dislike pushes down the items inside the disliked item's own neighbourhood (closer than its 20th nearest
# item, or the nearest tenth of a catalogue of under 200, so the reach adapts to the encoder and the catalogue),
# by up to this much of the pool's relevance
# range: an item as close as the drop radius would fall from the top of the pool to its bottom.
DISLIKE_NEIGHBOURS = 20
DISLIKE_WEIGHT = 1.0
#: What puts an item at the dislike radius after every other: more than any gain (relevance, novelty, a request's
#: tier) can make up.
LAST = 1e6
#: How far a tier of a request's category labels (the list's ``asked`` column) lifts an item's gain: above anything
#: relevance, novelty, diversity and dislikes trade (each within a few units), so the items asked for stay first.
TIER_GAIN = 100.0
LOWERED_BY = "lowered_by"


def _lookup(item_ids: np.ndarray) -> dict[str, int]:
    return {str(i): n for n, i in enumerate(item_ids)}


def check_knobs(diversity: float, novelty: float) -> tuple[float, float]:
    """The knobs as floats; ConfigError unless ``0 <= diversity <= 1`` and ``novelty >= 0`` (NaN is neither)."""
    def number(v: object) -> float:
        try:
            return float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return float("nan")

    if not 0.0 <= number(diversity) <= 1.0:
        raise ConfigError(f"diversity must be a number between 0 and 1, got {diversity!r}.")
    if not 0.0 <= number(novelty) < float("inf"):
        raise ConfigError(f"novelty must be a number of 0 or more, got {novelty!r}.")
    return number(diversity), number(novelty)


def rerank(
    recs: pd.DataFrame,
    embeddings: Any = None,
    k: int = 10,
    diversity: float = 0.0,
    novelty: float = 0.0,
    popularity: np.ndarray | None = None,
    disliked: Iterable[object] = (),
    dislike_radius: float = 0.8,
    item_ids: np.ndarray | None = None,
) -> pd.DataFrame:
    """Re-rank each user's list with maximal marginal relevance, a novelty bonus and dislike filtering.

    Each step picks the item maximising
    ``(1 - diversity) * relevance + novelty * newness - diversity * max_similarity_to_picked``, where
    relevance is the model score scaled to [0, 1] within the user's pool, newness is the item's
    self-information ``-log2(share of users)`` scaled to [0, 1], and similarity is the cosine of the item
    embeddings scaled to [0, 1] within the pool (its least alike pair to its most alike), so the knob acts
    alike on encoders whose cosines sit at different levels (a fine-tuned one raises most of them together).
    ``diversity=0`` and ``novelty=0`` keep the model's order.

    Parameters
    ----------
    recs
        Long table with ``user_id``, ``item_id``, ``score`` (and any other columns, kept).
    embeddings
        :class:`~recengine.text.ItemEmbeddings` or an (n_items, dim) array with ``item_ids``; needed for
        ``diversity > 0`` and for dislike neighbours.
    k
        Items kept per user.
    diversity
        0 (pure relevance) to 1 (pure spread).
    novelty
        Weight of the novelty bonus (0 = none); needs ``popularity`` (interaction counts aligned with
        ``item_ids``).
    disliked
        Item ids never shown. With embeddings, items whose cosine to one of them is at least
        ``dislike_radius`` go to the end of the list ("not this, and nothing like it"; kept, not dropped, so a long
        list still holds every item and says where each went), and items within the disliked item's neighbourhood (closer than its 20th nearest item; its nearest tenth, at least its nearest one,
        in a catalogue of under 200) are pushed down, the closer the further: their relevance loses up to
        ``DISLIKE_WEIGHT`` (the pool's whole range) as their cosine nears the radius. Such rows name the
        disliked item they resemble in a ``lowered_by`` column (empty elsewhere), present whenever there are
        dislikes.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> recs = pd.DataFrame({"user_id": "u", "item_id": ["a", "b", "c"], "score": [3.0, 2.9, 1.0], "rank": [1, 2, 3]})
    >>> vecs = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> rerank(recs, vecs, k=2, diversity=0.7, item_ids=np.array(["a", "b", "c"]))["item_id"].tolist()
    ['a', 'c']
    """
    diversity, novelty = check_knobs(diversity, novelty)
    k = check_k(k)
    vectors = None
    if embeddings is not None:
        vectors = np.asarray(getattr(embeddings, "vectors", embeddings), dtype=np.float32)
        item_ids = np.asarray(getattr(embeddings, "item_ids", item_ids) if item_ids is None else item_ids)
    if diversity > 0 and (vectors is None or item_ids is None):
        raise ConfigError("the diversity knob needs the item embeddings (and their item ids).")
    if novelty > 0 and (popularity is None or item_ids is None):
        raise ConfigError("the novelty knob needs item popularity counts aligned with the item ids.")
    index = _lookup(item_ids) if item_ids is not None else {}
    disliked = {str(d) for d in disliked}
    push = None
    if disliked and vectors is not None:
        rows = [index[d] for d in sorted(disliked) if d in index]
        push = _dislike_push(vectors, np.asarray(rows, dtype=np.int64), np.asarray(item_ids), float(dislike_radius)) if rows else None
    share = None
    if popularity is not None:
        pop = np.asarray(popularity, dtype=np.float64)
        share = np.maximum(pop, 0.0) / max(1.0, pop.max())
    parts = []
    for _, group in recs.groupby(Columns.user, sort=False):
        parts.append(_rerank_one(group, vectors, index, int(k), float(diversity), float(novelty), share, disliked, push))
    if not parts:
        return recs.iloc[:0].copy()
    return pd.concat(parts, ignore_index=True)


def _rerank_one(
    group: pd.DataFrame,
    vectors: np.ndarray | None,
    index: dict[str, int],
    k: int,
    diversity: float,
    novelty: float,
    share: np.ndarray | None,
    disliked: set[str],
    push: tuple[np.ndarray, np.ndarray] | None,
) -> pd.DataFrame:
    order_by = [ASKED, Columns.score] if ASKED in group else [Columns.score]
    group = group.sort_values(order_by, ascending=False, kind="stable")
    if disliked:
        group = group.assign(**{LOWERED_BY: ""})
    ids = group[Columns.item].astype(str).to_numpy()
    keep = ~np.isin(ids, list(disliked)) if disliked else np.ones(len(ids), dtype=bool)
    rows = np.array([index.get(i, -1) for i in ids])
    lowered = np.zeros(len(ids))
    by = None
    if push is not None:
        amount, by = push
        known = rows >= 0
        lowered[known] = amount[rows[known]]
    group, ids, rows, lowered = group[keep], ids[keep], rows[keep], lowered[keep]
    if len(group) == 0:
        return group
    relevance = _unit(group[Columns.score].to_numpy(dtype=np.float64))
    gain = (1.0 - diversity) * relevance
    if novelty > 0 and share is not None:
        p = np.where(rows >= 0, share[np.maximum(rows, 0)], 0.0)
        gain = gain + novelty * _unit(-np.log2(np.maximum(p, 1e-6)))
    if ASKED in group:  # what the request's labels ask for first, whatever the knobs trade
        gain = gain + TIER_GAIN * group[ASKED].to_numpy(dtype=np.float64)
    sim = None  # the pool's likeness, for diversity: computed once, read by both orders below
    if diversity > 0 and vectors is not None:
        V = np.where((rows >= 0)[:, None], vectors[np.maximum(rows, 0)], 0.0)
        sim = V @ V.T
        if len(ids) > 2:  # on the relevance's scale: from the pool's least alike pair (0) to its most alike (1)
            sim = _unit(sim, sim[~np.eye(len(ids), dtype=bool)])
    # as close to a rejected item as the radius: after every other item, in their own order (a silent drop left a long
    # list short, and an item explained at rank 6 missing from it)
    last = lowered >= 1.0
    order = _order(gain - DISLIKE_WEIGHT * lowered - LAST * last, sim, k, diversity)
    out = group.iloc[order].copy()
    if by is not None and (lowered[order] > 0).any():
        # named only where the push moved the item: below where it stands without the dislikes (a slight push that
        # leaves it in its place is no reason to show, and read as one)
        unpushed = np.full(len(ids), len(ids))
        unpushed[_order(gain, sim, k, diversity)] = np.arange(min(k, len(ids)))
        moved = (lowered[order] > 0) & (np.arange(len(order)) > unpushed[order])
        out.loc[out.index[moved], LOWERED_BY] = by[rows[order][moved]]
    out[Columns.rank] = np.arange(1, len(out) + 1)
    return out


def _order(gain: np.ndarray, sim: np.ndarray | None, k: int, diversity: float) -> np.ndarray:
    """Positions of the top ``k`` by ``gain``; with ``sim`` (the items' likeness, 0 to 1) and ``diversity`` > 0,
    picked one at a time, each losing ``diversity`` times its likeness to the closest item already picked (MMR)."""
    if diversity <= 0 or sim is None:
        return np.argsort(-gain, kind="stable")[:k]
    n = len(gain)
    order, max_sim = [], np.zeros(n)
    available = np.ones(n, dtype=bool)
    for _ in range(min(k, n)):
        value = np.where(available, gain - diversity * max_sim, -np.inf)
        pick = int(np.argmax(value))
        order.append(pick)
        available[pick] = False
        max_sim = np.maximum(max_sim, sim[pick])
    return np.asarray(order, dtype=np.int64)


def _dislike_push(vectors: np.ndarray, rows: np.ndarray, item_ids: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """How far each item is pushed down by the disliked items ``rows`` (0 to 1; 1 = drop), and by which one.

    For each disliked item, items closer than its ``DISLIKE_NEIGHBOURS``-th nearest neighbour (or than the last of
    its nearest tenth of the catalogue, in one of under 200 items) are pushed
    linearly from 0 at that neighbour's cosine to 1 at ``radius``; an item takes its largest push. Items
    without text (zero vectors) are never pushed.

    >>> v = np.array([[1.0, 0.0], [0.96, 0.28], [0.6, 0.8], [0.0, 1.0]])
    >>> amount, by = _dislike_push(v, np.array([0]), np.array(list("abcd")), 0.99)
    >>> np.round(amount, 2).tolist(), str(by[1])
    ([1.0, 0.92, 0.0, 0.0], 'a')
    """
    sims = vectors @ vectors[rows].T  # (n_items, n_disliked)
    n = len(vectors)
    others = sims.copy()
    others[rows, np.arange(len(rows))] = -np.inf  # an item is not its own neighbour
    kth = min(DISLIKE_NEIGHBOURS, max(2, (n - 1) // 10), n - 1)  # in a catalogue of a few dozen, 20 is nearly all
    if kth >= 1:
        floor = -np.partition(-others, kth - 1, axis=0)[kth - 1]
    else:
        floor = np.full(len(rows), radius)
    span = np.maximum(radius - floor, 1e-6)
    amount = np.where(sims >= radius, 1.0, np.clip((sims - floor) / span, 0.0, 1.0))
    amount[np.linalg.norm(vectors, axis=1) == 0] = 0.0
    amount[rows, np.arange(len(rows))] = 1.0
    which = np.argmax(amount, axis=1)
    return amount.max(axis=1), np.asarray(item_ids, dtype=object)[rows][which].astype(str)


def reordered_by(recs: pd.DataFrame, diversity: float = 0.0, novelty: float = 0.0) -> list[str]:
    """Why a re-ranked list's scores are out of rank order, in words (none: they are in order): the knobs set above
    0, "dislike" when an item was moved lower for resembling a rejected one (its ``lowered_by``), and "request" when
    items holding the category labels a request asks for come before items that score higher (its ``asked``).

    >>> reordered_by(pd.DataFrame({"lowered_by": ["", "50"]}), diversity=0.3)
    ['diversity', 'dislike']
    """
    why = [n for n, v in (("diversity", diversity), ("novelty", novelty)) if v > 0]
    if LOWERED_BY in recs and bool(recs[LOWERED_BY].astype(bool).any()):
        why.append("dislike")
    if ASKED in recs and recs[ASKED].nunique() > 1:
        users = recs[Columns.user] if Columns.user in recs else pd.Series(0, index=recs.index)
        if any(not g[Columns.score].is_monotonic_decreasing for _, g in recs.groupby(users, sort=False)):
            why.append("request")  # a tier of the request's labels above items that score higher
    return why


def recommend(
    model: Recommender,
    profiles: Profile | Iterable[Profile],
    k: int = 10,
    exclude_seen: bool = True,
    candidates: Iterable[object] | None = None,
    diversity: float = 0.0,
    novelty: float = 0.0,
    embeddings: Any = None,
    popularity: np.ndarray | None = None,
) -> pd.DataFrame:
    """``model.recommend`` followed by the re-ranking knobs (diversity, novelty, dislike neighbours pushed down).

    With ``diversity`` or ``novelty`` above 0, a pool of ``5 * k`` is re-ranked by
    :func:`rerank`; ``embeddings`` default to the model's own (content and hybrid), ``popularity`` to the
    interaction counts the model was fitted on.

    Examples
    --------
    >>> import recengine
    >>> ds = recengine.load_sample("movielens-100k")
    >>> from recengine.models import ItemKNN, Profile
    >>> model = ItemKNN().fit(ds)
    >>> len(recommend(model, Profile.from_items(["50"]), k=5))
    5
    """
    diversity, novelty = check_knobs(diversity, novelty)
    k = check_k(k)
    profiles = as_profiles(profiles)
    if popularity is None:
        popularity = getattr(model, "item_popularity", None)
    disliked = sorted({d for p in profiles for d in p.disliked})
    if diversity <= 0 and novelty <= 0 and not disliked:
        return model.recommend(profiles, k=k, exclude_seen=exclude_seen, candidates=candidates)
    if embeddings is None:
        content = model if isinstance(model, ContentKNN) else getattr(model, "content", None)
        if content is not None:
            embeddings = (content.vectors, model.item_map.external)
    vectors = aligned_vectors(embeddings, model.item_map) if embeddings is not None else None
    if vectors is None and disliked:
        warnings.warn(
            f"the disliked items are left out, but items like them are not pushed down: {type(model).__name__} has no "
            "item embeddings of its own; pass embeddings=embed_items(dataset, encoder) to push them down too.",
            UserWarning, stacklevel=2,
        )
    # each profile's pool under a unique tag: two profiles may share a name, and one may have an empty pool
    tagged = [p._replace(user_id=f"#{n}") for n, p in enumerate(profiles)]
    pool = model.recommend(tagged, k=max(5 * k, k + 20), exclude_seen=exclude_seen, candidates=candidates)
    pools = dict(tuple(pool.groupby(Columns.user, sort=False)))
    real_ids = profile_ids(profiles)
    parts = []
    for n, p in enumerate(profiles):
        group = pools.get(f"#{n}")
        if group is None:
            continue
        parts.append(
            rerank(
                group.assign(**{Columns.user: real_ids[n]}),
                vectors if (diversity > 0 or p.disliked) else None,
                k=k,
                diversity=diversity,
                novelty=novelty,
                popularity=popularity,
                disliked=p.disliked,
                item_ids=model.item_map.external,
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pool.iloc[:0]
