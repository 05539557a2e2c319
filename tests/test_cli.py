"""The mlplab command: exit status, output and files written, one-line errors."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from mlplab.cli import infer_task, main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str, expected_status: int = 1) -> None:
    assert status == expected_status
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0] and "Traceback" not in err


def write_csv(path: Path, header: list[str], rows) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_entry_point_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    assert 'mlplab = "mlplab.cli:main"' in section


def test_help_and_no_command(capsys):
    status, out, _ = run(capsys)
    assert status == 0 and "train" in out and "experiment" in out
    status, out, _ = run(capsys, "train", "--help")
    assert status == 0 and "--hidden" in out and "--schedule" in out


def test_train_default_writes_model_report_and_figures(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "train", "--epochs", "4")
    assert status == 0, err
    for key in ("test accuracy", "test loss", "epochs", "seconds"):
        assert key in out
    accuracy = float(out.split("test accuracy")[1].split()[0])
    assert accuracy > 0.8  # four epochs of Adam on the digits
    (folder,) = (tmp_path / "runs").iterdir()
    names = {p.name for p in folder.iterdir()}
    assert {
        "model.npz",
        "report.md",
        "training_curves.png",
        "confusion_matrix.png",
        "gradient_flow.png",
        "metrics.json",
    } <= names
    for png in folder.glob("*.png"):
        assert png.stat().st_size > 2000
    report = (folder / "report.md").read_text()
    assert "test accuracy" in report and "![confusion matrix](confusion_matrix.png)" in report

    # Predict the digits back from a CSV with the saved model.
    from mlplab.datasets import digits

    X, y = digits()
    data = write_csv(
        tmp_path / "digits.csv",
        [f"pixel_{i}" for i in range(64)] + ["digit"],
        [[*map(int, row), label] for row, label in zip(X[:50], y[:50], strict=True)],
    )
    status, out, err = run(
        capsys,
        "predict",
        "--model",
        str(folder / "model.npz"),
        "--data",
        str(data),
        "--output",
        "pred.csv",
    )
    assert status == 0, err
    lines = (tmp_path / "pred.csv").read_text().splitlines()
    assert lines[0] == "predicted_digit" and len(lines) == 51
    assert np.mean(np.array(lines[1:], dtype=int) == y[:50]) > 0.8
    # To standard output without --output.
    status, out, _ = run(
        capsys, "predict", "--model", str(folder / "model.npz"), "--data", str(data)
    )
    assert status == 0 and out.splitlines()[1:] == lines[1:]


def test_train_csv_regression_and_classification(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (150, 2))
    target = X[:, 0] ** 2 + 0.5 * X[:, 1]
    data = write_csv(
        tmp_path / "reg.csv", ["a", "b", "y"], [[*row, t] for row, t in zip(X, target, strict=True)]
    )
    status, out, err = run(
        capsys,
        "train",
        "--data",
        str(data),
        "--target",
        "y",
        "--hidden",
        "16,16",
        "--activation",
        "tanh,relu",
        "--epochs",
        "30",
        "--schedule",
        "cosine",
        "--learning-rate",
        "0.01",
        "--out",
        str(tmp_path / "r"),
    )
    assert status == 0, err
    assert "test R²" in out
    (folder,) = (tmp_path / "r").iterdir()
    assert (folder / "predictions.png").stat().st_size > 2000

    labels = np.where(X[:, 0] > 0, "right", "left")
    data = write_csv(
        tmp_path / "cls.csv",
        ["a", "b", "side"],
        [[*row, t] for row, t in zip(X, labels, strict=True)],
    )
    status, out, err = run(
        capsys,
        "train",
        "--data",
        str(data),
        "--target",
        "side",
        "--epochs",
        "20",
        "--optimizer",
        "sgd",
        "--out",
        str(tmp_path / "c"),
    )
    assert status == 0, err
    assert "test accuracy" in out
    (folder,) = (tmp_path / "c").iterdir()
    status, out, err = run(
        capsys, "predict", "--model", str(folder / "model.npz"), "--data", str(data)
    )
    assert status == 0, err
    assert set(out.splitlines()[1:]) <= {"left", "right"}


def test_infer_task():
    assert infer_task(["a", "b", "a"]) == "classification"
    assert infer_task([str(i % 3) for i in range(100)]) == "classification"
    assert infer_task([f"{x:.3f}" for x in np.linspace(0, 1, 50)]) == "regression"


@pytest.mark.parametrize(
    ("argv", "status", "needle"),
    [
        (["train", "--data", "missing.csv", "--target", "y"], 1, "no such file"),
        (["train", "--data", "{csv}", "--target", "nope"], 1, "no column 'nope'"),
        (["train", "--data", "{csv}"], 1, "--target"),
        (["train", "--hidden", "12,x"], 2, "--hidden"),
        (["train", "--epochs", "0"], 2, "--epochs"),
        (["train", "--optimizer", "magic"], 2, "invalid choice"),
        (["train", "--bogus"], 2, "unrecognized arguments"),
        (
            ["train", "--data", "{csv}", "--target", "y", "--activation", "nope", "--epochs", "1"],
            1,
            "nope",
        ),
        (
            [
                "train",
                "--data",
                "{csv}",
                "--target",
                "y",
                "--activation",
                "relu,tanh,elu",
                "--hidden",
                "4",
                "--epochs",
                "1",
            ],
            1,
            "activation",
        ),
        (["predict", "--model", "missing.npz", "--data", "{csv}"], 1, "no such model file"),
        (["predict", "--model", "{csv}", "--data", "{csv}"], 1, ""),
        (["activations", "nope"], 1, "nope"),
        (["experiment", "nope"], 1, "unknown experiment"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_mistakes_give_one_line_and_nonzero_status(
    capsys, tmp_path, monkeypatch, argv, status, needle
):
    monkeypatch.chdir(tmp_path)
    data = write_csv(tmp_path / "d.csv", ["a", "b", "y"], [[i, i % 3, i * 0.5] for i in range(30)])
    argv = [a.replace("{csv}", str(data)) for a in argv]
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err, status)
    assert needle in err


def test_non_numeric_feature_is_reported(capsys, tmp_path):
    data = write_csv(tmp_path / "d.csv", ["a", "y"], [["x", 1], ["2", 0]] * 6)
    code, _, err = run(capsys, "train", "--data", str(data), "--target", "y")
    assert_one_line_error(code, err)
    assert "column 'a'" in err and "not numeric" in err


def test_predict_needs_the_model_columns(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    data = write_csv(tmp_path / "d.csv", ["a", "b", "y"], [[*row, int(row[0] > 0)] for row in X])
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--target",
                "y",
                "--epochs",
                "2",
                "--out",
                str(tmp_path / "runs"),
            ]
        )
        == 0
    )
    (folder,) = (tmp_path / "runs").iterdir()
    other = write_csv(tmp_path / "o.csv", ["a", "c"], [[1, 2]])
    capsys.readouterr()
    code, _, err = run(
        capsys, "predict", "--model", str(folder / "model.npz"), "--data", str(other)
    )
    assert_one_line_error(code, err)
    assert "'b'" in err or "b" in err.split(":")[-1]


def test_activations_table_and_plot(capsys, tmp_path):
    status, out, _ = run(capsys, "activations")
    assert status == 0
    header = out.splitlines()[0]
    for column in (
        "name",
        "range",
        "zero-centred",
        "monotonic",
        "smooth",
        "saturates",
        "bounded",
        "init",
        "reference",
    ):
        assert column in header
    assert any(line.startswith("relu ") for line in out.splitlines())
    plot = tmp_path / "acts.png"
    status, out, _ = run(capsys, "activations", "relu", "tanh", "elu", "--plot", str(plot))
    assert status == 0 and len(out.splitlines()) == 2 + 3 + 1
    assert plot.stat().st_size > 2000


def test_experiment_list_and_run(capsys, tmp_path):
    status, out, _ = run(capsys, "experiment", "--list")
    assert status == 0
    assert "vanishing-gradients" in out and "learning-rate-schedules" in out
    status, out, err = run(capsys, "experiment", "xor", "--quick", "--out", str(tmp_path))
    assert status == 0, err
    assert "[xor] claim" in out and "report:" in out
    assert (tmp_path / "xor" / "report.md").is_file()
    assert (tmp_path / "xor" / "xor_decision_regions.png").stat().st_size > 2000


def test_playground_is_delegated(capsys):
    code, out, _ = run(capsys, "playground", "--help")
    assert code == 0 and out


def test_module_runs_as_script(tmp_path):
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "mlplab.cli", "experiment", "--list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0 and "xor" in proc.stdout
