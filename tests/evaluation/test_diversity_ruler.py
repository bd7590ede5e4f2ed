"""Diversity is read on one ruler, the default encoder's vectors, whatever encoder the text models use."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from recengine.evaluation import intra_list_diversity
from recengine.evaluation.protocols import ruler_vectors
from recengine.models.content import aligned_vectors


def test_another_encoders_vectors_are_not_the_ruler(sample, sample_embeddings):
    """A fine-tune draws items closer: its own vectors made the same lists read as 0.086 diverse against 0.286."""
    own = aligned_vectors(sample_embeddings, sample.item_map, texts=sample.texts)
    assert ruler_vectors(sample, sample_embeddings, own) is own  # the default's: used as they are
    squeezed = own + 3.0 * own.mean(axis=0)  # every item pulled toward one direction, as a fine-tune tends to
    squeezed /= np.linalg.norm(squeezed, axis=1, keepdims=True)
    tuned = dataclasses.replace(sample_embeddings, vectors=squeezed, fingerprint="ft-0123456789abcdef")
    ruler = ruler_vectors(sample, tuned, squeezed)
    np.testing.assert_allclose(ruler, own, atol=1e-6)
    recs = pd.DataFrame({"user_id": "u", "item_id": sample.item_map.external[:10], "rank": np.arange(1, 11)})
    ids = sample.item_map.external
    assert intra_list_diversity(recs, ids, squeezed) < intra_list_diversity(recs, ids, ruler)  # what the ruler undoes
