"""The temporal protocol: a global cut in time, checked on a hand-made timeline and on the MovieLens-100K sample."""

from __future__ import annotations

import pandas as pd
import pytest

import recengine
from recengine.columns import Columns
from recengine.data import make_split, temporal_split
from recengine.errors import DataError

DAY, T0 = 86_400, 1_700_000_000


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame[Columns.user], frame[Columns.item]))


def timeline() -> recengine.Dataset:
    """16 interactions over 10 days, repeats kept; day 5 holds three (a tie), i5 and i6 appear only after day 5, i7
    never."""
    rows = [("a", "i1", 1), ("a", "i2", 2), ("a", "i3", 3), ("a", "i4", 8), ("a", "i1", 9),  # i1 again: a re-watch
            ("b", "i2", 1), ("b", "i3", 4), ("b", "i5", 8), ("b", "i5", 9),  # i5 twice after the cut: one test pair
            ("c", "i1", 2), ("c", "i4", 5), ("c", "i2", 5),
            ("d", "i3", 5), ("d", "i4", 6), ("d", "i6", 9),
            ("e", "i6", 10)]  # e comes after the cut: no history to learn from
    inter = pd.DataFrame([(u, i, T0 + day * DAY) for u, i, day in rows], columns=["user_id", "item_id", "timestamp"])
    items = pd.DataFrame({"item_id": [f"i{n}" for n in range(1, 8)], "title": [f"film {n}" for n in range(1, 8)]})
    # the reader merges a repeated pair into one row at its first time; an event log kept whole has the repeats
    ds = recengine.read_dataset(inter, items, name="timeline")
    whole = inter.assign(weight=1.0)
    return ds.with_interactions(whole, "timeline")


def test_a_temporal_split_of_a_hand_made_timeline_follows_its_definition() -> None:
    ds = timeline()
    # 7 of 16 interactions lie after day 5 (0.44), 10 after day 4, 6 after day 6: the cut closest to 0.45 is day 5
    s = temporal_split(ds, test_frac=0.45)
    cut = T0 + 5 * DAY
    assert s.protocol == "temporal" and s.cut == pd.Timestamp(cut, unit="s") and s.after_share == pytest.approx(7 / 16)
    train = s.train.interactions
    assert (train[Columns.timestamp] <= cut).all() and (s.test[Columns.timestamp] > cut).all()
    # all three interactions of day 5 stay on one side (train): a tie is never split
    assert (train[Columns.timestamp] == cut).sum() == 3
    assert len(train) == 9 and s.train.item_map is ds.item_map and s.train.items is ds.items
    # a's re-watch of i1 is dropped, b's second i5 counts once, e (no history before the cut) is no test user
    assert sorted(_pairs(s.test)) == [("a", "i4"), ("b", "i5"), ("d", "i4"), ("d", "i6")]
    assert set(s.test_users) <= set(train[Columns.user]) and "e" not in set(s.test_users)
    assert not _pairs(s.test) & _pairs(train)
    # items first seen after the cut stay in the catalogue as cold items, text and all
    assert {"i5", "i6", "i7"} <= set(s.train.cold_items) and s.train.n_items == 7
    assert s.new_item_test == 2 and s.candidates is None and s.profiles is None
    assert s.cut_summary == ("cut 2023-11-19: 44 % of interactions after it; 2 of 4 test interactions are on items "
                             "first seen after the cut")
    assert "cut 2023-11-19" in repr(s)
    # the default fifth: 4 of 16 after day 8 is nearest 3.2; only d's i6 is new to its user
    d = temporal_split(ds)
    assert d.cut == pd.Timestamp(T0 + 8 * DAY, unit="s") and _pairs(d.test) == {("d", "i6")} and d.new_item_test == 1


def test_the_temporal_split_is_deterministic_and_takes_the_warm_options(sample) -> None:
    a = make_split(sample, "temporal", seed=42)
    b = make_split(sample, "temporal", seed=7)
    assert a.cut == b.cut and _pairs(a.test) == _pairs(b.test) and len(a.test) == len(b.test)
    assert make_split(sample, "temporal", test_frac=0.3).cut < a.cut
    for bad in ({"test_frac": 1.5}, {"item_frac": 0.2}, {"shots": 3}):
        with pytest.raises(DataError):
            make_split(sample, "temporal", **bad)


def test_the_temporal_split_of_the_sample(sample) -> None:
    s = make_split(sample, "temporal")
    cut = int(s.cut.timestamp())
    train = s.train.interactions
    assert train[Columns.timestamp].max() == cut and (s.test[Columns.timestamp] > cut).all()
    assert abs(s.after_share - 0.2) < 0.01
    assert (sample.interactions[Columns.timestamp] > cut).sum() == round(s.after_share * sample.n_interactions)
    assert len(train) == (sample.interactions[Columns.timestamp] <= cut).sum()
    assert set(s.test_users) <= set(train[Columns.user])
    assert not _pairs(s.test) & _pairs(train)
    assert len(_pairs(s.test)) == len(s.test)  # one row per (user, item)
    assert s.train.item_map is sample.item_map and s.train.n_items == sample.n_items
    new = set(s.test[Columns.item]) - set(train[Columns.item])
    assert new and new <= set(s.train.cold_items)
    assert s.new_item_test == s.test[Columns.item].isin(new).sum() > 0
    assert s.cut_summary.startswith(f"cut {s.cut.date()}: 20 % of interactions after it; {s.new_item_test:,} of "
                                    f"{len(s.test):,} test interactions")
    text = repr(s)
    assert "\n" not in text and len(text) < 300 and "'temporal'" in text and "seed" not in text


def test_the_temporal_split_says_what_the_data_lacks() -> None:
    plain = recengine.read_dataset(pd.DataFrame({"user": list("aabbcc"), "item": list("121323")}), name="no-time")
    assert not plain.has_timestamps
    with pytest.raises(DataError, match="no-time: the temporal protocol .* has no timestamps.*--timestamp-col.*warm protocol"):
        make_split(plain, "temporal")
    once = recengine.read_dataset(pd.DataFrame({"user_id": list("aabb"), "item_id": list("1212"),
                                                "timestamp": [T0] * 4}), name="one-moment")
    with pytest.raises(DataError, match="all 4 of them carry the same timestamp"):
        temporal_split(once)
    # everyone after the cut is new: nobody to test
    late = recengine.read_dataset(pd.DataFrame({"user_id": ["a", "a", "b", "b", "c"], "item_id": list("12123"),
                                                "timestamp": [T0, T0, T0 + 1, T0 + 1, T0 + 2]}), name="newcomers")
    with pytest.raises(DataError, match="nothing to test.*warm protocol"):
        temporal_split(late)
