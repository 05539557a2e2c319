"""Saving and loading the estimators in mlplab's safe file format.

A model file (:mod:`mlplab.io`) holds a tree of plain values and arrays; this module
turns an estimator into such a tree and back. Parameter values are stored as tagged
JSON so that tuples, dicts with non-string keys and catalog objects (an activation,
initializer, schedule or loss of mlplab's registries, rebuilt by name and config) come
back as they went in; nothing is ever imported or executed.
"""

from __future__ import annotations

import itertools
import os
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import activations as _activations
from .. import initializers as _initializers
from .. import losses as _losses
from .. import schedules as _schedules
from ..io import ModelFileError, load_tree, save_tree
from ..layers import Dense
from ..network import Sequential
from ._network import build_network

__all__ = [
    "Savable",
    "check_layout_version",
    "decode",
    "decode_fitted",
    "encode",
    "encode_fitted",
    "encode_params",
    "load",
    "mlp_from_tree",
    "mlp_tree",
    "savable",
]

#: The catalogs whose objects a parameter may hold, by kind: each one's Registry.
_CATALOGS = {
    registry.kind: registry
    for registry in (
        _activations.REGISTRY,
        _initializers.REGISTRY,
        _schedules.REGISTRY,
        _losses.REGISTRY,
    )
}


def encode(value: Any) -> Any:
    """A parameter value as tagged JSON data.

    Parameters
    ----------
    value : Any
        None, a bool, number or string, a tuple, list or dict of them, a numeric array,
        or an object of one of mlplab's catalogs that ``get(name, **config)`` rebuilds.

    Returns
    -------
    Any
        Plain JSON values; tuples, dicts, arrays and catalog objects are tagged.

    Raises
    ------
    TypeError
        For anything else (a callable, a RandomState, an object of a user's class...).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (Integral, np.integer)):
        return int(value)
    if isinstance(value, (Real, np.floating)):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"__ndarray__": value.tolist()}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    for kind, registry in _CATALOGS.items():
        if isinstance(value, registry.base):
            name = getattr(value, "name", "")
            config = value.get_config()
            try:
                rebuilt = registry.get(name, **config) if name else None
            except Exception:  # any failure means: not rebuildable
                rebuilt = None
            if rebuilt is None or type(rebuilt) is not type(value):
                raise TypeError(f"{type(value).__name__} is not a registered mlplab {kind}")
            return {
                "__object__": kind,
                "name": name,
                "config": {k: encode(v) for k, v in config.items()},
            }
    raise TypeError(f"a {type(value).__name__} cannot be stored as data")


def decode(value: Any) -> Any:
    """The value that :func:`encode` turned into `value`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__ndarray__" in value:
        return np.asarray(value["__ndarray__"])
    if "__dict__" in value:
        return {decode(k): decode(v) for k, v in value["__dict__"]}
    if "__object__" in value:
        kind = value["__object__"]
        if kind not in _CATALOGS:
            raise ValueError(f"unknown object kind {kind!r}")
        params = {k: decode(v) for k, v in value["config"].items()}
        return _CATALOGS[kind].get(str(value["name"]), **params)
    raise ValueError(f"unexpected entry {sorted(value)!r}")


def encode_params(est: Any) -> dict[str, Any]:
    """Every parameter of `est` (``get_params(deep=False)``), encoded.

    Raises
    ------
    TypeError
        Naming the parameter that cannot be stored and how to make it storable.
    """
    params = {}
    for key, value in est.get_params(deep=False).items():
        try:
            params[key] = encode(value)
        except TypeError as exc:
            raise TypeError(
                f"cannot save parameter {key}={value!r}: {exc}. Only data can go in an "
                f"mlplab file; set it to a plain value first, e.g. "
                f"est.set_params({key}=None)"
            ) from None
    return params


def check_layout_version(tree: dict[str, Any], current: int) -> None:
    """Refuse a model saved in an estimator layout newer than `current`."""
    version = tree["estimator_format"]
    if not isinstance(version, int) or version > current:
        raise ModelFileError(
            f"the estimator was saved in layout version {version}, newer than this "
            f"mlplab reads ({current}): upgrade mlplab"
        )


def encode_fitted(key: str, value: Any) -> Any:
    """A fitted attribute as file data: arrays stay arrays, label arrays become tagged lists."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return value
        return {"__labels__": [_plain(v) for v in value.tolist()], "kind": value.dtype.kind}
    if isinstance(value, dict):
        return {"__map__": {str(k): encode_fitted(k, v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [encode_fitted(key, v) for v in value]
    return _plain(value, f"fitted attribute {key}")


def decode_fitted(key: str, value: Any) -> Any:
    """The fitted attribute that :func:`encode_fitted` turned into `value`."""
    if isinstance(value, dict):
        if "__labels__" in value:
            labels = value["__labels__"]
            if value["kind"] == "U":
                return np.asarray(labels, dtype=str)
            return np.asarray(labels, dtype=object)
        if "__map__" in value:
            return {k: decode_fitted(k, v) for k, v in value["__map__"].items()}
        raise ValueError(f"unexpected entry in fitted attribute {key}")
    if isinstance(value, list):
        return [decode_fitted(key, v) for v in value]
    return value


def _plain(value: Any, what: str = "a class label") -> Any:
    """A JSON scalar for a Python or NumPy scalar; TypeError naming `what` for anything else."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {what} of type {type(value).__name__}")


#: Version of the MLP estimators' layout inside the file (the container has its own).
MLP_FORMAT = 1


def mlp_tree(est: Any) -> dict[str, Any]:
    """The tree of a fitted MLP estimator: parameters, fitted attributes, network.

    Parameters
    ----------
    est : BaseMLP
        A fitted MLPClassifier or MLPRegressor.

    Returns
    -------
    dict
        What :func:`mlp_from_tree` rebuilds the estimator from.
    """
    fitted: dict[str, Any] = {}
    for key, value in est.__dict__.items():
        if key in ("network_",) or not key.endswith("_") or key.startswith("__"):
            continue
        fitted[key] = encode_fitted(key, value)
    net = est.network_
    return {
        "estimator_format": MLP_FORMAT,
        "params": encode_params(est),
        "fitted": fitted,
        "private": {
            "y_type": getattr(est, "_y_type", None),
            "stop_state": encode_fitted("stop", est._stop_state),
            "optimizer_state": encode_fitted("opt", est._optimizer_state),
        },
        "network": {
            "dtype": np.dtype(net.dtype).name,
            "n_inputs": net.n_inputs,
            "hidden": [layer.units for layer in net.layers if isinstance(layer, Dense)][:-1],
            "n_outputs": net.n_outputs,
            "params": [p.copy() for p in net.params],
            "buffers": {k: v.copy() for k, v in net.buffers().items()},
        },
    }


def mlp_from_tree(cls: type, tree: dict[str, Any]) -> Any:
    """Rebuild an MLP estimator of class `cls` from :func:`mlp_tree`'s tree, checking it.

    Raises
    ------
    mlplab.io.ModelFileError
        When anything in the tree is missing, malformed or inconsistent.
    """
    try:
        check_layout_version(tree, MLP_FORMAT)
        est = cls(**{k: decode(v) for k, v in tree["params"].items()})
        for key, value in tree["fitted"].items():
            setattr(est, key, decode_fitted(key, value))
        private = tree["private"]
        est._y_type = private["y_type"]
        est._stop_state = decode_fitted("stop", private["stop_state"])
        est._optimizer_state = decode_fitted("opt", private["optimizer_state"])
        est.network_ = _network_from_tree(est, tree["network"])
    except ModelFileError:
        raise
    except Exception as exc:  # whatever an edited tree trips over, it is malformed
        raise ModelFileError(f"the model file's content is malformed: {exc!r}") from exc
    return est


def _network_from_tree(est: Any, spec: dict[str, Any]) -> Sequential:
    sizes = [spec["n_inputs"], *spec["hidden"], spec["n_outputs"]]
    if not all(type(d) is int and d >= 1 for d in sizes):
        raise ModelFileError(f"the saved layer sizes {sizes} are not all integers >= 1")
    saved = spec["params"]
    if not isinstance(saved, list) or not all(isinstance(a, np.ndarray) for a in saved):
        raise ModelFileError("the saved weights are not a list of arrays")
    # Refuse before allocating: the architecture the file declares must need exactly as
    # many numbers as the file holds (Dense weights and biases, and batch norm's gamma
    # and beta per hidden layer).
    declared = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if est.batch_norm:
        declared += 2 * sum(sizes[1:-1])
    held = sum(a.size for a in saved)
    if declared != held:
        raise ModelFileError(
            f"the file declares a network of {declared} parameters (layer sizes "
            f"{sizes}) but holds {held}: it is corrupted or was edited"
        )
    net = build_network(
        est, sizes[0], sizes[1:-1], sizes[-1], np.dtype(spec["dtype"]), np.random.default_rng(0)
    )
    if len(saved) != len(net.params) or any(
        np.shape(s) != p.shape for s, p in zip(saved, net.params, strict=True)
    ):
        raise ModelFileError("the saved weights do not match the saved architecture")
    for p, s in zip(net.params, saved, strict=True):
        p[...] = s
    net.set_buffers({k: np.asarray(v) for k, v in spec["buffers"].items()})
    return net


class Savable:
    """What every estimator with a model file has: :meth:`save`.

    The class writes its tree in ``_to_tree()`` and rebuilds itself from one in the
    class method ``_from_tree(tree)``; :func:`savable` makes :func:`load` know it.
    """

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted estimator to `path` in mlplab's safe file format.

        Arrays go to an ``.npz`` archive read back with ``allow_pickle=False``; the
        parameters and fitted values go to JSON with a format version and a SHA-256
        checksum (:mod:`mlplab.io`). The write is atomic. Load with :func:`mlplab.load`.

        Parameters
        ----------
        path : str or path-like
            Destination file; its folder must exist.

        Returns
        -------
        Path
            The path written.

        Raises
        ------
        TypeError
            If a parameter cannot be stored as data (a callback, a RandomState, an
            activation or schedule that is not in mlplab's catalogs...): set it to a
            plain value first, e.g. ``est.set_params(random_state=0)``.
        """
        check_is_fitted(self)
        return save_tree(path, self._to_tree(), kind=type(self).__name__)

    def _to_tree(self) -> dict[str, Any]:
        raise NotImplementedError


def load(path: str | os.PathLike[str]) -> Any:
    """Load an estimator saved by its ``save`` method (an MLP estimator or the RBM).

    The file is read with ``allow_pickle=False`` and verified (format, version,
    checksum) before anything is rebuilt: a file cannot execute code.

    Parameters
    ----------
    path : str or path-like
        The file to read.

    Returns
    -------
    MLPClassifier, MLPRegressor or BernoulliRBM
        The fitted estimator; it predicts exactly as the one saved.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    mlplab.io.ModelFileError
        If the file is truncated, corrupted, edited, from a newer format version or does
        not hold an mlplab estimator.
    """
    kind, tree = load_tree(path)
    if kind not in _SAVABLE:
        raise ModelFileError(f"{path} holds a {kind!r}, not an mlplab estimator")
    if not isinstance(tree, dict):
        raise ModelFileError(f"{path}: the model file's content is malformed")
    return _SAVABLE[kind]._from_tree(tree)


#: The estimator classes a file can hold, by the kind their files are saved under.
_SAVABLE: dict[str, type] = {}


def savable(cls: type) -> type:
    """Class decorator: files of kind ``cls.__name__`` load as `cls` (its ``_from_tree``)."""
    _SAVABLE[cls.__name__] = cls
    return cls
