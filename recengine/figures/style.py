"""Colours and layout shared by every figure, so a model or a signal has one colour on every page."""

from __future__ import annotations

import html

import plotly.graph_objects as go

# Each colour reads at 3:1 or more on the white background (WCAG 1.4.11: a bar must stand out as well as its
# label), and the five models stay far apart for deuteranope and protanope eyes too (tests/app/test_figure_access.py):
# Okabe and Ito's vermillion and bluish green, with slate, sky and indigo. The lighter grey, amber and emerald before
# read at 2.2 to 2.5:1 on a projector, and popularity and content, ease and content, merged for colour-blind eyes.
MODEL_COLORS = {
    "popularity": "#475569",
    "itemknn": "#0284C7",
    "ease": "#D55E00",
    "content": "#009E73",
    "hybrid": "#4F46E5",
}
SIGNAL_COLORS = {
    "ease": MODEL_COLORS["ease"],
    "itemknn": MODEL_COLORS["itemknn"],
    "content": MODEL_COLORS["content"],
    "intent": "#92400E",
    "popularity": MODEL_COLORS["popularity"],
    "item_age": "#CC79A7",
    "profile_size": "#44403C",
    "is_cold": "#1E40AF",
}
#: Streamlit's own charts, in this order: ``chartCategoricalColors`` in .streamlit/config.toml (a test keeps the two
#: the same).
CHART_COLORS = (
    MODEL_COLORS["hybrid"], MODEL_COLORS["ease"], MODEL_COLORS["itemknn"], MODEL_COLORS["content"],
    MODEL_COLORS["popularity"], SIGNAL_COLORS["intent"], SIGNAL_COLORS["item_age"], SIGNAL_COLORS["profile_size"],
)
#: The embedding map's values, in order, then "other" in :data:`NEUTRAL`. Each is 3:1 or more on the white plot as
#: drawn, at the map's :data:`MAP_OPACITY` (WCAG 1.4.11; the amber, sky, emerald and cyan before read at 1.9 to 2.3:1),
#: and each was chosen in turn as the colour furthest (CIELAB) from those before it and from "other"'s grey for
#: normal, deuteranope and protanope eyes alike (tests/app/test_colour_vision.py); each value also has its own marker
#: shape, so that nobody tells values apart by colour alone.
MAP_COLORS = ("#4F46E5", "#EA580C", "#000000", "#1E3A8A", "#991B1B", "#0284C7", "#881337", "#059669", "#0891B2")
#: A map's points when a catalogue is small enough to see each one (:func:`recengine.figures.embeddings.marker_scale`
#: fades them past 2,000 items, where a single point matters less than where many gather).
MAP_OPACITY = 0.9
#: The map's colour scale for a number (popularity, year): Plotly's Plasma up to where it still reads at 3:1 on white
#: at :data:`MAP_OPACITY`. Its whole range (up to Viridis's yellow, 1.3:1) had the highest values vanish into the page.
MAP_SCALE = (
    (0.0, "#0D0887"), (0.2, "#48039F"), (0.4, "#7603A7"), (0.6, "#A11C9A"), (0.8, "#C33E80"), (1.0, "#DE6065"),
)
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
