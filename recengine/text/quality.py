"""How good are item vectors for cold items? REFERENCE.md's "content item-kNN" on the cold-items protocol.

Each held-out (cold) item keeps its ``neighbors`` most similar train items by cosine; a test user's score
for a cold item sums those similarities over the items in the user's train profile; only the split's
candidates are ranked. This is the figure fine-tuning is judged by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recengine.columns import Columns
from recengine.errors import ConfigError
from recengine.evaluation.metrics import metric_label, ranking_metrics
from recengine.models.neighbors import knn_scores, topk_columns


def cold_item_recs(split: object, vectors: np.ndarray, k: int = 10, neighbors: int = 50) -> pd.DataFrame:
    """Top-``k`` cold-item recommendations per test user (long table: user_id, item_id, rank, score)."""
    train = split.train  # type: ignore[attr-defined]
    candidates = split.candidates  # type: ignore[attr-defined]
    if candidates is None:
        raise ConfigError("cold-item quality needs a cold_items split (one with held-out candidate items).")
    vectors = np.asarray(getattr(vectors, "vectors", vectors), dtype=np.float32)  # ItemEmbeddings, as embed_items gives
    if vectors.shape[0] != train.n_items:
        raise ConfigError(f"{vectors.shape[0]} vectors for {train.n_items} items: the vectors must follow the dataset's item order.")
    cand = train.item_map.to_internal(candidates)
    sim = vectors @ vectors.T
    keep = topk_columns(sim, neighbors, neighbor_mask=train.item_popularity > 0)[:, cand]
    users = pd.unique(split.test[Columns.user])  # type: ignore[attr-defined]
    rows = train.user_map.to_internal(users)
    known = rows >= 0
    scores = np.zeros((len(users), len(cand)), dtype=np.float32)
    if known.any():
        scores[known] = knn_scores(train.matrix[rows[known]], keep)
    kk = min(k, len(cand))
    top = np.argsort(-scores, axis=1, kind="stable")[:, :kk]
    return pd.DataFrame(
        {
            Columns.user: np.repeat(users, kk),
            Columns.item: np.asarray(candidates)[top].ravel(),
            Columns.rank: np.tile(np.arange(1, kk + 1), len(users)),
            Columns.score: np.take_along_axis(scores, top, axis=1).ravel(),
        }
    )


def cold_item_quality(split: object, vectors: np.ndarray, k: int = 10, neighbors: int = 50) -> dict[str, float]:
    """Recall@k and NDCG@k of content item-kNN on a cold-items split.

    Parameters
    ----------
    split
        A ``cold_items`` :class:`recengine.data.splits.Split`.
    vectors
        (n_items, dim) item vectors in the dataset's item order (L2-normalised, so dot = cosine), or the
        :class:`~recengine.text.ItemEmbeddings` that :func:`~recengine.text.embed_items` returns for the dataset.
    k
        Cut-off.
    neighbors
        Train items each cold item keeps.

    Examples
    --------
    >>> import recengine
    >>> from recengine.text import Encoder, embed_items
    >>> ds = recengine.load_sample("movielens-100k")
    >>> split = recengine.make_split(ds, "cold_items", seed=42)
    >>> emb = embed_items(ds, Encoder("default", device="cpu"))
    >>> q = cold_item_quality(split, emb.vectors)
    >>> sorted(q)
    ['ndcg@10', 'recall@10']
    >>> cold_item_quality(split, emb) == q  # the embeddings themselves do as well
    True
    """
    recs = cold_item_recs(split, vectors, k=k, neighbors=neighbors)
    m = ranking_metrics(recs, split.test, k=k)  # type: ignore[attr-defined]
    return {f"recall@{k}": m["recall"], f"ndcg@{k}": m["ndcg"]}


#: held-out items below which a fine-tune's verdict is said to be a hint (one item moves the figures)
FEW_HELD_OUT = 50
#: a gain below this share of the figure on every measure is called slight
SLIGHT = 0.05


def finetune_verdict(before: dict[str, float], after: dict[str, float], n_items: int) -> tuple[str, str]:
    """("better" | "worse" | "mixed" | "unchanged", one sentence) comparing cold-item quality before and after a
    fine-tune, on the figures as the sentence shows them (three decimals).

    >>> finetune_verdict({"recall@10": 0.186, "ndcg@10": 0.326}, {"recall@10": 0.195, "ndcg@10": 0.331}, 336)[1]
    'On 336 items it never saw, the fine-tuned encoder recommends slightly better: Recall@10 0.186 → 0.195, NDCG@10 0.326 → 0.331.'
    >>> finetune_verdict({"recall@10": 0.186, "ndcg@10": 0.326}, {"recall@10": 0.222, "ndcg@10": 0.389}, 336)[1][:65]
    'On 336 items it never saw, the fine-tuned encoder recommends bett'
    >>> finetune_verdict({"recall@10": 1.0, "ndcg@10": 0.8406}, {"recall@10": 1.0, "ndcg@10": 0.8409}, 8)[0]
    'unchanged'
    >>> finetune_verdict({"recall@10": 0.95, "ndcg@10": 0.8}, {"recall@10": 0.90, "ndcg@10": 0.7}, 19)[1].split(". ")[-1]
    "With only 19 held-out items one item's hits move these figures: read them as a hint, not a verdict, or use more data."
    """
    changes = [shown_change(before[m], after[m]) for m in before if m in after]
    gained, lost = any(c > 0 for c in changes), any(c < 0 for c in changes)
    word = "mixed" if gained and lost else "better" if gained else "worse" if lost else "unchanged"
    figures = ", ".join(f"{metric_label(m)} {before[m]:.3f} → {after[m]:.3f}" for m in before if m in after)
    # +0.008 on 0.186 is inside the spread between splits (README: 0.1592-0.2140 over seeds): not plainly "better"
    slight = all(abs(after[m] - before[m]) < SLIGHT * max(before[m], 1e-9) for m in before if m in after)
    lead = {"better": "recommends slightly better" if slight else "recommends better", "worse": "does not recommend better",
            "mixed": "is better on one measure and worse on another",
            "unchanged": "does as well as the base encoder, no better"}[word]
    tail = " Keep the base encoder, or try other settings." if word in ("worse", "unchanged") else ""
    cut = max((int(m.split("@")[1]) for m in before if m.startswith("recall@") and m.split("@")[1].isdigit()), default=0)
    if cut and n_items <= cut:  # every held-out item fits in one list
        tail += (f" With only {n_items} held-out items a top-{cut} list holds them all, so {metric_label(f'recall@{cut}')} "
                 "cannot tell the encoders apart; judge by the other measure, or use more data.")
    elif n_items < FEW_HELD_OUT:  # 19 items: one item's hits swung the figures, and the verdict read as firm
        tail += (f" With only {n_items} held-out items one item's hits move these figures: read them as a hint, not a "
                 "verdict, or use more data.")
    return word, f"On {n_items:,} items it never saw, the fine-tuned encoder {lead}: {figures}.{tail}"


def shown_change(before: float, after: float) -> float:
    """A figure's change as a reader sees it, between the two values written with three decimals.

    >>> shown_change(0.8406, 0.8409), shown_change(0.186, 0.195)
    (0.0, 0.009)
    """
    return round(round(after, 3) - round(before, 3), 3)
