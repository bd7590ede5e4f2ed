"""The command line as a Unix tool: repeatable options, no abbreviations, UTF-8 JSON and CSV in any locale, read
errors said as such, a read-only home, data warnings on stderr, exit codes, stdin, usage errors that help."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
from pathlib import Path

import pandas as pd
import pytest

from recengine.cli import build_parser, main


@pytest.fixture()
def dup_file(tmp_path: Path) -> Path:
    """Interactions with one duplicated (user, item) pair: the loader merges it and warns."""
    path = tmp_path / "dups.csv"
    path.write_text("user,item,title\n1,a,jalapeño\n1,a,jalapeño\n2,b,Bread\n2,a,jalapeño\n3,b,Bread\n3,c,Cake\n",
                    encoding="utf-8")
    return path


# 1. repeatable list options, and no option taken from a prefix of its name ------------------------------------


def test_liked_and_disliked_can_be_repeated_and_merge_with_comma_lists():
    from recengine.cli.common import load_data, profile_from_args

    args = build_parser().parse_args(["recommend", "--liked", "172", "--disliked", "50", "--disliked", "1,2",
                                      "--liked", "181"])
    profile = profile_from_args(args, load_data(args), "to recommend for")
    assert set(profile.disliked) == {"50", "1", "2"}  # the first --disliked was dropped: Star Wars came back first
    assert set(profile.liked) == {"172", "181"}


def test_evaluate_models_shots_and_events_can_be_repeated():
    args = build_parser().parse_args(["evaluate", "--models", "ease,content", "--models", "hybrid", "--shots", "1",
                                      "--shots", "3,5", "--events", "view", "--events", "cart,buy"])
    assert (args.models, args.shots, args.count_events) == (["ease,content", "hybrid"], ["1", "3,5"],
                                                           ["view", "cart,buy"])
    from recengine.cli.common import split_ids

    assert split_ids(args.count_events) == ["view", "cart", "buy"]
    assert build_parser().parse_args(["evaluate"]).models is None  # the command's default: every model


def test_an_option_is_not_taken_from_a_prefix_of_its_name(capsys):
    with pytest.raises(SystemExit) as stop:  # --like was read as --liked, and only the last one was kept
        main(["recommend", "--like", "50", "--like", "172"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --like 50 --like 172" in err
    with pytest.raises(SystemExit):
        main(["evaluate", "--max-u", "5"])
    # every parser, nested ones too
    for parser in _all_parsers(build_parser()):
        assert parser.allow_abbrev is False, parser.prog
    args = build_parser().parse_args(["feedback", "--profile", "p", "--like", "50", "--dislike", "1", "--like", "2"])
    assert args.events == [("like", "50"), ("dislike", "1"), ("like", "2")]


def _all_parsers(parser):
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_parsers(sub)


# 2. JSON and CSV are UTF-8 whatever the locale --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_json_and_csv_are_utf8_on_an_ascii_stdout(monkeypatch, fmt):
    from recengine.cli.common import emit

    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace")  # LC_ALL=POSIX PYTHONUTF8=0
    monkeypatch.setattr("sys.stdout", ascii_out)
    ascii_out.write("before\n")
    emit(pd.DataFrame({"item_id": ["1"], "title": ["jalapeño"]}), fmt)
    ascii_out.flush()
    text = raw.getvalue().decode("utf-8")  # jalape\xf1o before: invalid JSON, a corrupted CSV
    assert text.startswith("before\n")
    body = text[len("before\n"):]
    if fmt == "json":
        assert json.loads(body) == [{"item_id": "1", "title": "jalapeño"}]
    else:
        assert body.splitlines() == ["item_id,title", "1,jalapeño"]


def test_a_table_keeps_the_terminal_encoding(monkeypatch):
    from recengine.cli.common import emit

    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace")
    monkeypatch.setattr("sys.stdout", ascii_out)
    emit({"title": "jalapeño"}, "table")
    ascii_out.flush()
    assert raw.getvalue() == b"title  jalape\\xf1o\n"


# 3. an unreadable input is a read error, not a write error --------------------------------------------------


def test_an_unreadable_input_says_cannot_read(tmp_path, monkeypatch, capsys):
    import recengine.cli.common as common

    path = tmp_path / "noperm.csv"
    path.write_text("user,item\n1,a\n")

    def denied(source, *args, **kwargs):  # tests run as root, whom chmod 000 does not stop
        raise PermissionError(errno.EACCES, "Permission denied", str(source))

    monkeypatch.setattr(common, "read_dataset", denied)
    assert main(["data", "inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot read {path} (Permission denied)" in err
    assert "not allowed to write" not in err
    assert main(["recommend", "--interactions", str(path), "--liked", "a"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_write_that_is_refused_still_says_write(tmp_path):
    from recengine.cli import _system_error

    said = _system_error(PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "out" / "x.zip")),
                         [str(tmp_path / "in.csv")])
    assert said.startswith("not allowed to write")
    said = _system_error(OSError(errno.EROFS, "Read-only file system", str(tmp_path / "in.csv")), [str(tmp_path / "in.csv")])
    assert said.startswith("not allowed to write")


# 4. a fit that cannot be saved is used all the same -----------------------------------------------------------


def test_a_fit_that_cannot_be_saved_warns_and_is_returned(tmp_path):
    from recengine.data import load_sample
    from recengine.models import Popularity
    from recengine.models.base import fit_cached

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ds = load_sample("movielens-100k")
    with pytest.warns(UserWarning, match="could not save the fitted model.*used for this run only"):
        model = fit_cached(Popularity(), ds, cache_dir=blocker / "fitted")  # mkdir: NotADirectoryError
    assert model.is_fitted
    assert not (blocker / "fitted").exists()


def test_recommend_in_a_home_it_cannot_write_prints_results(tmp_path, monkeypatch, capsys):
    import recengine.models.base as base

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    real = base.fit_cached

    def fit_into_a_file(model, dataset, *args, **kwargs):
        kwargs["cache_dir"] = blocker / "fitted"
        return real(model, dataset, *args, **kwargs)

    monkeypatch.setattr(base, "fit_cached", fit_into_a_file)
    assert main(["recommend", "--liked", "50", "--model", "popularity", "--format", "json", "--k", "3"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 3
    assert err.count("warning: could not save the fitted model") == 1


# 5. the data's warnings on stderr, for every command that loads data ---------------------------------------------


def test_data_warnings_are_printed_once_by_commands_that_load_data(dup_file, home, capsys):
    assert main(["recommend", "--interactions", str(dup_file), "--liked", "b", "--model", "popularity",
                 "--format", "json"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)
    assert err.count("warning: ") == 1 and "duplicated" in err
    from recengine.cli.common import load_data

    args = build_parser().parse_args(["embed", "--interactions", str(dup_file)])
    load_data(args)
    load_data(args)
    assert capsys.readouterr().err.count("duplicated") == 1
    assert main(["data", "inspect", str(dup_file), "--format", "json"]) == 0  # inspect lists them in its result
    out, err = capsys.readouterr()
    assert "duplicated" in json.loads(out)["warnings"][0] and "warning:" not in err


# 6. SIGTERM exits 143, Ctrl-C 130 ------------------------------------------------------------------------------------


def test_sigterm_exits_143_and_ctrl_c_130(monkeypatch, capsys):
    import recengine.cli.text as text_cli

    def killed(args):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the command")

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(text_cli, "cmd_embed", killed)
    assert main(["embed"]) == 143
    assert "interrupted" in capsys.readouterr().err
    monkeypatch.setattr(text_cli, "cmd_embed", interrupted)
    assert main(["embed"]) == 130


# 7. a group's help without a subcommand goes to stderr -----------------------------------------------------------


@pytest.mark.parametrize("group", ["data", "profile", "store"])
def test_a_group_without_its_subcommand_prints_help_on_stderr(group, capsys):
    assert main([group]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"usage: recengine {group}" in err


# 8. counts are checked before any work ---------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["recommend", "--liked", "50", "--k", "0"], ["evaluate", "--k", "-1"], ["evaluate", "--max-users", "0"],
    ["audience", "--title", "x", "--k", "0"],
    ["embed", "--batch-size", "0"], ["finetune", "--epochs", "0"],
])
def test_a_count_below_its_least_fails_at_once_naming_the_option(argv, monkeypatch, capsys):
    import recengine.cli.common as common

    def no_work(*args, **kwargs):
        raise AssertionError("the data was loaded before the options were checked")

    monkeypatch.setattr(common, "_load_data", no_work)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    option = next(a for a in argv if a in ("--k", "--max-users", "--batch-size", "--epochs"))
    assert f"argument {option}: must be at least" in capsys.readouterr().err


def test_a_budget_below_2_fails_before_the_data_is_loaded(monkeypatch, capsys):
    import recengine.cli.common as common

    def no_work(*args, **kwargs):
        raise AssertionError("the data was loaded before the options were checked")

    monkeypatch.setattr(common, "_load_data", no_work)
    assert main(["explain", "--user", "1", "--item", "2", "--budget", "1"]) == 2
    assert "--budget must be at least 2" in capsys.readouterr().err


# 9. "-" reads standard input ---------------------------------------------------------------------------------------


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)

    def isatty(self) -> bool:
        return False


def test_a_dash_reads_the_interactions_from_stdin(dup_file, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", _Stdin(dup_file.read_bytes()))
    assert main(["data", "inspect", "-", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["n_users"] == 3 and stats["options"]["interactions_file"] == "stdin"
    monkeypatch.setattr("sys.stdin", _Stdin(b"item,title\na,Jalapeno\nb,Bread\nc,Cake\nz,Cold\n"))
    assert main(["data", "inspect", "--interactions", str(dup_file), "--items", "-", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_cold_items"] == 1


def test_stdin_keeps_the_size_limit(dup_file, monkeypatch, capsys):
    monkeypatch.setenv("RECENGINE_MAX_FILE_MB", "0.00001")  # about 10 bytes
    monkeypatch.setattr("sys.stdin", _Stdin(dup_file.read_bytes()))
    assert main(["data", "inspect", "-"]) == 2
    assert "stdin" in capsys.readouterr().err


# 10. missing values read as a dash; warnings in a CSV cell are words --------------------------------------------------


def test_a_missing_value_in_a_listing_reads_as_a_dash():
    from recengine.cli.common import emit

    out = io.StringIO()
    emit({"rating": None, "has_ratings": False, "n": float("nan")}, "table", stream=out)
    assert out.getvalue().splitlines() == ["rating       —", "has_ratings  False", "n            —"]


def test_data_add_csv_writes_warnings_as_words(dup_file, home, capsys):
    assert main(["data", "add", "dups", str(dup_file), "--format", "csv"]) == 0
    row = pd.read_csv(io.StringIO(capsys.readouterr().out)).iloc[0]
    assert "duplicated" in row["warnings"] and not row["warnings"].startswith("[")


# 11. a fit's progress ends at done == total ---------------------------------------------------------------------------


def test_fit_progress_ends_with_the_last_stage_done(monkeypatch, capsys):
    import argparse

    import recengine.models as models
    import recengine.models.base as base
    from recengine.cli.models import fit_for_cli

    class Staged:
        name, reads_text, config = "staged", False, object()

        def fit(self, ds, embeddings=None, encoder=None, progress=None):
            for step in range(4):  # as the hybrid: each stage said as it starts, the last never said done
                progress(step, 4, f"stage {step}")
            return self

    monkeypatch.setattr(models, "make_model", lambda name, **kw: Staged())
    monkeypatch.setattr(base, "fit_cached", lambda model, ds, **kw: model.fit(ds, **kw))
    fit_for_cli(argparse.Namespace(device="auto"), "staged", ds=type("D", (), {"n_users": 1, "n_items": 1})())
    lines = [line.split(" · ")[0] for line in capsys.readouterr().err.splitlines() if " · " in line]
    assert lines[0] == "fitting staged: 0/4 (0 %)" and lines[-1] == "fitting staged: 4/4 (100 %)"


# 12. usage errors name the subcommand and what was meant ----------------------------------------------------------------


def test_a_mistyped_option_shows_the_subcommands_usage_and_a_suggestion(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["recommend", "--usr", "196"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: recengine recommend") and "did you mean --user?" in err
    with pytest.raises(SystemExit):
        main(["data", "inspect", "x.csv", "--item-column", "sku"])
    err = capsys.readouterr().err
    assert err.startswith("usage: recengine data inspect") and "did you mean --item-col?" in err


def test_a_mistyped_command_suggests_the_command(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["recomend", "--user", "196"])
    assert stop.value.code == 2
    assert "did you mean recommend?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", "--protocol", "few-shots"])
    assert "did you mean few-shot?" in capsys.readouterr().err


@pytest.mark.parametrize("extra, named", [(["--text", "Film: {nope}"], "--text"), (["--hash-user-ids"], "--hash-user-ids"),
                                          (["--user-col", "zzz", "--items-id-col", "k"], "--user-col, --items-id-col")])
def test_options_that_choose_how_a_file_is_read_are_refused_without_a_file(home, capsys, extra, named):
    """With the sample they did nothing, silently: `evaluate --sample ... --hash-user-ids` hashed no id."""
    assert main(["data", "inspect", "--sample", "movielens-100k", *extra, "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert named in err and "use with --interactions" in err


def test_an_error_names_the_command_lines_way_only(home, tmp_path, capsys):
    """The engine's messages name a step three ways; the CLI said 'columns={...} (in the app: ...; in the CLI: ...)'."""
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\na,b\n")
    assert main(["data", "inspect", "--interactions", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "--user-col" in err
    assert "columns=" not in err and "in the app" not in err and "in the CLI" not in err


def test_the_apps_upload_box_takes_what_the_readers_take(monkeypatch):
    """RECENGINE_MAX_FILE_MB raised the readers' limit, but Streamlit's upload box stayed at its config's 500 MB."""
    import subprocess

    ran = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: ran.append(cmd) or 0)
    monkeypatch.setenv("RECENGINE_MAX_FILE_MB", "2000")
    assert main(["app", "--port", "8999"]) == 0
    cmd = ran[0]
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == "2000" and cmd[cmd.index("--server.port") + 1] == "8999"
