"""EASE (Steck 2019): a closed-form item-item linear autoencoder, the strongest simple warm-user baseline.

``B = I - P / diag(P)`` with ``P = (X'X + lambda I)^-1``, then ``score = x B``. Computed with torch so it
runs on the GPU when there is one (float32 there; float64 on CPU, where a 2,000-item inverse takes well
under a second). EASE is cubic in the number of items: past ``max_items`` it refuses and says to use ItemKNN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from recengine.data import Dataset
from recengine.errors import ConfigError
from recengine.models.base import ModelConfig, Recommender
from recengine.models.neighbors import sparse_dense
from recengine.models.profile import Profile


class EASEConfig(ModelConfig):
    """``lam``: L2 regularisation (250-500 suits MovieLens-100K); ``device``: auto, cpu, cuda or mps."""

    lam: float = 300.0
    device: str = "auto"
    max_items: int = 40_000


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

    X = sp.csr_matrix(X, dtype=np.float64)
    gram = (X.T @ X).toarray()
    dtype = torch.float64 if device == "cpu" else torch.float32
    G = torch.as_tensor(gram, dtype=dtype, device=device)
    G += lam * torch.eye(G.shape[0], dtype=dtype, device=device)
    P = torch.linalg.inv(G)
    B = -P / torch.diagonal(P)[None, :]
    B.fill_diagonal_(0.0)
    return B.to(torch.float32).cpu().numpy()


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
        if dataset.n_items > self.config.max_items:
            raise ConfigError(
                f"EASE inverts an items x items matrix; {dataset.n_items} items is more than max_items="
                f"{self.config.max_items}. Use ItemKNN for a catalogue this large."
            )
        self.device = resolve_device(self.config.device)
        # Row-major: profiles gather rows of B, and scipy's sparse @ dense copies a column-major operand.
        self.B = np.ascontiguousarray(ease_weights(dataset.matrix, self.config.lam, self.device))
        self._cold = dataset.cold_item_mask.copy()

    def _score(self, profiles: list[Profile], X: sp.csr_matrix) -> np.ndarray:
        out = sparse_dense(X, self.B)
        out[:, self._cold] = np.nan
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return {"B": self.B, "cold": self._cold}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Any) -> None:
        self.B, self._cold = np.ascontiguousarray(arrays["B"]), arrays["cold"].astype(bool)
