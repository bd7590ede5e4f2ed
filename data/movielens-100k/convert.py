"""One-off conversion of the RecBole copy of MovieLens-100K into the files committed here.

Run once by hand (not at install or run time); recbole is not a dependency of recengine::

    pip download --no-deps recbole==1.2.1 && unzip recbole-1.2.1-*.whl 'recbole/dataset_example/ml-100k/*'
    python data/movielens-100k/convert.py recbole/dataset_example/ml-100k
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def convert(src: Path, dst: Path) -> None:
    with open(src / "ml-100k.inter", encoding="utf-8") as f, open(dst / "ratings.csv", "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["user_id", "item_id", "rating", "timestamp"])
        next(f)
        for line in f:
            user, item, rating, ts = line.rstrip("\n").split("\t")
            w.writerow([user, item, int(float(rating)), int(float(ts))])
    with open(src / "ml-100k.item", encoding="utf-8") as f, open(dst / "items.csv", "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["item_id", "title", "year", "genres"])
        next(f)
        for line in f:
            item, title, year, genres = line.rstrip("\n").split("\t")
            w.writerow([item, title, year, "|".join(genres.split())])


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(__file__).parent)
