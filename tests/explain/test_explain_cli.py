"""``recengine explain``: JSON keys, additive numbers in the output, table output, user errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from recengine.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Checkerboard interactions and item texts with one cold item (g), as files and data options."""
    d: Path = tmp_path_factory.mktemp("explain-cli")
    inter = pd.DataFrame({"user": [f"u{u}" for u in range(6) for _ in range(3)],
                          "item": [i for u in range(6) for i in (("a", "b", "c") if u < 3 else ("d", "e", "f"))],
                          "rating": [4, 5, 3] * 6})
    items = pd.DataFrame({
        "item": list("abcdefg"),
        "title": ["Space Odyssey", "Star Voyage", "Galaxy Quest", "Love in Paris", "Roman Holiday", "Notting Hill", "Mars Colony"],
        "description": ["astronauts explore deep space", "a starship crew travels between stars", "aliens and a spaceship adventure",
                        "a romantic comedy in Paris", "a princess falls in love in Rome",
                        "a bookseller falls in love with a film star", "settlers build a colony on Mars in space"],
    })
    inter.to_csv(d / "ratings.csv", index=False)
    items.to_csv(d / "items.csv", index=False)
    return ["--interactions", str(d / "ratings.csv"), "--items", str(d / "items.csv")]


@pytest.mark.slow  # loads the encoder and fits the hybrid in-process: ~10-25 s on 2 cores
def test_json_for_a_cold_item_with_the_hybrid(files, capsys):
    rc = main(["explain", *files, "--liked", "a,b", "--intent", "a colony on Mars", "--item", "g", "--device", "cpu",
               "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    for key in ("item_id", "title", "score", "base_value", "signals", "history", "empty_profile_score", "reason"):
        assert key in out
    assert out["item_id"] == "g" and out["title"] == "Mars Colony" and out["is_cold"] is True
    assert out["base_value"] + sum(s["shap"] for s in out["signals"]) == pytest.approx(out["score"], abs=1e-5)
    assert out["empty_profile_score"] + sum(h["shap"] for h in out["history"]) == pytest.approx(out["score"], abs=1e-5)
    assert [(h["item_id"], h["player"]) for h in out["history"]] == [
        ("a", "item"), ("b", "item"), (None, "intent"), (None, "profile size")]
    assert {"name", "label", "value", "shap"} <= set(out["signals"][0])
    assert {s["name"]: s["label"] for s in out["signals"]}["ease"] == "tastes like yours (EASE)"
    collab = [s["shap"] for s in out["signals"] if s["name"] in ("ease", "itemknn")]
    assert collab == [0.0, 0.0]
    assert "text alone" in out["reason"]


def test_user_plus_liked_and_disliked_items_form_one_profile(files, capsys):
    assert main(["explain", *files, "--user", "u0", "--liked", "d", "--disliked", "b", "--item", "e", "--model", "ease",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {h["item_id"] for h in out["history"]} == {"a", "c", "d"}


def test_table_for_a_known_user(files, capsys):
    assert main(["explain", *files, "--user", "u0", "--item", "d", "--model", "ease"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Love in Paris [d]")
    assert "signals (base value" in out and "history (empty-profile score" in out
    for title in ("Space Odyssey", "Star Voyage", "Galaxy Quest"):
        assert title in out


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "say who the suggestion is for"),
        (["--intent", "  "], "--intent is empty: say who the suggestion is for"),
        (["--liked", "a,zzz"], "zzz"),
        (["--liked", "a", "--budget", "1"], "--budget"),
    ],
)
def test_user_errors_exit_2_with_a_message(files, capsys, args, message):
    assert main(["explain", *files, *args, "--item", "c", "--model", "ease"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow  # fits the hybrid in-process: ~10-25 s on 2 cores
def test_items_whose_ids_read_like_the_special_players(files, capsys, tmp_path):
    """A shop's items called "intent" and "profile size" are items: never taken for the request or the size."""
    renamed = {"a": "intent", "b": "profile size"}
    for flag in ("--interactions", "--items"):
        src = files[files.index(flag) + 1]
        frame = pd.read_csv(src)
        frame["item"] = frame["item"].replace(renamed)
        frame.to_csv(tmp_path / Path(src).name, index=False)
    data = ["--interactions", str(tmp_path / "ratings.csv"), "--items", str(tmp_path / "items.csv")]
    rc = main(["explain", *data, "--liked", "intent,profile size,c", "--intent", "a colony on Mars", "--item", "g",
               "--device", "cpu", "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    out = json.loads(captured.out)
    assert [(h["item_id"], h["player"]) for h in out["history"]] == [
        ("intent", "item"), ("profile size", "item"), ("c", "item"), (None, "intent"), (None, "profile size")]
    titles = {h["item_id"]: h["title"] for h in out["history"]}
    assert titles["intent"] == "Space Odyssey" and titles["profile size"] == "Star Voyage"
    assert out["empty_profile_score"] + sum(h["shap"] for h in out["history"]) == pytest.approx(out["score"], abs=1e-5)
    assert main(["explain", *data, "--user", "u0", "--item", "d", "--model", "ease"]) == 0
    table = capsys.readouterr().out
    assert "Space Odyssey" in table and "Star Voyage" in table


def test_an_item_outside_the_top_ten_is_not_called_suggested(capsys):
    """Asked about by id, an item at rank 25 is placed, not "suggested because"; the list's first still is."""
    base = ["explain", "--sample", "movielens-100k", "--liked", "50,172", "--model", "ease", "--format", "json"]
    assert main([*base, "--item", "423"]) == 0
    low = json.loads(capsys.readouterr().out)
    assert low["rank"] > 10
    assert low["reason"].startswith(f"Not in your top 10: it ranks {low['rank']}th.") and "Suggested" not in low["reason"]
    assert main([*base, "--item", "181"]) == 0
    top = json.loads(capsys.readouterr().out)
    assert top["rank"] == 1 and top["reason"].startswith("Suggested because")
    assert main([*base[:-2], "--item", "50"]) == 0  # a liked item is not listed: no rank, its own reason
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("score ") and "rank" not in lines[1] and lines[3].startswith("Not suggested")


def test_the_rank_explain_gives_is_the_place_recommend_lists_it_at_after_a_dislike(capsys):
    """Rejecting Star Wars pushes Return of the Jedi (its nearest by text) down `recengine recommend`'s list; `explain`
    said rank 1 all the same, the model's order before the dislike moved it."""
    who = ["--sample", "movielens-100k", "--liked", "172", "--disliked", "50", "--model", "ease"]
    assert main(["recommend", *who, "--k", "1682", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    listed = listed if isinstance(listed, list) else listed["recommendations"]
    place = {r["item_id"]: r["rank"] for r in listed}
    moved = [r["item_id"] for r in listed if r.get("lowered_by")]
    assert "181" in moved  # Return of the Jedi: lowered by the rejected Star Wars
    assert main(["explain", *who, "--item", "181", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rank"] == place["181"] > 1
