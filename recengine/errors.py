"""Errors a user can cause, each with a message written for that user.

The app shows them with ``st.error`` and the CLI prints them and exits with status 2; anything else
that escapes is a bug in recengine.
"""

from __future__ import annotations

import re
from collections.abc import Callable


class RecengineError(Exception):
    """Base class of every error whose message is meant for the person using recengine."""


class DataError(RecengineError, ValueError):
    """A file or table the user supplied cannot be used; the message says where and what to do."""


class UnknownIdError(RecengineError, KeyError):
    """A user or item id that the dataset does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotFittedError(RecengineError, RuntimeError):
    """A model was asked to recommend before ``fit``."""


class ConfigError(RecengineError, ValueError):
    """An option or setting has a value that cannot be used."""


class ModelError(RecengineError, RuntimeError):
    """An encoder or model could not be loaded or run (for example a model name that is not available offline)."""


class StoreError(RecengineError, RuntimeError):
    """The recengine store cannot be opened or written (for example a newer schema version)."""


def settings_error(exc: Exception, what: str, spell: Callable[[str], str] = str) -> ConfigError:
    """A :class:`ConfigError` for a pydantic validation error, one line per bad setting, in the user's words.

    ``spell`` turns a field name into what the user typed (``batch_size`` -> ``--batch-size`` on the command line).

    Examples
    --------
    >>> from pydantic import BaseModel, Field, ValidationError
    >>> class C(BaseModel):
    ...     batch_size: int = Field(8, ge=2)
    >>> try:
    ...     C(batch_size=1)
    ... except ValidationError as exc:
    ...     print(settings_error(exc, "fine-tuning option", lambda f: "--" + f.replace("_", "-")))
    invalid fine-tuning option --batch-size = 1: input should be greater than or equal to 2.
    """
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return ConfigError(f"invalid {what}: {exc}")
    lines = []
    for err in errors():
        field = ".".join(str(p) for p in err.get("loc", ())) or "?"
        msg = str(err.get("msg", "invalid value"))
        msg = msg[:1].lower() + msg[1:]
        given = f" = {err['input']!r}" if "input" in err and not isinstance(err["input"], dict) else ""
        lines.append(f"{spell(field)}{given}: {msg}")
    return ConfigError(f"invalid {what} " + "; ".join(lines) + ".")


#: a step written several ways: code, then "(in the app: ...; in the CLI: ...)", in any order; "(none)" may be inside
_WAYS = re.compile(r"(?P<code>\b\w+=(?:\{[^{}]*\}|[^\s;()]+)\s*)?"
                   r"\((?P<body>(?:[^()]|\([^()]*\))*\bin the (?:app|CLI): (?:[^()]|\([^()]*\))*)\)")


def said_for(message: object, where: str) -> str:
    """An engine message as the app (``where="app"``) or the command line (``"CLI"``) should say it: where it names a
    step several ways (Python, the app, the command line), only that one's way is left.

    >>> said_for("Say which with columns={'user': 'a'} (in the app: Column mapping; in the CLI: --user-col).", "CLI")
    'Say which with --user-col.'
    >>> said_for("keep ratings of 1 and more (min_rating=1; in the CLI: --min-rating 1; in the app: Minimum rating).", "app")
    'keep ratings of 1 and more (Minimum rating).'
    >>> said_for("remove it (store.remove_dataset(name); in the CLI: recengine data remove NAME).", "CLI")
    'remove it (recengine data remove NAME).'
    >>> said_for("map it (columns={'item': ...}; in the CLI: --item-col).", "app")  # no way for the app: as it is
    "map it (columns={'item': ...}; in the CLI: --item-col)."
    """
    def way(found: re.Match) -> str:
        parts = [p.strip() for p in found.group("body").split(";")]
        mine = next((p.split(":", 1)[1].strip() for p in parts if p.startswith(f"in the {where}:")), None)
        if mine is None:
            return found.group(0)
        return mine if found.group("code") is not None else f"({mine})"

    return _WAYS.sub(way, str(message))
