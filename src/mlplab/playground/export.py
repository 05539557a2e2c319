"""Exports of a playground session: the trained network as a file, and a Python snippet.

The file is written with :func:`mlplab.io.save_tree` (mlplab's safe ``.npz`` + JSON format,
kind ``"playground-network"``) and read back by :func:`load_model`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..io import load_tree, save_tree
from ..layers import Activation, BatchNorm, Dense, Dropout, Layer
from ..network import Sequential
from . import _data

if TYPE_CHECKING:
    from .session import Config, TrainingSession

KIND = "playground-network"
_LAYERS: dict[str, type[Layer]] = {
    "Dense": Dense,
    "Activation": Activation,
    "BatchNorm": BatchNorm,
    "Dropout": Dropout,
}


def save_model(session: TrainingSession, path: str | os.PathLike[str]) -> Path:
    """Write the session's network, its configuration and where it stands to `path`."""
    net = session.network
    layers = []
    for layer in net.layers:
        cfg = layer.get_config()
        if isinstance(layer, Dense):  # the weights are stored: the initializer is moot
            cfg = {"units": cfg["units"], "bias": cfg["bias"]}
        layers.append({"class": type(layer).__name__, "config": cfg})
    tree = {
        "config": session.config.to_dict(),
        "problem": session.problem,
        "n_classes": session.n_classes,
        "features": list(session.config.features),
        "epoch": session.epoch,
        "metrics": dict(session.metrics),
        "n_inputs": net.n_inputs,
        "layers": layers,
        "params": [p.copy() for p in net.params],
        "buffers": {k: v.copy() for k, v in net.buffers().items()},
    }
    return save_tree(path, tree, kind=KIND)


def load_model(path: str | os.PathLike[str]) -> tuple[Sequential, dict[str, Any]]:
    """Read a file from :func:`save_model`.

    Returns
    -------
    network : Sequential
        The trained network; its inputs are the features listed in ``info["features"]``
        (see :func:`mlplab.playground._data.transform`).
    info : dict
        The playground configuration, problem type, classes, epoch and metrics.
    """
    _, tree = load_tree(path, kind=KIND)
    layers: list[Layer] = []
    for spec in tree["layers"]:
        cls = _LAYERS.get(spec["class"])
        if cls is None:
            raise ValueError(f"unsupported layer {spec['class']!r} in {path}")
        if cls is Dense:
            layers.append(Dense(spec["config"]["units"], "zeros", bias=spec["config"]["bias"]))
        else:
            layers.append(cls(**spec["config"]))
    net = Sequential(layers, tree["n_inputs"])
    for p, value in zip(net.params, tree["params"], strict=True):
        p[...] = value
    net.set_buffers(tree["buffers"])
    info = {k: v for k, v in tree.items() if k not in ("layers", "params", "buffers")}
    return net, info


_FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1sq": "x1**2",
    "x2sq": "x2**2",
    "x1x2": "x1 * x2",
    "sinx1": "np.sin(x1)",
    "sinx2": "np.sin(x2)",
}
_SOLVERS = {
    "sgd": ("sgd", 0.0, False),
    "momentum": ("sgd", None, False),
    "nesterov": ("sgd", None, True),
    "adagrad": ("adagrad", 0.0, False),
    "rmsprop": ("rmsprop", 0.0, False),
    "adam": ("adam", 0.0, False),
}


def python_snippet(
    config: Config,
    natural_problem: str | None = None,
    upload_name: str = "",
    max_iter: int = 500,
) -> str:
    """A script that rebuilds `config` with mlplab's estimators and trains it.

    The data (same seed; an upload is read with pandas as the playground reads it), the
    targets of ``config.problem``, the train/test split and the input features are the
    playground's own. The estimator trains for `max_iter` epochs with its own loop, so
    its learning-rate schedules span `max_iter` rather than the playground's decay epochs.

    Parameters
    ----------
    config : Config
    natural_problem : {"classification", "regression"}, optional
        The problem the data's own labels make (default: the built-in data set's; for
        an upload, classification).
    upload_name : str
        The uploaded file's name, for ``config.dataset == "upload"``.
    max_iter : int
    """
    from .session import natural_problem as _natural

    natural = natural_problem or _natural(config.dataset)
    problem = config.problem
    estimator = "MLPRegressor" if problem == "regression" else "MLPClassifier"
    lines = [
        f'"""The mlplab playground configuration, rebuilt with mlplab.{estimator}."""',
        "",
        "import numpy as np",
    ]
    if config.dataset == "upload":
        path = upload_name or "your_data.csv"
        kwargs = ", ".join(f"{k}={v!r}" for k, v in _data.READ_CSV_KWARGS.items())
        lines += [
            "import pandas as pd",
            "",
            f"from mlplab import {estimator}",
            "",
            "# Your uploaded CSV: x1, x2, label; the separator (comma, semicolon, tab, space)",
            "# is sniffed and a first line that is not numeric is a header, as in the playground.",
            f"table = pd.read_csv({path!r}, {kwargs}, dtype=str, encoding='utf-8-sig')",
            "if pd.to_numeric(table.iloc[0], errors='coerce').isna().any():",
            "    table = table.iloc[1:]  # the header line",
            'data = table.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)',
            "X, y = data[:, :2], data[:, 2]",
            f"X = X * min(1.0, {_data.EXTENT} / np.abs(X).max())  # into the playground's square",
        ]
        if natural == "classification":
            lines.append("y = np.unique(y, return_inverse=True)[1]  # labels 0..K-1")
    else:
        multi = config.dataset in _data.MULTICLASS_DATASETS
        kw = f", n_classes={config.n_classes}" if multi else ""
        lines += [
            "",
            f"from mlplab import {estimator}",
            "from mlplab.datasets import playground",
            "",
            "# The same points as the playground (same seed)",
            f'X, y = playground("{config.dataset}", n_samples={config.n_samples}, '
            f"noise={config.noise!r}, random_state={config.seed}{kw})",
        ]
    if natural != problem:
        if problem == "regression":
            lines += [
                "# Regression on class labels: class k of K becomes -1 + 2k/(K-1)",
                "y = -1.0 + 2.0 * y / max(1, y.max())",
            ]
        else:
            lines += [
                "# Classification of numeric targets: two classes split at the median",
                "cut = np.median(y)",
                "labels = y > cut",
                "if labels.all() or not labels.any():",
                "    labels = y >= cut",
                "y = labels.astype(int)",
            ]
    solver, momentum, nesterov = _SOLVERS[config.optimizer]
    momentum = config.momentum if momentum is None else momentum
    l2 = config.reg_rate if config.regularization == "l2" else 0.0
    hidden = ", ".join(str(h) for h in config.hidden) + ("," if len(config.hidden) == 1 else "")
    acts = config.activations
    activation = repr(acts[0]) if len(set(acts)) == 1 else repr(list(acts))
    feats = ", ".join(_FEATURE_CODE[f] for f in config.features)
    lines += [
        "",
        "# The same train/test split",
        f"order = np.random.default_rng(np.random.SeedSequence([{config.seed}, 7]))"
        ".permutation(len(X))",
        f"n_train = min(max(1, round(len(X) * {config.train_ratio!r})), len(X) - 1)",
        "train, test = order[:n_train], order[n_train:]",
        "",
        "# Input features: " + ", ".join(_data.FEATURES[f][0] for f in config.features),
        "x1, x2 = X[:, 0], X[:, 1]",
        f"F = np.column_stack([{feats}])",
        "",
        f"model = {estimator}(",
        f"    hidden_layer_sizes=({hidden}),",
        f"    activation={activation if acts else repr('relu')},",
        f'    solver="{solver}",',
        f"    learning_rate_init={config.learning_rate!r},",
        f"    batch_size={config.batch_size},",
        f"    alpha={l2!r},  # L2 penalty",
    ]
    if solver == "sgd":
        lines.append(f"    momentum={momentum!r},")
        lines.append(f"    nesterovs_momentum={nesterov and momentum > 0},")
    if config.regularization == "l1":
        lines.append(f"    l1={config.reg_rate!r},  # L1 penalty")
    lines += [
        f'    learning_rate="{config.schedule}",  # spans max_iter epochs',
        f'    kernel_initializer="{config.initializer}",',
        f"    dropout={config.dropout!r},",
        f"    batch_norm={config.batch_norm},",
        f"    max_iter={max_iter},",
        f"    random_state={config.seed},",
        ")",
        "model.fit(F[train], y[train])",
        'print("test score:", model.score(F[test], y[test]))',
        'model.save("playground-model.npz")',
        "",
    ]
    return "\n".join(lines)
