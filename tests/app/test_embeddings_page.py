"""AppTest of the Embeddings page on the sample with the real default encoder."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def test_embeddings_page_maps_and_compares_items(run_page):
    at = run_page("pages/2_Embeddings.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Items embedded"] == "1,682" and metrics["Dimensions"] == "384"
    assert {s.label for s in at.selectbox} >= {"Encoder", "Device", "Colour by"}
    assert len(at.get("plotly_chart")) == 2  # the map and the heatmap
    chosen = at.multiselect(key="emb_items")
    assert len(chosen.value) == 6
    chosen.set_value(chosen.value[:1]).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1 and "at least two" in at.info[0].value
    at.selectbox(key="emb_colour").set_value("cold or warm").run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
