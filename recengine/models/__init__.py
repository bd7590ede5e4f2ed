"""Recommenders: one Profile for every kind of user, one base class, five models.

``Popularity``, ``ItemKNN`` and ``EASE`` learn from interactions; ``ContentKNN`` from item texts
(embeddings); ``Hybrid`` learns when to trust which. Every model scores :class:`Profile` objects.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recengine.columns import Columns
from recengine.data import Dataset
from recengine.data.dataset import as_dataset
from recengine.errors import ConfigError, DataError
from recengine.models.base import MODELS, ModelConfig, Recommender, check_k
from recengine.models.content import ContentKNN
from recengine.models.ease import EASE
from recengine.models.hybrid import Hybrid
from recengine.models.itemknn import ItemKNN
from recengine.models.popularity import Popularity
from recengine.models.profile import Profile

MODEL_NAMES = ("popularity", "itemknn", "ease", "content", "hybrid")


def make_model(name: str, **config: Any) -> Recommender:
    """A model by name (``popularity``, ``itemknn``, ``ease``, ``content``, ``hybrid``) with its settings.

    Examples
    --------
    >>> make_model("ease", lam=400).config.lam
    400.0
    """
    key = name.strip().lower().replace("-", "").replace("_", "")
    aliases = {"pop": "popularity", "knn": "itemknn", "contentknn": "content"}
    key = aliases.get(key, key)
    if key not in MODELS:
        raise ConfigError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}.")
    return MODELS[key](**config)


def _model_list() -> str:
    lines = ["    Settings by model, with their defaults (``help(recengine.models.EASE)`` says what each means):", ""]
    for name in MODEL_NAMES:
        cls = MODELS[name]
        settings = ", ".join(f"{k}={f.default!r}" for k, f in cls.config_class.model_fields.items())
        lines.append(f"    - ``{name}`` ({cls.__name__}): {settings}")
    return "\n".join(lines) + "\n\n"


make_model.__doc__ = (make_model.__doc__ or "").replace("    Examples\n", _model_list() + "    Examples\n", 1)


#: items, unlike a new item, that ``audience`` adds to every user's history before dividing by its size: on the
#: sample with 30 % of the users cut to one to five items (``benchmarks/audience_quality.py``), such users filled
#: 11.9 % of new items' top-10 audiences with none and 1.7 % with 2, against 1.1 % of the true audiences;
#: precision at 10 rose from 0.315 to 0.341
AUDIENCE_PRIOR = 2


def audience(
    model: Recommender,
    dataset: Dataset,
    text_or_item: str | None = None,
    k: int = 10,
    *,
    item: str | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """The users most likely to want an item: an existing item id, or a brand-new item given by its text.

    Name the item with ``item=`` (an unknown id is an error, never read as a description) or describe a new one
    with ``text=`` (never looked up as an id). ``text_or_item`` takes either: an id when the dataset holds it,
    else a text.

    An existing item with interactions is scored for every user by ``model``; a cold item or a text is
    treated as a new item and scored through the text model (``ContentKNN``, or the hybrid's): a user's
    score sums the similarities of their items to it among its nearest interacted items, divided by the
    square root of the user's history size (a cosine between the history and the item's neighbourhood),
    so that heavy users do not top every audience just for having seen more. The history counts
    :data:`AUDIENCE_PRIOR` more items, unlike the new one, so that a user whose one purchase happens to be
    its nearest neighbour does not top the audience on that one coincidence
    (``benchmarks/audience_quality.py`` measures both).

    Returns columns ``user_id``, ``score``, ``rank``, ``n_items`` (the size of the user's history) and,
    for new items, ``because``: the titles of the user's own items closest to the new one.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import ContentKNN, audience
    >>> ds = recengine.load_sample("movielens-100k")
    >>> model = ContentKNN().fit(ds)
    >>> aud = audience(model, ds, "A space opera with rebels, droids and a galactic empire", k=3)
    >>> aud.columns.tolist(), len(aud)
    (['user_id', 'score', 'rank', 'n_items', 'because'], 3)
    """
    if isinstance(model, Dataset) and isinstance(dataset, Recommender):
        raise ConfigError("audience takes the model first, then the dataset: audience(model, dataset, ...); they were "
                          "given the other way round.")
    if not isinstance(model, Recommender):
        raise ConfigError(f"audience takes a fitted model first (such as ContentKNN().fit(dataset)), then the dataset; "
                          f"got {'None' if model is None else 'a ' + type(model).__name__}.")
    dataset = as_dataset(dataset, "audience")
    k = check_k(k, "users")
    if not model.is_fitted:
        model._check_fitted()
    if len(model.item_map) != dataset.n_items or not np.array_equal(model.item_map.external, dataset.item_map.external):
        raise ConfigError("audience: the model was fitted on a different dataset; fit it on this one first.")
    X = dataset.matrix
    n_items = np.diff(X.indptr)
    given = [v for v in (text_or_item, item, text) if v is not None]
    if len(given) != 1:
        raise ConfigError("audience takes one of an item id (item=) or a new item's description (text=).")
    key = str(given[0]).strip()
    if not key:
        raise ConfigError("audience needs an item id or a description of the new item.")
    if item is not None:
        j = dataset.item_map.index(key)  # unknown: an error naming near ids, never a description
    else:
        j = -1 if text is not None else int(dataset.item_map.to_internal([key])[0])
        if j < 0 and text is None and (near := _near_item(dataset.item_map, key)):
            warnings.warn(f"{key!r} is not an item id (did you mean {' or '.join(repr(n) for n in near)}?); it was read "
                          "as a new item's text. Say which you mean with item= (an id) or text= (a description).",
                          UserWarning, stacklevel=2)
    column = None
    if j >= 0 and not dataset.cold_item_mask[j]:
        users = dataset.user_map.external
        profiles = [Profile(liked=dict.fromkeys(dataset.item_map.external[X.indices[X.indptr[r] : X.indptr[r + 1]]], 1.0), user_id=u) for r, u in enumerate(users)]
        scores = np.concatenate([model.score(profiles[i : i + 256])[:, j] for i in range(0, len(profiles), 256)])
        if model.warm_mask is not None and not model.warm_mask[j] and not np.isfinite(scores).any():
            raise ConfigError(
                f"the {model.name} model was fitted when item {key!r} had no interactions (on a split's training "
                "data?), so it cannot score it for anyone: fit it on this dataset (model.fit(dataset)), or ask for "
                "the audience by the item's text (text=...) with the content or hybrid model."
            )
        scores[X[:, j].toarray().ravel() > 0] = np.nan
    else:
        content = model if isinstance(model, ContentKNN) else getattr(model, "content", None)
        if content is None:
            raise ConfigError(f"audience for a new item needs a text-based model (content or hybrid), not {model.name}.")
        if not content.text_ready():
            raise DataError(
                f"{dataset.name}: no item has text, so a new item cannot be placed by its text. Load an items file "
                "with titles or descriptions."
            )
        if j >= 0 and not content.has_text[j]:
            raise DataError(
                f"{dataset.name}: item {key!r} has no interactions and no text, so nothing places it near anyone. Give "
                "it a title or description in the items file, or describe it as a new item."
            )
        vector = content.vectors[j] if j >= 0 else content.embed_queries([key])[0]
        column = content.new_item_column(vector)
        scores = np.asarray(X @ column).ravel() / np.sqrt(n_items + AUDIENCE_PRIOR)
        scores[(n_items == 0) | (scores <= 0)] = np.nan  # nothing of theirs is near it: not an audience
    order = np.lexsort((np.arange(len(scores)), -np.nan_to_num(scores, nan=-np.inf)))
    order = [i for i in order if np.isfinite(scores[i])][: int(k)]
    out = pd.DataFrame(
        {
            Columns.user: dataset.user_map.external[order],
            Columns.score: scores[order].astype(np.float64),
            Columns.rank: np.arange(1, len(order) + 1),
            "n_items": n_items[order].astype(np.int64),
        }
    )
    if column is not None:
        out["because"] = [_closest_titles(dataset, X, column, r) for r in order]
    return out


#: letters typed for the digits they look like ("5O" for "50", "l2" for "12")
_LOOKALIKE = str.maketrans("OoIl", "0011")
#: the longest string without spaces that may be a mistyped item id rather than a new item's text
SHORT_KEY = 12


def _near_item(item_map: Any, key: str, limit: int = 3) -> list[str]:
    """Item ids that a short string without spaces may be a typo of: written alike (:meth:`IdMap.near`: case,
    leading zeros), a letter for the digit it looks like, or one character off. None for a longer text.

    >>> from recengine.data import IdMap
    >>> ids = IdMap.from_values(["50", "172", "b0042"])
    >>> _near_item(ids, "5O"), _near_item(ids, "17"), _near_item(ids, "B0042"), _near_item(ids, "space opera")
    (['50'], ['172'], ['b0042'], [])
    """
    if not key or len(key) > SHORT_KEY or any(ch.isspace() for ch in key):
        return []
    if near := item_map.near(key, limit):
        return near
    if (swapped := key.translate(_LOOKALIKE)) != key and swapped in item_map:
        return [swapped]
    alphabet = set(key) | set("0123456789")
    edits = {key[:i] + key[i + 1 :] for i in range(len(key))}  # one left out, two swapped, one wrong, one extra
    edits |= {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
    edits |= {key[:i] + c + key[i + 1 :] for i in range(len(key)) for c in alphabet}
    edits |= {key[:i] + c + key[i:] for i in range(len(key) + 1) for c in alphabet}
    edits.discard(key)
    return sorted(e for e in edits if e in item_map)[:limit]


def _closest_titles(dataset: Dataset, X: sp.csr_matrix, column: np.ndarray, row: int, n: int = 2) -> str:
    items = X.indices[X.indptr[row] : X.indptr[row + 1]]
    items = items[column[items] > 0]
    ranked = items[np.argsort(-column[items], kind="stable")]
    return ", ".join(list(dict.fromkeys(str(t) for t in dataset.titles[ranked]))[:n])


__all__ = ["AUDIENCE_PRIOR", "EASE", "ContentKNN", "Hybrid", "MODELS", "MODEL_NAMES", "ItemKNN", "ModelConfig", "Popularity", "Profile", "Recommender", "audience", "make_model"]
