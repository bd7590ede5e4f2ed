"""Figures of item embeddings: a 2-D map of the catalogue and an item-item similarity heatmap.

Pure functions: arrays and labels in, ``go.Figure`` out. :func:`project_2d` turns embeddings into
the map's coordinates (PCA, or UMAP when ``umap-learn`` is installed).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from recengine.display import one_line
from recengine.errors import ConfigError
from recengine.figures.style import MAP_COLORS, MAP_OPACITY, MAP_SCALE, NEUTRAL, apply_layout, plain_label

PROJECTIONS = ("pca", "umap")
# The values' colours (recengine.figures.style.MAP_COLORS: 3:1 or more on the plot, apart for colour-blind eyes);
# each value also has its own marker shape, so that nobody tells values apart by colour alone
_CATEGORICAL = list(MAP_COLORS)
_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "triangle-down", "star", "pentagon", "hexagon"]


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 42) -> np.ndarray:
    """2-D coordinates of ``vectors`` (n, d) for a map: ``"pca"`` (exact, instant) or ``"umap"`` (cosine, slower).

    Zero rows (items without text) stay at the origin of the PCA and are placed by UMAP like any other.

    Examples
    --------
    >>> xy = project_2d(np.eye(4, 8, dtype=np.float32))
    >>> xy.shape
    (4, 2)
    """
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2 or len(x) < 3:
        raise ConfigError(f"a map needs at least 3 item vectors; got an array of shape {x.shape}.")
    if method == "pca":
        centred = x - x.mean(axis=0, keepdims=True)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        out = centred @ vt[:2].T
        if out.shape[1] < 2:
            out = np.pad(out, ((0, 0), (0, 2 - out.shape[1])))
        # A deterministic sign so the same data always draws the same way round.
        signs = np.sign(out[np.argmax(np.abs(out), axis=0), np.arange(2)])
        return (out * np.where(signs == 0, 1, signs)).astype(np.float32)
    if method == "umap":
        try:
            import umap
        except ImportError:
            raise ConfigError("UMAP needs the package umap-learn (pip install 'recengine[umap]'); use PCA instead.") from None
        # PCA start instead of the spectral one: the same neighbourhoods (benchmarks/embedding_map.py measures
        # trustworthiness) in a fraction of the time on thousands of items, where the spectral solve dominated
        reducer = umap.UMAP(n_components=2, metric="cosine", random_state=seed, n_neighbors=min(15, len(x) - 1),
                            init="pca")
        return np.asarray(reducer.fit_transform(x), dtype=np.float32)
    raise ConfigError(f"unknown projection {method!r}; choose one of {', '.join(PROJECTIONS)}.")


def first_value(values: Sequence) -> list:
    """Colour by the first entry of list-like cells ("Animation|Comedy" -> "Animation"), other cells unchanged.

    Examples
    --------
    >>> first_value(["Drama|Sci-Fi", "Comedy", None])
    ['Drama', 'Comedy', None]
    """
    out = []
    for v in values:
        if isinstance(v, (list, tuple, np.ndarray)):
            v = v[0] if len(v) else None
        elif isinstance(v, str) and "|" in v:
            v = v.split("|", 1)[0].strip()
        out.append(v)
    return out


def colours_well(values: Sequence) -> bool:
    """Whether a column can colour a map: numbers, or labels that items share. Free text (a description) or one
    value per item (a second id) gave a legend of sentences that squeezed the map to a strip.

    >>> colours_well(["Drama", "Comedy", "Drama", "Comedy"]), colours_well([1990, 2001, 1990, 1985])
    (True, True)
    >>> colours_well(["A long description of one item, its plot and its cast, and more"] * 2 + ["x", "y"])
    False
    """
    kept = pd.Series(list(values), dtype=object).dropna()
    if kept.empty:
        return False
    if pd.api.types.is_numeric_dtype(pd.Series(kept.tolist())):
        return True
    labels = pd.Series([str(v) for v in first_value(kept.tolist()) if v is not None], dtype=object)
    return bool(len(labels)) and labels.str.len().mean() <= 60 and labels.nunique() <= max(2, len(labels) // 2)


def _hover(titles: Sequence[str], texts: Sequence[str] | None, width: int = 160, line: int = 60) -> list[str]:
    """Title in bold, then the text cut to ``width`` characters and wrapped every ``line``: one long line runs
    off the chart's edge.

    >>> _hover(["A"], ["word " * 20], line=30)[0].split("<br>")[1:]  # 20 words, six to a line
    ['word word word word word word', 'word word word word word word', 'word word word word word word', 'word word']
    """
    out = []
    for i, t in enumerate(titles):
        label = f"<b>{plain_label(str(t))}</b>"
        if texts is not None and not str(texts[i] or "").strip():  # placed at the centre, by no text of its own
            label += "<br><i>(no text: its place on the map means nothing)</i>"
        elif texts is not None:
            wrapped = textwrap.wrap(one_line(texts[i], width), line) or [""]
            label += "<br>" + "<br>".join(plain_label(w) for w in wrapped)
        out.append(label)
    return out


def embedding_map(
    coords: np.ndarray,
    titles: Sequence[str],
    texts: Sequence[str] | None = None,
    color: Sequence | None = None,
    color_name: str = "",
    highlight: Sequence[bool] | None = None,
    title: str | None = None,
    max_categories: int = 10,
) -> go.Figure:
    """A scatter map of items; hover shows the title and the text the encoder read.

    ``color`` is one value per item: numbers draw a colour scale, anything else draws up to
    ``max_categories`` values in fixed colours (with more, the ``max_categories - 1`` most frequent and "other").
    ``highlight`` rings chosen items (for example the cold ones).

    Examples
    --------
    >>> fig = embedding_map(np.zeros((3, 2)), ["a", "b", "c"], color=["x", "y", "x"], color_name="genre")
    >>> len(fig.data)
    2
    """
    xy = np.asarray(coords, dtype=float)
    numeric = False
    hover = _hover(titles, texts)
    fig = go.Figure()
    size, opacity = marker_scale(len(xy))
    marker_base = {"size": size, "opacity": opacity, "line": {"width": 0}}
    if color is None:
        fig.add_trace(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", hovertext=hover, hoverinfo="text",
                                   marker={**marker_base, "color": "#4F46E5"}, name="items"))
    else:
        values = pd.Series(list(color))
        if values.dtype == object and values.nunique() > max_categories:
            # Numbers read from text files (years, prices) draw a scale, not a hundred categories.
            parsed = pd.to_numeric(values, errors="coerce")
            if parsed.notna().mean() > 0.9:
                values = parsed
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric:
            fig.add_trace(go.Scattergl(  # its colour bar says what it is: no legend entry beside it
                x=xy[:, 0], y=xy[:, 1], mode="markers", hovertext=hover, hoverinfo="text", name=color_name,
                marker={**marker_base, "color": values.to_numpy(dtype=float), "colorscale": [list(stop) for stop in MAP_SCALE],
                        "colorbar": {"title": plain_label(color_name)}, "showscale": True}, showlegend=False,
            ))
        else:
            labels = values.fillna("").astype(str).replace("", "(none)")
            counts = labels.value_counts()
            # up to max_categories values drawn by name; past that, the most frequent ones and "other"
            top = counts.index if len(counts) <= max_categories else counts.index[: max_categories - 1]
            labels = labels.where(labels.isin(top), "other")
            order = [*top, "other"] if (labels == "other").any() else list(top)
            rest = len(counts) - len(top)
            if rest:  # 60 values of five items each: which nine are drawn is said, and what "other" holds
                color_name = f"{color_name}: the {len(top)} most common of {len(counts)}"
            for i, lab in enumerate(order):
                mask = (labels == lab).to_numpy()
                col = NEUTRAL if lab == "other" else _CATEGORICAL[i % len(_CATEGORICAL)]
                # a legend entry is one short line: a 70-character description took two thirds of the chart
                name = f"other ({rest} values)" if lab == "other" and rest else plain_label(one_line(lab, LEGEND_WIDTH))
                fig.add_trace(go.Scattergl(
                    x=xy[mask, 0], y=xy[mask, 1], mode="markers", name=name,
                    hovertext=[h for h, m in zip(hover, mask) if m], hoverinfo="text",
                    marker={**marker_base, "color": col,
                            "symbol": "circle" if lab == "other" else _SYMBOLS[i % len(_SYMBOLS)]},
                ))
    if highlight is not None:
        mask = np.asarray(highlight, dtype=bool)
        if mask.any():
            many = mask.sum() > 300  # thousands of bold rings would black out the map
            fig.add_trace(go.Scattergl(
                x=xy[mask, 0], y=xy[mask, 1], mode="markers", name="cold items",
                hovertext=[h for h, m in zip(hover, mask) if m], hoverinfo="text",
                marker={"size": size + 5, "color": "rgba(0,0,0,0)",
                        "line": {"width": 1 if many else 2, "color": RINGS_MANY if many else RINGS}},
            ))
    fig.update_xaxes(showticklabels=False, title=None, zeroline=False)
    fig.update_yaxes(showticklabels=False, title=None, zeroline=False)
    # the legend goes under the map: the colour bar holds the right edge, and a legend beside the map squeezed it to a
    # strip 180 px wide in a 1024 x 768 window (its title and ten entries took half the chart); three entries a row,
    # each a third of the width, so that the rows never run off the right edge at any width
    legend = {"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top", "itemsizing": "constant",
              "entrywidth": 1 / 3, "entrywidthmode": "fraction"}
    if not numeric and color_name:
        legend["title"] = {"text": plain_label(color_name), "side": "top"}
    fig.update_layout(legend=legend)
    return apply_layout(fig, title, height=620)


def marker_scale(n_points: int) -> tuple[float, float]:
    """Marker size and opacity for a map of ``n_points``: the sample's 1,682 items at (7, 0.9), where each colour
    reads at 3:1 on the plot (:data:`recengine.figures.style.MAP_OPACITY`), and smaller, fainter points as a catalogue
    grows, so that 20,000 items still show where they gather.

    >>> marker_scale(1_682), marker_scale(20_000)
    ((7.0, 0.9), (3.5, 0.45))
    """
    if n_points <= 2_000:
        return 7.0, MAP_OPACITY
    size = float(np.clip(7.0 * np.sqrt(2_000 / n_points) * 1.1, 3.5, 7.0))
    return round(size, 1), round(float(np.clip(MAP_OPACITY * (2_000 / n_points) ** 0.3, 0.45, MAP_OPACITY)), 2)


#: The rings around chosen (cold) items; lighter where there are hundreds of them, still 3:1 on the plot.
RINGS = "#111827"
RINGS_MANY = "rgba(17,24,39,0.6)"


#: The heatmap's blues stop where dark text still reads at 4.5:1 or better (WCAG AA): with the full "Blues" scale
#: the cells' numbers turned white on mid blues at 3.1:1, and stayed dark on lighter ones at 3.3:1.
HEATMAP_SCALE = [[0.0, "#F7FBFF"], [0.5, "#C6DBEF"], [1.0, "#4292C6"]]
HEATMAP_TEXT = "#111827"

#: Up to this many items, the heatmap's columns carry titles and its cells their cosines; beyond, both are too
#: small to read on a projector, so rows are numbered, columns named by number and values shown on hover.
HEATMAP_TITLED_COLUMNS = 10


#: characters of a value in the map's legend
LEGEND_WIDTH = 28


def similarity_heatmap(vectors: np.ndarray, labels: Sequence[str], title: str | None = None) -> go.Figure:
    """Cosine similarity between chosen items, annotated, from their (n, d) vectors.

    Examples
    --------
    >>> v = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    >>> fig = similarity_heatmap(v, ["a", "b", "c"])
    >>> round(float(fig.data[0].z[0][1]), 2)
    0.6
    """
    x = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    sim = x @ x.T
    # an item without text has no vector: its cells are blank ("no text"), never a cosine of 0 with itself
    textless = norms[:, 0] <= 0
    sim[textless, :] = np.nan
    sim[:, textless] = np.nan
    names = _unique([plain_label(one_line(s, 32)) + (" (no text)" if lacking else "") for s, lacking in zip(labels, textless)])
    # the columns get shorter names, slanted at a fixed angle, and room of their own below the cells: at a
    # projector's 1280 px, long titles turned upright took most of the height and squeezed the rows to slivers
    columns = _unique([plain_label(one_line(s, 20)) for s in labels])
    numbered = len(labels) > HEATMAP_TITLED_COLUMNS
    if numbered:  # 20 slanted titles overlapped and cells' numbers shrank to 5 px: rows numbered, columns by number
        names = [f"{n} · {name}" for n, name in enumerate(names, start=1)]
        columns = [str(n) for n in range(1, len(labels) + 1)]
    full = [[f"row: {plain_label(one_line(a, 80))}<br>column: {plain_label(one_line(b, 80))}" for b in labels] for a in labels]
    fig = go.Figure(go.Heatmap(
        z=sim, x=columns, y=names, zmin=-0.2, zmax=1.0, colorscale=HEATMAP_SCALE, customdata=full,
        text=None if numbered else [[f"{v:.2f}" if np.isfinite(v) else "" for v in row] for row in sim],
        texttemplate=None if numbered else "%{text}", textfont={"color": HEATMAP_TEXT},
        hovertemplate="%{customdata}<br>cosine %{z:.3f}<extra></extra>", colorbar={"title": "cosine"},
    ))
    fig.update_yaxes(autorange="reversed", dtick=1)
    fig.update_xaxes(tickangle=0 if numbered else -45, dtick=1, side="top" if numbered else "bottom")
    below = 30 if numbered else 30 + int(6.5 * max(len(c) for c in columns) * 0.71)  # the slanted labels' height
    fig = apply_layout(fig, title, height=max(360, 60 + 42 * len(names) + below))
    fig.update_layout(margin={"b": below})
    return fig


def _unique(names: list[str]) -> list[str]:
    """Plotly merges equal category labels, so repeated titles get a counter."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


