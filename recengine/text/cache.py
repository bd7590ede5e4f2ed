"""The on-disk embedding cache: vectors keyed by (encoder fingerprint, sha256 of the text).

Layout: ``home_dir()/embeddings/<fingerprint>/shard-<hash>.safetensors``. Each shard holds two tensors,
``keys`` (n, 32) uint8 text digests and ``vectors`` (n, dim) float32, and a sha256 checksum of both in its
metadata. A lookup reads every shard of the fingerprint once (one file for a catalogue embedded in one go)
and builds a hash index in memory, so a warm run costs a file read and a dict lookup per text.

Writers take a ``filelock`` on the folder, write a temporary file and ``os.replace`` it, so readers only
ever see whole shards. A shard is named after the digests it holds: two processes that embed the same
texts at once write byte-identical shards under the same name, and both finish correct. A shard that
fails to parse or whose checksum does not match is reported with a warning, never loaded, and deleted;
its texts count as misses and are embedded and written again. No file here is ever a pickle.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recengine.settings import home_dir

FORMAT = "recengine-embeddings-1"
SHARD_GLOB = "shard-*.safetensors"
MAX_SHARDS = 16  # more than this and a writer merges them into one
_MEMO_SIZE = 64


class CacheWarning(UserWarning):
    """A cache file was damaged and is being rebuilt."""


@dataclass
class _Shard:
    path: Path
    stat: tuple[int, int, int]
    index: dict[bytes, int]
    vectors: np.ndarray


_memo: OrderedDict[str, _Shard] = OrderedDict()
_memo_lock = threading.Lock()
_file_locks: dict[str, Any] = {}  # the lock object of each cache folder, shared by this process


def text_keys(texts: Sequence[str]) -> list[bytes]:
    """sha256 digest of each text (UTF-8), the cache key within one fingerprint.

    Examples
    --------
    >>> len(text_keys(["hello"])[0])
    32
    """
    return [hashlib.sha256(t.encode("utf-8")).digest() for t in texts]


def cache_root() -> Path:
    """``home_dir()/embeddings``: one folder per encoder fingerprint."""
    return home_dir() / "embeddings"


def clear_memory() -> None:
    """Forget the shards held in memory (the next lookup reads the files again)."""
    with _memo_lock:
        _memo.clear()


def _checksum(keys: np.ndarray, vectors: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(keys).tobytes())
    h.update(np.ascontiguousarray(vectors).tobytes())
    return h.hexdigest()


def caller_level() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside recengine, not at this module."""
    import sys

    package = str(Path(__file__).resolve().parents[1])
    frame, level = sys._getframe(1), 1  # the frame that calls warnings.warn (stacklevel 1)
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _stat(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class EmbeddingCache:
    """Cached vectors of one encoder.

    Examples
    --------
    >>> import numpy as np
    >>> from recengine.text.cache import EmbeddingCache, text_keys
    >>> cache = EmbeddingCache("demo-0000", dim=2)
    >>> keys = text_keys(["a"])
    >>> _ = cache.put(keys, np.array([[1.0, 0.0]], dtype=np.float32))
    >>> found, vecs = cache.get(keys)
    >>> bool(found[0]), vecs[0].tolist()
    (True, [1.0, 0.0])
    """

    def __init__(self, fingerprint: str, dim: int, root: Path | None = None) -> None:
        from recengine.text.encoder import checked_fingerprint

        self.fingerprint = checked_fingerprint(fingerprint)
        self.dim = int(dim)
        self.dir = (root or cache_root()) / fingerprint

    def _lock(self) -> Any:
        """The cache folder's lock: one object per folder in this process, so that a thread holding it may take it
        again (a write that merges shards and meets a damaged one discards it under the same lock; a second
        FileLock on the same file waited on itself for the whole timeout)."""
        from filelock import FileLock

        self.dir.mkdir(parents=True, exist_ok=True)
        path = str(self.dir / ".lock")
        with _memo_lock:
            lock = _file_locks.get(path)
            if lock is None:
                lock = _file_locks[path] = FileLock(path, timeout=600)
        return lock

    def _read(self, path: Path) -> _Shard | None:
        """A verified shard, or None (after a warning and removal) when the file is damaged."""
        from safetensors import safe_open

        stat = _stat(path)
        memo_key = str(path)
        with _memo_lock:
            hit = _memo.get(memo_key)
            if hit is not None and hit.stat == stat:
                _memo.move_to_end(memo_key)
                return hit
        try:
            with safe_open(str(path), framework="np") as fh:
                meta = fh.metadata() or {}
                keys = fh.get_tensor("keys")
                vectors = fh.get_tensor("vectors")
            ok = (
                meta.get("format") == FORMAT
                and keys.dtype == np.uint8
                and keys.ndim == 2
                and keys.shape[1] == 32
                and vectors.dtype == np.float32
                and vectors.shape == (keys.shape[0], self.dim)
                and meta.get("checksum") == _checksum(keys, vectors)
            )
            reason = "checksum or shape mismatch"
            if (not ok and vectors.ndim == 2 and vectors.shape[1] != self.dim and keys.ndim == 2
                    and meta.get("checksum") == _checksum(keys, vectors)):
                # sound, but of another width than this encoder is said to have (a hand-edited encoder-shapes.json):
                # not this cache's to delete
                warnings.warn(f"embedding cache file {path} holds vectors of dimension {vectors.shape[1]}, not "
                              f"{self.dim}: it is left as it is and not used.", CacheWarning, stacklevel=caller_level())
                return None
        except FileNotFoundError:
            raise
        except Exception as exc:  # safetensors raises its own error types for truncated or garbled files
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            warnings.warn(
                f"embedding cache file {path} is damaged ({reason}); it is ignored and its texts are embedded again.",
                CacheWarning,
                stacklevel=caller_level(),
            )
            self._discard(path, stat)
            return None
        index = dict(zip(map(bytes, keys), range(len(keys))))
        shard = _Shard(path, stat, index, vectors)
        with _memo_lock:
            _memo[memo_key] = shard
            while len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
        return shard

    def _discard(self, path: Path, stat: tuple[int, int, int]) -> None:
        try:
            with self._lock():
                if _stat(path) == stat:  # another process may already have replaced it with a good copy
                    path.unlink()
        except OSError:  # already gone, or a read-only cache: then the damaged file stays and is skipped on every read
            pass

    def shards(self) -> list[_Shard]:
        """Every valid shard of this fingerprint (damaged ones are dropped with a warning)."""
        for _ in range(5):
            try:
                paths = sorted(self.dir.glob(SHARD_GLOB)) if self.dir.is_dir() else []
                return [s for s in (self._read(p) for p in paths) if s is not None]
            except FileNotFoundError:  # a writer merged shards while we listed them; list again
                continue
        return []

    def get(self, keys: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, vectors) for the keys; rows not found are zeros."""
        found = np.zeros(len(keys), dtype=bool)
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        for shard in self.shards():
            rows = [(i, shard.index.get(k, -1)) for i, k in enumerate(keys) if not found[i]]
            hit = [(i, r) for i, r in rows if r >= 0]
            if hit:
                at, src = np.array(hit, dtype=np.int64).T
                out[at] = shard.vectors[src]
                found[at] = True
            if found.all():
                break
        return found, out

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> Path | None:
        """Write vectors for keys as one new shard (atomically), merging shards when there are many."""
        from safetensors.numpy import save

        if len(keys) == 0:
            return None
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(keys), self.dim):
            raise ValueError(f"vectors shape {vectors.shape} does not match {len(keys)} keys of dim {self.dim}")
        uniq: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            uniq.setdefault(k, i)
        order = sorted(uniq)
        karr = np.frombuffer(b"".join(order), dtype=np.uint8).reshape(len(order), 32)
        varr = np.ascontiguousarray(vectors[[uniq[k] for k in order]])
        name = f"shard-{hashlib.sha256(karr.tobytes()).hexdigest()[:24]}.safetensors"
        meta = {"format": FORMAT, "fingerprint": self.fingerprint, "dim": str(self.dim), "checksum": _checksum(karr, varr)}
        blob = save({"keys": karr, "vectors": varr}, metadata=meta)
        with self._lock():
            path = self._write(name, blob)
            self._tidy()
            paths = sorted(self.dir.glob(SHARD_GLOB))
            if len(paths) > MAX_SHARDS:
                path = self._merge(paths)
        return path

    def _tidy(self, min_age_s: float = 3600.0) -> None:
        """Remove the half-written files a killed process left (``.shard-....tmp``), once an hour old: a writer
        still at work in another process writes its file in seconds."""
        now = time.time()
        for tmp in self.dir.glob(".shard-*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime >= min_age_s:
                    tmp.unlink()

    def _write(self, name: str, blob: bytes) -> Path:
        path = self.dir / name
        tmp = self.dir / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _merge(self, paths: list[Path]) -> Path:
        """Fold all shards into one (caller holds the lock). Later shards win on duplicate keys."""
        from safetensors.numpy import save

        merged: dict[bytes, np.ndarray] = {}
        for p in paths:
            shard = self._read(p)
            if shard is not None:
                for k, r in shard.index.items():
                    merged[k] = shard.vectors[r]
        order = sorted(merged)
        karr = np.frombuffer(b"".join(order), dtype=np.uint8).reshape(len(order), 32)
        varr = np.stack([merged[k] for k in order]).astype(np.float32) if order else np.zeros((0, self.dim), np.float32)
        name = f"shard-{hashlib.sha256(karr.tobytes()).hexdigest()[:24]}.safetensors"
        meta = {"format": FORMAT, "fingerprint": self.fingerprint, "dim": str(self.dim), "checksum": _checksum(karr, varr)}
        out = self._write(name, save({"keys": karr, "vectors": varr}, metadata=meta))
        for p in paths:
            if p != out:
                p.unlink(missing_ok=True)
        with _memo_lock:  # each merged shard held a part of the new one: kept in memory, they were copies of it
            for p in paths:
                if p != out:
                    _memo.pop(str(p), None)
        return out

    def info(self) -> dict[str, Any]:
        """Fingerprint, number of cached vectors, shards and bytes on disk."""
        shards = self.shards()
        return {
            "fingerprint": self.fingerprint,
            "n_vectors": int(sum(len(s.index) for s in shards)),
            "n_shards": len(shards),
            "bytes": int(sum(s.stat[0] for s in shards)),
            "path": str(self.dir),
        }

    def clear(self) -> None:
        """Delete this fingerprint's cached vectors."""
        with self._lock():
            for p in self.dir.glob(SHARD_GLOB):
                p.unlink(missing_ok=True)
        clear_memory()


def clear_cache(fingerprint: str | None = None) -> None:
    """Delete the cached vectors of one encoder fingerprint, or of all encoders."""
    root = cache_root()
    targets = [root / fingerprint] if fingerprint else [p for p in root.glob("*") if p.is_dir()]
    for d in targets:
        shutil.rmtree(d, ignore_errors=True)
    clear_memory()
