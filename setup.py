"""Build hook (the project's metadata is in pyproject.toml).

A wheel carries the app (``app.py``, ``pages/``, ``ui/``, ``.streamlit/config.toml``) and the bundled sample inside
the package, as ``recengine/_bundle/``, so that ``pip install`` of a wheel, an sdist or a git URL gives a working
``recengine app`` and ``--sample movielens-100k``. An editable install (what ``make`` does) runs them from the
checkout instead (``recengine.settings.app_root``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# What the app and the sample need at run time, relative to the checkout; folders carry their .py files.
BUNDLED = [
    "app.py",
    "pages",
    "ui",
    ".streamlit/config.toml",
    "data/movielens-100k/README.md",
    "data/movielens-100k/items.csv",
    "data/movielens-100k/ratings.csv",
]


def bundled_files(root: Path = ROOT) -> list[Path]:
    """The files that go into ``recengine/_bundle``; a missing one stops the build (a wheel without it would break)."""
    files = []
    for name in BUNDLED:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts))
        else:
            raise FileNotFoundError(f"{path} is missing: a wheel built without it would have no working app or sample")
    return files


class BuildWithApp(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "recengine" / "_bundle"
        for path in bundled_files():
            dest = target / path.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)


setup(cmdclass={"build_py": BuildWithApp})
