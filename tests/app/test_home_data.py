"""AppTests of the home page and the Data page, on the real sample."""

from __future__ import annotations

from tests.app.conftest import SAMPLE_KEY, assert_clean

BAD = b"just one column\nfoo\nbar\n"
ORDERS = b"customer;sku;stars;date\nC-1;S-9;4,5;2024-05-17\nC-1;S-7;3;2024-05-18\nC-2;S-9;5;2024-05-19\n"
PRODUCTS = (
    b'{"product_id": "S-9", "name": "Trail shoes", "category": "outdoor"}\n'
    b'{"product_id": "S-7", "name": "Rain jacket", "category": "outdoor"}\n'
    b'{"product_id": "S-1", "name": "Camping stove", "category": "camping"}\n'
)


def test_home_starts_on_the_sample_with_one_click(run_page):
    at = run_page("app.py", dataset=False)
    assert all(m.label != "Users" for m in at.metric)
    at.button(key="start_sample").click().run()
    assert_clean(at)
    assert at.session_state["dataset_key"] == SAMPLE_KEY
    values = {m.label: m.value for m in at.metric}
    assert values["Users"] == "943" and values["Items"] == "1,682"
    assert values["Device"] in {"CPU"} or values["Device"].startswith(("GPU", "Apple"))


def test_data_page_shows_stats_preview_and_hashing_switch(run_page):
    at = run_page("pages/1_Data.py")
    values = {m.label: m.value for m in at.metric}
    assert values["Interactions"] == "100,000"
    assert at.toggle(key="hash_ids").value is True
    assert len(at.dataframe) >= 2
    assert at.file_uploader(key="up_inter") is not None


def test_bad_upload_shows_the_data_error_and_keeps_the_sample(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("bad.csv", BAD, "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    errors = " ".join(e.value for e in at.error)
    assert "only one column" in errors
    assert at.session_state["dataset_key"] == SAMPLE_KEY
    assert {m.label: m.value for m in at.metric}["Users"] == "943"


def test_good_upload_replaces_the_dataset_with_hashed_users(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("orders.csv", ORDERS, "text/csv"))
    at.file_uploader(key="up_items").set_value(("products.jsonl", PRODUCTS, "application/json"))
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert at.session_state["dataset_key"].startswith("upload:")
    ds = at.session_state["dataset"]
    assert all(u.startswith("u_") for u in ds.user_map.external)
    assert set(ds.cold_items) == {"S-1"}
