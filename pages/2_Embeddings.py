"""2 Embeddings: embed item texts with a chosen encoder; a 2-D map of the catalogue and a similarity heatmap."""

import numpy as np
import streamlit as st

from recengine.figures.embeddings import PROJECTIONS, embedding_map, first_value, similarity_heatmap
from recengine.text.embed import language_message, truncation_message
from recengine.text.encoder import available_devices
from ui import escape, figure, page
from ui.boundary import for_app, short_title
from ui.engine import (
    add_own_model,
    colour_columns,
    encoder,
    encoder_options,
    has_embeddings,
    item_embeddings,
    own_models_allowed,
    projection,
)
from ui.state import DEVICE, ENCODER, device_choice, encoder_name, item_label, item_picker, require_dataset

ss = st.session_state
SPECIAL = {"popularity (log)": "popularity", "cold or warm": "cold"}


def colour_column(ds, choice: str):
    if choice == "popularity (log)":
        return np.log1p(ds.item_popularity)
    if choice == "cold or warm":
        return np.where(ds.cold_item_mask, "cold (no interactions)", "warm")
    if choice == "(none)":
        return None
    return first_value(ds.items[choice].tolist())


def draw_map(ds, key, emb, method, colour, title, fig_key):
    xy = projection(key, emb.fingerprint, method, emb.vectors)
    fig = embedding_map(xy, ds.titles, ds.texts, color=colour_column(ds, colour), color_name=colour,
                        highlight=ds.cold_item_mask if ds.cold_item_mask.any() else None, title=title)
    figure(fig, fig_key, key=fig_key)


def try_model(known: list[str]) -> None:
    """A typed model name: load it once; if it cannot be used, say why and keep the encoder in use."""
    typed = str(ss.get("emb_encoder") or "").strip()
    if typed in known:
        return
    try:
        ss["emb_encoder"] = ss[ENCODER] = add_own_model(typed, device_choice())
    except Exception as exc:  # a ModelError says what is wrong with the folder or name, and what to give instead
        ss["emb_encoder"] = encoder_name() if encoder_name() in known else "default"
        ss["emb_model_error"] = f"“{short_title(typed, 120)}” cannot be used as an encoder: {exc}"


with page("Embeddings", "scatter_plot", "What the language model reads in each item, drawn as a map."):
    ds, key = require_dataset()
    if said := ss.pop("emb_model_error", None):
        st.error(escape(for_app(said)), icon=":material/error:")
    options, tuned = encoder_options(ds, key)
    c1, c2, c3, c4 = st.columns([3, 1, 1, 2])
    name = c1.selectbox("Encoder", list(options), format_func=lambda n: options.get(n, n),
                        index=list(options).index(encoder_name()) if encoder_name() in options else 0, key="emb_encoder",
                        accept_new_options=own_models_allowed(), on_change=try_model, args=(list(options),),
                        help="or type the folder of a saved sentence-transformers model, or a Hugging Face name "
                             "(owner/model, needs the network once), and press Enter" if own_models_allowed() else
                             "the default encoder and this app's fine-tunes")
    devices = available_devices()  # only what this machine has: a missing GPU is never offered
    device = c2.selectbox("Device", devices, index=devices.index(device_choice()) if device_choice() in devices else 0,
                          key="emb_device")
    method = c3.radio("Projection", PROJECTIONS, format_func=str.upper, key="emb_method", horizontal=True,
                      help="PCA is instant; UMAP shows neighbourhoods better (about 30 s the first time, then cached)")
    extra = colour_columns(ds, key)
    colours = [*extra, *SPECIAL, "(none)"]
    # a label column a typed request can name (genres, subjects, cuisine: the data's own facets); a map coloured
    # by popularity is one colour from edge to edge
    facets = [c for c, n in dict(ds.facets.sources).items() if c in colours and 2 <= n <= 30]
    preferred = [colours.index(c) for c in facets] or [
        i for i, c in enumerate(colours) if str(c).lower() in ("genres", "genre", "category", "categories")]
    # else the first column with a handful of values (an id or a free-text column colours nothing useful)
    # (values shared by several items: a column unique to each item is a second id or a name)
    grouping = [i for i, c in enumerate(extra) if 2 <= ds.items[c].astype(str).nunique() <= min(30, len(ds.items) / 2)]
    default = preferred[0] if preferred else grouping[0] if grouping else colours.index("popularity (log)")
    colour = c4.selectbox("Colour by", colours, index=default, key="emb_colour")
    if (name, device) != (encoder_name(), device_choice()):
        ss[ENCODER], ss[DEVICE] = name, device

    if not any(ds.texts):
        st.info("No item in this dataset has text, so there is nothing to embed: the map and the similarities need "
                "item texts. Load an items file with titles or descriptions on the **Data** page.", icon=":material/info:")
        st.stop()
    fresh = not has_embeddings(key, name, device)
    emb = item_embeddings(ds, key, name, device)
    m = st.columns(5)
    m[0].metric("Items embedded", f"{len(emb):,}")
    m[1].metric("Dimensions", emb.dim)
    if fresh:
        m[2].metric("From cache", f"{emb.n_cached:,}", help="texts already embedded once are read from the disk cache")
        m[3].metric("Encoded now", f"{emb.n_encoded:,}", help=f"{emb.seconds:.1f} s on {emb.device}")
    else:  # this app already holds them: nothing was encoded on this visit
        m[2].metric("From cache", f"{int(emb.has_text.sum()):,}",
                    help=f"held in memory since this app first embedded them ({emb.n_encoded:,} encoded then, "
                         f"{emb.n_cached:,} from the disk cache, {emb.seconds:.1f} s on {emb.device})")
        m[3].metric("Encoded now", "0", help="every text was embedded before: nothing reached the model on this visit")
    m[4].metric("Without text", f"{int((~emb.has_text).sum()):,}", help="zero vectors: only collaborative models reach them")
    if emb.n_truncated:
        st.info(escape(truncation_message(emb.n_truncated, emb.n_encoded, encoder(name, device))), icon=":material/content_cut:")
    foreign = language_message(ds.texts, encoder(name, device))
    if foreign:
        st.info(escape(foreign), icon=":material/translate:")

    if tuned and name == "default":
        st.caption("An encoder was fine-tuned on this data: the map and the similarities below have a tab for "
                   "each, zero-shot and fine-tuned, at full width (side by side they are too narrow to read on a projector).")
        other = tuned[-1]
        zero_tab, tuned_tab = st.tabs(["Zero-shot", "Fine-tuned"])
        with zero_tab:
            draw_map(ds, key, emb, method, colour, "zero-shot (all-MiniLM-L6-v2)", "map-zero-shot")
        with tuned_tab:
            draw_map(ds, key, item_embeddings(ds, key, other, device), method, colour, "fine-tuned", "map-fine-tuned")
    else:
        draw_map(ds, key, emb, method, colour, f"{len(emb):,} items · {method.upper()}", "item-map")

    st.header("How similar are these items?", anchor=False)
    top = np.argsort(-ds.item_popularity, kind="stable")[:6]
    chosen = item_picker(
        "Items", list(ds.item_map.external), default=list(ds.item_map.external[top]),
        format_func=item_label(ds), key="emb_items", max_selections=20,
        titles=ds.titles, popularity=ds.item_popularity,  # a large catalogue: searched by title, most popular first
    )
    if len(chosen) >= 2:
        idx = ds.item_map.to_internal(chosen)
        labels = [str(ds.titles[i]) for i in idx]
        if tuned and name == "default":
            zero_tab, tuned_tab = st.tabs(["Zero-shot", "Fine-tuned"])
            with zero_tab:
                figure(similarity_heatmap(emb.vectors[idx], labels, "zero-shot"), "similarity-zero-shot")
            with tuned_tab:
                tuned_emb = item_embeddings(ds, key, tuned[-1], device)
                figure(similarity_heatmap(tuned_emb.vectors[idx], labels, "fine-tuned"), "similarity-fine-tuned")
                st.caption("Fine-tuning raises most cosines together: compare which pairs are closest, not the level.")
        else:
            figure(similarity_heatmap(emb.vectors[idx], labels), "similarity")
    else:
        st.info("Choose at least two items.")
    st.caption(f"Encoder fingerprint: {escape(emb.fingerprint)}")
