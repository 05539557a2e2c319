"""The ``mlplab`` command: train, predict, activations, experiment, playground.

``mlplab train`` with no arguments trains a modern network on the digits; with
``--data FILE --target COLUMN`` it trains on a CSV or Parquet table, preprocessing it
automatically (:mod:`mlplab.tabular`). Each run writes a new folder under ``runs/``
holding the model (``model/``: preprocessing and network), a report, metrics and
figures; the folder appears whole at the end or not at all. ``mlplab predict`` applies a
saved model to a table, streaming it in chunks.

Mistakes (a missing file, an unknown column, option or name, a bad value) are found before
any data is read where possible and print one line ``mlplab: error: ...`` on stderr with
exit status 1 (2 for command-line syntax), never a traceback. Ctrl-C (status 130) and
SIGTERM (143) remove what was half written, as any failure does.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import math
import os
import secrets
import shutil
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .callbacks import Callback

__all__ = ["infer_task", "main"]

PROG = "mlplab"

# The default `mlplab train` run: a modern configuration that trains on the digits in
# seconds and reaches about 97% test accuracy.
DEFAULTS: dict[str, Any] = {
    "hidden": (128, 64),
    "activation": "elu",
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "schedule": "constant",
    "batch_size": 64,
    "alpha": 1e-4,
    "dropout": 0.0,
    "batch_norm": True,
    "seed": 0,
    "max_categories": 100,  # mlplab.tabular.MAX_ONE_HOT
}
#: Below this many training rows, the small-table defaults apply: smaller steps and
#: dropout keep a network of this size from overfitting a few hundred rows, and more
#: patience keeps early stopping (where there are enough validation rows for it) from
#: latching onto a lucky epoch (diabetes, 442 rows: held-out R² 0.42 over eight splits,
#: on par with a hand-tuned scikit-learn MLP; 0.12 with the large-table defaults).
SMALL_TABLE = 1000
SMALL_DEFAULTS: dict[str, Any] = {"learning_rate": 3e-4, "dropout": 0.2, "patience": 20}
#: Share of the rows held out for the test scores.
TEST_FRACTION = 0.2
#: Early stopping needs at least this many validation rows; fewer give a noisy score
#: whose best epoch is luck: diabetes (71 validation rows) kept epoch 13 of 34 for a
#: held-out R² of 0.28 where every epoch gives 0.35 (eight splits: 0.41 and 0.42).
MIN_VALIDATION_ROWS = 100
#: The default validation split holds at most this many rows: enough for a steady score
#: (the trainer scores it a block of rows at a time, so memory does not set this cap).
MAX_VALIDATION_ROWS = 5_000
#: Training rows the unit-health figure's statistics are measured on, once per epoch.
MONITOR_ROWS = 1024
#: The default number of epochs aims at this many optimizer steps (within 50..500 epochs).
TARGET_STEPS = 3000
#: The epoch limit is said to stop a run "still improving" when the training loss of the
#: last this many epochs beat the best one before them by more than this (relative) share:
#: scikit-learn's n_iter_no_change and tol.
IMPROVING_WINDOW = 10
IMPROVING_TOL = 1e-4
#: Rows per block when predicting a held-out matrix (bounds the activations' memory).
PREDICT_BLOCK = 8192
_FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".gz", ".parquet", ".pq", ".json", ".npz", ".png")
_OUTPUT_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")


class CLIError(Exception):
    """A user mistake: reported as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``mlplab train: error: ...``) and status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def infer_task(values: Any) -> str:
    """'regression' or 'classification' for target values (see mlplab.tabular.infer_task)."""
    from .tabular import infer_task as _infer

    return _infer(np.asarray(list(values) if not hasattr(values, "dtype") else values))


# -- argument types --------------------------------------------------------------------------
def _int_list(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in text.replace(" ", "").split(",") if s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 128,64, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes like 128,64, got {text!r}")
    return sizes


def _name_list(text: str) -> str:
    """A role flag's value as given: split into names by :func:`_column_names`."""
    if not any(s.strip() for s in text.split(",")):
        raise argparse.ArgumentTypeError(f"expected column names like a,b, got {text!r}")
    return text.strip()


def _column_names(values: Sequence[str] | None, columns: Sequence[str] = ()) -> list[str]:
    """The names in a role flag's values (the flag may be repeated): each value is split
    at its commas, unless the whole value is one of `columns` (a name with a comma)."""
    names: list[str] = []
    for value in values or ():
        if value in columns:
            names.append(value)
        else:
            names += [s.strip() for s in value.split(",") if s.strip()]
    return names


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _fraction(text: str) -> float:
    value = _number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return value


def _rate(text: str) -> float:
    value = _number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a rate in [0, 1), got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _category_count(text: str) -> int:
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"expected at least 2 (a category and the others' column), got {text!r}"
        )
    return value


def _char(text: str) -> str:
    value = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"expected one character, got {text!r}")
    return value


def _encoding(text: str) -> str:
    import codecs

    try:
        codecs.lookup(text)
    except LookupError:
        raise argparse.ArgumentTypeError(
            f"unknown text encoding {text!r} (e.g. utf-8, latin-1, cp1252, utf-16)"
        ) from None
    return text


# -- checks made before any data is read -------------------------------------------------------
def _check_activations(text: str, n_hidden: int) -> Any:
    from . import activations

    known = activations.names(include_aliases=True)
    names = [a.strip().lower() for a in text.split(",")]
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise CLIError(
                f"--activation: unknown activation {name!r}{hint} "
                f"(known: {', '.join(sorted(activations.names()))})"
            )
    if len(names) > 1 and len(names) != n_hidden:
        raise CLIError(
            f"--activation lists {len(names)} activations for {n_hidden} hidden layers "
            "(give one, or one per layer)"
        )
    return names if len(names) > 1 else names[0]


def _check_out_folder(path: Path) -> None:
    """--out must be a folder we can create or write into, not a file."""
    if path.exists() and not path.is_dir():
        raise CLIError(f"--out {path} is a file; --out is the folder that receives the runs")
    if not path.exists() and path.name.lower().endswith(_FILE_SUFFIXES):
        raise CLIError(
            f"--out {path} looks like a file name; --out is the folder that receives the runs"
        )
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise CLIError(f"--out {path}: cannot write into {existing}")


def _check_output_file(path: Path) -> None:
    """--output must be a CSV name in a folder we can write."""
    if path.is_dir():
        raise CLIError(f"--output {path} is a folder; give a file name such as predictions.csv")
    if not path.name.lower().endswith(_OUTPUT_SUFFIXES):
        raise CLIError(
            f"--output {path}: predictions are written as CSV; use a name ending in "
            f"{', '.join(_OUTPUT_SUFFIXES)}"
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CLIError(f"--output {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"--output {path}: cannot write into {folder}")


def _check_plot_path(path: str) -> None:
    """--plot must be a .png or .svg name in a folder we can write."""
    if Path(path).suffix.lower() not in (".png", ".svg"):
        raise CLIError(f"--plot {path}: figures are written as .png or .svg")
    target = Path(path)
    if target.is_dir():
        raise CLIError(f"--plot {path} is a folder; give a file name such as act.png")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CLIError(f"--plot {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"--plot {path}: cannot write into {folder}")


def _decays() -> list[str]:
    from .schedules import DECAYS

    return list(DECAYS)


# -- files that honour the umask ------------------------------------------------------------
def _new_folder(path: Path) -> None:
    """mkdir with mode 0o777, so that the umask decides (0755 under umask 022)."""
    os.mkdir(path, 0o777)


def _unique_run_name(base: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = base / stamp
    k = 2
    while folder.exists():
        folder = base / f"{stamp}-{k}"
        k += 1
    return folder


class _TrainingRecord(Callback):
    """Keeps each epoch's (or L-BFGS iteration's) record and how training ended.

    The estimators keep no loss curve for L-BFGS; this callback sees every iteration.
    """

    #: Reads only the epoch logs: the fit keeps its fast path (in-place activations).
    reads_layer_values = False
    #: The run's Diagnostics callback (with figures), whose records the figures draw.
    diagnostics: Any = None

    def on_train_begin(self, trainer: Any) -> None:
        self.records: list[dict[str, float]] = []
        self.stop_reason: str | None = None
        self.diverged = False

    def on_epoch_end(self, trainer: Any, logs: dict[str, float]) -> None:
        self.records.append(dict(logs))

    def on_train_end(self, trainer: Any) -> None:
        self.stop_reason = trainer.stop_reason
        self.diverged = bool(trainer.history.diverged)

    def column(self, key: str) -> list[float]:
        return [float(r[key]) for r in self.records if key in r]


# -- train ------------------------------------------------------------------------------------
def _check_train_args(args: argparse.Namespace) -> dict[str, Any]:
    """Every check that needs no data; returns the settings derived from the flags."""
    role_flags = [f"--{n}" for n in ("drop", "categorical", "numeric", "id") if getattr(args, n)]
    if args.data is None:
        if args.target is not None:
            raise CLIError("--target needs --data FILE (without --data, the digits are used)")
        if role_flags:
            raise CLIError(f"{role_flags[0]} needs --data FILE")
    else:
        if args.target is None:
            raise CLIError("--data needs --target COLUMN (the column to predict)")
        from .tabular import TableError, check_table_path

        try:
            check_table_path(args.data)
        except TableError as exc:
            raise CLIError(str(exc)) from None
        if args.sep is not None and args.sep == args.decimal:
            raise CLIError(f"--sep and --decimal are both {args.sep!r}")
        from .tabular import check_role_flags

        try:
            check_role_flags(
                args.target,
                numeric=_column_names(args.numeric),
                categorical=_column_names(args.categorical),
                ids=_column_names(args.id),
                drop=_column_names(args.drop),
            )
        except TableError as exc:
            raise CLIError(str(exc)) from None
    activation = _check_activations(args.activation, len(args.hidden))
    _check_out_folder(Path(args.out))
    lbfgs = args.optimizer == "lbfgs"
    if lbfgs and args.schedule != "constant":
        raise CLIError("--schedule applies to the stochastic optimizers, not to lbfgs")
    if args.schedule in ("invscaling", "adaptive") and args.optimizer != "sgd":
        # scikit-learn's two rules exist for its sgd only; another optimizer ignores them
        raise CLIError(
            f"--schedule {args.schedule} applies to --optimizer sgd only; with "
            f"{args.optimizer} use constant or a decay ({', '.join(_decays())})"
        )
    if lbfgs and args.dropout:
        raise CLIError("--dropout makes the loss random; lbfgs needs a deterministic loss")
    weight_decay = args.weight_decay
    if weight_decay is None:
        weight_decay = 0.01 if args.optimizer == "adamw" else 0.0
    elif lbfgs and weight_decay > 0:
        raise CLIError("--weight-decay applies to the stochastic optimizers, not to lbfgs")
    return {"activation": activation, "weight_decay": weight_decay, "lbfgs": lbfgs}


def _load_training_table(args: argparse.Namespace):
    """(table, roles, source description, reading seconds) for --data or the digits."""
    from . import tabular

    start = time.perf_counter()
    if args.data is None:
        import pandas as pd

        from .datasets import digits

        X, y = digits()
        names = [f"pixel_{i}" for i in range(X.shape[1])]
        table = pd.DataFrame({n: X[:, j] for j, n in enumerate(names)} | {"digit": y})
        roles = [
            tabular.ColumnRole(n, "numeric", "integers", "pixel intensity 0-16") for n in names
        ]
        roles.append(tabular.ColumnRole("digit", "target", "integers", "the digit shown"))
        return table, roles, "digits (8×8 handwritten digits)", "digit", time.perf_counter() - start
    try:
        with tabular.TableReader(
            args.data, sep=args.sep, decimal=args.decimal, encoding=args.encoding
        ) as reader:
            columns = reader.columns
            where = str(args.data)
            target = _resolve(args.target, columns, where)
            lists = {}
            for flag in ("drop", "categorical", "numeric", "id"):
                names = _column_names(getattr(args, flag), columns)
                lists[flag] = [_resolve(n, columns, where) for n in names]
            print(f"Reading {args.data} ...", flush=True)
            table = tabular.read_table(reader, exact=[target])
            if reader.decimal_sniffed and reader.decimal == ",":
                print("note: the numbers are written with a decimal comma (1,5) and read so "
                      "(--decimal . reads them otherwise)")  # fmt: skip
            args.decimal = reader.decimal  # the mark the model's predict reads by default
    except tabular.TableError as exc:
        raise CLIError(str(exc)) from None
    tabular.release_memory()  # the parser's freed buffers
    roles = tabular.guess_roles(
        table,
        target,
        numeric=lists["numeric"],
        categorical=lists["categorical"],
        ids=lists["id"],
        drop=lists["drop"],
    )
    return table, roles, str(args.data), target, time.perf_counter() - start


def _resolve(name: str, columns: Sequence[str], where: str) -> str:
    from .tabular import column_not_found

    if name in columns:
        return name
    raise CLIError(str(column_not_found(name, columns, where)))


def _target_values(table, target: str, task_flag: str | None):
    """(row mask with a target, values, task) for the target column."""
    from .tabular import _as_text_values, _missing, infer_task

    raw = table[target].to_numpy()
    present = ~_missing(raw)
    values = raw[present]
    if values.size == 0:
        raise CLIError(f"the target column {target!r} has no values")
    task = task_flag or infer_task(values)
    if task == "regression":
        from .tabular import target_numbers

        numbers = values.astype(np.float64) if values.dtype.kind in "biuf" else None
        if numbers is None:
            numbers = target_numbers(values).astype(np.float64)
            if not np.isfinite(numbers).all():
                bad = values[~np.isfinite(numbers)][0]
                raise CLIError(
                    f"the target column {target!r} is not numeric (value {bad!r}); "
                    "use --task classification to predict it as labels"
                )
        if not np.isfinite(numbers).all():
            raise CLIError(f"the target column {target!r} holds infinite values")
        return present, numbers, task
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        labels = values.astype(np.int64)
    elif values.dtype.kind in "biu":
        labels = values
    else:
        labels = np.asarray(_as_text_values(values), dtype=object)
    if np.unique(labels).size < 2:
        raise CLIError(f"the target column {target!r} has a single class: nothing to learn")
    return present, labels, task


def _split(y: np.ndarray, task: str, seed: int, validation: float | None, lbfgs: bool):
    """Row indices (train, validation, test): stratified by class where possible."""
    from sklearn.model_selection import train_test_split

    n = y.shape[0]
    if n < 10:
        raise CLIError(f"need at least 10 rows with a target to train and test, got {n}")
    rows = np.arange(n)

    def cut(idx, size):
        if task == "classification":
            try:
                return train_test_split(idx, test_size=size, random_state=seed, stratify=y[idx])
            except ValueError:  # a class too rare to stratify
                pass
        return train_test_split(idx, test_size=size, random_state=seed)

    rest, test = cut(rows, TEST_FRACTION)
    if validation is not None:
        n_val = round(validation * rest.size)
    else:
        n_val = min(MAX_VALIDATION_ROWS, round((0.1 if rest.size >= 2000 else 0.2) * rest.size))
    if n_val < 2:
        return np.sort(rest), np.empty(0, dtype=np.int64), np.sort(test)
    train, val = cut(rest, n_val)
    if task == "classification":
        # A class seen only in the validation rows cannot be learned: train on those rows.
        unseen = ~np.isin(y[val], y[train])
        train, val = np.concatenate([train, val[unseen]]), val[~unseen]
    return np.sort(train), np.sort(val), np.sort(test)


def _auto_epochs(n_train: int, batch: int, lbfgs: bool) -> int:
    if lbfgs:
        return 200
    steps = math.ceil(n_train / max(1, min(batch, n_train)))
    return int(min(500, max(50, math.ceil(TARGET_STEPS / steps))))


def _predict_blocks(est: Any, X: np.ndarray, proba: bool = False) -> np.ndarray:
    parts = []
    for start in range(0, X.shape[0], PREDICT_BLOCK):
        block = X[start : start + PREDICT_BLOCK]
        parts.append(est.predict_proba(block) if proba else est.predict(block))
    return np.concatenate(parts)


def _readable_warning(w: warnings.WarningMessage, lbfgs: bool, losses: list[float]) -> str:
    text = str(w.message).strip().splitlines()[0]
    if lbfgs and "lbfgs" in text.lower():
        return "L-BFGS hit the iteration limit (--epochs) before converging; more may help"
    if "Maximum iterations" in text:
        # scikit-learn's warning only says that no stopping rule fired (the CLI turns the
        # training-loss rule off); whether the loss still fell is read from the curve.
        if _still_improving(losses):
            return (
                "the epoch limit (--epochs) was reached while the training loss was still falling"
            )
        return (
            "the epoch limit (--epochs) was reached; the training loss had levelled off "
            f"over the last {IMPROVING_WINDOW} epochs"
        )
    return text


def _still_improving(losses: list[float]) -> bool:
    """Whether the last IMPROVING_WINDOW epochs beat the best loss before them."""
    finite = [v for v in losses if math.isfinite(v)]
    if len(finite) <= IMPROVING_WINDOW:
        return True
    before = min(finite[:-IMPROVING_WINDOW])
    return min(finite[-IMPROVING_WINDOW:]) < before - IMPROVING_TOL * max(1.0, abs(before))


@dataclass
class _TrainingData:
    """The float32 matrices of a training run, their targets and how they were made."""

    prep: Any
    roles: list
    source: str
    target: str
    task: str
    rows: tuple[np.ndarray, np.ndarray, np.ndarray]  # train, validation, test row indices
    X: dict[str, np.ndarray | None]  # "train", "val", "test"
    y: dict[str, np.ndarray]
    mean: float = 0.0
    scale: float = 1.0

    def fit_targets(self, part: str) -> np.ndarray:
        """The targets the estimator trains on: standardized for regression."""
        y = self.y[part]
        return (y - self.mean) / self.scale if self.task == "regression" else y


def _training_data(args: argparse.Namespace, lbfgs: bool) -> _TrainingData:
    """Read the table, choose the columns' roles, split the rows, prepare the matrices."""
    from . import tabular

    table, roles, source, target, read_seconds = _load_training_table(args)
    if args.data is not None:
        print(f"Read {table.shape[0]} rows × {table.shape[1]} columns in {read_seconds:.1f} s.")
    has_target, y_all, task = _target_values(table, target, args.task)
    if not has_target.all():
        n_missing = int((~has_target).sum())
        print(f"note: {n_missing} rows have no {target!r} value and are left out")
        table = table[has_target].reset_index(drop=True)
    for role in roles:
        if role.name == target:
            role.seen, role.why = f"{role.seen}; {task}", f"--target ({task})"
        if role.role == "categorical":
            role.max_categories = args.max_categories
    _print_roles(roles, args.data is not None)
    numeric = [r.name for r in roles if r.role == "numeric"]
    categorical = [r.name for r in roles if r.role == "categorical"]
    if not numeric and not categorical:
        raise CLIError("no feature columns are left to train on (see the column table above)")
    rows = _split(y_all, task, args.seed, args.validation_fraction, lbfgs)
    prep = tabular.Preprocessor.fit(
        table,
        numeric,
        categorical,
        rows=rows[0],
        max_categories=args.max_categories,
        formatted=[r.name for r in roles if r.role == "numeric" and r.formatted],
    )
    tabular.release_memory()  # the split's and the fit's temporaries
    X: dict[str, np.ndarray | None] = {}
    for part, idx in zip(("train", "val", "test"), rows, strict=True):
        X[part] = np.empty((idx.size, prep.n_outputs), dtype=np.float32)
        prep.transform_into(table, idx, X[part])
    del table  # the raw rows are no longer needed: only the float32 matrices stay
    tabular.release_memory()
    y = {part: y_all[idx] for part, idx in zip(("train", "val", "test"), rows, strict=True)}
    data = _TrainingData(prep, roles, source, target, task, rows, X, y)
    if task == "regression":
        data.mean = float(np.mean(y["train"]))
        data.scale = float(np.std(y["train"])) or 1.0
    return data


def _apply_size_defaults(
    args: argparse.Namespace, n_train: int, lbfgs: bool, early: bool = True
) -> None:
    """Fill the flags left out: the small-table defaults under SMALL_TABLE training rows.

    The note names those that apply: no patience where there is no early stopping.
    """
    small = n_train < SMALL_TABLE and not lbfgs
    defaults = SMALL_DEFAULTS if small else {**DEFAULTS, "patience": 10}
    chosen = [k for k in SMALL_DEFAULTS if getattr(args, k) is None]
    for key in chosen:
        setattr(args, key, defaults[key])
    chosen = [k for k in chosen if early or k != "patience"]
    if small and chosen:
        shown = ", ".join(f"{k.replace('_', ' ')} {defaults[k]:g}" for k in chosen)
        print(f"note: {n_train} training rows: small-table defaults {shown}")


def _estimator(
    args: argparse.Namespace,
    settings: dict[str, Any],
    task: str,
    batch: int,
    epochs: int,
    early: bool,
    record: _TrainingRecord,
    monitor: np.ndarray,
) -> Any:
    """The estimator the flags describe (its schedule names are the estimator's own).

    With figures, a :class:`~mlplab.diagnostics.Diagnostics` callback (kept in
    ``record.diagnostics``) measures the unit health on `monitor`, a fixed set of
    training rows, in an inference pass per epoch, rather than on every training batch
    (the estimators' ``diagnostics=True``): one pass over 1 024 rows an epoch instead
    of a dead-unit check per batch.
    """
    from .estimators import MLPClassifier, MLPRegressor

    callbacks: list[Callback] = [record]
    if args.figures != "none":
        from .diagnostics import Diagnostics

        record.diagnostics = Diagnostics(monitor_X=monitor)
        callbacks.append(record.diagnostics)
    # A classifier stops on the validation log-loss, not on its accuracy: on a few hundred
    # rows the accuracy moves in steps of a row and often hits its best (say 100%) within
    # a few epochs, which then ends the run early. Test accuracy over eight splits, stopping
    # on accuracy vs on the log-loss: digits 0.969 vs 0.973; breast cancer (with 91
    # validation rows, before MIN_VALIDATION_ROWS turned stopping off there) 0.949 vs 0.963.
    stop_on_loss = early and task == "classification"
    if stop_on_loss:
        from .callbacks import EarlyStopping

        callbacks.append(EarlyStopping("val_loss", args.patience, restore_best_weights=True))
    if sys.stderr.isatty():
        from .callbacks import ProgressBar

        callbacks.append(ProgressBar())
    cls = MLPClassifier if task == "classification" else MLPRegressor
    return cls(
        hidden_layer_sizes=args.hidden,
        activation=settings["activation"],
        solver=args.optimizer,
        alpha=args.alpha,
        batch_size=batch,
        learning_rate=args.schedule,
        learning_rate_init=args.learning_rate,
        max_iter=epochs,
        random_state=args.seed,
        early_stopping=early and not stop_on_loss,
        n_iter_no_change=args.patience if early and not stop_on_loss else np.inf,
        batch_norm=args.batch_norm,
        dropout=args.dropout,
        weight_decay=settings["weight_decay"],
        callbacks=callbacks,
    )


def _fit(est: Any, data: _TrainingData, lbfgs: bool, record: _TrainingRecord) -> float:
    """Fit on the training matrix (scored on the validation one); seconds taken.

    Convergence warnings become notes in plain words; a divergence is reported by the
    training record instead.
    """
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from .training import DivergenceWarning

    validation = None
    if data.rows[1].size:
        validation = (data.X["val"], data.fit_targets("val"))
    start = time.perf_counter()
    # Networks this size run fastest on one BLAS thread (several contend on small products).
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", DivergenceWarning)
        est.fit(data.X["train"], data.fit_targets("train"), validation_data=validation)
    seconds = time.perf_counter() - start
    notes = []
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            notes.append(_readable_warning(w, lbfgs, record.column("loss")))
        elif not issubclass(w.category, DivergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for note in dict.fromkeys(notes):
        print(f"note: {note}")
    return seconds


def cmd_train(args: argparse.Namespace) -> int:
    """Train, print a table of results and write the run folder."""
    from . import tabular

    settings = _check_train_args(args)
    lbfgs = settings["lbfgs"]
    data = _training_data(args, lbfgs)
    train, val, test = data.rows
    early = not args.no_early_stopping and not lbfgs and val.size >= MIN_VALIDATION_ROWS
    if not args.no_early_stopping and not lbfgs and val.size < MIN_VALIDATION_ROWS:
        print(
            f"note: {val.size} validation rows are too few to stop on; training runs every "
            "epoch (hold out more with --validation-fraction)"
        )
    _apply_size_defaults(args, train.size, lbfgs, early)
    batch = min(args.batch_size, train.size)
    epochs = args.epochs or _auto_epochs(train.size, batch, lbfgs)
    record = _TrainingRecord()
    # The split's rows are in random order; a copy, so that the training matrix can be
    # freed after the fit (a view of it would keep all of it alive).
    monitor = data.X["train"][:MONITOR_ROWS].copy()
    est = _estimator(args, settings, data.task, batch, epochs, early, record, monitor)
    what = f"{train.size} rows for training, {val.size} for validation, {test.size} for testing"
    print(f"Training on {data.source}: {what}.", flush=True)
    seconds = _fit(est, data, lbfgs, record)
    est.set_params(callbacks=None)
    X_test = data.X["test"]
    data.X.clear()  # free the matrices before the figures' imports and arrays
    task, y_test = data.task, data.y["test"]
    results, metrics, y_pred = _evaluate(est, task, X_test, y_test, data.mean, data.scale)
    del X_test
    tabular.release_memory()
    stopped = _stop_summary(record, est, early, args.patience, epochs, lbfgs, task)
    results.append(
        ("iterations" if lbfgs else "epochs", f"{len(record.records)} of at most {epochs}")
    )
    results.append(("stopped", stopped))
    results.append(("seconds", f"{seconds:.1f}"))
    _print_table(results)
    if record.diverged:
        print(f"warning: training diverged: {stopped}", file=sys.stderr)
    model = tabular.TabularModel(
        data.prep, est, task, data.target, data.roles, data.mean, data.scale, args.decimal or "."
    )
    metrics |= {
        "task": task,
        "epochs": len(record.records),
        "max_epochs": epochs,
        "stopped": stopped,
        "diverged": record.diverged,
        "seconds": seconds,
        "train_rows": int(train.size),
        "validation_rows": int(val.size),
        "test_rows": int(test.size),
    }
    folder = _write_run(
        args,
        model,
        record,
        metrics,
        results,
        y_test,
        y_pred,
        data.source,
        epochs,
        settings,
        early,
        args.patience,
    )
    print(f"Model: {folder / 'model'}")
    print(f"Report: {folder / 'report.md'}")
    return 0


def _print_roles(roles: list, verbose: bool) -> None:
    """The column table: what each column holds and what is done with it."""
    if not verbose:
        return
    rows = [
        (r.name, r.seen, r.role, r.action() if r.role in ("numeric", "categorical") else r.why)
        for r in roles
    ]
    head = ("column", "holds", "role", "what is done")
    rows = _shown_rows(rows)
    widths = [min(28, max(len(str(x[i])) for x in [head, *rows])) for i in range(3)]
    for row in [head, *rows]:
        cells = [str(c)[:w].ljust(w) for c, w in zip(row[:3], widths, strict=True)]
        print("  " + "  ".join(cells) + "  " + str(row[3]))
    reasons: dict[str, list[str]] = {}
    for r in roles:
        if r.role in ("id", "dropped") and not r.forced:
            reasons.setdefault(r.why, []).append(repr(r.name))
    if reasons:
        # one entry per reason: thirty decimal-comma columns make one readable line
        left = [
            f"{', '.join(names[:5])}{f' and {len(names) - 5} more' if len(names) > 5 else ''}"
            f" ({why})"
            for why, names in reasons.items()
        ]
        print(f"note: not used as features: {'; '.join(left)}")


#: Past this many columns, the printed column table folds runs of alike columns (the
#: report lists every one).
MAX_PRINTED_COLUMNS = 40


def _shown_rows(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The column table's rows, with runs of alike columns folded on a wide table.

    Consecutive columns that hold the same, get the same role and the same treatment
    show as their first and a row ``"... 493 more"`` naming the last: 500 numeric
    columns print three lines, not 500.
    """
    if len(rows) <= MAX_PRINTED_COLUMNS:
        return rows
    shown: list[tuple[str, ...]] = []
    start = 0
    while start < len(rows):
        end = start
        while end + 1 < len(rows) and rows[end + 1][1:] == rows[start][1:]:
            end += 1
        shown.append(rows[start])
        if end - start >= 2:
            more = f"... {end - start} more"
            shown.append((more, "", "", f"the same, to {rows[end][0]!r}"))
        elif end > start:
            shown.append(rows[end])
        start = end + 1
    return shown


def _evaluate(est, task, X_test, y_test, mean, scale):
    from sklearn.metrics import (
        accuracy_score,
        log_loss,
        mean_absolute_error,
        mean_squared_error,
        r2_score,
    )

    if task == "classification":
        proba = _predict_blocks(est, X_test, proba=True)
        pred = est.classes_[np.argmax(proba, axis=1)]
        accuracy = float(accuracy_score(y_test, pred))
        # The log-loss of a class never seen in training is undefined: it is taken over
        # the other rows (a table with many rare labels can leave none).
        known = np.isin(y_test, est.classes_)
        loss = None
        shown = "n/a: no test row has a class seen in training"
        if known.any():
            loss = float(log_loss(y_test[known], proba[known], labels=est.classes_))
            shown = f"{loss:.4f}"
            if not known.all():
                n_known = int(known.sum())
                shown += (
                    f" (on {n_known} of {known.size} rows: the other classes were not trained on)"
                )
        results = [("test accuracy", f"{accuracy:.4f}"), ("test log-loss", shown)]
        return results, {"test accuracy": accuracy, "test log-loss": loss}, pred
    pred = _predict_blocks(est, X_test).astype(np.float64) * scale + mean
    r2 = float(r2_score(y_test, pred))
    mae = float(mean_absolute_error(y_test, pred))
    rmse = float(math.sqrt(mean_squared_error(y_test, pred)))
    results = [("test R²", f"{r2:.4f}"), ("test MAE", f"{mae:.4g}"), ("test RMSE", f"{rmse:.4g}")]
    return results, {"test R²": r2, "test MAE": mae, "test RMSE": rmse}, pred


def _stop_summary(record, est, early, patience, epochs, lbfgs, task) -> str:
    n = len(record.records)
    if record.diverged:
        kept = f"epoch {n}" if n else "the initial weights"
        return (
            f"diverged in {'iteration' if lbfgs else 'epoch'} {n + 1} (the loss or the "
            f"weights became infinite, NaN or exploded); kept {kept}"
        )
    if lbfgs:
        if n >= epochs:
            return f"reached the iteration limit (--epochs {epochs})"
        return f"L-BFGS converged ({record.stop_reason or 'done'})"
    if n >= epochs:
        return f"reached the epoch limit (--epochs {epochs})"
    if early:
        scores = record.column("val_score")
        if task == "classification":
            # stopped on the validation log-loss (see _estimator); its accuracy is shown too
            losses = record.column("val_loss")
            best = int(np.nanargmin(losses)) if losses else n - 1
            value = f", log-loss {losses[best]:.4f}" if losses else ""
            value += f", accuracy {scores[best]:.4f}" if best < len(scores) else ""
            return (
                f"early stopping: validation log-loss did not improve for {patience} epochs; "
                f"kept epoch {best + 1}{value}"
            )
        best = int(np.nanargmax(scores)) + 1 if scores else n
        value = f", R² {max(scores):.4f}" if scores else ""
        return (
            f"early stopping: validation R² did not improve for {patience} epochs; "
            f"kept epoch {best}{value}"
        )
    return record.stop_reason or "stopped"


def _print_table(rows: list[tuple[str, str]], stream: Any = None) -> None:
    stream = stream or sys.stdout
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}", file=stream)


def _write_run(
    args, model, record, metrics, results, y_test, y_pred, source, epochs, settings, early, patience
) -> Path:
    """Write the run into a hidden folder and rename it into place at the end."""
    base = Path(args.out)
    base.mkdir(parents=True, exist_ok=True)
    final = _unique_run_name(base)
    partial = base / f".{final.name}.partial-{secrets.token_hex(4)}"
    _new_folder(partial)
    try:
        model.save(partial / "model")
        figures = (
            []
            if args.figures == "none"
            else _train_figures(model, record, partial, args.figures, y_test, y_pred)
        )
        _write_report(
            partial, final, args, model, source, results, figures, epochs, settings, early, patience
        )
        text = json.dumps(metrics, indent=2, allow_nan=False, default=str) + "\n"
        (partial / "metrics.json").write_text(text, encoding="utf-8")
        os.rename(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _train_figures(model, record, folder: Path, ext: str, y_test, y_pred) -> list[Path]:
    """Draw and write each figure in turn (one figure in memory at a time)."""
    from . import plotting
    from .tabular import release_memory

    est, task = model.estimator, model.task
    score = "accuracy" if task == "classification" else "R²"
    loss = "log-loss" if task == "classification" else "MSE of the standardized target"
    curves = {k: record.column(k) for k in ("loss", "val_loss", "val_score")}
    curves = {k: v for k, v in curves.items() if v}
    rates = record.column("lr")
    if est.solver != "lbfgs" and rates and max(rates) > min(rates):  # a schedule: show it
        curves["lr"] = rates
    x_label = "L-BFGS iteration" if est.solver == "lbfgs" else "epoch"
    todo: list[tuple[str, Any]] = []
    if curves.get("loss"):  # a run that diverged in its first epoch has no curve
        todo.append(
            (
                "training_curves",
                lambda: plotting.plot_history(
                    curves, score_name=score, loss_name=loss, x_label=x_label
                ),
            )
        )
    if task == "classification":
        labels = [str(c) for c in model.classes]
        todo.append(
            (
                "confusion_matrix",
                lambda: plotting.plot_confusion_matrix(
                    np.asarray([str(v) for v in y_test]),
                    np.asarray([str(v) for v in y_pred]),
                    labels,
                ),
            )
        )
    else:
        todo.append(
            (
                "predicted_vs_true",
                lambda: plotting.plot_predicted_vs_true(y_test, y_pred, model.target),
            )
        )
    diagnostics = None if record.diagnostics is None else record.diagnostics.records
    if diagnostics:
        todo.append(("gradient_flow", lambda: plotting.plot_gradient_flow(diagnostics)))
        output_layer = max(r["layer"] for r in diagnostics)
        if any(
            r.get("dead_fraction") is not None or r.get("saturated_fraction") is not None
            for r in diagnostics
            if r["layer"] < output_layer
        ):
            todo.append(("unit_health", lambda: plotting.plot_unit_health(diagnostics)))
    paths = []
    for name, draw in todo:
        path = folder / f"{name}.{ext}"
        fig = draw()
        with path.open("wb") as fh:  # a plain open: the umask sets the mode
            fig.savefig(fh, format=ext, dpi=100)
        del fig
        release_memory()  # the renderer's buffers, before the next figure
        paths.append(path)
    return paths


def _write_report(
    folder, final, args, model, source, results, figures, epochs, settings, early, patience
):
    est = model.estimator
    opt = args.optimizer
    settings_rows = [
        ("data", source),
        ("task", model.task),
        ("target", model.target),
        (
            "features",
            f"{model.preprocessor.n_outputs} network inputs from "
            f"{len(model.preprocessor.columns)} columns",
        ),
        ("hidden layers", ", ".join(map(str, args.hidden))),
        ("activation", args.activation),
        ("batch normalization", "yes" if args.batch_norm else "no"),
        (
            "optimizer",
            opt
            + (f" (weight decay {settings['weight_decay']:g})" if settings["weight_decay"] else ""),
        ),
        (
            "learning rate",
            "—" if opt == "lbfgs" else f"{args.learning_rate:g} ({args.schedule} schedule)",
        ),
        ("batch size", "full batch" if opt == "lbfgs" else str(est.batch_size)),
        ("epochs", f"at most {epochs}"),
        (
            "early stopping",
            f"yes, on the validation {'log-loss' if model.task == 'classification' else 'R²'}, "
            f"patience {patience} epochs"
            if early
            else "no",
        ),
        ("L2 (alpha)", f"{args.alpha:g}"),
        ("dropout", f"{args.dropout:g}"),
        ("seed", str(args.seed)),
    ]
    if model.task == "regression":
        settings_rows.append(
            (
                "target scaling",
                f"standardized for training (mean {model.target_mean:.6g}, "
                f"std {model.target_scale:.6g}); predictions in the original units",
            )
        )
    lines = [
        f"# mlplab train: {source}\n",
        f"## Results (held-out {TEST_FRACTION:.0%} test split)\n",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in results]
    lines += ["", "## Columns\n", "| column | holds | role | what was done |", "|---|---|---|---|"]
    for r in model.roles:
        done = (
            r.action()
            if r.role in ("numeric", "categorical", "target")
            else f"{r.action()} ({r.why})"
        )
        lines.append(f"| {_md(r.name)} | {_md(r.seen)} | {r.role} | {_md(done)} |")
    lines += ["", "## Settings\n", "| | |", "|---|---|"]
    lines += [f"| {k} | {_md(v)} |" for k, v in settings_rows]
    if figures:
        lines += ["", "## Figures\n"]
        lines += [f"![{p.stem.replace('_', ' ')}]({p.name})\n" for p in figures]
    lines += [
        "",
        "## Use the model\n",
        "```",
        f"mlplab predict --model {final / 'model'} --data FILE --output predictions.csv",
        "```",
        "",
    ]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|")


# -- predict ----------------------------------------------------------------------------------
def _model_folder(path: Path) -> Path:
    if not path.exists():
        raise CLIError(f"no such model: {path}")
    if path.is_file():
        path = path.parent
    if (path / "model" / "preprocessing.npz").is_file():
        path = path / "model"
    return path


def cmd_predict(args: argparse.Namespace) -> int:
    """Predict the rows of a table with a saved model, streaming it in chunks."""
    import pandas as pd

    from . import tabular

    folder = _model_folder(Path(args.model))
    output = Path(args.output) if args.output else None
    if output is not None:
        _check_output_file(output)
        if output.exists() and Path(args.data).exists() and output.samefile(args.data):
            raise CLIError(f"--output {output} is the --data file; it would be overwritten")
    try:
        tabular.check_table_path(args.data)
    except tabular.TableError as exc:
        raise CLIError(str(exc)) from None
    model = tabular.TabularModel.load(folder)
    if args.proba and model.task != "classification":
        raise CLIError("--proba needs a classification model; this one predicts numbers")
    decimal = args.decimal or model.decimal
    try:
        reader = tabular.TableReader(
            args.data,
            sep=args.sep,
            decimal=decimal,
            encoding=args.encoding,
            decimal_fallback=args.decimal is None,
        )
    except tabular.TableError as exc:
        raise CLIError(str(exc)) from None
    with reader:
        columns = reader.columns
        needed = model.preprocessor.columns
        _check_predict_columns(needed, columns, args.data)
        ids = [c for c in model.id_columns if c in columns]
        wanted = [c for c in columns if c in set(needed) | set(ids)]
        name = f"predicted_{model.target}"
        labels = [str(c) for c in model.classes] if model.task == "classification" else []
        n_rows = 0
        not_numbers: dict[str, list] = {}
        sink, tmp = _open_output(output)
        try:
            # IDs are written back as they were read: 007 stays 007
            for chunk in _chunks(reader, wanted, text=ids):
                if len(chunk) == 0:  # a file with a header only: nothing to predict
                    continue
                frame = pd.DataFrame({c: chunk[c].to_numpy() for c in ids})
                _count_non_numbers(chunk, model.preprocessor, not_numbers)
                X = model.preprocessor.transform(chunk)
                if model.task == "classification":
                    proba = model.estimator.predict_proba(X)
                    frame[name] = model.estimator.classes_[np.argmax(proba, axis=1)]
                    if args.proba:
                        for j, label in enumerate(labels):
                            frame[f"proba_{label}"] = proba[:, j]
                else:
                    out = model.estimator.predict(X).astype(np.float64)
                    frame[name] = out * model.target_scale + model.target_mean
                sink.write(_csv(frame, header=n_rows == 0, sep="\t" if _is_tsv(output) else ","))
                n_rows += len(chunk)
            if n_rows == 0:
                probas = [f"proba_{label}" for label in labels] if args.proba else []
                empty = pd.DataFrame(columns=[*ids, name, *probas])
                sink.write(_csv(empty, header=True, sep="\t" if _is_tsv(output) else ","))
            if tmp is not None:
                sink.close()
                os.replace(tmp, output)
        except BaseException:
            if tmp is not None:
                sink.close()
                tmp.unlink(missing_ok=True)
            raise
    _note_non_numbers(not_numbers)
    if output is not None:
        print(f"Wrote {n_rows} predictions to {output}")
    return 0


def _check_predict_columns(needed: list[str], columns: list[str], data: str) -> None:
    """Every column the model needs is in the file; else name those that are not."""
    from .tabular import misread_separator

    missing = [c for c in needed if c not in columns]
    if not missing:
        return
    shown = ", ".join(repr(c) for c in missing[:8]) + (" ..." if len(missing) > 8 else "")
    hint = ""
    folded = {c.casefold(): c for c in columns}
    close = [folded[m.casefold()] for m in missing if m.casefold() in folded]
    if close:
        hint = f" (names differ in case: {', '.join(repr(c) for c in close[:3])})"
    sep = misread_separator(columns)
    if sep is not None:
        hint = f" (it was read as one column: is its separator {sep!r}? --sep)"
    raise CLIError(f"{data} lacks the model's column(s) {shown}{hint}")


def _note_non_numbers(not_numbers: dict[str, list]) -> None:
    """One line on stderr naming the numeric columns that held text (see below)."""
    if not not_numbers:
        return
    shown = [f"{c!r} {k} (e.g. {e!r})" for c, (k, e) in list(not_numbers.items())[:3]]
    more = f" and {len(not_numbers) - 3} more columns" if len(not_numbers) > 3 else ""
    commas = any("," in e for _, e in not_numbers.values())
    hint = "; a decimal comma? give --decimal ," if commas else ""
    print(
        f"note: values of numeric columns that are not numbers were filled in like "
        f"blanks: {', '.join(shown)}{more}{hint}",
        file=sys.stderr,
    )


def _count_non_numbers(chunk, prep: Any, counts: dict[str, list]) -> None:
    """Count the values of numeric columns that are text, not numbers ('?', '1,5').

    The preprocessing imputes them like blanks; said once at the end, since a file
    written with another decimal mark would otherwise be predicted from medians.
    """
    from .tabular import to_float32

    for column, formatted in zip(prep.numeric, prep.formatted, strict=True):
        values = chunk[column]
        if values.dtype.kind != "O":  # pandas parsed every value as a number
            continue
        present = values.notna().to_numpy()
        bad = present & np.isnan(to_float32(values.to_frame(), [formatted])[:, 0])
        if bad.any():
            entry = counts.setdefault(column, [0, str(values.to_numpy()[bad][0])])
            entry[0] += int(bad.sum())


def _chunks(reader, columns, text=()):
    from .tabular import TableError

    try:
        yield from reader.chunks(columns, text=text)
    except TableError as exc:
        raise CLIError(str(exc)) from None


def _is_tsv(path: Path | None) -> bool:
    return path is not None and path.name.lower().removesuffix(".gz").endswith(".tsv")


def _csv(frame, header: bool, sep: str) -> bytes:
    return frame.to_csv(
        index=False, header=header, sep=sep, lineterminator="\n", float_format="%.7g"
    ).encode("utf-8")


def _open_output(output: Path | None):
    """A binary sink: stdout, or a temporary file beside `output` (renamed at the end)."""
    if output is None:
        return _TextSink(sys.stdout), None
    tmp = output.parent / f".{output.name}.partial-{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask decides
    raw = os.fdopen(fd, "wb")
    if output.name.lower().endswith(".gz"):
        return _GzipSink(raw), tmp
    return raw, tmp


class _TextSink:
    """Bytes to a text stream (pytest's captured stdout has no .buffer)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))

    def close(self) -> None:
        pass


class _GzipSink:
    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.gz = gzip.GzipFile(fileobj=raw, mode="wb")

    def write(self, data: bytes) -> None:
        self.gz.write(data)

    def close(self) -> None:
        self.gz.close()
        self.raw.close()


# -- activations ----------------------------------------------------------------------------


def cmd_activations(args: argparse.Namespace) -> int:
    """Print the catalog's properties; plot value and derivative with --plot."""
    from . import activations

    if args.plot:
        _check_plot_path(args.plot)
        if not args.x_min < args.x_max:
            raise CLIError(f"--x-min {args.x_min:g} must be below --x-max {args.x_max:g}")
    names = args.names or activations.names()
    functions = [activations.get(n) for n in names]
    if args.plot and not any(f.elementwise for f in functions):
        raise CLIError("none of these activations is elementwise: nothing to plot")
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
    from ._version import __version__

    parser.add_argument("--version", action="version", version=f"mlplab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    _add_train_command(sub)
    p = sub.add_parser(
        "predict",
        help="predict a table with a saved model",
        description="Predict each row of a table; columns are matched by name, extra ones "
        "ignored. The file is streamed in chunks.",
    )
    p.add_argument("--model", required=True, metavar="PATH", help="a run folder or its model/")
    p.add_argument("--data", required=True, metavar="FILE", help="CSV or Parquet table")
    p.add_argument("--output", metavar="FILE.csv", help="default: standard output")
    p.add_argument("--proba", action="store_true", help="add one probability column per class")
    p.add_argument("--sep", type=_char, metavar="C", help="CSV separator (default: sniffed)")
    p.add_argument(
        "--decimal", type=_char, metavar="C", help="decimal mark (default: the training one)"
    )
    p.add_argument(
        "--encoding", type=_encoding, default="utf-8", help="CSV text encoding (default: utf-8)"
    )
    p.set_defaults(handler=cmd_predict)

    p = sub.add_parser(
        "activations",
        help="the activation catalog: properties and plots",
        description="Print each activation's properties; with --plot, draw the elementwise "
        "ones and their derivatives.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="activations to show (default: all)")
    p.add_argument("--plot", metavar="FILE", help="save a plot (.png or .svg)")
    p.add_argument("--x-min", type=_number, default=-5.0, metavar="X", help="default: -5")
    p.add_argument("--x-max", type=_number, default=5.0, metavar="X", help="default: 5")
    p.set_defaults(handler=cmd_activations)

    p = sub.add_parser("experiment", help="run the lab's experiments")
    p.add_argument("name", nargs="?", metavar="NAME", help="an experiment name, or 'all'")
    p.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument(
        "--out",
        default="runs/experiments",
        metavar="DIR",
        help="where the reports go (default: runs/experiments)",
    )
    p.add_argument("--quick", action="store_true", help="reduced sizes: seconds each")
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.set_defaults(handler=cmd_experiment)

    p = sub.add_parser("playground", help="the interactive playground", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(handler=cmd_playground)

    return parser


def _add_train_command(sub: Any) -> None:
    """``mlplab train``: its data, network-and-training and output flags."""
    p = sub.add_parser(
        "train",
        help="train a network (digits by default) and write a report",
        description=(
            "Train an MLP and write the model, figures and a report to a new folder. "
            "With --data, columns are prepared automatically: numbers are imputed (median) "
            "and standardized, categories one-hot encoded, IDs and constant columns left out."
        ),
    )
    g = p.add_argument_group("data")
    g.add_argument("--data", metavar="FILE", help="CSV (.csv, .tsv, .csv.gz) or Parquet table")
    g.add_argument("--target", metavar="COLUMN", help="the column to predict (with --data)")
    g.add_argument(
        "--task",
        choices=["classification", "regression"],
        help="default: regression for numbers with fractions or more than 20 distinct "
        "values, else classification",
    )
    g.add_argument("--sep", type=_char, metavar="C", help="CSV separator (default: sniffed)")
    g.add_argument(
        "--decimal",
        type=_char,
        metavar="C",
        help="decimal mark, e.g. , (default: sniffed: , where the numbers are written 1,5 "
        "and the separator is not a comma, else .)",
    )
    g.add_argument(
        "--encoding", type=_encoding, default="utf-8", help="CSV text encoding (default: utf-8)"
    )
    for flag, what in (
        ("drop", "columns not to use"),
        ("categorical", "columns to one-hot encode"),
        ("numeric", "columns to treat as numbers"),
        ("id", "ID columns: not features, written next to each prediction"),
    ):
        g.add_argument(
            f"--{flag}",
            type=_name_list,
            action="append",
            metavar="COL[,COL...]",
            help=f"{what} (the flag may be repeated)",
        )
    g.add_argument(
        "--max-categories",
        type=_category_count,
        default=DEFAULTS["max_categories"],
        metavar="N",
        help="one-hot columns per categorical column at most: past N, the N-1 most frequent "
        f"categories keep theirs and the others share one (default: {DEFAULTS['max_categories']})",
    )
    _add_training_flags(p.add_argument_group("network and training"))
    g = p.add_argument_group("output")
    g.add_argument(
        "--out",
        default="runs",
        metavar="DIR",
        help="a new folder is created under it (default: runs)",
    )
    g.add_argument(
        "--figures",
        choices=["png", "svg", "none"],
        default="png",
        help="figure format (default: png)",
    )
    p.set_defaults(handler=cmd_train)


def _add_training_flags(g: Any) -> None:
    """The network and training flags of ``mlplab train``."""
    from .optimizers import names as optimizer_names
    from .schedules import DECAYS

    g.add_argument(
        "--hidden",
        type=_int_list,
        default=DEFAULTS["hidden"],
        metavar="SIZES",
        help="hidden layer sizes, e.g. 128,64 (default: 128,64)",
    )
    g.add_argument(
        "--activation",
        default=DEFAULTS["activation"],
        metavar="NAME[,NAME...]",
        help="one activation, or one per hidden layer (default: elu)",
    )
    g.add_argument(
        "--optimizer",
        default=DEFAULTS["optimizer"],
        choices=optimizer_names(),
        help="training algorithm (default: adam); lbfgs is full-batch and takes no "
        "schedule, dropout or weight decay",
    )
    g.add_argument(
        "--learning-rate",
        type=_positive_float,
        metavar="LR",
        help=f"initial learning rate (default: 0.001; {SMALL_DEFAULTS['learning_rate']:g} "
        f"under {SMALL_TABLE} training rows)",
    )
    g.add_argument(
        "--schedule",
        default=DEFAULTS["schedule"],
        choices=["constant", *DECAYS, "invscaling", "adaptive"],
        help="learning-rate schedule (default: constant): the decays reach 1%% of the rate "
        "at the last epoch "
        "(step: ×0.1 every third of the epochs); invscaling and adaptive are "
        "scikit-learn's and apply to sgd only",
    )
    g.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help=f"maximum epochs (L-BFGS: iterations); default: about {TARGET_STEPS} steps, "
        "50 to 500 epochs (L-BFGS: 200)",
    )
    g.add_argument(
        "--batch-size",
        type=_positive_int,
        default=DEFAULTS["batch_size"],
        metavar="N",
        help=f"rows per step (default: {DEFAULTS['batch_size']}; lbfgs: the full batch)",
    )
    _add_regularization_flags(g)


def _add_regularization_flags(g: Any) -> None:
    """The penalty, dropout, batch-norm, validation and stopping flags of ``mlplab train``."""
    g.add_argument(
        "--alpha",
        type=_non_negative_float,
        default=DEFAULTS["alpha"],
        metavar="A",
        help="L2 penalty (default: 1e-4)",
    )
    g.add_argument(
        "--weight-decay",
        type=_non_negative_float,
        metavar="WD",
        help="decoupled weight decay, W -= lr·WD·W after each step: AdamW's with adamw, "
        "the same rule with the other stochastic optimizers (default: 0.01 with adamw, "
        "else 0; not with lbfgs)",
    )
    g.add_argument(
        "--dropout",
        type=_rate,
        metavar="RATE",
        help=f"dropout rate after each hidden layer (default: 0; "
        f"{SMALL_DEFAULTS['dropout']:g} under {SMALL_TABLE} training rows)",
    )
    g.add_argument(
        "--no-batch-norm",
        dest="batch_norm",
        action="store_false",
        help="no batch normalization between layers",
    )
    g.add_argument(
        "--validation-fraction",
        type=_fraction,
        metavar="F",
        help="share of the training rows held out for validation "
        f"(default: 0.2, or 0.1 from 2000 rows, at most {MAX_VALIDATION_ROWS} rows)",
    )
    g.add_argument(
        "--patience",
        type=_positive_int,
        metavar="N",
        help="epochs without a better validation log-loss (classification) or R² "
        f"(regression) before stopping (default: 10; {SMALL_DEFAULTS['patience']} under "
        f"{SMALL_TABLE} training rows)",
    )
    g.add_argument(
        "--no-early-stopping",
        action="store_true",
        help=f"run every epoch (early stopping needs {MIN_VALIDATION_ROWS} validation rows)",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=DEFAULTS["seed"],
        help="seeds the split, the initial weights and the shuffling (default: 0)",
    )


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


class _Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so partial files and folders are removed."""


def _raise_terminated(signum: int, frame: Any) -> NoReturn:
    raise _Terminated


def _run(handler: Any, args: argparse.Namespace) -> int:
    """Call a subcommand; user and library errors become one line on stderr.

    SIGTERM (``kill``, a job scheduler) is turned into an exception for the duration, so
    that the cleanup of a half-written run folder or output file runs as on Ctrl-C
    (Python's default SIGTERM ends the process on the spot).
    """
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return _call(handler, args)
    except _Terminated:
        return _fail("terminated", 128 + signal.SIGTERM)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _call(handler: Any, args: argparse.Namespace) -> int:
    from .io import ModelFileError

    try:
        return int(handler(args))
    except CLIError as exc:
        return _fail(str(exc))
    except ModelFileError as exc:
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
