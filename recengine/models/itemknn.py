"""ItemKNN: cosine item-item similarities from co-interactions, ``k`` neighbours per item, sparse."""

from __future__ import annotations

from typing import Any

import numpy as np
import pydantic
import scipy.sparse as sp

from recengine.data import Dataset
from recengine.models.base import ModelConfig, Recommender, pack_sparse, unpack_sparse
from recengine.models.neighbors import cosine_topk, knn_scores
from recengine.models.profile import Profile


class ItemKNNConfig(ModelConfig):
    """Settings of :class:`ItemKNN`."""

    k: int = pydantic.Field(200, ge=1, description="Neighbours kept per item.")
    shrink: float = pydantic.Field(0.0, ge=0, allow_inf_nan=False,
                                   description="Damps similarities built on few co-interactions (0: none).")


class ItemKNN(Recommender):
    """Scores item ``j`` by the summed cosine similarity of ``j`` to the profile's items among its neighbours.

    Any profile vector works, so a brand-new user with two items is scored like a known user. Cold items
    (no interactions) get NaN.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import ItemKNN, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> recs = ItemKNN(k=50).fit(ds).recommend(Profile.from_items(["50"]), k=1)
    >>> len(recs)
    1
    """

    name = "itemknn"
    needs_history = True
    config_class = ItemKNNConfig

    def _fit(self, dataset: Dataset, embeddings: Any = None, encoder: Any = None) -> None:
        self.S = sp.csr_matrix(cosine_topk(dataset.matrix, self.config.k, self.config.shrink))
        self._cold = dataset.cold_item_mask.copy()

    def _score(self, profiles: list[Profile], X: sp.csr_matrix) -> np.ndarray:
        out = knn_scores(X, self.S)
        out[:, self._cold] = np.nan
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return {**pack_sparse("S", self.S), "cold": self._cold}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Any) -> None:
        self.S, self._cold = unpack_sparse("S", arrays), arrays["cold"].astype(bool)
