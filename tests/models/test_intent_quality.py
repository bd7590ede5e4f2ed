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
