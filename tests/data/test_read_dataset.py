"""read_dataset on good files of every supported kind, with known answers."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import recengine
from recengine.columns import Columns
from recengine.errors import DataError

DATA = Path(__file__).parent


def _basic(ds: recengine.Dataset) -> None:
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (3, 4, 5)
    assert list(ds.cold_items) == ["m4"]
    assert ds.title("m1") == "Solaris"
    assert ds.items.loc[ds.item_map.index("m2"), Columns.text].startswith("Title: Stalker. Description: A guide")


def test_csv_pair_known_answers() -> None:
    ds = recengine.read_dataset(DATA / "interactions.csv", DATA / "items.csv")
    _basic(ds)
    assert ds.has_ratings and ds.has_timestamps
    assert ds.interactions[Columns.timestamp].dtype == np.int64
    m = ds.matrix.toarray()
    assert m[ds.user_map.index("alice"), ds.item_map.index("m2")] == 1.0
    assert m.sum() == 5
    assert ds.stats()["n_cold_items"] == 1


@pytest.mark.parametrize("fmt", ["tsv", "pipe", "semicolon", "semicolon-named-tsv", "parquet", "jsonl", "json", "gz", "zip",
                                 "bom", "cp1252"])
def test_every_format_reads_the_same(fmt: str, tmp_path: Path) -> None:
    frame = pd.read_csv(DATA / "interactions.csv", dtype=str)
    items = pd.read_csv(DATA / "items.csv", dtype=str)
    path = tmp_path / f"inter.{fmt}"
    if fmt == "tsv":
        frame.to_csv(path.with_suffix(".tsv"), sep="\t", index=False)
        path = path.with_suffix(".tsv")
    elif fmt == "pipe":
        frame.to_csv(path.with_suffix(".txt"), sep="|", index=False)
        path = path.with_suffix(".txt")
    elif fmt == "semicolon":
        frame.to_csv(path.with_suffix(".csv"), sep=";", index=False)
        path = path.with_suffix(".csv")
    elif fmt == "semicolon-named-tsv":  # the name said tab, and only a tab was tried: "only one column"
        path = tmp_path / "inter.tsv"
        frame.to_csv(path, sep=";", index=False)
    elif fmt == "parquet":
        frame.astype({"rating": float, "timestamp": "int64"}).to_parquet(path)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif fmt == "json":
        frame.to_json(path, orient="records")
    elif fmt == "gz":
        path = tmp_path / "inter.csv.gz"
        path.write_bytes(gzip.compress(frame.to_csv(index=False).encode()))
    elif fmt == "zip":
        path = tmp_path / "inter.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("inter.csv", frame.to_csv(index=False))
    elif fmt == "bom":
        path = tmp_path / "inter.csv"
        path.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False).encode())
    elif fmt == "cp1252":
        path = tmp_path / "inter.csv"
        path.write_bytes(frame.to_csv(index=False).replace("alice", "Zoë").encode("cp1252"))
    ds = recengine.read_dataset(path, DATA / "items.csv")
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (3, 4, 5)
    if fmt == "cp1252":
        assert "Zoë" in ds.user_map
    assert ds.interactions[Columns.rating].sum() == pytest.approx(15.0)
    assert items.shape[0] == 4


def test_general_names_semicolon_decimal_comma_iso_dates_jsonl_items() -> None:
    ds = recengine.read_dataset(DATA / "orders_semicolon.csv", DATA / "products.jsonl")
    assert ds.options["columns"] == {"user": "customer", "item": "sku", "rating": "stars", "timestamp": "date"}
    assert ds.interactions[Columns.rating].tolist() == [4.5, 3.0, 5.0]
    assert ds.interactions[Columns.timestamp].iloc[0] == int(pd.Timestamp("2024-05-17T14:03:00Z").timestamp())
    assert list(ds.cold_items) == ["SKU-1"]
    assert ds.title("SKU-7") == "Rain jacket"
    assert "Category: Footwear" in ds.items.loc[ds.item_map.index("SKU-9"), Columns.text]


def test_explicit_mapping_and_template() -> None:
    inter = pd.DataFrame({"who": ["a", "b"], "what": ["x", "y"], "when": ["2024-01-01", "2024-01-02"]})
    items = pd.DataFrame({"what": ["x", "y"], "headline": ["Hello", "World"], "body": ["one", "two"]})
    ds = recengine.read_dataset(inter, items, columns={"user": "who", "item": "what"}, text="{headline} - {body}")
    assert ds.texts == ["Hello - one", "World - two"]
    assert ds.has_timestamps


def test_ids_keep_leading_zeros_and_strings() -> None:
    ds = recengine.read_dataset(io.BytesIO(b"user,item\n007,0042\n7,42\n"))
    assert set(ds.user_map.external) == {"007", "7"}
    assert set(ds.item_map.external) == {"0042", "42"}


def test_timestamps_in_milliseconds_become_seconds() -> None:
    ds = recengine.read_dataset(io.BytesIO(b"user,item,ts\na,x,1700000000123\n"))
    assert ds.interactions[Columns.timestamp].iloc[0] == 1700000000


def test_duplicates_are_merged_keeping_latest_and_reported() -> None:
    raw = b"user,item,rating,timestamp\na,x,1,100\na,x,5,300\na,x,3,200\nb,x,2,50\n"
    ds = recengine.read_dataset(io.BytesIO(raw))
    assert ds.n_interactions == 2
    row = ds.interactions[(ds.interactions[Columns.user] == "a")]
    assert row[Columns.rating].item() == 5.0
    assert row[Columns.timestamp].item() == 100  # first met at 100: a few-shot profile's first items are the first met
    assert any("1 (user, item) pair(s) are duplicated across 3 rows" in w and "2 row(s) were dropped" in w for w in ds.warnings)


def test_items_missing_from_items_file_are_reported() -> None:
    inter = pd.DataFrame({"user_id": ["a", "a"], "item_id": ["m1", "zz"]})
    ds = recengine.read_dataset(inter, DATA / "items.csv")
    assert "zz" in ds.item_map
    assert ds.items.loc[ds.item_map.index("zz"), Columns.text] == ""
    assert any("zz" in w and "no text" in w for w in ds.warnings)


def test_single_file_with_item_level_text_columns() -> None:
    inter = pd.DataFrame({"user": ["a", "b", "b"], "book_id": ["1", "1", "2"], "book_title": ["Dune", "Dune", "Emma"]})
    ds = recengine.read_dataset(inter)
    assert ds.items.loc[ds.item_map.index("2"), Columns.text] == "Emma"


def test_hash_user_ids() -> None:
    ds = recengine.read_dataset(DATA / "interactions.csv", hash_user_ids=True, hash_salt="s")
    assert "alice" not in ds.user_map
    assert ds.n_users == 3
    again = recengine.read_dataset(DATA / "interactions.csv", hash_user_ids=True, hash_salt="s")
    assert list(again.user_map.external) == list(ds.user_map.external)
    other = recengine.read_dataset(DATA / "interactions.csv", hash_user_ids=True)  # the home's salt, not "s"
    assert set(other.user_map.external).isdisjoint(ds.user_map.external)
    # by default the home's salt: the same file hashes the same way on every load (a fine-tune of it is reused)
    assert list(recengine.read_dataset(DATA / "interactions.csv", hash_user_ids=True).user_map.external) == list(
        other.user_map.external)


def test_streamlit_like_upload_object() -> None:
    class Upload(io.BytesIO):
        name = "my_ratings.csv"

    ds = recengine.read_dataset(Upload((DATA / "interactions.csv").read_bytes()))
    assert ds.name == "my_ratings"
    assert ds.n_interactions == 5


def test_json_wrapped_records() -> None:
    payload = {"data": [{"user": "a", "item": "x"}, {"user": "b", "item": "y"}]}
    ds = recengine.read_dataset(io.BytesIO(json.dumps(payload).encode()))
    assert ds.n_interactions == 2


def test_sample_movielens(sample: recengine.Dataset) -> None:
    ds = sample
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (943, 1682, 100000)
    assert ds.has_ratings and ds.has_timestamps
    assert all(ds.items[Columns.text].str.len() > 0)
    assert ds.items.loc[0, Columns.text] == "Toy Story (1995). Genres: Animation, Children's, Comedy."


def test_a_rating_or_timestamp_mapped_to_none_is_not_read() -> None:
    inter = pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"], "stars": ["5", "n/a", "4"],
                          "date": ["2024-01-01", "soon", "2024-01-03"]})
    with pytest.raises(DataError, match="columns=\\{'rating': None\\}"):
        recengine.read_dataset(inter)
    ds = recengine.read_dataset(inter, columns={"rating": None, "timestamp": None})
    assert ds.n_interactions == 3 and not ds.has_ratings and not ds.has_timestamps
    with pytest.raises(DataError, match="the user column cannot be left out"):
        recengine.read_dataset(inter, columns={"user": None})


def test_the_items_file_may_name_its_id_column_differently() -> None:
    inter = pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"]})
    items = pd.DataFrame({"ref": ["x", "y", "z"], "name": ["Kettle", "Mug", "Tent"], "description": ["a", "b", "c"]})
    ds = recengine.read_dataset(inter, items, columns={"items_id": "ref"})
    assert set(ds.cold_items) == {"z"} and "Kettle" in ds.texts[ds.item_map.index("x")]
    # unmapped, the column that holds the interactions' ids is taken (not "name", named like an id of last resort)
    found = recengine.read_dataset(inter, items)
    assert found.options["columns"]["item"] == "sku" and set(found.cold_items) == {"z"}
    assert any("column 'ref', which holds them, was taken as the item id" in w and "--items-id-col" in w
               for w in found.warnings)
    strangers = pd.DataFrame({"ref": ["p", "q"], "note": ["Kettle", "Mug"]})
    with pytest.raises(DataError, match="items_id") as err:  # no column holds them: say how to map one
        recengine.read_dataset(inter, strangers)
    assert "'sku'" in str(err.value) and "--items-id-col" in str(err.value)


def test_numeric_dates_take_one_day_month_order_for_the_whole_column() -> None:
    dates = ["13/01/2024", "02/03/2024", "01/02/2024", "25/12/2024"]
    inter = pd.DataFrame({"customer": ["a", "a", "b", "b"], "sku": ["x", "y", "x", "y"], "when": dates})
    got = pd.to_datetime(recengine.read_dataset(inter).interactions["timestamp"], unit="s").dt.strftime("%Y-%m-%d")
    assert sorted(got) == ["2024-01-13", "2024-02-01", "2024-03-02", "2024-12-25"]  # all day-first
    inter["when"] = ["01/13/2024", "02/03/2024", "2024-05-01", "12/25/2024 10:00"]
    got = pd.to_datetime(recengine.read_dataset(inter).interactions["timestamp"], unit="s").dt.strftime("%Y-%m-%d")
    assert sorted(got) == ["2024-01-13", "2024-02-03", "2024-05-01", "2024-12-25"]  # month-first; ISO as written
    inter["when"] = ["13/01/2024", "01/13/2024", "01/01/2024", "02/01/2024"]
    with pytest.raises(DataError, match="mixes day-first and month-first") as err:
        recengine.read_dataset(inter)
    assert "line 2" in str(err.value) or "row 1" in str(err.value)


def test_event_time_names_and_one_unit_per_timestamp_column() -> None:
    inter = pd.DataFrame({"listener": ["a", "a", "b"], "track": ["x", "y", "x"],
                          "played_at": ["2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z", "2024-01-03T10:00:00Z"]})
    assert recengine.read_dataset(inter).has_timestamps
    inter = pd.DataFrame({"customer": ["a", "a", "b", "b"], "sku": ["x", "y", "x", "y"],
                          "ts": [1_700_000_000, 1_700_000_100, 1_700_000_200_000, 1_700_000_300]})
    with pytest.raises(DataError, match="far outside 1900-2100") as err:
        recengine.read_dataset(inter)
    assert "1700000200000" in str(err.value)
    # the other way round (milliseconds, one time in seconds) every value is inside 1900-2100: the odd one is said
    inter["ts"] = [1_700_000_000_000, 1_700_000_001, 1_700_000_002_000, 1_700_000_500_000]
    ds = recengine.read_dataset(inter)
    said = [w for w in ds.warnings if "fall before 1973" in w]
    assert len(said) == 1 and "'1700000001' at row 2" in said[0] and "read as 1970-01-20" in said[0] and "milliseconds" in said[0]
    inter["ts"] = [1_700_000_000, 1_700_000_100, 1_700_000_200, 1_700_000_300]  # one unit: no word
    assert not [w for w in recengine.read_dataset(inter).warnings if "1973" in w]


def test_an_on_name_is_the_timestamp_only_when_it_holds_dates() -> None:
    inter = pd.DataFrame({"buyer": ["a", "a", "b"], "product": ["x", "y", "x"],
                          "bought_on": ["2024-01-01", "2024-01-05", "2024-02-01"]})
    ds = recengine.read_dataset(inter)
    assert ds.has_timestamps
    assert pd.to_datetime(ds.interactions[Columns.timestamp], unit="s").dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-01", "2024-01-05", "2024-02-01"]
    inter = inter.rename(columns={"bought_on": "createdOn"}).assign(createdOn=[1_700_000_000, 1_700_000_100, 1_700_000_200])
    assert recengine.read_dataset(inter).has_timestamps
    inter = pd.DataFrame({"buyer": ["a", "a", "b"], "product": ["x", "y", "x"], "add_on": ["gift wrap", "none", "none"]})
    assert not recengine.read_dataset(inter).has_timestamps  # an "on" name without dates is not a time
    # a datetime column (Parquet keeps the type) is the timestamp whatever its name
    inter["reviewed"] = pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03"])
    ds = recengine.read_dataset(inter)
    assert ds.has_timestamps and ds.stats()["first_interaction"].startswith("2024-03-01")


def test_min_rating_counts_only_good_ratings_and_keeps_every_item() -> None:
    inter = pd.DataFrame({"reviewer": ["a", "a", "b", "c"], "recipe": ["x", "y", "x", "y"], "stars": [4.5, 1.0, 5.0, 2.0]})
    ds = recengine.read_dataset(inter, min_rating=4)
    assert ds.n_interactions == 2 and set(ds.user_map.external) == {"a", "b"}  # c rated nothing well: gone
    assert list(ds.item_map.external) == ["x", "y"] and list(ds.cold_items) == ["y"]
    assert any("2 of 4 interactions are rated below 4" in w and "1 user(s)" in w for w in ds.warnings)
    assert ds.options["min_rating"] == 4.0
    with pytest.raises(DataError, match="no rating is at least 6 .*1 to 5"):
        recengine.read_dataset(inter, min_rating=6)
    with pytest.raises(DataError, match="must be a number"):
        recengine.read_dataset(inter, min_rating="four")  # type: ignore[arg-type]


def test_the_warm_protocol_says_when_no_user_has_two_interactions() -> None:
    ds = recengine.read_dataset(pd.DataFrame({"customer": ["a", "b", "c"], "sku": ["x", "y", "z"]}))
    with pytest.raises(DataError, match="at least 2 interactions"):
        recengine.make_split(ds, "warm")


def test_whole_number_float_ids_keep_their_item_text() -> None:
    ds = recengine.read_dataset(pd.DataFrame({"user_id": [1, 2, 2], "item_id": [7.0, 8.0, 7.0], "title": ["Brot", "Käse", "Brot"]}))
    assert list(ds.item_map.external) == ["7", "8"] and list(ds.texts) == ["Brot", "Käse"] and len(ds.cold_items) == 0


def test_ids_that_differ_only_by_leading_zeros_are_the_same_ids_unless_two_would_become_one() -> None:
    """H&M's catalogue writes 0108775015 where transactions saved as integers hold 108775015."""
    inter = pd.DataFrame({"user_id": [1, 2], "item_id": [6, 28]})
    items = pd.DataFrame({"item_id": ["00006", "00028", "00030"], "name": ["Rye bread", "Goat cheese", "Oat milk"]})
    ds = recengine.read_dataset(inter, items)
    assert list(ds.item_map.external) == ["6", "28", "30"] and ds.texts[:2] == ["Rye bread", "Goat cheese"]
    assert ds.cold_items.tolist() == ["30"] and any("only by leading zeros" in w for w in ds.warnings)
    floats = pd.DataFrame({"user_id": ["1", "2"], "item_id": ["6.0", "28.0"]})  # pandas' floats of a column with blanks
    ds = recengine.read_dataset(floats, items)
    assert ds.texts[:2] == ["Rye bread", "Goat cheese"] and ds.cold_items.tolist() == ["30"]
    assert any("or a trailing '.0'" in w for w in ds.warnings)
    twins = pd.DataFrame({"item_id": ["00006", "006", "00028"], "name": ["Rye bread", "Rye", "Goat cheese"]})
    with pytest.raises(DataError, match="none of its item ids") as err:  # '00006' and '006' would be one
        recengine.read_dataset(inter, twins)
    assert "leading zeros" in str(err.value) and "'00006'" in str(err.value)


def test_a_few_ids_written_apart_find_their_rows_too() -> None:
    """ISBNs: most match; the few that start with 0 were saved as numbers in the catalogue, or carry hyphens."""
    isbns = [9780000000001 + i for i in range(8)]
    items = pd.DataFrame({"isbn": [*isbns, 743273565, 140449136], "title": [f"Book {i}" for i in range(10)]})
    inter = pd.DataFrame({"reader": list("aabbccddee"), "isbn": [*map(str, isbns), "0743273565", "0-14-044913-6"]})
    ds = recengine.read_dataset(inter, items)
    assert ds.n_items == 10 and len(ds.cold_items) == 0 and all(ds.texts)
    assert ds.title("0743273565") == "Book 8" and ds.title("0-14-044913-6") == "Book 9"
    assert any("2 of them were read as the same ids" in w and "leading zeros" in w for w in ds.warnings)
    assert not any("no row in" in w for w in ds.warnings)


def test_dates_that_read_both_ways_are_flagged() -> None:
    inter = pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"], "when": ["02/11/2024", "03/04/2024", "05/06/2024"]})
    ds = recengine.read_dataset(inter)
    assert any("read either day-first or month-first" in w and "'02/11/2024'" in w for w in ds.warnings)
    inter["when"] = ["13/11/2024", "03/04/2024", "05/06/2024"]  # one day above 12 settles it: no warning
    assert not any("day-first" in w for w in recengine.read_dataset(inter).warnings)


def test_nested_json_fields_become_dotted_columns_for_the_text(tmp_path: Path) -> None:
    items = tmp_path / "episodes.jsonl"
    items.write_text(
        '{"slug": "ep1", "meta": {"headline": "Fermentation", "show": {"name": "Kitchen Talk"}}, "tags": ["food"]}\n'
        '{"slug": "ep2", "meta": {"headline": "Sourdough"}, "tags": ["bread", "food"]}\n'
    )
    inter = pd.DataFrame({"listener": ["a", "b"], "slug": ["ep1", "ep2"]})
    cols = {"item": "slug"}
    ds = recengine.read_dataset(inter, items, columns=cols, text="{meta.headline} ({meta.show.name})")
    assert ds.texts[ds.item_map.index("ep1")] == "Fermentation (Kitchen Talk)"
    assert "{" not in " ".join(recengine.read_dataset(inter, items, columns=cols).texts)  # no dict dumped into the text


def test_titles_are_found_by_more_names_or_named_by_hand(tmp_path: Path) -> None:
    inter = pd.DataFrame({"user_id": ["a", "b"], "recipe_id": ["r1", "r2"]})
    items = tmp_path / "recipes.csv"
    pd.DataFrame({"recipe_id": ["r1", "r2"], "recipe_name": ["Green curry", "Tom yum"],
                  "instructions": ["Fry the paste, add coconut milk.", "Boil the broth with lemongrass."]}).to_csv(items, index=False)
    ds = recengine.read_dataset(inter, items)
    assert ds.title("r1") == "Green curry"  # not the first 60 characters of the text
    ds = recengine.read_dataset(inter, items, columns={"title": "instructions"})
    assert ds.title("r2") == "Boil the broth with lemongrass."
    with pytest.raises(DataError, match="title column is mapped to 'name'.*recipe_name"):
        recengine.read_dataset(inter, items, columns={"title": "name"})
    # one file: the title column of the interactions, also with a template
    flat = inter.assign(dish=["Green curry", "Tom yum"], notes=["spicy", "sour"])
    ds = recengine.read_dataset(flat, text="{notes}", columns={"title": "dish"})
    assert ds.title("r2") == "Tom yum" and ds.texts[ds.item_map.index("r2")] == "sour"


def test_sort_form_titles_read_as_said_while_the_text_keeps_them(sample: recengine.Dataset) -> None:
    """"Terminator, The" in a sentence ("because you liked Terminator, The and Alien") reads as two items."""
    assert sample.title("195") == "The Terminator"
    assert sample.texts[sample.item_map.index("195")].startswith("Terminator, The (1984)")  # embeddings unchanged
    assert not any(str(t).endswith((", The", ", A", ", An")) for t in sample.titles)
    inter = pd.DataFrame({"user_id": ["a", "b", "c"], "item_id": ["1", "2", "3"]})
    items = pd.DataFrame({"item_id": ["1", "2", "3"], "title": ["Beatles, The", "Hello, Dolly!", "Avventura, L'"]})
    ds = recengine.read_dataset(inter, items)
    assert [ds.title(i) for i in ("1", "2", "3")] == ["The Beatles", "Hello, Dolly!", "L'Avventura"]


def test_a_log_that_repeats_its_times_reads_each_once_and_still_names_the_right_lines() -> None:
    """Times are parsed once per distinct value; a message must still point at the line that holds it."""
    times = ["11/13/2019 3:31:00 PM"] * 6 + ["2019-11-14 08:00"] * 6 + ["11/15/2019 9:05:58 AM"] * 6
    csv = "user,item,when\n" + "".join(f"u{i},i{i % 5},{t}\n" for i, t in enumerate(times))
    ds = recengine.read_dataset(io.BytesIO(csv.encode()))
    got = pd.to_datetime(ds.interactions.sort_values("user_id", key=lambda u: u.str[1:].astype(int))["timestamp"],
                         unit="s").dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert got == ["2019-11-13 15:31"] * 6 + ["2019-11-14 08:00"] * 6 + ["2019-11-15 09:05"] * 6  # mixed formats
    rows = ["u0,a,01/02/2024"] * 8 + ["u1,b,13/01/2024", "u2,c,01/02/2024", "u3,d,01/13/2024"]
    with pytest.raises(DataError, match="mixes day-first and month-first") as err:
        recengine.read_dataset(io.BytesIO(("user,item,when\n" + "\n".join(rows) + "\n").encode()))
    assert "'13/01/2024' at line 10 but '01/13/2024' at line 12" in str(err.value)


def test_ids_that_differ_only_by_letter_case_are_the_same_ids_unless_two_would_become_one() -> None:
    """A catalogue exported in lower case: two ids that happened to match exactly must not hide the other 28."""
    skus = [f"SKU {i:03d}" for i in range(30)] + ["intent", "profile size"]
    inter = pd.DataFrame({"user_id": [f"c{i % 7}" for i in range(32)], "item_id": skus})
    items = pd.DataFrame({"item_id": [s.lower() for s in skus] + ["sku 999"], "title": [f"Product {i}" for i in range(33)]})
    ds = recengine.read_dataset(inter, items)
    assert ds.n_items == 33 and ds.cold_items.tolist() == ["sku 999"]
    assert ds.texts[ds.item_map.index("SKU 005")] == "Product 5"
    said = [w for w in ds.warnings if "letter case" in w]
    assert len(said) == 1 and "'sku 000' here, 'SKU 000' there" in said[0] and "30 of them" in said[0]
    twins = pd.DataFrame({"user_id": ["a", "b", "c"], "item_id": ["Ab", "aB", "x"]})  # case-sensitive ids: two items
    ds = recengine.read_dataset(twins, pd.DataFrame({"item_id": ["ab", "x"], "title": ["One", "Two"]}))
    assert {"Ab", "aB", "ab"} <= set(ds.item_map.external)


def test_ids_in_another_unicode_form_are_the_same_ids() -> None:
    """A Mac writes "José" as an e and a combining accent; typed on Windows it is one letter."""
    decomposed, composed = "cust Jose\u0301", "cust Jos\u00e9"
    inter = pd.DataFrame({"user_id": [decomposed, composed, "Ann"], "item_id": ["Cafe\u0301 mug", "Caf\u00e9 mug", "Pot"]})
    ds = recengine.read_dataset(inter, pd.DataFrame({"item_id": ["Caf\u00e9 mug", "Pot"], "title": ["Mug", "Teapot"]}))
    assert ds.n_users == 2 and ds.n_items == 2 and len(ds.cold_items) == 0
    assert ds.user_map.index(decomposed) == ds.user_map.index(composed)
    assert decomposed in ds.user_map and ds.item_map.to_internal(["Cafe\u0301 mug", "nope"]).tolist() == [0, -1]


def test_dicts_and_records_are_tables_and_two_columns_of_one_name_are_refused() -> None:
    assert recengine.read_dataset({"user": ["a", "b"], "item": ["x", "y"]}).n_interactions == 2
    assert recengine.read_dataset([{"user": "a", "item": "x"}, {"user": "b", "item": "x"}]).n_items == 1
    merged = pd.DataFrame([["a", "x", "x"], ["b", "y", "y"]], columns=["user", "item_id", "item_id"])
    with pytest.raises(DataError, match="more than one column is named 'item_id'"):  # was an AttributeError
        recengine.read_dataset(merged)


@pytest.mark.parametrize("seed", [-1, "abc", 1.5, 2**40])
def test_a_seed_that_is_no_seed_is_a_user_error(seed) -> None:
    ds = recengine.read_dataset(pd.DataFrame({"user": ["a", "a", "b", "b"], "item": ["x", "y", "x", "z"]}))
    for protocol in ("warm", "cold-items"):
        with pytest.raises(DataError, match="seed is a whole number"):  # was OverflowError or ValueError
            recengine.make_split(ds, protocol, seed=seed)


def test_a_column_mapped_to_one_role_is_never_guessed_for_another_first() -> None:
    """'score' mapped as the timestamp: the rating's guess had taken it, and the load said the file had no 'score'."""
    frame = pd.DataFrame({"who": ["u1", "u2", "u1"], "what": ["i1", "i2", "i2"], "score": [1_700_000_000, 1_700_000_100, 1_700_000_200],
                          "when": ["x", "y", "z"]})
    ds = recengine.read_dataset(frame, columns={"user": "who", "item": "what", "timestamp": "score"})
    assert ds.has_timestamps and not ds.has_ratings
    with pytest.raises(DataError, match="'score' is mapped as the timestamp but is read as another role"):
        recengine.read_dataset(frame, columns={"user": "who", "item": "what", "timestamp": "score", "rating": "score"})


@pytest.mark.parametrize("source, what", [(np.array([["a", "x"]]), "ndarray"), (None, "NoneType"), ([], "an empty list")])
def test_a_source_that_is_no_table_is_named(source, what) -> None:
    """A numpy array raised "AttributeError: 'numpy.ndarray' object has no attribute 'read'"."""
    with pytest.raises(DataError, match=f"interactions: cannot read a table from {what}"):
        recengine.read_dataset(source)
