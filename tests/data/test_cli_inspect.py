"""``recengine data inspect``: statistics as JSON, exit 2 with the DataError message (no traceback) on a bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from recengine.cli import main

DATA = Path(__file__).parent


def test_inspect_sample_json(capsys) -> None:
    assert main(["data", "inspect", "--sample", "movielens-100k", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["n_users"], out["n_items"], out["n_interactions"]) == (943, 1682, 100000)
    assert out["n_cold_items"] == 0 and 0 < out["density"] < 1 and out["warnings"] == []


def test_inspect_files_table(capsys) -> None:
    assert main(["data", "inspect", str(DATA / "interactions.csv"), "--items", str(DATA / "items.csv")]) == 0
    out = capsys.readouterr().out
    assert "n_cold_items" in out and "n_users" in out


def test_bad_file_exits_2_with_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("user_id,item_id,rating\nu1,i1,5\nu2,i2,lots\n")
    proc = subprocess.run(
        [sys.executable, "-m", "recengine.cli", "data", "inspect", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "broken.csv" in proc.stderr and "'rating'" in proc.stderr and "line 3" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_min_rating_keeps_only_the_likes(capsys, tmp_path: Path) -> None:
    assert main(["data", "inspect", "--sample", "movielens-100k", "--min-rating", "4", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_interactions"] == 55375  # MovieLens-100K's ratings of 4 and 5
    assert any("rated below 4" in w and "left out" in w for w in out["warnings"])
    plain = tmp_path / "clicks.csv"
    plain.write_text("user_id,item_id\nu1,i1\nu2,i2\n")
    assert main(["data", "inspect", str(plain), "--min-rating", "4"]) == 2
    err = capsys.readouterr().err
    assert "clicks.csv" in err and "needs ratings" in err and "--rating-col" in err


def test_title_col_names_the_column_shown_as_the_title(tmp_path: Path) -> None:
    from recengine.cli import build_parser
    from recengine.cli.common import load_data

    items = tmp_path / "gear.csv"
    items.write_text("item_id,label_text,blurb\nm1,Trail shoes,Light shoes for rough paths\nm2,Rain jacket,Keeps you dry\n")
    inter = tmp_path / "orders.csv"
    inter.write_text("user_id,item_id\nu1,m1\nu2,m2\n")
    args = build_parser().parse_args(["data", "inspect", "--interactions", str(inter), "--items", str(items), "--title-col", "label_text"])
    assert load_data(args).title("m2") == "Rain jacket"


def test_events_keeps_only_the_kinds_named_and_needs_a_file(capsys, tmp_path: Path) -> None:
    log = tmp_path / "events.csv"
    log.write_text("visitorid,itemid,event\nv1,i1,view\nv1,i1,transaction\nv2,i2,view\nv3,i2,addtocart\n")
    assert main(["data", "inspect", "--interactions", str(log), "--events", "transaction,addtocart", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_interactions"] == 2 and out["options"]["events"] == ["transaction", "addtocart"]
    assert main(["data", "inspect", "--interactions", str(log), "--event-col", "none", "--format", "json"]) == 0
    assert not any("kinds of event" in w for w in json.loads(capsys.readouterr().out)["warnings"])
    assert main(["data", "inspect", "--sample", "movielens-100k", "--events", "view"]) == 2
    assert "--events chooses rows as a file is read" in capsys.readouterr().err
