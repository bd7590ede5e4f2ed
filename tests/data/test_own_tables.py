"""A Dataset's own tables read back into an equal dataset: ``read_dataset(ds.interactions, ds.items)`` keeps the
users, items, weights and texts; frames that are not a dataset's own are guessed as before."""

from __future__ import annotations

import pandas as pd
import pytest

import recengine
from recengine.errors import DataError


def assert_equal_datasets(a, b) -> None:
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    pd.testing.assert_frame_equal(a.items, b.items)
    assert a.user_map.external.tolist() == b.user_map.external.tolist()
    assert a.item_map.external.tolist() == b.item_map.external.tolist()
    assert (a.matrix != b.matrix).nnz == 0
    assert a.texts == b.texts and a.titles.tolist() == b.titles.tolist()
    assert a.cold_items.tolist() == b.cold_items.tolist() and a.has_ratings == b.has_ratings
    assert a.name == b.name  # "books_reads" came back as "interactions"


def test_the_sample_reads_back_equal(sample):
    back = recengine.read_dataset(sample.interactions, sample.items)
    assert_equal_datasets(sample, back)
    # read as any other file, the sample's 1-5 ratings get the word that a 1 counts as much as a 5 (load_sample
    # leaves it out: MovieLens benchmarks count every rating), and nothing else
    assert len(back.warnings) == 1 and "17,480 rows (17%) are below 3" in back.warnings[0]
    assert sample.warnings == ()


def test_a_dataset_with_a_cold_item_reads_back_equal(tiny):
    assert_equal_datasets(tiny, recengine.read_dataset(tiny.interactions, tiny.items))


def test_a_dataset_without_ratings_gets_none_from_its_weights():
    ds = recengine.read_dataset(pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"]}),
                                pd.DataFrame({"sku": ["x", "y", "z"], "name": ["Kettle", "Mug", "Tent"]}))
    back = recengine.read_dataset(ds.interactions, ds.items)
    assert not back.has_ratings
    assert_equal_datasets(ds, back)


def test_a_selection_of_rows_reads_back_with_the_same_texts(sample):
    rows = sample.interactions[sample.interactions["user_id"].isin(["1", "2"])]
    back = recengine.read_dataset(rows, sample.items)
    assert back.n_users == 2 and back.n_interactions == len(rows) and back.texts == sample.texts
    assert back.interactions["weight"].tolist() == rows["weight"].tolist()


def test_what_the_caller_names_wins(sample):
    back = recengine.read_dataset(sample.interactions, sample.items, text="{title}")
    assert back.texts == sample.titles.tolist()


def test_frames_that_are_not_a_datasets_own_are_guessed_as_before(sample):
    # the same columns in a frame of the user's own: "weight" beside "rating" is still a question to ask
    plain = pd.DataFrame(sample.interactions.head(50).to_dict("list"))
    with pytest.raises(DataError, match="more than one column could be the rating column"):
        recengine.read_dataset(plain)
    # a dataset's table changed into something else is the user's own too
    with pytest.raises(DataError, match="more than one column could be the rating column"):
        recengine.read_dataset(sample.interactions.assign(stars=5))
    # an items file whose text column is one text among others: composed from all of them, as before
    items = pd.DataFrame({"item_id": ["x"], "title": ["Kettle"], "text": ["boils water"]})
    ds = recengine.read_dataset(pd.DataFrame({"user_id": ["a"], "item_id": ["x"]}), items)
    assert "Kettle" in ds.texts[0] and "boils water" in ds.texts[0]
