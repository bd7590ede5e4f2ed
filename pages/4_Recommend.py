"""4 Recommend: build a profile, get top-k cards with reasons and SHAP charts; like / dislike re-ranks at once."""

import hashlib
import time

import numpy as np
import streamlit as st

from recengine.display import counted, item_name
from recengine.explain.explanation import is_intent
from recengine.figures.explanations import history_bars, signal_waterfall
from recengine.models import MODEL_NAMES, Profile
from recengine.rerank import reordered_by
from ui import escape, figure, page, show_error, table
from ui.boundary import announce, clip, escape_html, move_focus, short_title
from ui.engine import (
    TEXT_MODELS,
    double_click,
    explanations,
    feedback_name,
    fit_wait,
    fitted_model,
    keeps_feedback,
    model_or_fit,
    record_feedback,
    reranked,
    reset_feedback,
    stored_feedback,
)
from ui.jobs import FitJob, forget_fit
from ui.state import (
    ADDRESS_ITEMS,
    ADDRESS_TEXT,
    address_moved,
    device_choice,
    encoder_label,
    encoder_name,
    first_user,
    is_finetune,
    item_label,
    item_picker,
    page_address,
    require_dataset,
    restore_choices,
    restore_numbers,
    unless_set,
    user_picker,
)

ss = st.session_state
MODES = {"user": "A known user", "items": "A new user: pick a few liked items", "intent": "Someone who types what they want"}


def feedback(item_id: str, action: str, store_name: str, rank: int) -> None:
    """Card button callback: the like or dislike edits the profile, so the next run re-ranks with it."""
    ss["rec_focus"] = (action, rank, item_id)  # the keyboard focus comes back to this card's place, not the page top
    if double_click(ss, (rank, action)):
        st.toast("A second click so soon after the first was taken as a double-click: only the first counts.",
                 icon=":material/ads_click:")
        return
    events = ss.setdefault("rec_events", [])
    events.append((item_id, action))
    if keeps_feedback(store_name) and not record_feedback(store_name, item_id, action, ss.get("dataset_key")):
        ss["rec_store_failed"] = True  # a read-only store: this session's own list is the feedback from now on


def base_profile(ds) -> tuple[Profile | None, str]:
    # a refresh (a new session) finds the mode and user the address names; the dataset comes back the same way
    # (and a visitor's liked items and request, so a refresh on stage keeps the whole example)
    restore_choices({"mode": ("rec_mode", list(MODES)), "user": ("rec_user", ds.user_map), "liked": ("rec_items", ds.item_map),
                     "want": ("rec_intent", None)}, lists={"liked"})
    left, right = st.columns([2, 3], gap="large")
    mode = left.radio("Who is it for?", list(MODES), format_func=MODES.get, key="rec_mode")
    activity = np.diff(ds.matrix.indptr)  # each user's interactions: the picker's order, and where it starts
    with right:
        if mode == "user":
            # a large population is searched, not sent whole: 60,000 ids went to the browser at every click
            user = user_picker("User", ds.user_map, key="rec_user", activity=activity,
                               help="a user from the interactions; their history is the profile")
            profile = Profile.from_user(ds, user) if user is not None else Profile(name="visitor")
            who = f"user-{user}" if user is not None else "visitor"
        elif mode == "items":
            liked = item_picker("Liked items", list(ds.item_map.external), format_func=item_label(ds), key="rec_items",
                                titles=ds.titles, popularity=ds.item_popularity,
                                placeholder="type a title…", max_selections=ADDRESS_ITEMS)
            profile = Profile.from_items(liked, name="new visitor")
            who = "visitor"
        else:  # someone else than the visitor who picked items: their likes stay there, not in a typed-only profile
            profile, who = Profile(name="visitor"), "typing-visitor"
        # required when the request is all the profile has; the label changes, the typed text stays (keyed widget)
        intent = clip(st.text_input("What are they in the mood for?" + ("" if mode == "intent" else " (optional)"),
                                    key="rec_intent", placeholder="e.g. a funny space adventure for kids"),
                      ADDRESS_TEXT, "The request")
    # the user the picker starts on is left out of the address, like every default: written on the first run, it made
    # the browser's Back land on the same page (the address without it, which the page wrote again)
    page_address({"mode": (mode, "user"), "user": (ss.get("rec_user") if mode == "user" else None,
                                                      first_user(ds.user_map, activity)),
                  "liked": (ss.get("rec_items", []) if mode == "items" else [], []), "want": (intent.strip(), "")})
    if intent.strip():
        profile = profile.with_intent(intent.strip())
    if profile.is_empty:
        return None, who
    return profile, who


def apply_events(profile: Profile, store_name: str, item_ids) -> Profile:
    # Feedback belongs to the profile it was given on; a different base profile starts from what the store
    # kept for it (nothing, the first time). An anonymous visitor's is not stored: the next visitor is someone else.
    # Feedback given in this session on another profile is kept aside, so coming back to it finds it again.
    if address_moved() and not keeps_feedback(store_name) and ss.get("rec_events_for") == store_name:
        # the browser's Back or Forward: the visitor's feedback is what that address held (Back undoes a like)
        ss.pop("address_read_rec_feedback", None)
        ss["rec_events"] = address_feedback(item_ids)
    if ss.get("rec_events_for") != store_name:
        aside = ss.setdefault("rec_events_aside", {})
        if ss.get("rec_events_for") is not None:
            aside[ss["rec_events_for"]] = list(ss.get("rec_events", []))
        if keeps_feedback(store_name):
            kept = stored_feedback(store_name) or []
        else:  # a visitor's feedback rides in the address: a refresh on stage keeps it, a new visitor's link has none
            kept = aside.get(store_name) or address_feedback(item_ids)
        ss["rec_events_for"], ss["rec_events"] = store_name, list(kept)
    elif keeps_feedback(store_name) and not ss.get("rec_store_failed"):
        # a known user's feedback is read from the store at each run: two tabs on one user agree (a like or a
        # reset in one shows in the other), where each kept its own list and they drifted apart
        kept = stored_feedback(store_name)
        if kept is not None:
            ss["rec_events"] = kept
    for item_id, action in ss.get("rec_events", []):
        profile = profile.like(item_id) if action == "like" else profile.dislike(item_id)
    visitor = not keeps_feedback(store_name)  # a known user's feedback is in the store, not the address
    here = [i for i, a in ss.get("rec_events", []) if a == "like" and i in profile.liked] if visitor else []
    page_address({"up": (here[-ADDRESS_ITEMS:], []),
                  "down": (sorted(profile.disliked)[:ADDRESS_ITEMS] if visitor else [], [])})
    return profile


def address_feedback(item_ids) -> list[tuple[str, str]]:
    """A visitor's likes and dislikes as the address holds them (``up`` and ``down``), read once per session."""
    if "address_read_rec_feedback" in ss:
        return []
    ss["address_read_rec_feedback"] = True
    return [(i, action) for param, action in (("up", "like"), ("down", "dislike"))
            for i in list(dict.fromkeys(st.query_params.get_all(param)))[:ADDRESS_ITEMS] if i in item_ids]


def card(row, rank: int, store_name: str):
    """Title, score and the like / dislike buttons now; returns the slots the explanation fills in."""
    box = st.container(border=True, key=f"card_{rank}")  # by rank: where the keyboard focus goes back after a rerun
    with box:
        # one row that never wraps: the title takes what the two buttons leave, and the buttons are one pair in a
        # group of their own, side by side at every width (as three columns, a 640 px window, 1280 px at 200 %
        # zoom, put the title above and the two buttons 250 px apart under it)
        head = st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False, key=f"rec_head_{rank}")
        cold = " <span class='pill' style='background:#0369A1'>new item</span>" if row.get("is_cold", 0) > 0 else ""
        head.markdown(
            # a heading per card, so a screen reader can go from one suggestion to the next, read "Rank 1: Title"
            f"<div role='heading' aria-level='3'><span class='rec-rank'><span class='sr-only'>Rank </span>{rank}"
            f"<span class='sr-only'>:</span></span><span class='rec-title' title='{escape_html(row['title'])}'>"
            f"{escape_html(short_title(item_name(row['title'], row['item_id'])))}</span>{cold}"
            f"<span class='rec-score'>score {row['score']:.3f}</span></div>",
            unsafe_allow_html=True, width="stretch",
        )
        pair = head.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False, width="content",
                              key=f"rec_vote_{rank}")
        # the label names the item for a screen reader (twenty buttons read "thumb_up icon"); CSS keeps it unseen
        name = escape(short_title(item_name(row["title"], row["item_id"]), 60))
        pair.button(f"More like {name}", icon=":material/thumb_up:", key=f"like_{row['item_id']}", help="More like this",
                    on_click=feedback, args=(row["item_id"], "like", store_name, rank))
        pair.button(f"Not for me: {name}", icon=":material/thumb_down:", key=f"dislike_{row['item_id']}",
                    help="Not for me", on_click=feedback, args=(row["item_id"], "dislike", store_name, rank))
        if row.get("lowered_by"):  # as large as the reason: a projector must show why the order moved
            st.markdown(f"<div class='rec-lowered'>↓ Ranked lower: it resembles “{escape_html(short_title(row['lowered_by'], 60))}”, "
                        "which you turned down.</div>", unsafe_allow_html=True)
        reason = st.empty()
        reason.caption("explaining…")
        why = st.empty()
    return reason, why


def opened(rank: int) -> None:
    """Expander callback: after the rerun that draws (or hides) the charts, the focus is back on this expander."""
    ss["rec_focus"] = ("why", rank, None)


def fill(reason, why, explained, rank: int, title: str, whose: str = "") -> None:
    """``whose``: the profile the list is for. An expander's open state is kept by its key: keyed by the item alone, a
    "Why" opened for user 196 was still open on a new visitor's list that held the same film, beside rank 1's."""
    item = explained.item_id
    reason.markdown(f"<div class='rec-reason'>{escape_html(explained.reason)}</div>", unsafe_allow_html=True)
    with why.container():
        # named by its item: ten expanders all called "Why?" could not be told apart by a screen reader
        box = st.expander(f"Why “{escape(short_title(title, 50))}”? SHAP contributions", expanded=rank == 1,
                          key=f"why_{hashlib.sha1(whose.encode()).hexdigest()[:8]}_{item}", on_change=opened,
                          args=(rank,))
    if not box.open:  # charts are drawn only for open cards: a rerun stays fast
        return
    with box:
        # two starting points for one score, said once: a room asks why "typical item" and "empty profile" differ
        st.caption("Signals start from a typical item's score for this profile; the history starts from the score "
                   "with an empty profile. Both end at this item's score.")
        a, b = st.container(key=f"why_charts_{item}").columns(2)  # stacked below 1500 px (ui.boundary.CSS)
        with a:
            if explained.signals.feature_names:
                figure(signal_waterfall(explained, title="signals"), f"signals-{item}", key=f"sig_{item}",
                       buttons=False)
        with b:
            if len(explained.history.feature_names) and not np.abs(explained.history.values).max() > 1e-9:
                st.caption("Nothing in the profile moves this model's score (it ranks the same for everyone), so "
                           "there is no history to draw.")
            elif len(explained.history.feature_names):
                only_request = all(is_intent(p) for p in explained.history.feature_names)
                figure(history_bars(explained, title="your request" if only_request else "your history"),
                       f"history-{item}", key=f"hist_{item}",
                       buttons=False)


#: What the page shows while a long fit runs: text-based neighbours need no items x items inversion.
MEANWHILE = "content"


def while_fitting(job: FitJob, model_name: str) -> str:
    """A long first fit runs on the server (:func:`ui.engine.model_or_fit`): its progress, redrawn every two seconds
    (the whole page runs again when it ends), or its error; returns the model whose list is shown meanwhile."""
    from recengine.models import Recommender

    if job.error is not None:
        show_error(job.error, f"fitting the {model_name} model")
        if st.button(f"Fit the {model_name} again", key="rec_fit_again", icon=":material/refresh:"):
            forget_fit(job.key)
            st.rerun()
        st.caption(f"Meanwhile, the suggestions below come from the {MEANWHILE} model.")
        return MEANWHILE
    ss["rec_waited"] = model_name
    st.info(f"The {model_name} model is being fitted on this dataset's {job.n_items:,} items, once ("
            f"{fit_wait(job.n_items)} on 2 CPU cores, less on a GPU; then it is kept). It runs on the server, so you may leave this page and come back. "
            f"Meanwhile, the suggestions below come from the {MEANWHILE} model, which reads the item texts and is "
            "ready in seconds; likes and dislikes carry over.", icon=":material/hourglass_top:")

    @st.fragment(run_every=2.0)
    def live() -> None:
        if not job.running:
            st.rerun()  # the whole page, now with the fitted model
        said = Recommender.stage_text(job.done, job.total, job.message) if job.total else "starting"
        elapsed = int(time.monotonic() - job.started)
        st.progress(min(job.done / job.total, 1.0) if job.total else 0.0,
                    text=f"Fitting {model_name} — {said} · {elapsed // 60}:{elapsed % 60:02d} elapsed")

    live()
    return MEANWHILE


with page("Recommend", "recommend", "Everyone is a profile: a known user, a handful of liked items, or a sentence."):
    ds, key = require_dataset()
    base, who = base_profile(ds)
    # the list's length and knobs come back from the address too: a refresh mid-demo kept the list, not its order
    restore_numbers({"k": ("rec_k", 3, 30, int), "div": ("rec_div", 0.0, 1.0, float), "nov": ("rec_nov", 0.0, 1.0, float)})
    c = st.columns([2, 1, 2, 2])
    model_name = c[0].selectbox("Model", MODEL_NAMES, index=MODEL_NAMES.index("hybrid"), key="rec_model",
                                help="the hybrid learns when to trust which signal; SHAP signals need it")
    k = c[1].number_input("How many", 3, 30, unless_set("rec_k", 10), key="rec_k", help="3 to 30 suggestions")
    diversity = c[2].slider("Diversity", 0.0, 1.0, unless_set("rec_div", 0.0), 0.05, key="rec_div",
                            help="0 = pure relevance; higher = less alike")
    novelty = c[3].slider("Novelty", 0.0, 1.0, unless_set("rec_nov", 0.0), 0.05, key="rec_nov",
                          help="higher = favour less popular items")
    page_address({"k": (int(k), 10), "div": (f"{diversity:g}", "0"), "nov": (f"{novelty:g}", "0")})
    if base is None:
        st.info("Pick a user, choose a few liked items, or type what they want to get suggestions.")
        st.stop()
    store_name = feedback_name(key, who, base)
    profile = apply_events(base, store_name, ds.item_map)
    model = model_or_fit(model_name, ds, key, encoder_name(), device_choice())
    if isinstance(model, FitJob):  # a long first fit (a large catalogue) goes on in the background
        model_name = while_fitting(model, model_name)
        model = fitted_model(model_name, ds, key, encoder_name(), device_choice())
    elif ss.pop("rec_waited", None) == model_name:
        st.toast(f"The {model_name} model is ready: the list below is its own.", icon=":material/check_circle:")
    notes, usable = model.profile_notes(profile)
    if not usable:
        st.warning(f"Nothing to go on: {escape('; '.join(notes))}.")  # notes quote the request: plain text
        st.stop()
    recs = reranked(model, profile, ds, key, int(k), diversity, novelty)
    if "lowered_by" in recs:  # the disliked item each pushed-down suggestion resembles, by its title
        recs["lowered_by"] = [ds.title(i) if i else "" for i in recs["lowered_by"]]

    liked_here = [i for i, a in ss.get("rec_events", []) if a == "like"]
    disliked = sorted(profile.disliked)
    parts = []
    if profile.size or not profile.intent:
        if profile.chosen:  # a known user's record: what they chose, whatever they made of it, is no "like"
            parts.append(counted(len(profile.chosen), "item") + " from their history"
                         + (f", {len(liked_here)} liked here" if liked_here else ""))
        else:
            parts.append(counted(profile.size, "liked item") + (f" ({len(liked_here)} liked here)" if liked_here else ""))
    if disliked:
        parts.append(f"{len(disliked)} rejected")
    if profile.intent:
        summary = model.intent_summary(profile.intent)
        parts.append(f"request: “{escape(profile.intent)}”" + (f" ({escape(summary)})" if summary else ""))
    info = "Profile: " + " · ".join(parts)
    top, reset = st.columns([4, 1], vertical_alignment="center")
    top.markdown(info)
    for note in notes:
        st.info(escape(note[0].upper() + note[1:] + "."), icon=":material/info:")
    if profile.liked or disliked:
        with st.expander("What the profile holds"):
            # what was liked and turned down on this page apart from the rest: a presenter looks for them here
            here = [i for i in dict.fromkeys(liked_here) if i in profile.liked and i in ds.item_map]
            rest = [i for i in profile.liked if i not in set(here) and i in ds.item_map]
            shown_ids = rest[:60]

            def titles(ids) -> str:
                return " · ".join(escape(ds.title(i)) for i in ids)

            if here:
                st.markdown(f"**Liked here:** {titles(here)}")
            if shown_ids:
                st.markdown(("**From their history:** " if profile.chosen else "**Liked:** ") + titles(shown_ids)
                            + (f" … and {len(rest) - len(shown_ids)} more" if len(rest) > len(shown_ids) else ""))
            if turned := [i for i in disliked if i in ds.item_map]:
                st.markdown(f"**Turned down:** {titles(turned)}")
    if ss.get("rec_events") and reset.button("Reset feedback", key="rec_reset", icon=":material/undo:"):
        ss["rec_events"] = []
        if keeps_feedback(store_name) and not reset_feedback(store_name):
            ss["rec_store_failed"] = True
        st.rerun()
    if recs.empty:
        st.warning("No item can be suggested for this profile with this model: every candidate is excluded or "
                   "unscored. Try another model, or add items to the profile.")
        st.stop()

    whom = f"user {profile.user_id}" if profile.user_id and profile.id == profile.user_id else (profile.id or "this visitor")
    # a fine-tuned encoder is named where the list is, not only in the sidebar: a room compares the two lists
    name = encoder_name()
    label = ("the fine-tuned encoder" if is_finetune(name)
             else f"the encoder {escape(encoder_label(name))}")  # a visitor's own model, by its folder's name
    tuned = f" with {label}" if model_name in TEXT_MODELS and name != "default" else ""
    st.header(f"Top {len(recs)} for {escape(whom)} · {model_name}{tuned}", anchor=False)
    titles = [item_name(t, i) for t, i in zip(recs["title"], recs["item_id"])]
    acted = ss.get("rec_focus")
    done = ""
    if acted and acted[0] in ("like", "dislike"):  # "Liked When Harry Met Sally...", not "Sally.... "
        done = f"{'Liked' if acted[0] == 'like' else 'Turned down'} {item_name(ds.title(acted[2]), acted[2])}"
        done += " " if done.endswith(".") else ". "
    announce(f"{done}{len(recs)} suggestions for {whom}: first {', then '.join(titles[:3])}.")  # read when it changes
    if why := reordered_by(recs, diversity, novelty):
        knobs = [w for w in why if w not in ("dislike", "request")]
        parts = ([f"for {' and '.join(knobs)}: the order trades some relevance (the score on each card) for variety"]
                 if knobs else [])
        if "dislike" in why:
            parts.append("items like one you turned down are moved lower (marked ↓)")
        if "request" in why:
            parts.append("the items holding what your request asks for come first")
        st.caption("Re-ranked" + (" " if knobs else ": ") + "; and ".join(parts) + ", so a lower score can rank higher.")
    slots = [card(row, rank, store_name) for rank, (_, row) in enumerate(recs.iterrows(), start=1)]
    # Titles, scores and buttons are on screen already; the explanations (SHAP) fill the cards in when ready.
    try:
        explained = explanations(model, profile, tuple(recs["item_id"]), key, model_name)
    except Exception as exc:  # the list stands without its explanations
        for reason, _ in slots:
            reason.empty()
        show_error(exc, "explaining the suggestions")
    else:
        for rank, ((reason, why), ex) in enumerate(zip(slots, explained), start=1):
            fill(reason, why, ex, rank, item_name(recs["title"].iat[rank - 1], ex.item_id), store_name)
    with st.expander("The list as a table"):
        # what every row shares (the profile, its size) is said once; numbers to two decimals, so the signals fit a
        # 1280 px window without scrolling sideways; the CSV keeps every column and digit
        same = [c for c in ("user_id", "profile_size") if c in recs and recs[c].nunique() <= 1]
        same += [c for c in ("intent", "lowered_by") if c in recs and not recs[c].astype(bool).any()]  # no request, no dislike
        same += [c for c in ("asked",) if c in recs]  # the request's tiers: the caption above the cards says so; CSV keeps it
        short = {"cooccurrence": "co-occ.", "popularity": "popular", "item_age": "age", "itemknn": "kNN",
                 "lowered_by": "lowered by"}
        config = {c: st.column_config.NumberColumn(short.get(c, c), format="%.2f", width=58)
                  for c in recs.select_dtypes("float").columns if c not in same and c != "is_cold"}
        st.caption(f"For {escape(whom)}" + (f", a profile of {counted(int(recs['profile_size'].iat[0]), 'item')}"
                                            if "profile_size" in same else "")
                   + ("; the other columns are the hybrid's signals, before its ranker weighs them" if model_name == "hybrid" else "")
                   + ". The CSV has the item ids too.")
        view = recs.assign(is_cold=recs["is_cold"] > 0) if "is_cold" in recs else recs
        table(view, f"recommendations-{profile.id or 'visitor'}", key="dl_recs", csv=recs,
              column_order=[c for c in ("rank", "title", "score") if c in recs]
              + [c for c in recs.columns if c not in {*same, "rank", "item_id", "title", "score"}],
              column_config={**config, "rank": st.column_config.NumberColumn(width=45),
                             "title": st.column_config.TextColumn(width=165),
                             "lowered_by": st.column_config.TextColumn("lowered by", width=110),
                             "is_cold": st.column_config.CheckboxColumn("new item", width=65)})
    if (moved := ss.pop("rec_focus", None)) is not None:
        kind, rank, _ = moved
        place = f".st-key-card_{min(rank, len(recs))}"
        move_focus(f"{place} [data-testid='stExpander'] summary" if kind == "why"
                   else f"{place} [class*='st-key-{kind}_'] button")
