"""The store keeps datasets, profiles with their feedback, runs and fine-tune records, and gives them back the same."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import recengine
from recengine.errors import ConfigError, StoreError, UnknownIdError
from recengine.store import SCHEMA_VERSION, open_store


def test_fresh_store_is_wal_and_latest_schema(store):
    assert store.schema_version == SCHEMA_VERSION
    assert store.migrated_from == 0
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity_check() == "ok"
    assert store.counts() == {"datasets": 0, "finetunes": 0, "runs": 0, "profiles": 0, "feedback": 0}


def test_open_store_defaults_to_recengine_home(recengine_home):
    s = open_store()
    assert s.path.parent.parent == recengine_home
    s.close()


def test_dataset_round_trip_keeps_tables_maps_and_cold_items(store, tiny, same_dataset):
    saved = store.save_dataset("tiny-copy", tiny)
    assert saved["n_items"] == 7 and saved["n_cold_items"] == 1
    loaded = store.load_dataset("tiny-copy")
    assert loaded.name == "tiny-copy"
    same_dataset(tiny, loaded)
    assert loaded.cold_items.tolist() == ["g"]


def test_sample_round_trip_keeps_user_order(store, sample, same_dataset):
    store.save_dataset("ml", sample)
    loaded = store.load_dataset("ml")
    same_dataset(sample, loaded)
    assert loaded.stats() == {**sample.stats(), "name": "ml"}


def test_mixed_type_source_column_is_kept_as_text(store):
    inter = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "b"]})
    items = pd.DataFrame({"item_id": ["a", "b"], "title": ["A", "B"], "extra": pd.Series([1, "x"], dtype=object)})
    ds = recengine.read_dataset(inter, items)
    store.save_dataset("mixed", ds)
    loaded = store.load_dataset("mixed")
    assert loaded.items["extra"].tolist() == ["1", "x"]
    pd.testing.assert_frame_equal(loaded.interactions, ds.interactions)


def test_dataset_names_are_not_silently_overwritten(store, tiny, sample):
    store.save_dataset("d", tiny)
    with pytest.raises(StoreError, match=r"already in the store.*replace=True; in the CLI: --replace"):
        store.save_dataset("d", sample)  # a notebook is told the argument, not only the CLI's flag
    assert store.load_dataset("d").n_items == tiny.n_items
    assert len(list((store.root / "datasets").iterdir())) == 1  # the refused save left no files behind
    store.save_dataset("d", sample, replace=True)
    assert store.load_dataset("d").n_items == sample.n_items
    assert len(list((store.root / "datasets").iterdir())) == 1  # the replaced version's files are gone


def test_list_and_remove_datasets(store, tiny):
    store.save_dataset("one", tiny)
    store.save_dataset("two", tiny)
    assert [d["name"] for d in store.list_datasets()] == ["one", "two"]
    store.remove_dataset("one")
    assert [d["name"] for d in store.list_datasets()] == ["two"]
    with pytest.raises(UnknownIdError, match=r"no dataset named 'one'.*'two'"):
        store.load_dataset("one")
    with pytest.raises(UnknownIdError):
        store.remove_dataset("one")


def test_bad_names_and_values_are_refused(store, tiny):
    with pytest.raises(ConfigError):
        store.save_dataset("", tiny)
    with pytest.raises(ConfigError):
        store.save_dataset("a\nb", tiny)
    with pytest.raises(ConfigError, match="Dataset"):
        store.save_dataset("x", tiny.interactions)
    with pytest.raises(ConfigError, match="like"):
        store.add_feedback("p", "a", "love")


def test_damaged_dataset_file_is_reported(store, tiny):
    store.save_dataset("d", tiny)
    folder = next((store.root / "datasets").iterdir())
    path = folder / "items.parquet"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(StoreError, match="damaged"):
        store.load_dataset("d")
    path.unlink()
    with pytest.raises(StoreError, match="missing"):
        store.load_dataset("d")


def test_feedback_is_applied_in_order(store):
    ids = [store.add_feedback("alice", item, action)
           for item, action in [("a", "like"), ("b", "like"), ("a", "dislike"), ("c", "dislike"), ("c", "like")]]
    assert ids == sorted(ids) and len(set(ids)) == 5
    p = store.get_profile("alice")
    assert p == {"liked": {"b": 1.0, "c": 1.0}, "disliked": ["a"], "intent": None, "user_id": None, "name": "alice"}
    events = store.feedback_events("alice")
    assert [(e["item_id"], e["action"]) for e in events][:2] == [("a", "like"), ("b", "like")]
    assert [e["id"] for e in events] == ids


def test_saved_profile_plus_later_feedback(store):
    store.add_feedback("bob", "old", "like")  # before the save: already part of what is saved
    store.save_profile("bob", {"liked": {"x": 3.0}, "disliked": ["y"], "intent": "space", "user_id": 7})
    store.add_feedback("bob", "y", "like")
    store.add_feedback("bob", "x", "dislike")
    p = store.get_profile("bob")
    assert p["liked"] == {"y": 1.0} and p["disliked"] == ["x"]
    assert p["intent"] == "space" and p["user_id"] == "7"
    assert len(store.feedback_events("bob")) == 3
    store.save_profile("bob", p)  # saving again resets the base: the events are not applied twice
    assert store.get_profile("bob") == p


def test_profile_objects_round_trip_through_from_dict(store):
    from recengine.models import Profile

    profile = Profile.from_items(["1", "2"]).dislike("3").with_intent("quiet films")
    store.save_profile("carol", profile)
    store.add_feedback("carol", "4", "like")
    back = Profile.from_dict(store.get_profile("carol"))
    assert set(back.liked) == {"1", "2", "4"} and back.disliked == frozenset({"3"})
    assert back.intent == "quiet films" and back.name == "carol"


def test_unknown_profiles_and_listing(store):
    with pytest.raises(UnknownIdError, match="no profile named 'nobody'"):
        store.get_profile("nobody")
    with pytest.raises(UnknownIdError):
        store.feedback_events("nobody")
    store.save_profile("saved-only", {"liked": ["a"]})
    store.add_feedback("feedback-only", "b", "dislike")
    listed = {p["name"]: p for p in store.list_profiles()}
    assert listed["saved-only"]["n_liked"] == 1 and listed["saved-only"]["n_events"] == 0
    assert listed["feedback-only"]["n_disliked"] == 1 and listed["feedback-only"]["n_events"] == 1
    assert store.feedback_events("saved-only") == []
    assert store.remove_profile("feedback-only") == 1
    assert [p["name"] for p in store.list_profiles()] == ["saved-only"]


def test_runs_and_finetunes(store, home):
    from pydantic import BaseModel

    class Cfg(BaseModel):
        k: int = 10

    first = store.record_run("warm", Cfg(), {"EASE": {"ndcg": np.float32(0.25)}}, dataset="ml")
    second = store.record_run("cold_items", {"models": ["content"]}, {"content": {"recall": 0.1}})
    assert second > first
    runs = store.list_runs()
    assert [r["protocol"] for r in runs] == ["warm", "cold_items"]
    assert runs[0]["config"] == {"k": 10} and runs[0]["metrics"]["EASE"]["ndcg"] == pytest.approx(0.25)
    assert runs[0]["dataset"] == "ml" and runs[1]["dataset"] is None
    assert [r["id"] for r in store.list_runs("warm")] == [first]

    inside, outside = home / "models" / "ft-1", "/elsewhere/ft-2"
    store.record_finetune("ft-1", "default", {"epochs": 1}, {"loss": 0.5}, path=inside)
    store.record_finetune("ft-2", "default", {"epochs": 2}, path=outside)
    store.record_finetune("ft-1", "default", {"epochs": 1}, {"loss": 0.4}, path=inside)  # same fingerprint: updated
    fts = {f["fingerprint"]: f for f in store.list_finetunes()}
    assert len(fts) == 2 and fts["ft-1"]["metrics"] == {"loss": 0.4}
    assert fts["ft-1"]["path"] == str(inside.resolve()) and fts["ft-2"]["path"] == outside
    stored = store.conn.execute("SELECT path FROM finetunes WHERE fingerprint = 'ft-1'").fetchone()[0]
    assert stored == "models/ft-1"  # relative to the home, so an export works elsewhere
    with pytest.raises(UnknownIdError, match="fine-tuned"):
        store.get_finetune("nope")


def test_threads_share_one_store(store):
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for j in range(25):
                store.add_feedback(f"t{k}", str(j), "like")
                store.get_profile(f"t{k}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [len(store.get_profile(f"t{k}")["liked"]) for k in range(4)] == [25] * 4


def test_orphan_folders_are_removed_only_when_unreferenced(store, tiny, same_dataset):
    store.save_dataset("kept", tiny)
    orphan = store.root / "datasets" / "deadbeef"
    orphan.mkdir()
    assert store.remove_orphans(min_age_s=3600) == []  # too young: it may be a save in progress
    assert store.remove_orphans(min_age_s=0) == ["datasets/deadbeef"]
    assert not orphan.exists()
    same_dataset(tiny, store.load_dataset("kept"))


def test_opening_tidies_up_old_leftovers_only(home, tiny, same_dataset):
    store = open_store(home)
    store.save_dataset("kept", tiny)
    store.conn.execute("UPDATE schema_version SET applied_at = applied_at - 3 * 3600")  # a store made 3 hours ago
    store.close()
    old = time.time() - 2 * 3600
    leftovers = [home / "store" / "datasets" / "0ld", home / "store" / ".import-0ld"]
    fresh = home / "store" / ".export-fresh"
    for folder in [*leftovers, fresh]:
        folder.mkdir()
        (folder / "part").write_bytes(b"x")
    for folder in leftovers:
        os.utime(folder, (old, old))
    store = open_store(home)
    assert not any(f.exists() for f in leftovers) and fresh.exists()
    same_dataset(tiny, store.load_dataset("kept"))
    store.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["like", "dislike"])), max_size=12),
       save_at=st.integers(min_value=0, max_value=12))
def test_profile_is_the_last_word_on_each_item(tmp_path_factory, events, save_at):
    """Whatever the order of events and saves, an item is liked iff its last event was a like, and vice versa."""
    with open_store(tmp_path_factory.mktemp("prop")) as store:
        for i, (item, action) in enumerate(events):
            if i == save_at:
                store.save_profile("p", store.get_profile("p") if i else {"liked": {}})
            store.add_feedback("p", item, action)
        if not events:
            return
        profile = store.get_profile("p")
        last = {item: action for item, action in events}
        assert set(profile["liked"]) == {i for i, a in last.items() if a == "like"}
        assert set(profile["disliked"]) == {i for i, a in last.items() if a == "dislike"}


def test_open_store_reuses_one_store_per_folder_until_closed(home):
    first = open_store(home)
    assert open_store(home / ".") is first  # the same folder, spelled differently
    first.close()
    second = open_store(home)
    assert second is not first and not second.closed
    assert second.add_feedback("p", "a", "like") == 1
    second.close()


def test_profile_names_are_trimmed_on_every_call(store):
    store.add_feedback("  alice ", "50", "like")
    assert store.get_profile(" alice ")["liked"] == {"50": 1.0} and store.get_profile("alice")["liked"] == {"50": 1.0}
    assert [e["item_id"] for e in store.feedback_events(" alice ")] == ["50"]  # was an unknown profile ' alice '
    assert store.remove_profile("alice  ") == 1


def test_a_missing_or_emptied_database_never_costs_the_saved_datasets_their_files(home, tiny, same_dataset):
    """A moved-aside or 0-byte recengine.sqlite made a fresh store, and the next command deleted every saved
    dataset's folder over an hour old as an orphan of it."""
    store = open_store(home)
    store.save_dataset("kept", tiny)
    store.close()
    folders = list((home / "store" / "datasets").iterdir())
    old = time.time() - 2 * 3600
    for folder in folders:
        os.utime(folder, (old, old))
    db = home / "store" / "recengine.sqlite"
    aside = db.with_name("aside.sqlite")
    os.replace(db, aside)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    for _ in range(2):  # the fresh store's first opening, and a later one
        with pytest.warns(UserWarning, match="older than the store's database"):
            fresh = open_store(home)
        assert fresh.list_datasets() == [] and all(f.exists() for f in folders)
        fresh.close()
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    os.replace(aside, db)  # put back: everything is there
    with open_store(home) as back:
        same_dataset(tiny, back.load_dataset("kept"))


def test_a_damaged_page_is_a_store_error_not_a_traceback(home, tiny):
    with open_store(home) as store:
        store.save_dataset("x", tiny)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db = store.path
    data = bytearray(db.read_bytes())
    data[4096 * 2 : 4096 * 3] = b"\xff" * 4096  # a page of the tables, not the header
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="is damaged .*malformed.*folders are kept"):
        open_store(home)


def test_a_dataset_replaced_while_it_is_read_is_read_again_not_called_missing(store, tiny, sample, monkeypatch):
    """A reader between the row and the files, while another process replaced the dataset, was told its files are
    missing and to add it again."""
    store.save_dataset("d", tiny)
    from recengine.store import datasets

    real = datasets.load
    calls = []

    def replaced_meanwhile(row, root, name):
        if not calls:  # the first read: another process replaces the dataset right now (its old files go)
            calls.append(1)
            store.save_dataset("d", sample, replace=True)
        return real(row, root, name)

    monkeypatch.setattr("recengine.store.datasets.load", replaced_meanwhile)
    assert store.load_dataset("d").n_items == sample.n_items
