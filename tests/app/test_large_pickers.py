"""Large populations: the Recommend page's user and liked-item pickers send a search's matches, not every id.

60,000 user ids in one selectbox (and 20,000 titles in one multiselect) went to the browser at every rerun, each like
or dislike included: ~480 kB a widget. Above ``PICKER_LIMIT`` options a picker is a search field and a list of at
most ``PICKER_SHOWN`` matches; what is picked stays picked, and the address still restores any user or item.
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import ui.state
from tests.app.conftest import assert_clean, page_path
from ui.state import PICKER_LIMIT, PICKER_SHOWN, search_options

RECOMMEND = "pages/4_Recommend.py"
KEY = "upload:large-pickers"
WORDS = ("quiet", "harbor", "moon", "river", "silent", "garden", "iron", "city", "last", "summer", "red", "winter",
         "golden", "road", "night", "train")


def _dataset(n_users: int, n_items: int, name: str):
    """Users u00000... with 1 to 6 items each, titled items i00000...; one item has text, so embedding is quick."""
    import recengine

    rng = np.random.default_rng(7)
    pop = 1.0 / np.arange(1, n_items + 1) ** 0.8
    counts = 1 + np.arange(n_users) % 6
    users = np.repeat([f"u{u:05d}" for u in range(n_users)], counts)
    items = rng.choice(n_items, size=len(users), p=pop / pop.sum())
    inter = pd.DataFrame({"user_id": users, "item_id": [f"i{i:05d}" for i in items]})
    titles = [" ".join(rng.choice(WORDS, 2)).title() + f" No. {i}" for i in range(n_items)]
    catalogue = pd.DataFrame({"item_id": [f"i{i:05d}" for i in range(n_items)], "title": titles,
                              "blurb": ["a film about the sea"] + [""] * (n_items - 1)})
    return recengine.read_dataset(inter, catalogue, text="{blurb}", name=name)


@pytest.fixture(scope="module")
def big():
    """Above the threshold on both sides, built once for the module (a fraction of a second)."""
    ds = _dataset(PICKER_LIMIT + 1_000, PICKER_LIMIT + 1_000, "big")
    assert ds.n_users > PICKER_LIMIT and ds.n_items > PICKER_LIMIT
    return ds


def _open(ds, key: str = KEY, params: dict | None = None, **state):
    """The Recommend page on ``ds`` with the popularity model (quick to fit), opened at an address with ``params``
    (a refresh or a shared link: a new session's first run reads them; test_restore covers the dataset part)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(page_path(RECOMMEND), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, key
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.session_state["rec_model"] = "popularity"
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert_clean(at)
    return at


def _item_ids(ds, labels) -> list[str]:
    """The ids behind a multiselect's options (AppTest lists them as shown: "title · id", ids being codes here)."""
    shown = {f"{t} · {i}": i for i, t in zip(ds.item_map.external, ds.titles)}
    return [shown[t] for t in labels]


def _hidden_user(ds) -> str:
    """The least active user, last in id order among them: beyond the first list of a large population."""
    order = np.argsort(-np.diff(ds.matrix.indptr), kind="stable")
    return str(ds.user_map.external[order[-1]])


def _rare_item(ds) -> str:
    """The least popular item, last in id order among them."""
    return str(ds.item_map.external[np.argsort(-ds.item_popularity, kind="stable")[-1]])


def test_search_options_ranks_exact_then_prefix_then_contains_heaviest_first():
    failures, _ = doctest.testmod(ui.state, verbose=False)  # ui/ is not collected as doctests
    assert failures == 0
    ids = ["u1", "u10", "x-u1", "u2", "U1x"]
    picks, hits = search_options("U1", ids, weight=[1, 1, 9, 5, 3])
    assert [ids[i] for i in picks] == ["u1", "U1x", "u10", "x-u1"] and hits == 4
    picks, hits = search_options("", ids, weight=[1, 1, 9, 5, 3], limit=2)
    assert [ids[i] for i in picks] == ["x-u1", "u2"] and hits == len(ids)
    picks, _ = search_options("sea", ids, labels=["Sea", "Seaside", "The Sea", "Land", "Sky"], weight=[0, 9, 9, 9, 9])
    assert [ids[i] for i in picks] == ["u1", "u10", "x-u1"]  # the title equal to it first, then starts, then contains


def test_a_small_population_keeps_its_whole_list_and_no_search_field():
    small = _dataset(300, 200, "small")
    at = _open(small, "upload:small-pickers")
    assert len(at.selectbox(key="rec_user").options) == 300
    assert not [t for t in at.text_input if t.key == "rec_user_find"]
    at.radio(key="rec_mode").set_value("items").run()
    assert len(at.multiselect(key="rec_items").options) == 200
    assert not [t for t in at.text_input if t.key == "rec_items_find"]


def test_a_large_population_sends_a_bounded_list_the_most_active_first(big):
    at = _open(big)
    users = at.selectbox(key="rec_user")
    assert len(users.options) == PICKER_SHOWN
    activity = np.diff(big.matrix.indptr)
    assert activity[big.user_map.index(users.options[0])] == activity.max()
    assert users.value == users.options[0] and at.header[0].value.startswith(f"Top 10 for user {users.value} ")
    find = at.text_input(key="rec_user_find")
    assert find.label == "Find users" and "type part of one" in find.help  # labelled for a screen reader
    assert any(f"of {big.n_users:,} users" in c.value for c in at.caption)

    at.radio(key="rec_mode").set_value("items").run()
    assert_clean(at)
    items = at.multiselect(key="rec_items")
    assert len(items.options) == PICKER_SHOWN
    assert _item_ids(big, items.options)[0] == big.item_map.external[int(np.argmax(big.item_popularity))]


def test_a_search_finds_a_user_beyond_the_list_and_the_choice_survives_another_search(big):
    at = _open(big)
    hidden = _hidden_user(big)
    assert hidden not in at.selectbox(key="rec_user").options
    at.text_input(key="rec_user_find").input(hidden[1:]).run()  # part of the id
    assert_clean(at)
    users = at.selectbox(key="rec_user")
    assert hidden in users.options and len(users.options) <= PICKER_SHOWN + 1
    users.set_value(hidden).run()
    assert at.header[0].value.startswith(f"Top 10 for user {hidden} ")
    assert at.query_params["user"] == hidden
    at.text_input(key="rec_user_find").input("u0000").run()  # a search that does not match it
    assert_clean(at)
    users = at.selectbox(key="rec_user")
    assert users.value == hidden and users.options[0] == hidden  # kept, and shown
    assert at.header[0].value.startswith(f"Top 10 for user {hidden} ")


def test_an_exact_id_typed_picks_that_user(big):
    at = _open(big)
    hidden = _hidden_user(big)
    assert hidden not in at.selectbox(key="rec_user").options
    at.text_input(key="rec_user_find").input(hidden).run()
    assert_clean(at)
    assert at.selectbox(key="rec_user").value == hidden
    assert at.header[0].value.startswith(f"Top 10 for user {hidden} ")


def test_a_typed_id_that_does_not_exist_is_named_with_what_to_do(big):
    at = _open(big)
    before = at.selectbox(key="rec_user").value
    at.text_input(key="rec_user_find").input("nobody-42").run()
    assert_clean(at)
    said = " ".join(w.value for w in at.warning).replace("\\", "")  # as shown: markdown escapes dropped
    assert "nobody-42" in said and "clear the search" in said and "u00000" in said  # what the ids look like
    assert at.selectbox(key="rec_user").value == before  # the chosen user stays, and so do the suggestions
    assert at.header[0].value.startswith(f"Top 10 for user {before} ")


def test_picked_items_stay_picked_and_shown_when_the_search_changes(big):
    at = _open(big, rec_mode="items")
    first = _item_ids(big, at.multiselect(key="rec_items").options)
    rare = _rare_item(big)
    assert rare not in first
    title = big.title(rare)
    at.text_input(key="rec_items_find").input(title.upper()).run()  # a title, in another case
    assert_clean(at)
    picker = at.multiselect(key="rec_items")
    assert _item_ids(big, picker.options)[0] == rare
    picker.set_value([rare]).run()
    assert_clean(at)
    at.text_input(key="rec_items_find").set_value("").run()  # back to the most popular: add the first one
    assert_clean(at)
    picker = at.multiselect(key="rec_items")
    assert picker.value == [rare] and _item_ids(big, picker.options)[0] == rare  # kept, and shown
    picker.set_value([rare, first[0]]).run()
    assert_clean(at)
    assert at.header[0].value.startswith("Top 10 for new visitor ")
    at.text_input(key="rec_items_find").input("Harbor").run()
    assert_clean(at)
    picker = at.multiselect(key="rec_items")
    options = _item_ids(big, picker.options)
    assert picker.value == [rare, first[0]] and {rare, first[0]} <= set(options)
    assert all("harbor" in big.title(i).lower() for i in options if i not in (rare, first[0]))
    at.text_input(key="rec_items_find").input("no such title at all").run()
    assert_clean(at)
    said = " ".join(w.value for w in at.warning).replace("\\", "")  # as shown: markdown escapes dropped
    assert "no such title at all" in said and "stay picked" in said
    assert at.multiselect(key="rec_items").value == [rare, first[0]]
    liked = at.query_params.get_all("liked") if hasattr(at.query_params, "get_all") else at.query_params["liked"]
    assert list(liked) == [rare, first[0]]  # the address names them, for a refresh or a shared link


def test_an_address_restores_a_user_and_liked_items_beyond_the_list(big):
    hidden = _hidden_user(big)
    assert hidden not in _open(big).selectbox(key="rec_user").options
    at = _open(big, params={"data": KEY, "user": hidden})
    assert at.selectbox(key="rec_user").value == hidden
    assert at.header[0].value.startswith(f"Top 10 for user {hidden} ")
    rare = [str(i) for i in big.item_map.external[np.argsort(-big.item_popularity, kind="stable")[-2:]]]
    at = _open(big, params={"data": KEY, "mode": "items", "liked": [*rare, "no-such-item"]})
    picker = at.multiselect(key="rec_items")
    assert picker.value == rare and len(picker.options) <= PICKER_SHOWN + 2


def test_the_cold_start_lab_lists_a_bounded_number_of_cold_items():
    """15,000 cold items with their texts were 2 MB in one table at every rerun: the page shows the first 1,000."""
    from streamlit.testing.v1 import AppTest

    import recengine

    inter = pd.DataFrame({"user_id": [f"u{u % 50}" for u in range(600)], "item_id": [f"i{i % 300}" for i in range(600)]})
    catalogue = pd.DataFrame({"item_id": [f"i{i}" for i in range(1_500)], "title": [f"Title {i}" for i in range(1_500)],
                              "description": [f"A story numbered {i}." for i in range(1_500)]})
    ds = recengine.read_dataset(inter, catalogue, name="mostly-cold")
    assert ds.cold_item_mask.sum() == 1_200
    at = AppTest.from_file(page_path("pages/5_Cold-start_lab.py"), default_timeout=180)
    at.session_state["dataset"], at.session_state["dataset_key"] = ds, "upload:mostly-cold"
    at.run()
    assert_clean(at)
    assert len(at.dataframe[0].value) == 1_000
    assert any("**1,200** items" in m.value and "the CSV holds them all" in m.value for m in at.markdown)


def test_hashed_user_ids_say_so_in_the_pickers_help():
    """A presenter typed a customer's own id ("K000123") into a list of hashed ids and found nothing, with no word why."""
    from streamlit.testing.v1 import AppTest

    def picker_app():
        import recengine
        from ui.state import user_picker

        inter = {"user_id": ["K000123", "K000124", "K000125"], "item_id": ["a", "b", "a"]}
        import pandas as pd

        for hashed in (True, False):
            ds = recengine.read_dataset(pd.DataFrame(inter), hash_user_ids=hashed, name=f"h{hashed}")
            user_picker(f"User {hashed}", ds.user_map, key=f"user_{hashed}", help="a user from the interactions")

    at = AppTest.from_function(picker_app).run()
    assert not at.exception
    hashed, plain = at.selectbox(key="user_True"), at.selectbox(key="user_False")
    assert str(hashed.options[0]).startswith("u_") and "were hashed when the data was loaded" in hashed.help
    assert plain.options[0] == "K000123" and "hashed" not in plain.help
