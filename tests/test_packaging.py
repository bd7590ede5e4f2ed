"""What ``pip install`` of a built package gives: the wheel carries the app and the sample, and both work from it.

The sdist is built from a copy of the checkout, the wheel from that sdist (the path ``pip install <git url>`` takes),
and the wheel is then unpacked and run with nothing of the checkout on the path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from recengine.settings import BUNDLE, app_root

ROOT = Path(__file__).resolve().parents[1]
# Top-level names a build never needs: leaving them out also shows that it does not rely on them.
NOT_COPIED = {".git", ".venv", "build", "dist", "tests", "benchmarks", "docs", ".pytest_cache", ".ruff_cache",
              ".hypothesis", ".recengine-home", ".whl", ".gl", "__pycache__"}


def _build(hook: str, source: Path, out: Path) -> Path:
    """Run one PEP 517 hook of setuptools in ``source``; returns the file it made."""
    code = f"from setuptools import build_meta as b; print(b.{hook}({str(out)!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("packaging")
    source = tmp / "checkout"

    def skipped(folder: str, names: list[str]) -> list[str]:
        top = Path(folder) == ROOT
        return [n for n in names if n in NOT_COPIED or n.endswith(".egg-info")
                or (top and n.startswith(".") and n != ".streamlit")]

    shutil.copytree(ROOT, source, ignore=skipped)
    sdist = _build("build_sdist", source, tmp / "dist")
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
        sdist_names = tar.getnames()
    wheel = _build("build_wheel", next((tmp / "unpacked").iterdir()), tmp / "dist")
    site = tmp / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
        wheel_names = z.namelist()
    return {"sdist": sdist_names, "wheel": wheel_names, "site": site, "tmp": tmp}


def _run_installed(built: dict, code: str) -> subprocess.CompletedProcess:
    """Python with only the unpacked wheel (and the test environment's dependencies) to import recengine from."""
    env = {**os.environ, "PYTHONPATH": str(built["site"])}
    env.pop("RECENGINE_SAMPLES", None)
    return subprocess.run([sys.executable, "-c", code], cwd=built["tmp"], env=env, capture_output=True, text=True,
                          timeout=600)


def test_the_checkout_runs_its_own_app_and_sample():
    assert app_root() == ROOT


def test_the_wheel_carries_every_page_the_ui_and_the_sample(built):
    inside = {n.removeprefix(f"recengine/{BUNDLE}/") for n in built["wheel"] if n.startswith(f"recengine/{BUNDLE}/")}
    expected = {"app.py", ".streamlit/config.toml", "data/movielens-100k/items.csv",
                "data/movielens-100k/ratings.csv", "data/movielens-100k/README.md"}
    expected |= {str(p.relative_to(ROOT)) for folder in ("pages", "ui") for p in (ROOT / folder).glob("*.py")}
    assert expected <= inside, sorted(expected - inside)
    assert not [n for n in built["wheel"] if "__pycache__" in n or n.startswith(("tests/", "ui/", "pages/"))]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in built["wheel"])
    assert any(n.endswith("/setup.py") for n in built["sdist"])


def test_the_installed_package_loads_the_sample_and_recommends(built):
    code = """
import json, sys
import recengine
from recengine.settings import app_root
from recengine.cli import main
print(json.dumps({"file": recengine.__file__, "root": str(app_root()), "items": recengine.load_sample().n_items}))
sys.stdout.flush()
sys.exit(main(["recommend", "--sample", "movielens-100k", "--user", "196", "--k", "3", "--model", "popularity",
               "--format", "json"]))
"""
    done = _run_installed(built, code)
    assert done.returncode == 0, done.stderr[-3000:]
    first, rest = done.stdout.split("\n", 1)
    where = json.loads(first)
    assert where["file"].startswith(str(built["site"]))
    assert where["root"] == str(built["site"] / "recengine" / BUNDLE)
    assert where["items"] == 1682
    recs = json.loads(rest)
    assert [r["rank"] for r in recs] == [1, 2, 3]
    assert all(isinstance(r["item_id"], str) and r["title"] for r in recs)


def test_the_installed_app_runs_every_page(built):
    code = """
import json
from pathlib import Path
from streamlit.testing.v1 import AppTest
from recengine.settings import app_root
root = app_root()
report = {}
for script in ["app.py", *sorted(str(p.relative_to(root)) for p in (root / "pages").glob("*.py"))]:
    at = AppTest.from_file(str(root / script), default_timeout=300).run()
    report[script] = [e.value for e in at.exception] + [e.value for e in at.error]
import ui
report["ui"] = ui.__file__
print(json.dumps(report))
"""
    done = _run_installed(built, code)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report.pop("ui").startswith(str(built["site"] / "recengine" / BUNDLE))
    assert len(report) == 1 + len(list((ROOT / "pages").glob("*.py")))
    assert report == {script: [] for script in report}
