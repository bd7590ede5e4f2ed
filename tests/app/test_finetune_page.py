"""AppTest of the Fine-tune page: a real (tiny) contrastive fine-tune, its loss, before/after, and reuse."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def finish(at):
    """Wait for the background fine-tune the page started, then run the page again, as its timer would."""
    from ui.jobs import latest_job

    assert latest_job().wait(600)
    return at.run()


def test_finetune_trains_once_then_reuses(run_page):
    at = run_page("pages/3_Fine-tune.py")
    assert at.info and at.button(key="ft_run") is not None
    # the wait is announced for this data and these settings: the default recipe plans 116 steps on the sample
    assert any("about 116 training steps (and a guard run before it)" in i.value for i in at.info)
    # A tiny run keeps the test quick: 1 epoch of 48 pairs, 3 steps of 16.
    at.number_input(key="ft_epochs").set_value(1)
    at.select_slider(key="ft_batch").set_value(16)
    at.number_input(key="ft_max_pairs").set_value(48)
    at.number_input(key="ft_seq").set_value(32)
    at.run()
    assert any("about 3 training steps" in i.value and "under a minute" in i.value for i in at.info)
    at.button(key="ft_run").click().run()
    finish(at)
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
        assert any(t.startswith(said) and "held out for this check" in t for t in shown), shown
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
    finish(at)
    assert_clean(at)
    assert at.session_state["ft_result"]["manifest"]["cached"] is True
    assert "loaded, not re-run" in at.success[0].value

    # a refresh (a new session, its settings at their defaults) takes up the last run's settings and shows its
    # saved result without a click
    again = run_page("pages/3_Fine-tune.py")
    assert again.select_slider(key="ft_batch").value == 16 and again.number_input(key="ft_max_pairs").value == 48
    assert again.session_state["ft_result"]["manifest"]["fingerprint"] == manifest["fingerprint"]
    assert "loaded, not re-run" in again.success[0].value and len(again.get("plotly_chart")) == 2
    # other settings are not shown this run's result: theirs, if trained, else an invitation to start
    again.number_input(key="ft_epochs").set_value(2).run()
    assert_clean(again)
    assert "ft_result" not in again.session_state and any("Choose the settings and start" in i.value for i in again.info)
    again.number_input(key="ft_epochs").set_value(1).run()
    assert again.session_state["ft_result"]["manifest"]["fingerprint"] == manifest["fingerprint"]

    # the Embeddings page now compares the two encoders, each in a full-width tab (side by side was unreadable)
    emb = run_page("pages/2_Embeddings.py")
    assert [t.label for t in emb.tabs] == ["Zero-shot", "Fine-tuned"] * 2
    assert len(emb.get("plotly_chart")) == 4 and any("a tab for each" in c.value for c in emb.caption)


def test_a_fine_tune_runs_on_the_server_where_any_tab_can_watch_and_stop_it(run_page):
    from recengine.text.finetune import models_root
    from ui.jobs import latest_job

    def saved() -> set:
        return {p.name for p in models_root().glob("*") if p.suffix != ".lock"}

    before = saved()
    # two whole epochs: minutes, so it is surely still running when it is stopped
    at = run_page("pages/3_Fine-tune.py", ft_guard=False, ft_epochs=2)
    at.button(key="ft_run").click().run()
    assert_clean(at)
    job = latest_job()
    assert job.running and at.session_state["ft_watch"] == job.id
    assert at.button(key="ft_run").disabled  # no second click on a button that does nothing during the run
    assert any("close the tab, and come back" in i.value for i in at.info)
    assert at.button(key="ft_stop") is not None and not at.header  # no results while it runs

    # the tab is closed; a new one (a new session) finds the same run, and cannot start a second one
    other = run_page("pages/3_Fine-tune.py")
    assert latest_job() is job and other.session_state["ft_watch"] == job.id
    assert other.number_input(key="ft_epochs").value == 2 and other.toggle(key="ft_guard").value is False  # its settings
    assert other.button(key="ft_run").disabled
    # a tab opened on the page with no dataset in its address (a bookmark) shows the run on its own data too
    bare = run_page("pages/3_Fine-tune.py", dataset=False)
    assert bare.session_state["ft_watch"] == job.id and bare.session_state["dataset_key"] == job.dataset_key
    assert bare.button(key="ft_stop") is not None and not any("No dataset yet" in i.value for i in bare.info)
    other.button(key="ft_stop").click().run()
    assert job.wait(300) and job.result is None
    other.run()
    assert_clean(other)
    assert any("stopped before it finished" in i.value and "another tab" not in i.value for i in other.info)
    assert "ft_result" not in other.session_state and not other.button(key="ft_run").disabled
    at.run()  # the tab that started it is told that another one stopped it
    assert any("stopped before it finished" in i.value and "stopped from another tab" in i.value for i in at.info)
    assert saved() == before  # nothing of the stopped run was saved


def test_a_finetune_made_from_python_is_offered_as_an_encoder(tmp_path, monkeypatch, tiny, encoder):
    from recengine.text import FineTuneConfig, finetune
    from ui.engine import encoder_options

    monkeypatch.setenv("RECENGINE_HOME", str(tmp_path / "home"))
    assert list(encoder_options()[0]) == ["default"]
    tuned = finetune(tiny, encoder, FineTuneConfig(epochs=1, batch_size=4, neighbors=2, max_seq_length=16, guard=False,
                                                   device="cpu"))
    options, _ = encoder_options()  # never recorded in the store: found in the models folder
    assert str(tuned.path) in options and tuned.fingerprint[:20] in options[str(tuned.path)]
    # the Recommend page names it over the list, not only in the sidebar
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import page_path

    at = AppTest.from_file(page_path("pages/4_Recommend.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = tiny, "upload:tiny-tuned"
    at.session_state["encoder_name"], at.session_state["rec_model"] = str(tuned.path), "content"
    at.run()
    assert_clean(at)
    assert at.header[0].value.endswith("· content with the fine-tuned encoder")


def test_the_wait_counts_long_texts_and_the_checking():
    """A shop's 85 books with blurbs were told 'under a minute' and took 85 s: a step reads longer texts, and loading
    and checking the encoder take their time whatever the number of steps."""
    import pandas as pd

    import recengine
    from ui.engine import finetune_wait

    def books(text: str):
        items = pd.DataFrame({"isbn": [f"b{i}" for i in range(85)], "blurb": [f"{text} {i}" for i in range(85)]})
        log = pd.DataFrame({"customer": [f"c{u}" for u in range(300) for _ in range(3)],
                            "isbn": [f"b{(u * 7 + j) % 85}" for u in range(300) for j in range(3)]})
        return recengine.make_split(recengine.read_dataset(log, items), "cold_items", seed=42)

    short = finetune_wait(books("A novel"), {})
    long = finetune_wait(books("A sweeping family saga across three generations of a fishing village, " * 3), {})
    assert "under a minute" in short and "under a minute" not in long and "checking included" in long


def test_a_fine_tune_starts_from_a_model_the_visitor_gave(run_page, tmp_path, encoder, request):
    """The page fine-tuned the default only: a visitor's own model could be embedded with but not tuned."""
    from tests.app.test_embeddings_page import _tiny_model
    from ui.engine import add_own_model, own_models

    request.addfinalizer(own_models.clear)
    at = run_page("pages/3_Fine-tune.py")
    assert "ft_base" not in [b.key for b in at.selectbox]  # no choice while the default is the only encoder
    mine = add_own_model(str(_tiny_model(tmp_path, encoder.path)), "cpu")
    at.run()
    box = at.selectbox(key="ft_base")
    assert box.value == "default" and any(o.startswith("mine · 32 dimensions") for o in box.options)
    box.set_value(mine)
    at.number_input(key="ft_epochs").set_value(1)
    at.select_slider(key="ft_batch").set_value(16)
    at.number_input(key="ft_max_pairs").set_value(48)
    at.number_input(key="ft_seq").set_value(32)
    at.toggle(key="ft_guard").set_value(False)
    at.button(key="ft_run").click().run()
    finish(at)
    assert_clean(at)
    manifest = at.session_state["ft_result"]["manifest"]
    assert manifest["base"] == mine  # trained from the visitor's model, not the default
    assert at.selectbox(key="ft_base").value == mine


def test_a_strangers_tab_neither_takes_up_an_uploaded_runs_data_nor_stops_it(run_page):
    """On a server others use, a run on someone's upload stays theirs: a tab with no dataset does not get that
    upload (its rows and its address), and a tab on other data cannot stop the run."""
    import recengine
    from ui.jobs import latest_job, start_finetune

    upload = "upload:0123456789abcdef"
    job = start_finetune(recengine.load_sample("movielens-100k"), upload, {"epochs": 2, "guard": False},
                         owner="someone-else")
    assert latest_job() is job and job.running
    bare = run_page("pages/3_Fine-tune.py", dataset=False)
    assert "dataset" not in bare.session_state and any("No dataset yet" in i.value for i in bare.info)
    assert not [b for b in bare.button if b.key == "ft_stop"]
    elsewhere = run_page("pages/3_Fine-tune.py")  # on the sample: another dataset
    assert any("another dataset is running" in i.value for i in elsewhere.info)
    assert not [b for b in elsewhere.button if b.key == "ft_stop"] and elsewhere.button(key="ft_run").disabled
    assert job.running and not job.stop_requested.is_set()
