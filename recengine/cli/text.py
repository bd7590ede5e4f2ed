"""``recengine embed`` and ``recengine finetune``: cached item embeddings and contrastive fine-tuning."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from recengine.cli.common import add_data_options, add_format_option, emit, load_data, positive_int, progress_bar

ORDER = 20


def register(sub: argparse._SubParsersAction) -> None:
    embed = sub.add_parser(
        "embed",
        help="embed item texts (cache first)",
        description="Embed every item's text with an encoder. Vectors are cached on disk under $RECENGINE_HOME "
        "keyed by (encoder fingerprint, text hash): a second identical run embeds nothing (n_encoded 0). "
        "n_truncated counts the texts embedded now that are longer than the model reads (max_seq_length tokens).",
    )
    add_data_options(embed)
    embed.add_argument("--model", default="default", help="'default' (all-MiniLM-L6-v2, bundled), a model folder, or a hub name")
    embed.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps")
    embed.add_argument("--batch-size", type=positive_int, default=None, help="texts per model call (default: 64 on CPU, 512 on CUDA)")
    add_format_option(embed, ("table", "json"))
    embed.set_defaults(func=cmd_embed)

    ft = sub.add_parser(
        "finetune",
        help="fine-tune the encoder on interactions and report cold-item quality",
        description="Hold out 20% of the items (the cold_items protocol, seed 42), fine-tune the encoder "
        "contrastively on the remaining train interactions only, and report zero-shot vs fine-tuned content "
        "item-kNN Recall@10 / NDCG@10 on the held-out cold items. The same fine-tune (base, data, config) is "
        "saved and reused, not run twice (cached: true).",
    )
    add_data_options(ft)
    ft.add_argument("--base", default="default", help="encoder to start from (default: all-MiniLM-L6-v2)")
    from recengine.text.finetune import config_defaults

    d = config_defaults()  # the help text follows the library's defaults
    ft.add_argument("--epochs", type=positive_int, default=None, help=f"passes over the train items (default {d['epochs']})")
    ft.add_argument("--lr", type=float, default=None, help=f"peak learning rate (default {d['lr']:g})")
    ft.add_argument("--batch-size", type=positive_int, default=None, help=f"items per step (default {d['batch_cpu']} on CPU, {d['batch_cuda']} on CUDA); a larger batch keeps the epoch's steps and sees more pairs")
    ft.add_argument("--neighbors", type=positive_int, default=None,
                    help=f"collaborative neighbours an item draws its partners from (default {d['neighbors']})")
    ft.add_argument("--pairs-per-item", type=positive_int, default=None,
                    help=f"neighbours paired with each train item per epoch (default {d['pairs_per_item']})")
    ft.add_argument("--text-mix", type=float, default=None,
                    help=f"share of each target kept from the base encoder's own similarities, 0-1 (default {d['text_mix']:g})")
    ft.add_argument("--alpha", type=parse_alpha, default=None,
                    help=f"share of the tuned weights kept, 0-1, or 'auto' to choose it on a pseudo-cold hold-out of "
                         f"train (default {d['alpha']:g})")
    ft.add_argument("--no-guard", action="store_true",
                    help="skip the pseudo-cold check that keeps the base encoder when it validates clearly better "
                         "(halves the time)")
    ft.add_argument("--loss", choices=["distill", "pairs", "history"], default=None,
                    help=f"recipe: distill (items like their co-consumed items), pairs, or history (a user's other items "
                    f"rank the one they chose) (default {d['loss']})")
    ft.add_argument("--popularity-bias", type=float, default=None,
                    help=f"history recipe: lean to popular items, 0 none, 1 as in the data (default {d['popularity_bias']:g})")
    ft.add_argument("--train-layers", type=int, default=None, help="train only the top N layers (cheaper on CPU)")
    ft.add_argument("--lora", action="store_true", help="train LoRA adapters (needs peft)")
    ft.add_argument("--lora-r", type=positive_int, default=None, help=f"LoRA rank (default {d['lora_r']})")
    ft.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    ft.add_argument("--seed", type=int, default=42, help="seed of the cold-items split and of training (default 42)")
    ft.add_argument("--force", action="store_true", help="train again even if this fine-tune is saved")
    ft.add_argument("--request", default=None, metavar="TEXT",
                    help="also list the items nearest a typed request with the zero-shot and the fine-tuned encoder")
    add_format_option(ft, ("table", "json"))
    ft.set_defaults(func=cmd_finetune)


def cmd_embed(args: argparse.Namespace) -> int:
    from recengine.text import Encoder, embed_items

    ds = load_data(args)
    start = time.perf_counter()
    encoder = Encoder(args.model, device=args.device)
    with progress_bar("embedding") as update:
        emb = embed_items(ds, encoder, progress=update, batch_size=args.batch_size)
    emit(
        {
            "model": args.model,
            "fingerprint": encoder.fingerprint,
            "device": encoder.device,
            "precision": encoder.precision,
            "dim": encoder.dim,
            "n_items": len(emb),
            "n_encoded": emb.n_encoded,
            "n_cached": emb.n_cached,
            "n_without_text": int((~emb.has_text).sum()),
            "n_truncated": emb.n_truncated,
            "max_seq_length": encoder.max_seq_length,
            "seconds": round(time.perf_counter() - start, 3),
            "embed_seconds": round(emb.seconds, 3),
        },
        args.format,
    )
    return 0


def parse_alpha(value: str) -> float | str:
    """``--alpha``: a number (range checked by FineTuneConfig) or ``auto`` (FineTuneConfig reads it as None)."""
    if value.strip().lower() == "auto":
        return "auto"
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1 or 'auto', got {value!r}") from None


def _config(args: argparse.Namespace) -> Any:
    from recengine.text.finetune import FineTuneConfig

    given = {
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "neighbors": args.neighbors,
        "pairs_per_item": args.pairs_per_item,
        "alpha": args.alpha,
        "text_mix": args.text_mix,
        "train_layers": args.train_layers,
        "lora_r": args.lora_r,
        "loss": args.loss,
        "popularity_bias": args.popularity_bias,
    }
    kwargs: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if args.no_guard:
        kwargs["guard"] = False
    try:
        return FineTuneConfig(lora=args.lora, seed=args.seed, device=args.device, **kwargs)
    except ValueError as exc:  # pydantic names the setting and the allowed range; say it as the option typed
        from recengine.errors import settings_error

        raise settings_error(exc, "fine-tuning option", lambda f: "--" + f.replace("_", "-")) from None


def cmd_finetune(args: argparse.Namespace) -> int:
    from recengine.data.splits import cold_items_split
    from recengine.text import Encoder, embed_items
    from recengine.text.finetune import finetune, finetune_phase, record_metrics
    from recengine.text.quality import cold_item_quality, finetune_verdict

    ds = load_data(args)
    cfg = _config(args)
    start = time.perf_counter()
    split = cold_items_split(ds, seed=args.seed)
    base = Encoder(args.base, device=args.device)
    with progress_bar("fine-tuning") as update:

        def progress(done: int, total: int, message: str) -> None:  # "part 2 of 2" where the bar starts again
            _, part, body = finetune_phase(message, cfg.checks_first)
            update(done, total, f"{part}: {body}" if body else part)

        tuned = finetune(split.train, base, cfg, progress=progress, force=args.force)
    with progress_bar("embedding") as update:
        zero_emb, tuned_emb = embed_items(ds, base, progress=update), embed_items(ds, tuned, progress=update)
    zero, fine = cold_item_quality(split, zero_emb.vectors), cold_item_quality(split, tuned_emb.vectors)
    cold = {"zero_shot": zero, "fine_tuned": fine, "n_cold_items": len(split.candidates), "split_seed": args.seed}
    record_metrics(tuned, {"cold_items": cold})
    verdict, summary = finetune_verdict(zero, fine, len(split.candidates))
    try:  # listed by `recengine store list` and offered by the app, as a fine-tune made there is
        from recengine.store import open_store

        open_store().record_finetune(tuned.fingerprint, args.base, tuned.manifest.get("config", {}),
                                     {"cold_items": cold}, path=tuned.path)
    except Exception as exc:  # the fine-tune itself is saved; only the store's record is missing
        print(f"warning: the fine-tune was not recorded in the store ({exc}).", file=sys.stderr)
    stats = tuned.manifest.get("metrics", {})
    _emit_finetune(
        {
            "fingerprint": tuned.fingerprint,
            "base": args.base,
            "base_fingerprint": base.fingerprint,
            "device": tuned.device,
            "cached": bool(tuned.manifest.get("cached")),
            "epochs": cfg.epochs,
            "lora": cfg.lora,
            "alpha": (stats.get("validation") or {}).get("alpha"),
            "alpha_chosen_by": (stats.get("validation") or {}).get("chosen_by"),
            "steps": stats.get("steps"),
            "final_loss": stats.get("final_loss"),
            "train_seconds": stats.get("seconds"),
            "seconds": round(time.perf_counter() - start, 2),
            "path": str(tuned.path),
            "cold_items": {**cold, "verdict": verdict},
            "summary": summary,
        },
        args.format,
        request=_request_lists(args.request, ds, (base, zero_emb), (tuned, tuned_emb)) if args.request else None,
    )
    return 0


def _request_lists(request: str, ds: Any, *encoders: tuple[Any, Any]) -> dict[str, Any]:
    """``--request``: the titles of the 8 items nearest the request with each encoder."""
    from recengine.text import request_matches

    lists = [[ds.title(item) for item, _ in request_matches(request, enc, emb, k=8)] for enc, emb in encoders]
    return {"text": request, "zero_shot": lists[0], "fine_tuned": lists[1]}


def _emit_finetune(result: dict[str, Any], fmt: str, request: dict[str, Any] | None) -> None:
    """JSON: everything, the request lists under ``request``. A table: the run's facts, then the cold-item figures
    of both encoders as a table and the verdict in words, then the request lists side by side."""
    if fmt == "json":
        emit({**result, **({"request": request} if request else {})}, fmt)
        return
    import pandas as pd

    from recengine.evaluation.metrics import metric_label

    cold = result["cold_items"]
    emit({k: v for k, v in result.items() if k not in ("cold_items", "summary")}, fmt)
    print(f"\ncold items: {cold['n_cold_items']:,} held out (split seed {cold['split_seed']}), content item-kNN:")
    emit(pd.DataFrame([{"encoder": name, **{metric_label(m): round(v, 4) for m, v in cold[key].items()}}
                       for name, key in (("zero-shot", "zero_shot"), ("fine-tuned", "fine_tuned"))]), fmt)
    print(result["summary"])
    if request is not None:
        print(f"\nnearest items to “{request['text']}”:")
        # one list per encoder over the same items with text, so both have the same length
        emit(pd.DataFrame({"rank": range(1, len(request["zero_shot"]) + 1), "zero-shot": request["zero_shot"],
                           "fine-tuned": request["fine_tuned"]}), fmt)
