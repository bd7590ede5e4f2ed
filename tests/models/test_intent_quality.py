"""Intent-only visitors on the real sample get lists that match what they typed."""

from __future__ import annotations

import numpy as np
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


@pytest.mark.parametrize(
    ("intent", "genres"),
    [("a slow-burning sci-fi film", {"Sci-Fi"}), ("war drama", {"War", "Drama"}), ("a film noir detective story", {"Film-Noir"})],
)
def test_a_genre_the_request_names_outweighs_a_shared_title_word(hybrid, sample, intent, genres):
    """"slow-burning" alone would bring Paris Is Burning and Burnt By the Sun: the request asks for sci-fi."""
    for model in (hybrid, hybrid.content):
        recs = model.recommend(Profile.from_intent(intent), k=5)
        item_genres = sample.items.set_index("item_id").loc[recs["item_id"], "genres"]
        # every item holding all the named genres comes first: "The War at Home" (a drama) shares "war" only in its title
        assert all(genres <= set(str(v).split("|")) for v in item_genres), list(zip(recs["title"], item_genres))


def test_a_request_naming_no_label_keeps_its_cosine_order(hybrid, sample):
    import numpy as np

    content = hybrid.content
    plain = Profile.from_intent("something burning")  # no genre named: the lexical neighbours are all it has
    assert content.facets.named(plain.intent) == []
    q = content.embed_queries([plain.intent])[0] @ content.vectors.T
    np.testing.assert_allclose(content.intent_scores([plain])[0], q, rtol=1e-6)


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


def test_the_labels_are_saved_with_the_model_and_an_older_save_still_loads(hybrid, tmp_path):
    import numpy as np

    from recengine.models import ContentKNN

    content, profile = hybrid.content, Profile.from_intent("a slow-burning sci-fi film")
    back = ContentKNN.load(content.save(tmp_path / "content"))
    assert back.facets.labels == content.facets.labels and "Sci-Fi" in back.facets.labels
    np.testing.assert_allclose(back.intent_scores([profile]), content.intent_scores([profile]), rtol=1e-6)
    # a model saved before the labels were kept: it loads, and requests match by their cosine alone
    with np.load(tmp_path / "content" / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files if not k.startswith("facet")}
    np.savez(tmp_path / "content" / "arrays.npz", **arrays)
    old = ContentKNN.load(tmp_path / "content")
    assert len(old.facets) == 0
    q = old.embed_queries([profile.intent])[0] @ old.vectors.T
    np.testing.assert_allclose(old.intent_scores([profile])[0], q, rtol=1e-6)


def test_a_request_naming_a_label_is_never_called_a_guess(sample, sample_embeddings, encoder):
    """A label the embedding cannot read (a made-up shelf name) still says which items were asked for."""
    from dataclasses import replace

    from recengine.models import ContentKNN

    scifi = sample.items["genres"].str.contains("Sci-Fi").to_numpy()
    shelved = replace(sample, items=sample.items.assign(shelf=np.where(scifi, "Zorblat", "Quexil")))
    model = ContentKNN().fit(shelved, sample_embeddings, encoder)
    assert ContentKNN().fit(sample, sample_embeddings, encoder).intent_note("qzxv zorblat") is not None  # a guess
    assert model.intent_note("qzxv zorblat") is None and model.intent_labels("qzxv zorblat") == ["Zorblat"]
    top = model.recommend(Profile.from_intent("qzxv zorblat"), k=10)["item_id"]
    assert scifi[shelved.item_map.to_internal(top.to_numpy())].all()
    assert model.intent_note("qzxv blorp") is not None  # no label named: still a guess
