"""Row-wise activations: each output depends on the whole row (one sample's units)."""

from __future__ import annotations

import numpy as np

from ._base import Activation, ActivationInfo


def _check_2d(x: np.ndarray) -> None:
    if x.ndim == 0:
        raise ValueError("x must have at least 1 dimension for a row-wise activation")


class Softmax(Activation):
    r"""softmax(x)_i = e^{x_i} / \sum_j e^{x_j}, along the last axis.

    ``derivative`` returns the Jacobian's diagonal p(1 - p); backpropagate with
    :meth:`vjp`: p * (g - sum(g * p)).
    """

    name = "softmax"
    elementwise = False
    info = ActivationInfo(
        formula=r"\frac{e^{x_i}}{\sum_j e^{x_j}}",
        output_range="(0, 1), rows sum to 1",
        zero_centred=False,
        monotonic=True,
        smooth=True,
        saturates="both",
        bounded=True,
        initializer="glorot",
        reference="Bridle 1990",
    )

    def _forward(self, x):
        _check_2d(x)
        return softmax(x)

    def _derivative(self, x):
        p = self._forward(x)
        return p * (1 - p)

    def _vjp(self, x, grad):
        p = self._forward(x)
        return p * (grad - np.sum(grad * p, axis=-1, keepdims=True))

    def vjp_train(self, x, y, grad):
        return y * (grad - np.sum(grad * y, axis=-1, keepdims=True))


def softmax(x: np.ndarray) -> np.ndarray:
    """Stable softmax along the last axis (shifts by the row max; ±inf handled)."""
    m = np.max(x, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    return e / np.sum(e, axis=-1, keepdims=True)
