"""An evaluation stopped half-way keeps the models it finished: a stray click or another page lost them all."""

from __future__ import annotations

import time

import pandas as pd
import pytest


class Stopped(Exception):
    """What Streamlit raises in a page's script when the visitor leaves it mid-run."""


def test_a_run_stopped_after_one_model_keeps_it_and_measures_only_the_rest(sample, sample_embeddings, monkeypatch):
    import recengine.evaluation
    from ui import engine

    real = recengine.evaluation.evaluate
    calls = []

    def evaluate(dataset, protocol, models, **kw):
        calls.append(tuple(models))
        if len(calls) == 2 and not hasattr(evaluate, "stopped"):
            evaluate.stopped = True
            raise Stopped
        return real(dataset, protocol, models=models, **kw)

    monkeypatch.setattr(recengine.evaluation, "evaluate", evaluate)
    key = f"sample:resume-{time.time()}"
    models = ("popularity", "itemknn")
    with pytest.raises(Stopped):
        engine.evaluation(sample, key, "warm", models)
    assert engine.measured_models(key, "warm", models, 10, 42, "default") == ["popularity"]
    assert not engine.has_evaluation(key, "warm", models, 10, 42, "default")

    res = engine.evaluation(sample, key, "warm", models)
    assert calls == [("popularity",), ("itemknn",), ("itemknn",)]  # popularity was not measured again
    together = real(sample, "warm", models=list(models), embeddings=sample_embeddings)
    cols = ["model", "ndcg@10", "recall@10", "coverage", "n_users"]
    pd.testing.assert_frame_equal(res[cols], together[cols])

    engine.evaluation(sample, key, "warm", ("popularity", "itemknn", "ease"))  # another choice: only EASE is new
    assert calls[3:] == [("ease",)]


def test_the_page_says_which_models_a_stopped_run_finished(run_page):
    """Back on the page, the visitor learns what is kept, and that Run measures only the rest."""
    from tests.app.conftest import SAMPLE_KEY
    from ui import engine

    seed = 4321  # choices no other test measures
    row = pd.DataFrame([{"protocol": "warm", "model": "popularity", "ndcg@10": 0.2}])
    key = (SAMPLE_KEY, "warm", "popularity", 10, seed, "default", None)
    engine._registry().setdefault("evaluation_rows", {})[key] = row
    try:
        at = run_page("pages/6_Evaluate.py", ev_seed=seed, ev_models=["popularity", "content"])
        assert any("warm: popularity" in i.value and "measure the rest" in i.value for i in at.info)
    finally:
        engine._registry()["evaluation_rows"].pop(key, None)
    at = run_page("pages/6_Evaluate.py", ev_seed=seed, ev_models=["popularity", "content"])
    assert not any("measure the rest" in i.value for i in at.info)
