"""SHAP on signal matrices with real fitted rankers (a least-squares line, a LightGBM ranker)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recengine.errors import ModelError
from recengine.explain.signals import attribute_signals, is_collaborative, linear_coefficients


@pytest.fixture(scope="module")
def lgbm_ranker():
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    X[rng.random(600) < 0.2, 0] = np.nan  # a collaborative signal missing for "cold" rows
    relevance = (np.nan_to_num(X[:, 0]) + 0.5 * X[:, 1] - X[:, 2] * X[:, 3] > 0.3).astype(int)
    model = lgb.LGBMRanker(n_estimators=30, num_leaves=8, min_child_samples=5, verbose=-1)
    model.fit(X, relevance, group=[20] * 30)
    return model.booster_


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.integers(1, 8), m=st.integers(1, 6))
def test_linear_additivity_and_closed_form(seed, d, m):
    rng = np.random.default_rng(seed)
    coef, intercept = rng.normal(size=d), float(rng.normal())

    def f(Z):
        return Z @ coef + intercept

    X, bg = rng.normal(size=(m, d)), rng.normal(size=(30, d))
    a = attribute_signals(f, X, bg, kind="linear")
    assert a.method == "shap.LinearExplainer"
    assert a.additivity_error < 1e-9
    np.testing.assert_allclose(a.values, coef * (X - bg.mean(axis=0)), atol=1e-9)


def test_coefficients_read_off_a_fitted_least_squares_model():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    model = Ridge(alpha=0.1).fit(X, X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(scale=0.1, size=200))
    coef, intercept = linear_coefficients(model.predict, 4)
    np.testing.assert_allclose(coef, model.coef_, atol=1e-10)
    assert intercept == pytest.approx(model.intercept_)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_tree_additivity_with_real_lightgbm(lgbm_ranker, seed):
    rng = np.random.default_rng(seed)
    X, bg = rng.normal(size=(5, 5)), rng.normal(size=(40, 5))
    X[0, 0] = np.nan

    def f(Z):
        return lgbm_ranker.predict(Z, raw_score=True)

    a = attribute_signals(f, X, bg, kind="tree", tree_model=lgbm_ranker)
    assert a.method == "shap.TreeExplainer"
    assert a.additivity_error < 1e-5
    assert a.values[0, 0] == 0.0  # a missing signal is not a player


def test_fixed_features_get_zero_and_additivity_holds():
    rng = np.random.default_rng(2)
    coef = np.array([2.0, 1.0, -1.0])

    def f(Z):
        return np.nan_to_num(Z) @ coef + 1.0

    X = np.array([[np.nan, 0.5, 0.2], [3.0, 0.5, 0.2]])
    fixed = np.array([[True, False, False], [True, False, False]])
    a = attribute_signals(f, X, rng.normal(size=(20, 3)), kind="linear", fixed=fixed)
    np.testing.assert_array_equal(a.values[:, 0], 0.0)
    assert a.additivity_error < 1e-9
    # Both rows share the free features, so their values agree; their bases differ by the fixed part.
    np.testing.assert_allclose(a.values[0], a.values[1])
    assert a.base[1] - a.base[0] == pytest.approx(6.0)


def test_exact_fallback_explains_any_function():
    def f(Z):
        return np.tanh(Z[:, 0] * Z[:, 1]) + Z[:, 2] ** 2

    rng = np.random.default_rng(3)
    a = attribute_signals(f, rng.normal(size=(3, 3)), rng.normal(size=(10, 3)), kind="exact")
    assert a.additivity_error < 1e-9


def test_a_function_declared_linear_that_is_not_is_refused():
    with pytest.raises(ModelError, match="not affine"):
        attribute_signals(lambda Z: Z[:, 0] ** 2, np.array([[2.0]]), np.array([[1.0], [3.0]]), kind="linear")


def test_shape_mismatch_is_a_model_error():
    with pytest.raises(ModelError):
        attribute_signals(lambda Z: Z[:, 0], np.zeros((1, 2)), np.zeros((3, 3)))


def test_collaborative_names():
    assert is_collaborative("ease") and is_collaborative("itemknn") and is_collaborative("cooccurrence")
    assert not any(is_collaborative(n) for n in ("content", "intent", "popularity", "item_age", "is_cold"))


def test_linear_within_a_profile_regime():
    # Like the hybrid: the weight vector is chosen by a profile-level signal (column 2, the profile size).
    W = {1: np.array([1.0, 0.5, 0.0]), 5: np.array([0.2, 2.0, 0.0])}

    def f(Z):
        return np.array([z @ W[int(z[2])] for z in Z])

    rng = np.random.default_rng(4)
    X, bg = rng.normal(size=(3, 3)), rng.normal(size=(20, 3))
    X[:, 2], bg[:, 2] = 5.0, 5.0
    a = attribute_signals(f, X, bg, kind="linear")
    assert a.additivity_error < 1e-9
    np.testing.assert_array_equal(a.values[:, 2], 0.0)
    np.testing.assert_allclose(a.values[:, :2], W[5][:2] * (X[:, :2] - bg[:, :2].mean(axis=0)), atol=1e-12)
