"""Figures of evaluation results: metric bars per protocol and model, the few-shot curve, beyond-accuracy
panels, the fine-tuning loss curve and before/after comparisons.

Pure functions on tidy tables: one row per (model, protocol or shots) with one column per metric.
Models keep their colour from :mod:`recengine.figures.style` on every chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from recengine.errors import ConfigError
from recengine.evaluation.metrics import metric_label
from recengine.figures.style import FONT_SIZE, MODEL_COLORS, NEUTRAL, apply_layout, color_for


def settings(frame: pd.DataFrame) -> pd.Series:
    """One label per result row: the protocol, plus the shot count for few-shot rows ("few-shot 3").

    Examples
    --------
    >>> settings(pd.DataFrame({"protocol": ["warm", "few-shot"], "shots": [None, 3]})).tolist()
    ['warm', 'few-shot 3']
    """
    labels = frame["protocol"].astype(str)
    if "shots" in frame.columns:
        shots = pd.to_numeric(frame["shots"], errors="coerce")
        labels = labels.where(shots.isna(), labels + " " + shots.fillna(0).astype(int).astype(str))
    return labels


def leaders(frame: pd.DataFrame, metric: str, focus: str = "hybrid") -> list[str]:
    """One sentence per setting that reads the chart for a room: which model leads on ``metric``, by how much, and
    where ``focus`` (the hybrid) stands when it does not lead. Models that cannot score a setting (NaN) are named as
    such, not ranked. The figures only, no claim they do not make: "0.001 behind" is said as it is.

    Examples
    --------
    >>> r = pd.DataFrame({"protocol": ["warm"] * 3, "model": ["popularity", "ease", "hybrid"],
    ...                   "ndcg@10": [0.217, 0.448, 0.447]})
    >>> leaders(r, "ndcg@10")
    ['warm: ease leads with 0.448, 0.001 ahead of hybrid.']
    >>> r["ndcg@10"] = [0.51, 0.36, 0.511]
    >>> leaders(r, "ndcg@10")
    ['warm: hybrid leads with 0.511, 0.001 ahead of popularity.']
    >>> r = pd.DataFrame({"protocol": ["cold-items"] * 3, "model": ["ease", "content", "hybrid"],
    ...                   "ndcg@10": [float("nan"), 0.326, 0.326]})
    >>> leaders(r, "ndcg@10")
    ['cold-items: content and hybrid lead with 0.326 (level); ease cannot score it.']
    """
    if frame.empty or metric not in frame.columns:
        return []
    out = []
    for label, rows in frame.groupby(settings(frame), sort=False):
        values = pd.to_numeric(rows[metric], errors="coerce").round(3)
        scored = values.notna()
        if not scored.any():
            continue
        models = rows["model"].astype(str).to_numpy()
        best = float(values[scored].max())
        top = [m for m, v in zip(models, values) if v == best]
        text = f"{label}: {' and '.join(top)} lead{'s' if len(top) == 1 else ''} with {best:.3f}"
        if len(top) > 1:
            text += " (level)"
        others = values[scored & (values < best)]
        runner = None
        if len(top) == 1 and len(others):
            runner = models[int(np.flatnonzero(values.to_numpy() == others.max())[0])]
            text += f", {best - float(others.max()):.3f} ahead of {runner}"
        if focus in models and focus not in top and focus != runner and pd.notna(v := values[models == focus].iloc[0]):
            text += f"; {focus} {v:.3f}, {best - v:.3f} behind"
        unscored = [m for m, ok in zip(models, scored) if not ok]
        if unscored:
            text += f"; {' and '.join(unscored)} cannot score it"
        out.append(text + ".")
    return out


def _need(frame: pd.DataFrame, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ConfigError(f"the results table lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}.")


def _model_order(models: Sequence[str]) -> list[str]:
    known = [m for m in MODEL_COLORS if m in set(models)]
    return known + sorted(set(models) - set(known))


def metric_bars(frame: pd.DataFrame, metric: str = "ndcg", k: int | None = 10, by: str = "protocol",
                title: str | None = None) -> go.Figure:
    """Bars of ``metric``: one per model and ``by`` value (protocol), each named under it, in the model's colour.

    The x axis has two levels: the model under each bar and, beneath, the protocol its bars share, so that a
    bar says which model it is without its colour (WCAG 1.4.1) and no legend is needed. With one protocol the
    axis has the models only and its title names the protocol: a lone group label sat under the middle bar and
    read as that model's. ``by="setting"`` groups by protocol and shot count (see :func:`settings`).

    Examples
    --------
    >>> df = pd.DataFrame({"protocol": ["warm", "cold"] * 2, "model": ["ease", "ease", "hybrid", "hybrid"],
    ...                    "ndcg": [0.45, 0.1, 0.46, 0.2]})
    >>> fig = metric_bars(df)
    >>> [t.name for t in fig.data], [list(t.x[1]) for t in fig.data]
    (['ease', 'hybrid'], [['ease', 'ease'], ['hybrid', 'hybrid']])
    >>> one = metric_bars(df[df["protocol"] == "warm"])
    >>> [list(t.x) for t in one.data], one.layout.xaxis.title.text
    ([['ease'], ['hybrid']], 'protocol: warm')
    """
    _need(frame, ["model", metric] + ([] if by == "setting" else [by]))
    if by == "setting":
        frame = frame.assign(setting=settings(frame))
    groups = list(dict.fromkeys(frame[by].astype(str)))  # in the order they were run (warm, few-shot 1, 3, 5)
    fig = go.Figure()
    models = _model_order(frame["model"].astype(str).unique())
    # many bars are narrow: their names and values stand upright, at a size that stays legible (a value hidden,
    # still in the hover, rather than shrunk to a few pixels); a model that cannot score a group says n/a
    upright = len(models) * len(groups) > 8
    for model in models:
        sub = frame[frame["model"].astype(str) == model]
        sub = sub.iloc[np.argsort([groups.index(g) for g in sub[by].astype(str)], kind="stable")]
        where = sub[by].astype(str).tolist()
        fig.add_trace(go.Bar(
            x=[where, [model] * len(sub)] if len(groups) > 1 else [model] * len(sub), y=sub[metric].fillna(0.0), name=model, marker_color=color_for(model),
            text=[f"{v:.3f}" if pd.notna(v) else "n/a" for v in sub[metric]], textposition="outside",
            textangle=-90 if upright else 0, cliponaxis=False, customdata=where,
            hovertemplate=f"{model}<br>%{{customdata}}<br>{metric_label(metric, k)} %{{text}}<extra></extra>",
        ))
    # one bar to a (group, model) place: overlaid, each is centred over its name at the place's full width
    fig.update_layout(barmode="overlay", bargap=0.15, yaxis_title=metric_label(metric, k), showlegend=False,
                      uniformtext={"minsize": 12, "mode": "hide"})
    fig.update_xaxes(tickangle=-90 if upright else None, showdividers=len(groups) > 1)
    if len(groups) == 1:
        fig.update_xaxes(title_text=f"protocol: {groups[0]}")
    _headroom(fig, frame[metric], 1.25 if upright else 1.12)
    return apply_layout(fig, title, height=440 + (8 * max(map(len, models)) if upright else 0))


def _headroom(fig: go.Figure, values: pd.Series, factor: float, axis: str = "y", **where: Any) -> None:
    """Room beyond the longest bar for its value label: the value axis (``"y"`` for upright bars, ``"x"`` for
    horizontal ones; of subplot ``row``/``col``, when given) runs to ``factor`` times it. ``where`` may also
    carry other settings of that axis."""
    top = float(np.nanmax(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float), initial=0.0))
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(range=[0, (top or 1.0) * factor], **where)


def few_shot_curve(frame: pd.DataFrame, metric: str = "ndcg", k: int | None = 10, title: str | None = None) -> go.Figure:
    """One line per model: ``metric`` against the number of interactions each test user revealed.

    Examples
    --------
    >>> df = pd.DataFrame({"model": ["content"] * 3, "shots": [1, 3, 5], "ndcg": [0.1, 0.2, 0.25]})
    >>> list(few_shot_curve(df).data[0].x)
    [1, 3, 5]
    """
    _need(frame, ["model", "shots", metric])
    fig = go.Figure()
    # each model its own marker and dash, so that two lines on the same values (popularity under the hybrid at
    # one interaction) both show; the axis starts at 0, so that a small gap does not look like a chasm
    symbols = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "hexagon"]
    dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
    for n, model in enumerate(_model_order(frame["model"].astype(str).unique())):
        sub = frame[frame["model"].astype(str) == model].sort_values("shots")
        fig.add_trace(go.Scatter(
            x=sub["shots"].tolist(), y=sub[metric], name=model, mode="lines+markers",
            line={"color": color_for(model), "width": 3, "dash": dashes[n % len(dashes)]},
            marker={"size": 11 + 2 * (n % 2), "symbol": symbols[n % len(symbols)]},
            hovertemplate=f"{model}<br>%{{x}} interaction(s)<br>{metric_label(metric, k)} %{{y:.4f}}<extra></extra>",
        ))
    fig.update_layout(xaxis_title="interactions per test user", yaxis_title=metric_label(metric, k),
                      legend_title="model")
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickmode="array", tickvals=sorted(frame["shots"].unique().tolist()))
    return apply_layout(fig, title, height=420)


def measured(frame: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    """The ``metrics`` that some row of ``frame`` measured: a metric measured for no model (novelty on cold items,
    where every ranked item is new; all of them where no model gave a list) gets no empty panel.

    >>> measured(pd.DataFrame({"coverage": [0.2], "novelty": [float("nan")]}), ["coverage", "novelty", "diversity"])
    ['coverage']
    """
    return [m for m in metrics if m in frame.columns and frame[m].notna().any()]


def beyond_accuracy(frame: pd.DataFrame, metrics: Sequence[str] = ("coverage", "diversity", "novelty"),
                    title: str | None = None) -> go.Figure:
    """Side-by-side panels, one per beyond-accuracy metric present in ``frame``, one horizontal bar per model.

    The model names are written once, on the left, and read across all panels; each bar carries its value to
    three decimals, as the results table does. Upright bars put the names under every panel, turned sideways
    and their values hidden once five models met four panels at a projector's 1280 px.

    Examples
    --------
    >>> df = pd.DataFrame({"model": ["ease", "content"], "coverage": [0.2, 0.57], "novelty": [2.04, 4.89]})
    >>> fig = beyond_accuracy(df)
    >>> list(fig.data[1].y), list(fig.data[1].text)
    (['ease', 'content'], ['2.040', '4.890'])
    """
    present = measured(frame, metrics)
    if not present:
        raise ConfigError(f"none of the metrics {', '.join(metrics)} is in the results table.")
    _need(frame, ["model"])
    fig = make_subplots(rows=1, cols=len(present), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[_two_lines(metric_label(m)) for m in present])
    agg = frame.groupby("model", sort=False)[present].mean(numeric_only=True).reset_index()
    order = _model_order(agg["model"].astype(str).tolist())
    agg = agg.set_index("model").loc[order].reset_index()
    for j, m in enumerate(present, start=1):
        fig.add_trace(go.Bar(
            y=agg["model"], x=agg[m].fillna(0.0), orientation="h", marker_color=[color_for(x) for x in agg["model"]],
            showlegend=False, text=[_value(v) for v in agg[m]], textposition="outside", name=m, cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra>" + metric_label(m) + "</extra>",
        ), row=1, col=j)
        _headroom(fig, agg[m], 1.6, "x", showticklabels=False, showgrid=False, row=1, col=j)
    fig.update_yaxes(autorange="reversed", ticksuffix=" ")  # the first model on top, as in the table
    fig.update_annotations(font={"size": FONT_SIZE - 2})  # the panel titles
    apply_layout(fig, title, height=max(260, 150 + 44 * len(agg)))
    fig.update_layout(margin={"t": (60 if title else 0) + 60})  # room for two-line panel titles
    return fig


def _value(v: object) -> str:
    """A bar's label: three decimals like the results table, thousands grouped, n/a when not measured."""
    if pd.isna(v):
        return "n/a"
    return f"{float(v):,.0f}" if abs(float(v)) >= 1000 else f"{float(v):.3f}"


def _two_lines(label: str, width: int = 16) -> str:
    """A panel title broken at the space nearest its middle when longer than ``width`` characters.

    >>> _two_lines("Mean popularity of suggestions")
    'Mean popularity<br>of suggestions'
    """
    if len(label) <= width or " " not in label:
        return label
    spaces = [i for i, c in enumerate(label) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return label[:cut] + "<br>" + label[cut + 1:]


def loss_curve(steps: Sequence[float], losses: Sequence[float], title: str | None = "Training loss") -> go.Figure:
    """The fine-tuning loss against the training step (redrawn live while training runs)."""
    fig = go.Figure(go.Scatter(x=list(steps), y=list(losses), mode="lines+markers", line={"color": "#4F46E5", "width": 3},
                               marker={"size": 6}, name="loss"))
    fig.update_layout(xaxis_title="step", yaxis_title="loss")
    fig.update_xaxes(tickformat="d", rangemode="tozero", dtick=None if len(steps) > 5 else 1)  # no step 1.2, 1.4
    return apply_layout(fig, title, height=340)


def before_after(before: Mapping[str, float], after: Mapping[str, float], k: int | None = 10,
                 labels: tuple[str, str] = ("zero-shot", "fine-tuned"), title: str | None = None) -> go.Figure:
    """Bars of the same metrics before and after (e.g. cold-item quality of the base and fine-tuned encoder), each
    named under it ("zero-shot", "fine-tuned") above the metric it measures, so that no colour has to say which.

    Examples
    --------
    >>> fig = before_after({"recall": 0.16}, {"recall": 0.17})
    >>> [t.name for t in fig.data], [list(t.x[1]) for t in fig.data]
    (['zero-shot', 'fine-tuned'], [['zero-shot'], ['fine-tuned']])
    """
    metrics = [m for m in before if m in after]
    fig = go.Figure()
    shown = [metric_label(m, k) for m in metrics]
    for name, values, colour in ((labels[0], before, NEUTRAL), (labels[1], after, "#4F46E5")):
        ys = [float(values[m]) for m in metrics]
        fig.add_trace(go.Bar(x=[shown, [name] * len(metrics)], y=ys, name=name, marker_color=colour,
                             text=[f"{v:.3f}" for v in ys], textposition="outside", cliponaxis=False, customdata=shown,
                             hovertemplate=f"{name}<br>%{{customdata}} %{{text}}<extra></extra>"))
    top = max([float(v[m]) for v in (before, after) for m in metrics if np.isfinite(float(v[m]))], default=0.0)
    # one bar to a (metric, encoder) place, named on the axis: no legend, and the metrics apart by a divider
    fig.update_layout(barmode="overlay", bargap=0.2, showlegend=False)
    fig.update_xaxes(showdividers=len(metrics) > 1)
    fig = apply_layout(fig, title, height=380)
    fig.update_yaxes(range=[0, max(top, 1e-9) * 1.18])  # room above the tallest bar for its label, not over its twin
    return fig
