"""Progress on stderr: a bar in a terminal, and lines now and then when stderr is a file or a pipe."""

from __future__ import annotations

from recengine.cli import common


def test_progress_without_a_terminal_writes_a_line_per_phase_and_then_now_and_then(capsys, monkeypatch):
    with common.progress_bar("embedding") as update:  # pytest's stderr is not a terminal
        update(0, 10, "embedding")
        update(5, 10, "embedding")  # too soon after the first line: skipped
        update(10, 10, "embedding")
        update(10, 10, "all from cache")  # the phase ended already: not repeated
        update(0, 10, "embedding")  # counting again from 0 (the tuned encoder's texts): a new phase
        update(10, 10, "embedding")
        update(0, 3, "loss 1.0")  # another total: a new phase
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" · ")[0] for line in lines] == [
        "embedding: 0/10 (0 %)", "embedding: 10/10 (100 %)", "embedding: 0/10 (0 %)", "embedding: 10/10 (100 %)",
        "embedding: 0/3 (0 %)"]
    monkeypatch.setattr(common, "PROGRESS_LINE_SECONDS", 0.0)
    with common.progress_bar("fine-tuning") as update:
        for step in range(4):
            update(step, 3, f"loss {step}")
    assert len(capsys.readouterr().err.splitlines()) == 4


def test_an_interrupted_fine_tune_says_nothing_was_saved(monkeypatch, capsys):
    """After Ctrl-C the CLI printed only "interrupted"; the app says what was kept."""
    import recengine.cli.text as text_cli
    from recengine.cli import main

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(text_cli, "cmd_finetune", interrupted)
    assert main(["finetune", "--sample", "movielens-100k"]) == 130
    assert "interrupted; nothing of the fine-tune was saved" in capsys.readouterr().err


def test_progress_lines_say_about_how_long_is_left(capsys, monkeypatch):
    """The CLI probe: a fine-tune of 95 steps ran 18 minutes on a busy machine, its lines saying only the seconds gone."""
    clock = iter([0.0, 0.0, 60.0, 120.0, 130.0])
    monkeypatch.setattr(common.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(common, "PROGRESS_LINE_SECONDS", 0.0)
    with common.progress_bar("fine-tuning") as update:
        update(0, 40, "starting")
        update(10, 40, "loss 3.1")  # 10 steps in 60 s: 30 more take about 3 minutes
        update(20, 40, "loss 2.9")
        update(40, 40, "loss 2.5")  # done: nothing left to say
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("· 0 s") and lines[1].endswith("· 60 s, about 3 min left")
    assert lines[2].endswith("· 120 s, about 2 min left") and lines[3].endswith("· 130 s")
