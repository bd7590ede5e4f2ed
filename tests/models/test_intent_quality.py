"""Intent-only visitors on the real sample get lists that match what they typed."""

from __future__ import annotations

import numpy as np
import pytest

from recengine.models import Profile


@pytest.fixture(scope="module")
def hybrid(sample_hybrid):
    return sample_hybrid


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


def test_keyboard_mashing_reads_as_no_words_but_any_language_does(hybrid, tmp_path):
    content = hybrid.content
    for text in ("zzzz qqqq 12345 !!!", "asdf", "!!!", "qwertz uiop"):
        assert not content.reads_as_words(text), text
    for text in ("Moonbase Kids. Three children stow away on a rocket.", "A tax accountant audits a bakery.", "Amélie",
                 "ロボットの冒険", "Casablanca"):
        assert content.reads_as_words(text), text
    content.save(tmp_path / "content")  # a loaded model reads the same, its titles and encoder found again
    loaded = type(content).load(tmp_path / "content")
    assert not loaded.reads_as_words("zzzz qqqq") and loaded.reads_as_words("Casablanca")


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


def _genres_of(sample, recs):
    return [set(str(v).split("|")) for v in sample.items.set_index("item_id").loc[recs["item_id"], "genres"]]


@pytest.mark.parametrize(("intent", "genre", "word"), [("a romantic evening in", "Romance", "romantic"),
                                                        ("something scary", "Horror", "scary"),
                                                        ("a film for the kids", "Children's", "kids"),
                                                        ("a science fiction classic", "Sci-Fi", "science fiction")])
def test_a_word_that_means_a_label_asks_for_it(hybrid, sample, intent, genre, word):
    """The encoder reads "romantic" as Romance: the items holding it come first, and the reading says why."""
    for model in (hybrid, hybrid.content):
        recs = model.recommend(Profile.from_intent(intent), k=10)
        assert all(genre in g for g in _genres_of(sample, recs)), list(zip(recs["title"], _genres_of(sample, recs)))
    assert hybrid.intent_labels(intent) == [genre]
    assert f"asks for {genre} (read from “{word}”)" in hybrid.intent_summary(intent)


@pytest.mark.parametrize("intent", ["a film about burning cities", "movies like Star Wars", "a funny film",
                                    "something with Tom Hanks", "a feel-good film", "films from the nineties"])
def test_a_word_merely_near_a_label_asks_for_nothing(hybrid, intent):
    """A false match would put a whole genre first: "film" sits near Documentary and Film-Noir alike, "wars" quotes
    a title, and "funny" is not close enough to Comedy to be sure."""
    assert hybrid.content.read_intent(intent).wanted == () and hybrid.intent_summary(intent) is None


def test_a_label_the_request_turns_away_comes_last_and_is_not_embedded(hybrid, sample):
    intent = "a comedy, no romance"
    assert (hybrid.intent_labels(intent), hybrid.intent_avoided(intent)) == (["Comedy"], ["Romance"])
    for model in (hybrid, hybrid.content):
        recs = model.recommend(Profile.from_intent(intent), k=20)
        assert all("Comedy" in g and "Romance" not in g for g in _genres_of(sample, recs))
    content = hybrid.content  # "romance" is left out of what is embedded: the cosines are those of "a comedy"
    scores = content.intent_scores([Profile.from_intent(intent)])[0]
    plain = content.intent_scores([Profile.from_intent("a comedy")])[0]
    comedy = np.array(["Comedy" in g for g in sample.items["genres"].fillna("").str.split("|")])
    romance = np.array(["Romance" in g for g in sample.items["genres"].fillna("").str.split("|")])
    keep = comedy & ~romance
    np.testing.assert_allclose(scores[keep] - scores[keep].max(), plain[keep] - plain[keep].max(), atol=1e-5)
    # refusals alone: no genre is asked for, the refused one comes last, and the request is not called a guess
    intent = "I don't want horror"
    recs = hybrid.content.recommend(Profile.from_intent(intent), k=50)
    assert not any("Horror" in g for g in _genres_of(sample, recs))
    assert hybrid.intent_summary(intent) == "turns away Horror: the items holding it come last"
    notes, usable = hybrid.profile_notes(Profile.from_intent(intent))  # not called a guess: said what it is
    assert usable and notes == ["the request “I don't want horror” only says what to leave out (Horror): the other "
                                "items come by popularity; say what you would like too (a genre, a topic, a title)"]
    # by popularity, not the same few middling titles whatever is turned away (the catalogue's centroid)
    popular = recs["item_id"].head(10).map(lambda i: sample.item_popularity[sample.item_map.index(i)])
    assert popular.median() > np.percentile(sample.item_popularity, 95)
    westerns = hybrid.content.recommend(Profile.from_intent("anything but westerns"), k=10)
    assert list(westerns["item_id"]) != list(recs["item_id"].head(10))  # Scream is back: it is no western


def test_the_reason_names_a_label_asked_for_by_meaning(hybrid, sample):
    from recengine.explain import explain

    profile = Profile.from_intent("a romantic evening in")
    top = hybrid.content.recommend(profile, k=1)["item_id"].iloc[0]
    e = explain(hybrid.content, profile, top)
    assert "it is Romance, as your request asks" in e.reason, e.reason


def test_words_name_the_tags_of_a_catalogue_that_is_not_films(encoder):
    """A shop of games tagged by players, with columns MovieLens never has: "tactics" asks for Strategy, "shooting"
    for Shooter, and "no puzzles" turns Puzzle away, whatever the titles say."""
    import pandas as pd

    import recengine
    from recengine.models import ContentKNN

    tags = ["Strategy;Indie", "Shooter;Action", "Puzzle;Casual", "Racing;Sports", "Strategy", "Shooter",
            "Puzzle;Indie", "Racing", "Strategy;Puzzle", "Shooter;Indie"]
    titles = ["Iron Front", "Dust Runner", "Tiny Gears", "Neon Lap", "Old Empires", "Last Light", "Quiet Rooms",
              "Drift King", "Crown Logic", "Hollow Point"]
    items = pd.DataFrame({"appid": [str(100 + i) for i in range(10)], "name": titles, "player_tags": tags})
    plays = pd.DataFrame({"steamid": [f"s{u}" for u in range(20) for _ in range(2)],
                          "appid": [str(100 + (u + j) % 10) for u in range(20) for j in range(2)],
                          "hours": [1.5] * 40})
    ds = recengine.read_dataset(plays, items, name="games")
    model = ContentKNN().fit(ds, encoder=encoder)
    held = dict(zip(ds.items["item_id"], ds.items["player_tags"]))
    for intent, tag in (("a game of tactics", "Strategy"), ("something about shooting", "Shooter")):
        assert model.intent_labels(intent) == [tag]
        top = model.recommend(Profile.from_intent(intent), k=3)["item_id"]
        assert all(tag in held[i] for i in top), [(i, held[i]) for i in top]
    assert model.intent_avoided("an indie game, no puzzles") == ["Puzzle"]
    last = model.recommend(Profile.from_intent("an indie game, no puzzles"), k=10)["item_id"].tolist()[-3:]
    assert all("Puzzle" in held[i] for i in last)


def test_liked_items_and_a_request_both_shape_the_content_list(hybrid, sample):
    """Standardised, the liked items' few dozen neighbours stood 7 to 10 deviations up and the request's best 3 to 5:
    "Alien, Aliens and a romantic comedy" listed Alien 3 first and no romance, and credited the request most."""
    from recengine.explain import explain_many
    from recengine.explain.explanation import is_intent, is_item

    genres = sample.items.set_index("item_id")["genres"]
    titles = {sample.title(i): i for i in sample.item_map.external}
    profile = Profile.from_items([titles["Alien"], titles["Aliens"]]).with_intent("a romantic comedy")
    recs = hybrid.content.recommend(profile, k=10)
    assert sum("Romance" in str(genres[i]) for i in recs["item_id"]) >= 8, list(recs["title"])
    why = explain_many(hybrid.content, profile, recs["item_id"][:1])[0]
    request = [v for k, v in zip(why.history.feature_names, why.history.values) if is_intent(k)]
    items = [v for k, v in zip(why.history.feature_names, why.history.values) if is_item(k)]
    assert len(request) == 1 and len(items) == 2
    assert request[0] > max(items)  # the request chose it, and the explanation says so
    assert np.isclose(why.history.base_value + why.history.values.sum(), why.score, atol=1e-4)
    alone = hybrid.content.recommend(Profile.from_items([titles["Alien"], titles["Aliens"]]), k=10)
    assert set(alone["item_id"]) != set(recs["item_id"])  # and without the request the liked items lead


@pytest.mark.parametrize("intent", ["romance? no thanks. comedy yes", "comedy please; romance, not for me"])
def test_a_refusal_after_the_label_turns_it_away(hybrid, sample, intent):
    """Only a negation before a label counted: "romance? no thanks. comedy yes" listed ten romances."""
    assert (hybrid.intent_labels(intent), hybrid.intent_avoided(intent)) == (["Comedy"], ["Romance"])
    recs = hybrid.recommend(Profile.from_intent(intent), k=10)
    assert all("Comedy" in g and "Romance" not in g for g in _genres_of(sample, recs))


def test_a_request_in_another_script_says_the_encoder_may_not_read_it(sample, sample_embeddings, encoder):
    """A Japanese request on English titles matched nothing, and the note sent the user to "words the titles use";
    the likelier cause is the English encoder, and the note says so, and what to do. A Latin-letter guess keeps the
    old note."""
    from recengine.models import ContentKNN

    model = ContentKNN().fit(sample, sample_embeddings, encoder)
    note = model.intent_note("静かなピアノのクラシック音楽")
    assert note is not None and "Chinese or Japanese letters" in note and "all-MiniLM-L6-v2" in note, note
    assert "multilingual" in note and "Latin" in note
    assert "multilingual" not in model.intent_note("qzxv zorblat")
