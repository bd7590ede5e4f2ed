"""AppTest of the Evaluate page: a real protocol run on the sample, its charts, table and run history."""

from __future__ import annotations

import json

from tests.app.conftest import assert_clean


def test_evaluate_runs_a_protocol_and_keeps_it_in_the_history(run_page):
    at = run_page("pages/6_Evaluate.py")
    assert at.info and not at.get("plotly_chart")
    at.multiselect(key="ev_models").set_value(["popularity", "ease"])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2  # accuracy bars and beyond-accuracy panels
    results = at.dataframe[0].value
    assert list(results["model"]) == ["popularity", "ease"]
    ndcg = dict(zip(results["model"], results["ndcg@10"]))
    assert 0 < ndcg["popularity"] < ndcg["ease"] <= 1
    shown = json.loads(at.dataframe[0].proto.columns)  # a projector's width: 3 decimals, the row's names first
    assert shown["ndcg@10"]["type_config"]["format"] == "%.3f"
    order = list(at.dataframe[0].proto.column_order)
    assert order[:2] == ["protocol", "model"] and "shots" not in order  # no few-shot row: no empty shots column
    assert round(ndcg["ease"], 3) != ndcg["ease"]  # only the screen rounds: the table (and its CSV) keep all digits
    assert any("Run history" in e.label for e in at.expander)
    at.radio(key="ev_metric").set_value("recall@10").run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2
    assert at.number_input(key="ev_users").value == 0  # 943 users: all are measured unless asked otherwise
    at.number_input(key="ev_users").set_value(100)
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert set(at.dataframe[0].value["n_users"]) == {100}
    # the choices are one form: a protocol added waits for the button, and the results on screen stay
    at.multiselect(key="ev_protocols").set_value(["warm", "cold-items"]).run()
    assert_clean(at)
    assert set(at.dataframe[0].value["protocol"]) == {"warm"} and "ev_beyond_protocol" not in [r.key for r in at.radio]
    # two protocols: the beyond-accuracy panels show one at a time, never an average of unlike things
    at.multiselect(key="ev_protocols").set_value(["warm", "cold-items"])  # AppTest drops what a run did not submit
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert at.radio(key="ev_beyond_protocol").options == ["warm", "cold-items"]
    at.radio(key="ev_beyond_protocol").set_value("cold-items").run()
    assert_clean(at)
    panels = at.get("plotly_chart")[-1].proto.spec
    assert 'n\\u002fa' in panels and '"nan"' not in panels  # popularity and EASE cannot score cold items


def test_a_protocol_the_data_cannot_run_keeps_the_others():
    """Three users with a few interactions each: few-shot cannot run; the warm results still show, with the reason."""
    import pandas as pd

    import recengine

    inter = pd.DataFrame({"customer": ["a"] * 4 + ["b"] * 4 + ["c"] * 4,
                          "sku": ["k1", "k2", "k3", "k4", "k2", "k3", "k4", "k5", "k1", "k3", "k5", "k6"]})
    ds = recengine.read_dataset(inter, name="three-shoppers")
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import page_path

    at = AppTest.from_file(page_path("pages/6_Evaluate.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:three-shoppers"
    at.run()
    at.multiselect(key="ev_protocols").set_value(["warm", "few-shot"])
    at.multiselect(key="ev_models").set_value(["popularity", "itemknn"])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert any("few-shot protocol needs at least 2 users with more than 5 interactions" in e.value.replace("\\", "") for e in at.error)
    results = at.dataframe[0].value
    assert set(results["protocol"]) == {"warm"} and list(results["model"]) == ["popularity", "itemknn"]
    assert len(at.get("plotly_chart")) == 2


def test_a_dataset_no_model_can_rank_for_shows_its_results_without_an_error():
    """Two users, two items: every list was empty, and the beyond-accuracy chart raised an internal error in place
    of the results table."""
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    import recengine
    from tests.app.conftest import page_path

    ds = recengine.read_dataset(pd.DataFrame({"user": ["u1", "u1", "u2"], "item": ["i1", "i2", "i1"]}), name="tiny")
    at = AppTest.from_file(page_path("pages/6_Evaluate.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:tiny"
    at.run()
    at.multiselect(key="ev_protocols").set_value(["warm"])
    at.multiselect(key="ev_models").set_value(["popularity", "itemknn"])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert not at.error
    assert any("No model gave a list" in i.value for i in at.info)
    notes = at.dataframe[0].value["note"].tolist()
    assert len(notes) == 2 and all("recommended nothing" in n for n in notes)


def test_run_history_shows_only_runs_at_the_k_asked_rounded(tmp_path, monkeypatch):
    """Runs at k=10 listed under ndcg@5 read None, as if never measured; coverage showed 0.2396 beside 0.240."""
    from recengine.store import open_store
    from ui.engine import run_history

    monkeypatch.setenv("RECENGINE_HOME", str(tmp_path / "home"))
    with open_store() as store:
        store.record_run("warm", {"k": 10}, {"ease": {"ndcg@10": 0.44812, "recall@10": 0.2, "coverage": 0.23961}})
        store.record_run("warm", {"k": 5}, {"ease": {"ndcg@5": 0.41, "recall@5": 0.12, "coverage": 0.1}})
    at5, at10 = run_history(5), run_history(10)
    assert len(at5) == 1 and at5["ndcg@5"].tolist() == [0.41] and "ndcg@10" not in at5
    assert at10[["ndcg@10", "coverage"]].values.tolist() == [[0.448, 0.24]] and at10["k"].tolist() == [10]


def test_run_with_no_protocol_asks_for_one(run_page):
    at = run_page("pages/6_Evaluate.py")
    at.multiselect(key="ev_protocols").set_value([])
    at.button(key="ev_run").click().run()
    assert_clean(at)
    assert any("at least one protocol" in w.value for w in at.warning) and not at.dataframe
