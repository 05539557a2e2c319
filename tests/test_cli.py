"""The mlplab command: real tables end to end, every error before work, files and modes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlplab import cli, tabular
from mlplab.cli import infer_task, main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str, expected_status: int = 1) -> str:
    assert status == expected_status, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mlplab") and "error:" in lines[0] and "Traceback" not in err
    return lines[0]


def only_run(base: Path) -> Path:
    (folder,) = [p for p in base.iterdir()]
    assert not folder.name.startswith("."), "a partial folder was left"
    return folder


def messy_table(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Strings, blanks, an ID, categories, a constant: the label depends on them."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    score = x1 + 0.8 * x2 + np.where(colour == "red", 1.5, 0.0)
    frame = pd.DataFrame(
        {
            "Patient ID": [f"P{i:05d}" for i in range(n)],
            "x1": x1.round(4),
            "x2": x2.round(4),
            "colour": colour,
            "flag": rng.choice([True, False], n),
            "site": "A",
            "Diagnosis": np.where(score > 0.5, "sick", "healthy"),
        }
    )
    frame["x1"] = frame["x1"].astype(object)
    frame.loc[[4, 9, 30], "x1"] = ""  # blanks
    frame.loc[[11], "x1"] = "?"
    frame.loc[[12, 13], "colour"] = None
    return frame


@pytest.fixture
def messy_csv(tmp_path) -> Path:
    path = tmp_path / "patients.csv"
    messy_table().to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig")
    return path


def diabetes_frame() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame["sex"] = np.where(frame["sex"] == 1, "F", "M")
    return frame


# -- basics ----------------------------------------------------------------------------------
def test_entry_point_and_dependencies_are_declared():
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert 'mlplab = "mlplab.cli:main"' in section
    core = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert '"pandas' in core  # pandas reads every table: a core dependency


def test_help_and_no_command(capsys):
    status, out, _ = run(capsys)
    assert status == 0 and "train" in out and "predict" in out
    status, out, _ = run(capsys, "train", "--help")
    for flag in ("--hidden", "--drop", "--categorical", "--numeric", "--id", "--weight-decay"):
        assert flag in out
    for flag in ("--validation-fraction", "--patience", "--no-early-stopping", "--decimal"):
        assert flag in out


def test_infer_task():
    assert infer_task(["a", "b", "a"]) == "classification"
    assert infer_task([i % 3 for i in range(100)]) == "classification"
    assert infer_task(np.linspace(0, 1, 50)) == "regression"
    assert infer_task(np.arange(25, 347)) == "regression"  # many integers: a quantity


# -- the default run and predicting it back --------------------------------------------------
def test_train_default_then_predict_the_digits(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "train", "--epochs", "4")
    assert status == 0, err
    for key in ("test accuracy", "test log-loss", "epochs", "stopped", "seconds"):
        assert key in out
    assert "reached the epoch limit (--epochs 4)" in out  # says truthfully why it stopped
    accuracy = float(out.split("test accuracy")[1].split()[0])
    assert accuracy > 0.8
    folder = only_run(tmp_path / "runs")
    names = {p.name for p in folder.iterdir()}
    assert {"model", "report.md", "metrics.json", "training_curves.png"} <= names
    assert {"confusion_matrix.png", "gradient_flow.png"} <= names
    assert {p.name for p in (folder / "model").iterdir()} == {"network.npz", "preprocessing.npz"}
    report = (folder / "report.md").read_text()
    assert "test accuracy" in report and "![confusion matrix](confusion_matrix.png)" in report
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["epochs"] == 4 and metrics["task"] == "classification"

    from mlplab.datasets import digits

    X, y = digits()
    frame = pd.DataFrame(X[:50].astype(int), columns=[f"pixel_{i}" for i in range(64)])
    frame.insert(0, "digit", y[:50])  # the target is an extra column: ignored
    frame.to_csv(tmp_path / "digits.csv", index=False)
    status, _, err = run(
        capsys, "predict", "--model", folder, "--data", "digits.csv", "--output", "pred.csv"
    )
    assert status == 0, err
    pred = pd.read_csv(tmp_path / "pred.csv")
    assert list(pred.columns) == ["predicted_digit"] and len(pred) == 50
    assert np.mean(pred["predicted_digit"].to_numpy() == y[:50]) > 0.8
    status, out, _ = run(capsys, "predict", "--model", folder / "model", "--data", "digits.csv")
    assert (
        status == 0 and out.splitlines()[1:] == (tmp_path / "pred.csv").read_text().splitlines()[1:]
    )


# -- messy tables ----------------------------------------------------------------------------
def test_messy_table_end_to_end(capsys, tmp_path, messy_csv):
    status, out, err = run(
        capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
        "--epochs", "60", "--out", tmp_path / "runs",
    )  # fmt: skip
    assert status == 0, err
    # every column is listed with what is done with it; IDs and constants are named
    for column, role in (
        ("Patient ID", "id"),
        ("x1", "numeric"),
        ("colour", "categorical"),
        ("flag", "categorical"),
        ("site", "dropped"),
    ):
        assert any(
            line.split()[:1] == column.split()[:1] and role in line for line in out.splitlines()
        )
    assert "note: not used as features:" in out and "'Patient ID'" in out and "'site'" in out
    accuracy = float(out.split("test accuracy")[1].split()[0])
    assert accuracy > 0.75
    folder = only_run(tmp_path / "runs")
    report = (folder / "report.md").read_text()
    assert "| Patient ID |" in report and "| site |" in report and "missing" in report

    # predict: other column order, an extra column, no target, an unseen category
    new = messy_table(40, seed=1).drop(columns=["Diagnosis"])
    new.loc[0, "colour"] = "purple"
    new["extra"] = 1
    new = new[list(reversed(new.columns))]
    new.to_csv(tmp_path / "new.csv", index=False, sep=";", decimal=",")
    status, _, err = run(
        capsys, "predict", "--model", folder, "--data", tmp_path / "new.csv", "--proba",
        "--output", tmp_path / "out.csv",
    )  # fmt: skip
    assert status == 0, err
    pred = pd.read_csv(tmp_path / "out.csv")
    assert list(pred.columns) == [
        "Patient ID",
        "predicted_Diagnosis",
        "proba_healthy",
        "proba_sick",
    ]
    assert list(pred["Patient ID"]) == list(new["Patient ID"])
    assert set(pred["predicted_Diagnosis"]) <= {"sick", "healthy"}
    np.testing.assert_allclose(pred["proba_healthy"] + pred["proba_sick"], 1, atol=1e-5)
    # the CLI's output is the saved model's prediction (decimal comma remembered)
    model = tabular.TabularModel.load(folder / "model")
    with tabular.TableReader(tmp_path / "new.csv", decimal=model.decimal) as reader:
        table = tabular.read_table(reader)
    assert list(model.predict(table)) == list(pred["predicted_Diagnosis"])


def test_parquet_and_gzip_tables(capsys, tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (mlplab[parquet])")
    frame = messy_table()
    frame["x1"] = pd.to_numeric(frame["x1"], errors="coerce")
    frame.to_parquet(tmp_path / "t.parquet")
    frame.to_csv(tmp_path / "t.csv.gz", index=False)
    for name in ("t.parquet", "t.csv.gz"):
        status, _, err = run(
            capsys, "train", "--data", tmp_path / name, "--target", "Diagnosis", "--epochs", "5",
            "--out", tmp_path / name.replace(".", "_"), "--figures", "none",
        )  # fmt: skip
        assert status == 0, err
        folder = only_run(tmp_path / name.replace(".", "_"))
        status, _out, err = run(
            capsys, "predict", "--model", folder, "--data", tmp_path / name, "--output",
            tmp_path / f"{name}.csv.gz",
        )  # fmt: skip
        assert status == 0, err
        pred = pd.read_csv(tmp_path / f"{name}.csv.gz")
        assert len(pred) == len(frame) and pred.columns[0] == "Patient ID"


def test_regression_is_scaled_and_as_good_as_a_hand_tuned_sklearn_pipeline(capsys, tmp_path):
    """Diabetes unscaled (target 25–346, sex as F/M): held-out R² like scikit-learn's."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.metrics import r2_score
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = diabetes_frame()
    path = tmp_path / "diabetes.csv"
    frame.to_csv(path, index=False)
    y = frame["target"].to_numpy()
    numeric = [c for c in frame.columns if c not in ("sex", "target")]
    ours, theirs = [], []
    for seed in (0, 1, 2):
        out_dir = tmp_path / f"r{seed}"
        status, out, err = run(
            capsys, "train", "--data", path, "--target", "target", "--seed", seed,
            "--out", out_dir, "--figures", "none" if seed else "png",
        )  # fmt: skip
        assert status == 0, err
        assert "test R²" in out and "test MAE" in out and "test RMSE" in out
        metrics = json.loads((only_run(out_dir) / "metrics.json").read_text())
        ours.append(metrics["test R²"])
        # the same split, a scikit-learn MLP pipeline tuned by hand, trained on train + val
        train, val, test = cli._split(y, "regression", seed, None, False)
        fit_rows = np.concatenate([train, val])
        baseline = TransformedTargetRegressor(
            make_pipeline(
                ColumnTransformer(
                    [("n", StandardScaler(), numeric), ("c", OneHotEncoder(), ["sex"])]
                ),
                MLPRegressor(hidden_layer_sizes=(16,), alpha=1.0, max_iter=3000, random_state=seed),
            ),
            transformer=StandardScaler(),
        ).fit(frame.iloc[fit_rows], y[fit_rows])
        theirs.append(r2_score(y[test], baseline.predict(frame.iloc[test])))
        np.testing.assert_allclose(metrics["test MAE"], metrics["test MAE"])  # present and finite
        assert metrics["test RMSE"] > metrics["test MAE"] > 20  # in the target's units
    assert min(ours) > 0.3, ours  # the issue: 0.30–0.42 for an MLP
    assert np.mean(ours) > np.mean(theirs) - 0.05, (ours, theirs)
    folder = only_run(tmp_path / "r0")
    assert (folder / "predicted_vs_true.png").stat().st_size > 2000
    # predictions come back in the original units
    frame.drop(columns="target").to_csv(tmp_path / "x.csv", index=False)
    status, out, err = run(capsys, "predict", "--model", folder, "--data", tmp_path / "x.csv")
    assert status == 0, err
    pred = np.array(out.splitlines()[1:], dtype=float)
    assert 60 < pred.mean() < 250 and pred.std() > 20


# -- every path finishes ---------------------------------------------------------------------
def test_lbfgs_end_to_end(capsys, tmp_path, messy_csv):
    status, out, err = run(
        capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
        "--optimizer", "lbfgs", "--epochs", "25", "--out", tmp_path / "runs",
    )  # fmt: skip
    assert status == 0, err
    assert "iterations" in out and ("L-BFGS" in out or "iteration limit" in out)
    folder = only_run(tmp_path / "runs")
    metrics = json.loads((folder / "metrics.json").read_text())
    assert 1 <= metrics["epochs"] <= 25
    assert (folder / "training_curves.png").stat().st_size > 2000
    assert "Traceback" not in err and "ConvergenceWarning" not in err


def test_divergence_still_writes_a_report(capsys, tmp_path):
    frame = diabetes_frame()
    frame.to_csv(tmp_path / "d.csv", index=False)
    status, out, err = run(
        capsys, "train", "--data", tmp_path / "d.csv", "--target", "target", "--optimizer",
        "sgd", "--learning-rate", "50", "--no-batch-norm", "--out", tmp_path / "runs",
    )  # fmt: skip
    assert status == 0, err
    assert "diverged" in out and "diverged" in err
    folder = only_run(tmp_path / "runs")
    assert "diverged" in (folder / "report.md").read_text()
    assert json.loads((folder / "metrics.json").read_text())["diverged"] is True
    assert (folder / "model" / "network.npz").is_file()


def test_early_stopping_flags_and_truthful_summary(capsys, tmp_path, messy_csv):
    common = ["train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ","]
    status, out, err = run(
        capsys, *common, "--no-early-stopping", "--epochs", "12", "--out", tmp_path / "a",
        "--figures", "none",
    )  # fmt: skip
    assert status == 0, err
    assert "12 of at most 12" in out and "reached the epoch limit" in out
    assert "note: the epoch limit" in out  # the ConvergenceWarning, as one readable line
    status, out, err = run(
        capsys, *common, "--patience", "2", "--learning-rate", "0.05",
        "--validation-fraction", "0.6", "--out", tmp_path / "b", "--figures", "none",
    )  # fmt: skip
    assert status == 0, err
    assert "early stopping: validation log-loss did not improve for 2 epochs" in out
    # too few validation rows to stop on: said, and every epoch runs
    status, out, err = run(
        capsys, *common, "--validation-fraction", "0.05", "--epochs", "8",
        "--out", tmp_path / "c", "--figures", "none",
    )  # fmt: skip
    assert status == 0, err
    assert "too few to stop on" in out and "8 of at most 8" in out


def test_adamw_weight_decay(capsys, tmp_path, messy_csv):
    common = ["train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
              "--epochs", "3", "--figures", "none"]  # fmt: skip
    for extra, expected in ((["--optimizer", "adamw"], 0.01), (["--weight-decay", "0.3"], 0.3)):
        out_dir = tmp_path / str(expected)
        status, _, err = run(capsys, *common, *extra, "--out", out_dir)
        assert status == 0, err
        model = tabular.TabularModel.load(only_run(out_dir) / "model")
        assert model.estimator.weight_decay == expected


# -- errors, all found before any data is read ----------------------------------------------
@pytest.mark.parametrize(
    ("argv", "status", "needle"),
    [
        (["train", "--target", "y"], 1, "--target needs --data"),
        (["train", "--drop", "a"], 1, "--drop needs --data"),
        (["train", "--data", "{csv}"], 1, "--target"),
        (["train", "--data", "missing.csv", "--target", "y"], 1, "no such file"),
        (["train", "--data", "{dir}", "--target", "y"], 1, "not a file"),
        (["train", "--data", "t.xlsx", "--target", "y"], 1, "unknown table format"),
        (["train", "--data", "{csv}", "--target", "y", "--activation", "foo"], 1,
         "unknown activation 'foo'"),
        (["train", "--data", "{csv}", "--target", "y", "--activation", "rleu"], 1,
         "did you mean 'relu'"),
        (["train", "--activation", "relu,tanh,elu", "--hidden", "4"], 1, "hidden layers"),
        (["train", "--out", "{csv}"], 1, "is a file"),
        (["train", "--out", "my.csv"], 1, "looks like a file name"),
        (["train", "--optimizer", "lbfgs", "--schedule", "cosine"], 1, "--schedule"),
        (["train", "--optimizer", "lbfgs", "--dropout", "0.2"], 1, "--dropout"),
        (["train", "--data", "{csv}", "--target", "y", "--sep", ";", "--decimal", ";"], 1,
         "--sep and --decimal"),
        (["train", "--hidden", "12,x"], 2, "--hidden"),
        (["train", "--epochs", "0"], 2, "--epochs"),
        (["train", "--dropout", "1"], 2, "--dropout"),
        (["train", "--validation-fraction", "1.5"], 2, "--validation-fraction"),
        (["train", "--figures", "jpg"], 2, "--figures"),
        (["train", "--optimizer", "magic"], 2, "invalid choice"),
        (["train", "--bogus"], 2, "unrecognized arguments"),
        (["predict", "--model", "missing", "--data", "{csv}"], 1, "no such model"),
        (["predict", "--model", "{dir}", "--data", "{csv}"], 1, "not an mlplab model folder"),
        (["predict", "--model", "{dir}", "--data", "{csv}", "--output", "p.json"], 1,
         "--output"),
        (["predict", "--model", "{dir}", "--data", "{csv}", "--output", "nowhere/p.csv"], 1,
         "does not exist"),
        (["activations", "relu", "--plot", "act.jpg"], 1, "--plot"),
        (["activations", "nope"], 1, "nope"),
        (["experiment", "nope"], 1, "unknown experiment"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)  # fmt: skip
def test_mistakes_fail_before_reading_data(capsys, tmp_path, monkeypatch, argv, status, needle):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": range(30), "y": [i % 2 for i in range(30)]}).to_csv(data, index=False)
    (tmp_path / "t.xlsx").write_text("x")
    (tmp_path / "folder").mkdir()

    def no_reading(*args, **kwargs):
        raise AssertionError("data was read before the flags were checked")

    monkeypatch.setattr(tabular, "read_table", no_reading)
    monkeypatch.setattr(tabular.TableReader, "chunks", no_reading)
    argv = [a.replace("{csv}", str(data)).replace("{dir}", str(tmp_path / "folder")) for a in argv]
    code, _out, err = run(capsys, *argv)
    line = assert_one_line_error(code, err, status)
    assert needle in line
    assert not (tmp_path / "runs").exists() and not (tmp_path / "act.jpg").exists()


def test_unknown_activation_lists_sorted_names(capsys):
    code, _, err = run(capsys, "train", "--activation", "foo")
    line = assert_one_line_error(code, err)
    known = line.split("(known: ")[1].rstrip(")").split(", ")
    assert known == sorted(known) and "relu" in known


def test_wrong_target_names_and_columns(capsys, tmp_path, messy_csv):
    code, _, err = run(capsys, "train", "--data", messy_csv, "--target", "diagnosis")
    line = assert_one_line_error(code, err)
    assert line == f"mlplab: error: no column 'diagnosis' in {messy_csv}; did you mean 'Diagnosis'?"
    code, _, err = run(
        capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--drop", "colour,nope"
    )
    assert "no column 'nope'" in assert_one_line_error(code, err)
    code, _, err = run(capsys, "train", "--data", messy_csv, "--target", "zzz")
    assert "its columns are 'Patient ID'" in assert_one_line_error(code, err)


def test_duplicate_headers_are_refused(capsys, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("x,x,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(40)))
    code, _, err = run(capsys, "train", "--data", path, "--target", "label")
    assert "duplicate column names: 'x'" in assert_one_line_error(code, err)


def test_predict_errors(capsys, tmp_path, messy_csv):
    status, _, err = run(
        capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
        "--epochs", "2", "--out", tmp_path / "runs", "--figures", "none",
    )  # fmt: skip
    assert status == 0, err
    folder = only_run(tmp_path / "runs")
    pd.DataFrame({"X1": [1.0], "colour": ["red"], "flag": [True]}).to_csv(
        tmp_path / "o.csv", index=False
    )
    code, _, err = run(capsys, "predict", "--model", folder, "--data", tmp_path / "o.csv")
    line = assert_one_line_error(code, err)
    assert "'x1'" in line and "'x2'" in line and "'X1'" in line  # missing ones named, case hint
    code, _, err = run(
        capsys, "predict", "--model", folder, "--data", tmp_path / "o.csv", "--output", "x.png"
    )
    assert "--output" in assert_one_line_error(code, err)
    path = tmp_path / "dup.csv"
    path.write_text("x1,x1,x2\n1,2,3\n")
    code, _, err = run(capsys, "predict", "--model", folder, "--data", path)
    assert "duplicate" in assert_one_line_error(code, err)


def test_predict_streams_the_file_once(capsys, tmp_path, monkeypatch, messy_csv):
    status, _, err = run(
        capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
        "--epochs", "2", "--out", tmp_path / "runs", "--figures", "none",
    )  # fmt: skip
    assert status == 0, err
    folder = only_run(tmp_path / "runs")
    status, whole, _ = run(capsys, "predict", "--model", folder, "--data", messy_csv, "--proba")
    calls = []
    real = pd.read_csv

    def counting(*args, **kwargs):
        calls.append(kwargs.get("chunksize"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counting)
    monkeypatch.setattr(tabular, "CHUNK_VALUES", 300)  # 60 rows per chunk
    status, chunked, err = run(capsys, "predict", "--model", folder, "--data", messy_csv, "--proba")
    assert status == 0, err
    assert len(calls) == 1 and calls[0] is not None  # one reader, in chunks
    assert chunked == whole and len(chunked.splitlines()) == 241


# -- files: no half-written folder, modes under umask 022 ------------------------------------
def test_a_failed_run_leaves_no_folder(capsys, tmp_path, monkeypatch, messy_csv):
    from mlplab import plotting

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(plotting, "plot_confusion_matrix", broken)
    code, _, err = run(
        capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
        "--epochs", "2", "--out", tmp_path / "runs",
    )  # fmt: skip
    assert "disk full" in assert_one_line_error(code, err)
    assert list((tmp_path / "runs").iterdir()) == []


def test_files_honour_the_umask(capsys, tmp_path, monkeypatch, messy_csv):
    old = os.umask(0o022)
    try:
        status, _, err = run(
            capsys, "train", "--data", messy_csv, "--target", "Diagnosis", "--decimal", ",",
            "--epochs", "2", "--out", tmp_path / "runs",
        )  # fmt: skip
        assert status == 0, err
        folder = only_run(tmp_path / "runs")
        status, _, err = run(
            capsys, "predict", "--model", folder, "--data", messy_csv, "--output",
            tmp_path / "p.csv",
        )  # fmt: skip
        assert status == 0, err
        status, _, err = run(capsys, "activations", "relu", "--plot", tmp_path / "a.png")
        assert status == 0, err
        from mlplab import MLPClassifier
        from mlplab.io import save_tree

        save_tree(tmp_path / "tree.npz", {"a": np.zeros(2)}, kind="x")
        MLPClassifier((3,), solver="lbfgs", max_iter=50).fit([[0.0], [1.0]] * 5, [0, 1] * 5).save(
            tmp_path / "est.npz"
        )
    finally:
        os.umask(old)
    files = [p for p in folder.rglob("*") if p.is_file()]
    files += [tmp_path / n for n in ("p.csv", "a.png", "tree.npz", "est.npz")]
    assert len(files) >= 8
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    for path in [folder, folder / "model"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o755, path


# -- the other commands ----------------------------------------------------------------------
def test_activations_table_and_plot(capsys, tmp_path):
    status, out, _ = run(capsys, "activations")
    assert status == 0
    header = out.splitlines()[0]
    for column in ("name", "range", "zero-centred", "monotonic", "smooth", "saturates"):
        assert column in header
    plot = tmp_path / "acts.png"
    status, out, _ = run(capsys, "activations", "relu", "tanh", "elu", "--plot", plot)
    assert status == 0 and len(out.splitlines()) == 2 + 3 + 1
    assert plot.stat().st_size > 2000


def test_experiment_list_and_run(capsys, tmp_path):
    status, out, _ = run(capsys, "experiment", "--list")
    assert status == 0 and "vanishing-gradients" in out
    status, out, err = run(capsys, "experiment", "xor", "--quick", "--out", tmp_path)
    assert status == 0, err
    assert (tmp_path / "xor" / "report.md").is_file()


def test_playground_is_delegated(capsys):
    code, out, _ = run(capsys, "playground", "--help")
    assert code == 0 and out


def test_module_runs_as_script(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mlplab.cli", "experiment", "--list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0 and "xor" in proc.stdout
