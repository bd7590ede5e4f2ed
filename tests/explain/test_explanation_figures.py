"""Explanation figure builders return the right traces, ending exactly at the explained score."""

from __future__ import annotations

import numpy as np
import pytest

from recengine.errors import ConfigError
from recengine.explain import INTENT_PLAYER, Explanation, ItemExplanation
from recengine.figures.explanations import history_bars, signal_beeswarm, signal_importance, signal_waterfall
from recengine.figures.style import POSITIVE

NAMES = ["ease", "itemknn", "content", "intent", "popularity"]


def make(i: int, rng: np.random.Generator) -> ItemExplanation:
    values = rng.normal(size=len(NAMES))
    data = rng.normal(size=len(NAMES))
    data[3] = np.nan
    base = 0.3
    score = base + values.sum()
    signals = Explanation(values, base, data, NAMES, "signals", str(i), f"Film {i}", score)
    hv = rng.normal(size=4)
    history = Explanation(hv, score - hv.sum(), np.ones(4), ["1", "2", "3", INTENT_PLAYER], "history", str(i), f"Film {i}", score,
                          labels=["Toy Story", "Star Wars", "Fargo", "your request"])
    return ItemExplanation(str(i), f"Film {i}", score, signals, history)


@pytest.fixture()
def explanations(rng):
    return [make(i, rng) for i in range(10)]


def test_waterfall_steps_end_at_the_score(explanations):
    e = explanations[0]
    fig = signal_waterfall(e, max_signals=3)
    trace = fig.data[0]
    assert trace.type == "waterfall"
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "relative", "total"]
    assert trace.x[0] + sum(trace.x[1:-1]) == pytest.approx(e.score)
    assert trace.x[-1] == pytest.approx(e.score)
    assert any("other signals" in str(y) for y in trace.y)
    assert any("missing" in str(y) for y in signal_waterfall(e).data[0].y)


def test_history_bars_show_titles_and_colours(explanations):
    e = explanations[1]
    trace = history_bars(e).data[0]
    assert trace.type == "bar" and trace.orientation == "h"
    assert {y.rsplit("  ", 1)[0] for y in trace.y} == {"Toy Story", "Star Wars", "Fargo", "your request"}
    assert [y.rsplit("  ", 1)[1] for y in trace.y] == [f"{v:+.3f}" for v in trace.x]  # each value in its label
    for v, c in zip(trace.x, trace.marker.color):
        assert (c == POSITIVE) == (v >= 0)
    assert len(history_bars(e, max_items=2).data[0].y) == 2
    axis = history_bars(e).layout.xaxis  # values live in the labels: no tick labels to turn sideways in half a card
    assert axis.showticklabels is False and axis.zeroline is True


def test_beeswarm_has_one_trace_per_signal_and_one_dot_per_item(explanations):
    fig = signal_beeswarm(explanations)
    assert [t.name for t in fig.data] == NAMES
    for j, t in enumerate(fig.data):
        np.testing.assert_allclose(t.x, [e.signals.values[j] for e in explanations])
    assert signal_importance(explanations).data[0].type == "bar"


def test_wrong_views_are_refused(explanations):
    with pytest.raises(ConfigError):
        signal_waterfall(explanations[0].history)
    with pytest.raises(ConfigError):
        history_bars(explanations[0].signals)
    with pytest.raises(ConfigError):
        signal_beeswarm([])


def test_values_are_written_in_the_labels_not_beside_the_bars():
    """Text beside a bar is cut off or runs into the labels in a half-card chart at 1280 px; a label is not."""
    import numpy as np

    from recengine.explain import Explanation
    from recengine.figures.explanations import history_bars, signal_waterfall

    e = Explanation(np.array([2.0, -0.5]), 1.0, np.array([3.0, 1.0]), ["ease", "popularity"], "signals", "9", "Fargo", 2.5,
                    labels=["tastes like yours (EASE)", "popularity"])
    fig = signal_waterfall(e)
    # an audience reads the signal's name and its push; its standardised value ("ease = 3") is on hover
    assert list(fig.data[0].y) == ["typical item  1.000", "popularity  -0.500", "tastes like yours (EASE)  +2.000",
                                   "this item  2.500"]
    assert list(fig.data[0].customdata)[1:3] == ["popularity = 1", "ease = 3"]
    assert fig.data[0].textposition == "none"
    lo, hi = fig.layout.xaxis.range
    assert lo <= 0 and hi >= 2.5  # base 1.0 - 0.5 + 2.0: every bar end in range
    long = "A Very Long Title That Would Squeeze The Bars Away"
    h = Explanation(np.array([0.8, -0.3]), 0.0, np.array([1.0, 1.0]), ["1", "2"], "history", "9", "Fargo", 0.5,
                    labels=[long, "Heat"])
    bars = history_bars(h)
    lo, hi = bars.layout.xaxis.range
    assert lo < -0.3 and hi > 0.8 and bars.data[0].textposition == "none"
    assert list(bars.data[0].y)[0] == "Heat  -0.300" and len(list(bars.data[0].y)[1]) <= 26 + len("  +0.800")


def test_titles_from_files_are_shown_as_text_in_the_charts():
    from recengine.explain import Explanation
    from recengine.figures.explanations import history_bars, signal_waterfall

    title = "<b>Bold</b> *star*\n\n[link](http://x)"
    e = Explanation(np.array([0.5]), 0.0, np.array([1.0]), ["7"], "history", "9", title, 0.5, labels=[title])
    fig = history_bars(e)
    assert "<b>" not in fig.data[0].y[0] and "&lt;b&gt;Bold&lt;/b&gt;" in fig.data[0].y[0] and "\n" not in fig.data[0].y[0]
    assert "<b>" not in fig.layout.title.text
    s = Explanation(np.array([0.5]), 0.0, np.array([1.0]), ["content"], "signals", "9", title, 0.5)
    assert "<b>" not in signal_waterfall(s).layout.title.text


def test_sampled_history_bars_carry_whiskers_and_exact_ones_do_not():
    values = np.array([0.5, 0.3, -0.2])
    common = dict(feature_names=["1", "2", "3"], kind="history", item_id="9", title="Heat", score=0.6,
                  labels=["Toy Story", "GoldenEye", "Copycat"])
    exact = history_bars(Explanation(values, 0.0, np.ones(3), **common))
    assert exact.data[0].error_x.array is None and "sampled" not in exact.layout.title.text
    sampled = history_bars(Explanation(values, 0.0, np.ones(3), errors=np.array([0.1, 0.05, 0.02]), **common))
    assert sorted(sampled.data[0].error_x.array) == pytest.approx([0.04, 0.1, 0.2])
    assert "margin of error" in sampled.layout.title.text
    assert "± 0.200 from sampling" in " ".join(sampled.data[0].customdata)
    # Copycat's -0.2 ± 0.04 is told apart from 0: NEGATIVE's colour; with an error of 0.15 it could be 0: grey
    blurred = history_bars(Explanation(values, 0.0, np.ones(3), errors=np.array([0.1, 0.05, 0.15]), **common))
    colours = dict(zip([str(y).split("  ")[0] for y in blurred.data[0].y], blurred.data[0].marker.color))
    from recengine.figures.style import NEGATIVE, NEUTRAL, POSITIVE

    assert (colours["Copycat"], colours["Toy Story"]) == (NEUTRAL, POSITIVE)
    told = history_bars(Explanation(values, 0.0, np.ones(3), errors=np.array([0.1, 0.05, 0.02]), **common))
    assert dict(zip([str(y).split("  ")[0] for y in told.data[0].y], told.data[0].marker.color))["Copycat"] == NEGATIVE


def test_the_rest_of_a_long_history_counts_items_not_the_profile_size():
    from recengine.explain import SIZE_PLAYER

    ids = [str(i) for i in range(15)] + [SIZE_PLAYER]
    e = Explanation(np.r_[np.linspace(1, 0.1, 15), 0.05], 0.0, np.ones(16), ids, "history", "9", "Heat", 8.3,
                    labels=[f"Film {i}" for i in range(15)] + ["15 items in profile"])
    title = history_bars(e, max_items=12).layout.title.text
    assert "3 more items and the profile's size" in title


def test_signals_that_moved_nothing_are_one_step_not_a_row_of_empty_bars():
    e = Explanation(np.array([0.8, 0.0, -0.0001, 0.3, 0.0]), 0.1, np.array([1.0, 0.0, 0.2, 0.5, np.nan]),
                    ["ease", "intent", "item_age", "content", "cooc"], "signals", "9", "Heat", 1.1999)
    trace = signal_waterfall(e).data[0]
    labels = [str(y) for y in trace.y]
    assert not any(y.startswith(("matches your request", "item age")) for y in labels)
    assert any("2 signals at about 0" in y for y in labels) and any("(missing)" in y for y in labels)
    assert trace.x[0] + sum(trace.x[1:-1]) == pytest.approx(e.score)


def test_a_push_that_rounds_to_nothing_reads_plus_zero_and_the_beeswarm_hover_names_the_signal():
    e = Explanation(np.array([0.5, -0.00004]), 0.0, np.ones(2), ["1", "2"], "history", "9", "Heat", 0.49996,
                    labels=["Toy Story", "GoldenEye"])
    assert any(str(y).endswith("+0.000") for y in history_bars(e).data[0].y)
    assert not any("-0.000" in str(y) for y in history_bars(e).data[0].y)
    es = [Explanation(np.array([0.1, -0.1]), 0.0, np.array([20.676387786865234, np.nan]), ["ease", "popularity"],
                      "signals", "1", "Toy Story", 0.0, labels=["tastes like yours (EASE)", "popularity"])]
    trace = signal_beeswarm(es).data[0]
    assert "tastes like yours (EASE)" in trace.hovertemplate and trace.customdata[0][1] == "20.7"
    assert signal_beeswarm(es).data[1].customdata[0][1] == "missing"
