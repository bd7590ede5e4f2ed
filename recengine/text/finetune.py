"""Contrastive fine-tuning of the encoder on the interactions, saved and reused by fingerprint.

Default recipe (``loss="distill"``, recipe 5): each step takes a batch of train items, each with a
collaborative neighbour (three per item and epoch; :mod:`recengine.text.pairs`), and makes the softmax over the
items' text similarities match the softmax over their co-consumption cosines, ``tau`` its temperature; a share
``text_mix`` (0.3) of that target is the base encoder's own softmax over the same items, so the model learns
from the interactions without forgetting what it knew about titles and genres. ``loss="pairs"`` is the older
MultipleNegativesRankingLoss on (item, neighbour) pairs.

``loss="history"`` (recipe 7) teaches the score content item-kNN gives a new item directly: each step samples
train interactions (user, item), and the user's profile (the sum of the vectors of their other items, from the
model being trained, re-encoded five times per epoch and held fixed between) must rank the chosen item's text
first among the batch's chosen items (in-batch negatives; an item the user also has is no negative). Popular
items turn up as in-batch negatives more often, which would teach the encoder to hold popularity against them;
a logQ correction of weight ``popularity_bias`` (2) removes that and leans further to popular items, which new
items are judged on. On MovieLens-100K's cold items it reaches Recall@10 0.216 on seed 42 (distill: 0.195), but
over six splits the two gain alike (+0.026 and +0.023 over zero-shot) and it takes about 2.4 times as long, so
distill stays the default (``benchmarks/finetune_cold_items.py``).

Then a WiSE-FT mix ``alpha * tuned + (1 - alpha) * base`` of the weights is kept, ``alpha`` 0.75 by default.
Before that, a guard (``guard``) holds out a share of the items given as pseudo-cold, tunes on the rest and
measures content item-kNN on them: when the base encoder beats the mix there by more than one standard error
(paired over users), the base is kept, so a fine-tune that would hurt on this data is not shipped.
``alpha=None`` instead picks the best of :data:`ALPHAS` on that hold-out; over eleven splits of MovieLens-100K
that pick (noisy: one hold-out, per-user standard errors of 0.004, as large as the gaps between alphas) gained
+0.016 cold-item Recall@10 where a fixed 0.75 gained +0.020 and gained on every split (``benchmarks/finetune_alpha.py``).
Only the dataset passed in is seen: give it a split's ``train`` so that cold-item results stay honest.

The result lives in ``home_dir()/models/<fingerprint>/`` (safetensors plus ``recengine.json``); the
fingerprint hashes the base encoder's fingerprint, the training data and the config, so asking for the
same fine-tune again loads it instead of training.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from recengine.errors import ConfigError, DataError, ModelError, settings_error
from recengine.settings import home_dir
from recengine.text import training
from recengine.text.encoder import (
    MANIFEST,
    Encoder,
    Progress,
    content_digest,
    quiet_progress,
    resolve_device,
    resolve_precision,
)
from recengine.text.pairs import (
    collaborative_block,
    collaborative_neighbors,
    data_hash,
    sample_pairs,
    text_near_batches,
)

# Fields that change how a run is executed but not what it learns; left out of the fingerprint.
_RUN_ONLY = {"device", "precision"}
# Bumped whenever pair mining or the training loop changes what a config learns, so old fine-tunes are not reused.
RECIPE_VERSION = 8  # 8: a larger batch keeps the epoch's steps; 7: one training loop, history added; 6: saves embed as far as their base reads
# WiSE-FT weights of the fine-tuned model tried on the pseudo-cold validation; 0 is the base encoder.
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
# Progress messages of the pseudo-cold run (guard or alpha choice) start with this; the final run's do not.
HELD_OUT_CHECK = "checking on held-out items first"
# Items per step when FineTuneConfig.batch_size is None: CUDA takes a larger batch (more in-batch negatives).
# An epoch keeps the steps it has at the CPU batch, whatever the batch: a larger one sees proportionally more
# pairs. Keeping the pairs instead cut the steps fourfold, and on MovieLens-100K (seed 42) the default recipe at
# batch 128 then fell below the base encoder (Recall@10 0.1805 vs 0.1864; 0.1983 with the steps kept, 0.1945 at 32).
BATCH_CPU, BATCH_CUDA = 32, 128
# The history recipe: (user, item) pairs per step; pairs per epoch per item with users (unless max_pairs);
# how often per epoch the profiles are re-encoded with the model being trained.
HISTORY_BATCH_CPU, HISTORY_BATCH_CUDA = 64, 256
HISTORY_PAIRS_PER_ITEM = 15
HISTORY_REFRESHES = 5


class FineTuneConfig(BaseModel):
    """Hyperparameters of a contrastive fine-tune.

    Examples
    --------
    >>> FineTuneConfig(epochs=1, lora=True).lora_r
    8
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    loss: Literal["distill", "pairs", "history"] = Field(
        "distill", description="soft in-batch distillation, hard pairs, or a user's other items ranking the one they chose"
    )
    epochs: int = Field(1, ge=1, le=100, description="passes over the train items")
    batch_size: int | None = Field(
        None, ge=2, le=4096,
        description="items or pairs per step; default 32 on CPU, 128 on GPU (distill, pairs), 64 and 256 (history)",
    )
    lr: float = Field(3e-5, gt=0, lt=1, description="peak learning rate (AdamW, linear warm-up and decay)")
    weight_decay: float = Field(0.01, ge=0)
    warmup: float = Field(0.1, ge=0, lt=1, description="fraction of steps spent warming up")
    tau: float = Field(0.05, gt=0, description="temperature of the collaborative target softmax (distill)")
    alpha: float | None = Field(
        0.75, ge=0, le=1, description="WiSE-FT share of the tuned weights kept; None picks it on a pseudo-cold hold-out"
    )
    guard: bool = Field(
        True, description="check the mix on a pseudo-cold hold-out and keep the base encoder if it is clearly better there"
    )
    val_frac: float = Field(0.15, gt=0, lt=1, description="share of items held out to validate or choose alpha")
    neighbors: int = Field(20, ge=1, le=200, description="collaborative neighbours an item draws its positives from")
    pairs_per_item: int = Field(
        3, ge=1, le=50,
        description="distinct neighbours paired with each train item per epoch at batch 32; a larger batch pairs each item "
                    "with proportionally more (up to its neighbours), so an epoch keeps its number of steps",
    )
    max_pairs: int | None = Field(None, ge=1, description="cap on pairs per epoch")
    min_users: int = Field(2, ge=1, description="items with fewer train users are not anchors")
    shrink: float = Field(0.0, ge=0, description="similarity shrinkage towards 0 for rarely shared items")
    scale: float = Field(20.0, gt=0, description="inverse temperature of the contrastive softmax")
    symmetric: bool = Field(True, description="also rank anchors given positives")
    popularity_bias: float = Field(
        2.0, ge=0, le=10, description="history loss: lean of the softmax to popular items (0 none, 1 unbiased, 2 leans)"
    )
    text_mix: float = Field(
        0.3, ge=0, lt=1, description="share of the distill target taken from the base encoder's own similarities (keeps its view)"
    )
    hard_negatives: float = Field(
        0.0, ge=0, le=1, description="share of each batch whose anchors' texts are alike to the base encoder (hard negatives)"
    )
    max_seq_length: int = Field(64, ge=8, le=512)
    train_layers: int | None = Field(
        None, ge=1, description="train only the top N transformer layers (cheaper on CPU); None trains all weights"
    )
    lora: bool = Field(False, description="train LoRA adapters (needs peft) instead of all weights")
    lora_r: int = Field(8, ge=1, le=256)
    lora_alpha: int = Field(16, ge=1)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    seed: int = Field(42, ge=0, lt=2**32, description="seed of training (and of the pseudo-cold hold-out's split)")
    device: str = "auto"
    precision: str = "auto"

    @field_validator("alpha", mode="before")
    @classmethod
    def _auto_alpha(cls, value: Any) -> Any:
        """``"auto"`` (as the command line and forms spell it) means None: choose alpha on the hold-out."""
        return None if isinstance(value, str) and value.strip().lower() == "auto" else value

    @property
    def checks_first(self) -> bool:
        """Whether a run trains on a pseudo-cold hold-out first: to choose alpha (None), or to guard a mix (alpha
        0 is the base already: nothing to guard against).

        >>> FineTuneConfig().checks_first, FineTuneConfig(guard=False).checks_first, FineTuneConfig(alpha=0).checks_first
        (True, False, False)
        """
        return self.alpha is None or (self.guard and self.alpha > 0)

    def fingerprint_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if k not in _RUN_ONLY}


def finetune_phase(message: str, guarded: bool) -> tuple[bool, str, str]:
    """(part of the held-out check?, the part in words, the message without its prefix) of a fine-tune's progress
    message: a guarded run trains twice, and each part gets its own bar text and loss curve.

    >>> finetune_phase("checking on held-out items first: loss 3.6000", True)
    (True, 'part 1 of 2: checking on held-out items', 'loss 3.6000')
    >>> finetune_phase("loss 2.5000", True)[1], finetune_phase("loss 2.5000", False)[1]
    ('part 2 of 2: training on all train items', 'training')
    """
    check = message.startswith(HELD_OUT_CHECK)
    body = message[len(HELD_OUT_CHECK):].lstrip(": ") if check else message
    if not guarded:
        return check, "training", body
    return check, "part 1 of 2: checking on held-out items" if check else "part 2 of 2: training on all train items", body


def config_defaults() -> dict[str, Any]:
    """FineTuneConfig's defaults plus the automatic batch sizes, for help texts and forms that must not drift.

    >>> config_defaults()["batch_cpu"], config_defaults()["epochs"] == FineTuneConfig().epochs
    (32, True)
    """
    defaults = {name: field.default for name, field in FineTuneConfig.model_fields.items()}
    return {**defaults, "batch_cpu": batch_size(FineTuneConfig(), "cpu"), "batch_cuda": batch_size(FineTuneConfig(), "cuda")}


def batch_size(config: FineTuneConfig, device: str) -> int:
    """The batch a run uses: the config's, else its recipe's default for the device (larger on a GPU).

    >>> batch_size(FineTuneConfig(), "cpu"), batch_size(FineTuneConfig(loss="history"), "cuda:0")
    (32, 256)
    """
    if config.batch_size:
        return config.batch_size
    cuda = device.startswith("cuda")
    if config.loss == "history":
        return HISTORY_BATCH_CUDA if cuda else HISTORY_BATCH_CPU
    return BATCH_CUDA if cuda else BATCH_CPU


def history_pairs_per_epoch(n_pairs: int, n_items: int, batch: int, max_pairs: int | None) -> int:
    """The history recipe's (user, item) pairs per epoch: its pairs per item (more at a larger batch, so that an epoch
    keeps the CPU's number of steps) times the items, or ``max_pairs``; never more than the ``n_pairs`` there are."""
    return min(n_pairs, max_pairs or batch_pairs(HISTORY_PAIRS_PER_ITEM, batch, HISTORY_BATCH_CPU) * n_items)


def estimate_steps(dataset: object, config: FineTuneConfig, device: str = "cpu") -> int:
    """About how many training steps :func:`finetune` takes on ``dataset`` with ``config`` (the final run; the guard's
    pseudo-cold run adds nearly as many again), counted the way the recipes plan an epoch but without building the
    pairs: for a time estimate before anything starts. On MovieLens-100K's cold-items train split this says 116
    steps where the default recipe runs 116, and 315 where the history recipe runs 314.

    >>> import recengine
    >>> split = recengine.make_split(recengine.load_sample("movielens-100k"), "cold_items", seed=42)
    >>> estimate_steps(split.train, FineTuneConfig()), estimate_steps(split.train, FineTuneConfig(loss="history"))
    (116, 315)
    """
    bs = batch_size(config, device)
    pop = np.asarray(dataset.item_popularity)  # type: ignore[attr-defined]
    has_text = _text_mask(list(dataset.texts))  # type: ignore[attr-defined]
    if config.loss == "history":
        n_items = int((has_text & (pop > 0)).sum())
        per_epoch = history_pairs_per_epoch(int(dataset.n_interactions), n_items, bs, config.max_pairs)  # type: ignore[attr-defined]
        return max(1, per_epoch // bs) * config.epochs
    per_epoch = int((has_text & (pop >= config.min_users)).sum()) * batch_pairs(config.pairs_per_item, bs, BATCH_CPU)
    per_epoch = min(per_epoch, config.max_pairs or per_epoch)
    return max(1, math.ceil(per_epoch / bs)) * config.epochs


def models_root() -> Path:
    """``home_dir()/models``: one folder per fine-tuned encoder fingerprint."""
    return home_dir() / "models"


def finetune_fingerprint(base_fingerprint: str, data_digest: str, config: FineTuneConfig) -> str:
    """``ft-<hash>`` of base fingerprint, training-data hash and config (run-only fields excluded)."""
    blob = json.dumps(
        {"recipe": RECIPE_VERSION, "base": base_fingerprint, "data": data_digest, "config": config.fingerprint_fields()},
        sort_keys=True,
    )
    return f"ft-{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def _base_encoder(base: str | Encoder, device: str, precision: str) -> Encoder:
    """The base to train from and mix with, in ``precision``.

    An :class:`Encoder` already loaded in another precision (bf16 or fp16 on a GPU) is loaded again from its
    folder: casting its rounded weights back up would start the fine-tune, and the WiSE-FT mix, from weights
    that lost precision.
    """
    if isinstance(base, Encoder):
        if base.precision == precision:
            return base
        try:
            again = Encoder(base.name, device=device, precision=precision)
        except (ConfigError, ModelError, OSError):  # nothing to load it from (an in-memory model): use it as it is
            return base
        if again.fingerprint != base.fingerprint:  # the folder changed since: train from what was given
            return base
        return again
    return Encoder(base, device=device, precision=precision)


def finetune(
    dataset: object,
    base: str | Encoder = "default",
    config: FineTuneConfig | dict[str, Any] | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> Encoder:
    """Fine-tune ``base`` contrastively on ``dataset``'s interactions, or load the same fine-tune from disk.

    Parameters
    ----------
    dataset
        The training data (for evaluation, a split's ``train``): texts of items and who consumed them.
    base
        ``"default"``, a model name or path, or an :class:`Encoder` (its weights are copied, not changed).
    config
        :class:`FineTuneConfig`, or a dict of its settings.
    progress
        ``progress(step, total_steps, "loss 1.2345")`` after each optimiser step.
    force
        Train again even when this fine-tune is already saved.

    Returns
    -------
    Encoder
        The fine-tuned encoder; ``encoder.manifest`` holds the config, data hash, loss history and timings,
        and ``encoder.manifest["cached"]`` is True when it was loaded instead of trained.

    Examples
    --------
    >>> import recengine
    >>> ds = recengine.load_sample("movielens-100k")
    >>> split = recengine.make_split(ds, "cold_items")
    >>> enc = finetune(split.train, config=FineTuneConfig(epochs=1))  # doctest: +SKIP
    >>> enc.fingerprint.startswith("ft-")  # doctest: +SKIP
    True
    """
    from recengine.data.dataset import as_dataset

    dataset = as_dataset(dataset, "finetune")  # a Split: its train, said before any model loads
    if isinstance(config, dict):  # a plain dict of settings is welcome too
        try:
            config = FineTuneConfig(**config)
        except ValueError as exc:  # pydantic names the setting and the allowed range
            raise settings_error(exc, "fine-tuning setting") from None
    cfg = config or FineTuneConfig()
    device = resolve_device(cfg.device)
    precision = resolve_precision(device, cfg.precision)
    if cfg.lora:
        _require_peft()
    base_enc = _base_encoder(base, device, "fp32")
    digest = data_hash(dataset)
    fp = finetune_fingerprint(base_enc.fingerprint, digest, cfg)
    out_dir = models_root() / fp
    if not force and (enc := _load_saved(out_dir, device, precision, warn=False)) is not None:
        return enc

    from filelock import FileLock

    models_root().mkdir(parents=True, exist_ok=True)
    with FileLock(str(models_root() / f".{fp}.lock"), timeout=3600):
        if not force and (enc := _load_saved(out_dir, device, precision)) is not None:  # another process finished it
            return enc
        model, history, stats = _fit(dataset, base_enc, cfg, device, precision, progress)
        manifest = {
            "fingerprint": fp,
            "base": base_enc.name,
            "base_fingerprint": base_enc.fingerprint,
            "data_hash": digest,
            "dataset": getattr(dataset, "name", ""),
            "config": cfg.model_dump(),
            "loss_history": history,
            "metrics": stats,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        _save(model, out_dir, manifest)
        # vectors cached under this fingerprint came from a model saved here before (a forced run, a damaged save, a
        # folder deleted by hand): the new weights must not be served them
        from recengine.text.cache import clear_cache

        clear_cache(fp)
    enc = Encoder.from_model(model, name=str(out_dir), fingerprint=fp, path=out_dir, device=device, precision=precision)
    enc.manifest = {**manifest, "cached": False}
    return enc


def saved_finetune(
    dataset: object, base: str | Encoder = "default", config: FineTuneConfig | dict[str, Any] | None = None,
    digest: str | None = None,
) -> Encoder | None:
    """The fine-tune :func:`finetune` would load for these arguments, or None when it was never trained (nothing
    is trained here): a page opened again can show the result it had, without a click. ``digest`` is
    ``data_hash(dataset)`` when the caller keeps it already (a page asks on every run).

    Examples
    --------
    >>> saved_finetune(split.train, "default", FineTuneConfig(epochs=1)) is None  # doctest: +SKIP
    True
    """
    cfg = FineTuneConfig(**config) if isinstance(config, dict) else (config or FineTuneConfig())
    device = resolve_device(cfg.device)
    base_enc = _base_encoder(base, device, "fp32")
    fp = finetune_fingerprint(base_enc.fingerprint, digest or data_hash(dataset), cfg)
    return _load_saved(models_root() / fp, device, resolve_precision(device, cfg.precision), warn=False)


def _load_saved(out_dir: Path, device: str, precision: str, warn: bool = True) -> Encoder | None:
    """The fine-tune saved in ``out_dir`` (marked cached), or None when there is none, or when it is damaged or
    changed since it was saved (then it is trained again, with a warning unless ``warn`` is False: the look
    before taking the lock is silent, the one under it says it once)."""
    import warnings

    if not (out_dir / MANIFEST).is_file():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said once, below, in the words that fit a saved fine-tune
            enc = Encoder(str(out_dir), device=device, precision=precision)
        if enc.fingerprint != out_dir.name:
            raise ModelError("its files changed since it was saved")
        enc.model  # noqa: B018 - load it now: a save that no longer loads is trained again, not handed out
    except ModelError as exc:
        if not warn:
            return None
        warnings.warn(f"the saved fine-tune in {out_dir} cannot be loaded ({exc}); it is trained again.", stacklevel=3)
        return None
    enc.manifest = {**enc.manifest, "cached": True}
    return enc


def _require_peft() -> None:
    try:
        import peft  # noqa: F401
    except ImportError as exc:
        raise ConfigError("LoRA fine-tuning needs the optional package peft: pip install 'recengine[lora]' (or pip install peft).") from exc


def _save(model: Any, out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write to a temporary folder, then rename it into place, so a half-written model is never found."""
    for stale in out_dir.parent.glob(f".{out_dir.name}.*.tmp"):  # left by a run that was killed (we hold the lock)
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    with quiet_progress():
        model.save(str(tmp), safe_serialization=True)
    for p in tmp.rglob("*"):
        if p.suffix.lower() in (".bin", ".pt", ".pth", ".pkl"):
            p.unlink()  # the folder must load without unpickling anything
    manifest = {**manifest, "content_digest": content_digest(tmp)}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)


def batch_pairs(per_item: int, batch: int, reference: int) -> int:
    """Pairs per item per epoch at ``batch``, given ``per_item`` at the ``reference`` (CPU) batch: the same number
    of steps per epoch, each seeing ``batch`` pairs. A smaller batch keeps ``per_item`` (more, smaller steps).

    >>> batch_pairs(3, 32, 32), batch_pairs(3, 128, 32), batch_pairs(15, 256, 64), batch_pairs(3, 8, 32)
    (3, 12, 60, 3)
    """
    return max(per_item, math.ceil(per_item * batch / reference))


def _text_mask(texts: list[str]) -> np.ndarray:
    """Which texts have something to embed (a non-blank string)."""
    return np.array([bool(isinstance(t, str) and t.strip()) for t in texts])


def _anchors(dataset: object, min_users: int) -> tuple[np.ndarray, list[str]]:
    texts = list(dataset.texts)  # type: ignore[attr-defined]
    has_text = _text_mask(texts)
    pop = np.asarray(dataset.item_popularity)  # type: ignore[attr-defined]
    return np.flatnonzero(has_text & (pop >= min_users)), texts


def _train(
    dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, precision: str, progress: Progress | None
) -> tuple[Any, list[float], dict[str, Any]]:
    import torch

    start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = copy.deepcopy(base.model).to(device).float()
    # never more tokens than the base reads: a model with 32 positions broke on 64 (and one that embeds 16 tokens
    # learned from 64 it never sees)
    model.max_seq_length = min(cfg.max_seq_length, int(getattr(model, "max_seq_length", 0) or cfg.max_seq_length))
    plan = (_HistoryPlan if cfg.loss == "history" else _PairPlan)(dataset, base, cfg, device, rng)
    if cfg.lora:
        model = training.add_lora(model, cfg)
    elif cfg.train_layers is not None:
        training.freeze_below(model, cfg.train_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    total = plan.total
    warm = max(1, int(cfg.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    use_amp = device.startswith("cuda") and precision in ("bf16", "fp16")
    amp_dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    scaler = torch.amp.GradScaler("cuda") if use_amp and precision == "fp16" else None
    history: list[float] = []
    model.train()
    step = 0
    if progress:
        progress(0, total, "starting")
    for loss_of in plan.steps(model):
        with torch.autocast(device_type="cuda", dtype=amp_dtype, enabled=use_amp):
            loss = loss_of()
        opt.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        sched.step()
        step += 1
        value = float(loss.detach())
        if not math.isfinite(value):
            raise ModelError(f"fine-tuning diverged at step {step} (loss {value}); lower the learning rate, now {cfg.lr:g} "
                             f"(lr={cfg.lr}; in the CLI: --lr; in the app: Learning rate).")
        history.append(round(value, 5))
        if progress:
            progress(step, total, f"loss {value:.4f}")
    if cfg.lora:
        model = training.merge_lora(model)
    model.max_seq_length = base.model.max_seq_length  # the length limit is for training; embedding reads as far as the base
    model.eval()
    stats = {"steps": step, "pairs_per_epoch": plan.pairs_per_epoch, "anchors": plan.anchors,
             "batch_size": plan.batch_size, "device": device, "precision": precision,
             "seconds": round(time.perf_counter() - start, 2), "final_loss": settled_loss(history)}
    return model, history, stats


#: How many of the last training steps the reported final loss is the median of.
SETTLED_STEPS = 10


def settled_loss(history: list[float]) -> float | None:
    """The loss training ended at: the median of the last :data:`SETTLED_STEPS` steps, not the last step's alone.

    An epoch's last batch is its remainder, a handful of pairs with as few in-batch negatives: its loss is far below
    the others' (0.14 against 2.5-2.8 on 363 texts), and reported alone it said the model had learned far more than
    it had.

    >>> settled_loss([3.1, 2.8, 2.7, 2.6, 0.14])
    2.7
    >>> settled_loss([]) is None
    True
    """
    if not history:
        return None
    return round(float(np.median(history[-SETTLED_STEPS:])), 5)


class _PairPlan:
    """Steps of the item-pair recipes (``distill``, ``pairs``): batches of (item, collaborative neighbour) pairs."""

    def __init__(self, dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, rng: np.random.Generator) -> None:
        anchors, texts = _anchors(dataset, cfg.min_users)
        ids, sims = collaborative_neighbors(dataset.matrix, cfg.neighbors, shrink=cfg.shrink)  # type: ignore[attr-defined]
        has_text = _text_mask(texts)
        ids = np.where((ids >= 0) & has_text[np.maximum(ids, 0)], ids, -1)
        anchors = anchors[(ids[anchors] >= 0).any(axis=1)]
        if len(anchors) < 2:
            raise DataError(
                f"fine-tuning learns from items that people consume together: it needs at least two items with text, each "
                f"with at least {max(2, cfg.min_users)} users, that share at least two users with another such item; this "
                f"data has {len(anchors)}. Use data with more users per item (more interactions, or a longer period)."
            )
        self.cfg, self.device, self.texts = cfg, device, texts
        self.batch_size = bs = batch_size(cfg, device)
        power = 2.0 if cfg.loss == "distill" else 1.0  # distill: partners lean to the closest neighbours
        per_item = batch_pairs(cfg.pairs_per_item, bs, BATCH_CPU)
        self.epoch_pairs = [sample_pairs(ids, sims, anchors, per_item, rng, cfg.max_pairs, power) for _ in range(cfg.epochs)]
        self.vectors = None  # the base encoder's item vectors, for text-alike batches and the distill target's text share
        if cfg.hard_negatives > 0 or (cfg.loss == "distill" and cfg.text_mix > 0):
            from recengine.text.embed import embed_items

            self.vectors = embed_items(dataset, base).vectors
        if cfg.hard_negatives > 0:
            self.epoch_pairs = [text_near_batches(p, self.vectors, bs, rng, cfg.hard_negatives) for p in self.epoch_pairs]
        self.matrix = dataset.matrix.tocsc()  # type: ignore[attr-defined]
        self.total = sum(math.ceil(len(p) / bs) for p in self.epoch_pairs)
        self.pairs_per_epoch, self.anchors = int(len(self.epoch_pairs[0])), int(len(anchors))

    def steps(self, model: Any) -> Iterator[Any]:
        import torch

        cfg, device, texts, bs = self.cfg, self.device, self.texts, self.batch_size
        for pairs in self.epoch_pairs:
            for lo in range(0, len(pairs), bs):
                batch = pairs[lo : lo + bs]
                if len(batch) < 2:
                    continue
                if cfg.loss == "distill":

                    def loss_of(batch: np.ndarray = batch) -> Any:
                        items = np.unique(batch)
                        z = training.embed_batch(model, [texts[i] for i in items], device)
                        target = torch.as_tensor(collaborative_block(self.matrix, items, cfg.shrink), device=device)
                        prior = None
                        if cfg.text_mix > 0:
                            prior = torch.as_tensor(self.vectors[items] @ self.vectors[items].T, device=device)
                        return training.distill_loss(z.float(), target, cfg.scale, cfg.tau, prior, cfg.text_mix)
                else:

                    def loss_of(batch: np.ndarray = batch) -> Any:
                        za = training.embed_batch(model, [texts[i] for i in batch[:, 0]], device)
                        zb = training.embed_batch(model, [texts[i] for i in batch[:, 1]], device)
                        items = torch.as_tensor(batch, device=device)
                        return training.contrastive_loss(za.float(), zb.float(), items, cfg.scale, cfg.symmetric)
                yield loss_of


class _HistoryPlan:
    """Steps of the ``history`` recipe: a user's other items (their profile) should rank the item they chose.

    Each step samples train interactions (user, item). The profile is the sum of the user's other items'
    vectors from the model being trained, refreshed a few times per epoch and held fixed between (no
    gradient through it, so a step encodes one text per pair). The in-batch softmax over the chosen items is
    tilted by ``popularity_bias * log(popularity)``: 1 is the unbiased full softmax, larger leans to popular
    items, which content item-kNN on cold items rewards (they are judged by who consumes them).
    """

    def __init__(self, dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, rng: np.random.Generator) -> None:
        from recengine.text.embed import embed_items

        texts = list(dataset.texts)  # type: ignore[attr-defined]
        has_text = _text_mask(texts)
        x = dataset.matrix.tocsr().astype(np.float32)  # type: ignore[attr-defined]
        x.data[:] = 1.0
        self.x = x
        users, items = x.nonzero()
        usable = has_text[items] & (np.diff(x.indptr)[users] >= 2)  # the chosen item has text, the user other items
        self.users, self.items = users[usable], items[usable]
        pop = np.asarray(x.sum(axis=0)).ravel()
        self.encoded = np.flatnonzero(has_text & (pop > 0))
        n_users = len(np.unique(self.users))
        if n_users < 2 or len(self.encoded) < 2:
            raise DataError(
                "fine-tuning learns from what users choose next to their other items: it needs at least two users, each "
                f"with at least two items with text; this data has {n_users}. Use data with more users or more "
                "interactions per user."
            )
        self.cfg, self.device, self.texts, self.rng = cfg, device, texts, rng
        self.batch_size = batch_size(cfg, device)
        per_epoch = history_pairs_per_epoch(len(self.users), len(self.encoded), self.batch_size, cfg.max_pairs)
        self.pairs_per_epoch, self.anchors = int(per_epoch), int(len(self.encoded))
        self.per_epoch_steps = max(1, per_epoch // self.batch_size)
        self.total = self.per_epoch_steps * cfg.epochs
        self.log_pop = np.log(np.maximum(pop, 1.0) / max(pop.sum(), 1.0)).astype(np.float32)
        self.vectors = embed_items(dataset, base).vectors.astype(np.float32)

    def _refresh(self, model: Any) -> None:
        import torch

        model.eval()
        with torch.no_grad(), quiet_progress():
            self.vectors[self.encoded] = model.encode([self.texts[i] for i in self.encoded], batch_size=128,
                                                      normalize_embeddings=True, convert_to_numpy=True)
        model.train()

    def steps(self, model: Any) -> Iterator[Any]:
        import torch

        cfg, device, bs = self.cfg, self.device, self.batch_size
        every = max(10, self.per_epoch_steps // HISTORY_REFRESHES)  # a short run keeps the base's profiles
        sums = self.x @ self.vectors
        for step in range(self.total):
            if step and step % every == 0:
                self._refresh(model)
                sums = self.x @ self.vectors
            pick = self.rng.choice(len(self.users), size=min(bs, len(self.users)), replace=False)
            bu, bj = self.users[pick], self.items[pick]

            def loss_of(bu: np.ndarray = bu, bj: np.ndarray = bj, sums: np.ndarray = sums) -> Any:
                profiles = torch.as_tensor(sums[bu] - self.vectors[bj], device=device)  # the chosen item left out
                z = training.embed_batch(model, [self.texts[j] for j in bj], device)
                seen = torch.as_tensor(self.x[bu][:, bj].toarray() > 0, device=device)
                bias = torch.as_tensor(self.log_pop[bj], device=device)
                return training.history_loss(profiles, z.float(), seen, bias, cfg.scale, cfg.popularity_bias)

            yield loss_of


def _fit(
    dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, precision: str, progress: Progress | None
) -> tuple[Any, list[float], dict[str, Any]]:
    """Settle alpha (chosen, guarded or as given), train on all of ``dataset``, keep the alpha mix."""
    if cfg.alpha is None:
        validation = choose_alpha(dataset, base, cfg, device, precision, progress)
    elif cfg.checks_first:
        validation = guard_alpha(dataset, base, cfg, device, precision, progress)
    else:
        validation = {"alpha": cfg.alpha, "chosen_by": "config"}
    # trained even when alpha is 0 (the base won), so the loss history and steps always describe this recipe
    model, history, stats = _train(dataset, base, cfg, device, precision, progress)
    training.mix_weights(model, base.model, float(validation["alpha"]))
    return model, history, {**stats, "validation": validation}


def _pseudo_cold(
    dataset: object, base: Encoder, cfg: FineTuneConfig, alphas: tuple[float, ...], device: str, precision: str,
    progress: Progress | None,
) -> tuple[Any, dict[float, Any], dict[str, Any]]:
    """Hold ``cfg.val_frac`` of the items out, tune on the rest, and judge each alpha mix on the held-out items.

    Returns the validation split, per-user metrics (a DataFrame of recall and ndcg, one row per held-out
    user) for each alpha, and the training stats. Raises DataError when the data is too small to hold out.
    """
    from recengine.data.splits import cold_items_split
    from recengine.evaluation.metrics import per_user_metrics
    from recengine.text.quality import cold_item_recs

    val = cold_items_split(dataset, item_frac=cfg.val_frac, seed=cfg.seed + 1)  # type: ignore[arg-type]
    if val.test.empty or val.train.interactions.empty:
        raise DataError("nothing held out")
    check = None
    if progress is not None:  # a run of its own before the real one: say so, so bars and loss curves can tell them apart

        def check(step: int, total: int, message: str) -> None:
            progress(step, total, f"{HELD_OUT_CHECK}: {message}")

    model, _, stats = _train(val.train, base, cfg, device, precision, check)
    if check is not None:
        check(stats["steps"], stats["steps"], f"comparing {len(alphas)} weight mixes on {len(val.candidates)} held-out items")
    # only the items the judge looks at need vectors: the held-out ones and the train items with users
    texts = list(dataset.texts)  # type: ignore[attr-defined]
    need = np.flatnonzero(np.asarray(val.train.item_popularity) > 0)
    need = np.union1d(need, val.train.item_map.to_internal(val.candidates))
    vectors = np.zeros((len(texts), base.dim), dtype=np.float32)
    per_user: dict[float, Any] = {}
    for alpha, enc in alpha_mixes(model, base, alphas, device):
        vectors[need] = enc.encode([texts[i] for i in need])
        per_user[alpha] = per_user_metrics(cold_item_recs(val, vectors), val.test)
    return val, per_user, stats


def alpha_mixes(model: Any, base: Encoder, alphas: tuple[float, ...], device: str) -> Iterator[tuple[float, Encoder]]:
    """``(alpha, encoder)`` for each WiSE-FT mix of the tuned ``model`` with ``base``; one model, re-mixed in turn.

    Each encoder is valid until the next one is drawn; ``model`` holds its tuned weights again at the end.
    """
    tuned = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for alpha in alphas:
        model.load_state_dict(tuned)
        training.mix_weights(model, base.model, alpha)
        model.eval()
        yield alpha, Encoder.from_model(model, name="mix", fingerprint="mix", device=device, precision="fp32")
    model.load_state_dict(tuned)


def base_lead(base_users: Any, mix_users: Any) -> tuple[float, float]:
    """Mean per-user Recall@10 lead of the base over the mix, and its standard error (paired over users)."""
    diff = (base_users["recall"] - mix_users["recall"]).to_numpy(dtype=np.float64)
    lead = float(diff.mean()) if len(diff) else 0.0
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return lead, se


def _summary(per_user: dict[float, Any]) -> dict[str, dict[str, float]]:
    return {str(a): {"recall@10": round(float(m["recall"].mean()), 5), "ndcg@10": round(float(m["ndcg"].mean()), 5)}
            for a, m in per_user.items()}


def best_alpha(scores: dict[str, dict[str, float]]) -> float:
    """The alpha with the best validation Recall@10, then NDCG@10, then the smaller alpha (the base wins ties).

    >>> best_alpha({"0.0": {"recall@10": 0.2, "ndcg@10": 0.3}, "0.5": {"recall@10": 0.2, "ndcg@10": 0.3}})
    0.0
    """
    return max((float(a) for a in scores), key=lambda a: (scores[str(a)]["recall@10"], scores[str(a)]["ndcg@10"], -a))


def choose_alpha(
    dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, precision: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Pick the WiSE-FT share of tuned weights on a pseudo-cold hold-out inside ``dataset``.

    ``cfg.val_frac`` of the items with text and interactions are held out (with their interactions), the
    encoder is tuned on the rest, and content item-kNN Recall@10 (NDCG@10 breaking ties) on the held-out
    items is measured for each alpha in :data:`ALPHAS`. The base (alpha 0) is among them and wins ties, so
    the chosen mix never validates worse than the base. Data too small to hold anything out gives alpha 1.

    Examples
    --------
    >>> choose_alpha(split.train, Encoder("default"), FineTuneConfig(alpha=None), "cpu", "fp32")["alpha"]  # doctest: +SKIP
    0.5
    """
    try:
        val, per_user, stats = _pseudo_cold(dataset, base, cfg, ALPHAS, device, precision, progress)
    except DataError as exc:
        return {"alpha": 1.0, "chosen_by": f"no validation ({exc})"}
    scores = _summary(per_user)
    best = best_alpha(scores)
    return {"alpha": best, "chosen_by": "pseudo-cold validation", "val_frac": cfg.val_frac,
            "held_out_items": len(val.candidates), "scores": scores, "seconds": stats["seconds"]}


def guard_alpha(
    dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, precision: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Keep ``cfg.alpha`` unless the base encoder validates clearly better on a pseudo-cold hold-out.

    The same hold-out as :func:`choose_alpha`, with two candidates: the base (alpha 0) and the configured mix.
    "Clearly" is paired over the held-out users: the base's mean Recall@10 lead must exceed one standard
    error of the per-user differences. Then alpha is 0 and the base is kept. Data too small to hold anything
    out keeps the configured alpha and says so.

    Examples
    --------
    >>> guard_alpha(split.train, Encoder("default"), FineTuneConfig(), "cpu", "fp32")["alpha"]  # doctest: +SKIP
    0.75
    """
    alpha = float(cfg.alpha if cfg.alpha is not None else 1.0)
    try:
        val, per_user, stats = _pseudo_cold(dataset, base, cfg, (0.0, alpha), device, precision, progress)
    except DataError as exc:
        return {"alpha": alpha, "chosen_by": f"config, not validated ({exc})"}
    lead, se = base_lead(per_user[0.0], per_user[alpha])
    users = len(per_user[alpha])
    base_wins = alpha > 0 and users > 1 and lead > se
    return {"alpha": 0.0 if base_wins else alpha,
            "chosen_by": "pseudo-cold guard: the base validated clearly better" if base_wins else "config, checked on pseudo-cold validation",
            "val_frac": cfg.val_frac, "held_out_items": len(val.candidates), "held_out_users": users,
            "base_lead": round(lead, 5), "standard_error": round(se, 5), "scores": _summary(per_user),
            "seconds": stats["seconds"]}


def record_metrics(encoder: Encoder, metrics: dict[str, Any]) -> None:
    """Add evaluation figures to a saved fine-tune's manifest (``metrics`` section), atomically.

    Examples
    --------
    >>> record_metrics(tuned, {"cold_items": {"recall@10": 0.2}})  # doctest: +SKIP
    """
    path = Path(encoder.path) / MANIFEST
    if not path.is_file():
        raise ModelError(f"{encoder.name} is not a saved fine-tune (no {MANIFEST}); nothing to record.")
    data = json.loads(path.read_text())
    data.setdefault("metrics", {}).update(metrics)
    tmp = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)
    encoder.manifest = {**encoder.manifest, "metrics": data["metrics"]}


def list_finetuned() -> list[dict[str, Any]]:
    """The saved fine-tunes (newest first): fingerprint, base, dataset, config, metrics and path."""
    out = []
    for f in models_root().glob(f"ft-*/{MANIFEST}"):
        try:
            data = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        out.append({k: data.get(k) for k in ("fingerprint", "base", "dataset", "created", "config", "metrics")} | {"path": str(f.parent)})
    return sorted(out, key=lambda d: str(d.get("created") or ""), reverse=True)
