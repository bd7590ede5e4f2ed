"""One recommendation list on a large catalogue, as the app's Recommend page makes it: ``rerank.recommend`` (top 10)
then ``explain_many`` (SHAP of the signals and Shapley values of the history, budget 1024), ours beside the
baseline in the same process: the same ``explain_many`` with ``recengine.explain.core.HISTORY_SCORER`` off, which
scores every coalition of the history game over the whole catalogue, as every explanation did before.

Where the time went: the history game scores hundreds of coalitions (sub-profiles) of the profile, and each went
through ``Hybrid.score_with_sizes``, which builds the (signals x coalitions x items) tensor of the whole catalogue
(sparse products, standardisation, NaN handling: 4.0 of 5.4 s for a 159-item profile on 20,000 items, the rest
``import shap`` on the first list) to keep ten columns of it. Ours (``Hybrid.history_scorer``) does the per-profile
work once (each liked item's row of each signal, their means and covariance over the catalogue) and scores only the
explained items' columns; the co-occurrence signal, a logarithm, is still summed over the catalogue, in float32
blocks. Its small products run BLAS on one thread: on two shared cores a second BLAS thread waited more than it
worked (a 100 x 100 covariance over 20,000 items: 0.015-0.6 s on two threads, 0.007 s on one).

The data is synthetic (:func:`dataset`): power-law item popularity, 3 users and about 46 interactions per item, users
drawing 5 to 200 items (fewer once repeats merge), item texts of a title, a year and two or three genres. ``max |dSHAP|`` is the largest difference
of a history value between ours and the baseline (float rounding: the signals view is the same code).

Measured on CPU (2 shared cores, median of 3), ``--items 20000`` (60,000 users, 929,136 interactions; the first run
embeds for 5 min and fits the hybrid for 12 min, later runs load both from ``$RECENGINE_HOME`` in seconds):

                  profile  players  recommend s  explain s (baseline)  explain s (ours)  speed-up  max |dSHAP|
    known user, 100 items      101        0.007                  2.49              0.14      18.0      2.2e-07
    known user, 175 items      176        0.012                  2.41              0.28       8.6      3.6e-07
     new visitor, 3 items        4        0.004                  0.02              0.01       2.1      5.7e-07
      3 items, 1 disliked        4        0.018                  0.02              0.01       2.0      5.7e-07
    2 items and a request        4        0.005                  0.03              0.02       1.8      3.9e-07
       600 items (pooled)      128        0.027                  9.23              1.30       7.1      2.6e-07

``recommend`` is unchanged (one profile's scores over the catalogue: milliseconds). The first list in a process
also pays ``import shap`` (1.4-5 s) and, for a request, loading the encoder; this benchmark pays both before timing.

Run: .venv/bin/python benchmarks/large_catalogue_lists.py [--items 20000] [--budget 1024] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import recengine
from recengine import rerank
from recengine.explain import core, explain_many
from recengine.models import Hybrid, Profile
from recengine.models.base import fit_cached
from recengine.text import Encoder, embed_items

GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
WORDS = ["night", "story", "red", "space", "time", "slow", "river", "day", "quick", "light", "dark", "city", "green",
         "love", "war", "blue", "sea", "song", "game", "wild", "iron", "gold", "last", "house", "king", "road"]


def dataset(n_items: int, seed: int = 0) -> recengine.Dataset:
    """Synthetic and long-tailed: 3 users and 50 draws per item (20,000 items: 60,000 users and 929,136
    interactions once repeated pairs merge), item popularity a power law, each user drawing 5 to 200 items, a short
    title, a year and two or three genres per item."""
    rng = np.random.default_rng(seed)
    n_users = 3 * n_items
    per_user = np.minimum(200, np.maximum(5, np.round(5 * rng.pareto(1.25, size=n_users) + 5))).astype(np.int64)
    per_user = np.minimum(200, np.maximum(5, np.round(per_user * (50 * n_items) / per_user.sum()))).astype(np.int64)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.9
    popularity = popularity[rng.permutation(n_items)]
    popularity /= popularity.sum()
    users = np.repeat(np.arange(n_users), per_user)
    items = rng.choice(n_items, size=len(users), p=popularity)
    inter = pd.DataFrame({"user_id": users.astype(str), "item_id": items.astype(str)}).drop_duplicates()
    titles = [" ".join(rng.choice(WORDS, rng.integers(1, 4))).title() for _ in range(n_items)]
    genres = [", ".join(rng.choice(GENRES, rng.integers(2, 4), replace=False)) for _ in range(n_items)]
    table = pd.DataFrame({"item_id": np.arange(n_items).astype(str), "title": titles,
                          "year": rng.integers(1930, 2025, size=n_items), "genres": genres})
    return recengine.read_dataset(inter, table, text="{title} ({year}). Genres: {genres}", name=f"synthetic-lists-{n_items}")


def profiles(ds: recengine.Dataset) -> dict[str, Profile]:
    """Known users with long histories, a new visitor with three liked items (and one disliked, as after a click),
    a request with two items, and a profile too long for the budget (its items are pooled)."""
    counts = np.diff(ds.matrix.indptr)
    order = np.argsort(-counts, kind="stable")
    popular = ds.item_map.to_external(np.argsort(-ds.item_popularity, kind="stable"))
    long_user = ds.user_map.external[int(order[np.searchsorted(-counts[order], -100, side="right") - 1])]
    top_user = ds.user_map.external[int(order[0])]
    return {
        f"known user, {counts[ds.user_map.index(long_user)]} items": Profile.from_user(ds, long_user),
        f"known user, {counts[ds.user_map.index(top_user)]} items": Profile.from_user(ds, top_user),
        "new visitor, 3 items": Profile.from_items(popular[[5, 50, 300]]),
        "3 items, 1 disliked": Profile.from_items(popular[[5, 50, 300]], disliked=popular[[7]]),
        "2 items and a request": Profile.from_items(popular[[20, 400]], intent="a war film at sea"),
        "600 items (pooled)": Profile.from_items(popular[np.arange(0, 1200, 2)]),
    }


def timed(fn, repeats: int):
    """The result of ``fn()`` and the median of ``repeats`` timings."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - start)
    return out, float(np.median(seconds))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--budget", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import shap  # noqa: F401  (imported once by the app too: not a list's cost)

    start = time.perf_counter()
    ds = dataset(args.items)
    encoder = Encoder("default", device="cpu")
    emb = embed_items(ds, encoder)
    model = fit_cached(Hybrid(device="cpu"), ds, embeddings=emb, encoder=encoder)
    print(f"{ds.n_items:,} items, {ds.n_users:,} users, {ds.n_interactions:,} interactions; data, embeddings and "
          f"the hybrid ready in {time.perf_counter() - start:.0f} s", flush=True)
    rows = []
    for label, profile in profiles(ds).items():
        def recommend(profile=profile):
            return rerank.recommend(model, profile, k=10, embeddings=(emb.vectors, emb.item_ids),
                                    popularity=ds.item_popularity)

        recommend()  # a request's first list loads the encoder: once per process, not per list
        recs, rec_s = timed(recommend, args.repeats)
        items = list(recs["item_id"])
        ours, ours_s = timed(lambda profile=profile, items=items: explain_many(model, profile, items, budget=args.budget),
                             args.repeats)
        core.HISTORY_SCORER = False
        try:
            base, base_s = timed(lambda profile=profile, items=items: explain_many(model, profile, items,
                                                                                     budget=args.budget), args.repeats)
        finally:
            core.HISTORY_SCORER = True
        diff = max(float(np.max(np.abs(a.history.values - b.history.values), initial=0.0)) for a, b in zip(ours, base))
        same = all(a.history.feature_names == b.history.feature_names for a, b in zip(ours, base))
        rows.append({"profile": label, "players": len(ours[0].history.values), "recommend s": round(rec_s, 3),
                     "explain s (baseline)": round(base_s, 2), "explain s (ours)": round(ours_s, 2),
                     "speed-up": round(base_s / ours_s, 1), "list s (baseline)": round(rec_s + base_s, 2),
                     "list s (ours)": round(rec_s + ours_s, 2), "max |dSHAP|": f"{diff:.1e}" + ("" if same else " (players differ)")})
        print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
