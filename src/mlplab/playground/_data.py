"""The playground's 2-D datasets, its input features and the CSV upload parser.

:func:`make_dataset` uses :func:`mlplab.datasets.playground` when that module exists and a
small private generator otherwise (same names, same [-6, 6]² square).
"""

from __future__ import annotations

import math
import re

import numpy as np

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
        One of :data:`DATASETS`.
    n_samples : int
    noise : float
        In [0, 0.5]: the share of the data's scale added as Gaussian noise.
    seed : int
        Seeds everything: the same arguments give the same points.
    n_classes : int
        2 to 4; used by the spiral (and by the shared generator where it supports it).
    """
    try:
        from mlplab.datasets import playground as shared  # written by another engineer
    except ImportError:  # pragma: no cover - depends on the checkout
        shared = None
    if shared is not None:
        kwargs = {"n_classes": n_classes} if name in MULTICLASS_DATASETS else {}
        X, y = shared(name, n_samples=n_samples, noise=noise, random_state=seed, **kwargs)
        return np.asarray(X, dtype=np.float64), np.asarray(y)
    return _fallback(name, n_samples, noise, seed, n_classes)


def _fallback(
    name: str, n: int, noise: float, seed: int, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Private generator used until :mod:`mlplab.datasets` exists."""
    rng = np.random.default_rng(seed)
    n_classes = n_classes if name in MULTICLASS_DATASETS else 2
    if name == "circle":
        r = np.concatenate([rng.uniform(0, 2.5, n // 2), rng.uniform(3.5, 5, n - n // 2)])
        t = rng.uniform(0, 2 * math.pi, n)
        X = np.column_stack([r * np.cos(t), r * np.sin(t)])
        y = (r > 3).astype(int)
        X += rng.normal(0, noise * 5, X.shape)
    elif name == "xor":
        X = rng.uniform(-5, 5, (n, 2))
        X += np.where(X > 0, 0.3, -0.3)
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        X += rng.normal(0, noise * 5, X.shape)
    elif name == "gauss":
        k = n_classes
        angles = 2 * math.pi * np.arange(k) / k + math.pi / 4
        y = np.arange(n) % k
        centres = 3 * np.column_stack([np.cos(angles), np.sin(angles)])
        X = centres[y] + rng.normal(0, 0.7 + noise * 4, (n, 2))
    elif name == "spiral":
        k = n_classes
        y = np.arange(n) % k
        r = rng.uniform(0, 1, n) ** 0.8 * 5.5
        t = 1.75 * r / 5.5 * 2 * math.pi + 2 * math.pi * y / k
        X = np.column_stack([r * np.sin(t), r * np.cos(t)])
        X += rng.normal(0, noise * 3, X.shape)
    elif name == "moons":
        y = np.arange(n) % 2
        t = rng.uniform(0, math.pi, n)
        X = np.where(
            y[:, None] == 0,
            np.column_stack([np.cos(t), np.sin(t)]),
            np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
        )
        X = (X - [0.5, 0.25]) * 3.5 + rng.normal(0, noise * 3, (n, 2))
    elif name == "checkerboard":
        X = rng.uniform(-6, 6, (n, 2))
        y = ((np.floor(X[:, 0] / 3) + np.floor(X[:, 1] / 3)) % 2).astype(int)
        X += rng.normal(0, noise * 3, X.shape)
    elif name == "reg-plane":
        X = rng.uniform(-6, 6, (n, 2))
        y = (X[:, 0] + X[:, 1]) / 12 + rng.normal(0, noise, n)
    elif name == "reg-gauss":
        X = rng.uniform(-6, 6, (n, 2))
        centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
        signs = np.array([1, -1, 1, -1, 1, -1])
        d2 = ((X[:, None, :] - centres[None]) ** 2).sum(-1)
        y = (signs * np.exp(-d2 / 2)).sum(1) + rng.normal(0, noise, n)
    else:
        raise ValueError(f"unknown dataset {name!r}")
    return np.clip(X, -EXTENT, EXTENT), y


_SPLIT = re.compile(r"[,;\t ]+")


def parse_csv(text: str, max_rows: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Read ``x1, x2, label`` rows from an uploaded CSV.

    A first line that is not numeric is taken as a header. Labels that are all integers
    with 2 to 8 distinct values make a classification problem (relabelled 0..K-1), anything
    else a regression. Points outside [-6, 6]² are scaled down by one common factor.

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,)
    problem : {"classification", "regression"}

    Raises
    ------
    ValueError
        With a message for the user.
    """
    rows: list[list[float]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p for p in _SPLIT.split(line) if p]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            if not rows and lineno <= 2:
                continue  # header
            raise ValueError(f"line {lineno}: not a number in {line[:40]!r}") from None
        if len(values) != 3:
            raise ValueError(
                f"line {lineno}: expected 3 columns (x1, x2, label), got {len(values)}"
            )
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"line {lineno}: values must be finite")
        rows.append(values)
        if len(rows) > max_rows:
            raise ValueError(f"too many rows: at most {max_rows}")
    if len(rows) < 10:
        raise ValueError(f"need at least 10 rows of x1, x2, label; got {len(rows)}")
    data = np.array(rows)
    X, labels = data[:, :2], data[:, 2]
    scale = np.abs(X).max()
    if scale > EXTENT:
        X = X * (EXTENT / scale)
    uniq = np.unique(labels)
    if np.all(labels == np.round(labels)) and 2 <= uniq.size <= 8:
        return X, np.searchsorted(uniq, labels), "classification"
    if uniq.size < 2:
        raise ValueError("the label column has a single value")
    return X, labels, "regression"
