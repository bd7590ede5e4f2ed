"""``recengine recommend``, ``recengine evaluate`` and ``recengine audience``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from recengine.cli.common import (
    add_data_options,
    add_format_option,
    add_profile_options,
    emit,
    load_data,
    positive_int,
    profile_from_args,
    progress_bar,
    split_ids,
)
from recengine.errors import ConfigError, DataError

ORDER = 30
MODEL_HELP = "popularity, itemknn, ease, content or hybrid"
DEFAULT_MODELS = "popularity,itemknn,ease,content,hybrid"


def register(sub: argparse._SubParsersAction) -> None:
    rec = sub.add_parser(
        "recommend",
        help="top-k recommendations for a user, a few liked items or a sentence of intent",
        description="Fit a model on the data (item embeddings come from the cache) and print the top-k items "
        "for a known user (--user), a new user (--liked) and/or a sentence of intent (--intent).",
    )
    add_data_options(rec)
    add_profile_options(rec, "who to recommend for (at least one)")
    rec.add_argument("--model", default="hybrid", help=f"{MODEL_HELP} (default hybrid)")
    add_encoder_option(rec)
    rec.add_argument("--k", type=positive_int, default=10, help="number of recommendations (default 10)")
    rec.add_argument("--diversity", type=float, default=0.0, help="0..1: spread the list over different kinds of items (MMR)")
    rec.add_argument("--novelty", type=float, default=0.0, help=">=0: favour less popular items")
    rec.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (encoder and EASE)")
    rec.add_argument("--refit", action="store_true", help="fit the model again instead of reusing a saved fit")
    add_format_option(rec)
    rec.set_defaults(func=cmd_recommend)

    ev = sub.add_parser(
        "evaluate",
        help="compare the models on a protocol (warm, few-shot, cold-items, temporal)",
        description="Split the data with a protocol (seeded; temporal: at a date), fit each model on the train part and report "
        "recall, ndcg, hit, mrr and map at k, coverage, diversity, novelty, popularity bias and fit time.",
    )
    add_data_options(ev)
    ev.add_argument("--protocol", default="warm", choices=["warm", "few-shot", "cold-items", "temporal"],
                    type=lambda s: s.replace("_", "-"),
                    help="evaluation protocol (default warm; cold_items and few_shot also work); temporal cuts the "
                    "data at a date (about 20 %% of the interactions after it) and needs timestamps")
    ev.add_argument("--shots", action="append", help="profile sizes for few-shot (default 1,3,5; repeatable)")
    ev.add_argument("--models", action="append",
                    help=f"comma-separated: {MODEL_HELP} (default {DEFAULT_MODELS}; repeatable)")
    add_encoder_option(ev)
    ev.add_argument("--k", type=positive_int, default=10, help="cut-off (default 10)")
    ev.add_argument("--seed", type=int, default=42, help="split seed (default 42; the temporal split ignores it)")
    ev.add_argument("--max-users", type=positive_int, default=None,
                    help="measure on a seeded sample of at most N test users (default: all; for very large data)")
    ev.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (encoder)")
    add_format_option(ev)
    ev.set_defaults(func=cmd_evaluate)

    aud = sub.add_parser(
        "audience",
        help="the users most likely to want a new item described by its text",
        description="Score every user for a brand-new item given only by its title and description (or an "
        "existing item id) and print the top-k users. Here --text is the new item's description (the data "
        "option of the same name is not available).",
        conflict_handler="resolve",
    )
    add_data_options(aud)
    aud.add_argument("--title", help="the new item's title")
    aud.add_argument("--text", dest="item_text", metavar="DESCRIPTION", help="the new item's description")
    aud.add_argument("--item", metavar="ID", help="an existing item id instead of a new item")
    aud.add_argument("--model", default="hybrid", help="content or hybrid for new items (default hybrid)")
    add_encoder_option(aud)
    aud.add_argument("--k", type=positive_int, default=10, help="number of users (default 10)")
    aud.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (encoder)")
    aud.add_argument("--refit", action="store_true", help="fit the model again instead of reusing a saved fit")
    add_format_option(aud)
    aud.set_defaults(func=cmd_audience, text=None)


def add_encoder_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoder", default="default", metavar="NAME",
                        help="the text encoder of the content and hybrid models: default, a fine-tune's fingerprint "
                        "(ft-..., from `recengine finetune`), a model folder or a hub name")


def fit_for_cli(args: argparse.Namespace, name: str, ds: Any, need_embeddings: bool = False) -> tuple[Any, Any]:
    """(fitted model, embeddings) on ``ds``, with progress on stderr; reused from disk when fitted before.

    The item texts are embedded only for a model that reads them, or when ``need_embeddings`` (the diversity
    knob, a dislike's neighbours): EASE on 15,000 items started embedding 9,524 texts it never reads. Else
    the embeddings are None.
    """
    from recengine.models import make_model
    from recengine.models.base import fit_cached
    from recengine.models.content import shared_encoder
    from recengine.text import embed_items

    model = make_model(name)
    settings = {k: v for k, v in (("device", args.device), ("encoder", getattr(args, "encoder", "default")))
                if hasattr(model.config, k) and v not in ("auto", "default")}
    if settings:
        model = make_model(name, **settings)
    encoder = embeddings = None
    if model.reads_text or need_embeddings:
        encoder = shared_encoder(getattr(args, "encoder", "default"), args.device)
        with progress_bar("embedding items") as update:
            embeddings = embed_items(ds, encoder, progress=update)
    refit = getattr(args, "refit", False)
    print(f"fitting {model.name} on {ds.n_users} users x {ds.n_items} items"
          f"{'' if refit else ' (or loading it if fitted before)'} ...", file=sys.stderr)
    with progress_bar(f"fitting {model.name}") as update:  # the hybrid's stages: minutes on a large catalogue
        heard: list[int] = []  # the last total the fit reported, and how far it had got

        def report(done: int, total: int, message: str = "") -> None:
            heard[:] = [done, total]
            update(done, total, message)

        if refit:
            model.fit(ds, embeddings=embeddings, encoder=encoder, progress=report)
        else:
            model = fit_cached(model, ds, embeddings=embeddings, encoder=encoder, progress=report)
        if heard and heard[0] < heard[1]:  # a fit reports each stage as it starts: say the last one ended
            update(heard[1], heard[1], "done")
    return model, embeddings


def cmd_recommend(args: argparse.Namespace) -> int:
    from recengine.rerank import recommend, reordered_by

    ds = load_data(args)
    profile = profile_from_args(args, ds, "to recommend for")
    model, embeddings = fit_for_cli(args, args.model, ds, need_embeddings=args.diversity > 0 or bool(profile.disliked))
    notes, usable = model.profile_notes(profile)
    if not usable:
        raise ConfigError(f"nothing to recommend from: {'; '.join(notes)}.")
    for note in notes:
        print(f"note: {note}.", file=sys.stderr)
    if profile.intent and (summary := model.intent_summary(profile.intent)):
        print(f"note: the request {summary}.", file=sys.stderr)
    recs = recommend(
        model,
        profile,
        k=args.k,
        diversity=args.diversity,
        novelty=args.novelty,
        embeddings=None if embeddings is None else (embeddings.vectors, embeddings.item_ids),
        popularity=ds.item_popularity,
    )
    if recs.empty:
        print("no recommendations: every item this model can score is already in the profile or disliked.", file=sys.stderr)
    elif len(recs) < args.k:  # --k 100000000 on 400 items: say why the list is shorter, not leave it to be counted
        print(f"note: {len(recs):,} item{'s' if len(recs) != 1 else ''} listed, fewer than --k {args.k:,}: the other items are in "
              f"the profile, rejected, or ones {model.name} cannot score.", file=sys.stderr)
    out = recs.drop(columns=["user_id"])
    if args.format == "table":
        out = out.round(4)
        why = reordered_by(out, args.diversity, args.novelty)
        knobs = " and ".join(w for w in why if w not in ("dislike", "request"))
        if "dislike" in why:  # a person reads which dislike moved it by its title; JSON and CSV keep the id
            out["lowered_by"] = [f"{ds.title(i)} ({i})" if i else "" for i in out["lowered_by"]]
        if why:  # scores out of order: say why before anyone asks
            print("note: re-ranked" + (f" for {knobs}" if knobs else "") + (", and items like a disliked one moved lower"
                  if "dislike" in why else "") + (", and the items holding what the request asks for first" if "request"
                  in why else "") + ": a lower score can rank higher.", file=sys.stderr)
    emit(out, args.format)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from recengine.data.splits import parse_shots, require_timestamps
    from recengine.evaluation import evaluate, results_json
    from recengine.evaluation.protocols import EvaluationInterrupted
    from recengine.models.content import shared_encoder
    from recengine.text import embed_items

    given = ",".join(args.shots) if args.shots else "1,3,5"  # --shots 1,3 --shots 5: each one's sizes
    try:
        shots = parse_shots(given)
    except DataError:
        raise ConfigError(f"--shots takes comma-separated whole numbers such as 1,3,5, not {given!r}.") from None
    if shots and min(shots) < 1:  # said before the data is loaded and embedded, not after
        raise ConfigError(f"--shots takes profile sizes of 1 or more, such as 1,3,5; {given!r} holds {min(shots)}.")
    models = ",".join(split_ids(args.models)) or DEFAULT_MODELS
    ds = load_data(args)
    if args.protocol == "temporal":  # said before the items are embedded, not after
        require_timestamps(ds)
    encoder = shared_encoder(args.encoder, args.device)
    with progress_bar("embedding items") as update:
        embeddings = embed_items(ds, encoder, progress=update)
    stopped = None
    with progress_bar(f"evaluating ({args.protocol})") as update:
        try:
            results = evaluate(
                ds, args.protocol, models=models, k=args.k, shots=shots or (1, 3, 5), seed=args.seed,
                embeddings=embeddings, encoder=encoder, progress=update, max_users=args.max_users,
            )
        except EvaluationInterrupted as exc:  # Ctrl-C or SIGTERM: the models that finished are printed all the same
            stopped, results = exc, exc.results
    if stopped is None:  # an interrupted run is not kept in the store's history: it would read as a whole one
        _remember_run(args.protocol, {"models": list(results["model"].unique()), "k": args.k, "seed": args.seed,
                                      "shots": list(shots or (1, 3, 5)), "encoder": args.encoder,
                                      "max_users": args.max_users}, results, ds.name)
    if len(results) or stopped is None:
        if args.format == "json":
            emit(results_json(results, args.k), "json")
        else:  # CSV keeps the protocol column and full precision, for a spreadsheet
            emit(results.drop(columns=["protocol"]).round(4) if args.format == "table" else results, args.format)
    if stopped is not None:  # main says "interrupted" and which models were not measured, and exits 130 or 143
        raise stopped
    return 0


def _remember_run(protocol: str, config: dict, results: Any, dataset_name: str) -> None:
    """Keep the run in the store's history (as the app does); a store that cannot be written only warns."""
    from recengine.evaluation import run_metrics
    from recengine.store import open_store

    try:
        open_store().record_run(protocol, config, run_metrics(results), dataset=dataset_name)
    except Exception as exc:  # the results are printed all the same
        print(f"warning: the run was not kept in the store ({exc}).", file=sys.stderr)


def cmd_audience(args: argparse.Namespace) -> int:
    from recengine.models import audience

    if args.item and (args.title or args.item_text):
        raise ConfigError("give either --item ID or a new item's --title/--text, not both.")
    query = args.item or ". ".join(x.strip() for x in (args.title, args.item_text) if x and x.strip())
    if not query:
        raise ConfigError('describe the new item with --title "T" --text "D" (or name an existing one with --item ID).')
    ds = load_data(args)
    model, _ = fit_for_cli(args, args.model, ds)
    content = getattr(model, "content", model)
    if not args.item and hasattr(content, "reads_as_words") and not content.reads_as_words(query):
        print(f"note: {query[:80]!r} holds no word that the encoder or the catalogue knows, so this audience is noise; "
              "describe the item in words (what it is, its genre or topic).", file=sys.stderr)
    table = audience(model, ds, k=args.k, **({"item": query} if args.item else {"text": query}))
    if table.empty:
        print("no audience: no user has consumed an item whose text is near this one (or who lacks it already).",
              file=sys.stderr)
    emit(table.round(4) if args.format == "table" else table, args.format)
    return 0
