"""Figures that a projector and a colour-blind eye can read: no bar is known by its colour alone (WCAG 1.4.1), and
every bar colour stands out from the white page by 3:1 or more (WCAG 1.4.11)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recengine.figures import evaluation as fv
from recengine.figures import style
from tests.app.test_colour_vision import _contrast, closest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own TOML reader
    tomllib = pytest.importorskip("tomli")

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
FIVE = ["popularity", "itemknn", "ease", "content", "hybrid"]


def _streamlit_palette() -> list[str]:
    return tomllib.loads(CONFIG.read_text())["theme"]["chartCategoricalColors"]


def _palette() -> dict[str, str]:
    """Every colour a model's or a signal's bar (or Streamlit's own chart) may get, by where it comes from."""
    return {**{f"model {k}": c for k, c in style.MODEL_COLORS.items()},
            **{f"signal {k}": c for k, c in style.SIGNAL_COLORS.items()},
            **{f"config.toml #{i}": c for i, c in enumerate(_streamlit_palette())}}


def test_every_bar_colour_stands_out_from_the_white_page_by_3_to_1():
    assert round(_contrast("#9CA3AF", "#FFFFFF"), 2) == 2.54  # the check knows the old popularity grey failed
    low = {name: round(_contrast(c, "#FFFFFF"), 2) for name, c in _palette().items() if _contrast(c, "#FFFFFF") < 3.0}
    assert not low


def test_streamlit_charts_use_the_figures_palette():
    """chartCategoricalColors repeats style.CHART_COLORS: a colour changed in one place only fails here."""
    assert _streamlit_palette() == list(style.CHART_COLORS)
    assert set(style.MODEL_COLORS.values()) <= set(style.CHART_COLORS)


def test_model_and_signal_colours_stay_apart_for_colour_blind_eyes():
    """Popularity and content (deuteranopes, 21), ease and content (protanopes, 24) were near; now none is under 30.
    The signals (and the config's eight, the hybrid among them) keep 15 or more apart, as a map's values do."""
    assert min(closest(list(style.MODEL_COLORS.values())).values()) > 30
    assert min(closest(list({*style.SIGNAL_COLORS.values(), *style.CHART_COLORS})).values()) > 15


def _bar_labels(fig) -> list[tuple[str, str]]:
    """(trace name, what the figure itself writes at that bar: its tick label under it and its text), bar by bar.

    A two-level (multicategory) axis writes the inner level under each bar; a flat one the value itself."""
    out = []
    for t in fig.data:
        where = t.y if t.orientation == "h" else t.x
        levels = list(where)
        ticks = list(levels[-1]) if levels and all(isinstance(v, (list, tuple)) for v in levels) else levels
        texts = list(t.text) if t.text is not None and t.textposition != "none" else [""] * len(ticks)
        out += [(t.name, f"{tick} {text}") for tick, text in zip(ticks, texts)]
    return out


def _names_each_bar(fig, names) -> None:
    labels = _bar_labels(fig)
    assert {n for n, _ in labels} == set(names)
    for name, label in labels:
        assert name in label.split(), f"the {name} bar says only {label!r}: its colour and the legend name it"
    assert fig.layout.xaxis.showticklabels is not False


def test_accuracy_bars_with_one_protocol_name_each_model_on_the_chart_itself():
    df = pd.DataFrame({"protocol": "warm", "model": FIVE, "ndcg@10": [0.31, 0.44, 0.448, 0.29, 0.45]})
    fig = fv.metric_bars(df, "ndcg@10", by="setting")
    _names_each_bar(fig, FIVE)
    # the protocol still said, once, beneath the names: as the axis title, not a group label under the middle bar
    # (the browser probe read it as the third model's)
    assert [list(t.x) for t in fig.data] == [[m] for m in FIVE] and fig.layout.xaxis.title.text == "protocol: warm"
    assert [list(t.text) for t in fig.data][2] == ["0.448"] and fig.layout.xaxis.tickangle is None


def test_accuracy_bars_of_eight_models_and_three_settings_name_every_bar_and_keep_their_order():
    models = [*FIVE, "sasrec", "bpr", "lightgcn"]
    rows = [{"protocol": "few-shot", "shots": s, "model": m, "ndcg@10": 0.1 + 0.01 * i}
            for s in (1, 3, 5) for i, m in enumerate(models)]
    rows += [{"protocol": "cold-items", "shots": np.nan, "model": m, "ndcg@10": np.nan if m == "ease" else 0.2}
             for m in models]
    fig = fv.metric_bars(pd.DataFrame(rows), "ndcg@10", by="setting")
    _names_each_bar(fig, models)
    ease = next(t for t in fig.data if t.name == "ease")
    assert list(ease.x[0]) == ["few-shot 1", "few-shot 3", "few-shot 5", "cold-items"]  # as run
    assert list(ease.text)[-1] == "n/a" and list(ease.y)[-1] == 0.0
    # 32 narrow bars: names and values stand upright, and the chart grows by the longest name instead of the plot
    # shrinking under them
    assert fig.layout.xaxis.tickangle == -90 and ease.textangle == -90 and fig.layout.height > 440


def test_before_after_bars_say_which_is_which_without_colour():
    fig = fv.before_after({"recall": 0.164, "ndcg": 0.323}, {"recall": 0.172, "ndcg": 0.335})
    _names_each_bar(fig, ["zero-shot", "fine-tuned"])
    assert list(fig.data[1].x[0]) == ["Recall@10", "NDCG@10"] and list(fig.data[1].text) == ["0.172", "0.335"]
