"""mlplab: multilayer perceptrons on NumPy.

An exact, fast numerical engine (:mod:`mlplab.activations`, :mod:`mlplab.losses`,
:mod:`mlplab.initializers`, :mod:`mlplab.layers`, :mod:`mlplab.network`), training
(:mod:`mlplab.optimizers`, :mod:`mlplab.schedules`, :mod:`mlplab.training`,
:mod:`mlplab.callbacks`), and a lab for seeing how MLPs learn.
"""

from . import activations, initializers, losses
from .estimators import MLPClassifier, MLPRegressor, load
from .gradient_check import gradient_check
from .layers import Activation, BatchNorm, Dense, Dropout, Maxout, PReLU
from .network import Sequential, mlp
from .rbm import BernoulliRBM

__version__ = "0.1.0"


def __getattr__(name: str):
    # ONNX export needs the optional onnx extra: import it only when asked for.
    if name == "export_onnx":
        from .onnx import export_onnx

        return export_onnx
    raise AttributeError(f"module 'mlplab' has no attribute {name!r}")


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
    "__version__",
    "activations",
    "export_onnx",
    "gradient_check",
    "initializers",
    "load",
    "losses",
    "mlp",
]
