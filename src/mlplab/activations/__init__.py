"""The activation catalog: every function with its exact derivative and its facts.

Look one up with :func:`get` (``get("elu", alpha=0.5)``) and list them with :func:`names`.
Each activation ``act`` gives ``act(x)``, ``act.derivative(x)`` (exact, with respect to the
pre-activation) and ``act.vjp(x, grad)``; ``act.info`` holds its formula and properties.
"""

from ._base import REGISTRY as REGISTRY  # the catalog's one Registry (mlplab._registry)
from ._base import Activation, ActivationInfo, get, names
from ._elementwise import (
    Arctan,
    FixedPReLU,
    HardSigmoid,
    HardTanh,
    Identity,
    LeakyReLU,
    LogSigmoid,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    Softplus,
    Softsign,
    Step,
    Tanh,
    Tanhshrink,
    Threshold,
    sigmoid,
    softplus,
)
from ._elementwise_modern import CELU, ELU, GELU, SELU, HardSwish, Mish, SiLU, Squareplus, Swish
from ._elementwise_shapes import (
    BentIdentity,
    Exponential,
    Gaussian,
    Hardshrink,
    Sinc,
    Sinusoid,
    Softshrink,
)
from ._vector import LogSoftmax, Softmax, Softmin, Sparsemax, log_softmax, softmax, sparsemax

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "ActivationInfo",
    "Arctan",
    "BentIdentity",
    "Exponential",
    "FixedPReLU",
    "Gaussian",
    "HardSigmoid",
    "HardSwish",
    "HardTanh",
    "Hardshrink",
    "Identity",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Sinc",
    "Sinusoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Sparsemax",
    "Squareplus",
    "Step",
    "Swish",
    "Tanh",
    "Tanhshrink",
    "Threshold",
    "get",
    "log_softmax",
    "names",
    "sigmoid",
    "softmax",
    "softplus",
    "sparsemax",
]
