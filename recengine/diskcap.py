"""Keep a folder of caches under a size: whole entries go, least recently used first.

The saved model fits (``fitted/``) and the embedding cache (``embeddings/``) both keep one folder per key, marked
used by its modification time; :func:`prune_least_recent` is what they share.
"""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable, Iterable
from pathlib import Path


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``; what vanishes while it is counted (another process removing it) counts
    nothing."""
    total = 0
    try:
        for f in folder.rglob("*"):
            try:
                st = f.stat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    except OSError:
        pass
    return total


def _rmtree(folder: Path) -> bool:
    shutil.rmtree(folder, ignore_errors=True)
    return True


def prune_least_recent(
    folders: Iterable[Path], limit: int, keep: Path | None = None, remove: Callable[[Path], bool] = _rmtree
) -> list[Path]:
    """Remove the least recently used of ``folders`` (oldest modification time first) until the rest take at most
    ``limit`` bytes; ``keep`` stays whatever its size. Returns what went.

    ``remove`` deletes one folder and says whether its bytes are gone (default: ``shutil.rmtree``, errors ignored);
    one it leaves (busy) still counts, and the next oldest goes instead. A folder that vanishes before it is
    measured (another process pruning at once) counts nothing.

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())
    >>> for age, name in enumerate(["new", "old"]):
    ...     (root / name).mkdir(); _ = (root / name / "f").write_bytes(b"x" * 10)
    ...     os.utime(root / name, (1e9 - age, 1e9 - age))
    >>> [p.name for p in prune_least_recent(root.iterdir(), limit=15)], [p.name for p in root.iterdir()]
    (['old'], ['new'])
    >>> shutil.rmtree(root)
    """
    sized: list[tuple[float, int, Path]] = []
    for folder in folders:
        try:
            mtime = folder.stat().st_mtime
        except OSError:
            continue
        sized.append((mtime, folder_bytes(folder), folder))
    total = sum(n for _, n, _ in sized)
    removed: list[Path] = []
    for _, n, folder in sorted(sized, key=lambda f: f[0]):
        if total <= limit:
            break
        if keep is not None and folder == keep:
            continue
        if remove(folder):
            removed.append(folder)
            total -= n
    return removed
