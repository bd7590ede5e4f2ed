"""How results print: a dict as a two-column listing whose values start in one column."""

from __future__ import annotations

import io
import json

from recengine.cli.common import emit


def test_a_result_dict_lists_its_values_flush_left():
    out = io.StringIO()
    emit({"fingerprint": "ft-1", "n": 3, "cold_items": {"recall@10": 0.19}}, "table", stream=out)
    lines = out.getvalue().splitlines()
    assert lines == ["fingerprint           ft-1", "n                     3", "cold_items.recall@10  0.19"]
    out = io.StringIO()  # a list a line a value (each warning whole), nothing as (none): not one line of JSON
    emit({"warnings": ["a.csv: 2 rows dropped", "b.csv: no text"], "tags": []}, "table", stream=out)
    assert out.getvalue().splitlines() == ["warnings  a.csv: 2 rows dropped", "          b.csv: no text", "tags      (none)"]
    out = io.StringIO()
    emit({"n": 3}, "json", stream=out)
    assert json.loads(out.getvalue()) == {"n": 3}
    out = io.StringIO()
    emit({"n": 3}, "csv", stream=out)
    assert out.getvalue().splitlines() == ["key,value", "n,3"]
    out = io.StringIO()
    emit({}, "table", stream=out)
    assert out.getvalue() == "(no rows)\n"


def test_a_missing_value_in_a_table_reads_as_a_dash():
    import pandas as pd

    out = io.StringIO()
    emit(pd.DataFrame({"item_id": ["50", "1"], "feedback": ["liked", "disliked"], "weight": [1.0, float("nan")],
                       "intent": [None, "x"]}), "table", stream=out)
    text = out.getvalue()
    assert "NaN" not in text and "None" not in text and text.count("—") == 2


def test_a_table_with_wide_titles_keeps_its_columns_aligned(capsys):
    """A Japanese title takes two terminal columns a character: counted as one, the score column after it was out of
    line on every row with one (a probe's recommendations for a CJK catalogue)."""
    import unicodedata

    emit([{"item_id": "1", "title": "宇宙の冒険", "score": 1.0}, {"item_id": "22", "title": "Heat", "score": 0.5}], "table")
    lines = capsys.readouterr().out.splitlines()

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    ends = {width(line.rstrip()) for line in lines}  # right-aligned numbers: every row ends at one terminal column
    assert len(ends) == 1, lines
