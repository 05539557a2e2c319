"""Row-wise activations: each output depends on the whole row (one sample's units).

All work along the last axis. ``derivative(x)`` returns the Jacobian's diagonal;
backpropagate with ``vjp``. Rows whose maximum is infinite are replaced by their
limit pattern first (see :func:`_limit_rows`), so ±inf entries give the limits
without nan or warnings.
"""

from __future__ import annotations

import numpy as np

from ._base import Activation
from ._facts import FACTS


def _check_2d(x: np.ndarray) -> None:
    if x.ndim == 0:
        raise ValueError("x must have at least 1 dimension for a row-wise activation")


def _limit_rows(x: np.ndarray) -> np.ndarray:
    """Rows whose max m is ±inf become 0 where x == m and -inf elsewhere.

    These functions are invariant to adding a constant to a row, and as entries go to
    +inf the output tends to that pattern's (the infinite entries share the row
    equally); a row of only -inf is treated the same way, as equal entries, giving
    the uniform distribution. Finite rows are returned unchanged.
    """
    m = np.max(x, axis=-1, keepdims=True)
    infinite = np.isinf(m)
    if not infinite.any():
        return x
    limit = np.where(x == m, 0, -np.inf)
    return np.where(infinite, limit, x).astype(x.dtype, copy=False)


def softmax(x: np.ndarray) -> np.ndarray:
    """Stable softmax along the last axis (shifts by the row max; ±inf handled)."""
    x = _limit_rows(x)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Stable log-softmax along the last axis: ``z - log(sum(exp(z)))``, z = x - max."""
    x = _limit_rows(x)
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def sparsemax(x: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row onto the probability simplex.

    Sorting a row decreasingly (z_1 >= z_2 >= ...), the support is the first k(z)
    entries, k(z) = max{k : 1 + k z_k > z_1 + ... + z_k}; with
    tau = (z_1 + ... + z_k - 1) / k the result is max(x - tau, 0).
    """
    x = _limit_rows(x)
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    cumsum = np.cumsum(z, axis=-1)
    # -inf entries: 1 + k*(-inf) = -inf is not > cumsum = -inf, so never in the support
    size = np.sum(1 + k * z > cumsum, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, size - 1, axis=-1) - 1) / size.astype(x.dtype)
    return np.maximum(x - tau, 0)


class _RowWise(Activation):
    """Unregistered base of the row-wise functions: not elementwise, backpropagated from y.

    Softmax, softmin and sparsemax write their vector-Jacobian product from the output
    alone (:meth:`vjp_train`), so :meth:`vjp` evaluates the function and uses it;
    log_softmax, whose output is the log of that, writes its own.
    """

    elementwise = False

    def _vjp(self, x, grad):
        return self.vjp_train(x, self._forward(x), grad)


class Softmax(_RowWise):
    r"""softmax(x)_i = e^{x_i} / \sum_j e^{x_j}, along the last axis.

    ``derivative`` returns the Jacobian's diagonal p(1 - p); backpropagate with
    :meth:`vjp`: p * (g - sum(g * p)).
    """

    name = "softmax"
    info = FACTS["softmax"]

    def _forward(self, x):
        _check_2d(x)
        return softmax(x)

    def _derivative(self, x):
        p = self._forward(x)
        return p * (1 - p)

    def vjp_train(self, x, y, grad):
        return y * (grad - np.sum(grad * y, axis=-1, keepdims=True))


class LogSoftmax(_RowWise):
    r"""log_softmax(x)_i = x_i - \log \sum_j e^{x_j}, along the last axis.

    Jacobian :math:`I - \mathbf{1} p^T` with p = softmax(x): ``derivative`` returns its
    diagonal 1 - p, and the vector-Jacobian product is g - p sum(g).
    """

    name = "log_softmax"
    info = FACTS["log_softmax"]

    def _forward(self, x):
        _check_2d(x)
        return log_softmax(x)

    def _derivative(self, x):
        _check_2d(x)
        return 1 - softmax(x)

    def _vjp(self, x, grad):
        _check_2d(x)
        return grad - softmax(x) * np.sum(grad, axis=-1, keepdims=True)

    def vjp_train(self, x, y, grad):
        return grad - np.exp(y) * np.sum(grad, axis=-1, keepdims=True)


class Softmin(_RowWise):
    r"""softmin(x) = softmax(-x), along the last axis.

    With p = softmin(x) the Jacobian is :math:`-(\mathrm{diag}(p) - p p^T)`:
    ``derivative`` returns -p(1 - p) and the vector-Jacobian product is
    -p * (g - sum(g * p)).
    """

    name = "softmin"
    info = FACTS["softmin"]

    def _forward(self, x):
        _check_2d(x)
        return softmax(-x)

    def _derivative(self, x):
        p = self._forward(x)
        return -p * (1 - p)

    def vjp_train(self, x, y, grad):
        return -y * (grad - np.sum(grad * y, axis=-1, keepdims=True))


class Sparsemax(_RowWise):
    r"""Sparsemax: the Euclidean projection of the row onto the probability simplex.

    :math:`\mathrm{sparsemax}(x) = \max(x - \tau(x), 0)`, with τ chosen so that the
    row sums to 1; entries below τ are exactly 0. On the support S = {i : p_i > 0}
    the Jacobian is :math:`I - \mathbf{1}\mathbf{1}^T/|S|` (0 outside), so
    ``derivative`` returns 1 - 1/|S| on S and 0 elsewhere, and the vector-Jacobian
    product is g_i - mean_{j in S} g_j on S and 0 elsewhere. Not differentiable where
    an entry equals τ; there the entry counts as outside the support.
    """

    name = "sparsemax"
    info = FACTS["sparsemax"]

    def _forward(self, x):
        _check_2d(x)
        return sparsemax(x)

    def _derivative(self, x):
        support = (self._forward(x) > 0).astype(x.dtype)
        size = np.sum(support, axis=-1, keepdims=True)
        return support * (1 - 1 / size)

    def vjp_train(self, x, y, grad):
        support = (y > 0).astype(grad.dtype)
        size = np.sum(support, axis=-1, keepdims=True)
        mean = np.sum(grad * support, axis=-1, keepdims=True) / size
        return support * (grad - mean)
