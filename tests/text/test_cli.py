"""``recengine embed`` and ``recengine finetune`` through the real command line entry point."""

from __future__ import annotations

import json

import pytest

from recengine.cli import main
from recengine.text.finetune import FineTuneConfig


@pytest.fixture()
def tiny_files(tmp_path, tiny):
    inter = tmp_path / "interactions.csv"
    items = tmp_path / "items.csv"
    tiny.interactions[["user_id", "item_id", "rating", "timestamp"]].to_csv(inter, index=False)
    tiny.items[["item_id", "title", "description"]].to_csv(items, index=False)
    return ["--interactions", str(inter), "--items", str(items)]


def _run(capsys, argv):
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_embed_json_second_run_encodes_nothing(fresh_home, capsys, tiny_files, tiny):
    first = _run(capsys, ["embed", *tiny_files, "--device", "cpu", "--format", "json"])
    for key in ("model", "fingerprint", "device", "dim", "n_items", "n_encoded", "n_cached", "seconds"):
        assert key in first
    assert first["n_items"] == tiny.n_items and first["n_encoded"] == tiny.n_items and first["device"] == "cpu"
    second = _run(capsys, ["embed", *tiny_files, "--device", "cpu", "--format", "json"])
    assert (second["n_encoded"], second["n_cached"]) == (0, tiny.n_items)
    assert second["fingerprint"] == first["fingerprint"]


@pytest.mark.slow
def test_finetune_json_reports_cold_items_and_reuses(fresh_home, capsys, tiny_files):
    argv = ["finetune", *tiny_files, "--epochs", "1", "--device", "cpu", "--format", "json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    first = json.loads(captured.out)
    # a guarded run trains twice; its second bar said nothing, and looked like a restart
    assert "part 1 of 2: checking on held-out items" in captured.err and "part 2 of 2: training" in captured.err
    assert first["cached"] is False and first["fingerprint"].startswith("ft-")
    # the default mix, or the base when the pseudo-cold guard found it clearly better; the JSON says which
    assert first["alpha"] in (0.0, FineTuneConfig().alpha) and "pseudo" in first["alpha_chosen_by"]
    for side in ("zero_shot", "fine_tuned"):
        assert set(first["cold_items"][side]) == {"recall@10", "ndcg@10"}
        assert 0.0 <= first["cold_items"][side]["recall@10"] <= 1.0
    assert first["cold_items"]["verdict"] in ("better", "worse", "mixed", "unchanged") and "items it never saw" in first["summary"]
    second = _run(capsys, argv)
    assert second["cached"] is True and second["fingerprint"] == first["fingerprint"]
    assert second["cold_items"] == first["cold_items"]
    # a request read by both encoders: every item with text, space stories first for the zero-shot one
    asked = _run(capsys, [*argv, "--request", "a trip to the stars"])
    assert asked["cached"] is True and asked["request"]["text"] == "a trip to the stars"
    assert len(asked["request"]["zero_shot"]) == len(asked["request"]["fine_tuned"]) == 7
    assert set(asked["request"]["zero_shot"][:3]) <= {"Space Odyssey", "Star Voyage", "Galaxy Quest", "Mars Colony"}
    assert main([*argv[:-2], "--request", "a trip to the stars"]) == 0
    table = capsys.readouterr().out
    # the table shows the two encoders' figures as rows and the verdict in words, not a JSON blob
    assert "zero-shot" in table and "Recall@10" in table and first["summary"] in table and '"zero_shot"' not in table
    assert "nearest items to “a trip to the stars”" in table and "fine-tuned" in table and "Space Odyssey" in table
    # the store lists it, and its fingerprint names it wherever an encoder is chosen
    store = _run(capsys, ["store", "list", "--format", "json"])
    assert [f["fingerprint"] for f in store["finetunes"]] == [first["fingerprint"]]
    embedded = _run(capsys, ["embed", *tiny_files, "--model", first["fingerprint"], "--device", "cpu", "--format", "json"])
    assert embedded["fingerprint"] == first["fingerprint"]
    recs = _run(capsys, ["recommend", *tiny_files, "--intent", "space", "--model", "content", "--encoder",
                         first["fingerprint"], "--device", "cpu", "--format", "json"])
    assert recs and all(r["score"] == r["score"] for r in recs)


def test_bad_device_exits_with_a_message(capsys, tiny_files):
    assert main(["embed", *tiny_files, "--device", "tpu"]) == 2
    assert "device" in capsys.readouterr().err


def test_finetune_help_and_options_follow_the_library_config(capsys):
    from recengine.cli import build_parser
    from recengine.cli.text import _config
    from recengine.text.finetune import FineTuneConfig

    with pytest.raises(SystemExit):
        main(["finetune", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    cfg = FineTuneConfig()
    assert f"passes over the train items (default {cfg.epochs})" in text
    assert f"(default {cfg.neighbors})" in text and f"(default {cfg.pairs_per_item})" in text
    assert f"own similarities, 0-1 (default {cfg.text_mix:g})" in text

    args = build_parser().parse_args(["finetune", "--pairs-per-item", "5", "--alpha", "0.5", "--epochs", "3", "--text-mix", "0.1"])
    got = _config(args)
    assert (got.pairs_per_item, got.alpha, got.epochs, got.text_mix) == (5, 0.5, 3, 0.1)
    assert f"'auto' to choose it on a pseudo-cold hold-out of train (default {cfg.alpha:g})" in text
    plain = _config(build_parser().parse_args(["finetune"]))
    assert (plain.alpha, plain.guard) == (cfg.alpha, True)
    auto = _config(build_parser().parse_args(["finetune", "--alpha", "auto", "--no-guard"]))
    assert (auto.alpha, auto.guard) == (None, False)


def test_finetune_rejects_an_alpha_outside_0_1(capsys, tiny_files):
    assert main(["finetune", *tiny_files, "--alpha", "1.5", "--device", "cpu"]) == 2
    assert "alpha" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["finetune", *tiny_files, "--alpha", "half"])
    assert "'auto'" in capsys.readouterr().err


def test_embed_reports_texts_cut_to_the_models_limit_in_plain_words(fresh_home, capsys, tmp_path, tiny):
    inter, items = tmp_path / "interactions.csv", tmp_path / "items.csv"
    tiny.interactions[["user_id", "item_id"]].to_csv(inter, index=False)
    long = tiny.items[["item_id", "title", "description"]].copy()
    long.loc[long["item_id"] == "a", "description"] = "A long and winding plot summary. " * 80
    long.to_csv(items, index=False)
    code = main(["embed", "--interactions", str(inter), "--items", str(items), "--device", "cpu", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert (out["n_truncated"], out["max_seq_length"]) == (1, 256)
    lines = [line for line in captured.err.splitlines() if "longer than" in line]
    assert lines and lines[0].startswith("warning: 1 of 7 item texts")
    assert "warnings.warn" not in captured.err and "TruncationWarning" not in captured.err
