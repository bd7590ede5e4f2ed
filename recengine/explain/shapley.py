"""Shapley values of a cooperative game: exact up to a dozen players, permutation sampling beyond.

A game is a *value function* that scores many coalitions at once: it takes a boolean matrix
``masks`` of shape (n_coalitions, n_players) and returns an array of shape (n_coalitions,) or
(n_coalitions, n_outputs). Several outputs share the coalitions (one per explained item), so a
whole top-k list costs one pass over the coalitions, not k.

Both estimators are *efficient*: the values of each output sum to v(all players) - v(no player).
The exact one by construction; the sampled one because every permutation's marginal
contributions telescope to that same difference, and the mean of sums that are all equal is
that sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import factorial

import numpy as np

from recengine.errors import ConfigError

ValueFunction = Callable[[np.ndarray], np.ndarray]

MAX_EXACT_PLAYERS = 12
DEFAULT_BUDGET = 4096  # coalitions: 15 orders of a 272-item profile, about a second for the hybrid on the sample
#: A game whose players are too many for the budget (two orders, the fewest sampled, would exceed it) keeps its most
#: relevant players and pools the rest into one, so that at least this many orders fit in the budget.
MIN_POOLED_PERMUTATIONS = 8
#: Coalitions per value-function call while progress is reported (a report after each call).
PROGRESS_CHUNK = 256
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, repr=False)
class ShapleyResult:
    """Shapley values of one game for one or more outputs.

    Attributes
    ----------
    values : np.ndarray
        (n_outputs, n_players) attributions.
    empty, full : np.ndarray
        (n_outputs,) values of the empty and of the grand coalition.
    method : str
        ``"exact"`` or ``"permutation"``.
    n_evaluations : int
        How many coalitions the value function scored.
    n_permutations : int
        Permutations sampled (0 for exact).
    errors : np.ndarray or None
        (n_outputs, n_players) standard errors of sampled values (None when exact): how far a value may be off
        because only some orders were drawn. A value within about two of them of another is not told apart from it.
    players, pooled : np.ndarray or None
        None unless the players were pooled (too many for the budget): then ``values`` has one column per player of
        ``players`` (indices of the game's players, in that order) and a last column for all of ``pooled`` together,
        one player that joins a coalition with all of them or not at all.
    """

    values: np.ndarray
    empty: np.ndarray
    full: np.ndarray
    method: str
    n_evaluations: int
    n_permutations: int = 0
    errors: np.ndarray | None = None
    players: np.ndarray | None = None
    pooled: np.ndarray | None = None

    def __repr__(self) -> str:
        """Shapes and counts, not the arrays (which stay in the attributes)."""
        n_out, n_players = np.shape(np.atleast_2d(self.values))
        parts = [f"{self.method}", f"{n_out} output{'s' if n_out != 1 else ''} × {n_players} players",
                 f"n_evaluations={self.n_evaluations}"]
        if self.n_permutations:
            parts.append(f"n_permutations={self.n_permutations}")
        if self.pooled is not None:
            parts.append(f"{len(self.pooled)} players pooled into the last")
        return f"ShapleyResult({', '.join(parts)})"

    @property
    def efficiency_error(self) -> float:
        """max over outputs of |sum(values) - (v(full) - v(empty))| (0 up to rounding)."""
        if self.values.size == 0:
            return float(np.max(np.abs(self.full - self.empty), initial=0.0))
        return float(np.max(np.abs(self.values.sum(axis=1) - (self.full - self.empty))))


def all_coalitions(n_players: int) -> np.ndarray:
    """Every subset of ``n_players`` as a boolean matrix; row ``r`` holds the players of bitmask ``r``.

    Examples
    --------
    >>> all_coalitions(2).astype(int).tolist()
    [[0, 0], [1, 0], [0, 1], [1, 1]]
    """
    rows = np.arange(2**n_players, dtype=np.int64)[:, None]
    return ((rows >> np.arange(n_players, dtype=np.int64)) & 1).astype(bool)


def needs_pooling(n_players: int, budget: int, max_exact: int = MAX_EXACT_PLAYERS) -> bool:
    """Whether ``n_players`` are too many for ``budget`` coalitions: two orders, the fewest sampled, would score more.

    Examples
    --------
    >>> needs_pooling(700, 4096), needs_pooling(2276, 4096), needs_pooling(2276, 2048)
    (False, True, True)
    """
    return n_players > max_exact and 2 * n_players > budget


def players_within(budget: int, min_permutations: int = MIN_POOLED_PERMUTATIONS) -> int:
    """The most players whose ``min_permutations`` orders fit in ``budget`` coalitions (2 + orders x (players - 1)).

    Examples
    --------
    >>> players_within(2048), players_within(4096)
    (256, 512)
    """
    return max(1, (budget - 2) // min_permutations + 1)


def _counted(value_fn: ValueFunction, total: int, progress: Progress, message: str, start: int = 0) -> ValueFunction:
    """``value_fn`` that reports the coalitions scored so far (from ``start``) out of ``total`` after each call."""
    done = start

    def value(masks: np.ndarray) -> np.ndarray:
        nonlocal done
        out = value_fn(masks)
        done += len(masks)
        progress(min(done, total), total, message)
        return out

    return value


def _evaluate(value_fn: ValueFunction, masks: np.ndarray, chunk: int) -> np.ndarray:
    parts = []
    for start in range(0, len(masks), chunk):
        out = np.asarray(value_fn(masks[start : start + chunk]), dtype=np.float64)
        parts.append(out.reshape(len(masks[start : start + chunk]), -1))
    return np.concatenate(parts, axis=0)


def exact_shapley(value_fn: ValueFunction, n_players: int, *, chunk: int = 8192) -> ShapleyResult:
    """Exact Shapley values by enumerating all ``2**n_players`` coalitions.

    Examples
    --------
    The glove game: one left glove (player 0) and two right gloves; a pair is worth 1.

    >>> def gloves(m):
    ...     return np.minimum(m[:, 0], m[:, 1] + m[:, 2]).astype(float)
    >>> exact_shapley(gloves, 3).values.round(4).tolist()
    [[0.6667, 0.1667, 0.1667]]
    """
    if n_players > 20:
        raise ConfigError(f"exact Shapley values for {n_players} players would score 2**{n_players} coalitions; use sampling.")
    masks = all_coalitions(n_players)
    v = _evaluate(value_fn, masks, chunk)  # (2**n, m)
    n_out = v.shape[1]
    if n_players == 0:
        return ShapleyResult(np.zeros((n_out, 0)), v[0], v[0], "exact", 1)
    sizes = masks.sum(axis=1)
    weight = np.array([factorial(s) * factorial(n_players - s - 1) / factorial(n_players) for s in range(n_players)])
    idx = np.arange(2**n_players, dtype=np.int64)
    phi = np.empty((n_out, n_players))
    for i in range(n_players):
        without = idx[((idx >> i) & 1) == 0]
        phi[:, i] = weight[sizes[without]] @ (v[without | (1 << i)] - v[without])
    return ShapleyResult(phi, v[0].copy(), v[-1].copy(), "exact", len(masks))


def permutation_shapley(
    value_fn: ValueFunction,
    n_players: int,
    *,
    n_permutations: int = 64,
    seed: int = 0,
    antithetic: bool = True,
    chunk: int = 8192,
) -> ShapleyResult:
    """Shapley values estimated from random player orders (each order's marginals sum to v(full) - v(empty)).

    With ``antithetic`` every sampled order is followed by its reverse, which cancels much of the
    sampling noise for nearly additive games. ``errors`` holds each value's standard error, from the spread
    of the independent draws (an order and its reverse count as one draw); NaN with a single draw.

    Examples
    --------
    An additive game has the weights as its Shapley values, and every order finds them exactly:

    >>> w = np.array([1.0, -2.0, 3.0])
    >>> permutation_shapley(lambda m: m @ w, 3, n_permutations=4).values.round(6).tolist()
    [[1.0, -2.0, 3.0]]
    """
    if n_permutations < 1:
        raise ConfigError("n_permutations must be at least 1.")
    rng = np.random.default_rng(seed)
    n_draw = (n_permutations + 1) // 2 if antithetic else n_permutations
    perms = np.array([rng.permutation(n_players) for _ in range(n_draw)], dtype=np.int64).reshape(n_draw, n_players)
    if antithetic:
        perms = np.concatenate([perms, perms[:, ::-1]])[: max(n_permutations, 2)]
    n_perm = len(perms)
    ends = _evaluate(value_fn, np.vstack([np.zeros(n_players, bool), np.ones(n_players, bool)]), chunk)
    empty, full = ends[0], ends[1]
    if n_players <= 1:
        phi = (full - empty)[:, None] if n_players == 1 else np.zeros((len(empty), 0))
        return ShapleyResult(phi, empty, full, "permutation", 2, n_perm, np.zeros_like(phi))
    # Row (p, j) is the coalition of the first j+1 players of order p, for j < n-1 (the full one is shared).
    pos = np.empty_like(perms)
    np.put_along_axis(pos, perms, np.arange(n_players)[None, :], axis=1)
    masks = pos[:, None, :] <= np.arange(n_players - 1)[None, :, None]
    inner = _evaluate(value_fn, masks.reshape(-1, n_players), chunk).reshape(n_perm, n_players - 1, -1)
    n_out = inner.shape[2]
    chain = np.concatenate(
        [np.broadcast_to(empty, (n_perm, 1, n_out)), inner, np.broadcast_to(full, (n_perm, 1, n_out))], axis=1
    )
    marginal = np.diff(chain, axis=1)  # (n_perm, n_players, n_out), marginal[p, j] belongs to perms[p, j]
    per_order = np.zeros((n_perm, n_out, n_players))
    for p in range(n_perm):
        per_order[p][:, perms[p]] = marginal[p].T
    phi = per_order.mean(axis=0)
    # independent draws: an order with its reverse is one (they are not independent of each other)
    paired = antithetic and n_perm == 2 * n_draw  # orders 0..n_draw-1, then their reverses in the same order
    draws = (per_order[:n_draw] + per_order[n_draw:]) / 2 if paired else per_order
    errors = (draws.std(axis=0, ddof=1) / np.sqrt(len(draws))) if len(draws) > 1 else np.full_like(phi, np.nan)
    return ShapleyResult(phi, empty, full, "permutation", 2 + inner.shape[0] * inner.shape[1], n_perm, errors)


def shapley_values(
    value_fn: ValueFunction,
    n_players: int,
    *,
    max_exact: int = MAX_EXACT_PLAYERS,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    poolable: np.ndarray | None = None,
    pool: bool = True,
    progress: Progress | None = None,
) -> ShapleyResult:
    """Exact Shapley values for up to ``max_exact`` players, else permutation sampling within ``budget`` coalitions.

    Players too many for the budget (:func:`needs_pooling`: two orders would score more than ``budget`` coalitions)
    are pooled when ``pool`` is true: each ``poolable`` player (all by default) is first scored alone (one coalition
    of one player each, a first-order screen), the most relevant ones (largest |v({i}) - v({})| over the outputs)
    stay players of their own, the others become ONE player, and the orders of this smaller game,
    :data:`MIN_POOLED_PERMUTATIONS` at least, fit in ``budget`` coalitions besides the screen. The values stay
    efficient (they sum to v(all) - v(none)); ``players`` and ``pooled`` of the result say who is who.

    ``progress(done, total, message)``, if given, is called as coalitions are scored.

    Examples
    --------
    >>> r = shapley_values(lambda m: m.sum(axis=1) ** 2, 3)
    >>> r.method, r.values.round(6).tolist()
    ('exact', [[3.0, 3.0, 3.0]])

    Forty players and a budget of 50 coalitions: six stand alone, 34 are one player, and the eight orders of
    these seven score 50 coalitions besides the screen's 41 (each player alone, and none):

    >>> w = np.arange(40, dtype=float)
    >>> r = shapley_values(lambda m: m @ w, 40, budget=50)
    >>> r.players.tolist(), len(r.pooled), round(float(r.values[0, -1]), 6), r.n_permutations, r.n_evaluations - 41
    ([34, 35, 36, 37, 38, 39], 34, 561.0, 8, 50)
    """
    chunk = 8192 if progress is None else PROGRESS_CHUNK
    if n_players <= max_exact:
        fn = value_fn if progress is None else _counted(value_fn, 2**n_players, progress, "coalitions")
        return exact_shapley(fn, n_players, chunk=chunk)
    if pool and needs_pooling(n_players, budget, max_exact):
        return _pooled_shapley(value_fn, n_players, budget=budget, seed=seed, poolable=poolable,
                               progress=progress, chunk=chunk)
    n_perm = max(2, budget // max(n_players - 1, 1))
    fn = value_fn if progress is None else _counted(value_fn, 2 + n_perm * (n_players - 1), progress, "coalitions")
    return permutation_shapley(fn, n_players, n_permutations=n_perm, seed=seed, chunk=chunk)


def _pooled_shapley(
    value_fn: ValueFunction,
    n_players: int,
    *,
    budget: int,
    seed: int,
    poolable: np.ndarray | None,
    progress: Progress | None,
    chunk: int,
) -> ShapleyResult:
    """Shapley values of the game whose most relevant poolable players stand alone and the rest are one player."""
    can_pool = np.ones(n_players, dtype=bool) if poolable is None else np.asarray(poolable, dtype=bool)
    candidates = np.flatnonzero(can_pool)
    fixed = np.flatnonzero(~can_pool)
    n_keep = min(len(candidates), max(0, players_within(budget) - len(fixed) - 1))
    n_game = len(fixed) + n_keep + 1
    n_perm = max(2, (budget - 2) // max(n_game - 1, 1))
    total = len(candidates) + 1 + 2 + n_perm * (n_game - 1)
    fn = value_fn if progress is None else _counted(value_fn, total, progress, "screening the players")
    # the screen: every candidate alone, against the empty coalition
    single = np.zeros((len(candidates) + 1, n_players), dtype=bool)
    single[np.arange(1, len(candidates) + 1), candidates] = True
    alone = _evaluate(fn, single, chunk)
    relevance = np.abs(alone[1:] - alone[0]).max(axis=1) if alone.shape[1] else np.zeros(len(candidates))
    order = np.argsort(-relevance, kind="stable")  # ties: the earlier player stays
    keep = np.sort(candidates[order[:n_keep]])
    pooled = np.sort(candidates[order[n_keep:]])
    players = np.sort(np.concatenate([fixed, keep]))
    owner = np.empty(n_players, dtype=np.int64)  # column of the smaller game that holds each player
    owner[players] = np.arange(len(players))
    owner[pooled] = len(players)

    def grouped(masks: np.ndarray) -> np.ndarray:
        return value_fn(masks[:, owner])

    if len(pooled) == 0:  # nothing to pool after all (every candidate fits): the plain estimate
        total = len(single) + 2 + n_perm * (n_players - 1)
        fn2 = value_fn if progress is None else _counted(value_fn, total, progress, "coalitions", len(single))
        r = permutation_shapley(fn2, n_players, n_permutations=n_perm, seed=seed, chunk=chunk)
        return ShapleyResult(r.values, r.empty, r.full, r.method, r.n_evaluations + len(single), r.n_permutations,
                             r.errors)
    fn = grouped if progress is None else _counted(grouped, total, progress, "coalitions", start=len(single))
    r = permutation_shapley(fn, n_game, n_permutations=n_perm, seed=seed, chunk=chunk)
    return ShapleyResult(r.values, r.empty, r.full, r.method, r.n_evaluations + len(single), r.n_permutations,
                         r.errors, players=players, pooled=pooled)
