"""Profiles too long for the explanation's budget: the most relevant items stay players, the rest are pooled into
one player ("N other items"), the budget is kept, the values stay efficient, and short profiles are as before."""

from __future__ import annotations

import numpy as np
import pytest

import recengine.explain.core as core
from recengine.explain import explain, is_item, is_pooled, reason
from recengine.explain.shapley import needs_pooling, permutation_shapley, shapley_values
from recengine.models import EASE, Profile


@pytest.fixture(scope="module")
def ease(sample):
    return EASE().fit(sample)


@pytest.fixture(scope="module")
def long_profile(sample):
    """The sample's longest profile (user 405, over 700 items)."""
    return Profile.from_user(sample, "405")


def _counting_game(monkeypatch):
    """Counts the coalitions that explain's history game scores, by the number of items each holds."""
    sizes: list[int] = []
    made = core._coalition_game

    def counting(model, profile, players, liked, idx):
        game = made(model, profile, players, liked, idx)

        def value(masks):
            sizes.extend(masks.sum(axis=1).tolist())
            return game(masks)

        return value

    monkeypatch.setattr(core, "_coalition_game", counting)
    return sizes


def test_a_game_too_big_for_the_budget_keeps_it_and_stays_efficient():
    n, budget = 300, 512
    rng = np.random.default_rng(0)
    w = rng.normal(size=(n, 2))
    rows = []

    def value(m):
        rows.append(m.copy())
        return m @ w + 0.1 * (m[:, :1] * m[:, 1:2])  # not additive: the pool's value is no mere sum

    r = shapley_values(value, n, budget=budget, seed=3)
    masks = np.vstack(rows)
    screen = masks.sum(axis=1) <= 1  # each player alone, and none
    assert len(masks) == r.n_evaluations
    assert (~screen).sum() <= budget  # the estimate's coalitions keep to the budget
    assert r.n_permutations >= 8
    assert r.values.shape == (2, len(r.players) + 1)
    assert sorted([*r.players, *r.pooled]) == list(range(n))
    assert r.efficiency_error < 1e-9
    # the players kept are those of most weight alone
    alone = np.abs(w).max(axis=1)
    assert alone[r.players].min() >= alone[r.pooled].max()


def test_a_long_profile_pools_the_rest_into_one_player_within_the_budget(ease, long_profile, monkeypatch):
    n = len(long_profile.liked)
    budget = 400
    assert needs_pooling(n, budget)
    sizes = _counting_game(monkeypatch)
    item = str(ease.recommend(long_profile, k=1)["item_id"].iloc[0])
    e = explain(ease, long_profile, item, budget=budget, seed=0)
    h = e.history
    scored = np.array(sizes)
    assert (scored > 1).sum() <= budget  # the coalitions of the estimate
    assert len(scored) <= budget + n + 1  # and the screen: each item alone, and none
    pooled = [p for p in h.feature_names if is_pooled(p)]
    assert len(pooled) == 1
    kept = [p for p in h.feature_names if is_item(p)]
    assert str(pooled[0]) == f"{n - len(kept)} other items" and pooled[0].n_items == n - len(kept)
    assert len(kept) + 1 == len(h.feature_names) and len(kept) >= 10
    # efficiency: the values sum to f(all) - f(none)
    empty = float(ease.score([Profile(liked={}, disliked=long_profile.disliked, name="none")])[0][ease.item_map.index(item)])
    assert h.base_value == pytest.approx(empty, abs=1e-9)
    assert float(np.sum(h.values)) == pytest.approx(e.score - empty, abs=1e-6)
    assert h.additivity_error < 1e-6
    assert "pooled" in h.method
    row = next(r for r in e.to_dict()["history"] if r["player"] == str(pooled[0]))
    assert row["item_id"] is None and "other items" in row["title"]
    assert "other item" not in e.reason


def test_short_profiles_are_explained_as_before(ease, long_profile, monkeypatch):
    """Up to budget/2 players nothing is pooled, and the values are those of the unchanged estimate; one item more
    and the profile is pooled."""
    items = list(long_profile.liked)[:60]
    profile = Profile.from_items({k: long_profile.liked[k] for k in items})
    item = str(ease.recommend(profile, k=1)["item_id"].iloc[0])
    budget = 2 * len(items)
    e = explain(ease, profile, item, budget=budget, seed=5)
    players, liked = core._players(ease, profile)
    game = core._coalition_game(ease, profile, players, liked, core._item_indices(ease, [item]))
    reference = permutation_shapley(game, len(players), n_permutations=max(2, budget // (len(players) - 1)), seed=5)
    assert list(e.history.feature_names) == players
    np.testing.assert_array_equal(e.history.values, reference.values[0])
    np.testing.assert_array_equal(e.history.errors, reference.errors[0])
    assert not any(is_pooled(p) for p in e.history.feature_names)
    # the same profile, a budget one coalition short of two orders: pooled
    short = explain(ease, profile, item, budget=budget - 1, seed=5)
    assert any(is_pooled(p) for p in short.history.feature_names)
    assert short.history.additivity_error < 1e-6


def test_progress_counts_every_coalition(ease, long_profile):
    seen: list[tuple[int, int]] = []
    item = str(ease.recommend(long_profile, k=1)["item_id"].iloc[0])
    e = explain(ease, long_profile, item, budget=300, seed=0, progress=lambda d, t, m="": seen.append((d, t)))
    assert len(seen) > 3
    done = [d for d, _ in seen]
    assert done == sorted(done) and len({t for _, t in seen}) == 1
    assert seen[-1][0] == seen[-1][1] > 300
    assert any(is_pooled(p) for p in e.history.feature_names)


def test_the_reason_and_the_chart_never_call_the_pool_an_item(ease, long_profile):
    from dataclasses import replace

    from recengine.figures.explanations import history_bars

    item = str(ease.recommend(long_profile, k=1)["item_id"].iloc[0])
    e = explain(ease, long_profile, item, budget=300, seed=0)
    h = e.history
    at = next(i for i, p in enumerate(h.feature_names) if is_pooled(p))
    # the pool pushing most of all: still no item "you liked"
    values = np.array(h.values, dtype=float)
    values[at] = 10 * np.abs(values).max()
    pushed = replace(e, history=replace(h, values=values))
    for profile in (None, long_profile):
        text = reason(pushed, profile)
        assert "other item" not in text
    fig = history_bars(e, max_items=5)
    n_rest = sum(p.n_items if is_pooled(p) else 1 for p in h.to_frame()["feature"][5:] if is_item(p) or is_pooled(p))
    assert f"{n_rest} more items" in fig.layout.title.text
