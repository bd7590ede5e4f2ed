"""SHAP values of a ranker's input signals, with the real ``shap`` explainers.

The explained function is exactly the one whose output is the reported score (the hybrid's
``score_signals``). A linear ranker goes through ``shap.LinearExplainer`` (coefficients read off
the function itself and checked against it), a tree ranker through ``shap.TreeExplainer``
(interventional, on a background of this profile's own candidates), and anything else through
the same interventional game solved exactly by ``recengine.explain.shapley``. Every result is checked: ``base + sum(values) == score`` to 1e-5.

Features an item cannot have (a cold item's collaborative signals, which are missing) are *fixed*:
they are given the item's own value in the background too, so they are not players and get
exactly zero attribution; their effect, if any, moves into the base value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from recengine.errors import ModelError

ScoreFunction = Callable[[np.ndarray], np.ndarray]

ADDITIVITY_TOL = 1e-5
#: Signals learned from who interacted with what; a cold item has none of them.
COLLABORATIVE_SIGNALS = ("ease", "itemknn", "item_knn", "cooc")


#: How a signal is named on a chart an audience reads (short: a bar's label is 26 characters at most).
SIGNAL_LABELS: dict[str, str] = {
    "ease": "tastes like yours (EASE)",
    "itemknn": "liked together (item-kNN)",
    "cooccurrence": "chosen with your items",
    "content": "text like your items",
    "intent": "matches your request",
    "popularity": "popularity",
    "item_age": "item age",
    "profile_size": "profile size",
    "is_cold": "new item",
}


def signal_label(name: str) -> str:
    """A signal's name for an audience; a signal this table does not know keeps its own name.

    >>> signal_label("ease"), signal_label("my_signal")
    ('tastes like yours (EASE)', 'my_signal')
    """
    return SIGNAL_LABELS.get(name, name)


def is_collaborative(name: str) -> bool:
    """Whether a signal name denotes a collaborative (interaction-based) score.

    Examples
    --------
    >>> is_collaborative("ease"), is_collaborative("itemknn_score"), is_collaborative("content")
    (True, True, False)
    """
    return name.lower().startswith(COLLABORATIVE_SIGNALS)


@dataclass(frozen=True, repr=False)
class SignalAttribution:
    """SHAP values of ``m`` signal rows: ``values`` (m, d), ``base`` (m,), ``scores`` (m,), ``method``."""

    values: np.ndarray
    base: np.ndarray
    scores: np.ndarray
    method: str

    @property
    def additivity_error(self) -> float:
        if len(self.scores) == 0:
            return 0.0
        return float(np.max(np.abs(self.base + self.values.sum(axis=1) - self.scores)))

    def __repr__(self) -> str:
        """Shapes and the additivity check, not the arrays (which stay in the attributes)."""
        m, d = np.shape(np.atleast_2d(self.values)) if np.size(self.values) else (len(self.scores), 0)
        return f"SignalAttribution({self.method}, {m} rows × {d} signals, additivity_error={self.additivity_error:.2g})"


def _call(score_fn: ScoreFunction, X: np.ndarray) -> np.ndarray:
    return np.asarray(score_fn(np.asarray(X)), dtype=np.float64).reshape(len(X))


def linear_coefficients(
    score_fn: ScoreFunction, n_features: int, at: np.ndarray | None = None, columns: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Slopes and value at ``at`` (default 0) of a function affine around ``at``, read off at the unit steps
    (of ``columns`` only, when given; the others get slope 0).

    A ranker that is linear *within a profile* (weights chosen by profile-level signals, such as the
    hybrid's profile-size regimes) is probed at a point that keeps those signals at the profile's value.

    Examples
    --------
    >>> coef, b = linear_coefficients(lambda X: X @ np.array([2.0, -1.0]) + 0.5, 2)
    >>> coef.tolist(), b
    ([2.0, -1.0], 0.5)
    """
    at = np.zeros(n_features) if at is None else np.asarray(at, dtype=np.float64)
    cols = np.arange(n_features) if columns is None else np.flatnonzero(columns)
    probe = at[None, :] + np.vstack([np.zeros(n_features), np.eye(n_features)[cols]])
    out = _call(score_fn, probe)
    coef = np.zeros(n_features)
    coef[cols] = out[1:] - out[0]
    return coef, float(out[0])


def constant_columns(*blocks: np.ndarray) -> np.ndarray:
    """Columns that hold one and the same finite value in every row of every block (profile-level signals)."""
    rows = np.vstack(blocks)
    return np.isfinite(rows).all(axis=0) & (rows == rows[:1]).all(axis=0)


def _groups(fixed: np.ndarray, X: np.ndarray) -> dict[bytes, np.ndarray]:
    """Rows that share the same fixed features with the same values can share one explainer."""
    keys: dict[bytes, list[int]] = {}
    for r in range(len(X)):
        key = fixed[r].tobytes() + np.where(fixed[r], X[r], 0.0).tobytes()
        keys.setdefault(key, []).append(r)
    return {k: np.array(v) for k, v in keys.items()}


def _linear(score_fn: ScoreFunction, X: np.ndarray, background: np.ndarray, fixed: np.ndarray) -> SignalAttribution:
    import shap

    # Profile-level signals (the same for every row) are not players; probing keeps them at their value.
    const = constant_columns(X, background)
    at = np.where(const, X[0], 0.0)
    coef, _ = linear_coefficients(score_fn, X.shape[1], at=at, columns=~const)
    fixed = fixed | const[None, :]
    scores = _call(score_fn, X)
    finite_bg = np.nan_to_num(background, nan=0.0)
    # The function must really be affine where it is used, or the coefficients mean nothing.
    rows_all = np.vstack([X, background])
    rows_all = rows_all[np.isfinite(rows_all).all(axis=1)]
    predicted = _call(score_fn, at[None, :]) + (rows_all - at) @ coef
    linear_err = float(np.max(np.abs(_call(score_fn, rows_all) - predicted), initial=0.0))
    if linear_err > ADDITIVITY_TOL * max(1.0, float(np.max(np.abs(scores), initial=1.0))):
        raise ModelError(f"the ranker is declared linear but its output is not affine in its signals (error {linear_err:.2g}).")
    values = np.zeros(X.shape)
    base = np.empty(len(X))
    for rows in _groups(fixed, X).values():
        free = ~fixed[rows[0]]
        x_free = X[np.ix_(rows, free)]
        # Fixed features are folded into the intercept so that this row's score is reproduced exactly.
        row_intercept = scores[rows] - x_free @ coef[free]
        # Values do not depend on the intercept; one explainer serves the whole group.
        explainer = shap.LinearExplainer((coef[free], 0.0), finite_bg[:, free])
        sv = explainer(x_free)
        values[np.ix_(rows, free)] = sv.values.reshape(len(rows), -1)
        base[rows] = row_intercept + float(np.ravel(explainer.expected_value)[0])
        closed = coef[free] * (x_free - finite_bg[:, free].mean(axis=0))
        if np.max(np.abs(values[np.ix_(rows, free)] - closed), initial=0.0) > ADDITIVITY_TOL:
            raise ModelError("shap's LinearExplainer disagrees with the closed form coef * (x - mean(background)).")
    return SignalAttribution(values, base, scores, "shap.LinearExplainer")


def _tree(
    score_fn: ScoreFunction, X: np.ndarray, background: np.ndarray, fixed: np.ndarray, tree_model: Any
) -> SignalAttribution:
    import shap

    scores = _call(score_fn, X)
    values = np.zeros(X.shape)
    base = np.empty(len(X))
    for rows in _groups(fixed, X).values():
        bg = background.copy()
        cols = np.flatnonzero(fixed[rows[0]])
        bg[:, cols] = X[rows[0], cols]
        explainer = shap.TreeExplainer(tree_model, data=bg, feature_perturbation="interventional", model_output="raw")
        sv = explainer(X[rows], check_additivity=False)
        values[rows] = sv.values.reshape(len(rows), -1)
        base[rows] = np.ravel(sv.base_values)
    return SignalAttribution(values, base, scores, "shap.TreeExplainer")


def _exact(score_fn: ScoreFunction, X: np.ndarray, background: np.ndarray, fixed: np.ndarray) -> SignalAttribution:
    """Interventional Shapley values (shap's Exact explainer's game) computed by our exact enumerator.

    v(S) = mean over background rows of f(x on S, background elsewhere); one batched call per row.
    """
    from recengine.explain.shapley import exact_shapley

    scores = _call(score_fn, X)
    values = np.zeros(X.shape)
    base = np.empty(len(X))
    for r in range(len(X)):
        players = np.flatnonzero(~fixed[r])
        bg = background.copy()
        bg[:, fixed[r]] = X[r, fixed[r]]

        def game(masks: np.ndarray, r: int = r, players: np.ndarray = players, bg: np.ndarray = bg) -> np.ndarray:
            rows = np.repeat(bg[None, :, :], len(masks), axis=0)
            take = np.zeros((len(masks), X.shape[1]), dtype=bool)
            take[:, players] = masks
            rows = np.where(take[:, None, :], X[r][None, None, :], rows)
            return _call(score_fn, rows.reshape(-1, X.shape[1])).reshape(len(masks), len(bg)).mean(axis=1)

        result = exact_shapley(game, len(players), chunk=max(1, 65536 // len(bg)))
        values[r, players] = result.values[0]
        base[r] = result.empty[0]
    return SignalAttribution(values, base, scores, "exact interventional Shapley")


def attribute_signals(
    score_fn: ScoreFunction,
    X: np.ndarray,
    background: np.ndarray,
    *,
    kind: str = "linear",
    tree_model: Any = None,
    fixed: np.ndarray | None = None,
    tolerance: float = ADDITIVITY_TOL,
) -> SignalAttribution:
    """SHAP values of ``score_fn`` at the rows of ``X`` against ``background``, checked for additivity.

    Parameters
    ----------
    score_fn : callable
        (n, d) signal matrix -> (n,) scores: exactly the function whose output is reported.
    X : np.ndarray
        (m, d) signal rows to explain.
    background : np.ndarray
        (b, d) reference rows; ``base`` is the mean model output over them (for a linear ranker, the
        output at their mean).
    kind : {"linear", "tree", "exact"}
        ``"linear"`` uses ``shap.LinearExplainer``; ``"tree"`` uses ``shap.TreeExplainer`` on
        ``tree_model`` (a LightGBM booster, an sklearn tree ensemble, ...), falling back to the exact
        explainer if the tree model does not reproduce ``score_fn``; ``"exact"`` enumerates coalitions.
    fixed : np.ndarray, optional
        (m, d) boolean: features that are not players for that row (zero attribution). Missing
        (NaN) values are always fixed.

    Raises
    ------
    ModelError
        If base + sum(values) differs from the score by more than ``tolerance``.

    Examples
    --------
    >>> f = lambda Z: Z @ np.array([1.0, 2.0]) + 3.0
    >>> a = attribute_signals(f, np.array([[1.0, 1.0]]), np.zeros((4, 2)))
    >>> a.values.tolist(), a.base.tolist(), a.scores.tolist()
    ([[1.0, 2.0]], [3.0], [6.0])
    """
    X = np.asarray(X, dtype=np.float64)
    background = np.asarray(background, dtype=np.float64)
    if X.ndim != 2 or background.ndim != 2 or X.shape[1] != background.shape[1]:
        raise ModelError(f"signal rows {X.shape} and background {background.shape} do not have the same columns.")
    if len(background) == 0:
        raise ModelError("an explanation needs at least one background row.")
    fixed = np.isnan(X) if fixed is None else (np.asarray(fixed, dtype=bool) | np.isnan(X))
    if kind == "linear":
        result = _linear(score_fn, X, background, fixed)
    elif kind == "tree" and tree_model is not None:
        result = _tree(score_fn, X, background, fixed, tree_model)
        if result.additivity_error > tolerance:
            result = _exact(score_fn, X, background, fixed)
    elif kind in ("tree", "exact"):
        result = _exact(score_fn, X, background, fixed)
    else:
        raise ModelError(f"unknown ranker kind {kind!r}; expected 'linear' or 'tree'.")
    if result.additivity_error > tolerance:
        raise ModelError(
            f"the signal explanation is not additive (error {result.additivity_error:.2g} > {tolerance:g}); "
            "the explained function is not the scored one."
        )
    return result
