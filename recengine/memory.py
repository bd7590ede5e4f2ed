"""How much memory a Python object holds: its arrays, tables and tensors, found by walking what it refers to.

The app keeps fitted models, embeddings and results for every visitor to share. Counted in entries, twelve
hybrids on a 20,000-item catalogue held about 26 GB; counted in bytes (:func:`footprint`), they are kept under a
budget instead. The walk counts what dominates a recommender's memory (numpy arrays, scipy sparse matrices, pandas
frames, torch tensors, strings) and leaves out what ``shared`` names: objects owned elsewhere (a dataset that many
models point to, a loaded encoder), which would otherwise be counted once per model.
"""

from __future__ import annotations

import mmap
import sys
from collections.abc import Iterable

#: Stop after this many objects: a value made of millions of small Python objects is rare here, and walking it
#: all would cost more than it saves. What was seen so far is returned (a lower bound).
MAX_OBJECTS = 200_000

#: Per-cell guess for a text column's values beyond the pointer pandas counts (``deep=True`` reads every string,
#: seconds on millions of rows).
_OBJECT_CELL_BYTES = 48


def _owner(arr):
    """The array that owns ``arr``'s memory (a view's base), or None when a file mapping or foreign buffer does."""
    import numpy as np

    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    if arr.base is None:
        return arr
    return None if isinstance(arr.base, mmap.mmap) else arr  # a memory map is the page cache's, not ours


def _frame_bytes(obj) -> int:
    """A pandas frame's, series' or index's bytes: its columns, plus a guess for the text behind object cells."""
    usage = obj.memory_usage(index=True, deep=False) if hasattr(obj, "columns") else obj.memory_usage(deep=False)
    total = int(usage.sum()) if hasattr(usage, "sum") else int(usage)
    dtypes = obj.dtypes if hasattr(obj, "columns") else [obj.dtype]
    cells = len(obj) * sum(1 for d in dtypes if getattr(d, "kind", "") == "O")
    return total + cells * _OBJECT_CELL_BYTES


def footprint(obj: object, shared: Iterable[type] = ()) -> int:
    """Bytes held by ``obj`` and what it refers to (each array counted once, even when several objects share it).

    Instances of the ``shared`` types are not entered. Memory-mapped arrays count nothing (the operating system
    can drop their pages), and a view counts its whole base array once.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros(1000, dtype=np.float32)
    >>> footprint({"a": a, "view": a[:10], "again": [a]})
    4000
    >>> class Model:
    ...     def __init__(self, big):
    ...         self.big, self.small = big, np.ones(250)
    >>> footprint(Model(a)), footprint(Model(a), shared=[np.ndarray])
    (6000, 0)
    """
    import numpy as np

    shared = tuple(shared)
    pandas = sys.modules.get("pandas")
    frames = (pandas.DataFrame, pandas.Series, pandas.Index) if pandas is not None else ()
    torch = sys.modules.get("torch")
    tensor = torch.Tensor if torch is not None else ()
    seen: set[int] = set()
    total = 0
    stack = [obj]
    visited = 0
    while stack and visited < MAX_OBJECTS:
        o = stack.pop()
        if id(o) in seen or o is None or isinstance(o, (bool, int, float, complex, type)):
            continue
        seen.add(id(o))
        visited += 1
        if shared and isinstance(o, shared):
            continue
        if isinstance(o, np.ndarray):
            owner = _owner(o)
            if owner is not None and (owner is o or id(owner) not in seen):  # a view: its base, once
                seen.add(id(owner))
                total += owner.nbytes
            continue
        if frames and isinstance(o, frames):
            total += _frame_bytes(o)
            continue
        if tensor and isinstance(o, tensor):
            total += o.nelement() * o.element_size()
            continue
        if isinstance(o, (str, bytes, bytearray)):
            total += sys.getsizeof(o)
            continue
        if isinstance(o, dict):
            stack.extend(o.values())  # keys are names or ids, also held elsewhere as values
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        else:
            attrs = getattr(o, "__dict__", None)
            if isinstance(attrs, dict):
                stack.extend(attrs.values())
            for cls in type(o).__mro__:
                slots = cls.__dict__.get("__slots__", ())
                for slot in (slots,) if isinstance(slots, str) else slots:
                    if slot not in ("__dict__", "__weakref__"):
                        stack.append(getattr(o, slot, None))
    return total
