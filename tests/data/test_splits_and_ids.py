"""Id maps round-trip; the three protocol splits are seeded, disjoint and follow their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import recengine
from recengine.columns import Columns
from recengine.data import IdMap, cold_items_split, few_shot_splits, warm_split
from recengine.errors import DataError


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=50))
def test_id_map_round_trip(values: list[str]) -> None:
    m = IdMap.from_values(values)
    assert len(m) == len(set(values))
    idx = m.to_internal(values)
    assert (idx >= 0).all()
    assert list(m.to_external(idx)) == values
    assert m.to_internal(["\x00never-an-id"]).tolist() == [-1]


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame[Columns.user], frame[Columns.item]))


def test_warm_split(sample) -> None:
    s = warm_split(sample, seed=42)
    train, test = _pairs(s.train.interactions), _pairs(s.test)
    assert not train & test
    assert len(train) + len(test) == sample.n_interactions
    assert abs(len(test) / sample.n_interactions - 0.2) < 0.01
    per_user = s.train.interactions.groupby(Columns.user).size()
    assert per_user.min() >= 1 and len(per_user) == sample.n_users
    assert s.train.item_map is sample.item_map
    again = warm_split(sample, seed=42)
    assert _pairs(again.test) == test
    assert _pairs(warm_split(sample, seed=7).test) != test


def test_cold_items_split(sample) -> None:
    s = cold_items_split(sample, seed=42)
    held = set(s.candidates)
    assert abs(len(held) - 0.2 * sample.n_items) <= 1
    assert set(s.test[Columns.item]) <= held
    assert not held & set(s.train.interactions[Columns.item])
    assert set(s.train.cold_items) >= held
    assert len(s.train.interactions) + len(s.test) == sample.n_interactions


def test_a_cold_items_split_says_what_the_data_lacks() -> None:
    """Too few items in all: a larger dataset; items with no text: an items file."""
    few = recengine.read_dataset(pd.DataFrame({"user": ["a", "a", "b", "b"], "item": ["Heat Wave", "Toy Story", "Heat Wave", "Alien Nation"]}))
    with pytest.raises(DataError, match="only 3 have both. It holds a fifth of them out to test on"):
        cold_items_split(few)
    coded = recengine.read_dataset(pd.DataFrame({"user": list("aabbccdd"), "item": list("12345678")}))
    with pytest.raises(DataError, match="only 0 have both. Load an items file with titles or descriptions"):
        cold_items_split(coded)


def test_few_shot_splits(sample) -> None:
    splits = few_shot_splits(sample, shots=(1, 3, 5), seed=42)
    users = [set(s.test_users) for s in splits]
    assert users[0] == users[1] == users[2]
    assert abs(len(users[0]) - 0.2 * sample.n_users) <= 1
    assert not users[0] & set(splits[0].train.interactions[Columns.user])
    for s in splits:
        sizes = s.profiles.groupby(Columns.user).size()
        assert (sizes == s.shots).all()
        assert not _pairs(s.profiles) & _pairs(s.test)
        # Profiles are each user's earliest interactions.
        first = s.profiles.groupby(Columns.user)[Columns.timestamp].max()
        rest = s.test.groupby(Columns.user)[Columns.timestamp].min()
        assert (first <= rest.loc[first.index]).all()
    assert set(splits[0].profile_items(next(iter(users[0])))) <= set(splits[2].profile_items(next(iter(users[0]))))


def test_few_shot_holds_out_a_share_of_the_users_who_can_be_held_out() -> None:
    # 100 heavy users (8 interactions) and 900 light ones (2): a fifth of all users (200) would be every heavy user
    # but one, leaving train with almost no collaborative signal; a fifth of the heavy ones is held out instead
    rows = [(f"h{u}", f"i{(u + j) % 40}") for u in range(100) for j in range(8)]
    rows += [(f"l{u}", f"i{(u + j) % 40}") for u in range(900) for j in range(2)]
    ds = recengine.read_dataset(pd.DataFrame(rows, columns=["user_id", "item_id"]))
    held = set(few_shot_splits(ds, shots=(1, 3, 5), seed=1)[0].test_users)
    assert len(held) == 20 and all(u.startswith("h") for u in held)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.integers(2, 15))
def test_split_disjointness_property(seed: int, n_users: int, n_items: int) -> None:
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_items)) < 0.5
    mask[:, 0] = True
    users, items = np.nonzero(mask)
    import recengine

    ds = recengine.read_dataset(
        pd.DataFrame({"user_id": [f"u{u}" for u in users], "item_id": [f"i{i}" for i in items]}),
        pd.DataFrame({"item_id": [f"i{i}" for i in range(n_items)], "title": [f"title {i}" for i in range(n_items)]}),
    )
    if (np.diff(ds.matrix.indptr) < 2).all():  # nobody to test on: a clear error, not an empty split
        with pytest.raises(DataError, match="at least 2 interactions"):
            warm_split(ds, seed=seed)
    else:
        s = warm_split(ds, seed=seed)
        assert not _pairs(s.train.interactions) & _pairs(s.test)
        assert len(s.train.interactions) + len(s.test) == ds.n_interactions
    if (ds.item_popularity > 0).sum() >= 5:
        c = cold_items_split(ds, seed=seed)
        assert not set(c.candidates) & set(c.train.interactions[Columns.item])


def test_split_options_are_checked_and_shots_read_from_text(sample) -> None:
    from recengine.data import make_split

    assert [s.shots for s in make_split(sample, "few-shot", shots="1, 3")] == [1, 3]
    assert [s.shots for s in make_split(sample, "few-shot", shots=2)] == [2]
    for bad in ({"item_frac": 2.0}, {"item_frac": 0}, {"test_frac": 0.2}):
        with pytest.raises(DataError):
            make_split(sample, "cold-items", **bad)
    with pytest.raises(DataError, match="whole numbers"):
        make_split(sample, "few-shot", shots="one")


def test_splits_do_not_change_when_user_ids_are_hashed_or_rows_reordered(tmp_path) -> None:
    """Hashing ids for privacy (the app's default) must not change a split, nor what a hybrid learns from it."""
    rng = np.random.default_rng(3)
    rows = [(f"user{u:03d}", f"i{i}") for u in range(80) for i in rng.choice(30, size=rng.integers(4, 12), replace=False)]
    log = pd.DataFrame(rows, columns=["user", "item"])
    plain = recengine.read_dataset(log)
    hashed = recengine.read_dataset(log.sample(frac=1.0, random_state=1), hash_user_ids=True)  # rows shuffled too
    assert set(plain.user_map.external).isdisjoint(hashed.user_map.external)

    def by_history(ds, test: pd.DataFrame) -> set:  # a user named by what they did, not by their id
        items = ds.interactions.groupby(Columns.user)[Columns.item].apply(lambda s: tuple(sorted(s)))
        return {(items[u], i) for u, i in zip(test[Columns.user], test[Columns.item])}

    for seed in (42, 7):
        assert by_history(plain, warm_split(plain, seed=seed).test) == by_history(hashed, warm_split(hashed, seed=seed).test)
        a, b = few_shot_splits(plain, shots=(1, 3), seed=seed), few_shot_splits(hashed, shots=(1, 3), seed=seed)
        for x, y in zip(a, b):
            assert by_history(plain, x.profiles) == by_history(hashed, y.profiles)
            assert by_history(plain, x.test) == by_history(hashed, y.test)
    assert by_history(plain, warm_split(plain, seed=42).test) != by_history(plain, warm_split(plain, seed=7).test)


def test_cold_items_split_does_not_change_when_the_items_file_is_reordered() -> None:
    rng = np.random.default_rng(5)
    log = pd.DataFrame([(f"u{u}", f"sku {i}") for u in range(60) for i in rng.choice(50, size=8, replace=False)],
                       columns=["user", "item"])
    items = pd.DataFrame({"item": [f"sku {i}" for i in range(50)], "title": [f"product {i}" for i in range(50)]})
    a = recengine.read_dataset(log, items)
    b = recengine.read_dataset(log, items.iloc[::-1])
    assert not (a.item_map.external == b.item_map.external).all()  # the items sit in another order inside
    for seed in (42, 7):
        x, y = cold_items_split(a, seed=seed), cold_items_split(b, seed=seed)
        assert sorted(x.candidates) == sorted(y.candidates)
        assert len(x.test) == len(y.test)


def test_reprs_are_one_short_line_however_large_the_data() -> None:
    """An IdMap printed its 943 ids, a Split its whole test table and every candidate."""
    import recengine
    from recengine.data import make_split

    ds = recengine.load_sample("movielens-100k")
    split = make_split(ds, "cold_items", seed=42)
    for obj in (ds.user_map, ds.item_map, split):
        text = repr(obj)
        assert "\n" not in text and len(text) < 300, text
    assert repr(ds.user_map) == "IdMap(user, 943 ids: '196', '186', '22', ...)"
    assert "336 candidate items" in repr(split) and "test: 19,728 interactions of 940 users" in repr(split)
