"""Show a table or a figure with its download buttons (CSV for tables; HTML and PNG for figures)."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st


def _slug(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-").lower() or "table"


def table(frame: pd.DataFrame, name: str, *, height: int | None = None, key: str | None = None, **kwargs) -> None:
    """A dataframe and a "Download CSV" button (the CSV is built only when clicked).

    Examples
    --------
    >>> table(pd.DataFrame({"a": [1]}), "results")  # doctest: +SKIP
    """
    st.dataframe(frame, height=height if height is not None else "auto", hide_index=True, **kwargs)
    st.download_button(
        "CSV",
        data=lambda: frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{_slug(name)}.csv",
        mime="text/csv",
        key=key or f"dl_csv_{_slug(name)}",
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
    )


def results_config(frame: pd.DataFrame) -> dict[str, object]:
    """Column settings that keep a wide evaluation table on a projector's width: decimals to three places, the
    names that say what a row is (protocol, model, setting) pinned while the metrics scroll.

    >>> sorted(results_config(pd.DataFrame({"model": ["a"], "ndcg@10": [0.41234], "n_users": [3]})))
    ['model', 'ndcg@10']
    """
    config: dict[str, object] = {c: st.column_config.NumberColumn(format="%.3f")
                                 for c in frame.select_dtypes("floating").columns}
    for c in ("protocol", "model", "setting"):
        if c in frame.columns:
            config[c] = st.column_config.TextColumn(pinned=True)
    return config


def results_table(frame: pd.DataFrame, name: str, *, key: str | None = None) -> None:
    """An evaluation table; blank cells (a metric a model could not be measured on) are explained under it.

    The CSV keeps full precision; only the screen rounds.
    """
    table(frame, name, key=key, column_config=results_config(frame))
    blank = [c for c in frame.select_dtypes("number").columns if c != "shots" and frame[c].isna().any()]
    if blank:
        st.caption(
            f"Empty cells (None in {', '.join(blank)}): not measurable for that model here. A model that returns no items "
            "for a protocol (popularity cannot rank items nobody has touched) has no list to measure; diversity "
            "needs item texts."
        )


def figure(fig: go.Figure, name: str, *, key: str | None = None, buttons: bool = True, **kwargs) -> None:
    """A Plotly chart, a PNG export in its toolbar (camera icon, drawn by the browser) and an HTML download.

    The HTML file embeds plotly.js so it opens offline; it is built only when the button is clicked.
    """
    slug = _slug(name)
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": slug, "scale": 2},
    }
    # theme=None keeps the figure's own layout: projector-sized fonts and the fixed model/signal colours.
    st.plotly_chart(fig, config=config, key=key or f"fig_{slug}", theme=None, **kwargs)
    if buttons:
        st.download_button(
            "HTML",
            data=lambda: fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8"),
            file_name=f"{slug}.html",
            mime="text/html",
            key=f"dl_html_{key or slug}",
            on_click="ignore",
            type="tertiary",
        icon=":material/download:",
        )
