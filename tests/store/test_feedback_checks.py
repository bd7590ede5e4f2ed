"""Feedback on data the store can check: an item id that data does not hold, or a dataset name that names nothing,
is refused with a message that names them and says what to do; data the store cannot check (the app's keys) is
recorded as given."""

from __future__ import annotations

import pytest

from recengine.errors import ConfigError, UnknownIdError


def test_an_item_the_saved_dataset_does_not_hold_is_refused(store, tiny):
    store.save_dataset("films", tiny)
    assert store.add_feedback("ann", "a", "like", dataset="films") == 1
    with pytest.raises(UnknownIdError) as err:
        store.add_feedback("ann", "zzz", "dislike", dataset="films")
    message = str(err.value)
    assert "'zzz'" in message and "'films'" in message and "check=False" in message and "dislike" in message
    assert [e["item_id"] for e in store.feedback_events("ann")] == ["a"]  # nothing was recorded
    # an id written another way is named
    with pytest.raises(UnknownIdError, match="did you mean 'a'"):
        store.add_feedback("ann", "A", "like", dataset="films")


def test_a_replaced_dataset_is_checked_against_its_new_items(store, tiny, sample):
    store.save_dataset("films", tiny)
    store.add_feedback("ann", "g", "like", dataset="films")
    store.save_dataset("films", sample, replace=True)
    with pytest.raises(UnknownIdError):
        store.add_feedback("ann", "g", "like", dataset="films")
    store.add_feedback("ann", "50", "like", dataset="films")


def test_a_dataset_name_the_store_does_not_hold_is_refused(store, tiny):
    store.save_dataset("films", tiny)
    with pytest.raises(UnknownIdError) as err:
        store.add_feedback("ann", "a", "like", dataset="flims")
    message = str(err.value)
    assert "'flims'" in message and "'films'" in message and "save_dataset" in message and "check=False" in message
    with pytest.raises(UnknownIdError):
        store.feedback_events("ann")  # nothing was recorded: the profile was not even started


def test_the_bundled_sample_is_checked_even_when_not_saved(store):
    store.add_feedback("ann", "50", "like", dataset="movielens-100k")
    with pytest.raises(UnknownIdError, match="'99999'.*bundled sample 'movielens-100k'"):
        store.add_feedback("ann", "99999", "like", dataset="movielens-100k")


def test_a_dataset_in_memory_checks_the_id_and_records_its_name(store, tiny):
    store.add_feedback("ann", "a", "like", dataset=tiny)
    assert store.feedback_events("ann")[-1]["dataset"] == "tiny"
    with pytest.raises(UnknownIdError, match="'zzz'"):
        store.add_feedback("ann", "zzz", "like", dataset=tiny)
    with pytest.raises(ConfigError, match="dataset must be"):
        store.add_feedback("ann", "a", "like", dataset=42)


def test_what_the_store_cannot_check_is_recorded_as_before(store, tiny):
    store.save_dataset("films", tiny)
    # the app's keys name data the store does not hold
    store.add_feedback("app-user-1", "anything", "like", dataset="sample:movielens-100k")
    store.add_feedback("app-user-1", "x", "dislike", dataset="upload:3f2a0c")
    # no dataset named, or a caller that checked the id itself (the CLI, against a file's data)
    store.add_feedback("ann", "zzz", "like")
    store.add_feedback("ann", "zzz", "dislike", dataset="films", check=False)
    store.add_feedback("ann", "q", "like", dataset="orders", check=False)
    assert [(e["item_id"], e["dataset"]) for e in store.feedback_events("app-user-1")] == [
        ("anything", "sample:movielens-100k"), ("x", "upload:3f2a0c")]
    assert store.get_profile("ann")["disliked"] == ["zzz"]
    assert [e["dataset"] for e in store.feedback_events("ann")] == [None, "films", "orders"]
