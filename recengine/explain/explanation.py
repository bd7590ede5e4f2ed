"""The result objects every figure, page and CLI output consumes.

``Explanation`` is one additive attribution (shap-style: values, base value, data, feature names)
of one item's score: ``base_value + values.sum() == score``. ``ItemExplanation`` holds both views
of one suggestion (``signals`` and ``history``) and its plain-language ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd


class Player(str):
    """A history player that is no liked item: the request, or the profile's size.

    Told apart from items by its type, never by its text: an item id is whatever a user's file holds, and a shop
    may well sell an item whose id is ``"intent"``. Use :func:`is_item`, :func:`is_intent` and :func:`is_size`,
    not ``==``. A ``Player`` survives a pickle (Streamlit's data cache) as a ``Player``.
    """

    __slots__ = ()


#: The history player that stands for the intent sentence.
INTENT_PLAYER = Player("intent")
#: The history player that stands for the profile's size, where the ranker weighs a profile by it (the hybrid):
#: with it, an item is credited with what it brings, not with the switch of weights that its absence would cause.
SIZE_PLAYER = Player("profile size")


class PooledPlayer(Player):
    """The history player that stands for many liked items at once, named ``"N other items"``.

    A profile too long for the explanation's budget keeps its most relevant items as players of their own and pools
    the rest into this one player: a coalition holds all of them or none. Build it with :func:`pooled_player`.
    """

    __slots__ = ()

    @property
    def n_items(self) -> int:
        """How many liked items the player stands for."""
        return int(str(self).split(" ", 1)[0])


def pooled_player(n_items: int) -> PooledPlayer:
    """The player that stands for ``n_items`` liked items together.

    Examples
    --------
    >>> p = pooled_player(2264)
    >>> str(p), p.n_items, is_item(p), is_pooled(p)
    ('2264 other items', 2264, False, True)
    """
    return PooledPlayer(f"{int(n_items)} other item{'s' if n_items != 1 else ''}")


def is_item(player: str) -> bool:
    """Whether a history player is one liked item (not the request, the profile's size or a pool of items)."""
    return not isinstance(player, Player)


def is_pooled(player: str) -> bool:
    """Whether a history player stands for many liked items together (:func:`pooled_player`)."""
    return isinstance(player, PooledPlayer)


def is_intent(player: str) -> bool:
    """Whether a history player is the request (:data:`INTENT_PLAYER`), never an item that is called so."""
    return isinstance(player, Player) and player == INTENT_PLAYER


def is_size(player: str) -> bool:
    """Whether a history player is the profile's size (:data:`SIZE_PLAYER`), never an item that is called so."""
    return isinstance(player, Player) and player == SIZE_PLAYER


#: How many contributions a printed explanation lists (``to_frame()`` holds them all).
REPR_TOP = 3
_REPR_TEXT = 48  # characters of a title or label that a printed explanation keeps


def _clip(text: str, limit: int = _REPR_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fmt(x: float) -> str:
    return f"{float(x):+.3f}" if abs(float(x)) >= 0.001 else f"{float(x):+.2g}"


@dataclass(frozen=True, repr=False)
class Explanation:
    """An additive attribution of one item's score to features (signals) or players (profile items).

    Attributes
    ----------
    values : np.ndarray
        (n_features,) contributions; ``base_value + values.sum() == score``.
    base_value : float
        The reference score: for signals, the expected score of an average catalogue item for this
        profile; for history, the score with an empty profile.
    data : np.ndarray
        (n_features,) the feature values: signal values, or each history item's weight in the profile.
    feature_names : list[str]
        Signal names, or history item ids; :data:`INTENT_PLAYER` stands for the intent sentence,
        :data:`SIZE_PLAYER` for the profile's size and a :func:`pooled_player` ("N other items") for the items of a
        very long profile that are not players of their own (tell them apart with :func:`is_item`).
    kind : {"signals", "history"}
    item_id, title : str
        The explained item.
    score : float
        The model's score for the item (what ``recommend`` reports).
    labels : list[str]
        Human labels of the features (item titles for history; the signal names for signals).
    method : str
        How the values were computed (e.g. ``"shap.LinearExplainer"``, ``"exact"``, ``"permutation"``).
    empty_profile_score : float or None
        History only: the score with no profile at all (equals ``base_value``).
    errors : np.ndarray or None
        History only, when its values were sampled (a profile of many items): each value's standard error. Two
        values within about two errors of each other are not told apart; None when the values are exact.

    Examples
    --------
    >>> e = Explanation(np.array([0.5, -0.2]), 1.0, np.array([2.0, 0.1]), ["ease", "popularity"],
    ...                 "signals", "i1", "Toy Story", 1.3)
    >>> round(e.additivity_error, 12)
    0.0
    >>> e  # a short summary: the arrays stay in the attributes and in to_frame()
    Explanation(signals of 'i1' Toy Story: score 1.3 = base 1 + 0.3
      ease        +0.500
      popularity  -0.200)
    """

    values: np.ndarray
    base_value: float
    data: np.ndarray
    feature_names: list[str]
    kind: Literal["signals", "history"]
    item_id: str
    title: str
    score: float
    labels: list[str] = field(default_factory=list)
    method: str = ""
    empty_profile_score: float | None = None
    errors: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.labels:
            object.__setattr__(self, "labels", list(self.feature_names))

    @property
    def additivity_error(self) -> float:
        """|base_value + sum(values) - score| (zero up to rounding for a faithful explanation)."""
        return float(abs(self.base_value + float(np.sum(self.values)) - self.score))

    def to_frame(self, sort: bool = True) -> pd.DataFrame:
        """One row per feature: ``feature``, ``label``, ``value`` (the data), ``shap``, and ``error`` where the values
        were sampled (:attr:`errors`); largest |shap| first."""
        frame = pd.DataFrame(
            {"feature": pd.Series(self.feature_names, dtype=object),  # object: pandas 3 strings would drop Player
             "label": self.labels, "value": self.data, "shap": self.values}
        )
        if self.errors is not None:
            frame["error"] = np.asarray(self.errors, dtype=float)
        if sort and len(frame):
            frame = frame.iloc[np.argsort(-np.abs(frame["shap"].to_numpy()), kind="stable")].reset_index(drop=True)
        return frame

    def top(self, n: int = 3, sign: int = 1) -> pd.DataFrame:
        """The ``n`` features that pushed the score most in the direction of ``sign`` (+1 up, -1 down)."""
        frame = self.to_frame(sort=False)
        frame = frame[np.sign(frame["shap"]) == np.sign(sign)]
        return frame.iloc[np.argsort(-np.abs(frame["shap"].to_numpy()), kind="stable")].head(n).reset_index(drop=True)

    def _top(self, n: int) -> tuple[list[tuple[str, str, str, bool]], int]:
        """(name, value, label, whether it is an item) of the ``n`` largest nonzero contributions, and how many features are left out."""
        values = np.asarray(self.values, dtype=float).reshape(-1)
        errors = None if self.errors is None else np.asarray(self.errors, dtype=float).reshape(-1)
        order = [int(i) for i in np.argsort(-np.abs(values), kind="stable") if values[i] != 0][:n]
        rows = []
        for i in order:
            player = self.feature_names[i]
            item = self.kind == "history" and is_item(player)  # an item id is quoted, as ids are
            name = repr(str(player)) if item else str(player)
            value = _fmt(values[i]) + (f" ±{errors[i]:.2g}" if errors is not None and errors[i] > 0 else "")
            label = str(self.labels[i]) if i < len(self.labels) else ""
            rows.append((_clip(name, 24), value, "" if label == str(player) else _clip(label), item))
        return rows, len(values) - len(order)

    def __repr__(self) -> str:
        """The item, the sum, and the few largest contributions by name (the arrays stay in the attributes)."""
        rest = float(np.sum(self.values))
        head = (f"Explanation({self.kind} of {str(self.item_id)!r} {_clip(self.title)}: score {float(self.score):.4g}"
                f" = base {float(self.base_value):.4g} {'-' if rest < 0 else '+'} {abs(rest):.4g}"
                + (f", by {self.method}" if self.method else ""))
        rows, more = self._top(REPR_TOP)
        if not rows:
            return head + "; every contribution is 0)"
        w_name = max(len(r[0]) for r in rows)
        w_value = max(len(r[1]) for r in rows)
        lines = [f"  {name:<{w_name}}  {value:<{w_value}}  {label}".rstrip() for name, value, label, _ in rows]
        if more:
            lines.append(f"  … {more} more: .to_frame() lists every one")
        return "\n".join([head, *lines]) + ")"

    def to_shap(self) -> Any:
        """The same attribution as a ``shap.Explanation`` (for shap's own plots)."""
        import shap

        return shap.Explanation(
            values=np.asarray(self.values, dtype=float),
            base_values=float(self.base_value),
            data=np.asarray(self.data, dtype=float),
            feature_names=list(self.labels),
        )


@dataclass(frozen=True, repr=False)
class ItemExplanation:
    """Both views of one suggestion, plus its reason.

    Attributes
    ----------
    item_id, title : str
    score : float
        The hybrid's score for the item (the one ``recommend`` reports).
    signals : Explanation
        SHAP values of the ranker's input signals.
    history : Explanation
        Shapley values of the profile's items (and intent) in the game "score with only these"; for a ranker that
        weighs a profile by its size (the hybrid), the size is a player too (:data:`SIZE_PLAYER`), so that an item
        is not credited with the change of weights that its absence would bring.
    is_cold : bool
        Whether the item had no interactions when the model was fitted.
    reason : str
        A plain-language sentence built from the two views (see ``recengine.explain.reasons``).
    reason_source : str
        ``"template"``, or ``"generated"`` when a local generative model rephrased it and the
        rephrasing passed the grounding check (``recengine.explain.generate``).
    """

    item_id: str
    title: str
    score: float
    signals: Explanation
    history: Explanation
    is_cold: bool = False
    reason: str = ""
    reason_source: str = "template"

    @property
    def empty_profile_score(self) -> float:
        return float(self.history.base_value)

    def __repr__(self) -> str:
        """Item, score, reason and the few largest contributions of each view (the attributes hold the rest)."""
        lines = [f"ItemExplanation({str(self.item_id)!r} {_clip(self.title)}, score {float(self.score):.4g}"
                 + (", a new item" if self.is_cold else "")]
        if self.reason:
            lines.append(f"  reason={_clip(self.reason, 160)!r}")
        for view in (self.signals, self.history):
            rows, more = view._top(REPR_TOP)
            shown = ", ".join(" ".join(part for part in (name, _clip(label, 30) if item else "", value) if part)
                              for name, value, label, item in rows)
            lines.append(f"  {view.kind}: {shown or 'every contribution is 0'}" + (f" (+{more} more)" if more else ""))
        return ",\n".join(lines) + ")"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``item_id``, ``title``, ``score``, ``base_value``, ``signals``, ``history``,
        ``empty_profile_score``, ``is_cold``, ``reason``; a history player's ``error`` is its value's standard
        error (0 when exact)."""
        errors = self.history.errors
        return {
            "item_id": self.item_id,
            "title": self.title,
            "score": float(self.score),
            "base_value": float(self.signals.base_value),
            "signals": [
                {"name": n, "label": lab, "value": _num(v), "shap": float(s)}
                for n, lab, v, s in zip(self.signals.feature_names, self.signals.labels, self.signals.data, self.signals.values)
            ],
            "history": [  # the request and the profile's size are players with no item id
                {"item_id": n if is_item(n) else None, "player": "item" if is_item(n) else str(n), "title": t,
                 "weight": _num(w), "shap": float(s), "error": _num(e) if errors is not None else 0.0}
                for n, t, w, s, e in zip(self.history.feature_names, self.history.labels, self.history.data,
                                         self.history.values, errors if errors is not None else self.history.values)
            ],
            "empty_profile_score": float(self.history.base_value),
            "is_cold": bool(self.is_cold),
            "reason": self.reason,
            "reason_source": self.reason_source,
            "methods": {"signals": self.signals.method, "history": self.history.method},
        }


def _num(v: Any) -> float | None:
    v = float(v)
    return None if not np.isfinite(v) else v
