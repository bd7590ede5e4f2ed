"""Streamlit-only helpers for the app's pages: the page frame and error boundary, session state, cached
engine wrappers and download buttons. The engine (``recengine``) never imports this package."""

from ui.boundary import escape, guard, page, show_error
from ui.downloads import figure, results_table, table

__all__ = ["escape", "figure", "guard", "page", "results_table", "show_error", "table"]
