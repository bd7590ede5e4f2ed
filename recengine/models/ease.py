"""EASE (Steck 2019): a closed-form item-item linear autoencoder, the strongest simple warm-user baseline.

``B = I - P / diag(P)`` with ``P = (X'X + lambda I)^-1``, then ``score = x B``. Computed with torch so it
runs on the GPU when there is one (float32 there; on CPU float64 up to :data:`EXACT_ITEMS` items, where a
2,000-item inverse takes well under a second, and float32 above, which halves the memory and the time). The
inverse goes through a Cholesky factor (the matrix is symmetric positive definite): twice as fast as a general one.
EASE is cubic in the number of items and keeps about three items x items matrices at its peak: past
``max_items``, or when that peak would not fit in the memory free on the device, it refuses before it starts
and says to use ItemKNN (:func:`ease_fits` tells without trying; the hybrid uses it to leave EASE out).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pydantic
import scipy.sparse as sp

from recengine.data import Dataset
from recengine.errors import ConfigError
from recengine.models.base import ModelConfig, Recommender
from recengine.models.neighbors import sparse_dense
from recengine.models.profile import Profile


class EASEConfig(ModelConfig):
    """Settings of :class:`EASE`."""

    # lam: 0 leaves X'X singular, below 0 ranks nonsense
    lam: float = pydantic.Field(300.0, gt=0, allow_inf_nan=False,
                                description="L2 regularisation, above 0 (250-500 suits MovieLens-100K).")
    device: str = pydantic.Field("auto", description="Where the item x item inversion runs: auto, cpu, cuda or mps.")
    max_items: int = pydantic.Field(20_000, ge=1, description="The largest catalogue EASE takes (its memory grows "
                                    "with the square of the items, its time with the cube); use ItemKNN beyond.")


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> cuda when available, else mps, else cpu; an explicit choice is checked.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    import torch

    device = (device or "auto").lower()
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but no CUDA GPU is available; use --device cpu or auto.")
    if device == "mps" and not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
        raise ConfigError("device 'mps' was requested but Apple MPS is not available; use cpu or auto.")
    if not (device == "cpu" or device == "mps" or device.startswith("cuda")):
        raise ConfigError(f"unknown device {device!r}; choose auto, cpu, cuda or mps.")
    return device


# On CPU, up to this many items the inverse is taken in float64 (the published MovieLens figures); above, float32.
EXACT_ITEMS = 5_000


def _dtype_bytes(n_items: int, device: str) -> int:
    return 8 if device == "cpu" and n_items <= EXACT_ITEMS else 4


def ease_memory_bytes(n_items: int, device: str = "cpu") -> int:
    """Peak memory of :func:`ease_weights` for ``n_items`` items: three items x items matrices, plus the float32
    result when the work is in float64.

    >>> round(ease_memory_bytes(10_000) / 1e9, 1)
    1.2
    """
    size = _dtype_bytes(n_items, device)
    return int(n_items) ** 2 * (3 * size + (4 if size == 8 else 0))


def free_memory_bytes(device: str = "cpu") -> int | None:
    """Memory free for a new allocation on ``device`` (None when it cannot be told)."""
    try:
        if device.startswith("cuda"):
            import torch

            return int(torch.cuda.mem_get_info(torch.device(device))[0])
        if device == "cpu":
            import psutil

            return int(psutil.virtual_memory().available)
    except Exception:  # no psutil, or a driver that cannot say: fall back to max_items alone
        return None
    return None


def ease_fits(n_items: int, device: str = "cpu", max_items: int = EASEConfig.model_fields["max_items"].default) -> str | None:
    """Why EASE cannot be fitted on ``n_items`` items here (a sentence for the user), or None when it can.

    >>> ease_fits(1_682) is None
    True
    >>> ease_fits(50_000).split(";")[0]
    'EASE inverts an items x items matrix, and 50,000 items is more than the 20,000 it is set to take'
    """
    need = ease_memory_bytes(n_items, device)
    if n_items > max_items:
        return (f"EASE inverts an items x items matrix, and {n_items:,} items is more than the {max_items:,} it is set to "
                f"take; it would need about {need / 1e9:.1f} GB of memory and a long time. Use ItemKNN for a catalogue "
                "this large (or raise max_items if you have the memory and the time; in the CLI: --model itemknn; in "
                "the app: Model: itemknn).")
    free = free_memory_bytes(device)
    if free is not None and need > 0.8 * free:
        return (f"EASE on {n_items:,} items needs about {need / 1e9:.1f} GB of memory on {device}, and only "
                f"{free / 1e9:.1f} GB is free. Use ItemKNN (in the CLI: --model itemknn; in the app: Model: itemknn), or "
                "free some memory.")
    return None


def spd_inverse(G: Any) -> Any:
    """The inverse of a symmetric positive definite torch matrix, through its Cholesky factor: half the work of
    ``torch.linalg.inv``'s LU (``benchmarks/ease_fit.py``). ``X'X + lambda I`` is positive definite for any
    ``lambda > 0``; should rounding say otherwise (a tiny lambda in float32), or the device have no Cholesky
    kernel, the general inverse is used.

    >>> import torch
    >>> G = torch.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=torch.float64)
    >>> spd_inverse(G).mul(8).round().tolist()
    [[3.0, -2.0], [-2.0, 4.0]]
    """
    import torch

    try:
        L, info = torch.linalg.cholesky_ex(G)
    except (NotImplementedError, RuntimeError):  # a backend without a Cholesky kernel (some MPS builds)
        return torch.linalg.inv(G)
    if int(info) != 0:
        del L
        return torch.linalg.inv(G)
    P = torch.cholesky_inverse(L)
    del L
    return P


def ease_weights(X: sp.spmatrix, lam: float, device: str = "cpu") -> np.ndarray:
    """The EASE item-item weight matrix ``B`` (float32, zero diagonal) for a users x items matrix ``X``.

    Examples
    --------
    >>> X = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float32))
    >>> B = ease_weights(X, lam=1.0)
    >>> bool(B[0, 1] > 0.5), abs(float(B[0, 2])), float(B[1, 1])
    (True, 0.0, 0.0)
    """
    import torch

    exact = _dtype_bytes(X.shape[1], device) == 8
    X = sp.csr_matrix(X, dtype=np.float64 if exact else np.float32)
    G = torch.as_tensor((X.T @ X).toarray(), device=device)  # shares the numpy buffer on CPU: one matrix, not two
    G.diagonal().add_(lam)
    P = spd_inverse(G)
    del G
    P.div_(-torch.diagonal(P).clone()[None, :])  # B = -P / diag(P), in place
    P.fill_diagonal_(0.0)
    return P.to(torch.float32).cpu().numpy()


class EASE(Recommender):
    """Embarrassingly shallow autoencoder; cold items (no interactions) get NaN.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import EASE, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> model = EASE().fit(ds)
    >>> model.score(Profile.from_user(ds, "1")).shape
    (1, 1682)
    """

    name = "ease"
    needs_history = True
    config_class = EASEConfig

    def _fit(self, dataset: Dataset, embeddings: Any = None, encoder: Any = None) -> None:
        self.device = resolve_device(self.config.device)
        why = self.fit_problem(dataset.n_items)
        if why:
            raise ConfigError(why)
        # Row-major: profiles gather rows of B, and scipy's sparse @ dense copies a column-major operand.
        self.B = np.ascontiguousarray(ease_weights(dataset.matrix, self.config.lam, self.device))
        self._cold = dataset.cold_item_mask.copy()

    def fit_problem(self, n_items: int) -> str | None:
        """Why this EASE (its device and ``max_items``) cannot be fitted on ``n_items`` items, or None (:func:`ease_fits`)."""
        return ease_fits(n_items, resolve_device(self.config.device), self.config.max_items)

    def _score(self, profiles: list[Profile], X: sp.csr_matrix) -> np.ndarray:
        out = sparse_dense(X, self.B)
        out[:, self._cold] = np.nan
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return {"B": self.B, "cold": self._cold}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Any) -> None:
        self.B, self._cold = np.ascontiguousarray(arrays["B"]), arrays["cold"].astype(bool)
