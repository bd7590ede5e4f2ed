"""Versioned schema of the store: each migration moves the schema one version up, inside one transaction.

The ``schema_version`` table holds one row per applied migration. An older store is migrated when it is
opened (after a backup copy of the file is taken); a store written by a newer recengine is refused,
because this version would not know what its extra tables mean.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from recengine.errors import StoreError
from recengine.store.db import write

# (version, what it adds, statements). Never edit a released migration; add a new one.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "datasets, fine-tuned encoders, evaluation runs, profiles and feedback events",
        [
            """CREATE TABLE datasets (name TEXT PRIMARY KEY, created_at REAL NOT NULL, folder TEXT NOT NULL,
                   files TEXT NOT NULL, options TEXT NOT NULL, stats TEXT NOT NULL)""",
            """CREATE TABLE finetunes (fingerprint TEXT PRIMARY KEY, base TEXT NOT NULL, config TEXT NOT NULL,
                   metrics TEXT NOT NULL, path TEXT, created_at REAL NOT NULL)""",
            """CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL,
                   protocol TEXT NOT NULL, config TEXT NOT NULL, metrics TEXT NOT NULL)""",
            """CREATE TABLE profiles (name TEXT PRIMARY KEY, data TEXT NOT NULL, created_at REAL NOT NULL,
                   updated_at REAL NOT NULL)""",
            """CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT NOT NULL,
                   item_id TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('like', 'dislike')),
                   created_at REAL NOT NULL)""",
            "CREATE INDEX feedback_by_profile ON feedback (profile, id)",
        ],
    ),
    (
        2,
        "runs and feedback name their dataset; a saved profile remembers the last feedback event it includes",
        [
            "ALTER TABLE runs ADD COLUMN dataset TEXT",
            "ALTER TABLE feedback ADD COLUMN dataset TEXT",
            # 0 keeps version-1 behaviour for existing profiles: every event of theirs is applied.
            "ALTER TABLE profiles ADD COLUMN base_event INTEGER NOT NULL DEFAULT 0",
        ],
    ),
    (
        3,
        "a saved profile names the dataset it was made on",
        [
            # NULL for the profiles saved before: they name no dataset (the events they have may name one).
            "ALTER TABLE profiles ADD COLUMN dataset TEXT",
        ],
    ),
]
LATEST = MIGRATIONS[-1][0]
TABLES = ("datasets", "finetunes", "runs", "profiles", "feedback")


def count_rows(conn: sqlite3.Connection) -> dict[str, int]:
    """How many of each kind a store holds; a profile started by feedback alone counts as a profile."""
    sql = {t: f"SELECT count(*) FROM {t}" for t in TABLES}
    sql["profiles"] = "SELECT count(*) FROM (SELECT name FROM profiles UNION SELECT profile FROM feedback)"
    return {t: int(conn.execute(q).fetchone()[0]) for t, q in sql.items()}


def current_version(conn: sqlite3.Connection, path: Path | str = "") -> int:
    """The schema version of an open store: 0 for an empty file."""
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in names:
        if names - {"sqlite_sequence"}:
            raise StoreError(
                f"{path} is an SQLite file but not a recengine store (it has tables {', '.join(sorted(names))} and "
                "no schema_version). Point RECENGINE_HOME at another folder."
            )
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def check_not_newer(version: int, path: Path | str) -> None:
    if version > LATEST:
        raise StoreError(
            f"the store at {path} was written by a newer recengine (schema version {version}; this recengine "
            f"understands up to version {LATEST}). Upgrade recengine, or point RECENGINE_HOME at another folder "
            "to start a separate store."
        )


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the store at ``path`` to :data:`LATEST`; returns the version it was at.

    Safe when several processes open a fresh store at once: the version is read again under the write
    lock, so each migration runs exactly once.
    """
    found = current_version(conn, path)
    check_not_newer(found, path)
    if found == LATEST:
        return found
    if found > 0:
        backup = path.with_name(f"{path.name}.v{found}.bak")
        if not backup.exists():
            dest = sqlite3.connect(str(backup))
            try:
                conn.backup(dest)
            finally:
                dest.close()

    def apply(c: sqlite3.Connection) -> int:
        start = current_version(c, path)
        check_not_newer(start, path)
        if start == 0:
            c.execute(
                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL, "
                "description TEXT NOT NULL)"
            )
        for version, description, statements in MIGRATIONS:
            if version <= start:
                continue
            for sql in statements:
                c.execute(sql)
            c.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (version, time.time(), description))
        return start

    return write(conn, apply, path)
