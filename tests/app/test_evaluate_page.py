"""AppTest of the Evaluate page: a real protocol run on the sample, its charts, table and run history."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def test_evaluate_runs_a_protocol_and_keeps_it_in_the_history(run_page):
    at = run_page("pages/6_Evaluate.py")
    assert at.info and not at.get("plotly_chart")
    at.multiselect(key="ev_models").set_value(["popularity", "ease"])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2  # accuracy bars and beyond-accuracy panels
    results = at.dataframe[0].value
    assert list(results["model"]) == ["popularity", "ease"]
    ndcg = dict(zip(results["model"], results["ndcg@10"]))
    assert 0 < ndcg["popularity"] < ndcg["ease"] <= 1
    assert any("Run history" in e.label for e in at.expander)
    at.radio(key="ev_metric").set_value("recall@10").run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2
