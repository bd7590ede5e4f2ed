"""Metrics on hand-worked cases, against ranx on random cases, and their invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recengine.evaluation.metrics import (
    coverage,
    intra_list_diversity,
    novelty,
    per_user_metrics,
    popularity_bias,
    ranking_metrics,
)


def recs_of(lists: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(u, i, float(len(items) - r), r + 1) for u, items in lists.items() for r, i in enumerate(items)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "score", "rank"])


def test_hand_worked_case() -> None:
    recs = recs_of({"u1": ["a", "b", "c", "d"], "u2": ["x", "y", "z", "w"]})
    test = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "item_id": ["b", "d", "q"]})
    m = ranking_metrics(recs, test, k=3)
    # u1: relevant {b, d}; top-3 = a b c -> 1 hit at rank 2. u2: no hit.
    assert m["recall"] == pytest.approx((1 / 2 + 0) / 2)
    idcg_u1 = 1 + 1 / math.log2(3)
    assert m["ndcg"] == pytest.approx(((1 / math.log2(3)) / idcg_u1 + 0) / 2)
    assert m["hit"] == pytest.approx(0.5)
    assert m["mrr"] == pytest.approx((1 / 2) / 2)
    assert m["map"] == pytest.approx(((1 / 2) / 2) / 2)


def test_users_without_recommendations_count_as_zero() -> None:
    recs = recs_of({"u1": ["a"]})
    test = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "a"]})
    assert ranking_metrics(recs, test, k=10)["recall"] == pytest.approx(0.5)


def test_beyond_accuracy() -> None:
    recs = recs_of({"u1": ["a", "b"], "u2": ["a", "c"]})
    assert coverage(recs, n_items=4, k=2) == pytest.approx(3 / 4)
    ids = np.array(["a", "b", "c"])
    vecs = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    # u1: identical items -> distance 0; u2: orthogonal -> distance 1.
    assert intra_list_diversity(recs, ids, vecs, k=2) == pytest.approx(0.5)
    # items without text have zero vectors: left out, not counted as "unlike everything" (the value stayed above 1)
    three = recs_of({"u1": ["a", "b", "c"], "u2": ["a", "c", "b"]})
    vecs = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 0.0]])
    assert intra_list_diversity(three, ids, vecs, k=3) == pytest.approx(0.4)
    assert np.isnan(intra_list_diversity(recs_of({"u1": ["a", "c"]}), ids, vecs, k=2))
    pop = np.array([4, 2, 1])
    assert novelty(recs, ids, pop, n_users=4, k=2) == pytest.approx(np.mean([0, 1, 0, 2]))
    assert popularity_bias(recs, ids, pop, n_users=4, k=2) == pytest.approx(np.mean([1, 0.5, 1, 0.25]))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 100_000))
def test_against_ranx(seed: int) -> None:
    from ranx import Qrels, Run, evaluate

    rng = np.random.default_rng(seed)
    items = [f"i{j}" for j in range(30)]
    lists, rel = {}, {}
    for u in range(8):
        lists[f"u{u}"] = list(rng.permutation(items)[: rng.integers(1, 15)])
        rel[f"u{u}"] = list(rng.choice(items, size=rng.integers(1, 12), replace=False))
    recs = recs_of(lists)
    test = pd.DataFrame([(u, i) for u, its in rel.items() for i in its], columns=["user_id", "item_id"])
    ours = per_user_metrics(recs, test, k=10)
    qrels = Qrels({u: dict.fromkeys(its, 1) for u, its in rel.items()})
    run = Run({u: {i: float(100 - r) for r, i in enumerate(its)} for u, its in lists.items()})
    theirs = evaluate(qrels, run, ["recall@10", "ndcg@10", "hit_rate@10", "mrr@10", "map@10"], return_mean=False)
    users = sorted(rel)
    n_rel = np.array([len(rel[u]) for u in users])
    np.testing.assert_allclose(ours.loc[users, "recall"], theirs["recall@10"], atol=1e-9)
    np.testing.assert_allclose(ours.loc[users, "ndcg"], theirs["ndcg@10"], atol=1e-9)
    np.testing.assert_allclose(ours.loc[users, "hit"], theirs["hit_rate@10"], atol=1e-9)
    np.testing.assert_allclose(ours.loc[users, "mrr"], theirs["mrr@10"], atol=1e-9)
    # ranx divides AP by all relevant items; ours (RecBole's convention) by min(k, relevant).
    np.testing.assert_allclose(ours.loc[users, "map"], theirs["map@10"] * n_rel / np.minimum(n_rel, 10), atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 20))
def test_metric_bounds(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    items = [f"i{j}" for j in range(25)]
    recs = recs_of({f"u{u}": list(rng.permutation(items)[:k]) for u in range(5)})
    test = pd.DataFrame({"user_id": [f"u{u}" for u in rng.integers(0, 5, 12)], "item_id": rng.choice(items, 12)})
    m = ranking_metrics(recs, test, k=k)
    for name, value in m.items():
        assert 0.0 <= value <= 1.0 + 1e-12, name
    assert m["mrr"] <= m["hit"] + 1e-12


def test_a_hand_made_list_with_a_repeated_item_or_number_ids_is_measured_as_the_engine_would():
    test = pd.DataFrame({"user_id": ["1"], "item_id": ["b"]})
    repeated = pd.DataFrame({"user_id": ["1"] * 3, "item_id": ["b", "b", "c"], "rank": [1, 2, 3]})
    got = ranking_metrics(repeated, test, k=3)
    assert got["recall"] == 1.0 and got["map"] == 1.0 and got["ndcg"] == pytest.approx(1.0)
    numbers = pd.DataFrame({"user_id": [1, 1], "item_id": ["c", "b"], "rank": [1, 2]})
    assert ranking_metrics(numbers, test, k=2)["mrr"] == 0.5
