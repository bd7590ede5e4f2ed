"""recengine home page (placeholder until the app issue lands: shows the sample so the README command works)."""

import streamlit as st

import recengine

st.set_page_config(page_title="recengine", page_icon="🎬", layout="wide")
st.title("recengine")
st.write(
    "Language-model embeddings that make a recommender better, above all for cold start: new users with a "
    "handful of interactions, and new items that nobody has touched yet."
)


@st.cache_data(show_spinner="Loading MovieLens-100K…")
def sample_stats() -> dict:
    return recengine.load_sample("movielens-100k").stats()


stats = sample_stats()
cols = st.columns(4)
cols[0].metric("Users", f"{stats['n_users']:,}")
cols[1].metric("Items", f"{stats['n_items']:,}")
cols[2].metric("Interactions", f"{stats['n_interactions']:,}")
cols[3].metric("Density", f"{stats['density']:.2%}")
