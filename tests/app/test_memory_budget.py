"""The app's shared values (fitted models, embeddings, results) are kept under a memory budget, not a count.

Counted in entries, twelve hybrids of a 20,000-item catalogue (about 2.2 GB each) were kept at once.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pytest


@pytest.fixture
def registry(monkeypatch):
    """The shared registry, restored afterwards: a budget of 1 MB here would empty it for the tests that follow."""
    from ui import engine

    reg = engine._registry()
    saved = {k: copy.copy(v) for k, v in reg.items()}
    reg.pop("_bytes", None)
    for kind in [k for k in reg if not k.startswith("_")]:
        reg[kind] = {}
    monkeypatch.setenv("RECENGINE_APP_MEMORY_MB", "1")
    yield engine
    reg.clear()
    reg.update(saved)


def _array(mb: float) -> np.ndarray:
    return np.ones(int(mb * 1024 * 1024 / 8))


def test_values_past_the_budget_go_least_recently_used_first_whatever_their_kind(registry):
    engine = registry
    tag = time.time()
    made = []

    def get(kind, name):
        return engine._remember(f"{kind}-{tag}", (name,), lambda: made.append(name) or _array(0.4), keep=12)

    get("models", "sample"), get("evaluations", "run-1")
    assert 0.75 * 2**20 < engine.cached_bytes() <= 2**20
    get("models", "sample")  # used again: now the most recent
    get("embeddings", "upload")  # 1.2 MB in all: the least recently used (run-1) goes, not the sample's model
    assert made == ["sample", "run-1", "upload"]
    get("models", "sample")
    assert made == ["sample", "run-1", "upload"]
    get("evaluations", "run-1")
    assert made[-1] == "run-1" and engine.cached_bytes() <= 2**20


def test_a_value_larger_than_the_budget_is_kept_until_the_next_one(registry):
    engine = registry
    kind = f"big-{time.time()}"
    big = engine._remember(kind, ("big",), lambda: _array(3))
    assert engine._remember(kind, ("big",), lambda: None) is big  # kept: it is what the page needs now
    engine._remember(kind, ("small",), lambda: _array(0.1))
    assert engine._remember(kind, ("big",), lambda: "made again") == "made again"


def test_a_kinds_entry_cap_frees_its_bytes_too(registry, monkeypatch):
    engine = registry
    monkeypatch.setenv("RECENGINE_APP_MEMORY_MB", "100")
    kind = f"capped-{time.time()}"
    for name in ("a", "b", "c"):
        engine._remember(kind, (name,), lambda: _array(1), keep=2)
    assert engine.cached_bytes() == pytest.approx(2 * 2**20, rel=0.01)


def test_a_wrong_budget_is_said_before_any_work(registry, monkeypatch):
    from recengine.errors import ConfigError

    engine = registry
    monkeypatch.setenv("RECENGINE_APP_MEMORY_MB", "lots")
    made = []
    with pytest.raises(ConfigError, match="RECENGINE_APP_MEMORY_MB is 'lots'"):
        engine._remember(f"bad-{time.time()}", ("x",), lambda: made.append(1))
    assert made == []


def test_an_encoder_a_model_points_to_is_not_counted_with_the_model(registry):
    """Encoders are cached on their own; counting one per model would count its 90 MB many times over."""
    from recengine.text import Encoder

    engine = registry

    encoder = Encoder("default")
    encoder.encode(["load its weights"])

    class Model:
        def __init__(self):
            self.encoder, self.scores = encoder, _array(0.5)

    engine._remember(f"enc-{time.time()}", ("m",), Model)
    assert engine.cached_bytes() == pytest.approx(0.5 * 2**20, rel=0.01)
