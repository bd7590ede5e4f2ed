"""A profile kept in the store is used with the dataset it was made on: commands with --profile and no data option
read that dataset, other data is refused (exit 2) unless --force-dataset, and an older profile that names no dataset
still works, with a note."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from recengine.cli import main
from tests.store.test_profile_dataset import make_v2_store

BOOKS = ["Pride and Prejudice", "Moby Dick", "War and Peace", "Ulysses", "Middlemarch", "Emma", "Dracula",
         "Frankenstein", "Jane Eyre", "Wuthering Heights", "Great Expectations", "Bleak House", "Anna Karenina",
         "The Idiot", "Crime and Punishment", "Madame Bovary", "Les Miserables", "Don Quixote", "The Odyssey",
         "The Iliad", "Little Women", "Walden", "Persuasion", "Hard Times", "Kidnapped", "Treasure Island", "Ivanhoe",
         "Silas Marner", "Vanity Fair", "Rebecca", "Dune", "Neuromancer", "Foundation", "Hyperion", "Solaris", "Ubik",
         "Villette", "Kim", "Nostromo", "Middlemarch II"]


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture()
def books(tmp_path: Path) -> tuple[str, str]:
    """Ratings of books with integer ids 1..40 (ids the MovieLens sample has too) and their titles."""
    rows = [(f"u{u}", (u * 7 + k * 3) % 40 + 1) for u in range(30) for k in range(8)]
    pd.DataFrame(rows, columns=["user", "item"]).drop_duplicates().assign(rating=4).to_csv(
        tmp_path / "ratings.csv", index=False)
    pd.DataFrame({"item": range(1, 41), "title": BOOKS}).to_csv(tmp_path / "books.csv", index=False)
    return str(tmp_path / "ratings.csv"), str(tmp_path / "books.csv")


@pytest.fixture()
def dave(home, books, capsys) -> None:
    """The probe's steps: dataset 'ed' saved, profile 'dave' likes 7 and 21 of it."""
    ratings, items = books
    assert run(capsys, "data", "add", "ed", "--interactions", ratings, "--items", items)[0] == 0
    assert run(capsys, "feedback", "--dataset", "ed", "--profile", "dave", "--like", "7", "--like", "21")[0] == 0


def test_recommend_for_a_profile_uses_the_dataset_it_was_made_on(dave, capsys):
    rc, out, err = run(capsys, "recommend", "--profile", "dave", "--model", "itemknn", "--k", "5", "--format", "json")
    assert rc == 0, err
    recs = json.loads(out)
    assert recs and {r["title"] for r in recs} <= set(BOOKS)  # books of 'ed', not films of the sample
    assert {r["item_id"] for r in recs}.isdisjoint({"7", "21"})  # its likes were read as the books they are
    assert "note: using 'ed', the data profile 'dave' was made on (--dataset ed)" in err
    # explain too, and feedback with no data option adds to the same data (a book id the sample lacks is not one)
    rc, out, err = run(capsys, "explain", "--profile", "dave", "--item", recs[0]["item_id"], "--model", "itemknn",
                       "--format", "json")
    assert rc == 0, err
    assert {h["item_id"] for h in json.loads(out)["history"]} == {"7", "21"}
    assert run(capsys, "feedback", "--profile", "dave", "--dislike", "3")[0] == 0
    rc, out, _ = run(capsys, "profile", "show", "dave", "--events", "--format", "json")
    assert [e["dataset"] for e in json.loads(out)] == ["ed", "ed", "ed"]


def test_other_data_for_a_profile_is_refused_with_exit_2(dave, books, capsys):
    ratings, items = books
    rc, out, err = run(capsys, "recommend", "--profile", "dave", "--sample", "movielens-100k", "--model", "itemknn")
    assert rc == 2 and out == ""
    message = err.strip()
    assert len(message.splitlines()) == 1 and message.startswith("error: profile 'dave' was made on 'ed', not "
                                                                  "'movielens-100k'")
    assert "--dataset ed" in message and "new name" in message and "--force-dataset" in message
    assert run(capsys, "data", "add", "ed2", "--interactions", ratings, "--items", items)[0] == 0
    rc, _, err = run(capsys, "explain", "--profile", "dave", "--dataset", "ed2", "--item", "1", "--model", "itemknn")
    assert rc == 2 and "made on 'ed', not 'ed2'" in err
    rc, _, err = run(capsys, "feedback", "--profile", "dave", "--dataset", "ed2", "--like", "1")
    assert rc == 2 and "made on 'ed', not 'ed2'" in err
    rc, _, err = run(capsys, "feedback", "--profile", "dave", "--dataset", "ed2", "--like", "1", "--no-check")
    assert rc == 2 and "made on 'ed', not 'ed2'" in err
    rc, out, _ = run(capsys, "profile", "show", "dave", "--events", "--format", "json")
    assert len(json.loads(out)) == 2  # nothing was recorded
    # asked for: the ids are read as the other data's, said in a note
    rc, out, err = run(capsys, "recommend", "--profile", "dave", "--dataset", "ed2", "--force-dataset", "--model",
                       "itemknn", "--k", "3", "--format", "json")
    assert rc == 0 and len(json.loads(out)) == 3 and "(--force-dataset)" in err


def test_profile_show_and_list_name_the_dataset(dave, capsys):
    rc, out, _ = run(capsys, "profile", "show", "dave", "--format", "json")
    assert rc == 0 and json.loads(out) == {"liked": {"7": 1.0, "21": 1.0}, "disliked": [], "intent": None,
                                           "user_id": None, "name": "dave", "dataset": "ed"}
    rc, out, _ = run(capsys, "profile", "show", "dave")
    assert rc == 0 and out.splitlines()[0] == "profile 'dave': 2 liked, 0 disliked; dataset 'ed'"
    rc, out, _ = run(capsys, "profile", "list", "--format", "json")
    assert [(p["name"], p["dataset"]) for p in json.loads(out)] == [("dave", "ed")]
    rc, out, _ = run(capsys, "store", "list")
    assert "on ed" in out


def test_an_old_profile_that_names_no_dataset_works_as_before_with_a_note(home, capsys):
    make_v2_store(home)  # profile 'old': likes 7 and 21, dislikes 50, saved by a store of schema version 2
    rc, out, err = run(capsys, "recommend", "--profile", "old", "--model", "popularity", "--k", "3", "--format", "json")
    assert rc == 0, err
    assert len(json.loads(out)) == 3 and "50" not in {r["item_id"] for r in json.loads(out)}  # read as the sample
    notes = [line for line in err.splitlines() if "names no dataset" in line]
    assert len(notes) == 1 and notes[0].startswith("note: profile 'old' names no dataset")
    rc, out, _ = run(capsys, "profile", "show", "old", "--format", "json")
    assert rc == 0 and json.loads(out)["dataset"] is None and json.loads(out)["liked"] == {"7": 1.0, "21": 1.0}
    rc, out, _ = run(capsys, "profile", "show", "old")
    assert "names no dataset" in out.splitlines()[0]
