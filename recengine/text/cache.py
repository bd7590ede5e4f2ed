"""The on-disk embedding cache: vectors keyed by (encoder fingerprint, sha256 of the text).

Layout: ``home_dir()/embeddings/<fingerprint>/shard-<hash>.safetensors``. Each shard holds two tensors,
``keys`` (n, 32) uint8 text digests and ``vectors`` (n, dim) float32, and a sha256 checksum of both in its
metadata. A lookup reads every shard of the fingerprint once (one file for a catalogue embedded in one go)
and builds a hash index in memory, so a warm run costs a file read and a dict lookup per text.

Writers take the folder's ``filelock`` (``embeddings/.locks/<fingerprint>.lock``, outside the folder so that
removing the folder never removes its lock), write a temporary file and ``os.replace`` it, so readers only
ever see whole shards. A shard is named after the digests it holds: two processes that embed the same
texts at once write byte-identical shards under the same name, and both finish correct. A shard that
fails to parse or whose checksum does not match is reported with a warning, never loaded, and deleted;
its texts count as misses and are embedded and written again. No file here is ever a pickle.

The cache is capped at ``$RECENGINE_EMBEDDINGS_MB`` (:func:`~recengine.settings.embeddings_limit_bytes`): after
each write, whole fingerprint folders go, least recently used first (a write or a hit marks a folder used, by its
modification time), and never the one just written. A folder goes under its lock (a writer at work there keeps
it) by a rename out of the way, then is deleted; a reader that meets it gone, or meets a shard gone between
listing and opening it, counts those texts as misses, which are embedded and written again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
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

from recengine.settings import embeddings_limit_bytes, home_dir

FORMAT = "recengine-embeddings-1"
SHARD_GLOB = "shard-*.safetensors"
MAX_SHARDS = 16  # more than this and a writer merges them into one
_MEMO_SIZE = 64
LOCKS = ".locks"  # under the cache root: one lock file per fingerprint, never removed
TRASH_PREFIX = ".trash-"  # a fingerprint folder renamed out of the way while it is deleted
_MARK_USED_EVERY_S = 60.0  # a hit marks its folder used at most this often per process


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
_marked_used: dict[str, float] = {}  # folder -> time.monotonic() of its last mark as used by this process


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
        _marked_used.clear()


def _folder_lock(folder: Path) -> Any:
    """The lock of a fingerprint folder (``<root>/.locks/<fingerprint>.lock``): one object per folder in this
    process, so that a thread holding it may take it again (a write that merges shards and meets a damaged one
    discards it under the same lock; a second FileLock on the same file waited on itself for the whole timeout).

    It lives outside the folder: a lock file removed with its folder would let a writer that waited on the old file
    and one that made a new file both hold "the" lock."""
    from filelock import FileLock

    locks = folder.parent / LOCKS
    locks.mkdir(parents=True, exist_ok=True)
    path = str(locks / f"{folder.name}.lock")
    with _memo_lock:
        lock = _file_locks.get(path)
        if lock is None:
            lock = _file_locks[path] = FileLock(path, timeout=600)
    return lock


def _forget(folder: Path) -> None:
    """Drop the shards of ``folder`` held in memory (it was removed: they would only take room)."""
    prefix = str(folder) + os.sep
    with _memo_lock:
        for key in [k for k in _memo if k.startswith(prefix)]:
            del _memo[key]
        _marked_used.pop(str(folder), None)


def _remove_folder(folder: Path, timeout: float, seen_mtime_ns: int | None = None) -> bool:
    """Remove a fingerprint folder under its lock; False when a writer holds the lock past ``timeout`` seconds (or
    the lock cannot be taken: a read-only cache), or when the folder was used (written or read: its modification
    time is no longer ``seen_mtime_ns``). True when the folder is gone, by this call or another process's.

    Under the lock the folder is only renamed (``.trash-...``), so the lock is held for an instant and readers see
    every shard at once or none; the files are deleted after. A writer that waited on the lock makes the folder
    again, empty, and writes its shard there.
    """
    from filelock import Timeout

    try:
        lock = _folder_lock(folder)
        lock.acquire(timeout=timeout)
    except (Timeout, OSError):
        return False
    try:
        trash = folder.with_name(f"{TRASH_PREFIX}{folder.name}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            if seen_mtime_ns is not None and folder.stat().st_mtime_ns != seen_mtime_ns:
                return False  # used since the pruner looked: no longer the least recently used
            os.rename(folder, trash)
        except FileNotFoundError:
            return True
        except OSError:  # a file held open on Windows, a read-only cache: it stays
            return False
    finally:
        lock.release()
    _forget(folder)
    shutil.rmtree(trash, ignore_errors=True)
    return True


def prune_cache(limit: int | None = None, keep: str | None = None, root: Path | None = None) -> list[Path]:
    """Remove whole fingerprint folders, least recently used first, until the cache takes at most ``limit`` bytes
    (default ``$RECENGINE_EMBEDDINGS_MB``); the folder of fingerprint ``keep`` stays whatever its size, and so does
    one a writer is at work in. Leftovers of a removal that a killed process did not finish go too. Returns the
    folders that went; their texts are embedded again when next needed.
    """
    from recengine.diskcap import prune_least_recent

    limit = embeddings_limit_bytes() if limit is None else int(limit)
    root = root or cache_root()
    seen: dict[Path, int] = {}  # each folder's modification time as it was measured
    try:
        for entry in root.iterdir():
            if entry.name.startswith(TRASH_PREFIX):
                shutil.rmtree(entry, ignore_errors=True)
            elif not entry.name.startswith(".") and entry.is_dir():
                with contextlib.suppress(OSError):
                    seen[entry] = entry.stat().st_mtime_ns
    except OSError:  # no cache yet, or it cannot be read
        return []
    return prune_least_recent(seen, limit, keep=root / keep if keep else None,
                              remove=lambda folder: _remove_folder(folder, timeout=0, seen_mtime_ns=seen[folder]))


def _mark_used(folder: Path) -> None:
    """Set the folder's modification time to now (it was read), at most once a minute per process: the folders
    least recently used go first when the cache outgrows its room. Best effort."""
    now = time.monotonic()
    key = str(folder)
    with _memo_lock:
        last = _marked_used.get(key)
        if last is not None and now - last < _MARK_USED_EVERY_S:
            return
        _marked_used[key] = now
    with contextlib.suppress(OSError):  # removed meanwhile, or a read-only cache
        os.utime(folder)


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
        """The cache folder's lock (see :func:`_folder_lock`); the folder itself may not exist (yet, or again)."""
        return _folder_lock(self.dir)

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
        """Every valid shard of this fingerprint (damaged ones are dropped with a warning).

        A shard that vanishes between listing and reading (a writer merged shards, or the folder was pruned) is
        no damage: the folder is listed again, and after a few tries what is still missing counts as misses."""
        for attempt in range(5):
            try:
                paths = sorted(self.dir.glob(SHARD_GLOB)) if self.dir.is_dir() else []
            except FileNotFoundError:  # the folder went while it was listed
                continue
            found: list[_Shard] = []
            for p in paths:
                try:
                    shard = self._read(p)
                except FileNotFoundError:
                    if attempt < 4:  # list again: a merge left one shard in the place of those listed
                        break
                    continue
                if shard is not None:
                    found.append(shard)
            else:
                return found
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
        if found.any():
            _mark_used(self.dir)
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
        limit = embeddings_limit_bytes()  # a bad $RECENGINE_EMBEDDINGS_MB is refused before anything is written
        with self._lock():
            self.dir.mkdir(parents=True, exist_ok=True)  # under the lock: a pruner may just have removed it
            path = self._write(name, blob)
            self._tidy()
            paths = sorted(self.dir.glob(SHARD_GLOB))
            if len(paths) > MAX_SHARDS:
                path = self._merge(paths)
        with contextlib.suppress(OSError):  # best effort, as writing is: the vectors are saved either way
            prune_cache(limit, keep=self.fingerprint, root=self.dir.parent)
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
    """Delete the cached vectors of one encoder fingerprint, or of all encoders (each under its lock: a writer at
    work finishes first)."""
    from recengine.text.encoder import checked_fingerprint

    root = cache_root()
    if fingerprint:
        targets = [root / checked_fingerprint(fingerprint)]  # never a path out of the cache
    else:
        targets = [p for p in root.glob("*") if p.is_dir() and p.name != LOCKS]  # lock files stay, in use or not
    for d in targets:
        if d.name.startswith(TRASH_PREFIX) or not _remove_folder(d, timeout=600):
            shutil.rmtree(d, ignore_errors=True)
    clear_memory()
