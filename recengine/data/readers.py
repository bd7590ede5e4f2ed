"""Read a user's table from a path, a file object or a DataFrame, whatever its format.

Everything here answers one question: "what table is in this file?". Which columns mean what is
``validate``'s business. Every failure is a :class:`~recengine.errors.DataError` naming the file.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import gzip
import io
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from recengine.data.patterns import match
from recengine.errors import DataError
from recengine.settings import max_file_bytes

# a cell of item text may be a whole article: the csv module stops at 128 KiB by default, with an error that
# names no file, row or column
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

Source = str | Path | IO[bytes] | IO[str] | pd.DataFrame | bytes

DELIMITERS = [",", ";", "\t", "|"]
#: Tried when none of DELIMITERS splits the lines: MovieLens 1M/10M's ``.dat`` files, and runs of spaces or tabs
#: (many academic ``.txt`` dumps such as ``user item rating``).
DOUBLE_COLON, WHITESPACE = "::", r"\s+"
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", DOUBLE_COLON: "double colon",
                WHITESPACE: "whitespace"}
_UNIT_SEP = "\x1f"  # what "::" becomes before parsing, so that the fast C parser reads it
_TEXT_EXT = {".csv", ".tsv", ".txt", ".tab", ".dat", ".psv"}
_JSON_EXT = {".json", ".jsonl", ".ndjson"}
_PARQUET_EXT = {".parquet", ".pq"}


@dataclass(frozen=True)
class Table:
    """A table read from one source, with what is needed to point at its rows in messages.

    ``first_line`` is the file line of the first data row (2 for a delimited file with a header,
    1 for JSON Lines); ``unit`` is ``"line"`` for text files and ``"row"`` otherwise. A delimited file whose
    first line is data, not column names, is ``headerless``: its columns are called ``column 1``, ``column 2``...
    """

    frame: pd.DataFrame
    name: str
    unit: str = "row"
    first_line: int = 1
    format: str = "dataframe"
    #: the file line of each row, where rows and lines do not simply follow one another (blank lines,
    #: fields that span lines); None when row ``p`` is on line ``p + first_line``
    lines: tuple[int, ...] | None = field(default=None, compare=False, repr=False)
    headerless: bool = False
    #: what the reader did that a user should know (one row per record of a nested list...), said as warnings
    notes: tuple[str, ...] = field(default=(), compare=False)
    #: a workbook's other sheets with data, each a table of its own (the items beside the ratings)
    sheets: tuple[Table, ...] = field(default=(), compare=False, repr=False)
    #: a DataFrame's own row labels where they are numbers other than 0, 1, 2... (a filtered or re-indexed frame):
    #: messages name them beside the row, since ``df.loc[300]`` is what a user looks up
    index_labels: pd.Index | None = field(default=None, compare=False, repr=False)

    def line_of(self, positions: Any) -> np.ndarray:
        """The file line (or record number) of each row position."""
        pos = np.asarray(positions, dtype=np.int64).reshape(-1)
        out = pos + self.first_line
        if self.lines is not None:
            known = pos < len(self.lines)
            out[known] = np.asarray(self.lines, dtype=np.int64)[pos[known]]
        return out

    def where(self, positions: Any, limit: int = 5) -> str:
        """Human words for the first few offending rows, e.g. ``"lines 3, 7"``."""
        every = dict.fromkeys(self.line_of(list(positions)).tolist())  # rows read from one line (a list) name it once
        pos = list(every)[:limit]
        labels = self.index_labels
        nums = ", ".join(f"{p} (index {labels[p - self.first_line]})" if labels is not None and self.lines is None
                         and 0 <= p - self.first_line < len(labels) else str(p) for p in pos)
        more = "" if len(every) <= limit else f" and {len(every) - limit} more"
        return f"{self.unit}{'s' if len(pos) > 1 else ''} {nums}{more}"


def source_name(source: Source, default: str = "table") -> str:
    """The name shown to the user for a source: its file name, or ``default``."""
    if isinstance(source, (str, Path)):
        return Path(source).name
    if isinstance(source, pd.DataFrame):  # df.name would be a column called "name"
        return str(source.attrs.get("name") or default)
    name = getattr(source, "name", None)
    return Path(str(name)).name if isinstance(name, (str, Path)) and str(name) else default


def read_table(
    source: Source, *, default_name: str = "table", max_bytes: int | None = None, explode: bool = True
) -> Table:
    """Read one table, sniffing its format, compression, encoding and delimiter.

    Parameters
    ----------
    source
        A path, a binary or text file object (Streamlit's ``UploadedFile`` works), raw bytes or a DataFrame.
    default_name
        The name used in messages when the source has none.
    max_bytes
        Refuse larger files; default ``$RECENGINE_MAX_FILE_MB`` (500 MB).
    explode
        JSON records that each hold a list of records under one key (a Steam user and the games they own) are read
        one row per inner record. ``False`` keeps one row per record, the list in a cell, as an items file needs:
        a product's list of images is no list of products.

    Returns
    -------
    Table
        Cells of text files are kept as strings (ids such as ``007`` keep their zeros); typed
        formats (Parquet, JSON) keep their types.

    Examples
    --------
    >>> t = read_table(io.BytesIO(b"user;item\\nu1;i1\\n"), default_name="x.csv")
    >>> list(t.frame.columns), t.frame.iloc[0, 1]
    (['user', 'item'], 'i1')
    """
    if isinstance(source, (dict, list)) and source:  # columns ({"user": [...], ...}) or records ([{...}, ...])
        try:
            source = pd.DataFrame(source)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{default_name}: a {type(source).__name__} that is no table ({exc}). Give a DataFrame, a "
                            "dict of equal-length columns, a list of records, or a file.") from None
    name = source_name(source, default_name)
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise DataError(f"{name}: the table is empty (no rows). Supply a table with at least one row.")
        frame, positional = _named_frame(source)
        twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        if twice:  # after a merge: which of the two is meant is not ours to guess
            raise DataError(f"{name}: more than one column is named {', '.join(map(repr, twice))}. Rename or drop the "
                            "extra ones (a merge of two tables often leaves them).")
        index = source.index
        own = (index.nlevels == 1 and index.name is None and pd.api.types.is_integer_dtype(index.dtype)
               and not index.equals(pd.RangeIndex(len(index))) and len(frame) == len(source))
        return Table(_plain_columns(frame), name, headerless=positional, index_labels=index if own else None)
    limit = max_file_bytes() if max_bytes is None else max_bytes
    raw = _read_bytes(source, name, limit)
    if _is_workbook(raw):
        return _read_excel(raw, name, limit)
    raw, name_inner = _decompress(raw, name, limit)
    if not raw.strip():
        raise DataError(f"{name}: the file is empty. Choose the file that holds your data.")
    suffix = Path(name_inner).suffix.lower()
    if raw[:4] == b"PAR1":  # by content, whatever the name says
        return _read_parquet(raw, name, limit)
    kind = next((k for magic, k in _BINARY_KINDS if raw.startswith(magic)), None)
    kind = None if kind is not None and _looks_like_text(raw) else kind  # a CSV whose header starts "ORCID,..."
    if kind in ("arrow", "arrow stream", "orc"):
        return _read_arrow(raw, name, kind, limit)
    if kind is not None and kind.endswith(("image", "document")):  # a screenshot or a report picked by mistake
        raise DataError(f"{name}: this is {kind}, not a table. Choose the file that holds your data (CSV, TSV, "
                        "Parquet, Arrow/Feather or JSON Lines).")
    if kind is not None:  # a binary format no table is read from: say what it is and how to export it
        raise DataError(f"{name}: this is {kind}. Export the table as CSV, TSV, Parquet, Arrow/Feather or JSON Lines "
                        "and load that.")
    if suffix in _PARQUET_EXT and not _looks_like_text(raw):
        return _read_parquet(raw, name, limit)  # a damaged Parquet file: its error says so
    text = _decode(raw, name)
    head = text.lstrip()[:1]
    if suffix in _JSON_EXT or head in ("[", "{"):
        try:
            return _read_json(text, name, explode)
        except RecursionError:  # json.loads past ~1,000 levels, or flattening them
            raise DataError(f"{name}: the JSON nests too deeply (lists or objects inside one another hundreds of "
                            "levels deep). Write one flat record per interaction or item, such as "
                            "{\"user\": \"u1\", \"item\": \"i9\"}.") from None
    return _read_delimited(text, name, suffix)


_BINARY_NAMED = {".parquet": "Parquet", ".pq": "Parquet", ".feather": "Arrow/Feather", ".arrow": "Arrow/Feather",
                 ".orc": "ORC", ".xlsx": "an Excel workbook", ".xlsm": "an Excel workbook", ".xls": "an Excel workbook"}


def misnamed_note(source: Any, default: str) -> str | None:
    """What to add to an error about a file named as a binary format (``reads.parquet``) whose bytes are plain text
    (:func:`read_table` reads such a file as text, as :func:`_looks_like_text` says): its rows make one column of
    prose, and "no user column found" alone does not say what went wrong. None for any other source."""
    if isinstance(source, (pd.DataFrame, dict, list)) or source is None:
        return None
    name = source_name(source, default)
    kind = _BINARY_NAMED.get(Path(str(name)).suffix.lower())
    if kind is None:
        return None
    try:
        if isinstance(source, (str, Path)):
            with open(source, "rb") as f:
                head = f.read(4096)
        elif isinstance(source, bytes):
            head = source[:4096]
        elif hasattr(source, "getvalue"):
            head = bytes(source.getvalue()[:4096])
        else:
            return None
    except (OSError, TypeError, ValueError):
        return None
    if not head.strip() or not _looks_like_text(head):
        return None
    return (f"Note: the name says {kind}, but {name} is plain text, so it was read as text; if it should be {kind}, "
            "export it again (renaming a text file does not convert it), else name it .csv, .tsv or .jsonl for what "
            "it holds.")


def _json_problem(exc: json.JSONDecodeError) -> str:
    """The parser's complaint with where it is: "Unterminated string starting at column 20".

    >>> try:
    ...     json.loads('{"a": "b')
    ... except json.JSONDecodeError as e:
    ...     _json_problem(e)
    'unterminated string starting at column 7'
    """
    msg = exc.msg[:1].lower() + exc.msg[1:]
    return f"{msg} column {exc.colno}" if msg.endswith(" at") else f"{msg} at column {exc.colno}"


def _ragged_problem(exc: Exception) -> str:
    """pandas' "Error tokenizing data. C error: Expected 3 fields in line 3, saw 5" in words.

    >>> _ragged_problem(ValueError("Error tokenizing data. C error: Expected 3 fields in line 3, saw 5\\n"))
    'line 3 has 5 fields where the first line has 3'
    """
    found = re.search(r"Expected (\d+) fields? in line (\d+), saw (\d+)", str(exc))
    if found:
        want, line, saw = found.groups()
        return f"line {line} has {saw} fields where the first line has {want}"
    return " ".join(str(exc).split())


def _unclosed_quote(exc: Exception) -> str | None:
    """pandas' "EOF inside string starting at row 1" in words (the file's line, and what to do); None for another
    parser error. It is no ragged row: the quote swallowed the rest of the file.

    >>> _unclosed_quote(ValueError("Error tokenizing data. C error: EOF inside string starting at row 1"))[:58]
    'line 2 opens a quote (") that is never closed, so the rest'
    """
    unclosed = re.search(r"EOF inside string starting at (?:row|line) (\d+)", str(exc))
    if unclosed is None:
        return None
    # pandas counts rows from 0, the header included: row 1 is the file's line 2
    return (f"line {int(unclosed.group(1)) + 1} opens a quote (\") that is never closed, so the rest of the file "
            "would be one cell; close it, or remove the stray quote")


def _is_workbook(raw: bytes) -> bool:
    """Whether ``raw`` is an Excel workbook (.xlsx, .xlsm): a zip holding ``xl/workbook.xml``."""
    if raw[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def _read_excel(raw: bytes, name: str, limit: int) -> Table:
    """The first sheet that holds data, with a header row; rows are named by their row number in the sheet."""
    _check_workbook(raw, name, limit)
    try:
        sheets = pd.read_excel(io.BytesIO(raw), sheet_name=None, engine="openpyxl", dtype=object)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or unusual workbook
        raise DataError(f"{name}: the Excel workbook cannot be read ({type(exc).__name__}: {exc}). Save the sheet as "
                        "CSV (File > Save As > CSV UTF-8) and load that.") from None
    filled = {str(k): _cell_types(v.dropna(how="all").dropna(axis=1, how="all")) for k, v in sheets.items()}
    filled = {k: v for k, v in filled.items() if not v.empty}
    if not filled:
        raise DataError(f"{name}: every sheet of the workbook is empty. Choose the workbook that holds your data.")
    def sheet_table(frame: pd.DataFrame, label: str) -> Table:
        lines = tuple(int(i) + 2 for i in frame.index)  # the sheet's own row numbers: its header is row 1
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c).strip() for c in frame.columns]
        return Table(frame, label, unit="row", first_line=2, format="excel", lines=lines)

    (sheet, frame), *rest = filled.items()
    if not rest:
        return sheet_table(frame, name)
    others = ", ".join(repr(k) for k, _ in rest[:3])
    note = (f"{name}: the workbook has {len(filled)} sheets with data; the first, {sheet!r}, was read, not {others}. "
            "To read another, move it first or save it as CSV.")
    return replace(sheet_table(frame, f"{name} (sheet {sheet!r})"), notes=(note,),  # messages name the sheet
                   sheets=tuple(sheet_table(f, f"{name} (sheet {k!r})") for k, f in rest))


#: what the XML of a workbook may unpack to, per byte of the data limit: a sheet's XML takes some 35 bytes a cell
#: (``<c r="T999999"><v>12345</v></c>``), several times what the cell holds
XML_PER_LIMIT_BYTE = 4
#: the bytes a cell of a sheet takes at least once read (pandas pads every row to the widest)
BYTES_PER_CELL = 8


def _check_workbook(raw: bytes, name: str, limit: int) -> None:
    """A :class:`DataError` for a workbook that would take more than ``limit`` bytes once read, before pandas reads it:
    XML that unpacks to more than :data:`XML_PER_LIMIT_BYTE` times ``limit``, or a sheet whose cells with a value span
    more than ``limit / BYTES_PER_CELL`` cells (rows up to the last with a value, times columns up to the last with
    one: a 5 KB file with one cell at row 200,000, column 2,000 is a sheet of 400 million cells to pandas). The
    sheets' XML is read for where their values are, not trusting its ``dimension``, which any writer may get wrong."""
    import xml.parsers.expat

    cells = limit // BYTES_PER_CELL
    hint = ("Delete the stray cells far below or right of the table (Ctrl+End shows the last one) or save the sheet as "
            "CSV, or raise the limit with the environment variable RECENGINE_MAX_FILE_MB.")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            xml_limit = limit * XML_PER_LIMIT_BYTE
            unpacked = sum(m.file_size for m in zf.infolist())
            if unpacked > xml_limit:  # zipfile reads no more of a member than its declared size
                raise DataError(f"{name}: the Excel workbook decompresses to {_megabytes(unpacked)} MB of XML, over "
                                f"the {_megabytes(xml_limit)} MB allowed for a {_megabytes(limit)} MB limit on the data "
                                "read. Save the sheet as CSV, or a part of it as a workbook of its own, or raise the "
                                "limit with the environment variable RECENGINE_MAX_FILE_MB.")
            sheets = [m for m in zf.infolist()
                      if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")]
            titles = _sheet_titles(zf)
            spanned = 0  # pandas reads every sheet: the cells of all count
            for member in sheets:
                with zf.open(member) as data:
                    past, (row, col, rows, cols) = _cells_past(data, cells - spanned)
                if past:
                    sheet = repr(titles[member.filename]) if member.filename in titles else member.filename
                    others = f" (besides {spanned:,} in the sheets before it)" if spanned else ""
                    raise DataError(
                        f"{name}: sheet {sheet} of the Excel workbook has a value at row {row:,}, column {col:,}, so "
                        f"reading it takes {rows:,} rows by {cols:,} columns{others}, more than the {cells:,} cells a "
                        f"{_megabytes(limit)} MB limit on the data read allows. {hint}")
                spanned += rows * cols
    except DataError:
        raise
    except (zipfile.BadZipFile, xml.parsers.expat.ExpatError, ValueError, zlib.error, NotImplementedError,
            RuntimeError):
        return  # a damaged workbook: openpyxl's error says what is wrong


def _cells_past(data: IO[bytes], cells: int) -> tuple[bool, tuple[int, int, int, int]]:
    """Whether a sheet's XML (``data``, read a chunk at a time) holds values that make the sheet span more than
    ``cells`` cells; and the row and column of the value that did (or of the last value), with the rows and columns
    spanned then (or in all: up to the last row and the last column with a value). A cell counts
    when it holds a value (``<v>`` or an inline string), however it is styled; where a row or cell gives no ``r``,
    it follows the one before."""
    import xml.parsers.expat

    class Past(Exception):
        pass

    row = col = rows = cols = 0
    in_cell = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, rows, cols, in_cell
        local = tag.rpartition(" ")[2]
        if local == "c":
            letters = attrs.get("r", "").rstrip("0123456789")
            col = _column_number(letters) if letters else col + 1
            in_cell = True
        elif local in ("v", "is") and in_cell and (row > rows or col > cols):
            rows, cols = max(row, rows), max(col, cols)
            if rows * cols > cells:
                raise Past
        elif local == "row":
            ref = attrs.get("r", "")
            row, col = (int(ref) if ref.isdigit() else row + 1), 0

    def end(tag: str) -> None:
        nonlocal in_cell
        if tag.rpartition(" ")[2] == "c":
            in_cell = False

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        while chunk := data.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except Past:
        return True, (row, col, rows, cols)
    return False, (row, col, rows, cols)


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's title by its path in the workbook (``xl/worksheets/sheet1.xml``: ``Sheet1``), as far as
    the workbook's index says."""
    import xml.etree.ElementTree as ET

    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        targets = {r.get("Id"): r.get("Target", "") for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
        titles = {}
        for sheet in ET.fromstring(zf.read("xl/workbook.xml")).iter():
            if sheet.tag.rpartition("}")[2] == "sheet" and sheet.get(rel) in targets:
                target = targets[sheet.get(rel)]
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                titles[path] = sheet.get("name", "")
        return titles
    except (KeyError, ET.ParseError):
        return {}


def _column_number(letters: str) -> int:
    """A column's number from its letters: ``A`` is 1, ``AA`` 27.

    >>> _column_number("A"), _column_number("BXX")
    (1, 2000)
    """
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _cell_types(frame: pd.DataFrame) -> pd.DataFrame:
    """A sheet read as the cells hold it: a column of text cells stays text as written ("007", "0100" and "1E5" are
    ids, not 7, 100 and 100000), a column of numbers or dates gets their type, and a column mixing text and numbers
    is text, its whole numbers written without ".0".

    >>> f = _cell_types(pd.DataFrame({"id": ["007", "1E5"], "n": [1, 2.5], "mix": ["a7", 7.0]}, dtype=object))
    >>> f["id"].tolist(), str(f["n"].dtype), f["mix"].tolist()
    (['007', '1E5'], 'float64', ['a7', '7'])
    """
    out = {}
    for column in frame.columns:
        values = frame[column]
        cells = values.dropna()
        text = cells.map(lambda v: isinstance(v, str))
        if not text.any():
            out[column] = values.infer_objects()
        elif text.all():
            out[column] = values
        else:
            out[column] = values.map(lambda v: v if v is None or isinstance(v, str) or v != v else
                                     str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    return pd.DataFrame(out, index=frame.index)


def _read_bytes(source: Source, name: str, limit: int) -> bytes:
    if isinstance(source, bytes):
        raw = source
    elif isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        if not path.exists():
            raise DataError(f"{name}: no such file ({path}). Check the path.")
        if path.is_dir():
            raise DataError(f"{name}: is a folder, not a file. Choose a file inside it.")
        size = path.stat().st_size
        if size > limit:
            raise DataError(_too_big(name, size, limit))
        raw = path.read_bytes()
    else:
        if not hasattr(source, "read"):  # a numpy array, a number, None: an AttributeError from deep inside before
            what = f"an empty {type(source).__name__}" if isinstance(source, (list, dict)) else type(source).__name__
            raise DataError(f"{name}: cannot read a table from {what}. Give a file path, a file object, bytes, a "
                            "DataFrame, a dict of equal-length columns or a list of records "
                            "(e.g. pd.DataFrame(array, columns=['user_id', 'item_id'])).")
        if hasattr(source, "seek"):
            with contextlib.suppress(OSError, ValueError):
                source.seek(0)
        size = getattr(source, "size", None)
        if isinstance(size, int) and size > limit:
            raise DataError(_too_big(name, size, limit))
        data = source.read(limit + 1)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > limit:
        raise DataError(_too_big(name, len(raw), limit))
    return raw


def _megabytes(size: float) -> str:
    """A size in MB as messages write it: ``500``, ``0.5``, ``1,024``."""
    mb = size / 2**20
    return f"{mb:,.0f}" if mb >= 10 else f"{mb:.2g}"


#: how much of a compressed member is read at a time
_CHUNK = 1 << 20


def _capped_read(stream: IO[bytes], name: str, what: str, limit: int) -> bytes:
    """All of ``stream`` (a gzip or zip member being decompressed), read a chunk at a time; a :class:`DataError` as
    soon as it passes ``limit`` bytes, so a small bomb never fills the memory."""
    out = io.BytesIO()
    while chunk := stream.read(_CHUNK):
        out.write(chunk)
        if out.tell() > limit:
            raise DataError(_unpacks_too_big(name, what, limit))
    return out.getvalue()


def _unpacks_too_big(name: str, what: str, limit: int, size: int | None = None) -> str:
    amount = f"{_megabytes(size)} MB" if size is not None else f"more than {_megabytes(limit)} MB"
    return (
        f"{name}: {what} decompresses to {amount}, over the {_megabytes(limit)} MB limit on the data read. "
        "Compress a sample or a part of it, or raise the limit with the environment variable RECENGINE_MAX_FILE_MB."
    )


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name}: the file is {_megabytes(size)} MB, over the {_megabytes(limit)} MB limit. "
        "Sample or split it, or raise the limit with the environment variable RECENGINE_MAX_FILE_MB."
    )


def _decompress(raw: bytes, name: str, limit: int) -> tuple[bytes, str]:
    """The data of a gzip file or a one-file zip archive (else ``raw`` itself) and the inner file's name; a
    :class:`DataError` as soon as the data passes ``limit`` bytes, before a small archive fills the memory."""
    inner = name
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:  # member after member, as gzip.decompress reads them
                raw = _capped_read(gz, name, "the gzip file", limit)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{name}: the gzip file is damaged ({exc}). Compress it again.") from None
        inner = name[:-3] if name.lower().endswith(".gz") else name
    elif raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = set(zf.namelist())
                if "[Content_Types].xml" in names and any(n.startswith(("xl/", "word/", "ppt/")) for n in names):
                    raise DataError(f"{name}: this is an Office document, not a table recengine reads. Save the table "
                                    "as CSV (or as an Excel workbook) and load that.")
                kind = ("an OpenDocument spreadsheet (LibreOffice)" if "content.xml" in names and "mimetype" in names
                        else "an Apple Numbers document" if any(n.startswith("Index/") and n.endswith(".iwa") for n in names)
                        else None)
                if kind is not None:
                    raise DataError(f"{name}: this is {kind}. Save the table as an Excel workbook (.xlsx) or as CSV "
                                    "and load that.")
                members = [m for m in zf.infolist() if not m.is_dir() and not Path(m.filename).name.startswith(".")]
                members = [m for m in members if "__MACOSX" not in m.filename]
                if len(members) != 1:
                    listed = ", ".join(m.filename for m in members[:5]) or "nothing"
                    raise DataError(
                        f"{name}: a zip archive must hold exactly one data file; it holds {listed}. "
                        "Zip one file at a time."
                    )
                member = members[0]
                what = f"{member.filename} in the zip archive"
                if member.file_size > limit:  # what the archive declares; the read below holds it to that
                    raise DataError(_unpacks_too_big(name, what, limit, member.file_size))
                with zf.open(member) as data:
                    raw = _capped_read(data, name, what, limit)
                inner = member.filename
        except zipfile.BadZipFile as exc:
            raise DataError(f"{name}: the zip file is damaged ({exc}). Compress it again.") from None
    return raw, inner


def _control_chars(text: str) -> int:
    """How many characters of ``text`` are control characters other than line breaks and tabs."""
    return sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")


def _looks_like_text(raw: bytes) -> bool:
    """Whether the first bytes read as text (UTF-8 or cp1252, few control characters)."""
    sample = raw[:4096]
    if b"\x00" in sample:
        return False
    text = sample.decode("utf-8", errors="ignore") or sample.decode("cp1252", errors="ignore")
    return _control_chars(text) <= 8


def _decode(raw: bytes, name: str) -> str:
    sample = raw[:8192]
    codec = "utf-16" if sample[:2] in (b"\xff\xfe", b"\xfe\xff") else _utf16_codec(sample) if b"\x00" in sample else None
    if codec:
        try:
            text = raw.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError:
            text = ""
        if text.strip():
            return text  # UTF-16 (Excel's "Unicode text" export): read as the text it is
    if b"\x00" in sample:
        raise DataError(
            f"{name}: this is a binary file, not a table (it contains NUL bytes). "
            "Export your data as CSV, TSV, Parquet or JSON Lines."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_err:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            line = raw[: utf8_err.start].count(b"\n") + 1
            raise DataError(
                f"{name}: line {line} has bytes that are neither UTF-8 nor Latin-1/cp1252 text "
                f"(byte {raw[utf8_err.start]:#04x} at offset {utf8_err.start}). "
                "Save the file as UTF-8 and try again."
            ) from None
    if _control_chars(text[:8192]) > 8:
        raise DataError(
            f"{name}: this looks like a binary file, not a table. "
            "Export your data as CSV, TSV, Parquet or JSON Lines."
        )
    return text


def _utf16_codec(sample: bytes) -> str | None:
    """``utf-16-le`` or ``-be`` when every other byte is NUL (UTF-16 text of mostly ASCII), else None."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 8:
        return None
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.2 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.2 * len(odd):
        return "utf-16-be"
    return None


#: formats told by their first bytes: the Arrow ones are read; the others get a message that names them
_BINARY_KINDS = (
    (b"ARROW1", "arrow"), (b"FEA1", "arrow"), (b"\xff\xff\xff\xff", "arrow stream"), (b"ORC", "orc"),
    (b"SQLite format 3\x00", "an SQLite database (pick one of its tables and export it)"),
    (b"\x89HDF", "an HDF5 file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"), (b"%PDF-", "a PDF document"),
    *((mark, "a Python pickle, which recengine never loads (it can run code)")
      for mark in (b"\x80\x02", b"\x80\x03", b"\x80\x04\x95", b"\x80\x05\x95")),
)


def _read_arrow(raw: bytes, name: str, kind: str, limit: int) -> Table:
    """An Arrow IPC file or stream (Feather, v1 or v2) or an ORC file, as pandas reads Parquet.

    A compressed file may hold far more than its size: ORC's footer says how many rows it holds, so a file whose
    rows would pass ``limit`` is refused before reading; Arrow's batches are read one at a time, the sum of what they
    hold checked after each."""
    import pyarrow as pa

    label = {"arrow": "Arrow/Feather", "arrow stream": "an Arrow stream", "orc": "ORC"}[kind]
    try:
        if kind == "arrow":
            try:
                reader = pa.ipc.open_file(pa.BufferReader(raw))
                batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            except pa.ArrowInvalid:  # Feather v1, no IPC file: the old reader
                import pyarrow.feather as feather

                reader, batches = None, None
                table = feather.read_table(pa.BufferReader(raw))
            if reader is not None:
                table = pa.Table.from_batches(_capped_batches(batches, reader.schema, name, label, limit),
                                              schema=reader.schema)
        elif kind == "arrow stream":
            reader = pa.ipc.open_stream(pa.BufferReader(raw))
            table = pa.Table.from_batches(_capped_batches(reader, reader.schema, name, label, limit),
                                          schema=reader.schema)
        else:
            import pyarrow.orc as orc

            orc_file = orc.ORCFile(pa.BufferReader(raw))
            _check_unpacked(name, label, orc_file.nrows, orc_file.schema, limit)
            table = orc_file.read()
    except DataError:
        raise
    except ImportError:
        raise DataError(f"{name}: this pyarrow cannot read {label} files. Export the table as CSV or Parquet.") from None
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise DataError(f"{name}: cannot be read as {label} ({exc}). Check that the file is not damaged.") from None
    return _typed_table(table.to_pandas(), name, label, kind.replace(" ", "-"))


def _capped_batches(batches: Any, schema: Any, name: str, label: str, limit: int) -> list[Any]:
    """The record batches of an Arrow file or stream, read one at a time; a :class:`DataError` once they hold more
    than ``limit`` bytes (compressed batches of one repeated value unpack to gigabytes)."""
    out, rows, held = [], 0, 0
    for batch in batches:
        rows += batch.num_rows
        held += batch.nbytes
        _check_unpacked(name, label, rows, schema, limit, held, partial=True)
        out.append(batch)
    return out


def _read_parquet(raw: bytes, name: str, limit: int) -> Table:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(pa.BufferReader(raw))
        declared = sum(meta.metadata.row_group(i).total_byte_size for i in range(meta.metadata.num_row_groups))
        schema = meta.schema_arrow
        rows = meta.metadata.num_rows
    except Exception:  # a damaged file: pandas' error below says what is wrong
        pass
    else:
        _check_unpacked(name, "Parquet", rows, schema, limit, declared)
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise DataError(f"{name}: cannot be read as Parquet ({exc}). Check that the file is not damaged.") from None
    return _typed_table(frame, name, "Parquet", "parquet")


def _cell_bytes(kind: Any) -> int:
    """The bytes a cell of an Arrow type takes at least once read into pandas: its width for numbers, dates and flags;
    a pointer (8) for text, lists and the rest, whatever the objects they point to take besides."""
    try:
        return max(1, kind.bit_width // 8)
    except ValueError:  # not a fixed-width type
        return 8


def _check_unpacked(name: str, label: str, rows: int, schema: Any, limit: int, declared: int = 0,
                    partial: bool = False) -> None:
    """A :class:`DataError` when a typed file's ``rows`` would take more than ``limit`` bytes once read: the larger of
    what the file declares (Parquet's uncompressed sizes, Arrow's buffers) and the rows times the bytes of a row as
    pandas holds it, so that a few rows of long text and many rows of small numbers are both judged by bytes.
    ``partial``: ``rows`` are those read so far (an Arrow file's first batches)."""
    width = sum(_cell_bytes(f.type) for f in schema)
    size = max(int(declared), int(rows) * width)
    if size > limit:
        raise DataError(
            f"{name}: the {label.removeprefix('an ')} file holds {'at least ' if partial else ''}{rows:,} rows of "
            f"{len(schema)} column{'s' if len(schema) != 1 else ''}, about {_megabytes(size)} MB once read (it is "
            f"compressed), over the {_megabytes(limit)} MB limit on the data read. Save a sample or a part of its "
            "rows, or raise the limit with the environment variable RECENGINE_MAX_FILE_MB."
        )


def _typed_table(frame: pd.DataFrame, name: str, label: str, fmt: str) -> Table:
    """The table of a typed file (Parquet, Arrow, ORC) that pandas read as ``frame``, its rows counted from 1."""
    if frame.empty:
        raise DataError(f"{name}: the {label} file has columns but no rows. Supply a file with data.")
    return Table(_plain_columns(frame.reset_index(drop=True)), name, unit="row", first_line=1, format=fmt)


def positional_name(position: int) -> str:
    """The name of the column at 0-based ``position`` of a table whose columns have no names (a file with no header
    row, a DataFrame built from a list of rows).

    >>> positional_name(0)
    'column 1'
    """
    return f"column {position + 1}"


def column_name(column: object, table: Table) -> object:
    """The name in ``table`` of a column given by its pandas label: a whole number is a position (0 is ``column 1``)
    in a table whose columns were only numbered, else the label as text; names and ``None`` stay as they are; a list
    (of text columns) is named item by item.

    >>> t = Table(pd.DataFrame({"column 1": ["u"], "column 2": ["i"]}), "x", headerless=True)
    >>> column_name(1, t), column_name("column 1", t), column_name([0, 1], t)
    ('column 2', 'column 1', ['column 1', 'column 2'])
    """
    if isinstance(column, (list, tuple)):
        return [column_name(c, table) for c in column]
    if isinstance(column, (int, np.integer)) and not isinstance(column, (bool, np.bool_)):
        return positional_name(int(column)) if table.headerless and column >= 0 else str(column)
    return column


def _named_frame(source: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """A copy of ``source`` with text column names and its index as a column when it holds data, and whether its
    columns were only numbered (0, 1, ...): then they are named as a file's with no header row, ``column 1``...

    An index with a name (``items.set_index("sku")``) or of anything but whole numbers (ids as the index) is kept
    as a column, called by its name or ``index``; the row numbers a filter leaves (0, 2, 5) are not.

    >>> f, positional = _named_frame(pd.DataFrame([[1, 10], [2, 11]]))
    >>> list(f.columns), positional
    (['column 1', 'column 2'], True)
    >>> list(_named_frame(pd.DataFrame({"name": ["A"]}, index=pd.Index(["p1"], name="prod")))[0].columns)
    ['prod', 'name']
    """
    frame = source.copy()
    cols = frame.columns
    positional = (not isinstance(cols, pd.MultiIndex) and len(cols) > 0 and pd.api.types.is_integer_dtype(cols.dtype)
                  and cols.equals(pd.RangeIndex(len(cols))))
    if positional:
        frame.columns = [positional_name(i) for i in range(len(cols))]
    elif isinstance(cols, pd.MultiIndex):  # ("meta", "title") -> "meta.title", as nested JSON is flattened
        frame.columns = [".".join(str(p) for p in c if str(p) != "") for c in cols]
    else:
        frame.columns = [str(c) for c in cols]
    index = frame.index
    named = any(n is not None for n in index.names)
    numbered = not isinstance(index, pd.MultiIndex) and (pd.api.types.is_integer_dtype(index.dtype) or len(index) == 0)
    if named or not (positional or isinstance(index, pd.RangeIndex) or numbered):  # numbered columns: only a named one
        names = [str(n) if n is not None else ("index" if index.nlevels == 1 else f"level {k + 1}")
                 for k, n in enumerate(index.names)]
        taken = set(frame.columns)
        keep = [k for k, n in enumerate(names) if n not in taken]  # a column of that name already holds it
        if keep:
            frame = frame.reset_index(level=keep if index.nlevels > 1 else None, drop=False)
            frame.columns = [*(names[k] for k in keep), *frame.columns[len(keep):]]
    return frame.reset_index(drop=True), positional


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with categorical columns (pandas' ``category``, Parquet's dictionary columns) as their values and
    bytes as text, as the checks after reading expect.

    >>> f = _plain_columns(pd.DataFrame({"c": pd.Categorical(["a", "b"]), "b": [b"x", "y"]}))
    >>> f["c"].dtype, f["b"].tolist()
    (dtype('O'), ['x', 'y'])
    """
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        if isinstance(col.dtype, pd.CategoricalDtype):
            frame.isetitem(i, col.astype(object).where(col.notna(), None))
        elif col.dtype == object and col.map(lambda v: isinstance(v, (bytes, bytearray))).any():
            frame.isetitem(i, col.map(lambda v: v.decode("utf-8", "replace") if isinstance(v, (bytes, bytearray)) else v))
    return frame


def _read_json(text: str, name: str, explode: bool = True) -> Table:
    stripped = text.strip()
    records: list[Any]
    record_lines: list[int] = []
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise DataError(f"{name}: line {exc.lineno} is not valid JSON ({_json_problem(exc)}). Fix the JSON and try again.") from None
        fmt, unit, first = "json", "record", 1
    elif (whole := _one_object(stripped)) is not None:  # one object, however it is laid out over lines
        records, fmt, unit, first = _object_records(whole), "json", "record", 1
    else:
        records = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            record_lines.append(lineno)
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                record = _python_literal(line)
                if record is not None:
                    records.append(record)
                    continue
                raise DataError(
                    f"{name}: line {lineno} is not valid JSON ({_json_problem(exc)}). "
                    "JSON Lines files need one JSON object per line."
                ) from None
        fmt, unit, first = "jsonl", "line", 1
        if len(records) == 1 and isinstance(records[0], dict):
            records = _object_records(records[0])
            fmt, unit = ("jsonl", "line") if len(records) == 1 else ("json", "record")
    if records and all(isinstance(r, list) for r in records):  # rows written as arrays: [["u1", "i9", 4], ...]
        width = max(map(len, records))
        frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in records],
                             columns=[f"column {i + 1}" for i in range(width)])
        return Table(_plain_columns(frame), name, unit=unit, first_line=first, format=fmt, headerless=True)
    if not records:
        raise DataError(f"{name}: the JSON holds no records. Supply a list of objects, one per interaction or item.")
    lines = tuple(record_lines) if fmt == "jsonl" and record_lines != list(range(1, len(records) + 1)) else None
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if bad:
        raise DataError(
            f"{name}: {unit} {lines[bad[0]] if lines else bad[0] + first} is not a JSON object. "
            "Each record must be an object such as {\"user\": \"u1\", \"item\": \"i9\"}."
        )
    nested = _record_list_key(records) if explode else None
    if nested is None:
        frame = pd.DataFrame.from_records(_flatten(records))
        if frame.shape[1] == 0:
            raise DataError(f"{name}: its JSON objects have no fields. Each record needs fields such as "
                            "{\"user\": \"u1\", \"item\": \"i9\"}.")
        return Table(frame, name, unit=unit, first_line=first, format=fmt, lines=lines)
    # one row per inner record (Steam's users, each with the games they own), keeping its record's fields
    inner = [[r for r in (rec.get(nested) or []) if isinstance(r, dict)] for rec in records]
    parent = np.repeat(np.arange(len(records)), [len(rs) for rs in inner])
    outer = pd.DataFrame.from_records(_flatten([{k: v for k, v in rec.items() if k != nested} for rec in records]))
    outer = outer if len(outer) == len(records) else pd.DataFrame(index=range(len(records)))  # nothing but the list
    rows = pd.DataFrame.from_records(_flatten([r for rs in inner for r in rs])).add_prefix(f"{nested}.")
    frame = pd.concat([outer.iloc[parent].reset_index(drop=True), rows], axis=1)
    record_line = np.asarray(lines) if lines is not None else np.arange(len(records)) + first
    note = (f"{name}: each {unit} holds a list of records under {nested!r}; they were read as {len(frame):,} rows, "
            f"one per record, with its {unit}'s other fields (columns {nested}.<field>).")
    return Table(frame, name, unit=unit, first_line=first, format=fmt, lines=tuple(record_line[parent].tolist()),
                 notes=(note,))


def _one_object(text: str) -> dict[str, Any] | None:
    """``text`` as one JSON object when it is one (Spotify's playlist slices are indented over many lines); None for
    JSON Lines, whose second object ends the attempt at once."""
    if not text.startswith("{"):
        return None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return None
    return whole if isinstance(whole, dict) else None


def _object_records(obj: dict[str, Any]) -> list[Any]:
    """The records one JSON object holds: its one list of records (``{"info": ..., "playlists": [...]}``); one per
    key where every value is an object (metadata keyed by item id: ``{"1": {"title": ...}}``, the key becoming
    ``id``) or a list of ids (``{"u1": ["i1", "i2"]}``: a user and their items); else the object itself.

    >>> _object_records({"1": {"title": "Heat"}, "2": {"title": "Ran"}})
    [{'id': '1', 'title': 'Heat'}, {'id': '2', 'title': 'Ran'}]
    >>> _object_records({"u1": ["i1", "i2"], "u2": ["i3"]})
    [{'user': 'u1', 'items': ['i1', 'i2']}, {'user': 'u2', 'items': ['i3']}]
    """
    lists = [v for v in obj.values() if isinstance(v, list)]
    if len(lists) == 1 and lists[0] and all(isinstance(r, dict) for r in lists[0]):
        return lists[0]
    if len(obj) >= 2 and all(isinstance(v, dict) for v in obj.values()):
        key = "id" if not any("id" in v for v in obj.values()) else "key"
        return [{key: k, **v} for k, v in obj.items()]
    if len(obj) >= 2 and all(isinstance(v, list) and not any(isinstance(x, (dict, list)) for x in v) for v in obj.values()):
        return [{"user": k, "items": v} for k, v in obj.items()]
    return [obj]


def _record_list_key(records: list[dict[str, Any]]) -> str | None:
    """The one key under which (nine in ten of) the records hold a list of records, the rest of a record being plain
    values: Steam's ``{"user_id": ..., "items": [{"item_id": ..., "playtime_forever": ...}, ...]}``. None if no key
    or several do.

    >>> _record_list_key([{"user": "u1", "items": [{"id": "a"}, {"id": "b"}]}, {"user": "u2", "items": []}])
    'items'
    >>> _record_list_key([{"user": "u1", "items": ["a", "b"]}]) is None
    True
    """
    def record_list(value: object) -> bool:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)

    sample = records[:1000]
    keys = {k for rec in sample for k, v in rec.items() if isinstance(v, list) and v and record_list(v)}
    found = [k for k in keys if sum(record_list(rec.get(k, [])) for rec in sample) >= 0.9 * len(sample)]
    return found[0] if len(found) == 1 else None


def python_literal(text: str) -> object | None:
    """``text`` read as a Python literal (a dict, list, string, number...; nothing in it is run), or None if it is
    not one. JSON's stricter cousin, as Python-minded exports write: single quotes, True, None.

    >>> python_literal("['Drama', 'War']"), python_literal("[REC]")
    (['Drama', 'War'], None)
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _python_literal(line: str) -> dict[str, Any] | None:
    """A line written as a Python dict rather than JSON (single quotes, True/None), as in the Amazon 2014 product
    metadata and the UCSD Steam dumps, parsed as a literal; None if it is not one.

    >>> _python_literal("{'asin': '0000031852', 'price': 3.17, 'categories': [['Toys']], 'gift': True}")
    {'asin': '0000031852', 'price': 3.17, 'categories': [['Toys']], 'gift': True}
    """
    text = line.strip()
    value = python_literal(text) if text.startswith("{") and text.endswith("}") else None
    return value if isinstance(value, dict) else None


def _flatten(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nested objects as dotted columns: ``{"name": {"en": "Tea"}}`` -> ``{"name.en": "Tea"}``, usable in a text
    template. A key that is an object in some records and a plain value in others is left alone (an id that is
    sometimes nested is refused by name later).

    >>> _flatten([{"id": 1, "meta": {"title": "Tea", "show": {"name": "Brew"}}}])
    [{'id': 1, 'meta.title': 'Tea', 'meta.show.name': 'Brew'}]
    """
    nested = {k for r in records for k, v in r.items() if isinstance(v, dict)}
    nested -= {k for r in records for k, v in r.items() if k in nested and v is not None and not isinstance(v, dict)}
    if not nested:
        return records

    def items(prefix: str, value: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        for key, inner in value.items():
            if isinstance(inner, dict):
                yield from items(f"{prefix}.{key}", inner)
            else:
                yield f"{prefix}.{key}", inner

    out = []
    for record in records:
        row: dict[str, Any] = {}
        for key, value in record.items():
            if key in nested:
                row.update(items(key, value) if isinstance(value, dict) else ())
            else:
                row[key] = value
        out.append(row)
    return out


def _sniff_delimiter(text: str, suffix: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if suffix in (".tsv", ".tab") and (not lines or "\t" in lines[0]):  # a ".tsv" with no tab is sniffed like any file
        return "\t"
    colons = [ln.count(DOUBLE_COLON) for ln in lines]
    if colons and colons[0] >= 1 and all(c == colons[0] for c in colons):  # before "|": a genre list may hold pipes
        return DOUBLE_COLON
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    best, best_score = "", -1.0
    for d in DELIMITERS:
        counts = [next(csv.reader([ln], delimiter=d)).__len__() for ln in lines]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * 10 + counts[0] / 100
        if score > best_score:
            best, best_score = d, score
    if best:
        return best
    counts = [len(ln.split()) for ln in lines]
    if counts and counts[0] >= 2 and all(c == counts[0] for c in counts):
        return WHITESPACE
    return ","  # one column: the caller says the delimiter may be wrong


#: a cell no one writes as a column name: a link, a JSON list or object, an ISO date or time, or a UUID
_NOT_A_NAME = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|\[.*\]|\{.*\}|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}\S*)?"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE | re.DOTALL,
)


#: The first columns that tell whether a file's first row is a header: as many as any interactions file or matrix
#: worth reading here holds.
HEADER_COLUMNS = 2_000


def _headerless(head: pd.DataFrame) -> bool:
    """Whether the first row of ``head`` (the first rows, read with no header) is data rather than column names:
    some cell of it is a number, as most cells below it are; or a link, JSON, a date or a UUID, as no column name is; or
    a value that its column repeats below (a category), as a name is not. A header of numbers counting up from 0
    (``,0,1,2``, as pandas names unnamed columns) is taken as names.

    >>> _headerless(pd.DataFrame([["196", "242", "3"], ["186", "302", "3"]]))
    True
    >>> _headerless(pd.DataFrame([["user", "item", "rating"], ["186", "302", "3"]]))
    False
    >>> _headerless(pd.DataFrame([["N1", "sports", "https://msn.com/a"], ["N2", "news", "https://msn.com/b"]]))
    True
    """
    if len(head) < 2:
        return False
    head = head.iloc[:, :HEADER_COLUMNS]  # a file 200,000 columns wide took minutes here, column by column
    row = head.iloc[0].fillna("").astype(str).str.strip()
    rest = head.iloc[1:].fillna("").astype(str).apply(lambda col: col.str.strip())
    first = pd.to_numeric(row, errors="coerce")
    numbers = first.dropna()
    if len(numbers) > 1 and numbers.iloc[0] == 0 and numbers.diff().iloc[1:].eq(1).all():
        return False
    if any(pd.to_numeric(rest[c], errors="coerce").notna().mean() >= 0.9 for c in numbers.index):
        return True
    if match(row, _NOT_A_NAME).any():
        return True
    below = rest[~(rest == row).all(axis=1)]  # not the header again, as in files pasted together
    return any(v and (below[c] == v).sum() >= 2 for c, v in row.items())


_PREAMBLE = re.compile(r"\A(?:[ \t]*(?:[#%][^\n]*|sep=[^\n]?\r?)?\n)+")


def _preamble(text: str) -> tuple[str, str | None]:
    """``text`` with its leading comment lines (``#`` or ``%``, as in KONECT and SNAP dumps) and Excel's ``sep=;``
    line blanked, so that rows keep their line numbers; and the delimiter that ``sep=`` names, if any.

    >>> _preamble("sep=;\\na;b\\n"), _preamble("% bip weighted\\n% 3 2 1\\n1 2 5\\n")
    (('\\na;b\\n', ';'), ('\\n\\n1 2 5\\n', None))
    """
    m = _PREAMBLE.match(text)
    if not m:
        return text, None
    lines = [ln.rstrip("\r").lstrip(" ") for ln in m.group(0).split("\n")]
    sep = next((ln[4:] for ln in lines if ln.startswith("sep=") and len(ln) == 5), None)
    return "\n" * m.group(0).count("\n") + text[m.end():], sep


#: a line that heads a block of rows, as Netflix Prize files head each movie's ratings with "1:"
_BLOCK_HEAD = re.compile(r"^[ \t]*([^\s,;|:]+):[ \t]*\r?$")


def _blocks(text: str, suffix: str) -> tuple[str, str | None]:
    """A file laid out in blocks (the Netflix Prize's ``1:`` line, then ``user,rating,date`` rows for movie 1) as plain
    rows: each block's id becomes the second field of its rows (``user,1,rating,date``, so the roles by position are
    user, item, rating, time) and the head lines are blanked, so rows keep their line numbers. Also the note to show;
    other files come back as they are, with no note.

    >>> _blocks("1:\\n1488844,3,2005-09-06\\n2:\\n822109,5,2005-05-13\\n", ".txt")[0]
    '\\n1488844,1,3,2005-09-06\\n\\n822109,2,5,2005-05-13\\n'
    """
    first = next((ln for ln in text[:10_000].split("\n") if ln.strip()), "")
    if not _BLOCK_HEAD.match(first):
        return text, None
    lines = text.split("\n")
    rows = [ln for ln in lines[:2000] if ln.strip() and not _BLOCK_HEAD.match(ln)]
    if not rows or sum(1 for ln in lines if _BLOCK_HEAD.match(ln)) < 2:  # one "Ratings:" line is a title, not blocks
        return text, None
    delim = _sniff_delimiter("\n".join(rows), suffix)
    if delim in (WHITESPACE, DOUBLE_COLON):
        return text, None
    block, heads = "", 0
    for i, ln in enumerate(lines):
        head = _BLOCK_HEAD.match(ln)
        if head:
            block, heads, lines[i] = head.group(1), heads + 1, ""
        elif ln.strip():
            first_field, _, rest = ln.partition(delim)
            lines[i] = f"{first_field}{delim}{block}{delim}{rest}" if rest else f"{first_field}{delim}{block}"
    note = (f"lines such as {first.strip()!r} head blocks of rows ({heads:,} blocks, as in the Netflix Prize files); "
            "each block's id was read as the second column of its rows")
    return "\n".join(lines), note


#: one field of a record written as "key: value" lines: SNAP's review dumps ("review/userId: A3SGXH7AUHU8GW")
_KEY_VALUE = re.compile(r"^([A-Za-z][\w/.\-]{0,60}):(?: (.*))?$")  # not "u1::i1::5" (MovieLens 1M's fields)


def _key_value_records(text: str, name: str) -> Table | None:
    """A file of records written one field a line as ``key: value``, records apart by a blank line or by a key that
    comes again (SNAP's Amazon reviews, Fine Foods, BeerAdvocate, RateBeer: ``product/productId: B001E4KFG0``), one
    row per record, a ``/`` in a key read as a nested field's dot; None for any other file (judged on its first 200
    lines). A line that is no field continues the value above it.

    >>> t = _key_value_records("product/productId: B1\\nreview/userId: U1\\n\\nproduct/productId: B2\\nreview/userId: U2\\n", "r")
    >>> t.frame.to_dict("list"), t.line_of([0, 1]).tolist()
    ({'product.productId': ['B1', 'B2'], 'review.userId': ['U1', 'U2']}, [1, 4])
    """
    head = [ln for ln in text[:50_000].splitlines()[:200] if ln.strip()]
    fields = [m.group(1) for ln in head if (m := _KEY_VALUE.match(ln))]
    if len(head) < 4 or len(fields) < 0.9 * len(head) or len(set(fields)) < 2 or len(fields) < 2 * len(set(fields)):
        return None
    records: list[dict[str, str]] = []
    starts: list[int] = []
    record: dict[str, str] = {}
    key = None
    for number, line in enumerate(text.splitlines(), start=1):
        m = _KEY_VALUE.match(line)
        if not line.strip() or (m and m.group(1) in record):  # a blank line or a key again: the next record
            if record:
                records.append(record)
            record, key = {}, None
            if not line.strip():
                continue
        if m:
            key = m.group(1)
            if not record:
                starts.append(number)
            record[key] = (m.group(2) or "").strip()
        elif key is not None:  # a value that runs on
            record[key] = f"{record[key]} {line.strip()}".strip()
        else:
            return None  # a line that belongs to no record: no such file
    if record:
        records.append(record)
    frame = pd.DataFrame.from_records(records).fillna("").astype(str)
    frame.columns = [c.replace("/", ".") for c in frame.columns]
    note = (f"{name}: each record is written one field a line, as 'key: value' (as SNAP's review dumps), so it was read "
            f"as {len(frame):,} rows, one per record, with its keys as columns.")
    return Table(frame, name, unit="line", format="key-value records", lines=tuple(starts), notes=(note,))


#: The most fields a line may hold: an interactions file has a few columns, a matrix one per item. A file of 400,000
#: values on one line kept the page busy for a minute (pandas builds each column on its own) to say it had no rows.
MAX_COLUMNS = 20_000


def _check_width(text: str, sep: str, name: str, delim_name: str) -> None:
    """A DataError, at once, for a file whose first line holds more than :data:`MAX_COLUMNS` fields."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    first = text[start : end if end >= 0 else len(text)]
    width = first.count(sep) + 1 if sep else 1
    if width > MAX_COLUMNS:
        raise DataError(
            f"{name}: its first line holds {width:,} {delim_name}-separated fields; a table here has at most "
            f"{MAX_COLUMNS:,} columns (an interactions file has a few: user, item, rating, time; a matrix one per "
            "item). If it is one long list of values, put one interaction per line; otherwise choose the file that "
            "holds the interactions."
        )


def _read_delimited(text: str, name: str, suffix: str) -> Table:
    if (records := _key_value_records(text, name)) is not None:
        return records
    text, given = _preamble(text)
    text, blocks = _blocks(text, suffix) if given is None else (text, None)
    delim = given if given is not None else _sniff_delimiter(text, suffix)
    if delim == DOUBLE_COLON:  # its files never quote, and titles may hold quotes
        text, sep, quoting = text.replace(DOUBLE_COLON, _UNIT_SEP), _UNIT_SEP, csv.QUOTE_NONE
    else:
        sep, quoting = delim, csv.QUOTE_MINIMAL
    if given is None and blocks is None and (adjacency := _adjacency(text, name)) is not None:
        return adjacency
    delim_name = _DELIM_NAMES.get(delim, repr(delim))  # a sep= line may name any character
    opts = {"sep": sep, "quoting": quoting, "dtype": str, "keep_default_na": False, "na_values": [],
            "skipinitialspace": True, "engine": "c"}
    notes = [f"{name}: {blocks}."] if blocks else []
    text, title = _title_lines(text, sep) if blocks is None and quoting == csv.QUOTE_MINIMAL else (text, [])
    if title:
        notes.append(f"{name}: line{'s' if len(title) > 1 else ''} {', '.join(map(str, title))} above the table "
                     f"(a title, not rows) {'were' if len(title) > 1 else 'was'} skipped.")
    _check_width(text, sep, name, delim_name)
    lines: tuple[int, ...] | None = None
    try:
        probe = pd.read_csv(io.StringIO(text), header=None, nrows=51, **opts)  # the first lines, header as a row
        headerless = _headerless(probe)
        frame = pd.read_csv(io.StringIO(text), header=None if headerless else "infer", **opts)
    except pd.errors.ParserError as exc:
        # an unclosed quote first: Python's csv reads it to the end of the file as one cell, a "ragged" file of
        # 0 widened lines ('u1,"i1' then 'u2,i2' loaded as one user with 3 items, and a note of "0 line(s)")
        if (unclosed := _unclosed_quote(exc)) is not None:
            raise DataError(f"{name}: {unclosed}.") from None
        ragged = _ragged(text, sep) if len(sep) == 1 and quoting == csv.QUOTE_MINIMAL else None
        if ragged is None:
            raise DataError(
                f"{name}: the rows do not all have the same number of {delim_name}-separated fields ({_ragged_problem(exc)}). "
                "Quote fields that contain the delimiter, or fix the row it names."
            ) from None
        rows, lines, widened = ragged
        probe = pd.DataFrame(rows[:51])
        headerless = _headerless(probe)
        frame = pd.DataFrame(rows if headerless else rows[1:], columns=None if headerless else rows[0], dtype=str)
        lines = tuple(lines if headerless else lines[1:])
        where = Table(frame, name, unit="line", lines=lines).where([p - (not headerless) for p in widened])
        notes.append(f"{name}: {len(widened):,} line(s) hold more {delim_name}-separated fields than the first line "
                     f"({where}); the extra {delim_name}s were read as part of the last column, as in an "
                     "unquoted title such as 'Character, The'. Quote such fields if that is wrong.")
    except pd.errors.EmptyDataError:
        raise DataError(f"{name}: the file is empty. Choose the file that holds your data.") from None
    if headerless:
        frame.columns = [f"column {i}" for i in range(1, frame.shape[1] + 1)]
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        cols = ", ".join(frame.columns[:8])
        raise DataError(f"{name}: has a header ({cols}) but no data rows. Export the rows too.")
    if frame.shape[1] == 1:
        header = frame.columns[0]
        numbered = [(i, ln.split()) for i, ln in enumerate(text.splitlines()[:1000], start=1) if ln.strip()]
        odd = next(((i, len(f)) for i, f in numbered if len(f) != len(numbered[0][1])), None)
        ids = all(_ID_TOKEN.match(t) for _, f in numbered[:50] for t in f)  # fields of ids, not words of prose
        if ids and len(numbered[0][1]) >= 2 and odd is not None:  # spaces between them, but not as many on each line
            raise DataError(
                f"{name}: its lines hold different numbers of space-separated fields: line {numbered[0][0]} holds "
                f"{len(numbered[0][1])}, line {odd[0]} {odd[1]}. Give every line the same fields (an empty one in "
                "quotes), or separate them with commas or tabs."
            )
        if not any(c in text for c in ",;\t|:") and all(len(f) <= 3 for _, f in numbered):  # a list of ids or names
            raise DataError(  # not a wrong delimiter: there is nothing to separate
                f"{name}: holds only one column ({header[:80]!r}) and no separator on any line. Interactions need a "
                "user and an item column; an items file needs its id column and at least one text column (a title "
                "or a description). Add those columns, or leave this file out."
            )
        raise DataError(
            f"{name}: only one column was found (header: {header[:80]!r}). The delimiter may be wrong: "
            "recengine looks for comma, semicolon, tab, pipe, '::' or spaces. Save the file with one of those, "
            "or check that it is a table at all."
        )
    if not headerless:
        notes.extend(_repeated_names(probe.head(1), frame, name))
    reader_delim = " " if delim == WHITESPACE else sep
    if lines is None:
        lines = _record_lines(text, reader_delim, len(frame), header=not headerless)
    if not headerless and (frame.iloc[:, 0].to_numpy() == frame.columns[0]).any():  # files joined end to end
        again = (frame == pd.Series(list(frame.columns), index=frame.columns)).all(axis=1).to_numpy()
        if again.any() and not again.all():
            whole = Table(frame, name, unit="line", first_line=2, lines=lines)
            notes.append(f"{name}: its header comes again at {whole.where(np.flatnonzero(again))} (files joined end to "
                         f"end); {'that line was' if again.sum() == 1 else 'those lines were'} skipped.")
            lines = tuple(np.asarray(whole.line_of(np.flatnonzero(~again))).tolist())
            frame = frame[~again].reset_index(drop=True)
    return Table(frame, name, unit="line", first_line=1 if headerless else 2, format=f"delimited({delim_name})",
                 lines=lines, headerless=headerless, notes=tuple(notes))


def _repeated_names(header: pd.DataFrame, frame: pd.DataFrame, name: str) -> list[str]:
    """A note for each name the header row gives to several columns (pandas reads the later ones as "name.1").

    >>> f = pd.DataFrame(columns=["user", "item", "user.1"])
    >>> _repeated_names(pd.DataFrame([["user", "item", "user"]]), f, "o.csv")[0][:71]
    "o.csv: the header names two columns 'user' (columns 1 and 3); the first"
    """
    raw = [str(v).strip() for v in header.iloc[0].tolist()] if len(header) else []
    if len(raw) != frame.shape[1]:
        return []
    positions: dict[str, list[int]] = {}
    for i, c in enumerate(raw):  # in one pass: raw.count per name took 25 s on a header of 50,000 names
        positions.setdefault(c, []).append(i)
    notes = []
    for repeated, at in positions.items():
        if len(at) < 2:
            continue
        others = ", ".join(repr(str(frame.columns[i])) for i in at[1:])
        count = {2: "two", 3: "three"}.get(len(at), str(len(at)))
        notes.append(f"{name}: the header names {count} columns {repeated!r} (columns "
                     f"{', '.join(str(i + 1) for i in at[:-1])} and {at[-1] + 1}); the first is read as {repeated!r}, "
                     f"the other{'s' if len(at) > 2 else ''} as {others}. Rename them so that each says what it holds.")
    return notes


_ID_TOKEN = re.compile(r"^(?=[^\s]*\d)[\w.:-]+$")
_ONE_SEPARATOR = re.compile(r"^\S+(?:[ \t]\S+)*[ \t\r]*$")


def _adjacency(text: str, name: str) -> Table | None:
    """A file whose every line is a user followed by their items, split by spaces or tabs, lines of several lengths
    (LightGCN's and NGCF's ``train.txt`` for Gowalla, Yelp2018, Amazon-Book): one row per (user, item), read by
    position. None for any other file (judged on its first 50 lines first, then on all). The user is the line
    itself when each line starts with its count of items.

    >>> t = _adjacency("0 72 8\\n1 63\\n2\\n", "train.txt")
    >>> t.frame.to_dict("list"), t.line_of([0, 1, 2]).tolist()
    ({'column 1': ['0', '0', '1'], 'column 2': ['72', '8', '63']}, [1, 1, 2])

    A line that starts with the count of its items (CiteULike's ``users.dat``) is the user numbered by its line:

    >>> _adjacency("2 72 8\\n1 63\\n3 8 9 10\\n", "users.dat").frame["column 1"].tolist()
    ['0', '0', '1', '2', '2', '2']
    """
    def tokens(lines: list[str]) -> list[list[str]] | None:
        if not all(_ONE_SEPARATOR.match(ln) for ln in lines):  # an empty field ("\t302\t3") is a table's
            return None
        split = [ln.split() for ln in lines]
        if any(not all(_ID_TOKEN.match(t) for t in row) for row in split):
            return None
        return split

    head = [ln for ln in text[:20_000].splitlines()[:50] if ln.strip()]
    sample = tokens(head)
    if not sample or len({len(row) for row in sample}) < 3:  # many lengths: "1 10 4" beside "2 10" is a table short of a field
        return None
    numbered = [(i, ln) for i, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    rows = tokens([ln for _, ln in numbered])
    if rows is None:
        return None
    counted = all(row[0].isdigit() and int(row[0]) == len(row) - 1 for row in rows)  # CiteULike's users.dat
    if counted:  # each line is a count, then the items: the user is the line, numbered from 0
        rows = [[str(n), *row[1:]] for n, row in enumerate(rows)]
    users = [row[0] for row in rows for _ in row[1:]]
    items = [item for row in rows for item in row[1:]]
    lines = [i for (i, _), row in zip(numbered, rows) for _ in row[1:]]
    if not items:
        return None
    frame = pd.DataFrame({"column 1": users, "column 2": items}, dtype=object)
    note = (f"{name}: each line is a user followed by their items (as LightGCN's train.txt), so it was read as "
            f"{len(items):,} interactions, one per item; lines with a user alone hold none.")
    if counted:
        note = (f"{name}: each line is a count of items followed by the items (as CiteULike's users.dat), so each line "
                f"is a user, numbered from 0 in the order of the lines, and the file was read as {len(items):,} "
                "interactions, one per item.")
    return Table(frame, name, unit="line", format="delimited(spaces)", lines=tuple(lines), headerless=True, notes=(note,))


def _title_lines(text: str, sep: str) -> tuple[str, list[int]]:
    """``text`` with the lines above its table blanked (a report's title or date, up to three lines, each with one
    field or two fewer than every row of the table below), so rows keep their line numbers; and those lines' numbers.

    >>> _title_lines("Sales report Q1\\n\\nuser,item\\nu1,i1\\nu2,i2\\nu3,i1\\n", ",")
    ('\\n\\nuser,item\\nu1,i1\\nu2,i2\\nu3,i1\\n', [1])
    """
    if len(sep) != 1:
        return text, []
    head = text.split("\n", 60)[:60]
    counts = [(i, len(next(csv.reader([ln], delimiter=sep)))) for i, ln in enumerate(head[:-1]) if ln.strip()]
    for k in range(1, 4):
        table = [c for _, c in counts[k:]]
        if len(table) < 3:
            break
        # one field short is R's header over rows that begin with row names, not a title
        if table[0] >= 2 and all(c == table[0] for c in table) and all(c == 1 or c < table[0] - 1 for _, c in counts[:k]):
            drop = [i for i, _ in counts[:k]]
            lines = text.split("\n", drop[-1] + 1)
            return "\n".join("" if i in drop else ln for i, ln in enumerate(lines)), [i + 1 for i in drop]
    return text, []


def _ragged(text: str, sep: str) -> tuple[list[list[str]], list[int], list[int]] | None:
    """The rows of a file whose last column holds the delimiter unquoted (Netflix's ``movie_titles.csv``: ``3,1997,
    Character, The``): fields past the first line's count joined back into the last. Also each row's line, and the
    positions of the rows that were joined. None when some row has fewer fields, or more that do not read as prose (a space after
    each extra delimiter, as in "Character, The"): that is another fault.

    >>> _ragged("1,2003,Dinosaur Planet\\n3,1997,Character, The\\n", ",")
    ([['1', '2003', 'Dinosaur Planet'], ['3', '1997', 'Character, The']], [1, 2], [1])
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: list[list[str]] = []
    lines: list[int] = []
    widened: list[int] = []
    width = 0
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        width = width or len(fields)
        if len(fields) < width:
            return None
        if len(fields) > width:
            if not all(f.startswith(" ") for f in fields[width:]):  # prose puts a space after its commas; data does not
                return None
            widened.append(len(rows))
            fields = [*fields[: width - 1], sep.join(fields[width - 1:])]
        rows.append([f.lstrip() for f in fields])  # as pandas reads the others (skipinitialspace)
        lines.append(reader.line_num)
    return (rows, lines, widened) if rows and width > 1 else None


def _record_lines(text: str, delim: str, n_rows: int, header: bool = True) -> tuple[int, ...] | None:
    """The file line each data row starts on, when blank lines or multi-line fields shift them; else None."""
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines - header == n_rows and "\n\n" not in text and "\n\r\n" not in text:
        return None  # one line per row after the header: line = row + first_line
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    prev = 0
    try:
        for row in reader:
            rows.append((prev + 1, row))
            prev = reader.line_num
    except csv.Error:
        return None
    for skip in (lambda r: not r, lambda r: not any(f.strip() for f in r)):  # pandas' idea of a blank line
        starts = [start for start, row in rows if not skip(row)]
        if len(starts) - header == n_rows:
            return tuple(starts[int(header):])
    return None
