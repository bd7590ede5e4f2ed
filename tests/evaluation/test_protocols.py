"""Evaluation protocols: the warm figure that proves protocol and metrics, few-shot and cold-items shapes."""

from __future__ import annotations

import numpy as np
import pytest

import recengine
from recengine.data import cold_items_split, warm_split
from recengine.errors import ConfigError
from recengine.evaluation import evaluate, results_json, split_profiles


@pytest.fixture(scope="module")
def tiny_embeddings(tiny, encoder):
    from recengine.text import embed_items

    return embed_items(tiny, encoder)


KEYS = ["recall@10", "ndcg@10", "hit@10", "mrr@10", "map@10", "coverage", "diversity", "novelty", "popularity_bias", "fit_seconds"]


@pytest.mark.slow
def test_warm_protocol_reproduces_the_reference_ease_and_popularity(sample, sample_embeddings):
    res = evaluate(sample, "warm", models=["popularity", "ease"], embeddings=sample_embeddings).set_index("model")
    # ../shared/REFERENCE.md and issue 5: EASE 0.444 (peers' code), popularity 0.219-0.228
    assert res.loc["ease", "ndcg@10"] == pytest.approx(0.444, abs=0.01)
    assert 0.215 <= res.loc["popularity", "ndcg@10"] <= 0.23
    assert res.loc["ease", "recall@10"] > res.loc["popularity", "recall@10"]
    assert res.loc["ease", "coverage"] > res.loc["popularity", "coverage"]
    assert res.loc["ease", "novelty"] > res.loc["popularity", "novelty"]
    assert res.loc["popularity", "popularity_bias"] > res.loc["ease", "popularity_bias"]
    assert (res["n_users"] == 943).all()


def test_few_shot_has_one_row_per_model_and_shot(sample, sample_embeddings):
    res = evaluate(sample, "few_shot", models=["popularity", "itemknn"], shots=(1, 3), embeddings=sample_embeddings)
    assert res[["model", "shots"]].values.tolist() == [["popularity", 1], ["popularity", 3], ["itemknn", 1], ["itemknn", 3]]
    assert res["n_users"].nunique() == 1
    assert list(res.columns[3:13]) == KEYS
    assert ((res["ndcg@10"] > 0) & (res["ndcg@10"] <= 1)).all()
    payload = results_json(res)
    assert payload["protocol"] == "few-shot" and payload["k"] == 10 and payload["results"][0]["shots"] == 1


def test_cold_items_reach_held_out_items_only_through_text(sample, sample_embeddings):
    res = evaluate(sample, "cold-items", models=["ease", "content"], embeddings=sample_embeddings).set_index("model")
    # collaborative models cannot score cold items: that reads as "cannot score", not as a model scoring 0
    assert np.isnan(res.loc["ease", ["recall@10", "ndcg@10", "coverage"]].astype(float)).all()
    assert res.loc["ease", "note"].startswith("cannot score") and res.loc["content", "note"] == ""
    # REFERENCE.md: content item-kNN Recall@10 0.146 - 0.189, random ~0.03
    assert 0.12 < res.loc["content", "recall@10"] < 0.25
    assert res.loc["content", "coverage"] > 0.5


def test_profiles_follow_the_protocol(sample):
    split = warm_split(sample)
    profiles = split_profiles(split)
    assert [p.user_id for p in profiles] == list(split.test_users)
    first = profiles[0]
    assert set(first.liked) == set(split.profile_items(first.user_id))
    assert not set(first.liked) & set(split.test.loc[split.test["user_id"] == first.user_id, "item_id"])
    cold = cold_items_split(sample)
    held = set(cold.candidates)
    assert all(not (set(p.liked) & held) for p in split_profiles(cold)[:50])


def test_every_model_runs_on_tiny_data(tiny, tiny_embeddings, encoder):
    res = evaluate(tiny, "warm", embeddings=tiny_embeddings, encoder=encoder, k=2)
    assert res["model"].tolist() == ["popularity", "itemknn", "ease", "content", "hybrid"]
    assert "ndcg@2" in res.columns and np.isfinite(res["fit_seconds"]).all()


def test_a_catalogue_too_small_for_k_is_said_and_users_with_no_history_are_not_cold_item_test_users(tiny, tiny_embeddings):
    import pandas as pd

    res = evaluate(tiny, "warm", models=["popularity"], embeddings=tiny_embeddings)
    assert "only 5 item(s) to rank" in res["note"].iloc[0] and "cannot tell models apart" in res["note"].iloc[0]
    # 5 items to rank and a top 2: a random list finds 2 / 5 of what a user chose, which the figures are read against
    note = evaluate(tiny, "warm", models=["popularity"], embeddings=tiny_embeddings, k=2)["note"].iloc[0]
    assert "only 5 items to rank" in note and "random top-2 list would already find about 40%" in note
    assert "cannot tell models apart" not in note
    # a user whose only interactions are with held-out items has no profile: ties would score chance hits
    items = tiny.items[["item_id", "title"]]
    loner = recengine.read_dataset(pd.concat([tiny.interactions[["user_id", "item_id", "rating", "timestamp"]], pd.DataFrame(
        {"user_id": ["solo"], "item_id": ["a"], "rating": [5.0], "timestamp": [1]})]), items)
    held = {seed: set(cold_items_split(loner, seed=seed).candidates) for seed in range(40)}
    seed = next(s for s, h in held.items() if h == {"a"})
    split = cold_items_split(loner, seed=seed)
    assert "solo" not in set(split.test["user_id"]) and "solo" in set(loner.interactions["user_id"])
    ones = pd.DataFrame({"user_id": [f"v{i}" for i in range(10)], "item_id": [f"i{i}" for i in range(10)]})
    only = recengine.read_dataset(ones, pd.DataFrame({"item_id": ones["item_id"], "title": [f"Film {i}" for i in range(10)]}))
    with pytest.raises(recengine.errors.DataError, match="no user of the 2 held-out item"):
        cold_items_split(only)


def test_bad_arguments_are_user_errors(tiny, tiny_embeddings):
    with pytest.raises(ConfigError, match="unknown protocol"):
        evaluate(tiny, "cold", embeddings=tiny_embeddings)
    with pytest.raises(ConfigError, match="unknown model"):
        evaluate(tiny, "warm", models=["svd"], embeddings=tiny_embeddings)


def test_max_users_measures_a_seeded_sample_of_the_test_users(sample, sample_embeddings):
    from recengine.errors import ConfigError

    few = evaluate(sample, "few-shot", models=["popularity"], shots=(1, 3), embeddings=sample_embeddings, max_users=50)
    assert (few["n_users"] == 50).all()
    again = evaluate(sample, "few-shot", models=["popularity"], shots=(1, 3), embeddings=sample_embeddings, max_users=50)
    assert few["ndcg@10"].tolist() == again["ndcg@10"].tolist()  # the same sample each time
    whole = evaluate(sample, "warm", models=["popularity"], embeddings=sample_embeddings, max_users=10_000)
    assert whole["n_users"].iloc[0] == 943  # fewer users than the cap: all of them
    assert whole["note"].iloc[0] == ""
    part = evaluate(sample, "warm", models=["popularity"], embeddings=sample_embeddings, max_users=100)
    # the users the cap leaves out were called users with too few interactions
    assert part["note"].iloc[0] == "a seeded sample of 100 of the 943 test users is measured, as asked"
    with pytest.raises(ConfigError, match="max_users"):
        evaluate(sample, "warm", models=["popularity"], embeddings=sample_embeddings, max_users=0)


def test_progress_names_each_fit_and_the_steps_a_fit_reports(tiny, tiny_embeddings):
    """A fit of minutes (the hybrid's EASE on a large catalogue) shows its steps, not a bar that stands still."""
    from recengine.models import Popularity

    class TwoSteps(Popularity):  # a fit in two steps (a subclass that keeps Popularity's name is not registered);
        def _fit(self, dataset, embeddings=None, encoder=None):  # a class, as evaluate fits a fresh copy of it
            self.report(0, 2, "counting")
            super()._fit(dataset, embeddings=embeddings, encoder=encoder)
            self.report(1, 2, "sorting")
            self.report(2, 2, "sorted")  # the end, as the hybrid reports it: no "step 3 of 2"

    model = TwoSteps()
    heard = []
    evaluate(tiny, "warm", models=[model, "itemknn"], embeddings=tiny_embeddings, k=2,
             progress=lambda *a: heard.append(a))
    assert heard == [
        (0, 2, "fitting popularity"),
        (0, 2, "fitting popularity: step 1 of 2: counting"),
        (0, 2, "fitting popularity: step 2 of 2: sorting"),
        (0, 2, "fitting popularity: sorted"),
        (1, 2, "popularity"),
        (1, 2, "fitting itemknn"),
        (2, 2, "itemknn"),
    ]


def test_a_user_sample_is_the_same_users_at_every_shot_count(sample):
    """The sample was drawn from each split's test rows, which change with the shot count: 1 and 3 shots were
    measured on different users (10 of 50 in common)."""
    from recengine.data import make_split
    from recengine.evaluation.protocols import sample_users

    splits = make_split(sample, "few-shot", seed=42)
    users = [set(sample_users(s, 50, seed=42).test_users) for s in splits]
    assert len(users[0]) == 50 and users[0] == users[1] == users[2]


def test_novelty_is_not_measured_where_every_ranked_item_is_new(sample):
    res = evaluate(sample, "cold-items", models=["popularity", "content"])
    assert res["novelty"].isna().all() and res["popularity_bias"].isna().all()
    assert res.set_index("model").loc["content", "recall@10"] > 0


def test_users_left_out_and_a_handful_of_test_users_are_said():
    import pandas as pd

    import recengine

    rows = [(f"u{u}", f"i{(u * 3 + j) % 40}") for u in range(24) for j in range(6)] + [(f"solo{u}", "i1") for u in range(6)]
    ds = recengine.read_dataset(pd.DataFrame(rows, columns=["user", "item"]))
    note = evaluate(ds, "warm", models=["popularity"]).loc[0, "note"]
    assert "only 24 test user(s)" in note and "6 of 30 users are not measured" in note


def test_cold_items_says_which_users_of_the_held_out_items_are_left_out():
    import pandas as pd

    import recengine
    from recengine.data import cold_items_split
    from recengine.evaluation.protocols import who_is_measured

    rows = [(f"u{u}", f"i{(u * 3 + j) % 40}") for u in range(60) for j in range(6)]
    rows += [(f"solo{i}", f"i{i}") for i in range(40)]  # one user per item, with nothing else
    items = pd.DataFrame({"item": [f"i{i}" for i in range(40)], "title": [f"film number {i}" for i in range(40)]})
    ds = recengine.read_dataset(pd.DataFrame(rows, columns=["user", "item"]), items)
    split = cold_items_split(ds, seed=42)
    assert f"{len(split.candidates)} of the " in who_is_measured(split, ds)  # each held-out item's solo user
    assert "not measured: they have no other interaction" in who_is_measured(split, ds)


def test_two_settings_of_one_model_get_rows_told_apart(tiny, tiny_embeddings):
    """Two Popularity settings both read "popularity", and run_metrics kept only the second."""
    from recengine.evaluation import run_metrics
    from recengine.models import Popularity

    res = evaluate(tiny, "warm", models=[Popularity(), Popularity(log=False), Popularity()], embeddings=tiny_embeddings)
    assert res["model"].tolist() == ["popularity", "popularity (log=False)", "popularity #2"]
    assert len(run_metrics(res)) == 3


def test_temporal_protocol_measures_what_came_after_the_cut(sample, sample_embeddings):
    from recengine.data import make_split

    res = evaluate(sample, "temporal", models=["popularity", "ease"], embeddings=sample_embeddings)
    split = make_split(sample, "temporal")
    assert set(res["protocol"]) == {"temporal"} and res.attrs["cut"] == split.cut_summary
    by = res.set_index("model")
    assert (by["n_users"] == len(split.test_users)).all() and len(split.test_users) > 50
    # learning from co-occurrence beats counting, on the future as on a random split
    assert 0 < by.loc["popularity", "ndcg@10"] < by.loc["ease", "ndcg@10"] <= 1
    assert by.loc["ease", "coverage"] > by.loc["popularity", "coverage"]
    note = by.loc["ease", "note"]
    assert note.startswith(f"cut {split.cut.date()}: 20 % of interactions after it; {split.new_item_test:,} of ")
    assert "users active after the cut are not measured: they first came after it" in note
    assert results_json(res)["protocol"] == "temporal"


def test_the_temporal_note_names_the_users_who_came_after_the_cut():
    import pandas as pd

    import recengine
    from recengine.data import temporal_split
    from recengine.evaluation.protocols import who_is_measured

    day, t0 = 86_400, 1_700_000_000
    rows = [(f"u{u}", f"i{(u + j) % 9}", t0 + (u + j) * day) for u in range(8) for j in range(4)]
    rows += [(f"late{u}", "i1", t0 + 40 * day) for u in range(3)]  # three users first seen at the very end
    ds = recengine.read_dataset(pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]))
    split = temporal_split(ds)
    active = set(ds.interactions.loc[ds.interactions["timestamp"] > int(split.cut.timestamp()), "user_id"])
    assert {"late0", "late1", "late2"} <= active
    assert f"3 of the {len(active)} users active after the cut are not measured" in who_is_measured(split, ds)
