"""``recengine data inspect|add|list|remove``: validate files, and keep named datasets in the store."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from recengine.cli.common import add_data_options, add_format_option, emit, load_data
from recengine.errors import ConfigError, said_for

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser("data", help="inspect and manage datasets",
                          description="Validate data files and keep named datasets in the store.")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION")
    inspect = data_sub.add_parser(
        "inspect",
        help="validate a file and print its statistics",
        description="Validate interactions (and item texts) and print users, items, interactions, cold items, "
        "density and warnings. Exits 2 with a message naming the file, column and rows on a bad file.",
    )
    inspect.add_argument("path", nargs="?", help="interactions file (same as --interactions)")
    add_data_options(inspect)
    add_format_option(inspect, ("table", "json"))
    inspect.set_defaults(func=cmd_inspect)

    add = data_sub.add_parser(
        "add",
        help="validate data and save it in the store under a name",
        description="Validate interactions (and item texts) as `data inspect` does, then save the validated tables "
        "and load options in the store. Afterwards `--dataset NAME` works wherever the data options do.",
    )
    add.add_argument("name", help="the name to save it under")
    add.add_argument("path", nargs="?", help="interactions file (same as --interactions)")
    add.add_argument("--replace", action="store_true", help="replace a saved dataset of the same name")
    add_data_options(add)
    add_format_option(add)
    add.set_defaults(func=cmd_add)

    lst = data_sub.add_parser("list", help="list the datasets saved in the store",
                              description="List saved datasets with their sizes and source files.")
    add_format_option(lst)
    lst.set_defaults(func=cmd_list)

    rm = data_sub.add_parser("remove", help="remove a saved dataset and its files",
                             description="Remove a dataset from the store (its files are deleted).")
    rm.add_argument("name", help="the saved dataset's name")
    rm.set_defaults(func=cmd_remove)
    data.set_defaults(func=lambda a: data.print_help(sys.stderr) or 2)  # help, not a result: stderr


def _positional(args: argparse.Namespace) -> None:
    """The file named without --interactions is the interactions file; naming two different ones is an error."""
    if not args.path:
        return
    if args.interactions and args.interactions != args.path:
        raise ConfigError(f"two interactions files: {args.path} and --interactions {args.interactions}; name one.")
    args.interactions = args.path


def cmd_inspect(args: argparse.Namespace) -> int:
    _positional(args)
    ds = load_data(args, warn=False)  # its warnings are in the result
    stats = ds.stats()
    stats["warnings"] = [said_for(w, "CLI") for w in stats.get("warnings", [])]  # the CLI's way of each step
    stats["options"] = ds.options
    emit(stats, args.format)
    return 0


def _summary(d: dict) -> dict:
    keys = ("name", "created_at", "n_users", "n_items", "n_interactions", "n_cold_items", "n_items_with_text")
    out = {k: d.get(k) for k in keys}
    out["source"] = d["options"].get("interactions_file") or d["stats"].get("name")
    return out


def cmd_add(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    _positional(args)
    ds = load_data(args, warn=False)  # its warnings are in the result
    saved = open_store().save_dataset(args.name, ds, replace=args.replace)
    warned = [said_for(w, "CLI") for w in saved["stats"].get("warnings", [])]  # the CLI's way of each step
    if args.format == "json":
        saved = {**saved, "stats": {**saved["stats"], "warnings": warned}}
        emit(saved, "json")
    else:
        out = _summary(saved)
        out["warnings"] = warned
        if args.format == "csv":  # one cell: the warnings as words, not a Python list
            out["warnings"] = "; ".join(map(str, out["warnings"]))
        emit(out if args.format == "table" else pd.DataFrame([out]), args.format)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    saved = open_store().list_datasets()
    if args.format == "json":
        emit(saved, "json")
        return 0
    frame = pd.DataFrame([_summary(d) for d in saved],
                         columns=["name", "created_at", "n_users", "n_items", "n_interactions", "n_cold_items",
                                  "n_items_with_text", "source"])
    if frame.empty and args.format == "table":
        print("no saved datasets; add one with: recengine data add NAME --interactions FILE [--items FILE]")
        return 0
    emit(frame, args.format)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    open_store().remove_dataset(args.name)
    print(f"removed dataset {args.name!r}")
    return 0
