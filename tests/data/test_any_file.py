"""Whatever a file holds, loading it ends in a Dataset with interactions or in a DataError that names the file: never
another exception (which the app would show as a traceback). Hypothesis writes small tables from cells that have
broken the loader before or are common in other people's exports: lists, labelled impressions, JSON and Python
literals, dates in several styles, decimal commas, HTML, blanks, quotes and odd delimiters."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import recengine
from recengine.data import read_table
from recengine.data.load import event_kinds, guess_columns
from recengine.errors import DataError

CELLS = [
    "u1", "u2", "007", "42", "3", "4.5", "4,5", "1,234", "-1", "0", "", " ", "NaN", "null", "None", "<NA>", "N/A",
    "N1 N2 N3", "N1-1 N2-0", "N3-0", "B01|B04", "[1, 2]", "['Drama', 'War']", '[{"name": "Action"}]', "{'a': 1}", "[]",
    "{}", "2024-01-02", "01/13/2024", "13/01/2024", "11/13/2019 3:31:00 PM", "1700000000", "1700000000000",
    "Thu Dec 17 08:58:48 -0800 2015", "Toy Story (1995)", "A <b>bold</b> &amp; odd text", "https://example.org/x",
    "Ünïcödé ☃", "héllo wörld", "tab\there", "a;b", "x::y", "view", "purchase", "true", "1e309", "inf",
    "20200705", "20201345", "spotify:track:6rqhFgbbKwnb9MLmUQDhG6", "40.71981037", "-240", "Posted November 5, 2011.",
    "['B09W9FND7K' 'B09JSPLN1M']", "Posted February 3.", "B09W9FND7K", "DE",
    "review/userId: A3SGXH7AUHU8GW", "product/productId: B001E4KFG0", "beer/name: Red Moon",
]
TYPED = [1, 2.5, -3, 0, None, True, False, [1, 2], ["a", "b"], [], {"a": 1}, {"name": "x"}, [{"name": "x"}],
         [{"item_id": "i1", "hours": 2}], 1e20, 1700000000, "N1 N2"]
NAMES = ["user_id", "item_id", "rating", "timestamp", "title", "history", "impressions", "event", "date_added",
         "created_at", "session_id", "items", "genres", "col", "parent_asin", "pid", "prev_items", "next_item", "locale",
         "posted", "attribute", "value", "TRANSACTION_DT", "is_click", "label", "Unnamed: 0", ""]


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, bytes]:
    n_cols = draw(st.integers(1, 5))
    n_rows = draw(st.integers(1, 8))
    header = draw(st.booleans())
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = [[draw(st.sampled_from(CELLS)) for _ in range(n_cols)] for _ in range(n_rows)]
    if draw(st.booleans()):  # JSON Lines instead, with typed values, or written as Python dicts
        names = draw(st.lists(st.sampled_from(NAMES[:-2]), min_size=n_cols, max_size=n_cols, unique=True))
        if draw(st.booleans()):
            rows = [[draw(st.sampled_from(TYPED + CELLS)) for _ in range(n_cols)] for _ in range(n_rows)]
        shape = draw(st.sampled_from(["lines", "python", "arrays", "keyed"]))
        if shape == "arrays":  # rows as JSON arrays, with no names
            return "data.json", json.dumps(rows, indent=draw(st.sampled_from([None, 2]))).encode()
        if shape == "keyed":  # one object keyed by the first field, pretty printed
            return "data.json", json.dumps({str(row[0]): dict(zip(names[1:], row[1:])) or row[:1] for row in rows},
                                           indent=2, default=str).encode()
        write = repr if shape == "python" else json.dumps
        lines = [write(dict(zip(names, row))) for row in rows]
        return "data.jsonl", ("\n".join(lines) + "\n").encode()

    if draw(st.integers(0, 5)) == 0:  # a user and their items on each line, lines of any length (LightGCN)
        lines = [" ".join(draw(st.lists(st.sampled_from(CELLS[:12] + ["0", "72", "8"]), min_size=1, max_size=6)))
                 for _ in range(n_rows)]
        return "train.txt", ("\n".join(lines) + "\n").encode()

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in (delim, '"', "\n")) else cell

    lines = [delim.join(map(quote, row)) for row in rows]
    if draw(st.booleans()):  # Netflix Prize blocks ("1:" heads), prose commas unquoted, or a blank line
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["1:", "42:", "Character, The", ""])))
    if header:
        names = draw(st.lists(st.sampled_from(NAMES), min_size=n_cols, max_size=n_cols))
        lines.insert(0, delim.join(map(quote, names)))
    return draw(st.sampled_from(["data.csv", "data.tsv", "data.txt", "data.dat"])), ("\n".join(lines) + "\n").encode()


def upload(name: str, data: bytes) -> io.BytesIO:
    buf = io.BytesIO(data)
    buf.name = name
    return buf


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(tables(), st.one_of(st.none(), tables()))
# what a longer search found: "-1" read as the year -1, and a JSON column nested in only some records
@example(("data.csv", b"user,item,timestamp\na,b,-1\nc,d,2024-01-01\n"), None)
@example(("data.jsonl", b'{"user_id": "a", "title": "x", "col": {"name": "x"}}\n{"user_id": "b", "title": "y", "col": 1}\n'),
         None)
@example(("data.csv", b"user,item\na,b\n"), ("data.tsv", b"{}\n"))  # an items "table" with no columns
@example(("data.jsonl", b"{'session_id': [{'item_id': 'i1'}]}\n{'session_id': [{'item_id': 'i2'}]}\n"), None)
@example(("data.json", b'[["u1"]]'), None)  # rows as arrays, one column: no header and no item
# items whose rows differ only in a list: merged with nothing to join
@example(("data.jsonl", b'{"user_id": "u1", "item_id": "u1"}\n'), ("data.json", b"[[1, 1], [1, 1], [1, [1, 2]], [2.5, true]]"))
def test_a_load_ends_in_a_dataset_or_a_data_error(inter: tuple[str, bytes], items: tuple[str, bytes] | None) -> None:
    try:
        for (name, data), kind in ((inter, "interactions"), *(((items, "items"),) if items else ())):
            table = read_table(data, default_name=name, explode=kind != "items")  # what the Data page's form reads first
            event_kinds(table, guess_columns(table, kind).get("event"))
        ds = recengine.read_dataset(upload(*inter), upload(*items) if items else None,
                                    skip_missing_ids=len(inter[1]) % 2 == 1)  # either way, half the time
        ds.stats()
    except DataError as exc:
        assert str(exc).startswith(inter[0]) or (items and str(exc).startswith(items[0])) or "data" in str(exc)
        return
    assert ds.n_interactions > 0 and ds.n_items > 0
    assert ds.interactions["user_id"].map(len).gt(0).all() and ds.interactions["item_id"].map(len).gt(0).all()


KINDS = {  # typed columns as a DataFrame or a Parquet file holds them
    "int": lambda n, r: r.integers(0, 5, n),
    "nullable int": lambda n, r: pd.array([None if x == 0 else int(x) for x in r.integers(0, 5, n)], dtype="Int64"),
    "float with NaN": lambda n, r: np.where(r.random(n) < 0.3, np.nan, r.random(n) * 5),
    "text": lambda n, r: [f"u{x}" for x in r.integers(0, 4, n)],
    "text with NA": lambda n, r: pd.array([None if x == 0 else f"i{x}" for x in r.integers(0, 4, n)], dtype="string"),
    "category": lambda n, r: pd.Categorical([f"c{x}" for x in r.integers(0, 3, n)]),
    "datetime": lambda n, r: pd.to_datetime(r.integers(1.5e9, 1.7e9, n), unit="s"),
    "datetime in Paris": lambda n, r: pd.to_datetime(r.integers(1.5e9, 1.7e9, n), unit="s", utc=True).tz_convert("Europe/Paris"),
    "datetime with NaT": lambda n, r: pd.to_datetime([None if x < 0.3 else 1.6e9 for x in r.random(n)], unit="s"),
    "bool": lambda n, r: r.random(n) < 0.5,
    "list": lambda n, r: [[f"i{x}", f"i{x + 1}"] for x in r.integers(0, 4, n)],
    "list, some empty": lambda n, r: [[] if x == 0 else [int(x)] for x in r.integers(0, 3, n)],
    "record": lambda n, r: [{"name": f"n{x}", "v": int(x)} for x in r.integers(0, 3, n)],
    "bytes": lambda n, r: [bytes([int(x)]) for x in r.integers(0, 255, n)],
    "date text, repeated": lambda n, r: [None if x == 0 else "2024-01-02" for x in r.integers(0, 3, n)],
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(NAMES[:-2]), st.sampled_from(sorted(KINDS))), min_size=1, max_size=5,
                unique_by=lambda t: t[0]),
       st.integers(1, 12), st.integers(0, 10**6), st.booleans())
# what a longer search found: categories and bytes (a DataFrame's or Parquet's), and a time missing in a repeated column
@example([("user_id", "category"), ("item_id", "bytes"), ("genres", "category")], 9, 9, False)
@example([("user_id", "text"), ("item_id", "text"), ("timestamp", "date text, repeated")], 12, 3, True)
def test_a_typed_table_ends_in_a_dataset_or_a_data_error(spec: list[tuple[str, str]], n: int, seed: int,
                                                         parquet: bool) -> None:
    r = np.random.default_rng(seed)
    frame = pd.DataFrame({name: KINDS[kind](n, r) for name, kind in spec})
    source: object = frame
    if parquet:
        buf = io.BytesIO()
        frame.to_parquet(buf)
        source = upload("data.parquet", buf.getvalue())
    try:
        ds = recengine.read_dataset(source)
        ds.stats()
    except DataError:
        return
    assert ds.n_interactions > 0 and ds.interactions["item_id"].map(len).gt(0).all()
