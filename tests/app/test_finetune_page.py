"""AppTest of the Fine-tune page: a real (tiny) contrastive fine-tune, its loss, before/after, and reuse."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def test_finetune_trains_once_then_reuses(run_page):
    at = run_page("pages/3_Fine-tune.py")
    assert at.info and at.button(key="ft_run") is not None
    # A tiny run keeps the test quick: 1 epoch of 48 pairs, 3 steps of 16.
    at.number_input(key="ft_epochs").set_value(1)
    at.select_slider(key="ft_batch").set_value(16)
    at.number_input(key="ft_max_pairs").set_value(48)
    at.number_input(key="ft_seq").set_value(32)
    at.button(key="ft_run").click().run()
    assert_clean(at)
    manifest = at.session_state["ft_result"]["manifest"]
    assert manifest["cached"] is False and len(manifest["loss_history"]) == 3
    assert "Trained 3 steps" in at.success[0].value
    # the default guard checked the mix on held-out items; the page says what it kept and why
    val = manifest["metrics"]["validation"]
    shown = [c.value for c in at.caption] + [w.value for w in at.warning]
    if val["alpha"] == 0.0 and "base_lead" in val:
        assert any("base weights were kept" in t for t in shown)
    else:
        said = f"The saved encoder is {val['alpha']:.0%} fine-tuned and {1 - val['alpha']:.0%} base weights"
        assert any(t.startswith(said) and "held out of training" in t for t in shown), shown
    labels = {m.label for m in at.metric}
    assert labels == {"Recall@10", "NDCG@10"}
    verdict = [m.value for m in [*at.info, *at.warning] if "items it never saw" in m.value]  # in words, for the room
    assert len(verdict) == 1 and "Recall@10" in verdict[0] and "→" in verdict[0]
    assert len(at.get("plotly_chart")) == 2  # loss curve and before/after
    # a request, read by each encoder: the sample's own example first, then the visitor's words
    assert at.text_input(key="ft_request").value == "war drama"
    lists = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert len(lists) == 2 and all(len(part.splitlines()) == 8 for part in lists), lists
    assert "War" in lists[0]  # the zero-shot list reads the word
    zero_shot = {line.split(". ", 1)[1] for line in lists[0].splitlines()}
    assert "*new*" not in lists[0]
    for line in lists[1].splitlines():  # the fine-tuned list marks exactly what the zero-shot list lacked
        title = line.split(". ", 1)[1]
        assert title.endswith(" · *new*") == (title.removesuffix(" · *new*") not in zero_shot), line
    at.text_input(key="ft_request").set_value("a spooky night in").run()
    assert_clean(at)
    spooky = [m.value for m in at.markdown if m.value.startswith("1. ")]
    assert len(spooky) == 2 and spooky != lists and "Night" in spooky[0]
    at.text_input(key="ft_request").set_value("").run()
    assert not [m.value for m in at.markdown if m.value.startswith("1. ")]

    at.button(key="ft_run").click().run()
    assert_clean(at)
    assert at.session_state["ft_result"]["manifest"]["cached"] is True
    assert "loaded, not re-run" in at.success[0].value

    # a refresh (a new session) with the same settings shows the saved result without a click
    again = run_page("pages/3_Fine-tune.py", ft_epochs=1, ft_batch=16, ft_max_pairs=48, ft_seq=32)
    assert again.session_state["ft_result"]["manifest"]["fingerprint"] == manifest["fingerprint"]
    assert "loaded, not re-run" in again.success[0].value and len(again.get("plotly_chart")) == 2

    # the Embeddings page now compares the two encoders, each in a full-width tab (side by side was unreadable)
    emb = run_page("pages/2_Embeddings.py")
    assert [t.label for t in emb.tabs] == ["Zero-shot", "Fine-tuned"] * 2
    assert len(emb.get("plotly_chart")) == 4 and any("a tab for each" in c.value for c in emb.caption)


def test_a_finetune_made_from_python_is_offered_as_an_encoder(tmp_path, monkeypatch, tiny, encoder):
    from recengine.text import FineTuneConfig, finetune
    from ui.engine import encoder_options

    monkeypatch.setenv("RECENGINE_HOME", str(tmp_path / "home"))
    assert list(encoder_options()[0]) == ["default"]
    tuned = finetune(tiny, encoder, FineTuneConfig(epochs=1, batch_size=4, neighbors=2, max_seq_length=16, guard=False,
                                                   device="cpu"))
    options, _ = encoder_options()  # never recorded in the store: found in the models folder
    assert str(tuned.path) in options and tuned.fingerprint[:20] in options[str(tuned.path)]
