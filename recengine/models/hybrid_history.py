"""The hybrid's score of a few items for many sub-profiles of one profile: an explanation's history game, fast.

The history game of an explanation scores the items of a list for hundreds of coalitions (sub-profiles) of one
profile's liked items. Scored through :meth:`~recengine.models.Hybrid.score_with_sizes`, each coalition builds the
whole (signals x items) tensor of the catalogue, to keep ten columns of it: 20,000 items made a list take seconds.

Here the work that does not depend on the coalition is done once per profile. Each collaborative and text signal
is linear in the profile's weights before the hybrid standardises it within the profile, so it is the sum of the
rows that the liked items bring; the mean and standard deviation of that sum over the catalogue follow from each
row's mean and the rows' covariance over the catalogue (a players x players matrix), and only the explained
items' columns are ever summed. The co-occurrence signal is a logarithm of such a sum, so its coalitions are
summed on the columns where some liked item has a count (zero elsewhere, for every coalition). The scores equal
:meth:`~recengine.models.Hybrid.features` and ``_score``'s up to float rounding (they work in float32, this in
float64); ``tests/models/test_hybrid_history.py`` holds them side by side.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from recengine.models.hybrid_fit import SIGNALS, regime_of
from recengine.models.neighbors import sparse_dense
from recengine.models.profile import Profile

if TYPE_CHECKING:
    from recengine.models.hybrid import Hybrid

_S = {name: i for i, name in enumerate(SIGNALS)}
#: Coalitions summed at once on the co-occurrence columns (a block of a few MB).
CHUNK = 128


_blas = {"lock": threading.Lock(), "depth": 0, "limiter": None, "controller": None}


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread while the block runs (and while any other thread is inside such a block).

    The products here are small (players x items), and on two shared cores BLAS's second thread waits for a core
    more than it works: measured on 2 shared cores, one players x players product of a 100-item profile over 20,000
    items took 0.015 to 0.6 s on two threads and 0.007 s on one. OpenBLAS's limit is process-wide, so nested and
    concurrent blocks share one limit, set by the first to enter and lifted by the last to leave. Without
    ``threadpoolctl`` (it comes with scikit-learn, which shap needs) nothing changes.
    """
    with _blas["lock"]:
        if _blas["depth"] == 0:
            with contextlib.suppress(Exception):  # a BLAS threadpoolctl cannot steer: leave it as it is
                if _blas["controller"] is None:
                    from threadpoolctl import ThreadpoolController

                    _blas["controller"] = ThreadpoolController()
                _blas["limiter"] = _blas["controller"].limit(limits=1, user_api="blas")
        _blas["depth"] += 1
    try:
        yield
    finally:
        with _blas["lock"]:
            _blas["depth"] -= 1
            limiter: Any = _blas["limiter"]
            if _blas["depth"] == 0 and limiter is not None:
                _blas["limiter"] = None
                with contextlib.suppress(Exception):
                    limiter.restore_original_limits()


class _Linear:
    """One signal that is linear in the profile's weights, standardised within the profile over its finite items.

    ``rows`` (players x items, float32, overwritten) is what each liked item, alone at its weight, gives the signal
    (NaN where the signal is missing, the same items for every row).
    """

    def __init__(self, rows: np.ndarray, targets: np.ndarray, extra: np.ndarray | None = None) -> None:
        rows = np.asarray(rows, dtype=np.float32)
        p, n = rows.shape
        finite = np.isfinite(rows).all(axis=0) if p else np.ones(n, dtype=bool)
        self.at = rows[:, targets].astype(np.float64)
        self.at_extra = None if extra is None else rows[:, extra].astype(np.float64)
        self.count = max(int(finite.sum()), 1)
        if not finite.all():
            rows[:, ~finite] = 0.0
        self.mean = rows.sum(axis=1, dtype=np.float64) / self.count
        centred = rows.astype(np.float64)
        centred -= self.mean[:, None]
        centred[:, ~finite] = 0.0
        self.cov = centred @ centred.T / self.count  # the variance over items of a coalition m is m' cov m

    def stats(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = m @ self.mean
        var = np.maximum(((m @ self.cov) * m).sum(axis=1), 0.0)
        return mean, np.sqrt(var)

    def z(self, m: np.ndarray, at: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        return _zscore(m @ at, mean, std)


def _zscore(raw: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``standardize_rows``'s z-scores from a row's mean and standard deviation (0 for a constant row, NaN stays)."""
    ok = std > 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (raw - mean[:, None]) / np.where(ok, std, 1.0)[:, None]
    return np.where(ok[:, None], z, np.where(np.isnan(raw), np.nan, 0.0))


class _LogCounts:
    """The co-occurrence signal: log(1 + summed counts), standardised within the profile over the items not cold.

    ``rows`` (players x items, float32, overwritten) holds each liked item's counts times its weight. Summed in
    float32 as :meth:`~recengine.models.Hybrid.features` sums them, the mean and variance accumulated in float64.
    """

    def __init__(self, rows: np.ndarray, finite: np.ndarray, targets: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float32)
        self.count = max(int(finite.sum()), 1)
        self.at = rows[:, targets].copy()
        self.finite_at = finite[targets]
        rows[:, ~finite] = 0.0  # read log(1 + 0) = 0: counted out again below
        self.rows = rows
        self.outside = rows.shape[1] - self.count

    def z(self, m: np.ndarray) -> np.ndarray:
        mean = np.empty(len(m))
        var = np.empty(len(m))
        m32 = m.astype(np.float32)
        for start in range(0, len(m), CHUNK):
            part = slice(start, start + CHUNK)
            logs = np.log1p(m32[part] @ self.rows)
            mean[part] = logs.sum(axis=1, dtype=np.float64) / self.count
            logs -= mean[part, None].astype(np.float32)
            spread = np.einsum("ij,ij->i", logs, logs, dtype=np.float64) - self.outside * mean[part] ** 2
            var[part] = spread / self.count
        z = _zscore(np.log1p(m32 @ self.at).astype(np.float64), mean, np.sqrt(np.maximum(var, 0.0)))
        z[:, ~self.finite_at] = np.nan
        return z


class HistoryScorer:
    """Scores of the items ``targets`` for sub-profiles of the liked items ``liked`` (and of ``intent``).

    Calling it with ``chosen`` (coalitions x liked items, boolean), ``with_intent`` (coalitions,) and ``sizes``
    (coalitions,: how many items each coalition counts as for the ranker; None: its own) gives, as float64, what
    ``model.score_with_sizes([Profile(liked=chosen items, intent=...)], sizes)[:, targets]`` gives. Build it with
    :meth:`~recengine.models.Hybrid.history_scorer`.
    """

    def __init__(self, model: Hybrid, liked: Mapping[str, float], intent: str | None, targets: np.ndarray) -> None:
        with one_blas_thread():
            self._prepare(model, liked, intent, targets)

    def __call__(self, chosen: np.ndarray, with_intent: np.ndarray, sizes: np.ndarray | None = None) -> np.ndarray:
        with one_blas_thread():
            return self._scores(chosen, with_intent, sizes)

    def _prepare(self, model: Hybrid, liked: Mapping[str, float], intent: str | None, targets: np.ndarray) -> None:
        model._check_fitted()
        ids = list(liked)
        self.n_players = len(ids)
        self.weights = np.asarray(model.weights)
        self.targets = targets = np.asarray(targets, dtype=np.int64)
        feats = model.item_feats
        n = model.n_items
        cold = feats[2] > 0
        self.cold_at = cold[targets]
        idx = model.item_map.to_internal(ids)
        w = np.fromiter(liked.values(), dtype=np.float32, count=len(ids))
        # one row per liked item: what it brings, alone at its weight (the profile's matrix of each item alone)
        P = sp.csr_matrix((w, (np.arange(len(ids)), idx)), shape=(len(ids), n), dtype=np.float32)
        singles = [Profile(liked={k: float(v)}) for k, v in zip(ids, w)]
        ease, knn, content, cooc = model.ease, model.itemknn, model.content, model.cooc
        # each base model's rows are fresh arrays of its own (the classes below overwrite them)
        self.ease = None if ease is None else _Linear(ease._score(singles, P), targets)
        self.knn = _Linear(knn._score(singles, P), targets)
        self.cold_text = np.flatnonzero(cold & content.has_text)
        self.cold_without_text = bool((cold & ~content.has_text).any())
        self.content = _Linear(content.history_scores(P), targets, extra=self.cold_text)
        co = sparse_dense(P, cooc) if isinstance(cooc, np.ndarray) else np.asarray((P @ cooc).todense(), dtype=np.float32)
        self.cooc = _LogCounts(co, ~cold, targets)
        self.intent = np.zeros(len(targets))
        if intent:
            z = content.intent_signal([Profile(intent=intent)])[0]
            self.intent = np.nan_to_num(z[targets].astype(np.float64), nan=0.0)
        self.popularity = feats[0][targets].astype(np.float64)
        self.warm_pop = feats[0][~cold]
        self.cold_any, self.warm_any = bool(cold.any()), bool((~cold).any())
        self.fixed = {"item_age": feats[1][targets], "is_cold": feats[2][targets]}
        self.unscorable = (cold & ~content.has_text)[targets]

    def _scores(self, chosen: np.ndarray, with_intent: np.ndarray, sizes: np.ndarray | None) -> np.ndarray:
        m = np.asarray(chosen, dtype=np.float64).reshape(len(chosen), self.n_players)
        history = m.any(axis=1)
        sizes = m.sum(axis=1).astype(np.int64) if sizes is None else np.asarray(sizes, dtype=np.int64)
        W = self.weights[regime_of(sizes)].astype(np.float64)  # (coalitions, signals)
        n_c, n_t = len(m), len(self.targets)
        F = {name: np.zeros((n_c, n_t)) for name in ("ease", "itemknn", "content", "cooccurrence")}
        mh = m[history]
        if len(mh):
            for name, part in (("ease", self.ease), ("itemknn", self.knn)):
                if part is not None:
                    F[name][history] = part.z(mh, part.at, *part.stats(mh))
            mean, std = self.content.stats(mh)
            F["content"][history] = self.content.z(mh, self.content.at, mean, std)
            F["cooccurrence"][history] = self.cooc.z(mh)
            for name in F:
                np.nan_to_num(F[name], copy=False, nan=0.0)
            if self.cold_any and self.cold_at.any():
                # ``features``' stand-in for a cold item's collaborative signals: its text, from the best new item down
                best = np.zeros(n_c)
                if len(self.cold_text):
                    text = np.nan_to_num(self.content.z(mh, self.content.at_extra, mean, std), nan=0.0)
                    best[history] = text.max(axis=1)
                    if self.cold_without_text:  # a cold item without text reads 0
                        best[history] = np.maximum(best[history], 0.0)
                w = W.astype(np.float32)
                collab = w[:, [_S[n] for n in ("ease", "itemknn", "cooccurrence")]].sum(axis=1)
                lift = 1.0 + np.maximum(0.0, -w[:, _S["content"]]) / np.maximum(np.abs(collab), 1e-6)
                g = np.where(np.abs(collab) > 1e-6, np.sign(collab) * lift, 0.0).astype(np.float32).astype(np.float64)
                stand_in = g[:, None] * (F["content"][:, self.cold_at] - best[:, None])
                stand_in[~history] = 0.0
                for name in ("ease", "itemknn", "cooccurrence"):
                    F[name][:, self.cold_at] = stand_in
        score = sum(W[:, _S[name]][:, None] * F[name] for name in F)
        score = score + W[:, _S["intent"]][:, None] * (np.asarray(with_intent, dtype=bool)[:, None] * self.intent[None, :])
        pop = np.broadcast_to(self.popularity, (n_c, n_t)).copy()
        if self.cold_any and self.warm_any:
            w_pop = W[:, _S["popularity"]].astype(np.float32)
            least = np.where(w_pop < 0, self.warm_pop.max(), self.warm_pop.min()).astype(np.float32)
            pop[:, self.cold_at] = least[:, None]
        score = score + W[:, _S["popularity"]][:, None] * pop
        for name, values in self.fixed.items():
            score = score + W[:, _S[name]][:, None] * values[None, :].astype(np.float64)
        score = score + (W[:, _S["profile_size"]] * sizes.astype(np.float32))[:, None]
        score[:, self.unscorable] = np.nan
        return score
