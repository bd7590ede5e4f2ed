"""Show a table or a figure with its download buttons (CSV for tables; HTML and PNG for figures)."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

# A cell a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return before one); plain numbers
# written as text ("-1", "+3.5") are left alone.
_FORMULA = re.compile(r"[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would take for a formula quoted by a leading ``'``
    (OWASP's advice against CSV injection: an uploaded title ``=HYPERLINK(...)`` must not run when the download is
    opened in Excel). Numbers, and text that reads as a number, are unchanged.

    >>> spreadsheet_safe(pd.DataFrame({"t": ["=1+1", "-2", "@SUM(A1)", "ok"], "n": [-1, 2, 3, 4]}))["t"].tolist()
    ["'=1+1", '-2', "'@SUM(A1)", 'ok']
    """
    def safe(v: object) -> object:
        return f"'{v}" if isinstance(v, str) and _FORMULA.match(v) and not _NUMBER.fullmatch(v) else v

    out = frame.copy()
    out.columns = [safe(c) for c in out.columns]  # an uploaded file's column names are text from it too
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out.isetitem(i, col.map(safe))
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as the CSV a download button gives: UTF-8, no index, formula-like text quoted."""
    return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8")


def _slug(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-").lower() or "table"


def table(frame: pd.DataFrame, name: str, *, height: int | None = None, key: str | None = None,
          csv: pd.DataFrame | None = None, **kwargs) -> None:
    """A dataframe and a "Download CSV" button (the CSV is built only when clicked, from ``csv`` when given:
    the full table behind a view made for the screen).

    Examples
    --------
    >>> table(pd.DataFrame({"a": [1]}), "results")  # doctest: +SKIP
    """
    st.dataframe(frame, height=height if height is not None else "auto", hide_index=True, **kwargs)
    st.download_button(
        "CSV",
        data=lambda: csv_bytes(frame if csv is None else csv),
        file_name=f"{_slug(name)}.csv",
        mime="text/csv",
        key=key or f"dl_csv_{_slug(name)}",
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
    )


# What a row of an evaluation table is, first; the metrics scroll after it.
_ROW_NAMES = ("protocol", "model", "shots")


def results_view(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, object], list[str]]:
    """An evaluation table as a projector shows it: the row's names first (the few-shot profile size as a
    plain count, blank on other protocols), floats to three decimals, columns empty on every row left out.

    >>> view, config, order = results_view(pd.DataFrame({"model": ["a", "a"], "ndcg@10": [0.41234, 0.5],
    ...                                                  "shots": [1.0, None], "note": [None, None]}))
    >>> order, view["shots"].tolist(), config["ndcg@10"]["type_config"]["format"]
    (['model', 'shots', 'ndcg@10'], ['1', ''], '%.3f')
    """
    names = [c for c in _ROW_NAMES if c in frame.columns]
    order = [c for c in names + [c for c in frame.columns if c not in names] if not frame[c].isna().all()]
    view = frame.copy()
    if "shots" in view:
        view["shots"] = [str(int(v)) if pd.notna(v) else "" for v in view["shots"]]
    config: dict[str, object] = {c: _number(c, "%.3f") for c in view.select_dtypes("floating").columns}
    if "n_users" in view:
        config["n_users"] = _number("n_users")
    for c in names:  # the row's names stay in view while a narrow screen scrolls the metrics
        config[c] = st.column_config.TextColumn(pinned=True)
    return view, config, order


def _number(column: str, fmt: str | None = None) -> object:
    """A number column with its shorter header and its meaning (:data:`_SHORT`), where it has them."""
    label, meaning = _SHORT.get(column, (None, None))
    return st.column_config.NumberColumn(label, help=meaning, format=fmt)


#: shorter headers for the widest columns (a 1280 px screen cut the table at "populari…"), each with its meaning
_SHORT = {
    "popularity_bias": ("pop. bias", "mean popularity of the suggestions: the share of users who consumed them"),
    "fit_seconds": ("fit s", "seconds to fit the model on the protocol's train split"),
    "n_users": ("users", "test users measured"),
    "novelty": ("novelty", "mean self-information of the suggestions, in bits: higher is less popular"),
    "diversity": ("diversity", "mean dissimilarity (1 - cosine of item texts) between suggestions in a list"),
    "coverage": ("coverage", "share of the catalogue that appears in at least one list"),
}


#: Ranking metrics (``ndcg@10``...): the first of an evaluation's two tables; the rest (coverage, diversity, novelty,
#: popularity, fit time) make the second
_ACCURACY = ("recall", "ndcg", "hit", "mrr", "map", "precision")


def results_parts(frame: pd.DataFrame) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """An evaluation table split for the screen: (label, columns) of two tables that each fit a 1280 px window with
    the sidebar open (one table of fourteen columns scrolled sideways there, and cut "pop. bias" in half), and the
    text columns (``note``) that are said under them instead of a column hundreds of pixels wide.

    >>> parts, text = results_parts(pd.DataFrame({"protocol": ["warm"], "model": ["a"], "ndcg@10": [0.4],
    ...                                           "coverage": [0.2], "n_users": [9], "note": ["x"]}))
    >>> parts, text
    ([('Accuracy', ['protocol', 'model', 'ndcg@10', 'n_users']), ('Beyond accuracy', ['protocol', 'model', 'coverage'])], ['note'])
    """
    _, _, order = results_view(frame)
    names = [c for c in order if c in _ROW_NAMES]
    text = [c for c in order if c not in names and not pd.api.types.is_numeric_dtype(frame[c])]
    accuracy = [c for c in order if c.split("@")[0] in _ACCURACY and "@" in c] + [c for c in order if c == "n_users"]
    rest = [c for c in order if c not in names + accuracy + text]
    return [(label, names + cols) for label, cols in (("Accuracy", accuracy), ("Beyond accuracy", rest)) if cols], text


def _said_notes(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Each different note once, with the rows it belongs to: "ease, hybrid (warm): a seeded sample of..."."""
    said: dict[str, list[str]] = {}
    for _, row in frame.iterrows():
        for c in columns:
            note = row[c]
            if isinstance(note, str) and note.strip():
                shots = row.get("shots")
                where = f"{row.get('protocol', '')}" + (f", {int(shots)} shots" if pd.notna(shots) else "")
                said.setdefault(note.strip(), []).append(f"{row.get('model', '')} ({where})")
    return [f"{', '.join(dict.fromkeys(rows))}: {note}" for note, rows in said.items()]


def results_table(frame: pd.DataFrame, name: str, *, key: str | None = None) -> None:
    """An evaluation table as two tables that fit the screen (:func:`results_parts`), its notes in words under them,
    and one CSV; blank cells (a metric a model could not be measured on) are explained.

    Only the screen rounds, splits and leaves empty columns out: the CSV keeps every column and digit.
    """
    view, config, _ = results_view(frame)
    parts, text = results_parts(frame)
    for i, (label, columns) in enumerate(parts):
        st.markdown(f"**{label}**")
        if i < len(parts) - 1:
            st.dataframe(view, hide_index=True, column_config=config, column_order=columns)
        else:
            table(view, name, key=key, csv=frame, column_config=config, column_order=columns)
    notes = _said_notes(frame, text)
    if notes:
        from ui.boundary import escape

        st.caption("Notes: " + " · ".join(escape(n) for n in notes))
    blank = [c for c in frame.select_dtypes("number").columns if c != "shots" and frame[c].isna().any()
             and not frame[c].isna().all()]
    if blank:
        st.caption(
            f"None in {', '.join(blank)} (n/a in the charts): not measurable for that model here. A model that returns no items "
            "for a protocol (popularity cannot rank items nobody has touched) has no list to measure; diversity "
            "needs item texts."
        )


#: Traces with nothing to zoom or pan: their charts' toolbar keeps only the PNG export.
STILL_CHARTS = ("bar", "waterfall", "heatmap")
ZOOM_BUTTONS = ("zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "resetScale2d")


def figure(fig: go.Figure, name: str, *, key: str | None = None, buttons: bool = True, **kwargs) -> None:
    """A Plotly chart, a PNG export in its toolbar (camera icon, drawn by the browser) and an HTML download.

    The HTML file embeds plotly.js so it opens offline; it is built only when the button is clicked.
    """
    slug = _slug(name)
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": slug, "scale": 2},
    }
    if fig.data and all(t.type in STILL_CHARTS for t in fig.data):
        # bars and matrices have nothing to zoom into: their toolbar keeps the PNG export alone, and a keyboard user
        # tabs past one button per chart instead of eight (an open suggestion's two charts held sixteen)
        config["modeBarButtonsToRemove"] = list(ZOOM_BUTTONS)
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
