"""The ``recengine`` command line.

Each module in this package that defines ``register(subparsers)`` adds its commands; ``ORDER`` (an int)
sets its place in ``--help``. Errors a user can cause print one paragraph and exit 2; ``--verbose``
shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import pkgutil
import signal
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
    for stream in (sys.stdout, sys.stderr):  # a terminal in LANG=C cannot write "Amélie": write "Am\xe9lie", not a traceback
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = "--verbose" in argv  # welcome anywhere: before the command, as argparse wants, or after it
    args = parser.parse_args(["--verbose", *(a for a in argv if a != "--verbose")] if verbose else argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USER_ERROR
    # a polite stop (SIGTERM: kill, a closed terminal session, a scheduler's timeout) keeps what is done, as Ctrl-C
    # does: the embedding cache writes the texts embedded so far, a fine-tune clears its half-written folder
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread (an embedding host): leave signals alone
        previous = signal.signal(signal.SIGTERM, _stop)
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
        done = {"embed": "; the texts embedded so far are cached, and a new run goes on from there",
                "finetune": "; nothing of the fine-tune was saved (a fine-tune is kept only when it finishes)"}
        print(f"interrupted{done.get(args.command, '')}.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        said = _system_error(exc)
        if said is None:
            raise
        if args.verbose:
            traceback.print_exc()
        print(f"error: {said}", file=sys.stderr)
        return EXIT_USER_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _system_error(exc: OSError) -> str | None:
    """What to tell a user when the machine, not the data, stopped the work: a full disk, a read-only or
    forbidden folder; None for anything else (a bug: its traceback is shown).

    >>> import errno
    >>> _system_error(OSError(errno.ENOSPC, "No space left on device", "/tmp/x"))[:40]
    'no space left on the disk writing /tmp/x'
    """
    import errno

    where = f" writing {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return (f"no space left on the disk{where}. Free some space and run it again; what was saved before is "
                "unchanged (a half-written result is cleared on the next run).")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        place = f" {exc.filename}" if exc.filename else ""
        return (f"not allowed to write{place} ({exc.strerror}). Make the folder writable, or point RECENGINE_HOME at "
                "a folder you can write to.")
    return None


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    print(f"warning: {message}", file=sys.stderr)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
