"""Options and output shared by the subcommands: data options, output formats, progress bars."""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from recengine.data import Dataset, keep_ratings_at_least, load_sample, read_dataset
from recengine.display import time_left
from recengine.errors import ConfigError, said_for
from recengine.settings import local_salt

FORMATS = ("table", "json", "csv")


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """``--sample | --interactions F [--items F] | --dataset NAME`` plus column mapping options."""
    g = parser.add_argument_group("data (default: --sample movielens-100k)")
    g.add_argument("--sample", metavar="NAME", help="a bundled sample, e.g. movielens-100k")
    g.add_argument("--interactions", metavar="FILE",
                   help="interactions file (CSV/TSV/Parquet/JSON Lines, .gz/.zip); - reads standard input")
    g.add_argument("--items", metavar="FILE", help="item texts file (id plus text columns); - reads standard input")
    g.add_argument("--dataset", metavar="NAME", help="a dataset saved in the store (recengine data add)")
    g.add_argument("--user-col", help="name of the user column when it cannot be guessed")
    g.add_argument("--item-col", help="name of the item column when it cannot be guessed")
    g.add_argument("--items-id-col", help="name of the item id column in --items, when it differs from the interactions'")
    g.add_argument("--title-col", help="name of the column shown as each item's title (in --items, else the interactions)")
    g.add_argument("--rating-col", help="name of the rating/weight column, or 'none' to read none")
    g.add_argument("--timestamp-col", help="name of the timestamp column, or 'none' to read none")
    g.add_argument("--event-col", help="name of the column of event kinds (view, cart, purchase), or 'none' to read none")
    g.add_argument("--label-col", help="name of the column that labels rows 1 (clicked) or 0 (shown only): rows of 0 are "
                   "left out; 'none' counts every row")
    g.add_argument("--events", metavar="KINDS", dest="count_events", action="append",
                   help="count only these kinds of event, e.g. transaction,addtocart (with --interactions; repeatable)")
    g.add_argument("--text", metavar="TEMPLATE", help="item text template, e.g. '{title}. {description}', or a column")
    g.add_argument("--hash-user-ids", action="store_true", help="replace user ids by salted hashes on load")
    g.add_argument("--min-rating", type=float, metavar="R",
                   help="count only interactions rated at least R (e.g. 4 on 1-5): a low rating is then not a like")
    g.add_argument("--skip-missing-ids", action="store_true",
                   help="leave out rows with no user or item id (counted in a warning) instead of stopping at the first")


def whole_number_at_least(low: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at least ``low``, so ``--k 0`` fails at once (argparse names the
    option), not after minutes of embedding and fitting.

    >>> whole_number_at_least(1)("3")
    3
    """

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if number < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {number}")
        return number

    parse.__name__ = f"whole number of at least {low}"
    return parse


positive_int = whole_number_at_least(1)


def add_format_option(parser: argparse.ArgumentParser, formats: Iterable[str] = FORMATS, default: str = "table") -> None:
    parser.add_argument("--format", choices=list(formats), default=default, help=f"output format (default {default})")


def column_mapping(args: argparse.Namespace) -> dict[str, str | None]:
    """The ``--*-col`` options as ``read_dataset``'s mapping; ``none`` for rating, timestamp, event or label reads no
    such column."""
    pairs = {"user": args.user_col, "item": args.item_col, "items_id": getattr(args, "items_id_col", None),
             "rating": args.rating_col, "timestamp": args.timestamp_col, "title": getattr(args, "title_col", None),
             "event": getattr(args, "event_col", None), "label": getattr(args, "label_col", None)}
    out: dict[str, str | None] = {k: v for k, v in pairs.items() if v}
    for role in ("rating", "timestamp", "event", "label"):
        if str(out.get(role, "")).strip().lower() == "none":
            out[role] = None
    return out


def load_data(args: argparse.Namespace, *, warn: bool = True) -> Dataset:
    """The dataset the data options name (only ratings of at least ``--min-rating``, when given); the
    MovieLens-100K sample when none is named.

    Each of the dataset's warnings (duplicates merged, no item texts, guessed columns, rows left out) is printed
    as a ``warning: ...`` line on stderr, once per command; ``warn=False`` for a command that prints them in its
    result (``data inspect``, ``data add``).
    """
    ds = _load_data(args)
    min_rating = getattr(args, "min_rating", None)
    ds = ds if min_rating is None else keep_ratings_at_least(ds, min_rating)
    if warn and not getattr(args, "_data_warned", False):
        args._data_warned = True
        for message in getattr(ds, "warnings", None) or ():
            print(f"warning: {said_for(message, 'CLI')}", file=sys.stderr)
    return ds


STDIN = "-"


def read_stdin(what: str) -> io.BytesIO:
    """Standard input (``-`` for ``what``) read into memory, up to the input size limit, as a file named "stdin"."""
    from recengine.settings import max_file_bytes

    if sys.stdin is None or sys.stdin.isatty():
        print(f"reading {what} from standard input (end it with Ctrl-D) ...", file=sys.stderr)
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    data = stream.read(max_file_bytes() + 1) if stream is not None else b""  # one byte over: the reader says it is too big
    source = io.BytesIO(data.encode("utf-8") if isinstance(data, str) else data)
    source.name = "stdin"
    return source


def _load_data(args: argparse.Namespace) -> Dataset:
    chosen = [x for x in (args.sample, args.interactions, getattr(args, "dataset", None)) if x]
    if len(chosen) > 1:
        raise ConfigError("choose one of --sample, --interactions or --dataset, not several.")
    events = split_ids(getattr(args, "count_events", None)) or None
    if events is not None and not args.interactions:
        raise ConfigError("--events chooses rows as a file is read: use it with --interactions (a dataset in the store "
                          "keeps the events it was added with: recengine data add NAME --interactions F --events ...).")
    if not args.interactions:
        reading = [f"--{k.replace('_', '-')}" for k in ("text", "hash_user_ids", "skip_missing_ids") if getattr(args, k, None)]
        reading += [f"--{c.replace('_', '-')}-col" for c in column_mapping(args)]
        if reading:  # they choose how a file is read: with a sample or a saved dataset they would do nothing
            raise ConfigError(f"{', '.join(reading)} choose{'s' if len(reading) == 1 else ''} how a file is read: use "
                              "with --interactions (a saved dataset keeps the options it was added with; the sample "
                              "is read as it ships).")
    if getattr(args, "dataset", None):
        from recengine.store import open_store

        return open_store().load_dataset(args.dataset)
    if args.interactions:
        if args.interactions == STDIN and args.items == STDIN:
            raise ConfigError("only one of --interactions and --items can read standard input (-); save the other "
                              "to a file.")
        return read_dataset(
            read_stdin("the interactions") if args.interactions == STDIN else args.interactions,
            read_stdin("the item texts") if args.items == STDIN else args.items,
            columns=column_mapping(args) or None,
            text=args.text,
            hash_user_ids=args.hash_user_ids,
            hash_salt=local_salt() if args.hash_user_ids else None,  # the same hashed ids from one command to the next
            events=events,
            skip_missing_ids=bool(getattr(args, "skip_missing_ids", False)),
        )
    if args.items:
        raise ConfigError("--items needs --interactions too.")
    return load_sample(args.sample or "movielens-100k")


def add_profile_options(parser: argparse.ArgumentParser, title: str) -> None:
    """``--user``, ``--liked``, ``--disliked`` and ``--intent``: who a command is for (at least one)."""
    who = parser.add_argument_group(title)
    who.add_argument("--user", metavar="ID", help="a known user id: their interactions are the profile")
    who.add_argument("--liked", metavar="ID,ID", action="append",
                     help="comma-separated liked item ids (a new user, or added to --user); repeatable")
    who.add_argument("--disliked", metavar="ID,ID", action="append",
                     help="comma-separated item ids the person rejected (never shown; items like them are pushed down, "
                     "named in lowered_by); repeatable")
    who.add_argument("--intent", metavar="TEXT", help='what the person wants, e.g. "a slow-burning sci-fi film about loneliness"')
    who.add_argument("--profile", metavar="NAME",
                     help="a profile kept in the store (`recengine feedback` / `profile`), with its likes and dislikes; "
                     "the options above add to it")


def split_ids(value: str | Iterable[str] | None) -> list[str]:
    """``"1, 2,,3"`` -> ``["1", "2", "3"]``; a list (a repeated option) is each value's ids in turn.

    >>> split_ids(["1,2", " 3"])
    ['1', '2', '3']
    """
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return [v.strip() for one in values for v in str(one or "").split(",") if v.strip()]


def item_ids(value: str | Iterable[str] | None, ds: Dataset) -> list[str]:
    """Comma-separated item ids, from one value or each of a repeated option's; a value that is itself one id of
    ``ds`` (commas and all) stays whole. An id given twice counts once."""
    values = [] if value is None else [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for one in values:
        whole = str(one or "").strip()
        for item in [whole] if whole and "," in whole and whole in ds.item_map else split_ids(one):
            if item not in out:
                out.append(item)
    return out


def profile_from_args(args: argparse.Namespace, ds: Dataset, what: str) -> Any:
    """The profile the options of :func:`add_profile_options` describe; an unknown id is an error.

    ``what`` completes the message when no option is given, e.g. ``"to recommend for"``.
    """
    from recengine.models import Profile

    saved = getattr(args, "profile", None)
    if not ((args.user or "").strip() or split_ids(args.liked) or (args.intent or "").strip() or saved):
        given = {"--intent": args.intent, "--user": args.user, "--liked": args.liked}  # given, but blank
        empty = next((f"{flag} is empty" for flag, value in given.items() if value is not None), None)
        raise ConfigError((f"{empty}: " if empty else "")
                          + f'say who {what}: --user ID, --liked ID,ID, --intent "TEXT" or --profile NAME.')
    user = str(args.user).strip() if args.user else ""  # ids are stored trimmed, so a padded one still matches
    profile = Profile.from_user(ds, user) if user else Profile(name="you")
    if saved:
        from recengine.store import open_store

        kept = Profile.from_dict(open_store().get_profile(saved))
        missing = [i for i in [*kept.liked, *kept.disliked] if i not in ds.item_map]
        if missing and len(missing) == len(kept.liked) + len(kept.disliked):
            raise ConfigError(f"profile {saved!r} names items this dataset lacks (e.g. {missing[0]!r}); choose the "
                              "dataset it was made on (--dataset / --interactions).")
        for item, weight in kept.liked.items():
            if item in ds.item_map:
                profile = profile.like(item, weight)
        for item in kept.disliked:
            if item in ds.item_map:
                profile = profile.dislike(item)
        if kept.intent and not args.intent:
            profile = profile.with_intent(kept.intent)
        profile = profile._replace(name=saved) if not user else profile
    for item in item_ids(args.liked, ds):
        ds.item_map.index(item)  # a clear UnknownIdError for a typo
        profile = profile.like(item)
    for item in item_ids(args.disliked, ds):
        ds.item_map.index(item)
        profile = profile.dislike(item)
    return profile.with_intent(args.intent) if args.intent else profile


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, pd.DataFrame):
        return json.loads(obj.to_json(orient="records"))
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def _listing(obj: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """A dict as (key, value) lines for a person: nested dicts by dotted keys (options.columns.user), a list one
    value a line under its key (each warning whole on its own line), an empty one as (none).

    >>> _listing({"n": 2, "warnings": ["a", "b"], "options": {"columns": {"user": "who"}}, "tags": {}})
    [('n', 2), ('warnings', 'a'), ('', 'b'), ('options.columns.user', 'who'), ('tags', '(none)')]
    """
    rows: list[tuple[str, Any]] = []
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            rows += _listing(v, key + ".")
        elif isinstance(v, (list, dict)) and not v:
            rows.append((key, "(none)"))
        elif isinstance(v, list) and not any(isinstance(x, (list, dict)) for x in v):
            rows += [(key if i == 0 else "", x) for i, x in enumerate(v)]
        elif isinstance(v, (list, dict)):
            rows.append((key, json.dumps(v, default=_jsonable, ensure_ascii=False)))
        else:
            rows.append((key, v))
    return rows


def emit(obj: Any, fmt: str, *, stream: Any = None) -> None:
    """Print a result: a dict or DataFrame as a table, JSON or CSV.

    JSON and CSV on standard output are UTF-8 whatever the locale (JSON is UTF-8 by RFC 8259, and a program
    reads either): in LANG=C a title "jalapeño" would otherwise be written "jalape\\xf1o", which no parser reads.
    A table is for a person: it follows the terminal's encoding.
    """
    if stream is None and fmt in ("json", "csv"):
        text = io.StringIO()
        emit(obj, fmt, stream=text)
        _write_utf8(text.getvalue())
        return
    out = stream or sys.stdout
    if fmt == "json":
        json.dump(obj, out, indent=2, default=_jsonable, ensure_ascii=False)
        out.write("\n")
        return
    frame = obj if isinstance(obj, pd.DataFrame) else None
    if frame is None and isinstance(obj, dict):
        if fmt != "csv":  # a two-column listing, values flush left (a long one does not push the short ones right)
            rows = _listing(obj)
            width = max((len(str(k)) for k, _ in rows), default=0)
            out.write("".join(f"{k!s:<{width}}  {_shown(v)}\n" for k, v in rows) or "(no rows)\n")
            return
        rows = [(k, v if not isinstance(v, (list, dict)) else json.dumps(v, default=_jsonable, ensure_ascii=False)) for k, v in obj.items()]
        frame = pd.DataFrame(rows, columns=["key", "value"])
    if frame is None and isinstance(obj, list):
        frame = pd.DataFrame(obj)
    if frame is None:
        out.write(f"{obj}\n")
        return
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif frame.empty:
        out.write("(no rows)\n")  # not pandas' "Empty DataFrame" repr; the reason goes to stderr
    else:
        # a missing value (a dislike's weight, no intent, a metric not measured) reads as a dash, not NaN or None
        shown = frame.astype(object).where(frame.notna(), "—")
        with pd.option_context("display.max_colwidth", 80, "display.width", 200):
            out.write(shown.to_string(index=False) + "\n")


def _shown(value: Any) -> Any:
    """A value of a table as a person reads it: a missing one (None, NaN) as a dash, as in the tables of rows."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float) and not value.is_integer():  # 0.0029793772893772896 reads as 0.00298
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    return value


def _write_utf8(text: str) -> None:
    """``text`` on standard output as UTF-8 bytes (through its binary buffer, after what was written before)."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a StringIO put in its place (a test, an embedding host): text is all it takes
        out.write(text)
        return
    out.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


PROGRESS_LINE_SECONDS = 10.0


def _progress_lines(desc: str) -> Callable[[int, int, str], None]:
    """A progress callback that writes a line to stderr at the start, every PROGRESS_LINE_SECONDS and at the end."""
    start = time.monotonic()
    state: dict[str, Any] = {"last": None, "total": None, "done": 0, "ended": False, "phase": (start, 0)}

    def update(done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if total != state["total"] or done < state["done"]:  # a new phase: another total, or counting again
            state["ended"], state["phase"] = False, (now, done)
        elif state["ended"] or (done < total and now - state["last"] < PROGRESS_LINE_SECONDS):
            state["done"] = done
            return
        state["last"], state["total"], state["done"], state["ended"] = now, total, done, done >= total
        pct = f" ({100 * done / total:.0f} %)" if total else ""
        tail = f" · {message}" if message else ""
        sys.stderr.write(f"{desc}: {done:,}/{total:,}{pct}{tail} · {now - start:.0f} s{time_left(state['phase'], now, done, total)}\n")
        sys.stderr.flush()

    return update


@contextmanager
def progress_bar(desc: str) -> Iterator[Callable[[int, int, str], None]]:
    """A tqdm bar on stderr, yielded as a ``progress(done, total, message)`` callback and closed on exit.

    Examples
    --------
    >>> with progress_bar("embedding") as update:
    ...     update(1, 2, "half way")
    """
    if not sys.stderr.isatty():  # a log file, a pipe, CI: a line now and then instead of a bar that tqdm would hide
        yield _progress_lines(desc)
        return
    from tqdm.auto import tqdm

    bar = tqdm(desc=desc, file=sys.stderr, disable=None, leave=False)

    def update(done: int, total: int, message: str = "") -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
