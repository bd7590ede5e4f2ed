"""The hybrid's whole fit on a large catalogue: ours (above 5,000 items, warm and few-shot validation users share one
split, so the base models are fitted twice) beside the same fit with three validation splits (four fits, what every
catalogue got before), in the same process.

The data is synthetic and long-tailed (``benchmarks/ease_fit.py``'s ``interactions``: three users per item, 30
interactions per item, repeated pairs merged) with a short random text per item; the embeddings are computed once, before either fit,
and shared, so the table times the fits alone. ``steps`` is how many stages the fit reported.

Measured on CPU (2 shared cores), one fit each:

     items  users interactions              validation  steps  fit s  speed-up
    20,000 59,998      480,104 three splits (baseline)      4  272.0      1.00
    20,000 59,998      480,104 one shared split (ours)      2  129.9      2.09

On one H200 (2026-12-04, ``--device cuda --items 5000``; 20,000 items did not finish inside the check's 40 s):
19.0 s with three splits, 18.3 s with one, 4 steps each, since a catalogue of up to 5,000 items keeps three splits.

The neighbour kernels' own speed-up (``benchmarks/neighbor_topk.py``) is in both rows. What one shared split costs
in quality is measured on MovieLens-100K in ``recengine/models/hybrid_fit.py`` (``validation_setups``).

Run: .venv/bin/python benchmarks/hybrid_fit.py [--items 20000] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from ease_fit import interactions

import recengine
from recengine.models import Hybrid
from recengine.text import Encoder, embed_items

WORDS = ["night", "story", "red", "space", "time", "slow", "river", "day", "quick", "light", "dark", "gamma", "city",
         "alpha", "green", "beta", "love", "war", "blue", "delta", "sea", "song", "game", "wild", "iron", "gold"]


def dataset(n_items: int, seed: int = 0) -> recengine.Dataset:
    X = interactions(n_items, seed).tocoo()
    rng = np.random.default_rng(seed)
    inter = pd.DataFrame({"user_id": X.row.astype(str), "item_id": X.col.astype(str)}).drop_duplicates()
    items = pd.DataFrame({"item_id": np.arange(n_items).astype(str),
                          "title": [" ".join(rng.choice(WORDS, 3)) for _ in range(n_items)],
                          "description": [" ".join(rng.choice(WORDS, 12)) for _ in range(n_items)]})
    return recengine.read_dataset(inter, items, name=f"synthetic-{n_items}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    ds = dataset(args.items)
    encoder = Encoder("default", device=args.device)
    vectors = embed_items(ds, encoder)
    rows = []
    for label, shared_above in (("three splits (baseline)", 10**9), ("one shared split (ours)", Hybrid().config.shared_split_items)):
        steps: list[str] = []
        start = time.perf_counter()
        Hybrid(shared_split_items=shared_above, device=args.device).fit(ds, vectors, encoder, progress=lambda d, t, m, heard=steps: heard.append(m))
        seconds = time.perf_counter() - start
        rows.append({"items": f"{ds.n_items:,}", "users": f"{ds.n_users:,}", "interactions": f"{ds.n_interactions:,}",
                     "validation": label, "steps": len(steps), "fit s": round(seconds, 1)})
        print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    rows[0]["speed-up"], rows[1]["speed-up"] = 1.0, round(rows[0]["fit s"] / rows[1]["fit s"], 2)
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
