"""Text engine: encoders (model, device, fingerprint), the embedding cache, and contrastive fine-tuning.

Examples
--------
>>> from recengine.text import Encoder, embed_texts
>>> enc = Encoder("default", device="cpu")
>>> embed_texts(["a film about space"], enc).shape
(1, 384)
"""

from __future__ import annotations

from recengine.text.cache import CacheWarning, EmbeddingCache, clear_cache
from recengine.text.embed import ItemEmbeddings, embed_items, embed_texts
from recengine.text.encoder import Encoder, resolve_device, resolve_precision

__all__ = [
    "CacheWarning",
    "EmbeddingCache",
    "Encoder",
    "ItemEmbeddings",
    "clear_cache",
    "embed_items",
    "embed_texts",
    "resolve_device",
    "resolve_precision",
]
