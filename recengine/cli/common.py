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
    With ``--profile NAME`` (a saved profile), the data is the dataset the profile was made on unless a data option
    names other data, which is refused unless ``--force-dataset`` (see :func:`profile_data`).
    """
    profile_data(args)
    ds = _load_data(args)
    profile_data(args, ds)  # data read from a file: its name is known now
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
                     help="comma-separated item ids the person rejected (never shown; items like them are pushed down, the "
                     "nearest to the end of the list, named in lowered_by); repeatable")
    who.add_argument("--intent", metavar="TEXT", help='what the person wants, e.g. "a slow-burning sci-fi film about loneliness"')
    who.add_argument("--profile", metavar="NAME",
                     help="a profile kept in the store (`recengine feedback` / `profile`), with its likes and dislikes; "
                     "the options above add to it. Without data options, the data it was made on is used")
    add_force_dataset_option(who)


def add_force_dataset_option(parser: Any) -> None:
    parser.add_argument("--force-dataset", action="store_true",
                        help="use --profile with other data than it was made on: its item ids are then read as ids of "
                        "the data named here")


def _data_named(args: argparse.Namespace) -> bool:
    return any(getattr(args, k, None) for k in ("sample", "interactions", "dataset"))


def _recorded_data(recorded: str) -> tuple[str, str]:
    """What the data a profile was made on is to the CLI: ``("dataset", NAME)`` for one saved in the store,
    ``("sample", NAME)`` for a bundled sample, ``("other", recorded)`` for any other (a file read with
    --interactions, the app's upload). The app's keys ``sample:NAME`` and ``store:NAME:SAVED_AT`` are understood."""
    from recengine.data.samples import SAMPLES
    from recengine.store import open_store

    saved = [d["name"] for d in open_store().list_datasets()]
    if recorded in saved:
        return "dataset", recorded
    if recorded in SAMPLES:
        return "sample", recorded
    if recorded.startswith("sample:") and recorded.split(":", 1)[1] in SAMPLES:
        return "sample", recorded.split(":", 1)[1]
    for name in sorted(saved, key=len, reverse=True):  # names may hold ':': the longest that fits
        if recorded.startswith(f"store:{name}:"):
            return "dataset", name
    return "other", recorded


def _data_option(kind: str, name: str) -> str:
    if kind == "dataset":
        return f"--dataset {name}"
    if kind == "sample":
        return f"--sample {name}"
    return f"--interactions FILE (the file {name!r} was read from)"


def _given_data(args: argparse.Namespace, ds: Dataset | None = None) -> str | None:
    """The name the data options give the data (as feedback records it); None for a file not read yet."""
    if getattr(args, "dataset", None):
        return str(args.dataset).strip()
    if args.sample:
        return str(args.sample).strip()
    if args.interactions:
        return None if ds is None else str(ds.name)
    return "movielens-100k"


def profile_data(args: argparse.Namespace, ds: Dataset | None = None, *, choose: bool = True) -> str | None:
    """The data a saved profile (``--profile NAME``) was made on, kept in step with the data options.

    Called before the data is read (``ds`` None) and after (with it). When no data option names data, the
    profile's dataset is chosen (``args.dataset`` or ``args.sample`` set to it, with a note; ``choose=False``
    leaves the options alone). Data options that name other data are refused (:class:`ConfigError`: exit 2)
    unless ``--force-dataset``. A profile that names no dataset (saved before profiles recorded theirs) is
    read as before, with a one-line note. Returns the name of the profile's dataset: None for no saved profile
    or one that names none.
    """
    name = str(getattr(args, "profile", None) or "").strip()
    if not name:
        return None
    force = bool(getattr(args, "force_dataset", False))
    if not hasattr(args, "_profile_made_on"):
        from recengine.errors import UnknownIdError
        from recengine.store import open_store

        try:
            made_on, exists = open_store().profile_dataset(name), True
        except UnknownIdError:  # a new name (feedback starts it) or a typo (said where the profile is read)
            made_on, exists = None, False
        args._profile_made_on, args._profile_data_chosen = made_on, False
        if exists and made_on is None:
            given = _given_data(args)
            print(f"note: profile {name!r} names no dataset (saved before profiles recorded theirs, or with --no-check "
                  f"and no data named): its item ids are read as ids of {repr(given) if given else 'the file given'}.",
                  file=sys.stderr)
        elif made_on is not None and not _data_named(args) and choose:
            kind, key = _recorded_data(made_on)
            if kind == "other" and not force:
                raise ConfigError(
                    f"profile {name!r} was made on {made_on!r}, which is neither a dataset in the store nor a bundled "
                    "sample (data read from a file, or uploaded in the app): name that data again with --interactions "
                    f"FILE, adding --force-dataset when the file is not named {made_on!r}. To read its ids as ids of "
                    "other data anyway, name that data and pass --force-dataset.")
            if kind == "dataset":
                args.dataset = key
            elif kind == "sample":
                args.sample = key
            args._profile_data_chosen = kind != "other"
            if kind != "other":
                print(f"note: using {made_on!r}, the data profile {name!r} was made on ({_data_option(kind, key)}).",
                      file=sys.stderr)
    made_on = args._profile_made_on
    if made_on is None or args._profile_data_chosen or (not _data_named(args) and not choose):
        return made_on
    given = _given_data(args, ds)
    if given is None or given in (made_on, _recorded_data(made_on)[1]):
        return made_on
    if force:
        if not getattr(args, "_profile_forced", False):
            args._profile_forced = True
            print(f"note: profile {name!r} was made on {made_on!r}; its item ids are read as ids of {given!r} "
                  "(--force-dataset).", file=sys.stderr)
        return made_on
    kind, key = _recorded_data(made_on)
    raise ConfigError(
        f"profile {name!r} was made on {made_on!r}, not {given!r}: its item ids are ids of {made_on!r}, and the same "
        f"ids in {given!r} are other items. Use its data ({_data_option(kind, key)}, or leave the data options out), "
        f"or start a profile for {given!r} under a new name (recengine feedback --profile NEW_NAME "
        f"{'--dataset ' + given if getattr(args, 'dataset', None) else '--sample ' + given if args.sample else '--interactions FILE'}"
        f" --like ID ...). To read its ids as ids of {given!r} anyway, add --force-dataset.")


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
        # wide characters (CJK titles) take two columns on a terminal: counted so, the columns stay aligned
        with pd.option_context("display.max_colwidth", 80, "display.width", 200, "display.unicode.east_asian_width", True):
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
