"""mlplab: multilayer perceptrons on NumPy.

An exact, fast numerical engine (:mod:`mlplab.activations`, :mod:`mlplab.losses`,
:mod:`mlplab.initializers`, :mod:`mlplab.layers`, :mod:`mlplab.network`), training
(:mod:`mlplab.optimizers`, :mod:`mlplab.schedules`, :mod:`mlplab.training`,
:mod:`mlplab.callbacks`), and a lab for seeing how MLPs learn.

The engine's names are imported with the package. The scikit-learn estimators
(:class:`MLPClassifier`, :class:`MLPRegressor`, :class:`BernoulliRBM`, :func:`load`) and
:func:`export_onnx` are imported on first use, so that ``import mlplab.network`` does not
load scikit-learn, pandas or the optional onnx extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import activations, initializers, losses
from ._version import __version__
from .gradient_check import gradient_check
from .layers import Activation, BatchNorm, Dense, Dropout, Maxout, PReLU, SimpleRNN
from .network import Sequential, mlp

if TYPE_CHECKING:
    from .estimators import BernoulliRBM, MLPClassifier, MLPRegressor, load
    from .onnx import export_onnx


# Name -> the submodule that defines it, imported by __getattr__ when first asked for.
_LAZY = {
    "BernoulliRBM": "estimators",
    "MLPClassifier": "estimators",
    "MLPRegressor": "estimators",
    "export_onnx": "onnx",
    "load": "estimators",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlplab' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Activation",
    "BatchNorm",
    "BernoulliRBM",
    "Dense",
    "Dropout",
    "MLPClassifier",
    "MLPRegressor",
    "Maxout",
    "PReLU",
    "Sequential",
    "SimpleRNN",
    "__version__",
    "activations",
    "export_onnx",
    "gradient_check",
    "initializers",
    "load",
    "losses",
    "mlp",
]
