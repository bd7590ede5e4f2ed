"""1 Data: the dataset in use (stats, warnings, preview), or upload your own interactions and item texts."""

import pandas as pd
import streamlit as st

from recengine import read_dataset
from recengine.columns import Columns
from recengine.errors import StoreError
from ui import escape, page, show_error, table
from ui.boundary import clip, for_app
from ui.engine import load_saved, save_dataset, saved_datasets, table_columns
from ui.state import DEFAULT_SAMPLE, current, dataset_metrics, sample_key, upload_key, use_dataset, use_sample

ROLES = {"user": "User id", "item": "Item id", "rating": "Rating / weight", "timestamp": "Timestamp"}
AUTO = "(auto-detect)"
NONE = "(none)"  # read no such column (rating and timestamp only)
OPTIONAL = ("rating", "timestamp")
TEXT_MODES = ["All text columns", "Chosen columns", "Template"]
ss = st.session_state


def uploads_signature() -> tuple:
    """Which files are chosen now: an error belongs to the files it was about, and goes when they change."""
    return tuple((f.name, f.size) if f is not None else None for f in (ss.get("up_inter"), ss.get("up_items")))


def load_upload() -> None:
    """Button callback: read the uploaded files; on success they become the dataset, else the error is kept."""
    ss.pop("data_error", None)
    ss["data_error_for"] = uploads_signature()
    inter, items = ss.get("up_inter"), ss.get("up_items")
    if inter is None:
        ss["data_error"] = "Choose an interactions file first (one row per user-item interaction)."
        return
    columns = {r: (None if ss[f"map_{r}"] == NONE else ss[f"map_{r}"]) for r in ROLES if ss.get(f"map_{r}", AUTO) != AUTO}
    if ss.get("map_label", AUTO) != AUTO:
        columns["label"] = None if ss["map_label"] == NONE else ss["map_label"]
    if items is not None and ss.get("map_items_id", AUTO) != AUTO:
        columns["items_id"] = ss["map_items_id"]
    if items is not None and ss.get("map_title", AUTO) != AUTO:
        columns["title"] = ss["map_title"]
    min_rating = ss.get("map_min_rating")
    skip_missing = bool(ss.get("map_skip_missing", False))
    events = list(ss.get("map_events") or []) or None
    mode = ss.get("text_mode", TEXT_MODES[0])
    text = None
    if mode == "Chosen columns" and ss.get("text_cols"):
        text = list(ss["text_cols"])
    elif mode == "Template" and ss.get("text_template", "").strip():
        text = ss["text_template"].strip()
    hash_ids = bool(ss.get("hash_ids", True))
    options = {"columns": columns, "text": text, "hash": hash_ids, "names": [inter.name, items.name if items else None],
               "min_rating": min_rating, "events": events, "skip_missing_ids": skip_missing}
    parts = [inter.getvalue(), items.getvalue() if items is not None else b""]
    # The salt of this recengine home (as the command line uses): the same files give the same hashed ids and
    # the same dataset key on every load, so likes given earlier and models fitted earlier are found again.
    # Another machine (another home) hashes differently, so the ids cannot be linked across machines.
    if hash_ids:
        from recengine.settings import local_salt

        options["salt"] = local_salt()
    try:
        ds = read_dataset(
            inter, items, columns=columns or None, text=text, hash_user_ids=hash_ids,
            hash_salt=options.get("salt"), name=inter.name.rsplit(".", 1)[0], min_rating=min_rating, events=events,
            skip_missing_ids=skip_missing,
        )
    except Exception as exc:  # shown by the page body, inside the boundary
        ss["data_error"] = exc
        ss["map_open"] = True  # the mapping is where most load errors are put right
        if items is not None:
            ss["map_items_open"] = True
        return
    use_dataset(ds, upload_key(parts, options))
    ss["data_loaded"] = f"Loaded {ds.name}: {ds.n_users:,} users, {ds.n_items:,} items, {ds.n_interactions:,} interactions."


def weight_fact(stats: dict, min_rating: float | None) -> str:
    """The rating / weight column in the file's own words: "plays 1-2,000", not "ratings 1-2000"."""
    name, lo, hi = str(stats.get("rating_column") or "rating"), stats["rating_min"], stats["rating_max"]
    span = "-".join(f"{v:,.0f}" if float(v).is_integer() else f"{v:,g}" for v in (lo, hi))
    if min_rating is not None:
        return f"{escape(name)} {span} (only rows with {escape(name)} of at least {min_rating:g} were kept)"
    return f"{escape(name)} {span} (every row counts as an interaction, whatever its {escape(name)})"


def show_dataset() -> None:
    got = current()
    if got is None:
        st.info("No dataset yet: use the sample below, or upload your own files.")
        return
    ds, key = got
    stats = ds.stats()
    st.header(f"In use: {escape(stats['name'])}", anchor=False)
    dataset_metrics(stats, detailed=True)
    facts = [f"{stats['n_items_with_text']:,} items have text", f"{stats['users_with_1_to_5']:,} users have 1-5 interactions"]
    if stats.get("has_ratings"):
        facts.append(weight_fact(stats, ds.options.get("min_rating")))
    if stats.get("has_timestamps"):
        facts.append(f"from {stats['first_interaction']} to {stats['last_interaction']}")
    if ds.options.get("hash_user_ids"):
        facts.append("user ids are hashed")
    if stats.get("category_columns"):
        facts.append("a typed request can name the labels of " + ", ".join(
            f"{escape(c)} ({n:,})" for c, n in stats["category_columns"].items()))
    st.caption(" · ".join(facts))
    for w in stats["warnings"]:
        st.warning(escape(for_app(w)), icon=":material/warning:")
    t1, t2 = st.tabs(["Item texts", "Interactions"])
    with t1:
        items = ds.items.head(500)
        # the id, the title and the text the encoder reads fit a 1280 px window (five columns scrolled sideways);
        # the file's other columns are named under the table and kept in its CSV
        shown = [c for c in (Columns.item, Columns.title, Columns.text) if c in items.columns]
        table(items, f"{ds.name}-items", height=320, key="dl_items", column_order=shown,
              column_config={Columns.title: st.column_config.TextColumn(width=240),
                             Columns.text: st.column_config.TextColumn(width=440)})
        if rest := [c for c in items.columns if c not in shown]:
            st.caption(f"Also in the items file, and in this table's CSV: {', '.join(escape(c) for c in rest)}.")
    with t2:
        head = ds.interactions.head(500)
        dates = {}
        if Columns.timestamp in head.columns:  # unix seconds read as dates, shown without "+00:00" (the CSV keeps it)
            head = head.assign(**{Columns.timestamp: pd.to_datetime(head[Columns.timestamp], unit="s", utc=True)})
            dates = {Columns.timestamp: st.column_config.DatetimeColumn("timestamp (UTC)", format="YYYY-MM-DD HH:mm")}
        table(head, f"{ds.name}-interactions", height=320, key="dl_inter", column_config=dates)
    st.caption("Previews show the first 500 rows; the text column is what the encoder reads.")
    with st.expander("Keep this dataset in the store (for the CLI: recengine ... --dataset NAME)"):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        with c1:
            name = clip(st.text_input("Name", value=ds.name, key="store_name"), 100, "The name")
        taken = name.strip() in {d["name"] for d in saved_datasets()}
        replace = taken and st.checkbox(f"Replace the saved dataset named {escape(name.strip())}", key="store_replace")
        if c2.button("Save", key="store_save", icon=":material/save:"):
            taken_warning = (f"A dataset named {escape(name.strip())} is already saved. Choose another name, or tick "
                             "Replace to put this one in its place.")
            if taken and not replace:
                st.warning(taken_warning, icon=":material/warning:")
            else:
                try:
                    saved = save_dataset(name, ds, replace=replace)
                except StoreError:
                    if name.strip() not in {d["name"] for d in saved_datasets()}:
                        raise
                    st.warning(taken_warning, icon=":material/warning:")  # saved by another tab since this was drawn
                else:
                    st.success(f"Saved as {escape(saved['name'])}.", icon=":material/check_circle:")


def load_saved_dataset() -> None:
    """Button callback: a dataset from the store becomes the one in use."""
    ds, key = load_saved(ss["store_pick"])
    use_dataset(ds, key)
    ss["data_loaded"] = f"Loaded {ds.name} from the store."


def saved_section() -> None:
    saved = saved_datasets()
    if not saved:
        return
    st.header("Saved datasets", anchor=False)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    def n(v) -> str:
        return f"{v:,}" if isinstance(v, int) else str(v)

    labels = {d["name"]: f"{d['name']} · {n(d.get('n_users'))} users · {n(d.get('n_items'))} items · saved {d['created_at'][:16]}"
              for d in saved}
    c1.selectbox("Dataset", list(labels), format_func=labels.get, key="store_pick")
    c2.button("Use it", key="store_load", on_click=load_saved_dataset)


def preview(upload, what: str):
    """(columns, guessed roles) of an uploaded file, or None after showing why it cannot be read."""
    try:
        return table_columns(upload.getvalue(), upload.name, what)
    except Exception as exc:
        from recengine.data.readers import misnamed_note
        from recengine.errors import DataError

        note = misnamed_note(upload, what) if isinstance(exc, DataError) else None  # a text file named .parquet
        show_error(DataError(f"{exc} {note}") if note else exc, f"reading the {what} file")
        return None


def upload_form() -> None:
    st.header("Load your own data", anchor=False)
    st.markdown(
        "CSV / TSV / any of `, ; tab | ::` or spaces (with or without a header row), Parquet, Arrow/Feather, ORC, JSON or JSON Lines, an Excel workbook (ratings and items on one sheet or two), "
        "optionally `.gz` or `.zip`. "
        "**Interactions**: one row per (user, item), optional rating and timestamp. "
        "**Items** (optional but needed for text models and cold start): an item id plus text columns."
    )
    c1, c2 = st.columns(2)
    inter = c1.file_uploader("Interactions file", key="up_inter")
    items = c2.file_uploader("Items file (texts)", key="up_items")
    st.toggle(
        "Hash user ids on load (privacy: ids become salted SHA-256 hashes)", value=True, key="hash_ids",
        help="On by default for uploads. The salt is kept in this recengine home: the same file hashes the same way "
        "here (so likes are found again) and differently on another machine. Turn off to see your own user ids.",
    )
    inter_cols, item_cols, text_cols = [], [], []
    # a file the preview cannot read is said once, here, and cannot be loaded
    inter_preview = preview(inter, "interactions") if inter is not None else None
    items_preview = preview(items, "items") if items is not None else None
    unreadable = (inter is not None and inter_preview is None) or (items is not None and items_preview is None)
    if inter_preview is not None:
        inter_cols, guesses, kinds, text_cols = inter_preview
        # keyed and stateful: open, it stays open when another file is chosen; a failed load opens it (load_upload)
        with st.expander("Column mapping", key="map_open", on_change="rerun"):
            mcols = st.columns(4)
            for (role, label), col in zip(ROLES.items(), mcols):
                choices = [AUTO, *([NONE] if role in OPTIONAL else []), *inter_cols]
                col.selectbox(label, choices, key=f"map_{role}",
                              help=f"auto-detected: {escape(guesses.get(role) or 'none')}"
                              + ("; (none) reads no such column" if role in OPTIONAL else ""))
            st.columns(2)[0].selectbox(
                "Label: rows of 0 are left out", [AUTO, NONE, *inter_cols], key="map_label",
                help=f"auto-detected: {escape(guesses.get('label') or 'none')}. A column of 1 (clicked, bought) and 0 (shown "
                "only), as impression logs have (is_click, label): only the rows of 1 count. (none) counts every row.")
            st.caption("Auto-detected: " + ", ".join(f"{r} → {escape(guesses.get(r) or '—')}" for r in (*ROLES, "label")))
            st.number_input("Minimum rating (empty: every rating counts)", value=None, step=0.5, key="map_min_rating",
                            help="Count only interactions rated at least this, e.g. 4 on a 1-5 scale, so a 1-star "
                            "review is not taken for a like. Lower ratings are left out and reported.")
            st.checkbox("Skip rows with no user or item id", key="map_skip_missing",
                        help="Raw logs often have a few rows with a blank id. Leave them out (they are counted in a "
                        "warning) instead of stopping at the first.")
            if kinds:
                st.multiselect(f"Events that count (column {escape(guesses['event'])}; empty: every event)", kinds, key="map_events",
                               help="In a log of views, carts and purchases, count only some kinds: purchases alone "
                               "say more about taste than every view. Chosen before repeated pairs merge.")
    if items_preview is not None:
        item_cols, item_guesses, _, _ = items_preview
        with st.expander("Column mapping: items file", key="map_items_open", on_change="rerun"):
            st.selectbox("Title shown for each item", [AUTO, *item_cols], key="map_title",
                         help="auto: a column named like a title (title, name, product_title, headline...), else "
                         "the start of the text")
            st.selectbox("Item id in the items file", [AUTO, *item_cols], key="map_items_id",
                         help="auto: the column named like the interactions' item column, else one named like an "
                         f"item id (guess: {escape(item_guesses.get('item') or 'none')})")
    with st.expander("Item text", expanded=items is not None):
        mode = st.radio("Build each item's text from", TEXT_MODES, key="text_mode", horizontal=True)
        if mode == "Chosen columns":
            st.multiselect("Text columns", item_cols or text_cols, key="text_cols")
        elif mode == "Template":
            example = " ".join(f"{{{c}}}." for c in (item_cols or text_cols)[1:4]) or "{title}. {description}"
            st.text_input("Template", key="text_template", placeholder=example,
                          help="Column names in braces, e.g. {title} ({year}). {description}")
    st.button("Load these files", type="primary", on_click=load_upload, key="load_upload",
              disabled=inter is None or unreadable)
    if inter is None:
        st.caption("Choose an interactions file above to load your data (the items file is optional).")
    elif unreadable:
        st.caption("A file above cannot be read (the red message says why): replace it to load your data.")


with page("Data", "table_view", "Your interactions and item texts: what the engine sees, and what it warns about."):
    if "data_loaded" in ss:
        st.success(escape(ss.pop("data_loaded")), icon=":material/check_circle:")
    show_dataset()
    in_use = (current() or (None, None))[1] == sample_key()
    if not in_use and st.button("Use the MovieLens-100K sample", key="use_sample"):
        use_sample(DEFAULT_SAMPLE)
        st.rerun()
    st.divider()
    saved_section()
    upload_form()
    if ss.get("data_error") is not None and ss.get("data_error_for") != uploads_signature():
        ss.pop("data_error")  # about files that are no longer chosen
    err = ss.get("data_error")
    if err is not None:
        if isinstance(err, BaseException):
            show_error(err, "reading the files")
        else:
            st.error(escape(for_app(err)), icon=":material/warning:")
        if current() is not None:
            st.caption(f"The previous dataset ({escape(current()[0].name)}) is still in use.")
    st.caption(f"Columns read from the files are matched by name (e.g. `{Columns.user}`, customer, sku, movieId…).")
