"""Contrastive fine-tuning of the encoder on the interactions, saved and reused by fingerprint.

Each train item's text is paired with the text of one of its nearest collaborative neighbours
(:mod:`recengine.text.pairs`); a symmetric in-batch-negatives loss (MultipleNegativesRankingLoss in both
directions, with other copies of the same item masked out as negatives) pulls co-consumed items together.
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
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from recengine.errors import ConfigError, DataError, ModelError
from recengine.settings import home_dir
from recengine.text.encoder import MANIFEST, Encoder, Progress, quiet_progress, resolve_device, resolve_precision
from recengine.text.pairs import collaborative_neighbors, data_hash, sample_pairs

# Fields that change how a run is executed but not what it learns; left out of the fingerprint.
_RUN_ONLY = {"device", "precision"}
# Bumped whenever pair mining or the training loop changes what a config learns, so old fine-tunes are not reused.
RECIPE_VERSION = 2


class FineTuneConfig(BaseModel):
    """Hyperparameters of a contrastive fine-tune.

    Examples
    --------
    >>> FineTuneConfig(epochs=1, lora=True).lora_r
    8
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: int = Field(2, ge=1, le=100, description="passes over the train items")
    batch_size: int | None = Field(None, ge=2, le=4096, description="pairs per step; default 64 on CPU, 256 on GPU")
    lr: float = Field(3e-5, gt=0, lt=1, description="peak learning rate (AdamW, linear warm-up and decay)")
    weight_decay: float = Field(0.01, ge=0)
    warmup: float = Field(0.1, ge=0, lt=1, description="fraction of steps spent warming up")
    neighbors: int = Field(5, ge=1, le=200, description="collaborative neighbours an item draws its positives from")
    pairs_per_item: int = Field(2, ge=1, le=50, description="distinct neighbours paired with each train item per epoch")
    max_pairs: int | None = Field(None, ge=1, description="cap on pairs per epoch")
    min_users: int = Field(2, ge=1, description="items with fewer train users are not anchors")
    shrink: float = Field(0.0, ge=0, description="similarity shrinkage towards 0 for rarely shared items")
    scale: float = Field(20.0, gt=0, description="inverse temperature of the contrastive softmax")
    symmetric: bool = Field(True, description="also rank anchors given positives")
    max_seq_length: int = Field(64, ge=8, le=512)
    train_layers: int | None = Field(
        None, ge=1, description="train only the top N transformer layers (cheaper on CPU); None trains all weights"
    )
    lora: bool = Field(False, description="train LoRA adapters (needs peft) instead of all weights")
    lora_r: int = Field(8, ge=1, le=256)
    lora_alpha: int = Field(16, ge=1)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    seed: int = 42
    device: str = "auto"
    precision: str = "auto"

    def fingerprint_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if k not in _RUN_ONLY}


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
    if isinstance(base, Encoder):
        return base
    return Encoder(base, device=device, precision=precision)


def finetune(
    dataset: object,
    base: str | Encoder = "default",
    config: FineTuneConfig | None = None,
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
        :class:`FineTuneConfig`.
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
    cfg = config or FineTuneConfig()
    device = resolve_device(cfg.device)
    precision = resolve_precision(device, cfg.precision)
    if cfg.lora:
        _require_peft()
    base_enc = _base_encoder(base, device, "fp32")
    digest = data_hash(dataset)
    fp = finetune_fingerprint(base_enc.fingerprint, digest, cfg)
    out_dir = models_root() / fp
    if not force and (out_dir / MANIFEST).is_file():
        enc = Encoder(str(out_dir), device=device, precision=precision)
        enc.manifest = {**enc.manifest, "cached": True}
        return enc

    from filelock import FileLock

    models_root().mkdir(parents=True, exist_ok=True)
    with FileLock(str(models_root() / f".{fp}.lock"), timeout=3600):
        if not force and (out_dir / MANIFEST).is_file():  # another process finished it while we waited
            enc = Encoder(str(out_dir), device=device, precision=precision)
            enc.manifest = {**enc.manifest, "cached": True}
            return enc
        model, history, stats = _train(dataset, base_enc, cfg, device, precision, progress)
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
    enc = Encoder.from_model(model, name=str(out_dir), fingerprint=fp, path=out_dir, device=device, precision=precision)
    enc.manifest = {**manifest, "cached": False}
    return enc


def _require_peft() -> None:
    try:
        import peft  # noqa: F401
    except ImportError as exc:
        raise ConfigError("LoRA fine-tuning needs the optional package peft: pip install 'recengine[lora]' (or pip install peft).") from exc


def _save(model: Any, out_dir: Path, manifest: dict[str, Any]) -> None:
    """Write to a temporary folder, then rename it into place, so a half-written model is never found."""
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    with quiet_progress():
        model.save(str(tmp), safe_serialization=True)
    for p in tmp.rglob("*"):
        if p.suffix.lower() in (".bin", ".pt", ".pth", ".pkl"):
            p.unlink()  # the folder must load without unpickling anything
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)


def _anchors(dataset: object, min_users: int) -> tuple[np.ndarray, list[str]]:
    texts = list(dataset.texts)  # type: ignore[attr-defined]
    has_text = np.array([bool(isinstance(t, str) and t.strip()) for t in texts])
    pop = np.asarray(dataset.item_popularity)  # type: ignore[attr-defined]
    return np.flatnonzero(has_text & (pop >= min_users)), texts


def _train(
    dataset: object, base: Encoder, cfg: FineTuneConfig, device: str, precision: str, progress: Progress | None
) -> tuple[Any, list[float], dict[str, Any]]:
    import torch

    start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    anchors, texts = _anchors(dataset, cfg.min_users)
    ids, sims = collaborative_neighbors(dataset.matrix, cfg.neighbors, shrink=cfg.shrink)  # type: ignore[attr-defined]
    has_text = np.array([bool(isinstance(t, str) and t.strip()) for t in texts])
    ids = np.where((ids >= 0) & has_text[np.maximum(ids, 0)], ids, -1)
    anchors = anchors[(ids[anchors] >= 0).any(axis=1)]
    if len(anchors) < 2:
        raise DataError("fine-tuning needs at least two items with text that share users; this data has too few interactions.")
    bs = cfg.batch_size or (256 if device.startswith("cuda") else 64)
    epoch_pairs = [sample_pairs(ids, sims, anchors, cfg.pairs_per_item, rng, cfg.max_pairs) for _ in range(cfg.epochs)]
    total = sum(math.ceil(len(p) / bs) for p in epoch_pairs)

    model = copy.deepcopy(base.model).to(device).float()
    model.max_seq_length = cfg.max_seq_length
    if cfg.lora:
        model = _add_lora(model, cfg)
    elif cfg.train_layers is not None:
        _freeze_below(model, cfg.train_layers)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
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
    for pairs in epoch_pairs:
        for lo in range(0, len(pairs), bs):
            batch = pairs[lo : lo + bs]
            if len(batch) < 2:
                continue
            with torch.autocast(device_type="cuda", dtype=amp_dtype, enabled=use_amp):
                za = _embed(model, [texts[i] for i in batch[:, 0]], device)
                zb = _embed(model, [texts[i] for i in batch[:, 1]], device)
            loss = _contrastive_loss(za.float(), zb.float(), torch.as_tensor(batch, device=device), cfg.scale, cfg.symmetric)
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
                raise ModelError(f"fine-tuning diverged at step {step} (loss {value}); lower the learning rate (lr={cfg.lr}).")
            history.append(round(value, 5))
            if progress:
                progress(step, total, f"loss {value:.4f}")
    if cfg.lora:
        model = _merge_lora(model)
    model.eval()
    stats = {"steps": step, "pairs_per_epoch": int(len(epoch_pairs[0])), "anchors": int(len(anchors)),
             "batch_size": bs, "device": device, "precision": precision, "seconds": round(time.perf_counter() - start, 2),
             "final_loss": history[-1] if history else None}
    return model, history, stats


def _freeze_below(model: Any, top: int) -> None:
    """Freeze the token embeddings and all but the top ``top`` layers: backward then stops early."""
    import re

    layer_of = [re.search(r"\.layer\.(\d+)\.", n) for n, _ in model.named_parameters()]
    n_layers = 1 + max((int(m.group(1)) for m in layer_of if m), default=-1)
    for (_, p), m in zip(model.named_parameters(), layer_of):
        p.requires_grad = bool(m) and int(m.group(1)) >= n_layers - top


def _embed(model: Any, texts: list[str], device: str) -> Any:
    features = model.preprocess(texts)
    features = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in features.items()}
    return model(features)["sentence_embedding"]


def _contrastive_loss(za: Any, zb: Any, items: Any, scale: float, symmetric: bool) -> Any:
    """In-batch-negatives cross-entropy; a batch row that shows the same item as the target is not a negative."""
    import torch
    import torch.nn.functional as F

    za, zb = F.normalize(za, dim=-1), F.normalize(zb, dim=-1)
    logits = scale * za @ zb.T
    eye = torch.eye(len(items), dtype=torch.bool, device=logits.device)
    same = (items[:, 1][None, :] == items[:, 1][:, None]) | (items[:, 1][None, :] == items[:, 0][:, None])
    logits = logits.masked_fill(same & ~eye, torch.finfo(logits.dtype).min / 2)
    labels = torch.arange(len(items), device=logits.device)
    loss = F.cross_entropy(logits, labels)
    if symmetric:
        back = scale * zb @ za.T
        same_b = (items[:, 0][None, :] == items[:, 0][:, None]) | (items[:, 0][None, :] == items[:, 1][:, None])
        back = back.masked_fill(same_b & ~eye, torch.finfo(back.dtype).min / 2)
        loss = (loss + F.cross_entropy(back, labels)) / 2
    return loss


def _add_lora(model: Any, cfg: FineTuneConfig) -> Any:
    from peft import LoraConfig, get_peft_model

    lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=["query", "key", "value", "dense"], bias="none")
    model[0].model = get_peft_model(model[0].model, lcfg)
    return model


def _merge_lora(model: Any) -> Any:
    """Fold the adapters into the weights, so the saved folder is a plain model that loads without peft."""
    model[0].model = model[0].model.merge_and_unload()
    return model


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
        out.append({k: data.get(k) for k in ("fingerprint", "base", "dataset", "created", "config", "metrics")} | {"path": str(f.parent)})
    return sorted(out, key=lambda d: d.get("created") or "", reverse=True)
