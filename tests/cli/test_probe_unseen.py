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
