"""The Python API used the wrong way round: each mistake gets a message that says what is wrong and what to do,
not a raw KeyError or AttributeError, and never a silently wrong answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import recengine
from recengine.columns import Columns
from recengine.data import read_table
from recengine.data.dataset import as_dataset
from recengine.errors import ConfigError, DataError, UnknownIdError
from recengine.models import Profile


@pytest.fixture(scope="module")
def shop() -> recengine.Dataset:
    """Item ids that are not 0..n-1, so an internal index is never also an external id."""
    inter = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u2", "u3"], "item_id": ["p30", "p10", "p10", "p20", "p30"]})
    items = pd.DataFrame({"item_id": ["p10", "p20", "p30"], "title": ["Kettle", "Toaster", "Blender"]})
    return recengine.read_dataset(inter, items, name="shop")


# ---- A1: user_items gives external ids, as title takes them ---------------------------------------------------


def test_user_items_are_external_ids_that_title_reads(sample, shop) -> None:
    ids = sample.user_items("196")
    assert ids.tolist() == sample.item_map.to_external(sample.user_item_indices("196")).tolist()
    assert set(ids) == set(sample.interactions.loc[sample.interactions[Columns.user] == "196", Columns.item])
    titles = [sample.title(i) for i in ids]
    assert titles == [str(sample.titles[i]) for i in sample.user_item_indices("196")]
    assert sorted(shop.title(i) for i in shop.user_items("u1")) == ["Blender", "Kettle"]


def test_user_item_indices_are_positions(shop) -> None:
    idx = shop.user_item_indices("u2")
    assert idx.dtype.kind == "i"
    assert sorted(shop.item_map.to_external(idx)) == ["p10", "p20"]


def test_title_of_an_internal_index_says_so(shop) -> None:
    with pytest.raises(UnknownIdError, match=r"external id.*not its internal index.*ds\.titles\[1\]"):
        shop.title(np.int64(1))
    with pytest.raises(UnknownIdError, match="unknown item id 'nope'"):
        shop.title("nope")


def test_split_profile_items_agree_with_user_items(sample) -> None:
    split = recengine.make_split(sample, "warm")
    assert split.profile_items("196").tolist() == split.train.user_items("196").tolist()


# ---- A4: column labels that are not strings ---------------------------------------------------------------------


def test_unnamed_columns_read_by_position() -> None:
    ds = recengine.read_dataset(pd.DataFrame([[1, 10], [2, 11]]))
    assert ds.user_map.external.tolist() == ["1", "2"] and ds.item_map.external.tolist() == ["10", "11"]
    assert any("no column names" in w and "column 1 as the user" in w for w in ds.warnings)


def test_rows_as_tuples() -> None:
    ds = recengine.read_dataset([(1, 10), (2, 11), (1, 11)])
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (2, 2, 3)


def test_mapping_by_position() -> None:
    ds = recengine.read_dataset(pd.DataFrame([[10, 1], [11, 2], [11, 1]]), columns={"user": 1, "item": 0})
    assert ds.user_map.external.tolist() == ["1", "2"] and ds.item_map.external.tolist() == ["10", "11"]
    items = pd.DataFrame([[10, "Alpha"], [11, "Beta"]])
    ds = recengine.read_dataset(pd.DataFrame([[1, 10], [2, 11]]), items, columns={"items_id": 0, "title": 1})
    assert ds.title("11") == "Beta"


def test_number_labels_are_text() -> None:
    ds = recengine.read_dataset(pd.DataFrame({5: ["a", "b"], 7: ["x", "y"]}), columns={"user": 5, "item": 7})
    assert ds.item_map.external.tolist() == ["x", "y"]
    with pytest.raises(DataError, match="more than one column is named '1'"):
        recengine.read_dataset(pd.DataFrame([[1, 2, 3]], columns=[1, "1", "user_id"]))


# ---- B9: ids kept in the index ---------------------------------------------------------------------------------


def test_items_indexed_by_id_keep_their_ids() -> None:
    inter = pd.DataFrame({"user": ["a", "a", "b"], "prod": ["p1", "p2", "p1"]})
    items = pd.DataFrame({"prod": ["p1", "p2", "p3"], "name": ["Alpha", "Beta", "Gamma"], "code": ["x1", "x2", "x3"]})
    ds = recengine.read_dataset(inter, items.set_index("prod"), columns={"item": "prod"})
    assert ds.title("p2") == "Beta"
    assert ds.cold_items.tolist() == ["p3"]


def test_interactions_indexed_by_user_keep_their_users() -> None:
    inter = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["p1", "p2", "p1"]}).set_index("user_id")
    ds = recengine.read_dataset(inter)
    assert ds.user_map.external.tolist() == ["a", "b"]
    unnamed = pd.DataFrame({"item_id": ["p1", "p2"]}, index=["a", "b"])  # ids as an index with no name
    assert "index" in read_table(unnamed).frame.columns


def test_row_numbers_of_a_filter_are_no_column() -> None:
    inter = pd.DataFrame({"user_id": ["a", "a", "b", "c"], "item_id": ["p1", "p2", "p1", "p3"]})
    kept = inter[inter["user_id"] != "b"]  # index 0, 1, 3
    assert list(read_table(kept).frame.columns) == ["user_id", "item_id"]


# ---- B6: with_interactions on ids the maps do not hold -----------------------------------------------------------


def test_with_interactions_names_unknown_ids(shop) -> None:
    with pytest.raises(DataError, match=r"user id\(s\) that shop does not know \('zzz'\)"):
        shop.with_interactions(pd.DataFrame({"user_id": ["zzz"], "item_id": ["p10"]}))
    with pytest.raises(DataError, match=r"item id\(s\).*\('p99'\)"):
        shop.with_interactions(pd.DataFrame({"user_id": ["u1"], "item_id": ["p99"]}))
    with pytest.raises(DataError, match="no item_id column"):
        shop.with_interactions(pd.DataFrame({"user_id": ["u1"]}))


def test_with_interactions_subset_still_works(shop) -> None:
    sub = shop.with_interactions(shop.interactions[shop.interactions[Columns.user] == "u2"])
    assert sub.matrix.nnz == 2 and sorted(sub.user_items("u2")) == ["p10", "p20"]
    assert sub.item_map is shop.item_map


# ---- A7, B2: Profile edits take one id; from_user takes the dataset first -----------------------------------


@pytest.mark.parametrize("verb", ["like", "dislike", "without"])
def test_profile_edits_take_one_id(verb: str) -> None:
    p = Profile.from_items(["1"])
    with pytest.raises(ConfigError, match=rf"Profile\.{verb} takes one item id at a time.*Profile\.from_items"):
        getattr(p, verb)(["1", "2"])
    one = getattr(p, verb)(np.int64(2))  # one id, a number
    assert ("2" in one.liked) == (verb == "like") and ("2" in one.disliked) == (verb == "dislike")


def test_from_user_with_arguments_swapped(sample) -> None:
    with pytest.raises(ConfigError, match=r"Profile\.from_user\(dataset, user_id\): the dataset comes first"):
        Profile.from_user("196", sample)
    split = recengine.make_split(sample, "warm")
    with pytest.raises(ConfigError, match=r"got a Split: pass split\.train"):
        Profile.from_user(split, "196")
    assert len(Profile.from_user(sample, "196").liked) == len(sample.user_items("196"))


# ---- B1: a Split where a Dataset goes ------------------------------------------------------------------------


def test_make_split_of_a_split(sample) -> None:
    split = recengine.make_split(sample, "warm")
    with pytest.raises(ConfigError, match=r"make_split takes a Dataset; got a Split: pass split\.train"):
        recengine.make_split(split, "warm")
    shots = recengine.make_split(sample, "few_shot", shots=(1, 3))
    with pytest.raises(ConfigError, match=r"pass splits\[0\]\.train"):
        recengine.make_split(shots, "warm")
    with pytest.raises(ConfigError, match="read_dataset"):
        recengine.make_split(sample.interactions, "warm")


def test_as_dataset_passes_a_dataset_through(shop) -> None:
    assert as_dataset(shop, "x") is shop
    with pytest.raises(ConfigError, match="x takes a Dataset .* got None"):
        as_dataset(None, "x")
