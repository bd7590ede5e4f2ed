"""5 Cold-start lab: a brand-new item's likely audience and nearest items; the few-shot curve; cold items."""

import pandas as pd
import streamlit as st

from recengine.data.load import untold_title
from recengine.figures.evaluation import few_shot_curve, metric_bars
from recengine.models import MODEL_NAMES
from ui import escape, figure, guard, page, results_table, table
from ui.boundary import clip
from ui.engine import (
    evaluation,
    fit_time_note,
    fitted_model,
    has_evaluation,
    nearest_items,
    new_item_audience,
    shared_words,
)
from ui.state import (
    ADDRESS_TEXT,
    device_choice,
    encoder_name,
    page_address,
    require_dataset,
    restore_choices,
    sample_key,
)

ss = st.session_state
EXAMPLE_TITLE = "Moonbase Kids"
EXAMPLE_TEXT = "Three children stow away on a rocket to the Moon and must fix the base's failing robot. Genres: Adventure, Children's, Sci-Fi."
#: the audience table's columns as a room reads them
AUDIENCE_HEADERS = {"user_id": "user", "n_items": "items in history", "because": "because they chose"}
#: the most cold items the page's table shows (its CSV download holds every one)
COLD_SHOWN = 1_000


def example_item(ds, key) -> tuple[str, str, str]:
    """(title, text, button label) of an example that fits the catalogue: a made-up film on the MovieLens sample,
    else one of the data's own cold items (nobody has touched it yet), else its first item with text."""
    if key == sample_key():
        return EXAMPLE_TITLE, EXAMPLE_TEXT, "Use the example"
    cold = [i for i in ds.cold_items if ds.texts[ds.item_map.index(i)].strip()]
    with_text = [i for i, t in zip(ds.item_map.external, ds.texts) if t.strip()]
    item = (cold or with_text)[0]
    label = "Use one of your cold items" if cold else "Use one of your items as if it were new"
    return untold_title(ds.title(item), ds.titles), description(ds, item), label


def description(ds, item) -> str:
    """The item's longest text column other than its title (its description, as a person would type it), else
    the text the engine embeds (which may be several columns joined)."""
    row = ds.items.loc[ds.items["item_id"] == item].iloc[0]
    own = [str(v) for c, v in row.items() if c not in ("item_id", "title", "text") and isinstance(v, str) and v.strip()]
    title = ds.title(item)
    longest = max((v for v in own if v.strip() != title), key=len, default="")
    return longest or ds.texts[ds.item_map.index(item)]


def use_example(title: str, text: str) -> None:
    ss["cold_title"], ss["cold_text"] = title, text


def new_item_section(ds, key) -> None:
    st.header("A brand-new item", anchor=False)
    st.caption("Nobody has interacted with it yet, so collaborative models cannot place it; its text can.")
    if not any(ds.texts):
        st.info("No item in this dataset has text, so a new item cannot be placed by its description. Load an "
                "items file with titles or descriptions on the **Data** page.", icon=":material/info:")
        return
    example_title, example_text, example_label = example_item(ds, key)
    # a refresh on stage kept the dataset but cleared the new item typed in (the address holds a description up to
    # ADDRESS_TEXT characters; a longer one is typed again)
    restore_choices({"title": ("cold_title", None), "about": ("cold_text", None)})
    c1, c2 = st.columns([1, 2])
    title = c1.text_input("Title", key="cold_title", placeholder=example_title[:200])
    text = c2.text_area("Description", key="cold_text", placeholder=example_text[:2000], height=90)
    with c1:
        title = clip(title, 200, "The title")
    with c2:
        text = clip(text, 2000, "The description")
    page_address({"title": (title.strip(), ""), "about": (text.strip() if len(text.strip()) <= ADDRESS_TEXT else "", "")})
    if not (title.strip() or text.strip()):
        st.info("Type a title and a description (or use an example from this data) to see who would want it.")
        st.button(example_label, key="cold_example", on_click=use_example, args=(example_title[:200], example_text[:2000]))
        return
    item_text = ". ".join(p.strip().rstrip(".") for p in (title, text) if p.strip()) + "."
    content = fitted_model("content", ds, key, encoder_name(), device_choice())
    if not content.reads_as_words(item_text):
        st.warning(f"“{escape(item_text[:80])}” holds no word that the encoder or the catalogue knows, so the audience "
                   "and nearest items below are noise, however close their similarities look. Describe the item in "
                   "words: what it is, its genre or topic.", icon=":material/help:")
    # one table at a time, each the page's full width: side by side, both were cut at a projector's 1280 px
    left, right = st.tabs([f"Likely audience of “{escape(title.strip() or 'the new item')}”", "Nearest items in the catalogue (by text)"])
    with left, guard("finding the audience"):
        who = new_item_audience(content, ds, item_text, k=20)
        # headers in words on a projector; the download keeps the same table
        # the reason is what an audience reads: it gets the room, a (hashed) user id the least
        table(who.rename(columns=AUDIENCE_HEADERS), "new-item-audience", key="dl_audience", height=420,
              # a hashed id (u_9490f8b7f8a1c2d3) was cut at "small"; short ids (196) keep the room for the reason
              column_config={"user": st.column_config.TextColumn(
                                 width="small" if who["user_id"].astype(str).str.len().max() <= 8 else 150),
                             "score": st.column_config.NumberColumn(format="%.3f"),  # 0.5847 beside 0.406: one width
                             "because they chose": st.column_config.TextColumn(width="large")})
    with right, guard("finding the nearest items"):
        near = nearest_items(content, item_text, k=11)
        # an example taken from the catalogue is not its own nearest item
        same = near["title"].astype(str).str.strip().str.casefold() == title.strip().casefold()
        near = near[~same].head(10) if title.strip() else near.head(10)
        texts = [ds.texts[i] for i in ds.item_map.to_internal(near["item_id"].to_numpy())]
        lifted = bool((near["score"] - near["cosine"]).abs().max() > 1e-3)
        if lifted:  # the order is the match, not the cosine alone: say so, or the cosine column reads out of order
            st.caption("Ordered by match: the cosine, raised for items that hold a label the text names (a genre).")
        shown = pd.DataFrame({
            "title": near["title"],
            **({"match": near["score"].round(3)} if lifted else {}),
            "cosine": near["cosine"].round(3),
            "shares": [", ".join(w) if w else "(close in meaning)" for w in shared_words(ds, key, item_text, texts)],
            "text": texts,
        })
        table(shown, "new-item-nearest", key="dl_nearest", height=420,
              column_config={"title": st.column_config.TextColumn(width="medium"),
                             **{c: st.column_config.NumberColumn(format="%.3f") for c in ("match", "cosine")},
                             "shares": st.column_config.TextColumn(
                                 width="medium", help="words both texts contain, the rarest in the catalogue first"),
                             "text": st.column_config.TextColumn(width="large")})


def few_shot_section(ds, key) -> None:
    st.header("New users: quality after 1, 3 and 5 interactions", anchor=False)
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    models = c1.multiselect("Models", MODEL_NAMES, default=["popularity", "itemknn", "content", "hybrid"],
                            key="cold_models")
    chosen = tuple(m for m in MODEL_NAMES if m in models)
    ready = bool(chosen) and has_evaluation(key, "few-shot", chosen, 10, 42, encoder_name())
    go_ = c2.button("Compute the curve", key="cold_run", type="primary", disabled=not chosen)
    if not (go_ or ready):
        st.caption(f"Each model is fitted once per protocol; {fit_time_note(ds.n_items)}.")
        return
    with guard("running the few-shot protocol"):  # a dataset too small for it keeps the rest of the page
        res = evaluation(ds, key, "few-shot", chosen, 10, 42, encoder_name(), device_choice())
        a, b = st.columns(2)
        with a:
            figure(few_shot_curve(res, "ndcg@10"), "few-shot-ndcg", key="cold_curve_ndcg")
        with b:
            figure(few_shot_curve(res, "recall@10"), "few-shot-recall", key="cold_curve_recall")


def cold_items_section(ds, key) -> None:
    st.header("Cold items", anchor=False)
    n_cold = int(ds.cold_item_mask.sum())
    if n_cold:
        cold = ds.items[ds.cold_item_mask][["item_id", "title", "text"]]
        # 15,000 cold items with their texts were 2 MB sent at every rerun; the CSV keeps them all
        more = f" (the first {COLD_SHOWN:,} below; the CSV holds them all)" if n_cold > COLD_SHOWN else ""
        st.markdown(f"This dataset has **{n_cold:,}** {'item' if n_cold == 1 else 'items'} with text and no interactions{more}:")
        table(cold.head(COLD_SHOWN), "cold-items", key="dl_cold", height=260, csv=cold)
    else:
        st.markdown("This dataset has no cold items; the **cold-items protocol** holds 20% of the items out "
                    "(with all their interactions) and asks each model to rank only those.")
    chosen = ("popularity", "content", "hybrid")
    if has_evaluation(key, "cold-items", chosen, 10, 42, encoder_name()) or st.button(
        "Run the cold-items protocol", key="cold_items_run"
    ):
        with guard("running the cold-items protocol"):
            res = evaluation(ds, key, "cold-items", chosen, 10, 42, encoder_name(), device_choice())
            figure(metric_bars(res, "ndcg@10", title="Cold items: NDCG@10"), "cold-items-ndcg", key="cold_items_bars")
            results_table(res, "cold-items-protocol", key="dl_cold_protocol")


with page("Cold-start lab", "ac_unit", "New items nobody has touched, and new users with one to five interactions."):
    ds, key = require_dataset()
    new_item_section(ds, key)
    st.divider()
    few_shot_section(ds, key)
    st.divider()
    cold_items_section(ds, key)
