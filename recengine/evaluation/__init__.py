"""Offline evaluation: metrics on the long recommendation table, and the protocols that use them."""

from recengine.evaluation.metrics import (
    coverage,
    hit_at_k,
    intra_list_diversity,
    map_at_k,
    mrr_at_k,
    ndcg_at_k,
    novelty,
    per_user_metrics,
    popularity_bias,
    ranking_metrics,
    recall_at_k,
)
from recengine.evaluation.protocols import EvaluationInterrupted, evaluate, results_json, run_metrics, split_profiles

__all__ = [
    "EvaluationInterrupted",
    "coverage",
    "evaluate",
    "hit_at_k",
    "intra_list_diversity",
    "map_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "novelty",
    "per_user_metrics",
    "popularity_bias",
    "ranking_metrics",
    "recall_at_k",
    "results_json",
    "run_metrics",
    "split_profiles",
]
