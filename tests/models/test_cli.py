"""``recengine recommend`` / ``evaluate`` / ``audience`` on the small test files (m4 is a cold item)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

import recengine
from recengine.cli import main
from recengine.errors import UnknownIdError

DATA = Path(__file__).parent.parent / "data"
FILES = ["--interactions", str(DATA / "interactions.csv"), "--items", str(DATA / "items.csv")]


def test_recommend_json_for_new_user_with_intent(capsys):
    assert main(["recommend", *FILES, "--liked", "m2", "--intent", "war childhood", "--model", "hybrid", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out and {"item_id", "title", "score", "rank", "ease", "content", "intent", "is_cold"} <= set(out[0])
    assert "m2" not in [r["item_id"] for r in out]
    assert "m4" in [r["item_id"] for r in out]  # the cold item, reached through text
    assert [r["rank"] for r in out] == list(range(1, len(out) + 1))


def test_recommend_intent_only_finds_the_cold_item(capsys):
    assert main(["recommend", *FILES, "--intent", "a boy scout in the Second World War", "--k", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["item_id"] == "m4"


def test_recommend_says_what_the_model_leaves_out(capsys):
    assert main(["recommend", *FILES, "--intent", "a war film", "--model", "ease"]) == 2
    assert "the ease model does not read text" in capsys.readouterr().err
    assert main(["recommend", *FILES, "--liked", "m1", "--intent", "a war film", "--model", "ease", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) and "note: the ease model does not read text" in captured.err


def test_recommend_says_which_labels_the_request_asks_for(capsys):
    argv = ["recommend", "--sample", "movielens-100k", "--model", "content", "--k", "3", "--format", "json", "--intent"]
    assert main([*argv, "a slow-burning sci-fi film"]) == 0
    captured = capsys.readouterr()
    assert "note: the request asks for Sci-Fi: the items holding it come first." in captured.err
    assert main([*argv, "something burning"]) == 0
    assert "asks for" not in capsys.readouterr().err
    assert main([*argv, "something scary, not a comedy"]) == 0
    assert ("note: the request asks for Horror (read from “scary”) and turns away Comedy: the items holding Horror "
            "come first, those holding Comedy last.") in capsys.readouterr().err


def test_recommend_csv_for_known_user(capsys):
    assert main(["recommend", *FILES, "--user", "alice", "--model", "ease", "--k", "2", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"item_id": str})
    assert table["item_id"].tolist() == ["m3"]  # m1, m2 seen; m4 is cold (EASE cannot score it)


def test_recommend_needs_someone_and_valid_ids(capsys):
    assert main(["recommend", *FILES]) == 2
    assert "--user" in capsys.readouterr().err
    assert main(["recommend", *FILES, "--liked", "m9", "--model", "popularity"]) == 2
    assert "unknown item id 'm9'" in capsys.readouterr().err


def test_evaluate_json(capsys):
    from recengine.store import open_store

    runs_before = len(open_store().list_runs())
    assert main(["evaluate", *FILES, "--protocol", "warm", "--models", "popularity,ease", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    runs = open_store().list_runs()  # kept in the store's run history, as the app's are
    assert len(runs) == runs_before + 1 and set(runs[-1]["metrics"]) == {"popularity", "ease"}
    assert out["protocol"] == "warm" and out["k"] == 10
    assert [r["model"] for r in out["results"]] == ["popularity", "ease"]
    keys = {"model", "recall@10", "ndcg@10", "hit@10", "mrr@10", "map@10", "coverage", "diversity", "novelty", "popularity_bias", "fit_seconds"}
    assert keys <= set(out["results"][0])


def test_evaluate_csv_is_one_row_per_model_with_the_protocol(capsys):
    assert main(["evaluate", *FILES, "--protocol", "warm", "--models", "popularity,ease", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table["model"].tolist() == ["popularity", "ease"] and set(table["protocol"]) == {"warm"}
    assert {"recall@10", "ndcg@10", "note"} <= set(table.columns)


def test_evaluate_takes_the_protocol_as_the_engine_spells_it(capsys):
    """make_split and the issue texts say cold_items / few_shot: the flag takes that spelling too."""
    assert main(["evaluate", *FILES, "--protocol", "few_shot", "--shots", "1", "--models", "popularity",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["protocol"] == "few-shot"


def test_evaluate_bad_shots_is_a_user_error(capsys):
    assert main(["evaluate", *FILES, "--protocol", "few-shot", "--shots", "one"]) == 2
    assert "--shots" in capsys.readouterr().err
    # a size of 0 is said before the data is loaded and embedded (the probe waited for the items to embed first)
    assert main(["evaluate", "--interactions", "no-such-file.csv", "--protocol", "few-shot", "--shots", "0,50"]) == 2
    err = capsys.readouterr().err
    assert "profile sizes of 1 or more" in err and "no-such-file" not in err


def test_audience_for_a_new_item(capsys):
    args = ["audience", *FILES, "--title", "Space station", "--text", "A psychologist on a station orbiting a planet", "--model", "content", "--format", "json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["user_id"] in {"alice", "carol"}  # the two users who liked Solaris
    assert {"user_id", "score", "rank", "n_items"} <= set(out[0])


def test_audience_of_a_text_of_no_words_says_it_is_noise(capsys):
    assert main(["audience", *FILES, "--text", "zzzz qqqq 12345", "--model", "content"]) == 0
    assert "holds no word that the encoder or the catalogue knows" in capsys.readouterr().err
    assert main(["audience", *FILES, "--text", "A psychologist on a space station", "--model", "content"]) == 0
    assert "holds no word" not in capsys.readouterr().err


def test_audience_of_an_unknown_item_id_is_a_user_error(capsys):
    """A mistyped --item was placed as a new item's text: an audience for a product that does not exist."""
    assert main(["audience", *FILES, "--item", "m99", "--model", "content"]) == 2
    assert "unknown item id 'm99'" in capsys.readouterr().err


def test_recommend_edge_cases_get_clear_answers(capsys):
    assert main(["recommend", *FILES, "--user", "  alice ", "--model", "ease", "--format", "json"]) == 0  # ids are trimmed
    captured = capsys.readouterr()
    assert [r["item_id"] for r in json.loads(captured.out)] == ["m3"]
    assert "1 item listed, fewer than --k 10" in captured.err and "ease cannot score" in captured.err  # not left to count
    assert main(["recommend", *FILES, "--liked", "m1", "--disliked", "m1", "--model", "ease"]) == 2
    assert "both liked and disliked" in capsys.readouterr().err
    assert main(["recommend", *FILES, "--liked", "m1", "--novelty", "nan"]) == 2
    assert "novelty must be a number of 0 or more" in capsys.readouterr().err
    assert main(["recommend", *FILES, "--user", "alice", "--liked", "m3", "--model", "ease"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "(no rows)\n" and "already in the profile" in captured.err


def test_hashed_user_ids_are_the_same_from_one_command_to_the_next(capsys):
    args = ["audience", *FILES, "--title", "A war film", "--hash-user-ids", "--format", "json"]
    assert main(args) == 0
    first = [r["user_id"] for r in json.loads(capsys.readouterr().out)]
    assert main(args) == 0
    assert [r["user_id"] for r in json.loads(capsys.readouterr().out)] == first and first[0].startswith("u_")
    assert main(["recommend", *FILES, "--hash-user-ids", "--user", first[0], "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)
    # the id as the analyst knows it is hashed with this machine's salt and found
    assert main(["recommend", *FILES, "--hash-user-ids", "--user", "alice", "--format", "json"]) == 0
    alice = json.loads(capsys.readouterr().out)
    from recengine.data.load import hash_user_id
    from recengine.settings import local_salt

    assert main(["recommend", *FILES, "--hash-user-ids", "--user", hash_user_id("alice", local_salt()), "--format", "json"]) == 0
    assert alice and json.loads(capsys.readouterr().out) == alice
    assert main(["recommend", *FILES, "--hash-user-ids", "--user", "nobody"]) == 2
    assert "were hashed as it loaded" in capsys.readouterr().err


def test_a_raw_user_id_is_found_only_under_the_salt_that_hashed_it():
    from recengine.data.load import hash_user_id
    from recengine.models.profile import Profile
    from recengine.settings import local_salt

    here = recengine.read_dataset(FILES[1], hash_user_ids=True, hash_salt=local_salt())
    assert Profile.from_user(here, "alice").liked == Profile.from_user(here, hash_user_id("alice", local_salt())).liked
    import secrets

    elsewhere = recengine.read_dataset(FILES[1], hash_user_ids=True, hash_salt=secrets.token_hex(16))  # raw ids cannot be matched
    with pytest.raises(UnknownIdError, match="were hashed as it loaded"):
        Profile.from_user(elsewhere, "alice")


def test_an_item_id_with_a_comma_can_be_named(tmp_path, capsys):
    inter = tmp_path / "orders.csv"
    pd.DataFrame({"customer": ["a", "a", "b", "b"], "sku": ["Shirt, blue", "Hat", "Shirt, blue", "Scarf"]}).to_csv(inter, index=False)
    assert main(["recommend", "--interactions", str(inter), "--liked", "Shirt, blue", "--model", "itemknn", "--format", "json"]) == 0
    recs = [r["item_id"] for r in json.loads(capsys.readouterr().out)]
    assert "Shirt, blue" not in recs and {"Hat", "Scarf"} <= set(recs)


def test_a_table_names_the_dislike_that_moved_an_item_and_says_why_scores_are_out_of_order(capsys):
    """In this top 30 the dislike moves one item down (19th to 20th); the ones it pushed too little to move say nothing."""
    assert main(["recommend", "--sample", "movielens-100k", "--liked", "174,195,96", "--disliked", "50", "--model", "ease",
                 "--k", "30"]) == 0
    out, err = capsys.readouterr()
    assert "Star Wars (50)" in out and "a lower score can rank higher" in err
    assert main(["recommend", "--sample", "movielens-100k", "--liked", "174,195,96", "--disliked", "50", "--model", "ease",
                 "--k", "30", "--format", "json"]) == 0
    assert [r["lowered_by"] for r in json.loads(capsys.readouterr().out)].count("50") == 1  # JSON keeps the id


def test_a_model_that_reads_no_text_embeds_nothing_unless_a_knob_needs_it(capsys, monkeypatch):
    """EASE on 15,000 items started embedding 9,524 texts it never reads."""
    import recengine.text

    calls = []
    real = recengine.text.embed_items
    monkeypatch.setattr(recengine.text, "embed_items", lambda *a, **kw: (calls.append(1), real(*a, **kw))[1])
    assert main(["recommend", *FILES, "--user", "alice", "--model", "itemknn", "--format", "json"]) == 0
    assert not calls
    assert main(["recommend", *FILES, "--user", "alice", "--model", "itemknn", "--disliked", "m3", "--format", "json"]) == 0
    assert calls  # a dislike's neighbours are found by text: now the texts are embedded
    capsys.readouterr()


def test_evaluate_temporal_json_says_where_it_cut(capsys):
    assert main(["evaluate", "--sample", "movielens-100k", "--protocol", "temporal", "--models", "popularity,ease",
                 "--seed", "7", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["protocol"] == "temporal" and out["k"] == 10
    res = {r["model"]: r for r in out["results"]}
    assert list(res) == ["popularity", "ease"]
    assert 0 < res["popularity"]["ndcg@10"] < res["ease"]["ndcg@10"]
    # the seed is taken and ignored: a date decides the split
    assert all(r["note"].startswith("cut 1998-03-07: 20 % of interactions after it;") for r in res.values())


def test_evaluate_temporal_without_timestamps_says_what_to_do(capsys):
    assert main(["evaluate", *FILES, "--timestamp-col", "none", "--protocol", "temporal"]) == 2
    err = capsys.readouterr().err
    assert "has no timestamps" in err and "--timestamp-col COLUMN" in err and "warm protocol" in err
    assert "Column mapping" not in err and "embedding" not in err  # said before the items are embedded
