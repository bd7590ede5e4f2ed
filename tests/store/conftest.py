"""Fixtures for the store tests: a fresh store per test and a small dataset with ratings, timestamps and a cold item."""

from __future__ import annotations

from pathlib import Path

import pytest

from recengine.store import Store, open_store


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture()
def store(home: Path) -> Store:
    s = open_store(home)
    yield s
    s.close()
