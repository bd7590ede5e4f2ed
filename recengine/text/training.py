"""The pieces of one fine-tuning step: losses, LoRA adapters, layer freezing and weight mixing.

:mod:`recengine.text.finetune` decides what to train on and keeps the results; this module holds the
torch maths it runs, so each piece can be tested alone.
"""

from __future__ import annotations

from typing import Any


def mix_weights(model: Any, base_model: Any, alpha: float) -> None:
    """In place: every float weight becomes ``alpha * tuned + (1 - alpha) * base`` (WiSE-FT)."""
    import torch

    if alpha == 1.0:
        return
    base_sd = base_model.state_dict()
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if v.is_floating_point() and k in base_sd:
                v.mul_(alpha).add_(base_sd[k].to(v.device, v.dtype), alpha=1.0 - alpha)


def freeze_below(model: Any, top: int) -> None:
    """Freeze the token embeddings and all but the top ``top`` layers: backward then stops early."""
    import re

    layer_of = [re.search(r"\.layer\.(\d+)\.", n) for n, _ in model.named_parameters()]
    n_layers = 1 + max((int(m.group(1)) for m in layer_of if m), default=-1)
    if n_layers == 0:  # ALBERT shares one layer's weights: nothing to pick the top layers from, all would freeze
        from recengine.errors import ConfigError

        raise ConfigError("train_layers: this base model has no numbered layers (.layer.N.) to train only the top ones "
                          "of; leave train_layers out (in the CLI: --train-layers) to train the whole model.")
    for (_, p), m in zip(model.named_parameters(), layer_of):
        p.requires_grad = bool(m) and int(m.group(1)) >= n_layers - top


def embed_batch(model: Any, texts: list[str], device: str) -> Any:
    """Sentence embeddings of ``texts`` with gradients (the training forward pass)."""
    features = model.preprocess(texts)
    features = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in features.items()}
    return model(features)["sentence_embedding"]


def distill_loss(z: Any, target: Any, scale: float, tau: float, prior: Any = None, mix: float = 0.0) -> Any:
    """Cross-entropy from softmax(collaborative cosine / tau) to softmax(scale * text cosine), row-wise, self excluded.

    With ``prior`` (the base encoder's cosines among the same items) and ``mix`` > 0, the target is
    ``(1 - mix) * softmax(target / tau) + mix * softmax(scale * prior)``: the share ``mix`` asks the student to
    keep the base's own view of the batch (what it knew about titles, sequels, genres).
    """
    import torch
    import torch.nn.functional as F

    z = F.normalize(z, dim=-1)
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    logits = (scale * z @ z.T).masked_fill(eye, -1e4)
    soft = torch.softmax((target / tau).masked_fill(eye, -1e4), dim=1)
    if prior is not None and mix > 0:
        soft = (1.0 - mix) * soft + mix * torch.softmax((scale * prior).masked_fill(eye, -1e4), dim=1)
    return -(soft * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


def contrastive_loss(za: Any, zb: Any, items: Any, scale: float, symmetric: bool) -> Any:
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


def history_loss(profiles: Any, z: Any, seen: Any, log_pop: Any, scale: float, bias: float) -> Any:
    """Cross-entropy of each profile ranking its own chosen item first among the batch's chosen items.

    ``profiles`` (B, d) are fixed (no gradient); ``z`` (B, d) the chosen items' embeddings; ``seen`` (B, B) marks
    batch items a row's user has (not negatives for that row); ``log_pop`` (B,) the items' log popularity share.
    Popular items turn up as in-batch negatives more often, which teaches the encoder to hold popularity against
    them; subtracting ``bias * log_pop`` from the logits corrects that (logQ correction): 0 leaves the lean
    against popular items, 1 removes it (the full softmax, popularity as in the data), more leans to them.
    """
    import torch
    import torch.nn.functional as F

    logits = scale * F.normalize(profiles, dim=-1) @ F.normalize(z, dim=-1).T - bias * log_pop[None, :]
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(seen & ~eye, -1e4)
    return F.cross_entropy(logits, torch.arange(len(z), device=z.device))


def add_lora(model: Any, cfg: Any) -> Any:
    """Wrap the transformer in LoRA adapters (``cfg.lora_r``, ``lora_alpha``, ``lora_dropout``)."""
    from peft import LoraConfig, get_peft_model

    lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=["query", "key", "value", "dense"], bias="none")
    model[0].model = get_peft_model(model[0].model, lcfg)
    return model


def merge_lora(model: Any) -> Any:
    """Fold the adapters into the weights, so the saved folder is a plain model that loads without peft."""
    model[0].model = model[0].model.merge_and_unload()
    return model
