"""Figures of explanations: a waterfall of signal contributions, a bar chart of history contributions
with item titles, and a beeswarm summary of the signals over a whole list.

Pure functions: :class:`~recengine.explain.Explanation` / :class:`~recengine.explain.ItemExplanation`
in, ``go.Figure`` out. Signals keep their colour from :mod:`recengine.figures.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from recengine.display import one_line
from recengine.errors import ConfigError
from recengine.explain.explanation import is_intent, is_pooled, is_size
from recengine.figures.style import NEGATIVE, NEUTRAL, POSITIVE, apply_layout, color_for, plain_label


def _as_view(explanation: Any, kind: str) -> Any:
    view = getattr(explanation, kind, explanation)
    if getattr(view, "kind", None) != kind:
        raise ConfigError(f"expected a {kind} explanation, got {getattr(view, 'kind', type(view).__name__)!r}.")
    return view


def _short(text: str, width: int = 42) -> str:
    r"""``text`` on one line, cut to ``width`` characters, with HTML escaped (Plotly renders <b>, <a href> in labels).

    >>> _short("<b>Bold</b>\n\nnews")
    '&lt;b&gt;Bold&lt;/b&gt; news'
    """
    return plain_label(one_line(text, width))


#: Characters of a title or signal name shown on a bar's label (the chart may be half a 1280-px card wide).
LABEL_WIDTH = 26


def _distinct_labels(labels: list[str], ids: list[str], width: int = LABEL_WIDTH) -> list[str]:
    """Bar labels cut to ``width``; two that the cut makes alike (news headlines that start the same) end with their
    item id instead, so no two bars read the same.

    >>> _distinct_labels(["Report: goalkeeper shakes off injury", "Report: goalkeeper shakes up league", "Heat"],
    ...                  ["N1", "N22", "7"], 26)
    ['Report: goalkeeper s… (N1)', 'Report: goalkeeper… (N22)', 'Heat']
    """
    short = [_short(t, width) for t in labels]
    seen: dict[str, int] = {}
    for s in short:
        seen[s] = seen.get(s, 0) + 1
    out = []
    for label, s, i in zip(labels, short, ids):
        if seen[s] > 1 and str(i) not in s:
            tail = f" ({plain_label(str(i))})"
            s = _short(label, max(4, width - len(tail))) + tail
        out.append(s)
    return out


def _fmt(v: float) -> str:
    """A push as a bar's label: signed, three decimals; one that rounds to nothing is +0.000, never -0.000."""
    return f"{round(float(v), 3) + 0.0:+.3f}"


def signal_waterfall(explanation: Any, max_signals: int = 10, title: str | None = None) -> go.Figure:
    """Waterfall from the base value, through each signal's SHAP value, to the item's score.

    Signals beyond ``max_signals`` (by |SHAP|) are merged into one "other signals" step, so the
    bars still end exactly at the score.

    Examples
    --------
    >>> import numpy as np
    >>> from recengine.explain import Explanation
    >>> e = Explanation(np.array([0.6, -0.1]), 0.2, np.array([1.5, 3.0]), ["ease", "popularity"],
    ...                 "signals", "50", "Star Wars", 0.7)
    >>> fig = signal_waterfall(e)
    >>> fig.data[0].type, list(fig.data[0].measure)
    ('waterfall', ['absolute', 'relative', 'relative', 'total'])
    """
    e = _as_view(explanation, "signals")
    frame = e.to_frame()
    # signals that moved nothing (no request: "matches your request +0.000") are one step, not a row of empty bars
    # (a signal the item lacks, a new item's EASE, stays: "(missing)" says why it moved nothing)
    still = (frame["shap"].abs().to_numpy() < 5e-4 * max(1.0, float(np.abs(frame["shap"].to_numpy(dtype=float)).max(initial=0.0)))) & np.isfinite(
        frame["value"].to_numpy(dtype=float))
    frame, quiet = frame[~still], frame[still]
    head, tail = frame.head(max_signals), pd.concat([frame.iloc[max_signals:], quiet])
    # each row's push is written into its label: text beside the bars is cut off or runs into the labels in
    # a chart half a card wide (a 1280-px projector), a label never is. The signal's own value (standardised,
    # "ease = 4.87") means nothing to an audience: it is on hover, with the signal's name in the model.
    labels = [_short(r.label, LABEL_WIDTH) + ("" if np.isfinite(r.value) else " (missing)") for r in head.itertuples()]
    hover = [f"{plain_label(str(r.feature))} = {r.value:.3g}" if np.isfinite(r.value) else f"{plain_label(str(r.feature))}: missing"
             for r in head.itertuples()]
    values = head["shap"].tolist()
    if len(tail):
        labels.append(f"{len(tail)} other signals" if len(tail) > len(quiet) else f"{len(tail)} signals at about 0")
        hover.append(", ".join(plain_label(str(f)) for f in tail["feature"]))
        values.append(float(tail["shap"].sum()))
    # Smallest contribution first, so the biggest steps sit next to the final score.
    order = list(range(len(values)))[::-1]
    x = [f"typical item  {e.base_value:.3f}"] + [f"{labels[i]}  {_fmt(values[i])}" for i in order] + [f"this item  {e.score:.3f}"]
    details = ["the average item's score for this profile"] + [hover[i] for i in order] + ["the score it was ranked by"]
    y = [e.base_value] + [values[i] for i in order] + [e.score]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=x,
            x=y,
            measure=["absolute"] + ["relative"] * len(values) + ["total"],
            textposition="none",
            increasing={"marker": {"color": POSITIVE}},
            decreasing={"marker": {"color": NEGATIVE}},
            totals={"marker": {"color": NEUTRAL}},
            connector={"line": {"color": "#D1D5DB"}},
            customdata=details,
            hovertemplate="%{y} (%{customdata}): %{x:.4f}<extra></extra>",
        )
    )
    fig.update_xaxes(title="score")
    ends = np.cumsum(y[:-1])
    _room_for_bars(fig, np.concatenate([ends, [e.score]]))
    return apply_layout(fig, title or f"Why “{_short(e.title)}” scored {e.score:.3f}", height=120 + 42 * len(x))


def _room_for_bars(fig: go.Figure, ends: np.ndarray) -> None:
    """An x range from 0 (or the lowest bar end) to the highest, with a little room on both sides."""
    ends = ends[np.isfinite(ends)]
    lo, hi = min(0.0, float(ends.min(initial=0.0))), max(0.0, float(ends.max(initial=0.0)))
    pad = 0.05 * max(hi - lo, 1e-9)
    fig.update_xaxes(range=[lo - pad, hi + pad])


def _player_hover(player: str) -> str:
    """What a history bar stands for, on hover: an item's id, the request, or the profile's size."""
    if is_size(player):
        return "the ranker weighs a profile by its size: this bar is what that size changes"
    if is_intent(player):
        return "what you typed"
    if is_pooled(player):
        return f"{player.n_items:,} items of your profile, together: too many to weigh one by one"
    return f"id {plain_label(player)}"


def history_bars(explanation: Any, max_items: int = 12, title: str | None = None) -> go.Figure:
    """Horizontal bars: how much each profile item (and the intent) pushed this suggestion, with titles.

    Examples
    --------
    >>> import numpy as np
    >>> from recengine.explain import INTENT_PLAYER, Explanation
    >>> e = Explanation(np.array([0.5, -0.1]), 0.0, np.array([1.0, 1.0]), ["50", INTENT_PLAYER], "history",
    ...                 "181", "Return of the Jedi", 0.4, labels=["Star Wars", "your request"])
    >>> list(history_bars(e).data[0].y)
    ['your request  -0.100', 'Star Wars  +0.500']
    """
    e = _as_view(explanation, "history")
    frame = e.to_frame().head(max_items).iloc[::-1]
    others = e.to_frame().iloc[max_items:]
    # an additive model's sampled values are exact whatever the orders drawn: no whiskers for rounding noise
    sampled = "error" in frame and bool(np.nanmax(e.errors, initial=0.0) > 1e-6 * max(1e-12, float(np.abs(e.values).max(initial=0.0))))
    # sampled values (a long profile) carry whiskers of two standard errors: bars whose whiskers overlap are
    # not told apart, and a reader should not rank them
    error = frame["error"].to_numpy(dtype=float) if sampled else np.full(len(frame), np.nan)
    whisker = np.nan_to_num(2 * error)
    hover = [_player_hover(f) + (f"; ± {2 * err:.3f} from sampling" if np.isfinite(err) else "")
             for f, err in zip(frame["feature"], error)]
    fig = go.Figure(
        go.Bar(
            x=frame["shap"],
            y=[f"{t}  {_fmt(v)}" for t, v in zip(_distinct_labels([str(t) for t in frame["label"]],
                                                                [str(f) for f in frame["feature"]]), frame["shap"])],
            orientation="h",
            # a sampled bar whose whisker crosses 0 is grey: its sign is not known, and a colour would assert one
            marker={"color": [NEUTRAL if abs(v) < w else POSITIVE if v >= 0 else NEGATIVE
                              for v, w in zip(frame["shap"], whisker)]},
            textposition="none",
            customdata=hover,
            hovertemplate="%{y} (%{customdata}): %{x:+.4f}<extra></extra>",
            name="history",
            error_x={"type": "data", "array": whisker, "color": "#6B7280", "thickness": 1.2, "width": 3} if sampled else None,
        )
    )
    ends = frame["shap"].to_numpy(dtype=float)
    _room_for_bars(fig, np.concatenate([ends - whisker, ends + whisker]))
    # the rest, counted as what they are: items, and the profile's size (a player, not an item)
    n_items = sum(f.n_items if is_pooled(f) else 1 for f in others["feature"] if not is_size(f) and not is_intent(f))
    rest = [f"{n_items} more item{'s' if n_items != 1 else ''}"] if n_items else []
    rest += ["the profile's size" for f in others["feature"] if is_size(f)]
    rest += ["your request" for f in others["feature"] if is_intent(f)]
    note = f" · {' and '.join(rest)} {others['shap'].sum():+.2f}" if len(others) else ""
    # a long profile's values are estimated: short enough to fit half a 1280 px card, in words a room reads
    whiskers = "<br><sup>thin lines: margin of error · grey: maybe no effect</sup>" if sampled else ""
    # each label carries its value, so the axis shows only where 0 is: at half a card wide (a 1280 px screen)
    # tick labels turned sideways and an axis title was cut, and both took room from the bars
    fig.update_xaxes(showticklabels=False, title=None, zeroline=True, zerolinewidth=1.5)
    head = title or f"What in your profile led to “{_short(e.title)}”"
    fig = apply_layout(fig, f"{head}<br><sup>empty profile {e.base_value:.3f} → {e.score:.3f}{note}</sup>{whiskers}",
                       height=150 + 36 * len(frame) + (54 if sampled else 0))
    if sampled:  # a third title line: room for it above the first bar (34 px more left it touching the first label)
        fig.update_layout(margin={"t": fig.layout.margin.t + 64})
    return fig


def signal_beeswarm(explanations: Sequence[Any], title: str | None = None, seed: int = 0) -> go.Figure:
    """Summary over a list: one row per signal, one dot per suggestion at its SHAP value, coloured by the
    signal's value (low blue to high red, relative within the signal); rows sorted by mean |SHAP|.

    Examples
    --------
    >>> import numpy as np
    >>> from recengine.explain import Explanation
    >>> es = [Explanation(np.array([v, -v]), 0.0, np.array([v, 1.0]), ["ease", "popularity"], "signals",
    ...                   str(i), f"item {i}", 0.0) for i, v in enumerate([0.1, 0.3, 0.2])]
    >>> fig = signal_beeswarm(es)
    >>> [t.name for t in fig.data], len(fig.data[0].x)
    (['ease', 'popularity'], 3)
    """
    views = [_as_view(e, "signals") for e in explanations]
    if not views:
        raise ConfigError("a summary needs at least one explanation.")
    names = list(views[0].feature_names)
    if any(list(v.feature_names) != names for v in views):
        raise ConfigError("all explanations in a summary must have the same signals.")
    shap_values = np.vstack([v.values for v in views])
    data = np.vstack([v.data for v in views]).astype(float)
    order = np.argsort(np.abs(shap_values).mean(axis=0), kind="stable")  # most important ends on top
    rng = np.random.default_rng(seed)
    labels = list(views[0].labels)
    fig = go.Figure()
    for row, j in enumerate(order):
        col = data[:, j]
        finite = np.isfinite(col)
        lo, hi = (col[finite].min(), col[finite].max()) if finite.any() else (0.0, 0.0)
        level = np.where(finite, (col - lo) / (hi - lo) if hi > lo else 0.5, np.nan)
        fig.add_trace(
            go.Scatter(
                x=shap_values[:, j],
                y=row + rng.uniform(-0.25, 0.25, len(views)),
                mode="markers",
                name=names[j],
                marker={
                    "size": 11,
                    "color": np.nan_to_num(level, nan=0.5),
                    "colorscale": "RdBu_r",
                    "cmin": 0,
                    "cmax": 1,
                    "line": {"width": 1, "color": color_for(names[j])},
                    "showscale": row == len(order) - 1,
                    "colorbar": {"title": "signal value", "tickvals": [0, 1], "ticktext": ["low", "high"]},
                },
                customdata=np.column_stack([[plain_label(one_line(v.title, 60)) for v in views],
                                            [f"{c:.3g}" if np.isfinite(c) else "missing" for c in col]]),
                hovertemplate="%{customdata[0]}<br>" + plain_label(labels[j]) + " (" + plain_label(names[j])
                + " = %{customdata[1]})<br>SHAP %{x:+.4f}<extra></extra>",
                showlegend=False,
            )
        )
    fig.add_vline(x=0, line_color="#9CA3AF")
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=[labels[j] for j in order])
    fig.update_xaxes(title="SHAP value (effect on the score)")
    # Traces in the signals' own order, so legends and tests read naturally.
    fig.data = tuple(sorted(fig.data, key=lambda t: names.index(t.name)))
    return apply_layout(fig, title or f"What drove {len(views)} suggestions", height=160 + 50 * len(names))


def signal_importance(explanations: Sequence[Any], title: str | None = None) -> go.Figure:
    """Mean |SHAP| per signal over a list, in each signal's colour (a compact alternative to the beeswarm).

    Examples
    --------
    >>> import numpy as np
    >>> from recengine.explain import Explanation
    >>> es = [Explanation(np.array([0.2, -0.1]), 0.0, np.array([1.0, 2.0]), ["ease", "content"], "signals", "1", "a", 0.1)]
    >>> list(signal_importance(es).data[0].y)
    ['content', 'ease']
    """
    views = [_as_view(e, "signals") for e in explanations]
    if not views:
        raise ConfigError("a summary needs at least one explanation.")
    names, labels = list(views[0].feature_names), list(views[0].labels)
    mean_abs = np.abs(np.vstack([v.values for v in views])).mean(axis=0)
    order = np.argsort(mean_abs, kind="stable")
    fig = go.Figure(
        go.Bar(
            x=mean_abs[order],
            y=[labels[j] for j in order],
            orientation="h",
            marker={"color": [color_for(names[j]) for j in order]},
            hovertemplate="%{y}: mean |SHAP| %{x:.4f}<extra></extra>",
        )
    )
    fig.update_xaxes(title="mean |SHAP value|")
    return apply_layout(fig, title or "Signal importance over the list", height=140 + 40 * len(names))
