"""A request that names a category label puts the items holding it first, with liked items too, as its summary says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recengine
from recengine.explain import explain
from recengine.models import ContentKNN, Hybrid, Profile
from recengine.rerank import recommend, reordered_by
from recengine.text import embed_items

SERIES = {"Kinderbuch": ["Le petit dragon", "Bonne nuit, Lune"], "Kochbuch": ["Pasta wie in Rom", "Curry & Gewürze"],
          "Manga": ["Tokyo no neko", "Yoake no tsurugi"]}


@pytest.fixture(scope="module")
def books(encoder):
    """Series of 8 volumes each; readers buy on in the series they started (item-kNN's strongest pull), mostly
    within one category. The probe's case: two children's books liked, "Kochbuch" typed, and all ten suggestions
    were children's books while the page said the cookbooks come first."""
    rows = [(f"{len(r)}", f"{title} – Band {v}", cat, f"{cat}: {title}, Band {v}.")
            for r in [[]] for cat, titles in SERIES.items() for title in titles for v in range(1, 9)]
    rows = [(f"B{n:03d}", *rest) for n, (_, *rest) in enumerate(rows)]
    items = pd.DataFrame(rows, columns=["Artikel", "Bezeichnung", "Kategorie", "Klappentext"])
    rng = np.random.default_rng(0)
    inter = []
    for u in range(90):
        series = rng.integers(6)
        first = series * 8
        for v in range(rng.integers(3, 9)):  # a run of volumes from the start
            inter.append((f"K{u}", rows[first + v][0]))
        if rng.random() < 0.3:  # now and then a book of another series
            inter.append((f"K{u}", rows[int(rng.integers(len(rows)))][0]))
    ds = recengine.read_dataset(pd.DataFrame(inter, columns=["Kunde", "Artikel"]).drop_duplicates(), items)
    return ds, embed_items(ds, encoder)


@pytest.mark.parametrize("kind", ["hybrid", "content"])
def test_the_label_asked_for_comes_first_beside_liked_items(books, encoder, kind):
    ds, emb = books
    model = (Hybrid() if kind == "hybrid" else ContentKNN()).fit(ds, emb, encoder)
    profile = Profile.from_items(["B000", "B008"]).with_intent("Kochbuch")  # Le petit dragon 1, Bonne nuit, Lune 1
    assert model.intent_labels("Kochbuch") == ["Kochbuch"]
    recs = recommend(model, profile, k=10)
    cats = [ds.title(i) for i in recs["item_id"]]
    assert all(t.startswith(("Pasta", "Curry")) for t in cats), cats
    assert (recs["asked"] == 1.0).all() and recs["score"].is_monotonic_decreasing  # ordered by score within
    assert reordered_by(recs) == []  # one tier: nothing out of order to explain
    assert "as your request asks" in explain(model, profile, recs["item_id"].iloc[0]).reason
    # with more asked for than the label holds, the rest follow, and the list says why scores are out of order
    long = recommend(model, profile, k=25)
    asked = long["asked"].to_numpy()
    assert (asked[:16] == 1.0).all() and (asked[16:] == 0.0).all()
    if not long["score"].is_monotonic_decreasing:
        assert reordered_by(long) == ["request"]
    # the knobs trade within the tier, never across it
    diverse = recommend(model, profile, k=10, diversity=0.8, novelty=0.5)
    assert (diverse["asked"] == 1.0).all()


def test_a_label_turned_away_goes_last(books, encoder):
    ds, emb = books
    model = ContentKNN().fit(ds, emb, encoder)
    profile = Profile.from_items(["B000", "B016"]).with_intent("kein Manga")  # a children's book and a cookbook
    recs = recommend(model, profile, k=ds.n_items)
    manga = [i for i in recs["item_id"] if ds.title(i).startswith(("Tokyo", "Yoake"))]
    assert manga and recs["item_id"].tolist()[-len(manga):] == manga


def test_no_label_no_tiers(books, encoder):
    ds, emb = books
    model = ContentKNN().fit(ds, emb, encoder)
    recs = recommend(model, Profile.from_items(["B000"]).with_intent("a dragon story"), k=5)
    assert "asked" not in recs
