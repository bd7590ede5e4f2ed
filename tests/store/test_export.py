"""An export imported into an empty home reproduces the store; merging adds beside; bad files are refused."""

from __future__ import annotations

import json
import zipfile

import pytest

from recengine.errors import StoreError
from recengine.store import export_store, import_store, open_store


def fill(store, tiny, sample) -> None:
    store.save_dataset("tiny", tiny)
    store.save_dataset("ml", sample)
    store.save_dataset("ml", sample, replace=True)
    store.save_profile("bob", {"liked": {"1": 2.0}, "disliked": ["2"], "intent": "westerns"})
    for item, action in [("3", "like"), ("1", "dislike"), ("9", "like")]:
        store.add_feedback("bob", item, action, dataset="ml")
    store.add_feedback("alice", "50", "like")
    store.record_run("warm", {"k": 10}, {"EASE": {"ndcg": 0.4}}, dataset="ml")
    store.record_run("cold_items", {"k": 10}, {"content": {"recall": 0.2}}, dataset="ml")
    store.record_finetune("ft-x", "default", {"epochs": 1}, {"loss": 0.3}, path=store.root.parent / "models" / "ft-x")


def snapshot(store) -> dict:
    return {
        "datasets": store.list_datasets(),
        "profiles": {p["name"]: store.get_profile(p["name"]) for p in store.list_profiles()},
        "feedback": store.feedback_events(),
        "runs": store.list_runs(),
        "finetunes": [{**f, "path": f["path"].replace(str(store.root.parent), "HOME")} for f in store.list_finetunes()],
        "counts": store.counts(),
    }


def test_round_trip_into_an_empty_home(tmp_path, tiny, sample, same_dataset):
    src = open_store(tmp_path / "src")
    fill(src, tiny, sample)
    manifest = export_store(src, tmp_path / "store.zip")
    assert manifest["counts"] == src.counts() and manifest["datasets"] == ["ml", "tiny"]
    dst = open_store(tmp_path / "dst")
    added = import_store(dst, tmp_path / "store.zip")
    assert added == src.counts()
    assert snapshot(dst) == snapshot(src)
    for name in ("tiny", "ml"):
        same_dataset(src.load_dataset(name), dst.load_dataset(name))
    assert dst.integrity_check() == "ok"
    # ids continue after the imported ones
    assert dst.add_feedback("bob", "4", "like") == src.add_feedback("bob", "4", "like")


def test_import_refuses_a_non_empty_store_and_merges_when_asked(tmp_path, tiny, sample, same_dataset):
    src = open_store(tmp_path / "src")
    fill(src, tiny, sample)
    export_store(src, tmp_path / "store.zip")
    dst = open_store(tmp_path / "dst")
    dst.add_feedback("zed", "1", "like")
    dst.save_profile("yan", {"liked": ["7"]})
    dst.add_feedback("yan", "8", "like")
    with pytest.raises(StoreError, match=r"not empty \(2 profiles, 2 feedback\)"):  # as Store.counts says it
        import_store(dst, tmp_path / "store.zip")
    assert dst.counts()["profiles"] == 2
    added = import_store(dst, tmp_path / "store.zip", merge=True)
    assert added["feedback"] == 4 and added["datasets"] == 2
    assert dst.get_profile("bob") == src.get_profile("bob")  # base event remapped to the new ids
    assert dst.get_profile("alice") == src.get_profile("alice")
    assert dst.get_profile("yan")["liked"] == {"7": 1.0, "8": 1.0}
    same_dataset(src.load_dataset("tiny"), dst.load_dataset("tiny"))
    with pytest.raises(StoreError, match="in both stores: ml, tiny, profile alice, profile bob"):
        import_store(dst, tmp_path / "store.zip", merge=True)
    assert dst.counts()["feedback"] == 6  # the refused merge wrote nothing


def test_bad_export_files(tmp_path, tiny):
    store = open_store(tmp_path / "h")
    with pytest.raises(StoreError, match="no such file"):
        import_store(store, tmp_path / "missing.zip")
    (tmp_path / "not.zip").write_text("hello")
    with pytest.raises(StoreError, match="not a zip"):
        import_store(store, tmp_path / "not.zip")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something"}))
    with pytest.raises(StoreError, match="not a recengine store export"):
        import_store(store, tmp_path / "other.zip")

    src = open_store(tmp_path / "src")
    src.save_dataset("tiny", tiny)
    export_store(src, tmp_path / "good.zip")
    with zipfile.ZipFile(tmp_path / "good.zip") as zin, zipfile.ZipFile(tmp_path / "bad.zip", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("items.parquet"):
                data = data[:-10] + b"0123456789"
            zout.writestr(info, data)
    with pytest.raises(StoreError, match="damaged"):
        import_store(store, tmp_path / "bad.zip")
    assert store.counts()["datasets"] == 0
    assert not any((store.root / "datasets").iterdir())  # the files copied before the failure are gone
    with pytest.raises(StoreError, match="does not exist"):
        export_store(src, tmp_path / "no" / "such" / "dir.zip")


def test_export_counts_feedback_profiles_goes_into_a_folder_and_never_clobbers_a_file(tmp_path, tiny):
    src = open_store(tmp_path / "src")
    src.save_dataset("tiny", tiny)
    src.add_feedback("alice", "a", "like")  # a profile started by feedback alone
    (tmp_path / "out").mkdir()
    manifest = export_store(src, tmp_path / "out")
    assert manifest["path"] == str(tmp_path / "out" / "recengine-store.zip") and manifest["counts"]["profiles"] == 1
    with pytest.raises(StoreError, match="already there"):
        export_store(src, tmp_path / "out")
    assert export_store(src, tmp_path / "out", overwrite=True)["counts"]["feedback"] == 1
    data = tmp_path / "orders.csv"
    data.write_text("user,item\nu,i\n")
    with pytest.raises(StoreError, match="not a recengine store export"):
        export_store(src, data, overwrite=True)
    assert data.read_text() == "user,item\nu,i\n"
    assert not [p for p in tmp_path.rglob(".*tmp*")]
    with pytest.raises(StoreError, match="it is a folder"):
        import_store(open_store(tmp_path / "dst"), tmp_path / "out")
