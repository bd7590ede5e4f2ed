"""Where recengine keeps its files, and small process-wide settings."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "RECENGINE_HOME"
MAX_FILE_MB_ENV = "RECENGINE_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 500


def home_dir() -> Path:
    """The folder for the embedding cache, fine-tuned models and the store.

    ``$RECENGINE_HOME`` when set, else the user cache dir (for example ``~/.cache/recengine``).
    """
    env = os.environ.get(HOME_ENV)
    path = Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("recengine"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_file_bytes() -> int:
    """The largest input file accepted, from ``$RECENGINE_MAX_FILE_MB`` (default 500 MB)."""
    raw = os.environ.get(MAX_FILE_MB_ENV)
    mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
    return int(mb * 1024 * 1024)


def repo_root() -> Path:
    """The source checkout that holds ``app.py`` and ``data/`` (recengine is installed editable)."""
    return Path(__file__).resolve().parent.parent
