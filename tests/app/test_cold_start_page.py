"""AppTest of the Cold-start lab: a typed new item gets an audience and nearest items; the few-shot curve."""

from __future__ import annotations

from tests.app.conftest import assert_clean


def test_a_typed_new_item_gets_its_audience_and_nearest_items(run_page):
    at = run_page("pages/5_Cold-start_lab.py")
    assert at.text_input(key="cold_title") is not None and at.text_area(key="cold_text") is not None
    at.text_input(key="cold_title").input("Toy Robots")
    at.text_area(key="cold_text").input("An animated comedy for children: toys come alive when nobody is looking.")
    at.run()
    assert_clean(at)
    audience, nearest = at.dataframe[0].value, at.dataframe[1].value
    assert [t.label for t in at.tabs] == ["Likely audience of “Toy Robots”", "Nearest items in the catalogue (by text)"]
    assert len(audience) == 20 and audience["user"].is_unique  # headers in words, not user_id / n_items
    assert {"items in history", "because they chose"} <= set(audience.columns)
    assert set(audience["user"].astype(str)) <= set(at.session_state["dataset"].user_map.external)
    assert len(nearest) == 10 and "Toy Story" in set(nearest["title"])
    assert (nearest["cosine"] <= 1.0).all() and (nearest["cosine"] > 0.2).all()  # a cosine, not the lifted score
    # the rows are in the order of a score the table shows: the match, when labels lift it (Animation, Children's)
    order = nearest["match"] if "match" in nearest else nearest["cosine"]
    assert order.is_monotonic_decreasing
    shares = dict(zip(nearest["title"], nearest["shares"]))  # the words in common, never a catalogue-wide one
    assert set(shares["Toy Story"].split(", ")) >= {"toy", "children"}
    assert not any(w in s for s in shares.values() for w in ("comedy", "genres"))


def test_a_description_of_no_words_is_called_noise(run_page):
    at = run_page("pages/5_Cold-start_lab.py")
    at.text_area(key="cold_text").input("zzzz qqqq 12345 !!!").run()
    assert_clean(at)
    assert any("holds no word that the encoder or the catalogue knows" in w.value for w in at.warning)
    at.text_area(key="cold_text").input("A heist film in Paris").run()
    assert not any("holds no word" in w.value for w in at.warning)


def test_few_shot_curve_for_cheap_models(run_page):
    at = run_page("pages/5_Cold-start_lab.py")
    at.multiselect(key="cold_models").set_value(["popularity", "itemknn"])
    at.button(key="cold_run").click().run()
    assert_clean(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 2


def test_the_example_comes_from_the_data_in_use(run_page):
    import pandas as pd

    import recengine

    at = run_page("pages/5_Cold-start_lab.py")
    assert at.button(key="cold_example").label == "Use the example"  # the sample: a made-up film
    inter = pd.DataFrame({"learner": ["a", "a", "b", "b"], "course_code": ["c1", "c2", "c1", "c2"]})
    items = pd.DataFrame({"course_code": ["c1", "c2", "c3"], "title": ["Intro to Python", "Sourdough", "Watercolours"],
                          "description": ["Code from zero", "Bake bread at home", "Paint landscapes"]})
    ds = recengine.read_dataset(inter, items, columns={"user": "learner", "item": "course_code"})
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import page_path

    courses = AppTest.from_file(page_path("pages/5_Cold-start_lab.py"), default_timeout=180)
    courses.session_state["dataset"], courses.session_state["dataset_key"] = ds, "upload:courses"
    courses.run()
    assert_clean(courses)
    button = courses.button(key="cold_example")
    assert button.label == "Use one of your cold items"
    button.click().run()
    assert_clean(courses)
    assert courses.text_input(key="cold_title").value == "Watercolours"
    assert courses.text_area(key="cold_text").value == "Paint landscapes"  # its description, not the joined text
    nearest = courses.dataframe[1].value
    assert "Watercolours" not in set(nearest["title"]) and len(nearest) == 2  # not its own nearest item


def test_the_wait_it_announces_follows_the_catalogue_size(run_page):
    from ui.engine import fit_time_note

    at = run_page("pages/5_Cold-start_lab.py")
    assert any("a few seconds for 1,682 items on 2 CPU cores" in c.value for c in at.caption)
    assert "several minutes for 20,000 items" in fit_time_note(20_000) and "up to a minute" in fit_time_note(8_000)


def test_the_labs_runs_are_kept_in_the_run_history(run_page):
    """The Cold-start lab's few-shot and cold-items runs never reached the Evaluate page's run history."""
    from ui.engine import run_history

    before = len(run_history(10))
    at = run_page("pages/5_Cold-start_lab.py", cold_models=["popularity"])
    at.button(key="cold_run").click().run()
    assert_clean(at)
    after = run_history(10)
    assert len(after) > before and "few-shot" in set(after["protocol"])


def test_the_example_title_leaves_out_the_note_that_tells_equal_titles_apart():
    """'Pride Story (Sub-genre 15)' was typed in whole: the note named a category and moved the nearest items."""
    import pandas as pd

    import recengine
    from tests.app.conftest import page_path

    inter = pd.DataFrame({"learner": ["a", "a", "b", "b"], "course_code": ["c1", "c2", "c1", "c2"]})
    items = pd.DataFrame({"course_code": ["c1", "c2", "c3"], "title": ["Intro to Python", "Watercolours", "Watercolours"],
                          "description": ["Code from zero", "Paint seascapes", "Paint landscapes"]})
    ds = recengine.read_dataset(inter, items, columns={"user": "learner", "item": "course_code"})
    assert ds.title("c3") != "Watercolours"  # loading told the two apart
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(page_path("pages/5_Cold-start_lab.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:courses-twice"
    at.run()
    at.button(key="cold_example").click().run()
    assert_clean(at)
    assert at.text_input(key="cold_title").value == "Watercolours"


def test_hashed_user_ids_get_the_room_they_need_in_the_audience_table():
    """The app probe: at 1280 px the audience's user column read "u_9490f8b7f8…" (hashed ids are 18 characters)."""
    import json

    import pandas as pd
    from streamlit.testing.v1 import AppTest

    import recengine
    from tests.app.conftest import page_path

    inter = pd.DataFrame({"learner": [f"L{i % 6}" for i in range(12)], "course_code": [f"c{i % 4}" for i in range(12)]})
    items = pd.DataFrame({"course_code": ["c0", "c1", "c2", "c3"], "title": ["Intro to Python", "Sourdough",
                                                                            "Watercolours", "Data with pandas"]})
    widths = {}
    for hashed in (True, False):
        ds = recengine.read_dataset(inter, items, columns={"user": "learner", "item": "course_code"}, hash_user_ids=hashed)
        at = AppTest.from_file(page_path("pages/5_Cold-start_lab.py"), default_timeout=180)
        at.session_state["dataset"], at.session_state["dataset_key"] = ds, f"upload:courses-{hashed}"
        at.session_state["cold_title"], at.session_state["cold_text"] = "Python for analysts", "Learn to code"
        at.run()
        assert_clean(at)
        widths[hashed] = json.loads(at.dataframe[0].proto.columns)["user"].get("width")
    assert widths[False] == "small" and isinstance(widths[True], int) and widths[True] >= 150
