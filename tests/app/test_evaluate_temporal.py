"""AppTest of the Evaluate page's temporal protocol: a run on the sample, and data without timestamps."""

from __future__ import annotations

import pandas as pd

import recengine
from tests.app.conftest import assert_clean, page_path


def test_evaluate_runs_the_temporal_protocol_and_says_where_it_cut(run_page):
    at = run_page("pages/6_Evaluate.py")
    assert not any("not offered" in c.value for c in at.caption)  # the sample has timestamps
    at.multiselect(key="ev_protocols").set_value(["temporal"])
    at.multiselect(key="ev_models").set_value(["popularity", "ease"])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert not at.error
    results = at.dataframe[0].value
    assert set(results["protocol"]) == {"temporal"} and list(results["model"]) == ["popularity", "ease"]
    ndcg = dict(zip(results["model"], results["ndcg@10"]))
    assert 0 < ndcg["popularity"] < ndcg["ease"] <= 1
    assert results["note"].str.startswith("cut 1998-03-07: 20 % of interactions after it;").all()
    assert any("Temporal" in c.value and "the notes under the tables say where the cut fell" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 2
    # the chart read aloud for the room: who leads and by how much, from the table's own figures
    lead = next(m.value.replace("\\", "") for m in at.markdown if "leads with" in m.value)
    assert f"temporal: ease leads with {ndcg['ease']:.3f}" in lead and "ahead of popularity" in lead, lead


def test_without_timestamps_the_page_says_the_temporal_protocol_needs_them():
    from streamlit.testing.v1 import AppTest

    inter = pd.DataFrame({"customer": ["a"] * 4 + ["b"] * 4 + ["c"] * 4,
                          "sku": ["k1", "k2", "k3", "k4", "k2", "k3", "k4", "k5", "k1", "k3", "k5", "k6"]})
    ds = recengine.read_dataset(inter, name="untimed-shoppers")
    assert not ds.has_timestamps
    at = AppTest.from_file(page_path("pages/6_Evaluate.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:untimed-shoppers"
    at.session_state["ev_protocols"] = ["warm", "temporal"]  # chosen on data that had timestamps, before this upload
    at.run()
    assert_clean(at)
    # not offered (a choice the data cannot run, then a red box for it, is what a presenter met), and said why once
    assert any("temporal" in c.value and "not offered" in c.value and "no timestamps" in c.value for c in at.caption)
    assert "temporal" not in at.multiselect(key="ev_protocols").options
    assert at.multiselect(key="ev_protocols").value == ["warm"]
    at.multiselect(key="ev_models").set_value(["popularity"])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert not at.error and set(at.dataframe[0].value["protocol"]) == {"warm"}
