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
from recengine.text.embed import (
    ItemEmbeddings,
    LanguageWarning,
    TruncationWarning,
    embed_items,
    embed_texts,
    request_matches,
)
from recengine.text.encoder import Encoder, resolve_device, resolve_precision
from recengine.text.finetune import FineTuneConfig, finetune, list_finetuned
from recengine.text.quality import cold_item_quality

__all__ = [
    "CacheWarning",
    "EmbeddingCache",
    "Encoder",
    "FineTuneConfig",
    "ItemEmbeddings",
    "LanguageWarning",
    "TruncationWarning",
    "clear_cache",
    "cold_item_quality",
    "embed_items",
    "embed_texts",
    "finetune",
    "list_finetuned",
    "request_matches",
    "resolve_device",
    "resolve_precision",
]
