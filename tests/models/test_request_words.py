"""A request in the words of the item texts is never called a guess, however its cosines compare with noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recengine
from recengine.models import ContentKNN, Hybrid, Profile, Recommender
from recengine.text import embed_items


@pytest.fixture(scope="module")
def shop(encoder):
    """A shop of near-alike products ("Sony Frying pan 4"): English names and descriptions, but half the pans
    described in German. A German request scores close to noise by its cosines (the items are far closer to each
    other), yet its words are those of the pans' descriptions."""
    cats = {"Home > Kitchen > Knives": ["Chef knife", "Santoku knife", "Bread knife"],
            "Home > Kitchen > Cookware": ["Frying pan", "Saucepan", "Wok"],
            "Garden > Tools": ["Pruning shears", "Garden hose", "Rake"],
            "Electronics > Audio": ["Bluetooth speaker", "Earbuds", "Soundbar"],
            "Sport > Running": ["Running shoes", "GPS watch", "Headlamp"]}
    brands = ["Zwilling", "Fiskars", "Gardena", "Sony", "Asics", "Garmin"]
    rows = []
    for cat, names in cats.items():
        for name in names:
            for v in range(8):
                brand = brands[(v + len(rows)) % len(brands)]
                desc = f"The {name.lower()} by {brand}. Great for everyday use."
                if name == "Frying pan" and v % 2 == 0:
                    desc = "Bratpfanne mit Antihaftbeschichtung, hochwertig und spülmaschinenfest."
                rows.append((f"SKU-{len(rows):04d}", f"{brand} {name} {v}", brand, cat, desc))
    items = pd.DataFrame(rows, columns=["sku", "name", "brand", "category", "description"])
    inter = pd.DataFrame({"user": [f"u{n % 30}" for n in range(2 * len(rows))], "sku": [r[0] for r in rows] * 2})
    ds = recengine.read_dataset(inter, items)
    return ds, embed_items(ds, encoder)


def test_a_request_in_the_descriptions_words_is_no_guess(shop, encoder, tmp_path):
    ds, emb = shop
    model = ContentKNN().fit(ds, emb, encoder)
    request = "Bratpfanne mit Antihaftbeschichtung"
    from recengine.models.content import WEAK_INTENT

    assert model.intent_strength(request) < WEAK_INTENT  # by its cosines alone it would be called a guess
    assert model.intent_note(request) is None
    top = model.recommend(Profile.from_intent(request), k=3)["item_id"]
    assert all("Bratpfanne" in ds.texts[ds.item_map.index(i)] for i in top)  # and it finds the pans so described
    loaded = Recommender.load(model.save(tmp_path / "content"))
    assert loaded.intent_note(request) is None  # the words are saved with the model
    hybrid = Hybrid(learn=False).fit(ds, emb, encoder)
    notes, usable = hybrid.profile_notes(Profile.from_items(["SKU-0000"]).with_intent(request))
    assert usable and notes == []


@pytest.mark.parametrize("request_text", ["xqzv blorf wibble", "something good", "a nice film please"])
def test_noise_and_filler_words_are_still_a_guess(shop, encoder, request_text):
    """"Something", "good" or "film" in a text says nothing of what is wanted: such requests stay guesses."""
    ds, emb = shop
    model = ContentKNN().fit(ds, emb, encoder)
    assert model.intent_note(request_text) is not None


def test_filler_words_in_titles_do_not_count(encoder):
    """A title holding "Something" (MovieLens: "Something to Talk About") does not make "something good" a match."""
    inter = pd.DataFrame({"user_id": ["a", "a", "b", "b"], "item_id": ["1", "2", "3", "4"]})
    items = pd.DataFrame({"item_id": ["1", "2", "3", "4"],
                          "title": ["Something Good", "Nice Film", "Harbour Lights", "Quiet Station"]})
    ds = recengine.read_dataset(inter, items)
    model = ContentKNN().fit(ds, embed_items(ds, encoder), encoder)
    assert not model.uses_catalogue_words("something good, a nice film")
    assert model.uses_catalogue_words("harbour")


@pytest.mark.parametrize("kind", ["hybrid", "content"])
def test_a_guess_beside_liked_items_does_not_take_the_list_over(sample_hybrid, sample, sample_embeddings, encoder, kind):
    """The app probe: Star Wars, Blade Runner and 2001 liked, then "xqzv blorf wibble 12345 ###" typed: every card
    said "it matches your request" and the list was The Tin Drum, Three Colors: Blue... A guess keeps its share of the
    way from noise to a real match: here none, so the liked items rank alone."""
    from recengine.explain import explain
    from recengine.rerank import recommend

    model = sample_hybrid if kind == "hybrid" else ContentKNN().fit(sample, sample_embeddings, encoder)
    liked = Profile.from_items(["50", "89", "135"])
    noise = liked.with_intent("xqzv blorf wibble 12345 ###")
    content = model if kind == "content" else model.content
    assert content.intent_note(noise.intent) is not None and content.intent_trust(noise.intent) < 0.5
    base = recommend(model, liked, k=10)["item_id"].tolist()
    noisy = recommend(model, noise, k=10)
    assert len(set(noisy["item_id"]) & set(base)) >= 8
    if "intent" in noisy:  # the hybrid's signal column: a weight of 0 shows as 0, not as "-0.0" in a table
        assert not np.signbit(noisy["intent"].to_numpy()).any()
    assert "matches your request" not in explain(model, noise, noisy["item_id"].iloc[0]).reason
    # a real request keeps its whole weight and still moves the list
    assert content.intent_trust("a slow-burning sci-fi film") == 1.0
    assert recommend(model, liked.with_intent("a romantic comedy"), k=10)["item_id"].tolist() != base
