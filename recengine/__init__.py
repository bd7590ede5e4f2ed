"""recengine: language-model embeddings that make a recommender better, above all for cold start.

The public API. Heavy parts (torch, sentence-transformers, shap) load only when first used, so
``import recengine`` stays quick.

Examples
--------
>>> import recengine
>>> ds = recengine.load_sample("movielens-100k")
>>> ds.n_items
1682
"""

from __future__ import annotations

import importlib
from typing import Any

from recengine.columns import Columns
from recengine.data import Dataset, IdMap, Split, load_sample, make_split, read_dataset
from recengine.errors import DataError, RecengineError

__version__ = "0.1.0"

# name -> module that defines it; imported on first access.
_LAZY = {
    "Encoder": "recengine.text",
    "ItemEmbeddings": "recengine.text",
    "embed_items": "recengine.text",
    "embed_texts": "recengine.text",
    "finetune": "recengine.text",
    "FineTuneConfig": "recengine.text",
    "Profile": "recengine.models",
    "Recommender": "recengine.models",
    "Popularity": "recengine.models",
    "ItemKNN": "recengine.models",
    "EASE": "recengine.models",
    "ContentKNN": "recengine.models",
    "Hybrid": "recengine.models",
    "recommend": "recengine.rerank",
    "audience": "recengine.models",
    "explain": "recengine.explain",
    "explain_many": "recengine.explain",
    "Explanation": "recengine.explain",
    "ItemExplanation": "recengine.explain",  # what explain returns (both views and the reason)
    "evaluate": "recengine.evaluation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'recengine' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    # a name that is also a package of ours (``explain``) is the package, which is callable: the function taken out
    # of it and kept here made a later ``import recengine.explain as ex`` return the function, with no explain_many
    value = loaded if module == f"{__name__}.{name}" else getattr(loaded, name)
    globals()[name] = value
    return value


__all__ = ["Columns", "DataError", "Dataset", "IdMap", "RecengineError", "Split", "load_sample", "make_split", "read_dataset", *_LAZY]
