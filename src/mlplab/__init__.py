"""mlplab: multilayer perceptrons on NumPy.

An exact, fast numerical engine (:mod:`mlplab.activations`, :mod:`mlplab.losses`,
:mod:`mlplab.initializers`, :mod:`mlplab.layers`, :mod:`mlplab.network`), training
(:mod:`mlplab.optimizers`, :mod:`mlplab.schedules`, :mod:`mlplab.training`,
:mod:`mlplab.callbacks`), and a lab for seeing how MLPs learn.
"""

from . import activations, initializers, losses
from .gradient_check import gradient_check
from .layers import Activation, BatchNorm, Dense, Dropout, Maxout, PReLU
from .network import Sequential, mlp

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "BatchNorm",
    "Dense",
    "Dropout",
    "Maxout",
    "PReLU",
    "Sequential",
    "__version__",
    "activations",
    "gradient_check",
    "initializers",
    "losses",
    "mlp",
]
