"""AppTest of the Cold-start lab: a typed new item gets an audience and nearest items; the few-shot curve."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def test_few_shot_curve_for_cheap_models(run_page):
    at = run_page("pages/5_Cold-start_lab.py")
    at.multiselect(key="cold_models").set_value(["popularity", "itemknn"])
    at.button(key="cold_run").click().run()
    assert_clean(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 2
