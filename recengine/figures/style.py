"""Colours and layout shared by every figure, so a model or a signal has one colour on every page."""

from __future__ import annotations

import html

import plotly.graph_objects as go

MODEL_COLORS = {
    "popularity": "#9CA3AF",
    "itemknn": "#F59E0B",
    "ease": "#EF4444",
    "content": "#10B981",
    "hybrid": "#4F46E5",
}
SIGNAL_COLORS = {
    "ease": "#EF4444",
    "itemknn": "#F59E0B",
    "content": "#10B981",
    "intent": "#06B6D4",
    "popularity": "#9CA3AF",
    "item_age": "#A855F7",
    "profile_size": "#64748B",
    "is_cold": "#0EA5E9",
}
# SHAP's own pair (raises the score / lowers it): told apart by colour-blind eyes too, where green and red were
# one olive for deuteranopes (tests/app/test_colour_vision.py)
POSITIVE = "#FF0051"
NEGATIVE = "#008BFB"
NEUTRAL = "#6B7280"
FONT_SIZE = 16
#: The top margin of a figure without a title: room for Plotly's toolbar, which otherwise covers the plot's corner
#: (the first cell of a similarity matrix) whenever the pointer is over the chart.
TOOLBAR_ROOM = 44


def plain_label(text: object) -> str:
    """User text made safe for a Plotly label or hover: ``<``, ``>`` and ``&`` escaped, so no tag renders. Quotes stay
    as they are, because Plotly shows ``&quot;`` and ``&#x27;`` literally.

    >>> plain_label('<b>"Crouching" Tiger & Dragon</b>')
    '&lt;b&gt;"Crouching" Tiger &amp; Dragon&lt;/b&gt;'
    """
    return html.escape(str(text), quote=False)


def color_for(name: str, palette: dict[str, str] | None = None) -> str:
    """The fixed colour of a model or signal (matched by prefix), grey when unknown."""
    palette = palette or {**SIGNAL_COLORS, **MODEL_COLORS}
    key = name.lower().replace("-", "_").replace(" ", "_")
    for k, c in palette.items():
        if key.startswith(k):
            return c
    return NEUTRAL


def apply_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Readable on a projector: large fonts, white background, tight margins (the top one keeps the toolbar off the
    plot)."""
    fig.update_layout(
        title=title,
        template="plotly_white",
        font={"size": FONT_SIZE},
        margin={"l": 10, "r": 10, "t": 60 if title else TOOLBAR_ROOM, "b": 10},
        height=height,
    )
    return fig
