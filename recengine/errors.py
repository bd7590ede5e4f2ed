"""Errors a user can cause, each with a message written for that user.

The app shows them with ``st.error`` and the CLI prints them and exits with status 2; anything else
that escapes is a bug in recengine.
"""

from __future__ import annotations


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
