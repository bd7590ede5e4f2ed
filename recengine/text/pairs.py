"""Training signal for contrastive fine-tuning, mined from the interactions alone (the train split).

An item's positives are its nearest collaborative neighbours: item-item cosine on the binary user x item
matrix, shrunk towards zero for items that few users share (``c_ij / (sqrt(n_i n_j) + shrink)``), so the
pairs that teach the encoder are the ones the data is sure of. For the soft (distillation) loss,
:func:`collaborative_block` gives the same cosine among all the items of a batch, the target the text
similarities learn to match.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recengine.columns import Columns


def collaborative_neighbors(matrix: sp.csr_matrix, n: int, shrink: float = 10.0, min_common: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """For every item, its ``n`` most similar items by shrunk cosine: (ids (n_items, n), sims (n_items, n)).

    Missing neighbours are -1 with similarity 0.

    Examples
    --------
    >>> m = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1]], dtype=np.float32))
    >>> ids, sims = collaborative_neighbors(m, 1, shrink=0.0, min_common=1)
    >>> ids[:, 0].tolist()
    [1, 0, 1]
    """
    x = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    x.data[:] = 1.0
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    if min_common > 1:
        co.data[co.data < min_common] = 0
        co.eliminate_zeros()
    counts = np.asarray(x.sum(axis=0)).ravel()
    n_items = co.shape[0]
    ids = np.full((n_items, n), -1, dtype=np.int64)
    sims = np.zeros((n_items, n), dtype=np.float32)
    for i in range(n_items):
        lo, hi = co.indptr[i], co.indptr[i + 1]
        if lo == hi:
            continue
        cols = co.indices[lo:hi]
        vals = co.data[lo:hi] / (np.sqrt(counts[i] * counts[cols]) + shrink)
        top = np.argsort(-vals, kind="stable")[:n]
        ids[i, : len(top)] = cols[top]
        sims[i, : len(top)] = vals[top]
    return ids, sims


def collaborative_block(matrix: sp.csr_matrix, items: np.ndarray, shrink: float = 0.0) -> np.ndarray:
    """Dense (len(items), len(items)) shrunk cosine among ``items`` on the binary user x item matrix; 0 on the diagonal.

    Examples
    --------
    >>> m = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1]], dtype=np.float32))
    >>> collaborative_block(m, np.array([0, 1, 2])).astype(float).round(2).tolist()
    [[0.0, 0.82, 0.0], [0.82, 0.0, 0.58], [0.0, 0.58, 0.0]]
    """
    x = sp.csc_matrix(matrix, dtype=np.float32)[:, np.asarray(items)]
    x.data[:] = 1.0
    co = (x.T @ x).toarray()
    counts = np.diag(co).copy()
    out = co / (np.sqrt(np.outer(counts, counts)) + shrink + 1e-12)
    np.fill_diagonal(out, 0.0)
    return out.astype(np.float32)


def sample_pairs(
    ids: np.ndarray,
    sims: np.ndarray,
    anchors: np.ndarray,
    per_item: int,
    rng: np.random.Generator,
    max_pairs: int | None = None,
    power: float = 1.0,
) -> np.ndarray:
    """(n_pairs, 2) item indices: each anchor with ``per_item`` distinct neighbours, drawn in proportion to
    ``similarity ** power``.

    An anchor with fewer neighbours than ``per_item`` is paired with all of them.

    Examples
    --------
    >>> ids = np.array([[1, 2], [0, -1], [0, -1]])
    >>> sims = np.array([[0.9, 0.1], [0.9, 0.0], [0.1, 0.0]], dtype=np.float32)
    >>> sample_pairs(ids, sims, np.array([0, 1]), 2, np.random.default_rng(0)).shape
    (3, 2)
    """
    out = []
    for a in anchors:
        valid = ids[a] >= 0
        n_valid = int(valid.sum())
        if n_valid == 0:
            continue
        w = np.maximum(sims[a, valid].astype(np.float64), 1e-12) ** power
        take = rng.choice(ids[a, valid], size=min(per_item, n_valid), replace=False, p=w / w.sum())
        out.extend((int(a), int(b)) for b in take)
    pairs = np.array(out, dtype=np.int64).reshape(-1, 2)
    rng.shuffle(pairs)
    if max_pairs is not None and len(pairs) > max_pairs:
        pairs = pairs[:max_pairs]
    return pairs


def data_hash(dataset: object) -> str:
    """sha256 of what a fine-tune sees: the (user, item) interactions, order-free, and the item texts."""
    inter = dataset.interactions[[Columns.user, Columns.item]]  # type: ignore[attr-defined]
    inter = inter.sort_values([Columns.user, Columns.item]).reset_index(drop=True)
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(inter, index=False).to_numpy().tobytes())
    for item_id, text in zip(dataset.item_map.external, dataset.texts):  # type: ignore[attr-defined]
        h.update(f"{item_id}\x1f{text}\x1e".encode())
    return h.hexdigest()


def text_near_batches(pairs: np.ndarray, vectors: np.ndarray, batch_size: int, rng: np.random.Generator, share: float = 1.0) -> np.ndarray:
    """Reorder ``pairs`` so that each run of ``batch_size`` rows has anchors whose texts are alike.

    Each batch starts from a random unused pair and takes the ``share * batch_size - 1`` unused pairs whose
    anchor vectors (``vectors``, L2-normalised base-encoder embeddings) are closest to its anchor, the rest at
    random. In-batch items then look alike to the base encoder, so the collaborative target has to teach it
    which of them really go together (hard negatives), not just that unrelated films differ.

    Examples
    --------
    >>> v = np.array([[1.0, 0.0], [0.0, 1.0], [0.99, 0.14], [0.1, 0.99]])
    >>> pairs = np.array([[0, 1], [1, 0], [2, 0], [3, 1]])
    >>> out = text_near_batches(pairs, v, 2, np.random.default_rng(0))
    >>> sorted(sorted(int(a) for a in out[i:i + 2, 0]) for i in (0, 2))
    [[0, 2], [1, 3]]
    """
    n = len(pairs)
    near = max(0, min(batch_size, int(round(share * batch_size))) - 1)
    if n <= batch_size or near == 0:
        return pairs
    anchor_vecs = np.asarray(vectors, dtype=np.float32)[pairs[:, 0]]
    unused = np.ones(n, dtype=bool)
    order: list[int] = []
    for seed in rng.permutation(n):
        if not unused[seed]:
            continue
        unused[seed] = False
        free = np.flatnonzero(unused)
        take = min(batch_size - 1, len(free))
        k = min(near, take)
        picked = np.empty(0, dtype=np.int64)
        if k:
            sims = anchor_vecs[free] @ anchor_vecs[seed]
            picked = free[np.argpartition(-sims, k - 1)[:k]]
        rest = np.setdiff1d(free, picked, assume_unique=True)
        fill = rng.choice(rest, size=take - k, replace=False) if take > k else np.empty(0, dtype=np.int64)
        batch = np.concatenate([[seed], picked, fill]).astype(np.int64)
        unused[batch] = False
        order.extend(batch.tolist())
    return pairs[np.array(order, dtype=np.int64)]
