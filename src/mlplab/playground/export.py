"""Exports of a playground session: the trained network as a file, and a Python script.

The file is written with :func:`mlplab.io.save_tree` (mlplab's safe ``.npz`` + JSON format,
kind ``"playground-network"``) and read back by :func:`load_model`. The script
(:func:`python_snippet`) trains the same network on the same data with mlplab's engine,
with the arguments the session itself trains with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..io import load_tree, save_tree
from ..layers import Activation, BatchNorm, Dense, Dropout, Layer
from ..network import Sequential
from ..schedules import DECAYS
from . import data
from .config import Config, network_arguments, training_arguments

if TYPE_CHECKING:
    from .session import TrainingSession

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
    snap = session.snapshot
    tree = {
        "config": session.config.to_dict(),
        "problem": session.data.problem,
        "n_classes": session.data.n_classes,
        "features": list(session.config.features),
        "epoch": session.epoch,
        "metrics": dict(snap.metrics),
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
        (see :func:`mlplab.playground.data.transform`).
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


def _py(value: Any) -> str:
    """`value` as Python source (strings in double quotes)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _call(name: str, args: list[Any], kwargs: dict[str, Any], indent: str = "") -> str:
    """``name(arg, ..., key=value, ...)`` on one line."""
    parts = [_py(a) for a in args] + [f"{k}={_py(v)}" for k, v in kwargs.items()]
    return f"{indent}{name}({', '.join(parts)})"


def _data_lines(config: Config, natural: str, upload_name: str) -> list[str]:
    """Read or draw the points as the playground does: X of shape (n, 2) and y."""
    if config.dataset != "upload":
        kwargs: dict[str, Any] = {"n_samples": config.n_samples, "noise": config.noise}
        kwargs["random_state"] = config.seed
        if config.dataset in data.MULTICLASS_DATASETS:
            kwargs["n_classes"] = config.n_classes
        return [
            "# The same points as the playground (same seed), in its square",
            "X, y = " + _call("playground", [config.dataset], kwargs),
            f"X = np.clip(X, -{data.EXTENT}, {data.EXTENT})",
        ]
    kwargs = ", ".join(f"{k}={v!r}" for k, v in data.READ_CSV_KWARGS.items())
    lines = [
        "# Your uploaded CSV: x1, x2, label; the separator (comma, semicolon, tab, space)",
        "# is sniffed and a first line that is not numeric is a header, as in the playground.",
        f"table = pd.read_csv({upload_name or 'your_data.csv'!r}, {kwargs}, dtype=str, "
        "encoding='utf-8-sig')",
        "if pd.to_numeric(table.iloc[0], errors='coerce').isna().any():",
        "    table = table.iloc[1:]  # the header line",
        'values = table.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)',
        "X, y = values[:, :2], values[:, 2]",
        f"X = X * min(1.0, {data.EXTENT} / np.abs(X).max())  # into the playground's square",
    ]
    if natural == "classification":
        lines.append("y = np.unique(y, return_inverse=True)[1]  # labels 0..K-1")
    return lines


def _target_lines(natural: str, problem: str) -> list[str]:
    """Turn the labels into the targets of `problem` (:func:`data.targets`)."""
    if natural == problem:
        return []
    if problem == "regression":
        return [
            "# Regression on class labels: class k of K becomes -1 + 2k/(K-1)",
            "y = -1.0 + 2.0 * y / max(1, y.max())",
        ]
    return [
        "# Classification of numeric targets: two classes split at the median",
        "cut = np.median(y)",
        "labels = y > cut",
        "if labels.all() or not labels.any():",
        "    labels = y >= cut",
        "y = labels.astype(int)",
    ]


def _score_lines(problem: str, n_outputs: int) -> list[str]:
    if problem == "regression":
        return [
            "r2 = 1 - np.sum((y[test] - out[:, 0]) ** 2) / np.sum((y[test] - y[test].mean()) ** 2)",
            'print(f"test R²: {r2:.3f}")',
        ]
    pred = "(out[:, 0] > 0.5)" if n_outputs == 1 else "out.argmax(axis=1)"
    return [
        f"accuracy = np.mean({pred} == y[test])",
        'print(f"test accuracy: {accuracy:.3f}")',
    ]


def python_snippet(
    config: Config,
    natural_problem: str | None = None,
    upload_name: str = "",
    epochs: int = 100,
) -> str:
    """A script that trains `config`'s network on its data the way the playground does.

    The data (same seed; an upload is read with pandas as the playground reads it), the
    targets of ``config.problem``, the train/test split, the input features, the network
    (:func:`mlplab.network.mlp`) and the :class:`~mlplab.training.Trainer` are the
    session's own, with the same arguments and seeds: the script ends with the weights
    the page has after `epochs` epochs, bit for bit on the same machine, when the
    settings did not change on the way there (pausing does not matter; a hot change,
    an edited weight or a divergence starts a new run with new random streams).

    Parameters
    ----------
    config : Config
    natural_problem : {"classification", "regression"}, optional
        The problem the data's own labels make (default: the built-in data set's; for
        an upload, classification).
    upload_name : str
        The uploaded file's name, for ``config.dataset == "upload"``.
    epochs : int
        Epochs to train, ``>= 1`` (the page's count).

    Returns
    -------
    str
    """
    natural = natural_problem or data.natural_problem(config.dataset)
    problem = config.problem
    k = config.n_classes if natural == problem else 2
    n_out, out_act, loss = data.output_for(problem, k if problem == "classification" else 0)
    net = network_arguments(config, n_out, out_act)
    train = training_arguments(config)
    opt_name, opt_kwargs = train["optimizer"]
    schedule, lr, horizon = train["schedule"]
    feats = ", ".join(_FEATURE_CODE[f] for f in config.features)
    targets = f"np.eye({n_out})[y]" if n_out > 1 else "y.reshape(-1, 1).astype(float)"
    lines = [
        '"""The mlplab playground\'s network, trained with mlplab\'s engine as the page trains it.',
        "",
        f"Run as it is, it ends with the weights the page had after {epochs} epochs, as long as",
        "its settings did not change on the way (pausing does not matter).",
        '"""',
        "",
        "import numpy as np",
        *(["import pandas as pd"] if config.dataset == "upload" else []),
        "",
        "from mlplab import optimizers, schedules",
        *(["from mlplab.datasets import playground"] if config.dataset != "upload" else []),
        "from mlplab.network import mlp",
        "from mlplab.training import Trainer",
        "",
        *_data_lines(config, natural, upload_name),
        *_target_lines(natural, problem),
        "",
        "# The same train/test split",
        f"order = np.random.default_rng(np.random.SeedSequence([{config.seed}, 7]))"
        ".permutation(len(X))",
        f"n_train = min(max(1, round(len(X) * {config.train_ratio!r})), len(X) - 1)",
        "train, test = order[:n_train], order[n_train:]",
        "",
        "# Input features: " + ", ".join(data.FEATURES[f][0] for f in config.features),
        "x1, x2 = X[:, 0], X[:, 1]",
        f"F = np.column_stack([{feats}])",
        "# Targets in the network's output space",
        f"Y = {targets}",
        "",
        "network = mlp(",
        *[f"    {key}={_py(value)}," for key, value in net.items()],
        f"    random_state={config.seed},",
        ")",
        "trainer = Trainer(",
        f"    {_py(loss)},",
        _call("optimizers.get", [opt_name], opt_kwargs, "    ") + ",",
        *(
            [f"    # The rate decays over {horizon} epochs (decay epochs)"]
            if schedule in DECAYS
            else []
        ),
        f"    learning_rate=schedules.from_name({_py(schedule)}, {lr!r}, horizon={horizon}),",
        f"    epochs={epochs},",
        f"    batch_size={train['batch_size']},",
        f"    l1={train['l1']!r},",
        f"    l2={train['l2']!r},",
        f"    random_state={config.seed},",
        ")",
        "trainer.fit(network, F[train], Y[train])",
        "",
        "out = network.predict(F[test])",
        *_score_lines(problem, n_out),
        "",
    ]
    return "\n".join(lines)
