"""Embedding items and sentences through the cache: only texts the cache lacks reach the model."""

from __future__ import annotations

import re
import time
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recengine.errors import ConfigError
from recengine.text.cache import CacheWarning, EmbeddingCache, caller_level, text_keys
from recengine.text.encoder import DEFAULT, DEFAULT_LABEL, Encoder, Progress, as_encoder, check_batch_size


@dataclass(frozen=True, eq=False)
class ItemEmbeddings:
    """Item vectors aligned with a dataset's item map.

    ``vectors`` is (n_items, dim) float32, L2-normalised; items with empty text (``has_text`` False) get
    zeros. ``n_encoded`` items went through the model in this call, ``n_cached`` came from the cache;
    ``n_truncated`` of those encoded now were longer than the model reads, so only their beginning counts.
    ``text_digests`` maps each item id with text to the sha256 of the text embedded (the cache's key), so that a
    model fitted with these embeddings can tell another catalogue's texts from its own (None: not known).
    """

    vectors: np.ndarray
    item_ids: np.ndarray
    fingerprint: str
    n_encoded: int
    n_cached: int
    has_text: np.ndarray
    model: str = ""
    device: str = "cpu"
    seconds: float = 0.0
    n_truncated: int = 0
    text_digests: dict[str, bytes] | None = None

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __repr__(self) -> str:  # the whole array filled a notebook cell
        return (f"ItemEmbeddings({len(self):,} items x {self.dim}, model {self.model!r}, {self.fingerprint!r}, "
                f"{self.n_encoded:,} encoded, {self.n_cached:,} cached, {int(self.has_text.sum()):,} with text)")

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def vector(self, item_id: str) -> np.ndarray:
        """The vector of one item (by external id)."""
        from recengine.errors import UnknownIdError

        hits = np.flatnonzero(self.item_ids == str(item_id))
        if len(hits) == 0:
            raise UnknownIdError(f"item {item_id!r} has no embedding: it is not in this dataset.")
        return self.vectors[hits[0]]


class TruncationWarning(UserWarning):
    """Some texts are longer than the encoder reads: only their beginning was embedded."""


class LanguageWarning(UserWarning):
    """Most texts are written in letters the default (English) encoder reads as little more than characters."""


#: what a script's letters are called in words, by the first word of their Unicode names
_SCRIPTS = {"CJK": "Chinese or Japanese (CJK)", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean",
            "CYRILLIC": "Cyrillic", "ARABIC": "Arabic", "HEBREW": "Hebrew", "GREEK": "Greek", "THAI": "Thai",
            "DEVANAGARI": "Devanagari"}


_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_WORD_SIGNS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})  # scripts that write about a word per sign


def language_message(texts: Sequence[str], encoder: Encoder, sample: int = 500) -> str | None:
    """What to tell a user when most letters of the item texts are not Latin and ``encoder`` is the default one,
    trained on English text: it reads them as little more than single characters. None otherwise.

    >>> language_message(["精神小伙路难走", "程哥你狗粮"], Encoder("default", device="cpu"))[:58]
    'Most item texts are written in Chinese or Japanese (CJK) l'
    >>> language_message(["Caption: 精神小伙路难走. Category: 颜值.", "Café crème"], Encoder("default", device="cpu"))[31:57]
    'Chinese or Japanese (CJK) '
    >>> language_message(["Title: Toy Story. Genres: Comedy.", "Title: Амели."], Encoder("default", device="cpu")) is None
    True
    """
    if encoder.name != DEFAULT:
        return None
    scripts: dict[str, float] = {}  # about how many words of each script: a CJK character is about one word,
    for text in map(str, list(texts)[:sample]):  # five letters of an alphabet are about one (the labels are English)
        ascii_letters = len(_ASCII_LETTERS.findall(text))  # Latin, counted at C speed: this runs on every warm call
        if ascii_letters:
            scripts["LATIN"] = scripts.get("LATIN", 0.0) + 0.2 * ascii_letters
        if text.isascii():
            continue
        for ch in text:
            if ch.isalpha() and not ch.isascii():
                word = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
                scripts[word] = scripts.get(word, 0.0) + (1.0 if word in _WORD_SIGNS else 0.2)
    words = sum(scripts.values())
    foreign = {k: v for k, v in scripts.items() if k != "LATIN"}
    if not words or sum(foreign.values()) <= words / 2:
        return None
    main = max(foreign, key=foreign.__getitem__)
    return (f"Most item texts are written in {_SCRIPTS.get(main, main.title())} letters, but {DEFAULT_LABEL} learned "
            "English: it reads them as little more than single characters, so its similarities, maps and intent "
            "matches say little here. Where this machine can reach the Hugging Face hub, choose a multilingual model "
            "such as paraphrase-multilingual-MiniLM-L12-v2 (the Embeddings page's model box; in the CLI: --model).")


# While a long embedding runs, what is done is written to the cache at least this often, so an interrupted
# run (Ctrl-C, a closed laptop) resumes where it stopped instead of starting again.
CHECKPOINT_SECONDS = 30.0


class _Checkpoints:
    """Collects the chunks :meth:`Encoder.encode` reports and writes them to the cache every
    :data:`CHECKPOINT_SECONDS` and at the end. A cache that cannot be written (read-only, disk full) gets one
    warning; the vectors are still returned."""

    def __init__(self, cache: EmbeddingCache, keys: list[bytes]) -> None:
        self.cache, self.keys = cache, keys
        self.positions: list[np.ndarray] = []
        self.vectors: list[np.ndarray] = []
        self.last = time.monotonic()
        self.failed = False

    def add(self, positions: np.ndarray, vectors: np.ndarray) -> None:
        self.positions.append(np.asarray(positions))
        self.vectors.append(np.array(vectors, dtype=np.float32))
        if time.monotonic() - self.last >= CHECKPOINT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.positions or self.failed:
            return
        pos = np.concatenate(self.positions)
        vecs = np.concatenate(self.vectors)
        self.positions, self.vectors = [], []
        try:
            self.cache.put([self.keys[i] for i in pos], vecs)
        except OSError as exc:  # a read-only or full disk: the vectors are right, they are just not kept
            self.failed = True
            warnings.warn(
                f"could not save embeddings to the cache in {self.cache.dir} ({exc.strerror or exc}); they are used "
                "for this run only and will be computed again next time. Free some space or set RECENGINE_HOME "
                "to a writable folder.",
                CacheWarning,
                stacklevel=caller_level(),
            )
        self.last = time.monotonic()


def _embed_cached(
    texts: Sequence[str], encoder: Encoder, progress: Progress | None, batch_size: int | None
) -> tuple[np.ndarray, np.ndarray, int, int, int, list[bytes]]:
    """(vectors, has_text, n_encoded, n_cached, n_truncated, keys): look every text up, embed the misses once, store
    them; ``n_truncated`` counts the missed texts longer than the model reads, and ``keys`` are the cache keys of the
    texts that have text, in order (:func:`text_digests` without the Nones)."""
    check_batch_size(batch_size)  # before the cache, so a bad value is refused even when nothing needs the model
    texts = [t if isinstance(t, str) else "" for t in texts]
    has_text = np.array([bool(t.strip()) for t in texts], dtype=bool)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    idx = np.flatnonzero(has_text)
    if len(idx) == 0:
        if progress:
            progress(0, 0, "no texts")
        return out, has_text, 0, 0, 0, []
    keys = text_keys([texts[i] for i in idx])
    cache = EmbeddingCache(encoder.fingerprint, encoder.dim)
    found, vecs = cache.get(keys)
    out[idx[found]] = vecs[found]
    missing = np.flatnonzero(~found)
    n_truncated = 0
    said = out.shape[1]  # the width this call was sized by (loading the model below corrects encoder.dim)
    if len(missing) and int(encoder.model.get_embedding_dimension() or said) != said:
        # the model, loaded now, is not as wide as this machine's memo of it said (encoder-shapes.json edited):
        # its own width holds from here on (the memo is rewritten)
        encoder.dim = int(encoder.model.get_embedding_dimension())
        return _embed_cached(texts, encoder, progress, batch_size)
    if len(missing):
        first: dict[bytes, int] = {}
        for m in missing:
            first.setdefault(keys[m], len(first))
        new_keys = list(first)
        new_texts = [None] * len(new_keys)
        for m in missing:
            new_texts[first[keys[m]]] = texts[idx[m]]
        saver = _Checkpoints(cache, new_keys)
        try:
            new_vecs = encoder.encode(new_texts, batch_size=batch_size, progress=progress, on_chunk=saver.add)
        finally:  # interrupted or not, the chunks already embedded are kept
            saver.flush()
        out[idx[missing]] = new_vecs[[first[keys[m]] for m in missing]]
        n_truncated = int(encoder.too_long([texts[idx[m]] for m in missing]).sum())
    elif progress:
        progress(len(idx), len(idx), "all from cache")
    return out, has_text, int(len(missing)), int(found.sum()), n_truncated, keys


def text_digests(texts: Sequence[object]) -> list[bytes | None]:
    """The sha256 of each text as the cache keys it (:func:`~recengine.text.cache.text_keys`); None for an empty one
    (no text: nothing is embedded).

    >>> [d if d is None else len(d) for d in text_digests(["a film", "  ", None])]
    [32, None, None]
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    keys = iter(text_keys([t for t in texts if t.strip()]))
    return [next(keys) if t.strip() else None for t in texts]


def same_encoder(embeddings: object, encoder: object, reader: str = "the encoder given is") -> None:
    """A :class:`ConfigError` when ``embeddings`` (with a ``fingerprint``) were made by another encoder than
    ``encoder`` (an :class:`Encoder` or a name): requests and items would be read in two different spaces. Nothing
    to check when either is None or the embeddings carry no fingerprint (a bare array).

    >>> same_encoder(None, "default")
    """
    said = str(getattr(embeddings, "fingerprint", "") or "")
    if embeddings is None or encoder is None or not said:
        return
    encoder = as_encoder(encoder)
    if said != encoder.fingerprint:
        raise ConfigError(f"the item embeddings come from encoder {said}, but {reader} {encoder.fingerprint}: embed "
                          "the items with the same encoder (embed_items(dataset, encoder)), or pass the encoder the "
                          "embeddings were made with.")


def truncation_message(n_truncated: int, n_texts: int, encoder: Encoder) -> str:
    """What to tell a user when ``n_truncated`` of ``n_texts`` item texts were cut to what ``encoder`` reads."""
    name = DEFAULT_LABEL if encoder.name == DEFAULT else encoder.name
    return (f"{n_truncated:,} of {n_texts:,} item texts are longer than {name} reads ({encoder.max_seq_length} "
            "tokens): only their beginning was embedded. Put the most telling text first (the title, then the "
            "description), or choose a model that reads longer texts.")


def embed_items(
    dataset: object, encoder: Encoder | str, progress: Progress | None = None, batch_size: int | None = None
) -> ItemEmbeddings:
    """Embed every item's text, cache first.

    Parameters
    ----------
    dataset
        A :class:`recengine.data.Dataset`; its ``texts`` are embedded in internal item order.
    encoder
        The :class:`Encoder` to use; its fingerprint keys the cache.
    progress
        ``progress(done, total, message)``, called as texts are embedded.
    batch_size
        Texts per model call (default: the encoder's, larger on a GPU).

    Examples
    --------
    >>> import recengine
    >>> ds = recengine.load_sample("movielens-100k")
    >>> emb = embed_items(ds, Encoder("default", device="cpu"))
    >>> emb.vectors.shape
    (1682, 384)
    """
    start = time.perf_counter()
    if not hasattr(dataset, "texts") or not hasattr(dataset, "item_map"):
        raise ConfigError(f"embed_items takes a recengine Dataset (read_dataset / load_sample), got a {type(dataset).__name__}; "
                          "for plain strings use embed_texts(texts, encoder).")
    encoder = as_encoder(encoder)  # or a name: "default", a fine-tune's ft-..., a hub name, a folder
    vectors, has_text, n_encoded, n_cached, n_truncated, keys = _embed_cached(dataset.texts, encoder, progress, batch_size)  # type: ignore[attr-defined]
    item_ids = np.asarray(dataset.item_map.external)  # type: ignore[attr-defined]
    if n_truncated:
        warnings.warn(truncation_message(n_truncated, n_encoded, encoder), TruncationWarning, stacklevel=2)
    if foreign := language_message(dataset.texts, encoder):  # type: ignore[attr-defined]
        warnings.warn(foreign, LanguageWarning, stacklevel=2)
    return ItemEmbeddings(
        vectors=vectors,
        item_ids=item_ids,
        fingerprint=encoder.fingerprint,
        n_encoded=n_encoded,
        n_cached=n_cached,
        has_text=has_text,
        model=encoder.name,
        device=encoder.device,
        seconds=time.perf_counter() - start,
        n_truncated=n_truncated,
        text_digests=dict(zip(item_ids[has_text].astype(str).tolist(), keys)),  # the keys the cache was read by
    )


def embed_texts(
    texts: Sequence[str] | str, encoder: Encoder | str, progress: Progress | None = None, batch_size: int | None = None
) -> np.ndarray:
    """Embed sentences (queries, a user's intent) with the item encoder, through the same cache.

    Returns an (n, dim) float32 array, L2-normalised; a single string gives shape (1, dim).

    Examples
    --------
    >>> embed_texts(["space adventure for kids"], Encoder("default", device="cpu")).shape
    (1, 384)
    """
    if isinstance(texts, str):
        texts = [texts]
    if not hasattr(texts, "__iter__"):
        raise ConfigError(f"embed_texts takes a string or a list of strings, got a {type(texts).__name__}.")
    encoder = as_encoder(encoder)
    vectors = _embed_cached(list(texts), encoder, progress, batch_size)[0]
    return vectors


def request_matches(request: str, encoder: Encoder, embeddings: ItemEmbeddings, k: int = 8) -> list[tuple[str, float]]:
    """The ``k`` items whose text is nearest a typed request with ``encoder``, best first: ``(item_id, cosine)``.

    What an encoder makes of a request on its own (no history, no popularity): the Fine-tune page and
    ``recengine finetune --request`` set the zero-shot and the fine-tuned encoder's lists side by side.
    ``embeddings`` must come from the same encoder.

    Examples
    --------
    >>> import recengine
    >>> enc = Encoder("default", device="cpu")
    >>> emb = embed_items(recengine.load_sample("movielens-100k"), enc)
    >>> [round(c, 2) for _, c in request_matches("a war film", enc, emb, k=3)] == sorted(
    ...     [round(c, 2) for _, c in request_matches("a war film", enc, emb, k=3)], reverse=True)
    True
    """
    same_encoder(embeddings, encoder, reader="the request would be read by")
    sims = embeddings.vectors @ embed_texts([request], encoder)[0]
    sims[~embeddings.has_text] = -np.inf
    top = np.argsort(-sims, kind="stable")[: max(0, min(int(k), int(embeddings.has_text.sum())))]
    return [(str(embeddings.item_ids[i]), float(sims[i])) for i in top]
