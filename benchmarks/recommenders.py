"""Quality and speed of the five recommenders on MovieLens-100K, each beside a baseline measured in this run.

Quality: the four protocols (seed 42) for popularity, itemknn, ease, content and hybrid, with the issue's
reference figures printed beside ours. Speed: fitting each model on the whole sample (embeddings cached)
beside a plain-numpy EASE fit, and one profile's top-10 beside a plain-numpy EASE top-10 (x @ B, argpartition).

    .venv/bin/python benchmarks/recommenders.py                 # everything (~3-5 minutes on 2 cores)
    .venv/bin/python benchmarks/recommenders.py --skip-quality  # speed only
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

import recengine
from recengine.evaluation import evaluate
from recengine.models import EASE, ContentKNN, Hybrid, ItemKNN, Popularity, Profile
from recengine.text import Encoder, embed_items

# issue 5 / ../shared/REFERENCE.md (peers' code on the same protocols, seed 42)
REFERENCE = {
    ("warm", "ease"): "NDCG 0.444 (RecBole/RecTools/numpy)",
    ("warm", "popularity"): "NDCG 0.221",
    ("warm", "itemknn"): "NDCG 0.393",
    ("warm", "hybrid"): "goal NDCG >= 0.46, must beat EASE",
    ("cold-items", "content"): "Recall 0.182 (MiniLM content kNN)",
    ("cold-items", "hybrid"): "within 5 % of content",
    ("few-shot", "hybrid"): "best of the five at each shot count",
}
SHOW = ["model", "recall@10", "ndcg@10", "hit@10", "coverage", "diversity", "novelty", "popularity_bias", "fit_seconds"]


def numpy_ease_fit(X: np.ndarray, lam: float) -> np.ndarray:
    """The textbook EASE in plain numpy (the baseline every peer agrees with)."""
    G = X.T @ X + lam * np.eye(X.shape[1])
    P = np.linalg.inv(G)
    B = -P / np.diag(P)
    np.fill_diagonal(B, 0.0)
    return B


def quality(ds: recengine.Dataset, emb, enc) -> None:
    for protocol in ("warm", "few-shot", "cold-items", "temporal"):
        start = time.perf_counter()
        res = evaluate(ds, protocol, embeddings=emb, encoder=enc)
        res["reference"] = [REFERENCE.get((protocol, m), "") for m in res["model"]]
        cols = (["shots"] if "shots" in res else []) + SHOW + ["reference"]
        if "shots" in res:
            res = res.sort_values(["shots", "model"])
        print(f"\n## {protocol} (seed 42) - {time.perf_counter() - start:.0f} s")
        with pd.option_context("display.width", 250, "display.max_columns", 30):
            print(res[cols].round(4).to_string(index=False))
        if protocol == "warm":
            r = res.set_index("model")["ndcg@10"]
            print(f"hybrid / EASE NDCG@10 = {r['hybrid'] / r['ease']:.3f}")
        if protocol == "cold-items":
            r = res.set_index("model")
            print(f"hybrid / content Recall@10 = {r.loc['hybrid', 'recall@10'] / r.loc['content', 'recall@10']:.3f}, "
                  f"NDCG@10 = {r.loc['hybrid', 'ndcg@10'] / r.loc['content', 'ndcg@10']:.3f}")
        if protocol == "few-shot":
            best = res.loc[res.groupby("shots")["ndcg@10"].idxmax(), ["shots", "model", "ndcg@10"]]
            print("best per shot count:", ", ".join(f"{s}: {m} {v:.4f}" for s, m, v in best.itertuples(index=False)))


def speed(ds: recengine.Dataset, emb, enc, repeat: int) -> None:
    X = ds.matrix.toarray().astype(np.float64)
    base = []
    for _ in range(repeat):
        t = time.perf_counter()
        B_np = numpy_ease_fit(X, 300.0)
        base.append(time.perf_counter() - t)
    base_fit = statistics.median(base)
    rows, models = [], {}
    for cls, kwargs in ((Popularity, {}), (ItemKNN, {}), (EASE, {}), (ContentKNN, {}), (Hybrid, {})):
        times = []
        for _ in range(repeat if cls is not Hybrid else 1):
            model = cls(**kwargs)
            t = time.perf_counter()
            model.fit(ds, embeddings=emb, encoder=enc)
            times.append(time.perf_counter() - t)
        models[model.name] = model
        rows.append({"what": f"fit {model.name}", "ours_s": statistics.median(times), "baseline": "numpy EASE fit", "baseline_s": base_fit})
    total = sum(r["ours_s"] for r in rows)
    rows.append({"what": "fit all five", "ours_s": total, "baseline": "numpy EASE fit", "baseline_s": base_fit})

    rng = np.random.default_rng(0)
    users = rng.choice(ds.user_map.external, size=50, replace=False)
    profiles = [Profile.from_user(ds, u) for u in users]
    new_users = [Profile.from_items(list(p.liked)[:3]).with_intent("a funny film for a family evening") for p in profiles[:20]]

    def numpy_top10(p: Profile) -> None:
        x = np.zeros(ds.n_items)
        x[ds.item_map.to_internal(list(p.liked))] = 1.0
        s = x @ B_np
        s[x > 0] = -np.inf
        top = np.argpartition(-s, 10)[:10]
        top[np.argsort(-s[top])]

    def latency(fn, items) -> float:
        fn(items[0])  # warm-up (lazy imports, caches)
        out = []
        for p in items:
            t = time.perf_counter()
            fn(p)
            out.append(time.perf_counter() - t)
        return statistics.median(out)

    base_lat = latency(numpy_top10, profiles)
    for name, model in models.items():
        ours = latency(lambda p, m=model: m.recommend(p, k=10), profiles)
        rows.append({"what": f"top-10, one known user, {name}", "ours_s": ours, "baseline": "numpy EASE top-10", "baseline_s": base_lat})
    ours = latency(lambda p: models["hybrid"].recommend(p, k=10), new_users)
    rows.append({"what": "top-10, 3 items + intent, hybrid", "ours_s": ours, "baseline": "numpy EASE top-10", "baseline_s": base_lat})
    table = pd.DataFrame(rows)
    table["ratio"] = table["ours_s"] / table["baseline_s"]
    table["ours_ms"] = table["ours_s"] * 1000
    table["baseline_ms"] = table["baseline_s"] * 1000
    print("\n## speed (MovieLens-100K, embeddings cached; medians)")
    with pd.option_context("display.width", 250):
        print(table[["what", "ours_ms", "baseline", "baseline_ms", "ratio"]].round(2).to_string(index=False))
    print("targets: fit all five < 30 s on 2 CPU cores; one profile's top-10 < 50 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="repeats of each fit for the speed medians")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    import torch

    print(f"torch threads: {torch.get_num_threads()}, device: {args.device}")
    ds = recengine.load_sample("movielens-100k")
    enc = Encoder("default", device=args.device)
    t = time.perf_counter()
    emb = embed_items(ds, enc)
    print(f"embeddings: {emb.n_cached} cached, {emb.n_encoded} encoded in {time.perf_counter() - t:.1f} s")
    if not args.skip_quality:
        quality(ds, emb, enc)
    if not args.skip_speed:
        speed(ds, emb, enc, args.repeat)


if __name__ == "__main__":
    main()
