"""audience(): who wants an existing item, a cold item, or a brand-new item known only by its text."""

from __future__ import annotations

import pytest

from recengine.errors import ConfigError
from recengine.models import EASE, ContentKNN, Profile, audience
from recengine.rerank import recommend


@pytest.fixture(scope="module")
def content(tiny, tiny_embeddings, encoder):
    return ContentKNN(k=2).fit(tiny, tiny_embeddings, encoder)


def test_new_item_text_reaches_the_users_of_similar_items(content, tiny):
    aud = audience(content, tiny, "a crew of astronauts on a starship in deep space", k=3)
    assert set(aud["user_id"]) == {"u0", "u1", "u2"}
    assert aud["rank"].tolist() == [1, 2, 3] and (aud["score"] > 0).all()
    romance = audience(content, tiny, "two strangers fall in love in Paris", k=3)
    assert set(romance["user_id"]) == {"u3", "u4", "u5"}


def test_cold_item_id_uses_its_own_text(content, tiny):
    aud = audience(content, tiny, "g", k=2)
    assert set(aud["user_id"]) <= {"u0", "u1", "u2"}


def test_existing_item_skips_users_who_already_have_it(tiny):
    model = EASE(lam=1.0, device="cpu").fit(tiny)
    aud = audience(model, tiny, "a", k=6)
    assert "u0" not in set(aud["user_id"])
    assert len(aud) == 3 and aud["n_items"].tolist() == [3, 3, 3]


def test_new_items_need_a_text_model(tiny):
    model = EASE(lam=1.0, device="cpu").fit(tiny)
    with pytest.raises(ConfigError, match="text-based model"):
        audience(model, tiny, "a brand new space film", k=3)


def test_module_recommend_applies_dislikes_and_their_neighbours(content, tiny):
    profile = Profile.from_items(["a"]).dislike("b")
    recs = recommend(content, profile, k=5)
    assert "b" not in set(recs["item_id"]) and "a" not in set(recs["item_id"])
    diverse = recommend(content, Profile.from_items(["a"]), k=3, diversity=0.9)
    assert len(diverse) == 3 and diverse["rank"].tolist() == [1, 2, 3]


SPACE = {"a": ("Space Odyssey", "astronauts explore deep space"), "b": ("Star Voyage", "a starship crew between the stars"),
         "c": ("Galaxy Quest", "aliens and a spaceship"), "d": ("Nebula Rangers", "a rocket voyage to a distant planet")}
SPACE_REQUEST = "a crew of astronauts on a starship in deep space"


def _space_audience(encoder, histories, others, other_title, other_text, k):
    """The audience of ``SPACE_REQUEST`` on a catalogue of the four space films and ``others`` alike."""
    import pandas as pd

    import recengine
    from recengine.text import embed_items

    inter = pd.DataFrame([(u, i) for u, items in histories.items() for i in items], columns=["user_id", "item_id"])
    items = pd.DataFrame({"item_id": [*SPACE, *others], "title": [t for t, _ in SPACE.values()] + [f"{other_title} {n}" for n in range(len(others))],
                          "description": [d for _, d in SPACE.values()] + [other_text] * len(others)})
    ds = recengine.read_dataset(inter, items)
    model = ContentKNN(k=k).fit(ds, embed_items(ds, encoder), encoder)
    return audience(model, ds, SPACE_REQUEST, k=len(histories))


def test_heavy_users_do_not_win_by_volume_and_reasons_name_their_own_items(encoder):
    """A user with many items mildly like the new one must not outrank a user whose few items match it."""
    # Each sea film is mildly like a space film (cosine ~0.25): the heavy user's one space film and five sea films
    # outweigh the fan's three space films in a plain sum (1.64 against 1.48), not per unit of history.
    sea = [f"s{i}" for i in range(5)]
    aud = _space_audience(encoder, {"fan": ["a", "b", "d"], "heavy": ["c", *sea]}, sea, "Harbour Tales",
                          "fishermen and sailors on a ship at sea", k=20)
    assert aud["user_id"].tolist() == ["fan", "heavy"]
    assert set(aud.loc[0, "because"].split(", ")) <= {"Space Odyssey", "Star Voyage", "Nebula Rangers"}
    assert "Harbour" not in aud.loc[0, "because"]


def test_one_lucky_item_does_not_outrank_several_matches(encoder):
    """A user whose only item is the new one's nearest neighbour is one coincidence; three space films among a
    collector's seven items are a taste. Divided by the plain root of the history (0.65 against 0.46), the one item
    won; ``AUDIENCE_PRIOR`` counts two more items, unlike the new one, in every history."""
    cooking = [f"k{i}" for i in range(4)]
    aud = _space_audience(encoder, {"once": ["b"], "collector": ["a", "c", "d", *cooking]}, cooking, "Kitchen Basics",
                          "baking bread and roasting vegetables at home", k=4)
    assert aud["user_id"].tolist() == ["collector", "once"]
    assert aud["n_items"].tolist() == [7, 1]


def test_a_new_item_has_no_audience_on_data_without_text(encoder):
    import pandas as pd

    import recengine
    from recengine.errors import DataError
    from recengine.text import embed_items

    inter = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"]})
    ds = recengine.read_dataset(inter)
    model = ContentKNN().fit(ds, embed_items(ds, encoder), encoder)
    with pytest.raises(DataError, match="no item has text"):
        audience(model, ds, "a light trail running shoe")


def test_an_unknown_item_id_is_an_error_and_a_text_is_never_taken_for_an_id(content, tiny):
    """``item=`` names an item: a typo is an error, not a description. ``text=`` is a description, even one
    that reads like an id."""
    from recengine.errors import UnknownIdError

    with pytest.raises(UnknownIdError, match="unknown item id 'zz'"):
        audience(content, tiny, item="zz", k=3)
    as_item = audience(content, tiny, item="a", k=6)
    as_text = audience(content, tiny, text="a", k=6)
    assert "because" not in as_item and "u0" not in set(as_item["user_id"])  # the item itself: its users excluded
    assert "because" in as_text  # the letter "a" placed as a new item's text
    with pytest.raises(ConfigError, match="one of"):
        audience(content, tiny, item="a", text="a space film")


def test_a_cold_item_with_no_text_is_said_to_have_none(encoder):
    import pandas as pd

    import recengine
    from recengine.errors import DataError
    from recengine.text import embed_items

    inter = pd.DataFrame({"user_id": ["u", "u", "v"], "item_id": ["x", "y", "x"]})
    items = pd.DataFrame({"item_id": ["x", "y", "z"], "title": ["Trail shoe", "Rain jacket", None]})
    ds = recengine.read_dataset(inter, items)
    model = ContentKNN().fit(ds, embed_items(ds, encoder), encoder)
    with pytest.raises(DataError, match="'z' has no interactions and no text"):
        audience(model, ds, item="z")
