"""Work shared between sessions: a computation running in one tab is waited for by another, not done twice."""

from __future__ import annotations

import contextlib
import threading
import time


def test_a_key_being_computed_is_waited_for_not_computed_again():
    """Two tabs evaluating the same choices each computed them: twice the time on a presenter's two cores."""
    from ui import engine

    calls, started = [], threading.Event()

    def make():
        calls.append(1)
        started.set()
        time.sleep(0.5)
        return object()

    key = ("shared-work-test", time.time())
    out = {}
    first = threading.Thread(target=lambda: out.setdefault("a", engine._remember("test", key, make)))
    first.start()
    assert started.wait(10)
    assert engine.is_running("test", key)
    out["b"] = engine._remember("test", key, make)  # a second session asks while the first computes
    first.join(10)
    assert len(calls) == 1 and out["a"] is out["b"] and not engine.is_running("test", key)


def test_a_computation_that_failed_elsewhere_is_done_here():
    from ui import engine

    key = ("shared-work-fail", time.time())
    started, release = threading.Event(), threading.Event()

    def failing():
        started.set()
        release.wait(10)
        raise RuntimeError("stopped by a refresh")

    def run_failing():
        with contextlib.suppress(RuntimeError):
            engine._remember("test", key, failing)

    first = threading.Thread(target=run_failing)
    first.start()
    assert started.wait(10)
    threading.Timer(0.2, release.set).start()
    assert engine._remember("test", key, lambda: "done here") == "done here"
    first.join(10)


def test_evaluate_says_when_its_choices_are_being_evaluated_elsewhere(run_page):
    """A refresh mid-run showed the empty page, as if nothing were computing."""
    from recengine.models import MODEL_NAMES
    from tests.app.conftest import SAMPLE_KEY
    from ui import engine

    key = ("evaluations", (SAMPLE_KEY, "warm", tuple(MODEL_NAMES), 10, 42, "default", None))
    running = engine._registry().setdefault("_running", {})
    running[key] = threading.Event()
    try:
        at = run_page("pages/6_Evaluate.py")
        assert any("being evaluated now" in i.value for i in at.info)
    finally:
        running.pop(key, None)
    assert not any("being evaluated now" in i.value for i in run_page("pages/6_Evaluate.py").info)


def test_explanations_of_the_same_list_under_another_encoder_are_computed_for_it(tiny):
    """A fine-tune's model often ranks the same list as the default's: its SHAP values were the default's."""
    import copy

    from recengine.models import ContentKNN, Profile
    from recengine.text import Encoder, embed_items
    from ui import engine

    encoder = Encoder("default")
    model = ContentKNN().fit(tiny, embed_items(tiny, encoder), encoder)
    tuned = copy.copy(model)
    tuned.config = model.config.model_copy(update={"encoder": "ft-0000000000000000"})
    profile = Profile.from_items([str(tiny.item_map.external[0])])
    items = tuple(str(i) for i in tiny.item_map.external[1:3])
    key = f"upload:explain-key-{time.time()}"
    first = engine.explanations(model, profile, items, key, "content")
    assert engine.explanations(model, profile, items, key, "content") is first  # cached
    assert engine.explanations(tuned, profile, items, key, "content") is not first
    assert engine.explanations(model, profile, items, key, "content", budget=64) is not first


def test_the_shared_results_drop_the_least_recently_used_not_the_oldest():
    """A booth's sample model, opened by every visitor, was dropped after twelve other fits however often used."""
    from ui import engine

    kind = f"lru-test-{time.time()}"
    made = []

    def get(key):
        return engine._remember(kind, (key,), lambda: made.append(key) or key, keep=2)

    get("sample"), get("upload-1")
    get("sample")  # used again
    get("upload-2")  # one too many: upload-1 goes, not the sample
    get("sample")
    assert made == ["sample", "upload-1", "upload-2"]
    get("upload-1")
    assert made[-1] == "upload-1"


def test_a_models_lock_goes_with_the_model():
    import gc

    from ui import engine

    class Model:
        pass

    model = Model()
    lock = engine._lock_for(model)
    assert engine._lock_for(model) is lock and model in engine._model_locks
    del model
    gc.collect()
    assert not [m for m in list(engine._model_locks) if type(m).__name__ == "Model"]


def test_the_first_page_warms_up_what_explanations_need_once(run_page):
    """The first explained list after a start paid for importing shap (up to 5 s on a busy machine)."""
    import sys

    from ui import engine

    run_page("app.py", dataset=False)
    thread = engine.warm_up()
    assert thread is engine.warm_up() and thread.name == "recengine-warm-up"  # one per server, not one per run
    thread.join(120)
    assert "shap" in sys.modules and not thread.is_alive()
