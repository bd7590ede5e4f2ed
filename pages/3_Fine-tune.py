"""3 Fine-tune: adapt the encoder to the interactions (contrastive), live loss, before/after on cold items."""

import time

import streamlit as st

from recengine.data.samples import example_request
from recengine.figures.evaluation import before_after, loss_curve, metric_label
from recengine.text.embed import request_matches
from recengine.text.finetune import FineTuneConfig, config_defaults
from ui import escape, figure, page
from ui.engine import (
    cold_quality,
    cold_split,
    encoder,
    finetune_phase,
    finetune_verdict,
    finetuned_encoder,
    item_embeddings,
    progress_callback,
    saved_finetuned_encoder,
)
from ui.state import DEVICE, ENCODER, device_choice, require_dataset

ss = st.session_state


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


def mix_sentence(val: dict) -> str:
    """What the saved encoder is, in words: its share of tuned weights, and how that share was settled."""
    alpha = float(val.get("alpha", 1.0))
    held = val.get("held_out_items")
    how = str(val.get("chosen_by", ""))
    if "checked" in how and held:  # the guard kept the configured mix
        why = f"the base was not clearly better on {held:,} items held out of training"
    elif how == "pseudo-cold validation" and held:  # alpha chosen on the held-out items
        why = f"the mix that did best on {held:,} items held out of training"
    else:
        why = "as set"
    return (f"The saved encoder is {alpha:.0%} fine-tuned and {1 - alpha:.0%} base weights (alpha {alpha:g}): {why}. "
            "Mixing keeps the base's general reading of text.")


def train(ds, key, config: dict):
    """Run (or load) the fine-tune, drawing the progress bar and the loss curve live, part by part."""
    guarded = FineTuneConfig(**config).checks_first  # a held-out check runs first: the run has two parts
    note = st.empty()
    note.warning("Stay on this page until it finishes: leaving it, or closing the tab, stops the fine-tune and keeps "
                 "nothing of it.", icon=":material/hourglass_top:")
    update, close = progress_callback("Fine-tuning")
    chart = st.empty()
    losses: dict[bool, list[float]] = {True: [], False: []}
    last = [0.0]

    def progress(done: int, total: int, message: str) -> None:
        check, phase, body = finetune_phase(message, guarded)
        if not body.startswith("loss "):
            update(done, total, f"{phase} · {body}" if guarded else body)
            return
        update(done, total, f"{phase} · step {done:,} of {total:,} · {body}")
        curve = losses[check]
        curve.append(float(body.split()[1]))
        if time.monotonic() - last[0] > 0.7 or done == total:
            last[0] = time.monotonic()
            chart.plotly_chart(loss_curve(range(1, len(curve) + 1), curve, title=f"Training loss · {phase}"),
                               key=f"live_loss_{check}_{len(curve)}", theme=None)

    try:
        enc = finetuned_encoder(ds, key, config, "default", progress)
    finally:
        close()
        chart.empty()
        note.empty()
    return enc


with page("Fine-tune", "tune", "Teach the encoder which items your users consume together; judge it on held-out items."):
    ds, key = require_dataset()
    split = cold_split(ds, key)
    st.markdown(
        f"Pairs each item's text with the text of an item the same users chose (in-batch negatives), on the "
        f"**train part of the cold-items split**: {split.train.n_items - len(split.candidates):,} items train, "
        f"{len(split.candidates):,} stay unseen and measure the result. The same settings on the same data are "
        "trained once and then loaded."
    )
    config = settings()
    if st.button("Fine-tune", type="primary", key="ft_run", icon=":material/model_training:"):
        enc = train(ds, key, config)
        ss["ft_result"] = {"path": str(enc.path), "manifest": enc.manifest}
    result = ss.get("ft_result")
    if result is None and (saved := saved_finetuned_encoder(ds, key, config, "default")) is not None:
        # these settings were trained before (in another session, before a refresh): show it without a click
        result = ss["ft_result"] = {"path": str(saved.path), "manifest": saved.manifest}
    if result is None:
        st.info("Choose the settings and start. On 2 CPU cores one epoch over MovieLens-100K takes about 2 minutes, "
                "4 with the guard (the history recipe about 2.4 times that); on a GPU well under a minute.")
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
        before = cold_quality(ds, key, "default", device_choice())
        after = cold_quality(ds, key, result["path"], device_choice())
        figure(before_after(before, after, title="Cold items: content item-kNN"), "fine-tune-before-after", key="ft_ba")
        cols = st.columns(len(before))
        for col, (metric, value) in zip(cols, after.items()):
            col.metric(metric_label(metric), f"{value:.3f}", f"{value - before[metric]:+.3f}",
                       help=f"fine-tuned, and its change from the zero-shot {before[metric]:.3f}")
    verdict, sentence = finetune_verdict(before, after, len(split.candidates))
    (st.warning if verdict == "worse" else st.info)(sentence, icon=":material/balance:")
    st.subheader("A request, before and after")
    request = st.text_input("What someone wants", value=example_request(ds), key="ft_request", max_chars=300,
                            placeholder="type a request in a few words, as a new visitor would",
                            help="the items whose text is closest to the request, with each encoder (no history, "
                                 "no popularity): what the fine-tune changed in how texts are read")
    if request.strip():
        cols, device = st.columns(2, gap="large"), device_choice()
        seen: set[str] = set()
        for col, (label, name) in zip(cols, (("Zero-shot", "default"), ("Fine-tuned", result["path"]))):
            matches = request_matches(request.strip(), encoder(name, device), item_embeddings(ds, key, name, device), k=8)
            col.markdown(f"**{label}**" + (" · *new* marks what the zero-shot list did not have" if seen else ""))
            col.markdown("\n".join(f"{rank}. {escape(ds.title(item))}" + (" · *new*" if seen and item not in seen else "")
                                    for rank, (item, _) in enumerate(matches, start=1)))
            seen = seen or {item for item, _ in matches}
    st.caption(f"Fingerprint {escape(manifest.get('fingerprint', ''))} · saved in {escape(result['path'])}")
    if st.button("Use the fine-tuned encoder in every page", key="ft_use",
                 help="the base encoder did better on the held-out items" if verdict == "worse" else None):
        ss[ENCODER], ss[DEVICE] = result["path"], device_choice()
        st.rerun()
