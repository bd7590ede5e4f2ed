"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ``$RECENGINE_HOME`` for one command-line test (store, caches)."""
    home = tmp_path / "home"
    monkeypatch.setenv("RECENGINE_HOME", str(home))
    return home
