"""The embedding and evaluation figure builders, without Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recengine.errors import ConfigError
from recengine.figures import embeddings as fe
from recengine.figures import evaluation as fv
from recengine.figures.style import MODEL_COLORS


def test_pca_projection_keeps_the_main_axis_of_variation(rng):
    base = rng.normal(size=(200, 1)) * 10
    x = np.hstack([base, rng.normal(size=(200, 7)) * 0.1]).astype(np.float32)
    xy = fe.project_2d(x, "pca")
    assert xy.shape == (200, 2)
    assert abs(np.corrcoef(xy[:, 0], base[:, 0])[0, 1]) > 0.99
    np.testing.assert_allclose(fe.project_2d(x, "pca"), xy)


def test_umap_projection_keeps_clusters_apart_and_is_repeatable(rng):
    pytest.importorskip("umap")
    centres = rng.normal(size=(6, 32)) * 3
    x = np.vstack([c + rng.normal(size=(40, 32)) for c in centres]).astype(np.float32)
    x[-1] = 0  # an item without text
    label = np.repeat(np.arange(6), 40)
    xy = fe.project_2d(x, "umap")
    assert xy.shape == (240, 2) and np.isfinite(xy).all()
    d = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    same = label[d.argmin(axis=1)] == label
    assert same[:-1].mean() > 0.95  # each item's nearest point on the map is from its own cluster
    np.testing.assert_allclose(fe.project_2d(x, "umap"), xy)


def test_projection_rejects_unknown_methods_and_tiny_inputs():
    with pytest.raises(ConfigError, match="unknown projection"):
        fe.project_2d(np.ones((5, 3)), "tsne")
    with pytest.raises(ConfigError, match="at least 3"):
        fe.project_2d(np.ones((2, 3)))


def test_map_escapes_hover_text_and_groups_rare_categories():
    titles = [f"<script>{i}</script>" for i in range(30)]
    colours = [f"g{i % 12}" for i in range(30)]
    fig = fe.embedding_map(np.zeros((30, 2)), titles, texts=["a & b"] * 30, color=colours, color_name="genre",
                           highlight=[i == 0 for i in range(30)], max_categories=5)
    names = [t.name for t in fig.data]
    assert names[-2:] == ["other (8 values)", "cold items"] and len(names) == 6  # what "other" holds, said
    assert fig.layout.legend.title.text == "genre: the 4 most common of 12"
    # under the map, three entries a row: beside it, the legend squeezed the map to a strip at 1024 x 768
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0 and fig.layout.legend.entrywidth == 1 / 3
    hover = " ".join(h for t in fig.data for h in t.hovertext)
    assert "<script>" not in hover and "&lt;script&gt;" in hover and "a &amp; b" in hover
    assert sum(len(t.x) for t in fig.data[:-1]) == 30
    # exactly max_categories values: each drawn by name, none lumped into "other"
    fig = fe.embedding_map(np.zeros((30, 2)), titles, color=[f"g{i % 5}" for i in range(30)], max_categories=5)
    assert sorted(t.name for t in fig.data) == [f"g{i}" for i in range(5)]


def test_quotes_in_titles_show_as_quotes_on_the_map_and_the_heatmap():
    """Plotly shows ``&quot;`` and ``&#x27;`` literally, so only tags and ampersands are escaped."""
    titles = ['"Crouching" Tiger', "Schindler's List", "<i>x</i>"]
    fig = fe.embedding_map(np.zeros((3, 2)), titles)
    hover = " ".join(h for t in fig.data for h in t.hovertext)
    assert '"Crouching" Tiger' in hover and "Schindler's List" in hover and "&lt;i&gt;" in hover
    assert "&quot;" not in hover and "&#x27;" not in hover
    heat = fe.similarity_heatmap(np.eye(3, dtype=np.float32), titles)
    shown = " ".join(map(str, heat.data[0].y)) + " " + " ".join(map(str, heat.data[0].x))
    assert "Schindler's" in shown and "&#x27;" not in shown and "&quot;" not in shown


def test_map_numeric_colour_draws_a_scale():
    fig = fe.embedding_map(np.zeros((4, 2)), list("abcd"), color=[1, 2, 3, 4], color_name="popularity")
    assert len(fig.data) == 1 and fig.data[0].marker.showscale


def test_a_colour_scale_and_the_cold_item_rings_do_not_share_the_right_edge():
    """The colour bar names the scale; the legend (cold items) goes under the map instead of over the bar's title."""
    fig = fe.embedding_map(np.zeros((4, 2)), list("abcd"), color=[1, 2, 3, 4], color_name="popularity (log)",
                           highlight=[True, False, False, False])
    scale, rings = fig.data
    assert scale.showlegend is False and rings.name == "cold items"
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0


def test_a_large_catalogue_is_drawn_with_smaller_fainter_points_and_lighter_rings():
    small = fe.embedding_map(np.zeros((1_682, 2)), ["x"] * 1_682, highlight=[True] * 10 + [False] * 1_672)
    large = fe.embedding_map(np.zeros((20_000, 2)), ["x"] * 20_000, highlight=[True] * 4_000 + [False] * 16_000)
    assert (small.data[0].marker.size, small.data[0].marker.opacity) == (7.0, 0.9)  # 3:1 on the plot (test_map_contrast)
    assert large.data[0].marker.size < 4 and large.data[0].marker.opacity < 0.5
    assert small.data[1].marker.line.width == 2 and large.data[1].marker.line.width == 1


def test_heatmap_is_cosine_with_unique_labels():
    v = np.array([[3.0, 0], [1, 1], [0, 2]])
    fig = fe.similarity_heatmap(v, ["same", "same", "other"])
    z = np.asarray(fig.data[0].z)
    np.testing.assert_allclose(np.diag(z), 1.0)
    assert z[0, 1] == pytest.approx(np.sqrt(0.5)) and z[0, 2] == pytest.approx(0.0)
    assert list(fig.data[0].x) == ["same", "same (2)", "other"]
    assert fig.data[0].customdata[0][2] == "row: same<br>column: other"  # "Fargo / Fargo": which is which
    long = fe.similarity_heatmap(np.eye(10), [f"A very long film title number {i} (1995)" for i in range(10)])
    assert all(len(c) <= 25 for c in long.data[0].x) and len(set(long.data[0].x)) == 10 and long.layout.xaxis.dtick == 1 and long.layout.yaxis.dtick == 1
    assert long.layout.margin.b >= 100 and long.layout.height >= 60 + 42 * 10 + long.layout.margin.b  # rows keep 42 px
    many = fe.similarity_heatmap(np.eye(20), [f"Star Trek film number {i}" for i in range(20)])  # the picker's most
    assert list(many.data[0].x) == [str(n) for n in range(1, 21)] and many.data[0].y[4] == "5 · Star Trek film number 4"
    assert many.data[0].texttemplate is None and many.layout.xaxis.tickangle == 0  # no 5 px numbers, no overlap
    assert "Star Trek film number 4" in many.data[0].customdata[0][4]  # the hover still names both


def test_metric_bars_colour_each_model_the_same_everywhere():
    df = pd.DataFrame({"protocol": ["warm", "cold_items"] * 2, "model": ["hybrid", "hybrid", "ease", "ease"],
                       "ndcg": [0.46, 0.3, 0.45, np.nan]})
    fig = fv.metric_bars(df, "ndcg")
    assert [t.name for t in fig.data] == ["ease", "hybrid"]
    assert fig.data[0].marker.color == MODEL_COLORS["ease"]
    assert list(fig.data[0].text) == ["0.450", "n/a"]
    assert list(fig.data[0].y) == [0.45, 0.0]  # drawn at 0, so its "n/a" shows instead of nothing
    assert fig.layout.yaxis.range[1] > 0.46  # room above the tallest bar for its label
    with pytest.raises(ConfigError, match="lacks column"):
        fv.metric_bars(df, "recall")


def test_few_shot_curve_and_beyond_accuracy():
    df = pd.DataFrame({"model": ["content"] * 3 + ["itemknn"] * 3, "shots": [5, 1, 3] * 2,
                       "ndcg": [0.3, 0.1, 0.2, 0.2, 0.05, 0.1], "coverage": [0.5] * 6, "novelty": [9.0] * 6})
    fig = fv.few_shot_curve(df)
    content = next(t for t in fig.data if t.name == "content")
    assert list(content.x) == [1, 3, 5] and list(content.y) == [0.1, 0.2, 0.3]
    panels = fv.beyond_accuracy(df)
    assert len(panels.data) == 2 and list(panels.data[0].y) == ["itemknn", "content"]
    assert list(panels.data[1].text) == ["9.000", "9.000"] and panels.data[0].orientation == "h"


def test_before_after_and_loss_curve():
    fig = fv.before_after({"recall": 0.164, "ndcg": 0.323}, {"recall": 0.172, "ndcg": 0.335, "hit": 1.0})
    assert list(fig.data[1].y) == [0.172, 0.335]
    top = fv.before_after({"recall": 1.0, "ndcg": 0.684}, {"recall": 1.0, "ndcg": 0.707})  # labels above bars at the top
    assert top.layout.yaxis.range[1] >= 1.15 and top.data[0].cliponaxis is False
    assert list(fv.loss_curve([1, 2], [0.9, 0.5]).data[0].y) == [0.9, 0.5]


def test_the_history_chart_says_on_hover_what_the_profile_size_bar_is():
    """A stakeholder hovering over '4 items in profile' must not read 'id profile size'."""
    import numpy as np

    from recengine.explain import SIZE_PLAYER, Explanation
    from recengine.figures.explanations import history_bars

    e = Explanation(np.array([0.5, -0.9]), 0.0, np.array([1.0, 4.0]), ["50", SIZE_PLAYER], "history", "181",
                    "Return of the Jedi", -0.4, labels=["Star Wars", "4 items in profile"])
    hover = dict(zip(history_bars(e).data[0].y, history_bars(e).data[0].customdata))
    assert hover["Star Wars  +0.500"] == "id 50"
    assert "weighs a profile by its size" in hover["4 items in profile  -0.900"]


def test_history_bars_of_headlines_that_start_alike_read_apart():
    """Two MIND headlines both read "Report: goalkeeper shakes…" on their bars (+1.347 and +0.355): which was which?"""
    from recengine.explain import Explanation
    from recengine.figures.explanations import history_bars

    titles = ["Report: goalkeeper shakes off a knee injury", "Report: goalkeeper shakes up the transfer market"]
    e = Explanation(np.array([1.347, 0.355]), 0.0, np.array([1.0, 1.0]), ["N17807", "N20175"], "history", "N1",
                    "Cup final", 1.7, labels=titles)
    labels = [str(y).rsplit("  ", 1)[0] for y in history_bars(e).data[0].y]
    assert len(set(labels)) == 2 and any("(N17807)" in y for y in labels) and any("(N20175)" in y for y in labels)


def test_an_item_without_text_has_blank_cells_not_a_cosine_of_zero_with_itself():
    fig = fe.similarity_heatmap(np.array([[1.0, 0.0], [0.0, 0.0], [0.6, 0.8]]), ["Trail shoe", "R900", "Rain jacket"])
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[1]).all() and np.isnan(z[:, 1]).all() and z[0, 0] == pytest.approx(1.0)
    assert fig.data[0].y[1] == "R900 (no text)" and fig.data[0].text[1] == ["", "", ""] and fig.data[0].text[0][2] == "0.60"


def test_few_shot_lines_on_the_same_values_both_show_and_the_axis_starts_at_zero():
    df = pd.DataFrame({"model": ["popularity"] * 2 + ["hybrid"] * 2, "shots": [1, 3] * 2, "ndcg": [0.51, 0.48, 0.51, 0.49]})
    fig = fv.few_shot_curve(df)
    a, b = fig.data
    assert (a.marker.symbol, a.line.dash) != (b.marker.symbol, b.line.dash)
    assert fig.layout.yaxis.rangemode == "tozero"


def test_a_map_legend_is_short_and_free_text_colours_no_map():
    """A description column as colour: 70-character legend entries took two thirds of the chart."""
    long = [f"A long description number {i % 3} of one item, its plot, its cast and more" for i in range(9)]
    fig = fe.embedding_map(np.zeros((9, 2)), [str(i) for i in range(9)], color=long)
    assert max(len(t.name) for t in fig.data) <= fe.LEGEND_WIDTH
    assert not fe.colours_well([f"A sentence about item {i}, with its plot and cast" for i in range(9)])
    hover = fe.embedding_map(np.zeros((3, 2)), ["a", "b", "c"], texts=["x y", "", "z"]).data[0].hovertext
    assert "no text" in hover[1] and "no text" not in hover[0]


def test_still_charts_keep_only_the_png_export_in_their_toolbar():
    """An open suggestion's two bar charts put sixteen toolbar buttons in a keyboard user's way; a map keeps zoom."""
    import json

    from streamlit.testing.v1 import AppTest

    def script():
        import plotly.graph_objects as go

        from ui.downloads import figure

        figure(go.Figure(go.Bar(x=[1], y=[2])), "bars", buttons=False)
        figure(go.Figure(go.Scattergl(x=[1], y=[2])), "map", buttons=False)

    at = AppTest.from_function(script).run()
    bars, scatter = (json.loads(c.proto.config) for c in at.get("plotly_chart"))
    assert "zoom2d" in bars["modeBarButtonsToRemove"] and bars["toImageButtonOptions"]["format"] == "png"
    assert "modeBarButtonsToRemove" not in scatter
