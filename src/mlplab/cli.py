"""The ``mlplab`` command: train, predict, activations, experiment, playground.

``mlplab train`` with no arguments trains a modern network on the digits and writes the
model and a report to a new folder under ``runs/``. Mistakes (a missing file, an unknown
column, option or name, a bad value) print one line ``mlplab: error: ...`` on stderr
and exit with status 1 (2 for command-line syntax), never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

__all__ = ["main"]

PROG = "mlplab"

# The default `mlplab train` run: a modern configuration that trains on the digits in
# seconds and reaches about 97% test accuracy.
DEFAULTS: dict[str, Any] = {
    "hidden": (128, 64),
    "activation": "elu",
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "schedule": "constant",
    "epochs": 80,
    "batch_size": 64,
    "alpha": 1e-4,
    "dropout": 0.0,
    "batch_norm": True,
    "seed": 0,
}


class CLIError(Exception):
    """A user mistake: reported as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``mlplab train: error: ...``) and status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# -- CSV ------------------------------------------------------------------------------------


def read_csv(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (comma, semicolon or tab separated).

    Raises
    ------
    CLIError
        If the file is missing, empty, or has rows of the wrong length.
    """
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    text = path.read_text(encoding="utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if row]
    if len(rows) < 2:
        raise CLIError(f"{path} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise CLIError(
                f"{path}, line {i}: {len(row)} values but the header has {len(header)} columns"
            )
    return header, [[v.strip() for v in row] for row in rows[1:]]


def _numeric(column: list[str], name: str, path: str | Path) -> np.ndarray:
    try:
        return np.array([float(v) for v in column], dtype=np.float64)
    except ValueError:
        bad = next(v for v in column if not _is_float(v))
        raise CLIError(f"column {name!r} of {path} is not numeric (value {bad!r})") from None


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _column(header: list[str], name: str, path: str | Path) -> int:
    if name not in header:
        raise CLIError(f"{path} has no column {name!r}; its columns are: {', '.join(header)}")
    return header.index(name)


def load_table(
    path: str | Path, target: str | None, features: list[str] | None = None
) -> tuple[np.ndarray, list[str] | None, list[str]]:
    """Feature matrix, raw target values (or None) and the feature names of a CSV file."""
    header, rows = read_csv(path)
    columns = list(zip(*rows, strict=True))
    if features is None:
        features = [h for h in header if h != target]
    if not features:
        raise CLIError(f"{path} has no feature columns besides the target {target!r}")
    X = np.column_stack(
        [_numeric(list(columns[_column(header, f, path)]), f, path) for f in features]
    )
    if not np.isfinite(X).all():
        raise CLIError(f"{path} has missing or infinite feature values")
    y = None
    if target is not None:
        y = list(columns[_column(header, target, path)])
    return X, y, features


def infer_task(values: list[str]) -> str:
    """'regression' for float-valued targets with many distinct values, else 'classification'."""
    if not all(_is_float(v) for v in values):
        return "classification"
    numbers = np.array([float(v) for v in values])
    distinct = np.unique(numbers).size
    if np.all(numbers == np.round(numbers)) and distinct <= max(20, len(numbers) // 20):
        return "classification"
    return "regression" if distinct > 10 else "classification"


# -- train ----------------------------------------------------------------------------------


def _int_list(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.replace(" ", "").split(",") if s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 128,64, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes like 128,64, got {text!r}")
    return sizes


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _new_run_folder(base: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = base / stamp
    k = 2
    while folder.exists():
        folder = base / f"{stamp}-{k}"
        k += 1
    folder.mkdir(parents=True)
    return folder


def _schedule(args: argparse.Namespace, epochs: int) -> Any:
    """The estimator's learning_rate parameter for --schedule."""
    from . import schedules

    lr = args.learning_rate
    name = args.schedule
    if name == "constant":
        return "constant"
    if name in ("invscaling", "adaptive"):
        return name
    made = {
        "step": lambda: schedules.get("step", lr=lr, step_size=max(1, epochs // 3), gamma=0.2),
        "exponential": lambda: schedules.get("exponential", lr=lr, gamma=0.01 ** (1 / epochs)),
        "linear": lambda: schedules.get("linear", lr=lr, final_lr=lr / 100, decay_steps=epochs),
        "cosine": lambda: schedules.get("cosine", lr=lr, period=epochs),
    }
    return made[name]()


def _build_estimator(args: argparse.Namespace, task: str, n_samples: int) -> Any:
    from .estimators import MLPClassifier, MLPRegressor

    activation: Any = args.activation.split(",") if "," in args.activation else args.activation
    if isinstance(activation, list) and len(activation) != len(args.hidden):
        raise CLIError(
            f"--activation lists {len(activation)} activations for {len(args.hidden)} hidden layers"
        )
    cls = MLPClassifier if task == "classification" else MLPRegressor
    from .callbacks import ProgressBar

    return cls(
        hidden_layer_sizes=args.hidden,
        activation=activation,
        solver=args.optimizer,
        alpha=args.alpha,
        batch_size=min(args.batch_size, n_samples),
        learning_rate=_schedule(args, args.epochs),
        learning_rate_init=args.learning_rate,
        max_iter=args.epochs,
        random_state=args.seed,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=15,
        batch_norm=args.batch_norm,
        dropout=args.dropout,
        diagnostics=True,
        callbacks=[ProgressBar()] if sys.stderr.isatty() else None,
    )


def _split(X: np.ndarray, y: np.ndarray, task: str, seed: int):
    from sklearn.model_selection import train_test_split

    stratify = None
    if task == "classification":
        _, counts = np.unique(y, return_counts=True)
        if counts.min() >= 2 and len(counts) <= 0.2 * len(y):
            stratify = y
    if len(y) < 10:
        raise CLIError(f"need at least 10 rows to train and test, got {len(y)}")
    return train_test_split(X, y, test_size=0.2, random_state=seed, stratify=stratify)


def _print_table(rows: list[tuple[str, str]], stream: Any = None) -> None:
    stream = stream or sys.stdout
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}", file=stream)


def cmd_train(args: argparse.Namespace) -> int:
    """Train, print a table of results and write model, report and figures."""
    from sklearn.metrics import log_loss, mean_squared_error, r2_score

    if args.data is None:
        from .datasets import digits

        X, y_raw = digits()
        y_values: np.ndarray = y_raw
        features = [f"pixel_{i}" for i in range(X.shape[1])]
        source, target, task = "digits (8×8 handwritten digits)", "digit", "classification"
    else:
        if args.target is None:
            raise CLIError("--data needs --target COLUMN (the column to predict)")
        X, y_list, features = load_table(args.data, args.target)
        assert y_list is not None
        task = args.task or infer_task(y_list)
        if task == "regression":
            y_values = _numeric(y_list, args.target, args.data)
        else:
            y_values = np.array(y_list)
            if all(_is_float(v) for v in y_list):
                numbers = np.array([float(v) for v in y_list])
                if np.all(numbers == np.round(numbers)):
                    y_values = numbers.astype(np.int64)
            if np.unique(y_values).size < 2:
                raise CLIError(f"the target column {args.target!r} has a single class")
        source, target = str(args.data), args.target
    X_train, X_test, y_train, y_test = _split(X, y_values, task, args.seed)
    mean, scale = X_train.mean(axis=0), X_train.std(axis=0)
    scale[scale == 0] = 1.0
    est = _build_estimator(args, task, len(y_train))
    print(f"Training on {source}: {len(y_train)} rows for training, {len(y_test)} for testing.")
    start = time.perf_counter()
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    # Networks this size run fastest on one BLAS thread (several contend on small products).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit((X_train - mean) / scale, y_train)
    seconds = time.perf_counter() - start
    Z_test = (X_test - mean) / scale
    pred = est.predict(Z_test)
    if task == "classification":
        score_name, score = "test accuracy", float(np.mean(pred == y_test))
        loss = float(log_loss(y_test, est.predict_proba(Z_test), labels=est.classes_))
    else:
        score_name, score = "test R²", float(r2_score(y_test, pred))
        loss = float(mean_squared_error(y_test, pred))
    results = [
        (score_name, f"{score:.4f}"),
        ("test loss", f"{loss:.4f} ({'log-loss' if task == 'classification' else 'MSE'})"),
        ("epochs", f"{est.n_iter_} (of at most {args.epochs}, early stopping)"),
        ("seconds", f"{seconds:.1f}"),
    ]
    _print_table(results)

    folder = _new_run_folder(Path(args.out))
    est.set_params(callbacks=None)
    est.feature_columns_ = list(features)
    est.target_column_ = target
    est.input_mean_ = mean
    est.input_scale_ = scale
    model_path = est.save(folder / "model.npz")
    figures = _train_figures(est, folder, task, y_test, pred, Z_test)
    _write_train_report(folder, args, source, task, est, results, figures, features, target)
    metrics = {
        "task": task,
        score_name: score,
        "test loss": loss,
        "epochs": est.n_iter_,
        "seconds": seconds,
        "train rows": len(y_train),
        "test rows": len(y_test),
    }
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    print(f"Model: {model_path}")
    print(f"Report: {folder / 'report.md'}")
    return 0


def _train_figures(est, folder: Path, task: str, y_test, pred, Z_test) -> list[Path]:
    from . import plotting

    figures = [folder / "training_curves.png"]
    plotting.plot_history(est, figures[-1])
    if task == "classification":
        figures.append(folder / "confusion_matrix.png")
        plotting.plot_confusion_matrix(y_test, pred, list(est.classes_), figures[-1])
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(4.2, 4.0), layout="constrained")
        ax = fig.subplots()
        ax.scatter(y_test, pred, s=8)
        low, high = float(np.min(y_test)), float(np.max(y_test))
        ax.plot([low, high], [low, high], "k:", lw=1)
        ax.set_xlabel("true value")
        ax.set_ylabel("prediction")
        ax.set_title("test set")
        figures.append(folder / "predictions.png")
        fig.savefig(figures[-1], dpi=90)
    if getattr(est, "diagnostics_", None):
        figures.append(folder / "gradient_flow.png")
        plotting.plot_gradient_flow(est.diagnostics_, figures[-1])
        # Dead/saturated units are measured for the ReLU and sigmoid/tanh families only.
        if any(
            r.get("dead_fraction") is not None or r.get("saturated_fraction") is not None
            for r in est.diagnostics_
        ):
            figures.append(folder / "unit_health.png")
            plotting.plot_unit_health(est.diagnostics_, figures[-1])
    return figures


def _write_train_report(folder, args, source, task, est, results, figures, features, target):
    settings = [
        ("data", source),
        ("task", task),
        ("target", target),
        ("features", f"{len(features)} (standardized with the training rows' mean and std)"),
        ("hidden layers", ", ".join(map(str, args.hidden))),
        ("activation", args.activation),
        ("batch normalization", "yes" if args.batch_norm else "no"),
        ("optimizer", args.optimizer),
        ("learning rate", f"{args.learning_rate:g} ({args.schedule} schedule)"),
        ("batch size", str(args.batch_size)),
        ("L2 (alpha)", f"{args.alpha:g}"),
        ("dropout", f"{args.dropout:g}"),
        ("seed", str(args.seed)),
    ]
    lines = [
        f"# mlplab train: {source}\n",
        "## Results (held-out 20% test split)\n",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in results]
    lines += ["", "## Settings\n", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in settings]
    lines += ["", "## Figures\n"]
    lines += [f"![{p.stem.replace('_', ' ')}]({p.name})\n" for p in figures]
    lines += [
        "## Use the model\n",
        "```",
        f"mlplab predict --model {folder / 'model.npz'} --data FILE.csv --output predictions.csv",
        "```",
        "",
    ]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")


# -- predict --------------------------------------------------------------------------------


def cmd_predict(args: argparse.Namespace) -> int:
    """Predict the rows of a CSV file with a saved model."""
    from .estimators import load

    model_path = Path(args.model)
    if not model_path.is_file():
        raise CLIError(f"no such model file: {model_path}")
    est = load(model_path)
    features = getattr(est, "feature_columns_", None)
    header, _ = read_csv(args.data)
    if features is None:
        target = None
        features = header
    else:
        missing = [f for f in features if f not in header]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise CLIError(f"{args.data} lacks the model's feature column(s): {shown}")
        target = None
    X, _, _ = load_table(args.data, target, list(features))
    if X.shape[1] != est.n_features_in_:
        raise CLIError(
            f"{args.data} has {X.shape[1]} feature columns; the model expects {est.n_features_in_}"
        )
    mean = getattr(est, "input_mean_", None)
    if mean is not None:
        X = (X - np.asarray(mean)) / np.asarray(est.input_scale_)
    pred = est.predict(X)
    name = getattr(est, "target_column_", None) or "prediction"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"predicted_{name}" if name != "prediction" else name])
    for value in np.asarray(pred).ravel():
        writer.writerow([f"{value:.10g}" if isinstance(value, float | np.floating) else value])
    if args.output:
        Path(args.output).write_text(out.getvalue(), encoding="utf-8")
        print(f"Wrote {len(pred)} predictions to {args.output}")
    else:
        sys.stdout.write(out.getvalue())
    return 0


# -- activations ----------------------------------------------------------------------------


def cmd_activations(args: argparse.Namespace) -> int:
    """Print the catalog's properties; plot value and derivative with --plot."""
    from . import activations

    names = args.names or activations.names()
    functions = [activations.get(n) for n in names]
    rows = []
    for f in functions:
        info = f.info
        rows.append(
            [
                f.name,
                info.output_range,
                _yn(info.zero_centred),
                _yn(info.monotonic),
                _yn(info.smooth),
                info.saturates,
                _yn(info.bounded),
                info.initializer,
                info.reference,
            ]
        )
    head = [
        "name",
        "range",
        "zero-centred",
        "monotonic",
        "smooth",
        "saturates",
        "bounded",
        "init",
        "reference",
    ]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, ["-" * w for w in widths], *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if args.plot:
        from .plotting import plot_activations

        elementwise = [f.name for f in functions if f.elementwise]
        if not elementwise:
            raise CLIError("none of these activations is elementwise: nothing to plot")
        plot_activations(elementwise, (args.x_min, args.x_max), True, args.plot)
        print(f"Plot: {args.plot}")
    return 0


def _yn(value: bool) -> str:
    return "yes" if value else "no"


# -- experiment -----------------------------------------------------------------------------


def cmd_experiment(args: argparse.Namespace) -> int:
    """Run one experiment, or all, and print each summary and report path."""
    from . import experiments

    if args.list or not args.name:
        for name in experiments.names():
            exp = experiments.get(name)
            print(f"{name:<26} {exp.title}")
        if not args.list and not args.name:
            print("\nRun one with: mlplab experiment NAME [--quick] [--out DIR]")
        return 0
    names = experiments.names() if args.name == "all" else [experiments.get(args.name).name]
    for name in names:
        result = experiments.run(name, args.out, quick=args.quick, seed=args.seed)
        verdict = "held" if result.held else "did NOT hold"
        print(f"[{name}] claim {verdict} ({result.seconds:.1f} s): {result.summary}")
        print(f"  report: {result.report_path}")
    return 0


# -- playground -----------------------------------------------------------------------------


def cmd_playground(args: argparse.Namespace) -> int:
    """Hand the remaining arguments to ``mlplab.playground.cli.main``."""
    try:
        from .playground.cli import main as playground_main
    except ImportError:
        raise CLIError("the playground is not available in this installation") from None
    try:
        return int(playground_main(list(args.rest)) or 0)
    except SystemExit as exc:  # its own argparse: --help, or a syntax error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


# -- entry point ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mlplab`` command."""
    parser = _Parser(prog=PROG, description="Multilayer perceptrons on NumPy, and a lab.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"mlplab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "train",
        help="train a network (digits by default) and write a report",
        description="Train an MLP and write the model, figures and a report.",
    )
    p.add_argument("--data", metavar="FILE.csv", help="CSV file with a header row")
    p.add_argument("--target", metavar="COLUMN", help="the column to predict (with --data)")
    p.add_argument(
        "--task",
        choices=["classification", "regression"],
        help="default: regression for float targets with many values",
    )
    p.add_argument(
        "--hidden",
        type=_int_list,
        default=DEFAULTS["hidden"],
        metavar="SIZES",
        help="hidden layer sizes, e.g. 128,64 (default: 128,64)",
    )
    p.add_argument(
        "--activation",
        default=DEFAULTS["activation"],
        metavar="NAME[,NAME...]",
        help="one activation, or one per hidden layer (default: elu)",
    )
    p.add_argument(
        "--optimizer",
        default=DEFAULTS["optimizer"],
        choices=["sgd", "adam", "adamw", "nadam", "rmsprop", "adagrad", "lbfgs"],
    )
    p.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=DEFAULTS["learning_rate"],
        metavar="LR",
        help="initial learning rate (default: 0.001)",
    )
    p.add_argument(
        "--schedule",
        default=DEFAULTS["schedule"],
        choices=["constant", "step", "exponential", "linear", "cosine", "invscaling", "adaptive"],
    )
    p.add_argument(
        "--epochs",
        type=_positive_int,
        default=DEFAULTS["epochs"],
        help="maximum epochs (default: 80; early stopping may end sooner)",
    )
    p.add_argument("--batch-size", type=_positive_int, default=DEFAULTS["batch_size"])
    p.add_argument(
        "--alpha",
        type=_non_negative_float,
        default=DEFAULTS["alpha"],
        help="L2 penalty (default: 1e-4)",
    )
    p.add_argument("--dropout", type=_non_negative_float, default=DEFAULTS["dropout"])
    p.add_argument(
        "--no-batch-norm",
        dest="batch_norm",
        action="store_false",
        help="no batch normalization between layers",
    )
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    p.add_argument(
        "--out",
        default="runs",
        metavar="DIR",
        help="a new folder is created under it (default: runs)",
    )
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser("predict", help="predict a CSV file with a saved model")
    p.add_argument("--model", required=True, metavar="PATH")
    p.add_argument("--data", required=True, metavar="FILE.csv")
    p.add_argument("--output", metavar="FILE", help="default: standard output")
    p.set_defaults(handler=cmd_predict)

    p = sub.add_parser("activations", help="the activation catalog: properties and plots")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--plot", metavar="FILE", help="save a plot (PNG or SVG)")
    p.add_argument("--x-min", type=float, default=-5.0)
    p.add_argument("--x-max", type=float, default=5.0)
    p.set_defaults(handler=cmd_activations)

    p = sub.add_parser("experiment", help="run the lab's experiments")
    p.add_argument("name", nargs="?", metavar="NAME", help="an experiment name, or 'all'")
    p.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument("--out", default="runs/experiments", metavar="DIR")
    p.add_argument("--quick", action="store_true", help="reduced sizes: seconds each")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=cmd_experiment)

    p = sub.add_parser("playground", help="the interactive playground", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_playground)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mlplab`` command with `argv` (default: ``sys.argv[1:]``); return the status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["playground"]:  # everything after it, --help included, is the playground's
        return _run(cmd_playground, argparse.Namespace(rest=argv[1:]))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a syntax error (already printed)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    if args.command is None:
        parser.print_help()
        return 0
    return _run(args.handler, args)


def _run(handler: Any, args: argparse.Namespace) -> int:
    """Call a subcommand; user and library errors become one line on stderr."""
    try:
        return int(handler(args))
    except CLIError as exc:
        return _fail(str(exc))
    except (ValueError, TypeError, KeyError, FileNotFoundError, OSError) as exc:
        # A library error: its message, without the traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        return _fail(str(message))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, status: int = 1) -> int:
    first = str(message).strip().splitlines()[0] if str(message).strip() else "failed"
    print(f"{PROG}: error: {first}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
