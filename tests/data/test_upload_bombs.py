"""Small files that unpack to gigabytes, or nest without end, get a DataError naming the file before they fill the
memory or the stack; files of the same kinds that hold an ordinary table still load.

The limit is set to 1 MB (``$RECENGINE_MAX_FILE_MB``) so that each hostile file needs to unpack to a few MB only.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import recengine
from recengine.data.readers import read_table
from recengine.data.validate import cell_text
from recengine.errors import DataError

ROWS = b"user,item,rating\n" + b"1,2,3\n" * 400_000  # 2.3 MB of text: over a 1 MB limit


@pytest.fixture(autouse=True)
def one_megabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECENGINE_MAX_FILE_MB", "1")


def refused(path: Path) -> str:
    with pytest.raises(DataError) as info:
        read_table(path)
    msg = str(info.value)
    assert msg.startswith(f"{path.name}: ") and "\n" not in msg
    return msg


# -- gzip and zip -----------------------------------------------------------------------------------------------------


def test_a_gzip_that_decompresses_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv.gz"
    path.write_bytes(gzip.compress(ROWS, 9))
    assert path.stat().st_size < 20_000
    msg = refused(path)
    assert "gzip file decompresses to more than 1 MB" in msg and "RECENGINE_MAX_FILE_MB" in msg


def test_the_gzip_limit_counts_every_member_of_a_concatenated_gzip(tmp_path: Path) -> None:
    part = b"1,2,3\n" * 100_000  # 0.6 MB each, 2.4 MB in all
    path = tmp_path / "ratings.csv.gz"
    path.write_bytes(gzip.compress(b"user,item,rating\n" + part) + b"".join(gzip.compress(part) for _ in range(3)))
    assert "decompresses to more than 1 MB" in refused(path)


def test_a_concatenated_gzip_within_the_limit_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv.gz"
    path.write_bytes(gzip.compress(b"user,item\nu1,i1\n") + gzip.compress(b"u2,i2\n"))
    table = read_table(path)
    assert table.frame.to_dict("list") == {"user": ["u1", "u2"], "item": ["i1", "i2"]}


def test_a_damaged_gzip_still_says_it_is_damaged(tmp_path: Path) -> None:
    data = gzip.compress(b"user_id,item_id\nu1,i1\n" * 100)
    path = tmp_path / "ratings.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "the gzip file is damaged" in refused(path)


def test_a_zip_whose_file_decompresses_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ratings.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ratings.csv", ROWS)
    assert path.stat().st_size < 20_000
    msg = refused(path)
    assert "ratings.csv in the zip archive decompresses to 2.3 MB, over the 1 MB limit" in msg
    assert "RECENGINE_MAX_FILE_MB" in msg


def test_a_zip_that_understates_its_size_is_still_refused(tmp_path: Path) -> None:
    """The cap holds on what is read, not on what the archive says (here: a member declared 1 byte long, read from a
    stream that ignores it)."""
    path = tmp_path / "ratings.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ratings.csv", ROWS)
    original = zipfile.ZipFile.infolist

    def understated(self: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
        members = original(self)
        for member in members:
            member.file_size = 1
        return members

    def lying_open(self: zipfile.ZipFile, member: object, *args: object, **kwargs: object) -> io.BytesIO:
        return io.BytesIO(ROWS)  # a reader that believed the size would stop; this data goes on

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipfile.ZipFile, "infolist", understated)
        mp.setattr(zipfile.ZipFile, "open", lying_open)
        msg = refused(path)
    assert "decompresses to more than 1 MB" in msg


def test_a_zip_within_the_limit_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ratings.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ratings.csv", b"user,item\nu1,i1\nu2,i2\n")
    assert read_table(path).frame.shape == (2, 2)


# -- Parquet, Arrow, ORC ----------------------------------------------------------------------------------------------


def constant_table(rows: int) -> pa.Table:
    return pa.table({c: pa.array(np.ones(rows, dtype=np.int64)) for c in ("user", "item", "rating")})


def test_a_parquet_file_that_unpacks_past_the_limit_is_refused(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "ratings.parquet"
    pq.write_table(constant_table(200_000), path, compression="zstd")  # 4.6 MB of int64 once read
    assert path.stat().st_size < 100_000
    msg = refused(path)
    assert "Parquet file holds 200,000 rows of 3 columns, about 4.6 MB once read" in msg
    assert "over the 1 MB limit" in msg and "RECENGINE_MAX_FILE_MB" in msg


def test_many_rows_of_small_numbers_within_the_limit_still_load(tmp_path: Path) -> None:
    """The rows alone are not the criterion: 300,000 rows of two int8 columns take 0.6 MB."""
    import pyarrow.parquet as pq

    path = tmp_path / "ratings.parquet"
    small = np.arange(300_000, dtype=np.int64) % 100
    pq.write_table(pa.table({"user": pa.array(small.astype(np.int8)), "item": pa.array(small[::-1].astype(np.int8))}),
                   path)
    assert read_table(path).frame.shape == (300_000, 2)


def test_a_parquet_file_of_long_text_is_judged_by_its_bytes(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "items.parquet"
    text = pa.array([f"{i} " + "word " * 4000 for i in range(100)])  # 100 rows, 2 MB of text
    pq.write_table(pa.table({"item": pa.array(range(100)), "text": text}), path, compression="zstd")
    assert "Parquet file holds 100 rows of 2 columns" in refused(path)


@pytest.mark.parametrize("kind", ["feather", "stream", "orc"])
def test_arrow_and_orc_files_that_unpack_past_the_limit_are_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"ratings.{kind}"
    table = constant_table(200_000)
    if kind == "feather":
        import pyarrow.feather as feather

        feather.write_feather(table, path, compression="zstd", chunksize=10_000)
        label = "Arrow/Feather file holds at least"
    elif kind == "stream":
        with pa.ipc.new_stream(path, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
            writer.write_table(table, max_chunksize=10_000)
        label = "Arrow stream file holds at least"
    else:
        import pyarrow.orc as orc

        orc.write_table(table, path, compression="zstd")
        label = "ORC file holds 200,000 rows"
    assert path.stat().st_size < 200_000
    msg = refused(path)
    assert label in msg and "over the 1 MB limit" in msg and "RECENGINE_MAX_FILE_MB" in msg


@pytest.mark.parametrize("kind", ["parquet", "feather", "feather1", "stream", "orc"])
def test_typed_files_within_the_limit_still_load(tmp_path: Path, kind: str) -> None:
    table = pa.table({"user": ["u1", "u2", "u3"], "item": ["i1", "i2", "i1"], "rating": [4, 5, 3]})
    path = tmp_path / f"ratings.{kind}"
    if kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif kind.startswith("feather"):
        import pyarrow.feather as feather

        feather.write_feather(table, path, version=1 if kind == "feather1" else 2)
    elif kind == "stream":
        with pa.ipc.new_stream(path, table.schema) as writer:
            writer.write_table(table)
    else:
        import pyarrow.orc as orc

        orc.write_table(table, path)
    frame = read_table(path).frame
    assert frame["user"].tolist() == ["u1", "u2", "u3"] and frame["rating"].tolist() == [4, 5, 3]


# -- Excel ------------------------------------------------------------------------------------------------------------


def workbook(path: Path, far: tuple[int, int] | None = None, dimension: str | None = None) -> Path:
    """A sheet of user, item and two rows; a value at ``far`` (row, column) if given; its declared ``dimension``
    rewritten if given (as a writer that gets it wrong would)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ratings"
    for row in (["user", "item"], ["u1", "i1"], ["u2", "i2"]):
        ws.append(row)
    if far is not None:
        ws.cell(row=far[0], column=far[1], value=1)
    wb.save(path)
    if dimension is not None:
        with zipfile.ZipFile(path) as zf:
            parts = {m.filename: zf.read(m) for m in zf.infolist()}
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        parts["xl/worksheets/sheet1.xml"] = re.sub(r'<dimension ref="[^"]*"/>', dimension, sheet).encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, data in parts.items():
                zf.writestr(member, data)
    return path


def test_a_workbook_with_a_stray_cell_far_away_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ratings.xlsx", far=(2_000, 200))  # 400,000 cells to pandas, in a 5 KB file
    msg = refused(path)
    assert "sheet 'ratings' of the Excel workbook has a value at row 2,000, column 200" in msg
    assert "131,072 cells" in msg and "RECENGINE_MAX_FILE_MB" in msg


@pytest.mark.parametrize("dimension", ['<dimension ref="A1:B3"/>', ""])
def test_a_workbook_that_misstates_its_dimension_is_still_refused(tmp_path: Path, dimension: str) -> None:
    path = workbook(tmp_path / "ratings.xlsx", far=(2_000, 200), dimension=dimension)
    assert "has a value at row 2,000, column 200" in refused(path)


def test_the_cells_of_all_sheets_count_together(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "ratings.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["user", "item"])
    for k in range(3):  # 300 x 200 = 60,000 cells each: within 131,072 alone, not all three
        ws = wb.create_sheet(f"more{k}")
        ws.append(["user", "item"])
        ws.cell(row=300, column=200, value=1)
    wb.save(path)
    msg = refused(path)
    assert "sheet 'more2' of the Excel workbook has a value at row 300, column 200" in msg
    assert "besides 120,002 in the sheets before it" in msg


def test_a_workbook_whose_xml_unpacks_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ratings.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings2.xml", b" " * 5 * 2**20)
    msg = refused(path)
    assert "the Excel workbook decompresses to 5" in msg and "MB of XML" in msg and "RECENGINE_MAX_FILE_MB" in msg


def test_a_workbook_within_the_limits_still_loads(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "ratings.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["user", "item", "rating"])
    for i in range(20_000):  # 60,000 cells: within the 131,072 of a 1 MB limit
        ws.append([f"u{i}", f"i{i % 50}", i % 5])
    ws.cell(row=30, column=5, value="note")  # a stray cell near the table is no bomb: 100,005 cells
    wb.save(path)
    table = read_table(path)
    assert len(table.frame) == 20_000 and table.frame.columns[:3].tolist() == ["user", "item", "rating"]


# -- nesting ----------------------------------------------------------------------------------------------------------


def test_a_cell_that_reads_as_a_set_is_kept_as_text() -> None:
    assert cell_text("{1, 2}") == "{1, 2}"
    assert cell_text('["Drama", "War"]') == "Drama, War"  # lists are still read


def test_an_interactions_file_with_a_set_in_a_cell_loads(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text('user,item,tags\n1,2,"{1, 2}"\n2,3,x\n')
    ds = recengine.read_dataset(path)
    assert len(ds.interactions) == 2


def test_a_cell_of_lists_nested_a_thousand_deep_is_no_recursion_error() -> None:
    deep = "[" * 3000 + '"a"' + "]" * 3000
    assert isinstance(cell_text(deep), str)
    assert isinstance(cell_text(json.loads("[" * 900 + '"a"' + "]" * 900)), str)


@pytest.mark.parametrize("name, text", [
    ("ratings.json", "[" * 5000 + "]" * 5000),
    ("ratings.jsonl", '{"user": "u1", "item": "i1"}\n{"user": "u2", "item": ' + "[" * 5000 + "]" * 5000 + "}\n"),
])
def test_json_that_nests_too_deeply_is_refused(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert "the JSON nests too deeply" in refused(path)


def test_ordinary_json_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    path.write_text('[{"user": "u1", "item": "i1", "meta": {"a": {"b": [[1]]}}}]')
    assert read_table(path).frame.loc[0, "meta.a.b"] == [[1]]


def test_a_small_limit_is_written_as_its_size_not_as_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("RECENGINE_MAX_FILE_MB", "0.001")
    path = tmp_path / "small.csv"
    path.write_bytes(b"user,item\n" + b"1,2\n" * 1000)
    with pytest.raises(DataError) as err:
        read_table(path)
    assert "the file is 0.0038 MB, over the 0.001 MB limit" in str(err.value)
