"""recengine home: what the app does, the dataset and device in use, and a one-click start on MovieLens-100K."""

import streamlit as st

from ui import escape, page
from ui.boundary import move_focus
from ui.engine import device_label, own_models
from ui.state import (
    DEFAULT_SAMPLE,
    PAGES,
    address_params,
    current,
    dataset_metrics,
    device_choice,
    encoder_label,
    encoder_name,
    use_sample,
)

with page("recengine", "auto_awesome", "Language-model embeddings that make a recommender better, above all for cold start."):
    st.header("Recommendations that work from the first click", anchor=False)
    st.markdown(
        "recengine reads what your items *say* (titles, descriptions, genres) with a language model and combines "
        "that with what your users *do*. "
        "That lets it recommend brand-new items nobody has touched yet and serve new users after one or two clicks, "
        "where purely collaborative recommenders have nothing to go on. "
        "Every suggestion comes with its reasons: a plain sentence and the SHAP contribution of each signal."
    )
    got = current()
    left, right = st.columns([2, 1], gap="large")  # four counts need two thirds at 1280 px ("Interactio…" at 3/5)
    with left:
        if got is None:
            st.header("Start", anchor=False)
            if st.button("Start with MovieLens-100K", type="primary", key="start_sample", icon=":material/play_arrow:"):
                use_sample(DEFAULT_SAMPLE)
                st.session_state["home_started"] = True
                st.rerun()
            st.caption("943 users, 1,682 movies, 100,000 ratings (GroupLens). Or bring your own data on the Data page.")
        else:
            ds, _ = got
            stats = ds.stats()
            st.header(f"Dataset in use: {escape(stats['name'])}", anchor=False)
            dataset_metrics(stats)
            # what to do next, above the fold: the page grid below is off a projector's first screen
            st.page_link("pages/4_Recommend.py", label="Next: get recommendations, with their reasons",
                         icon=":material/arrow_forward:", query_params=address_params())
            if st.session_state.pop("home_started", False):  # the Start button is gone: the focus goes to what is next
                move_focus("[data-testid='stMain'] [data-testid='stPageLink-NavLink']")
    with right:
        st.header("Engine", anchor=False)
        st.metric("Device", device_label(device_choice()))
        name = encoder_name()
        source = ("its PyPI package, offline" if name == "default" else "your folder or the hub" if name in own_models()
                  else "the store")
        st.markdown(f"**Encoder:** {escape(encoder_label(name))}, loaded from {source}.")
    st.divider()
    st.header("Pages", anchor=False)
    grid = st.columns(3)
    for i, (path, label, icon, what) in enumerate(PAGES[1:]):  # every page but this one
        with grid[i % 3]:
            st.page_link(path, label=label, icon=f":material/{icon}:", query_params=address_params())
            st.caption(what)
