"""The hybrid's explanation contract: signals, score_signals and coefficients reproduce the reported score."""

from __future__ import annotations

import numpy as np
import pytest

from recengine.columns import Columns
from recengine.errors import ConfigError
from recengine.models import EASE, Hybrid, Profile
from recengine.models.content import standardize_rows
from recengine.models.ease import ease_weights, resolve_device
from recengine.models.hybrid_fit import REGIME_NAMES, coordinate_ascent, ndcg_at, regime_of


@pytest.fixture(scope="module")
def hybrid(tiny, tiny_embeddings, encoder):
    return Hybrid(knn_k=3, content_k=2, ease_lam=1.0).fit(tiny, tiny_embeddings, encoder)


@pytest.mark.parametrize("profile", [Profile.from_items(["a", "d"]), Profile.from_items(["b"]).with_intent("a film set on Mars"), Profile.from_intent("romance in Rome")])
def test_recommend_reports_the_score_of_score_signals(hybrid, profile):
    recs = hybrid.recommend(profile, k=4)
    assert list(recs.columns[5:]) == hybrid.signal_names
    X = recs[hybrid.signal_names].to_numpy()
    np.testing.assert_allclose(hybrid.score_signals(X), recs[Columns.score], rtol=1e-4, atol=1e-5)
    again = hybrid.signals(profile, recs[Columns.item].tolist())
    np.testing.assert_allclose(again.to_numpy(), X, rtol=1e-5, atol=1e-6)
    coef = hybrid.coefficients(profile.size)
    np.testing.assert_allclose(X @ coef, recs[Columns.score], rtol=1e-4, atol=1e-5)
    assert hybrid.ranker_kind == "linear"


def test_intent_steers_an_empty_profile_towards_matching_text(hybrid):
    recs = hybrid.recommend(Profile.from_intent("settlers on the planet Mars"), k=1)
    assert recs[Columns.item].tolist() == ["g"]
    romance = hybrid.recommend(Profile.from_intent("falling in love in Rome"), k=1)
    assert romance[Columns.item].tolist() == ["e"]


def test_weight_table_has_one_row_per_regime(hybrid):
    table = hybrid.weight_table
    assert table.shape == (len(REGIME_NAMES), len(hybrid.signal_names))
    assert np.isfinite(table.to_numpy()).all()
    assert hybrid.validation


def test_regimes_cover_profile_sizes():
    assert regime_of(np.arange(12)).tolist() == [0, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4]


def test_coordinate_ascent_finds_the_signal_that_ranks_positives_first(rng):
    relevant = rng.random((40, 30)) < 0.1
    relevant[:, 0] = True
    noise = rng.normal(size=(40, 30))
    useful = relevant + 0.5 * rng.normal(size=(40, 30))
    F = np.zeros((9, 40, 30), dtype=np.float32)
    F[0], F[1] = noise, useful
    blocked = np.zeros((40, 30), dtype=bool)
    w, best, single = coordinate_ascent(F, blocked, relevant, ("ease", "itemknn"), passes=2)
    assert w[1] == 1.0 and abs(w[0]) < 1.0
    assert best >= single["itemknn"] > single["ease"]
    assert best == pytest.approx(ndcg_at(np.tensordot(w, F, axes=1), blocked, relevant), abs=1e-5)


def test_standardize_rows_ignores_missing_values():
    z = standardize_rows(np.array([[1.0, 2.0, 3.0, np.nan], [5.0, 5.0, 5.0, 5.0]]))
    np.testing.assert_allclose(z[0, :3], [-1.2247, 0.0, 1.2247], atol=1e-4)
    assert np.isnan(z[0, 3]) and (z[1] == 0).all()


def test_ease_weights_match_the_closed_form(rng):
    X = (rng.random((30, 8)) < 0.4).astype(np.float32)
    lam = 2.0
    B = ease_weights(X, lam)
    P = np.linalg.inv(X.T @ X + lam * np.eye(8))
    expected = -P / np.diag(P)[None, :]
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(B, expected, atol=1e-5)


def test_the_cholesky_inverse_matches_the_general_one_and_falls_back_when_not_positive_definite(rng):
    import torch

    from recengine.models.ease import spd_inverse

    A = torch.as_tensor(rng.normal(size=(60, 40)))
    G = A.T @ A + 0.5 * torch.eye(40, dtype=A.dtype)
    torch.testing.assert_close(spd_inverse(G), torch.linalg.inv(G))
    swap = torch.tensor([[0.0, 1.0], [1.0, 0.0]])  # symmetric and invertible, but not positive definite
    torch.testing.assert_close(spd_inverse(swap), swap)


def test_the_inverse_falls_back_where_the_device_has_no_cholesky_kernel(rng, monkeypatch):
    import torch

    from recengine.models.ease import spd_inverse

    A = torch.as_tensor(rng.normal(size=(30, 20)))
    G = A.T @ A + torch.eye(20, dtype=A.dtype)

    def missing(*args, **kwargs):
        raise NotImplementedError("The operator 'aten::linalg_cholesky_ex.L' is not implemented for MPS")

    monkeypatch.setattr(torch.linalg, "cholesky_ex", missing)
    torch.testing.assert_close(spd_inverse(G), torch.linalg.inv(G))


def test_device_choice(tiny):
    assert resolve_device("auto") in ("cpu", "cuda", "mps")
    with pytest.raises(ConfigError, match="unknown device"):
        resolve_device("tpu")
    with pytest.raises(ConfigError, match="ItemKNN"):
        EASE(max_items=3).fit(tiny)


def test_hybrid_without_ease_on_a_catalogue_too_large_for_it(tiny, tiny_embeddings, encoder, tmp_path):
    model = Hybrid(knn_k=3, content_k=2)
    defaults = model._bases
    model._bases = lambda: (EASE(lam=1.0, max_items=3), *defaults()[1:])  # a catalogue "too large" for EASE
    with pytest.warns(UserWarning, match="EASE signal is left out.*more than the 3 it is set to take"):
        model.fit(tiny, tiny_embeddings, encoder)
    assert model.ease is None and "more than the 3 it" in model.validation["ease"]
    recs = model.recommend(Profile.from_items(["a"]), k=2)
    assert set(recs[Columns.item]) <= {"b", "c", "g"} and (recs["ease"] == 0).all()
    back = Hybrid.load(model.save(tmp_path / "h"))
    assert back.ease is None


def test_fits_when_every_item_has_a_single_user(encoder):
    """Each held-out validation item is then cold in its fold: the regimes keep their prior weights, no crash."""
    import pandas as pd

    import recengine
    from recengine.text import embed_items

    inter = pd.DataFrame({"user_id": [f"u{u}" for u in range(10) for _ in range(5)],
                          "item_id": [f"i{u * 5 + k}" for u in range(10) for k in range(5)]})
    ds = recengine.read_dataset(inter)
    model = Hybrid().fit(ds, embed_items(ds, encoder), encoder)
    assert any("prior weights" in str(v) for v in model.validation.values())
    recs = model.recommend(Profile.from_user(ds, "u1"), k=3)
    assert len(recs) == 3 and not set(recs["item_id"]) & {f"i{5 + k}" for k in range(5)}


def test_a_negative_popularity_weight_does_not_lift_cold_items(hybrid, tiny):
    """Cold items were left out when the weights were learned: they get the least help popularity gives."""
    from recengine.models.hybrid_fit import SIGNALS

    pop = SIGNALS.index("popularity")
    saved = hybrid.weights.copy()
    try:
        profile = Profile.from_user(tiny, "u0")
        for sign in (-1.0, 1.0):
            hybrid.weights[:, pop] = sign
            frame = hybrid.signals(profile, np.arange(tiny.n_items))
            cold, warm = tiny.cold_item_mask, ~tiny.cold_item_mask
            gain = sign * frame["popularity"].to_numpy()
            assert gain[cold].max() <= gain[warm].min() + 1e-6
    finally:
        hybrid.weights = saved


def test_ease_refuses_before_it_starts_when_the_memory_free_is_too_small(tiny, sample, monkeypatch):
    from recengine.models import ease as ease_module

    need = ease_module.ease_memory_bytes(tiny.n_items, "cpu")
    monkeypatch.setattr(ease_module, "free_memory_bytes", lambda device="cpu": need)  # a machine with little free
    with pytest.raises(ConfigError, match=r"needs about .* GB of memory on cpu.*ItemKNN"):
        EASE().fit(tiny)
    monkeypatch.setattr(ease_module, "free_memory_bytes", lambda device="cpu": 2 * need)
    assert EASE().fit(tiny).B.shape == (tiny.n_items, tiny.n_items)


def test_ease_in_float32_above_the_exact_size_matches_float64(sample, monkeypatch):
    from recengine.models import ease as ease_module

    exact = ease_module.ease_weights(sample.matrix, 300.0)
    monkeypatch.setattr(ease_module, "EXACT_ITEMS", 100)  # as if the catalogue were large
    assert ease_module.ease_memory_bytes(sample.n_items) == 3 * 4 * sample.n_items**2
    fast = ease_module.ease_weights(sample.matrix, 300.0)
    assert np.abs(fast - exact).max() < 1e-4 * np.abs(exact).max()
    assert np.allclose(np.diag(fast), 0.0)


def test_validation_groups_keep_a_seeded_sample_of_users_that_fits_the_memory_budget(sample, monkeypatch):
    from recengine.models import hybrid_fit

    full = hybrid_fit.validation_setups(sample, 42)
    assert len(full[0][2][0][1]) == sample.n_users  # MovieLens-100K fits whole: its figures do not move
    monkeypatch.setattr(hybrid_fit, "VALIDATION_BYTES", 9 * 4 * sample.n_items * 300)  # room for 300 users
    setups = [hybrid_fit.validation_setups(sample, 42) for _ in range(2)]
    for _stage, _, groups in setups[0]:
        for _, profiles, positives in groups:
            users = {p.user_id for p in profiles}
            assert len(users) <= 300 and set(positives[Columns.user]) <= users
    warm = [[p.user_id for p in s[0][2][0][1]] for s in setups]
    assert len(warm[0]) == 300 and warm[0] == warm[1]  # seeded


def test_a_large_catalogue_shares_one_validation_split_between_warm_and_few_shot_users(sample, sample_embeddings, encoder):
    """Above ``shared_split_items`` the base models are fitted twice in all: one validation split, then the final fit."""
    from recengine.models import hybrid_fit

    (stage, train, groups), = hybrid_fit.validation_setups(sample, 42, shared=True)
    regimes = [regime for regime, _, _ in groups]
    assert stage == "items" and regimes == [4, 1, 2, 3]  # warm users, then 1, 3 and 5 revealed items
    held = {p.user_id for p in groups[1][1]}
    assert held and not held & set(train.interactions[Columns.user])  # a few-shot user is not in what the models learn from
    for regime, profiles, positives in groups[1:]:
        revealed = {(p.user_id, i) for p in profiles for i in p.liked}
        assert not revealed & set(zip(positives[Columns.user], positives[Columns.item]))
        assert {len(p.liked) for p in profiles} == {{1: 1, 2: 3, 3: 5}[regime]}
    heard = []
    Hybrid(shared_split_items=1_000).fit(sample, sample_embeddings, encoder, progress=lambda *a: heard.append(a))
    assert [m.split(" (")[0] for _, _, m in heard] == ["learning the weights: validation split 1 of 1",
                                                      "fitting on all the data", "fitted"]
    separate = hybrid_fit.validation_setups(sample, 42)
    assert len(separate) == 3  # the sample's 1,682 items: warm and two few-shot folds, as its figures were measured


@pytest.mark.slow
def test_brand_new_items_are_ranked_by_text_where_the_learned_content_weight_is_zero(sample, sample_embeddings, encoder):
    from recengine.data import make_split
    from recengine.models import ContentKNN
    from recengine.models.hybrid_fit import SIGNALS

    split = make_split(sample, "cold_items", seed=42)
    model = Hybrid().fit(split.train, sample_embeddings, encoder)
    content = ContentKNN().fit(split.train, sample_embeddings, encoder)
    profile = Profile.from_items(split.train.user_items("1")[:3])
    regime = regime_of(len(profile.liked))
    # on this split the validation gives text no weight for a 2-3 item profile; it must still order new items
    # (the item's age, weighted more than text here, only nudges items whose texts match about as well)
    assert 0 < model.weights[regime, SIGNALS.index("content")] < 0.05
    ours = model.recommend(profile, k=10, candidates=split.candidates)[Columns.item].tolist()
    by_text = content.recommend(profile, k=10, candidates=split.candidates)[Columns.item].tolist()
    assert ours[:3] == by_text[:3] and len(set(ours) & set(by_text)) >= 8
    # and so for every size of profile: the new items a user gets are the ones their history's texts point to
    users = split.train.user_map.external[:60]
    for size in (1, 3, 10, None):
        profiles = [Profile.from_items(split.train.user_items(u)[:size]) for u in users]
        ours = model.recommend(profiles, k=10, candidates=split.candidates).groupby(Columns.user)[Columns.item].apply(set)
        by_text = content.recommend(profiles, k=10, candidates=split.candidates).groupby(Columns.user)[Columns.item].apply(set)
        overlap = np.mean([len(ours[u] & by_text[u]) / 10 for u in by_text.index])
        assert len(by_text) == len(users) and overlap >= 0.8, (size, overlap)


def test_text_never_counts_against_an_item_even_where_that_would_help_known_items(rng):
    from recengine.models.hybrid_fit import SIGNALS

    relevant = rng.random((60, 30)) < 0.15
    relevant[:, 0] = True
    F = np.zeros((9, 60, 30), dtype=np.float32)
    F[SIGNALS.index("ease")] = relevant + 0.8 * rng.normal(size=(60, 30))
    F[SIGNALS.index("content")] = -relevant.astype(np.float32) + 0.3 * rng.normal(size=(60, 30))  # here, text alike means not wanted
    blocked = np.zeros((60, 30), dtype=bool)
    w, _, _ = coordinate_ascent(F, blocked, relevant, ("ease", "content"), passes=2)
    assert w[SIGNALS.index("content")] == 0.0  # a negative weight would help here, but it would rank new items backwards
    F[SIGNALS.index("itemknn")] = F[SIGNALS.index("content")]  # the same data under a signal that may go negative
    free, _, _ = coordinate_ascent(F, blocked, relevant, ("ease", "itemknn"), passes=2)
    assert free[SIGNALS.index("itemknn")] < 0


def test_the_fit_reports_its_stages_in_order_and_keeps_no_callback(sample, sample_embeddings, encoder, tmp_path):
    """A large catalogue takes minutes to fit: the caller hears of each validation split, then of the final fit, and
    that it ended (a progress bar stopped at 3 of 4)."""
    heard = []
    model = Hybrid().fit(sample, sample_embeddings, encoder, progress=lambda *a: heard.append(a))
    total = heard[0][1]
    assert total >= 2 and [d for d, _, _ in heard] == list(range(total + 1)) and {t for _, t, _ in heard} == {total}
    assert heard[0][2].startswith("learning the weights: validation split 1 of")
    assert "EASE on 1,682 items" in heard[0][2] and heard[-2][2].startswith("fitting on all the data")
    assert heard[-1] == (total, total, "fitted")
    assert model._progress is None  # not kept, nor saved with the model
    assert Hybrid.load(model.save(tmp_path / "h")).recommend(Profile.from_user(sample, "1"), k=3).shape[0] == 3


@pytest.mark.parametrize("collab, text", [(-1.0, 0.5), (-0.05, 0.01), (0.0, 1.0), (0.4, -0.2), (1.0, 1.0)])
def test_new_items_rank_by_their_text_whatever_the_learned_weights(tiny, encoder, collab, text):
    """Learned collaborative weights summing below 0 ranked new items in reverse order of their text (a bookshop's
    data: -0.05 and -0.10), and the cold-items evaluation rewarded it through ties."""
    import pandas as pd

    import recengine
    from recengine.models.hybrid_fit import SIGNALS
    from recengine.text import embed_items

    texts = ["astronauts explore deep space", "a starship crew travels between stars", "aliens and a spaceship adventure",
             "a romantic comedy in Paris", "a princess falls in love in Rome", "a bookseller falls in love with a film star",
             "settlers build a colony on Mars in space", "Rocket to Jupiter: astronauts in deep space",
             "a quiet village bakery", "a romance in Paris"]
    items = pd.DataFrame({"item_id": list("abcdefghij"), "text": texts})
    inter = pd.DataFrame({"user_id": [f"u{u}" for u in range(6) for _ in range(3)],
                          "item_id": [i for u in range(6) for i in (("a", "b", "c") if u < 3 else ("d", "e", "f"))]})
    ds = recengine.read_dataset(inter, items, name="tiny-plus-new")
    model = Hybrid(knn_k=3, content_k=2, ease_lam=1.0).fit(ds, embed_items(ds, encoder), encoder)
    for name in ("ease", "itemknn", "cooccurrence"):
        model.weights[:, SIGNALS.index(name)] = collab / 3
    model.weights[:, SIGNALS.index("content")] = text
    profile = Profile.from_items(["a", "b"])
    new = [i for i in ds.item_map.external if ds.cold_item_mask[ds.item_map.index(i)]]
    by_text = model.signals(profile, new)["content"].sort_values(ascending=False, kind="stable").index.tolist()
    ranked = model.recommend(profile, k=len(ds.item_map), candidates=new)["item_id"].tolist()
    assert len(new) == 4 and ranked == by_text, (ranked, by_text)


def test_a_regime_with_few_validation_users_keeps_its_prior_weights(encoder):
    """On 28 validation users the ascent took EASE to -1 for one-item profiles (noise that passed the both-halves
    check), and reasons said the ranker favours what people like you seldom chose. Under MIN_LEARNING_USERS a
    regime keeps the prior, and says why; the sample, with 378 and more per regime, still learns."""
    import pandas as pd

    import recengine
    from recengine.models.hybrid_fit import MIN_LEARNING_USERS, default_weights
    from recengine.text import embed_items

    rng = np.random.default_rng(3)
    inter = pd.DataFrame({"user_id": [f"u{u}" for u in range(60) for _ in range(8)],
                          "item_id": [f"i{k}" for _ in range(60) for k in rng.choice(40, 8, replace=False)]})
    ds = recengine.read_dataset(inter)
    model = Hybrid().fit(ds, embed_items(ds, encoder), encoder)
    learned = {name: info for name, info in model.validation.items() if isinstance(info, dict) and "users" in info}
    assert learned, model.validation
    for name, info in learned.items():
        assert info["users"] < MIN_LEARNING_USERS and f"fewer than the {MIN_LEARNING_USERS}" in info["note"], info
        row = REGIME_NAMES.index(name)
        np.testing.assert_allclose(model.weights[row], default_weights()[row], atol=1e-6)
