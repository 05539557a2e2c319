"""The activation catalog: every function with its exact derivative and its facts.

Look one up with :func:`get` (``get("elu", alpha=0.5)``) and list them with :func:`names`.
Each activation ``act`` gives ``act(x)``, ``act.derivative(x)`` (exact, with respect to the
pre-activation) and ``act.vjp(x, grad)``; ``act.info`` holds its formula and properties.
"""

from ._base import Activation, ActivationInfo, get, names
from ._elementwise import Identity, ReLU, Sigmoid, Tanh, sigmoid
from ._vector import Softmax, softmax

__all__ = [
    "Activation",
    "ActivationInfo",
    "Identity",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "get",
    "names",
    "sigmoid",
    "softmax",
]
