"""``recengine explain``: why one item is suggested to a profile, as signal SHAP values, history Shapley
values and a plain-language reason."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import pandas as pd

from recengine.cli.common import (
    add_data_options,
    add_format_option,
    add_profile_options,
    emit,
    load_data,
    profile_from_args,
    progress_bar,
)
from recengine.cli.models import add_encoder_option, fit_for_cli
from recengine.columns import Columns
from recengine.errors import ConfigError
from recengine.explain.reasons import outside_list
from recengine.explain.shapley import DEFAULT_BUDGET, MIN_POOLED_PERMUTATIONS

ORDER = 40


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain",
        help="explain why an item is suggested to a user, a set of liked items or an intent",
        description="Explain one suggestion two ways, both additive: the SHAP value of every hybrid signal "
        "(base value + values = score) and the Shapley value of every item in the profile and of the intent "
        "(they sum to score - score with an empty profile), plus a plain-language reason.",
    )
    add_data_options(p)
    add_profile_options(p, "who the suggestion is for (at least one; the same options as recommend)")
    p.add_argument("--item", required=True, metavar="ID", help="the item to explain")
    p.add_argument("--model", default="hybrid", help="the model to explain (default hybrid; others get the history view)")
    p.add_argument("--device", default="auto", help="encoder device: auto, cpu, cuda, mps (default auto)")
    p.add_argument("--budget", type=int, default=None, metavar="N",
                   help=f"coalitions scored for profiles over 12 items (permutation sampling; default {DEFAULT_BUDGET}); "
                   f"a profile of more than N/2 items keeps the items that weigh most as players, as many as "
                   f"{MIN_POOLED_PERMUTATIONS} orders allow, and pools the rest into one player, 'N other items'")
    p.add_argument("--seed", type=int, default=0, help="seed of the background sample and the permutations")
    p.add_argument("--generator", metavar="PATH",
                   help="a local generative model folder that rephrases the reason (kept only if it stays grounded)")
    add_encoder_option(p)
    add_format_option(p, ("table", "json"))
    p.set_defaults(func=cmd_explain)


def _print_table(result: dict[str, Any]) -> None:
    out = sys.stdout
    cold = " (cold item: no interactions)" if result["is_cold"] else ""
    rank = f", rank {result['rank']:,}" if result.get("rank") else ""
    out.write(f"{result['title']} [{result['item_id']}]{cold}\nscore {result['score']:.4f}{rank}\n\n{result['reason']}\n\n")
    signals = pd.DataFrame(result["signals"]).sort_values("shap", key=abs, ascending=False)
    signals["shap"] = signals["shap"].round(6) + 0.0  # -0.000000 is a rounding's sign, not a push: read 0
    out.write(f"signals (base value {result['base_value']:.4f} + SHAP values = score; {result['methods']['signals']})\n")
    emit(signals, "table", stream=out)
    if result["history"]:
        history = pd.DataFrame(result["history"]).sort_values("shap", key=abs, ascending=False)
        out.write(
            f"\nhistory (empty-profile score {result['empty_profile_score']:.4f} + Shapley values = score; "
            f"{result['methods']['history']})\n"
        )
        history["item_id"] = history["item_id"].fillna("")  # the request and the profile's size have no id
        history["shap"] = history["shap"].round(6) + 0.0
        columns = ["item_id", "title", "shap"] + (["error"] if history["error"].abs().max() > 1e-9 else [])
        emit(history[columns], "table", stream=out)


#: the list an explained item is placed against: ``recengine recommend``'s default length
LIST_K = 10


def _rank(model: Any, profile: Any, item: str, embeddings: Any = None) -> int | None:
    """Where ``item`` ranks in ``model``'s whole list for ``profile`` (None: not listed, liked, rejected or unscored),
    as ``recengine recommend`` lists it: items like a rejected one pushed down (``embeddings``), so an item explained
    at rank 6 is the sixth of that list, not of the model's order before the dislikes moved it."""
    from recengine.rerank import recommend

    vectors = None if embeddings is None else (embeddings.vectors, embeddings.item_ids)
    ranked = recommend(model, profile, k=len(model.item_map), embeddings=vectors)
    at = np.flatnonzero(ranked[Columns.item].to_numpy() == str(item))
    return int(ranked[Columns.rank].iloc[at[0]]) if len(at) else None


def cmd_explain(args: argparse.Namespace) -> int:
    from recengine.explain import explain

    if args.budget is not None and args.budget < 2:  # said at once, not after the data is loaded and fitted
        raise ConfigError("--budget must be at least 2 coalitions.")
    ds = load_data(args)
    profile = profile_from_args(args, ds, "the suggestion is for")
    ds.item_map.index(args.item)
    model, embeddings = fit_for_cli(args, args.model, ds, need_embeddings=bool(profile.disliked))
    options: dict[str, Any] = {"seed": args.seed}
    if args.generator:
        options.update(generator=args.generator, generator_device=args.device)
    if args.budget is not None:
        options["budget"] = args.budget
    with progress_bar("explaining the history") as update:  # a long profile's coalitions: minutes on a large catalogue
        result = explain(model, profile, args.item, progress=update, **options).to_dict()
    result["model"] = model.name
    result["rank"] = _rank(model, profile, args.item, embeddings)
    result["reason"] = outside_list(result["reason"], result["rank"], LIST_K)
    if args.format == "json":
        emit(result, "json")
    else:
        _print_table(result)
    return 0
