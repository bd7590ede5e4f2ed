"""A profile with no user id and no name is called by its content in a recommendation table: the same id in any
batch, in any order, alone or not, so that tables of separate calls can be put together."""

from __future__ import annotations

import pandas as pd
import pytest

import recengine
from recengine.models import ItemKNN, Profile


@pytest.fixture(scope="module")
def model(tiny):
    return ItemKNN(k=5).fit(tiny)


def _ids(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["user_id"]))


def test_an_anonymous_profile_keeps_its_id_whatever_the_batch(model):
    a, b = Profile.from_items(["a"]), Profile.from_items(["d", "e"])
    ab, ba = model.recommend([a, b], k=2), model.recommend([b, a], k=2)
    assert _ids(ab) == [a.content_id, b.content_id] and _ids(ba) == [b.content_id, a.content_id]
    assert _ids(model.recommend(a, k=2)) == [a.content_id]
    assert _ids(model.recommend(b, k=2)) == [b.content_id]
    # the rows of one profile are the same in both orders, under the same id
    pd.testing.assert_frame_equal(ab[ab.user_id == a.content_id].reset_index(drop=True),
                                  ba[ba.user_id == a.content_id].reset_index(drop=True))


def test_batch_order_does_not_change_a_profiles_id(model):
    a, b = Profile.from_items(["a"]), Profile.from_items(["d", "e"])
    assert _ids(model.recommend([a, b], k=2)) == _ids(model.recommend([b, a], k=2))[::-1]


def test_tables_of_separate_calls_do_not_mix_profiles(model):
    a, b = Profile.from_items(["a"]), Profile.from_items(["d"])
    both = pd.concat([model.recommend(a, k=2), model.recommend(b, k=2)])
    assert both.groupby("user_id").size().tolist() == [2, 2]


def test_the_id_follows_the_content_not_the_object(model):
    a = Profile.from_items(["a", "b"])
    assert Profile.from_items(["b", "a"]).content_id == a.content_id
    assert len({a.content_id, a.like("c").content_id, a.dislike("d").content_id, a.with_intent("space").content_id,
                a.like("a", 2.0).content_id}) == 5
    assert a.content_id.startswith("profile-")


def test_the_same_profile_twice_in_a_batch_keeps_rows_of_its_own(model):
    a = Profile.from_items(["a"])
    table = model.recommend([a, a], k=2)
    assert _ids(table) == [a.content_id, f"{a.content_id}-2"]
    assert table.groupby("user_id").size().tolist() == [2, 2]


def test_named_and_known_profiles_keep_their_ids(model, tiny):
    named, known, anon = Profile.from_items(["a"], name="ann"), Profile.from_user(tiny, "u4"), Profile.from_items(["d"])
    assert _ids(model.recommend([anon, known, named], k=1)) == [anon.content_id, "u4", "ann"]


def test_the_reranked_list_uses_the_same_ids(model):
    a, b = Profile.from_items(["a"]), Profile.from_items(["d"])
    for order in ([a, b], [b, a]):
        assert _ids(recengine.recommend(model, order, k=2, novelty=0.1)) == [p.content_id for p in order]
