"""Fixtures for the store tests: a fresh store per test and a small dataset with ratings, timestamps and a cold item."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import recengine
from recengine.store import Store, open_store


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture()
def store(home: Path) -> Store:
    s = open_store(home)
    yield s
    s.close()


def assert_same_dataset(a: recengine.Dataset, b: recengine.Dataset) -> None:
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.items, b.items)
    assert a.user_map.external.tolist() == b.user_map.external.tolist()
    assert a.item_map.external.tolist() == b.item_map.external.tolist()
    assert (a.matrix != b.matrix).nnz == 0
    assert a.cold_items.tolist() == b.cold_items.tolist()
    assert a.warnings == b.warnings
    assert a.options == b.options


@pytest.fixture()
def same_dataset():
    """``same_dataset(a, b)`` asserts two datasets have equal tables, id maps, matrix, warnings and options."""
    return assert_same_dataset
