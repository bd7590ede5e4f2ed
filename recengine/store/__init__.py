"""The recengine store: what a user keeps between sessions, in one SQLite file plus Parquet files beside it.

Named datasets, fine-tuned encoders, evaluation runs, saved profiles and every feedback event live under
``$RECENGINE_HOME/store/``. The SQLite file runs in WAL mode with a busy timeout and retried write
transactions, so several processes (app tabs, CLI calls) can write at once; its schema is versioned and
migrated on open. Bulk tables are Parquet files written atomically before the row that names them.

Examples
--------
>>> from recengine.store import open_store
>>> store = open_store()  # doctest: +SKIP
>>> store.save_dataset("ml", recengine.load_sample())  # doctest: +SKIP
>>> store.load_dataset("ml").n_items  # doctest: +SKIP
1682
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import threading
from pathlib import Path

from recengine.errors import StoreError
from recengine.settings import home_dir
from recengine.store.export import export_store, import_store
from recengine.store.migrations import LATEST as SCHEMA_VERSION
from recengine.store.store import Store

STORE_DIR = "store"


_OPEN: dict[tuple[str, int], Store] = {}
_OPEN_LOCK = threading.Lock()


def open_store(home: str | Path | None = None) -> Store:
    """Open (creating or migrating as needed) the store under ``home`` (default :func:`recengine.settings.home_dir`).

    Within one process the same open :class:`Store` is returned for the same folder (it is thread-safe), so
    calling this on every click costs nothing; after ``close()`` the next call opens it afresh.

    Raises :class:`~recengine.errors.StoreError` for a store written by a newer recengine or a file that is
    not a store.

    Examples
    --------
    >>> store = open_store("/tmp/recengine-home")  # doctest: +SKIP
    >>> store.schema_version == SCHEMA_VERSION  # doctest: +SKIP
    True
    """
    try:
        base = Path(home).expanduser() if home is not None else home_dir()
    except OSError as exc:
        raise StoreError(f"cannot create the recengine home folder {exc.filename}: {exc.strerror}. "
                         "Set RECENGINE_HOME to a writable folder.") from exc
    root = (base / STORE_DIR).resolve()
    key = (str(root), os.getpid())
    with _OPEN_LOCK:
        store = _OPEN.get(key)
        if store is None or store.closed:
            store = _OPEN[key] = Store(root)
        return store


@atexit.register
def _close_open_stores() -> None:
    """Close the stores this process opened when it exits: the SQLite file is left checkpointed, the lock file shut."""
    with _OPEN_LOCK:
        for key, store in list(_OPEN.items()):
            if key[1] == os.getpid() and not store.closed:
                with contextlib.suppress(sqlite3.Error, OSError):  # leaving must not fail for a file gone astray
                    store.close()
        _OPEN.clear()


__all__ = ["SCHEMA_VERSION", "STORE_DIR", "Store", "export_store", "import_store", "open_store"]
