"""The :class:`Store`: datasets, fine-tuned encoders, evaluation runs, profiles and feedback in one SQLite file."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from recengine.data.dataset import Dataset, IdMap
from recengine.errors import ConfigError, StoreError, UnknownIdError
from recengine.store import datasets as _ds
from recengine.store.db import WriteLock, connect, read, write
from recengine.store.migrations import LATEST, count_rows, current_version, migrate
from recengine.store.profiles import ProfilesMixin

T = TypeVar("T")
DB_NAME = "recengine.sqlite"


def _plain(obj: Any) -> Any:
    """Pydantic models and dataclass-like objects as JSON-able dicts (the store stores plain data)."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return obj


@functools.lru_cache(maxsize=4)
def _sample_items(name: str) -> IdMap | None:
    """A bundled sample's item ids (read once per process); None when the sample is not installed."""
    from recengine.data.samples import load_sample
    from recengine.errors import DataError

    try:
        return load_sample(name).item_map
    except DataError:
        return None


class Store(ProfilesMixin):
    """One recengine store: an SQLite file in WAL mode plus Parquet files beside it.

    Open it with :func:`recengine.store.open_store`. Safe to share between threads, and any number of
    processes may use the same store at once. Every write is one transaction that is committed (and on
    disk) when the method returns.

    Examples
    --------
    >>> from recengine.store import open_store
    >>> store = open_store(tmp_home)  # doctest: +SKIP
    >>> store.add_feedback("alice", "50", "like")  # doctest: +SKIP
    1
    >>> store.get_profile("alice")["liked"]  # doctest: +SKIP
    {'50': 1.0}
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the recengine store folder {self.root}: {exc.strerror}. "
                             "Set RECENGINE_HOME to a writable folder.") from exc
        self.path = self.root / DB_NAME
        self._lock = threading.RLock()
        self._item_maps: dict[str, IdMap] = {}  # a saved dataset's item ids, by its folder (new on every save)
        self._conn = connect(self.path)
        self._pid = os.getpid()
        self.closed = False
        self._write_lock = WriteLock(self.root / "write.lock")
        with self._write_lock:
            self.migrated_from = migrate(self._conn, self.path)
        try:
            with contextlib.suppress(OSError):  # tidying up must never stop the store from opening
                self.remove_orphans()
        except sqlite3.DatabaseError as exc:  # a damaged page, found by the first query
            self._conn.close()
            raise StoreError(f"{self.path} is damaged ({exc}). Restore it from a backup (recengine store export makes "
                             "one), or move it aside to start an empty store: the saved datasets' folders are kept."
                             ) from exc

    # -- plumbing ----------------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:  # an SQLite connection must not cross a fork
            self._conn = connect(self.path)
            self._pid = os.getpid()
        return self._conn

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock, self._write_lock:
            return write(self.conn, fn, self.path)

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    @property
    def schema_version(self) -> int:
        with self._lock:
            return current_version(self.conn, self.path)

    def integrity_check(self) -> str:
        """SQLite's own ``PRAGMA integrity_check``: ``"ok"`` for a sound file."""
        return "; ".join(r[0] for r in self._query("PRAGMA integrity_check"))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            self._write_lock.close()
            self.closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, schema v{LATEST})"

    def counts(self) -> dict[str, int]:
        """Number of rows per kind: datasets, finetunes, runs, profiles, feedback."""
        with self._lock, read(self.conn) as c:
            return count_rows(c)

    # -- datasets -----------------------------------------------------------------------------------
    def save_dataset(self, name: str, dataset: Dataset, *, replace: bool = False) -> dict[str, Any]:
        """Keep a validated dataset under ``name``; returns its description (name, sizes, stats, options).

        Raises :class:`~recengine.errors.StoreError` when the name is taken and ``replace`` is false.

        Examples
        --------
        >>> store.save_dataset("ml", recengine.load_sample())["n_items"]  # doctest: +SKIP
        1682
        """
        return _ds.save(self._write, self.root, name, dataset, replace)

    def load_dataset(self, name: str) -> Dataset:
        """The dataset saved under ``name``, with the same tables, id maps and order as when it was saved.

        Examples
        --------
        >>> store.load_dataset("ml").n_users  # doctest: +SKIP
        943
        """
        key = str(name).strip()
        rows = self._query("SELECT * FROM datasets WHERE name = ?", (key,))
        if not rows:
            raise _ds.unknown(str(name), [d["name"] for d in self.list_datasets()], self.path)
        while True:
            try:
                return _ds.load(rows[0], self.root, rows[0]["name"])
            except StoreError:
                # another process may have replaced it meanwhile (its old files go once the new row is in): read
                # the row again; the same folder twice means the files really are gone
                again = self._query("SELECT * FROM datasets WHERE name = ?", (key,))
                if not again or again[0]["folder"] == rows[0]["folder"]:
                    raise
                rows = again

    def _feedback_items(self, dataset: str) -> tuple[IdMap | None, str]:
        """The item ids that feedback on ``dataset`` must come from, and where they were read: those of the dataset
        saved under that name, else of the bundled sample of that name; (None, "") for a key of data kept elsewhere
        (``"kind:rest"``, as the app's ``"sample:..."`` and ``"upload:..."``), which the store cannot check.

        Raises :class:`~recengine.errors.UnknownIdError` for any other name.
        """
        from recengine.data.samples import SAMPLES

        key = str(dataset).strip()
        rows = self._query("SELECT * FROM datasets WHERE name = ?", (key,))
        if rows:
            row = rows[0]
            with self._lock:
                items = self._item_maps.get(row["folder"])
            if items is None:
                items = _ds.load_item_map(row, self.root, key)
                with self._lock:
                    self._item_maps[row["folder"]] = items
            return items, f"dataset {key!r} in the store at {self.path}"
        if key in SAMPLES:
            items = _sample_items(key)
            return items, (f"the bundled sample {key!r}" if items is not None else "")
        if ":" in key:
            return None, ""
        known = [d["name"] for d in self.list_datasets()]
        listing = ", ".join(repr(n) for n in known[:10]) if known else "none yet"
        raise UnknownIdError(
            f"no dataset named {key!r} in the store at {self.path} (saved datasets: {listing}; bundled samples: "
            f"{', '.join(map(repr, SAMPLES))}), so its item ids cannot be checked and nothing was recorded. Name one "
            "of those, save the data first (store.save_dataset(name, dataset)), pass the Dataset itself "
            "(dataset=ds), or pass check=False to record the ids unchecked under that name."
        )

    def list_datasets(self) -> list[dict[str, Any]]:
        """Saved datasets, oldest first: name, created_at, sizes, stats and load options.

        Examples
        --------
        >>> [(d["name"], d["n_items"]) for d in store.list_datasets()]  # doctest: +SKIP
        [('ml', 1682)]
        """
        rows = self._query("SELECT name, created_at, options, stats FROM datasets ORDER BY created_at, name")
        return [_ds.describe(r["name"], r["created_at"], json.loads(r["stats"]), json.loads(r["options"])) for r in rows]

    def remove_dataset(self, name: str) -> None:
        """Forget a saved dataset and delete its files.

        Examples
        --------
        >>> store.remove_dataset("ml")  # doctest: +SKIP
        """
        name = str(name).strip()

        def drop(c: sqlite3.Connection) -> str | None:
            row = c.execute("SELECT folder FROM datasets WHERE name = ?", (name,)).fetchone()
            if row is not None:
                c.execute("DELETE FROM datasets WHERE name = ?", (name,))
            return row[0] if row is not None else None

        folder = self._write(drop)
        if folder is None:
            raise _ds.unknown(name, [d["name"] for d in self.list_datasets()], self.path)
        try:
            path = _ds.dataset_folder(self.root, folder)
        except StoreError:  # the row named a folder outside the store's datasets: the row is gone, nothing is deleted
            return
        shutil.rmtree(path, ignore_errors=True)

    def remove_orphans(self, min_age_s: float = _ds.ORPHAN_AGE_S) -> list[str]:
        """Delete files left by interrupted dataset saves (older than ``min_age_s``); returns their folders.

        Only folders written since this database was made: older ones belong to a database that went missing or
        was emptied (moved aside, a 0-byte file), and are all that is left of its datasets. They are kept, with
        a warning that says where.
        """
        referenced = {r[0] for r in self._query("SELECT folder FROM datasets")}
        made = self._query("SELECT MIN(applied_at) FROM schema_version")[0][0] or 0.0
        removed, kept = _ds.remove_orphans(self.root, referenced, min_age_s, since=float(made))
        if kept:
            warnings.warn(f"{len(kept)} saved dataset folder(s) in {self.root / _ds.DATASETS_DIR} are older than the "
                          f"store's database {self.path.name} and not in it: they are kept. If the old database is "
                          "elsewhere (a backup, a file moved aside), put it back to see them again.", UserWarning,
                          stacklevel=3)
        return removed

    # -- fine-tuned encoders -----------------------------------------------------------------------
    def record_finetune(
        self, fingerprint: str, base: str, config: Any, metrics: Mapping[str, Any] | None = None, path: str | Path | None = None
    ) -> None:
        """Remember a fine-tuned encoder (recording the same fingerprint again updates it).

        A ``path`` under the recengine home is kept relative to it, so an exported store works in another home.

        Examples
        --------
        >>> store.record_finetune(enc.fingerprint, "default", cfg, {"recall@10": 0.31}, path=enc.name)  # doctest: +SKIP
        """
        fingerprint = _ds.check_name(fingerprint, "fine-tune fingerprint")
        stored_path = None
        if path is not None:
            p = Path(path).expanduser().resolve()
            home = self.root.parent.resolve()
            # Paths under the recengine home are kept relative, so an exported store works in another home.
            stored_path = str(p.relative_to(home)) if p.is_relative_to(home) else str(p)

        def put(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT OR REPLACE INTO finetunes (fingerprint, base, config, metrics, path, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (fingerprint, str(base), _ds.dumps(_plain(config)), _ds.dumps(dict(metrics or {})), stored_path, time.time()),
            )

        self._write(put)

    def _finetune(self, r: sqlite3.Row) -> dict[str, Any]:
        path = r["path"]
        if path is not None and not Path(path).is_absolute():
            path = str(self.root.parent / path)
        # an export carries the store's records, not the weights (88 MB each): an imported fine-tune may have none
        available = path is not None and Path(path).is_dir()
        return {"fingerprint": r["fingerprint"], "base": r["base"], "config": json.loads(r["config"]),
                "metrics": json.loads(r["metrics"]), "path": path, "created_at": _ds.iso(r["created_at"]),
                "available": available}

    def list_finetunes(self) -> list[dict[str, Any]]:
        """Fine-tuned encoders, oldest first: fingerprint, base, config, metrics, path, created_at, and ``available``
        (whether its weights are in this home: a store imported from another machine has the record only)."""
        return [self._finetune(r) for r in self._query("SELECT * FROM finetunes ORDER BY created_at, fingerprint")]

    def get_finetune(self, fingerprint: str) -> dict[str, Any]:
        rows = self._query("SELECT * FROM finetunes WHERE fingerprint = ?", (fingerprint,))
        if not rows:
            raise UnknownIdError(f"no fine-tuned encoder with fingerprint {fingerprint!r} in the store at {self.path}; "
                                 "`recengine store list` shows the ones there are.")
        return self._finetune(rows[0])

    # -- evaluation runs ---------------------------------------------------------------------------
    def record_run(self, protocol: str, config: Any, metrics: Mapping[str, Any], dataset: str | None = None) -> int:
        """Remember one evaluation run; returns its id.

        Examples
        --------
        >>> store.record_run("warm", {"models": ["EASE"]}, {"EASE": {"ndcg@10": 0.41}})  # doctest: +SKIP
        1
        """
        if not isinstance(protocol, str) or not protocol:
            raise ConfigError(f"a run needs a protocol name, got {protocol!r}.")
        row = (time.time(), protocol, _ds.dumps(_plain(config)), _ds.dumps(_plain(metrics)), dataset)
        return self._write(lambda c: c.execute(
            "INSERT INTO runs (created_at, protocol, config, metrics, dataset) VALUES (?, ?, ?, ?, ?)", row
        ).lastrowid)

    def list_runs(self, protocol: str | None = None) -> list[dict[str, Any]]:
        """Evaluation runs in the order they were recorded: id, created_at, protocol, dataset, config, metrics.

        Examples
        --------
        >>> pd.DataFrame(store.list_runs("warm"))[["id", "created_at", "dataset"]]  # doctest: +SKIP
        """
        sql, params = "SELECT * FROM runs", ()
        if protocol is not None:
            sql, params = sql + " WHERE protocol = ?", (protocol,)
        return [
            {"id": r["id"], "created_at": _ds.iso(r["created_at"]), "protocol": r["protocol"], "dataset": r["dataset"],
             "config": json.loads(r["config"]), "metrics": json.loads(r["metrics"])}
            for r in self._query(sql + " ORDER BY id", params)
        ]
