"""Export a whole store to one zip file, and import such a file into a store.

The zip holds ``manifest.json``, ``store.sqlite`` (a consistent snapshot taken with SQLite's backup API)
and the dataset Parquet files. Importing into an empty store reproduces it exactly, ids included;
``merge=True`` adds an export to a store that already holds other names.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recengine.errors import StoreError
from recengine.store.datasets import DATASETS_DIR, dataset_folder, plain_file_name
from recengine.store.files import fsync_dir, sha256_file
from recengine.store.migrations import LATEST, TABLES, count_rows, migrate

if TYPE_CHECKING:
    from recengine.store.store import Store

FORMAT = "recengine-store-export"
FORMAT_VERSION = 1
DB_MEMBER = "store.sqlite"


def _snapshot(store: Store, dest: Path) -> None:
    target = sqlite3.connect(str(dest))
    try:
        with store._lock:
            store.conn.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()


def export_store(store: Store, path: str | Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Write everything in ``store`` to the zip file ``path`` (atomically); returns its manifest.

    ``path`` may be a folder (the file is then ``recengine-store.zip`` in it). An existing file is replaced
    only with ``overwrite``, and never one that is not a recengine export. The manifest's ``path`` is the
    file written.

    Examples
    --------
    >>> export_store(open_store(), "backup.zip")["counts"]  # doctest: +SKIP
    {'datasets': 1, 'finetunes': 0, 'runs': 3, 'profiles': 1, 'feedback': 12}
    """
    named_folder = str(path).endswith(("/", os.sep))
    path = Path(path).expanduser()
    if named_folder and not path.is_dir():
        raise StoreError(f"cannot export to {path}: the folder does not exist. Make it first, or give a file name.")
    if path.is_dir():
        path = path / "recengine-store.zip"
    if not path.parent.is_dir():
        raise StoreError(f"cannot export to {path}: the folder {path.parent} does not exist.")
    if path.exists():
        if not _is_export(path):
            raise StoreError(f"cannot export to {path}: that file exists and is not a recengine store export; "
                             "choose another name (nothing was written).")
        if not overwrite:
            raise StoreError(f"cannot export to {path}: an export is already there. Choose another name, or replace "
                             "it (overwrite=True; in the CLI: --force).")
    for attempt in range(3):
        with tempfile.TemporaryDirectory(dir=store.root, prefix=".export-") as tmp:
            snap = Path(tmp) / DB_MEMBER
            _snapshot(store, snap)
            src = sqlite3.connect(str(snap))
            try:
                counts = count_rows(src)
                datasets = src.execute("SELECT name, folder, files FROM datasets ORDER BY name").fetchall()
            finally:
                src.close()
            manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": LATEST,
                        "created_at": time.time(), "counts": counts, "datasets": [d[0] for d in datasets]}
            tmp_zip = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            try:
                with zipfile.ZipFile(tmp_zip, "w") as zf:
                    zf.writestr("manifest.json", json.dumps(manifest, indent=2))
                    zf.write(snap, DB_MEMBER, compress_type=zipfile.ZIP_DEFLATED)
                    for name, folder, files in datasets:
                        where = dataset_folder(store.root, folder)
                        for key, record in json.loads(files).items():
                            if key != "meta":
                                zf.write(where / _file_name(record, name), f"{folder}/{record['file']}")
                with open(tmp_zip, "rb+") as f:
                    os.fsync(f.fileno())
            except FileNotFoundError:
                # A dataset was replaced or removed between the snapshot and the copy: take a new snapshot.
                tmp_zip.unlink(missing_ok=True)
                if attempt == 2:
                    raise StoreError("the store kept changing during the export; try again when it is idle.") from None
                continue
            except BaseException:
                tmp_zip.unlink(missing_ok=True)
                raise
            os.replace(tmp_zip, path)
            fsync_dir(path.parent)
            return {**manifest, "path": str(path)}
    raise AssertionError("unreachable")


def _is_export(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("manifest.json")).get("format") == FORMAT
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False


def _read_export(zf: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except (KeyError, ValueError):
        raise StoreError(f"{path} is not a recengine store export (no readable manifest.json).") from None
    if manifest.get("format") != FORMAT:
        raise StoreError(f"{path} is not a recengine store export (format {manifest.get('format')!r}).")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise StoreError(f"{path} was exported by a newer recengine (export format {manifest['format_version']}); "
                         "upgrade recengine to import it.")
    return manifest


def import_store(store: Store, path: str | Path, *, merge: bool = False) -> dict[str, int]:
    """Load an export made by :func:`export_store` into ``store``; returns the number of rows added per kind.

    Into an empty store the result is the exported store exactly (same names, ids, times). With
    ``merge=True`` a non-empty store takes the export's rows beside its own; dataset and profile names
    must not clash. The dataset files are checked against their checksums and written before the rows
    that name them are committed, all rows in one transaction.

    Examples
    --------
    >>> import_store(open_store("/tmp/new-home"), "backup.zip")  # doctest: +SKIP
    {'datasets': 1, 'finetunes': 0, 'runs': 3, 'profiles': 1, 'feedback': 12}
    """
    named_folder = str(path).endswith(("/", os.sep))
    path = Path(path).expanduser()
    if named_folder and not path.is_dir():
        raise StoreError(f"cannot export to {path}: the folder does not exist. Make it first, or give a file name.")
    if path.is_dir():
        raise StoreError(f"cannot import {path}: it is a folder; give the zip file written by `recengine store export`.")
    if not path.is_file():
        raise StoreError(f"cannot import {path}: no such file.")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise StoreError(f"{path} is not a recengine store export (not a zip file).") from None
    written: list[Path] = []
    with zf, tempfile.TemporaryDirectory(dir=store.root, prefix=".import-") as tmp:
        _read_export(zf, path)
        try:
            zf.extract(DB_MEMBER, tmp)
        except KeyError:
            raise StoreError(f"{path} is not a complete recengine store export ({DB_MEMBER} is missing).") from None
        src_path = Path(tmp) / DB_MEMBER
        src = sqlite3.connect(str(src_path), isolation_level=None)
        src.row_factory = sqlite3.Row
        try:
            migrate(src, src_path)  # an export from an older recengine is brought up to date first
            rows = {t: [dict(r) for r in src.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in TABLES}
        finally:
            src.close()
        try:
            for row in rows["datasets"]:
                row["folder"] = _copy_dataset_files(zf, store.root, row, path)
                written.append(store.root / row["folder"])
            added = store._write(lambda c: _insert(c, rows, merge, store.path))
        except BaseException:
            for folder in written:
                shutil.rmtree(folder, ignore_errors=True)
            raise
    return added


def _file_name(record: dict[str, Any], dataset: str) -> str:
    """A saved dataset's file name, which must be plain: an export names it, and ``..`` would write outside."""
    name = record.get("file") if isinstance(record, dict) else None
    if not plain_file_name(name):
        raise StoreError(f"dataset {dataset!r} names {name!r} as one of its files; a file of a saved dataset has a "
                         "plain name. The export was changed by hand or is damaged: nothing was imported.")
    return name


def _copy_dataset_files(zf: zipfile.ZipFile, root: Path, row: dict[str, Any], path: Path) -> str:
    # Always a new folder of our own: the export's folder name is only where its files sit in the zip.
    folder = f"{DATASETS_DIR}/{uuid.uuid4().hex}"
    for key, record in json.loads(row["files"]).items():
        if key != "meta":
            _file_name(record, row["name"])
    dest = root / folder
    dest.mkdir(parents=True)
    try:
        _copy_files(zf, dest, row, path)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    fsync_dir(dest)
    return folder


def _copy_files(zf: zipfile.ZipFile, dest: Path, row: dict[str, Any], path: Path) -> None:
    for key, record in json.loads(row["files"]).items():
        if key == "meta":
            continue
        member = f"{row['folder']}/{record['file']}"
        target = dest / record["file"]  # a plain name: _copy_dataset_files checked every one before making dest
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            with zf.open(member) as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
                fout.flush()
                os.fsync(fout.fileno())
        except KeyError:
            raise StoreError(f"{path}: the file {member} of dataset {row['name']!r} is missing from the export.") from None
        except zipfile.BadZipFile as exc:  # a flipped byte: the zip's own checksum (CRC-32) catches it
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{path}: the file {member} of dataset {row['name']!r} is damaged ({exc}); nothing was "
                             "imported. Export the store again.") from None
        if sha256_file(tmp) != record["sha256"]:
            raise StoreError(f"{path}: the file {member} of dataset {row['name']!r} is damaged (checksum mismatch).")
        os.replace(tmp, target)


def _insert(c: sqlite3.Connection, rows: dict[str, list[dict[str, Any]]], merge: bool, store_path: Path) -> dict[str, int]:
    counts = count_rows(c)  # as Store.counts says them: a profile started by feedback alone is a profile
    empty = not any(counts.values())
    if not empty and not merge:
        held = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
        raise StoreError(
            f"the store at {store_path} is not empty ({held}). Import into an empty RECENGINE_HOME, or merge the "
            "export into this store (recengine store import --merge)."
        )
    clashes = sorted({r["name"] for r in rows["datasets"]} & {r[0] for r in c.execute("SELECT name FROM datasets")})
    theirs = {r["name"] for r in rows["profiles"]} | {r["profile"] for r in rows["feedback"]}
    ours = {r[0] for r in c.execute("SELECT name FROM profiles UNION SELECT profile FROM feedback")}
    clashes += sorted(f"profile {n}" for n in theirs & ours)
    if clashes:
        raise StoreError(f"cannot merge: these names are in both stores: {', '.join(map(str, clashes))}. "
                         "Remove or rename them first.")

    def put(table: str, row: dict[str, Any], keep_id: bool = True) -> int:
        cols = [k for k in row if keep_id or k != "id"]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        return c.execute(sql, [row[k] for k in cols]).lastrowid

    added = dict.fromkeys(TABLES, 0)
    for row in rows["datasets"]:
        put("datasets", row)
        added["datasets"] += 1
    for row in rows["finetunes"]:  # a fingerprint names one fine-tune, so one already here is the same
        added["finetunes"] += c.execute(
            "INSERT OR IGNORE INTO finetunes (fingerprint, base, config, metrics, path, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [row[k] for k in ("fingerprint", "base", "config", "metrics", "path", "created_at")],
        ).rowcount
    for row in rows["runs"]:
        put("runs", row, keep_id=empty)
        added["runs"] += 1
    new_id: dict[int, int] = {}
    for row in rows["feedback"]:
        new_id[row["id"]] = put("feedback", row, keep_id=empty)
        added["feedback"] += 1
    for row in rows["profiles"]:
        # base_event names the last event the saved profile includes; ids change when merging.
        covered = [new for old, new in new_id.items() if old <= row["base_event"]]
        put("profiles", {**row, "base_event": max(covered, default=0) if not empty else row["base_event"]})
    # profiles counted as count_rows does: saved ones and those started by feedback alone (names never clash)
    added["profiles"] = len({r["name"] for r in rows["profiles"]} | {r["profile"] for r in rows["feedback"]})
    return added
