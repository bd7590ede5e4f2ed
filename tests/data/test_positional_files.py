"""Files with no header row, and ids written apart, as a probe on MIND-style news and Last.fm-style plays found them:
the title of headerless news is its short text, not a column of entity JSON; ids equal up to letter case match;
headerless files given the other way round are said to be swapped; a test split's unlabelled impressions are not
taken for clicks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import recengine
from recengine.data.load import _no_shared_items, unnamed_title
from recengine.errors import DataError
from tests.data.test_item_lists import pairs, upload


def entities(label: str, n: int) -> str:
    return json.dumps([{"Label": label, "Type": "O", "WikidataId": f"Q{n}", "Confidence": 0.9,
                        "OccurrenceOffsets": [0], "SurfaceForms": [label]}])


TITLES = ["Storm batters the coast", "Senate passes the budget", "Rookie scores 40", "Storm batters the coast",
          "A royal wedding date", "Markets rally on rates", "Rookie scores 40", "Mars rover finds water",
          "Chef opens a new diner", "Vaccine trial shows promise"]  # two titles repeat, as MIND's do
TOPICS = ["Storm", "Senate", "Rookie", "Coast", "Wedding", "Markets", "NBA", "Mars", "Chef", "Vaccine"]


def news(entity_cells: list[str]) -> str:
    """MIND's news.tsv, no header: id, category, subcategory, title, abstract (longer, each its own, one empty), url,
    title and abstract entities (JSON, each its own)."""
    rows = []
    for i, (title, topic) in enumerate(zip(TITLES, TOPICS)):
        rows.append("\t".join([f"N{i + 1}", ["news", "sports"][i % 2], ["newsus", "nba"][i % 2], title,
                               "" if i == 4 else f"{topic} was in the news today, part {i}, as experts weighed in "
                               "on what it means for the rest of the week and for the readers who follow it.",
                               f"https://assets.msn.com/labs/mind/AA{i}.html", entity_cells[i], entities(topic, 1000 + i)]))
    return "\n".join(rows) + "\n"


BEHAVIORS = "".join(f"{n}\tU{n % 4}\t11/1{n % 9}/2019 9:0{n % 10}:00 AM\tN{n % 10 + 1} N{(n + 3) % 10 + 1}\t"
                    f"N{(n + 1) % 10 + 1}-1 N{(n + 5) % 10 + 1}-0\n" for n in range(1, 13))


@pytest.mark.parametrize("entity_cells", [
    [entities(t, 10 + i) for i, t in enumerate(TOPICS)],  # every title has its entities
    ["[]"] * 6 + [entities(t, 10 + i) for i, t in enumerate(TOPICS[6:])],  # most titles have none, as in MIND
], ids=["entities", "mostly-empty-entities"])
def test_headerless_news_takes_its_short_text_as_the_title_not_entity_json(entity_cells: list[str]) -> None:
    ds = recengine.read_dataset(upload("behaviors.tsv", BEHAVIORS), upload("news.tsv", news(entity_cells)))
    titles = ds.items.set_index("item_id")["title"]
    assert titles["N2"] == "Senate passes the budget" and titles["N8"] == "Mars rover finds water"
    assert not titles.str.contains(r"\[|Label", regex=True).any()
    said = [w for w in ds.warnings if "as each item's title" in w]
    assert len(said) == 1 and said[0].startswith("news.tsv has no header row")
    assert "column 4 as each item's title (e.g. " in said[0] and "--title-col" in said[0]


def test_a_column_of_json_links_codes_or_mostly_empty_cells_is_never_the_title() -> None:
    frame = pd.DataFrame({
        "c2": ["news", "news", "sports", "news", "sports", "news"],
        "c4": ["Storm hits", "Vote today", "Cup won", "Storm hits", "Rates up", "Mars landing"],
        "c6": [f"https://example.org/a{i}.html" for i in range(6)],
        "c7": [entities(t, i) for i, t in enumerate("ABCDEF")],
        "c8": ["[]", "[]", "[]", "[]", entities("x", 1), entities("y", 2)],
        "c9": ["", "", "", "", "Only here", "And here"],
    })
    assert unnamed_title(frame, ["c2", "c4", "c6", "c7", "c8", "c9"]) == "c4"
    assert unnamed_title(frame, ["c6", "c7", "c8", "c9"]) is None  # no title: the items' text gives it


MBIDS = ["45ca3d30-1364-4cc0-bc20-6342433af9c6", "cdd272f4-6b87-4923-8177-bb4a9bc4c629",
         "3d9f0246-3c31-4f94-a6f7-c22ee460fe9f", "965eda32-dae4-4550-8201-e2bd73ab4876"]
ARTISTS = "".join(json.dumps({"mbid": m, "name": f"Band {i}", "bio": f"Band {i} plays loud guitar rock."}) + "\n"
                  for i, m in enumerate(MBIDS))


def test_item_ids_equal_up_to_letter_case_are_matched_with_a_warning(tmp_path) -> None:
    plays = pd.DataFrame({"listener": ["u1", "u1", "u2", "u3", "u3"],
                          "artist_mbid": [m.upper() for m in (MBIDS[0], MBIDS[1], MBIDS[1], MBIDS[2], MBIDS[0])],
                          "plays": [5, 1, 3, 8, 2]})
    plays.to_parquet(tmp_path / "plays.parquet", index=False)
    (tmp_path / "artists.jsonl").write_text(ARTISTS, encoding="utf-8")
    ds = recengine.read_dataset(tmp_path / "plays.parquet", tmp_path / "artists.jsonl",
                                columns={"item": "artist_mbid"})
    assert ds.n_items == 4 and set(ds.interactions["item_id"]) <= set(ds.items["item_id"])
    assert ds.title(MBIDS[1].upper()) == "Band 1"
    said = " ".join(ds.warnings)
    assert "column 'mbid', which holds them (up to letter case)" in said
    assert "only by letter case" in said and MBIDS[0].upper() in said


def test_ids_that_differ_by_case_but_cannot_be_matched_say_so() -> None:
    with pytest.raises(DataError, match=r"differ only by letter case \(e\.g\. 'SKU-A1' there, 'sku-a1' here\)"):
        # the items file has sku-a1 and Sku-A1: read up to case, they would be one item, so nothing is matched
        recengine.read_dataset(upload("orders.csv", "user_id,item_id\nu1,SKU-A1\nu2,SKU-A1\n"),
                               upload("products.csv", "item_id,title\nsku-a1,Mug\nSku-A1,Teapot\n"))
    message = _no_shared_items("o.csv", "p.csv", ["X1"], ["y1"])
    assert "letter case" not in message


HEAD_NEWS = "news_id\tcategory\tsubcategory\ttitle\tabstract\turl\ttitle_entities\tabstract_entities\n"
HEAD_BEHAVIORS = "impression_id\tuser_id\ttime\thistory\timpressions\n"


@pytest.mark.parametrize("with_header", [False, True])
def test_news_given_as_the_interactions_and_behaviors_as_the_items_look_swapped(with_header: bool) -> None:
    entity_cells = [entities(t, 10 + i) for i, t in enumerate(TOPICS)]
    news_file = (HEAD_NEWS if with_header else "") + news(entity_cells)
    behaviors_file = (HEAD_BEHAVIORS if with_header else "") + BEHAVIORS
    with pytest.raises(DataError, match=r"the two files look swapped\. Give behaviors\.tsv as the interactions and "
                                        r"news\.tsv as the items") as caught:
        recengine.read_dataset(upload("news.tsv", news_file), upload("behaviors.tsv", behaviors_file))
    assert "in the lists of items of its" in str(caught.value)
    # the right way round, they load
    ds = recengine.read_dataset(upload("behaviors.tsv", behaviors_file), upload("news.tsv", news_file))
    assert ds.n_items == 10


def unlabelled(rows: list[tuple[str, str, str]]) -> str:
    """A MIND test split: impression id, user, time, history (the same on each of a user's rows), impressions with
    no -1/-0."""
    return "".join(f"{n}\t{u}\t11/{10 + n % 5}/2019 9:0{n % 10}:00 AM\t{h}\t{i}\n"
                   for n, (u, h, i) in enumerate(rows, start=1))


TEST_SPLIT = [("U1", "N1 N2", "N3 N4 N5"), ("U1", "N1 N2", "N6 N7"), ("U2", "N3", "N1 N8"), ("U2", "N3", "N9 N10 N2"),
              ("U3", "N4 N5 N6", "N1 N2"), ("U3", "N4 N5 N6", "N7 N8 N9"), ("U4", "", "N1 N3")]


@pytest.mark.parametrize("head", ["", HEAD_BEHAVIORS], ids=["headerless", "header"])
def test_unlabelled_impressions_beside_a_history_are_left_out_with_a_warning(head: str) -> None:
    entity_cells = [entities(t, 10 + i) for i, t in enumerate(TOPICS)]
    ds = recengine.read_dataset(upload("behaviors_test.tsv", head + unlabelled(TEST_SPLIT)),
                                upload("news.tsv", news(entity_cells)))
    assert pairs(ds) == {("U1", "N1"), ("U1", "N2"), ("U2", "N3"), ("U3", "N4"), ("U3", "N5"), ("U3", "N6")}
    said = next(w for w in ds.warnings if "no click labels" in w)
    shown, history = ("impressions", "history") if head else ("column 5", "column 4")
    assert said.startswith("behaviors_test.tsv: ") and f"column {shown!r} holds lists of items with no click labels" in said
    assert f"beside the history in column {history!r}" in said and "left out" in said
    assert f"columns={{'item': {shown!r}}}" in said
    assert "before the time of their row (a history)" in said


def test_two_lists_that_both_change_from_row_to_row_are_both_read() -> None:
    rows = [("U1", "B1 B2", "B3"), ("U1", "B4", "B5 B6"), ("U2", "B1", "B2 B7"), ("U2", "B3 B8", "B9"),
            ("U3", "B2 B5", "B1"), ("U3", "B6", "B7 B8")]
    ds = recengine.read_dataset(upload("baskets.tsv", unlabelled(rows)))
    assert not any("no click labels" in w for w in ds.warnings)
    assert ds.n_interactions == sum(len((h + " " + i).split()) for _, h, i in rows)


def test_a_file_with_one_interaction_per_user_is_said_to_look_like_items(tmp_path):
    """A headerless news catalogue given alone as the interactions loaded as "400 users, 8 items" (its categories as
    the items) without a word; now a warning says each user has one interaction and what to do. A real log is quiet."""
    news = "".join(f"N{i}\t{'sports' if i % 2 else 'news'}\tHeadline number {i}\n" for i in range(30))
    ds = recengine.read_dataset(upload("news.tsv", news))
    said = [w for w in ds.warnings if "exactly one interaction" in w]
    assert len(said) == 1 and "give it as the items" in said[0] and "'column 1'" in said[0], ds.warnings
    log = pd.DataFrame({"user": [f"u{i % 10}" for i in range(30)], "item": [f"i{i}" for i in range(30)]})
    assert not any("exactly one interaction" in w for w in recengine.read_dataset(log).warnings)
