"""Bundled sample datasets, loaded offline from ``data/`` in the source tree."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from recengine.data.dataset import Dataset
from recengine.data.load import UNWEIGHTED, read_dataset
from recengine.errors import DataError
from recengine.settings import app_root

SAMPLES = {
    "movielens-100k": {
        "interactions": "ratings.csv",
        "items": "items.csv",
        "text": "{title} ({year}). Genres: {genres}.",
        "description": "MovieLens-100K (GroupLens): 943 users, 1,682 movies, 100,000 ratings 1-5.",
        # a request whose nearest films change with the default fine-tune (seed 42): zero-shot reads the word
        # "war" (The War at Home, The War, The War Room: 4 war films of 8), the fine-tune what people watch
        # together (Henry V, Patton, Ran: 6 of 8)
        "request": "war drama",
        # MovieLens benchmarks (and the team's REFERENCE.md) count every rating as an interaction, 1-star ones too;
        # the sample does the same on purpose, so the warning that says so for other data is left out
        "every_rating_counts": True,
    },
}


def example_request(dataset: object) -> str:
    """A typed request that shows off a bundled sample (empty for other data, which we know nothing of).

    >>> example_request(load_sample("movielens-100k"))
    'war drama'
    """
    return str(SAMPLES.get(str(getattr(dataset, "name", "")), {}).get("request", ""))


def sample_dir(name: str) -> Path:
    base = Path(os.environ.get("RECENGINE_SAMPLES", app_root() / "data"))
    return base / name


def load_sample(name: str = "movielens-100k") -> Dataset:
    """Load a bundled sample by name; needs no network.

    Examples
    --------
    >>> ds = load_sample("movielens-100k")
    >>> ds.n_users, ds.n_items, ds.n_interactions
    (943, 1682, 100000)
    """
    if name not in SAMPLES:
        raise DataError(f"unknown sample {name!r}; available: {', '.join(SAMPLES)}.")
    spec = SAMPLES[name]
    folder = sample_dir(name)
    if not (folder / spec["interactions"]).exists():
        raise DataError(f"sample {name!r} is missing from {folder}; reinstall recengine (its wheel carries the sample) "
                        "or set $RECENGINE_SAMPLES to the folder that holds it.")
    ds = read_dataset(
        folder / spec["interactions"],
        folder / spec["items"],
        text=spec["text"],
        name=name,
    )
    if spec.get("every_rating_counts"):
        ds = dataclasses.replace(ds, warnings=tuple(w for w in ds.warnings if UNWEIGHTED not in w))
    return ds
