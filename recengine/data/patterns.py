"""Regular expressions over a column of text, run by Python's ``re`` whatever the pandas version.

``Series.str.match`` and ``Series.str.extract`` take a compiled pattern differently from one pandas release to the
next: pandas 3.0 refuses one compiled with a flag such as ``re.IGNORECASE`` ("Cannot pass flags that do not match
pat.flags"), 3.1 takes it; and where strings are stored by pyarrow, 3.0 hands a pattern to RE2, whose ``\\w`` and
``\\W`` know ASCII alone (a column of Chinese captions read as holding no letter, so no text column was found). The
readers' patterns are Python's (look-arounds, letters of any script), so they run here, cell by cell, as they were
written and tested.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd


def _cells(text: pd.Series) -> list[object]:
    return text.astype(object).tolist()


def _hits(text: pd.Series, find: Callable[[str], re.Match[str] | None]) -> pd.Series:
    """Whether ``find`` (a pattern's ``match`` or ``search``) finds something in each cell; a missing cell: no."""
    hits = [isinstance(v, str) and find(v) is not None for v in _cells(text)]
    return pd.Series(np.array(hits, dtype=bool), index=text.index)


def match(text: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """Whether each cell starts with a match of ``pattern``, as ``str.match``; a missing cell does not match.

    >>> match(pd.Series(["http://a.b", "title", None]), re.compile(r"[a-z]+://", re.IGNORECASE)).tolist()
    [True, False, False]
    """
    return _hits(text, pattern.match)


def search(text: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """Whether each cell holds a match of ``pattern`` anywhere, as ``str.contains``; a missing cell does not.

    >>> search(pd.Series(["猫咪在窗边", "2024 12", None]), re.compile(r"[^\\W\\d_]")).tolist()
    [True, False, False]
    """
    return _hits(text, pattern.search)


def extract(text: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """The first group of ``pattern``'s first match in each cell (the whole match where it has no group), as
    ``str.extract(pattern, expand=False)``; NaN where there is none.

    >>> extract(pd.Series(["Posted May 5, 2011.", "no date", None]), re.compile(r"(\\d{4})")).tolist()
    ['2011', nan, nan]
    """
    out: list[object] = []
    for v in _cells(text):
        found = pattern.search(v) if isinstance(v, str) else None
        out.append(np.nan if found is None else found.group(1 if pattern.groups else 0))
    return pd.Series(out, index=text.index, dtype=object)
