"""Plain-language reasons built from an explanation alone, from templates, never inventing anything.

A reason names only history players with a positive Shapley value (so only items that really are
in the profile, or the person's own request) and only signals whose SHAP value really pushed the
score. A cold item's reason says that it comes from its text alone.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from recengine.display import one_line
from recengine.explain.explanation import ItemExplanation, is_intent, is_item, is_pooled, is_size
from recengine.explain.signals import is_collaborative

#: How a signal that raised (first) or lowered (second) the score reads in a sentence.
SIGNAL_PHRASES: dict[str, tuple[str, str]] = {
    "ease": ("people with tastes like yours chose it (EASE)", "people with tastes like yours rarely chose it (EASE)"),
    "itemknn": ("it is often chosen together with your items (item-kNN)", "it is rarely chosen together with your items (item-kNN)"),
    "cooc": ("people who chose your items often chose it too (co-occurrence)", "people who chose your items rarely chose it (co-occurrence)"),
    "content": ("its description is close to your items", "its description is unlike your items"),
    "intent": ("its description matches your request", "its description is far from your request"),
    "popularity": ("it is popular", "it is less popular than most"),
    "item_age": ("its release date works in its favour", "its release date counts against it"),
    "profile_size": ("the size of your profile favours it", "the size of your profile counts against it"),
    "is_cold": ("it is new", "it is new and has no track record yet"),
}
#: A signal pushing against the way it leans: a learned weight below zero (the hybrid's popularity for profiles of
#: a few items, its co-occurrence for long ones) raises the score of items the signal rates low and lowers those it
#: rates high. The phrase then follows the item's own value (standardised), never the push alone: a blockbuster is
#: never "less popular", an item your items' users often chose is never one they "rarely chose". It says what the
#: ranker does with the signal, not what it recommends: the same list may be popular through another signal.
AGAINST_THE_GRAIN: dict[str, tuple[str, str]] = {
    "popularity": ("it is off the beaten track, which the ranker favours for a profile like yours",
                   "it is popular, which the ranker discounts for a profile like yours"),
    "cooc": ("people who chose your items seldom chose it, which the ranker favours for a profile like yours "
             "(co-occurrence)",
             "people who chose your items often chose it too, which the ranker discounts for a profile like yours "
             "(co-occurrence)"),
    "itemknn": ("it is seldom chosen together with your items, which the ranker favours for a profile like yours "
                "(item-kNN)",
                "it is often chosen together with your items, which the ranker discounts for a profile like yours "
                "(item-kNN)"),
    "ease": ("people with tastes like yours seldom chose it, which the ranker favours for a profile like yours (EASE)",
             "people with tastes like yours chose it, which the ranker discounts for a profile like yours (EASE)"),
}
#: The content model's one signal reads the whole profile, request included (the hybrid has a signal of its own for
#: the request): how it reads when the profile holds only a request, or items and a request.
CONTENT_BY_PROFILE: dict[str, tuple[str, str]] = {
    "intent": SIGNAL_PHRASES["intent"],
    "both": ("its description is close to your request and to your items",
             "its description is far from your request and your items"),
}
#: A brand-new item's popularity is no judgement of it: nobody could choose it yet.
COLD_POPULARITY = "it is new, so nobody has chosen it yet"
#: A feature is named only if it pushed at least this share of the strongest push.
MIN_SHARE = 0.3
#: A reason quotes a title cut to this many characters.
QUOTED_TITLE = 60
#: With at least FLAT_MIN_ITEMS items pushing and the strongest within FLAT_RATIO of the median push, no
#: single item stands out, and the reason says so instead of naming a few of them as if they did.
FLAT_MIN_ITEMS = 4
FLAT_RATIO = 1.25


def _phrase(name: str, positive: bool, value: float | None = None, *, profile: str = "items", cold: bool = False) -> str:
    """How a signal's push reads; ``value`` (the signal's standardised value, if known) tells a popular item
    pushed down from a little-known one. ``profile`` says what a content signal that reads the whole profile
    compared the item with (``"items"``, ``"intent"`` or ``"both"``); ``cold``: the item is brand new."""
    key = name.lower()
    if key == "content" and profile in CONTENT_BY_PROFILE:
        return CONTENT_BY_PROFILE[profile][0 if positive else 1]
    if cold and key.startswith("popularity") and not positive:
        return COLD_POPULARITY
    grain = _by_prefix(AGAINST_THE_GRAIN, key)
    if grain is not None and value is not None and np.isfinite(value) and (value > 0) != positive:
        return grain[0] if positive else grain[1]
    if (phrases := _by_prefix(SIGNAL_PHRASES, key)) is not None:
        return phrases[0] if positive else phrases[1]
    return f"its {name} signal {'raised' if positive else 'lowered'} the score"


def _by_prefix(table: dict[str, tuple[str, str]], key: str) -> tuple[str, str] | None:
    """The phrases of the first signal in ``table`` whose name starts ``key`` (``item_knn`` is ``itemknn``)."""
    return next((v for prefix, v in table.items()
                 if key.startswith(prefix) or (prefix == "itemknn" and key.startswith("item_knn"))), None)


def _value(data: Any, i: int) -> float | None:
    try:
        return float(data[i])
    except (TypeError, ValueError, IndexError):
        return None


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _is_flat(values: Any, players: list[str]) -> bool:
    pos = sorted(float(v) for v, p in zip(values, players) if float(v) > 0 and is_item(p))
    return len(pos) >= FLAT_MIN_ITEMS and pos[-1] <= FLAT_RATIO * pos[len(pos) // 2]


def _stands_out(values: Any, errors: Any, players: list[str], i: int, among: list[int]) -> bool:
    """Whether sampled item value ``i`` is told apart from noise: at least two standard errors above zero, and one
    above every item that is not in ``among`` (the ones the sentence would name). Exact values always are."""
    if errors is None:
        return True
    v, e = float(values[i]), float(errors[i])
    if not np.isfinite(e) or v - 2 * e <= 0:
        return False
    rest = [float(values[j]) + float(errors[j]) for j, p in enumerate(players) if j not in among and is_item(p)]
    return v - e > max(rest, default=-np.inf)


def _top_positive(values: Any, n: int) -> list[int]:
    pos = [(float(v), i) for i, v in enumerate(values) if float(v) > 0]
    if not pos:
        return []
    pos.sort(key=lambda t: -t[0])
    return [i for v, i in pos[:n] if v >= MIN_SHARE * pos[0][0]]


def _history_part(
    explanation: ItemExplanation, liked: set[str] | None, textless: Collection[str], max_items: int,
    chosen: Collection[str] = (),
) -> tuple[list[str], bool, bool, list[bool]]:
    """What the history view lets a reason say: the liked items to name (or "your profile as a whole" when no
    item stands out), whether the push is that flat, whether the request (intent) helped, and which of the named
    items are ``chosen`` (read from the person's record, not liked outright)."""
    hist, sig = explanation.history, explanation.signals
    sig_push = {n.lower() for v, n in zip(sig.values, sig.feature_names) if float(v) > 0}
    # a cold item is close to liked items only through its text: name them only when the text signal pushed it,
    # and never one without text (its pull then came through the rest of the ranking, not its description)
    by_text = not explanation.is_cold or (
        any(n.startswith("content") for n in sig_push)
        and any(is_item(p) and p not in textless for p in hist.feature_names)
    )
    named_items: list[str] = []
    named_chosen: list[bool] = []
    intent_helped = False
    # the profile's size is no reason to name: the items and the request are ranked without it; nor are the "N other
    # items" of a very long profile, pooled into one player (many items together are no item you liked, and their
    # joint push would set the bar that the items named one by one must reach)
    told = [0.0 if is_size(p) or is_pooled(p) else float(v) for v, p in zip(hist.values, hist.feature_names)]
    top = _top_positive(told, max_items + 1)
    item_top = [i for i in top if is_item(hist.feature_names[i])][:max_items]
    blurred = False  # sampled values (a long profile) whose top items are not told apart from the rest
    for i in top:
        player = hist.feature_names[i]
        if is_intent(player):
            intent_helped = True
        elif is_item(player) and (liked is None or player in liked) and by_text and not (explanation.is_cold and player in textless):
            if _stands_out(hist.values, hist.errors, hist.feature_names, i, item_top):
                label = str(hist.labels[i])  # an item with no title goes by its id: "item R900", not a bare code
                named_items.append(f"item {player}" if label == str(player) else one_line(label, QUOTED_TITLE))
                named_chosen.append(player in chosen)
            elif i in item_top:
                blurred = True
    named_items, named_chosen = named_items[:max_items], named_chosen[:max_items]
    n_pushing = sum(1 for v, p in zip(hist.values, hist.feature_names) if v > 0 and is_item(p))
    flat = by_text and (_is_flat(hist.values, hist.feature_names) or (blurred and not named_items and n_pushing > 1))
    if flat and blurred:
        named_items = [f"your profile as a whole ({n_pushing} of your items push it, none clearly more than the others)"]
    elif flat:
        named_items = [f"your profile as a whole ({n_pushing} of your items push it about equally)"]
    return named_items, flat, intent_helped, named_chosen


def _you_did(named: list[str], chosen: list[bool]) -> str:
    """"you liked A and B", "you chose A and B" (items read from the person's record: a one-star rating or a view
    is no like), or both ("you chose A, and liked B").

    >>> _you_did(["Alien", "Heat"], [True, True]), _you_did(["Alien"], [False])
    ('you chose Alien and Heat', 'you liked Alien')
    >>> _you_did(["Alien", "Heat", "Fargo"], [True, False, True])
    'you chose Alien and Fargo, and liked Heat'
    """
    picked = [n for n, c in zip(named, chosen) if c]
    liked = [n for n, c in zip(named, chosen) if not c]
    if picked and liked:
        return f"you chose {_join(picked)}, and liked {_join(liked)}"
    return f"you {'chose' if picked else 'liked'} {_join(named)}"


def _which_you(chosen: list[bool]) -> str:
    """How a cold item's reason refers back to the named items: "which you chose", "which you liked", or both kinds."""
    return "which you chose" if all(chosen) else "which you liked" if not any(chosen) else "which are in your profile"


def outside_list(text: str, rank: int | None, k: int = 10) -> str:
    """The reason of an item asked about by id (``recengine explain --item``) that a list of ``k`` would not show: it
    says where the item ranks, and what lifts it is no longer called why it is suggested.

    >>> outside_list("Suggested because you liked Alien.", 39)
    'Not in your top 10: it ranks 39th. What lifts it: you liked Alien.'
    >>> outside_list("Suggested because you liked Alien.", 3)
    'Suggested because you liked Alien.'
    """
    if rank is None or rank <= k:
        return text
    text = text.replace("Suggested mainly because ", "What lifts it most: ", 1).replace("Suggested because ", "What lifts it: ", 1)
    nth = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"Not in your top {k}: it ranks {rank:,}{nth}. {text}"


def reason(
    explanation: ItemExplanation, profile: Any = None, *, max_items: int = 3, max_signals: int = 2, textless: Collection[str] = (),
    asked: Collection[str] = (),
) -> str:
    """A one-or-two-sentence reason for a suggestion, from its explanation alone.

    Parameters
    ----------
    explanation : ItemExplanation
        Both views of the suggestion.
    profile : Profile, optional
        Only used to double-check that every named item is in the profile.
    max_items, max_signals : int
        How many history items and signals the sentence may name.
    textless : collection of str
        Profile items without text: a cold item's reason never calls its description close to them.
    asked : collection of str
        Category labels the request names that the item holds ("Sci-Fi"): when the request pushed the item, the
        reason says it is what was asked for, by name.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import EASE, Profile
    >>> from recengine.explain import explain
    >>> ds = recengine.load_sample("movielens-100k")
    >>> p = Profile.from_items(["50", "172"])
    >>> "Star Wars" in explain(EASE().fit(ds), p, "181").reason
    True
    """
    hist, sig = explanation.history, explanation.signals
    if profile is not None and explanation.item_id in set(profile.disliked):
        return "Never suggested: you rejected it. The contributions show how the model scores it all the same."
    if profile is not None and explanation.item_id in set(profile.liked):
        return "Not suggested: it is already in your profile. The contributions show how the model scores it all the same."
    liked = set(profile.liked) if profile is not None else None
    chosen = frozenset(getattr(profile, "chosen", None) or ()) if profile is not None else frozenset()
    named_items, flat, intent_helped, named_chosen = _history_part(explanation, liked, textless, max_items, chosen)
    signal_idx = [
        i
        for i in _top_positive(sig.values, max_signals)
        if not (explanation.is_cold and is_collaborative(sig.feature_names[i]))
    ]
    has_items = any(is_item(p) for p in hist.feature_names)
    has_intent = any(is_intent(p) for p in hist.feature_names)
    # a model whose signals hold no request signal of their own (the content model) compares the item with the
    # request too, under its one text signal
    reads = "items" if any(n.lower().startswith("intent") for n in sig.feature_names) or not has_intent else (
        "both" if has_items else "intent")

    def phrase(i: int, positive: bool) -> str:
        return _phrase(sig.feature_names[i], positive, _value(sig.data, i), profile=reads, cold=explanation.is_cold)

    signal_parts = [phrase(i, True) for i in signal_idx]
    if intent_helped:  # "it matches your request" is said already: not twice in one sentence
        signal_parts = [p for p in signal_parts if p != SIGNAL_PHRASES["intent"][0]]
    matches = f"it is {_join(list(asked))}, as your request asks" if asked else "it matches your request"
    intent = getattr(profile, "intent", None) if profile is not None else None
    if intent:
        from recengine.text.facets import positive_text

        if positive_text(intent) == "":  # "I don't want horror" asks for nothing: the rest comes by popularity
            matches = "it is popular and is none of what your request turns away"

    negatives = sorted((float(v), i) for i, v in enumerate(sig.values) if float(v) < 0
                       and not (explanation.is_cold and is_collaborative(sig.feature_names[i])))
    positive_total = sum(float(v) for v in sig.values if float(v) > 0)
    # below a typical item for this person (the signals' base): a list's tail, or an item asked about by id
    below = float(np.sum(sig.values)) < 0 and bool(negatives) and -negatives[0][0] > positive_total
    sentences = []
    if below and not explanation.is_cold:
        pro = []
        if named_items:
            pro.append(f"of {named_items[0]}" if flat else _you_did(named_items, named_chosen))
        if intent_helped:
            pro.append(matches)
        sentences.append(f"It scores below a typical item for you, mainly because {phrase(negatives[0][1], False)}.")
        if pro or signal_parts:
            sentences.append(f"In its favour: {_join([*(p.removeprefix('of ') for p in pro), *signal_parts])}.")
        text = " ".join(sentences)
        return text[0].upper() + text[1:]
    if explanation.is_cold:
        lead = "New, with no interactions yet, so it is suggested from its text alone"
        if named_items and not flat:
            lead += f": its description is close to {_join(named_items)}, {_which_you(named_chosen)}"
        elif named_items:
            lead += f": its description is close to {named_items[0]}"
        if intent_helped:
            lead += f" and {matches}" if named_items else f": {matches}"
        sentences.append(lead + ".")
    else:
        because = []
        if named_items:
            because.append(f"of {named_items[0]}" if flat else _you_did(named_items, named_chosen))
        if intent_helped:
            because.append(matches)
        if because and signal_parts:
            sentences.append(f"Suggested because {_join(because)}; what drove its score: {_join(signal_parts)}.")
        elif because:
            sentences.append(f"Suggested because {_join(because)}.")
        elif signal_parts:
            sentences.append(f"Suggested mainly because {_join(signal_parts)}.")
    if not sentences and negatives and -negatives[0][0] > 0.25 * max(positive_total, 1e-12):
        sentences.append(f"It scores a little below a typical item for you, mainly because {phrase(negatives[0][1], False)}.")
    elif not sentences:
        sentences.append("Nothing in particular pushed this item: it scores close to a typical item for you.")
    elif negatives and positive_total > 0:
        v, i = negatives[0]
        if -v >= 0.25 * positive_total:
            how = "a little" if -v < 0.5 * positive_total else "" if -v < positive_total else "strongly"
            sentences.append(f"Held back {how + ' ' if how else ''}because {phrase(i, False)}.")
    text = " ".join(sentences)
    return text[0].upper() + text[1:]
