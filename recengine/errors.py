"""Errors a user can cause, each with a message written for that user.

The app shows them with ``st.error`` and the CLI prints them and exits with status 2; anything else
that escapes is a bug in recengine.
"""

from __future__ import annotations

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
