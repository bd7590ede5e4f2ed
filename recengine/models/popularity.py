"""Popularity: every profile gets the most interacted-with items (the baseline new users are measured against)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pydantic
import scipy.sparse as sp

from recengine.data import Dataset
from recengine.models.base import ModelConfig, Recommender
from recengine.models.profile import Profile


class PopularityConfig(ModelConfig):
    """Settings of :class:`Popularity`."""

    log: bool = pydantic.Field(True, description="Score by log1p(count) instead of the count (same ranking, "
                               "gentler scale).")


class Popularity(Recommender):
    """Scores each item by how many users interacted with it; ignores the profile.

    Items nobody interacted with (cold items) get NaN: popularity knows nothing about them.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import Popularity, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> Popularity().fit(ds).recommend(Profile.from_items([]), k=1)["title"].item()
    'Star Wars'
    """

    name = "popularity"
    personalised = False
    config_class = PopularityConfig

    def _fit(self, dataset: Dataset, embeddings: Any = None, encoder: Any = None) -> None:
        counts = dataset.item_popularity.astype(np.float32)
        scores = np.log1p(counts) if self.config.log else counts
        self.item_scores = np.where(counts > 0, scores, np.nan).astype(np.float32)

    def _score(self, profiles: list[Profile], X: sp.csr_matrix) -> np.ndarray:
        return np.broadcast_to(self.item_scores, (len(profiles), len(self.item_scores))).copy()

    def _state(self) -> dict[str, np.ndarray]:
        return {"item_scores": self.item_scores}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Any) -> None:
        self.item_scores = arrays["item_scores"]
