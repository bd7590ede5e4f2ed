"""Embedding speed: recengine's cached ``embed_items`` vs calling ``SentenceTransformer.encode`` directly.

Both run in this process on the same texts (the item texts of a dataset), with the same loaded model, device
and precision. Rows:
  - raw SentenceTransformer.encode       the baseline (normalize_embeddings=True, same batch size)
  - embed_items, cold cache              hashing + model + writing the cache; goal: >= 0.95x raw throughput
  - embed_items, warm cache (from disk)  shards read and verified again (a new process sees this); goal: >= 100x cold
  - embed_items, warm cache (in memory)  shards already verified in this process (the app's reruns)
Each figure is the best of ``--repeats`` runs; every cold run starts from an empty cache folder.

On one H200 (2026-12-04, ``--device cuda``: bf16, batch 512, the MovieLens-100K sample's 1,682 texts):

    run                                    seconds     texts/s  ratio
    raw SentenceTransformer.encode          0.1236       13604  baseline
    embed_items, cold cache                 0.1071       15698  1.15x raw throughput (goal >= 0.95)
    embed_items, warm cache (disk)          0.0089      188755  12x faster than cold (goal >= 100)
    embed_items, warm cache (memory)        0.0053      319977  20x faster than cold

The cold cache meets its goal; the warm cache's 100x does not hold on a GPU, where the model itself takes a tenth
of a second for the whole catalogue and reading and checking the shards takes 9 ms (on CPU, where the cold run
takes seconds, it does). The largest difference between our vectors and the raw ones is 7.3e-04 (bf16).

Run: .venv/bin/python benchmarks/embedding_speed.py [--device auto|cpu|cuda] [--repeats 3] [--sample movielens-100k]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import recengine
from recengine.text import Encoder, embed_items
from recengine.text.cache import clear_memory


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sample", default="movielens-100k")
    ap.add_argument("--batch-size", type=int, default=None)
    args = ap.parse_args()

    ds = recengine.load_sample(args.sample)
    texts = [t for t in ds.texts if t.strip()]
    home = tempfile.mkdtemp(prefix="recengine-bench-")
    os.environ["RECENGINE_HOME"] = home
    enc = Encoder("default", device=args.device)
    bs = args.batch_size or enc.batch_size
    print(f"device {enc.device} ({enc.precision}), batch {bs}, {len(texts)} texts, torch threads "
          f"{__import__('torch').get_num_threads()}")

    enc.model.encode(texts[:bs], batch_size=bs, show_progress_bar=False)  # warm-up: kernels, allocator
    raw_t, cold_t, disk_t, mem_t = [], [], [], []
    raw = ours = None
    def run_raw():
        t, out = timed(lambda: enc.model.encode(texts, batch_size=bs, normalize_embeddings=True, show_progress_bar=False))
        raw_t.append(t)
        return out

    def run_ours(r):
        os.environ["RECENGINE_HOME"] = os.path.join(home, f"cold-{r}")
        clear_memory()
        t, out = timed(lambda: embed_items(ds, enc, batch_size=bs))
        assert out.n_encoded == len(texts), out.n_encoded
        cold_t.append(t)
        return out

    for r in range(args.repeats):  # alternate which goes first, so drift in machine load hits both alike
        if r % 2 == 0:
            raw, ours = run_raw(), run_ours(r)
        else:
            ours, raw = run_ours(r), run_raw()
    for _ in range(max(5, args.repeats)):
        clear_memory()
        t, warm = timed(lambda: embed_items(ds, enc, batch_size=bs))
        assert warm.n_encoded == 0
        disk_t.append(t)
    for _ in range(max(5, args.repeats)):
        t, warm = timed(lambda: embed_items(ds, enc, batch_size=bs))
        mem_t.append(t)
    err = float(np.abs(np.asarray(raw, dtype=np.float32) - ours.vectors[ours.has_text]).max())

    raw_s, cold_s, disk_s, mem_s = min(raw_t), min(cold_t), min(disk_t), min(mem_t)
    rows = [
        ("raw SentenceTransformer.encode", raw_s, len(texts) / raw_s, "baseline"),
        ("embed_items, cold cache", cold_s, len(texts) / cold_s, f"{raw_s / cold_s:.2f}x raw throughput (goal >= 0.95)"),
        ("embed_items, warm cache (disk)", disk_s, len(texts) / disk_s, f"{cold_s / disk_s:.0f}x faster than cold (goal >= 100)"),
        ("embed_items, warm cache (memory)", mem_s, len(texts) / mem_s, f"{cold_s / mem_s:.0f}x faster than cold"),
    ]
    print(f"\n{'run':<36}{'seconds':>10}{'texts/s':>12}  ratio")
    for name, s, rate, note in rows:
        print(f"{name:<36}{s:>10.4f}{rate:>12.0f}  {note}")
    pair = np.median(np.array(raw_t) / np.array(cold_t))
    print(f"\nmedian of paired raw/ours cold ratios: {pair:.2f}; raw runs {[round(x, 2) for x in raw_t]}, "
          f"ours {[round(x, 2) for x in cold_t]}")
    print(f"max |ours - raw| over all vectors: {err:.2e}")


if __name__ == "__main__":
    main()
