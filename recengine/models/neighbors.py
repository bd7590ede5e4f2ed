"""Item-item neighbour kernels shared by ItemKNN, ContentKNN and the cold-item quality check.

A similarity matrix ``S`` (items x items) is pruned so that each *target* item (a column) keeps only its
``k`` most similar *neighbour* items (rows); a profile then scores target ``j`` as
``sum_i w_i * S[i, j]`` over its items ``i``. This is item-based aggregation: ``../shared/REFERENCE.md``
shows it keeps twice the cold-item quality of averaging a profile into one vector.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def topk_columns(sim: np.ndarray, k: int, neighbor_mask: np.ndarray | None = None) -> sp.csc_matrix:
    """Keep, in each column of a dense similarity matrix, the ``k`` largest entries among allowed rows.

    Parameters
    ----------
    sim
        (n_items, n_items) similarities, ``sim[i, j]`` = how much item ``i`` supports item ``j``.
    k
        Neighbours kept per column.
    neighbor_mask
        Boolean (n_items,), rows allowed as neighbours (e.g. items with interactions). The diagonal is
        always excluded.

    Examples
    --------
    >>> s = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.5], [0.1, 0.5, 1.0]])
    >>> topk_columns(s, 1).toarray()
    array([[0. , 0.9, 0. ],
           [0.9, 0. , 0.5],
           [0. , 0. , 0. ]], dtype=float32)
    """
    n = sim.shape[0]
    work = np.array(sim, dtype=np.float32, copy=True)
    np.fill_diagonal(work, -np.inf)
    if neighbor_mask is not None:
        work[~np.asarray(neighbor_mask, dtype=bool), :] = -np.inf
    k = int(min(k, n - 1))
    if k <= 0:
        return sp.csc_matrix((n, n), dtype=np.float32)
    rows = np.argpartition(-work, kth=k - 1, axis=0)[:k]
    cols = np.broadcast_to(np.arange(n), rows.shape)
    vals = work[rows, cols]
    keep = np.isfinite(vals) & (vals > 0)
    return sp.csc_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n), dtype=np.float32)


def knn_scores(profiles: sp.csr_matrix, neighbors: sp.spmatrix) -> np.ndarray:
    """Scores (n_profiles, n_items) = profiles @ neighbors, dense float32."""
    out = profiles.astype(np.float32) @ neighbors
    return np.asarray(out.todense() if sp.issparse(out) else out, dtype=np.float32)
