"""Saved profiles and the feedback events that edit them.

The store keeps plain dicts (``{"liked": {...}, "disliked": [...], "intent": ..., "user_id": ..., "name": ...}``,
what ``recengine.models.Profile.to_dict`` writes and ``Profile.from_dict`` reads) so that it does not depend
on the models. Every like and dislike is an event of its own; a profile read back is the saved dict with
the events recorded after that save applied in order.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from recengine.errors import ConfigError, UnknownIdError
from recengine.store.datasets import check_name, iso
from recengine.store.db import read

T = TypeVar("T")
ACTIONS = ("like", "dislike")


def normalise_profile(data: Any, name: str) -> dict[str, Any]:
    """A profile (a dict, or anything with ``to_dict()``) as the plain dict the store keeps."""
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    if not isinstance(data, Mapping):
        raise ConfigError(f"a profile must be a dict like {{'liked': {{...}}, 'disliked': [...]}}, got {type(data).__name__}.")
    liked = data.get("liked") or {}
    if not isinstance(liked, Mapping):  # a plain list of liked ids, each with weight 1
        liked = {item: 1.0 for item in liked}
    try:
        liked = {str(k): float(v) for k, v in liked.items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"profile {name!r}: liked weights must be numbers ({exc}).") from None
    # Exactly the keys Profile.from_dict accepts, so whatever the store returns can be read back.
    return {
        "liked": liked,
        "disliked": sorted({str(x) for x in data.get("disliked") or ()}),
        "intent": data.get("intent") or None,
        "user_id": None if data.get("user_id") is None else str(data["user_id"]),
        "name": name,
    }


def apply_event(profile: dict[str, Any], item_id: str, action: str) -> None:
    """A like adds the item to ``liked`` (weight 1 unless it had one) and clears a dislike; a dislike the reverse."""
    disliked = set(profile["disliked"])
    if action == "like":
        profile["liked"].setdefault(item_id, 1.0)
        disliked.discard(item_id)
    else:
        profile["liked"].pop(item_id, None)
        disliked.add(item_id)
    profile["disliked"] = sorted(disliked)


def dataset_name(dataset: Any) -> str | None:
    """The name recorded for ``dataset``: a name as given (trimmed), a Dataset's name; None for None or a blank."""
    if dataset is None:
        return None
    if hasattr(dataset, "item_map"):
        dataset = dataset.name
    if not isinstance(dataset, str):
        raise ConfigError(f"dataset must be a dataset's name or a Dataset, got {type(dataset).__name__}.")
    return dataset.strip() or None


def empty_profile(name: str) -> dict[str, Any]:
    return {"liked": {}, "disliked": [], "intent": None, "user_id": None, "name": name}


class ProfilesMixin:
    """The profile and feedback half of :class:`recengine.store.Store`."""

    _write: Callable[[Callable[[sqlite3.Connection], Any]], Any]
    _query: Callable[..., list[sqlite3.Row]]
    _feedback_items: Callable[[str], tuple[Any, str]]

    def save_profile(self, name: str, profile: Any, dataset: Any = None) -> dict[str, Any]:
        """Save (or overwrite) a named profile; feedback recorded before this save is already part of it.

        ``dataset`` (a dataset's name, or a Dataset: its name) records the data whose item ids the profile holds
        (:meth:`profile_dataset` reads it back); None keeps the one recorded before, if any.

        Examples
        --------
        >>> store.save_profile("bob", {"liked": {"1": 1.0}, "disliked": ["2"], "intent": None, "user_id": None})  # doctest: +SKIP
        {'liked': {'1': 1.0}, 'disliked': ['2'], 'intent': None, 'user_id': None, 'name': 'bob'}
        """
        name = check_name(name, "profile")
        data = normalise_profile(profile, name)
        text = json.dumps(data, ensure_ascii=False)
        made_on = dataset_name(dataset)
        now = time.time()

        def put(c: sqlite3.Connection) -> None:
            last = c.execute("SELECT coalesce(max(id), 0) FROM feedback WHERE profile = ?", (name,)).fetchone()[0]
            c.execute(
                "INSERT INTO profiles (name, data, created_at, updated_at, base_event, dataset) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, "
                "base_event = excluded.base_event, dataset = coalesce(excluded.dataset, profiles.dataset)",
                (name, text, now, now, int(last), made_on),
            )

        self._write(put)
        return data

    def add_feedback(self, profile: str, item_id: str, action: str, dataset: Any = None, *, check: bool = True) -> int:
        """Record one like or dislike of ``item_id`` by the named profile; returns the event id.

        The event is committed to disk when this returns. A name with no saved profile starts an empty one.

        Parameters
        ----------
        profile : str
            The profile's name.
        item_id : str
            The liked or disliked item, an id of the data named by ``dataset``.
        action : {"like", "dislike"}
        dataset : str, Dataset or None
            Which data ``item_id`` comes from, recorded with the event. With ``check`` (the default) an id that
            data does not hold is refused (:class:`~recengine.errors.UnknownIdError`, nothing recorded):

            - the name of a dataset saved in this store: the id must be one of its items;
            - the name of a bundled sample (``"movielens-100k"``) the store does not hold: one of the sample's;
            - a :class:`~recengine.data.Dataset` held in memory: one of its items (its name is recorded);
            - a key of data kept elsewhere, ``"kind:rest"`` (the app's ``"sample:..."`` and ``"upload:..."``):
              the store cannot check it, and records it as given;
            - any other name is refused: save that data first (``save_dataset``), pass the Dataset itself, or
              pass ``check=False``;
            - None: no data named, nothing to check.
        check : bool
            False records the id and the dataset's name unchecked (for a caller that checked the id itself).

        Examples
        --------
        >>> store.add_feedback("alice", "50", "like", dataset="movielens-100k")  # doctest: +SKIP
        7
        >>> store.add_feedback("alice", "99999", "like", dataset="movielens-100k")  # doctest: +SKIP
        Traceback (most recent call last):
        ...
        recengine.errors.UnknownIdError: unknown item id '99999': the dataset has 1682 items (e.g. 1, 2, 3). ...
        """
        profile = check_name(profile, "profile")
        if action not in ACTIONS:
            raise ConfigError(f"feedback must be 'like' or 'dislike', got {action!r}.")
        if item_id is None or not str(item_id).strip():
            raise ConfigError("feedback needs an item id.")
        item_id = str(item_id).strip()
        items = None
        if hasattr(dataset, "item_map"):  # a Dataset: checked against itself, recorded by its name
            items, where, dataset = dataset.item_map, f"the dataset {dataset.name!r} given", str(dataset.name)
        elif dataset is not None and not isinstance(dataset, str):
            raise ConfigError(f"dataset must be a dataset's name or a Dataset, got {type(dataset).__name__}.")
        elif dataset is not None and check:
            items, where = self._feedback_items(dataset)
        if items is not None and check and item_id not in items:
            try:
                items.index(item_id)
            except UnknownIdError as exc:
                raise UnknownIdError(
                    f"{exc.args[0]} It was checked against {where}, and no {action} was recorded for profile "
                    f"{profile!r}. Use an item id of that dataset, name the data the item comes from "
                    "(dataset=NAME or the Dataset itself), or pass check=False to record it unchecked."
                ) from None
        row = (profile, item_id, action, time.time(), dataset)
        return int(self._write(lambda c: c.execute(
            "INSERT INTO feedback (profile, item_id, action, created_at, dataset) VALUES (?, ?, ?, ?, ?)", row
        ).lastrowid))

    def _unknown_profile(self, name: str) -> UnknownIdError:
        known = [p["name"] for p in self.list_profiles()]
        listing = ", ".join(repr(n) for n in known[:10]) if known else "none yet"
        return UnknownIdError(
            f"no profile named {name!r} in the store (profiles: {listing}). Start one with "
            f"recengine feedback --profile {name} --like ITEM_ID."
        )

    def get_profile(self, name: str) -> dict[str, Any]:
        """The saved profile with every later feedback event applied in order, as a plain dict.

        Raises :class:`~recengine.errors.UnknownIdError` for a name with neither a saved profile nor feedback.

        Examples
        --------
        >>> Profile.from_dict(store.get_profile("alice"))  # doctest: +SKIP
        """
        name = str(name).strip()  # stored names are trimmed (check_name)
        with self._lock, read(self.conn) as c:
            row = c.execute("SELECT data, base_event FROM profiles WHERE name = ?", (name,)).fetchone()
            base = int(row["base_event"]) if row is not None else 0
            events = c.execute(
                "SELECT item_id, action FROM feedback WHERE profile = ? AND id > ? ORDER BY id", (name, base)
            ).fetchall()
        if row is None and not events:
            raise self._unknown_profile(name)
        profile = json.loads(row["data"]) if row is not None else empty_profile(name)
        for event in events:
            apply_event(profile, event["item_id"], event["action"])
        return profile

    def profile_dataset(self, name: str) -> str | None:
        """The name of the data a profile was made on, whose item ids it holds; None for one that names none.

        That is the dataset its saved row names (``save_profile(..., dataset=...)``), else the one its first feedback
        event that names data was recorded on (``add_feedback(..., dataset=...)``). Profiles saved, and events
        recorded, by a recengine before this one may name none. Raises :class:`~recengine.errors.UnknownIdError` for
        a name with neither a saved profile nor feedback.

        Examples
        --------
        >>> store.add_feedback("dave", "7", "like", dataset="books")  # doctest: +SKIP
        >>> store.profile_dataset("dave")  # doctest: +SKIP
        'books'
        """
        name = str(name).strip()  # stored names are trimmed (check_name)
        with self._lock, read(self.conn) as c:
            row = c.execute("SELECT dataset FROM profiles WHERE name = ?", (name,)).fetchone()
            first = c.execute("SELECT dataset FROM feedback WHERE profile = ? AND dataset IS NOT NULL ORDER BY id LIMIT 1",
                              (name,)).fetchone()
            has_events = first is not None or c.execute("SELECT 1 FROM feedback WHERE profile = ? LIMIT 1",
                                                        (name,)).fetchone() is not None
        if row is None and not has_events:
            raise self._unknown_profile(name)
        if row is not None and row["dataset"] is not None:
            return str(row["dataset"])
        return None if first is None else str(first["dataset"])

    def list_profiles(self) -> list[dict[str, Any]]:
        """Profiles (saved or started by feedback) by name: name, liked/disliked counts, intent, events, and the
        dataset it was made on (None: it names none, see :meth:`profile_dataset`).

        Examples
        --------
        >>> [p["name"] for p in store.list_profiles()]  # doctest: +SKIP
        ['alice', 'bob']
        """
        with self._lock, read(self.conn) as c:
            names = [r[0] for r in c.execute(
                "SELECT name FROM profiles UNION SELECT DISTINCT profile FROM feedback ORDER BY 1"
            )]
            n_events = dict(c.execute("SELECT profile, count(*) FROM feedback GROUP BY profile").fetchall())
        out = []
        for name in names:
            p = self.get_profile(name)
            out.append({"name": name, "n_liked": len(p["liked"]), "n_disliked": len(p["disliked"]),
                        "intent": p.get("intent"), "user_id": p.get("user_id"), "n_events": int(n_events.get(name, 0)),
                        "dataset": self.profile_dataset(name)})
        return out

    def feedback_events(self, profile: str | None = None) -> list[dict[str, Any]]:
        """Feedback events in the order they were recorded (of one profile, or of all).

        Each is ``{"id", "profile", "item_id", "action", "dataset", "created_at"}``.

        Examples
        --------
        >>> [(e["item_id"], e["action"]) for e in store.feedback_events("alice")]  # doctest: +SKIP
        [('50', 'like'), ('51', 'dislike')]
        """
        sql, params = "SELECT * FROM feedback", ()
        if profile is not None:
            profile = str(profile).strip()  # stored names are trimmed (check_name), as get_profile reads them
            sql, params = sql + " WHERE profile = ?", (profile,)
        rows = self._query(sql + " ORDER BY id", params)
        if profile is not None and not rows and not self._query("SELECT 1 FROM profiles WHERE name = ?", (profile,)):
            raise self._unknown_profile(profile)
        return [{"id": r["id"], "profile": r["profile"], "item_id": r["item_id"], "action": r["action"],
                 "dataset": r["dataset"], "created_at": iso(r["created_at"])} for r in rows]

    def remove_profile(self, name: str) -> int:
        """Delete a profile and all its feedback events; returns the number of events deleted."""
        name = str(name).strip()

        def drop(c: sqlite3.Connection) -> tuple[int, int]:
            saved = c.execute("DELETE FROM profiles WHERE name = ?", (name,)).rowcount
            return saved, c.execute("DELETE FROM feedback WHERE profile = ?", (name,)).rowcount

        saved, n_events = self._write(drop)
        if not saved and not n_events:
            raise self._unknown_profile(name)
        return int(n_events)
