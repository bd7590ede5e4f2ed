"""Category paths ("Home > Kitchen > Knives", "Books/Fiction/Crime"): every level is a label a request can name,
while genres, author names and labels with a "/" inside ("AC/DC") stay whole."""

from __future__ import annotations

import pandas as pd
import pytest

import recengine
from recengine.models import ContentKNN, Profile
from recengine.rerank import recommend
from recengine.text import embed_items
from recengine.text.facets import FacetIndex

CATEGORIES = {
    "Home > Kitchen > Knives": ["Chef knife", "Santoku knife"],
    "Home > Kitchen > Cookware": ["Frying pan", "Wok"],
    "Garden > Tools": ["Garden hose", "Rake"],
    "Electronics > Audio": ["Earbuds", "Soundbar"],
}


@pytest.fixture(scope="module")
def shop(encoder):
    """A small shop whose categories are paths, and a content model fitted on it."""
    rows = [(f"S{i:03d}", title, cat) for i, (title, cat) in enumerate(
        (f"{name} {v}", cat) for cat, names in CATEGORIES.items() for name in names for v in range(5))]
    items = pd.DataFrame(rows, columns=["sku", "name", "category"])
    inter = pd.DataFrame({"user": [f"u{i % 10}" for i in range(2 * len(rows))], "sku": [r[0] for r in rows] * 2})
    ds = recengine.read_dataset(inter, items)
    model = ContentKNN().fit(ds, embed_items(ds, encoder), encoder)
    category = dict(zip(items["name"], items["category"]))
    return model, category


def _ranked(shop, request: str) -> list[str]:
    model, category = shop
    titles = recommend(model, Profile.from_intent(request), k=len(category))["title"].tolist()
    return [category[t] for t in titles]


def test_anything_but_electronics_turns_the_electronics_items_away(shop):
    model, _ = shop
    summary = model.intent_summary("anything but electronics")
    assert summary is not None and "turns away Electronics" in summary
    ranked = _ranked(shop, "anything but electronics")
    n = sum(c.startswith("Electronics") for c in ranked)
    assert n > 0
    assert all(c.startswith("Electronics") for c in ranked[-n:])  # they come last
    assert not any(c.startswith("Electronics") for c in ranked[:5])


def test_something_for_the_garden_asks_for_the_garden_level(shop):
    model, _ = shop
    summary = model.intent_summary("something for the garden")
    # the level itself, named by its word (not the whole path "Garden > Tools", guessed from the word's meaning)
    assert summary is not None and summary.startswith("asks for Garden:")
    assert all(c == "Garden > Tools" for c in _ranked(shop, "something for the garden")[:5])


def test_kitchen_stuff_no_electronics_asks_for_a_middle_level_and_turns_a_root_away(shop):
    model, _ = shop
    summary = model.intent_summary("kitchen stuff, no electronics")
    assert summary is not None and "asks for Kitchen" in summary and "turns away Electronics" in summary
    ranked = _ranked(shop, "kitchen stuff, no electronics")
    assert all(c.startswith("Home > Kitchen") for c in ranked[:5])
    assert all(c.startswith("Electronics") for c in ranked[-10:])


def _labels(**columns: list[str]) -> set[str]:
    n = len(next(iter(columns.values())))
    return set(FacetIndex.from_items(pd.DataFrame({"item_id": [str(i) for i in range(n)], **columns})).labels)


def test_pipe_and_comma_genres_are_not_paths_though_a_path_column_beside_them_is():
    labels = _labels(
        genres=["Action|Comedy", "Action|Sci-Fi/Fantasy", "Comedy|Drama", "Drama", "Action|Drama", "Comedy"],
        tags=["Action, Comedy", "Comedy, Drama", "Action", "Drama, Action", "Comedy", "Action, Drama"],
        shelf=["Books/Fiction/Crime", "Books/Fiction/Romance", "Books/Non-Fiction", "Books/Fiction/Crime",
               "Music/Rock", "Music/Jazz"],
    )
    assert {"Action", "Comedy", "Drama", "Sci-Fi/Fantasy"} <= labels
    assert not {"Sci-Fi", "Fantasy"} & labels
    assert {"Books", "Fiction", "Crime", "Romance", "Non-Fiction", "Music", "Rock", "Jazz"} <= labels
    assert not any("/" in x and x != "Sci-Fi/Fantasy" for x in labels)


def test_author_names_stay_whole_beside_a_path_column():
    labels = _labels(
        author=["King, Stephen", "King, Stephen", "Christie, Agatha", "Christie, Agatha", "Rowling, J. K.",
                "Rowling, J. K."],
        category=["Books › Horror", "Books › Horror", "Books › Crime", "Books › Crime", "Books › Fantasy",
                  "Books › Fantasy"],
    )
    assert {"King, Stephen", "Christie, Agatha"} <= labels
    assert not {"King", "Stephen", "Agatha"} & labels
    assert {"Books", "Horror", "Crime", "Fantasy"} <= labels


def test_a_slash_inside_a_label_keeps_it_whole_beside_a_path_column():
    labels = _labels(
        artist=["AC/DC", "AC/DC", "Queen", "Queen", "Metallica", "Metallica"],
        url=[f"http://example.com/albums/{i}" for i in range(6)],
        genre=["Music » Rock", "Music » Rock", "Music » Rock", "Music » Pop", "Music » Metal", "Music » Metal"],
    )
    assert {"AC/DC", "Queen", "Metallica"} <= labels
    assert not {"AC", "DC"} & labels
    assert not any("example" in x.lower() or "http" in x.lower() or "albums" in x.lower() for x in labels)
    assert {"Music", "Rock", "Metal"} <= labels
