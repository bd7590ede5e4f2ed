"""A saved profile names the dataset it was made on; a profile saved by an older store names none and still loads."""

from __future__ import annotations

from pathlib import Path

from recengine.store import SCHEMA_VERSION, open_store
from recengine.store.store import DB_NAME
from tests.store.test_migrations import old_store

# What recengine with schema version 2 wrote, spelled out by hand (not taken from the migrations): profiles have no
# dataset column; feedback events have one, NULL for the events a version-1 store had recorded.
V2_SCHEMA = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL, description TEXT NOT NULL);
CREATE TABLE datasets (name TEXT PRIMARY KEY, created_at REAL NOT NULL, folder TEXT NOT NULL, files TEXT NOT NULL,
                       options TEXT NOT NULL, stats TEXT NOT NULL);
CREATE TABLE finetunes (fingerprint TEXT PRIMARY KEY, base TEXT NOT NULL, config TEXT NOT NULL, metrics TEXT NOT NULL,
                        path TEXT, created_at REAL NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, protocol TEXT NOT NULL,
                   config TEXT NOT NULL, metrics TEXT NOT NULL, dataset TEXT);
CREATE TABLE profiles (name TEXT PRIMARY KEY, data TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
                       base_event INTEGER NOT NULL DEFAULT 0);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT NOT NULL, item_id TEXT NOT NULL,
                       action TEXT NOT NULL CHECK (action IN ('like', 'dislike')), created_at REAL NOT NULL,
                       dataset TEXT);
CREATE INDEX feedback_by_profile ON feedback (profile, id);
"""


def make_v2_store(home: Path) -> Path:
    """A version-2 store holding profile 'old': a saved row (likes 7 and 21) and one later event, no dataset named."""
    path, conn, now = old_store(home, V2_SCHEMA, 2)
    conn.execute(
        "INSERT INTO profiles (name, data, created_at, updated_at, base_event) VALUES ('old', '{\"liked\": {\"7\": 1.0, "
        "\"21\": 1.0}, \"disliked\": [], \"intent\": null, \"user_id\": null, \"name\": \"old\"}', ?, ?, 0)", (now, now)
    )
    conn.execute("INSERT INTO feedback (profile, item_id, action, created_at) VALUES ('old', '50', 'dislike', ?)", (now,))
    conn.commit()
    conn.close()
    return path


def test_a_version_2_profile_row_still_loads_and_names_no_dataset(tmp_path):
    path = make_v2_store(tmp_path)
    store = open_store(tmp_path)
    try:
        assert store.migrated_from == 2 and store.schema_version == SCHEMA_VERSION == 3
        assert path.with_name(f"{DB_NAME}.v2.bak").exists()
        assert store.get_profile("old") == {"liked": {"7": 1.0, "21": 1.0}, "disliked": ["50"], "intent": None,
                                            "user_id": None, "name": "old"}
        assert store.profile_dataset("old") is None
        assert [p["dataset"] for p in store.list_profiles()] == [None]
        # saving it again (the app's reset does) keeps it loadable; naming its data then ties it
        store.save_profile("old", store.get_profile("old"))
        assert store.profile_dataset("old") is None
        store.save_profile("old", store.get_profile("old"), dataset="movielens-100k")
        assert store.profile_dataset("old") == "movielens-100k"
        assert store.integrity_check() == "ok"
    finally:
        store.close()


def test_feedback_and_saves_record_the_dataset_a_profile_was_made_on(store, tiny):
    store.save_dataset("films", tiny)
    store.add_feedback("ann", "a", "like", dataset="films")
    store.add_feedback("ann", "b", "like", dataset="films")
    assert store.profile_dataset("ann") == "films"
    assert store.profile_dataset(" ann ") == "films"  # names are trimmed, as get_profile reads them
    # an event that names no data (check=False, no dataset) does not untie it
    store.add_feedback("ann", "c", "dislike")
    assert store.profile_dataset("ann") == "films"

    store.save_profile("bob", {"liked": ["a"]}, dataset=tiny)  # a Dataset: its name is recorded
    assert store.profile_dataset("bob") == tiny.name
    store.save_profile("bob", {"liked": ["b"]})  # a save that names no data keeps the data named before
    assert store.profile_dataset("bob") == tiny.name
    store.save_profile("cat", {"liked": ["a"]})
    assert store.profile_dataset("cat") is None

    listed = {p["name"]: p["dataset"] for p in store.list_profiles()}
    assert listed == {"ann": "films", "bob": tiny.name, "cat": None}
    # get_profile stays what Profile.from_dict reads: the dataset is not one of its keys
    assert set(store.get_profile("ann")) == {"liked", "disliked", "intent", "user_id", "name"}


def test_the_recorded_dataset_survives_export_and_import(store, tiny, tmp_path):
    from recengine.store import export_store, import_store

    store.save_dataset("films", tiny)
    store.add_feedback("ann", "a", "like", dataset="films")
    store.save_profile("bob", {"liked": ["a"]}, dataset="films")
    archive = export_store(store, tmp_path / "backup.zip")["path"]
    other = open_store(tmp_path / "other-home")
    try:
        import_store(other, archive)
        assert (other.profile_dataset("ann"), other.profile_dataset("bob")) == ("films", "films")
    finally:
        other.close()
