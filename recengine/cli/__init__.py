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
from typing import Any, NoReturn

from recengine.errors import RecengineError, said_for

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT (Ctrl-C)
EXIT_TERMINATED = 143  # 128 + SIGTERM (kill, a scheduler's timeout)


class Parser(argparse.ArgumentParser):
    """The parser of ``recengine`` and (argparse makes them of the same class) of each subcommand.

    An option is never taken from a prefix of its name (``--like`` is no ``--liked``: ``allow_abbrev=False``),
    and a usage error suggests the nearest command or option.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}{self.suggestion(message)}\n")

    def option_strings(self) -> list[str]:
        return [s for action in self._actions for s in action.option_strings if s.startswith("--")]

    def suggestion(self, message: str) -> str:
        """``"\\ndid you mean --user?"`` for a mistyped option, command or choice named in ``message``; else ``""``."""
        import difflib
        import re

        if m := re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message):
            wrong, choices = m.group(1), re.findall(r"'([^']*)'", m.group(2))
        elif m := re.search(r"unrecognized arguments: (.*)", message):
            given = [a.split("=", 1)[0] for a in m.group(1).split() if a.startswith("--")]
            if not given:
                return ""
            wrong, choices = given[0], self.option_strings()
        else:
            return ""
        near = difflib.get_close_matches(wrong, choices, n=1, cutoff=0.6)
        return f"\ndid you mean {near[0]}?" if near else ""


def _chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser of the command that ``args`` ran, e.g. ``recengine data inspect``'s."""
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        name = getattr(args, subs[0].dest, None) if subs else None
        if not subs or name not in subs[0].choices:
            return parser
        parser = subs[0].choices[name]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    args, extra = parser.parse_known_args(["--verbose", *(a for a in argv if a != "--verbose")] if verbose else argv)
    if extra:  # said by the subcommand's parser: its usage, and the option meant (not the top level's)
        _chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
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
        print(f"error: {said_for(exc, 'CLI')}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as exc:
        done = {"embed": "; the texts embedded so far are cached, and a new run goes on from there",
                "finetune": "; nothing of the fine-tune was saved (a fine-tune is kept only when it finishes)"}
        if isinstance(unmeasured := getattr(exc, "unmeasured", None), list):  # evaluate printed the finished rows
            done[args.command] = (f"; not measured: {', '.join(unmeasured)}" if unmeasured else "") + (
                " (the results printed are the models that finished)" if len(exc.results) else "")
        print(f"interrupted{done.get(args.command, '')}.", file=sys.stderr)
        # evaluate hands back its finished rows in an interrupt raised from the one that stopped it (Ctrl-C or SIGTERM)
        stop = exc.__cause__ if isinstance(exc.__cause__, KeyboardInterrupt) else exc
        return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except OSError as exc:
        said = _system_error(exc, _inputs(args))
        if said is None:
            raise
        if args.verbose:
            traceback.print_exc()
        print(f"error: {said}", file=sys.stderr)
        return EXIT_USER_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, stopping the work as Ctrl-C does (what is done is kept), but exiting 128 + 15."""


def _stop(signum: int, frame: object) -> None:
    raise Terminated


def _inputs(args: argparse.Namespace) -> list[str]:
    """The files the command reads that the user named (a store export's path is written, not read)."""
    names = [getattr(args, "interactions", None), getattr(args, "items", None), getattr(args, "generator", None)]
    if getattr(args, "store_command", None) != "export":
        names.append(getattr(args, "path", None))
    return [n for n in names if isinstance(n, str) and n and n != "-"]


def _was_read(exc: OSError, inputs: Sequence[str]) -> bool:
    """Whether the failing operation read ``exc.filename``: it is (or lies in) an input the user gave, or it exists
    and this process may not read it."""
    import os

    if not exc.filename:
        return False
    failed = os.path.abspath(os.path.expanduser(str(exc.filename)))
    for name in inputs:
        given = os.path.abspath(os.path.expanduser(name))
        if failed == given or failed.startswith(given.rstrip(os.sep) + os.sep):
            return True
    return os.path.exists(failed) and not os.access(failed, os.R_OK)


def _system_error(exc: OSError, inputs: Sequence[str] = ()) -> str | None:
    """What to tell a user when the machine, not the data, stopped the work: a full disk, a read-only or
    forbidden folder, an unreadable input; None for anything else (a bug: its traceback is shown).

    >>> import errno
    >>> _system_error(OSError(errno.ENOSPC, "No space left on device", "/tmp/x"))[:40]
    'no space left on the disk writing /tmp/x'
    >>> _system_error(PermissionError(errno.EACCES, "Permission denied", "in.csv"), ["in.csv"])[:42]
    'cannot read in.csv (Permission denied). Gi'
    """
    import errno

    if exc.errno in (errno.EACCES, errno.EPERM) and _was_read(exc, inputs):
        return (f"cannot read {exc.filename} ({exc.strerror}). Give yourself read permission on it (chmod u+r), or "
                "copy it somewhere you can read.")

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
    print(f"warning: {said_for(message, 'CLI')}", file=sys.stderr)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
