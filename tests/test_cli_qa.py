"""The mlplab command tried as a new user would: each test pins a mistake found that way."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_cli import assert_one_line_error, only_run, run

from mlplab import cli, tabular

ROOT = Path(__file__).resolve().parents[1]


def easy_table(n: int, seed: int = 0) -> pd.DataFrame:
    """Two numbers and a category that set a string label; an ID column."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    score = x1 - x2 + np.where(colour == "red", 1.0, 0.0) + 0.3 * rng.normal(size=n)
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "x1": x1.round(3),
            "x2": x2.round(3),
            "colour": colour,
            "label": np.where(score > 0.3, "yes", "no"),
        }
    )


@pytest.fixture
def easy_csv(tmp_path) -> Path:
    path = tmp_path / "easy.csv"
    easy_table(120).to_csv(path, index=False)
    return path


def train(capsys, data: Path, out: Path, *flags: object) -> str:
    """``mlplab train --data DATA --target label --out OUT --figures none FLAGS``, which
    must succeed; its standard output."""
    status, stdout, err = run(
        capsys, "train", "--data", data, "--target", "label", "--out", out,
        "--figures", "none", *flags,
    )  # fmt: skip
    assert status == 0, err
    return stdout


def no_reading(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("data was read before the flags were checked")

    monkeypatch.setattr(tabular, "read_table", refuse)
    monkeypatch.setattr(tabular.TableReader, "chunks", refuse)


def test_python_dash_m_mlplab_runs_the_command(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "mlplab", "train", "--activation", "rellu"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("mlplab: error: --activation: unknown activation 'rellu'")


# -- stopping ---------------------------------------------------------------------------------
def test_a_classifier_stops_on_the_validation_log_loss(capsys, tmp_path):
    """Accuracy on a few hundred rows peaks by luck (often at 100%) and ends the run early."""
    path = tmp_path / "big.csv"
    easy_table(800).to_csv(path, index=False)
    out = train(capsys, path, tmp_path / "runs", "--patience", "3", "--learning-rate", "0.05")
    found = re.search(
        r"early stopping: validation log-loss did not improve for 3 epochs; kept epoch (\d+), "
        r"log-loss ([\d.]+), accuracy ([\d.]+)",
        out,
    )
    assert found, out
    epochs = int(re.search(r"epochs\s+(\d+) of at most", out).group(1))
    assert epochs == int(found.group(1)) + 3
    report = (only_run(tmp_path / "runs") / "report.md").read_text()
    assert "yes, on the validation log-loss, patience 3 epochs" in report


def test_too_few_validation_rows_to_stop_on(capsys, tmp_path, easy_csv):
    """A validation score on under 100 rows is noise: every epoch runs, and the run says so."""
    out = train(capsys, easy_csv, tmp_path / "runs", "--epochs", "7")
    assert "19 validation rows are too few to stop on" in out and "7 of at most 7" in out
    # the small-table note names only the defaults that apply: no patience without stopping
    assert "small-table defaults learning rate 0.0003, dropout 0.2\n" in out
    out = train(
        capsys, easy_csv, tmp_path / "runs", "--epochs", "2", "--validation-fraction", "0.001"
    )
    assert "0 validation rows are too few to stop on" in out


# -- reading ----------------------------------------------------------------------------------
def test_a_row_with_too_many_fields_is_refused(capsys, tmp_path):
    """An unquoted separator inside a value shifts the fields after it: not silently cut."""
    rows = ["a,b,label", *(f"{i},{i % 7},{'xy'[i % 2]}" for i in range(30))]
    rows[6] = "5,Smith, John,x"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(rows) + "\n")
    code, _, err = run(capsys, "train", "--data", path, "--target", "label")
    line = assert_one_line_error(code, err)
    assert "ragged.csv" in line and "Expected 3 fields in line 7, saw 4" in line


def test_decimal_commas_are_sniffed_or_named(capsys, tmp_path):
    """Excel's European CSV (";" and "1,5") is read as numbers without a flag, with a
    note; the predict of that model reads the same mark. Told "--decimal .", the
    columns are left out with the hint to give "--decimal ,"."""
    path = tmp_path / "semi.csv"
    table = easy_table(60)
    table.to_csv(path, index=False, sep=";", decimal=",")
    out = train(capsys, path, tmp_path / "first", "--epochs", "2")
    assert "note: the numbers are written with a decimal comma (1,5) and read so" in out
    assert re.search(r"x1\s+numbers\s+numeric", out)
    status, predicted, err = run(
        capsys, "predict", "--model", only_run(tmp_path / "first"), "--data", path
    )
    assert status == 0 and "warning" not in err, err
    assert len(predicted.splitlines()) == 61
    out = train(capsys, path, tmp_path / "point", "--decimal", ".", "--epochs", "2")
    assert "'x1', 'x2' (numbers with a decimal comma: read with --decimal ,)" in out
    out = train(capsys, path, tmp_path / "runs", "--decimal", ",", "--epochs", "2")
    assert re.search(r"x1\s+numbers\s+numeric", out) and "note: the numbers are" not in out


def test_the_decimal_mark_is_sniffed_only_where_it_is_plain():
    lines = ["1,5;2;a", "-0,25;3;b"]
    assert tabular.sniff_decimal(lines, ";") == ","
    assert tabular.sniff_decimal([*lines, "2.5;1;c"], ";") == "."  # a decimal point too
    assert tabular.sniff_decimal(["1,234;2", "5,678;3"], ";") == "."  # thousands, perhaps
    assert tabular.sniff_decimal(["1,5\t2"], "\t") == ","
    assert tabular.sniff_decimal(['"1,5",2'], ",") == "."  # a comma-separated file: never


def test_a_header_only_table_predicts_nothing(capsys, tmp_path, easy_csv):
    train(capsys, easy_csv, tmp_path / "runs", "--epochs", "2")
    folder = only_run(tmp_path / "runs")
    empty = tmp_path / "empty.csv"
    empty.write_text("x2,x1,colour,id\n")
    status, out, err = run(capsys, "predict", "--model", folder, "--data", empty, "--proba")
    assert status == 0, err
    assert out == "id,predicted_label,proba_no,proba_yes\n"
    status, out, err = run(
        capsys, "predict", "--model", folder, "--data", empty, "--output", tmp_path / "p.tsv"
    )
    assert status == 0, err
    assert (tmp_path / "p.tsv").read_text() == "id\tpredicted_label\n"


# -- flags --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--id", "label"], "--id label: that is the target column"),
        (["--numeric", "x1", "--drop", "x2,x1"], "'x1' is given two roles: --numeric and --drop"),
        (["--schedule", "invscaling"], "--schedule invscaling applies to --optimizer sgd only"),
        (["--optimizer", "rmsprop", "--schedule", "adaptive"], "--optimizer sgd only"),
    ],
)
def test_more_flags_are_checked_before_reading(capsys, monkeypatch, easy_csv, flags, needle):
    no_reading(monkeypatch)
    code, out, err = run(capsys, "train", "--data", easy_csv, "--target", "label", *flags)
    assert needle in assert_one_line_error(code, err)
    assert "Reading" not in out


def test_forced_roles_that_cannot_hold(capsys, tmp_path):
    table = easy_table(60)
    table["empty"] = np.nan
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    common = ["train", "--data", path, "--target", "label", "--out", tmp_path / "runs"]
    code, _, err = run(capsys, *common, "--numeric", "colour")
    line = assert_one_line_error(code, err)
    assert "--numeric colour: no value is a number (e.g. 'blue'" in line
    code, _, err = run(capsys, *common, "--categorical", "empty")
    assert "--categorical empty: the column is empty" in assert_one_line_error(code, err)
    assert not (tmp_path / "runs").exists()
    # a forced category is counted like a guessed one
    status, out, err = run(
        capsys, *common, "--categorical", "x1", "--epochs", "2", "--figures", "none"
    )
    assert status == 0, err
    n = table["x1"].nunique()
    assert re.search(rf"x1\s+numbers\s+categorical\s+one-hot \({n} categories\)", out)


def test_every_flag_is_described():
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for name in ("train", "predict", "activations", "experiment"):
        for action in subparsers[name]._actions:
            assert action.help, f"mlplab {name} {action.option_strings} has no help"


def test_activations_plot_is_checked_before_the_table(capsys, tmp_path):
    code, out, err = run(capsys, "activations", "relu", "--plot", tmp_path / "no" / "a.png")
    assert "does not exist" in assert_one_line_error(code, err) and out == ""
    code, out, err = run(capsys, "activations", "softmax", "--plot", tmp_path / "a.png")
    assert "is elementwise: nothing to plot" in assert_one_line_error(code, err)
    assert out == "" and not (tmp_path / "a.png").exists()
    code, out, err = run(
        capsys, "activations", "relu", "--x-min", "5", "--x-max", "-5", "--plot", tmp_path / "a.png"
    )
    assert "--x-min 5 must be below --x-max -5" in assert_one_line_error(code, err)
    assert out == ""


# -- every path finishes ----------------------------------------------------------------------
def test_sigterm_while_writing_leaves_no_folder(capsys, tmp_path, monkeypatch, easy_csv):
    """kill (SIGTERM) ends Python on the spot unless handled: the hidden folder would stay."""

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(cli, "_write_report", killed)
    before = signal.getsignal(signal.SIGTERM)
    code, _, err = run(
        capsys, "train", "--data", easy_csv, "--target", "label", "--epochs", "2",
        "--out", tmp_path / "runs",
    )  # fmt: skip
    assert assert_one_line_error(code, err, 143) == "mlplab: error: terminated"
    assert list((tmp_path / "runs").iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_epoch_limit_note_says_whether_the_loss_still_fell():
    falling = [1.0 / (k + 1) for k in range(30)]
    flat = [1.0 / (k + 1) for k in range(15)] + [1 / 15] * 15
    assert cli._still_improving(falling) and not cli._still_improving(flat)
    assert cli._still_improving([1.0, 0.9])  # too short to tell: the warning's own words


# -- the README's walk-through ----------------------------------------------------------------
def test_the_readme_walk_through_runs_as_written(capsys, tmp_path, monkeypatch):
    """The diabetes block makes the table; each `$ mlplab ...` line prints what is shown."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### One real table, end to end") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    shown = re.findall(r"```text\n(.*?)```", section, re.S)
    session = next(block for block in shown if "$ mlplab train" in block)
    commands = re.split(r"^\$ ", session, flags=re.M)[1:]
    (wrong, wrong_out), (train, train_out) = [c.split("\n", 1) for c in commands[:2]]
    _, _, err = run(capsys, *wrong.split()[1:])
    assert err.strip() == wrong_out.strip()
    status, out, err = run(capsys, *train.split()[1:])
    assert status == 0, err
    for key in ("stopped", "epochs"):
        line = re.search(rf"^  {key} .*$", train_out, re.M).group(0)
        assert line in out.splitlines(), (line, out)
    for key in ("test R²", "test MAE"):
        shown_value = float(re.search(rf"{key}\s+([\d.]+)", train_out).group(1))
        value = float(re.search(rf"{key}\s+([\d.]+)", out).group(1))
        assert value == pytest.approx(shown_value, rel=0.03), key
    notes = [line for line in train_out.splitlines() if line.startswith("note:")]
    assert notes == [line for line in out.splitlines() if line.startswith("note:")]
    (folder,) = (tmp_path / "runs").iterdir()
    predict_block = next(block for block in shown if "$ mlplab predict" in block)
    predict = predict_block.split("\n", 1)[0].removeprefix("$ ")
    predict = predict.replace("runs/20250101-120000", str(folder))
    status, out, err = run(capsys, *predict.split()[1:])
    assert status == 0, err
    assert out.strip() == predict_block.split("\n")[1].strip()
    header, first = predict_block.split("$ head -3 predictions.csv\n")[1].splitlines()[:2]
    lines = (tmp_path / "predictions.csv").read_text().splitlines()
    assert lines[0] == header and lines[1].split(",")[0] == first.split(",")[0]
    assert float(lines[1].split(",")[1]) == pytest.approx(float(first.split(",")[1]), rel=0.03)


def test_predict_names_numbers_it_could_not_read(capsys, tmp_path, easy_csv):
    """A file written with a decimal comma would otherwise be predicted from the medians."""
    train(capsys, easy_csv, tmp_path / "runs", "--epochs", "2")
    folder = only_run(tmp_path / "runs")
    new = easy_table(30, seed=1)
    new.to_csv(tmp_path / "semi.csv", index=False, sep=";", decimal=",")
    status, out, err = run(capsys, "predict", "--model", folder, "--data", tmp_path / "semi.csv")
    assert status == 0, err
    assert len(out.splitlines()) == 31
    line = err.strip()
    assert line.startswith("note: values of numeric columns that are not numbers")
    assert "'x1' 30 (e.g." in line and line.endswith("a decimal comma? give --decimal ,")
    status, _, err = run(
        capsys, "predict", "--model", folder, "--data", tmp_path / "semi.csv", "--decimal", ","
    )
    assert status == 0 and err == ""
    new["x1"] = new["x1"].astype(object)
    new.loc[[2, 5], "x1"] = "?"
    new.to_csv(tmp_path / "q.csv", index=False)
    status, _, err = run(capsys, "predict", "--model", folder, "--data", tmp_path / "q.csv")
    assert status == 0
    assert err.strip().endswith("blanks: 'x1' 2 (e.g. '?')")


def test_parquet_nullable_and_date_columns_are_described_plainly(capsys, tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet needs the optional pyarrow")
    table = easy_table(60)
    table["grade"] = pd.array([1, 2, None] * 20, dtype="Int64")
    table["ok"] = pd.array([True, False, None] * 20, dtype="boolean")
    table["when"] = pd.date_range("2024-01-01", periods=60, freq="D")
    table.to_parquet(tmp_path / "t.parquet")
    out = train(capsys, tmp_path / "t.parquet", tmp_path / "runs", "--epochs", "2")
    assert re.search(r"grade\s+numbers\s+categorical\s+20 missing", out), out
    assert re.search(r"ok\s+true/false\s+categorical\s+20 missing", out), out
    # as numbers, distinct increasing dates would pass for a row number
    assert re.search(r"when\s+dates or times\s+dropped\s+dates and times are not used", out)


def test_csv_date_columns_are_dropped_as_dates_not_ids(capsys, tmp_path):
    """In a CSV, dates are text: a date per row was reported as an ID and repeated
    dates became one-hot categories that no later date belongs to."""
    table = easy_table(90)
    table["signup"] = pd.date_range("2024-01-01", periods=90, freq="D").strftime("%Y-%m-%d")
    table["week"] = [f"2024-W{i // 7:02d}" for i in range(90)]  # not a date shape: text
    table["month"] = [f"{1 + i % 12:02d}/01/2024" for i in range(90)]  # 12 repeated dates
    table.to_csv(tmp_path / "t.csv", index=False)
    out = train(capsys, tmp_path / "t.csv", tmp_path / "runs", "--epochs", "2")
    for name in ("signup", "month"):
        pattern = rf"{name}\s+dates or times \(text\)\s+dropped\s+dates and times are not used"
        assert re.search(pattern, out), out
    assert re.search(r"week\s+text\s+categorical", out), out
    status, predicted, err = run(
        capsys, "predict", "--model", only_run(tmp_path / "runs"), "--data", tmp_path / "t.csv"
    )
    assert status == 0 and err == "" and len(predicted.splitlines()) == 91


def test_a_wide_table_prints_a_folded_column_table(capsys, tmp_path):
    """500 numeric columns printed 500 lines; runs of alike columns fold, the report keeps all."""
    table = easy_table(60)
    rng = np.random.default_rng(0)
    for j in range(45):
        table[f"f{j}"] = rng.normal(size=60).round(3)
    table.to_csv(tmp_path / "wide.csv", index=False)
    out = train(capsys, tmp_path / "wide.csv", tmp_path / "runs", "--epochs", "1")
    lines = out.split("what is done\n", 1)[1].splitlines()
    table_lines = lines[: next(i for i, line in enumerate(lines) if not line.startswith("  "))]
    assert len(table_lines) < 12, out
    # f0..f44 are alike in a row: the first of them, then the count; two alike (x1,
    # x2) both show
    assert re.search(r"^  x2 +numbers +numeric +standardized$", out, re.M), out
    assert re.search(r"^  f0 +numbers +numeric +standardized$", out, re.M), out
    assert re.search(r"^  \.\.\. 44 more +the same, to 'f44'$", out, re.M), out
    report = (only_run(tmp_path / "runs") / "report.md").read_text()
    assert all(f"| f{j} | numbers | numeric |" in report for j in range(45))


def test_formatted_numbers_train_and_predict_as_numbers(capsys, tmp_path):
    """A spreadsheet export: "1,234.50" was an ID, "$3,203" and "12.5%" free text, and
    a "$" target could not be regressed."""
    rng = np.random.default_rng(0)
    area = rng.uniform(40, 400, 300)
    table = pd.DataFrame(
        {
            "area": [f"{x:,.1f}" for x in area * 10],
            "tax": [f"{x:.1f}%" for x in rng.uniform(1, 5, 300)],
            "price": [f"${x:,.0f}" for x in 2_000 * area + rng.normal(0, 5_000, 300)],
        }
    )
    table.to_csv(tmp_path / "homes.csv", index=False)
    status, out, err = run(
        capsys, "train", "--data", tmp_path / "homes.csv", "--target", "price",
        "--out", tmp_path / "runs", "--figures", "none",
    )  # fmt: skip
    assert status == 0, err
    assert re.search(r"area\s+formatted numbers: 1,234\s+numeric", out), out
    assert re.search(r"tax\s+formatted numbers: %\s+numeric", out), out
    report = (only_run(tmp_path / "runs") / "report.md").read_text()
    assert "| price | formatted numbers: 1,234 $; regression | target |" in report
    r2 = float(re.search(r"test R²\s+(-?[\d.]+)", out).group(1))
    assert r2 > 0.9, out  # the price is 2 000 × the area, plus noise
    status, predicted, err = run(
        capsys, "predict", "--model", only_run(tmp_path / "runs"), "--data", tmp_path / "homes.csv"
    )
    assert status == 0 and err == ""
    prices = pd.read_csv(io.StringIO(predicted))["predicted_price"]  # in dollars
    truth = table["price"].str.replace(r"[$,]", "", regex=True).astype(float)
    assert float(np.corrcoef(prices, truth)[0, 1]) > 0.95


@pytest.mark.parametrize(
    ("value", "needle"), [("1", "expected at least 2"), ("many", "expected a whole number")]
)
def test_a_bad_max_categories_is_a_flag_error(capsys, monkeypatch, easy_csv, value, needle):
    no_reading(monkeypatch)
    argv = ["--data", easy_csv, "--target", "label", "--max-categories", value]
    code, _, err = run(capsys, "train", *argv)
    assert f"--max-categories: {needle}" in assert_one_line_error(code, err, expected_status=2)


def test_rare_categories_share_one_column_in_train_and_predict(capsys, tmp_path):
    """A column with more categories than --max-categories gets that many one-hot
    columns: the most frequent and one for all the others, new ones at predict too."""
    table = easy_table(200)
    table["shop"] = [f"shop{i % 40:02d}" if i % 4 else "shop00" for i in range(200)]  # 31 shops
    table.to_csv(tmp_path / "t.csv", index=False)
    out = train(capsys, tmp_path / "t.csv", tmp_path / "runs", "--epochs", "2",
                "--max-categories", "5")  # fmt: skip
    line = "one-hot (31 categories: the 4 most frequent, the others as one column '(other)')"
    assert re.search(r"shop\s+text\s+categorical\s+" + re.escape(line), out), out
    folder = only_run(tmp_path / "runs")
    assert line in (folder / "report.md").read_text()
    model = tabular.TabularModel.load(folder / "model")
    assert len(model.preprocessor.state["categories"][1]) == 5  # colour has 3
    new = table.head(4).assign(shop=["shop00", "shop39", "a new shop", None])
    new.to_csv(tmp_path / "new.csv", index=False)
    status, predicted, err = run(
        capsys, "predict", "--model", folder, "--data", tmp_path / "new.csv", "--proba"
    )
    assert status == 0 and err == "" and len(predicted.splitlines()) == 5
    # the default keeps all 31; it is the library's own
    assert cli.DEFAULTS["max_categories"] == tabular.MAX_ONE_HOT
    out = train(capsys, tmp_path / "t.csv", tmp_path / "all", "--epochs", "2")
    assert re.search(r"shop\s+text\s+categorical\s+one-hot \(31 categories\)$", out, re.M)


@pytest.mark.parametrize("command", ["train", "predict"])
def test_an_unknown_encoding_is_a_flag_error(capsys, monkeypatch, easy_csv, command):
    no_reading(monkeypatch)
    argv = ["--data", easy_csv, "--encoding", "utf-9"]
    argv += ["--target", "label"] if command == "train" else ["--model", "m"]
    code, _, err = run(capsys, command, *argv)
    line = assert_one_line_error(code, err, 2)
    assert "argument --encoding: unknown text encoding 'utf-9'" in line


def test_utf16_with_its_flag(capsys, tmp_path):
    path = tmp_path / "u16.csv"
    easy_table(60).to_csv(path, index=False, encoding="utf-16")
    out = train(capsys, path, tmp_path / "runs", "--encoding", "utf-16", "--epochs", "2")
    assert re.search(r"^  id\s+text\s+id", out, re.M), out


def test_predict_refuses_to_overwrite_its_input(capsys, tmp_path, easy_csv, monkeypatch):
    train(capsys, easy_csv, tmp_path / "runs", "--epochs", "2")
    before = easy_csv.read_bytes()
    monkeypatch.chdir(easy_csv.parent)
    code, _, err = run(
        capsys, "predict", "--model", only_run(tmp_path / "runs"), "--data", easy_csv,
        "--output", "./easy.csv",
    )  # fmt: skip
    assert "is the --data file" in assert_one_line_error(code, err)
    assert easy_csv.read_bytes() == before


def test_a_target_with_fractions_is_a_regression():
    """scikit-learn's rule: non-integral numbers are continuous, however few the values."""
    half_steps = np.tile([2.5, 3.0, 3.5, 4.0, 4.5], 20)
    assert tabular.infer_task(half_steps) == "regression"
    assert tabular.infer_task(half_steps.astype(str).astype(object)) == "regression"
    assert tabular.infer_task(np.tile([1.0, 2.0, 3.0], 20)) == "classification"
    assert tabular.infer_task(np.arange(21)) == "regression"
    assert tabular.infer_task(np.array([True, False] * 10)) == "classification"


def test_predict_writes_ids_as_they_were_written(capsys, tmp_path):
    """Leading zeros are part of an ID: 00042 must join back to its record, not 42."""
    rows = ["code,x1,label", *(f"{i:05d},{(i * 37) % 11 - 5},{'ab'[i % 2]}" for i in range(60))]
    path = tmp_path / "z.csv"
    path.write_text("\n".join(rows) + "\n")
    train(capsys, path, tmp_path / "runs", "--id", "code", "--epochs", "2")
    status, out, err = run(
        capsys, "predict", "--model", only_run(tmp_path / "runs"), "--data", path
    )
    assert status == 0, err
    ids = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert ids == [f"{i:05d}" for i in range(60)]


def test_class_labels_come_back_as_they_were_written(capsys, tmp_path):
    """A label ``001`` is a code: predictions say ``001``, not 1 (and "yes" stays "yes")."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=90).round(3)
    labels = np.where(x > 0.3, "010", np.where(x < -0.3, "001", "002"))
    path = tmp_path / "codes.csv"
    pd.DataFrame({"x": x, "label": labels}).to_csv(path, index=False)
    train(capsys, path, tmp_path / "runs", "--epochs", "3")
    status, out, err = run(
        capsys, "predict", "--model", only_run(tmp_path / "runs"), "--data", path, "--proba"
    )
    assert status == 0, err
    header, *rows = out.splitlines()
    assert header.split(",")[-3:] == ["proba_001", "proba_002", "proba_010"]
    assert {row.split(",")[0] for row in rows} <= {"001", "002", "010"}


@pytest.mark.parametrize(
    ("written", "decimal", "expected"),
    [
        (["1", "2", "10", None], ".", [1.0, 2.0, 10.0, np.nan]),  # numbers: parsed
        (["2,5", "3,25", "-1"], ",", [2.5, 3.25, -1.0]),  # with --decimal ,
        ([" 1.5", "0.25 ", "0"], ".", [1.5, 0.25, 0.0]),  # "0" and "0.25": no leading zero
        (["001", "2", "3"], ".", ["001", "2", "3"]),  # a code: kept as written
        (["-01", "5", "7"], ".", ["-01", "5", "7"]),
        (["1", "2", "x"], ".", ["1", "2", "x"]),  # text: kept
    ],
)
def test_the_target_is_read_as_written_first(written, decimal, expected):
    got = tabular._exact_numbers(pd.Series(written, dtype=object), decimal)
    if isinstance(expected[0], float):
        assert got.dtype.kind in "if"
        np.testing.assert_array_equal(got.to_numpy(dtype=float), expected)
    else:
        assert got.tolist() == written


def test_a_decimal_comma_target_is_a_regression(capsys, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=150)
    y = 3.0 * x + 10.0 + 0.1 * rng.normal(size=150)
    rows = ["x;label", *(f"{a:.4f};{b:.4f}".replace(".", ",") for a, b in zip(x, y, strict=True))]
    path = tmp_path / "comma.csv"
    path.write_text("\n".join(rows) + "\n")
    out = train(capsys, path, tmp_path / "runs", "--decimal", ",", "--epochs", "5")
    assert "regression" in out


def test_role_flags_repeat_and_take_names_with_commas(capsys, tmp_path):
    """``--drop "Smith, John"`` names one column; repeated flags add up, none is lost."""
    table = easy_table(120)
    table["Smith, John"] = np.arange(120) % 5
    table["noise"] = np.arange(120) % 3
    path = tmp_path / "commas.csv"
    table.to_csv(path, index=False)
    out = train(
        capsys, path, tmp_path / "runs", "--epochs", "2",
        "--drop", "Smith, John", "--drop", "noise", "--categorical", "colour,x2",
    )  # fmt: skip
    report = (only_run(tmp_path / "runs") / "report.md").read_text()
    for name in ("Smith, John", "noise"):
        assert re.search(rf"\| {re.escape(name)} \|[^\n]*dropped", report), report
    assert re.search(r"\| x2 \|[^\n]*categorical", report), report
    assert "Smith" in out


def test_a_wrong_separator_is_named(capsys, easy_csv):
    code, _, err = run(capsys, "train", "--data", easy_csv, "--target", "label", "--sep", ";")
    line = assert_one_line_error(code, err)
    assert "it was read as one column ('id,x1,x2,colour,label'...); is its separator ','?" in line
    path = easy_csv.parent / "new.csv"
    easy_table(10).to_csv(path, index=False, sep=";")
    train(capsys, easy_csv, easy_csv.parent / "runs", "--epochs", "1")
    folder = only_run(easy_csv.parent / "runs")
    code, _, err = run(capsys, "predict", "--model", folder, "--data", path, "--sep", ",")
    line = assert_one_line_error(code, err)
    assert line.endswith("(it was read as one column: is its separator ';'? --sep)")


def test_an_empty_header_is_a_data_column_unless_it_holds_a_saved_index(capsys, tmp_path):
    """A blank header cell over measurements is a feature; pandas' saved index (written
    under an empty header, shuffled or not) is an ID."""
    table = easy_table(120)
    shuffled = table.sample(frac=1.0, random_state=0)  # its index: distinct, not increasing
    path = tmp_path / "saved_index.csv"
    shuffled.to_csv(path)  # index=True: the first header cell is empty
    roles = {r.name: r for r in tabular.guess_roles(pd.read_csv(path), "label")}
    assert roles["Unnamed: 0"].role == "id", roles["Unnamed: 0"]
    assert "row index" in roles["Unnamed: 0"].why
    blank = tmp_path / "blank.csv"
    lines = ["x1,,label"] + [
        f"{a},{b},{c}" for a, b, c in zip(table.x1, table.x2, table.label, strict=True)
    ]
    blank.write_text("\n".join(lines) + "\n")
    train(capsys, blank, tmp_path / "runs", "--epochs", "1")
    report = (only_run(tmp_path / "runs") / "report.md").read_text()
    assert re.search(r"\| Unnamed: 1 \|[^\n]*numeric", report), report


def test_test_rows_whose_classes_were_never_trained_on_still_finish_the_run(capsys, tmp_path):
    """A label per row (each class once): no test row's class was seen in training, so
    there is no log-loss to take; the run still writes its report, saying so."""
    table = easy_table(30)
    table["label"] = [f"k{i}" for i in range(30)]
    path = tmp_path / "rare.csv"
    table.to_csv(path, index=False)
    out = train(capsys, path, tmp_path / "runs", "--epochs", "2", "--task", "classification")
    assert "n/a: no test row has a class seen in training" in out
    folder = only_run(tmp_path / "runs")
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["test log-loss"] is None and metrics["test accuracy"] == 0.0


@pytest.mark.parametrize("figures", ["png", "none"])
def test_the_training_callbacks_keep_the_fast_path(figures):
    """The run's callbacks read no layer values, so the fit works in place (the compiled
    activations); the unit-health statistics come from a fixed set of training rows."""
    from mlplab.diagnostics import Diagnostics

    args = cli.build_parser().parse_args(["train", "--figures", figures])
    record = cli._TrainingRecord()
    monitor = np.zeros((8, 3), dtype=np.float32)
    settings = cli._check_train_args(args)
    cli._apply_size_defaults(args, 5000, False, True)
    est = cli._estimator(args, settings, "classification", 32, 2, True, record, monitor)
    assert est.callbacks and not any(cb.reads_layer_values for cb in est.callbacks)
    assert est.diagnostics is False
    if figures == "none":
        assert record.diagnostics is None
    else:
        assert isinstance(record.diagnostics, Diagnostics)
        assert record.diagnostics.monitor_X is monitor  # the callback keeps what it is given
