"""Explanations printed in a notebook cell: a short summary (item, score, the largest contributions by name), never
whole numpy arrays; the arrays stay in the attributes."""

from __future__ import annotations

import numpy as np
import pytest

from recengine.explain import (
    INTENT_PLAYER,
    Explanation,
    ShapleyResult,
    SignalAttribution,
    exact_shapley,
    explain,
    explain_many,
)
from recengine.models import EASE, Hybrid, Profile


@pytest.fixture(scope="module")
def hybrid(tiny, encoder):
    return Hybrid(learn=False).fit(tiny, encoder=encoder)


def _signals(n: int = 200) -> Explanation:
    values = np.linspace(-1.0, 1.0, n)
    names = [f"signal_{i}" for i in range(n)]
    return Explanation(values, 0.5, np.arange(n, dtype=float), names, "signals", "i1", "Toy Story",
                       0.5 + float(values.sum()), method="shap.LinearExplainer")


def test_an_explanation_prints_a_short_summary_not_its_arrays():
    e = _signals()
    text = repr(e)
    assert "array(" not in text and "signal_100" not in text
    assert len(text.splitlines()) <= 6 and len(text) < 600
    assert "'i1'" in text and "Toy Story" in text and "shap.LinearExplainer" in text
    # the largest contributions, by name and with their sign, the largest first
    assert text.index("signal_0 ") < text.index("signal_199") and "-1.000" in text and "+1.000" in text
    assert "197 more" in text and ".to_frame()" in text
    assert str(e) == text
    # the data are still there, whole
    assert e.values.shape == (200,) and len(e.to_frame()) == 200


def test_an_explanation_with_nothing_to_credit_says_so():
    e = Explanation(np.zeros(3), 1.0, np.zeros(3), ["a", "b", "c"], "signals", "x", "X", 1.0)
    assert "every contribution is 0" in repr(e)


def test_a_hybrid_suggestion_prints_item_score_reason_and_top_contributions(hybrid):
    profile = Profile.from_items(["a", "b"]).with_intent("a colony on another planet")
    why = explain_many(hybrid, profile, ["c", "g"])
    text = repr(why[0])
    assert "array(" not in text and "values=" not in text
    assert len(text.splitlines()) <= 5 and len(text) < 800
    assert text.startswith("ItemExplanation('c' Galaxy Quest, score ")
    assert f"{why[0].score:.4g}" in text and "reason=" in text
    top_signal = why[0].signals.to_frame()["feature"][0]
    assert f"signals: {top_signal} " in text
    # a liked item is shown by its id and its title; the request by its name
    assert "'a' Space Odyssey" in text or "'b' Star Voyage" in text
    assert f"{INTENT_PLAYER} " in text
    # each view prints its own summary, and a list of them stays readable
    assert repr(why[0].signals).startswith("Explanation(signals of 'c' Galaxy Quest: score ")
    assert repr(why[0].history).startswith("Explanation(history of 'c' Galaxy Quest: score ")
    assert "array(" not in repr(why) and "ItemExplanation('g' Mars Colony" in repr(why)
    assert "a new item" in repr(why[1])
    # and the data stay attributes
    assert isinstance(why[0].signals.values, np.ndarray) and isinstance(why[0].history.data, np.ndarray)


def test_sampled_values_print_their_error(sample):
    model = EASE().fit(sample)
    e = explain(model, Profile.from_user(sample, "405"), "181").history
    assert e.errors is not None
    text = repr(e)
    assert "±" in text and "array(" not in text and len(text.splitlines()) <= 6


def test_the_lower_level_results_print_shapes_not_arrays():
    result = exact_shapley(lambda masks: masks.sum(axis=1) * 1.0, 4)
    assert isinstance(result, ShapleyResult)
    assert repr(result) == "ShapleyResult(exact, 1 output × 4 players, n_evaluations=16)"
    attribution = SignalAttribution(np.ones((50, 9)), np.zeros(50), np.full(50, 9.0), "shap.LinearExplainer")
    assert repr(attribution) == "SignalAttribution(shap.LinearExplainer, 50 rows × 9 signals, additivity_error=0)"
