"""Datasets: reading and validating users' files, bundled samples, id maps and protocol splits."""

from recengine.data.dataset import Dataset, IdMap
from recengine.data.load import keep_ratings_at_least, read_dataset
from recengine.data.readers import read_table
from recengine.data.samples import SAMPLES, load_sample
from recengine.data.splits import (
    PROTOCOLS,
    Split,
    cold_items_split,
    few_shot_splits,
    make_split,
    temporal_split,
    warm_split,
)

__all__ = [
    "PROTOCOLS",
    "SAMPLES",
    "Dataset",
    "IdMap",
    "Split",
    "cold_items_split",
    "few_shot_splits",
    "keep_ratings_at_least",
    "load_sample",
    "make_split",
    "temporal_split",
    "read_dataset",
    "read_table",
    "warm_split",
]
