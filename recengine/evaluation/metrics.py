"""Ranking and beyond-accuracy metrics on the long recommendation table.

Conventions (RecBole's, and those of ``../shared/REFERENCE.md``): binary relevance; Recall@k is
hits / number of relevant test items; NDCG@k uses the ideal DCG over ``min(k, relevant)`` items;
AP@k divides by ``min(k, relevant)``. Every test user counts: a user with no recommendations scores 0.

Examples
--------
>>> import pandas as pd
>>> recs = pd.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "b"], "rank": [1, 2]})
>>> test = pd.DataFrame({"user_id": ["u"], "item_id": ["b"]})
>>> round(ranking_metrics(recs, test, k=2)["ndcg"], 4)
0.6309
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recengine.columns import Columns

RANKING = ("recall", "ndcg", "hit", "mrr", "map")


def _as_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """User and item ids as text, as the engine keeps them: a hand-made table of numbers matches a test of strings."""
    return frame.astype({Columns.user: str, Columns.item: str})


def _top_k(recs: pd.DataFrame, k: int) -> pd.DataFrame:
    top = recs[recs[Columns.rank] <= k]
    # an item listed twice for one user (a hand-made table) counts once, at its best rank: a hit is a hit once
    top = _as_ids(top[[Columns.user, Columns.item, Columns.rank]]).sort_values(Columns.rank, kind="stable")
    return top.drop_duplicates([Columns.user, Columns.item])


def per_user_metrics(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """One row per test user with recall, ndcg, hit, mrr and map at ``k``.

    >>> recs = pd.DataFrame({"user_id": [1, 1, 1], "item_id": ["b", "b", "c"], "rank": [1, 2, 3]})
    >>> per_user_metrics(recs, pd.DataFrame({"user_id": ["1"], "item_id": ["b"]}), k=3)["recall"].tolist()
    [1.0]
    """
    relevant = _as_ids(test[[Columns.user, Columns.item]]).drop_duplicates()
    n_rel = relevant.groupby(Columns.user).size().rename("n_rel")
    top = _top_k(recs, k)
    hits = top.merge(relevant, on=[Columns.user, Columns.item], how="inner").sort_values([Columns.user, Columns.rank])
    ranks = hits[Columns.rank].to_numpy(dtype=np.float64)
    hits = hits.assign(
        dcg=1.0 / np.log2(ranks + 1.0),
        rr=1.0 / ranks,
        prec=(hits.groupby(Columns.user).cumcount().to_numpy() + 1) / ranks,
    )
    agg = hits.groupby(Columns.user).agg(n_hit=(Columns.item, "size"), dcg=("dcg", "sum"), rr=("rr", "max"), ap=("prec", "sum"))
    out = pd.DataFrame(n_rel).join(agg, how="left").fillna(0.0)
    denom = np.minimum(out["n_rel"].to_numpy(), k)
    discounts = np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))
    idcg = discounts[denom.astype(int) - 1]
    return pd.DataFrame(
        {
            "recall": out["n_hit"] / out["n_rel"],
            "ndcg": out["dcg"] / idcg,
            "hit": (out["n_hit"] > 0).astype(float),
            "mrr": out["rr"],
            "map": out["ap"] / denom,
        },
        index=out.index,
    )


def ranking_metrics(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> dict[str, float]:
    """Mean recall, ndcg, hit, mrr and map at ``k`` over the users in ``test``."""
    per_user = per_user_metrics(recs, test, k)
    if per_user.empty:
        return {m: float("nan") for m in RANKING}
    return {m: float(per_user[m].mean()) for m in RANKING}


def recall_at_k(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> float:
    return ranking_metrics(recs, test, k)["recall"]


def ndcg_at_k(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> float:
    return ranking_metrics(recs, test, k)["ndcg"]


def hit_at_k(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> float:
    return ranking_metrics(recs, test, k)["hit"]


def mrr_at_k(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> float:
    return ranking_metrics(recs, test, k)["mrr"]


def map_at_k(recs: pd.DataFrame, test: pd.DataFrame, k: int = 10) -> float:
    return ranking_metrics(recs, test, k)["map"]


def coverage(recs: pd.DataFrame, n_items: int, k: int = 10) -> float:
    """Share of the catalogue that appears in at least one top-k list."""
    return float(_top_k(recs, k)[Columns.item].nunique() / max(1, n_items))


def intra_list_diversity(recs: pd.DataFrame, item_ids: np.ndarray, vectors: np.ndarray, k: int = 10) -> float:
    """Mean pairwise cosine distance between the items of each top-k list (L2-normalised ``vectors``).

    ``item_ids`` gives the external id of each row of ``vectors``. Items without a vector (a zero row: no
    text) are left out of their list, and lists with fewer than two such items are skipped, so the value
    stays within [0, 2] (1 for unrelated items).

    >>> recs = pd.DataFrame({"user_id": ["u"] * 3, "item_id": ["a", "b", "c"], "rank": [1, 2, 3]})
    >>> intra_list_diversity(recs, np.array(["a", "b", "c"]), np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    1.0
    """
    vectors = np.asarray(vectors)
    has_vector = np.linalg.norm(vectors, axis=1) > 1e-8 if len(vectors) else np.zeros(0, dtype=bool)
    index = {str(i): n for n, i in enumerate(item_ids) if has_vector[n]}
    values = []
    for _, group in _top_k(recs, k).groupby(Columns.user):
        rows = [index[i] for i in group[Columns.item].astype(str) if i in index]
        if len(rows) < 2:
            continue
        v = vectors[rows]
        sim = v @ v.T
        n = len(rows)
        values.append(float(1.0 - (sim.sum() - np.trace(sim)) / (n * (n - 1))))
    return float(np.mean(values)) if values else float("nan")


def _popularity_share(item_ids: np.ndarray, popularity: np.ndarray, n_users: int) -> dict[str, float]:
    return {str(i): float(p) / max(1, n_users) for i, p in zip(item_ids, popularity)}


def novelty(recs: pd.DataFrame, item_ids: np.ndarray, popularity: np.ndarray, n_users: int, k: int = 10) -> float:
    """Mean self-information ``-log2 p(i)`` of recommended items, ``p(i)`` = share of train users with ``i``.

    Items nobody has seen (cold items) get ``p = 1 / (n_users + 1)``: as novel as an item can be.
    """
    share = _popularity_share(item_ids, popularity, n_users)
    floor = 1.0 / (n_users + 1)
    p = _top_k(recs, k)[Columns.item].astype(str).map(lambda i: max(share.get(i, 0.0), floor))
    return float(np.mean(-np.log2(p.to_numpy()))) if len(p) else float("nan")


def popularity_bias(recs: pd.DataFrame, item_ids: np.ndarray, popularity: np.ndarray, n_users: int, k: int = 10) -> float:
    """Average recommendation popularity (ARP): the mean share of train users who had each recommended item."""
    share = _popularity_share(item_ids, popularity, n_users)
    p = _top_k(recs, k)[Columns.item].astype(str).map(lambda i: share.get(i, 0.0))
    return float(p.mean()) if len(p) else float("nan")


#: how a metric is named on a chart, a table or a verdict
METRIC_LABELS = {
    "recall": "Recall",
    "ndcg": "NDCG",
    "hit": "Hit rate",
    "mrr": "MRR",
    "map": "MAP",
    "coverage": "Catalogue coverage",
    "diversity": "Intra-list diversity",
    "novelty": "Novelty (bits)",
    "popularity_bias": "Mean popularity of suggestions",
}


def metric_label(metric: str, k: int | None = None) -> str:
    """``"ndcg"`` -> ``"NDCG@10"`` for axis titles; a name that carries its cut-off (``"recall@20"``) keeps it.

    Examples
    --------
    >>> metric_label("ndcg", 10), metric_label("recall@20"), metric_label("novelty", 10)
    ('NDCG@10', 'Recall@20', 'Novelty (bits)')
    """
    if "@" in metric:
        metric, _, cut = metric.partition("@")
        k = int(cut) if cut.isdigit() else k
    base = METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())
    return f"{base}@{k}" if k and metric in ("recall", "ndcg", "hit", "mrr", "map") else base
