"""The neighbour kernels against a brute-force reference, across several blocks of target items."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recengine.models.content import text_neighbors
from recengine.models.neighbors import cosine_topk


def brute_topk(sim: np.ndarray, k: int) -> np.ndarray:
    """Column j keeps its k largest positive entries, the diagonal excluded (ties broken by row number)."""
    n = sim.shape[0]
    out = np.zeros_like(sim)
    for j in range(n):
        col = sim[:, j].copy()
        col[j] = -np.inf
        order = np.lexsort((np.arange(n), -col))[:k]
        keep = order[col[order] > 0]
        out[keep, j] = col[keep]
    return out


def test_cosine_topk_keeps_each_items_k_best_neighbours_in_every_block() -> None:
    rng = np.random.default_rng(3)
    X = sp.csr_matrix((rng.random((60, 37)) < 0.2).astype(np.float32) * rng.integers(1, 4, (60, 37)))
    dense = X.toarray()
    norms = np.linalg.norm(dense, axis=0)
    sim = (dense.T @ dense) / np.outer(norms, norms).clip(1e-12)
    got = cosine_topk(X, k=5, block_size=8).toarray()  # 5 blocks, the last one short
    want = brute_topk(sim.astype(np.float32), 5)
    assert got.shape == (37, 37) and np.all(np.diag(got) == 0)
    assert np.allclose(got, want, atol=1e-6)  # continuous weights: no ties to break differently
    assert ((got > 0).sum(axis=0) <= 5).all()


def test_text_neighbors_keep_what_reaches_the_kth_best_anchor_across_blocks() -> None:
    rng = np.random.default_rng(5)
    v = rng.standard_normal((30, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v[4] = 0.0  # an item without text has no neighbours and is no one's neighbour
    anchors = np.ones(30, dtype=bool)
    anchors[[1, 2, 3]] = False  # cold items: never counted towards the k, kept when at least as close
    S = text_neighbors(v, 3, anchors, block_size=7).toarray()
    sim = v @ v.T
    for j in range(30):
        if j == 4:
            assert not S[:, j].any()
            continue
        cand = [i for i in range(30) if i not in (j, 4) and anchors[i]]
        thr = np.sort(sim[cand, j])[-3]
        want = {i for i in range(30) if i not in (j, 4) and sim[i, j] >= thr - 1e-6 and sim[i, j] > 0}
        assert set(np.flatnonzero(S[:, j])) == want, j
    assert not S[4].any()
