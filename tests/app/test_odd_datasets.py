"""Every page, opened on datasets that are nothing like MovieLens, draws without an error: nothing may crash on stage.

The datasets come through the real loader from the shapes people bring: a MIND-like impression log (lists of items,
labelled clicks, a headerless news file), a Steam-like dump of Python dicts with a list of games per user, an
order log with no item text and no time, a tiny catalogue where most items are cold, Spotify's playlists, and
Amazon-M2-like sessions with no user beside a catalogue of (item, property, value) rows. Each
page runs its default view, and its actions are clicked (the cold-start lab's item and curves, the evaluation)
through Streamlit's AppTest.
"""

from __future__ import annotations

import io
import json

import pytest

import recengine
from tests.app.conftest import assert_clean, page_path


def upload(name: str, content: str) -> io.BytesIO:
    buf = io.BytesIO(content.encode())
    buf.name = name
    return buf


def mind() -> recengine.Dataset:
    news = "".join(f"N{i}\t{cat}\t{cat}sub\t{title} {i}\tAbout {title.lower()} number {i}.\thttps://msn.com/{i}\t[]\t[]\n"
                   for i, (cat, title) in enumerate([("sports", "Cup final"), ("news", "Storm warning"),
                                                     ("finance", "Rates rise"), ("sports", "Rookie scores"),
                                                     ("news", "Senate vote"), ("finance", "Stocks fall")] * 3))
    rows = "".join(f"{n}\tU{n % 7}\t11/{11 + n % 3}/2019 9:0{n % 10}:00 AM\tN{n % 18} N{(n + 5) % 18}\t"
                   f"N{(n + 1) % 18}-1 N{(n + 2) % 18}-0 N{(n + 9) % 18}-{n % 2}\n" for n in range(1, 40))
    return recengine.read_dataset(upload("behaviors.tsv", rows), upload("news.tsv", news))


def steam() -> recengine.Dataset:
    games = [("10", "Counter-Strike"), ("70", "Half-Life"), ("400", "Portal"), ("620", "Portal 2"),
             ("105600", "Terraria"), ("8930", "Civilization V")]
    users = "".join(repr({"user_id": f"u{u}", "items": [{"item_id": g, "item_name": n, "playtime_forever": 10 * u}
                                                        for g, n in games[u % 3: u % 3 + 3]]}) + "\n" for u in range(9))
    meta = "".join(repr({"app_name": n, "genres": ["Action"] if i % 2 else ["Strategy", "Indie"], "id": g,
                         "tags": ["Classic", "Multiplayer"][: 1 + i % 2]}) + "\n" for i, (g, n) in enumerate(games))
    return recengine.read_dataset(upload("users_items.json", users), upload("steam_games.json", meta))


def orders() -> recengine.Dataset:
    rows = "".join(f"{o},{p}\n" for o in range(1, 15) for p in (100 + o % 5, 103 + o % 4))
    return recengine.read_dataset(upload("order_products.csv", "order_id,product_id\n" + rows))


def mostly_cold() -> recengine.Dataset:
    items = "sku,name,blurb\n" + "".join(f"s{i},Thing {i},A {w} thing for the {r}\n" for i, (w, r) in enumerate(
        [("red", "kitchen"), ("blue", "garden"), ("green", "desk"), ("small", "car"), ("large", "hall"),
         ("soft", "bed"), ("loud", "party"), ("quiet", "library")]))
    return recengine.read_dataset(upload("likes.csv", "user,sku\na,s0\na,s1\nb,s1\nb,s2\nc,s0\n"),
                                  upload("catalogue.csv", items))


def playlists() -> recengine.Dataset:
    """Spotify's Million Playlist Dataset: one JSON object of playlists, each with its tracks (the items)."""
    songs = [("Toxic", "Britney Spears"), ("Crazy In Love", "Beyoncé"), ("Hey Ya!", "OutKast"), ("Yeah!", "Usher"),
             ("Mr. Brightside", "The Killers"), ("Hips Don't Lie", "Shakira"), ("Clocks", "Coldplay")]
    lists = [{"name": f"mix {p}", "pid": p, "modified_at": 1493424000 + p, "collaborative": "false",
              "tracks": [{"pos": k, "track_name": songs[t][0], "artist_name": songs[t][1], "track_uri": f"spotify:track:{t:022d}"}
                         for k, t in enumerate({p % 7, (p + 1) % 7, (2 * p) % 7})]} for p in range(12)]
    return recengine.read_dataset(upload("mpd.slice.0-999.json", json.dumps({"info": {"slice": "0-999"}, "playlists": lists})))


def sessions() -> recengine.Dataset:
    """Amazon-M2-like sessions (a row each, no user, numpy-printed lists and a next item) beside a catalogue of
    (item, property, value) rows."""
    kinds = [("Rain jacket", "outdoor"), ("Trail shoes", "outdoor"), ("Tent", "camping"), ("Stove", "camping"),
             ("Headlamp", "camping"), ("Wool socks", "outdoor"), ("Map case", "outdoor"), ("Kettle", "camping")]
    rows = "".join(f"\"['B{s % 8:03d}' 'B{(s + 1) % 8:03d}' 'B{(s + 3) % 8:03d}']\",B{(s + 5) % 8:03d},DE\n"
                   for s in range(14))
    props = "".join(f"B{i:03d},{key},{value}\n" for i, (name, kind) in enumerate(kinds)
                    for key, value in (("name", name), ("category", kind), ("colour", ["red", "green"][i % 2])))
    return recengine.read_dataset(upload("sessions_train.csv", "prev_items,next_item,locale\n" + rows),
                                  upload("item_properties.csv", "item,attribute,value\n" + props))


DATASETS = {"mind": mind, "steam": steam, "orders": orders, "mostly cold": mostly_cold, "playlists": playlists,
            "sessions": sessions}
#: the cold-start lab's example (its label says what kind of item it takes), its curves, and the evaluation
ACTIONS = ["cold_example", "Compute the curve", "Run the cold-items protocol", "Run evaluation"]
PAGES = ["pages/1_Data.py", "pages/2_Embeddings.py", "pages/3_Fine-tune.py", "pages/4_Recommend.py",
         "pages/5_Cold-start_lab.py", "pages/6_Evaluate.py"]


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_page_draws_on_a_dataset_unlike_movielens(name: str) -> None:
    from streamlit.testing.v1 import AppTest

    ds = DATASETS[name]()
    assert ds.n_interactions > 0
    clicked: list[str] = []
    for page in PAGES:
        at = AppTest.from_file(page_path(page), default_timeout=300)
        at.session_state["dataset"], at.session_state["dataset_key"] = ds, f"upload:{name}"
        at.run()
        assert_clean(at)
        said_plainly(at, page)
        for label in ACTIONS:  # what a presenter clicks on the page (Recommend recommends as it opens)
            buttons = [b for b in at.button if label in (b.label, b.key)]
            if buttons:
                buttons[0].click().run()
                assert_clean(at)
                said_plainly(at, page)
                clicked.append(label)
    has_text = bool((ds.items["text"].str.len() > 0).any())  # with no text, no item can be placed by its words
    assert clicked == (ACTIONS if has_text else ACTIONS[1:])  # each was there to click


def said_plainly(at, page: str) -> None:  # noqa: ANN001
    """What the data cannot do (too few items to fine-tune on...) may be said as an error, but in words: no Python
    exception names or tracebacks reach the screen."""
    for e in at.error:
        assert not any(w in e.value for w in ("Traceback", "Exception", "Error:", "KeyError", "nan")), (page, e.value)
