"""Ctrl-C or SIGTERM during `recengine evaluate` prints the models that finished, then says which were not measured.

A probe stopped after four of five models had finished printed only "interrupted.".
"""

from __future__ import annotations

import contextlib
import json

import pytest

import recengine.cli.models as models_cli
from recengine.cli import Terminated, main


@pytest.fixture()
def log(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item\n" + "".join(f"u{u},i{(u + j) % 12}\n" for u in range(30) for j in range(4)))
    return path


def stop_when(monkeypatch, message: str, stop: type[KeyboardInterrupt] = KeyboardInterrupt) -> None:
    """Evaluation's progress callback raises ``stop`` on ``message`` (a user's Ctrl-C, or kill, at that moment)."""
    real = models_cli.progress_bar

    @contextlib.contextmanager
    def bar(desc):
        with real(desc) as update:
            def progress(done, total, text=""):
                if desc.startswith("evaluating") and text == message:
                    raise stop
                update(done, total, text)

            yield progress

    monkeypatch.setattr(models_cli, "progress_bar", bar)


@pytest.mark.parametrize("stop,code", [(KeyboardInterrupt, 130), (Terminated, 143)])
def test_an_interrupted_evaluation_prints_the_finished_models(home, capsys, monkeypatch, log, stop, code):
    stop_when(monkeypatch, "fitting itemknn", stop)
    argv = ["evaluate", "--interactions", str(log), "--models", "popularity,itemknn,ease", "--format", "json"]
    assert main(argv) == code
    out = capsys.readouterr()
    got = json.loads(out.out)
    assert [r["model"] for r in got["results"]] == ["popularity"]
    assert "interrupted; not measured: itemknn, ease (the results printed are the models that finished)." in out.err
    monkeypatch.undo()  # the same rows as a whole run's (bar the fit time)
    assert main([*argv[:4], "popularity", *argv[5:]]) == 0
    whole = json.loads(capsys.readouterr().out)
    for row in (got, whole):
        row["results"][0].pop("fit_seconds")
    assert got == whole


def test_an_interrupted_evaluation_prints_a_table_or_csv_as_a_whole_run_does(home, capsys, monkeypatch, log):
    stop_when(monkeypatch, "fitting ease")
    argv = ["evaluate", "--interactions", str(log), "--models", "popularity,itemknn,ease", "--format", "csv"]
    assert main(argv) == 130
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines[0].startswith("protocol,model,recall@10") and [line.split(",")[1] for line in lines[1:]] == [
        "popularity", "itemknn"]
    assert out.err.rstrip().endswith("interrupted; not measured: ease (the results printed are the models that finished).")


def test_an_evaluation_interrupted_before_any_model_finished_prints_no_rows(home, capsys, monkeypatch, log):
    stop_when(monkeypatch, "fitting popularity")
    assert main(["evaluate", "--interactions", str(log), "--models", "popularity,ease"]) == 130
    out = capsys.readouterr()
    assert out.out == "" and "interrupted; not measured: popularity, ease." in out.err
