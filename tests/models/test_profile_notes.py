"""What a model leaves out of a profile: the notes the app shows, and whether anything is left to rank on."""

from __future__ import annotations

import pandas as pd

import recengine
from recengine.models import EASE, ContentKNN, Hybrid, Popularity, Profile
from recengine.text import embed_items


def _shop(encoder, with_text: bool = True):
    """Two shoppers; items x1 and x2 are bought but are missing from the items file (no text)."""
    inter = pd.DataFrame({"user_id": ["p", "p", "q", "q", "q"], "item_id": ["k1", "x1", "k2", "t1", "x2"]})
    items = pd.DataFrame({"item_id": ["k1", "k2", "t1", "t2"], "title": ["Red kettle", "Steel kettle", "Hiking tent", "Beach tent"]})
    ds = recengine.read_dataset(inter, items if with_text else None)
    return ds, embed_items(ds, encoder)


def test_a_model_that_cannot_read_text_says_it_drops_the_request(encoder):
    ds, emb = _shop(encoder)
    notes, usable = EASE().fit(ds).profile_notes(Profile.from_intent("a tent"))
    assert not usable and "does not read text" in notes[0] and "a tent" in notes[0]
    notes, usable = EASE().fit(ds).profile_notes(Profile.from_items(["k1"]).with_intent("a tent"))
    assert usable and len(notes) == 1
    notes, usable = ContentKNN().fit(ds, emb, encoder).profile_notes(Profile.from_intent("a tent"))
    assert usable and notes == []


def test_a_history_without_text_gives_the_content_model_nothing_and_no_filler(encoder):
    ds, emb = _shop(encoder)
    model = ContentKNN().fit(ds, emb, encoder)
    profile = Profile.from_items(["x1", "x2"])
    notes, usable = model.profile_notes(profile)
    assert not usable and "none of the liked items has text" in notes[0]
    assert model.recommend(profile, k=3).empty  # no zero-score catalogue-order filler
    notes, usable = model.profile_notes(Profile.from_items(["x1", "k1"]))  # one left out, and said
    assert usable and notes == ["1 of the 2 liked items (item x1) has no text, and the content model reads item text "
                                "only, so it is left out"]


def test_a_profile_of_new_items_only_gives_a_collaborative_model_nothing_and_no_filler(encoder):
    """t2 is in the catalogue, but nobody has chosen it: EASE and item-kNN learn nothing from liking it."""
    from recengine.models import ItemKNN

    ds, emb = _shop(encoder)
    for model in (EASE().fit(ds), ItemKNN().fit(ds)):
        notes, usable = model.profile_notes(Profile.from_items(["t2"]))
        assert not usable and "has interactions yet" in notes[0] and "content or hybrid" in notes[0]
        assert model.recommend(Profile.from_items(["t2"]), k=3).empty  # not zero-score catalogue-order filler
        notes, usable = model.profile_notes(Profile.from_items(["t2", "k1"]))
        assert usable and len(notes) == 1 and notes[0].startswith("1 of the 2 liked items") and "(new)" in notes[0]
        assert len(model.recommend(Profile.from_items(["t2", "k1"]), k=2)) == 2
    notes, usable = ContentKNN().fit(ds, emb, encoder).profile_notes(Profile.from_items(["t2"]))
    assert usable and notes == []  # the text model reads a new item


def test_no_text_at_all_means_a_request_cannot_be_matched(encoder):
    ds, emb = _shop(encoder, with_text=False)
    hybrid = Hybrid(learn=False).fit(ds, emb, encoder)
    notes, usable = hybrid.profile_notes(Profile.from_intent("a tent"))
    assert not usable and "no item in this dataset has text" in notes[0]
    notes, usable = Popularity().fit(ds).profile_notes(Profile.from_items(["k1"]))
    assert usable and "does not personalise" in notes[0]


def test_collaborative_models_give_no_list_without_a_known_liked_item(sample):
    from recengine.models import ItemKNN

    for model in (EASE().fit(sample), ItemKNN().fit(sample)):
        assert model.recommend(Profile.from_intent("jazz"), k=5).empty
        with __import__("pytest").warns(UserWarning):
            assert model.recommend(Profile.from_items(["no-such-item"]), k=5).empty
        both = model.recommend([Profile(name="nobody"), Profile.from_items(["50"], name="fan")], k=5)
        assert set(both["user_id"]) == {"fan"} and len(both) == 5


def test_a_small_catalogue_judges_a_request_by_its_best_matches(encoder):
    ds, emb = _shop(encoder)
    model = ContentKNN().fit(ds, emb, encoder)
    assert model.intent_strength("a tent for camping") > 1.0 > 0.2 > model.intent_strength("xyzzy quantum sonnet")
    notes, usable = model.profile_notes(Profile.from_intent("xyzzy quantum sonnet"))
    assert usable and "random letters" in notes[0]
