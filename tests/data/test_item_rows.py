"""What is said about the interactions' items that the items file lacks or leaves without text."""

from __future__ import annotations

import pandas as pd

import recengine


def test_items_missing_from_the_items_file_are_said_once():
    """90 items with no row in the items file were said twice: as missing, and again as having no text at all."""
    inter = pd.DataFrame({"user": ["a", "a", "b", "b"], "item": ["x", "y", "z", "w"]})
    items = pd.DataFrame({"item": ["x", "y", "w"], "title": ["Kettle", "Mug", ""], "description": ["steel", "white", ""]})
    said = recengine.read_dataset(inter, items).warnings
    assert sum("have no row in" in w for w in said) == 1  # z
    assert [w for w in said if "no text at all" in w] == [
        "1 item(s) of items have no text at all; only collaborative models can score them."]  # w, in the file, empty
