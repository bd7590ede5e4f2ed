"""Where recengine keeps its files, and small process-wide settings."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "RECENGINE_HOME"
MAX_FILE_MB_ENV = "RECENGINE_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 500
FITTED_MB_ENV = "RECENGINE_FITTED_MB"
DEFAULT_FITTED_MB = 5000
EMBEDDINGS_MB_ENV = "RECENGINE_EMBEDDINGS_MB"
DEFAULT_EMBEDDINGS_MB = 2000
APP_MEMORY_MB_ENV = "RECENGINE_APP_MEMORY_MB"
DEFAULT_APP_MEMORY_MB = 4000


def home_dir() -> Path:
    """The folder for the embedding cache, fine-tuned models and the store.

    ``$RECENGINE_HOME`` when set, else the user cache dir (for example ``~/.cache/recengine``).
    """
    env = os.environ.get(HOME_ENV)
    path = Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("recengine"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from recengine.errors import ConfigError

        where = f"{HOME_ENV}={env}" if env else f"the recengine folder {path}"
        raise ConfigError(
            f"{where} cannot be used as recengine's home (for the embedding cache, fine-tunes and the store): "
            + ("it is a file, not a folder" if path.is_file() else f"{exc.strerror or exc}")
            + f". Set {HOME_ENV} to a folder you can write to."
        ) from None
    return path


def _megabytes(env: str, default: float) -> int:
    """Bytes from the megabytes that ``$env`` gives, else ``default``."""
    raw = os.environ.get(env)
    try:
        mb = float(raw) if raw else default
        if not mb >= 0:  # negative, or nan
            raise ValueError(raw)
        return int(mb * 1024 * 1024)  # OverflowError for inf
    except (ValueError, OverflowError):
        from recengine.errors import ConfigError

        raise ConfigError(f"${env} is {raw!r}; give a number of megabytes, e.g. {env}={int(default)}.") from None


def max_file_bytes() -> int:
    """The largest input file accepted, from ``$RECENGINE_MAX_FILE_MB`` (default 500 MB)."""
    return _megabytes(MAX_FILE_MB_ENV, DEFAULT_MAX_FILE_MB)


def fitted_limit_bytes() -> int:
    """How much the saved model fits may take on disk, from ``$RECENGINE_FITTED_MB`` (default 5,000 MB): past it,
    the least recently used go (an EASE fit of 20,000 items alone takes 1.6 GB)."""
    return _megabytes(FITTED_MB_ENV, DEFAULT_FITTED_MB)


def embeddings_limit_bytes() -> int:
    """How much the embedding cache may take on disk, from ``$RECENGINE_EMBEDDINGS_MB`` (default 2,000 MB): past it,
    the vectors of the least recently used encoders go (each fine-tune and each own model has its own)."""
    return _megabytes(EMBEDDINGS_MB_ENV, DEFAULT_EMBEDDINGS_MB)


def app_memory_limit_bytes() -> int:
    """How much memory the app's shared results (fitted models, embeddings, evaluations) may hold, from
    ``$RECENGINE_APP_MEMORY_MB``; by default 4,000 MB or a quarter of this machine's memory, whichever is less (a
    hybrid fitted on 20,000 items holds about 2.2 GB). Past it, the least recently used go; a fit comes back from
    disk in seconds."""
    default = float(DEFAULT_APP_MEMORY_MB)
    try:
        import psutil

        default = min(default, psutil.virtual_memory().total / 4 / 1024 / 1024)
    except Exception:  # no psutil, or a system that cannot say
        pass
    return _megabytes(APP_MEMORY_MB_ENV, default)


BUNDLE = "_bundle"


def app_root() -> Path:
    """The folder that holds ``app.py``, ``pages/``, ``ui/`` and ``data/``.

    That is the source checkout when recengine runs from one (an editable install, as ``make`` does), else the copy
    that a built wheel carries inside the package (``recengine/_bundle``, made by ``setup.py``).
    """
    package = Path(__file__).resolve().parent
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "app.py").is_file():
        return checkout
    return package / BUNDLE


def local_salt() -> str:
    """A random salt kept in ``home_dir()/hash-salt``, made once per home.

    The command line hashes user ids with it, so the same file gives the same hashed ids from one command
    to the next on this machine (and different ones elsewhere, so they cannot be linked across machines).
    """
    import secrets

    path = home_dir() / "hash-salt"
    try:
        salt = path.read_text().strip()
        if salt:
            return salt
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".hash-salt.{os.getpid()}")
    tmp.write_text(secrets.token_hex(16))
    try:
        os.link(tmp, path)  # atomic, and never replaces a salt another process wrote first
    except FileExistsError:
        pass
    except OSError:  # no hard links here: a rename is atomic too
        if not path.exists():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()
