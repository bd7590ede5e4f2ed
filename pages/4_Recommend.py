"""Recommend (waits for its engine part)."""

import streamlit as st

from ui import page
from ui.state import require_dataset

with page("Recommend", "recommend"):
    ds, key = require_dataset()
    st.info("This page arrives with its engine part.")
