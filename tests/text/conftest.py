"""Fixtures of the text-engine tests: a fresh, empty recengine home per test where cache counts matter."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``$RECENGINE_HOME`` for one test, so cache hits and misses start from zero."""
    from recengine.text.cache import clear_memory

    home = tmp_path / "home"
    monkeypatch.setenv("RECENGINE_HOME", str(home))
    clear_memory()
    yield home
    clear_memory()


@pytest.fixture(scope="session")
def space_texts() -> list[str]:
    return [
        "astronauts explore deep space",
        "a starship crew travels between stars",
        "a romantic comedy in Paris",
        "a princess falls in love in Rome",
        "settlers build a colony on Mars",
    ]
