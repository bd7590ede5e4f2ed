"""The store loses nothing a write acknowledged: SIGKILL mid-save and mid-burst, and concurrent writer processes.

Each child process prints a line only after a store call has returned, so every printed line is an
acknowledged write that must be in the store afterwards.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time

import pytest

from recengine.store import open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

BUILD = r"""
import numpy as np, pandas as pd, recengine

def build(n, seed):
    rng = np.random.default_rng(seed)
    inter = pd.DataFrame({"user_id": rng.integers(0, n // 20, n).astype(str),
                          "item_id": rng.integers(0, n // 15, n).astype(str),
                          "rating": rng.integers(1, 6, n).astype(float),
                          "timestamp": rng.integers(1_600_000_000, 1_700_000_000, n)})
    ids = np.arange(n // 15 + 5).astype(str)
    items = pd.DataFrame({"item_id": ids, "title": ["Item " + i for i in ids],
                          "description": ["a story about item number " + i for i in ids]})
    return recengine.read_dataset(inter, items, name=f"synthetic-{seed}")
"""

SAVE_LOOP = BUILD + r"""
import sys
from recengine.store import open_store
store = open_store(sys.argv[1])
ds = build(int(sys.argv[2]), 0)
print("ready", flush=True)
i = 0
while True:
    store.save_dataset(f"d{i % 3}", ds, replace=True)
    print(f"d{i % 3}", flush=True)
    i += 1
"""

PAUSED_SAVE = BUILD + r"""
import os, stat, sys, time
import recengine.store.datasets as D
from recengine.store import open_store
store = open_store(sys.argv[1])
store.save_dataset("keep", build(300, 0))
print("saved keep", flush=True)
if sys.argv[2] == "after-files":   # every file in place, the row not yet committed
    write_files = D.write_files
    def paused(*args):
        out = write_files(*args)
        print("paused", flush=True)
        time.sleep(120)
        return out
    D.write_files = paused
    store.save_dataset("keep", build(300, 1), replace=True)
else:                               # bytes written to a temp file, not yet synced or renamed
    fsync = os.fsync
    def paused_fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            print("paused", flush=True)
            time.sleep(120)
        fsync(fd)
    os.fsync = paused_fsync
    store.save_dataset("new", build(300, 1))
"""

FEEDBACK_BURST = r"""
import sys
from recengine.store import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    event = store.add_feedback(f"p{i % 3}", f"item-{i}", "like" if i % 2 else "dislike")
    print(event, i, flush=True)
    i += 1
"""

WRITER = r"""
import json, os, sys, time
from recengine.store import open_store
home, k, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
store = open_store(home)
while not os.path.exists(go):
    time.sleep(0.005)
ids = [store.add_feedback(f"w{k}", f"{k}-{j}", "like" if j % 3 else "dislike") for j in range(n)]
print(json.dumps(ids), flush=True)
"""


def spawn(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_lines(proc: subprocess.Popen, until, timeout: float = 60.0) -> list[str]:
    """Complete stdout lines of ``proc`` until ``until(lines)`` holds (fails on timeout or a dead child)."""
    lines: list[str] = []
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while not until(lines):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"child stopped or timed out after {lines[-3:]}; stderr: {proc.stderr.read()[-2000:]}")
        if sel.select(timeout=0.5):
            line = proc.stdout.readline()
            if line.endswith("\n"):
                lines.append(line.strip())
    return lines


def kill(proc: subprocess.Popen) -> list[str]:
    """SIGKILL the child; the complete lines it had printed by then."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    rest = proc.stdout.read()
    return [line for line in rest.split("\n")[:-1] if line]  # a line without its newline was not acknowledged


@pytest.fixture(scope="module")
def build():
    scope: dict = {}
    exec(BUILD, scope)
    return scope["build"]


def test_sigkill_during_repeated_dataset_saves(tmp_path, build, same_dataset):
    proc = spawn(SAVE_LOOP, tmp_path, 40_000)
    read_lines(proc, lambda lines: len(lines) >= 1)  # ready
    acked = read_lines(proc, lambda lines: len(lines) >= 4)
    time.sleep(0.137)  # lands inside a save: saves run back to back
    acked += kill(proc)
    store = open_store(tmp_path)
    assert store.integrity_check() == "ok"
    expected = build(40_000, 0)
    listed = {d["name"] for d in store.list_datasets()}
    assert set(acked) <= listed
    for name in listed:  # nothing half-saved is visible: whatever is listed loads whole
        same_dataset(expected, store.load_dataset(name))


@pytest.mark.parametrize("where", ["mid-file", "after-files"])
def test_sigkill_at_the_worst_moments_of_a_save(tmp_path, where, build, same_dataset):
    proc = spawn(PAUSED_SAVE, tmp_path, where)
    read_lines(proc, lambda lines: lines[-1:] == ["paused"])
    kill(proc)
    store = open_store(tmp_path)
    assert store.integrity_check() == "ok"
    assert [d["name"] for d in store.list_datasets()] == ["keep"]
    same_dataset(build(300, 0), store.load_dataset("keep"))  # a replace killed midway left the old one whole
    folders = sorted(p.name for p in (store.root / "datasets").iterdir())
    assert len(folders) == 2  # the saved one and the interrupted one's leftovers
    assert len(store.remove_orphans(min_age_s=0)) == 1
    store.save_dataset("new", build(300, 1), replace=True)
    same_dataset(build(300, 1), store.load_dataset("new"))


def test_sigkill_during_a_feedback_burst_keeps_every_acknowledged_event(tmp_path):
    proc = spawn(FEEDBACK_BURST, tmp_path)
    read_lines(proc, lambda lines: len(lines) >= 1)  # ready
    lines = read_lines(proc, lambda lines: len(lines) >= 150) + kill(proc)
    acked = [tuple(map(int, line.split())) for line in lines]
    store = open_store(tmp_path)
    assert store.integrity_check() == "ok"
    events = {e["id"]: e for e in store.feedback_events()}
    for event_id, i in acked:
        assert events[event_id]["item_id"] == f"item-{i}" and events[event_id]["profile"] == f"p{i % 3}"
    assert len(acked) <= len(events) <= len(acked) + 1  # at most the one in flight committed unacknowledged
    assert store.add_feedback("p0", "after", "like") > max(events)


@pytest.mark.slow
def test_concurrent_writer_processes_lose_nothing(tmp_path):
    n_procs, n_events = 4, 200
    go = tmp_path / "go"
    procs = [spawn(WRITER, tmp_path / "home", k, n_events, go) for k in range(n_procs)]  # all create the store at once
    time.sleep(1.0)
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, results):
        assert p.returncode == 0, err
        assert "locked" not in err
    ids = [json.loads(out) for out, _ in results]
    store = open_store(tmp_path / "home")
    assert store.integrity_check() == "ok"
    events = store.feedback_events()
    assert len(events) == n_procs * n_events == len({i for group in ids for i in group})
    for k in range(n_procs):
        mine = [e for e in events if e["profile"] == f"w{k}"]
        assert [e["id"] for e in mine] == ids[k]
        assert [e["item_id"] for e in mine] == [f"{k}-{j}" for j in range(n_events)]
