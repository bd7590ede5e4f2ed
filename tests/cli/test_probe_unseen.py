"""Found by a probe with a user's own files: a text file renamed ``.parquet`` (or ``.xlsx``, ``.feather``) that cannot
be read as text must say that it is text, not only which line of it looks wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from recengine.cli import main
from recengine.data import read_dataset
from recengine.errors import DataError

NOTES = "# Notes\n\nThis is a README, saved by mistake with another name.\nIt has, commas, in some lines, here.\n"


@pytest.mark.parametrize(("name", "kind"), [("reads.parquet", "Parquet"), ("reads.feather", "Arrow/Feather"),
                                            ("reads.xlsx", "an Excel workbook")])
def test_a_text_file_named_as_a_binary_format_says_it_is_text(home, capsys, tmp_path: Path, name: str, kind: str):
    path = tmp_path / name
    path.write_text(NOTES)
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {name}: ") and "Traceback" not in err
    assert f"the name says {kind}, but {name} is plain text" in err, err
    with pytest.raises(DataError, match="is plain text"):
        read_dataset(path)


def test_a_csv_named_parquet_that_reads_still_loads(home, tmp_path: Path):
    path = tmp_path / "reads.parquet"
    path.write_text("reader,isbn\nr1,978\nr2,979\n")
    assert read_dataset(path).n_interactions == 2


def test_a_listing_shows_numbers_as_a_person_reads_them():
    """`data inspect` printed density as 0.0029793772893772896 beside 81,337 in a warning."""
    from recengine.cli.common import _shown

    assert _shown(0.0029793772893772896) == "0.00298" and _shown(81337) == "81,337"
    assert _shown(1995) == 1995 and _shown(65.0) == 65.0 and _shown(True) is True  # years and flags as they are


def test_the_duplicate_warning_writes_its_counts_with_separators():
    import pandas as pd

    import recengine

    rows = pd.DataFrame({"customer": ["a"] * 12_000, "sku": ["x", "y"] * 6_000, "ts": range(12_000)})
    ds = recengine.read_dataset(rows, pd.DataFrame({"sku": ["x", "y"], "name": ["Kettle", "Mug"]}))
    said = next(w for w in ds.warnings if "duplicated" in w)
    assert "11,998 row(s) were dropped" in said and "12,000 rows" in said and "at the time of the first" not in said


def test_liked_items_of_another_catalogue_are_said_to_be_left_out():
    """A saved profile holding a book and two shop items: recommend on the shop silently dropped the book."""
    import recengine
    from recengine.models import Popularity, Profile

    ds = recengine.load_sample("movielens-100k")
    notes, usable = Popularity().fit(ds).profile_notes(Profile.from_items(["50", "181", "9786625859198"]))
    assert usable and any("1 of the 3 liked items (9786625859198) is not in this dataset's catalogue" in n for n in notes)
    notes, _ = Popularity().fit(ds).profile_notes(Profile.from_items(["50", "181"]))
    assert not any("catalogue" in n for n in notes)
