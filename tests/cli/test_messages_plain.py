"""Messages the command line prints name its own options (``--item-col``), never the Python way of a step
(``columns={'item': ...}``, ``min_rating=``, ``store.save_dataset(...)``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from recengine.cli import main

MATRIX = "user,a,b,c\nu1,5,,3\nu2,,4,1\nu3,2,,5\n"  # no item column: read as a matrix, with a warning


def said(capsys, argv: list[str], code: int | None = None) -> str:
    got = main(argv)
    if code is not None:
        assert got == code
    out = capsys.readouterr()
    return out.out + out.err


def plain(text: str, *python: str) -> None:
    """Nothing of the Python way, nor the other front end's, is left in ``text``."""
    for word in ("columns={", "in the CLI:", "in the app:", *python):
        assert word not in text, (word, text)


@pytest.fixture()
def matrix(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.csv"
    path.write_text(MATRIX)
    return path


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_data_inspect_and_add_give_a_warnings_step_as_an_option(home, capsys, matrix, fmt):
    if fmt != "csv":
        text = said(capsys, ["data", "inspect", str(matrix), "--format", fmt], 0)
        assert "read as a matrix" in text and "--item-col" in text
        plain(text)
    text = said(capsys, ["data", "add", f"m-{fmt}", str(matrix), "--format", fmt], 0)
    assert "read as a matrix" in text and "--item-col" in text
    plain(text)


def test_a_data_warning_printed_on_stderr_names_the_option(home, capsys, matrix):
    text = said(capsys, ["feedback", "--profile", "p", "--like", "a", "--interactions", str(matrix)], 0)
    assert "warning:" in text and "--item-col" in text
    plain(text)


def test_a_python_warning_is_printed_in_the_clis_words(home, capsys, matrix, monkeypatch):
    import recengine.cli.data as data

    def cmd(args):
        warnings.warn("keep only likes (min_rating=4; in the CLI: --min-rating 4; in the app: Minimum rating 4).",
                      UserWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(data, "cmd_inspect", cmd)
    text = said(capsys, ["data", "inspect", str(matrix)], 0)
    assert "warning: keep only likes (--min-rating 4)." in text
    plain(text, "min_rating")


def test_a_minimum_rating_that_is_no_number_names_the_option(home, capsys):
    text = said(capsys, ["data", "inspect", "--min-rating", "nan"], 2)
    assert "--min-rating" in text and "got nan" in text
    plain(text, "min_rating")


def test_a_role_mapped_to_a_column_taken_already_names_the_option(home, capsys, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("who,what,stars\nu1,i1,5\nu2,i2,3\nu1,i2,4\n")
    text = said(capsys, ["data", "inspect", str(path), "--user-col", "who", "--item-col", "what", "--rating-col", "who"], 2)
    assert "mapped as the rating" in text and "(--rating-col)" in text
    plain(text)


def test_a_dataset_missing_from_the_store_says_how_to_add_one(home, capsys):
    text = said(capsys, ["recommend", "--dataset", "nosuch", "--user", "1"], 2)
    assert "no dataset named 'nosuch'" in text and "recengine data add NAME" in text
    plain(text, "save_dataset", "store.")


def test_an_export_over_an_export_names_force(home, capsys, tmp_path):
    target = tmp_path / "backup.zip"
    said(capsys, ["store", "export", str(target)], 0)
    text = said(capsys, ["store", "export", str(target)], 2)
    assert "an export is already there" in text and "--force" in text
    plain(text, "overwrite")


def test_a_fine_tune_that_is_not_there_names_the_command_that_lists_them(home, capsys):
    text = said(capsys, ["embed", "--model", "ft-0000000000000000", "--device", "cpu"], 2)
    assert "no fine-tuned encoder ft-0000000000000000" in text and "recengine store list" in text
    plain(text, "list_finetuned", "in Python")


def test_ease_on_a_catalogue_too_large_for_it_names_the_model_option(home, capsys, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("user,item\n" + "".join(f"u{i % 40},i{i}\n" for i in range(20_001)))
    text = said(capsys, ["recommend", "--interactions", str(path), "--user", "u1", "--model", "ease"], 2)
    assert "20,001 items is more than the 20,000" in text and "(--model itemknn)" in text
    plain(text, "max_items")


def test_an_evaluation_on_a_sample_of_users_names_no_parameter(home, capsys, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item\n" + "".join(f"u{u},i{(u + j) % 12}\n" for u in range(30) for j in range(4)))
    text = said(capsys, ["evaluate", "--interactions", str(path), "--models", "popularity", "--max-users", "5",
                         "--format", "csv"], 0)
    assert "a seeded sample of 5 of the 30 test users is measured" in text
    plain(text, "max_users")


def test_a_diverging_fine_tune_names_the_learning_rate_option(home, capsys, tmp_path, tiny, monkeypatch):
    import importlib

    finetune = importlib.import_module("recengine.text.finetune")  # the package's finetune is the function

    def nan_steps(self, model):  # every step's loss is not a number, as when a learning rate is far too high
        yield lambda: next(model.parameters()).sum() * float("nan")

    monkeypatch.setattr(finetune._PairPlan, "steps", nan_steps)
    inter, items = tmp_path / "interactions.csv", tmp_path / "items.csv"
    tiny.interactions[["user_id", "item_id", "rating", "timestamp"]].to_csv(inter, index=False)
    tiny.items[["item_id", "title", "description"]].to_csv(items, index=False)
    text = said(capsys, ["finetune", "--interactions", str(inter), "--items", str(items), "--epochs", "1",
                         "--no-guard", "--device", "cpu", "--lr", "0.0001"], 2)
    assert "fine-tuning diverged at step 1" in text and "now 0.0001 (--lr)" in text
    plain(text, "lr=")


def test_cold_items_without_texts_name_the_items_option_and_not_the_apps_page(home, capsys, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item\n" + "".join(f"u{u},i{(u + j) % 12}\n" for u in range(30) for j in range(4)))
    text = said(capsys, ["evaluate", "--interactions", str(path), "--protocol", "cold-items", "--models", "popularity"], 2)
    assert "needs at least 5 items with both text" in text and "(--items FILE)" in text
    plain(text)


def test_a_negative_fine_tune_seed_is_an_error_naming_the_option_not_a_traceback(home, capsys):
    text = said(capsys, ["finetune", "--sample", "movielens-100k", "--seed", "-1"], 2)
    assert "--seed" in text and "greater than or equal to 0" in text
    assert "Traceback" not in text
