"""Loading large logs: ``read_dataset`` beside pandas reading the same file, and the loader's two slowest steps
(cleaning ids, reading date text) beside how they ran before, in the same process, with identical output checked.

Files are synthetic and written to a temporary folder: a million ratings with unix seconds, a million with US date
text ("11/13/2019 8:00:00 AM", 50,000 distinct times), and a MIND-small-sized impression log (157,000 rows, a click
history and 2-40 labelled impressions a row, about 1.7 million interactions once read). ``pandas`` is
``pd.read_csv(dtype=str)`` alone: the floor, which validates nothing. ``ratio`` is ours over it.

Before, ids were cleaned one row at a time and dates parsed with ``format="mixed"`` (dateutil, value by value, on
every row); now each distinct id and time is cleaned once, and the format pandas guesses for the first dates reads
every value that fits it at once. Item texts of a wide catalogue (a Yelp-like name and 40 attributes, 30% filled)
were built reading each cell back with ``Series.iat``; now each column is read into a list once.

Measured on CPU (2 shared cores), one run:

    file                         rows in  interactions  pandas s  ours s  ratio
    ratings, unix seconds      1,000,000       656,201      0.48    2.80   5.89
    ratings, US date text      1,000,000       656,201      0.48    3.74   7.87
    MIND-like impressions        157,000     1,715,903      0.40    9.53  23.90

    kernel                                rows  before s  ours s  speed-up  same
    clean user ids                   1,000,000      0.81    0.11      7.34  True
    parse US date text               1,000,000     34.94    0.67     51.78  True
    item texts, 41 columns             100,000     24.56    2.05     12.00  True

(A million rows hold 656,201 distinct (user, item) pairs: the rest are repeats, merged.) The MIND-like log took 26 s
to read before this change. Most of what remains there is reading the lists themselves (one row per item) and
merging repeated (user, item) pairs.

Run: .venv/bin/python benchmarks/load_speed.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import recengine
from recengine.data.readers import Table
from recengine.data.validate import _id_to_str, _parse_dates, build_texts, cell_text, clean_ids, column_labels


def write_ratings(path: Path, rows: int, dates: bool, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    users = rng.integers(0, rows // 20, rows)
    items = np.minimum(rng.zipf(1.3, rows), 50_000)
    seconds = rng.integers(1_500_000_000, 1_500_000_000 + 50_000 * 60, rows) // 60 * 60  # 50,000 distinct minutes
    frame = pd.DataFrame({"user_id": users, "item_id": items, "rating": rng.integers(1, 6, rows)})
    if dates:
        frame["date"] = pd.to_datetime(seconds, unit="s").strftime("%m/%d/%Y %-I:%M:%S %p")
    else:
        frame["timestamp"] = seconds
    frame.to_csv(path, index=False)


def write_impressions(path: Path, rows: int = 157_000, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    news = np.array([f"N{i}" for i in range(1000, 52_000)])
    history: dict[int, str] = {}
    lines = []
    for imp in range(1, rows + 1):
        user = int(rng.integers(1, 50_000))
        if user not in history:
            history[user] = " ".join(rng.choice(news, int(rng.integers(0, 61)), replace=False))
        shown = rng.choice(news, int(rng.integers(2, 41)), replace=False)
        labels = (rng.random(len(shown)) < 0.04).astype(int)
        labels[0] = 1
        when = f"11/{rng.integers(9, 15)}/2019 {rng.integers(1, 13)}:{rng.integers(10, 60)}:{rng.integers(10, 60)} AM"
        lines.append(f"{imp}\tU{user}\t{when}\t{history[user]}\t{' '.join(f'{n}-{x}' for n, x in zip(shown, labels))}")
    path.write_text("\n".join(lines) + "\n")


def clean_ids_before(values: pd.Series) -> pd.Series:
    """Each row looked at for nested values, then cleaned, as ``clean_ids`` did."""
    values.map(lambda v: isinstance(v, (dict, list, tuple, np.ndarray)))
    return values.map(_id_to_str)


def write_catalogue(items: int = 100_000, seed: int = 2) -> pd.DataFrame:
    """A Yelp-like catalogue: a name and 40 attributes, each written for three items in ten."""
    rng = np.random.default_rng(seed)
    attributes = {f"attributes.A{i}": np.where(rng.random(items) < 0.3, rng.choice(["True", "False", "u'free'", "quiet"],
                                                                                  items), None) for i in range(40)}
    return pd.DataFrame({"business_id": np.arange(items).astype(str), "name": [f"Shop {i}" for i in range(items)],
                         **attributes})


def texts_before(frame: pd.DataFrame, chosen: list[str]) -> list[str]:
    """Each cell read back with ``Series.iat``, as ``build_texts`` did."""
    cells = {c: frame[c].map(cell_text) for c in chosen}
    labels = column_labels(chosen)
    rows = []
    for i in range(len(frame)):
        parts = [f"{labels[c]}: {cells[c].iat[i]}" for c in chosen if cells[c].iat[i]]
        rows.append(". ".join(p.rstrip(".") for p in parts) + ("." if parts else ""))
    return rows


def dates_before(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, errors="coerce", utc=True, format="mixed")


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of each ratings file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = [("ratings, unix seconds", Path(tmp) / "ratings.csv", ","),
                 ("ratings, US date text", Path(tmp) / "ratings_dates.csv", ","),
                 ("MIND-like impressions", Path(tmp) / "behaviors.tsv", "\t")]
        write_ratings(files[0][1], args.rows, dates=False)
        write_ratings(files[1][1], args.rows, dates=True)
        write_impressions(files[2][1])

        print(f"{'file':<26}{'rows in':>10}{'interactions':>14}{'pandas s':>10}{'ours s':>8}{'ratio':>7}")
        loaded = {}
        for label, path, sep in files:
            raw, floor = timed(pd.read_csv, path, sep=sep, dtype=str, header=None if sep == "\t" else "infer")
            ds, ours = timed(recengine.read_dataset, path)
            loaded[label] = ds
            print(f"{label:<26}{len(raw):>10,}{ds.n_interactions:>14,}{floor:>10.2f}{ours:>8.2f}{ours / floor:>7.2f}")

        print(f"\n{'kernel':<30}{'rows':>12}{'before s':>10}{'ours s':>8}{'speed-up':>10}{'same':>6}")
        ids = pd.read_csv(files[0][1], dtype=str, usecols=["user_id"])["user_id"]
        table = Table(pd.DataFrame({"user": ids}), "ids")
        before, t_before = timed(clean_ids_before, ids)
        ours, t_ours = timed(clean_ids, table, "user", "user")
        same = bool((before.to_numpy() == ours.to_numpy()).all())
        print(f"{'clean user ids':<30}{len(ids):>12,}{t_before:>10.2f}{t_ours:>8.2f}{t_before / t_ours:>10.2f}{same!s:>6}")
        text = pd.read_csv(files[1][1], dtype=str, usecols=["date"])["date"]
        table = Table(pd.DataFrame({"date": text}), "dates")
        before, t_before = timed(dates_before, text)
        ours, t_ours = timed(_parse_dates, table, "date", text)
        same = bool((before == ours).all())  # the same instants (pandas may pick another resolution)
        print(f"{'parse US date text':<30}{len(text):>12,}{t_before:>10.2f}{t_ours:>8.2f}{t_before / t_ours:>10.2f}{same!s:>6}")
        catalogue = write_catalogue()
        chosen = [c for c in catalogue.columns if c != "business_id"]
        before, t_before = timed(texts_before, catalogue, chosen)
        (ours, _), t_ours = timed(build_texts, Table(catalogue, "items"), "business_id", chosen)
        same = before == ours.tolist()
        print(f"{'item texts, 41 columns':<30}{len(catalogue):>12,}{t_before:>10.2f}{t_ours:>8.2f}{t_before / t_ours:>10.2f}"
              f"{same!s:>6}")


if __name__ == "__main__":
    main()
