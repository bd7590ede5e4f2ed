"""An item whose title cell is empty is named by its next text column, not by its bare id."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import recengine
from recengine.data.load import TEXT_TITLE


def _episodes() -> recengine.Dataset:
    inter = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u2", "u3"],
                          "item_id": ["ep_0001", "ep_0002", "ep_0001", "ep_0003", "ep_0004"]})
    items = pd.DataFrame({
        "item_id": ["ep_0001", "ep_0002", "ep_0003", "ep_0004"],
        "title": [None, "Second", "", None],
        "show": ["Murder mystery investigations", "Cooking", None, None],
        "summary": ["A detective story", "Ramen", "An extraordinarily long and winding description " * 6, None],
    })
    return recengine.read_dataset(inter, items)


def test_title_from_next_text_column() -> None:
    ds = _episodes()
    assert ds.title("ep_0001") == "Murder mystery investigations"
    assert ds.titles[ds.item_map.index("ep_0001")] == "Murder mystery investigations"


def test_long_text_is_shortened() -> None:
    title = _episodes().title("ep_0003")
    assert title != "ep_0003"
    assert title.startswith("An extraordinarily long and winding")
    assert len(title) <= TEXT_TITLE and title.endswith("…")


def test_item_without_text_keeps_its_id() -> None:
    assert _episodes().title("ep_0004") == "ep_0004"


def test_titled_items_unchanged() -> None:
    assert _episodes().title("ep_0002") == "Second"


def test_interactions_only_title_falls_back() -> None:
    inter = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u3"], "item_id": ["a", "b", "a", "c"],
                          "title": [None, "Bee", None, "Sea"],
                          "show": ["Long show name here", "Cooking", "Long show name here", "Sailing"]})
    ds = recengine.read_dataset(inter)
    assert [ds.title(i) for i in ("a", "b", "c")] == ["Long show name here", "Bee", "Sea"]


def test_nested_json_other_language(tmp_path: Path) -> None:
    rows = [{"item_id": "i1", "name": {"en": "English one", "de": "Deutsch eins"}},
            {"item_id": "i2", "name": {"en": "English two"}},
            {"item_id": "i3", "name": {"de": "Nur Deutsch"}},
            {"item_id": "i4", "name": {}}]
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    inter = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u2"], "item_id": ["i1", "i2", "i3", "i4"]})
    ds = recengine.read_dataset(inter, path)
    assert [ds.title(i) for i in ("i1", "i2", "i3", "i4")] == ["English one", "English two", "Nur Deutsch", "i4"]
