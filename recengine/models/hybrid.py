"""Hybrid: a learned linear ranker over the signals of the other models, with weights per profile size.

Signals, per (profile, item): the EASE and ItemKNN scores, the log co-occurrence count ("people who
liked your items also liked", which keeps popularity in and is what beats plain popularity for users
with one to five items), the content-kNN score and the intent similarity, each standardised within the
profile (so scales learned on less data still apply at serving time, the
failure ``../shared/REFERENCE.md`` warns about), the item's log popularity and age (standardised over
the catalogue), the profile's size and whether the item is cold. Collaborative signals of cold items
are missing and read as 0 (the profile's average); ``is_cold`` carries the offset.

The score is ``sum_s w_s(size) * x_s``: one weight vector per profile-size regime (intent only, 1
item, 2-3, 4-9, 10+), so the model learns when to trust which signal: co-occurrence and popularity
for a one-item visitor, EASE for a regular. The weights are learned by coordinate ascent on NDCG@10
(a listwise learning-to-rank method, Metzler & Croft 2007) over validation splits carved out of the
training data that simulate warm users, few-shot users (1/3/5 items) and cold items
(:mod:`recengine.models.hybrid_fit`). Within
one profile the score is exactly linear in the signals, so SHAP's LinearExplainer with
:meth:`Hybrid.coefficients` (or any explainer on :meth:`Hybrid.score_signals`) explains the very
score that :meth:`recommend` reports.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydantic
import scipy.sparse as sp

from recengine.data import Dataset
from recengine.models.base import ModelConfig, Recommender, pack_sparse, unpack_sparse
from recengine.models.content import (
    ContentKNN,
    as_encoder,
    encoder_name,
    fitted_vectors,
    shared_encoder,
    standardize_rows,
)
from recengine.models.ease import EASE
from recengine.models.hybrid_fit import (
    LEARNED,
    REGIME_NAMES,
    SIGNALS,
    cooccurrence,
    default_weights,
    item_features,
    learn_weights,
    regime_of,
)
from recengine.models.hybrid_history import HistoryScorer
from recengine.models.itemknn import ItemKNN
from recengine.models.neighbors import sparse_dense
from recengine.models.profile import Profile

_SIGNAL = {name: i for i, name in enumerate(SIGNALS)}


# Content weight given to a profile-size regime whose learned content weight is 0: below the smallest step of
# the weight grid (0.05), so it reorders only near-ties among known items, but it ranks items that nothing
# else tells apart (brand-new items, whose collaborative signals all read 0) by their text, not by catalogue order.
TEXT_TIEBREAK = 0.01


def text_tiebreak(weights: np.ndarray) -> np.ndarray:
    """``weights`` with :data:`TEXT_TIEBREAK` as the content weight of every regime with liked items where it is 0
    or less (learned weights are never negative there; given or loaded ones may be).

    >>> W = np.zeros((5, len(SIGNALS)), dtype=np.float32)
    >>> text_tiebreak(W)[:, _SIGNAL["content"]].tolist()
    [0.0, 0.009999999776482582, 0.009999999776482582, 0.009999999776482582, 0.009999999776482582]
    """
    W = np.array(weights, dtype=np.float32, copy=True)
    col = _SIGNAL["content"]
    W[1:, col] = np.where(W[1:, col] <= 0, TEXT_TIEBREAK, W[1:, col])
    return W


class HybridConfig(ModelConfig):
    """Settings of the base models it combines and of the learning (:class:`Hybrid`).

    Why some defaults are what they are: ``intent_weight`` is set, not learned, because intent is not in the
    validation data. ``intent_popularity`` is 0.3 because, with a short item text such as "Title (year). Genres:
    ...", a sentence often matches a rare title word ("slow-burning" -> "Paris Is Burning"); a mild popularity
    prior keeps such lone lexical matches from topping the list (judged on six sample intents). Sharing a split
    above ``shared_split_items`` fits the base models twice in all instead of four times (EASE is cubic in the
    number of items). ``cold_offset`` is off because a random hold-out overstates how often new items are wanted.
    """

    ease_lam: float = pydantic.Field(300.0, gt=0, allow_inf_nan=False, description="EASE's L2 regularisation.")
    knn_k: int = pydantic.Field(200, ge=1, description="Neighbours kept per item by ItemKNN.")
    content_k: int = pydantic.Field(50, ge=1, description="Text neighbours kept per item by the content model.")
    intent_weight: float = pydantic.Field(1.0, description="Weight of a typed request, relative to the strongest "
                                          "learned signal (set, not learned).")
    intent_popularity: float = pydantic.Field(0.3, description="Popularity's weight for a profile of a request only.")
    passes: int = pydantic.Field(2, description="Coordinate-ascent sweeps when learning the weights.")
    folds: int = pydantic.Field(2, description="Few-shot validation folds the weights are learned on.")
    shared_split_items: int = pydantic.Field(5000, description="Above this many items, warm users and one few-shot "
                                             "fold share one validation split (fewer EASE fits).")
    cold_offset: bool = pydantic.Field(False, description="Also learn how far to lift or drop items with no "
                                       "interactions.")
    seed: int = pydantic.Field(42, description="Seed of the validation splits.")
    learn: bool = pydantic.Field(True, description="Learn the weights on validation splits; False keeps the prior "
                                 "weights (faster).")
    encoder: str = pydantic.Field("default", description="Text encoder: \"default\" (the bundled MiniLM), a Hugging "
                                  "Face name or a local path.")
    device: str = pydantic.Field("auto", description="Where EASE and the encoder run: auto, cpu, cuda or mps.")


class Hybrid(Recommender):
    """Learned combination of EASE, ItemKNN, content kNN, intent, popularity and item age.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import Hybrid, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> model = Hybrid().fit(ds)
    >>> recs = model.recommend(Profile.from_items(["50"]).with_intent("romance"), k=5)
    >>> recs.columns[5], list(recs.columns[6:]) == model.signal_names  # "asked": the request names a genre
    ('asked', True)
    >>> X = model.signals(Profile.from_items(["50"]), [0, 1, 2]).to_numpy()
    >>> model.score_signals(X).shape
    (3,)
    """

    name = "hybrid"
    config_class = HybridConfig
    reads_text = True

    def text_ready(self) -> bool:
        content = getattr(self, "content", None)
        return content is not None and content.text_ready()

    def intent_note(self, intent: str) -> str | None:
        return self.content.intent_note(intent)

    def intent_labels(self, intent: str) -> list[str]:
        return self.content.intent_labels(intent)

    def request_tiers(self, profiles: list[Profile]) -> np.ndarray | None:
        return self.content.request_tiers(profiles)

    def intent_avoided(self, intent: str) -> list[str]:
        return self.content.intent_avoided(intent)

    def intent_summary(self, intent: str) -> str | None:
        return self.content.intent_summary(intent)

    ranker_kind = "linear"
    signal_names: list[str] = list(SIGNALS)

    def _bases(self) -> tuple[EASE, ItemKNN, ContentKNN]:
        c = self.config
        return (
            EASE(lam=c.ease_lam, device=c.device),
            ItemKNN(k=c.knn_k),
            ContentKNN(k=c.content_k, intent_weight=c.intent_weight, encoder=c.encoder, device=c.device),
        )

    def fit_bases(self, dataset: Dataset, embeddings: Any, encoder: Any) -> tuple[EASE | None, ItemKNN, ContentKNN, Any]:
        """The base models fitted on ``dataset``, and its co-occurrence counts.

        EASE is left out (its signal reads 0) when ``ease_left_out`` says why: :meth:`_fit` decides that once, before
        the validation folds, so every fold agrees with the final fit.
        """
        ease, knn, content = self._bases()
        fitted_ease = ease.fit(dataset, embeddings, encoder) if self.ease_left_out is None else None
        return fitted_ease, knn.fit(dataset, embeddings, encoder), content.fit(dataset, embeddings, encoder), cooccurrence(dataset)

    def _fit(self, dataset: Dataset, embeddings: Any = None, encoder: Any = None) -> None:
        encoder = as_encoder(encoder) if encoder is not None else None  # "default" names one as well
        self.ease_left_out = self._bases()[0].fit_problem(dataset.n_items)  # too large, or no memory for it
        if embeddings is None:
            from recengine.text import embed_items

            encoder = encoder or shared_encoder(self.config.encoder, self.config.device)
            embeddings = embed_items(dataset, encoder)
        else:  # before the validation folds: a mismatch is said at once, not after a fold's EASE
            fitted_vectors(embeddings, encoder, dataset)
        if encoder is not None:  # said in the saved settings: a loaded hybrid embeds requests with it
            self.config = self.config.model_copy(update={"encoder": encoder_name(encoder)})
        prior = default_weights(self.config.intent_weight, self.config.intent_popularity)
        self.fit_steps = 0  # set by learn_weights: its stages, the last of them the fit below
        if self.config.learn:
            weights, self.validation = learn_weights(self, dataset, embeddings, encoder, prior)
        else:
            weights, self.validation = prior, {"note": "prior weights (learn=False)"}
        self.weights = text_tiebreak(weights)
        self.ease, self.itemknn, self.content, self.cooc = self.fit_bases(dataset, embeddings, encoder)
        if self.fit_steps:  # each stage was reported as it began: say that the last one ended
            self.report(self.fit_steps, self.fit_steps, "fitted")
        if self.ease_left_out:
            self.validation = {**self.validation, "ease": f"left out: {self.ease_left_out}"}
            warnings.warn(f"hybrid: the EASE signal is left out (it reads 0). {self.ease_left_out}", UserWarning, stacklevel=3)
        self.item_feats = item_features(dataset)
        self._cache: tuple[tuple[int, ...], np.ndarray] | None = None

    # ---- features -----------------------------------------------------------------------------
    def features(self, profiles: list[Profile], X: sp.csr_matrix, bases: tuple | None = None, item_feats: np.ndarray | None = None,
                 sizes: np.ndarray | None = None) -> np.ndarray:
        """Signal tensor (n_signals, n_profiles, n_items), float32, no NaN (missing reads as 0). ``sizes``: how many
        liked items each profile counts as for the profile-size signal and regime (default: its own)."""
        ease, knn, content, cooc = bases or (self.ease, self.itemknn, self.content, self.cooc)
        feats = self.item_feats if item_feats is None else item_feats
        sizes = np.diff(X.indptr) if sizes is None else np.asarray(sizes)
        n, m = X.shape
        F = np.zeros((len(SIGNALS), n, m), dtype=np.float32)
        has_history = np.diff(X.indptr) > 0
        if has_history.any():
            rows = np.flatnonzero(has_history)
            Xh = X[rows]
            if ease is not None:
                F[_SIGNAL["ease"], rows] = standardize_rows(ease._score([profiles[r] for r in rows], Xh))
            F[_SIGNAL["itemknn"], rows] = standardize_rows(knn._score([profiles[r] for r in rows], Xh))
            F[_SIGNAL["content"], rows] = standardize_rows(content.history_scores(Xh))
            co = np.log1p(sparse_dense(Xh, cooc) if isinstance(cooc, np.ndarray) else np.asarray((Xh @ cooc).todense(), dtype=np.float32))
            co[:, feats[2] > 0] = np.nan
            F[_SIGNAL["cooccurrence"], rows] = standardize_rows(co)
        if any(p.intent for p in profiles):
            F[_SIGNAL["intent"]] = content.intent_signal(profiles)
        F[_SIGNAL["popularity"]] = feats[0][None, :]
        cold = feats[2] > 0
        weights = getattr(self, "weights", None)
        if weights is not None and cold.any() and (~cold).any():
            # A cold item has no popularity to speak of, and the weights were learned without cold items: give it
            # the least that popularity gives any known item, whatever the weight's sign. (Its raw value, the
            # lowest of all, would top every list under a learned negative popularity weight.)
            w_pop = weights[regime_of(sizes), _SIGNAL["popularity"]]
            warm_pop = feats[0][~cold]
            least = np.where(w_pop < 0, warm_pop.max(), warm_pop.min()).astype(np.float32)
            F[_SIGNAL["popularity"]][:, cold] = least[:, None]
        if weights is not None and cold.any() and has_history.any():
            # A cold item's collaborative signals are missing (read as average). Among cold items, its text stands in
            # for them at the weight they earned, so new items are ordered by their text, not by whatever small signal
            # (their age) happens to vary among them when the learned text weight is small; measured from the best
            # new item down, so that none rises above where the average put it among known items.
            text = np.nan_to_num(F[_SIGNAL["content"]][:, cold], nan=0.0)
            text = text - text.max(axis=1, keepdims=True)  # the best stays where the average put it; none rises
            # the stand-in's sign and size follow the weights it meets, so that the closer text always ranks higher:
            # learned collaborative weights summing below 0 (or a negative text weight) put new items in reverse
            w = weights[regime_of(sizes)]
            collab = w[:, [_SIGNAL[n] for n in ("ease", "itemknn", "cooccurrence")]].sum(axis=1)
            lift = 1.0 + np.maximum(0.0, -w[:, _SIGNAL["content"]]) / np.maximum(np.abs(collab), 1e-6)
            g = np.where(np.abs(collab) > 1e-6, np.sign(collab) * lift, 0.0).astype(np.float32)
            for name in ("ease", "itemknn", "cooccurrence"):
                F[_SIGNAL[name]][:, cold] = g[:, None] * text
        F[_SIGNAL["item_age"]] = feats[1][None, :]
        F[_SIGNAL["is_cold"]] = feats[2][None, :]
        F[_SIGNAL["profile_size"]] = sizes.astype(np.float32)[:, None]
        np.nan_to_num(F, copy=False, nan=0.0)
        return F

    def coefficients(self, profile_size: int) -> np.ndarray:
        """The linear weights (one per signal) used for profiles with ``profile_size`` known liked items.

        With these, ``score_signals(X) == X @ coefficients(size)`` for a profile's rows (intercept 0).
        """
        return self.weights[regime_of(int(profile_size))].copy()

    @property
    def weight_table(self) -> pd.DataFrame:
        """The learned weights, one row per profile-size regime, one column per signal."""
        return pd.DataFrame(self.weights, index=list(REGIME_NAMES), columns=self.signal_names)

    def score_signals(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        """The ranker's output on a signal matrix (rows of :meth:`signals`): the score ``recommend`` reports.

        Examples
        --------
        >>> import numpy as np
        >>> h = Hybrid(learn=False)
        >>> h.weights = np.ones((5, len(h.signal_names)), dtype=np.float32)
        >>> x = np.zeros(len(h.signal_names))
        >>> x[0] = 2.0
        >>> float(h.score_signals(x)[0])
        2.0
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        regimes = regime_of(X[:, _SIGNAL["profile_size"]])
        return (X * self.weights[regimes]).sum(axis=1)

    def signals(self, profile: Profile, item_idx: Any) -> pd.DataFrame:
        """One row per item (internal indices or external ids), one column per signal, indexed by item id."""
        self._check_fitted()
        idx = np.asarray(item_idx)
        if idx.dtype.kind in "OUS":
            idx = np.array([self.item_map.index(i) for i in idx], dtype=np.int64)
        X = self.profile_matrix([profile])
        F = self.features([profile], X)
        return pd.DataFrame(F[:, 0, idx].T.astype(np.float64), columns=self.signal_names, index=pd.Index(self.item_map.to_external(idx), name="item_id"))

    def score_with_sizes(self, profiles: Sequence[Profile], sizes: Sequence[int]) -> np.ndarray:
        """:meth:`score`, with each profile counted as holding ``sizes[i]`` liked items where the ranker looks at a
        profile's size (its weights and its profile-size signal) and as its own items everywhere else.

        An explanation's history game uses it to make the profile's size a player of its own: without one, taking
        an item out of a profile of four also switched the weights to those of a profile of three, and the items
        were credited with that switch unevenly.

        Examples
        --------
        >>> import recengine
        >>> ds = recengine.load_sample("movielens-100k")
        >>> h = Hybrid(learn=False).fit(ds)
        >>> p = [Profile.from_items(["50"])]
        >>> bool((h.score_with_sizes(p, [1]) == h.score(p)).all()), bool((h.score_with_sizes(p, [4]) != h.score(p)).any())
        (True, True)
        """
        out = self._checked_score(list(profiles), np.asarray(sizes))
        self._cache = None  # signals at other sizes: never the columns of a later recommend
        return out

    def history_scorer(self, liked: Mapping[str, float], intent: str | None, items: Any) -> HistoryScorer:
        """The scores of ``items`` (internal indices) for sub-profiles of ``liked`` (item id -> weight, items of the
        catalogue) and ``intent``, the game an explanation's history view plays, without scoring the catalogue.

        ``scorer(chosen, with_intent, sizes)`` equals ``score_with_sizes`` (``score`` without sizes) of the profiles
        that hold the ``chosen`` liked items (a boolean coalitions x liked matrix) and the request where
        ``with_intent``, in the columns ``items``, up to float rounding (:mod:`recengine.models.hybrid_history`).

        Examples
        --------
        >>> import recengine
        >>> ds = recengine.load_sample("movielens-100k")
        >>> h = Hybrid(learn=False).fit(ds)
        >>> scorer = h.history_scorer({"50": 1.0, "181": 1.0}, None, [0, 1])
        >>> full = h.score_with_sizes([Profile.from_items(["50"])], [2])[:, [0, 1]]
        >>> bool(np.allclose(scorer(np.array([[True, False]]), np.array([False]), np.array([2])), full, atol=1e-5))
        True
        """
        return HistoryScorer(self, liked, intent, np.asarray(items, dtype=np.int64))

    # ---- hooks --------------------------------------------------------------------------------
    def _score(self, profiles: list[Profile], X: sp.csr_matrix, sizes: np.ndarray | None = None) -> np.ndarray:
        sizes = np.diff(X.indptr) if sizes is None else sizes
        F = self.features(profiles, X, sizes=sizes)
        regimes = regime_of(sizes)
        W = self.weights[regimes]  # (n, n_signals)
        out = np.einsum("snm,ns->nm", F, W, optimize=True).astype(np.float32)
        unscorable = (self.item_feats[2] > 0) & ~self.content.has_text
        out[:, unscorable] = np.nan
        self._cache = (tuple(id(p) for p in profiles), F)
        return out

    def _extra_columns(self, profiles: list[Profile], rows: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        # Taken in one step: the app shares one fitted model between sessions' threads, and another thread may
        # score (or take the cache) between a check and a read. Keys are ids of profiles alive in this call.
        cache, self._cache = self._cache, None
        if cache is not None and cache[0] == tuple(id(p) for p in profiles):
            F = cache[1]
        else:
            F = self.features(profiles, self.profile_matrix(profiles))
        return {name: F[s, rows, items].astype(np.float64) for s, name in enumerate(SIGNALS)}

    # ---- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        path = super().save(path)
        for sub, model in (("ease", self.ease), ("itemknn", self.itemknn), ("content", self.content)):
            if model is not None:
                model.save(path / sub)
        return path

    def _state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "item_feats": self.item_feats, **pack_sparse("cooc", sp.csr_matrix(self.cooc))}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Path) -> None:
        self.weights, self.item_feats = arrays["weights"], arrays["item_feats"]
        cooc = unpack_sparse("cooc", arrays)
        self.cooc = cooc.toarray() if cooc.shape[0] <= 10_000 else cooc
        self.ease = EASE.load(path / "ease") if (path / "ease").exists() else None
        self.itemknn = ItemKNN.load(path / "itemknn")
        self.content = ContentKNN.load(path / "content")
        self.validation = {"note": "loaded from disk"}
        self._cache = None


__all__ = ["LEARNED", "SIGNALS", "Hybrid", "HybridConfig"]
