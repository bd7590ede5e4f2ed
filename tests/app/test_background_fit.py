"""The hybrid's first fit on a large catalogue (7.5 minutes on 20,000 items) runs in the background: the page stays
usable with a quicker model, and the fit goes on when the visitor leaves the page."""

from __future__ import annotations

import time

import pytest

from tests.app.test_recommend_page import shown


@pytest.fixture
def small_threshold(monkeypatch):
    """The sample's 1,682 items count as a large catalogue here."""
    from ui import engine

    monkeypatch.setattr(engine, "BACKGROUND_FIT_ITEMS", 100)


def test_a_long_fit_runs_in_a_thread_and_its_model_is_shared_when_done(sample, small_threshold):
    from recengine.models import EASE
    from ui import engine, jobs

    key = f"sample:background-{time.time()}"
    job = engine.model_or_fit("ease", sample, key)
    assert isinstance(job, jobs.FitJob) and job.model_name == "ease" and job.n_items == sample.n_items
    assert engine.model_or_fit("ease", sample, key) is job  # asked again (another tab) while it runs: the same job
    assert job.wait(300) and job.error is None
    model = engine.model_or_fit("ease", sample, key)
    assert isinstance(model, EASE) and model.is_fitted
    assert engine.fitted_model("ease", sample, key) is model  # every page and session gets this one
    assert jobs.fit_job(("ease", key)) is None


def test_small_catalogues_and_quick_models_fit_in_the_page_as_before(sample):
    from recengine.models import ItemKNN
    from ui import engine

    key = f"sample:foreground-{time.time()}"
    assert isinstance(engine.model_or_fit("itemknn", sample, key), ItemKNN)


def test_a_failed_fit_keeps_its_error_until_it_is_forgotten(sample, small_threshold, monkeypatch):
    import recengine.models.base
    from recengine.errors import ModelError
    from ui import engine, jobs

    def refuse(*args, **kwargs):
        raise ModelError("EASE needs more memory than this machine has free")

    key = f"sample:failing-{time.time()}"
    with monkeypatch.context() as m:
        m.setattr(recengine.models.base, "fit_cached", refuse)
        job = engine.model_or_fit("ease", sample, key)
        assert job.wait(60) and isinstance(job.error, ModelError)
        assert engine.model_or_fit("ease", sample, key) is job  # not started again at every rerun of the page
    jobs.forget_fit(("ease", key))
    again = engine.model_or_fit("ease", sample, key)
    assert again is not job and again.wait(300) and again.error is None


def test_the_recommend_page_lists_the_content_models_suggestions_while_the_hybrid_fits(run_page, small_threshold,
                                                                                       monkeypatch):
    """The page used to block on the hybrid's first fit (7.5 minutes on 20,000 items); now it shows the fit's
    progress and a list from the content model, and the hybrid's own list once the fit is done."""
    from tests.app.conftest import SAMPLE_KEY
    from ui import engine, jobs

    key = f"{SAMPLE_KEY}#background-{time.time()}"  # a dataset key no other test has fitted a hybrid for
    real, given = engine.model_or_fit, []

    def model_or_fit(name, ds, _key, *args):
        given.append(real(name, ds, key, *args))
        return given[-1]

    monkeypatch.setattr(engine, "model_or_fit", model_or_fit)
    at = run_page("pages/4_Recommend.py")  # the page imports model_or_fit from ui.engine at each run: patched
    assert any("is being fitted" in i.value and "leave this page" in i.value for i in at.info)
    assert at.header[0].value.endswith(" · content") and len(shown(at)) == 10
    job = given[0]  # (it may be done already: a fit saved on disk by an earlier test loads in a second)
    assert isinstance(job, jobs.FitJob) and job.wait(600) and job.error is None

    at.run()  # what the page's two-second redraw does once the fit has ended
    assert not any("is being fitted" in i.value for i in at.info)
    assert at.header[0].value.endswith(" · hybrid") and len(shown(at)) == 10
    assert any("is ready" in t.value for t in at.toast)
