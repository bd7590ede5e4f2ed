"""Recommenders: one Profile for every kind of user, one base class, five models.

``Popularity``, ``ItemKNN`` and ``EASE`` learn from interactions; ``ContentKNN`` from item texts
(embeddings); ``Hybrid`` learns when to trust which. Every model scores :class:`Profile` objects.
"""

from __future__ import annotations

from typing import Any

from recengine.models.base import MODELS, ModelConfig, Recommender
from recengine.models.content import ContentKNN
from recengine.models.ease import EASE
from recengine.models.hybrid import Hybrid
from recengine.models.itemknn import ItemKNN
from recengine.models.popularity import Popularity
from recengine.models.profile import Profile

MODEL_NAMES = ("popularity", "itemknn", "ease", "content", "hybrid")


def make_model(name: str, **config: Any) -> Recommender:
    """A model by name (``popularity``, ``itemknn``, ``ease``, ``content``, ``hybrid``) with its settings.

    Examples
    --------
    >>> make_model("ease", lam=400).config.lam
    400.0
    """
    from recengine.errors import ConfigError

    key = name.strip().lower().replace("-", "").replace("_", "")
    aliases = {"pop": "popularity", "knn": "itemknn", "contentknn": "content"}
    key = aliases.get(key, key)
    if key not in MODELS:
        raise ConfigError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}.")
    return MODELS[key](**config)


__all__ = ["EASE", "ContentKNN", "Hybrid", "MODELS", "MODEL_NAMES", "ItemKNN", "ModelConfig", "Popularity", "Profile", "Recommender", "make_model"]
