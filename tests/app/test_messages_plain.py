"""Errors and warnings the app shows name its own controls (Column mapping, Minimum rating, Item text), never the
Python way of a step (``columns={...}``, ``min_rating=``, ``text=[...]``) nor a command-line option."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import assert_clean

MATRIX = "user,a,b,c\nu1,5,,3\nu2,,4,1\nu3,2,,5\n"
STEAM = ("user_id,item_id,posted\na,x,\"Posted November 5, 2011.\"\nb,y,Posted February 3.\n"
         "c,x,\"Posted June 24, 2014.\"\n")


def shown(at) -> str:
    """The page's errors and warnings as a reader sees them (markdown escapes taken out)."""
    text = " ".join(m.value for m in [*at.error, *at.warning])
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def plain(text: str, *python: str) -> None:
    for word in ("columns={", "in the CLI:", "in the app:", " --", *python):
        assert word not in text, (word, text)


def load(run_page, inter: tuple[str, str], items: tuple[str, str] | None = None, *, skip_missing: bool = False):
    """The Data page after its Load button, with these files (name, content) chosen."""
    at = run_page("pages/1_Data.py")
    at.file_uploader(key="up_inter").set_value((inter[0], inter[1].encode(), "text/csv"))
    if items is not None:
        at.file_uploader(key="up_items").set_value((items[0], items[1].encode(), "text/csv"))
    at.run()
    if skip_missing:
        at.checkbox(key="map_skip_missing").check()
        at.run()
    at.button(key="load_upload").click().run()
    assert_clean(at)
    return at


CASES = {  # what is loaded, what the message must name, and Python that must not show
    "matrix": (dict(inter=("ratings.csv", MATRIX)), "read as a matrix", "name the item column (Column mapping, Item id)"),
    "matrix with a word": (dict(inter=("ratings.csv", MATRIX + "u4,x,1,2\nu5,1,2,3\n")), "which is no number",
                           "name its item column (Column mapping, Item id)"),
    "baskets": (dict(inter=("baskets.csv", "user,items\nu1,B01 B02 B03\nu2,B02\nu3,B01|B04\n")), "holds lists of items",
                "if that is wrong (Column mapping, Item id)"),
    "no clicks": (dict(inter=("noclicks.csv", "user,impressions\nu1,N11-0 N12-0\nu2,N13-0\n")),
                  "no interaction is left to read", "map another item column (Column mapping, Item id)"),
    "no ids": (dict(inter=("log.csv", "user,item\n,a\nb,\n,c\n"), skip_missing=True), "no row has both",
               "Map the id columns (Column mapping, User id and Item id)"),
    "sessions": (dict(inter=("sessions.csv", "prev_items,next_item\n" + "".join(
        f"\"['B{s % 8:03d}' 'B{(s + 1) % 8:03d}']\",B{(s + 5) % 8:03d}\n" for s in range(14)))),
                 "stands for a user (a session)", "map it (Column mapping, User id)"),
    "no text": (dict(inter=("log.csv", "user,item\nu1,x\nu2,y\n"),
                     items=("items.csv", "item,image\nx,https://a.org/x.jpg\ny,https://a.org/y.jpg\n")),
                "no item has any text", "explicitly (Item text, Chosen columns)"),
    "thumbs": (dict(inter=("votes.csv", "user_id,recipe_id,verdict\na,x,up\na,y,down\nb,x,up\nb,y,down\n")),
               "holds thumbs up and down", "keep only the thumbs up (Minimum rating 1)"),
    "a year left out": (dict(inter=("reviews.csv", STEAM)), "writes no year",
                        "(Column mapping, Timestamp: (none))"),
    "no year anywhere": (dict(inter=("reviews.csv", STEAM.replace(", 2011", "").replace(", 2014", ""))),
                         "not every row writes a whole date", "(Column mapping, Timestamp)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_load_message_names_the_apps_control(run_page, case):
    kwargs, what, step = CASES[case]
    text = shown(load(run_page, **kwargs))
    assert what in text and step in text, text
    plain(text, "min_rating", "skip_missing_ids", "text=[")


def test_a_fine_tune_that_is_not_there_names_the_apps_encoder_list(tiny):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import page_path

    at = AppTest.from_file(page_path("pages/2_Embeddings.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = tiny, "upload:tiny-messages"
    at.run()
    box = at.selectbox(key="emb_encoder")
    box.options.append("ft-0000000000000000")  # typed into the box (AppTest picks listed options only)
    box.set_value("ft-0000000000000000").run()
    assert_clean(at)
    text = shown(at)
    assert "no fine-tuned encoder ft-0000000000000000" in text and "the Encoder list on the Embeddings page" in text
    plain(text, "list_finetuned", "recengine store list", "in Python")
