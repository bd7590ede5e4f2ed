"""Session state: which dataset this visitor works on, and which encoder; the sidebar that shows both.

A dataset is addressed by a key (``sample:<name>`` or ``upload:<hash>``) so that cached models and
results can be looked up by a short string while the :class:`~recengine.Dataset` itself stays in
``st.session_state``.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Container, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from recengine import Dataset, load_sample
from recengine.data import SAMPLES
from recengine.data.load import HASHED_USER_ID

DEFAULT_SAMPLE = "movielens-100k"
DATASET = "dataset"
DATASET_KEY = "dataset_key"
ENCODER = "encoder_name"
DEVICE = "device"
# Everything else in the session belongs to one dataset and is dropped when the dataset changes.
# The encoder goes too: a fine-tune belongs to the data it was trained on, so a new dataset starts zero-shot.
_KEEP = {DATASET, DATASET_KEY, DEVICE}
# The page address carries the dataset (and fine-tuned encoder) in use, so a browser refresh, which starts a new
# session, finds them again: ``?data=upload:3f2a...&encoder=ft-...``.
DATA_PARAM, ENCODER_PARAM = "data", "encoder"
#: the app's pages: (script, label, Material icon, what it is for); the sidebar links to each, Home to its grid
PAGES = [
    ("app.py", "Home", "home", "what the app does, and a one-click start"),
    ("pages/1_Data.py", "Data", "table_view", "upload interactions and item texts, or use the sample; stats and warnings"),
    ("pages/2_Embeddings.py", "Embeddings", "scatter_plot", "embed item texts; a 2-D map and a similarity heatmap"),
    ("pages/3_Fine-tune.py", "Fine-tune", "tune", "adapt the encoder to your interactions; before/after on cold items"),
    ("pages/4_Recommend.py", "Recommend", "recommend", "a user, a few liked items or a sentence; SHAP reasons; like / dislike"),
    ("pages/5_Cold-start_lab.py", "Cold-start lab", "ac_unit", "a brand-new item's audience; the few-shot curve"),
    ("pages/6_Evaluate.py", "Evaluate", "leaderboard", "four protocols x models; accuracy and beyond-accuracy"),
]
#: Uploaded datasets this server keeps in memory for a refresh to find (the most recent ones).
RECENT_UPLOADS = 4


@st.cache_resource(show_spinner="Loading the sample dataset…")
def sample_dataset(name: str) -> Dataset:
    """A bundled sample, loaded once per server (datasets are immutable, so sessions share it)."""
    return load_sample(name)


def visitor_id() -> str:
    """A random id of this session (a browser tab), made on first use: what a background job records as the tab
    that started it."""
    if "visitor_id" not in st.session_state:
        import secrets

        st.session_state["visitor_id"] = secrets.token_hex(8)
    return st.session_state["visitor_id"]


def is_private(key: str | None) -> bool:
    """Whether a dataset key names a visitor's upload (held only by whoever has its address), not a sample or a
    dataset saved in the store, which every visitor can open."""
    return str(key or "").startswith("upload:")


def sample_key(name: str = DEFAULT_SAMPLE) -> str:
    return f"sample:{name}"


def upload_key(parts: list[bytes], options: dict[str, Any]) -> str:
    """A key for an uploaded dataset: a hash of the files' bytes and of the loading options."""
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    return f"upload:{h.hexdigest()[:16]}"


#: Value widgets whose choices should survive a visit to another page. Streamlit drops a widget's state when
#: a run does not draw it; writing the value back at the start of every run keeps it (until the dataset changes).
PERSISTENT_WIDGETS = (
    "rec_mode", "rec_user", "rec_items", "rec_intent", "rec_model", "rec_k", "rec_div", "rec_nov",
    "rec_user_find", "rec_items_find", "emb_items_find",  # a large picker's search (see user_picker)
    "ev_protocols", "ev_models", "ev_k", "ev_seed", "ev_users", "ev_metric",
    "cold_title", "cold_text", "cold_models",
    "emb_encoder", "emb_device", "emb_method", "emb_colour", "emb_items",
    "ft_epochs", "ft_lr", "ft_batch", "ft_seq", "ft_loss", "ft_neighbors", "ft_pairs_per_item", "ft_max_pairs",
    "ft_text_mix", "ft_alpha", "ft_guard", "ft_lora", "ft_recipe", "ft_pop_bias", "ft_base",
)


def keep_widget_values() -> None:
    """Write each persistent widget's value back to the session, so leaving its page does not reset it."""
    state = st.session_state
    for key in PERSISTENT_WIDGETS:
        if key in state:
            state[key] = state[key]


# The Data page's upload form (files, column mapping, text choice) describes the next load, not the dataset in
# use: it stays when a dataset is loaded, so a second load with a changed template keeps the files and mapping.
_FORM = ("up_", "map_", "text_", "hash_ids", "address_checked")


def _forget_dataset_state() -> None:
    for k in list(st.session_state.keys()):
        if k not in _KEEP and not str(k).startswith(_FORM):
            del st.session_state[k]


@st.cache_resource(show_spinner=False)
def _recent_uploads() -> OrderedDict[str, Dataset]:
    """Uploaded datasets by key, newest last: server memory shared by sessions (a key is a hash of the files)."""
    return OrderedDict()


def use_dataset(dataset: Dataset, key: str) -> None:
    """Make ``dataset`` the one every page works on (page state of the previous dataset is dropped)."""
    if st.session_state.get(DATASET_KEY) != key:
        _forget_dataset_state()
    st.session_state[DATASET] = dataset
    st.session_state[DATASET_KEY] = key
    if key.startswith("upload:"):
        recent = _recent_uploads()
        recent[key] = dataset
        recent.move_to_end(key)
        while len(recent) > RECENT_UPLOADS:
            recent.popitem(last=False)
    mark_address()


def address_params() -> dict[str, str]:
    """The dataset and encoder in use, as the page address names them (none for the default encoder)."""
    from ui.engine import own_models

    out = {}
    key = st.session_state.get(DATASET_KEY)
    if key is not None:
        out[DATA_PARAM] = key
    name = st.session_state.get(ENCODER, "default")
    encoder = name if name in own_models() else Path(name).name  # a fine-tune by its folder name, not its path
    if encoder != "default":
        out[ENCODER_PARAM] = encoder
    return out


def _page_id() -> str:
    """The script this run draws (one per page), or "" outside a Streamlit run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return str(getattr(ctx, "page_script_hash", "") or "") if ctx is not None else ""


def _page_script() -> str:
    """The file name of the script this run draws ("4_Recommend.py"), or "" outside a Streamlit run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return ""
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
    return Path(str(info.get("script_path", ""))).name


def _address_now() -> tuple:
    params = st.query_params
    return tuple(sorted((k, tuple(params.get_all(k))) for k in params))


def _left_address() -> None:
    """Remember the address as this run leaves it (called after each write to it)."""
    st.session_state["_address_left"] = (_page_id(), _address_now())


def note_address_moved() -> None:
    """At the start of a run: whether the address differs from the one this page's previous run left, on the same
    page. Only the browser's Back or Forward (or an edited address) does that: the page's own choices write the
    address as they are made. Streamlit reruns the page with the address of the history entry, but the widgets
    kept their values, which the page then wrote back: Back after choosing another user did nothing, and the next
    Back left the app. :func:`restore_choices`, :func:`restore_numbers` and :func:`restore_from_address` then take
    the address's values, as after a refresh."""
    state = st.session_state
    left = state.get("_address_left")
    state["_address_moved"] = bool(left is not None and left[0] == _page_id() and left[1] != _address_now())


def address_moved() -> bool:
    """Whether this run's address came from the browser's Back or Forward (see :func:`note_address_moved`)."""
    return bool(st.session_state.get("_address_moved"))


def mark_address() -> None:
    """Write the dataset and encoder in use into the page address (a page change through the sidebar carries them,
    see :func:`navigation`; a choice made on this page changes them)."""
    params = st.query_params
    want = address_params()
    for param in (DATA_PARAM, ENCODER_PARAM):
        if param in want and params.get(param) != want[param]:
            params[param] = want[param]
        elif param not in want and param == ENCODER_PARAM and param in params:
            del params[param]
    _left_address()


def navigation() -> None:
    """The sidebar's links to every page, each carrying the dataset and encoder in the address it opens.

    Streamlit's own navigation opened a page with a bare address, which :func:`mark_address` then filled in: two
    history entries per page change, so the browser's Back needed two presses (the first only stripped the
    address). Its first link was also named after the file, "app", which a CSS trick redrew as "Home" and a screen
    reader read as "Home app".

    The link to the page on screen is shown but not followed: it would open the page's bare address, which reads as
    the browser's Back to a bare entry (:func:`note_address_moved`) and set the page's choices back to their defaults,
    while the address kept showing the old ones.
    """
    from streamlit.errors import StreamlitPageNotFoundError

    params = address_params()
    here = _page_script()
    with st.sidebar:
        try:
            for path, label, icon, _ in PAGES:
                st.page_link(path, label=label, icon=f":material/{icon}:", query_params=params,
                             disabled=Path(path).name == here)
        except StreamlitPageNotFoundError:  # a page run as the main script (a test's AppTest): it has no app around it
            return
        st.divider()


#: the longest free text a page takes back from the address (the Recommend page's request field holds no more)
ADDRESS_TEXT = 300
#: the most values a multiselect takes back from the address (the Recommend page's liked items take no more)
ADDRESS_ITEMS = 50


def page_address(choices: dict[str, tuple[object, object]]) -> None:
    """Write a page's own choices into the address, so that a refresh keeps them (:func:`restore_choices` reads
    them back; the dataset and encoder are kept for every page by :func:`mark_address`). ``choices`` maps an
    address parameter to (value now, default): a default, None or empty value is left out of the address; a list
    (a multiselect's) is written as the parameter repeated."""
    params = st.query_params
    for param, (value, default) in choices.items():
        if value is None or value == default or (isinstance(value, (list, tuple)) and not value):
            if param in params:
                del params[param]
        elif isinstance(value, (list, tuple)):
            if params.get_all(param) != [str(v) for v in value]:
                params[param] = [str(v) for v in value]
        elif params.get(param) != str(value):
            params[param] = str(value)
    _left_address()


def restore_choices(allowed: dict[str, tuple[str, Container[str] | None]], lists: Container[str] = ()) -> None:
    """On a new session's first run of a page, set widget state from the address: ``allowed`` maps a parameter
    to (widget key, the values it may take, or None for any text up to :data:`ADDRESS_TEXT` characters); a value
    not allowed (a user of another dataset) is ignored. A parameter in ``lists`` feeds a multiselect: its allowed
    values, in the address's order, the first :data:`ADDRESS_ITEMS` of them. After the browser's Back or Forward
    (:func:`address_moved`) the address wins over the widgets' values, and a parameter it lacks sets the default."""
    state = st.session_state
    moved = address_moved()
    for param, (key, values) in allowed.items():
        flag = f"address_read_{key}"
        if flag in state and not moved:
            continue
        state[flag] = True
        if key in state and not moved:
            continue
        if param in lists:
            kept = list(dict.fromkeys(v for v in st.query_params.get_all(param) if values is None or v in values))
            if kept:
                state[key] = kept[:ADDRESS_ITEMS]
            elif moved:
                state.pop(key, None)
            continue
        value = st.query_params.get(param)
        if value is not None and (value in values if values is not None else len(value) <= ADDRESS_TEXT):
            state[key] = value
        elif moved:
            state.pop(key, None)


def restore_numbers(allowed: dict[str, tuple[str, float, float, type]]) -> None:
    """As :func:`restore_choices`, for sliders and number boxes: ``allowed`` maps a parameter to (widget key, lowest,
    highest, int or float). A value that is no number, or out of range, is ignored."""
    import math

    state = st.session_state
    moved = address_moved()
    for param, (key, lo, hi, kind) in allowed.items():
        flag = f"address_read_{key}"
        if flag in state and not moved:
            continue
        state[flag] = True
        raw = st.query_params.get(param)
        if moved and raw is None:
            state.pop(key, None)
        if (key in state and not moved) or raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if math.isfinite(value) and lo <= value <= hi and (kind is float or value.is_integer()):
            state[key] = kind(value)


def unless_set(key: str, default: Any) -> Any:
    """A widget's default, or None once its key holds a value (restored from the address): Streamlit warns on the page
    when a widget is given both."""
    return None if key in st.session_state else default


def restore_from_address() -> None:
    """A new session (a browser refresh, a shared link) takes the dataset and encoder the address names.

    Samples and datasets from the store come back always; an upload comes back while this server keeps it in
    memory (its last few); otherwise the page says so and the visitor starts again, nothing else is lost.
    """
    state = st.session_state
    key, encoder = st.query_params.get(DATA_PARAM), st.query_params.get(ENCODER_PARAM)
    back_to_other = address_moved() and key and key != state.get(DATASET_KEY)  # Back over a change of dataset
    if (DATASET_KEY in state or "address_checked" in state) and not back_to_other:
        return
    state["address_checked"] = True
    if not key:
        return
    kind, _, rest = key.partition(":")
    try:
        if kind == "sample" and rest in SAMPLES:
            use_sample(rest)
        elif kind == "upload" and key in _recent_uploads():
            use_dataset(_recent_uploads()[key], key)
        elif kind == "store":
            from ui.engine import load_saved, saved_datasets

            # the key is "store:<name>:<saved at>"; names and times may hold ':', so match whole keys
            name = next(d["name"] for d in saved_datasets() if f"store:{d['name']}:{d['created_at']}" == key)
            dataset, saved_key = load_saved(name)
            if saved_key != key:
                raise LookupError("saved again since")
            use_dataset(dataset, key)
        else:
            raise LookupError("not kept")
    except Exception:  # a gone upload, a store entry deleted or replaced: say so once, start clean
        state["address_lost"] = key
        del st.query_params[DATA_PARAM]
        return
    if encoder:
        from recengine.text.encoder import FINETUNE_RE, MANIFEST
        from recengine.text.finetune import models_root
        from ui.engine import own_models

        if FINETUNE_RE.fullmatch(encoder) and (models_root() / encoder / MANIFEST).is_file():  # a fine-tune kept here
            state[ENCODER] = str(models_root() / encoder)
        elif encoder in own_models():  # a model a visitor loaded while this app runs; never one the address names
            state[ENCODER] = encoder


def use_sample(name: str = DEFAULT_SAMPLE) -> None:
    use_dataset(sample_dataset(name), sample_key(name))


def current() -> tuple[Dataset, str] | None:
    """The dataset in use and its key, or ``None`` before one is chosen."""
    key = st.session_state.get(DATASET_KEY)
    if key is None:
        return None
    ds = st.session_state.get(DATASET)
    if ds is None and key.startswith("sample:") and key.split(":", 1)[1] in SAMPLES:
        ds = sample_dataset(key.split(":", 1)[1])
        st.session_state[DATASET] = ds
    if ds is None:
        return None
    return ds, key


def require_dataset() -> tuple[Dataset, str]:
    """The dataset in use; without one, offer the sample and stop the page here."""
    got = current()
    if got is not None:
        return got
    st.info("No dataset yet. Start with the bundled MovieLens-100K sample, or upload your own on the **Data** page.")
    if st.button("Start with MovieLens-100K", type="primary", key="start_sample_inline"):
        use_sample()
        st.rerun()
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises


def compact_count(n: int) -> str:
    """A count in at most five characters: 943, 1,682, 55.4k, 100k, 2.5M.

    >>> [compact_count(n) for n in (943, 1682, 55375, 100000, 999_999, 2_500_000)]
    ['943', '1,682', '55.4k', '100k', '1M', '2.5M']
    """
    n = int(n)
    if n < 10_000:
        return f"{n:,}"
    value, suffix = n / 1_000, "k"
    for bigger in ("M", "B"):
        if round(value) < 1_000:
            break
        value, suffix = value / 1_000, bigger
    return (f"{value:.1f}".rstrip("0").rstrip(".") if value < 99.95 else f"{value:.0f}") + suffix


def dataset_metrics(stats: dict[str, Any], *, detailed: bool = False) -> None:
    """The dataset's headline figures as one row of metrics: four on Home, six with ``detailed`` (Data)."""
    # Home's four share three fifths of the page: 100,000 is cut to "100,…" at 1280 px, so counts are compact
    # there (the exact figure is in the tooltip); the Data page has the room for them
    show = (lambda n: f"{n:,}") if detailed else compact_count
    exact = (lambda n: None) if detailed else (lambda n: f"{n:,}")
    figures = [
        ("Users", show(stats["n_users"]), exact(stats["n_users"])),
        ("Items", show(stats["n_items"]), exact(stats["n_items"])),
        ("Interactions", show(stats["n_interactions"]), exact(stats["n_interactions"])),
        ("Cold items", show(stats["n_cold_items"]), "items with text and no interactions"),
    ]
    if detailed:
        figures += [
            ("Density", f"{stats['density']:.2%}", None),
            ("Median per user", f"{stats['interactions_per_user_median']:.0f}", None),
        ]
    for col, (label, value, hint) in zip(st.columns(len(figures)), figures):
        col.metric(label, value, help=hint)


def encoder_name() -> str:
    return st.session_state.get(ENCODER, "default")


def device_choice() -> str:
    """The device chosen on the Embeddings page, or ``auto`` when none is, or it is not on this machine."""
    from recengine.text.encoder import available_devices

    choice = st.session_state.get(DEVICE, "auto")
    return choice if choice in available_devices() else "auto"


def encoder_label(name: str) -> str:
    """A readable name for an encoder choice: the default model's name, a fine-tune's folder name, or the name of a
    model a visitor gave (its folder's name)."""
    from pathlib import Path

    if name == "default":
        return "all-MiniLM-L6-v2"
    folder = Path(name).name or name
    return f"fine-tuned ({folder})" if is_finetune(name) else folder


def is_finetune(name: str) -> bool:
    """Whether an encoder choice is a fine-tune (its folder is named by its fingerprint, ft-...), not the default or a
    model a visitor gave."""
    from pathlib import Path

    from recengine.text.encoder import FINETUNE_RE

    return bool(FINETUNE_RE.fullmatch(Path(name).name))


def sidebar_status() -> None:
    """The dataset and encoder in use, always visible in the sidebar."""
    from ui.boundary import escape
    from ui.engine import device_label

    note_address_moved()
    restore_from_address()
    if (lost := st.session_state.pop("address_lost", None)) is not None:
        kind = lost.partition(":")[0]
        where = {"store": "the store no longer holds it as it was",
                 "upload": "this server no longer holds it (it restarted, or newer uploads replaced it)",
                 "sample": f"there is no bundled sample by that name (the samples: {', '.join(SAMPLES)})"}.get(
            kind, "the address does not name a dataset this app knows (a sample, an upload or a saved dataset)")
        st.info(f"The dataset in this page's address could not be restored: {where}. Load it again on the Data page "
                "(keep it in the store to find it after a restart).", icon=":material/history:")
    mark_address()
    navigation()
    with st.sidebar:
        got = current()
        if got is None:
            st.markdown("**Dataset:** none yet")
        else:
            ds, _ = got
            st.markdown(f"**Dataset:** {escape(ds.name)}  \n{ds.n_users:,} users · {ds.n_items:,} items")
        st.markdown(f"**Encoder:** {escape(encoder_label(encoder_name()))}  \n**Device:** {device_label(device_choice())}")


#: Above this many options a picker sends the matches of a search, not the whole population. Measured on 60,000
#: users and 20,000 titles (tests/app/test_large_pickers.py): a full list is ~8 bytes an id, ~25 a title, sent again
#: at every rerun (each like or dislike): 480 kB for the users, 490 kB for the titles. 5,000 titles are ~125 kB;
#: the sample (943 users, 1,682 items, ~45 kB) keeps its whole lists in one widget.
PICKER_LIMIT = 5_000
#: How many matches a large picker offers at once (the ones already picked come on top of these).
PICKER_SHOWN = 100


def search_options(query: str, ids: Sequence[object], labels: Sequence[object] | None = None,
                   weight: Sequence[float] | np.ndarray | None = None,
                   limit: int = PICKER_SHOWN) -> tuple[list[int], int]:
    """Positions of the first ``limit`` options that match ``query``, best first, and how many match in all.

    Nothing typed: every option matches, the heaviest first (``weight``: a user's interactions, an item's users).
    Typed (case-insensitive): an id or label equal to it, then those that start with it, then those that contain
    it, the heaviest first within each group; ties keep the options' order.

    >>> ids, weight = ["7", "17", "70", "107", "8"], [1, 5, 2, 9, 3]
    >>> search_options("", ids, weight=weight, limit=3)
    ([3, 1, 4], 5)
    >>> search_options(" 7", ids, weight=weight)
    ([0, 2, 3, 1], 4)
    >>> search_options("moon", ["a", "b", "c"], labels=["Blue Moon", "Moonraker", "Sun"])
    ([1, 0], 2)
    >>> search_options("zzz", ids)
    ([], 0)
    """
    import pandas as pd

    from recengine.data.dataset import nfc

    n = len(ids)
    order = np.arange(n) if weight is None else np.argsort(-np.asarray(weight, dtype=float), kind="stable")
    q = nfc(str(query).strip()).casefold()
    if not q:
        return order[:limit].tolist(), n
    group = np.full(n, 3)
    for texts in (ids, labels):
        if texts is None:
            continue
        low = pd.Series(np.asarray(texts, dtype=object), dtype=object).astype(str).str.casefold()
        group = np.minimum(group, np.where(low.eq(q), 0, np.where(low.str.startswith(q), 1,
                                                              np.where(low.str.contains(q, regex=False), 2, 3))))
    ranked = order[np.argsort(group[order], kind="stable")]
    hits = int((group < 3).sum())
    return ranked[: min(hits, limit)].tolist(), hits


def _search_box(key: str, what: str, total: int, hint: str, on_change: Any = None, args: tuple = ()) -> str:
    """The search field of a large picker (its own label and help, so a screen reader knows what it filters)."""
    return st.text_input(
        f"Find {what}", key=f"{key}_find", placeholder=hint, on_change=on_change, args=args,
        help=f"{total:,} {what} are too many to list at once: type part of one, and the list below holds the "
             f"first {PICKER_SHOWN} that match. What is picked stays picked when the search changes.",
    )


def _no_match(query: str, what: str, id_map: Any, kept: str) -> None:
    """The message for a search nothing matches: what was typed, ids it may have meant, what to do."""
    from ui.boundary import escape

    near = id_map.near(query.strip()) if id_map is not None else []
    examples = ", ".join(str(x) for x in id_map.external[:3]) if id_map is not None else ""
    st.warning(f"No {what} matches “{escape(query.strip())}”"
               + (f" (did you mean {' or '.join(escape(n) for n in near)}?)" if near else "")
               + (f". This dataset's ids look like {escape(examples)}" if examples else "")
               + f". Check the spelling, type fewer characters, or clear the search to see the list again; {kept}.",
               icon=":material/search_off:")


def _as_hashed(query: str, id_map: Any) -> str:
    """The hashed id of a user's own id typed into the search, where the data's ids were hashed with this home's salt
    (the Data page's default for uploads): an analyst types C000042, not u_3f9c...; anything else as typed."""
    q = nfc_text(query).strip()
    if not q or q in id_map:
        return query
    from recengine.data.load import hash_user_id
    from recengine.settings import local_salt

    hashed = hash_user_id(q, local_salt())
    return hashed if hashed in id_map else query


def _pick_exact(key: str, id_map: Any) -> None:
    """Search field callback: an exact id typed (and Enter) picks that one, as a typed address would; a user's own
    id picks its hashed one."""
    query = _as_hashed(nfc_text(st.session_state.get(f"{key}_find", "")), id_map)
    if query and query in id_map:
        st.session_state[key] = str(id_map.external[id_map.index(query)])


def nfc_text(text: object) -> str:
    from recengine.data.dataset import nfc

    return nfc(str(text or "").strip())


HASHED_HELP = ("These user ids were hashed when the data was loaded (the Data page's \"Hash user ids\" switch, on by "
               "default for privacy), so the file's own ids are not listed; load the file again with the switch off to "
               "pick users by the ids you know.")


def first_user(id_map: Any, activity: Sequence[float] | np.ndarray) -> str | None:
    """The user :func:`user_picker` starts on: the first id, or beyond :data:`PICKER_LIMIT` the most active (its
    list, nothing typed, starts there), for a page that leaves that default out of its address."""
    ids = id_map.external
    if not len(ids):
        return None
    return str(ids[0] if len(ids) <= PICKER_LIMIT else ids[int(np.argmax(activity))])


def user_picker(label: str, id_map: Any, *, key: str, help: str | None = None,
                activity: Sequence[float] | np.ndarray | None = None) -> str | None:
    """A selectbox of the users of ``id_map`` (an :class:`~recengine.IdMap`).

    Up to :data:`PICKER_LIMIT` users, every id in one selectbox. Beyond it, a search field and a selectbox of
    :data:`PICKER_SHOWN` matches (the most active users first, by ``activity``, when nothing is typed); the chosen
    user stays in the list whatever the search, an exact id typed and entered is picked, and a search that matches
    nothing says so. Returns the chosen user (None only when a large list has nothing to offer yet).
    """
    ids = id_map.external
    if len(ids) and all(HASHED_USER_ID.fullmatch(str(u)) for u in ids[:50]):  # the presenter looked for "K000123" in vain
        help = ((help + ". ") if help else "") + HASHED_HELP
    if len(ids) <= PICKER_LIMIT:
        return st.selectbox(label, list(ids), key=key, help=help)
    state = st.session_state
    if key in state and state[key] is not None and state[key] not in id_map:  # set by hand to a user not in the data
        del state[key]
    query = _search_box(key, "users", len(ids), "type part of a user id…", _pick_exact, (key, id_map))
    picks, hits = search_options(_as_hashed(query, id_map), ids, weight=activity)
    shown = [str(ids[i]) for i in picks]
    current = state.get(key)
    if current is not None and current not in shown:
        shown.insert(0, current)
    user = st.selectbox(label, shown, key=key, help=help, placeholder="no user matches the search")
    if query.strip() and not hits:
        _no_match(query, "user id", id_map,
                  f"the user chosen ({current}) stays" if current else "no user is chosen yet")
    else:
        first = "the most active" if activity is not None else None
        st.caption(_shown_note(len(picks), hits, len(ids), "users", first, query))
    return user


def _shown_note(shown: int, hits: int, total: int, what: str, first: str | None, query: str) -> str:
    """One line under a large picker: how many of how many it lists, and how to reach the rest.

    >>> _shown_note(100, 60000, 60000, "users", "the most active", "")
    'Listing 100 of 60,000 users, the most active first: type in the search field to find any other.'
    >>> _shown_note(3, 3, 60000, "users", "the most active", "u1")
    '3 users match.'
    >>> _shown_note(100, 700, 6000, "items", None, "harbor")
    'Listing 100 of the 700 items that match: type more to narrow it.'
    """
    order = f", {first} first" if first else ""
    if not query.strip():
        return f"Listing {shown:,} of {total:,} {what}{order}: type in the search field to find any other."
    if hits <= shown:
        return f"{hits:,} {what} match." if hits != 1 else f"1 of the {what} matches."
    return f"Listing {shown:,} of the {hits:,} {what} that match{order}: type more to narrow it."


def item_label(dataset: Any) -> Any:
    """How a picker names an item: its title, and its id beside it where ids are codes a user may know and type
    ("Trail shoes · S-9"; a shop's SKU, a recipe's R-00017): the picker searches what it shows, so an id was no
    search term. Plain numbers (MovieLens' 50) and ids a title already holds ("Dal (item R-17)") stay out.

    >>> import pandas as pd, recengine
    >>> shop = recengine.read_dataset(pd.DataFrame({"user": ["a", "a"], "item": ["S-9", "S-7"]}),
    ...                               pd.DataFrame({"item": ["S-9", "S-7"], "name": ["Trail shoes", "Rain jacket"]}))
    >>> item_label(shop)("S-9")
    'Trail shoes · S-9'
    >>> item_label(recengine.load_sample("movielens-100k"))("50")
    'Star Wars'
    """
    ids = dataset.item_map.external
    coded = any(any(ch.isalpha() for ch in str(i)) for i in ids[:200])

    def label(item_id: object) -> str:
        title = dataset.title(item_id)
        return f"{title} · {item_id}" if coded and str(item_id) not in title else title

    return label


def item_picker(label: str, ids: list[str], *, key: str, format_func: Any = str, default: Any = None,
                titles: Sequence[object] | None = None, popularity: Sequence[float] | np.ndarray | None = None,
                **kwargs: Any) -> list[str]:
    """A multiselect of catalogue items where Enter picks the highlighted title. Newer Streamlit releases put "Select N
    matches" first in the list, so a typed "Alien" and Enter added all 27 titles that match; it is turned off
    where this Streamlit has it.

    Up to :data:`PICKER_LIMIT` items, every item is an option. Beyond it, a search field (titles and ids) and a
    multiselect of the items already picked plus :data:`PICKER_SHOWN` matches (the most popular first, by
    ``popularity``, when nothing is typed): a catalogue of 20,000 titles is not sent again at every rerun, and a
    pick stays picked, and shown, whatever the search. ``titles`` (aligned with ``ids``) spares calling
    ``format_func`` on every item for a search."""
    import inspect

    if "select_all" in inspect.signature(st.multiselect).parameters:
        kwargs["select_all"] = False
    if len(ids) <= PICKER_LIMIT:
        return st.multiselect(label, ids, format_func=format_func, key=key, default=default, **kwargs)
    state = st.session_state
    known = set(ids)
    start = [] if default is None else [default] if isinstance(default, str) else list(default)
    picked = state.get(key) if key in state else start
    picked = [i for i in dict.fromkeys(picked or []) if i in known]
    if key in state and picked != state[key]:  # a pick set by hand to an item not in the catalogue
        state[key] = picked
    query = _search_box(key, "items", len(ids), "type part of a title or id…")
    labels = None
    if query.strip():
        labels = titles if titles is not None else [format_func(i) for i in ids]
    picks, hits = search_options(query, ids, labels=labels, weight=popularity)
    options = list(dict.fromkeys([*start, *picked, *(ids[i] for i in picks)]))
    chosen = st.multiselect(label, options, format_func=format_func, key=key, default=default, **kwargs)
    if query.strip() and not hits:
        _no_match(query, "item title or id", None,
                  "the items already picked stay picked" if chosen else "nothing is picked yet")
    else:
        first = "the most popular" if popularity is not None else None
        st.caption(_shown_note(len(picks), hits, len(ids), "items", first, query))
    return chosen
