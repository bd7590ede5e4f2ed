"""Cached wrappers around the engine: one encoder per name, one embedding table and one fitted model per dataset.

Encoders and fitted models are shared resources (``st.cache_resource``); tables of results are data
(``st.cache_data``). Arguments that cannot be hashed are prefixed ``_`` and paired with a key that
identifies them (the dataset key, the encoder fingerprint). No algorithm lives here: each function
calls one engine function.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

Progress = Callable[[int, int, str], None]


@st.cache_resource(show_spinner=False)
def device_label(choice: str = "auto") -> str:
    """The device the encoder runs on, in words ("GPU (NVIDIA H100)", "Apple GPU (MPS)", "CPU")."""
    import torch

    if choice not in ("auto", "cuda") and not choice.startswith("cuda"):
        return "Apple GPU (MPS)" if choice == "mps" else "CPU"
    if torch.cuda.is_available():
        return f"GPU ({torch.cuda.get_device_name(0)})"
    if choice == "auto" and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "Apple GPU (MPS)"
    return "CPU"


def progress_callback(label: str) -> tuple[Progress, Callable[[], None]]:
    """A ``progress(done, total, message)`` callback drawn as a Streamlit progress bar, and a closer."""
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int, message: str = "") -> None:
        frac = 0.0 if total <= 0 else min(1.0, max(0.0, done / total))
        bar.progress(frac, text=f"{label} — {message}" if message else f"{label} ({done:,}/{total:,})")

    return update, bar.empty


@st.cache_data(show_spinner=False, max_entries=8)
def table_columns(data: bytes, name: str, role: str) -> tuple[list[str], dict[str, str | None]]:
    """The columns of an uploaded file and the roles the engine would guess for them (None: no guess)."""
    from recengine.data import read_table
    from recengine.data.validate import ROLES, find_column
    from recengine.errors import DataError

    tbl = read_table(data, default_name=name)
    guesses: dict[str, str | None] = {}
    for r in ROLES:
        try:
            guesses[r] = find_column(tbl, r, None, required=False)
        except DataError:
            guesses[r] = None
    return [str(c) for c in tbl.frame.columns], guesses
