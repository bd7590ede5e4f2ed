"""Cached wrappers around the engine: one encoder per name, one embedding table and one fitted model per dataset.

Encoders and fitted models are shared resources (``st.cache_resource``); tables of results are data
(``st.cache_data``). Arguments that cannot be hashed are prefixed ``_`` and paired with a key that
identifies them (the dataset key, the encoder fingerprint). No algorithm lives here: each function
calls one engine function.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable

import numpy as np
import streamlit as st

Progress = Callable[[int, int, str], None]


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Import what the first explained list needs (shap: 0.5 s on a quiet machine, up to 5 s on a busy one) in a
    background thread, once per server, as the first page opens: the first Recommend page after a start then
    does not wait for it."""

    def run() -> None:
        with contextlib.suppress(Exception):  # an import that fails here fails again, with its message, where used
            import shap  # noqa: F401

            import recengine.explain  # noqa: F401

    thread = threading.Thread(target=run, name="recengine-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def device_label(choice: str = "auto") -> str:
    """The device the encoder runs on, in words ("GPU (NVIDIA H100)", "Apple GPU (MPS)", "CPU")."""
    import torch

    if choice not in ("auto", "cuda") and not choice.startswith("cuda"):
        return "Apple GPU (MPS)" if choice == "mps" else "CPU"
    if torch.cuda.is_available():
        return f"GPU ({torch.cuda.get_device_name(0)})"
    if choice == "auto" and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "Apple GPU (MPS)"
    return "CPU"


def fit_time_note(n_items: int) -> str:
    """How long the hybrid's first fit takes on this catalogue, in words, from what was measured on 2 CPU cores
    (1,682 items: 4 s; 20,000 items: 140 s, EASE being cubic in the number of items). A fit is reused afterwards.
    """
    return f"the hybrid takes the longest: {fit_wait(n_items)} for {n_items:,} items on 2 CPU cores, less on a GPU"


def fit_wait(n_items: int) -> str:
    """The hybrid's first fit on ``n_items`` items on 2 CPU cores, in words (see :func:`fit_time_note`)."""
    if n_items <= 3_000:
        return "a few seconds"
    if n_items <= 10_000:
        return "up to a minute"
    return "several minutes"


def finetune_wait(split, config: dict) -> str:
    """What a fine-tune with ``config`` will cost on this split, in words: its steps (the engine's estimate) and the
    time they took per step on 2 CPU cores on MovieLens-100K (about 1 s at batch 32; the history recipe 0.84 s at
    64), scaled by the batch."""
    from recengine.text.encoder import resolve_device
    from recengine.text.finetune import BATCH_CPU, HISTORY_BATCH_CPU, FineTuneConfig, batch_size, estimate_steps

    cfg = FineTuneConfig(**config)
    steps = estimate_steps(split.train, cfg, resolve_device(cfg.device))
    history = cfg.loss == "history"
    batch = batch_size(cfg, "cpu")
    # a step reads its texts whole: MovieLens's "Title (year). Genres: ..." is about 55 characters, a book's blurb
    # four times that (a shop's 85 books: 3.7 s a step, where the sample's titles take 0.98 s)
    lengths = [len(t) for t in split.train.texts if t]
    longer = min(max(float(np.median(lengths)) / 55.0, 1.0), 4 * cfg.max_seq_length / 55.0) if lengths else 1.0
    per_step = (0.84 * batch / HISTORY_BATCH_CPU if history else 0.98 * batch / BATCH_CPU) * longer
    # loading the encoder, and embedding the items to check the result (and, with the guard, its held-out items):
    # a 3-step run on the sample took 29 s in all, 2 s of it training
    fixed = 5.0 + len(lengths) * 0.004 * longer * (3 if cfg.guard else 1)
    seconds = steps * per_step * (1.85 if cfg.guard else 1.0) + fixed
    took = f"{seconds / 60:.0f} minutes" if seconds >= 90 else "about a minute" if seconds >= 40 else "under a minute"
    return (f"On this data a run is about {steps:,} training steps{' (and a guard run before it)' if cfg.guard else ''}: "
            f"roughly {took} on 2 CPU cores, checking included, far less on a GPU.")


def progress_callback(label: str) -> tuple[Progress, Callable[[], None]]:
    """A ``progress(done, total, message)`` callback drawn as a Streamlit progress bar, and a closer."""
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int, message: str = "") -> None:
        frac = 0.0 if total <= 0 else min(1.0, max(0.0, done / total))
        bar.progress(frac, text=f"{label} — {message}" if message else f"{label} ({done:,}/{total:,})")

    return update, bar.empty


@st.cache_data(show_spinner=False, max_entries=8)
def table_columns(data: bytes, name: str, role: str) -> tuple[list[str], dict[str, str | None], list[str], list[str]]:
    """The columns of an uploaded file, the roles the engine would guess for them (None: no guess), the kinds of
    event in its event column (none without one), and the columns its item texts could come from. Of a workbook, the
    sheet that the load reads: the interactions are on the first sheet with a user column, and the texts on its
    other sheets."""
    from recengine.data import read_table
    from recengine.data.load import event_kinds, guess_columns, interactions_sheet

    tbl = read_table(data, default_name=name, explode=role != "items")
    if role != "items":
        tbl = interactions_sheet(tbl, None, [])
    guesses = guess_columns(tbl, role)
    columns = [str(c) for c in tbl.frame.columns]
    texts = list(dict.fromkeys(str(c) for sheet in tbl.sheets for c in sheet.frame.columns)) or columns
    return columns, guesses, event_kinds(tbl, guesses.get("event")), texts


@st.cache_resource(show_spinner="Loading the encoder…", max_entries=4)
def encoder(name: str = "default", device: str = "auto"):
    """One loaded encoder per (name, device), shared by every session (encoding is lock-protected)."""
    from recengine.text import Encoder

    return Encoder(name, device=device)


@st.cache_resource(show_spinner=False)
def own_models() -> dict[str, str]:
    """Models that a visitor named by folder or Hugging Face name and that loaded here, by name, with their label:
    offered to every session (and taken back from a page address) until the app restarts."""
    return {}


#: Set to 0 by an operator who serves the app to others: visitors may then not name a folder of the server's disk
#: or a Hugging Face model (a download) in the encoder box; the default and the fine-tunes stay.
OWN_MODELS_ENV = "RECENGINE_APP_OWN_MODELS"


def own_models_allowed() -> bool:
    """Whether visitors may type their own model's folder or Hugging Face name (yes unless ``$RECENGINE_APP_OWN_MODELS``
    is 0, false, no or off)."""
    return os.environ.get(OWN_MODELS_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def add_own_model(name: str, device: str = "auto") -> str:
    """Load the model ``name`` (a local folder or a Hugging Face name) and offer it as an encoder; its name, or a
    ModelError that says why it cannot be used (the choices are left as they were)."""
    from pathlib import Path

    from recengine.errors import ConfigError

    if not own_models_allowed():
        raise ConfigError(f"this app is set to offer only its own encoders (${OWN_MODELS_ENV}=0). Choose one from "
                          "the list, or run recengine yourself to use a model of your own.")
    name = str(name).strip()
    enc = encoder(name, device)
    own_models()[name] = f"{Path(name).name or name} · {enc.dim} dimensions · your model"
    return name


@st.cache_resource(show_spinner=False)
def _registry() -> dict:
    """Embeddings and fitted models already computed, by key, shared across sessions."""
    return {}


_lock = threading.Lock()


# by the model itself, weakly: a lock goes with its model when the caches drop it (keyed by id(), they stayed for
# ever, and a new model could get the lock of an old one whose id it reused)
_model_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _lock_for(model) -> threading.Lock:
    """One lock per shared fitted model: models keep per-call scratch state (the hybrid caches its signals)."""
    with _lock:
        return _model_locks.setdefault(model, threading.Lock())


def _shared_types() -> tuple[type, ...]:
    """What a cached value may point to but does not own: loaded encoders (cached on their own, in
    :func:`encoder`) and their torch modules."""
    import sys

    from recengine.text.encoder import Encoder

    torch = sys.modules.get("torch")
    return (Encoder, torch.nn.Module) if torch is not None else (Encoder,)


def _evict(registry: dict, limit: int, keep: tuple) -> None:
    """Drop the least recently used values of every kind until the rest hold at most ``limit`` bytes; ``keep`` (the
    value just made) stays whatever its size. Called under ``_lock``."""
    sizes = registry.setdefault("_bytes", {})
    total = sum(sizes.values())
    for entry in list(sizes):
        if total <= limit:
            break
        if entry == keep:
            continue
        kind, key = entry
        registry.get(kind, {}).pop(key, None)
        total -= sizes.pop(entry)


def _remember(kind: str, key: tuple, make: Callable[[], object], keep: int = 6) -> object:
    """``make()``'s value, computed once per key and shared by every session.

    A key being computed by another session (a second tab, a tab refreshed mid-run) is waited for, not computed
    again beside it: two evaluations of the same choices each took twice as long on a presenter's two cores.

    At most ``keep`` values of a kind are kept, and all kinds together hold at most ``$RECENGINE_APP_MEMORY_MB``
    (:func:`recengine.settings.app_memory_limit_bytes`, counted by :func:`recengine.memory.footprint`): past
    either, the least recently used go. Counted in entries alone, twelve hybrids of a 20,000-item catalogue held
    about 26 GB.
    """
    from recengine.settings import app_memory_limit_bytes

    registry = _registry()
    reg = registry.setdefault(kind, {})
    hit = _shared(kind, key)  # used now: the last to go (the sample's model, which every visitor opens, stays)
    if hit is not _MISSING:
        return hit
    limit = app_memory_limit_bytes()  # a wrong setting is reported now, before minutes of work, not after
    running = registry.setdefault("_running", {})
    with _lock:
        event = running.get((kind, key))
        mine = event is None
        if mine:
            event = running[(kind, key)] = threading.Event()
    if not mine:
        with st.spinner("The same computation is running in another tab or an earlier visit; waiting for it…"):
            event.wait()
        if key in reg:
            return reg[key]
        return _remember(kind, key, make, keep)  # it failed or was stopped there: compute it here
    try:
        value = make()
        _keep(kind, key, value, keep, limit)
        return value
    finally:
        with _lock:
            running.pop((kind, key), None)
        event.set()


def _keep(kind: str, key: tuple, value: object, keep: int, limit: int) -> None:
    """Share ``value`` under ``key`` of ``kind``, within ``keep`` values of its kind and ``limit`` bytes in all."""
    from recengine.memory import footprint

    size = footprint(value, _shared_types())
    registry = _registry()
    with _lock:
        reg = registry.setdefault(kind, {})
        reg.pop(key, None)
        reg[key] = value
        sizes = registry.setdefault("_bytes", {})  # bytes of every kind's values, least recently used first
        sizes.pop((kind, key), None)
        sizes[(kind, key)] = size
        while len(reg) > keep:  # least recently used first: dicts keep insertion order, and a hit moves to the end
            old = next(iter(reg))
            del reg[old]
            sizes.pop((kind, old), None)
        _evict(registry, limit, (kind, key))


_MISSING = object()


def _shared(kind: str, key: tuple) -> object:
    """The value shared under ``key`` of ``kind`` (marked used now), or ``_MISSING``."""
    registry = _registry()
    with _lock:
        reg = registry.get(kind, {})
        if key not in reg:
            return _MISSING
        reg[key] = reg.pop(key)
        sizes = registry.setdefault("_bytes", {})
        if (kind, key) in sizes:
            sizes[(kind, key)] = sizes.pop((kind, key))
        return reg[key]


def cached_bytes() -> int:
    """Bytes the app's shared values hold now (as :func:`_remember` counts them)."""
    with _lock:
        return sum(_registry().get("_bytes", {}).values())


def is_running(kind: str, key: tuple) -> bool:
    """Whether some session is computing ``key`` of ``kind`` now (see :func:`_remember`)."""
    return (kind, key) in _registry().get("_running", {})


def has_embeddings(dataset_key: str, name: str, device: str) -> bool:
    return (dataset_key, name, device) in _registry().get("embeddings", {})


def item_embeddings(dataset, dataset_key: str, name: str = "default", device: str = "auto"):
    """The dataset's item embeddings with this encoder; the first call draws a progress bar while it embeds."""
    from recengine.text import embed_items

    def make():
        enc = encoder(name, device)
        from ui.state import encoder_label  # the display name: a fine-tune's folder, not its whole path

        update, close = progress_callback(f"Embedding {dataset.n_items:,} item texts with {encoder_label(name)}")
        try:
            return embed_items(dataset, enc, progress=update)
        finally:
            close()

    return _remember("embeddings", (dataset_key, name, device), make)


@st.cache_data(show_spinner="Projecting the embeddings to 2-D…", max_entries=8)
def projection(dataset_key: str, fingerprint: str, method: str, _vectors) -> object:
    """2-D map coordinates of the item vectors (cached per dataset, encoder and method)."""
    from recengine.figures.embeddings import project_2d

    return project_2d(_vectors, method)


def colour_columns(dataset, dataset_key: str) -> list[str]:
    """The item columns a map can be coloured by (``colours_well``), worked out once per dataset: the check reads
    every value of every column, and the page runs again at each click."""
    from recengine.columns import Columns
    from recengine.figures.embeddings import colours_well

    items = dataset.items
    return _remember("colour_columns", (dataset_key,), lambda: [
        c for c in items.columns if c not in (Columns.item, Columns.text, Columns.title) and colours_well(items[c])],
        keep=12)


def encoder_options(dataset=None, dataset_key: str | None = None) -> tuple[dict[str, str], list[str]]:
    """Encoders to choose from, and which of them were fine-tuned on this dataset.

    The default comes first, then every fine-tuned encoder in the store or the models folder (made from Python)
    whose folder exists: the ones tuned on
    ``dataset`` (its cold-items train split, as the Fine-tune page and ``recengine finetune`` make them) first,
    then the others, labelled with the dataset they were tuned on.
    """
    from pathlib import Path

    from recengine.store import open_store
    from recengine.text.encoder import read_manifest

    options = {"default": "all-MiniLM-L6-v2 (zero-shot)", **own_models()}
    try:
        tunes = open_store().list_finetunes()
    except Exception:  # a damaged store must not hide the default encoder
        tunes = []
    from recengine.text.finetune import list_finetuned

    known = {t.get("fingerprint") for t in tunes}
    with contextlib.suppress(Exception):  # an unreadable models folder must not hide the default encoder either
        tunes += [t for t in list_finetuned() if t.get("fingerprint") not in known]  # made from Python
    here_hash = None
    if dataset is not None and dataset_key:
        with contextlib.suppress(Exception):  # data too small to fine-tune on: nothing was tuned on it
            here_hash = train_hash(dataset, dataset_key)
    here, other = {}, {}
    for t in tunes:
        path = t.get("path")
        if not path or not Path(path).exists():
            continue
        try:
            manifest = read_manifest(Path(path))
        except Exception:  # a damaged folder is left out, not shown as a choice that fails
            continue
        base = Path(str(t["base"])).name
        if here_hash is not None and manifest.get("data_hash") == here_hash:
            here[path] = f"fine-tuned on this data · from {base} · {t['fingerprint'][:20]}"
        else:
            where = manifest.get("dataset") or "other data"
            other[path] = f"fine-tuned on {where} · from {base} · {t['fingerprint'][:20]}"
    return {**options, **here, **other}, list(here)


def train_hash(dataset, dataset_key: str, seed: int = 42) -> str:
    """The data hash of this dataset's cold-items train split: what a fine-tune made for it was trained on."""
    from recengine.text.pairs import data_hash

    return _remember("train_hash", (dataset_key, seed), lambda: data_hash(cold_split(dataset, dataset_key, seed).train))


TEXT_MODELS = ("content", "hybrid")


MODELS_KEPT = 12  # fitted models shared at once (and within the memory budget)


def _model_key(model_name: str, dataset_key: str, name: str, device: str) -> tuple:
    """A fitted model's key among the shared results: the encoder and device count for the text models only."""
    return (model_name, dataset_key, *((name, device) if model_name in TEXT_MODELS else ()))


def _fit_inputs(model_name: str, dataset, dataset_key: str, name: str, device: str):
    """A fresh model of ``model_name``, and the embeddings and encoder it fits with (None for a model that reads no
    text); the embeddings are made here, with their own progress bar, when this dataset has none yet."""
    from recengine.models import make_model

    if model_name not in TEXT_MODELS:
        return make_model(model_name), None, None
    emb = item_embeddings(dataset, dataset_key, name, device)
    return make_model(model_name, encoder=name, device=device), emb, encoder(name, device)


def fitted_model(model_name: str, dataset, dataset_key: str, name: str = "default", device: str = "auto"):
    """A model fitted once per (dataset, encoder) and shared by every session; the first fit shows a spinner. A fit
    is kept on disk (``fit_cached``), so a restarted server loads it: a hybrid on 5,000 items took 1-2 minutes
    to fit again at every start."""
    from recengine.models.base import Recommender, fit_cached

    def make():
        model, emb, enc = _fit_inputs(model_name, dataset, dataset_key, name, device)
        bar = st.empty()

        def stage(done: int, total: int, message: str) -> None:  # the hybrid's stages: minutes on a large catalogue
            said = Recommender.stage_text(done, total, message)
            bar.progress(min(done / total, 1.0) if total else 0.0, text=said[0].upper() + said[1:])

        try:
            with st.spinner(f"Fitting {model_name} on {dataset.name} (once per dataset: then it is loaded)…"):
                return fit_cached(model, dataset, embeddings=emb, encoder=enc, progress=stage)
        finally:
            bar.empty()

    return _remember("models", _model_key(model_name, dataset_key, name, device), make, keep=MODELS_KEPT)


#: Models whose first fit on a catalogue of more items than this runs in the background (:func:`model_or_fit`):
#: EASE inverts an items x items matrix (cubic), the hybrid two of them; 1,682 items take 4 s on 2 cores, 5,000
#: about a minute, 20,000 about 7.5 minutes.
BACKGROUND_FIT_ITEMS = 3_000
BACKGROUND_MODELS = ("ease", "hybrid")


def model_or_fit(model_name: str, dataset, dataset_key: str, name: str = "default", device: str = "auto"):
    """The fitted model as :func:`fitted_model` gives it, except that a long first fit (EASE or the hybrid on more
    than :data:`BACKGROUND_FIT_ITEMS` items) runs in a background thread: then its :class:`ui.jobs.FitJob` comes
    back at once (a running one, or one that failed, with its error), and the page offers a quicker model meanwhile.
    The fit goes on when the visitor leaves the page; every session picks up the model when it is done."""
    from recengine.models.base import fit_cached
    from recengine.settings import app_memory_limit_bytes
    from ui import jobs

    if model_name not in BACKGROUND_MODELS or dataset.n_items <= BACKGROUND_FIT_ITEMS:
        return fitted_model(model_name, dataset, dataset_key, name, device)
    key = _model_key(model_name, dataset_key, name, device)
    job = jobs.fit_job(key)  # first the job, then the shared model: a fit stores its model before its job goes
    if job is not None:
        return job
    model = _shared("models", key)
    if model is not _MISSING:
        return model
    limit = app_memory_limit_bytes()  # a wrong setting is said now, not after the fit
    model, emb, enc = _fit_inputs(model_name, dataset, dataset_key, name, device)  # in the page: the thread has none
    return jobs.start_fit(key, model_name, dataset.n_items,
                          lambda progress: fit_cached(model, dataset, embeddings=emb, encoder=enc, progress=progress),
                          lambda fitted: _keep("models", key, fitted, MODELS_KEPT, limit))


# Coalitions per explained list: ~0.6 s for a 40-item profile on 2 cores instead of ~1.9 s at the engine's
# default; the history attributions stay exactly efficient, only their sampling noise grows.
EXPLAIN_BUDGET = 1024


def explanations(model, profile, items: tuple[str, ...], dataset_key: str, model_name: str, budget: int = EXPLAIN_BUDGET):
    """SHAP explanations (signals and history) plus the plain reason of each suggestion, cached per profile and list."""
    from recengine.explain import explain_many

    options = {"budget": budget}
    def make():
        with _lock_for(model):
            return explain_many(model, profile, list(items), **options)

    # the encoder and device are part of the model: a fine-tune's hybrid often ranks the same list as the default's
    key = (model_name, dataset_key, _encoder_of(model), _device_of(model), budget, hash(profile), items)
    return _remember("explanations", key, make, keep=64)


def reranked(model, profile, dataset, dataset_key: str, k: int, diversity: float = 0.0, novelty: float = 0.0):
    """The model's top ``k`` for ``profile``, re-ranked for diversity and novelty; disliked items and their
    close neighbours are dropped (``recengine.rerank.recommend``)."""
    from recengine import rerank

    emb = item_embeddings(dataset, dataset_key, _encoder_of(model), _device_of(model))
    with _lock_for(model):
        return rerank.recommend(model, profile, k=k, diversity=diversity, novelty=novelty,
                                embeddings=(emb.vectors, emb.item_ids), popularity=dataset.item_popularity)


def _encoder_of(model) -> str:
    return str(getattr(model.config, "encoder", None) or st.session_state.get("encoder_name", "default"))


def _device_of(model) -> str:
    return str(getattr(model.config, "device", None) or st.session_state.get("device", "auto"))


def feedback_name(dataset_key: str, who: str, base) -> str:
    """The store's name for the feedback given on one base profile of one dataset, stable across restarts.

    The typed request is not part of it, nor an anonymous visitor's picked items: editing them keeps the likes and
    dislikes given so far.
    """
    import hashlib
    import json

    # the empty third field keeps the names that earlier versions gave (they hashed the request there); a visitor's
    # name leaves out the items they picked, so picking one more keeps the likes and dislikes given so far
    liked = sorted(base.liked) if who != "visitor" else []
    digest = hashlib.sha1(json.dumps([dataset_key, liked, ""]).encode()).hexdigest()[:12]
    return f"app-{who}-{digest}"[:100]


#: Seconds within which a second like or dislike is the second press of a double-click: the list re-ranks after the
#: first, so the second lands on whichever card moved into its place, and would rate a film nobody chose.
DOUBLE_CLICK_S = 0.8


def double_click(state, where: object = None, now: float | None = None) -> bool:
    """Whether a feedback click is a double-click's second press: on the same spot (``where``: the card's rank and
    the button, since the list re-ranks and another card moves under the pointer) and so soon after the last
    click taken. Then it is not taken; else the click is taken and its spot and time kept in ``state`` (a dict or
    session state). A quick click on another card's button counts.

    >>> state = {}
    >>> [double_click(state, (1, "like"), t) for t in (10.0, 10.5, 11.0, 12.0)]
    [False, True, False, False]
    >>> double_click(state, (1, "dislike"), 12.3), double_click(state, (3, "like"), 12.6)
    (False, False)
    """
    now = time.monotonic() if now is None else now
    if state.get("feedback_taken_where") == where and now - state.get("feedback_taken_at", float("-inf")) < DOUBLE_CLICK_S:
        return True
    state["feedback_taken_at"], state["feedback_taken_where"] = now, where
    return False


def keeps_feedback(name: str) -> bool:
    """Is the feedback on this profile kept in the store? A known user's is (their next session, or a restarted
    server, picks up where they stopped); an anonymous visitor's lives in the session only, so one demo
    visitor's likes never turn up in the next one's list."""
    return name.startswith("app-user-")


def record_feedback(name: str, item_id: str, action: str, dataset_key: str | None) -> bool:
    """Keep a like / dislike in the store (best effort: the live re-ranking does not depend on it); False when
    the store could not take it."""
    from recengine.store import open_store

    # A locked or read-only store must not block the click.
    try:
        open_store().add_feedback(name, str(item_id), action, dataset=dataset_key)
    except Exception:
        return False
    return True


def stored_feedback(name: str) -> list[tuple[str, str]] | None:
    """The likes and dislikes kept for this profile since its last reset: a new session (or a restarted
    server) picks up where the last one stopped. None when the store cannot be read."""
    from recengine.errors import UnknownIdError
    from recengine.store import open_store

    try:
        kept = open_store().get_profile(name)
    except UnknownIdError:  # no feedback on this profile yet
        return []
    except Exception:
        return None
    return [(i, "like") for i in kept["liked"]] + [(i, "dislike") for i in kept["disliked"]]


def reset_feedback(name: str) -> bool:
    """Forget this profile's feedback in the store too (a saved empty profile hides earlier events)."""
    from recengine.store import open_store

    try:
        open_store().save_profile(name, {"liked": {}, "disliked": [], "name": name})
    except Exception:
        return False
    return True


def has_evaluation(dataset_key: str, protocol: str, models: tuple[str, ...], k: int, seed: int, name: str,
                   max_users: int | None = None) -> bool:
    return (dataset_key, protocol, models, k, seed, name, max_users) in _registry().get("evaluations", {})


def evaluation_running(dataset_key: str, protocol: str, models: tuple[str, ...], k: int, seed: int, name: str,
                       max_users: int | None = None) -> bool:
    """Whether these choices are being evaluated now, in another tab or before a refresh."""
    return is_running("evaluations", (dataset_key, protocol, models, k, seed, name, max_users))


def measured_models(dataset_key: str, protocol: str, models: tuple[str, ...], k: int, seed: int, name: str,
                    max_users: int | None = None) -> list[str]:
    """Which of ``models`` already have their rows for these choices (from any earlier run, finished or not)."""
    rows = _registry().get("evaluation_rows", {})
    return [m for m in models if (dataset_key, protocol, m, k, seed, name, max_users) in rows]


def evaluation(dataset, dataset_key: str, protocol: str, models: tuple[str, ...], k: int = 10, seed: int = 42,
               name: str = "default", device: str = "auto", max_users: int | None = None):
    """One protocol's results table for these models (computed once, with a progress bar, then shared);
    ``max_users`` measures a seeded sample of the test users (None: all). Each computation is kept in the store's
    run history, whichever page asked for it.

    Each model's rows are kept on their own as soon as they are measured: a run stopped half-way (the visitor
    went to another page, a refresh) keeps the models it finished, and the next run, or one with another choice
    of models, measures only those missing. Each model is fitted on the same seeded split as in one call to
    :func:`recengine.evaluation.evaluate` with all of them, so the rows are the same."""
    import pandas as pd

    from recengine.display import counted
    from recengine.evaluation import evaluate

    def make():
        emb = item_embeddings(dataset, dataset_key, name, device)
        enc = encoder(name, device)
        todo = [m for m in models if m not in measured_models(dataset_key, protocol, models, k, seed, name, max_users)]
        update, close = progress_callback(f"Evaluating {counted(len(todo), 'model')} on the {protocol} protocol"
                                          + (f" ({len(models) - len(todo)} measured before)" if len(todo) < len(models) else ""))
        parts, made = [], []
        try:
            for model in models:
                def one(model=model):
                    # the models measured in this run so far (one dropped from memory since is measured again)
                    step, run = len(made), max(len(todo), len(made) + 1)
                    made.append(model)

                    def progress(done: int, total: int, message: str) -> None:  # one model's steps within the run
                        update(step * total + done, run * total, message)

                    return evaluate(dataset, protocol, models=[model], k=k, seed=seed, embeddings=emb, encoder=enc,
                                    progress=progress, max_users=max_users)

                parts.append(_remember("evaluation_rows", (dataset_key, protocol, model, k, seed, name, max_users),
                                       one, keep=120))
        finally:
            close()
        res = pd.concat(parts, ignore_index=True)
        record_run(protocol, {"models": list(models), "k": k, "seed": seed, "encoder": name, "max_users": max_users},
                   res, dataset.name)
        return res

    return _remember("evaluations", (dataset_key, protocol, models, k, seed, name, max_users), make, keep=24)


def record_run(protocol: str, config: dict, results, dataset_name: str) -> None:
    """Keep an evaluation run in the store so the run history survives restarts (best effort)."""
    from recengine.evaluation import run_metrics
    from recengine.store import open_store

    with contextlib.suppress(Exception):
        open_store().record_run(protocol, config, run_metrics(results), dataset=dataset_name)


def run_history(k: int = 10):
    """Past evaluation runs from the store, newest first, one row per (run, model); empty without a store."""
    import pandas as pd

    from recengine.store import open_store

    try:
        runs = open_store().list_runs()
    except Exception:
        runs = []
    # only runs at this k: a run at k=10 shown under ndcg@5 read as never measured; rounded as the results table is
    rows = [
        {"run": r["id"], "when": r["created_at"], "dataset": r.get("dataset"), "protocol": r["protocol"], "model": m,
         "k": k, **{c: round(v, 3) if isinstance(v, float) else v for c, v in (vals or {}).items()
                    if c in (f"recall@{k}", f"ndcg@{k}", "coverage", "novelty")}}
        for r in reversed(runs) for m, vals in (r.get("metrics") or {}).items()
        if isinstance(vals, dict) and (f"ndcg@{k}" in vals or f"recall@{k}" in vals)
    ]
    return pd.DataFrame(rows)


def new_item_audience(model, dataset, text: str, k: int = 20):
    """The users most likely to want a brand-new item described by ``text`` (``recengine.models.audience``)."""
    from recengine import models

    with _lock_for(model):
        return models.audience(model, dataset, text=text, k=k)


def nearest_items(model, text: str, k: int = 10):
    """The catalogue items whose text is closest to ``text``: the content model's ranking for it as an intent, with
    each one's ``cosine`` to it (the ranking's score also lifts items holding labels the text names: above 1)."""
    from recengine.models import Profile

    with _lock_for(model):
        near = model.recommend(Profile.from_intent(text, name="new item"), k=k, exclude_seen=False)
        query = model.embed_queries([text])[0]
    vectors = model.vectors[model.item_map.to_internal(near["item_id"].to_numpy())]
    return near.assign(cosine=(vectors @ query).astype(np.float64))


def shared_words(dataset, dataset_key: str, text: str, others: list[str], limit: int = 3) -> list[list[str]]:
    """For each of the item texts ``others``, the telling words it shares with ``text``, rarest in this
    dataset's catalogue first (``recengine.text.terms``; the catalogue's word counts are kept per dataset)."""
    from recengine.text.terms import TermIndex

    index = _remember("terms", (dataset_key,), lambda: TermIndex(dataset.texts))
    return [index.shared(text, other, limit) for other in others]


def cold_split(dataset, dataset_key: str, seed: int = 42):
    """The cold-items split fine-tuning trains on and is judged by (held-out items never reach training)."""
    from recengine.data import make_split

    return _remember("splits", (dataset_key, "cold-items", seed), lambda: make_split(dataset, "cold_items", seed=seed))


def finetuned_encoder(split, config: dict, base: str = "default", progress: Progress | None = None):
    """Fine-tune ``base`` on a cold-items split's train part (:func:`cold_split`), or load the identical fine-tune
    saved before. It touches no Streamlit cache, so a background thread can run it (:mod:`ui.jobs`)."""
    from recengine.store import open_store
    from recengine.text.finetune import FineTuneConfig, finetune

    enc = finetune(split.train, base=base, config=FineTuneConfig(**config), progress=progress)
    with contextlib.suppress(Exception):  # the store is a convenience here; the model folder is the record
        open_store().record_finetune(enc.fingerprint, base, enc.manifest.get("config", config),
                                     enc.manifest.get("metrics", {}), path=enc.path)
    return enc


def saved_finetuned_encoder(dataset, dataset_key: str, config: dict, base: str = "default"):
    """The fine-tune these settings made before on this data (nothing is trained), or None."""
    from recengine.text.finetune import FineTuneConfig, saved_finetune

    with contextlib.suppress(Exception):  # a settings or store problem shows when the user clicks, not on open
        return saved_finetune(cold_split(dataset, dataset_key).train, base, FineTuneConfig(**config),
                              digest=train_hash(dataset, dataset_key))  # hashed once per dataset, not per run
    return None


def finetune_name(dataset, dataset_key: str, config: dict, base: str = "default") -> str | None:
    """The fingerprint (``ft-...``) these settings give a fine-tune of this data, trained or not (nothing loads but
    the base encoder, shared); None when the settings are not valid."""
    from recengine.text.finetune import FineTuneConfig, finetune_fingerprint

    with contextlib.suppress(Exception):  # a settings problem shows when the user clicks
        cfg = FineTuneConfig(**config)
        return finetune_fingerprint(encoder(base, "cpu").fingerprint, train_hash(dataset, dataset_key), cfg)
    return None


def cold_quality(dataset, dataset_key: str, name: str, device: str = "auto") -> dict:
    """Cold-item Recall/NDCG@10 of an encoder's item vectors (content item-kNN on the cold-items split)."""
    from recengine.text.quality import cold_item_quality

    def make():
        emb = item_embeddings(dataset, dataset_key, name, device)
        return cold_item_quality(cold_split(dataset, dataset_key), emb.vectors)

    return _remember("quality", (dataset_key, name, device), make, keep=12)


def saved_datasets() -> list[dict]:
    """Datasets kept in the store (name, created_at, sizes), oldest first; empty when the store cannot be read."""
    from recengine.store import open_store

    try:
        return open_store().list_datasets()
    except Exception:
        return []


def save_dataset(name: str, dataset, replace: bool = False) -> dict:
    """Keep ``dataset`` in the store under ``name``; one of the same name is replaced only with ``replace``."""
    from recengine.store import open_store

    return open_store().save_dataset(name, dataset, replace=replace)


def load_saved(name: str):
    """A dataset from the store and its key (name plus save time, so a re-saved dataset gets new models)."""
    from recengine.store import open_store

    store = open_store()
    when = next((d["created_at"] for d in store.list_datasets() if d["name"] == name), "")
    return store.load_dataset(name), f"store:{name}:{when}"
