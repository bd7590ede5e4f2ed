"""Stress the store: N processes write feedback events at once; count events/s, errors and lost events.

Rows (each on a fresh store, timed from a shared start signal to the last writer's end):
  - recengine store, 1 writer       the baseline: the same events from one process
  - recengine store, N writers      WAL + busy timeout + BEGIN IMMEDIATE + retries
  - plain sqlite3, N writers        what a straightforward implementation does: Python's default
                                    deferred transactions, rollback journal, 5 s timeout, no retry

"lost" counts writes whose call returned but whose row is missing afterwards; "errors" counts writes that
raised (for plain sqlite3 these are "database is locked"). Run: .venv/bin/python benchmarks/store_stress.py
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STORE_WRITER = r"""
import json, os, sys, time
from recengine.store import open_store
home, k, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
store = open_store(home)
while not os.path.exists(go):
    time.sleep(0.002)
start, ids, errors = time.time(), [], []
for j in range(n):
    try:
        ids.append(store.add_feedback(f"w{k}", f"{k}-{j}", "like" if j % 3 else "dislike"))
    except Exception as exc:
        errors.append(str(exc))
print(json.dumps({"start": start, "end": time.time(), "ids": ids, "errors": errors}))
"""

PLAIN_WRITER = r"""
import json, os, sqlite3, sys, time
path, k, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conn = sqlite3.connect(path)  # default: rollback journal, 5 s timeout, deferred transactions
while not os.path.exists(go):
    time.sleep(0.002)
start, ids, errors = time.time(), [], []
for j in range(n):
    try:
        cur = conn.execute("INSERT INTO feedback (profile, item_id, action, created_at) VALUES (?, ?, ?, ?)",
                           (f"w{k}", f"{k}-{j}", "like" if j % 3 else "dislike", time.time()))
        conn.commit()
        ids.append(cur.lastrowid)
    except sqlite3.OperationalError as exc:
        conn.rollback()
        errors.append(str(exc))
print(json.dumps({"start": start, "end": time.time(), "ids": ids, "errors": errors}))
"""


def run_writers(script: str, target: str, procs: int, events: int, work: Path) -> dict:
    go = work / "go"
    children = [
        subprocess.Popen([sys.executable, "-c", script, target, str(k), str(events), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for k in range(procs)
    ]
    time.sleep(1.5 + 0.25 * procs)  # let every child import and open the store before the start signal
    go.touch()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=1800)
        if child.returncode != 0:
            raise SystemExit(f"a writer failed:\n{err}")
        reports.append(json.loads(out))
    return {
        "elapsed": max(r["end"] for r in reports) - min(r["start"] for r in reports),
        "ids": [i for r in reports for i in r["ids"]],
        "errors": [e for r in reports for e in r["errors"]],
    }


def store_row(label: str, procs: int, events: int) -> dict:
    from recengine.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        result = run_writers(STORE_WRITER, str(Path(tmp) / "home"), procs, events, Path(tmp))
        store = open_store(Path(tmp) / "home")
        stored = {e["id"] for e in store.feedback_events()}
        integrity = store.integrity_check()
        store.close()
    return row(label, procs, events, result, stored, integrity)


def plain_row(label: str, procs: int, events: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plain.sqlite"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT, item_id TEXT, "
                     "action TEXT, created_at REAL)")
        conn.commit()
        result = run_writers(PLAIN_WRITER, str(path), procs, events, Path(tmp))
        stored = {r[0] for r in conn.execute("SELECT id FROM feedback")}
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    return row(label, procs, events, result, stored, integrity)


def row(label: str, procs: int, events: int, result: dict, stored: set, integrity: str) -> dict:
    acked = set(result["ids"])
    return {
        "writer": label,
        "procs": procs,
        "attempted": procs * events,
        "written": len(acked),
        "lost": len(acked - stored),
        "errors": len(result["errors"]),
        "locked_errors": sum("locked" in e for e in result["errors"]),
        "seconds": result["elapsed"],
        "events_per_s": len(acked) / result["elapsed"],
        "integrity": integrity,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--events", type=int, default=1000, help="events per process")
    args = parser.parse_args()
    n = args.procs * args.events
    rows = [
        store_row("recengine store, 1 writer (baseline)", 1, n),
        store_row(f"recengine store, {args.procs} writers", args.procs, args.events),
        plain_row(f"plain sqlite3, {args.procs} writers", args.procs, args.events),
    ]
    base = rows[0]["events_per_s"]
    print(f"store stress: {args.procs} processes x {args.events} feedback events, synchronous=FULL commits, "
          f"{os.cpu_count()} CPU cores\n")
    header = f"{'writer':<38} {'procs':>5} {'attempted':>9} {'written':>8} {'lost':>5} {'errors':>7} " \
             f"{'locked':>7} {'seconds':>8} {'events/s':>9} {'ratio':>6}  integrity"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['writer']:<38} {r['procs']:>5} {r['attempted']:>9} {r['written']:>8} {r['lost']:>5} "
              f"{r['errors']:>7} {r['locked_errors']:>7} {r['seconds']:>8.2f} {r['events_per_s']:>9.0f} "
              f"{r['events_per_s'] / base:>6.2f}  {r['integrity']}")
    store_rows = rows[:2]
    if any(r["lost"] or r["errors"] for r in store_rows):
        raise SystemExit("FAILED: the recengine store lost events or raised errors")


if __name__ == "__main__":
    main()
