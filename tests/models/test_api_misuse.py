"""Mistakes a Python caller makes with the models, each met with a message that says what to do.

Before, each of these ran silently on wrong data or failed deep inside with an AttributeError.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from recengine.errors import ConfigError


@pytest.fixture(scope="module")
def numbered(encoder):
    """Items with numeric ids ("50", "172", ...) and texts, as MovieLens has, small enough to embed at once."""
    import recengine

    ids = ["50", "172", "181", "7", "12"]
    inter = pd.DataFrame({"user_id": [f"u{u}" for u in range(6) for _ in range(2)],
                          "item_id": [ids[(u + j) % 4] for u in range(6) for j in range(2)]})
    items = pd.DataFrame({"item_id": ids, "title": ["Star Wars", "Empire Strikes Back", "Return of the Jedi",
                                                    "Twelve Monkeys", "Usual Suspects"]})
    return recengine.read_dataset(inter, items, name="numbered")


def _other_texts(tiny, changed: dict[str, str], extra: dict[str, str] | None = None):
    """``tiny`` with some item texts changed (same ids) and ``extra`` items added (id: title)."""
    import recengine

    items = tiny.items[["item_id", "title", "description"]].copy()
    items["title"] = [changed.get(i, t) for i, t in zip(items["item_id"], items["title"])]
    items["description"] = [t if i not in changed else "" for i, t in zip(items["item_id"], items["description"])]
    if extra:
        items = pd.concat([items, pd.DataFrame({"item_id": list(extra), "title": list(extra.values()), "description": ""})])
    return recengine.read_dataset(tiny.interactions[["user_id", "item_id"]], items, name="other")


# ---- A2: embeddings of another catalogue that shares some ids ----------------------------------------------
def test_embeddings_made_from_other_texts_are_refused(tiny, tiny_embeddings, encoder):
    """Embeddings of another catalogue were matched by id whenever some ids overlapped: items whose text differs
    were scored with another item's vector, and items the embeddings lacked silently had none."""
    from recengine.evaluation import evaluate
    from recengine.models import ContentKNN, Hybrid, Profile

    assert tiny_embeddings.text_digests is not None and len(tiny_embeddings.text_digests) == tiny.n_items
    own = _other_texts(tiny, {})  # the same texts, read again: the same embeddings fit
    ContentKNN(k=2).fit(own, tiny_embeddings, encoder).recommend(Profile.from_intent("space"), k=2)
    other = _other_texts(tiny, {"a": "Laptop", "b": "Mouse"})
    with pytest.raises(ConfigError, match=r"made from other texts for 2 item\(s\) \(e\.g\. id 'a': “Title: Laptop\.” here\).*"
                                          r"embed_items\(dataset, encoder\)"):
        ContentKNN(k=2).fit(other, tiny_embeddings, encoder)
    with pytest.raises(ConfigError, match="made from other texts"):
        Hybrid(learn=False).fit(other, tiny_embeddings, encoder)
    with pytest.raises(ConfigError, match="made from other texts"):
        evaluate(other, "warm", models=["popularity"], embeddings=tiny_embeddings, encoder=encoder)


def test_items_with_text_that_the_embeddings_lack_are_refused(tiny, tiny_embeddings, encoder):
    from recengine.models import ContentKNN

    grown = _other_texts(tiny, {}, extra={"h": "Monitor"})
    with pytest.raises(ConfigError, match=r"hold no vector for 1 of the 8 items that have text here \(e\.g\. id 'h'\)"):
        ContentKNN(k=2).fit(grown, tiny_embeddings, encoder)
    # the user's own (vectors, item_ids) may leave items out on purpose: said, not refused
    with pytest.warns(UserWarning, match="hold no vector for 1 of the 8 items"):
        model = ContentKNN(k=2).fit(grown, (tiny_embeddings.vectors, tiny_embeddings.item_ids), encoder)
    assert not model.has_text[grown.item_map.index("h")]


def test_embeddings_that_do_not_say_their_texts_are_read_by_id_as_before(tiny, tiny_embeddings, encoder):
    """ItemEmbeddings made before they carried their texts' digests are not checked against the texts."""
    from recengine.models import ContentKNN, Profile

    unsaid = dataclasses.replace(tiny_embeddings, text_digests=None)
    other = _other_texts(tiny, {"a": "Laptop"})
    recs = ContentKNN(k=2).fit(other, unsaid, encoder).recommend(Profile.from_items(["b"]), k=2)
    assert len(recs) == 2


# ---- A3: embeddings of another encoder -----------------------------------------------------------------------
def test_embeddings_of_another_encoder_are_refused(tiny, tiny_embeddings, encoder):
    """A fine-tuned encoder with the base encoder's embeddings silently measured the base embeddings."""
    from recengine.evaluation import evaluate
    from recengine.models import ContentKNN, Hybrid

    base = dataclasses.replace(tiny_embeddings, fingerprint="base-0000")
    for fit in (ContentKNN(k=2).fit, Hybrid(learn=False).fit):
        with pytest.raises(ConfigError, match=f"come from encoder base-0000, but the encoder given is {encoder.fingerprint}"):
            fit(tiny, base, encoder)
    with pytest.raises(ConfigError, match="come from encoder base-0000"):
        evaluate(tiny, "warm", models=["content"], embeddings=base, encoder=encoder)


# ---- A5: evaluate leaves the caller's model alone ------------------------------------------------------------
def test_evaluate_leaves_a_fitted_model_as_it_was(tiny, tiny_embeddings, encoder):
    """evaluate refitted the caller's own object on the split's training data."""
    from recengine.evaluation import evaluate
    from recengine.models import ItemKNN, Profile

    model = ItemKNN(k=2).fit(tiny)
    profile = Profile.from_items(["a"])
    before = model.recommend(profile, k=5)
    popularity = model.item_popularity.copy()
    res = evaluate(tiny, "warm", models=[model], embeddings=tiny_embeddings, encoder=encoder, k=2)
    assert res["model"].tolist() == ["itemknn"]
    pd.testing.assert_frame_equal(model.recommend(profile, k=5), before)
    np.testing.assert_array_equal(model.item_popularity, popularity)
    unfitted = ItemKNN(k=2)
    evaluate(tiny, "warm", models=[unfitted], embeddings=tiny_embeddings, encoder=encoder, k=2)
    assert not unfitted.is_fitted


# ---- A6: an audience the model cannot score ------------------------------------------------------------------
def test_audience_of_an_item_that_was_cold_when_the_model_was_fitted_is_an_error(tiny):
    """A model fitted on a split's training data (the item cold there) gave an empty audience: every score NaN."""
    from recengine.models import ItemKNN, audience

    inter = tiny.interactions
    train = tiny.with_interactions(inter[inter["item_id"] != "c"])  # as a split's train: "c" held out
    model = ItemKNN(k=2).fit(train)
    with pytest.raises(ConfigError, match="fitted when item 'c' had no interactions.*fit it on this dataset"):
        audience(model, tiny, item="c")
    assert len(audience(ItemKNN(k=2).fit(tiny), tiny, item="c")) > 0


# ---- B1, B2: the wrong kind of object ------------------------------------------------------------------------
def test_a_split_where_a_dataset_is_expected_is_refused(tiny):
    from recengine.data import make_split
    from recengine.evaluation import evaluate
    from recengine.text import finetune

    split = make_split(tiny, "warm", seed=0)
    with pytest.raises(ConfigError, match="evaluate takes the full Dataset.*got a Split"):
        evaluate(split, "warm", models=["popularity"])
    with pytest.raises(ConfigError, match="finetune takes a Dataset; got a Split: pass split.train"):
        finetune(split)


def test_audience_with_the_model_and_the_dataset_swapped_is_refused(tiny, tiny_embeddings, encoder):
    from recengine.data import make_split
    from recengine.models import ContentKNN, audience

    model = ContentKNN(k=2).fit(tiny, tiny_embeddings, encoder)
    with pytest.raises(ConfigError, match=r"model first, then the dataset: audience\(model, dataset"):
        audience(tiny, model, text="a space adventure")
    with pytest.raises(ConfigError, match="audience takes a Dataset; got a Split: pass split.train"):
        audience(model, make_split(tiny, "warm", seed=0), text="a space adventure")


# ---- B4: a mistyped item id read as a description ------------------------------------------------------------
def test_a_short_string_near_an_item_id_is_said_to_be_read_as_text(numbered, encoder):
    from recengine.models import ContentKNN, audience

    model = ContentKNN(k=2).fit(numbered, encoder=encoder)
    with pytest.warns(UserWarning, match=r"'5O' is not an item id \(did you mean '50'\?\); it was read as a new item's text"):
        audience(model, numbered, "5O")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        audience(model, numbered, "50")  # an id
        audience(model, numbered, "space opera with rebels")  # a description
        audience(model, numbered, text="5O")  # said to be a text


# ---- B7: a table of recommendations where a profile or item ids go ------------------------------------------
def test_a_table_of_recommendations_in_the_wrong_place_says_what_to_pass(tiny):
    from recengine.explain import explain, explain_many
    from recengine.models import ItemKNN, Profile

    model = ItemKNN(k=2).fit(tiny)
    profile = Profile.from_items(["a", "b"])
    recs = model.recommend(profile, k=2)
    with pytest.raises(ConfigError, match="recommend takes Profile objects, got a DataFrame"):
        model.recommend(recs)
    with pytest.raises(ConfigError, match=r"got a DataFrame: pass its item id column, such as recs\['item_id'\]"):
        explain_many(model, profile, recs)
    with pytest.raises(ConfigError, match="explain takes one item id, got a Series"):
        explain(model, profile, recs["item_id"])
    with pytest.raises(ConfigError, match="got a DataFrame: pass a Profile"):
        explain_many(model, recs, ["c"])
    assert len(explain_many(model, profile, recs["item_id"], reasons=False)) == 2
