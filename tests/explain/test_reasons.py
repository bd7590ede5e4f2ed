"""Template reasons name only what the explanation supports."""

from __future__ import annotations

import pickle

import numpy as np

from recengine.explain import INTENT_PLAYER, Explanation, ItemExplanation, is_intent, is_item, reason
from recengine.models import Profile

SIGNALS = ["ease", "itemknn", "content", "intent", "popularity"]
TITLES = {"1": "Toy Story", "2": "GoldenEye", "3": "Four Rooms", "4": "Get Shorty", "5": "Copycat"}


def make(history: list[float], signals: list[float], cold: bool = False, intent: float | None = None) -> ItemExplanation:
    ids = list(TITLES)[: len(history)]
    labels = [TITLES[i] for i in ids]
    if intent is not None:
        ids, labels, history = ids + [INTENT_PLAYER], labels + ["your request"], history + [intent]
    score = 1.0
    # each signal's value on the side of its push, as under the positive weights these cases are about
    data = np.where(np.array(signals) < 0, -1.0, 1.0)
    sig = Explanation(np.array(signals), score - sum(signals), data, SIGNALS, "signals", "9", "Heat", score)
    hist = Explanation(np.array(history), score - sum(history), np.ones(len(history)), ids, "history", "9", "Heat", score,
                       labels=labels)
    return ItemExplanation("9", "Heat", score, sig, hist, is_cold=cold)


def test_names_the_items_and_signals_that_pushed_and_not_the_ones_that_held_back():
    e = make([0.6, -0.3, 0.05], [0.5, -0.4, 0.1, 0.0, 0.0])
    text = reason(e, Profile.from_items(["1", "2", "3"]))
    assert "Toy Story" in text
    assert "GoldenEye" not in text  # pushed the score down
    assert "Four Rooms" not in text  # too small to matter
    assert "(EASE)" in text
    assert "rarely chosen together" in text  # the big negative signal is said as one


def test_a_flat_history_names_no_single_item():
    e = make([0.21, 0.2, 0.19, 0.2, 0.2], [0.5, 0.1, 0.1, 0.0, 0.0])
    text = reason(e, Profile.from_items(list(TITLES)))
    assert "as a whole" in text and "5 of your items" in text
    assert not any(t in text for t in TITLES.values())


def test_a_cold_item_comes_from_text_alone_and_never_cites_collaborative_signals():
    e = make([0.4, 0.1], [0.3, 0.2, 0.6, 0.0, -0.1], cold=True)
    text = reason(e, Profile.from_items(["1", "2"]))
    assert "text alone" in text
    assert "EASE" not in text and "item-kNN" not in text
    assert "Toy Story" in text


def test_an_item_missing_from_the_given_profile_is_never_named():
    e = make([0.6, 0.5], [0.5, 0.0, 0.0, 0.0, 0.0])
    text = reason(e, Profile.from_items(["2"]))
    assert "Toy Story" not in text and "GoldenEye" in text


def test_intent_credit_is_said_as_the_request():
    e = make([0.05], [0.0, 0.0, 0.0, 0.9, 0.0], intent=0.8)
    text = reason(e)
    assert "matches your request" in text
    assert "Toy Story" not in text
    assert text.count("request") == 1, text  # the request's credit and its signal are one thing, said once


def test_the_labels_the_request_asked_for_are_named_only_when_the_request_pushed():
    pushed = make([0.05], [0.0, 0.0, 0.0, 0.9, 0.0], intent=0.8)
    text = reason(pushed, asked=["War", "Drama"])
    assert "it is War and Drama, as your request asks" in text and text.count("request") == 1, text
    cold = make([0.4], [0.0, 0.0, 0.0, 0.6, 0.0], cold=True, intent=0.5)
    assert "text alone: it is Sci-Fi, as your request asks" in reason(cold, asked=["Sci-Fi"])
    held_back = make([0.6], [0.9, 0.0, 0.0, -0.2, 0.0], intent=-0.3)  # the request pulled it down: no claim
    assert "Sci-Fi" not in reason(held_back, Profile.from_items(["1"]), asked=["Sci-Fi"])


def test_a_real_request_names_its_genre_in_the_reason(sample):
    from recengine.explain import explain
    from recengine.models import ContentKNN

    model = ContentKNN().fit(sample)
    profile = Profile.from_intent("a slow-burning sci-fi film")
    top = model.recommend(profile, k=1)["item_id"].iloc[0]
    assert "it is Sci-Fi, as your request asks" in explain(model, profile, top).reason
    assert "as your request asks" not in explain(model, Profile.from_intent("something burning"), top).reason


def test_a_cold_item_is_close_to_liked_items_only_through_its_text():
    pushed_by_intent = make([0.4, 0.3], [0.3, 0.0, 0.0, 0.6, 0.0], cold=True, intent=0.5)
    text = reason(pushed_by_intent, Profile.from_items(["1", "2"]))
    assert "matches your request" in text and "Toy Story" not in text and "close to" not in text
    by_text = make([0.4, 0.3], [0.0, 0.0, 0.6, 0.0, 0.0], cold=True)
    text = reason(by_text, Profile.from_items(["1", "2"]), textless={"1"})
    assert "close to GoldenEye" in text and "Toy Story" not in text  # Toy Story has no text to be close to
    assert "close to" not in reason(by_text, Profile.from_items(["1", "2"]), textless={"1", "2"})


def test_an_item_already_liked_or_rejected_is_not_called_suggested():
    e = make([0.6, 0.1], [0.5, 0.0, 0.0, 0.0, 0.0])  # the item is "9"
    assert reason(e, Profile.from_items(["1", "9"])).startswith("Not suggested: it is already in your profile")
    assert reason(e, Profile.from_items(["1"]).dislike("9")).startswith("Never suggested: you rejected it")
    assert reason(e, Profile.from_items(["1"])).startswith("Suggested because")


def test_a_long_title_is_quoted_short_and_on_one_line():
    e = make([0.6], [0.5, 0.0, 0.0, 0.0, 0.0])
    long = "The Very Long\nTitle " + "of a film " * 30
    e.history.labels[0] = long
    text = reason(e, Profile.from_items(["1"]))
    assert "The Very Long Title of a film" in text and "…" in text and "\n" not in text and len(text) < 200


def test_an_item_whose_id_is_intent_is_named_as_an_item_not_as_the_request():
    score = 1.0
    sig = Explanation(np.array([0.9, 0.0, 0.0, 0.0, 0.0]), 0.1, np.ones(5), SIGNALS, "signals", "9", "Heat", score)
    hist = Explanation(np.array([0.8]), 0.2, np.ones(1), ["intent"], "history", "9", "Heat", score, labels=["Intent (2004)"])
    text = reason(ItemExplanation("9", "Heat", score, sig, hist), Profile.from_items(["intent"]))
    assert "Intent (2004)" in text and "request" not in text


def test_the_request_player_stays_the_request_through_a_pickle():
    """Streamlit's data cache pickles explanations: the request must not turn into an item called "intent"."""
    back = pickle.loads(pickle.dumps([INTENT_PLAYER, "intent"]))
    assert [is_intent(p) for p in back] == [True, False] and [is_item(p) for p in back] == [False, True]


def test_popularity_is_worded_by_the_items_popularity_not_by_its_push_alone():
    """Under a negative learned weight a blockbuster is pushed down: it was called 'less popular than most'."""
    def with_popularity(value: float, push: float) -> ItemExplanation:
        score = 1.0
        values = np.array([0.8, 0.0, 0.0, 0.0, push])
        data = np.array([1.0, 0.0, 0.0, 0.0, value])
        sig = Explanation(values, score - values.sum(), data, SIGNALS, "signals", "9", "Heat", score)
        hist = Explanation(np.array([0.5]), 0.5, np.ones(1), ["1"], "history", "9", "Heat", score, labels=["Toy Story"])
        return ItemExplanation("9", "Heat", score, sig, hist)

    blockbuster = reason(with_popularity(2.1, -0.5))
    assert "less popular" not in blockbuster and "it is popular, which the ranker discounts" in blockbuster
    assert "less popular than most" in reason(with_popularity(-1.5, -0.5))  # a little-known item pushed down
    niche = reason(with_popularity(-1.5, 0.7))
    assert "off the beaten track" in niche and "it is popular" not in niche
    assert "it is popular" in reason(with_popularity(2.1, 0.7))


def sampled(history: list[float], errors: list[float]) -> ItemExplanation:
    e = make(history, [0.5, 0.1, 0.1, 0.0, 0.0])
    hist = Explanation(e.history.values, e.history.base_value, e.history.data, e.history.feature_names, "history", "9",
                       "Heat", e.score, labels=e.history.labels, errors=np.array(errors))
    return ItemExplanation("9", "Heat", e.score, e.signals, hist)


def test_sampled_values_name_only_items_told_apart_from_the_rest():
    profile = Profile.from_items(list(TITLES))
    clear = reason(sampled([0.9, 0.3, 0.2, 0.1, 0.1], [0.05] * 5), profile)
    assert "Toy Story" in clear and "Four Rooms" not in clear
    blurred = reason(sampled([0.5, 0.45, 0.4, 0.35, 0.3], [0.3] * 5), profile)
    assert "as a whole" in blurred and "none clearly more" in blurred
    assert not any(t in blurred for t in TITLES.values())


def test_an_item_the_signals_push_below_a_typical_item_is_not_called_suggested():
    e = make([0.1], [0.05, -2.4, 0.0, 0.0, 0.0])
    text = reason(e, Profile.from_items(["1"]))
    assert text.startswith("It scores below a typical item for you, mainly because it is rarely chosen together")
    assert "Suggested" not in text and "a little" not in text
    lowered = reason(make([0.1], [-0.3, 0.0, 0.0, 0.0, 0.0]), Profile.from_items(["1"]))
    assert "Nothing in particular" not in lowered and "below a typical item" in lowered


def test_a_known_users_record_is_what_they_chose_not_what_they_liked():
    """A rating of one star, a view or a shelving is an interaction the model counts all the same: a known user's
    items are "chosen"; only an item liked outright (a thumbs-up on a suggestion) is "liked"."""
    e = make([0.6, 0.5], [0.5, 0.0, 0.0, 0.0, 0.0])
    record = Profile(liked={"1": 1.0, "2": 1.0}, user_id="u7", chosen={"1", "2"})
    text = reason(e, record)
    assert "you chose Toy Story and GoldenEye" in text and "liked" not in text.replace("(EASE)", ""), text
    mixed = reason(e, record.like("2"))  # a thumbs-up on an item of the record: liked outright now
    assert "you chose Toy Story, and liked GoldenEye" in mixed, mixed
    cold = reason(make([0.4, 0.1], [0.0, 0.0, 0.6, 0.0, 0.0], cold=True), record)
    assert "which you chose" in cold and "you liked" not in cold, cold
    assert "you liked Toy Story" in reason(e, Profile.from_items(["1", "2"]))  # a visitor's picks are likes


def test_held_back_says_how_much():
    profile = Profile.from_items(["1"])
    assert "Held back a little because" in reason(make([0.5], [1.0, -0.3, 0.0, 0.0, 0.0]), profile)
    assert "Held back because" in reason(make([0.5], [1.0, -0.7, 0.0, 0.0, 0.0]), profile)


def test_the_content_models_one_signal_is_worded_by_what_the_profile_holds():
    def content_only(history, ids, labels):
        sig = Explanation(np.array([0.8]), 0.2, np.ones(1), ["content"], "signals", "9", "Heat", 1.0)
        hist = Explanation(np.array(history), 1.0 - sum(history), np.ones(len(history)), ids, "history", "9", "Heat",
                           1.0, labels=labels)
        return ItemExplanation("9", "Heat", 1.0, sig, hist)

    only_request = reason(content_only([0.05], [INTENT_PLAYER], ["your request"]), Profile.from_intent("a heist"))
    assert "your items" not in only_request and "request" in only_request
    both = reason(content_only([0.02, 0.01], ["1", INTENT_PLAYER], ["Toy Story", "your request"]),
                  Profile.from_items(["1"]).with_intent("a heist"))
    assert "close to your request and to your items" in both


def test_a_new_items_missing_popularity_is_not_called_less_popular():
    e = make([0.6], [0.0, 0.0, 0.9, 0.0, -0.5], cold=True)
    text = reason(e, Profile.from_items(["1"]))
    assert "nobody has chosen it yet" in text and "less popular" not in text


def test_a_request_that_only_turns_things_away_is_not_said_to_be_matched():
    e = make([], [0.0, 0.0, 0.0, 0.9, 0.0], intent=0.8)
    assert "it matches your request" in reason(e, Profile.from_intent("a heist film"))
    text = reason(e, Profile.from_intent("I don't want horror"))
    assert "matches your request" not in text and "none of what your request turns away" in text


def test_an_item_with_no_title_is_named_as_an_item_not_a_bare_code():
    sig = Explanation(np.array([0.5, 0.0, 0.0, 0.0, 0.0]), 0.5, np.ones(5), SIGNALS, "signals", "9", "Heat", 1.0)
    hist = Explanation(np.array([0.6]), 0.4, np.ones(1), ["R900"], "history", "9", "Heat", 1.0, labels=["R900"])
    text = reason(ItemExplanation("9", "Heat", 1.0, sig, hist), Profile.from_items(["R900"]))
    assert "you liked item R900" in text


def test_a_signal_under_a_negative_weight_is_worded_by_the_items_value():
    """Co-occurrence 1.5 (your items' users often chose it) under the long profiles' -0.3 weight read "people who
    chose your items rarely chose it": the push's sign, not the item's."""
    names = ["ease", "itemknn", "cooccurrence", "popularity"]

    def pushed(name: str, value: float, push: float) -> str:
        values = np.array([0.9, 0.0, 0.0, 0.0])
        data = np.array([1.0, 0.0, 0.0, 0.0])
        values[names.index(name)], data[names.index(name)] = push, value
        sig = Explanation(values, 1.0 - values.sum(), data, names, "signals", "9", "Die Hard", 1.0)
        hist = Explanation(np.array([0.5]), 0.5, np.ones(1), ["1"], "history", "9", "Die Hard", 1.0, labels=["Heat"])
        return reason(ItemExplanation("9", "Die Hard", 1.0, sig, hist))

    down = pushed("cooccurrence", 1.5, -0.6)
    assert "rarely chose" not in down and "often chose it too, which the ranker discounts" in down
    assert "rarely chose it (co-occurrence)" in pushed("cooccurrence", -1.2, -0.6)  # both agree: plain words
    assert "seldom chosen together with your items, which the ranker favours" in pushed("itemknn", -1.0, 0.6)
