"""ContentKNN: recommendations from item texts alone, so cold items (no interactions) are reachable.

Item-based aggregation, as in ``../shared/REFERENCE.md`` (twice the cold-item quality of averaging the
profile into one vector): each target item keeps as neighbours the items whose text similarity reaches
its ``k``-th most similar *interacted* item, and a profile scores it by summing the similarities of
the profile's items among those neighbours. An intent sentence is embedded with the same encoder and
blended in after standardising both parts per profile.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pydantic
import scipy.sparse as sp

from recengine.data import Dataset
from recengine.errors import ConfigError, ModelError
from recengine.models.base import ModelConfig, Recommender, pack_sparse, quoted_request, unpack_sparse
from recengine.models.neighbors import assemble, knn_scores
from recengine.models.profile import Profile

if TYPE_CHECKING:
    from recengine.text.facets import Reading

# Strings that mean nothing: how well they match a catalogue is the floor a real request must clear.
NULL_QUERIES = ("qzxv blorp wug", "lorem ipsum dolor sit amet", "xyzzy plugh")
# A request whose best match sits below this share of the way from that floor to how close items come to
# each other (see ContentKNN.intent_strength) is called a guess. Measured on MovieLens titles: "war drama"
# 0.90, "a slow-burning sci-fi film" 0.62, "horror" 0.48, "sleep" 0.33 (The Big Sleep), "love" 0.28, but
# "something good" 0.17, Chinese 0.02, "asdfgh qwerty" 0.01, "sad" -0.05, "car insurance quote" -0.11.
WEAK_INTENT = 0.2
#: Words that say a request wants something without saying what ("something good", "a nice film"): a title holding one
#: ("Something to Talk About", "The Muppet Movie") does not make the request a match by its words.
_FILLER_WORDS = '''
    something anything everything nothing thing things stuff good nice great best better cool fun like likes want
    wants looking please really kind sort maybe recommend recommendation recommendations suggest suggestion
    film films movie movies book books show shows song songs item items product products watch read listen
'''
FILLER_WORDS = frozenset(_FILLER_WORDS.split())
# The ranks of a request's matches that intent_strength weighs: its best, its 3rd and its 10th best.
INTENT_RANKS = (1, 3, 10)
#: How far a request's cosine rises for an item holding every category label the request names ("sci-fi" in
#: "a slow-burning sci-fi film"), in spans (best minus worst) of that request's cosines over the items, so the same
#: for any encoder: 1 puts every such item above every item holding fewer of the labels, however close a title
#: word brings it, and the cosine orders the items within (see :mod:`recengine.text.facets`).
FACET_WEIGHT = 1.0
#: A request's word names a category label by meaning ("romantic": Romance) when its cosine to the label reaches
#: NEAR_LABEL and tops its cosine to every other label by NEAR_MARGIN. Measured with all-MiniLM-L6-v2 against
#: MovieLens' genres: romantic -> Romance 0.79 (next best 0.49), animated -> Animation 0.85 (0.50), scary -> Horror
#: 0.75 (0.42), kids -> Children's 0.72 (0.44), murder -> Crime 0.70 (0.52), terrifying -> Horror 0.69 (0.43); but
#: "film" is 0.69 to Documentary and 0.67 to Film-Noir, "funny" 0.48 to Comedy, "burning" 0.47 to War. A false match
#: puts a whole label first, so both bars are high (see benchmarks/intent_labels.py).
NEAR_LABEL = 0.68
NEAR_MARGIN = 0.15
#: The most held labels a request's words are compared with: a catalogue of thousands of tags embeds these once.
NEAR_LABELS = 1000


def script_of(text: str) -> str | None:
    """The writing system most of ``text``'s letters are in ("LATIN", "CJK", "HIRAGANA", "CYRILLIC", ...), by their
    Unicode names; None without letters. Japanese kana and kanji count as one ("CJK"), as a sentence mixes them.

    >>> script_of("a slow sci-fi film"), script_of("静かなピアノのクラシック音楽"), script_of("Тихий джаз"), script_of("42!")
    ('LATIN', 'CJK', 'CYRILLIC', None)
    """
    import unicodedata
    from collections import Counter

    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            first = name.split(" ")[0] if name else ""
            counts["CJK" if first in ("CJK", "HIRAGANA", "KATAKANA") else first] += 1
    return counts.most_common(1)[0][0] if counts else None


#: How :func:`script_of`'s names read in a sentence (others: their name in title case, "Greek").
SCRIPT_NAMES = {"CJK": "Chinese or Japanese", "HANGUL": "Korean", "LATIN": "Latin"}


def encoder_name(encoder: Any) -> str:
    """The name that loads ``encoder`` again: a fine-tune's fingerprint (``ft-...``, found under
    ``$RECENGINE_HOME``), else the name it was made from (``default``, a hub name, a folder)."""
    from recengine.text.encoder import FINETUNE_RE

    fingerprint = str(getattr(encoder, "fingerprint", ""))
    return fingerprint if FINETUNE_RE.fullmatch(fingerprint) else str(getattr(encoder, "name", "default"))


def shared_encoder(name: str = "default", device: str = "auto") -> Any:
    """One loaded :class:`~recengine.text.Encoder` per (name, device) per process (imported when first used)."""
    from recengine.text.encoder import shared_encoder as shared

    return shared(name, device)


def as_encoder(encoder: Any) -> Any:
    """An :class:`~recengine.text.Encoder`, or the one a name stands for (``recengine.text.encoder.as_encoder``)."""
    from recengine.text.encoder import as_encoder as resolve

    return resolve(encoder)


class OtherTextsError(ConfigError):
    """Embeddings made from other texts than the dataset's (another catalogue that shares some ids)."""


def aligned_vectors(embeddings: Any, item_map: Any, texts: Sequence[object] | None = None) -> np.ndarray:
    """Item vectors in the model's catalogue order, read by item id from ``embeddings`` (:class:`ItemEmbeddings`,
    or a ``(vectors, item_ids)`` pair); an item they lack gets a zero vector (like nothing, never dropped).

    An array without ids must have one row per catalogue item, in its order. Embeddings of another catalogue (no
    id in common) are an error: read by position they would pair each item with another's vector. Given the
    catalogue's ``texts`` (in item-map order), embeddings made from other texts are an error too
    (:class:`OtherTextsError`): an item whose text differs from the one embedded (where the embeddings say what
    they embedded), or an item with text that they lack (only a bare ``(vectors, item_ids)`` pair may leave items
    out: those get a warning).
    """
    if isinstance(embeddings, tuple):
        vectors, ids = embeddings
    else:
        vectors, ids = getattr(embeddings, "vectors", embeddings), getattr(embeddings, "item_ids", None)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ConfigError(f"embeddings must be an (n_items, dim) array; got shape {vectors.shape}.")
    if ids is None:
        if len(vectors) != len(item_map):
            raise ConfigError(f"embeddings without item ids need one row per catalogue item ({len(item_map)}), in its "
                              f"order; got {len(vectors)}. Pass ItemEmbeddings, or (vectors, item_ids).")
        return vectors
    ids = np.asarray(ids).astype(str)
    if len(ids) != len(vectors):
        raise ConfigError(f"embeddings hold {len(vectors)} vectors but {len(ids)} item ids.")
    same = len(ids) == len(item_map) and np.array_equal(ids, item_map.external)
    rows = None if same else item_map.to_internal(ids)
    if rows is not None and not (rows >= 0).any():
        raise ConfigError(f"the embeddings share no item id with the model's catalogue (e.g. {ids[0]!r} there, "
                          f"{item_map.external[0]!r} here): embed this dataset's items.")
    if texts is not None:
        _check_texts(embeddings, ids, item_map, texts)
    if rows is None:
        return vectors
    out = np.zeros((len(item_map), vectors.shape[1]), dtype=np.float32)
    out[rows[rows >= 0]] = vectors[rows >= 0]
    return out


def _check_texts(embeddings: Any, ids: np.ndarray, item_map: Any, texts: Sequence[object]) -> None:
    """:func:`aligned_vectors`' check that ``embeddings`` were made from the catalogue's own ``texts``."""
    from recengine.display import one_line
    from recengine.text.embed import text_digests

    ours = text_digests(texts)
    theirs = None if isinstance(embeddings, tuple) else getattr(embeddings, "text_digests", None)
    held = set(ids.tolist())
    differ: list[int] = []
    lacking: list[int] = []
    for i, (item, digest) in enumerate(zip(item_map.external, ours)):
        if item not in held:
            if digest is not None:
                lacking.append(i)
        elif theirs is not None and theirs.get(item) != digest:
            differ.append(i)
    how = "embed this dataset's items with embed_items(dataset, encoder)"
    if differ:
        first = differ[0]
        said = str(texts[first]) if isinstance(texts[first], str) and str(texts[first]).strip() else ""
        here = f"“{one_line(said, 40)}” here" if said else "no text here"
        also = f", and hold no vector for {len(lacking):,} item(s) that have text here" if lacking else ""
        raise OtherTextsError(f"these embeddings were made from other texts for {len(differ):,} item(s) (e.g. id "
                              f"{item_map.external[first]!r}: {here}){also}: they belong to another catalogue that "
                              f"shares some ids with this one; {how}.")
    if lacking:
        message = (f"these embeddings hold no vector for {len(lacking):,} of the {len(item_map):,} items that have text "
                   f"here (e.g. id {item_map.external[lacking[0]]!r}): they were made for another catalogue, or before "
                   "these items were added")
        if isinstance(embeddings, tuple):  # the user's own vectors may leave items out on purpose
            from recengine.text.cache import caller_level

            warnings.warn(f"{message}; those items count as having no text. To use their text, {how}.",
                          UserWarning, stacklevel=caller_level())
            return
        raise OtherTextsError(f"{message}; {how}.")


def fitted_vectors(embeddings: Any, encoder: Any, dataset: Dataset) -> np.ndarray:
    """The item vectors a text model fits on: ``embeddings`` read by ``dataset``'s item ids, after checking that they
    come from ``encoder`` (when both say which) and from the dataset's own texts (a :class:`ConfigError` if not)."""
    from recengine.text.embed import same_encoder

    same_encoder(embeddings, encoder)
    try:  # by item id: embeddings of the same catalogue in another row order are the same vectors
        return aligned_vectors(embeddings, dataset.item_map, texts=dataset.texts)
    except OtherTextsError:
        raise
    except ConfigError as exc:
        raise ModelError(f"content model: {exc} Embed this dataset with embed_items(dataset, encoder).") from None


def standardize_rows(scores: np.ndarray) -> np.ndarray:
    """Per-row z-scores over the finite entries; NaN stays NaN, a constant row becomes 0.

    Examples
    --------
    >>> standardize_rows(np.array([[1.0, 3.0, np.nan]])).round(2).tolist()
    [[-1.0, 1.0, nan]]
    """
    s = np.asarray(scores, dtype=np.float32)
    finite = np.isfinite(s)
    count = finite.sum(axis=1, keepdims=True)
    filled = np.where(finite, s, 0.0)
    mean = filled.sum(axis=1, keepdims=True) / np.maximum(count, 1)
    var = (np.where(finite, s - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / np.maximum(count, 1)
    std = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(std > 1e-12, (s - mean) / np.where(std > 1e-12, std, 1.0), 0.0)
    return np.where(finite, z, np.nan).astype(np.float32)


def text_neighbors(vectors: np.ndarray, k: int, anchor_mask: np.ndarray, block_size: int = 2048) -> sp.csr_matrix:
    """Sparse (n, n): column ``j`` keeps rows whose cosine reaches ``j``'s ``k``-th best anchor similarity.

    Anchors are the items with interactions; cold items that are at least as similar are kept too, so a
    new user's cold favourite still counts.
    """
    n = vectors.shape[0]
    has_vec = np.linalg.norm(vectors, axis=1) > 0
    anchors = np.asarray(anchor_mask, dtype=bool) & has_vec
    if not anchors.any():
        anchors = has_vec
    parts = []
    kk = int(min(k, max(1, anchors.sum() - 1)))
    for start in range(0, n, block_size):
        stop = min(n, start + block_size)
        sim = vectors[start:stop] @ vectors.T  # one row per target item: the partition runs along memory
        targets = np.arange(stop - start)
        sim[targets, start + targets] = -np.inf
        sim[:, ~has_vec] = -np.inf
        masked = np.where(anchors[None, :], sim, -np.inf)
        thr = -np.partition(-masked, kth=kk - 1, axis=1)[:, kk - 1]
        keep = (sim >= thr[:, None]) & (sim > 0) & np.isfinite(sim)
        keep[~has_vec[start:stop], :] = False
        tt, rows = np.nonzero(keep)
        parts.append(sp.coo_matrix((sim[tt, rows], (rows, tt + start)), shape=(n, n), dtype=np.float32))
    return sp.csr_matrix(assemble(parts, n))


#: scripts that do not set words apart with spaces (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar)
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def catalogue_words(texts: Any) -> frozenset[str]:
    """The distinct words of four to 40 letters in ``texts``, lower-cased without accents (see ``_plain``).

    >>> sorted(catalogue_words(["Bratpfanne (28 cm). Mit Antihaftbeschichtung.", None]))
    ['antihaftbeschichtung', 'bratpfanne']
    """
    from recengine.text.terms import words

    return frozenset(_plain(w) for t in texts if t is not None for w in words(t)
                     if 4 <= len(w) <= 40 and any(ch.isalpha() for ch in w))


def _plain(word: str) -> str:
    """``word`` lower-cased without accents, as an uncased tokenizer reads it: "Amélie" is "amelie"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch))


class ContentKNNConfig(ModelConfig):
    """Settings of :class:`ContentKNN`."""

    k: int = pydantic.Field(50, ge=1, description="Interacted neighbours kept per item.")
    intent_weight: float = pydantic.Field(1.0, ge=0, allow_inf_nan=False,
                                          description="Weight of a typed request against the liked items.")
    encoder: str = pydantic.Field("default", description="Text encoder: \"default\" (the bundled MiniLM), a Hugging "
                                  "Face name or a local path.")
    device: str = pydantic.Field("auto", description="Where the encoder runs: auto, cpu, cuda or mps.")


def unit_rows(scores: np.ndarray) -> np.ndarray:
    """Each row moved and scaled so that its median is 0 and its best finite value 1 (NaN and -inf stay).

    >>> unit_rows(np.array([[0.0, 0.0, 0.0, 2.0, 4.0], [0.2, 0.4, 0.5, 0.6, 0.9]])).round(2).tolist()
    [[0.0, 0.0, 0.0, 0.5, 1.0], [-0.75, -0.25, 0.0, 0.25, 1.0]]
    """
    x = np.asarray(scores, dtype=np.float64)
    finite = np.where(np.isfinite(x), x, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row with nothing finite stays as it is
        mid = np.nanmedian(finite, axis=1, keepdims=True)
        top = np.nanmax(finite, axis=1, keepdims=True)
    span = np.where(np.isfinite(top - mid) & (top - mid > 0), top - mid, 1.0)
    return ((x - np.nan_to_num(mid)) / span).astype(np.float32)


class ContentKNN(Recommender):
    """Text-based item-kNN over language-model embeddings of the item texts; scores cold items too.

    ``fit`` takes precomputed ``embeddings`` (an :class:`~recengine.text.ItemEmbeddings` or an array
    aligned with the item map) or embeds the texts with ``encoder`` (default: the bundled MiniLM),
    through the embedding cache. Items without text get NaN.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import ContentKNN, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> model = ContentKNN().fit(ds)
    >>> recs = model.recommend(Profile.from_intent("an animated film for children"), k=3)
    >>> len(recs)
    3
    """

    name = "content"
    config_class = ContentKNNConfig
    reads_text = True

    def text_ready(self) -> bool:
        return bool(np.any(self.has_text))

    def _readable_history(self, known: list[str]) -> list[str]:
        idx = self.item_map.to_internal(known) if known else np.zeros(0, dtype=np.int64)
        return [i for i, j in zip(known, idx) if j >= 0 and self.has_text[j]]

    def _fit(self, dataset: Dataset, embeddings: Any = None, encoder: Any = None) -> None:
        encoder = as_encoder(encoder) if encoder is not None else None  # "default" names one as well
        self._encoder = encoder
        self._vocabulary: set[str] | None = None  # the words reads_as_words knows, on first use
        # the words of the item texts, titles and labels (uses_catalogue_words), read from the texts on first use or
        # on saving: the hybrid's validation fits never need them
        self._words: frozenset[str] | None = None
        self._texts: Sequence[object] | None = dataset.texts
        self._queries: dict[str, np.ndarray] = {}
        self._readings: dict[str, Reading] = {}
        self._read_with: tuple[Any, np.ndarray | None] = (None, None)  # (the facets read, their labels' vectors)
        if embeddings is None:
            from recengine.text import embed_items

            self._encoder = encoder or shared_encoder(self.config.encoder, self.config.device)
            embeddings = embed_items(dataset, self._encoder)
        vectors = fitted_vectors(embeddings, encoder, dataset)
        if encoder is not None:  # a loaded model embeds requests with the encoder it was fitted with (a fine-tune's too)
            self.config = self.config.model_copy(update={"encoder": encoder_name(encoder)})
        self.vectors = vectors
        self.fingerprint = str(getattr(embeddings, "fingerprint", "") or getattr(self._encoder, "fingerprint", ""))
        self.has_text = np.linalg.norm(vectors, axis=1) > 0
        self._intent_scale: tuple[np.ndarray, np.ndarray] | None = None  # (floor, top) per rank, on first use
        self._mean_vector: np.ndarray | None = None
        self.S = text_neighbors(vectors, self.config.k, ~dataset.cold_item_mask)
        self.facets = dataset.facets  # built once per dataset, shared with its stats

    # ---- the two parts of the score, also used by the hybrid -----------------------------------
    def history_scores(self, X: sp.csr_matrix) -> np.ndarray:
        """(n_profiles, n_items) summed neighbour similarities to the liked items; NaN for items without text."""
        out = knn_scores(X, self.S)
        out[:, ~self.has_text] = np.nan
        return out

    def intent_scores(self, profiles: list[Profile]) -> np.ndarray:
        """(n_profiles, n_items) cosine between each intent sentence and the items; NaN rows without intent."""
        out = np.full((len(profiles), len(self.vectors)), np.nan, dtype=np.float32)
        rows = [r for r, p in enumerate(profiles) if p.intent]
        if rows:
            from recengine.text.facets import positive_text

            # what a request turns away is left out of its embedding ("a comedy, no romance" embeds "a comedy"); a
            # request of refusals alone ("I don't want horror") asks for nothing: the other items come by popularity
            # (a typical item, the catalogue's centroid, breaks ties), where the centroid alone gave the same few
            # middling titles whatever was turned away
            said = [positive_text(profiles[r].intent) for r in rows]
            texts = sorted({profiles[r].intent if p is None else p for r, p in zip(rows, said) if p != ""})
            q = dict(zip(texts, self.embed_queries(texts))) if texts else {}
            for r, p in zip(rows, said):
                out[r] = self._refusals_only() if p == "" else q[profiles[r].intent if p is None else p] @ self.vectors.T
            for r in rows:  # the category labels the request names lift the items that hold them
                lift = self.facets.lift(self.read_intent(profiles[r].intent))
                if lift is not None:
                    cos = out[r][self.has_text]
                    out[r] += FACET_WEIGHT * float(cos.max() - cos.min() + 1e-6) * lift
            out[:, ~self.has_text] = np.nan
        return out

    def intent_signal(self, profiles: list[Profile]) -> np.ndarray:
        """(n_profiles, n_items) the hybrid's intent signal: :meth:`intent_scores` standardised within each row, times
        the request's :meth:`intent_trust` (a guess weighs less); NaN rows without a request. The hybrid's scores and
        its explanations' history view both read it here, so the two cannot drift apart."""
        trust = np.array([self.intent_trust(p.intent) for p in profiles], dtype=np.float32)
        return standardize_rows(self.intent_scores(profiles)) * trust[:, None] + 0.0  # + 0.0: a guess's 0, never -0.0

    def _refusals_only(self) -> np.ndarray:
        """Scores for a request that only turns things away: log popularity scaled to [0, 1], plus a tenth of each
        item's cosine to the catalogue's centroid (an untouched catalogue: the centroid alone)."""
        typical = self._centroid() @ self.vectors.T
        pop = np.log1p(np.asarray(self.item_popularity if self.item_popularity is not None else np.zeros(len(typical)),
                                  dtype=np.float64))
        if pop.max(initial=0.0) <= 0:
            return typical.astype(np.float32)
        return (pop / pop.max() + 0.1 * typical).astype(np.float32)

    def _centroid(self) -> np.ndarray:
        """The unit mean of the item vectors: what a typical item says."""
        if self._mean_vector is None:
            total = self.vectors[self.has_text].sum(axis=0)
            self._mean_vector = total / max(float(np.linalg.norm(total)), 1e-12)
        return self._mean_vector

    def intent_strength(self, intent: str) -> float:
        """How well a request matches this catalogue's texts, scale-free: 0 as well as meaningless strings, 1 as
        well as a typical item matches the items most like it.

        For each ``k`` in :data:`INTENT_RANKS` (fewer for a catalogue under ``10 k`` items), the request's ``k``-th best cosine
        to an item is placed between a floor, that of :data:`NULL_QUERIES`, and a top, the median over (up to
        512) items of their ``k``-th nearest other item; the strength is the best of these places, so a request
        that one item matches closely ("sleep": The Big Sleep) is as strong as one that many match. Below
        :data:`WEAK_INTENT` the request is a guess (see :meth:`intent_note`).
        """
        text_rows = np.flatnonzero(self.has_text)
        if len(text_rows) < 2:
            return float("nan")
        kks = sorted({int(max(1, min(k, len(text_rows) // 10))) for k in INTENT_RANKS})  # a small catalogue: its best matches
        vectors = self.vectors[text_rows]

        def kth(sim: np.ndarray) -> np.ndarray:  # (rows, len(kks)): each row's k-th best, for every k
            part = -np.partition(-sim, kks[-1] - 1, axis=1)[:, : kks[-1]]
            return -np.sort(-part, axis=1)[:, [k - 1 for k in kks]]

        if self._intent_scale is None:
            rows = np.random.default_rng(0).choice(len(text_rows), size=min(512, len(text_rows)), replace=False)
            sim = vectors[rows] @ vectors.T
            sim[np.arange(len(rows)), rows] = -np.inf  # an item is not its own neighbour
            floor = kth(self.embed_queries(list(NULL_QUERIES)) @ vectors.T).mean(axis=0)
            self._intent_scale = (floor, np.median(kth(sim), axis=0))
        floor, top = self._intent_scale
        score = kth(self.embed_queries([intent]) @ vectors.T)[0]
        ok = top - floor > 1e-6  # ranks where items stand out from meaningless strings at all
        if not ok.any():
            return float("nan")
        return float(np.max((score[ok] - floor[ok]) / (top[ok] - floor[ok])))

    def intent_note(self, intent: str) -> str | None:
        """A sentence for the user when ``intent`` matches the item texts hardly better than meaningless words (a
        request that names one of the catalogue's category labels, to ask for it or turn it away, is never a guess)."""
        from recengine.text.facets import positive_text

        if positive_text(intent) == "":
            turned = self.intent_avoided(intent)
            return (f"the request {quoted_request(intent)} only says what to leave out"
                    + (f" ({', '.join(turned)})" if turned else "") + ": the other items come by popularity; "
                    "say what you would like too (a genre, a topic, a title)")
        if self._guess_strength(intent) is None:
            return None
        asked, theirs = script_of(intent), script_of(" ".join(str(t) for t in np.asarray(self.titles)[:500]))
        if asked and theirs and asked != theirs:  # "静かなピアノ" against English titles: the encoder, not the words
            from recengine.text.encoder import DEFAULT_LABEL

            said = [SCRIPT_NAMES.get(x, x.title()) for x in (asked, theirs)]
            return (f"the request {quoted_request(intent)} is written in {said[0]} letters and the titles in {said[1]} ones, and it matches the item texts hardly better than random letters do: the "
                    f"encoder ({DEFAULT_LABEL if self.config.encoder == 'default' else self.config.encoder}) may not read that language. Ask in the language of the item "
                    "texts, or embed them with a multilingual model (such as paraphrase-multilingual-MiniLM-L12-v2: "
                    "the Embeddings page's encoder box, or --encoder)")
        return (f"the request {quoted_request(intent)} matches the item texts hardly better than random letters do, so what it "
                "adds is a guess; try words the titles or descriptions use (a genre, a topic, a well-known title)")

    def intent_trust(self, intent: str) -> float:
        """How much of its weight a request keeps beside liked items and popularity: 1, unless it is a guess
        (:meth:`intent_note`), which keeps its share of the way from meaningless strings to :data:`WEAK_INTENT`. A
        typo-like "xqzv blorf" beside three liked films took the whole list over with items close to noise."""
        strength = self._guess_strength(intent)
        return 1.0 if strength is None else float(np.clip(strength / WEAK_INTENT, 0.0, 1.0))

    def _guess_strength(self, intent: str) -> float | None:
        """The :meth:`intent_strength` of a request that is a guess (below :data:`WEAK_INTENT`), else None. No guess:
        a request of refusals alone, one that names a category label (to ask for it or turn it away), one in the
        catalogue's own words, or one measured as NaN (too few texts to tell)."""
        from recengine.text.facets import positive_text

        if not intent or positive_text(intent) == "" or self.read_intent(intent) or self.uses_catalogue_words(intent):
            return None
        strength = self.intent_strength(intent)
        return strength if strength < WEAK_INTENT else None

    def near_labels(self, words: Sequence[str]) -> list[int | None]:
        """For each word, the category label it names by meaning (an index into ``facets.labels``), or None: the
        label its embedding comes closest to, if close enough and clearly closer than to any other (see
        :data:`NEAR_LABEL`)."""
        n = min(len(self.facets), NEAR_LABELS)
        if not len(words) or not n:
            return [None] * len(words)
        facets, vectors = self._read_with
        if facets is not self.facets or vectors is None:
            vectors = self.embed_queries(self.facets.labels[:n], remember=False)
            self._read_with = (self.facets, vectors)
        sim = self.embed_queries(list(words)) @ vectors.T
        top = np.argsort(-sim, axis=1)[:, :2]
        best = sim[np.arange(len(sim)), top[:, 0]]
        second = sim[np.arange(len(sim)), top[:, 1]] if n > 1 else np.zeros(len(sim))
        return [int(t) if b >= NEAR_LABEL and b - c >= NEAR_MARGIN else None for t, b, c in zip(top[:, 0], best, second)]

    def read_intent(self, intent: str) -> Reading:
        """Which category labels ``intent`` asks for and turns away, by their words or by meaning (remembered)."""
        if self._read_with[0] is not self.facets:  # labels swapped or reloaded: earlier readings point elsewhere
            self._readings = {}
            self._read_with = (self.facets, None)
        memo = self._readings
        if intent not in memo:
            if len(memo) > 512:
                memo.clear()
            memo[intent] = self.facets.read(intent, self.near_labels if self.text_ready() else None)
        return memo[intent]

    def intent_labels(self, intent: str) -> list[str]:
        return self.facets.named(self.read_intent(intent))

    def request_tiers(self, profiles: list[Profile]) -> np.ndarray | None:
        if not len(self.facets) or not any(p.intent for p in profiles):
            return None
        out = np.zeros((len(profiles), len(self.vectors)), dtype=np.float32)
        named = False
        for r, p in enumerate(profiles):
            lift = self.facets.lift(self.read_intent(p.intent)) if p.intent else None
            if lift is not None:
                out[r], named = lift, True
        return out if named else None

    def intent_avoided(self, intent: str) -> list[str]:
        return self.facets.avoided(self.read_intent(intent))

    def held_labels(self, intent: str, item: object) -> list[str]:
        """The labels ``intent`` asks for that ``item`` holds."""
        return self.facets.held_by(self.read_intent(intent), self.item_map.index(item))

    def intent_summary(self, intent: str) -> str | None:
        reading = self.read_intent(intent)
        if not reading:
            return None

        def names(found: tuple[int, ...], meant: bool = False) -> str:
            return ", ".join(self.facets.labels[i] + (f" (read from “{reading.meant[i]}”)" if meant and i in reading.meant else "")
                             for i in found)

        said = [f"asks for {names(reading.wanted, True)}"] if reading.wanted else []
        said += [f"turns away {names(reading.avoided, True)}"] if reading.avoided else []
        if reading.wanted and reading.avoided:
            how = f"the items holding {names(reading.wanted)} come first, those holding {names(reading.avoided)} last"
        else:
            which = reading.wanted or reading.avoided
            how = f"the items holding {'it' if len(which) == 1 else 'them'} come {'first' if reading.wanted else 'last'}"
        return f"{' and '.join(said)}: {how}"

    def embed_queries(self, texts: list[str], remember: bool = True) -> np.ndarray:
        """Embed sentences with the encoder the item vectors came from (disk cache, plus a small in-memory one that
        ``remember=False`` leaves alone)."""
        from recengine.text import embed_texts

        memo = self._queries
        if remember and all(t in memo for t in texts):
            return np.stack([memo[t] for t in texts])
        vectors = embed_texts(list(texts), self._loaded_encoder())
        if not remember:
            return vectors
        if len(memo) > 512:
            memo.clear()
        memo.update(zip(texts, vectors))
        return vectors

    def _loaded_encoder(self) -> Any:
        """The encoder the item vectors came from (loaded on first use after :meth:`load`)."""
        if self._encoder is None:
            self._encoder = shared_encoder(self.config.encoder, self.config.device)
            if self.fingerprint and self._encoder.fingerprint != self.fingerprint:
                warnings.warn(
                    f"the content model was fitted with encoder {self.fingerprint}, but {self._encoder.fingerprint} "
                    "is loaded; intent similarities may be off. Pass the same encoder to fit.",
                    UserWarning,
                    stacklevel=4,
                )
        return self._encoder

    def uses_catalogue_words(self, text: str) -> bool:
        """Whether ``text`` holds a word of four letters or more, not a filler ("something", "film"), that an item's
        text, title or category label holds: such a request matches items by its very words ("Bratpfanne mit
        Antihaftbeschichtung" and the frying pans described so), however its cosines compare with meaningless
        strings'. A model saved before its text words were kept knows its titles' and labels' words only."""
        from recengine.text.facets import positive_text
        from recengine.text.terms import words

        wanted = positive_text(text)
        said = {_plain(w) for w in words(text if wanted is None else wanted) if len(w) >= 4 and any(ch.isalpha() for ch in w)}
        said -= FILLER_WORDS
        return bool(said) and not said.isdisjoint(self._catalogue_words())

    def _catalogue_words(self) -> frozenset[str]:
        """The words :meth:`uses_catalogue_words` knows: the item texts' (a model saved before they were kept has none)
        with the titles' and the category labels'."""
        if self._words is None:
            labels = list(getattr(self.facets, "labels", []) or [])
            titles = list(self.titles) if self.titles is not None else []
            self._words = catalogue_words([*(self._texts or ()), *titles, *labels])
            self._texts = None  # read once: the model keeps no hold on the catalogue's texts
        return self._words

    def reads_as_words(self, text: str) -> bool:
        """Whether ``text`` holds a word (of three letters or more) that the encoder's vocabulary or the catalogue's
        titles know. Keyboard mashing ("zzzz qqqq 12345") does not: the items nearest to it are noise, however
        close their cosines look. A tokenizer without a vocabulary to read counts every word as known."""
        from recengine.text.terms import words

        if _UNSPACED.search(str(text)):  # Chinese, Japanese, Thai ...: words are not set apart, so not judged
            return True
        said = {_plain(w) for w in words(text) if any(ch.isalpha() for ch in w)}
        if not said:
            return False
        if self._vocabulary is None:
            tokenizer = getattr(getattr(self._loaded_encoder(), "model", None), "tokenizer", None)
            try:
                vocab = {_plain(str(t)) for t in tokenizer.get_vocab()} if tokenizer is not None else None
            except Exception:  # a tokenizer that cannot list its vocabulary
                vocab = None
            titles = {_plain(w) for t in (self.titles if self.titles is not None else []) for w in words(t)}
            self._vocabulary = None if vocab is None else vocab | titles
        if self._vocabulary is None:
            return True
        return any(w in self._vocabulary or w.replace("-", "") in self._vocabulary for w in said)

    def new_item_scores(self, X: sp.csr_matrix, vector: np.ndarray) -> np.ndarray:
        """Scores (n_profiles,) for a brand-new item with embedding ``vector``, as if it were a cold item."""
        return np.asarray(X @ self.new_item_column(vector)).ravel()

    def new_item_column(self, vector: np.ndarray) -> np.ndarray:
        """(n_items,) similarity of each interacted item to a new item, kept for its ``k`` nearest only."""
        sim = self.vectors @ np.asarray(vector, dtype=np.float32).ravel()
        sim[~self.has_text] = -np.inf
        anchors = self.warm_mask & self.has_text if self.warm_mask is not None else self.has_text
        pool = sim[anchors] if anchors.any() else sim[self.has_text]
        kk = int(min(self.config.k, len(pool)))
        thr = -np.partition(-pool, kk - 1)[kk - 1] if kk > 0 else np.inf
        return np.where((sim >= thr) & (sim > 0), sim, 0.0).astype(np.float32)

    def _score(self, profiles: list[Profile], X: sp.csr_matrix) -> np.ndarray:
        history = self.history_scores(X)
        # a history of items without text says nothing here: no row of zero-score filler for it
        has_history = np.asarray(X @ self.has_text.astype(np.float32)).ravel() > 0  # weights are > 0
        history[~has_history] = np.nan
        if not any(p.intent for p in profiles):
            return history
        intent = self.intent_scores(profiles)
        has_intent = np.array([bool(p.intent) for p in profiles])
        both = has_history & has_intent
        out = np.where(has_intent[:, None] & ~has_history[:, None], intent, history)
        if both.any():
            # The two parts on one scale, each with its best item at 1 and the catalogue's middle at 0, summed, then
            # given the history's own units (times its best value: the same order), so that an explanation's
            # coalition of the items alone is worth what it adds to the whole. Standardised, the history (a few dozen
            # neighbours of the liked items, zero elsewhere) put its items 7 to 10 deviations up and a request's
            # best 3 to 5: "Alien, Aliens and a romantic comedy" listed Alien 3 first, and no romance.
            w = self.config.intent_weight
            h = history[both]
            top = np.nanmax(np.where(np.isfinite(h), h, np.nan), axis=1, keepdims=True)
            top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
            trust = np.array([self.intent_trust(p.intent) for p, b in zip(profiles, both) if b], dtype=np.float32)
            out[both] = top * (unit_rows(h) + w * trust[:, None] * unit_rows(intent[both]))
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return {"vectors": self.vectors, "fingerprint": np.asarray(self.fingerprint), **pack_sparse("S", self.S),
                "facet_labels": np.asarray(self.facets.labels, dtype=str), **pack_sparse("facets", self.facets.held),
                "text_words": np.frombuffer("\n".join(sorted(self._catalogue_words())).encode("utf-8"), dtype=np.uint8)}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Any) -> None:
        self.vectors = arrays["vectors"]
        self.fingerprint = str(arrays["fingerprint"])
        self.has_text = np.linalg.norm(self.vectors, axis=1) > 0
        self.S = unpack_sparse("S", arrays)
        from recengine.text.facets import FacetIndex

        if "facet_labels" in arrays:
            self.facets = FacetIndex(arrays["facet_labels"].tolist(), unpack_sparse("facets", arrays), self.titles)
        else:  # saved before category labels were read: requests match by their cosine alone
            self.facets = FacetIndex([], sp.csr_matrix((len(self.vectors), 0), dtype=np.float32))
        self._encoder = None
        self._vocabulary = None
        self._texts = None
        said = bytes(arrays["text_words"]).decode("utf-8") if "text_words" in arrays else None
        self._words = None if said is None else frozenset(said.split("\n")) - {""}  # None: its titles' and labels'
        self._queries = {}
        self._readings = {}
        self._read_with = (None, None)
        self._mean_vector = None
        self._intent_scale = None
