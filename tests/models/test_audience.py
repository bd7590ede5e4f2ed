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


def test_heavy_users_do_not_win_by_volume_and_reasons_name_their_own_items(encoder):
    """A user with many unrelated items must not outrank a user whose few items match the new item."""
    import pandas as pd

    import recengine
    from recengine.text import embed_items

    space = ["a", "b", "c"]
    # Each sea film is mildly like a space film (cosine ~0.25): six of them outweigh the fan's two space
    # films in a plain sum, but not per unit of history.
    sea = [f"s{i}" for i in range(6)]
    inter = pd.DataFrame({"user_id": ["fan"] * 2 + ["heavy"] * 7, "item_id": ["a", "b"] + ["c"] + sea})
    items = pd.DataFrame(
        {
            "item_id": space + sea,
            "title": ["Space Odyssey", "Star Voyage", "Galaxy Quest"] + [f"Harbour Tales {i}" for i in range(6)],
            "description": ["astronauts explore deep space", "a starship crew between the stars", "aliens and a spaceship"]
            + ["fishermen and sailors on a ship at sea"] * 6,
        }
    )
    ds = recengine.read_dataset(inter, items)
    model = ContentKNN(k=20).fit(ds, embed_items(ds, encoder), encoder)
    aud = audience(model, ds, "a crew of astronauts on a starship in deep space", k=2)
    assert aud["user_id"].tolist() == ["fan", "heavy"]
    assert set(aud.loc[0, "because"].split(", ")) <= {"Space Odyssey", "Star Voyage"}
    assert "Harbour" not in aud.loc[0, "because"]


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
