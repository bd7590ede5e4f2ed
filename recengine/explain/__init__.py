"""Explanations: a faithful SHAP explanation and a grounded plain-language reason for every suggestion.

Two additive views of one suggestion. **Signals**: SHAP values of the hybrid's ranker inputs (EASE,
ItemKNN, content, intent, popularity, ...) with the real ``shap`` explainers, so that base value + sum
of values = the reported score. **History**: Shapley values of the profile's items (and the intent
sentence) in the game "the score with only these in the profile", summing to score(full profile) -
score(empty profile). Reasons are templates filled from the explanation alone.

Examples
--------
>>> import recengine
>>> from recengine.models import EASE, Profile
>>> ds = recengine.load_sample("movielens-100k")
>>> model = EASE().fit(ds)
>>> e = explain(model, Profile.from_items(["50", "172"]), "181")
>>> sorted(e.to_dict())[:4]
['base_value', 'empty_profile_score', 'history', 'is_cold']
"""

from __future__ import annotations

import sys
import types
from typing import Any

from recengine.explain.core import explain, explain_many, has_signals
from recengine.explain.explanation import (
    INTENT_PLAYER,
    SIZE_PLAYER,
    Explanation,
    ItemExplanation,
    Player,
    PooledPlayer,
    is_intent,
    is_item,
    is_pooled,
    is_size,
    pooled_player,
)
from recengine.explain.reasons import reason
from recengine.explain.shapley import ShapleyResult, exact_shapley, permutation_shapley, shapley_values
from recengine.explain.signals import SignalAttribution, attribute_signals

__all__ = [
    "INTENT_PLAYER",
    "SIZE_PLAYER",
    "Explanation",
    "ItemExplanation",
    "Player",
    "PooledPlayer",
    "ShapleyResult",
    "SignalAttribution",
    "attribute_signals",
    "exact_shapley",
    "explain",
    "explain_many",
    "has_signals",
    "is_intent",
    "is_item",
    "is_pooled",
    "is_size",
    "permutation_shapley",
    "pooled_player",
    "reason",
    "shapley_values",
]


class _CallableModule(types.ModuleType):
    """``recengine.explain`` is both this package and the public function: once the package is imported,
    Python binds the name to the package, so the package calls the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> ItemExplanation:
        return explain(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
