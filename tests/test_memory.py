"""recengine.memory.footprint: the bytes a fitted model holds, checked against what Python really allocated."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest


@pytest.mark.parametrize("name", ["itemknn", "hybrid"])
def test_a_fitted_models_footprint_is_what_its_fit_allocated(name, sample, sample_embeddings):
    from recengine.data.dataset import Dataset
    from recengine.memory import footprint
    from recengine.models import make_model
    from recengine.text.encoder import Encoder

    make_model(name).fit(sample, embeddings=sample_embeddings)  # what the dataset caches for fits is made first
    model = make_model(name)
    gc.collect()
    tracemalloc.start()
    try:
        model.fit(sample, embeddings=sample_embeddings)
        gc.collect()
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    counted = footprint(model, shared=(Dataset, Encoder))
    assert allocated > 2**20
    assert 0.7 * allocated < counted < 1.4 * allocated


def test_shared_arrays_and_memory_maps_are_not_counted_twice(tmp_path):
    from recengine.memory import footprint

    a = np.ones(2**16)
    np.save(tmp_path / "a.npy", a)
    mapped = np.load(tmp_path / "a.npy", mmap_mode="r")
    assert footprint([a, a[::2], {"again": a}, mapped, mapped[:10]]) == a.nbytes


def test_frames_count_their_columns_and_text(sample):
    from recengine.memory import footprint

    items = sample.items
    assert footprint(items) >= items.memory_usage(index=True, deep=False).sum()
    assert footprint(items) > footprint(items.select_dtypes("number"))
