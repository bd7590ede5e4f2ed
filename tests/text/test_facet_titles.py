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
