"""The column the titles come from is not a shelf of labels that a typed request can name."""

from __future__ import annotations

import pandas as pd

import recengine


def test_a_recipe_sites_name_column_is_the_titles_not_labels():
    """The app probe: 'a typed request can name the labels of name (166), ingredients (48), cuisine (6)'."""
    names = ["Spicy Dal", "Spicy Dal", "Grandma's Satay", "Grandma's Satay", "Quick Ratatouille", "Smoky Minestrone"]
    items = pd.DataFrame({"recipe": [f"R-{i}" for i in range(6)], "name": names,
                          "cuisine": ["Indian", "Indian", "Thai", "Thai", "French", "Italian"],
                          "ingredients": [["lentils", "chili"], ["lentils", "cumin"], ["peanut", "chili"], ["peanut"],
                                          ["tomato"], ["tomato", "pasta"]]})
    inter = pd.DataFrame({"user": ["a", "a", "b", "b", "c", "c"], "recipe": [f"R-{i}" for i in (0, 2, 1, 3, 4, 5)]})
    ds = recengine.read_dataset(inter, items)
    assert ds.title("R-0").startswith("Spicy Dal")  # two recipes share it: told apart by their ids
    assert set(ds.stats()["category_columns"]) == {"cuisine", "ingredients"}


def test_a_shops_brand_that_starts_its_product_names_is_a_label_a_request_can_turn_away():
    """The CLI probe: 'headphones, but not Sony' listed Sony headphones, since brand was taken for the titles' column."""
    names = ["Sony Studio Headphones", "Sony Travel Headphones", "Bose Quiet Headphones", "Bose Sport Earbuds",
             "Jabra Office Headset", "Sony Pocket Speaker"]
    items = pd.DataFrame({"sku": [f"s{i}" for i in range(6)], "name": names,
                          "brand": ["Sony", "Sony", "Bose", "Bose", "Jabra", "Sony"],
                          "kind": ["Headphones", "Headphones", "Headphones", "Earbuds", "Headset", "Speaker"]})
    inter = pd.DataFrame({"user": list("aabbcc"), "sku": [f"s{i}" for i in range(6)]})
    ds = recengine.read_dataset(inter, items)
    assert set(ds.stats()["category_columns"]) == {"brand", "kind"}
    assert ds.facets.avoided("headphones, but not Sony") == ["Sony"]


def test_a_label_that_nearly_every_item_holds_is_not_asked_for():
    """Goodreads' status shelves: 'a good book to read on the train' was read as asking for 'to-read'."""
    shelves = [["to-read", "fantasy" if i % 2 else "history"] for i in range(40)]
    items = pd.DataFrame({"book": [f"b{i}" for i in range(40)], "title": [f"Book {i}" for i in range(40)], "shelves": shelves})
    inter = pd.DataFrame({"reader": [f"r{i % 7}" for i in range(40)], "book": [f"b{i}" for i in range(40)]})
    ds = recengine.read_dataset(inter, items)
    assert ds.facets.named("a good book to read on the train") == []
    assert ds.facets.named("some fantasy to read") == ["fantasy"]
