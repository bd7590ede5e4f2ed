"""What a hostile or careless file or visitor can do on the Data page: no live markup, no lost saved dataset, no
server paths, and downloads a spreadsheet will not run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.app.conftest import assert_clean

ROOT = Path(__file__).resolve().parents[2]


def test_a_column_name_with_markdown_is_shown_as_text_in_the_tooltips(run_page):
    at = run_page("pages/1_Data.py")
    # letters the name guess leaves out (not ASCII), so the columns are still taken for user and item
    header = '"[Вход](//пример.рф)user","![](//пример.рф/ф)item",rating\n'.encode()
    at.file_uploader(key="up_inter").set_value(("odd.csv", header + b"a,1,5\nb,2,4\n", "text/csv"))
    at.run()
    helps = " ".join(at.selectbox(key=f"map_{role}").help for role in ("user", "item"))
    assert "[Вход](//" not in helps and "![](//" not in helps
    assert "\\[Вход\\]" in helps and "\\!\\[\\]" in helps


def test_saving_under_a_taken_name_asks_before_it_replaces(run_page):
    from recengine.store import open_store

    at = run_page("pages/1_Data.py")
    at.text_input(key="store_name").input("taken-name").run()
    at.button(key="store_save").click().run()
    assert "Saved as" in at.success[0].value
    before = open_store().list_datasets()
    at.run()
    at.button(key="store_save").click().run()
    assert_clean(at)
    assert not at.success and "already saved" in at.warning[-1].value
    assert open_store().list_datasets() == before  # not replaced
    at.checkbox(key="store_replace").check().run()
    at.button(key="store_save").click().run()
    assert "Saved as" in at.success[0].value
    after = open_store().list_datasets()
    assert [d["name"] for d in after] == [d["name"] for d in before]
    assert [d["created_at"] for d in after] != [d["created_at"] for d in before]


def test_an_unexpected_error_names_where_it_was_raised_without_a_traceback_or_server_paths():
    from streamlit.testing.v1 import AppTest

    def script():
        from ui import guard, page

        with page("Boundary", "bug_report"), guard("doing the thing"):
            {}["missing"]

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    details = at.code[0].value
    assert details.startswith("KeyError: 'missing'") and "in script" in details
    assert "Traceback" not in details and "File \"" not in details
    assert str(ROOT) not in details and tempfile.gettempdir() not in details


def test_a_csv_download_quotes_what_a_spreadsheet_would_run_and_keeps_numbers():
    import csv
    import io

    import pandas as pd

    from ui.downloads import csv_bytes

    frame = pd.DataFrame({
        "title": ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1", "Alien",
                  "-3", "-"],
        "score": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        "item_id": ["-7", "=1", "42", "x", "y", "z", "w"],
    }).rename(columns={"item_id": "=id"})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
    assert rows[0] == ["title", "score", "'=id"]
    cells = [c for row in rows[1:] for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t") or (c[:1] == "-" and not c[1:2].isdigit())]
    assert [r[0] for r in rows[1:]][:5] == ["'" + t for t in frame["title"][:4]] + ["Alien"]
    assert [r[1] for r in rows[1:]][0] == "-1.5" and rows[1][2] == "-7" and rows[6][0] == "-3"


def test_a_name_saved_by_another_tab_meanwhile_gets_the_same_warning_and_the_page_goes_on(run_page, sample,
                                                                                         monkeypatch):
    from recengine.store import open_store
    from ui import engine

    save = engine.save_dataset

    def another_tab_first(name, dataset, replace=False):  # both pressed Save at once; the other one's landed first
        open_store().save_dataset(name, sample)
        return save(name, dataset, replace=replace)

    at = run_page("pages/1_Data.py")
    at.text_input(key="store_name").input("raced-name").run()
    monkeypatch.setattr(engine, "save_dataset", another_tab_first)
    at.button(key="store_save").click().run()
    assert_clean(at)
    assert not at.error and "already saved" in at.warning[-1].value
    assert "load_upload" in [b.key for b in at.button]  # the rest of the page is drawn
