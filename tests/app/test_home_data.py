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
    assert values["Interactions"] == "100k"  # compact on Home, where 100,000 was cut to "100,…" at 1280 px
    links = [e.proto.label for e in at.get("page_link")]  # the next step, above the fold
    assert links[0].startswith("Next: get recommendations")
    assert values["Device"] in {"CPU"} or values["Device"].startswith(("GPU", "Apple"))
    said = " ".join(m.value for m in at.markdown).replace("\\", "")  # markdown escapes
    assert "all-MiniLM-L6-v2, loaded from its PyPI package, offline" in said
    fine = run_page("app.py", encoder_name="/somewhere/ft-0123456789abcdef")  # a fine-tune is read from the store
    assert "fine-tuned (ft-0123456789abcdef), loaded from the store" in " ".join(
        m.value for m in fine.markdown).replace("\\", "")


def test_data_page_shows_stats_preview_and_hashing_switch(run_page):
    at = run_page("pages/1_Data.py")
    values = {m.label: m.value for m in at.metric}
    assert values["Interactions"] == "100,000"
    assert at.toggle(key="hash_ids").value is True
    assert len(at.dataframe) >= 2
    assert at.file_uploader(key="up_inter") is not None
    assert at.button(key="load_upload").disabled and any("Choose an interactions file" in c.value for c in at.caption)
    assert "use_sample" not in [b.key for b in at.button]  # the sample is in use: no button to switch to it


def test_bad_upload_shows_the_data_error_and_keeps_the_sample(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("bad.csv", BAD, "text/csv"))
    at.run()
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "only one column" in errors[0]  # said once, as soon as the file is chosen
    assert at.button(key="load_upload").disabled
    assert any("cannot be read" in c.value for c in at.caption)  # the greyed button says why
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
    # the form keeps its files and choices for the next load (a changed template, say)
    assert at.session_state["up_inter"] is not None and not at.button(key="load_upload").disabled
    ds = at.session_state["dataset"]
    assert all(u.startswith("u_") for u in ds.user_map.external)
    assert "use_sample" in [b.key for b in at.button]  # back to the sample in one click
    assert set(ds.cold_items) == {"S-1"}
    # the same files again (a new session, as after a restart): the same hashed ids and dataset key, so the
    # likes given and the models fitted on the first load are found again
    again = run_page("pages/1_Data.py")
    again.file_uploader(key="up_inter").set_value(("orders.csv", ORDERS, "text/csv"))
    again.file_uploader(key="up_items").set_value(("products.jsonl", PRODUCTS, "application/json"))
    again.run()
    again.button(key="load_upload").click().run()
    assert again.session_state["dataset_key"] == at.session_state["dataset_key"]
    assert list(again.session_state["dataset"].user_map.external) == list(ds.user_map.external)


def test_columns_that_cannot_be_guessed_are_mapped_by_hand(run_page):
    at = run_page("pages/1_Data.py")
    odd = b"who,what,when\nann,i1,2024-01-01\nann,i2,2024-01-02\nbob,i1,2024-01-03\n"
    at.file_uploader(key="up_inter").set_value(("odd.csv", odd, "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    said = " ".join(e.value for e in at.error)
    assert "no user column" in said and "map it with Column mapping" in said and "columns=" not in said  # the app's way
    assert at.session_state["dataset_key"] == SAMPLE_KEY
    at.selectbox(key="map_user").set_value("who")
    at.selectbox(key="map_item").set_value("what")
    at.toggle(key="hash_ids").set_value(False)
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    ds = at.session_state["dataset"]
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (2, 2, 3)
    assert set(ds.user_map.external) == {"ann", "bob"} and ds.has_timestamps


def test_a_dataset_saved_in_the_store_can_be_loaded_back(run_page):
    at = run_page("pages/1_Data.py")
    at.text_input(key="store_name").input("ml-app-test")
    at.button(key="store_save").click().run()
    assert_clean(at)
    assert "Saved as" in at.success[0].value
    at.run()
    assert any(o.startswith("ml-app-test · 943 users") for o in at.selectbox(key="store_pick").options)
    at.selectbox(key="store_pick").set_value("ml-app-test")
    at.button(key="store_load").click().run()
    assert_clean(at)
    assert at.session_state["dataset_key"].startswith("store:ml-app-test:")
    assert {m.label: m.value for m in at.metric}["Interactions"] == "100,000"


def test_the_page_boundary_turns_a_crash_into_a_friendly_escaped_message():
    from streamlit.testing.v1 import AppTest

    def script():
        from recengine.errors import DataError
        from ui import guard, page

        with page("Boundary", "bug_report"):
            with guard("doing the user's thing"):
                raise DataError("the file <b>*x*</b> is bad")
            raise RuntimeError("unexpected [link](http://example.com)")

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    user_error, crash = (e.value for e in at.error)
    assert "\\<b\\>\\*x\\*\\</b\\>" in user_error
    assert crash.startswith("Something went wrong while showing the Boundary page")
    assert "\\[link\\]\\(http:\u2060//example\\.com\\)" in crash  # no live link, no autolink either
    assert at.expander[0].label.startswith("Details")
    assert "RuntimeError" in at.code[0].value


def test_a_page_opened_without_a_dataset_offers_the_sample(run_page):
    at = run_page("pages/6_Evaluate.py", dataset=False)
    assert "No dataset yet" in at.info[0].value and not at.multiselect
    at.button(key="start_sample_inline").click().run()
    assert_clean(at)
    assert at.session_state["dataset_key"] == SAMPLE_KEY
    assert at.multiselect(key="ev_models").value == ["popularity", "itemknn", "ease", "content", "hybrid"]


def test_the_items_id_and_a_column_to_leave_out_can_be_mapped(run_page):
    """Interactions call the item 'sku', the items file calls it 'ref'; the 'stars' column holds junk."""
    at = run_page("pages/1_Data.py")
    inter = b"customer,sku,stars\nann,k1,5\nann,k2,n/a\nbob,k1,4\nbob,k3,great\n"
    items = b"ref,name,description\nk1,Red kettle,A kettle\nk2,Blue mug,A mug\nk3,Tent,For two\nk4,Lamp,New\n"
    at.file_uploader(key="up_inter").set_value(("orders.csv", inter, "text/csv"))
    at.file_uploader(key="up_items").set_value(("catalogue.csv", items, "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "stars" in errors and "(none)" in errors  # the advice names the app's own control
    at.selectbox(key="map_rating").set_value("(none)")
    at.run()
    at.button(key="load_upload").click().run()
    assert not at.error  # the items file's id is found by what it holds, and the page says so
    said = " ".join(w.value for w in at.warning)
    assert "column 'ref', which holds them, was taken as the item id" in said
    at.selectbox(key="map_items_id").set_value("ref")
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert not at.error
    ds = at.session_state["dataset"]
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (2, 4, 4) and not ds.has_ratings
    assert set(ds.cold_items) == {"k4"} and "Red kettle" in ds.texts[ds.item_map.index("k1")]


def test_an_unreadable_file_is_said_once_and_cannot_be_loaded(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "text/csv"))
    at.run()
    assert_clean(at)
    assert len(at.error) == 1 and "photo\\.csv" in at.error[0].value and "PNG image, not a table" in at.error[0].value
    assert at.button(key="load_upload").disabled
    assert at.session_state["dataset_key"] == SAMPLE_KEY


def test_the_form_names_the_title_and_a_minimum_rating(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("orders.csv", ORDERS, "text/csv"))
    at.file_uploader(key="up_items").set_value(("products.jsonl", PRODUCTS, "application/json"))
    at.run()
    at.selectbox(key="map_title").set_value("category")
    at.number_input(key="map_min_rating").set_value(4.0)
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    ds = at.session_state["dataset"]
    # the chosen title, told apart from the other outdoor items by its name; the 3-star order is left out
    assert ds.title("S-9") == "outdoor (Trail shoes)" and ds.n_interactions == 2
    assert any("rated below 4" in w.value for w in at.warning)
    assert any("stars 4.5-5 (only rows with stars of at least 4 were kept)" in c.value for c in at.caption)


def test_a_weight_column_is_named_as_the_file_names_it(run_page):
    """Play counts are not ratings: the Data page says what the column is called, and its range in full."""
    at = run_page("pages/1_Data.py")
    assert any("rating 1-5 (every row counts as an interaction" in c.value for c in at.caption)  # the sample
    plays = b"listener,track,plays\nL1,T1,2000\nL1,T2,3\nL2,T1,1\n"
    at.file_uploader(key="up_inter").set_value(("listens.csv", plays, "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert any("plays 1-2,000 (every row counts as an interaction, whatever its plays)" in c.value for c in at.caption)


def test_a_file_with_no_header_row_shows_the_columns_it_reads_by_position(run_page):
    """MovieLens' raw u.data: the mapping form shows what will be read, and the loaded data says it was by position."""
    at = run_page("pages/1_Data.py")
    u_data = b"196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"
    at.file_uploader(key="up_inter").set_value(("u.data", u_data, "application/octet-stream"))
    at.run()
    said = " ".join(c.value for c in at.caption)
    assert "user → column 1, item → column 2, rating → column 3, timestamp → column 4" in said
    at.button(key="load_upload").click().run()
    assert_clean(at)
    ds = at.session_state["dataset"]
    assert (ds.n_users, ds.n_interactions) == (3, 3) and ds.has_timestamps
    assert any("no header row" in w.value for w in at.warning)
    assert any("rating 1-3 (every row counts" in c.value for c in at.caption)


def test_an_event_log_offers_the_kinds_of_event_to_count(run_page):
    at = run_page("pages/1_Data.py")
    log = (b"visitorid,itemid,event\nv1,i1,view\nv1,i1,transaction\nv2,i2,view\nv3,i2,addtocart\nv3,i1,view\n"
           b"v4,i3,transaction\n")
    at.file_uploader(key="up_inter").set_value(("events.csv", log, "text/csv"))
    at.run()
    assert at.multiselect(key="map_events").options == ["view", "transaction", "addtocart"]
    at.multiselect(key="map_events").set_value(["transaction"])
    at.toggle(key="hash_ids").set_value(False)
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    ds = at.session_state["dataset"]
    assert ds.n_interactions == 2 and set(ds.interactions["event"]) == {"transaction"}
    assert any("only transaction events count" in w.value for w in at.warning)


def test_rows_with_no_id_are_an_error_until_the_form_says_to_skip_them(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("listens.csv", b"user,item\nu1,a\nu1,\nu2,b\nu3,a\n", "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "line 3" in errors and "Skip rows with no user or item id" in errors  # names the app's own control
    at.checkbox(key="map_skip_missing").check().run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert not at.error and at.session_state["dataset"].n_interactions == 3
    assert any("1 row(s) with no user or item id were left out, first at line 3" in w.value.replace("\\", "")
               for w in at.warning)


def test_a_workbook_maps_the_sheet_that_holds_the_ratings_and_takes_texts_from_the_other(run_page, tmp_path):
    import pandas as pd

    path = tmp_path / "shop.xlsx"
    with pd.ExcelWriter(path) as book:  # the items first: the ratings are not on the first sheet
        pd.DataFrame({"Product": ["P1", "P2", "P3"], "Name": ["Rain jacket", "Trail shoes", "Tent"],
                      "Blurb": ["Light", "Grip", "Two-person"]}).to_excel(book, sheet_name="Products", index=False)
        pd.DataFrame({"Customer": ["ann", "ann", "bob"], "Product": ["P1", "P2", "P2"], "Stars": [5, 4, 3]}).to_excel(
            book, sheet_name="Ratings", index=False)
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("shop.xlsx", path.read_bytes(), "application/vnd.ms-excel"))
    at.run()
    assert_clean(at)
    assert at.selectbox(key="map_user").options[1:] == ["Customer", "Product", "Stars"]  # after "auto"
    assert "Customer" in at.selectbox(key="map_user").help and "Stars" in at.selectbox(key="map_rating").help
    at.radio(key="text_mode").set_value("Chosen columns").run()
    assert at.multiselect(key="text_cols").options == ["Product", "Name", "Blurb"]
    at.multiselect(key="text_cols").set_value(["Name"]).run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert not at.error
    ds = at.session_state["dataset"]
    assert (ds.n_interactions, ds.cold_items.tolist(), ds.texts[2]) == (3, ["P3"], "Tent")


def test_an_impression_log_is_read_by_its_label_and_the_label_can_be_turned_off(run_page):
    log = b"user,item,is_click\nann,k1,1\nann,k2,0\nbob,k1,0\nbob,k3,1\ncid,k2,1\n"
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("shown.csv", log, "text/csv"))
    at.run()
    assert "is_click" in at.selectbox(key="map_label").help  # the guess
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert at.session_state["dataset"].n_interactions == 3
    assert any("labels each row 1" in w.value for w in at.warning)
    at.selectbox(key="map_label").set_value("(none)").run()
    at.button(key="load_upload").click().run()
    assert not at.error and at.session_state["dataset"].n_interactions == 5


def test_files_in_the_wrong_boxes_are_said_to_be_swapped_and_the_dataset_stays(run_page):
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value(("books.csv", b"book_id,title\n1,Dune\n2,Emma\n", "text/csv"))
    at.file_uploader(key="up_items").set_value(("ratings.csv", b"user_id,book_id,rating\n1,1,5\n2,2,3\n", "text/csv"))
    at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    assert any("look swapped" in e.value for e in at.error)
    assert at.session_state["dataset_key"] == SAMPLE_KEY  # nothing loaded is lost


def test_the_data_page_says_which_labels_a_request_can_name(run_page):
    at = run_page("pages/1_Data.py")
    assert any("a typed request can name the labels of genres (18)" in c.value for c in at.caption)
    stats = at.session_state["dataset"].stats()
    assert stats["category_columns"] == {"genres": 18}  # not "year": its numbers name nothing



def test_the_column_mapping_opens_on_a_failed_load_and_stays_open_for_the_next_file(run_page):
    """It was drawn anew with each upload and closed again; a failed load opened it only while the error showed."""
    at = run_page("pages/1_Data.py")
    odd = b"who,what,when\nann,i1,2024-01-01\nann,i2,2024-01-02\nbob,i1,2024-01-03\n"
    at.file_uploader(key="up_inter").set_value(("odd.csv", odd, "text/csv"))
    at.run()
    assert not at.session_state["map_open"]  # closed until it is needed
    at.button(key="load_upload").click().run()
    assert at.session_state["map_open"]  # the load failed: the mapping is open to put it right
    at.file_uploader(key="up_inter").set_value(("odd2.csv", odd.replace(b"bob", b"cat"), "text/csv"))
    at.run()
    assert at.session_state["map_open"]  # another file chosen: still open (the error is gone)
    assert not at.error


def test_the_sidebar_links_every_page_with_the_dataset_in_its_address(run_page):
    """The sidebar's own links carry the dataset (and a fine-tune) in the address they open: Streamlit's navigation
    opened bare addresses that the page then filled in, two history entries per page change."""
    from urllib.parse import parse_qs

    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import page_path
    from ui.state import PAGES

    at = AppTest.from_file(page_path("app.py"), default_timeout=180)
    at.session_state["dataset_key"] = SAMPLE_KEY
    at.session_state["encoder_name"] = "/somewhere/ft-0123456789abcdef"
    at.switch_page("pages/6_Evaluate.py").run()
    assert_clean(at)
    assert at.title[0].value == "Evaluate"
    links = [e.proto for e in at.sidebar.get("page_link")]
    assert [link.label for link in links] == [label for _, label, _, _ in PAGES] and links[0].label == "Home"
    for link in links:
        assert parse_qs(link.query_string) == {"data": [SAMPLE_KEY], "encoder": ["ft-0123456789abcdef"]}, link


def test_the_interactions_preview_shows_dates_without_a_utc_offset(run_page):
    """The app probe: the preview read "2024-08-22 00:00:00+00:00"; the CSV keeps the full timestamp."""
    import json

    at = run_page("pages/1_Data.py")
    configs = [json.loads(d.proto.columns) for d in at.dataframe]
    dated = [c["timestamp"] for c in configs if "timestamp" in c]
    assert dated and dated[0]["label"] == "timestamp (UTC)" and dated[0]["type_config"]["format"] == "YYYY-MM-DD HH:mm"
