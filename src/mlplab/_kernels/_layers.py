"""Fused layer steps: what the fast path runs for a Dense layer and the activation after it.

:meth:`mlplab.network.Sequential.step_plan` puts these in a :class:`StepPlan` in place of
the two layers' own ``forward`` and ``backward`` (the network picks the layers; this
module only reads their arrays, so it imports neither). The matrix products are the
layers' own NumPy calls; the elementwise work around them is the kernels of
:mod:`mlplab._kernels._activations`; each layer keeps the attributes its own methods would have set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations import Family

__all__ = ["DenseActivation", "DenseLogits", "activation_arrays", "activation_forward"]


def activation_arrays(activation: Any, family: Family, u: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The fused activation's output and its family's scratch, of `u`'s shape.

    The output is `u` itself for a family that works in place, else the activation
    layer's buffer; the scratch arrays are the activation layer's buffers too.
    """
    shape = u.shape
    y = u if family.inplace else activation._buffer("_fused_y", shape)
    t = tuple(activation._buffer(f"_fused_t{i}", shape) for i in range(family.n_scratch))
    return y, t


def activation_forward(
    activation: Any,
    family: Family,
    u: np.ndarray,
    b: np.ndarray,
    y: np.ndarray,
    t: tuple,
    k: np.ndarray,
) -> np.ndarray:
    """The family's forward of ``u + b`` into `y`, setting what the layer's own sets.

    The activation layer keeps its output and, for a family that does not work in
    place, its input ``u + b`` (which the kernel leaves in `u`).
    """
    family.forward(u, b, y, t, k)
    activation._x = None if family.inplace else u
    activation._y = y
    return y


class DenseActivation:
    """A Dense layer and the elementwise activation after it, in fused passes.

    Forward: ``u = x @ W`` (NumPy), then the bias add and the activation in one kernel
    pass (around NumPy's transcendental function, for the families that have one).
    Backward: ``g *= f'`` with the bias gradient in one pass, then ``xᵀ g`` and
    ``g Wᵀ``. Only for a fit whose callbacks read no layer values: the Dense output
    becomes the activation's (as with ``inplace_activations``).

    Parameters
    ----------
    dense : mlplab.layers.Dense
    activation : mlplab.layers.Activation
        The layer after `dense`.
    family : Family
        Its kernel family (from the function's ``_kernel`` hook).
    """

    def __init__(self, dense: Any, activation: Any, family: Family) -> None:
        self.dense = dense
        self.activation = activation
        self.family = family
        self.k = family.constants(dense.dtype)
        self._shape: tuple[int, int] | None = None

    def _arrays(self, n: int) -> None:
        """The Dense output, the activation's output and scratch, for batches of n rows."""
        dense = self.dense
        shape = (n, dense.units)
        self.u = dense._buffer("_out", shape)
        self.y, self.t = activation_arrays(self.activation, self.family, self.u)
        self._shape = shape

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training forward of both layers on `x` of shape (n_batch, n_in)."""
        dense = self.dense
        W, b = dense.params
        if self._shape is None or self._shape[0] != x.shape[0]:
            self._arrays(x.shape[0])
        dense._x = x
        np.matmul(x, W, out=self.u)
        return activation_forward(self.activation, self.family, self.u, b, self.y, self.t, self.k)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Fill both layers' gradients from dLoss/d(activation output); return dLoss/dx."""
        dense = self.dense
        W = dense.params[0]
        gW, gb = dense.grads
        self.family.backward(grad, self.u, self.y, gb, self.t, self.k)
        np.matmul(dense._x.T, grad, out=gW)
        if not dense.need_input_grad:
            return grad
        gin = dense._buffer("_gin", (grad.shape[0], dense.n_in))
        return np.matmul(grad, W.T, out=gin)


class DenseLogits:
    """The last Dense layer before a fused loss whose kernel adds its bias.

    Forward is ``x @ W`` alone; the loss's step (:mod:`mlplab._kernels._losses`) adds
    the bias as it reads the logits and sums the bias gradient from dLoss/dlogits, so
    backward only does the two products.

    Parameters
    ----------
    dense : mlplab.layers.Dense
    """

    def __init__(self, dense: Any) -> None:
        self.dense = dense

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``x @ W`` into the layer's output buffer (the loss adds the bias)."""
        dense = self.dense
        dense._x = x
        out = dense._buffer("_out", (x.shape[0], dense.units))
        return np.matmul(x, dense.params[0], out=out)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """The weight gradient and dLoss/dx (the bias gradient is the loss kernel's)."""
        dense = self.dense
        np.matmul(dense._x.T, grad, out=dense.grads[0])
        if not dense.need_input_grad:
            return grad
        gin = dense._buffer("_gin", (grad.shape[0], dense.n_in))
        return np.matmul(grad, dense.params[0].T, out=gin)
