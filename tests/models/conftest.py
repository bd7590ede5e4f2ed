"""Fixtures for the recommender tests: item embeddings of the tiny checkerboard, fitted once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_embeddings(tiny, encoder):
    from recengine.text import embed_items

    return embed_items(tiny, encoder)
