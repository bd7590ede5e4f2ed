"""The embedding map's own colours stand out from its plot by 3:1 or more, as drawn (WCAG 1.4.11 non-text contrast).

Every colour the map can give a point (each value's colour, "other"'s grey, the single colour of an uncoloured map,
the whole visible range of the number scale) and the rings around cold items are laid over the plot's background at
the marker's opacity, then compared by WCAG relative luminance.
"""

from __future__ import annotations

import numpy as np
import plotly.colors as pc
import pytest

from recengine.figures import embeddings as fe
from recengine.figures import style


def _rgba(colour: str) -> tuple[np.ndarray, float]:
    """``#RRGGBB``, ``rgb(...)``, ``rgba(...)`` or a CSS name Plotly's templates use, as (0-255 RGB, alpha)."""
    colour = colour.strip()
    if colour.startswith("#"):
        return np.array(pc.hex_to_rgb(colour), dtype=float), 1.0
    if colour.startswith("rgb"):
        parts = [float(p) for p in colour[colour.index("(") + 1:colour.index(")")].split(",")]
        return np.array(parts[:3]), parts[3] if len(parts) == 4 else 1.0
    return np.array({"white": (255, 255, 255), "black": (0, 0, 0)}[colour.lower()], dtype=float), 1.0


def _luminance(rgb: np.ndarray) -> float:
    c = np.asarray(rgb, dtype=float) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(np.array([0.2126, 0.7152, 0.0722]) @ c)


def contrast_on(colour: str, background: str, opacity: float = 1.0) -> float:
    """The WCAG contrast of ``colour`` drawn at ``opacity`` (times its own alpha) over ``background``."""
    fg, alpha = _rgba(colour)
    bg, _ = _rgba(background)
    drawn = alpha * opacity * fg + (1 - alpha * opacity) * bg
    lum = sorted((_luminance(drawn), _luminance(bg)))
    return (lum[1] + 0.05) / (lum[0] + 0.05)


def _background(fig) -> str:
    """The plot area's colour: the figure's own, else its template's."""
    return fig.layout.plot_bgcolor or fig.layout.template.layout.plot_bgcolor or "white"


def _drawn_colours(fig) -> list[tuple[str, str, float]]:
    """(what, colour, opacity) for every colour the figure's scatter traces draw."""
    out = []
    for t in fig.data:
        m = t.marker
        opacity = 1.0 if m.opacity is None else float(m.opacity)
        if m.colorscale is not None:
            scale = [[float(s), c] for s, c in m.colorscale]
            for at, c in zip(np.linspace(0, 1, 51), pc.sample_colorscale(scale, list(np.linspace(0, 1, 51)))):
                out.append((f"{t.name} scale at {at:.2f}", c, opacity))
        elif isinstance(m.color, str) and m.color != "rgba(0,0,0,0)":
            out.append((f"{t.name} points", m.color, opacity))
        if m.line is not None and isinstance(m.line.color, str) and (m.line.width or 0) > 0:
            out.append((f"{t.name} rings", m.line.color, opacity))
    return out


def _maps(n: int) -> dict[str, object]:
    """Every kind of map of ``n`` items: by twelve values (nine colours and "other"), by a number, uncoloured; cold
    items ringed (a few, and hundreds)."""
    xy = np.random.default_rng(0).normal(size=(n, 2))
    titles = [str(i) for i in range(n)]
    few = [i < 10 for i in range(n)]
    many = [i < 400 for i in range(n)]
    return {
        "values": fe.embedding_map(xy, titles, color=[f"g{i % 12}" for i in range(n)], color_name="genre", highlight=few),
        "number": fe.embedding_map(xy, titles, color=np.arange(n, dtype=float), color_name="popularity", highlight=many),
        "plain": fe.embedding_map(xy, titles, highlight=few),
    }


def test_the_check_knows_a_failing_colour():
    assert contrast_on("#F59E0B", "white", 0.8) < 3  # the old map's amber as it was drawn
    assert contrast_on("#FDE725", "white") < 3  # Viridis's top end
    assert round(contrast_on("#000000", "#FFFFFF"), 1) == 21.0
    assert contrast_on("rgba(0,0,0,0.5)", "white") < contrast_on("#000000", "white")


@pytest.mark.parametrize("n", [1_682, 2_000])
def test_every_colour_the_map_draws_stands_out_from_its_plot_by_3_to_1(n):
    low = []
    for kind, fig in _maps(n).items():
        bg = _background(fig)
        for what, colour, opacity in _drawn_colours(fig):
            ratio = contrast_on(colour, bg, opacity)
            if ratio < 3.0:
                low.append((kind, what, colour, opacity, round(ratio, 2)))
    assert not low


def test_the_palettes_themselves_read_at_3_to_1_where_the_map_is_drawn():
    """The style module's map colours, every one and at the opacity the map draws them, not only those a test map
    happens to use (a value beyond the ninth takes the colours again from the first)."""
    bg = _background(fe.embedding_map(np.zeros((3, 2)), list("abc")))
    colours = [*style.MAP_COLORS, style.NEUTRAL, *pc.sample_colorscale([list(s) for s in style.MAP_SCALE],
                                                                        list(np.linspace(0, 1, 101)))]
    assert min(contrast_on(c, bg, style.MAP_OPACITY) for c in colours) >= 3.0
    assert fe.marker_scale(1_682)[1] == style.MAP_OPACITY
