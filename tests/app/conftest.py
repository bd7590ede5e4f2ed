"""AppTest helpers: run a page of the real app on the real sample, with the dataset chosen up front."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KEY = "sample:movielens-100k"


def page_path(name: str) -> str:
    return str(ROOT / name)


@pytest.fixture(autouse=True)
def clicks_at_test_speed(monkeypatch):
    """AppTest clicks as fast as a page runs, not as a hand does: no click here is a double-click's second press
    (the test of that sets the window back)."""
    import ui.engine

    monkeypatch.setattr(ui.engine, "DOUBLE_CLICK_S", 0.0)


@pytest.fixture()
def run_page():
    """``run_page("pages/1_Data.py", dataset=True, **state)`` -> a run AppTest with no exception.

    The sample is chosen through session state before the first run (as a visitor who clicked
    "Start with MovieLens-100K" on the home page would have it).
    """
    from streamlit.testing.v1 import AppTest

    forget_app_feedback()

    def _run(path: str, *, dataset: bool = True, timeout: float = 180, **state):
        at = AppTest.from_file(page_path(path), default_timeout=timeout)
        if dataset:
            at.session_state["dataset_key"] = SAMPLE_KEY
        for k, v in state.items():
            at.session_state[k] = v
        at.run()
        assert_clean(at)
        return at

    return _run


@pytest.fixture(autouse=True)
def no_fine_tune_left_running():
    """A background fine-tune a test started is stopped when the test ends (a thread left in torch at exit aborts)."""
    yield
    from ui.jobs import latest_job

    job = latest_job()
    if job is not None and job.running:
        job.stop_requested.set()
        job.wait(300)


def assert_clean(at) -> None:
    """No exception escaped the page and the boundary showed no unexpected-error message."""
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "the page drew nothing, not even its title (a script that does not compile shows no exception)"
    unexpected = [e.value for e in at.error if "Something went wrong" in e.value]
    assert not unexpected, unexpected


def forget_app_feedback() -> None:
    """Likes given in one test are kept in the session's store; each test starts without them."""
    from recengine.store import open_store

    store = open_store()
    for p in store.list_profiles():
        if p["name"].startswith("app-"):
            store.remove_profile(p["name"])
