"""A list's explanations through the fast paths equal those of the reference paths (scoring the whole catalogue).

The reference is the same ``explain_many`` with ``core.HISTORY_SCORER`` off: each coalition of the history game is
then a profile scored over the whole catalogue through ``score_with_sizes``, as every explanation was before.
"""

from __future__ import annotations

import numpy as np
import pytest

from recengine.explain import core, explain_many
from recengine.models import Profile


def both(model, profile, items, monkeypatch, **options):
    fast = explain_many(model, profile, items, **options)
    with monkeypatch.context() as m:
        m.setattr(core, "HISTORY_SCORER", False)
        slow = explain_many(model, profile, items, **options)
    return fast, slow


def assert_same(fast, slow):
    assert [e.item_id for e in fast] == [e.item_id for e in slow]
    for f, s in zip(fast, slow):
        assert f.history.feature_names == s.history.feature_names
        assert f.history.method == s.history.method
        np.testing.assert_allclose(f.history.values, s.history.values, rtol=1e-5, atol=1e-5)
        assert f.history.base_value == pytest.approx(s.history.base_value, abs=1e-5)
        assert f.history.score == pytest.approx(s.history.score, abs=1e-5)
        if s.history.errors is not None:
            np.testing.assert_allclose(f.history.errors, s.history.errors, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(f.signals.values, s.signals.values)
        assert f.signals.base_value == s.signals.base_value
        assert f.reason == s.reason


def user_with(sample, at_least: int) -> Profile:
    counts = np.diff(sample.matrix.indptr)
    return Profile.from_user(sample, sample.user_map.external[int(np.argmax(counts >= at_least))])


@pytest.mark.parametrize("case", ["three items", "items and a request", "a request alone", "long profile",
                                  "pooled profile"])
def test_the_fast_history_game_explains_as_the_whole_catalogue_did(sample, sample_hybrid, monkeypatch, case):
    options = {"budget": 1024}
    if case == "three items":
        profile = Profile.from_items(["50", "181", "1"])
    elif case == "items and a request":
        profile = Profile.from_items(["50", "181"], intent="a romantic comedy", disliked=["172"])
    elif case == "a request alone":
        profile = Profile.from_intent("space adventure")
    elif case == "long profile":  # sampled orders: the seed's orders must be the same
        profile = user_with(sample, 100)
    else:  # too long for the budget: the screen picks the same players
        profile = user_with(sample, 300)
        options = {"budget": 512}
    items = list(sample_hybrid.recommend(profile, k=10)["item_id"])
    fast, slow = both(sample_hybrid, profile, items, monkeypatch, **options)
    assert_same(fast, slow)
    if case == "long profile":
        assert fast[0].history.method.startswith("permutation")
    if case == "pooled profile":
        assert "pooled" in fast[0].history.method


def test_a_cold_item_is_explained_alike(tiny, encoder, monkeypatch):
    from recengine.models import Hybrid

    model = Hybrid(learn=False).fit(tiny, encoder=encoder)
    profile = Profile.from_items(["a", "d", "e"], intent="a colony on another planet")
    fast, slow = both(model, profile, ["g", "b", "f"], monkeypatch)
    assert fast[0].is_cold
    assert_same(fast, slow)
