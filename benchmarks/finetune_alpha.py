"""How to mix the fine-tuned weights with the base (WiSE-FT alpha): fixed, chosen on validation, or guarded.

For each cold_items split (MovieLens-100K, one per seed) this does what ``finetune`` does, keeping every
intermediate result: the pseudo-cold validation (15 % of the train items held out, the encoder tuned on the
rest, content item-kNN per held-out user for each alpha in 0, 0.25, 0.5, 0.75, 1), then the real fine-tune on
the whole train split, judged on the split's cold items at each alpha. It then prints what each policy would
have shipped on the test items:

- ``zero``: the base encoder (alpha 0);
- ``pick``: the alpha with the best validation Recall@10 (``FineTuneConfig(alpha=None)``);
- ``fixed 1`` and ``fixed 0.75``: a set mix, no validation;
- ``guard 0.75``: 0.75 unless the base leads it on validation by more than one standard error of the paired
  per-user differences, then the base (the default, ``FineTuneConfig()``).

Measured on CPU (2 shared cores), default recipe 5, ``--seeds 42,1,2,7,3,4,5,6,8,9,10`` (about 4.5 minutes a
seed; seeds 8-10 were run after the policy was chosen on the others), test Recall@10 on the cold items:

    seed    zero    pick  fixed 1  fixed .75  guard .75  picked
      42  0.1864  0.1823   0.1890     0.1945     0.1945     0.5
       1  0.1685  0.1912   0.1912     0.1984     0.1984     1.0
       2  0.1711  0.1969   0.1969     0.1965     0.1965     1.0
       7  0.1737  0.2045   0.2197     0.2140     0.2140     0.5
       3  0.1433  0.1579   0.1579     0.1592     0.1592     1.0
       4  0.1681  0.1823   0.1834     0.1842     0.1842     0.5
       5  0.1781  0.1790   0.1790     0.1868     0.1868     1.0
       6  0.1546  0.1668   0.1836     0.1737     0.1737     0.5
       8  0.1624  0.1846   0.1846     0.1793     0.1793     1.0
       9  0.1699  0.1999   0.1999     0.1983     0.1983     1.0
      10  0.1666  0.1789   0.1790     0.1789     0.1789    0.75
    mean  0.1675  0.1840   0.1877     0.1876     0.1876
    gain         +0.0165  +0.0202    +0.0201    +0.0201

The validation pick is the weakest policy: one hold-out of ~200 items has per-user standard errors (about
0.004) as large as the gaps between alphas, so it picks 0.5 by chance on four splits (seed 42: 0.2801 vs
0.2794). Fixed 1 and fixed 0.75 tie on the mean; 0.75 gained on every split (smallest gain +0.008, against
+0.001 for 1; on seed 42 +0.008 against +0.003), so it is the default. The guard
never overrode it here; it is there for data where tuning hurts (the tests check that it catches a wrecked
encoder).

Run: .venv/bin/python benchmarks/finetune_alpha.py [--seeds 42,1,2,7] [--device auto]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import recengine
from recengine.text import Encoder
from recengine.text.encoder import resolve_device, resolve_precision
from recengine.text.finetune import (
    ALPHAS,
    FineTuneConfig,
    _pseudo_cold,
    _summary,
    _train,
    alpha_mixes,
    base_lead,
    best_alpha,
)
from recengine.text.quality import cold_item_quality


def run_seed(seed: int, device: str) -> dict:
    ds = recengine.load_sample("movielens-100k")
    base = Encoder("default", device=device)
    precision = resolve_precision(device, "auto")
    cfg = FineTuneConfig(seed=seed, device=device)
    split = recengine.make_split(ds, "cold_items", seed=seed)
    t = time.perf_counter()
    # the library's own pseudo-cold validation (what choose_alpha and guard_alpha look at), every alpha
    _, v, _ = _pseudo_cold(split.train, base, cfg, ALPHAS, device, precision, None)
    model, _, _ = _train(split.train, base, cfg, device, precision, None)
    texts = list(ds.texts)
    test = {a: cold_item_quality(split, enc.encode(texts))["recall@10"] for a, enc in alpha_mixes(model, base, ALPHAS, device)}
    scores = _summary(v)
    picked = best_alpha(scores)
    lead, se = base_lead(v[0.0], v[0.75])
    guard = 0.0 if lead > se else 0.75
    row = {"seed": seed, "zero": test[0.0], "pick": test[picked], "fixed 1": test[1.0], "fixed .75": test[0.75],
           "guard .75": test[guard], "picked": picked, "seconds": time.perf_counter() - t}
    print(f"seed {seed}: validation Recall@10 by alpha "
          + ", ".join(f"{a}: {s['recall@10']:.4f}" for a, s in scores.items())
          + f"; base lead over 0.75 {lead:+.4f} (standard error {se:.4f}); test Recall@10 by alpha "
          + ", ".join(f"{a}: {test[a]:.4f}" for a in ALPHAS) + f" ({row['seconds']:.0f} s)", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="42,1,2,7", help="comma-separated split seeds")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = resolve_device(args.device)
    rows = [run_seed(int(s), device) for s in args.seeds.split(",")]
    cols = ["zero", "pick", "fixed 1", "fixed .75", "guard .75"]
    print(f"\n{'seed':>6}" + "".join(f"{c:>{max(8, len(c) + 2)}}" for c in cols) + f"{'picked':>8}")
    for r in rows:
        print(f"{r['seed']:>6}" + "".join(f"{r[c]:>{max(8, len(c) + 2)}.4f}" for c in cols) + f"{r['picked']:>8}")
    print(f"{'mean':>6}" + "".join(f"{np.mean([r[c] for r in rows]):>{max(8, len(c) + 2)}.4f}" for c in cols))
    print(f"{'gain':>6}" + "".join(f"{np.mean([r[c] - r['zero'] for r in rows]):>+{max(8, len(c) + 2)}.4f}" for c in cols))


if __name__ == "__main__":
    main()
