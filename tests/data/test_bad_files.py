"""Every file a user can get wrong gets a DataError naming the file, the column and the rows, and what to do."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

import recengine
from recengine.errors import DataError

DATA = Path(__file__).parent
ITEMS = DATA / "items.csv"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def error_for(*args, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        recengine.read_dataset(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", ""))
    assert "ratings.csv" in msg and "empty" in msg


def test_header_only(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id,rating\n"))
    assert "ratings.csv" in msg and "header" in msg and "no data rows" in msg and "user_id" in msg


def test_binary_file_with_csv_extension(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", bytes(range(256)) * 20))
    assert "ratings.csv" in msg and "binary" in msg and "CSV" in msg


def test_image_with_parquet_extension(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.parquet", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100))
    assert "ratings.parquet" in msg and "Parquet" in msg


def test_an_image_or_a_pdf_is_called_what_it_is(tmp_path: Path) -> None:
    """A screenshot picked by mistake read "this is a binary file, not a table (it contains NUL bytes)"."""
    for name, head, kind in (("shot.png", b"\x89PNG\r\n\x1a\n", "a PNG image"), ("photo.jpg", b"\xff\xd8\xff\xe0", "a JPEG image"),
                             ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document")):
        msg = error_for(write(tmp_path, name, head + bytes(range(256)) * 4))
        assert msg.startswith(f"{name}: this is {kind}, not a table.") and "NUL" not in msg, msg


def test_non_tabular_text(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "notes.csv", "Dear team\nhere are my thoughts on the launch\nregards\n"))
    assert "notes.csv" in msg and "one column" in msg


def test_one_column_wrong_delimiter(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id:item_id:rating\nu1:i1:5\nu2:i2:3\n"))
    assert "ratings.csv" in msg and "one column" in msg and "delimiter" in msg and "user_id:item_id:rating" in msg


def test_no_user_column(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "shopper_age,item_id\n31,i1\n"))
    assert "ratings.csv" in msg and "no user column" in msg and "shopper_age" in msg and "columns=" in msg


def test_no_item_column(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,colour\nu1,red\n"))
    assert "ratings.csv" in msg and "no item column" in msg


def test_two_candidate_columns(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,customer_id,item_id\nu1,c1,i1\n"))
    assert "ratings.csv" in msg and "user_id" in msg and "customer_id" in msg and "columns={'user'" in msg
    # The mapping resolves it.
    ds = recengine.read_dataset(tmp_path / "ratings.csv", columns={"user": "customer_id"})
    assert "c1" in ds.user_map


def test_mapping_to_missing_column(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id\nu1,i1\n"), columns={"user": "client"})
    assert "ratings.csv" in msg and "'client'" in msg and "user_id, item_id" in msg


def test_missing_ids_name_lines(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id\nu1,i1\n,i2\nu3,i3\nu4,\n"))
    assert "ratings.csv" in msg and "'user_id'" in msg and "line 3" in msg


def test_missing_item_ids_name_lines(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id\nu1,i1\nu2,i2\nu4,\n"))
    assert "'item_id'" in msg and "line 4" in msg


def test_ratings_not_numbers(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id,rating\nu1,i1,5\nu2,i2,great\nu3,i3,4\nu4,i4,n/a\n"))
    assert "ratings.csv" in msg and "'rating'" in msg and "lines 3, 5" in msg and "'great'" in msg


def test_ratings_inf_and_nan(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id,rating\nu1,i1,inf\nu2,i2,NaN\nu3,i3,4\n"))
    assert "'rating'" in msg and "lines 2, 3" in msg


def test_ratings_nan_in_parquet(tmp_path: Path) -> None:
    path = tmp_path / "ratings.parquet"
    pd.DataFrame({"user_id": ["a", "b", "c"], "item_id": ["x", "y", "z"], "rating": [1.0, float("nan"), 3.0]}).to_parquet(path)
    msg = error_for(path)
    assert "ratings.parquet" in msg and "'rating'" in msg and "row 2" in msg


def test_a_missing_id_in_a_nullable_parquet_column_is_named_not_loaded_as_a_user(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    pd.DataFrame({"user_id": pd.array([1, None, 3], dtype="Int64"), "item_id": pd.Categorical(["x", "y", "x"])}).to_parquet(path)
    msg = error_for(path)
    assert "typed.parquet: column 'user_id' (user id) is empty in 1 row(s), first at row 2" in msg  # not a user "<NA>"
    items = tmp_path / "items.parquet"
    pd.DataFrame({"item_id": ["x", "y"], "title": pd.array(["Tea", None], dtype="string"),
                  "notes": pd.array([None, "Green"], dtype="string")}).to_parquet(items)
    ds = recengine.read_dataset(pd.DataFrame({"user": ["a", "b"], "item_id": ["x", "y"]}), items)
    assert ds.texts == ["Title: Tea.", "Notes: Green."] and ds.title("y") == "Green"  # no "<NA>" read as words; the next text names it


def test_timestamps_unparseable(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", "user_id,item_id,timestamp\nu1,i1,2024-01-01\nu2,i2,yesterday\n"))
    assert "ratings.csv" in msg and "'timestamp'" in msg and "line 3" in msg and "'yesterday'" in msg


def test_duplicate_item_ids_with_different_texts(tmp_path: Path) -> None:
    items = write(tmp_path, "items.csv", "item_id,title\nm1,Solaris\nm2,Stalker\nm1,Solaris (remake)\n")
    msg = error_for(DATA / "interactions.csv", items)
    assert "items.csv" in msg and "'m1'" in msg and "lines 2, 4" in msg and "'item_id'" in msg


def test_duplicate_item_ids_with_same_text_is_a_warning(tmp_path: Path) -> None:
    items = write(tmp_path, "items.csv", "item_id,title\nm1,Solaris\nm2,Stalker\nm1,Solaris\n")
    ds = recengine.read_dataset(DATA / "interactions.csv", items)
    assert any("repeated item row" in w for w in ds.warnings)


def test_no_item_has_any_text(tmp_path: Path) -> None:
    items = write(tmp_path, "items.csv", "item_id,price\nm1,9.99\nm2,5\n")
    msg = error_for(DATA / "interactions.csv", items)
    assert "items.csv" in msg and "no item has any text" in msg and "--text" in msg


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "ratings.csv", "user_id,item_id\n" + "u1,i1\n" * 2000)
    msg = error_for(path, max_bytes=1000)
    assert "ratings.csv" in msg and "limit" in msg and "RECENGINE_MAX_FILE_MB" in msg


def test_size_limit_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "ratings.csv", "user_id,item_id\n" + "u1,i1\n" * 200_000)
    monkeypatch.setenv("RECENGINE_MAX_FILE_MB", "0.5")
    assert "limit" in error_for(path)


def test_undecodable_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "ratings.csv", b"user_id,item_id\nu1,i1\nu2,\x81\x8d\x9d\n")
    msg = error_for(path)
    assert "ratings.csv" in msg and "line 3" in msg and "UTF-8" in msg


def test_damaged_gzip(tmp_path: Path) -> None:
    data = gzip.compress(b"user_id,item_id\nu1,i1\n" * 100)
    msg = error_for(write(tmp_path, "ratings.csv.gz", data[: len(data) // 2]))
    assert "ratings.csv.gz" in msg and "gzip" in msg


def test_ragged_rows(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.csv", 'user_id,item_id\nu1,i1\nu2,i2,extra,fields\n'))
    assert "ratings.csv" in msg and "line 3 has 4 fields where the first line has 2" in msg and "\n" not in msg


def test_a_name_the_header_gives_twice_is_pointed_out(tmp_path: Path) -> None:
    ds = recengine.read_dataset(write(tmp_path, "orders.csv", "user_id,item_id,user_id\nu1,i1,x\nu2,i2,y\n"))
    assert set(ds.interactions["user_id"]) == {"u1", "u2"}
    said = [w for w in ds.warnings if "the header names two columns 'user_id' (columns 1 and 3)" in w]
    assert said and "the other as 'user_id.1'" in said[0] and "Rename them" in said[0]
    plain = recengine.read_dataset(write(tmp_path, "ok.csv", "user_id,item_id,score.1\nu1,i1,x\nu2,i2,y\n"))
    assert not any("header names" in w for w in plain.warnings)


def test_bad_json_line(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "ratings.jsonl", '{"user": "a", "item": "x"}\n{"user": "b", item}\n'))
    assert "ratings.jsonl" in msg and "line 2" in msg and "at column 15" in msg
    msg = error_for(write(tmp_path, "cut.jsonl", '{"user": "a", "item": "x"}\n{"user": "b", "item": "y\n'))
    assert "line 2 is not valid JSON (unterminated string starting at column 23)" in msg


def test_text_template_names_missing_column() -> None:
    msg = error_for(DATA / "interactions.csv", ITEMS, text="{title} by {director}")
    assert "items.csv" in msg and "director" in msg and "title, description, year" in msg


@pytest.mark.parametrize(
    ("template", "says"),
    [("{title} }", "'}' at character 9"), ("{title", "never closed"), ("{title} {}", "empty {}"), ("{title {year}", "never closed")],
)
def test_a_broken_text_template_is_named_with_where_it_breaks(template: str, says: str) -> None:
    msg = error_for(DATA / "interactions.csv", ITEMS, text=template)
    assert "items.csv" in msg and repr(template) in msg and says in msg and "{column}" in msg


def test_a_template_takes_any_column_name_and_literal_braces(tmp_path: Path) -> None:
    items = write(tmp_path, "items.csv", "sku,name.en,2024,notes\ni1,Red kettle,yes,\ni2,Blue mug,,x\n")
    inter = write(tmp_path, "events.csv", "visitor,sku\nu1,i1\nu2,i2\nu1,i2\n")
    ds = recengine.read_dataset(inter, items, text="{name.en} {{2024: {2024}}}")
    texts = dict(zip(ds.item_map.external, ds.texts))
    assert texts == {"i1": "Red kettle {2024: yes}", "i2": "Blue mug"}  # the words around an empty value go with it


def test_a_template_drops_the_words_that_join_an_empty_value(tmp_path: Path) -> None:
    """'{meta.title} by {meta.authors}. {blurb}' read "by . A romance book" for a book with no title or authors."""
    items = write(tmp_path, "items.csv", "id,title,authors,blurb\nb1,,,A romance book\nb2,Dune,,Sand\nb3,Emma,Austen,\n")
    inter = write(tmp_path, "events.csv", "visitor,id\nu1,b1\nu2,b2\nu1,b3\n")
    ds = recengine.read_dataset(inter, items, text="Book: {title} by {authors}. {blurb}")
    texts = dict(zip(ds.item_map.external, ds.texts))
    assert texts == {"b1": "A romance book", "b2": "Book: Dune. Sand", "b3": "Book: Emma by Austen"}


def test_missing_path() -> None:
    msg = error_for("/nonexistent/ratings.csv")
    assert "ratings.csv" in msg and "no such file" in msg


def test_a_failed_load_changes_nothing_loaded_before(tmp_path: Path) -> None:
    good = recengine.read_dataset(DATA / "interactions.csv", ITEMS)
    before = (good.interactions.copy(), good.items.copy(), list(good.user_map.external))
    with pytest.raises(DataError):
        recengine.read_dataset(write(tmp_path, "bad.csv", "user_id,item_id\n,i1\n"), ITEMS)
    pd.testing.assert_frame_equal(good.interactions, before[0])
    pd.testing.assert_frame_equal(good.items, before[1])
    assert list(good.user_map.external) == before[2]


def test_errors_name_the_file_line_across_blank_lines_and_multi_line_fields(tmp_path: Path) -> None:
    blank = write(tmp_path, "blank.csv", "customer,sku,stars\na,X,5\n\n\nb,Y,4\ne,Y,bad\n")
    assert "line 6" in error_for(blank)
    quoted = write(tmp_path, "quoted.csv", 'customer,sku,stars\r\na,"X\r\nY",5\r\nb,Y,4\r\ne,Y,bad\r\n')
    assert "line 5" in error_for(quoted)
    jsonl = write(tmp_path, "gaps.jsonl", '{"user": "a", "item": "x", "rating": 1}\n\n{"user": "b", "item": "x", "rating": "q"}\n')
    assert "line 3" in error_for(jsonl)
    dups = write(tmp_path, "dups.csv", "customer,sku\na,X\n\nb,Y\na,X\n")
    said = " ".join(recengine.read_dataset(dups).warnings)
    assert "1 (user, item) pair(s) are duplicated across 2 rows (first at lines 2, 5)" in said
    assert "1 row(s) were dropped" in said


def test_utf16_a_csv_named_parquet_and_an_excel_file(tmp_path: Path) -> None:
    import zipfile

    table = "user,item\na,x\nb,y\n"
    for codec in ("utf-16", "utf-16-le", "utf-16-be"):
        path = tmp_path / f"{codec}.csv"
        path.write_bytes(table.encode(codec))
        assert recengine.read_dataset(path).n_interactions == 2, codec
    renamed = tmp_path / "table.parquet"
    renamed.write_text(table)
    assert recengine.read_dataset(renamed).n_interactions == 2
    with zipfile.ZipFile(tmp_path / "sheet.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    msg = error_for(tmp_path / "sheet.xlsx")
    assert "sheet.xlsx" in msg and "Excel" in msg and "CSV" in msg


def test_a_nested_json_id_is_refused(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "events.jsonl", '{"user": "a", "item": "x"}\n{"user": "b", "item": {"id": "X"}}\n'))
    assert "events.jsonl" in msg and "line 2" in msg and "nested" in msg


def test_an_excel_workbook_reads_its_first_sheet_and_names_sheet_rows(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"Customer ID": ["007", "b", "a"], "Product": ["x", "y", "y"], "Stars": [5, 4, 3],
                      "Order date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-01"])}).to_excel(
            book, sheet_name="Orders", index=False)
        pd.DataFrame({"note": ["not data"]}).to_excel(book, sheet_name="Notes", index=False)
    ds = recengine.read_dataset(path)
    assert ds.options["columns"] == {"user": "Customer ID", "item": "Product", "rating": "Stars", "timestamp": "Order date"}
    assert "007" in set(ds.interactions["user_id"]) and ds.options["format"] == "excel"
    assert any("the first, 'Orders', was read, not 'Notes'" in w for w in ds.warnings)
    gap = tmp_path / "gap.xlsx"  # a blank row in the sheet: the missing id is named by its row in the sheet
    pd.DataFrame({"user": ["a", None, "c", None], "item": ["x", None, "y", "z"]}).to_excel(gap, index=False)
    msg = error_for(gap)
    assert "gap.xlsx" in msg and "row 5" in msg and "user" in msg


def test_text_ids_in_a_workbook_stay_as_written(tmp_path: Path) -> None:
    """Excel keeps "007", "0100" and "1E5" typed as text: they are ids, not 7, 100 and 100000."""
    items = tmp_path / "items.xlsx"
    pd.DataFrame({"sku": ["007", "7", "0042", "42", "100", "0100", "1E5"], "name": list("ABCDEFG"),
                  "price": [1, 2.5, 3, 4, 5, 6, 7]}).to_excel(items, index=False)
    orders = tmp_path / "orders.xlsx"
    pd.DataFrame({"customer": list("aabbccd"), "sku": ["007", "42", "7", "0042", "100", "0100", "1E5"],
                  "stars": [5, 4, 3, 5, 2, 1, 4]}).to_excel(orders, index=False)
    ds = recengine.read_dataset(orders, items)
    assert sorted(ds.items["item_id"]) == sorted(["007", "7", "0042", "42", "100", "0100", "1E5"])
    assert ds.n_interactions == 7 and not ds.cold_items.tolist()
    assert ds.interactions["rating"].tolist() == [5.0, 4.0, 3.0, 5.0, 2.0, 1.0, 4.0]
    assert not any("leading zeros" in w for w in ds.warnings)


def test_one_workbook_holds_the_ratings_and_the_items_on_two_sheets_in_either_order(tmp_path: Path) -> None:
    ratings = pd.DataFrame({"Customer": ["ann", "ann", "bob", "bob", "cid"], "Product": ["P1", "P2", "P2", "P3", "P1"],
                            "Stars": [5, 4, 3, 5, 2]})
    products = pd.DataFrame({"Product": ["P1", "P2", "P3", "P4"], "Name": ["Rain jacket", "Trail shoes", "Wool socks", "Tent"],
                             "Description": ["Light and dry", "Grip on mud", "Warm feet", "Two-person"]})
    for order in (["Ratings", "Products"], ["Products", "Ratings"]):
        path = tmp_path / f"shop-{order[0]}.xlsx"
        with pd.ExcelWriter(path) as book:
            for sheet in order:
                (ratings if sheet == "Ratings" else products).to_excel(book, sheet_name=sheet, index=False)
        for items in (None, path):  # alone, or given as the items file too
            ds = recengine.read_dataset(path, items)
            assert (ds.n_users, ds.n_interactions, ds.cold_items.tolist()) == (3, 5, ["P4"])
            assert ds.texts[3] == "Name: Tent. Description: Two-person." and ds.items["title"].iloc[0] == "Rain jacket"
            assert any(w.endswith("(sheet 'Products') was read as the items: their ids and texts.") for w in ds.warnings)
            assert not any("was read, not" in w for w in ds.warnings)
    # a message names the sheet and its row
    bad = tmp_path / "bad.xlsx"
    with pd.ExcelWriter(bad) as book:
        ratings.assign(Stars=[5, 4, "lots", 5, 2]).to_excel(book, sheet_name="Ratings", index=False)
        products.to_excel(book, sheet_name="Products", index=False)
    msg = error_for(bad)
    assert "bad.xlsx (sheet 'Ratings')" in msg and "row 4" in msg


def test_words_for_nothing_are_empty_cells(tmp_path: Path) -> None:
    """SQL exports write NULL, pandas None or NaN, Excel #N/A: a user called "NULL" would merge every unknown user."""
    msg = error_for(write(tmp_path, "orders.csv", "user,item\nu1,i1\nNULL,i2\n"))
    assert "orders.csv" in msg and "line 3" in msg and "empty" in msg
    ds = recengine.read_dataset(pd.DataFrame({"user": ["a", "b"], "item": ["x", "y"]}),
                                pd.DataFrame({"item": ["x", "y"], "title": ["Kettle", "Mug"], "blurb": ["NULL", "#N/A"],
                                              "maker": ["Acme", "None"]}))
    assert ds.items.set_index("item_id")["text"].to_dict() == {"x": "Title: Kettle. Maker: Acme.", "y": "Title: Mug."}


def test_rows_with_no_id_can_be_left_out_as_the_file_loads(tmp_path: Path) -> None:
    """Raw logs (Last.fm 1K) have a few rows with a blank id: an error by default, left out and counted on request."""
    path = write(tmp_path, "listens.csv", "user,item,when\nu1,a,2024-01-01\nu1,,2024-01-02\n,b,2024-01-03\nu2,b,2024-01-04\n")
    msg = error_for(path)
    assert "line 4" in msg and "--skip-missing-ids" in msg
    ds = recengine.read_dataset(path, skip_missing_ids=True)
    assert set(zip(ds.interactions["user_id"], ds.interactions["item_id"])) == {("u1", "a"), ("u2", "b")}
    assert any("2 row(s) with no user or item id were left out, first at lines 3, 4" in w for w in ds.warnings)
    assert ds.options["skip_missing_ids"] is True
    with pytest.raises(DataError, match="no row has both a user and an item id"):
        recengine.read_dataset(write(tmp_path, "blank.csv", "user,item\n,a\nu1,\n"), skip_missing_ids=True)
    # beside lists of items (MIND), the rows left out and the history read from the others stay aligned
    mind = ("1\tU1\t11/11/2019 9:05:58 AM\tN1 N2\tN3-1 N4-0\n2\t\t11/12/2019 3:15:00 PM\tN5\tN6-1\n"
            "3\tU2\t11/13/2019 8:00:00 AM\tN1\tN2-1\n")
    ds = recengine.read_dataset(write(tmp_path, "behaviors.tsv", mind), skip_missing_ids=True)
    assert set(zip(ds.interactions["user_id"], ds.interactions["item_id"])) == {
        ("U1", "N1"), ("U1", "N2"), ("U1", "N3"), ("U2", "N1"), ("U2", "N2")}
    t = ds.interactions.set_index(["user_id", "item_id"])["timestamp"]
    assert t[("U2", "N1")] == t[("U2", "N2")] - 1  # the history just before the click


def test_arrow_feather_and_orc_files_are_read_and_other_binary_formats_are_named(tmp_path: Path) -> None:
    import pickle
    import sqlite3

    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.orc as orc

    frame = pd.DataFrame({"customer": ["007", "b", "007"], "sku": ["x", "y", "y"], "stars": [5, 3, 4]})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    feather.write_feather(frame, tmp_path / "orders.feather")
    orc.write_table(table, tmp_path / "orders.data")  # by content, whatever the name says
    with pa.OSFile(str(tmp_path / "orders.arrows"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    for name in ("orders.feather", "orders.data", "orders.arrows"):
        ds = recengine.read_dataset(tmp_path / name)
        assert (ds.n_users, ds.n_interactions, ds.has_ratings) == (2, 3, True), name
        assert "007" in set(ds.user_map.external)
    pickle.dump(frame, (tmp_path / "orders.pkl").open("wb"))
    msg = error_for(tmp_path / "orders.pkl")
    assert "orders.pkl" in msg and "pickle" in msg and "never loads" in msg and "CSV" in msg
    with sqlite3.connect(tmp_path / "shop.db") as con:
        frame.to_sql("orders", con)
    msg = error_for(tmp_path / "shop.db")
    assert "shop.db" in msg and "SQLite database" in msg and "export" in msg
    cut = tmp_path / "cut.feather"
    cut.write_bytes((tmp_path / "orders.feather").read_bytes()[:80])
    msg = error_for(cut)
    assert "cut.feather" in msg and "cannot be read as Arrow/Feather" in msg and "damaged" in msg
    feather.write_feather(frame.head(0), tmp_path / "empty.feather")
    assert "has columns but no rows" in error_for(tmp_path / "empty.feather")
    # text that starts like a binary format's mark is text: a CSV whose first column is ORCID
    orcid = write(tmp_path, "authors.csv", "ORCID,user_id,item_id\n0000-0001,a,p1\n0000-0002,b,p2\n")
    assert recengine.read_dataset(orcid).n_interactions == 2


def test_a_header_that_comes_again_mid_file_is_skipped_and_lines_keep_their_numbers(tmp_path: Path) -> None:
    """Two exports joined end to end (cat a.csv b.csv > all.csv): the second header is no row."""
    path = write(tmp_path, "all.csv", "user,item,rating\na,x,5\nb,y,4\nuser,item,rating\nc,x,3\nd,z,2\n")
    ds = recengine.read_dataset(path)
    assert (ds.n_users, ds.n_interactions) == (4, 4) and ds.interactions["rating"].tolist() == [5, 4, 3, 2]
    assert any("its header comes again at line 4" in w for w in ds.warnings)
    msg = error_for(write(tmp_path, "all.csv", "user,item,rating\na,x,5\nuser,item,rating\nc,x,3\nd,z,lots\n"))
    assert "line 5" in msg and "'lots'" in msg


def test_files_given_the_other_way_round_are_said_to_be_swapped(tmp_path: Path) -> None:
    ratings = write(tmp_path, "ratings.csv", "user_id,book_id,rating\n1,1,5\n2,1,4\n2,2,3\n")
    books = write(tmp_path, "books.csv", "book_id,title,authors\n1,Dune,Herbert\n2,Emma,Austen\n")
    msg = error_for(books, ratings)
    assert "books.csv has no user column, but ratings.csv has users ('user_id') and items ('book_id')" in msg
    assert "look swapped" in msg
    assert "look swapped" not in error_for(books, books)  # an items file twice: no swap to suggest
    assert recengine.read_dataset(ratings, books).n_interactions == 3


def test_spreadsheets_of_other_programs_are_named_with_how_to_save_them(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "ratings.ods", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    msg = error_for(tmp_path / "ratings.ods")
    assert "ratings.ods" in msg and "OpenDocument spreadsheet" in msg and ".xlsx" in msg
    with zipfile.ZipFile(tmp_path / "ratings.numbers", "w") as z:
        z.writestr("Index/Document.iwa", b"\x00\x01")
        z.writestr("Index/Tables/DataList.iwa", b"\x00\x01")
    msg = error_for(tmp_path / "ratings.numbers")
    assert "ratings.numbers" in msg and "Apple Numbers" in msg and "CSV" in msg


def test_a_list_of_ids_is_told_it_lacks_columns_not_that_its_delimiter_is_wrong(tmp_path: Path) -> None:
    items = write(tmp_path, "items_only_ids.csv", "sku\nSKU 001\nSKU 002\nSKU 003\n")
    msg = error_for(write(tmp_path, "orders.csv", "customer,sku\nc1,SKU 001\nc2,SKU 002\n"), items)
    assert "items_only_ids.csv" in msg and "only one column ('sku')" in msg and "text column" in msg
    assert "delimiter" not in msg


def test_an_empty_header_cell_is_named_by_its_place_not_by_pandas(tmp_path: Path) -> None:
    msg = error_for(write(tmp_path, "notes.csv", "Dear analyst,\nI hope it helps,\nBest regards,\n"))
    assert "notes.csv" in msg and "(column 2, no name)" in msg and "Unnamed" not in msg


def test_swapped_files_are_said_when_the_catalogue_holds_lists_or_the_log_names_no_user(tmp_path: Path) -> None:
    """A catalogue with a list of authors per book was read as sessions of items, one "user" per row, and the
    items got the purchase times as their text."""
    import json

    books = tmp_path / "books.jsonl"
    books.write_text("\n".join(json.dumps({"isbn": f"0-00-{i:06d}-{i % 10}", "title": f"Book {i}",
                                           "authors": [f"Author {i}", f"Co {i % 3}"]}) for i in range(12)))
    isbns = [f"0-00-{i:06d}-{i % 10}" for i in range(12)]
    log = "\n".join(f"reader{r}@example.com,{isbns[(r * 7 + j) % 12]},2022-02-0{1 + j}T10:00:00+02:00"
                    for r in range(8) for j in range(4))
    orders = write(tmp_path, "orders.csv", "email,isbn,purchased_at\n" + log + "\n")
    msg = error_for(books, orders)
    assert "books.jsonl has no user column, but orders.csv has users ('email') and items ('isbn')" in msg
    unnamed = write(tmp_path, "log.csv", "wer,was\n" + "\n".join(f"p{r},{isbns[(r * 5 + j) % 12]}" for r in range(8)
                                                                 for j in range(3)) + "\n")
    msg = error_for(books, unnamed)
    assert "the ids of books.jsonl's 'isbn', one per row there, repeated in its 'was'" in msg and "look swapped" in msg
    assert recengine.read_dataset(orders, books).n_interactions == 32


def test_a_mapped_column_is_found_whatever_its_case_and_a_typo_gets_a_suggestion(tmp_path: Path) -> None:
    inter = write(tmp_path, "orders.csv", "Kd_Nr,ArtNr\nk1,a1\nk2,a1\nk1,a2\n")
    ds = recengine.read_dataset(inter, columns={"user": "kd_nr", "item": "artnr"})
    assert (ds.n_users, ds.n_items) == (2, 2)
    msg = error_for(inter, columns={"user": "Kd_Mr", "item": "ArtNr"})
    assert "mapped to 'Kd_Mr', but the file has no such column (did you mean 'Kd_Nr'?)" in msg
    msg = error_for(inter, columns={"user": "Kd_Nr", "item": "Kd_Nr"})
    assert "was mapped as both user and item. Map each to its own column" in msg


def test_an_item_column_mapped_to_dates_is_said(tmp_path: Path) -> None:
    inter = write(tmp_path, "orders.csv", "Kunde,ArtNr,Wann\nk1,a1,2024-05-01 10:00\nk2,a1,2024-05-02 11:00\nk1,a2,2024-05-03 12:00\n")
    ds = recengine.read_dataset(inter, columns={"user": "Kunde", "item": "Wann"})
    assert any("column 'Wann', mapped as the item, holds dates or times: each of its 3 values is now an item" in w
               for w in ds.warnings)
    right = recengine.read_dataset(inter, columns={"user": "Kunde", "item": "ArtNr"})
    assert not any("holds dates or times" in w for w in right.warnings)


def test_a_line_of_thousands_of_values_is_refused_at_once(tmp_path: Path) -> None:
    """400,000 values on one line kept the Data page busy for a minute (a column each) to say there were no rows."""
    path = tmp_path / "one_line.csv"
    path.write_text(",".join(str(i) for i in range(30_000)) + "\n")
    with pytest.raises(DataError, match=r"one_line.csv: its first line holds 30,000 comma-separated fields.*one "
                                         r"interaction per line"):
        recengine.read_dataset(path)


def test_a_matrix_header_that_repeats_names_is_read_and_said(tmp_path: Path) -> None:
    path = tmp_path / "matrix.csv"
    names = [f"item{i}" for i in range(3_000)] + ["item7"]
    path.write_text("user," + ",".join(names) + "\nu1," + ",".join("1" for _ in names) + "\n")
    from recengine.data import read_table

    table = read_table(path)
    assert table.frame.shape[1] == 3_002
    assert any("names two columns 'item7'" in n for n in table.notes)


def test_an_unclosed_quote_is_named_as_one_not_as_a_ragged_row(tmp_path: Path) -> None:
    """pandas says "EOF inside string starting at row 1": it read as rows of unequal width."""
    msg = error_for(write(tmp_path, "orders.csv", 'user_id,item_id\n"u1,i1\nu2,i2\nu3,i3\n'))
    assert msg.startswith("orders.csv: line 2 opens a quote") and "never closed" in msg and "same number" not in msg
    # a quote opened in the last column: Python's csv read the rest of the file as that cell, and it loaded
    msg = error_for(write(tmp_path, "bad.csv", 'user,item\nu1,"i1\nu2,i2\n'))
    assert msg.startswith("bad.csv: line 2 opens a quote") and "never closed" in msg


def test_a_dataframes_own_row_labels_are_named_beside_the_row() -> None:
    """The CLI probe: a filtered frame (index 100, 200, 300...) was told "row 3"; df.loc[300] is what a user looks up."""
    frame = pd.DataFrame({"user_id": ["a", "b", "c", "c"], "item_id": ["x", "y", "z", "x"], "rating": [1, 2, "five", 4]},
                         index=[100, 200, 300, 400])
    assert "at row 3 (index 300)" in error_for(frame)
    assert "at row 3 (e.g." in error_for(frame.reset_index(drop=True))  # row numbers alone: nothing to add
