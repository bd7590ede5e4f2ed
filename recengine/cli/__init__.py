"""The ``recengine`` command line.

Each module in this package that defines ``register(subparsers)`` adds its commands; ``ORDER`` (an int)
sets its place in ``--help``. Errors a user can cause print one paragraph and exit 2; ``--verbose``
shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
import warnings
from collections.abc import Sequence

from recengine.errors import RecengineError

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recengine",
        description="Language-model embeddings for recommendations and cold start: data, embeddings, "
        "fine-tuning, recommendations, explanations and evaluation.",
    )
    parser.add_argument("--verbose", action="store_true", help="show full tracebacks on errors, and where warnings come from")
    from recengine import __version__

    parser.add_argument("--version", action="version", version=f"recengine {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    for module in sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__)):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = "--verbose" in argv  # welcome anywhere: before the command, as argparse wants, or after it
    args = parser.parse_args(["--verbose", *(a for a in argv if a != "--verbose")] if verbose else argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USER_ERROR
    try:
        with warnings.catch_warnings():
            if not args.verbose:  # a warning is a line for the user, not a source location (--verbose keeps those)
                warnings.showwarning = _show_warning
            result = args.func(args)
        return int(result or 0)
    except RecengineError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
