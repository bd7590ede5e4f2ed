"""SQLite connections that never surface "database is locked": WAL, a busy timeout, immediate write locks, retries."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

from recengine.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

BUSY_TIMEOUT_S = 30.0
# A write that stays locked this long means another process holds the store, not contention.
RETRY_DEADLINE_S = 120.0


def connect(path: Path, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """Open the store's SQLite file in WAL mode with a busy timeout and full-durability commits.

    ``isolation_level=None`` leaves transactions to :func:`write` and :func:`read`, so every write takes
    the write lock up front (``BEGIN IMMEDIATE``): a deferred transaction that upgrades from read to
    write gets ``SQLITE_BUSY`` at once in WAL mode, without waiting on the busy handler.
    """
    try:
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the recengine store at {path}: {exc}. Check that the folder is writable.") from exc
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        mode = retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone()[0], path)
        if str(mode).lower() != "wal":
            raise StoreError(f"the store at {path} cannot use write-ahead logging (journal mode {mode!r}); "
                             "put RECENGINE_HOME on a local disk.")
        # FULL: a commit that returned survives a power cut too, not only a killed process.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        said = str(exc).lower()
        if "readonly" in said or "read-only" in said:
            raise StoreError(f"cannot write to the recengine store at {path}: the file or its folder is read-only. "
                             "Make it writable, or point RECENGINE_HOME at a writable folder.") from exc
        if "disk i/o" in said or "full" in said:
            raise StoreError(f"cannot write to the recengine store at {path} ({exc}): is the disk full? Free some "
                             "space and try again; nothing saved was changed.") from exc
        raise StoreError(
            f"{path} is not a readable recengine store ({exc}). Move it aside (the saved datasets' folders are kept), "
            "or point RECENGINE_HOME at another folder."
        ) from exc
    return conn


def is_busy(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


def retry(fn: Callable[[], T], path: Path | str, deadline_s: float = RETRY_DEADLINE_S) -> T:
    """Call ``fn`` until it does not fail with a busy/locked error, backing off with jitter."""
    start = time.monotonic()
    delay = 0.005
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() - start > deadline_s:
                raise StoreError(
                    f"the store at {path} stayed locked for {deadline_s:.0f} s: another process is holding it. "
                    "Close other recengine processes and try again."
                ) from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


def write(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T], path: Path | str = "") -> T:
    """Run ``fn(conn)`` in one ``BEGIN IMMEDIATE`` transaction, retried as a whole while the store is busy.

    The transaction is committed before this returns, so whatever ``fn`` wrote is durable once it returns.
    """

    def attempt() -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            out = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return out

    return retry(attempt, path)


@contextmanager
def read(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: the statements inside see one consistent snapshot of the store."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


class WriteLock:
    """A cross-process lock file taken around each write transaction.

    SQLite's busy handler polls with sleeps of up to 100 ms, so writers queued on the SQLite lock alone
    spend most of their time asleep; a blocking ``flock`` wakes the next writer as soon as the lock is
    released, and the kernel drops it when its holder dies (even by SIGKILL). SQLite's own locking stays
    in force underneath, for writers that do not take this lock. Where ``fcntl`` is missing (Windows) the
    busy timeout and retries alone serialise writers.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO | None = None  # a file object, so a forgotten store closes it when collected
        self._pid = 0

    def __enter__(self) -> WriteLock:
        if fcntl is None:
            return self
        if self._file is None or self._pid != os.getpid():
            self._file = open(self.path, "a+b")  # noqa: SIM115 - held for the store's lifetime
            self._pid = os.getpid()
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if fcntl is not None and self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        if self._file is not None and self._pid == os.getpid():
            self._file.close()
        self._file = None
