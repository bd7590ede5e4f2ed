"""Profile: constructors, immutable edits, JSON round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recengine.errors import DataError, UnknownIdError
from recengine.models import Profile


def test_from_user_reads_every_interaction(tiny):
    p = Profile.from_user(tiny, "u0")
    assert p.liked == {"a": 1.0, "b": 1.0, "c": 1.0}
    assert p.user_id == "u0" and p.id == "u0" and p.size == 3


def test_from_user_unknown_id_is_a_user_error(tiny):
    with pytest.raises(UnknownIdError, match="unknown user id 'nobody': the dataset has 6 users"):
        Profile.from_user(tiny, "nobody")
    with pytest.raises(UnknownIdError, match=r"unknown user id 'U0 ' \(did you mean 'u0'\?\)"):
        Profile.from_user(tiny, "U0 ")  # case and spaces: named, not guessed


def test_an_id_written_another_way_is_suggested(tmp_path, capsys):
    from recengine.cli import main

    (tmp_path / "orders.csv").write_text("user,item\n1,007\n1,042\n2,042\n2,100\n")
    assert main(["recommend", "--interactions", str(tmp_path / "orders.csv"), "--liked", "7", "--model", "itemknn"]) == 2
    assert "unknown item id '7' (did you mean '007'?)" in capsys.readouterr().err


def test_edits_return_new_profiles_and_keep_like_and_dislike_exclusive():
    p = Profile.from_items(["a", "b"], name="visitor")
    q = p.dislike("a").like("c", 2.0).with_intent("space films")
    assert p.liked == {"a": 1.0, "b": 1.0} and not p.disliked and p.intent is None
    assert q.liked == {"b": 1.0, "c": 2.0} and q.disliked == frozenset({"a"}) and q.intent == "space films"
    assert q.like("a").disliked == frozenset()
    assert q.without("b").liked == {"c": 2.0}
    assert q.with_intent("").intent is None


def test_intent_profile_needs_text():
    assert Profile.from_intent("  cosy mysteries ").intent == "cosy mysteries"
    with pytest.raises(DataError):
        Profile.from_intent("   ")


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(DataError, match="unexpected keys"):
        Profile.from_dict({"liked": {}, "likes": ["a"]})


ids = st.text(alphabet="abcdef0123456789", min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    liked=st.dictionaries(ids, st.floats(0.1, 5.0, allow_nan=False), max_size=6),
    disliked=st.sets(ids, max_size=4),
    intent=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    user=st.one_of(st.none(), ids),
)
def test_json_round_trip(liked, disliked, intent, user):
    p = Profile(liked=liked, disliked=frozenset(disliked), intent=intent, user_id=user)
    back = Profile.from_dict(json.loads(json.dumps(p.to_dict())))
    assert back == p
    assert hash(back) == hash(p)


def test_weights_must_be_positive_numbers_and_a_string_is_one_id():
    import math

    from recengine.errors import ConfigError

    for bad in (math.nan, 0.0, -1.0, math.inf):
        with pytest.raises(ConfigError, match="weights must be finite and above 0"):
            Profile.from_items({"a": bad, "b": 1.0})
    with pytest.raises(ConfigError, match="numeric weights"):
        Profile(liked={"a": "lots"})
    assert Profile.from_items(["x"], disliked="A0001").disliked == frozenset({"A0001"})
    assert Profile(disliked="A0001").disliked == frozenset({"A0001"})


def test_liked_ids_as_a_list_are_ids_not_key_value_pairs():
    """dict(["12", "34"]) read each two-character id as a key and a weight: {'1': 2.0, '3': 4.0}."""
    from recengine.errors import ConfigError

    assert Profile(liked=["12", "34"]).liked == {"12": 1.0, "34": 1.0}
    assert Profile(liked=["50"]).liked == {"50": 1.0}
    assert Profile(liked="50").liked == Profile.from_items(50).liked == {"50": 1.0}
    with pytest.raises(ConfigError, match="list of item ids"):
        Profile.from_items(None)


def test_a_long_profile_prints_on_one_line(sample):
    p = Profile.from_user(sample, "196").dislike("1").with_intent("space " * 40)
    text = repr(p)
    assert "\n" not in text and len(text) < 250
    assert "user_id='196'" in text and "liked=39 [" in text and "disliked=1 ['1']" in text and "..." in text


def test_a_string_candidate_is_one_id(sample):
    from recengine.models import Popularity

    recs = Popularity().fit(sample).recommend(Profile(), k=5, candidates="50")
    assert recs["item_id"].tolist() == ["50"]


def test_audience_refuses_a_model_fitted_on_other_items_of_the_same_count():
    import pandas as pd

    import recengine
    from recengine.errors import ConfigError
    from recengine.models import EASE, audience

    def shop(prefix: str):
        return recengine.read_dataset(pd.DataFrame({"user_id": ["a", "a", "b", "b"],
                                                    "item_id": [f"{prefix}1", f"{prefix}2", f"{prefix}2", f"{prefix}3"]}))

    model = EASE().fit(shop("x"))
    with pytest.raises(ConfigError, match="fitted on a different dataset"):
        audience(model, shop("y"), "y2")


def test_bad_k_and_knobs_are_config_errors(sample):
    from recengine.errors import ConfigError
    from recengine.models import Popularity
    from recengine.rerank import recommend

    model = Popularity().fit(sample)
    for k in (None, 2.7, 0, "5", True):
        with pytest.raises(ConfigError, match="k must be a positive whole number"):
            model.recommend(Profile(), k=k)
    assert len(model.recommend(Profile(), k=3.0)) == 3
    with pytest.raises(ConfigError, match="diversity must be a number"):
        recommend(model, Profile(), k=3, diversity="a")
    with pytest.raises(Exception, match="columns maps roles"):
        __import__("recengine").read_dataset(sample.interactions, columns=["visitor"])


def test_a_request_a_model_cannot_read_gets_an_empty_list_and_a_warning(sample):
    from recengine.models import EASE

    with pytest.warns(UserWarning, match="1 profile\\(s\\) with a request and no usable liked item got no list"):
        recs = EASE().fit(sample).recommend(Profile.from_intent("something funny"), k=5)
    assert recs.empty


def test_an_unknown_liked_id_written_like_a_known_one_is_named(sample):
    """The CLI says "did you mean 'SKU-00023'?"; a Python user got only "were ignored" and a list from nothing."""
    import pytest

    from recengine.models import Popularity, Profile

    model = Popularity().fit(sample)
    with pytest.warns(UserWarning, match=r"ignored \(e\.g\. \['050', 'zz'\]; did you mean '50' for '050'\?\)"):
        model.recommend(Profile.from_items(["050", "zz"]), k=2)


def test_a_known_users_items_are_chosen_and_a_like_or_dislike_takes_one_out(sample):
    p = Profile.from_user(sample, "196")
    assert p.chosen == set(p.liked) and len(p.chosen) == 39
    liked = p.like("50")  # 196 never saw Star Wars: a like outright, not part of the record
    assert "50" in liked.liked and "50" not in liked.chosen and liked.chosen == p.chosen
    first = sorted(p.chosen)[0]
    assert first not in p.dislike(first).chosen and first not in p.without(first).chosen
    assert first not in p.like(first, 2.0).chosen  # liked outright now, with a weight of its own
    assert Profile.from_dict(p.to_dict()) == p and Profile.from_dict(p.to_dict()).chosen == p.chosen
    assert "chosen" not in Profile.from_items(["1"]).to_dict()  # records written before it read back the same
    assert Profile(liked={"1": 1.0}, chosen={"1", "2"}).chosen == {"1"}  # only liked ids can be chosen
    assert hash(p) != hash(Profile(liked=p.liked, user_id=p.user_id))
