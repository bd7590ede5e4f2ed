"""A browser refresh (a new session) finds the dataset and encoder in use again through the page address."""

from __future__ import annotations

from tests.app.conftest import SAMPLE_KEY, assert_clean, page_path
from tests.app.test_home_data import ORDERS, PRODUCTS


def _fresh(path: str, params: dict[str, str]):
    """A new session (as after a refresh) opened at ``path`` with the address's query parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(page_path(path), default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert_clean(at)
    return at


def _load_orders(at) -> str:
    """Upload the shop's orders and products on the Data page ``at`` and load them; the upload's key."""
    at.file_uploader(key="up_inter").set_value(("orders.csv", ORDERS, "text/csv"))
    at.file_uploader(key="up_items").set_value(("products.jsonl", PRODUCTS, "application/json"))
    at.run()
    at.button(key="load_upload").click().run()
    key = at.session_state["dataset_key"]
    assert key.startswith("upload:") and at.query_params["data"] == key
    return key


def test_an_upload_survives_a_refresh_on_any_page(run_page):
    at = run_page("pages/1_Data.py")
    assert at.query_params["data"] == SAMPLE_KEY  # the address says which dataset is in use
    key = _load_orders(at)

    for path in ("pages/1_Data.py", "pages/4_Recommend.py", "app.py"):
        again = _fresh(path, {"data": key})
        assert again.session_state["dataset_key"] == key, path
        assert set(again.session_state["dataset"].cold_items) == {"S-1"}
        assert any("orders" in m.value for m in again.sidebar.markdown), path


def test_a_sample_in_the_address_is_restored_and_an_unknown_upload_says_so():
    at = _fresh("pages/1_Data.py", {"data": SAMPLE_KEY})
    assert at.session_state["dataset_key"] == SAMPLE_KEY

    gone = _fresh("pages/1_Data.py", {"data": "upload:0000000000000000", "encoder": "ft-0123456789abcdef"})
    assert "dataset_key" not in gone.session_state
    assert any("could not be restored" in i.value and "Data page" in i.value for i in gone.info)
    assert "data" not in gone.query_params  # said once: the next run starts clean
    assert "encoder_name" not in gone.session_state  # no dataset, so no fine-tune of it either
    said = " ".join(i.value for i in gone.info)
    assert "no longer holds it" in said
    # a made-up sample or a path is no upload that a restart lost: each is told what it is
    odd = " ".join(i.value for i in _fresh("pages/1_Data.py", {"data": "sample:nonexistent"}).info)
    assert "no bundled sample by that name" in odd and "movielens-100k" in odd and "restarted" not in odd
    odd = " ".join(i.value for i in _fresh("pages/1_Data.py", {"data": "../../etc/passwd"}).info)
    assert "does not name a dataset this app knows" in odd and "restarted" not in odd


def test_a_fine_tuned_encoder_in_the_address_comes_back_only_when_it_is_kept_here():
    from recengine.text.encoder import MANIFEST
    from recengine.text.finetune import models_root

    kept = models_root() / "ft-00000000000000aa"
    kept.mkdir(parents=True, exist_ok=True)
    (kept / MANIFEST).write_text("{}")
    try:
        at = _fresh("pages/1_Data.py", {"data": SAMPLE_KEY, "encoder": kept.name})
        assert at.session_state["encoder_name"] == str(kept)
        assert at.query_params["encoder"] == kept.name
        for other in ("ft-00000000000000bb", "../../etc", "default"):
            again = _fresh("pages/1_Data.py", {"data": SAMPLE_KEY, "encoder": other})
            assert "encoder_name" not in again.session_state, other
            assert "encoder" not in again.query_params, other
    finally:
        (kept / MANIFEST).unlink()
        kept.rmdir()


def test_a_refresh_on_recommend_keeps_the_chosen_user():
    at = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY, "user": "186"})
    assert at.selectbox(key="rec_user").value == "186" and at.query_params["user"] == "186"
    assert at.header[0].value.startswith("Top 10 for user 186")
    at.selectbox(key="rec_user").set_value("13").run()
    assert at.query_params["user"] == "13"  # the address follows the choice
    at.radio(key="rec_mode").set_value("intent").run()
    assert at.query_params["mode"] == "intent" and "user" not in at.query_params
    odd = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY, "user": "no-such-user", "mode": "nonsense"})
    assert odd.radio(key="rec_mode").value == "user" and odd.selectbox(key="rec_user").value == "196"  # ignored


def test_a_refresh_on_recommend_keeps_a_visitors_liked_items_and_request():
    """On stage, a refresh in the middle of the new-visitor example must not make the presenter pick again."""
    at = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY})
    at.radio(key="rec_mode").set_value("items").run()
    at.multiselect(key="rec_items").set_value(["50", "172"]).run()
    at.text_input(key="rec_intent").set_value("a slow-burning sci-fi film").run()
    assert at.query_params["mode"] == "items" and at.query_params["want"] == "a slow-burning sci-fi film"
    address = {k: at.query_params[k] for k in ("data", "mode", "want")}
    liked = at.query_params.get_all("liked") if hasattr(at.query_params, "get_all") else at.query_params["liked"]
    assert list(liked) == ["50", "172"]
    again = _fresh("pages/4_Recommend.py", {**address, "liked": ["50", "172", "no-such-item"]})
    assert again.radio(key="rec_mode").value == "items" and again.multiselect(key="rec_items").value == ["50", "172"]
    assert again.text_input(key="rec_intent").value == "a slow-burning sci-fi film"
    first = again.header[0].value
    assert first == at.header[0].value  # the same list as before the refresh
    at.multiselect(key="rec_items").set_value([]).run()
    at.text_input(key="rec_intent").set_value("").run()
    assert "liked" not in at.query_params and "want" not in at.query_params


def test_a_refresh_keeps_a_visitors_likes_and_dislikes():
    """A visitor's feedback lives in the session only (the next visitor is someone else); a refresh lost it."""
    from tests.app.test_recommend_page import shown

    at = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY, "mode": "items", "liked": ["50", "172"]})
    liked = shown(at)[0]
    at.button(key=f"like_{liked}").click().run()
    disliked = shown(at)[0]
    at.button(key=f"dislike_{disliked}").click().run()
    assert_clean(at)
    listed = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}  # AppTest keeps one as str
    assert listed["up"] == [liked] and listed["down"] == [disliked]
    again = _fresh("pages/4_Recommend.py", {k: at.query_params[k] for k in ("data", "mode", "liked", "up", "down")})
    line = next(m.value for m in again.markdown if m.value.startswith("Profile:"))
    assert "3 liked items (1 liked here)" in line and "1 rejected" in line
    assert shown(again) == shown(at)
    again.button(key="rec_reset").click().run()
    assert "up" not in again.query_params and "down" not in again.query_params
    known = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY, "user": "186", "up": ["50"], "down": ["1"]})
    assert "rejected" not in next(m.value for m in known.markdown if m.value.startswith("Profile:"))
    assert "up" not in known.query_params  # a known user's feedback is kept in the store, not the address


def test_a_refresh_on_the_cold_start_lab_keeps_the_new_item_typed_in():
    """The app probe: a refresh kept the dataset but cleared the brand-new item's title and description."""
    at = _fresh("pages/5_Cold-start_lab.py", {"data": SAMPLE_KEY})
    at.text_input(key="cold_title").set_value("Orbit of Silence").run()
    at.text_area(key="cold_text").set_value("A slow-burning science fiction drama about a lone astronaut.").run()
    assert at.query_params["title"] == "Orbit of Silence"
    again = _fresh("pages/5_Cold-start_lab.py", {k: at.query_params[k] for k in ("data", "title", "about")})
    assert again.text_input(key="cold_title").value == "Orbit of Silence"
    assert again.text_area(key="cold_text").value.startswith("A slow-burning science fiction drama")
    at.text_input(key="cold_title").set_value("").run()
    at.text_area(key="cold_text").set_value("").run()
    assert "title" not in at.query_params and "about" not in at.query_params


def test_a_refresh_on_recommend_keeps_the_lists_length_and_knobs():
    """The app probe: after a refresh the Diversity and Novelty knobs went back to 0, and the list to its old order."""
    from tests.app.test_recommend_page import shown

    at = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY, "user": "186"})
    assert not {"k", "div", "nov"} & set(at.query_params)  # defaults are left out of the address
    at.number_input(key="rec_k").set_value(15).run()
    at.slider(key="rec_div").set_value(0.5).run()
    at.slider(key="rec_nov").set_value(0.3).run()
    assert_clean(at)
    assert (at.query_params["k"], at.query_params["div"], at.query_params["nov"]) == ("15", "0.5", "0.3")
    again = _fresh("pages/4_Recommend.py", {k: at.query_params[k] for k in ("data", "user", "k", "div", "nov")})
    assert (again.number_input(key="rec_k").value, again.slider(key="rec_div").value,
            again.slider(key="rec_nov").value) == (15, 0.5, 0.3)
    assert shown(again) == shown(at) and len(shown(again)) == 15
    odd = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY, "user": "186", "k": "500", "div": "x", "nov": "-1"})
    assert (odd.number_input(key="rec_k").value, odd.slider(key="rec_div").value,
            odd.slider(key="rec_nov").value) == (10, 0.0, 0.0)  # out of range or no number: ignored


def test_a_refresh_on_evaluate_keeps_the_chosen_protocols_models_and_k():
    """The app probe: the protocols chosen (warm, few-shot, cold items) went back to warm users only."""
    at = _fresh("pages/6_Evaluate.py", {"data": SAMPLE_KEY, "protocols": ["warm", "cold-items"], "models": ["ease", "hybrid"],
                                         "k": "5", "seed": "7"})
    assert at.multiselect(key="ev_protocols").value == ["warm", "cold-items"]
    assert at.multiselect(key="ev_models").value == ["ease", "hybrid"]
    assert (at.number_input(key="ev_k").value, at.number_input(key="ev_seed").value) == (5, 7)
    listed = at.query_params.get_all("protocols") if hasattr(at.query_params, "get_all") else at.query_params["protocols"]
    assert list(listed) == ["warm", "cold-items"]  # the address keeps saying so
    plain = _fresh("pages/6_Evaluate.py", {"data": SAMPLE_KEY})
    assert plain.multiselect(key="ev_protocols").value == ["warm"] and len(plain.multiselect(key="ev_models").value) == 5
    assert not {"protocols", "models", "k", "seed"} & set(plain.query_params)


def test_the_user_the_picker_starts_on_stays_out_of_the_address():
    """Written on the first run, it made the browser's Back land on the same page: the page wrote it again."""
    at = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY})
    assert at.selectbox(key="rec_user").value == "196" and "user" not in at.query_params
    at.selectbox(key="rec_user").set_value("13").run()
    assert at.query_params["user"] == "13"
    at.selectbox(key="rec_user").set_value("196").run()
    assert "user" not in at.query_params


def test_the_browsers_back_and_forward_on_recommend_go_back_to_the_choice_before():
    """The browser probe: after choosing another user, Back did nothing (the page wrote its widgets' values over the
    address Streamlit reran it with) and the next Back left the app. AppTest's rerun with the entry's address
    stands for Back: Streamlit reruns the page with it, the widgets as they were."""
    from tests.app.test_recommend_page import shown

    at = _fresh("pages/4_Recommend.py", {"data": SAMPLE_KEY})
    assert at.selectbox(key="rec_user").value == "196" and "user" not in at.query_params
    at.selectbox(key="rec_user").set_value("13").run()
    at.slider(key="rec_div").set_value(0.3).run()
    assert at.query_params["user"] == "13" and at.query_params["div"] == "0.3"
    del at.query_params["div"]  # Back: the entry before the diversity moved
    at.run()
    assert at.slider(key="rec_div").value == 0.0 and "div" not in at.query_params
    del at.query_params["user"]  # Back again: the entry before the user changed
    at.run()
    assert_clean(at)
    assert at.selectbox(key="rec_user").value == "196" and "user" not in at.query_params
    assert at.header[0].value.startswith("Top 10 for user 196")
    at.query_params["user"] = "13"  # Forward
    at.run()
    assert at.selectbox(key="rec_user").value == "13" and at.header[0].value.startswith("Top 10 for user 13")
    at.run()  # a rerun of the page's own (a click elsewhere) keeps the choice
    assert at.selectbox(key="rec_user").value == "13" and at.query_params["user"] == "13"

    # a new visitor's like rides in the address: Back undoes it
    at.radio(key="rec_mode").set_value("items").run()
    at.multiselect(key="rec_items").set_value(["50", "172"]).run()
    before = shown(at)
    at.button(key=f"like_{before[0]}").click().run()
    assert at.query_params["up"] == before[0]
    del at.query_params["up"]
    at.run()
    assert_clean(at)
    assert shown(at) == before and "up" not in at.query_params


def test_back_over_loading_an_upload_returns_to_the_sample_and_forward_to_the_upload(run_page):
    at = run_page("pages/1_Data.py")
    key = _load_orders(at)
    at.query_params["data"] = SAMPLE_KEY  # Back: the entry before the load
    at.run()
    assert_clean(at)
    assert at.session_state["dataset_key"] == SAMPLE_KEY and at.query_params["data"] == SAMPLE_KEY
    assert any("movielens" in m.value.lower() for m in at.sidebar.markdown), [m.value for m in at.sidebar.markdown]
    at.query_params["data"] = key  # Forward
    at.run()
    assert at.session_state["dataset_key"] == key and any("orders" in m.value for m in at.sidebar.markdown)
