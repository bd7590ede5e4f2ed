"""Named datasets in the store: Parquet tables in a fresh folder per save, then one row pointing at them.

A save writes its files first and commits the row only after they are in place, so a process killed
mid-save leaves at most an unreferenced folder (removed later), never a half dataset that loads.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from recengine.columns import Columns
from recengine.data.dataset import Dataset, IdMap
from recengine.errors import ConfigError, StoreError, UnknownIdError
from recengine.store.files import fsync_dir, read_parquet, write_parquet

DATASETS_DIR = "datasets"
# A folder or file name that stays where it is put: letters, digits, dot, dash and underscore, not starting with a dot.
_PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
# A folder that no row points at and is older than this is left over from an interrupted save.
ORPHAN_AGE_S = 3600.0


def dataset_folder(root: Path, folder: object) -> Path:
    """The folder of a saved dataset, ``root/datasets/<one name>``; anything else in the database is refused.

    A store imported from someone else's export could name any folder (``/etc``, ``../..``), and removing the
    dataset deletes its folder, so every read, write and delete goes through here.

    >>> dataset_folder(Path("/h"), "datasets/0f3a").as_posix()
    '/h/datasets/0f3a'
    >>> dataset_folder(Path("/h"), "../../etc")
    Traceback (most recent call last):
    ...
    recengine.errors.StoreError: the store names '../../etc' as a dataset folder; a dataset's files can only be in datasets/<folder> of the store. The database was changed by hand or comes from a damaged export: remove that dataset (recengine data remove NAME).
    """
    parts = PurePosixPath(str(folder)).parts
    if len(parts) != 2 or parts[0] != DATASETS_DIR or not _PLAIN.fullmatch(parts[1]):
        raise StoreError(f"the store names {str(folder)!r} as a dataset folder; a dataset's files can only be in "
                         f"{DATASETS_DIR}/<folder> of the store. The database was changed by hand or comes from a "
                         "damaged export: remove that dataset (recengine data remove NAME).")
    return root / parts[0] / parts[1]


def plain_file_name(name: object) -> bool:
    """Whether ``name`` is one file's plain name (no folder, no ``..``), as a saved dataset's files are."""
    return isinstance(name, str) and _PLAIN.fullmatch(name) is not None


def check_name(name: object, what: str = "dataset") -> str:
    """A usable name: non-empty text of at most 100 characters without control characters."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a {what} name must be non-empty text, got {name!r}.")
    name = name.strip()
    if len(name) > 100 or any(ord(ch) < 32 for ch in name):
        raise ConfigError(f"the {what} name {name[:40]!r} is too long or holds control characters; use a short plain name.")
    return name


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=_jsonable, ensure_ascii=False, sort_keys=True)


def write_files(root: Path, ds: Dataset) -> tuple[str, dict[str, Any]]:
    """Write the dataset's tables into a new folder under ``root``; returns (relative folder, file records)."""
    rel = f"{DATASETS_DIR}/{uuid.uuid4().hex}"
    folder = root / rel
    folder.mkdir(parents=True)
    fsync_dir(folder.parent)
    try:
        users = pd.DataFrame({Columns.user: pd.Series(ds.user_map.external, dtype=object).astype(str)})
        files = {
            "interactions": write_parquet(folder / "interactions.parquet", ds.interactions),
            "items": write_parquet(folder / "items.parquet", ds.items),
            "users": write_parquet(folder / "users.parquet", users),
        }
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return rel, files


def save(conn_write, root: Path, name: str, ds: Dataset, replace: bool) -> dict[str, Any]:
    """Save ``ds`` under ``name``; ``conn_write(fn)`` runs ``fn`` in one write transaction."""
    name = check_name(name)
    if not isinstance(ds, Dataset):
        raise ConfigError(f"save_dataset needs a recengine Dataset, got {type(ds).__name__}.")
    folder, files = write_files(root, ds)
    stats = ds.stats()
    stats["name"] = name
    meta = {"source_name": ds.name, "warnings": list(ds.warnings)}
    created = time.time()

    def commit(c: sqlite3.Connection) -> str | None:
        old = c.execute("SELECT folder FROM datasets WHERE name = ?", (name,)).fetchone()
        if old is not None and not replace:
            raise StoreError(
                f"a dataset named {name!r} is already in the store. Choose another name, remove it first "
                "(store.remove_dataset(name); in the CLI: recengine data remove NAME), or replace it (replace=True; in "
                "the CLI: --replace)."
            )
        c.execute(
            "INSERT OR REPLACE INTO datasets (name, created_at, folder, files, options, stats) VALUES (?, ?, ?, ?, ?, ?)",
            (name, created, folder, dumps({**files, "meta": meta}), dumps(ds.options), dumps(stats)),
        )
        return old[0] if old is not None else None

    try:
        old_folder = conn_write(commit)
    except BaseException:
        shutil.rmtree(root / folder, ignore_errors=True)
        raise
    if old_folder:
        # a replaced row that named a folder outside the store's datasets: leave that folder alone
        with contextlib.suppress(StoreError):
            shutil.rmtree(dataset_folder(root, old_folder), ignore_errors=True)
    return describe(name, created, stats, ds.options)


def describe(name: str, created_at: float, stats: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    keys = ("n_users", "n_items", "n_interactions", "n_cold_items", "n_items_with_text", "has_ratings", "has_timestamps")
    out: dict[str, Any] = {"name": name, "created_at": iso(created_at)}
    out.update({k: stats.get(k) for k in keys})
    out["stats"] = stats
    out["options"] = options
    return out


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int((ts % 1) * 1e6):06d}Z"


def unknown(name: str, known: list[str], store_path: Path) -> UnknownIdError:
    listing = ", ".join(repr(n) for n in known[:10]) if known else "none yet"
    return UnknownIdError(
        f"no dataset named {name!r} in the store at {store_path} (saved datasets: {listing}). "
        "Save it first (store.save_dataset(name, dataset); in the CLI: recengine data add NAME --interactions FILE "
        "[--items FILE]; in the app: Save, under Keep this dataset in the store on the Data page)."
    )


def load(row: sqlite3.Row, root: Path, name: str) -> Dataset:
    """Rebuild the saved :class:`Dataset` with the same tables, id maps and order."""
    files = json.loads(row["files"])
    folder = dataset_folder(root, row["folder"])
    what = f"dataset {name!r}"
    for key in ("interactions", "items", "users"):
        if not plain_file_name(files.get(key, {}).get("file")):
            raise StoreError(f"the store names {files.get(key, {}).get('file')!r} as a file of {what}; it must be a "
                             "plain file name. Remove that dataset (recengine data remove NAME) and save it again.")
    inter = read_parquet(folder / files["interactions"]["file"], files["interactions"], what)
    items = read_parquet(folder / files["items"]["file"], files["items"], what)
    users = read_parquet(folder / files["users"]["file"], files["users"], what)
    meta = files.get("meta", {})
    return Dataset(
        interactions=inter,
        items=items,
        user_map=IdMap(users[Columns.user].to_numpy(dtype=object), kind="user"),
        item_map=IdMap(items[Columns.item].to_numpy(dtype=object), kind="item"),
        name=name,
        warnings=tuple(meta.get("warnings", [])),
        options=json.loads(row["options"]),
    )


def load_item_map(row: sqlite3.Row, root: Path, name: str) -> IdMap:
    """The item ids of a saved dataset (its items table only)."""
    files = json.loads(row["files"])
    if not plain_file_name(files.get("items", {}).get("file")):
        raise StoreError(f"the store names {files.get('items', {}).get('file')!r} as a file of dataset {name!r}; it must "
                         "be a plain file name. Remove that dataset (recengine data remove NAME) and save it again.")
    items = read_parquet(dataset_folder(root, row["folder"]) / files["items"]["file"], files["items"], f"dataset {name!r}")
    return IdMap(items[Columns.item].to_numpy(dtype=object), kind="item")


def remove_orphans(root: Path, referenced: set[str], min_age_s: float = ORPHAN_AGE_S,
                   since: float = 0.0) -> tuple[list[str], list[str]]:
    """Delete what interrupted work left: dataset folders no row points at, export/import scratch folders; returns
    (removed, kept): dataset folders from before ``since`` (the database's making) are kept, never deleted.

    Only once they are ``min_age_s`` old, so a save still in progress in another process is left alone.
    """
    base = root / DATASETS_DIR
    candidates = [(f"{DATASETS_DIR}/{c.name}", c) for c in base.iterdir()] if base.is_dir() else []
    candidates += [(c.name, c) for c in root.iterdir() if c.name.startswith((".export-", ".import-"))]
    removed, kept = [], []
    now = time.time()
    for rel, child in candidates:
        if rel in referenced or not child.is_dir():
            continue
        try:
            made = child.stat().st_mtime
        except FileNotFoundError:
            continue
        if rel.startswith(DATASETS_DIR) and made < since:
            kept.append(rel)
        elif now - made >= min_age_s:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(rel)
    return removed, kept
