"""The Recommender base class: public ``fit`` / ``score`` / ``recommend`` do the shared work once.

Validation, id mapping, the "not fitted" error, exclusion of seen and disliked items, candidate
filtering, ranking and saving live here; each model fills two small hooks, ``_fit`` and ``_score``
(RecTools' template). Models save as a folder with ``model.json`` (name, typed config) and
``arrays.npz`` (numpy arrays, loaded with ``allow_pickle=False``), so no pickle is ever read.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
import pydantic
import scipy.sparse as sp

from recengine.columns import Columns
from recengine.data import Dataset, IdMap
from recengine.display import one_line
from recengine.errors import ConfigError, ModelError, NotFittedError, settings_error
from recengine.models.profile import Profile

if TYPE_CHECKING:  # the progress(done, total, message) callback embedding takes, not an import of the text engine
    from recengine.text.encoder import Progress

FORMAT = "recengine-model"
FORMAT_VERSION = 2  # 2: the content model keeps the category labels of its items
#: Raised when a change to fitting changes what a model learns from the same data and settings, so that a fit
#: kept by :func:`fit_cached` before an upgrade is refitted, not served stale. 2: splits draw from what users did,
#: not their ids (the hybrid's validation data changed). 3: the content model keeps its item texts' words (a request in
#: their words is no guess), and each level of a category path is a label. 4: the hybrid's item age reads an items
#: file's dates (published, release_date) where it has no year column.
FIT_VERSION = 4
MODELS: dict[str, type[Recommender]] = {}
#: The column of a list that says how far a request's category labels ranked the item: the share of the labels the
#: request asks for that it holds, less 2 if it holds one the request turns away (see :meth:`Recommender.request_tiers`).
ASKED = "asked"
#: the most of a request a note quotes (a pasted page would fill the screen)
QUOTED_REQUEST = 80


def quoted_request(intent: str) -> str:
    """A request as a note quotes it: “...”, on one line, at most :data:`QUOTED_REQUEST` characters."""
    return f"“{one_line(intent, QUOTED_REQUEST)}”"


def _a(name: object) -> str:
    """``name`` with its article: "an ease", "a hybrid"."""
    return f"{'an' if str(name)[:1].lower() in 'aeiou' else 'a'} {name}"


def _type_name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def settings_section(config_class: type[pydantic.BaseModel], indent: str = "    ", *, with_config: bool = True) -> str:
    """A numpydoc "Parameters" section listing a config's fields: name, type, default and description.

    Written from the fields themselves, so a model's help cannot drift from what it accepts.

    >>> class C(ModelConfig):
    ...     k: int = pydantic.Field(10, ge=1, description="Neighbours kept per item.")
    >>> print(settings_section(C, "", with_config=False))
    Parameters
    ----------
    k : int, default 10
        Neighbours kept per item.
    """
    lines = ["Parameters", "----------"]
    if with_config:
        lines += [f"config : {config_class.__name__} or dict, optional",
                  "    All settings at once (such as a saved model's ``config.model_dump()``); keyword arguments override it."]
    for name, field in config_class.model_fields.items():
        lines.append(f"{name} : {_type_name(field.annotation)}, default {field.default!r}")
        if field.description:
            lines.append(f"    {field.description}")
    return "\n".join(f"{indent}{line}" if line else "" for line in lines)


def with_settings(doc: str | None, section: str) -> str:
    """``doc`` with ``section`` put before its Examples (or at its end); a doc that has a Parameters section keeps it."""
    doc = doc or ""
    if re.search(r"^\s*Parameters\n\s*-{3,}", doc, flags=re.MULTILINE):
        return doc
    found = re.search(r"^[ \t]*Examples\n[ \t]*-{3,}", doc, flags=re.MULTILINE)
    if found:
        return doc[: found.start()] + section.strip("\n") + "\n\n" + doc[found.start():]
    return doc.rstrip() + "\n\n" + section + "\n"


def _doc_indent(doc: str | None) -> str:
    indents = [len(line) - len(line.lstrip()) for line in (doc or "").splitlines()[1:] if line.strip()]
    return " " * min(indents) if indents else ""


class ModelConfig(pydantic.BaseModel):
    """Base of every model's hyperparameters: typed, validated, JSON round-tripping.

    A subclass's docstring lists its fields (name, type, default, description), as ``help()`` shows them.
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        doc = cls.__dict__.get("__doc__")
        if doc and cls.model_fields:
            cls.__doc__ = with_settings(doc, settings_section(cls, _doc_indent(doc), with_config=False))


def as_profiles(profiles: Profile | Iterable[Profile]) -> list[Profile]:
    """One profile or many, as a list (strings are rejected: they are ids, not profiles)."""
    if isinstance(profiles, Profile):
        return [profiles]
    hint = ("build one with Profile.from_user(dataset, user_id), Profile.from_items([...]) or "
            "Profile.from_intent(text).")
    if isinstance(profiles, (pd.DataFrame, pd.Series)):  # iterated, a table gives its column names
        raise ConfigError(f"recommend takes Profile objects, got a {type(profiles).__name__}; {hint} For the users of a "
                          "table, pass [Profile.from_user(dataset, u) for u in table['user_id'].unique()].")
    if isinstance(profiles, (str, bytes, Mapping)) or not isinstance(profiles, Iterable):
        raise ConfigError(f"recommend takes Profile objects, got {type(profiles).__name__}; {hint}")
    out = list(profiles)
    bad = [p for p in out if not isinstance(p, Profile)]
    if bad:
        raise ConfigError(f"recommend takes Profile objects, got a list holding {type(bad[0]).__name__}; {hint}")
    return out


def check_k(k: object, what: str = "recommendations") -> int:
    """``k`` as an int: a whole number of at least 1 (``5`` or ``5.0``), else a ConfigError.

    >>> check_k(5.0)
    5
    """
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) or not float(k).is_integer() or k < 1:
        raise ConfigError(f"k must be a positive whole number of {what}; got {k!r}.")
    return int(k)


def profile_ids(profiles: Sequence[Profile]) -> list[str]:
    """The id each profile gets in a recommendation table: its user id or name, else its
    :attr:`~Profile.content_id` (``profile-`` and a digest of its items and intent), the same in any batch.

    Anonymous profiles with the same content in one batch are told apart by order: the second is
    ``<content_id>-2``, the third ``-3``, so that each profile keeps rows of its own.

    >>> a, b = Profile.from_items(["50"]), Profile.from_items(["1"])
    >>> profile_ids([a, b]) == profile_ids([b, a])[::-1] == [a.content_id, b.content_id]
    True
    >>> profile_ids([a, Profile.from_items(["50"], name="ann"), a])[1:] == ["ann", a.content_id + "-2"]
    True
    """
    ids, seen = [], {}
    for p in profiles:
        if p.id is not None:
            ids.append(p.id)
            continue
        key = p.content_id
        seen[key] = seen.get(key, 0) + 1
        ids.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return ids


def pack_sparse(name: str, m: sp.spmatrix) -> dict[str, np.ndarray]:
    m = sp.csr_matrix(m)
    return {f"{name}.data": m.data, f"{name}.indices": m.indices, f"{name}.indptr": m.indptr, f"{name}.shape": np.asarray(m.shape)}


def unpack_sparse(name: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    shape = tuple(int(x) for x in arrays[f"{name}.shape"])
    return sp.csr_matrix((arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape)


class Recommender(ABC):
    """Base class of every recommender: fit on a :class:`~recengine.data.Dataset`, score :class:`Profile` s.

    Subclasses set ``name`` and ``config_class`` and implement ``_fit(dataset, embeddings, encoder)`` and
    ``_score(profiles, X) -> (n_profiles, n_items)`` where ``X`` is the CSR matrix of the profiles' liked
    weights (unknown item ids already dropped). ``NaN`` marks items a model cannot score (cold items for
    collaborative models); they are never recommended by that model.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import EASE, Profile
    >>> ds = recengine.load_sample("movielens-100k")
    >>> model = EASE(lam=250).fit(ds)
    >>> model.recommend(Profile.from_items(["50", "172"]), k=3)[["item_id", "rank"]].shape
    (3, 2)
    """

    name: ClassVar[str] = "base"
    config_class: ClassVar[type[ModelConfig]] = ModelConfig
    #: whether the model reads item text (and so a typed request); whether it reads the liked items at all
    reads_text: ClassVar[bool] = False
    personalised: ClassVar[bool] = True
    #: whether the model ranks from the liked items alone: a profile with none of them gets no list (not filler)
    needs_history: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Only a class that names itself is registered: a user's subclass of Popularity that keeps the name must
        # not take "popularity" over from the engine's own class (make_model, load).
        if cls.name != "base" and "name" in cls.__dict__:
            MODELS[cls.name] = cls
        # help(EASE) and EASE? show the settings the class takes, from its config's fields
        fields = cls.config_class.model_fields
        params = [inspect.Parameter("config", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)]
        params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=f.annotation)
                   for name, f in fields.items()]
        cls.__signature__ = inspect.Signature(params)
        doc = cls.__dict__.get("__doc__")
        if doc and fields:
            cls.__doc__ = with_settings(doc, settings_section(cls.config_class, _doc_indent(doc)))

    def __init__(self, config: ModelConfig | dict[str, Any] | None = None, **kwargs: Any) -> None:
        base = config.model_dump() if isinstance(config, pydantic.BaseModel) else dict(config or {})
        try:
            self.config = self.config_class(**{**base, **kwargs})
        except pydantic.ValidationError as exc:
            raise settings_error(exc, f"{self.name} setting") from None
        self.item_map: IdMap | None = None
        self.titles: np.ndarray | None = None
        self.warm_mask: np.ndarray | None = None
        self.item_popularity: np.ndarray | None = None
        self.fit_seconds: float | None = None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.model_dump().items())
        return f"{type(self).__name__}({args})"

    # ---- hooks --------------------------------------------------------------------------------
    @abstractmethod
    def _fit(self, dataset: Dataset, embeddings: Any = None, encoder: Any = None) -> None: ...

    @abstractmethod
    def _score(self, profiles: list[Profile], X: sp.csr_matrix) -> np.ndarray: ...

    def _extra_columns(self, profiles: list[Profile], rows: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        """Extra per-row columns for the recommendation table (the hybrid's signals)."""
        return {}

    def _state(self) -> dict[str, np.ndarray]:
        """Fitted arrays to save (besides the item ids, titles and warm mask the base saves)."""
        return {}

    def _set_state(self, arrays: dict[str, np.ndarray], path: Path) -> None:
        """Restore what :meth:`_state` saved."""
        return None

    # ---- public API ---------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return self.item_map is not None

    @property
    def n_items(self) -> int:
        self._check_fitted()
        return len(self.item_map)

    @staticmethod
    def stage_text(done: int, total: int, message: str) -> str:
        """A fit's progress report in words: ``done`` stages of ``total`` are over, so stage ``done + 1`` is under
        way, unless all are ("step 3 of 2: fitted" was shown at the end).

        >>> Recommender.stage_text(0, 2, "learning weights"), Recommender.stage_text(2, 2, "fitted")
        ('step 1 of 2: learning weights', 'fitted')
        """
        return message if total and done >= total else f"step {done + 1} of {total}: {message}"

    def report(self, done: int, total: int, message: str) -> None:
        """Tell the ``progress`` callback given to :meth:`fit`, if any, how far the fit is."""
        if (progress := getattr(self, "_progress", None)) is not None:
            progress(done, total, message)

    def _check_fitted(self) -> None:
        if self.item_map is None:
            raise NotFittedError(f"the {self.name} model is not fitted yet: call fit(dataset) first.")

    def fit(
        self, dataset: Dataset, embeddings: Any = None, encoder: Any = None,
        progress: Progress | None = None,
    ) -> Recommender:
        """Learn from ``dataset`` (and item embeddings for text-based models); returns ``self``.

        ``progress(done, total, message)`` hears of the stages of a fit that has several (the hybrid's validation
        splits, minutes on a large catalogue); a one-step fit says nothing.
        """
        if not isinstance(dataset, Dataset):
            raise ConfigError(f"fit takes a recengine Dataset, got {type(dataset).__name__}.")
        start = time.perf_counter()
        self._progress = progress
        try:
            self._fit(dataset, embeddings=embeddings, encoder=encoder)
        finally:
            self._progress = None
        self.item_map = dataset.item_map
        self.titles = np.asarray(dataset.titles, dtype=object)
        self.warm_mask = ~np.asarray(dataset.cold_item_mask, dtype=bool)
        self.item_popularity = np.asarray(dataset.item_popularity, dtype=np.int64).copy()
        self.fit_seconds = time.perf_counter() - start
        return self

    def profile_matrix(self, profiles: Sequence[Profile]) -> sp.csr_matrix:
        """CSR (n_profiles, n_items) of liked weights; unknown item ids are dropped with one warning."""
        self._check_fitted()
        rows, cols, vals, unknown = [], [], [], []
        for r, p in enumerate(profiles):
            if not p.liked:
                continue
            ids = list(p.liked)
            idx = self.item_map.to_internal(ids)
            ok = idx >= 0
            if not ok.all():
                unknown.extend(i for i, good in zip(ids, ok) if not good)
            rows.append(np.full(int(ok.sum()), r))
            cols.append(idx[ok])
            vals.append(np.fromiter(p.liked.values(), dtype=np.float32, count=len(ids))[ok])
        if unknown:
            # a case or leading-zero slip ("X" for "x", "23" for "0023") is said by name: a Python user saw only the
            # warning, where the command line names the id it meant
            near = {str(u): m[0] for u in unknown[:3] if (m := self.item_map.near(str(u), 1))}
            hint = "; did you mean " + ", ".join(f"{v!r} for {k!r}" for k, v in near.items()) + "?" if near else ""
            warnings.warn(
                f"{len(unknown)} liked item id(s) are not in the catalogue and were ignored (e.g. {unknown[:3]}{hint}).",
                UserWarning,
                stacklevel=3,
            )
        shape = (len(profiles), len(self.item_map))
        if not rows:
            return sp.csr_matrix(shape, dtype=np.float32)
        m = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape, dtype=np.float32)
        m.sum_duplicates()
        return m

    def score(self, profiles: Profile | Iterable[Profile]) -> np.ndarray:
        """Scores (n_profiles, n_items) in the dataset's item order; NaN where the model cannot score.

        Examples
        --------
        >>> import recengine
        >>> from recengine.models import Popularity, Profile
        >>> ds = recengine.load_sample("movielens-100k")
        >>> Popularity().fit(ds).score([Profile.from_items(["1"])]).shape
        (1, 1682)
        """
        return self._checked_score(profiles)

    def _checked_score(self, profiles: Profile | Iterable[Profile], *extra: Any) -> np.ndarray:
        """:meth:`score`'s checks around :meth:`_score`, which gets ``extra`` after the profiles' matrix."""
        profiles = as_profiles(profiles)
        self._check_fitted()
        if not profiles:
            return np.zeros((0, self.n_items), dtype=np.float32)
        return np.asarray(self._score(profiles, self.profile_matrix(profiles), *extra), dtype=np.float32)

    def text_ready(self) -> bool:
        """Whether a typed request can be matched: the model reads text and some item has text."""
        return False

    def profile_notes(self, profile: Profile) -> tuple[list[str], bool]:
        """What this model leaves out of ``profile``, in words for the user, and whether it can use anything in it.

        Examples
        --------
        >>> import recengine
        >>> from recengine.models import EASE, Profile
        >>> notes, usable = EASE().fit(recengine.load_sample("movielens-100k")).profile_notes(Profile.from_intent("jazz"))
        >>> usable, notes[0][:40]
        (False, 'the ease model does not read text, so it')
        """
        self._check_fitted()
        notes: list[str] = []
        known = [i for i in profile.liked if i in self.item_map]
        if profile.intent and not self.text_ready():
            if self.reads_text:
                notes.append(f"no item in this dataset has text, so the request {quoted_request(profile.intent)} cannot be matched")
            else:
                notes.append(f"the {self.name} model does not read text, so it leaves out the request {quoted_request(profile.intent)}; "
                             "choose content or hybrid to use it")
        if profile.intent and self.text_ready() and (weak := self.intent_note(profile.intent)):
            notes.append(weak)
        if not self.personalised and (known or profile.intent):
            notes.append(f"the {self.name} model does not personalise: it ranks the same items for everyone")
        if known and len(known) < len(profile.liked):  # a saved profile that holds another dataset's items too
            away = [str(i) for i in profile.liked if i not in self.item_map]
            notes.append(f"{len(away)} of the {len(profile.liked)} liked items ({', '.join(away[:3])}"
                         + (f" and {len(away) - 3} more" if len(away) > 3 else "")
                         + f") {'is' if len(away) == 1 else 'are'} not in this dataset's catalogue, so "
                         + ("it is" if len(away) == 1 else "they are") + " left out")
        readable = self._readable_history(known)
        if readable and len(readable) < len(known):
            left = [i for i in known if i not in set(readable)]
            names = ", ".join(self._title_of(i) for i in left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
            why = ("no text, and the {m} model reads item text only" if self.reads_text
                   else "no interactions yet (new), and the {m} model learns only from who chose what")
            notes.append(f"{len(left)} of the {len(known)} liked items ({names}) {'has' if len(left) == 1 else 'have'} "
                         + why.format(m=self.name) + (", so it is left out" if len(left) == 1 else ", so they are left out"))
        if known and not readable and self.reads_text:
            notes.append(f"none of the liked items has text, and the {self.name} model reads item text only")
        elif known and not readable:
            notes.append(f"none of the liked items has interactions yet (they are new), and the {self.name} model "
                         "learns only from who chose what; choose content or hybrid, which read item text")
        usable = not self.personalised or bool(readable) or bool(profile.intent and self.text_ready())
        if not usable and not notes and profile.liked:
            notes.append("none of the liked items is in this dataset's catalogue")
        elif not usable and not notes:
            notes.append("the profile has no liked item and no request left (an item both liked and disliked counts as disliked)")
        return notes, usable

    def _title_of(self, item: str) -> str:
        """An item's title for a note to the user (its id where it has none), on one short line."""
        title = str(self.titles[self.item_map.index(item)]) if self.titles is not None else ""
        return f"“{one_line(title, 40)}”" if title.strip() and title != item else f"item {item}"

    def intent_note(self, intent: str) -> str | None:
        """A word for the user about a request this model reads but matches poorly (text models say it), else None."""
        return None

    def intent_labels(self, intent: str) -> list[str]:
        """The catalogue's category labels ``intent`` asks for, which lift the items holding them (text models only)."""
        return []

    def intent_avoided(self, intent: str) -> list[str]:
        """The category labels ``intent`` turns away ("no horror"): the items holding them come last (text models)."""
        return []

    def intent_summary(self, intent: str) -> str | None:
        """How this model reads ``intent``'s category labels, in words ("asks for Sci-Fi: the items holding it come
        first"), or None when it names none (text models only)."""
        return None

    def _readable_history(self, known: list[str]) -> list[str]:
        """The liked items (in the catalogue) that this model can read: for a model that learns from interactions
        only (``needs_history``), those that have some; a new item tells it nothing."""
        if not self.needs_history or self.item_popularity is None or not known:
            return known
        idx = self.item_map.to_internal(known)
        return [i for i, j in zip(known, idx) if j >= 0 and self.item_popularity[j] > 0]

    def exclusion_mask(self, profiles: Sequence[Profile], exclude_seen: bool = True) -> np.ndarray:
        """Boolean (n_profiles, n_items): disliked items always, liked items when ``exclude_seen``."""
        mask = np.zeros((len(profiles), self.n_items), dtype=bool)
        for r, p in enumerate(profiles):
            ids = list(p.disliked) + (list(p.liked) if exclude_seen else [])
            if ids:
                idx = self.item_map.to_internal(ids)
                mask[r, idx[idx >= 0]] = True
        return mask

    def candidate_mask(self, candidates: Iterable[object] | None) -> np.ndarray | None:
        """Boolean (n_items,) of the allowed items, or ``None`` for all."""
        if candidates is None:
            return None
        ids = [candidates] if isinstance(candidates, str) else [str(c) for c in candidates]  # a string is one id
        idx = self.item_map.to_internal(ids)
        if (idx < 0).any():
            warnings.warn(f"{int((idx < 0).sum())} candidate id(s) are not in the catalogue and were ignored.", UserWarning, stacklevel=3)
        mask = np.zeros(self.n_items, dtype=bool)
        mask[idx[idx >= 0]] = True
        return mask

    def recommend(
        self,
        profiles: Profile | Iterable[Profile],
        k: int = 10,
        exclude_seen: bool = True,
        candidates: Iterable[object] | None = None,
    ) -> pd.DataFrame:
        """The top ``k`` items per profile as a long table.

        Returns columns ``user_id`` (the profile's id; for a profile with no user id and no name, its
        ``content_id``, the same whatever the batch: :func:`profile_ids`), ``item_id``, ``score``, ``rank`` (1-based),
        ``title``, plus one column per signal for the hybrid. Items the model cannot score (NaN),
        disliked items and, with ``exclude_seen``, liked items are never returned; ``candidates``
        restricts the ranking to those item ids. Ties are broken by catalogue order, so results are
        deterministic.

        Examples
        --------
        >>> import recengine
        >>> from recengine.models import Popularity, Profile
        >>> ds = recengine.load_sample("movielens-100k")
        >>> Popularity().fit(ds).recommend(Profile.from_items(["50"]), k=2)["title"].tolist()
        ['Contact', 'Fargo']
        """
        profiles = as_profiles(profiles)
        k = check_k(k)
        scores = self.score(profiles)
        blocked = np.isnan(scores) | self.exclusion_mask(profiles, exclude_seen)
        if self.needs_history:  # every score would be 0: a list in catalogue order means nothing
            empty = [not self._readable_history([i for i in p.liked if i in self.item_map]) for p in profiles]
            blocked[empty] = True
            asked = sum(1 for p, e in zip(profiles, empty) if e and p.intent)
            if asked:  # an empty table alone said nothing in a notebook
                warnings.warn(f"{asked} profile(s) with a request and no usable liked item got no list: the {self.name} "
                              "model ranks from liked items; a request needs content or hybrid (profile_notes says "
                              "why for each profile).", UserWarning, stacklevel=2)
        cand = self.candidate_mask(candidates)
        if cand is not None:
            blocked |= ~cand[None, :]
        tiers = self.request_tiers(profiles)
        rows, items, vals = top_k(scores if tiers is None else tiered(scores, blocked, tiers), blocked, int(k))
        if tiers is not None:
            vals = scores[rows, items]
        ids = profile_ids(profiles)
        table = pd.DataFrame(
            {
                Columns.user: np.asarray(ids, dtype=object)[rows],
                Columns.item: self.item_map.to_external(items),
                Columns.score: vals.astype(np.float64),
                Columns.rank: _ranks(rows),
                Columns.title: self.titles[items],
            }
        )
        if tiers is not None:  # after the title, before any model's own columns (the hybrid's signals)
            table[ASKED] = tiers[rows, items].astype(np.float64)
        for name, column in self._extra_columns(profiles, rows, items).items():
            table[name] = column
        return table

    def request_tiers(self, profiles: list[Profile]) -> np.ndarray | None:
        """(n_profiles, n_items) the tier a request's category labels put each item in, or None when no request
        names one: the share of the labels asked for that the item holds, less 2 if it holds a label turned away.
        A list puts the higher tiers first, ordered by score within each ("Kochbuch" with two children's books
        liked: the cookbooks those readers like best, then the rest), as the request's summary says. Text models
        read the labels; the others none."""
        return None

    # ---- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to the folder ``path`` (``model.json`` + ``arrays.npz``, no pickle)."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "model": self.name,
            "config": self.config.model_dump(mode="json"),
            "fit_seconds": self.fit_seconds,
        }
        arrays = {
            "_item_ids": np.asarray(self.item_map.external, dtype=str),
            "_titles": np.asarray([str(t) for t in self.titles], dtype=str),
            "_warm": self.warm_mask,
            "_popularity": self.item_popularity,
            **self._state(),
        }
        np.savez(path / "arrays.npz", **arrays)
        (path / "model.json").write_text(json.dumps(meta, indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Recommender:
        """Read a model saved with :meth:`save` (any model class: the folder says which)."""
        path = Path(path)
        try:
            meta = json.loads((path / "model.json").read_text())
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path} is not a saved recengine model ({exc}).") from None
        if meta.get("format") != FORMAT or int(meta.get("version", 0)) > FORMAT_VERSION:
            raise ModelError(f"{path} holds a model format this recengine cannot read ({meta.get('format')} v{meta.get('version')}).")
        model_cls = MODELS.get(meta.get("model", ""))
        if model_cls is None:
            raise ModelError(f"{path}: unknown model kind {meta.get('model')!r}.")
        if cls is not Recommender and not issubclass(model_cls, cls):
            raise ModelError(f"{path} holds {_a(meta['model'])} model, not {_a(cls.name)} model.")
        model = model_cls(meta["config"])
        with np.load(path / "arrays.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        model.item_map = IdMap(arrays.pop("_item_ids").astype(object))
        model.titles = arrays.pop("_titles").astype(object)
        model.warm_mask = arrays.pop("_warm").astype(bool)
        model.item_popularity = arrays.pop("_popularity").astype(np.int64) if "_popularity" in arrays else None
        model.fit_seconds = meta.get("fit_seconds")
        model._set_state(arrays, path)
        return model


def tiered(scores: np.ndarray, blocked: np.ndarray, tiers: np.ndarray) -> np.ndarray:
    """Scores to rank by: each tier above every lower one in its row, by more than the row's allowed scores span;
    NaN stays NaN.

    >>> tiered(np.array([[3.0, 1.0, 2.0]]), np.zeros((1, 3), dtype=bool), np.array([[0.0, 1.0, 0.0]]))
    array([[3., 4., 2.]])
    """
    allowed = np.where(blocked | ~np.isfinite(scores), np.nan, scores).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row with nothing allowed
        span = np.nanmax(allowed, axis=1) - np.nanmin(allowed, axis=1)
    span = np.where(np.isfinite(span), span, 0.0) + 1.0
    return scores.astype(np.float64) + tiers.astype(np.float64) * span[:, None]


def top_k(scores: np.ndarray, blocked: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, item and score of the ``k`` best allowed entries per row, ordered by row then rank.

    Ties are broken by the lower item index, so the result is deterministic.
    """
    n, m = scores.shape
    work = np.where(blocked, -np.inf, scores).astype(np.float64)
    k = min(k, m)
    if k < m:
        part = np.argpartition(-work, kth=k - 1, axis=1)[:, :k]
        # items tied with the k-th score may sit outside the partition; widen to all ties for determinism
        kth = np.take_along_axis(work, part, axis=1).min(axis=1)
        cand_rows, cand_items = np.nonzero(work >= kth[:, None])
    else:
        cand_rows, cand_items = np.nonzero(np.ones_like(work, dtype=bool))
    cand_scores = work[cand_rows, cand_items]
    order = np.lexsort((cand_items, -cand_scores, cand_rows))
    cand_rows, cand_items, cand_scores = cand_rows[order], cand_items[order], cand_scores[order]
    keep = np.isfinite(cand_scores)
    keep &= _ranks(cand_rows) <= k
    return cand_rows[keep], cand_items[keep], cand_scores[keep]


def _ranks(rows: np.ndarray) -> np.ndarray:
    """1-based position within each run of equal (sorted) row numbers."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
    counts = np.diff(np.r_[starts, len(rows)])
    return np.arange(len(rows)) - np.repeat(starts, counts) + 1


def dataset_fingerprint(dataset: Dataset) -> str:
    """A short hash of a dataset's interactions (user, item) and item table (texts, and the columns that category
    labels come from)."""
    import hashlib

    h = hashlib.sha256()
    inter = dataset.interactions[[Columns.user, Columns.item]]
    h.update(pd.util.hash_pandas_object(inter, index=False).to_numpy().tobytes())
    try:
        h.update(pd.util.hash_pandas_object(dataset.items, index=False).to_numpy().tobytes())
    except TypeError:  # a column of lists or dicts
        h.update(pd.util.hash_pandas_object(dataset.items.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def fit_cached(
    model: Recommender, dataset: Dataset, embeddings: Any = None, encoder: Any = None, cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> Recommender:
    """``model.fit(dataset, ...)``, or the same model loaded from disk when it was fitted before.

    The key covers the data, the model kind and settings, the embeddings' encoder fingerprint and
    :data:`FIT_VERSION`, so a change to any of them (or an upgrade that fits differently) refits. Models live
    under ``$RECENGINE_HOME/fitted``.

    Examples
    --------
    >>> import recengine
    >>> from recengine.models import Popularity
    >>> ds = recengine.load_sample("movielens-100k")
    >>> fit_cached(Popularity(), ds).is_fitted
    True
    """
    import hashlib
    import os
    import shutil
    import tempfile

    from recengine.settings import fitted_limit_bytes, home_dir

    root = Path(cache_dir) if cache_dir else home_dir() / "fitted"
    parts = [FORMAT, str(FORMAT_VERSION), f"fit {FIT_VERSION}", model.name, json.dumps(model.config.model_dump(mode="json"), sort_keys=True),
             dataset_fingerprint(dataset), str(getattr(embeddings, "fingerprint", "") or getattr(encoder, "fingerprint", ""))]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]
    path = root / f"{model.name}-{key}"
    if (path / "model.json").exists():
        try:
            loaded = type(model).load(path)
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: the last to go when the fits outgrow their room
            return loaded
        except (ModelError, OSError, ValueError, KeyError):
            shutil.rmtree(path, ignore_errors=True)
    model.fit(dataset, embeddings=embeddings, encoder=encoder, progress=progress)
    tmp: Path | None = None
    try:  # saving is best-effort, as the embedding cache is: a read-only or full home still gets its results
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        model.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if str(root) not in _UNSAVED_FIT_ROOTS:  # once per folder, not once per model fitted
            _UNSAVED_FIT_ROOTS.add(str(root))
            reason = exc.strerror or type(exc).__name__
            warnings.warn(f"could not save the fitted model under {root} ({reason}); it is used for this run only "
                          "(the next run fits it again). Point RECENGINE_HOME at a folder you can write to, to keep "
                          "fits.", UserWarning, stacklevel=2)
        return model
    prune_fitted(root, fitted_limit_bytes(), keep=path)
    return model


_UNSAVED_FIT_ROOTS: set[str] = set()  # the folders fit_cached has warned it cannot save in


def prune_fitted(root: Path, limit: int, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used fits under ``root`` until the rest take at most ``limit`` bytes; ``keep``
    (the fit just saved) stays whatever its size. Folders half written by a process that died (``.tmp-*``, over
    a day old) go too. A fit that another process is loading as it goes is refitted there. Returns what went.

    Each upgrade that fits differently, each dataset and each setting leaves a fit behind, so without this the
    folder only grows (an EASE fit of 20,000 items alone takes 1.6 GB).
    """
    import shutil

    from recengine.diskcap import prune_least_recent

    removed: list[Path] = []
    fits: list[Path] = []
    try:
        for folder in root.iterdir():
            if not folder.is_dir():
                continue
            if folder.name.startswith(".tmp-"):
                if time.time() - folder.stat().st_mtime > 86_400:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
                continue
            fits.append(folder)
    except OSError:  # another process pruning at once: it finishes the job
        return removed
    return removed + prune_least_recent(fits, limit, keep=keep)
