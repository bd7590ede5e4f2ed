"""6 Evaluate: the four protocols x chosen models; accuracy and beyond-accuracy tables and charts; run history."""

import pandas as pd
import streamlit as st

from recengine.figures.evaluation import beyond_accuracy, few_shot_curve, leaders, measured, metric_bars
from recengine.models import MODEL_NAMES
from ui import escape, figure, guard, page, results_table, table
from ui.engine import evaluation, evaluation_running, fit_time_note, has_evaluation, measured_models, run_history
from ui.state import (
    device_choice,
    encoder_name,
    page_address,
    require_dataset,
    restore_choices,
    restore_numbers,
    unless_set,
)

ss = st.session_state
BEYOND = ("coverage", "diversity", "novelty", "popularity_bias")
SAMPLE_ABOVE, SAMPLE_USERS = 20_000, 5_000  # data with more users than this starts on a sample of that many
# what each metric means, for a room that asks (higher is better for all five)
METRIC_HELP = (
    "Each test user gets a top-{k} list; held-out items they did consume are the hits. Higher is better.\n"
    "- **ndcg@{k}**: hits weighted by how near the top they are, against the best order possible\n"
    "- **recall@{k}**: share of the user's held-out items that the list finds\n"
    "- **hit@{k}**: share of users whose list holds at least one hit\n"
    "- **mrr@{k}**: 1 / the rank of the first hit (1 when it is first)\n"
    "- **map@{k}**: mean precision at each hit's rank"
)
PROTOCOLS = {
    "warm": "warm users: 80/20 per user, rank all items",
    "cold-items": "cold items: 20% of items held out, rank only them",
    "few-shot": "few-shot users: 1, 3, 5 revealed interactions",
    "temporal": "a cut in time: train up to a date, test what users did after it (needs timestamps)",
}
NO_TIME = ("The **temporal** protocol is not offered: it cuts the data at a date, and this data has no timestamps. If "
           "the file has a time column, map it on the Data page (Column mapping, Timestamp).")

with page("Evaluate", "leaderboard", "Offline protocols on this dataset; every model measured the same way."):
    ds, key = require_dataset()
    # data with no timestamps is not offered the temporal protocol (a choice the data cannot run, then a red box
    # for it); a choice of it kept from data that had them is dropped
    offered = [p for p in PROTOCOLS if p != "temporal" or ds.has_timestamps]
    if "ev_protocols" in ss and any(p not in offered for p in ss["ev_protocols"]):
        ss["ev_protocols"] = [p for p in ss["ev_protocols"] if p in offered]
    # a refresh keeps the choices (and so the results measured for them): it went back to warm users only
    restore_choices({"protocols": ("ev_protocols", offered), "models": ("ev_models", MODEL_NAMES)},
                    lists={"protocols", "models"})
    restore_numbers({"k": ("ev_k", 1, 100, int), "seed": ("ev_seed", 0, 10_000, int)})
    # one form: the choices reach the page together with the click on Run. A multiselect left open (closed with
    # Escape) used to commit on the click's blur, and that rerun swallowed the click itself.
    with st.form("ev_form", border=False, enter_to_submit=False):
        # the two choosers get a row of their own: beside three number boxes their chips were cut at 1280 px
        c1, c2 = st.columns([2, 3])
        c3, c4, c5, _ = st.columns([1, 1, 1.3, 3])
        protocols = c1.multiselect("Protocols", offered, default=unless_set("ev_protocols", ["warm"]),
                                   key="ev_protocols", help="\n".join(f"- **{p}**: {d}" for p, d in PROTOCOLS.items()
                                                                      if p in offered))
        models = c2.multiselect("Models", MODEL_NAMES, default=unless_set("ev_models", list(MODEL_NAMES)),
                                key="ev_models")
        # a value restored from the address is the widget's own: given a default too, Streamlit warns on the page
        k = int(c3.number_input("k", 1, 100, unless_set("ev_k", 10), key="ev_k"))
        seed = int(c4.number_input("Split seed", 0, 10_000, unless_set("ev_seed", 42), key="ev_seed"))
        max_users = int(c5.number_input(
            "Test users (0: all)", 0, 100_000_000, 0 if ds.n_users <= SAMPLE_ABOVE else SAMPLE_USERS, step=500, key="ev_users",
            help="Measure on a seeded sample of this many test users; 0 measures all of them. On large data the "
                 "ranking takes the time: a few thousand users keep the accuracy figures (coverage is lower on a "
                 "sample).")) or None
        run = st.form_submit_button("Run evaluation", type="primary", key="ev_run", icon=":material/play_arrow:")
    if not ds.has_timestamps:  # said before a run, not only as the error of one
        st.caption(NO_TIME)
    chosen = tuple(m for m in MODEL_NAMES if m in models)
    page_address({"protocols": (protocols, ["warm"]), "models": (list(chosen), list(MODEL_NAMES)), "k": (k, 10),
                  "seed": (seed, 42)})
    if run and not (protocols and chosen):
        st.warning("Choose at least one protocol and one model, then press **Run evaluation**.", icon=":material/info:")
        st.stop()
    name = encoder_name()
    done = [p for p in protocols if chosen and has_evaluation(key, p, chosen, k, seed, name, max_users)]
    asked = (protocols, chosen, k, seed, max_users)
    shown = ss.get("ev_last") == asked  # the last run's results, still on screen
    if not (run or done or shown):
        if chosen and any(evaluation_running(key, p, chosen, k, seed, name, max_users) for p in protocols):
            # a refresh mid-run showed the empty page, as if nothing were computing
            st.info("These choices are being evaluated now (in another tab, or before this page was refreshed). Press "
                    "**Run evaluation** to wait for the results.", icon=":material/hourglass_top:")
            st.stop()
        before = {p: measured_models(key, p, chosen, k, seed, name, max_users) for p in protocols}
        if chosen and any(before.values()):  # a run stopped half-way (another page, a refresh): its models stay
            kept = "; ".join(f"{p}: {', '.join(m)}" for p, m in before.items() if m)
            st.info(f"Measured already, from a run that stopped before the end or other choices: {kept}. Press "
                    "**Run evaluation** to measure the rest; those are not measured again.", icon=":material/play_arrow:")
            st.stop()
        st.info(f"Choose protocols and models, then run. Each model fits once per split; {fit_time_note(ds.n_items)}. "
                "Results are kept for the whole session.")
        st.stop()
    if not run and not shown and len(done) < len(protocols):
        # choices measured in part (the page opened again with a protocol not yet run): those stay on screen
        missing = [p for p in protocols if p not in done]
        st.info(f"Press **Run evaluation** to add {', '.join(missing)}; the results below are those already measured.",
                icon=":material/play_arrow:")
        protocols = done
    parts = []
    for protocol in protocols:
        with guard(f"running the {protocol} protocol"):  # one protocol the data cannot run keeps the others
            parts.append(evaluation(ds, key, protocol, chosen, k, seed, name, device_choice(), max_users))
    ss["ev_last"] = (protocols, chosen, k, seed, max_users)  # what was measured: an added protocol still waits
    if not parts:
        st.stop()
    results = pd.concat(parts, ignore_index=True)
    protocols = list(results["protocol"].unique())

    st.header("Accuracy", anchor=False)
    metric = st.radio("Metric", [f"ndcg@{k}", f"recall@{k}", f"hit@{k}", f"mrr@{k}", f"map@{k}"], horizontal=True,
                      key="ev_metric", help=METRIC_HELP.format(k=k))
    figure(metric_bars(results, metric, by="setting"), f"evaluation-{metric}", key="ev_bars")
    if said := leaders(results, metric):  # the chart read aloud: who leads, by how much, where the hybrid stands
        st.markdown("\n".join(f"- {escape(line)}" for line in said))
    if "temporal" in protocols:
        st.caption("Temporal: each model learns from everything up to the cut and is measured on what the users it "
                   "knew then chose after it; the notes under the tables say where the cut fell and how many test "
                   "interactions are on items new since then, which only the text models can find.")
    if "few-shot" in protocols:
        figure(few_shot_curve(results[results["protocol"] == "few-shot"], metric, title="Few-shot curve"),
               "few-shot-curve", key="ev_curve")
    st.header("Beyond accuracy", anchor=False, help="**Catalogue coverage**: share of items that appear in some list. **Intra-list "
                 "diversity**: how unlike the items of one list are (1 - cosine of their texts). **Novelty**: how rare "
                 "the suggestions are, in bits (higher: less popular). **Mean popularity**: share of users who "
                 "consumed the suggested items.")
    beyond = results
    if len(protocols) > 1:  # one protocol at a time: averaging warm with cold-items would compare unlike things
        which = st.radio("Protocol", protocols, horizontal=True, key="ev_beyond_protocol")
        beyond = results[results["protocol"] == which]
    if beyond["protocol"].iloc[0] == "few-shot":
        st.caption("Few-shot: averaged over the profile sizes measured.")
    if measured(beyond, BEYOND):
        figure(beyond_accuracy(beyond, BEYOND), "beyond-accuracy", key="ev_beyond")
    else:  # no model could rank anything here (a handful of users): no chart of nothing, and the results still show
        st.info("No model gave a list that these figures could measure; the table below says why for each model.",
                icon=":material/info:")
    st.header("All results", anchor=False)
    results_table(results, f"evaluation-{ds.name}", key="dl_results")

    history = run_history(k)
    if len(history):
        runs = history["run"].nunique()
        with st.expander(f"Run history ({runs} {'run' if runs == 1 else 'runs'} in the store)"):
            # fits a 1280 px window (it scrolled sideways): the time to the minute, and what every row shares (k, a
            # single dataset) said once here, not on every row; the CSV keeps every column and the full timestamps
            datasets = history["dataset"].unique() if "dataset" in history else []
            same = [c for c in ("k", "dataset") if c in history and (c == "k" or (len(datasets) == 1 and pd.notna(datasets[0])))]
            on = f" on {escape(datasets[0])}" if "dataset" in same else ""
            st.caption(f"Runs at k = {k}{on}, newest first; times in UTC.")
            shown = history.assign(when=pd.to_datetime(history["when"], utc=True, errors="coerce"))
            table(shown, "run-history", key="dl_history", csv=history,
                  column_order=[c for c in shown.columns if c not in same],
                  column_config={"when": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                                 "run": st.column_config.NumberColumn(format="%d", width=50),
                                 # an upload's long file name is cut here (whole on hover and in the CSV); narrow
                                 # enough that a history long enough to scroll down still does not scroll sideways
                                 "dataset": st.column_config.TextColumn(width=110)})
