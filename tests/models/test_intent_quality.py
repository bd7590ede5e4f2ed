"""Intent-only visitors on the real sample get lists that match what they typed."""

from __future__ import annotations

import pytest

from recengine.models import Hybrid, Profile


@pytest.fixture(scope="module")
def hybrid(sample, sample_embeddings, encoder):
    return Hybrid().fit(sample, sample_embeddings, encoder)


@pytest.mark.parametrize(
    ("intent", "genres", "at_least"),
    [
        ("animated musical for the whole family", ("Animation", "Children's", "Musical"), 8),
        ("dark crime thriller with a twist", ("Crime", "Thriller", "Mystery", "Film-Noir"), 7),
        ("a funny space adventure for kids", ("Children's", "Animation", "Sci-Fi", "Adventure"), 8),
    ],
)
def test_typed_intent_gets_matching_genres(hybrid, sample, intent, genres, at_least):
    recs = hybrid.recommend(Profile.from_intent(intent), k=10)
    item_genres = sample.items.set_index("item_id").loc[recs["item_id"], "genres"]
    matching = sum(any(g in str(v).split("|") for g in genres) for v in item_genres)
    assert matching >= at_least, list(zip(recs["title"], item_genres))


@pytest.mark.parametrize("intent", ["war drama", "a slow-burning sci-fi film", "something with Tom Hanks", "love",
                                    "sleep", "banana"])
def test_a_request_in_the_catalogues_words_gets_no_warning(hybrid, intent):
    """One close match is enough: "sleep" finds The Big Sleep, "banana" finds Bananas."""
    from recengine.models.content import WEAK_INTENT

    notes, usable = hybrid.profile_notes(Profile.from_intent(intent))
    assert usable and notes == []
    assert hybrid.content.intent_strength(intent) > WEAK_INTENT


@pytest.mark.parametrize("intent", ["car insurance quote", "qwpoe zmxn asdkjh", "sad", "我想看科幻电影", "!!!"])
def test_a_request_that_matches_no_item_text_is_called_a_guess(hybrid, intent):
    notes, usable = hybrid.profile_notes(Profile.from_intent(intent))
    assert usable and len(notes) == 1 and f"“{intent}”" in notes[0] and "random letters" in notes[0], notes
    # liked items do not hide it: the request itself is still a guess
    notes, _ = hybrid.profile_notes(Profile.from_items(["50"]).with_intent(intent))
    assert any("random letters" in n for n in notes)
