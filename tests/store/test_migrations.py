"""An older store is migrated on open (data kept, a backup taken); a newer or foreign file is refused clearly."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from recengine.errors import StoreError
from recengine.store import SCHEMA_VERSION, STORE_DIR, open_store
from recengine.store.store import DB_NAME

# What recengine with schema version 1 wrote, spelled out here by hand (not taken from the migrations).
V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL, description TEXT NOT NULL);
CREATE TABLE datasets (name TEXT PRIMARY KEY, created_at REAL NOT NULL, folder TEXT NOT NULL, files TEXT NOT NULL,
                       options TEXT NOT NULL, stats TEXT NOT NULL);
CREATE TABLE finetunes (fingerprint TEXT PRIMARY KEY, base TEXT NOT NULL, config TEXT NOT NULL, metrics TEXT NOT NULL,
                        path TEXT, created_at REAL NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, protocol TEXT NOT NULL,
                   config TEXT NOT NULL, metrics TEXT NOT NULL);
CREATE TABLE profiles (name TEXT PRIMARY KEY, data TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT NOT NULL, item_id TEXT NOT NULL,
                       action TEXT NOT NULL CHECK (action IN ('like', 'dislike')), created_at REAL NOT NULL);
CREATE INDEX feedback_by_profile ON feedback (profile, id);
"""


def old_store(home: Path, schema: str, version: int) -> tuple[Path, sqlite3.Connection, float]:
    """A store file in ``home`` as recengine at schema ``version`` wrote it (``schema`` spelled out by hand), with its
    versions 1 to ``version`` recorded: (its path, an open connection to fill and close, the time it was made)."""
    folder = home / STORE_DIR
    folder.mkdir(parents=True)
    path = folder / DB_NAME
    conn = sqlite3.connect(path)
    conn.executescript(schema)
    now = time.time()
    conn.executemany("INSERT INTO schema_version VALUES (?, ?, ?)", [(v, now, f"v{v}") for v in range(1, version + 1)])
    return path, conn, now


def make_v1_store(home: Path) -> Path:
    path, conn, now = old_store(home, V1_SCHEMA, 1)
    conn.execute("INSERT INTO runs (created_at, protocol, config, metrics) VALUES (?, 'warm', '{}', '{\"ndcg\": 0.3}')", (now,))
    conn.execute(
        "INSERT INTO profiles VALUES ('ann', '{\"liked\": {\"1\": 1.0}, \"disliked\": [], \"intent\": null, "
        "\"user_id\": null, \"name\": \"ann\"}', ?, ?)", (now, now)
    )
    conn.executemany("INSERT INTO feedback (profile, item_id, action, created_at) VALUES ('ann', ?, ?, ?)",
                     [("2", "like", now), ("1", "dislike", now)])
    conn.commit()
    conn.close()
    return path


def test_version_1_store_is_migrated_and_keeps_its_data(tmp_path):
    path = make_v1_store(tmp_path)
    store = open_store(tmp_path)
    assert store.migrated_from == 1
    assert store.schema_version == SCHEMA_VERSION
    versions = [r[0] for r in store.conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert store.integrity_check() == "ok"
    # v1 applied every event to a saved profile; the migrated profile still does.
    assert store.get_profile("ann") == {"liked": {"2": 1.0}, "disliked": ["1"], "intent": None, "user_id": None,
                                        "name": "ann"}
    runs = store.list_runs()
    assert len(runs) == 1 and runs[0]["metrics"] == {"ndcg": 0.3} and runs[0]["dataset"] is None
    # the new columns work
    # (a dataset the store can check the item against: it refuses names of data it knows nothing of)
    event = store.add_feedback("ann", "3", "like", dataset="movielens-100k")
    assert store.feedback_events("ann")[-1] == {**store.feedback_events("ann")[-1], "id": event,
                                                "dataset": "movielens-100k"}
    backup = path.with_name(f"{DB_NAME}.v1.bak")
    assert backup.exists()
    old = sqlite3.connect(backup)
    assert old.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
    old.close()
    store.close()
    again = open_store(tmp_path)  # opening a current store changes nothing
    assert again.migrated_from == SCHEMA_VERSION
    again.close()


def test_newer_store_is_refused_with_a_clear_message(tmp_path):
    store = open_store(tmp_path)
    store.conn.execute("INSERT INTO schema_version VALUES (?, ?, 'from the future')", (SCHEMA_VERSION + 1, time.time()))
    store.close()
    with pytest.raises(StoreError, match=rf"newer recengine \(schema version {SCHEMA_VERSION + 1}.*Upgrade recengine"):
        open_store(tmp_path)


def test_foreign_sqlite_file_and_garbage_are_refused(tmp_path):
    folder = tmp_path / "a" / STORE_DIR
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute("CREATE TABLE something_else (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a recengine store"):
        open_store(tmp_path / "a")
    folder = tmp_path / "b" / STORE_DIR
    folder.mkdir(parents=True)
    (folder / DB_NAME).write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a readable recengine store"):
        open_store(tmp_path / "b")
