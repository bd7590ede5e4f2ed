"""explain / explain_many on real fitted models: efficiency, additivity, grounded reasons, cold items."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recengine.errors import ConfigError, UnknownIdError
from recengine.explain import explain, explain_many
from recengine.models import EASE, ContentKNN, ItemKNN, Profile


@pytest.fixture(scope="module")
def ease(sample):
    return EASE().fit(sample)


@pytest.fixture(scope="module")
def warm_ids(sample):
    return sample.item_map.external[~sample.cold_item_mask]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), size=st.integers(1, 16))
def test_history_is_efficient_and_matches_the_reported_score(ease, warm_ids, seed, size):
    rng = np.random.default_rng(seed)
    liked = {str(i): float(rng.choice([1.0, 2.0, 0.5])) for i in rng.choice(warm_ids, size=size, replace=False)}
    profile = Profile.from_items(liked)
    recs = ease.recommend(profile, k=3)
    ex = explain_many(ease, profile, recs["item_id"], budget=600, seed=seed)
    for e, reported in zip(ex, recs["score"]):
        assert e.history.additivity_error < 1e-5  # efficiency: sum = score(full) - score(empty)
        assert e.signals.additivity_error < 1e-5
        assert e.score == pytest.approx(reported, abs=1e-5)
        assert e.history.method == "exact" if size <= 12 else e.history.method.startswith("permutation")
        assert set(e.history.feature_names) == set(liked)


def test_single_item_profile_gets_the_whole_difference(ease):
    e = explain(ease, Profile.from_items(["50"]), "181")
    assert e.history.feature_names == ["50"]
    assert e.history.values[0] == pytest.approx(e.score - e.empty_profile_score, abs=1e-6)


def test_titles_label_history_players(ease, sample):
    e = explain(ease, Profile.from_items(["50", "172"]), "181")
    assert e.title == sample.title("181")
    assert sorted(e.history.labels) == sorted([sample.title("50"), sample.title("172")])


def test_explain_many_keeps_the_order_and_agrees_with_explain(ease):
    profile = Profile.from_items(["1", "50", "121", "174"])
    items = ["181", "100", "7"]
    many = explain_many(ease, profile, items)
    assert [e.item_id for e in many] == items
    one = explain(ease, profile, "100")
    np.testing.assert_allclose(one.history.values, many[1].history.values, atol=1e-9)


def test_permutation_sampling_is_seeded(sample):
    model = ItemKNN().fit(sample)
    profile = Profile.from_user(sample, "196")
    a = explain(model, profile, "7", budget=400, seed=3)
    b = explain(model, profile, "7", budget=400, seed=3)
    assert a.history.method.startswith("permutation")
    np.testing.assert_array_equal(a.history.values, b.history.values)


def test_reasons_name_only_profile_items(ease, sample):
    rng = np.random.default_rng(0)
    titles = dict(zip(sample.item_map.external, sample.titles))
    for _ in range(4):
        liked = [str(i) for i in rng.choice(sample.item_map.external[~sample.cold_item_mask], size=6, replace=False)]
        profile = Profile.from_items(liked)
        for e in explain_many(ease, profile, ease.recommend(profile, k=5)["item_id"]):
            assert e.reason
            allowed = [titles[i] for i in liked] + [e.title]
            for item_id, title in titles.items():
                if item_id in liked or len(title) < 10 or any(title in a for a in allowed):
                    continue
                assert title not in e.reason, (title, e.reason)
            named = [t for t in (titles[i] for i in liked) if t in e.reason]
            positive = {lab for lab, v in zip(e.history.labels, e.history.values) if v > 0}
            assert set(named) <= positive | {t for t in named if any(t in p for p in positive)}


def test_unknown_item_and_list_misuse_are_user_errors(ease):
    with pytest.raises(UnknownIdError):
        explain(ease, Profile.from_items(["50"]), "no-such-item")
    with pytest.raises(ConfigError):
        explain(ease, Profile.from_items(["50"]), ["1", "2"])
    with pytest.raises(ConfigError, match="explain takes a Profile, got list"):
        explain(ease, ["50"], "181")  # was an AttributeError from deep inside


def test_explain_many_takes_one_id_as_one_item_not_its_characters(ease):
    from recengine.explain import explain_many

    one = explain_many(ease, Profile.from_items(["50"]), "181", reasons=False)
    assert [e.item_id for e in one] == ["181"]  # was ['1', '8', '1']


def test_to_dict_has_the_issue_keys(ease):
    d = explain(ease, Profile.from_items(["50", "172"]), "181").to_dict()
    for key in ("item_id", "title", "score", "base_value", "signals", "history", "empty_profile_score", "reason"):
        assert key in d
    assert {"name", "value", "shap"} <= set(d["signals"][0])
    assert {"item_id", "title", "shap"} <= set(d["history"][0])


def test_the_public_name_works_in_any_import_order(ease):
    import subprocess
    import sys

    code = (
        "from recengine.explain import explain_many\n"
        "import recengine\n"
        "assert callable(recengine.explain)\n"
        "assert recengine.explain.explain_many is explain_many\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    import recengine

    e = recengine.explain(ease, Profile.from_items(["50"]), "181")
    sv = e.signals.to_shap()
    assert sv.values.shape == e.signals.values.shape
    assert sv.base_values + sv.values.sum() == pytest.approx(e.score, abs=1e-6)


def test_content_model_history_treats_the_empty_profile_as_no_evidence(sample, sample_embeddings, encoder):
    from recengine.models import ContentKNN

    content = ContentKNN().fit(sample, sample_embeddings, encoder)
    profile = Profile.from_items(["50", "172", "181"])
    recs = content.recommend(profile, k=3)
    for e, reported in zip(explain_many(content, profile, recs["item_id"]), recs["score"]):
        assert e.empty_profile_score == 0.0
        assert e.history.additivity_error < 1e-5
        assert float(np.sum(e.history.values)) == pytest.approx(reported, abs=1e-5)


def test_an_item_the_model_cannot_score_at_all_is_said_plainly():
    import pandas as pd

    import recengine
    from recengine.errors import ModelError
    from recengine.models import Popularity

    ds = recengine.read_dataset(pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"]}),
                                pd.DataFrame({"item_id": ["x", "y", "z"], "title": ["X film", "Y film", "Z film"]}))
    with pytest.raises(ModelError, match="cannot score item 'z' for this profile at all"):
        explain(Popularity().fit(ds), Profile.from_items(["x"]), "z")


def test_a_text_model_says_an_item_with_no_text_and_no_interactions_has_neither(encoder):
    """The content model was told to 'explain it with the content or hybrid model': itself."""
    import pandas as pd

    import recengine
    from recengine.errors import ModelError
    from recengine.text import embed_items

    ds = recengine.read_dataset(pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"]}),
                                pd.DataFrame({"item_id": ["x", "y", "z"], "title": ["Trail shoe", "Rain jacket", None]}))
    content = ContentKNN().fit(ds, embed_items(ds, encoder), encoder)
    with pytest.raises(ModelError, match="'z' has no interactions and no text") as err:
        explain(content, Profile.from_items(["x"]), "z")
    assert "content or hybrid" not in str(err.value)


def test_a_liked_item_without_text_is_left_out_of_a_text_models_history_and_said(encoder):
    """The content model ignores a liked item without text when it scores; explaining the same list failed on the
    coalitions that held only that item (NaN), and nothing told the user the item was ignored."""
    import pandas as pd

    import recengine
    from recengine.text import embed_items

    ds = recengine.read_dataset(
        pd.DataFrame({"user_id": ["a", "a", "b", "b", "c"], "item_id": ["x", "y", "x", "w", "v"]}),
        pd.DataFrame({"item_id": ["x", "y", "w", "v"], "title": ["Trail shoe", None, "Rain jacket", "Wool socks"]}))
    content = ContentKNN().fit(ds, embed_items(ds, encoder), encoder)
    profile = Profile.from_items(["x", "y"])
    recs = recengine.recommend(content, profile, k=2)
    explained = explain_many(content, profile, recs["item_id"])
    assert [e.history.feature_names for e in explained] == [["x"], ["x"]]
    for e, reported in zip(explained, recs["score"]):
        assert float(np.sum(e.history.values)) == pytest.approx(reported, abs=1e-5)
    notes, usable = content.profile_notes(profile)
    assert usable and any("1 of the 2 liked items (item y) has no text" in n for n in notes)


def test_a_long_profiles_sampled_history_carries_its_errors(sample_hybrid, sample):
    user = sample.interactions.groupby("user_id").size().idxmax()  # the longest profile: sampled, not exact
    profile = Profile.from_user(sample, str(user))
    e = explain(sample_hybrid, profile, "1")
    assert e.history.method.startswith("permutation")
    errors = e.history.errors
    assert errors is not None and errors.shape == e.history.values.shape and (errors[np.isfinite(errors)] >= 0).all()
    assert np.nanmax(errors) > 0  # the hybrid is not additive in the items: sampling leaves an error
    row = e.to_dict()["history"][0]
    assert row["error"] == pytest.approx(float(errors[0]))
    assert explain(sample_hybrid, Profile.from_items(["50", "172"]), "181").history.errors is None  # exact


def test_an_item_with_no_title_is_labelled_by_its_id_not_a_bare_number():
    """Bars read "119  +0.170", like a number beside a number."""
    import pandas as pd

    import recengine
    from recengine.models import ItemKNN

    inter = pd.DataFrame({"user_id": list("aabbccdd"), "item_id": ["119", "051", "119", "051", "119", "007", "051", "007"]})
    model = ItemKNN().fit(recengine.read_dataset(inter))
    e = explain(model, Profile.from_items(["119", "051"]), "007")
    assert set(e.history.labels) == {"item 119", "item 051"}
