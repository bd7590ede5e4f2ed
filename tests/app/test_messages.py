"""Engine messages as the app shows them: the app's own controls, never Python or command-line syntax."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import recengine
from recengine.errors import DataError
from ui.boundary import for_app


def _csv(name: str, text: str) -> io.BytesIO:
    buf = io.BytesIO(text.encode())
    buf.name = name
    return buf


def _said(*args, **kwargs) -> list[str]:
    try:
        ds = recengine.read_dataset(*args, **kwargs)
    except DataError as exc:
        return [for_app(str(exc))]
    return [for_app(w) for w in ds.warnings]


@pytest.mark.parametrize("case", ["rating not numbers", "items id by values", "no ratings for a minimum", "returns"])
def test_the_app_names_its_own_controls(case):
    if case == "rating not numbers":
        said = _said(_csv("r.csv", "user,item,rating\na,x,5\nb,y,\n"))
        want = "Rating / weight: (none)"
    elif case == "items id by values":
        items = pd.DataFrame({"ref": ["x", "y"], "title": ["Mug", "Pot"]})
        said = _said(pd.DataFrame({"user": ["a", "b"], "item": ["x", "y"]}), items)
        want = "Item id in the items file"
    elif case == "no ratings for a minimum":
        said = _said(pd.DataFrame({"user": ["a", "b"], "item": ["x", "y"]}), min_rating=4)
        want = "minimum rating"
    else:
        said = _said(pd.DataFrame({"user": ["a", "b", "c"], "item": ["x", "y", "x"], "quantity": [2, -1, 1]}))
        want = "Rating / weight: (none)"
    text = " ".join(said)
    assert want in text, said
    assert "columns={" not in text and "--" not in text and "min_rating" not in text, said
