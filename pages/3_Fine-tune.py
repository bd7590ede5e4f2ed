"""3 Fine-tune: adapt the encoder to the interactions (contrastive), live loss, before/after on cold items."""

import time

import streamlit as st

from recengine.data.samples import example_request
from recengine.display import time_left
from recengine.evaluation.metrics import metric_label
from recengine.figures.evaluation import before_after, loss_curve
from recengine.text.embed import request_matches
from recengine.text.finetune import config_defaults, finetune_phase
from recengine.text.quality import finetune_verdict, shown_change
from ui import escape, figure, page, show_error
from ui.boundary import clip
from ui.engine import (
    cold_quality,
    cold_split,
    encoder,
    finetune_name,
    finetune_wait,
    item_embeddings,
    own_models,
    saved_finetuned_encoder,
)
from ui.jobs import FineTuneStopped, latest_job, start_finetune
from ui.state import DEVICE, ENCODER, current, device_choice, is_private, require_dataset, use_dataset, visitor_id

ss = st.session_state


def base_choice() -> str:
    """The encoder to start from: the default, or a model a visitor gave on the Embeddings page (the choice shows
    only when there is one)."""
    own = own_models()
    if not own:
        return "default"
    options = {"default": "all-MiniLM-L6-v2", **own}
    if ss.get("ft_base") not in options:
        ss.pop("ft_base", None)
    return st.selectbox("Start from", list(options), format_func=options.get, key="ft_base",
                        help="the encoder the fine-tune starts from; the Embeddings page's encoder box takes your own")


def settings() -> dict:
    """The knobs, starting at the library's measured default recipe (FineTuneConfig)."""
    dflt = config_defaults()
    c = st.columns(4)
    epochs = c[0].number_input("Epochs", 1, 20, dflt["epochs"], key="ft_epochs")
    batch = c[1].select_slider("Batch size", ["auto", 8, 16, 32, 64, 128, 256], value="auto", key="ft_batch",
                               help=f"items per step; auto is {dflt['batch_cpu']} on CPU and {dflt['batch_cuda']} on a GPU. "
                                    "Larger batches give more in-batch negatives and see more pairs in the same number of steps")
    lora = c[2].toggle("LoRA adapters", value=dflt["lora"], key="ft_lora", help="train small adapters instead of all weights")
    lr = c[3].select_slider("Learning rate", [1e-5, 3e-5, 1e-4, 3e-4], value=dflt["lr"], key="ft_lr",
                            format_func=lambda v: f"{v:g}")
    with st.expander("More settings"):
        d = st.columns(4)
        neighbors = d[0].number_input("Neighbours per item", 1, 100, dflt["neighbors"], key="ft_neighbors",
                                      help="the nearest collaborative neighbours an item's partners are drawn from")
        per_item = d[1].number_input("Partners per item and epoch", 1, 20, dflt["pairs_per_item"], key="ft_pairs_per_item",
                                     help="more partners teach more per epoch and take longer")
        max_pairs = d[2].number_input("Max pairs per epoch (0 = all)", 0, 100_000, 0, key="ft_max_pairs")
        seq = d[3].number_input("Max tokens per text", 16, 256, dflt["max_seq_length"], key="ft_seq")
        text_mix = st.slider("Keep the base encoder's view", 0.0, 0.9, float(dflt["text_mix"]), 0.05, key="ft_text_mix",
                             help="share of each training target taken from the base encoder's own similarities: it "
                                  "keeps what the model knew about titles and genres while it learns from the "
                                  "interactions; 0 learns from the interactions alone")
        recipes = {"distill": "items like what is consumed with them (distill)", "pairs": "item pairs (pairs)",
                   "history": "a user's items rank their next one (history)"}
        f = st.columns(2)
        loss = f[0].selectbox("Recipe", list(recipes), index=list(recipes).index(dflt["loss"]), key="ft_recipe",
                              format_func=recipes.get, help="what the encoder learns from the interactions")
        pop_bias = f[1].slider("Lean to popular items (history recipe)", 0.0, 4.0, float(dflt["popularity_bias"]), 0.5,
                               key="ft_pop_bias", disabled=loss != "history",
                               help="0: none; 1: popularity as in the data; more leans further, which helps new items "
                                    "that many people will take up")
        e = st.columns(2)
        alpha = e[0].slider("Share of the tuned weights kept (alpha)", 0.0, 1.0, float(dflt["alpha"]), 0.05, key="ft_alpha",
                            help="the saved encoder is alpha x tuned + (1 - alpha) x base weights (WiSE-FT); "
                                 "a mix keeps the base's robustness")
        guard = e[1].toggle("Guard: keep the base if it is clearly better", value=bool(dflt["guard"]), key="ft_guard",
                            help="first tunes on part of the train items and checks on the rest; if the base encoder "
                                 "wins there by more than one standard error, the base is kept. Doubles the time")
    config = {"epochs": int(epochs), "lora": bool(lora), "lr": float(lr), "neighbors": int(neighbors),
              "pairs_per_item": int(per_item), "max_seq_length": int(seq), "text_mix": float(text_mix),
              "alpha": float(alpha), "guard": bool(guard), "device": device_choice(), "loss": loss,
              "popularity_bias": float(pop_bias)}
    if batch != "auto":
        config["batch_size"] = int(batch)
    if max_pairs:
        config["max_pairs"] = int(max_pairs)
    return config


WIDGETS = {"epochs": "ft_epochs", "lora": "ft_lora", "lr": "ft_lr", "neighbors": "ft_neighbors",
           "pairs_per_item": "ft_pairs_per_item", "max_seq_length": "ft_seq", "text_mix": "ft_text_mix", "alpha": "ft_alpha",
           "guard": "ft_guard", "loss": "ft_recipe", "popularity_bias": "ft_pop_bias"}


def take_up(job, key: str) -> None:
    """A session that has not seen the latest fine-tune on this data shows that run's settings: a tab opened while
    it runs, to watch it; a new tab opened after it ended (the one that started it closed), to find its result.
    Settings already chosen in this session are kept when the run has ended; while it runs, the settings shown
    are its own, also after a visit to another page."""
    if job is None or job.dataset_key != key or job.error is not None:
        return
    if ss.get("ft_seen") == job.id:
        if job.running:
            show_settings_of(job)
        return
    ss["ft_seen"] = job.id
    own = any(w in ss for w in (*WIDGETS.values(), "ft_batch", "ft_max_pairs"))  # settings chosen in this session
    if job.running or not (own or "ft_result" in ss):
        show_settings_of(job)


def show_settings_of(job) -> None:
    """Set the settings' widgets to a fine-tune's own settings (before the widgets are drawn)."""
    ss.update({w: job.config[name] for name, w in WIDGETS.items() if name in job.config})
    if job.base != "default":
        ss["ft_base"] = job.base
    ss["ft_batch"], ss["ft_max_pairs"] = job.config.get("batch_size", "auto"), job.config.get("max_pairs", 0)


def mix_sentence(val: dict) -> str:
    """What the saved encoder is, in words: its share of tuned weights, and how that share was settled."""
    alpha = float(val.get("alpha", 1.0))
    held = val.get("held_out_items")
    how = str(val.get("chosen_by", ""))
    if "checked" in how and held:  # the guard kept the configured mix
        why = (f"the base was not clearly better on {held:,} of the training data's own items, held out for this check "
               "(the cold items it is measured on are others)")
    elif how == "pseudo-cold validation" and held:  # alpha chosen on the held-out items
        why = (f"the mix that did best on {held:,} of the training data's own items, held out for this check "
               "(the cold items it is measured on are others)")
    else:
        why = "as set"
    return (f"The saved encoder is {alpha:.0%} fine-tuned and {1 - alpha:.0%} base weights (alpha {alpha:g}): {why}. "
            "Mixing keeps the base's general reading of text.")


def watch(job, key: str) -> None:
    """The running fine-tune's bar and loss curve, redrawn from its state every few seconds: it runs on the server, so
    this session may leave and come back (or another tab may watch). When it ends, the whole page runs again."""
    # Its own tab, or a tab on the same data (a second tab, or the address passed on), may stop it; a stranger's tab
    # on other data may not: on a shared server one visitor could otherwise end another's run.
    may_stop = job.owner == visitor_id() or job.dataset_key == key
    if job.dataset_key != key:
        st.info("A fine-tune of another dataset is running on this server (one runs at a time), started in another "
                "tab. This page can start one when it finishes.", icon=":material/hourglass_top:")
    else:
        st.info("The fine-tune runs on the server: you may leave this page, or close the tab, and come back; its "
                "result will be here.", icon=":material/cloud_sync:")

    @st.fragment(run_every=job.poll_seconds)
    def live() -> None:
        if not job.running:
            st.rerun()  # the whole page, which now shows the result
        bar, chart = st.empty(), st.empty()  # drawn after the button, so a click on it shows at once
        if may_stop and st.button("Stop the fine-tune", key="ft_stop", icon=":material/stop_circle:",
                                  disabled=job.stop_requested.is_set(),
                                  help="stops after the current step; nothing of this run is kept"):
            job.stopped_by = visitor_id()
            job.stop_requested.set()
        check, phase, body = finetune_phase(job.message, job.guarded)
        if not job.message:  # before its first step: the encoder loads and the training pairs are built
            phase, body = "preparing", "loading the encoder and building the training pairs"
        steps = f"step {job.done:,} of {job.total:,} · {body}" if body.startswith("loss ") else body
        if job.stop_requested.is_set():
            steps += " · stopping after this step"
        elapsed = int(time.monotonic() - job.started)
        frac = job.done / job.total if job.total else 0.0
        after = job.steps_after()
        left = time_left(job.phase, time.monotonic(), job.done, job.total, after) if body.startswith("loss ") else ""
        left = left.replace(" left", " left in all") if left and after else left
        bar.progress(min(1.0, frac), text=f"Fine-tuning — {phase} · {steps} · {elapsed // 60}:{elapsed % 60:02d} elapsed{left}")
        curve = list(job.losses[check])
        if curve:
            chart.plotly_chart(loss_curve(range(1, len(curve) + 1), curve, title=f"Training loss · {phase}"),
                               key="ft_live_loss", theme=None)

    live()


def finished_here(job, key: str) -> dict | None:
    """The result of the fine-tune this session started or watched, once it has ended (its error shown if it
    failed); None when there is nothing new to show."""
    if job is None or job.running or job.dataset_key != key or ss.pop("ft_watch", None) != job.id:
        return None
    if isinstance(job.error, FineTuneStopped):
        other = " It was stopped from another tab." if job.stopped_by and job.stopped_by != visitor_id() else ""
        st.info(f"{job.error}{other}", icon=":material/stop_circle:")
    elif job.error is not None:
        show_error(job.error, "fine-tuning")
    return job.result


with page("Fine-tune", "tune", "Teach the encoder which items your users consume together; judge it on held-out items."):
    job = latest_job()
    if (current() is None and job is not None and job.running and job.dataset is not None
            and (job.owner == visitor_id() or not is_private(job.dataset_key))):
        use_dataset(job.dataset, job.dataset_key)  # a new tab with no dataset: the run's own (never a stranger's upload)
    ds, key = require_dataset()
    split = cold_split(ds, key)
    st.markdown(
        f"Pairs each item's text with the text of an item the same users chose (in-batch negatives), on the "
        f"**train part of the cold-items split**: {split.train.n_items - len(split.candidates):,} items train, "
        f"{len(split.candidates):,} stay unseen and measure the result. The same settings on the same data are "
        "trained once and then loaded."
    )
    take_up(job, key)
    base = base_choice()
    config = settings()
    busy = job is not None and job.running
    if st.button("Fine-tune", type="primary", key="ft_run", icon=":material/model_training:", disabled=busy,
                 help="one fine-tune runs at a time; this one is still running" if busy else None):
        job, busy = start_finetune(ds, key, config, base, owner=visitor_id()), True
        ss["ft_seen"] = job.id
        st.rerun()  # drawn again with the button disabled: drawn before the start, it stayed live during the run
    if busy:
        ss["ft_watch"] = job.id  # this session shows the result when it ends
        watch(job, key)
        st.stop()
    if (done := finished_here(job, key)) is not None:
        ss["ft_result"] = done
    result = ss.get("ft_result")
    if result is not None and result["manifest"].get("fingerprint") != finetune_name(ds, key, config, base):
        del ss["ft_result"]  # the settings changed since: show the fine-tune of theirs, if they were trained
        result = None
    if result is None and (saved := saved_finetuned_encoder(ds, key, config, base)) is not None:
        # these settings were trained before (in another session, in a tab since closed): show it without a click
        result = ss["ft_result"] = {"path": str(saved.path), "manifest": saved.manifest}
    if result is None:
        st.info(f"Choose the settings and start. {finetune_wait(split, config)}")
        st.stop()

    manifest = result["manifest"]
    if manifest.get("cached"):
        st.success("This fine-tune was trained before with the same settings and data: loaded, not re-run.",
                   icon=":material/history:")
    else:
        stats = manifest.get("metrics", {})
        check = (stats.get("validation") or {}).get("seconds")
        first = f", after {check:.0f} s checking on held-out items" if isinstance(check, (int, float)) else ""
        seconds = stats.get("seconds")
        took = f"{seconds:.0f} s" if isinstance(seconds, (int, float)) else "?"
        st.success(f"Trained {stats.get('steps', '?')} steps in {took} on "
                   f"{escape(str(stats.get('device', '?')).upper())}{first}.", icon=":material/check_circle:")
    val = manifest.get("metrics", {}).get("validation") or {}
    if val.get("base_lead") is not None and val.get("alpha") == 0.0:
        st.warning(f"On items held out of the training data the base encoder was clearly better (Recall@10 lead "
                   f"{val['base_lead']:+.4f}, standard error {val['standard_error']:.4f}), so the base weights were kept.",
                   icon=":material/shield:")
    elif val:
        st.caption(mix_sentence(val))
    history = manifest.get("loss_history") or []
    left, right = st.columns(2, gap="large")
    with left:
        if history:
            figure(loss_curve(range(1, len(history) + 1), history), "fine-tune-loss", key="ft_loss")
    with right:
        before = cold_quality(ds, key, base, device_choice())
        after = cold_quality(ds, key, result["path"], device_choice())
        figure(before_after(before, after, title="Cold items: content item-kNN"), "fine-tune-before-after", key="ft_ba")
        cols = st.columns(len(before))
        for col, (metric, value) in zip(cols, after.items()):
            col.metric(metric_label(metric), f"{value:.3f}", f"{shown_change(before[metric], value):+.3f}",
                       help=f"fine-tuned, and its change from the zero-shot {before[metric]:.3f}")
    verdict, sentence = finetune_verdict(before, after, len(split.candidates))
    (st.warning if verdict in ("worse", "unchanged") else st.info)(sentence, icon=":material/balance:")
    st.header("A request, before and after", anchor=False)
    request = clip(st.text_input("What someone wants", value=example_request(ds), key="ft_request",
                                 placeholder="type a request in a few words, as a new visitor would",
                                 help="the items whose text is closest to the request, with each encoder (no history, "
                                      "no popularity): what the fine-tune changed in how texts are read"),
                   300, "The request")
    if request.strip():
        cols, device = st.columns(2, gap="large"), device_choice()
        seen: set[str] = set()
        for col, (label, name) in zip(cols, (("Zero-shot", base), ("Fine-tuned", result["path"]))):
            matches = request_matches(request.strip(), encoder(name, device), item_embeddings(ds, key, name, device), k=8)
            col.markdown(f"**{label}**" + (" · *new* marks what the zero-shot list did not have" if seen else ""))
            col.markdown("\n".join(f"{rank}. {escape(ds.title(item))}" + (" · *new*" if seen and item not in seen else "")
                                    for rank, (item, _) in enumerate(matches, start=1)))
            seen = seen or {item for item, _ in matches}
    st.caption(f"Fingerprint {escape(manifest.get('fingerprint', ''))} · saved in {escape(result['path'])}")
    if st.button("Use the fine-tuned encoder in every page", key="ft_use",
                 help={"worse": "the base encoder did better on the held-out items",
                       "unchanged": "it did no better than the base encoder on the held-out items"}.get(verdict)):
        ss[ENCODER], ss[DEVICE] = result["path"], device_choice()
        st.rerun()
