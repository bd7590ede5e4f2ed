"""The store's command line: data add|list|remove, --dataset NAME, feedback, profile, store list|export|import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from recengine.cli import main

COMMANDS = [
    ["data", "inspect"], ["data", "add"], ["data", "list"], ["data", "remove"],
    ["store", "list"], ["store", "export"], ["store", "import"],
    ["feedback"], ["profile", "show"], ["profile", "list"], ["profile", "remove"],
]


@pytest.fixture()
def files(tmp_path: Path) -> tuple[str, str]:
    """A small interactions file and an items file with one cold item (g)."""
    inter = pd.DataFrame({"user": [f"u{u}" for u in range(6) for _ in range(3)],
                          "item": [i for u in range(6) for i in (("a", "b", "c") if u < 3 else ("d", "e", "f"))],
                          "rating": [4, 5, 3] * 6})
    items = pd.DataFrame({"item": list("abcdefg"), "title": [f"Film {c.upper()}" for c in "abcdefg"],
                          "description": [f"a film about {c}" for c in "abcdefg"]})
    inter.to_csv(tmp_path / "ratings.csv", index=False)
    items.to_csv(tmp_path / "items.csv", index=False)
    return str(tmp_path / "ratings.csv"), str(tmp_path / "items.csv")


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: recengine " + " ".join(command))
    assert len(out.splitlines()) > 4


def test_data_add_list_inspect_remove(home, files, capsys):
    ratings, items = files
    rc, out, _ = run(capsys, "data", "add", "films", ratings, "--items", items, "--format", "json")
    assert rc == 0
    saved = json.loads(out)
    assert (saved["n_users"], saved["n_items"], saved["n_cold_items"]) == (6, 7, 1)
    assert saved["options"]["columns"]["user"] == "user"

    rc, out, _ = run(capsys, "data", "list", "--format", "csv")
    listed = pd.read_csv(io.StringIO(out))
    assert listed["name"].tolist() == ["films"] and listed["n_items"].tolist() == [7]
    assert listed["source"].tolist() == ["ratings.csv"]

    rc, from_store, _ = run(capsys, "data", "inspect", "--dataset", "films", "--format", "json")
    rc2, from_files, _ = run(capsys, "data", "inspect", ratings, "--items", items, "--format", "json")
    a, b = json.loads(from_store), json.loads(from_files)
    assert rc == rc2 == 0 and a.pop("name") == "films"
    b.pop("name")
    assert a == b  # the stored dataset is the validated one, statistics and options included

    rc, _, err = run(capsys, "data", "add", "films", ratings)
    assert rc == 2 and "already in the store" in err and "--replace" in err
    assert run(capsys, "data", "add", "films", ratings, "--replace")[0] == 0
    assert json.loads(run(capsys, "data", "list", "--format", "json")[1])[0]["n_cold_items"] == 0

    rc, out, _ = run(capsys, "data", "remove", "films")
    assert rc == 0 and "removed" in out
    rc, _, err = run(capsys, "data", "inspect", "--dataset", "films")
    assert rc == 2 and "no dataset named 'films'" in err and "recengine data add" in err
    assert "no saved datasets" in run(capsys, "data", "list")[1]


def test_data_add_refuses_a_bad_file_and_saves_nothing(home, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,item_id,rating\nu1,i1,5\nu2,i2,lots\n")
    rc, _, err = run(capsys, "data", "add", "bad", str(bad))
    assert rc == 2 and "bad.csv" in err
    assert json.loads(run(capsys, "data", "list", "--format", "json")[1]) == []


def test_feedback_and_profile_show(home, files, capsys):
    ratings, items = files
    assert run(capsys, "data", "add", "films", ratings, "--items", items)[0] == 0
    rc, out, _ = run(capsys, "feedback", "--profile", "ann", "--dataset", "films",
                     "--like", "a", "--dislike", "g", "--dislike", "a", "--like", "g", "--format", "json")
    assert rc == 0
    assert json.loads(out) == {"liked": {"g": 1.0}, "disliked": ["a"], "intent": None, "user_id": None, "name": "ann"}

    rc, _, err = run(capsys, "feedback", "--profile", "ann", "--dataset", "films", "--like", "b", "--like", "zzz")
    assert rc == 2 and "unknown item id 'zzz'" in err
    rc, out, _ = run(capsys, "profile", "show", "ann", "--events", "--format", "json")
    events = json.loads(out)
    assert [(e["item_id"], e["action"]) for e in events] == [("a", "like"), ("g", "dislike"), ("a", "dislike"), ("g", "like")]
    assert {e["dataset"] for e in events} == {"films"}  # the refused call above wrote nothing

    rc, out, _ = run(capsys, "profile", "show", "ann", "--format", "csv")
    assert out.splitlines() == ["item_id,feedback,weight", "g,liked,1.0", "a,disliked,"]
    rc, out, _ = run(capsys, "profile", "show", "ann")
    assert rc == 0 and "1 liked, 1 disliked" in out
    assert run(capsys, "feedback", "--profile", "bo", "--like", "anything", "--no-check")[0] == 0
    names = [p["name"] for p in json.loads(run(capsys, "profile", "list", "--format", "json")[1])]
    assert names == ["ann", "bo"]

    rc, _, err = run(capsys, "profile", "show", "nobody")
    assert rc == 2 and "no profile named 'nobody'" in err
    rc, _, err = run(capsys, "feedback", "--profile", "ann", "--dataset", "films")
    assert rc == 2 and "--like" in err
    rc, out, _ = run(capsys, "profile", "remove", "bo")
    assert rc == 0 and "1 feedback event" in out


def test_store_list_export_import(home, tmp_path, files, capsys, monkeypatch):
    ratings, items = files
    run(capsys, "data", "add", "films", ratings, "--items", items)
    run(capsys, "feedback", "--profile", "ann", "--dataset", "films", "--like", "a", "--dislike", "b")
    from recengine.store import open_store

    open_store().record_run("warm", {"k": 10}, {"EASE": {"ndcg": 0.5}}, dataset="films")
    weights = home / "models" / "ft-0123456789abcdef"  # a fine-tune's folder: here, and not in the export
    weights.mkdir(parents=True)
    open_store().record_finetune("ft-0123456789abcdef", "default", {"epochs": 1}, {}, path=weights)
    rc, out, _ = run(capsys, "store", "list")
    assert rc == 0 and "films" in out and "ann" in out and "warm on films" in out and "weights not here" not in out
    before = json.loads(run(capsys, "store", "list", "--format", "json")[1])
    assert before["feedback_events"] == 2 and before["schema_version"] >= 2

    archive = str(tmp_path / "backup.zip")
    rc, out, _ = run(capsys, "store", "export", archive, "--format", "json")
    assert rc == 0 and json.loads(out)["feedback"] == 2
    rc, _, err = run(capsys, "store", "import", archive)
    assert rc == 2 and "not empty" in err

    monkeypatch.setenv("RECENGINE_HOME", str(tmp_path / "other-home"))
    rc, out, _ = run(capsys, "store", "import", archive, "--format", "json")
    assert rc == 0 and json.loads(out)["datasets"] == 1
    after = json.loads(run(capsys, "store", "list", "--format", "json")[1])
    assert [f["available"] for f in before["finetunes"]] == [True] and [f["available"] for f in after["finetunes"]] == [False]
    drop = ("path", "finetunes")
    assert {k: v for k, v in after.items() if k not in drop} == {k: v for k, v in before.items() if k not in drop}
    rc, out, _ = run(capsys, "store", "list")  # the list says the fine-tune's weights stayed behind, and the error too
    assert "weights not here" in out
    rc, _, err = run(capsys, "recommend", "--dataset", "films", "--liked", "a", "--model", "content",
                     "--encoder", "ft-0123456789abcdef")
    assert rc == 2 and "without their weights" in err
    rc, out, _ = run(capsys, "profile", "show", "ann", "--format", "json")
    assert json.loads(out)["disliked"] == ["b"]


def test_store_errors_exit_2_with_one_paragraph(home, capsys):
    from recengine.store import open_store

    store = open_store()
    store.conn.execute("INSERT INTO schema_version VALUES (99, ?, 'future')", (time.time(),))
    store.close()
    rc, _, err = run(capsys, "store", "list")
    assert rc == 2 and "newer recengine" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    rc, _, err = run(capsys, "--verbose", "store", "list")
    assert rc == 2 and "Traceback" in err
    rc, _, err = run(capsys, "store", "list", "--verbose")  # after the command too, where people type it
    assert rc == 2 and "Traceback" in err and "unrecognized" not in err


def test_console_entry_point_exit_status(home, files):
    proc = subprocess.run([sys.executable, "-m", "recengine.cli", "profile", "show", "ghost"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: no profile named 'ghost'") and "Traceback" not in proc.stderr


def test_unusable_home_is_a_user_error(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RECENGINE_HOME", str(blocker / "home"))
    rc, _, err = run(capsys, "data", "list")
    assert rc == 2 and "RECENGINE_HOME" in err


def test_inspect_maps_the_items_id_and_reads_no_rating(tmp_path, capsys):
    """--items-id-col for an items file that names its id differently; --rating-col none drops a junk column."""
    pd.DataFrame({"customer": ["a", "a", "b"], "sku": ["x", "y", "x"], "stars": ["5", "?", "4"]}).to_csv(
        tmp_path / "orders.csv", index=False)
    pd.DataFrame({"ref": ["x", "y", "z"], "name": ["Kettle", "Mug", "Tent"], "blurb": ["hot", "cup", "camp"]}).to_csv(
        tmp_path / "catalogue.csv", index=False)
    args = ["data", "inspect", str(tmp_path / "orders.csv"), "--items", str(tmp_path / "catalogue.csv")]
    rc, _, err = run(capsys, *args)
    assert rc == 2 and "stars" in err and "--rating-col none" in err
    rc, out, _ = run(capsys, *args, "--rating-col", "none", "--items-id-col", "ref", "--format", "json")
    stats = json.loads(out)
    assert rc == 0 and stats["n_items"] == 3 and stats["n_cold_items"] == 1 and not stats["has_ratings"]
    rc, out, _ = run(capsys, *args, "--rating-col", "none", "--items-id-col", "blurb", "--format", "json")
    assert rc == 2  # a mapped id column that holds none of the orders' items is refused


def test_a_saved_profile_drives_recommend_and_explain(home, files, capsys):
    ratings, items = files
    data = ["--interactions", ratings, "--items", items]
    rc, _, err = run(capsys, "feedback", "--profile", "ann", "--like", "zzz", *data)
    assert rc == 2 and "checked against" in err and "--no-check" in err
    rc, _, err = run(capsys, "feedback", "--profile", "ann", "--like", "a", "--like", "zzz", "--dislike", "yyy", *data)
    # every unknown id named, and what happened to the known one said: nothing is recorded
    assert rc == 2 and "'zzz'" in err and "yyy" in err and "Nothing was recorded" in err and "1 known id" in err
    assert run(capsys, "profile", "show", "ann")[0] == 2  # indeed: no profile was started
    assert run(capsys, "feedback", "--profile", "ann", "--like", "a", "--dislike", "e", *data)[0] == 0
    rc, out, _ = run(capsys, "recommend", "--profile", "ann", "--model", "itemknn", "--k", "2", *data, "--format", "json")
    assert rc == 0 and [r["item_id"] for r in json.loads(out)] in (["b", "c"], ["c", "b"])  # they go with a
    rc, out, _ = run(capsys, "explain", "--profile", "ann", "--item", "c", "--model", "itemknn", *data, "--format", "json")
    assert rc == 0 and [h["item_id"] for h in json.loads(out)["history"]] == ["a"]
    rc, _, err = run(capsys, "recommend", "--profile", "nobody", *data)
    assert rc == 2 and "no profile named 'nobody'" in err


def test_a_fine_tune_name_that_is_not_kept_here_is_not_looked_for_on_the_hub(home, capsys):
    rc, _, err = run(capsys, "embed", "--model", "ft-deadbeef")
    assert rc == 2 and "no fine-tuned encoder ft-deadbeef" in err and "hub" not in err


def test_inspect_skips_rows_with_no_id_when_asked(tmp_path, capsys):
    (tmp_path / "listens.csv").write_text("user,item\nu1,a\n,b\nu2,b\n")
    rc, _, err = run(capsys, "data", "inspect", str(tmp_path / "listens.csv"))
    assert rc == 2 and "--skip-missing-ids" in err
    rc, out, _ = run(capsys, "data", "inspect", str(tmp_path / "listens.csv"), "--skip-missing-ids", "--format", "json")
    stats = json.loads(out)
    assert rc == 0 and stats["n_interactions"] == 2 and any("left out" in w for w in stats["warnings"])


def test_inspect_counts_only_clicked_rows_unless_told_to_read_no_label(tmp_path, capsys):
    pd.DataFrame({"user": ["a", "a", "b", "b"], "item": ["x", "y", "x", "z"], "is_click": [1, 0, 1, 0],
                  "is_like": [0, 0, 1, 0]}).to_csv(tmp_path / "shown.csv", index=False)
    args = ["data", "inspect", str(tmp_path / "shown.csv"), "--format", "json"]
    rc, out, err = run(capsys, *args)
    assert rc == 0 and json.loads(out)["n_interactions"] == 2 and "is_click" in err + out
    rc, out, _ = run(capsys, *args, "--label-col", "none")
    assert rc == 0 and json.loads(out)["n_interactions"] == 4
    rc, out, _ = run(capsys, *args, "--label-col", "is_like")
    assert rc == 0 and json.loads(out)["n_interactions"] == 1
    rc, _, err = run(capsys, *args, "--label-col", "clicked")
    assert rc == 2 and "clicked" in err and "is_click" in err  # no such column: the file's columns are listed


def test_version_and_a_positional_file_beside_another_interactions_file(tmp_path, files, capsys):
    import recengine

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"recengine {recengine.__version__}"
    ratings, _ = files
    other = tmp_path / "other.csv"
    other.write_text("user,item\nz,q\nz,r\n")
    rc, _, err = run(capsys, "data", "inspect", ratings, "--interactions", str(other))
    assert rc == 2 and "two interactions files" in err  # it inspected the --interactions one without a word
    rc, out, _ = run(capsys, "data", "inspect", ratings, "--interactions", ratings, "--format", "json")
    assert rc == 0


def test_the_machine_stopping_the_work_is_said_in_one_paragraph(home, files, capsys, monkeypatch, tmp_path):
    """A full disk, a read-only folder, an odd setting, a damaged export, a terminal that cannot write accents:
    each was a traceback."""
    import errno
    import os

    import recengine.store

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(home / "store" / "datasets" / "x.parquet"))

    ratings, items = files
    with monkeypatch.context() as m:
        m.setattr(recengine.store.Store, "save_dataset", full)
        rc, _, err = run(capsys, "data", "add", "films", ratings, "--items", items)
    assert rc == 2 and "no space left on the disk writing" in err and "Traceback" not in err
    with monkeypatch.context() as m:
        m.setenv("RECENGINE_MAX_FILE_MB", "abc")
        rc, _, err = run(capsys, "data", "inspect", ratings)
    assert rc == 2 and "RECENGINE_MAX_FILE_MB is 'abc'" in err

    run(capsys, "data", "add", "films", ratings, "--items", items)
    archive = tmp_path / "backup.zip"
    run(capsys, "store", "export", str(archive))
    blob = bytearray(archive.read_bytes())
    import zipfile

    with zipfile.ZipFile(archive) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("interactions.parquet"))
    blob[info.header_offset + 30 + len(info.filename) + 10] ^= 0xFF  # a byte of the member's data
    archive.write_bytes(bytes(blob))
    monkeypatch.setenv("RECENGINE_HOME", str(tmp_path / "other-home"))
    rc, _, err = run(capsys, "store", "import", str(archive))
    assert rc == 2 and "is damaged" in err and "nothing was imported" in err

    accents = tmp_path / "accents.csv"
    accents.write_text(pd.read_csv(items).assign(title=lambda f: "Amélie " + f["item"]).to_csv(index=False))
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": ""}
    out = subprocess.run([sys.executable, "-m", "recengine.cli", "recommend", "--interactions", ratings, "--items",
                          str(accents), "--user", "u0", "--model", "itemknn", "--k", "2"], capture_output=True, env=env)
    assert out.returncode == 0 and b"Traceback" not in out.stderr and b"Am\\xe9lie" in out.stdout


def test_a_polite_stop_keeps_the_texts_embedded_so_far(tmp_path):
    """SIGTERM (kill, a scheduler's timeout) threw all progress away; Ctrl-C kept it."""
    import os
    import signal as _signal

    items = tmp_path / "items.csv"
    pd.DataFrame({"item": [f"i{k}" for k in range(12_000)],
                  "title": [f"Item number {k} of a long catalogue about many different things" for k in range(12_000)]}
                 ).to_csv(items, index=False)
    ratings = tmp_path / "r.csv"
    pd.DataFrame({"user": ["u", "u", "v"], "item": ["i1", "i2", "i1"]}).to_csv(ratings, index=False)
    env = {**os.environ, "RECENGINE_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "recengine.cli", "embed", "--interactions", str(ratings), "--items",
                             str(items)], env=env, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # a progress line mid-way (one every 10 s): chunks are done, the rest is not
        if "embedding: " in line and "(0 %)" not in line and "(100 %)" not in line:
            proc.send_signal(_signal.SIGTERM)
            break
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == 143 and "interrupted" in rest
    assert list((tmp_path / "home" / "embeddings").glob("*/shard-*.safetensors"))  # what was embedded is kept
