"""Elementwise activations: f applies to each entry of the pre-activation on its own."""

from __future__ import annotations

import numpy as np

from ._base import Activation, ActivationInfo


class Identity(Activation):
    """f(x) = x."""

    name = "identity"
    aliases = ("linear",)
    output_derivative = True
    info = ActivationInfo(
        formula=r"x",
        output_range="(-inf, inf)",
        zero_centred=True,
        monotonic=True,
        smooth=True,
        saturates="none",
        bounded=False,
        initializer="glorot",
        reference="",
    )

    def _forward(self, x):
        return x.copy()

    def _derivative(self, x):
        return np.ones_like(x)

    def _derivative_from_output(self, y):
        return np.ones_like(y)

    def vjp_train(self, x, y, grad):
        return grad


class Sigmoid(Activation):
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`; :math:`\sigma' = \sigma(1-\sigma) \le 1/4`."""

    name = "sigmoid"
    aliases = ("logistic",)
    output_derivative = True
    info = ActivationInfo(
        formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        output_range="(0, 1)",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturates="both",
        bounded=True,
        initializer="glorot",
        reference="Rumelhart, Hinton & Williams 1986",
    )

    def _forward(self, x):
        return sigmoid(x)

    def _derivative(self, x):
        return self._derivative_from_output(sigmoid(x))

    def _derivative_from_output(self, y):
        return y * (1 - y)


class Tanh(Activation):
    r"""Hyperbolic tangent; :math:`\tanh' = 1 - \tanh^2 \le 1`."""

    name = "tanh"
    output_derivative = True
    info = ActivationInfo(
        formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        output_range="(-1, 1)",
        zero_centred=True,
        monotonic=True,
        smooth=True,
        saturates="both",
        bounded=True,
        initializer="glorot",
        reference="LeCun et al. 1998 (Efficient BackProp)",
    )

    def _forward(self, x):
        return np.tanh(x)

    def _derivative(self, x):
        return self._derivative_from_output(np.tanh(x))

    def _derivative_from_output(self, y):
        return 1 - y * y


class ReLU(Activation):
    r"""Rectified linear unit, :math:`\max(0, x)`.

    Convention at the kink: relu'(0) = 0, as PyTorch.
    """

    name = "relu"
    output_derivative = True
    info = ActivationInfo(
        formula=r"\max(0, x)",
        output_range="[0, inf)",
        zero_centred=False,
        monotonic=True,
        smooth=False,
        saturates="left",
        bounded=False,
        initializer="he",
        reference="Nair & Hinton 2010; Glorot, Bordes & Bengio 2011",
    )

    def _forward(self, x):
        return np.maximum(x, 0)

    def _derivative(self, x):
        return (x > 0).astype(x.dtype)

    def _derivative_from_output(self, y):
        return (y > 0).astype(y.dtype)

    def vjp_train(self, x, y, grad):
        grad[y <= 0] = 0
        return grad


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function, same dtype as `x`.

    Uses ``exp(-|x|)``, which never overflows: for x >= 0, 1/(1+e^{-x});
    for x < 0, e^{x}/(1+e^{x}).
    """
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
