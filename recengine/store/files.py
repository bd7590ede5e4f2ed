"""Bulk tables beside the SQLite file: Parquet written atomically (temp file, fsync, rename, fsync folder)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recengine.errors import StoreError


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file inside ``path`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        # A source column holding mixed types (numbers and text) is kept as text.
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: None if v is None or v is pd.NA else str(v))
        return pa.Table.from_pandas(frame, preserve_index=False)


def write_parquet(path: Path, frame: pd.DataFrame) -> dict[str, object]:
    """Write a DataFrame atomically as Parquet; returns its file record (name, rows, sha256)."""
    sink = pa.BufferOutputStream()
    pq.write_table(_arrow_table(frame), sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    atomic_write_bytes(path, data)
    return {"file": path.name, "rows": len(frame), "sha256": hashlib.sha256(data).hexdigest()}


def read_parquet(path: Path, record: dict[str, object], what: str) -> pd.DataFrame:
    """Read a Parquet file written by :func:`write_parquet`, checking it is the file the store recorded."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{what}: its file {path} is missing. Remove the dataset and add it again.") from None
    if hashlib.sha256(data).hexdigest() != record.get("sha256"):
        raise StoreError(f"{what}: its file {path} is damaged (checksum mismatch). Remove the dataset and add it again.")
    return pq.read_table(pa.BufferReader(data)).to_pandas()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
