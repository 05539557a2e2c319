"""The playground's data: its 2-D sets, input features, CSV uploads, and a run's split.

The points come from :func:`mlplab.datasets.playground` (the TensorFlow Playground's sets
in its [-6, 6]² square) or from an uploaded CSV (:func:`parse_csv`); :func:`targets`
turns labels into regression targets and back when the problem type is not the data
set's own; :func:`prepare` makes what a network trains and is scored on: the train/test
split, the input features, the targets in the network's output space, and the output
activation and loss that go with the problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from ..datasets import playground

#: Dataset names, in the order of the picker.
CLASSIFICATION_DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "checkerboard")
REGRESSION_DATASETS = ("reg-plane", "reg-gauss")
#: The datasets that take 2 to 4 classes (the others have 2).
MULTICLASS_DATASETS = ("spiral", "gauss")
DATASETS = (*CLASSIFICATION_DATASETS, *REGRESSION_DATASETS)

#: Input features: name -> function of the two raw coordinates.
FEATURES: dict[str, tuple[str, object]] = {
    "x1": ("x₁", lambda a, b: a),
    "x2": ("x₂", lambda a, b: b),
    "x1sq": ("x₁²", lambda a, b: a * a),
    "x2sq": ("x₂²", lambda a, b: b * b),
    "x1x2": ("x₁x₂", lambda a, b: a * b),
    "sinx1": ("sin x₁", lambda a, b: np.sin(a)),
    "sinx2": ("sin x₂", lambda a, b: np.sin(b)),
}

#: Half-width of the input square.
EXTENT = 6.0


def natural_problem(dataset: str) -> str:
    """The problem a built-in data set's labels make (``"upload"``: classification)."""
    return "regression" if dataset in REGRESSION_DATASETS else "classification"


def transform(X: np.ndarray, features: list[str]) -> np.ndarray:
    """Map raw points of shape (n, 2) to the chosen input features, shape (n, len(features))."""
    a, b = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[f][1](a, b) for f in features]).astype(np.float64)  # type: ignore[operator]


def make_dataset(
    name: str, n_samples: int, noise: float, seed: int, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points ``X`` of shape (n, 2) in [-6, 6]² and labels (int) or targets (float) ``y``.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS` (see :func:`mlplab.datasets.playground`).
    n_samples : int
    noise : float
        In [0, 0.5].
    seed : int
        Seeds everything: the same arguments give the same points.
    n_classes : int
        2 to 4 for :data:`MULTICLASS_DATASETS`; ignored by the others.
    """
    kwargs = {"n_classes": n_classes} if name in MULTICLASS_DATASETS else {}
    X, y = playground(name, n_samples=n_samples, noise=noise, random_state=seed, **kwargs)
    return np.clip(np.asarray(X, dtype=np.float64), -EXTENT, EXTENT), np.asarray(y)


class CsvError(ValueError):
    """An upload that is not a table of x1, x2, label; `code` and `params` are for translations."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


#: How the upload is read; the exported Python code uses the same call.
READ_CSV_KWARGS = {
    "sep": None,  # sniffed from the first line: comma, semicolon, tab or space
    "engine": "python",
    "header": None,
    "comment": "#",
    "skipinitialspace": True,
}


def parse_csv(text: str, max_rows: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Read ``x1, x2, label`` rows from an uploaded CSV with pandas.

    The separator is sniffed (comma, semicolon, tab or space); lines starting with ``#``
    are comments; a first line that is not numeric is a header. Labels that are all
    integers with 2 to 8 distinct values make a classification problem (relabelled
    0..K-1 in sorted order), anything else a regression. Points outside [-6, 6]² are
    scaled down by one common factor.

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,)
        Int labels or float targets.
    problem : {"classification", "regression"}
        The problem the labels make.

    Raises
    ------
    CsvError
        With a message for the user.
    """
    import pandas as pd  # only the upload needs it

    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CsvError("the file is empty", "empty")
    try:
        table = pd.read_csv(io.StringIO(text), **READ_CSV_KWARGS, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise CsvError(f"cannot read it as a table: {str(exc)[:120]}", "unreadable") from None
    if table.shape[1] != 3:
        raise CsvError(
            f"expected 3 columns (x1, x2, label), got {table.shape[1]}",
            "columns",
            got=table.shape[1],
        )
    if pd.to_numeric(table.iloc[0], errors="coerce").isna().any():
        table = table.iloc[1:]  # a header line
    values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values).any(axis=1))
    if bad.size:
        row = table.iloc[bad[0]]
        shown = ", ".join(str(v) for v in row.tolist())[:40]
        row_number = int(bad[0]) + 1
        raise CsvError(
            f"row {row_number}: not a number in {shown!r}",
            "not_number",
            row=row_number,
            value=shown,
        )
    if not np.isfinite(values).all():
        raise CsvError("values must be finite", "not_finite")
    if len(values) > max_rows:
        raise CsvError(f"too many rows: at most {max_rows}", "too_many", max=max_rows)
    if len(values) < 10:
        raise CsvError(
            f"need at least 10 rows of x1, x2, label; got {len(values)}", "too_few", got=len(values)
        )
    X, labels = values[:, :2], values[:, 2]
    X = X * min(1.0, EXTENT / np.abs(X).max()) if np.abs(X).max() > 0 else X
    uniq = np.unique(labels)
    if uniq.size < 2:
        raise CsvError("the label column has a single value", "single_label")
    if np.all(labels == np.round(labels)) and uniq.size <= 8:
        return X, np.searchsorted(uniq, labels), "classification"
    return X, labels, "regression"


def targets(y: np.ndarray, natural: str, problem: str, n_classes: int) -> tuple[np.ndarray, int]:
    """The targets of `problem` for a data set whose labels make a `natural` problem.

    Parameters
    ----------
    y : ndarray of shape (n,)
        Labels 0..K-1 (natural classification) or float targets (natural regression).
    natural, problem : {"classification", "regression"}
    n_classes : int
        K, for natural classification.

    Returns
    -------
    targets : ndarray of shape (n,)
        Labels (int) for classification, floats for regression: class k of K becomes
        ``-1 + 2k/(K-1)`` (the two classes are -1 and +1), and float targets become two
        classes split at their median.
    n_classes : int
        Classes of the result (0 for regression).
    """
    if natural == problem:
        if problem == "classification":
            return np.asarray(y).astype(int), n_classes
        return np.asarray(y, dtype=np.float64), 0
    if problem == "regression":
        return -1.0 + 2.0 * np.asarray(y, dtype=np.float64) / max(1, n_classes - 1), 0
    y = np.asarray(y, dtype=np.float64)
    cut = np.median(y)
    labels = y > cut
    if labels.all() or not labels.any():
        labels = y >= cut
    return labels.astype(int), 2


#: Uploaded points: (X of shape (n, 2), labels or targets y of shape (n,), the problem
#: they make, the file's name), as :func:`parse_csv` reads them.
Upload = tuple[np.ndarray, np.ndarray, str, str]


def raw_points(
    dataset: str, n_samples: int, noise: float, seed: int, n_classes: int, upload: Upload | None
) -> tuple[np.ndarray, np.ndarray, str]:
    """The points of a data set: X of shape (n, 2), labels or targets y of shape (n,), and
    the problem the labels make; ``"upload"`` is `upload`'s (the other arguments are then
    unused), any other name one of :data:`DATASETS` (see :func:`make_dataset`)."""
    if dataset == "upload":
        assert upload is not None  # the session checked it
        X, y, natural, _ = upload
        return X, y, natural
    X, y = make_dataset(dataset, n_samples, noise, seed, n_classes)
    natural = natural_problem(dataset)
    return X, (y.astype(int) if natural == "classification" else y.astype(float)), natural


def output_for(problem: str, n_classes: int) -> tuple[int, str, str]:
    """Output units, output activation and loss for a problem with `n_classes` classes."""
    if problem == "regression":
        return 1, "identity", "squared_error"
    if n_classes == 2:
        return 1, "sigmoid", "binary_crossentropy"
    return n_classes, "softmax", "categorical_crossentropy"


@dataclass(frozen=True)
class Prepared:
    """What a network of the playground trains and is scored on, fixed until a rebuild.

    Attributes
    ----------
    version : int
        The data version (it changes whenever the points or targets do).
    problem, natural : {"classification", "regression"}
        The model's problem type, and the one the data's own labels make.
    n_classes : int
        Classes of the targets (0 for regression).
    n_outputs : int
        Output units of the network.
    output_activation, loss : str
        The output activation and training loss for the problem.
    points : dict
        ``"train"`` and ``"test"``: (raw points of shape (n, 2), labels or targets).
    train, test : tuple
        (features of shape (n, n_features), targets of shape (n, n_outputs) in the
        network's output space, labels or targets of shape (n,)).
    upload_name : str or None
        The uploaded file's name, for uploaded data.
    """

    version: int
    problem: str
    natural: str
    n_classes: int
    n_outputs: int
    output_activation: str
    loss: str
    points: dict[str, tuple[np.ndarray, np.ndarray]]
    train: tuple[np.ndarray, np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray, np.ndarray]
    upload_name: str | None


def prepare(
    raw: tuple[np.ndarray, np.ndarray, str],
    *,
    problem: str,
    n_classes: int,
    features: list[str],
    train_ratio: float,
    seed: int,
    version: int,
    upload_name: str | None = None,
) -> Prepared:
    """Split the points of `raw` (from :func:`raw_points`) for a model of `problem`.

    Parameters
    ----------
    raw : (X, y, natural)
        The points, their labels or targets and the problem those make.
    problem : {"classification", "regression"}
        The model's problem type.
    n_classes : int
        Classes of the labels, for a natural classification.
    features : list of str
        Input features (keys of :data:`FEATURES`).
    train_ratio : float
        Share of the points that train, the rest test (at least one point each).
    seed : int
        Seeds the split, alone: the exported code draws the same.
    version : int
        The data version to record.
    upload_name : str, optional
        The uploaded file's name.

    Returns
    -------
    Prepared
    """
    X, y, natural = raw
    labels, n_classes = targets(y, natural, problem, n_classes)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    order = rng.permutation(len(X))
    n_train = min(max(1, round(len(X) * train_ratio)), len(X) - 1)
    tr, te = order[:n_train], order[n_train:]
    points = {"train": (X[tr], labels[tr]), "test": (X[te], labels[te])}
    n_out, out_act, loss = output_for(problem, n_classes)

    def split(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Xs, ys = points[name]
        F = transform(Xs, features)
        if n_out == 1:
            return F, ys.astype(np.float64).reshape(-1, 1), ys
        return F, np.eye(n_classes)[ys], ys

    return Prepared(
        version=version,
        problem=problem,
        natural=natural,
        n_classes=n_classes,
        n_outputs=n_out,
        output_activation=out_act,
        loss=loss,
        points=points,
        train=split("train"),
        test=split("test"),
        upload_name=upload_name,
    )
