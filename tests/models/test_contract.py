"""The contract every recommender honours, checked on the tiny checkerboard (u0-u2 like a-c, u3-u5 like d-f, g is cold)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recengine.columns import Columns
from recengine.errors import ConfigError, ModelError, NotFittedError
from recengine.models import EASE, ContentKNN, Hybrid, ItemKNN, Popularity, Profile, Recommender, make_model


class RecommenderContract:
    """Mixin: subclasses set ``make`` and what their model can score."""

    scores_cold = False
    personal = True

    def make(self) -> Recommender:
        raise NotImplementedError

    @pytest.fixture()
    def model(self, tiny, tiny_embeddings, encoder):
        return self.make().fit(tiny, embeddings=tiny_embeddings, encoder=encoder)

    def profiles(self, tiny):
        return [Profile.from_user(tiny, "u0"), Profile.from_items(["d"], name="new"), Profile.from_user(tiny, "u4")]

    def test_not_fitted_is_a_user_error(self, tiny):
        with pytest.raises(NotFittedError, match="not fitted"):
            self.make().recommend(Profile.from_items(["a"]))

    def test_scores_shape_and_cold_items(self, model, tiny):
        scores = model.score(self.profiles(tiny))
        assert scores.shape == (3, tiny.n_items) and scores.dtype == np.float32
        g = tiny.item_map.index("g")
        assert np.isnan(scores[:, g]).all() != self.scores_cold
        warm = ~tiny.cold_item_mask
        assert np.isfinite(scores[:, warm]).all()

    def test_seen_and_disliked_items_are_never_recommended(self, model, tiny):
        profile = Profile.from_user(tiny, "u0").dislike("d")
        recs = model.recommend(profile, k=10)
        assert not set(recs[Columns.item]) & {"a", "b", "c", "d"}
        kept = model.recommend(Profile.from_user(tiny, "u0"), k=10, exclude_seen=False)
        assert {"a", "b", "c"} <= set(kept[Columns.item])

    def test_table_shape_ranks_and_titles(self, model, tiny):
        recs = model.recommend(self.profiles(tiny), k=2)
        assert list(recs.columns[:5]) == [Columns.user, Columns.item, Columns.score, Columns.rank, Columns.title]
        assert recs.groupby(Columns.user)[Columns.rank].apply(list).tolist() == [[1, 2]] * 3
        assert (recs.groupby(Columns.user)[Columns.score].diff().dropna() <= 0).all()
        assert recs[Columns.title].tolist()[0] == tiny.title(recs[Columns.item].iloc[0])

    def test_candidates_restrict_the_ranking(self, model, tiny):
        with pytest.warns(UserWarning, match="candidate id"):
            recs = model.recommend(Profile.from_items(["a"]), k=5, candidates=["b", "e", "zzz"])
        assert set(recs[Columns.item]) <= {"b", "e"}

    def test_unknown_items_warn_and_do_not_crash(self, model):
        with pytest.warns(UserWarning, match="not in the catalogue"):
            recs = model.recommend(Profile.from_items(["a", "not-an-item"]), k=2)
        assert len(recs) == 2

    def test_checkerboard_known_answer(self, model, tiny):
        if not self.personal:
            pytest.skip("not personalised")
        recs = model.recommend(Profile.from_items(["a"]), k=2)
        assert set(recs[Columns.item]) <= {"b", "c", "g"}
        other = model.recommend(Profile.from_items(["e"]), k=2)
        assert set(other[Columns.item]) <= {"d", "f", "g"}

    def test_deterministic(self, tiny, tiny_embeddings, encoder):
        a = self.make().fit(tiny, tiny_embeddings, encoder).recommend(self.profiles(tiny), k=4)
        b = self.make().fit(tiny, tiny_embeddings, encoder).recommend(self.profiles(tiny), k=4)
        pd.testing.assert_frame_equal(a, b)

    def test_save_load_round_trip(self, model, tiny, tmp_path):
        path = model.save(tmp_path / model.name)
        back = Recommender.load(path)
        assert type(back) is type(model) and back.config == model.config
        np.testing.assert_allclose(back.score(self.profiles(tiny)), model.score(self.profiles(tiny)), rtol=1e-5, atol=1e-6)
        assert not list(path.rglob("*.pkl"))

    def test_config_round_trips(self):
        model = self.make()
        again = type(model)(model.config.model_dump(mode="json"))
        assert again.config == model.config
        with pytest.raises(ConfigError):
            type(model)(no_such_setting=1)


class TestPopularity(RecommenderContract):
    personal = False

    def make(self):
        return Popularity()


class TestItemKNN(RecommenderContract):
    def make(self):
        return ItemKNN(k=3)


class TestEASE(RecommenderContract):
    def make(self):
        return EASE(lam=1.0, device="cpu")


class TestContentKNN(RecommenderContract):
    scores_cold = True

    def make(self):
        return ContentKNN(k=2)


class TestHybrid(RecommenderContract):
    scores_cold = True

    def make(self):
        return Hybrid(knn_k=3, content_k=2, ease_lam=1.0)


def test_make_model_by_name_and_alias():
    assert isinstance(make_model("EASE", lam=400), EASE)
    assert isinstance(make_model("content-knn"), ContentKNN)
    with pytest.raises(ConfigError, match="unknown model"):
        make_model("svd")


def test_a_subclass_that_keeps_the_name_leaves_the_registry_alone(tiny, tmp_path):
    """Subclassing Popularity to tweak it must not make every "popularity" (make_model, load) the tweak."""
    from recengine.models.base import MODELS

    class Tweaked(Popularity):
        pass

    class Named(Popularity):
        name = "named-popularity"

    try:
        assert type(make_model("popularity")) is Popularity
        assert type(Popularity.load(Popularity().fit(tiny).save(tmp_path / "pop"))) is Popularity
        assert MODELS["named-popularity"] is Named and Tweaked not in MODELS.values()
    finally:
        MODELS.pop("named-popularity", None)


def test_load_refuses_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelError):
        Recommender.load(tmp_path)


def test_load_checks_the_requested_class(tiny, tmp_path):
    path = Popularity().fit(tiny).save(tmp_path / "pop")
    with pytest.raises(ModelError, match="popularity model"):
        EASE.load(path)


def test_fit_cached_reuses_a_saved_fit_and_refits_on_new_settings(tiny, tiny_embeddings, encoder, tmp_path):
    from recengine.models.base import fit_cached

    first = fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    again = fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    other = fit_cached(ItemKNN(k=2), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2
    profile = Profile.from_items(["a"])
    np.testing.assert_array_equal(first.score(profile), again.score(profile))
    assert other.config.k == 2 and again.config.k == 3


def test_fit_cached_refits_after_an_upgrade_that_fits_differently(tiny, tiny_embeddings, encoder, tmp_path, monkeypatch):
    import recengine.models.base as base

    base.fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    monkeypatch.setattr(base, "FIT_VERSION", base.FIT_VERSION + 1)
    base.fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2  # not the old fit served again


@pytest.fixture(scope="module")
def tiny_ease(tiny):
    return EASE(lam=1.0, device="cpu").fit(tiny)


def test_empty_inputs_and_large_k(tiny_ease, tiny):
    assert tiny_ease.recommend([], k=3).empty
    recs = tiny_ease.recommend(Profile.from_items(["a"]), k=50)
    assert len(recs) == tiny.n_items - 2  # everything but the seen item and the cold item
    with pytest.raises(ConfigError, match="positive"):
        tiny_ease.recommend(Profile.from_items(["a"]), k=0)
    with pytest.raises(ConfigError, match="Profile"):
        tiny_ease.recommend("u0")


items = st.sampled_from(list("abcdefg") + ["unknown"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(liked=st.lists(items, max_size=5), disliked=st.lists(items, max_size=2), k=st.integers(1, 8), exclude=st.booleans())
def test_recommend_invariants(tiny_ease, liked, disliked, k, exclude):
    profile = Profile.from_items(liked, disliked=disliked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        recs = tiny_ease.recommend(profile, k=k, exclude_seen=exclude)
    assert len(recs) <= k and recs[Columns.rank].tolist() == list(range(1, len(recs) + 1))
    assert recs[Columns.item].is_unique and "g" not in set(recs[Columns.item])
    assert not set(recs[Columns.item]) & profile.disliked
    if exclude:
        assert not set(recs[Columns.item]) & set(profile.liked)
    assert (np.diff(recs[Columns.score].to_numpy()) <= 0).all()


def test_fits_past_their_room_go_least_recently_used_first(tiny, tiny_embeddings, encoder, tmp_path, monkeypatch):
    """Every dataset, setting and upgrade leaves a fit behind; past $RECENGINE_FITTED_MB the oldest in use go."""
    import os
    import time

    from recengine.models.base import fit_cached, prune_fitted

    first = fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    (k3,) = tmp_path.iterdir()
    fit_cached(ItemKNN(k=2), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    (k2,) = set(tmp_path.iterdir()) - {k3}
    past = time.time() - 100
    os.utime(k3, (past, past))  # k=3 fitted first
    os.utime(k2, (past + 1, past + 1))
    fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)  # k=3 used again: now the newest
    one = sum(f.stat().st_size for f in k3.rglob("*") if f.is_file())
    monkeypatch.setenv("RECENGINE_FITTED_MB", str(2.5 * one / 2**20))  # room for two fits of this size
    third = fit_cached(ItemKNN(k=1), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
    left = {p.name for p in tmp_path.iterdir()}
    assert len(left) == 2 and k2.name not in left and k3.name in left  # k=2, unused longest, went
    profile = Profile.from_items(["a"])
    np.testing.assert_array_equal(fit_cached(ItemKNN(k=3), tiny, tiny_embeddings, encoder, cache_dir=tmp_path)
                                  .score(profile), first.score(profile))
    stale = tmp_path / ".tmp-dead"
    stale.mkdir()
    os.utime(stale, (past - 86_400, past - 86_400))
    assert prune_fitted(tmp_path, 10**12) == [stale] and third.config.k == 1


def test_content_embeddings_are_read_by_item_id(tiny, tiny_embeddings, encoder):
    """Embeddings of the same catalogue in another row order (loaded sorted) were read by position."""
    import dataclasses

    order = np.arange(len(tiny_embeddings.item_ids))[::-1]
    reversed_emb = dataclasses.replace(tiny_embeddings, vectors=tiny_embeddings.vectors[order],
                                       item_ids=tiny_embeddings.item_ids[order], has_text=tiny_embeddings.has_text[order])
    p = [Profile.from_items(["a"])]
    want = ContentKNN(k=2).fit(tiny, tiny_embeddings, encoder).score(p)
    np.testing.assert_allclose(ContentKNN(k=2).fit(tiny, reversed_emb, encoder).score(p), want)
    strangers = dataclasses.replace(tiny_embeddings, item_ids=np.array([f"x{i}" for i in range(len(order))]))
    with pytest.raises(ModelError, match="share no item id"):
        ContentKNN(k=2).fit(tiny, strangers, encoder)


@pytest.mark.parametrize("make, setting", [
    (lambda: EASE(lam=0), "lam"),  # fitted, it failed inside torch: X'X + 0 I is singular with a cold item
    (lambda: EASE(lam=-300), "lam"),  # fitted, it ranked nonsense
    (lambda: ItemKNN(k=0), "k"),  # fitted, every list was zeros in catalogue order
    (lambda: ContentKNN(k=-5), "k"),
    (lambda: Hybrid(knn_k=0), "knn_k"),
])
def test_settings_that_cannot_work_are_refused_when_the_model_is_made(make, setting):
    with pytest.raises(ConfigError, match=f"setting {setting} = "):
        make()
