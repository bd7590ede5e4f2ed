"""Plotly figure builders: plain functions, data in, ``go.Figure`` out, tested without Streamlit.

Import from the submodules: ``recengine.figures.explanations``, ``recengine.figures.embeddings``,
``recengine.figures.evaluation``; ``recengine.figures.style`` holds the shared colours.
"""
