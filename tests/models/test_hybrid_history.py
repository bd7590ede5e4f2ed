"""The hybrid's history scorer (the explanation's fast path) against ``score_with_sizes`` over the whole catalogue.

The scorer must give what scoring each sub-profile gives, up to float rounding, whatever the weights (negative
collaborative or popularity weights take other branches for cold items), with or without EASE, for cold items with
and without text.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import recengine
from recengine.models import Hybrid, Profile
from recengine.models.hybrid_fit import SIGNALS

INTENTS = [None, "a colony on another planet", "a love story in Europe"]


@pytest.fixture(scope="module")
def gappy(encoder):
    """The tiny checkerboard with two cold items: ``g`` has text, ``h`` has none (it cannot be scored)."""
    inter = pd.DataFrame({"user_id": [f"u{u}" for u in range(6) for _ in range(3)],
                          "item_id": [i for u in range(6) for i in (("a", "b", "c") if u < 3 else ("d", "e", "f"))]})
    items = pd.DataFrame({
        "item_id": list("abcdefgh"),
        "title": ["Space Odyssey", "Star Voyage", "Galaxy Quest", "Love in Paris", "Roman Holiday", "Notting Hill",
                  "Mars Colony", None],
        "description": ["astronauts explore deep space", "a starship crew travels between stars",
                        "aliens and a spaceship adventure", "a romantic comedy in Paris", "a princess falls in love in Rome",
                        "a bookseller falls in love with a film star", "settlers build a colony on Mars in space", None],
    })
    ds = recengine.read_dataset(inter, items, name="tiny-gappy")
    return Hybrid(learn=False, knn_k=3, content_k=2, ease_lam=1.0).fit(ds, encoder=encoder)


def reference(model: Hybrid, liked: dict[str, float], intent: str | None, chosen: np.ndarray, with_intent: np.ndarray,
              sizes: np.ndarray | None) -> np.ndarray:
    """Each coalition as a profile, scored over the whole catalogue (what the explanation did before)."""
    ids = list(liked)
    profiles = [Profile(liked={ids[j]: liked[ids[j]] for j in np.flatnonzero(row)}, intent=intent if on else None)
                for row, on in zip(chosen, with_intent)]
    return model.score(profiles) if sizes is None else model.score_with_sizes(profiles, sizes)


def all_coalitions(n: int) -> np.ndarray:
    return np.array(list(itertools.product([False, True], repeat=n)), dtype=bool).reshape(-1, n)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    liked=st.dictionaries(st.sampled_from(list("abcdefgh")), st.sampled_from([0.5, 1.0, 2.0]), max_size=5),
    intent=st.sampled_from(INTENTS),
    weights=st.lists(st.floats(-2.0, 2.0, allow_nan=False, width=32), min_size=5 * len(SIGNALS),
                     max_size=5 * len(SIGNALS)),
    without_ease=st.booleans(),
    sized=st.booleans(),
)
def test_the_scorer_gives_what_scoring_each_coalition_gives(gappy, liked, intent, weights, without_ease, sized):
    model = copy.copy(gappy)
    model.weights = np.asarray(weights, dtype=np.float32).reshape(5, len(SIGNALS))
    if without_ease:
        model.ease = None
    n = len(liked)
    masks = all_coalitions(n + 1)
    chosen, with_intent = masks[:, :n], masks[:, n] & bool(intent)
    sizes = chosen.sum(axis=1) + 3 * masks[:, n] if sized else None  # weighed as a larger profile, or as its own
    targets = np.arange(model.n_items)
    fast = model.history_scorer(liked, intent, targets)(chosen, with_intent, sizes)
    slow = reference(model, liked, intent, chosen, with_intent, sizes)
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))  # h, cold and without text, is never scored
    assert np.isnan(fast[:, -1]).all()
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5, equal_nan=True)


def test_the_scorer_on_the_sample_with_learned_weights(sample, sample_hybrid):
    """Longer profiles, a learned weight per regime, a few target columns in catalogue disorder."""
    rng = np.random.default_rng(0)
    user = sample.user_map.external[int(np.argmax(np.diff(sample.matrix.indptr) > 60))]
    liked = dict(Profile.from_user(sample, user).liked)
    ids = list(liked)
    chosen = rng.random((40, len(ids))) < rng.random((40, 1))
    chosen[0], chosen[1] = False, True
    sizes = np.where(rng.random(40) < 0.5, len(ids), chosen.sum(axis=1))
    with_intent = rng.random(40) < 0.5
    targets = np.array([1400, 0, 49, 180, 171, 1681])
    fast = sample_hybrid.history_scorer(liked, "a heist movie", targets)(chosen, with_intent, sizes)
    slow = reference(sample_hybrid, liked, "a heist movie", chosen, with_intent, sizes)[:, targets]
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
    # without the request, as the profile's own size
    fast = sample_hybrid.history_scorer(liked, None, targets)(chosen, np.zeros(40, bool))
    slow = reference(sample_hybrid, liked, None, chosen, np.zeros(40, bool), None)[:, targets]
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
