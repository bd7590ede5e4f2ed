"""Profile: what the engine knows about one person right now, the input every recommender scores.

A known user, a brand-new user with two liked items, a visitor who only typed a sentence, and a live
like or dislike in the app are all profiles, so they share one scoring path.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from recengine.data import Dataset
from recengine.data.dataset import as_dataset
from recengine.errors import ConfigError, DataError, UnknownIdError

#: how many liked or rejected ids a profile's repr shows before "..."
REPR_ITEMS = 5


def _is_one_id(value: object) -> bool:
    """A single id (a string, a number), not a collection of them."""
    import numbers

    return isinstance(value, (str, bytes, numbers.Number))


def _one_id(item_id: object, verb: str) -> str:
    """``item_id`` as the string a profile keeps; a :class:`ConfigError` for a list (or anything else) of ids.

    >>> _one_id(["1", "2"], "like")
    Traceback (most recent call last):
    ...
    recengine.errors.ConfigError: Profile.like takes one item id at a time; got a list of 2. Call like once per id, or build the profile with Profile.from_items([...]).
    """
    if _is_one_id(item_id):
        return str(item_id)
    try:
        got = f"a {type(item_id).__name__} of {len(item_id)}"  # type: ignore[arg-type]
    except TypeError:
        got = "None" if item_id is None else f"a {type(item_id).__name__}"
    build = "Profile.from_items([...], disliked=[...])" if verb == "dislike" else "Profile.from_items([...])"
    raise ConfigError(f"Profile.{verb} takes one item id at a time; got {got}. Call {verb} once per id, or build "
                      f"the profile with {build}.")


def _weights(liked: object) -> Mapping[object, object]:
    """``liked`` as given to :class:`Profile`: a mapping of weights, a list of ids (weight 1 each) or one id."""
    if isinstance(liked, Mapping):
        return liked
    if _is_one_id(liked):
        return {liked: 1.0}
    return dict.fromkeys(liked, 1.0)  # type: ignore[call-overload]  # a list of ids, not dict()'s (key, value) pairs


@dataclass(frozen=True)
class Profile:
    """Liked items (with weights), rejected items and an optional sentence of intent.

    Profiles are immutable: :meth:`like`, :meth:`dislike`, :meth:`without` and :meth:`with_intent`
    return new profiles.

    Parameters
    ----------
    liked
        Item id -> weight (1.0 for a plain interaction); a list of item ids gives each weight 1.0.
    disliked
        Item ids the person rejected; never recommended.
    intent
        Free text such as ``"a slow-burning sci-fi film about loneliness"``.
    user_id
        The dataset user this profile was read from, if any.
    name
        A display name (used as the profile's id when there is no ``user_id``).
    chosen
        The liked items read from the dataset's record of the person (:meth:`from_user`): what they chose, whatever
        they made of it (a one-star rating, a view, a shelving is an interaction all the same). A reason says "you
        chose" them, and "you liked" only the items liked outright. Only ids in ``liked`` are kept.

    Examples
    --------
    >>> p = Profile.from_items(["1", "50"], name="new visitor").like("181").dislike("50")
    >>> sorted(p.liked), sorted(p.disliked)
    (['1', '181'], ['50'])
    >>> Profile.from_dict(p.to_dict()) == p
    True
    """

    liked: Mapping[str, float] = field(default_factory=dict)
    disliked: frozenset[str] = frozenset()
    intent: str | None = None
    user_id: str | None = None
    name: str | None = None
    chosen: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        try:
            liked = {str(k): float(v) for k, v in _weights(self.liked).items()}
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"a profile's liked items map item ids to numeric weights ({exc}); "
                              "Profile.from_items([...]) takes plain item ids.") from None
        bad = [k for k, v in liked.items() if not math.isfinite(v) or v <= 0]
        if bad:
            raise ConfigError(f"liked item {bad[0]!r} has weight {liked[bad[0]]}; weights must be finite and above 0 "
                              "(dislike an item instead of giving it a weight of 0 or less).")
        object.__setattr__(self, "liked", liked)
        disliked = [self.disliked] if isinstance(self.disliked, str) else self.disliked  # one id, not its characters
        object.__setattr__(self, "disliked", frozenset(str(i) for i in disliked))
        intent = self.intent.strip() if isinstance(self.intent, str) else None
        object.__setattr__(self, "intent", intent or None)
        if self.user_id is not None:
            object.__setattr__(self, "user_id", str(self.user_id))
        chosen = [self.chosen] if isinstance(self.chosen, str) else self.chosen
        object.__setattr__(self, "chosen", frozenset(str(i) for i in chosen).intersection(liked))

    def __repr__(self) -> str:
        """One line however long the profile: its id, how many items it likes and rejects (the first few), its intent."""
        def few(ids: Iterable[str]) -> str:
            ids = list(ids)
            shown = ", ".join(repr(i) for i in ids[:REPR_ITEMS])
            return f"{len(ids)} [{shown}{', ...' if len(ids) > REPR_ITEMS else ''}]"

        intent = self.intent if self.intent is None or len(self.intent) <= 60 else self.intent[:57] + "..."
        who = f"user_id={self.user_id!r}" if self.user_id is not None else f"name={self.name!r}"
        return f"Profile({who}, liked={few(self.liked)}, disliked={few(sorted(self.disliked))}, intent={intent!r})"

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.liked.items())), self.disliked, self.intent, self.user_id, self.name, self.chosen))

    # ---- constructors -------------------------------------------------------------------------
    @classmethod
    def from_user(cls, dataset: Dataset, user_id: object, name: str | None = None) -> Profile:
        """The profile of a known user: every item they interacted with, weight 1 (implicit feedback), all of them
        :attr:`chosen` (a reason says "you chose" them, not "you liked": a one-star rating is an interaction too).

        Raises :class:`~recengine.errors.UnknownIdError` when the dataset has no such user.

        Examples
        --------
        >>> import recengine
        >>> ds = recengine.load_sample("movielens-100k")
        >>> len(Profile.from_user(ds, "196").liked)
        39
        """
        if isinstance(user_id, Dataset) and not isinstance(dataset, Dataset):
            raise ConfigError("Profile.from_user(dataset, user_id): the dataset comes first, then the user id.")
        dataset = as_dataset(dataset, "Profile.from_user")
        try:
            ids = dataset.user_items(user_id)
        except UnknownIdError as exc:
            if not dataset.options.get("hash_user_ids"):
                raise
            hashed = _hashed_here(dataset, str(user_id))
            if hashed is None:
                raise UnknownIdError(f"{exc.args[0]} The user ids of this dataset were hashed as it loaded: use the hashed "
                                     "id (as recommendations and audiences print it), or load it without hashing.") from None
            user_id, ids = hashed, dataset.user_items(hashed)
        liked = dict.fromkeys((str(i) for i in ids), 1.0)
        return cls(liked=liked, user_id=str(user_id), name=name, chosen=frozenset(liked))

    @classmethod
    def from_items(
        cls,
        item_ids: Iterable[object] | Mapping[str, float],
        disliked: Iterable[object] = (),
        intent: str | None = None,
        user_id: str | None = None,
        name: str | None = None,
    ) -> Profile:
        """A profile from liked item ids (or an ``{item_id: weight}`` mapping).

        Examples
        --------
        >>> Profile.from_items({"1": 2.0, "7": 1.0}).liked
        {'1': 2.0, '7': 1.0}
        """
        if isinstance(item_ids, Mapping):
            liked = dict(item_ids)  # weights are checked by the constructor
        elif _is_one_id(item_ids):
            liked = {str(item_ids): 1.0}
        else:
            try:
                liked = dict.fromkeys((str(i) for i in item_ids), 1.0)  # type: ignore[union-attr]
            except TypeError:
                raise ConfigError(f"Profile.from_items takes a list of item ids or an {{item_id: weight}} mapping; got "
                                  f"{type(item_ids).__name__}.") from None
        return cls(liked=liked, disliked=disliked, intent=intent, user_id=user_id, name=name)

    @classmethod
    def from_intent(cls, text: str, name: str | None = None) -> Profile:
        """An intent-only profile: a visitor who typed what they want and nothing else.

        Examples
        --------
        >>> Profile.from_intent("space adventure for kids").intent
        'space adventure for kids'
        """
        if not isinstance(text, str) or not text.strip():
            raise DataError("an intent profile needs a sentence describing what the person wants.")
        return cls(intent=text, name=name)

    # ---- edits --------------------------------------------------------------------------------
    def like(self, item_id: object, weight: float = 1.0) -> Profile:
        """A copy that likes ``item_id`` outright (and no longer dislikes it)."""
        key = _one_id(item_id, "like")
        return self._replace(liked={**self.liked, key: float(weight)}, disliked=self.disliked - {key},
                             chosen=self.chosen - {key})

    def dislike(self, item_id: object) -> Profile:
        """A copy that rejects ``item_id`` (and no longer likes it)."""
        key = _one_id(item_id, "dislike")
        liked = {k: v for k, v in self.liked.items() if k != key}
        return self._replace(liked=liked, disliked=self.disliked | {key})

    def without(self, item_id: object) -> Profile:
        """A copy that forgets ``item_id`` entirely (neither liked nor disliked)."""
        key = _one_id(item_id, "without")
        liked = {k: v for k, v in self.liked.items() if k != key}
        return self._replace(liked=liked, disliked=self.disliked - {key})

    def with_intent(self, text: str | None) -> Profile:
        """A copy with a new intent sentence (``None`` or ``""`` removes it)."""
        return self._replace(intent=text or None)

    def _replace(self, **changes: Any) -> Profile:
        values = {"liked": self.liked, "disliked": self.disliked, "intent": self.intent, "user_id": self.user_id,
                  "name": self.name, "chosen": self.chosen}
        values.update(changes)
        return Profile(**values)

    # ---- identity and serialisation -----------------------------------------------------------
    @property
    def id(self) -> str | None:
        """The id shown in recommendation tables: the user id, else the name (None for an anonymous profile, which
        the table calls by its :attr:`content_id`)."""
        return self.user_id if self.user_id is not None else self.name

    @property
    def content_id(self) -> str:
        """``"profile-"`` and a digest of what the profile holds (liked items and weights, dislikes, intent): the id an
        anonymous profile (no user id, no name) gets in a recommendation table.

        The same content gives the same id in any batch, in any order, in any session; different content, a
        different id, so tables of separate calls can be put together. Give a profile a ``name`` to choose its id.

        >>> a = Profile.from_items(["50", "172"])
        >>> a.content_id == Profile.from_items(["172", "50"]).content_id != a.like("1").content_id
        True
        >>> a.content_id
        'profile-41c986c1d186'
        """
        content = {"liked": sorted(self.liked.items()), "disliked": sorted(self.disliked), "intent": self.intent}
        digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()
        return f"profile-{digest[:12]}"

    @property
    def size(self) -> int:
        """Number of liked items."""
        return len(self.liked)

    @property
    def is_empty(self) -> bool:
        return not self.liked and not self.intent

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; :meth:`from_dict` reads it back."""
        return {
            "liked": dict(self.liked),
            "disliked": sorted(self.disliked),
            "intent": self.intent,
            "user_id": self.user_id,
            "name": self.name,
            **({"chosen": sorted(self.chosen)} if self.chosen else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Profile:
        if not isinstance(d, Mapping):
            raise DataError(f"Profile.from_dict takes a dict (as Profile.to_dict writes it); got a {type(d).__name__}.")
        unknown = set(d) - {"liked", "disliked", "intent", "user_id", "name", "chosen"}
        if unknown:
            raise DataError(f"a profile has liked, disliked, intent, user_id, name and chosen; unexpected keys: "
                            f"{sorted(unknown)}.")
        return cls(
            liked=d.get("liked") or {},
            disliked=frozenset(d.get("disliked") or ()),
            intent=d.get("intent"),
            user_id=d.get("user_id"),
            name=d.get("name"),
            chosen=frozenset(d.get("chosen") or ()),
        )


def _hashed_here(dataset: Dataset, raw_id: str) -> str | None:
    """The hashed id of ``raw_id`` when this machine's salt hashed ``dataset`` and it has that user; else None."""
    from recengine.data.load import hash_user_id, salt_digest
    from recengine.settings import local_salt

    try:
        salt = local_salt()
    except Exception:  # no home to read a salt from: nothing to match
        return None
    if dataset.options.get("salt_digest") != salt_digest(salt):
        return None
    hashed = hash_user_id(raw_id, salt)
    return hashed if hashed in dataset.user_map else None
