"""``recengine store list|export PATH|import PATH``: what the store holds, and moving it between machines."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from recengine.cli.common import add_format_option, emit

ORDER = 90


def register(sub: argparse._SubParsersAction) -> None:
    store = sub.add_parser("store", help="list, export and import the recengine store",
                           description="The store under $RECENGINE_HOME keeps datasets, fine-tuned encoders, "
                           "evaluation runs, profiles and feedback.")
    store_sub = store.add_subparsers(dest="store_command", metavar="ACTION")
    lst = store_sub.add_parser("list", help="list everything the store holds",
                               description="List saved datasets, profiles, fine-tuned encoders and evaluation runs.")
    add_format_option(lst)
    lst.set_defaults(func=cmd_list)

    exp = store_sub.add_parser("export", help="write the whole store to one zip file",
                               description="Write datasets, profiles, feedback, runs and fine-tune records to one "
                               "zip file (a consistent snapshot, written atomically).")
    exp.add_argument("path", help="the zip file to write (or a folder: recengine-store.zip in it)")
    exp.add_argument("--force", action="store_true", help="replace an earlier export at that path")
    add_format_option(exp)
    exp.set_defaults(func=cmd_export)

    imp = store_sub.add_parser("import", help="load an exported zip file into the store",
                               description="Load a zip written by `recengine store export`. Into an empty store it "
                               "reproduces the exported one exactly; --merge adds it to a store that holds other names.")
    imp.add_argument("path", help="the zip file to read")
    imp.add_argument("--merge", action="store_true", help="add to a non-empty store (names must not clash)")
    add_format_option(imp)
    imp.set_defaults(func=cmd_import)
    store.set_defaults(func=lambda a: store.print_help(sys.stderr) or 2)  # help, not a result: stderr


def cmd_list(args: argparse.Namespace) -> int:
    from recengine.store import open_store

    s = open_store()
    datasets, profiles, finetunes, runs = s.list_datasets(), s.list_profiles(), s.list_finetunes(), s.list_runs()
    if args.format == "json":
        emit({"path": str(s.path), "schema_version": s.schema_version, "datasets": datasets, "profiles": profiles,
              "finetunes": finetunes, "runs": runs, "feedback_events": s.counts()["feedback"]}, "json")
        return 0
    rows = [("dataset", d["name"], d["created_at"],
             f"{d['n_users']} users, {d['n_items']} items, {d['n_interactions']} interactions") for d in datasets]
    rows += [("profile", p["name"], "",
              f"{p['n_liked']} liked, {p['n_disliked']} disliked, {p['n_events']} feedback events"
              + (f", on {p['dataset']}" if p.get("dataset") else ", names no dataset")) for p in profiles]
    rows += [("finetune", f["fingerprint"], f["created_at"], f"base {f['base']}" + (
        "" if f["available"] else "; weights not here (an export carries the record only): copy its folder from "
        "models/ of the home that trained it, or fine-tune again")) for f in finetunes]
    rows += [("run", str(r["id"]), r["created_at"], f"{r['protocol']} on {r['dataset'] or '?'}") for r in runs]
    frame = pd.DataFrame(rows, columns=["kind", "name", "created_at", "details"])
    if args.format == "table":
        print(f"store {s.path} (schema version {s.schema_version})")
        if frame.empty:
            print("empty: add a dataset with `recengine data add NAME ...` or feedback with `recengine feedback ...`")
            return 0
    emit(frame, args.format)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from recengine.store import export_store, open_store

    manifest = export_store(open_store(), args.path, overwrite=args.force)
    out = {"path": manifest["path"], **manifest["counts"]}
    emit(out if args.format != "csv" else pd.DataFrame([out]), args.format)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from recengine.store import import_store, open_store

    added = import_store(open_store(), args.path, merge=args.merge)
    out = {"path": args.path, **added}
    emit(out if args.format != "csv" else pd.DataFrame([out]), args.format)
    return 0
