"""A store export is a file someone else may have made: its folder and file names never reach outside the store."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from recengine.errors import StoreError
from recengine.store import export_store, import_store, open_store
from recengine.store.datasets import dataset_folder


def _tamper(good: Path, bad: Path, folder: str, files: dict[str, str], payload: bytes) -> None:
    """Rewrite ``good``'s one dataset row to name ``folder`` and ``files``, with members that match its checksums."""
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    db = bad.with_suffix(".sqlite")
    db.write_bytes(members["store.sqlite"])
    c = sqlite3.connect(db)
    (old_files,) = c.execute("SELECT files FROM datasets").fetchone()
    records = json.loads(old_files)
    for key, name in files.items():
        records[key] = {**records[key], "file": name, "sha256": hashlib.sha256(payload).hexdigest(), "bytes": len(payload)}
    c.execute("UPDATE datasets SET folder = ?, files = ?", (folder, json.dumps(records)))
    c.commit()
    c.close()
    members["store.sqlite"] = db.read_bytes()
    for name in files.values():
        members[f"{folder}/{name}"] = payload
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture()
def good_export(tmp_path, tiny) -> Path:
    src = open_store(tmp_path / "src")
    src.save_dataset("tiny", tiny)
    export_store(src, tmp_path / "good.zip")
    src.close()
    return tmp_path / "good.zip"


def test_an_absolute_folder_in_an_export_is_not_where_the_files_go(tmp_path, good_export, tiny, same_dataset):
    """The archive's real files, under a folder named outside the store: they land in the store's own folder."""
    outside = tmp_path / "outside"
    bad = tmp_path / "abs.zip"
    with zipfile.ZipFile(good_export) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    db = tmp_path / "abs.sqlite"
    db.write_bytes(members.pop("store.sqlite"))
    c = sqlite3.connect(db)
    (folder,) = c.execute("SELECT folder FROM datasets").fetchone()
    c.execute("UPDATE datasets SET folder = ?", (str(outside),))
    c.commit()
    c.close()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("store.sqlite", db.read_bytes())
        for name, data in members.items():
            zf.writestr(name.replace(folder, str(outside)) if name.startswith(folder) else name, data)
    dst = open_store(tmp_path / "dst")
    import_store(dst, bad)
    assert not outside.exists()
    same_dataset(dst.load_dataset("tiny"), tiny)
    dst.remove_dataset("tiny")
    assert not outside.exists()


def test_a_file_name_that_climbs_out_is_refused_and_nothing_is_written(tmp_path, good_export):
    bad = tmp_path / "climb.zip"
    _tamper(good_export, bad, "datasets/x", {"interactions": "../../../pwned.sh"}, b"#!/bin/sh\necho pwned\n")
    dst = open_store(tmp_path / "home" / "dst")
    with pytest.raises(StoreError, match="plain name"):
        import_store(dst, bad)
    assert not list(tmp_path.rglob("pwned.sh"))
    assert dst.list_datasets() == []


def test_removing_a_dataset_whose_row_names_a_folder_outside_deletes_nothing_there(tmp_path, tiny):
    store = open_store(tmp_path / "home")
    store.save_dataset("tiny", tiny)
    victim = tmp_path / "important"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    c = sqlite3.connect(store.path)
    c.execute("UPDATE datasets SET folder = ?", (str(victim),))
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="dataset folder"):
        store.load_dataset("tiny")
    store.remove_dataset("tiny")
    assert (victim / "keep.txt").read_text() == "mine"
    assert store.list_datasets() == []


@pytest.mark.parametrize("folder", ["/etc", "../x", "datasets/../../x", "datasets/a/b", "datasets/.hidden", "other/x",
                                    "datasets\\..\\x", ""])
def test_only_one_plain_folder_under_datasets_is_a_dataset_folder(tmp_path, folder):
    with pytest.raises(StoreError):
        dataset_folder(tmp_path, folder)


def test_exporting_into_a_folder_that_does_not_exist_is_refused(tmp_path, tiny):
    store = open_store(tmp_path / "home")
    store.save_dataset("tiny", tiny)
    with pytest.raises(StoreError, match="does not exist"):
        export_store(store, f"{tmp_path / 'nowhere'}/")
    assert not (tmp_path / "nowhere").exists()
