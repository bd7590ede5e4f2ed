"""A rating column that spans a scale or counts is said to weigh nothing, and one under another name is not dropped
silently: models count every row as one interaction, so a 1-star review would weigh as much as a 5."""

from __future__ import annotations

import numpy as np
import pandas as pd

import recengine


def _log(rating_name: str, values: list[float], n_users: int = 12) -> pd.DataFrame:
    rows = [(f"u{u}", f"i{(u + j) % 9}", values[(u * 5 + j) % len(values)]) for u in range(n_users) for j in range(5)]
    return pd.DataFrame(rows, columns=["customer", "book", rating_name])


def test_half_stars_low_on_the_scale_get_the_minimum_rating_that_keeps_the_liked_ones():
    ds = recengine.read_dataset(_log("stars", [0.5, 1.5, 2.0, 4.5, 5.0, 4.0, 3.5, 2.5]))
    said = [w for w in ds.warnings if "every row counts as one interaction" in w]
    assert len(said) == 1 and "'stars'" in said[0] and "--min-rating 3" in said[0] and "runs from 0.5 to 5" in said[0]
    kept = recengine.read_dataset(_log("stars", [0.5, 1.5, 2.0, 4.5, 5.0, 4.0, 3.5, 2.5]), min_rating=3)
    assert not [w for w in kept.warnings if "every row counts as one interaction" in w]
    assert kept.n_interactions < ds.n_interactions
    later = recengine.data.keep_ratings_at_least(ds, 4)  # chosen after loading (the CLI's --min-rating): settled too
    assert not [w for w in later.warnings if "every row counts as one interaction" in w]
    assert any("were left out (the minimum rating)" in w for w in later.warnings)


def test_ratings_that_sit_high_on_their_scale_get_no_word():
    ds = recengine.read_dataset(_log("rating", [3.0, 4.0, 5.0, 4.0, 5.0]))
    assert not [w for w in ds.warnings if "every row counts as one interaction" in w]


def test_play_counts_add_up_over_repeated_rows_and_the_word_names_more_than_once():
    frame = pd.DataFrame({"user": ["a", "a", "a", "b", "b", "c", "c", "d", "d", "e"],
                          "track": ["t1", "t1", "t2", "t1", "t2", "t2", "t3", "t3", "t1", "t3"],
                          "plays": [30, 30, 1, 1, 1, 2, 1, 1, 1, 1]})
    ds = recengine.read_dataset(frame)
    a = ds.interactions[(ds.interactions["user_id"] == "a") & (ds.interactions["item_id"] == "t1")]
    assert a["rating"].tolist() == [60.0]  # 30 + 30 plays, not the last row's 30 alone
    merged = [w for w in ds.warnings if "duplicated" in w]
    assert len(merged) == 1 and "adds up their counts" in merged[0]
    said = [w for w in ds.warnings if "every row counts as one interaction" in w]
    assert len(said) == 1 and "--min-rating 2" in said[0]
    liked = recengine.read_dataset(frame, min_rating=2)
    assert sorted(zip(liked.interactions["user_id"], liked.interactions["item_id"])) == [("a", "t1"), ("c", "t2")]


def test_ratings_still_keep_the_latest_of_repeated_rows():
    frame = pd.DataFrame({"user": ["a", "a", "b", "c"], "item": ["x", "x", "y", "y"], "rating": [1.0, 5.0, 3.0, 4.0]})
    ds = recengine.read_dataset(frame)
    assert ds.interactions.loc[ds.interactions["user_id"] == "a", "rating"].tolist() == [5.0]
    assert any("keeps the latest row's values in the file" in w for w in ds.warnings)


def test_a_scale_under_a_name_that_is_not_read_as_a_rating_is_named_with_the_option_that_reads_it():
    frame = _log("score10", [1, 7, 10, 3, 8, 2, 9])
    frame["device_type"] = np.arange(len(frame)) % 4 + 1
    ds = recengine.read_dataset(frame)
    assert not ds.has_ratings
    said = [w for w in ds.warnings if "were not read" in w]
    assert len(said) == 1 and "'score10'" in said[0] and "--rating-col score10" in said[0]
    read = recengine.read_dataset(frame, columns={"rating": "score10"})
    assert read.has_ratings and not [w for w in read.warnings if "were not read" in w]
    assert [w for w in read.warnings if "every row counts as one interaction" in w and "--min-rating 6" in w]


def test_not_rated_marks_are_left_to_their_own_note():
    """Anime Recommendations writes -1 for "watched, not rated" beside 1-10: those rows are not counted as low."""
    frame = _log("rating", [-1, -1, 8, 9, 10, 7, 9, 8])
    ds = recengine.read_dataset(frame)
    assert any("not rated" in w for w in ds.warnings)
    assert not [w for w in ds.warnings if "every row counts as one interaction" in w]
