"""Shapley estimators on games whose answers are known by hand or by theory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recengine.explain.shapley import all_coalitions, exact_shapley, permutation_shapley, shapley_values


def table_game(table: np.ndarray, n: int):
    """A game given by a table of values indexed by the coalition's bitmask."""

    def value(masks: np.ndarray) -> np.ndarray:
        return table[(masks.astype(np.int64) << np.arange(n)).sum(axis=1)]

    return value


def test_hand_computed_three_player_game():
    # v(0)=0, v(A)=10, v(B)=20, v(AB)=50, v(C)=30, v(AC)=60, v(BC)=70, v(ABC)=100, bitmask order A=1, B=2, C=4.
    # phi_A = 10/3 + (50-20)/6 + (60-30)/6 + (100-70)/3 = 70/3; phi_B = 100/3; phi_C = 130/3 (worked on paper).
    table = np.array([0, 10, 20, 50, 30, 60, 70, 100], dtype=float)
    result = exact_shapley(table_game(table, 3), 3)
    np.testing.assert_allclose(result.values[0], [70 / 3, 100 / 3, 130 / 3], atol=1e-12)
    assert result.empty[0] == 0 and result.full[0] == 100
    assert result.n_evaluations == 8


def test_glove_game():
    def gloves(m):
        return np.minimum(m[:, 0], m[:, 1] + m[:, 2]).astype(float)

    np.testing.assert_allclose(exact_shapley(gloves, 3).values[0], [2 / 3, 1 / 6, 1 / 6], atol=1e-12)


def test_coalitions_enumerate_every_subset_once():
    masks = all_coalitions(5)
    assert masks.shape == (32, 5)
    assert len({tuple(r) for r in masks}) == 32


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 9), seed=st.integers(0, 2**31 - 1), outputs=st.integers(1, 3))
def test_exact_is_efficient_symmetric_and_ignores_dummies(n, seed, outputs):
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(2**n, outputs))
    result = exact_shapley(table_game(table, n), n)
    assert result.values.shape == (outputs, n)
    assert result.efficiency_error < 1e-9
    if n >= 2:
        # Make player 0 a dummy: the value never depends on it.
        masks = all_coalitions(n)
        key = (masks[:, 1:].astype(np.int64) << np.arange(n - 1)).sum(axis=1)
        dummy_table = rng.normal(size=(2 ** (n - 1), outputs))[key]
        dummy = exact_shapley(table_game(dummy_table, n), n)
        np.testing.assert_allclose(dummy.values[:, 0], 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 16), seed=st.integers(0, 2**31 - 1), n_perm=st.integers(1, 20))
def test_permutation_sampling_is_exactly_efficient(n, seed, n_perm):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=n)
    pair = rng.normal()

    def value(m):  # not additive: an interaction between players 0 and the last one
        return m @ weights + pair * m[:, 0] * m[:, -1] + np.sqrt(m.sum(axis=1))

    result = permutation_shapley(value, n, n_permutations=n_perm, seed=seed)
    assert result.efficiency_error < 1e-9


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 15), seed=st.integers(0, 2**31 - 1))
def test_additive_games_are_recovered_exactly_by_sampling(n, seed):
    weights = np.random.default_rng(seed).normal(size=(n, 2))
    result = shapley_values(lambda m: m @ weights, n, max_exact=6, budget=64, seed=seed)
    np.testing.assert_allclose(result.values, weights.T, atol=1e-9)


def test_sampling_converges_to_exact_and_is_seeded():
    n = 8
    table = np.random.default_rng(3).normal(size=(2**n, 1))
    exact = exact_shapley(table_game(table, n), n).values
    a = permutation_shapley(table_game(table, n), n, n_permutations=3000, seed=7).values
    b = permutation_shapley(table_game(table, n), n, n_permutations=3000, seed=7).values
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - exact).max() < 0.1 * np.abs(exact).max()


def test_budget_switches_to_sampling_beyond_max_exact():
    calls = []

    def value(m):
        calls.append(len(m))
        return m.sum(axis=1).astype(float)

    result = shapley_values(value, 20, max_exact=12, budget=400)
    assert result.method == "permutation"
    assert result.n_evaluations <= 400 + 20
    assert sum(calls) == result.n_evaluations
    np.testing.assert_allclose(result.values[0], 1.0)


def test_exact_refuses_huge_games():
    from recengine.errors import ConfigError

    with pytest.raises(ConfigError):
        exact_shapley(lambda m: m.sum(axis=1), 25)


def test_sampled_values_carry_standard_errors_that_shrink_with_more_orders():
    rng = np.random.default_rng(3)
    n = 8
    table = rng.normal(size=2**n)
    exact = exact_shapley(table_game(table, n), n).values[0]
    few = permutation_shapley(table_game(table, n), n, n_permutations=20, seed=1)
    many = permutation_shapley(table_game(table, n), n, n_permutations=2000, seed=1)
    assert few.errors.shape == few.values.shape and many.errors.mean() < few.errors.mean() / 5
    # the truth lies within a few errors of the estimate (a 5-sigma miss on any of 8 players is beyond chance)
    assert (np.abs(many.values[0] - exact) < 5 * many.errors[0]).all()
    additive = permutation_shapley(lambda m: m @ np.arange(1.0, n + 1), n, n_permutations=10, seed=2)
    np.testing.assert_allclose(additive.errors, 0, atol=1e-12)
    assert exact_shapley(table_game(table, n), n).errors is None
