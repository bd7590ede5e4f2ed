"""Interactions written as lists of items in one cell (baskets, sessions, MIND's click history and impressions),
and headerless item files that only a link, a JSON cell or a repeated category tells from a header (MIND's news)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

import recengine
from recengine.data.load import guess_columns
from recengine.data.readers import read_table
from recengine.errors import DataError

ENTITY = json.dumps([{"Label": "Prince Philip", "Type": "P", "WikidataId": "Q80976", "Confidence": 1.0,
                      "OccurrenceOffsets": [48], "SurfaceForms": ["Prince Philip"]}])
NEWS = "\n".join([
    f"N1\tlifestyle\tlifestyleroyals\tThe Brands Queen Elizabeth Swears By\tShop the notebooks the royals love.\t"
    f"https://assets.msn.com/labs/mind/AAGH0ET.html\t{ENTITY}\t[]",
    "N2\tnews\tnewsworld\tStorm batters the coast\tWinds of 90 mph.\thttps://assets.msn.com/labs/mind/AABmf2I.html\t[]\t[]",
    "N3\tsports\tfootball_nfl\tQuarterback out for season\t\thttps://assets.msn.com/labs/mind/AAJgNsz.html\t[]\t[]",
    "N4\tnews\tnewsus\tSenate passes the budget\tA late vote.\thttps://assets.msn.com/labs/mind/AAJ9u5m.html\t[]\t[]",
    "N5\tsports\tbasketball_nba\tRookie scores 40\tA record night.\thttps://assets.msn.com/labs/mind/AAK1.html\t[]\t[]",
    "N6\tlifestyle\tlifestyleroyals\tA royal wedding date\tSpring it is.\thttps://assets.msn.com/labs/mind/AAK2.html\t[]\t[]",
]) + "\n"
BEHAVIORS = (
    "1\tU100\t11/11/2019 9:05:58 AM\tN1 N2\tN3-1 N4-0 N5-0\n"
    "2\tU200\t11/12/2019 3:15:00 PM\t\tN1-0 N2-1\n"
    "3\tU100\t11/13/2019 8:00:00 AM\tN1 N2\tN5-1 N6-0\n"
    "4\tU300\t11/13/2019 9:00:00 AM\tN4\tN2-1 N6-1\n"
)


def upload(name: str, content: str | bytes) -> io.BytesIO:
    buf = io.BytesIO(content.encode() if isinstance(content, str) else content)
    buf.name = name
    return buf


def pairs(ds: recengine.Dataset) -> set[tuple[str, str]]:
    return set(zip(ds.interactions["user_id"], ds.interactions["item_id"]))


def test_mind_behaviors_count_the_history_and_the_clicked_impressions_only() -> None:
    ds = recengine.read_dataset(upload("behaviors.tsv", BEHAVIORS), upload("news.tsv", NEWS))
    assert pairs(ds) == {("U100", "N1"), ("U100", "N2"), ("U100", "N3"), ("U100", "N5"),
                         ("U200", "N2"), ("U300", "N4"), ("U300", "N2"), ("U300", "N6")}  # no "-0" item counts
    assert ds.options["columns"]["user"] == "column 2" and ds.options["columns"]["timestamp"] == "column 3"
    said = " ".join(ds.warnings)
    assert "labelled -1 (clicked) and -0 (shown, not clicked): 5 of its 9 were clicks" in said
    assert "a history" in said
    # the history comes before the first time the user was seen; a click keeps its impression's time
    t = ds.interactions.set_index(["user_id", "item_id"])["timestamp"]
    assert t[("U100", "N1")] == t[("U100", "N2")] < t[("U100", "N3")] < t[("U100", "N5")]
    assert t[("U100", "N3")] - t[("U100", "N1")] == 1


def test_mind_news_with_no_header_gets_titles_and_entity_names_not_links() -> None:
    ds = recengine.read_dataset(upload("behaviors.tsv", BEHAVIORS), upload("news.tsv", NEWS))
    assert ds.n_items == 6 and ds.options["headerless"]
    # no cell is a number, but the links and JSON say the first line is data: N1 is an item, not a header
    assert ds.title("N1") == "The Brands Queen Elizabeth Swears By"  # the distinct column, not the category
    text = ds.items.set_index("item_id").loc["N1", "text"]
    assert text.startswith("lifestyle. lifestyleroyals. The Brands Queen Elizabeth Swears By. Shop the notebooks")
    assert text.endswith("Prince Philip")  # the entity's label, not its JSON
    assert "https://" not in text and "Q80976" not in text and "[]" not in text


def test_a_headered_impression_log_takes_its_list_columns_as_the_items() -> None:
    head = "impression_id\tuser_id\ttime\thistory\timpressions\n"
    ds = recengine.read_dataset(upload("behaviors.tsv", head + BEHAVIORS), upload("news.tsv", NEWS))
    assert ds.options["columns"]["item"] == "history"
    assert guess_columns(read_table(upload("behaviors.tsv", head + BEHAVIORS)))["item"] == "history"  # the app's form
    assert ("U300", "N6") in pairs(ds) and ("U100", "N4") not in pairs(ds)


def test_a_mapped_list_column_is_read_alone() -> None:
    head = "impression_id\tuser_id\ttime\thistory\timpressions\n"
    ds = recengine.read_dataset(upload("behaviors.tsv", head + BEHAVIORS), upload("news.tsv", NEWS),
                                columns={"item": "impressions"})
    assert pairs(ds) == {("U100", "N3"), ("U100", "N5"), ("U200", "N2"), ("U300", "N2"), ("U300", "N6")}


@pytest.mark.parametrize("name, content", [
    ("baskets.jsonl", '{"user": "u1", "items": ["B01", "B02", "B03"]}\n{"user": "u2", "items": ["B02"]}\n'
                      '{"user": "u3", "items": ["B01", "B04"]}\n'),
    ("baskets.csv", "user,items\nu1,B01 B02 B03\nu2,B02\nu3,B01|B04\n"),
])
def test_baskets_as_lists_give_one_interaction_per_item(name: str, content: str) -> None:
    ds = recengine.read_dataset(upload(name, content))
    assert pairs(ds) == {("u1", "B01"), ("u1", "B02"), ("u1", "B03"), ("u2", "B02"), ("u3", "B01"), ("u3", "B04")}
    assert any("holds lists of items" in w for w in ds.warnings)


def test_a_parquet_list_column_is_read_as_items(tmp_path) -> None:
    path = tmp_path / "sessions.parquet"
    pd.DataFrame({"user_id": ["s1", "s2"], "item_id": [[101, 102], [102, 103, 104]]}).to_parquet(path)
    ds = recengine.read_dataset(path)
    assert ds.n_interactions == 5 and set(ds.interactions["item_id"]) == {"101", "102", "103", "104"}


def test_an_empty_id_inside_a_list_row_names_the_file_line() -> None:
    with pytest.raises(DataError, match=r"line 3\b"):  # the user of line 3 is missing: its one line, named once
        recengine.read_dataset(upload("baskets.csv", "user,items\nu1,B01 B02\n,B03 B04 B05\n"))


def test_titles_and_prose_with_digits_are_not_taken_for_lists() -> None:
    ds = recengine.read_dataset(upload("ratings.csv", "user,item\nu1,Heat (1995)\nu2,Se7en 2 (1995)\nu2,Heat (1995)\n"))
    assert set(ds.interactions["item_id"]) == {"Heat (1995)", "Se7en 2 (1995)"}
    assert not any("lists of items" in w for w in ds.warnings)


def test_json_lists_in_a_csv_cell_read_as_names() -> None:
    """TMDB's movies CSV writes genres as JSON records, and pandas writes Python lists."""
    items = ('movie_id,title,genres,keywords\n'
             '19995,Avatar,"[{""id"": 28, ""name"": ""Action""}, {""id"": 12, ""name"": ""Adventure""}]",'
             '"[\'culture clash\', \'future\']"\n'
             '285,Heat,"[{""id"": 80, ""name"": ""Crime""}]",[]\n')
    ds = recengine.read_dataset(upload("ratings.csv", "user,movie_id\nu1,19995\nu2,285\n"), upload("movies.csv", items))
    text = ds.items.set_index("item_id")["text"]
    assert "Genres: Action, Adventure" in text["19995"] and "Keywords: culture clash, future" in text["19995"]
    assert "Keywords" not in text["285"] and '"id"' not in text["285"]


def test_a_header_is_not_taken_for_data_when_a_name_repeats_nowhere() -> None:
    table = read_table(upload("items.csv", "item,genre,url\ni1,Drama,https://a.org/1\ni2,Drama,https://a.org/2\n"))
    assert not table.headerless and list(table.frame.columns) == ["item", "genre", "url"]
    # the same header pasted in again further down does not count as a repeated value
    again = read_table(upload("items.csv", "item,genre\ni1,Drama\nitem,genre\ni2,Comedy\nitem,genre\n"))
    assert not again.headerless


def test_impressions_with_no_click_are_an_error_that_says_so() -> None:
    with pytest.raises(DataError, match=r"noclicks\.csv: column 'impressions' holds impressions .* 0 of its 3 were "
                                        r"clicks and count, so no interaction is left to read"):
        recengine.read_dataset(upload("noclicks.csv", "user,impressions\nu1,N11-0 N12-0\nu2,N13-0\n"))
