"""The readers read the same on every pandas release that pyproject allows, not only on the one CI installs.

pandas 3.0 (the release a CUDA image shipped: the GPU check of issue 4 failed on the sample's first line) refuses a
compiled pattern that carries a flag in ``Series.str`` methods, and where pyarrow stores the strings it runs patterns
through RE2, whose ``\\w`` knows ASCII alone. The ``pandas_30`` fixture makes the installed pandas behave so; each
test loads a file whose reading rests on one of those patterns and checks what was read.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from pandas.core.strings.accessor import StringMethods

import recengine
from tests.data.test_item_lists import BEHAVIORS, NEWS, upload

_PATTERN_METHODS = ("match", "fullmatch", "contains", "extract", "count", "findall", "replace", "split")


@pytest.fixture
def pandas_30(monkeypatch: pytest.MonkeyPatch) -> None:
    def strict(real):
        def method(self, pat=None, *args, **kwargs):
            if isinstance(pat, re.Pattern) and pat.flags & ~re.UNICODE:
                raise ValueError("Cannot pass flags that do not match pat.flags")
            source = pat.pattern if isinstance(pat, re.Pattern) else pat
            if isinstance(source, str) and kwargs.get("regex", True) is not False and re.search(r"\\[wWb]", source):
                pat = re.compile(source, re.ASCII)  # RE2's classes
            return real(self, pat, *args, **kwargs)
        return method

    for name in _PATTERN_METHODS:
        monkeypatch.setattr(StringMethods, name, strict(getattr(StringMethods, name)))
    with pytest.raises(ValueError, match="flags"):  # the fixture does what pandas 3.0 does
        pd.Series(["a"]).str.match(re.compile("a", re.IGNORECASE))


def test_the_sample_loads(pandas_30) -> None:
    ds = recengine.load_sample("movielens-100k")
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (943, 1682, 100_000)


def test_a_headerless_file_whose_first_line_holds_links_is_read_as_data(pandas_30) -> None:
    ds = recengine.read_dataset(upload("behaviors.tsv", BEHAVIORS), upload("news.tsv", NEWS))
    assert ds.options["headerless"] and ds.n_items == 6


def test_captions_in_chinese_are_the_items_text(pandas_30) -> None:
    captions = ["精神小伙路难走 程哥你狗粮", "今天的晚饭真好吃", "周末去爬山看日出", "猫咪在窗边晒太阳"]
    ds = recengine.read_dataset(pd.DataFrame({"user": ["a", "a", "b", "b"], "item": ["1", "2", "3", "4"]}),
                                pd.DataFrame({"item": ["1", "2", "3", "4"], "caption": captions}))
    assert ds.texts == captions


def test_dates_and_ratings_within_words_are_read(pandas_30) -> None:
    log = pd.DataFrame({"user": ["a", "b", "c", "d"], "item": ["x", "y", "x", "y"],
                        "posted": ["Posted November 5, 2011.", "Posted February 3.", "Posted June 24, 2014.",
                                   "Reviewed in the United States on 7 July 2019"],
                        "rating": ["4.0 out of 5 stars", "3/5", "5 Sterne", "★★☆☆☆"]})
    ds = recengine.read_dataset(log)
    assert ds.interactions["timestamp"].tolist() == [1320451200, 1580688000, 1403568000, 1562457600]  # 2020-02-03
    assert ds.interactions["rating"].tolist() == [4.0, 3.0, 5.0, 2.0]


def test_items_named_by_their_ids_carry_their_names_as_text(pandas_30) -> None:
    ds = recengine.read_dataset(upload("steam.csv", "member_id,game_title\n1,Fallout 4\n2,The Witcher 3\n3,Ōkami HD\n"))
    assert ds.texts == ["Fallout 4", "The Witcher 3", "Ōkami HD"]
