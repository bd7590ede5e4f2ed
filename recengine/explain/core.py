"""``explain`` and ``explain_many``: both views of a suggestion from a fitted model and a profile.

Signals view: SHAP values of the hybrid's ranker inputs (``recengine.explain.signals``), background =
this profile's signals on a seeded sample of warm catalogue items, so the base value is "the score
of a typical item for this person".

History view: a cooperative game whose players are the profile's liked items (and the intent
sentence as one more player); the value of a coalition is the model's score for the item when the
profile holds only that coalition (dislikes are kept in every coalition). All coalitions go to the
model in batches through its public ``score``, and one pass serves every item of a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from recengine.columns import Columns
from recengine.display import item_name
from recengine.errors import ConfigError, ModelError
from recengine.explain.explanation import (
    INTENT_PLAYER,
    SIZE_PLAYER,
    Explanation,
    ItemExplanation,
    is_intent,
    is_item,
    is_pooled,
    is_size,
    pooled_player,
)
from recengine.explain.shapley import DEFAULT_BUDGET, MAX_EXACT_PLAYERS, shapley_values
from recengine.explain.signals import (
    ADDITIVITY_TOL,
    SignalAttribution,
    attribute_signals,
    is_collaborative,
    signal_label,
)

BACKGROUND_SIZE = 100
# Coalition profiles per model.score call: small chunks keep the (signals x profiles x items) tensor in cache.
SCORE_CHUNK = 128
#: Score the history's coalitions through the model's ``history_scorer`` where it has one (the hybrid: the explained
#: items' columns alone, the same values up to float rounding). False scores each coalition over the whole catalogue
#: through ``score``, the reference that ``tests/explain/test_fast_paths.py`` and a benchmark compare it with.
HISTORY_SCORER = True
#: Attribute names under which a hybrid may hold its fitted tree ranker (LightGBM booster or sklearn model).
_TREE_ATTRS = ("ranker_model", "tree_model", "booster", "booster_", "ranker", "ranker_", "model_", "_ranker", "_booster")


def has_signals(model: Any) -> bool:
    """Whether ``model`` exposes the hybrid's signal contract (``signal_names``, ``signals``, ``score_signals``)."""
    return all(hasattr(model, a) for a in ("signal_names", "signals", "score_signals"))


def _tree_model(model: Any) -> Any:
    for attr in _TREE_ATTRS:
        obj = getattr(model, attr, None)
        if obj is None:
            continue
        inner = getattr(obj, "booster_", None)
        if inner is not None:
            return inner
        if hasattr(obj, "predict") and (hasattr(obj, "dump_model") or hasattr(obj, "estimators_") or hasattr(obj, "tree_")):
            return obj
    return None


def _item_indices(model: Any, items: Iterable[object]) -> np.ndarray:
    if not getattr(model, "is_fitted", True) or getattr(model, "item_map", None) is None:
        from recengine.errors import NotFittedError

        raise NotFittedError("explain needs a fitted model: call model.fit(dataset) first.")
    return np.array([model.item_map.index(str(i)) for i in items], dtype=np.int64)


def _players(model: Any, profile: Any) -> tuple[list[str], dict[str, float]]:
    """The history's players: the liked items the model reads (a text model leaves out items without text, a
    collaborative one new items: their score is the same with or without them), the request, the size."""
    known = [k for k in profile.liked if k in model.item_map]
    readable = set(model._readable_history(known)) if hasattr(model, "_readable_history") else set(known)
    liked = {k: w for k, w in profile.liked.items() if k in readable}
    players = list(liked)
    if profile.intent:
        players.append(INTENT_PLAYER)
    if liked and hasattr(model, "score_with_sizes"):  # the ranker weighs a profile by its size
        players.append(SIZE_PLAYER)
    return players, liked


def _coalition_game(model: Any, profile: Any, players: list[str], liked: dict[str, float], idx: np.ndarray):
    from recengine.models import Profile

    items = [p for p in players if is_item(p)]
    intent_at = next((j for j, p in enumerate(players) if is_intent(p)), None)
    size_at = next((j for j, p in enumerate(players) if is_size(p)), None)

    scorer = None
    if HISTORY_SCORER and hasattr(model, "history_scorer"):  # the items' columns alone, not the catalogue's
        scorer = model.history_scorer({k: liked[k] for k in items}, profile.intent if intent_at is not None else None, idx)

    def scores_of(masks: np.ndarray) -> np.ndarray:
        chosen = masks[:, : len(items)]
        with_intent = masks[:, intent_at] if intent_at is not None else np.zeros(len(masks), dtype=bool)
        # with the size player, the coalition is weighed as the whole profile is; without it, by its own items
        sizes = None if size_at is None else np.where(masks[:, size_at], len(items), chosen.sum(axis=1))
        if scorer is not None:
            return scorer(chosen, with_intent, sizes)
        out = np.empty((len(masks), len(idx)))
        for start in range(0, len(masks), SCORE_CHUNK):
            part = [
                Profile(liked={items[j]: liked[items[j]] for j in np.flatnonzero(row)}, disliked=profile.disliked,
                        intent=profile.intent if on else None, name="coalition")
                for row, on in zip(chosen[start : start + SCORE_CHUNK], with_intent[start : start + SCORE_CHUNK])
            ]
            scores = model.score(part) if sizes is None else model.score_with_sizes(part, sizes[start : start + SCORE_CHUNK])
            out[start : start + SCORE_CHUNK] = np.asarray(scores, dtype=np.float64)[:, idx]
        return out

    def value(masks: np.ndarray) -> np.ndarray:
        out = scores_of(np.asarray(masks, dtype=bool))
        # A model that cannot score a profile with no items and no intent (content kNN) has no evidence
        # there: the empty coalition is worth 0, as an empty sum of similarities is.
        empty = ~masks.any(axis=1)
        out[empty] = np.where(np.isfinite(out[empty]), out[empty], 0.0)
        never = ~np.isfinite(out[~empty]).any(axis=0) if (~empty).any() else np.zeros(len(idx), dtype=bool)
        if never.any():
            item = model.item_map.to_external([idx[int(np.argmax(never))]])[0]
            if getattr(model, "text_ready", lambda: False)():  # a text model: the item has neither
                raise ModelError(
                    f"item {item!r} has no interactions and no text, so the {getattr(model, 'name', 'model')} model "
                    "cannot score it and there is nothing to explain; give it a title or description in the items file."
                )
            raise ModelError(
                f"the {getattr(model, 'name', 'model')} model cannot score item {item!r} for this profile at all (an "
                "item with no interactions, or no text for a text model), so there is nothing to explain; explain "
                "it with the content or hybrid model."
            )
        if not np.isfinite(out).all():
            raise ModelError(
                f"the {getattr(model, 'name', 'model')} model cannot score some items for parts of this profile "
                "(NaN), so their history cannot be attributed; explain them with the hybrid model."
            )
        return out

    return value


def _warm_mask(model: Any) -> np.ndarray:
    mask = getattr(model, "warm_mask", None)
    return np.ones(model.n_items, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)


def _text_part(model: Any) -> Any:
    """The part of ``model`` that reads text: the content model itself, or the hybrid's content part; else None."""
    return next((p for p in (model, getattr(model, "content", None)) if getattr(p, "has_text", None) is not None), None)


def _text_mask(model: Any) -> np.ndarray | None:
    """Which items have text, for a model that reads text (the content model, or the hybrid's content part)."""
    part = _text_part(model)
    return None if part is None else np.asarray(part.has_text, dtype=bool)


def _asked(model: Any, profile: Any, item: object) -> list[str]:
    """The category labels the profile's request names that ``item`` holds (none without a request)."""
    intent = getattr(profile, "intent", None)
    part = _text_part(model)
    if not intent or part is None:
        return []
    return part.held_labels(intent, item)


def _background(model: Any, exclude: np.ndarray, size: int, seed: int) -> np.ndarray:
    """A seeded sample of warm catalogue items (not in ``exclude``): "a typical item" for this profile."""
    pool = np.setdiff1d(np.flatnonzero(_warm_mask(model)), exclude)
    if len(pool) == 0:
        pool = np.arange(model.n_items)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(pool, size=min(size, len(pool)), replace=False))


def _signal_frame(model: Any, profile: Any, idx: np.ndarray) -> np.ndarray:
    frame = model.signals(profile, idx)
    names = list(model.signal_names)
    return np.asarray(frame[names].to_numpy() if hasattr(frame, "columns") else frame, dtype=np.float64)


def _signals_view(model: Any, profile: Any, idx: np.ndarray, liked_idx: np.ndarray, background_size: int, seed: int):
    names = list(model.signal_names)
    X = _signal_frame(model, profile, idx)
    bg_idx = _background(model, np.concatenate([liked_idx, idx]), background_size, seed)
    background = _signal_frame(model, profile, bg_idx)
    cold = ~_warm_mask(model)[idx]
    collab = np.array([is_collaborative(n) for n in names])
    fixed = np.isnan(X) | (cold[:, None] & collab[None, :])
    kind = str(getattr(model, "ranker_kind", "linear"))
    tree = _tree_model(model) if kind == "tree" else None
    result = attribute_signals(model.score_signals, X, background, kind=kind, tree_model=tree, fixed=fixed)
    return names, X, result, cold


def _score_view(model: Any, profile: Any, idx: np.ndarray, liked_idx: np.ndarray, background_size: int, seed: int):
    """For a model without signals: one 'signal', the model's own score, against the background's mean."""
    scores = np.asarray(model.score([profile])[0], dtype=np.float64)
    bg_idx = _background(model, np.concatenate([liked_idx, idx]), background_size, seed)
    bg = scores[bg_idx]
    base = float(np.nanmean(bg)) if np.isfinite(bg).any() else 0.0
    X = scores[idx][:, None]
    result = SignalAttribution(X - base, np.full(len(idx), base), scores[idx], "score minus background mean")
    cold = ~_warm_mask(model)[idx]
    return [getattr(model, "name", "score")], X, result, cold


def explain_many(
    model: Any,
    profile: Any,
    items: Sequence[object],
    *,
    background_size: int = BACKGROUND_SIZE,
    max_exact: int = MAX_EXACT_PLAYERS,
    budget: int = DEFAULT_BUDGET,
    seed: int = 0,
    reasons: bool = True,
    generator: str | None = None,
    generator_device: str = "cpu",
    progress: Any = None,
) -> list[ItemExplanation]:
    """Explain several suggestions for one profile (a whole top-k list) in one pass.

    Parameters
    ----------
    model : Recommender
        A fitted model; the signals view needs the hybrid (``signal_names``, ``signals``,
        ``score_signals``, ``ranker_kind``); any model gets the history view.
    profile : Profile
        The profile the suggestions were made for.
    items : sequence of item ids
        (one id alone is one item, never its characters)
    background_size : int
        Warm catalogue items (seeded sample) whose signals form the SHAP background.
    max_exact, budget : int
        Exact Shapley values up to ``max_exact`` history players; beyond, permutation sampling within
        ``budget`` coalitions (efficiency stays exact). A profile too long for the budget (two orders of its
        players would score more than ``budget`` coalitions) keeps its items of most weight for the suggestion
        (each item scored alone first) as players of their own, as many as
        :data:`~recengine.explain.shapley.MIN_POOLED_PERMUTATIONS` orders allow, and pools the rest into one player,
        ``"N other items"`` (:func:`~recengine.explain.explanation.is_pooled`).
    seed : int
        Seeds the background sample and the permutations.
    reasons : bool
        Also write the plain-language reason of each suggestion.
    generator : str, optional
        A local generative model folder that rephrases each template reason; a rephrasing that names
        an item the template did not (or drops one it did) is discarded for the template.
    generator_device : str
        Where the generator runs (``"cpu"``, ``"auto"``, ``"cuda"``...).
    progress : callable, optional
        ``progress(done, total, message)``, called as the history's coalitions are scored.

    Returns
    -------
    list of ItemExplanation
        In the order of ``items``.

    Raises
    ------
    UnknownIdError
        An item id is not in the model's catalogue.
    ModelError
        An explanation fails its additivity or efficiency check (it would not be faithful).

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import EASE, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> model = EASE().fit(ds)
    >>> p = Profile.from_items(["50", "172", "181"])
    >>> ex = explain_many(model, p, model.recommend(p, k=3)["item_id"])
    >>> [round(e.history.additivity_error, 6) for e in ex]
    [0.0, 0.0, 0.0]
    """
    from recengine.models.profile import Profile

    if isinstance(profile, pd.DataFrame):  # a table of recommendations in the profile's place
        raise ConfigError("explain takes a Profile second, the one the suggestions were made for, got a DataFrame: "
                          "pass a Profile (Profile.from_user(dataset, user_id), Profile.from_items([...]) or "
                          f"Profile.from_intent(text)), then the item ids, such as recs['{Columns.item}'].")
    if not isinstance(profile, Profile):
        raise ConfigError(f"explain takes a Profile, got {type(profile).__name__}; build one with "
                          "Profile.from_user(dataset, user_id), Profile.from_items([...]) or Profile.from_intent(text).")
    if isinstance(items, pd.DataFrame):  # iterated, a table gives its column names ("unknown item id 'user_id'")
        column = f"[{Columns.item!r}]" if Columns.item in items.columns else "[the item id column]"
        raise ConfigError(f"explain_many takes item ids, got a DataFrame: pass its item id column, such as "
                          f"recs{column}.")
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        items = [items]  # one id, not its characters
    items = [str(i) for i in items]
    if not items:
        return []
    idx = _item_indices(model, items)
    players, liked = _players(model, profile)
    liked_idx = model.item_map.to_internal(list(liked)) if liked else np.zeros(0, dtype=np.int64)
    if has_signals(model):
        names, X, sig, cold = _signals_view(model, profile, idx, liked_idx, background_size, seed)
    else:
        names, X, sig, cold = _score_view(model, profile, idx, liked_idx, background_size, seed)
    game = _coalition_game(model, profile, players, liked, idx)
    poolable = np.array([is_item(p) for p in players], dtype=bool)
    hist = shapley_values(game, len(players), max_exact=max_exact, budget=budget, seed=seed, poolable=poolable,
                          progress=progress)
    pooled: list[str] = []
    if hist.pooled is not None:  # a profile too long for the budget: its least relevant items are one player
        pooled = [players[j] for j in hist.pooled]
        players = [players[j] for j in hist.players] + [pooled_player(len(pooled))]
    if hist.efficiency_error > ADDITIVITY_TOL:
        raise ModelError(f"history attributions are not efficient (error {hist.efficiency_error:.2g}).")
    gap = np.abs(hist.full - sig.scores)
    if gap.max() > ADDITIVITY_TOL * max(1.0, float(np.abs(sig.scores).max())):
        raise ModelError(
            f"the model's score for the full profile ({hist.full[int(gap.argmax())]:.6g}) differs from the score of its "
            f"signals ({sig.scores[int(gap.argmax())]:.6g}); the explanation would not match what was recommended."
        )
    titles = np.asarray(model.titles, dtype=object)
    player_titles = [
        f"your request: “{profile.intent}”" if is_intent(p)
        else f"{len(liked)} item{'s' if len(liked) != 1 else ''} in profile" if is_size(p)  # short: a chart's label
        else f"{p.n_items:,} other item{'s' if p.n_items != 1 else ''} (together)" if is_pooled(p)
        else item_name(titles[model.item_map.index(p)], p)  # "item 119  +0.170", not a bare number's bar
        for p in players
    ]
    weights = np.array([float(len(liked)) if is_size(p) else 1.0 if is_intent(p)
                        else sum(liked[q] for q in pooled) if is_pooled(p) else liked[p] for p in players],
                       dtype=np.float64)
    method = hist.method if hist.method == "exact" else f"permutation ({hist.n_permutations} orders)"
    if pooled:
        method = f"permutation ({hist.n_permutations} orders; {len(pooled):,} items of least weight pooled)"
    out = []
    for r, (item, i) in enumerate(zip(items, idx)):
        title = str(titles[i])
        score = float(sig.scores[r])
        signals = Explanation(sig.values[r], float(sig.base[r]), X[r], names, "signals", item, title, score,
                              labels=[signal_label(n) for n in names], method=sig.method)
        history = Explanation(
            hist.values[r],
            float(hist.empty[r]),
            weights,
            list(players),
            "history",
            item,
            title,
            float(hist.full[r]),
            labels=player_titles,
            method=method,
            empty_profile_score=float(hist.empty[r]),
            errors=None if hist.errors is None else hist.errors[r],
        )
        out.append(ItemExplanation(item, title, score, signals, history, is_cold=bool(cold[r])))
    if reasons:
        from dataclasses import replace

        from recengine.explain.reasons import reason

        has_text = _text_mask(model)
        textless = {p for p in liked if has_text is not None and not has_text[model.item_map.index(p)]}
        out = [replace(e, reason=reason(e, profile, textless=textless, asked=_asked(model, profile, e.item_id))) for e in out]
        if generator:
            from recengine.explain.generate import generate_reason

            rephrased = [
                generate_reason(e, generator, catalogue_titles=titles, device=generator_device) for e in out
            ]
            out = [
                replace(e, reason=text, reason_source="generated" if ok else "template")
                for e, (text, ok) in zip(out, rephrased)
            ]
    return out


def explain(model: Any, profile: Any, item: object, **options: Any) -> ItemExplanation:
    """Explain one suggestion: ``.signals`` (SHAP of the ranker inputs), ``.history`` (Shapley of the profile items), ``.reason``.

    Takes the same options as :func:`explain_many`.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import EASE, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> e = explain(EASE().fit(ds), Profile.from_items(["50", "172"]), "181")
    >>> e.title, e.history.additivity_error < 1e-6
    ('Return of the Jedi', True)
    """
    if isinstance(item, (pd.DataFrame, pd.Series, pd.Index)):
        raise ConfigError(f"explain takes one item id, got a {type(item).__name__}: pass one id, such as "
                          f"recs['{Columns.item}'].iloc[0], or use explain_many(model, profile, recs['{Columns.item}']) "
                          "for the whole list.")
    if isinstance(item, (list, tuple, np.ndarray)):
        raise ConfigError("explain takes one item id; use explain_many for a list.")
    return explain_many(model, profile, [item], **options)[0]
