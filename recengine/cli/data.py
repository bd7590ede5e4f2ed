"""``recengine data inspect``: load a file (or the sample), validate it and print its statistics."""

from __future__ import annotations

import argparse

from recengine.cli.common import add_data_options, add_format_option, emit, load_data

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    data = sub.add_parser("data", help="inspect and manage datasets")
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
    data.set_defaults(func=lambda a: data.print_help() or 2)


def cmd_inspect(args: argparse.Namespace) -> int:
    if args.path:
        args.interactions = args.interactions or args.path
    ds = load_data(args)
    stats = ds.stats()
    stats["options"] = ds.options
    emit(stats, args.format)
    return 0
