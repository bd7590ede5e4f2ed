"""``recengine feedback`` and ``recengine profile show|list|remove``: likes and dislikes kept in the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from recengine.cli.common import (
    add_data_options,
    add_force_dataset_option,
    add_format_option,
    emit,
    load_data,
    profile_data,
)
from recengine.errors import ConfigError, UnknownIdError

ORDER = 70


class _Event(argparse.Action):
    """``--like``/``--dislike`` append to one list, so events are recorded in the order they were typed."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        events = list(getattr(namespace, "events", None) or [])
        events.append((self.const, values))
        namespace.events = events


def register(sub: argparse._SubParsersAction) -> None:
    fb = sub.add_parser(
        "feedback",
        help="record likes and dislikes for a named profile",
        description="Record likes and dislikes (in the order given) for a named profile in the store; the next "
        "recommendations for that profile use them. Item ids are checked against the data (the sample unless "
        "--dataset or --interactions names other data; for a profile made before, the data it was made on), and the "
        "profile records that data: later commands with --profile use it.",
    )
    fb.add_argument("--profile", required=True, metavar="NAME", help="profile name (a new name starts a profile)")
    fb.add_argument("--like", metavar="ID", action=_Event, const="like", dest="events", help="an item id to like (repeatable)")
    fb.add_argument("--dislike", metavar="ID", action=_Event, const="dislike", dest="events",
                    help="an item id to dislike (repeatable)")
    fb.add_argument("--no-check", action="store_true", help="record the ids without checking them against the data")
    add_force_dataset_option(fb)
    add_data_options(fb)
    add_format_option(fb)
    fb.set_defaults(func=cmd_feedback, events=None)

    prof = sub.add_parser("profile", help="show, list and remove saved profiles",
                          description="Profiles kept in the store: liked and disliked items, intent, feedback events.")
    prof_sub = prof.add_subparsers(dest="profile_command", metavar="ACTION")
    show = prof_sub.add_parser("show", help="show a profile with its feedback applied",
                               description="Show a profile's liked and disliked items (feedback applied in order).")
    show.add_argument("name", help="profile name")
    show.add_argument("--events", action="store_true", help="list the feedback events instead")
    add_format_option(show)
    show.set_defaults(func=cmd_show)
    lst = prof_sub.add_parser("list", help="list the profiles in the store", description="List profiles.")
    add_format_option(lst)
    lst.set_defaults(func=cmd_list)
    rm = prof_sub.add_parser("remove", help="remove a profile and its feedback events",
                             description="Remove a profile and every feedback event it has.")
    rm.add_argument("name", help="profile name")
    rm.set_defaults(func=cmd_remove)
    prof.set_defaults(func=lambda a: prof.print_help(sys.stderr) or 2)  # help, not a result: stderr


def _profile_rows(profile: dict[str, Any]) -> pd.DataFrame:
    rows = [(item, "liked", weight) for item, weight in profile["liked"].items()]
    rows += [(item, "disliked", None) for item in profile["disliked"]]
    return pd.DataFrame(rows, columns=["item_id", "feedback", "weight"])


def _emit_profile(profile: dict[str, Any], fmt: str, dataset: Any = False) -> None:
    """The profile as JSON, CSV rows or a table; ``dataset`` (the data it was made on, None for none) is named in
    the table's first line and as JSON's ``"dataset"``; False leaves it out of JSON."""
    if fmt == "json":
        emit(profile if dataset is False else {**profile, "dataset": dataset}, "json")
        return
    if fmt == "table":
        made_on = "" if dataset is False else f"; dataset {dataset!r}" if dataset else "; names no dataset"
        print(f"profile {profile['name']!r}: {len(profile['liked'])} liked, {len(profile['disliked'])} disliked"
              + (f"; intent: {profile['intent']}" if profile.get("intent") else "")
              + (f"; user {profile['user_id']}" if profile.get("user_id") else "") + made_on)
    rows = _profile_rows(profile)
    if not rows.empty or fmt == "csv":
        emit(rows, fmt)


def cmd_feedback(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    if not args.events:
        raise ConfigError("give at least one --like ID or --dislike ID.")
    dataset = args.dataset
    if args.no_check:  # nothing read: the data named, else the data the profile was made on (if it names one)
        made_on = profile_data(args, choose=False)
        dataset = dataset or args.sample or (made_on if not args.interactions else None)
    else:
        ds = load_data(args)  # the data the profile was made on, when no data option names any
        unknown = [item for _, item in args.events if item not in ds.item_map]
        if unknown:  # every unknown id is named, before anything is written
            try:
                ds.item_map.index(unknown[0])
            except UnknownIdError as exc:
                others = f" ({len(unknown) - 1} more unknown: {', '.join(unknown[1:6])})" if len(unknown) > 1 else ""
                fine = len(args.events) - len(unknown)
                raise UnknownIdError(
                    f"{exc.args[0]}{others} Nothing was recorded for profile {args.profile!r}"
                    + (f", not even the {fine} known id(s)" if fine else "")
                    + f". The ids were checked against {ds.name}: name your data with --dataset NAME or --interactions "
                    "F, or skip the check with --no-check.") from None
        dataset = args.dataset or ds.name
    store = open_store()
    for action, item in args.events:
        # checked above against the data named (a file's, too, which the store does not hold), or --no-check
        store.add_feedback(args.profile, item, action, dataset=dataset, check=False)
    # JSON stays the profile as Profile.from_dict reads it; the table names its data
    made_on = store.profile_dataset(args.profile) if args.format == "table" else False
    _emit_profile(store.get_profile(args.profile), args.format, made_on)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    store = open_store()
    if args.events:
        events = store.feedback_events(args.name)
        emit(events if args.format == "json" else
             pd.DataFrame(events, columns=["id", "profile", "item_id", "action", "dataset", "created_at"]), args.format)
        return 0
    profile = store.get_profile(args.name)
    _emit_profile(profile, args.format, store.profile_dataset(args.name))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    profiles = open_store().list_profiles()
    if args.format == "json":
        emit(profiles, "json")
    elif not profiles and args.format == "table":
        print("no profiles yet; start one with: recengine feedback --profile NAME --like ITEM_ID")
    else:
        emit(pd.DataFrame(profiles, columns=["name", "n_liked", "n_disliked", "intent", "user_id", "n_events", "dataset"]),
             args.format)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    n = open_store().remove_profile(args.name)
    print(f"removed profile {args.name!r} and {n} feedback event(s)")
    return 0
