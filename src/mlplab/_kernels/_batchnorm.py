"""Batch normalization's training forward and backward in two passes each.

Replace, on the fast path, :meth:`mlplab.layers.BatchNorm.forward` (``training=True``) and
:meth:`~mlplab.layers.BatchNorm.backward`: about a dozen NumPy calls each, every one a
pass over the batch, which for the batches of a small table cost more than the matrix
products around them. Every operation is the reference's, in its order and type: the
column sums add the rows in order (NumPy's ``add.reduce(axis=0)`` of a C-ordered array
of two or more columns, as :func:`mlplab._kernels._activations._add_row`), each mean is
that sum divided by the row count in float64 and rounded back (``np.mean``'s
``true_divide`` by an ``intp``), and the square root and divisions are IEEE's, so the
outputs, gradients and running averages are the reference's bits. One-column batches
and other layouts keep the reference (NumPy sums one column pairwise).

Arguments: ``x`` and ``g`` of shape (n, m); ``gamma``, ``beta`` and the per-unit
vectors of length m; ``k`` the constants in the layer's dtype (see
:meth:`BatchNormStep._arrays`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._layers import activation_arrays, activation_forward
from ._numba import jit, jit_inline

__all__ = ["BatchNormStep"]


@jit_inline
def _to_means(sums, n):
    # np.mean's division: each column sum (in the dtype) / n in float64, rounded back
    for j in range(sums.shape[0]):
        sums[j] = sums.dtype.type(float(sums[j]) / n)


@jit
def _forward(x, gamma, beta, k, xhat, mean, var, inv_std, rm, rv, out):
    # BatchNorm.forward(training=True): mean = x.mean(0); xc = x - mean;
    # var = (xc * xc).mean(0); inv_std = 1 / sqrt(var + eps); xhat = xc * inv_std;
    # running_mean = running_mean * (1 - m) + m * mean;
    # running_var = running_var * (1 - m) + m * (var * (n / (n - 1)));
    # out = xhat * gamma + beta; with an empty beta, out = xhat * gamma (the activation
    # kernel after it adds beta). (k = eps, 1 - momentum, momentum, n / (n - 1).)
    n, m = x.shape
    eps, keep, new, unbias = k[0], k[1], k[2], k[3]
    one = x.dtype.type(1)
    # mean: the rows added in order, then the mean's division
    for j in range(m):
        mean[j] = x[0, j]
    for i in range(1, n):
        for j in range(m):
            mean[j] += x[i, j]
    _to_means(mean, n)
    for i in range(n):
        for j in range(m):
            xhat[i, j] = x[i, j] - mean[j]
    # var: the rows of xc * xc added in order (the product rounded first, as NumPy's
    # temporary), then the mean's division
    for j in range(m):
        var[j] = xhat[0, j] * xhat[0, j]
    for i in range(1, n):
        for j in range(m):
            var[j] += xhat[i, j] * xhat[i, j]
    _to_means(var, n)
    for j in range(m):
        inv_std[j] = one / math.sqrt(var[j] + eps)
        rm[j] = rm[j] * keep
        rm[j] = rm[j] + new * mean[j]
        rv[j] = rv[j] * keep
        rv[j] = rv[j] + new * (var[j] * unbias)
    add_beta = beta.shape[0] > 0
    for i in range(n):
        for j in range(m):
            h = xhat[i, j] * inv_std[j]
            xhat[i, j] = h
            out[i, j] = h * gamma[j] + beta[j] if add_beta else h * gamma[j]


@jit
def _backward(g, xhat, gamma, inv_std, ggamma, gbeta, s1, s2, out):
    # BatchNorm.backward: ggamma = (g * xhat).sum(0); gbeta = g.sum(0); dxhat = g * gamma;
    # out = (dxhat - dxhat.mean(0) - xhat * (dxhat * xhat).mean(0)) * inv_std. An empty
    # gbeta: the activation kernel before it summed it.
    n, m = g.shape
    sum_beta = gbeta.shape[0] > 0
    for j in range(m):
        ggamma[j] = g[0, j] * xhat[0, j]
        if sum_beta:
            gbeta[j] = g[0, j]
        d = g[0, j] * gamma[j]
        s1[j] = d
        s2[j] = d * xhat[0, j]
    for i in range(1, n):
        for j in range(m):
            ggamma[j] += g[i, j] * xhat[i, j]
            if sum_beta:
                gbeta[j] += g[i, j]
            d = g[i, j] * gamma[j]
            s1[j] += d
            s2[j] += d * xhat[i, j]
    _to_means(s1, n)
    _to_means(s2, n)
    for i in range(n):
        for j in range(m):
            d = g[i, j] * gamma[j]
            out[i, j] = ((d - s1[j]) - xhat[i, j] * s2[j]) * inv_std[j]


class BatchNormStep:
    """A :class:`~mlplab.layers.BatchNorm` layer's training step through the kernels.

    ``forward(x)`` and ``backward(g)`` give the bits of the layer's own methods and set
    what they set (``_xhat``, ``_inv_std``, the running averages, the gradients); the
    arrays are the layer's scratch buffers, reused from step to step (the step plan's
    callbacks read no layer values). Batches it does not take (one column, another
    layout or dtype, a single row) go to the layer's own methods.

    With `activation` and its kernel `family`, the activation layer after it runs in
    the same step, as :class:`mlplab._kernels._layers.DenseActivation` runs a Dense
    layer's: the batch norm leaves out ``+ beta``, which the activation's kernel adds
    as a bias, and its backward kernel sums beta's gradient as a bias gradient.

    Parameters
    ----------
    layer : mlplab.layers.BatchNorm
    activation : mlplab.layers.Activation, optional
        The layer after `layer`.
    family : mlplab._kernels._activations.Family, optional
        Its kernel family.
    """

    def __init__(self, layer: Any, activation: Any = None, family: Any = None) -> None:
        self.layer = layer
        self.activation = activation
        self.family = family
        self.k = None if family is None else family.constants(layer.dtype)
        self._empty = np.empty(0, dtype=layer.dtype)
        self._shape: tuple[int, int] | None = None
        self._own = False  # whether the last forward went through the kernel

    def _takes(self, a: np.ndarray) -> bool:
        return (
            a.ndim == 2
            and a.shape[1] > 1
            and a.shape[0] > 1
            and a.dtype == self.layer.dtype
            and a.flags.c_contiguous
        )

    def _arrays(self, shape: tuple[int, int]) -> None:
        """The buffers and constants for batches of `shape` (the layer's scratch).

        The kernels' constants: eps, 1 - momentum, momentum and n / (n - 1), in the
        layer's dtype, as the reference's scalars are rounded to it.
        """
        layer = self.layer
        n, m = shape
        self.xhat, self.out, self.gin = (
            layer._buffer(f"_bn_{v}", shape) for v in ("xhat", "out", "gin")
        )
        self.mean, self.var, self.inv_std, self.s1, self.s2 = (
            layer._buffer(f"_bn_{v}", (m,)) for v in ("mean", "var", "inv", "s1", "s2")
        )
        self.constants = np.array(
            [layer.eps, 1 - layer.momentum, layer.momentum, n / (n - 1)], dtype=layer.dtype
        )
        if self.activation is not None:
            self.y, self.t = activation_arrays(self.activation, self.family, self.out)
        self._shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training forward of `x`, shape (n_batch, units) (and of the activation)."""
        layer, activation = self.layer, self.activation
        self._own = self._takes(x)
        if not self._own:
            out = layer.forward(x, training=True)
            return out if activation is None else activation._forward_train_inplace(out)
        if x.shape != self._shape:
            self._arrays(x.shape)
        gamma, beta = layer.params
        _forward(x, gamma, beta if activation is None else self._empty, self.constants, self.xhat,
                 self.mean, self.var, self.inv_std, layer.running_mean, layer.running_var,
                 self.out)  # fmt: skip
        layer._xhat, layer._inv_std = self.xhat, self.inv_std
        if activation is None:
            return self.out
        return activation_forward(activation, self.family, self.out, beta, self.y, self.t, self.k)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """dLoss/dx from dLoss/d(output) `grad`; fills the layer's gradients."""
        layer, activation = self.layer, self.activation
        if not self._own:
            if activation is not None:
                grad = activation.backward(grad)
            return layer.backward(grad)
        gamma_grad, beta_grad = layer.grads
        if activation is not None:
            # g *= f' and beta's gradient, its column sums, as the activation kernel does
            # for a Dense layer's bias (grad is this step's own: the next layer's output)
            self.family.backward(grad, self.out, self.y, beta_grad, self.t, self.k)
            beta_grad = self._empty
        if not (self._takes(grad) and grad.shape == self._shape):
            # another layout sums in another order: the layer's own backward (from the
            # kernel forward's _xhat and _inv_std; beta's gradient comes out the same)
            return layer.backward(grad)
        _backward(grad, self.xhat, layer.params[0], self.inv_std, gamma_grad, beta_grad,
                  self.s1, self.s2, self.gin)  # fmt: skip
        return self.gin
