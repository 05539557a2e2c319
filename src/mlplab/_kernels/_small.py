"""Whole training steps of small networks in one call: gather, forward, backward, update.

For a network of a few thousand parameters, a NumPy training step is some 40 library
calls of about a microsecond each, and the arithmetic is a small part of that.
:func:`run_steps` replaces :meth:`mlplab.training.TrainingRun._steps` (the batch gather,
:meth:`mlplab.network.Sequential.train_step` with its L2 penalty, and the optimizer's
packed update, :mod:`mlplab._kernels._optimizers`) for all the batches of an epoch at once, for the
networks :func:`plan` accepts: Dense layers each followed by identity, ReLU, a leaky
ReLU (slope >= 0), tanh or sigmoid, ending in the softmax or sigmoid cross-entropy
(fused, from the logits) or the squared error of a linear output.

Unlike the elementwise kernels, these do their own matrix products (plain loops, in
another summation order than BLAS) and their own exp, log and tanh (the C library's,
where NumPy uses its SIMD versions): the results agree with the reference path to
rounding, not bit for bit (``tests/test_kernels.py`` checks 1e-12 relative in float64
over a few steps). Set ``MLPLAB_JIT=0`` or train a larger network for the bit-exact
paths.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._numba import jit, jit_inline
from ._optimizers import FAMILIES as FAMILY_OF
from ._optimizers import adagrad, adam, nadam, rmsprop, sgd

__all__ = ["FAMILIES", "MAX_PARAMS", "MAX_WORK", "SmallNetwork", "run_steps"]

#: Networks up to this many parameters take the whole-step kernel ...
MAX_PARAMS = 16_384
#: ... when a batch's multiply-adds (parameters × batch rows) stay below this: above it,
#: BLAS's matrix products win over the kernel's loops.
MAX_WORK = 1 << 17

# Activation codes (hidden layers) and loss codes.
IDENTITY, RELU, LEAKY, TANH, SIGMOID = 0, 1, 2, 3, 4
SOFTMAX_CE, SIGMOID_CE, SQUARED = 0, 1, 2
# Where the kernel finds a layer's activation code (a column of the layout) and the
# slopes (in its `spec`, after the loss kind, its factor and l2).
CODE, SLOPES = 5, 3
#: The activation families (of :mod:`mlplab._kernels._activations`) this kernel runs, by code.
FAMILIES = {"identity": IDENTITY, "relu": RELU, "sloped": LEAKY, "tanh": TANH, "sigmoid": SIGMOID}


@jit
def _activate(code, slope, x):
    zero = x - x
    if code == RELU:
        return x if x > zero else zero
    if code == LEAKY:
        return x if x > zero else x * slope
    if code == TANH:
        return math.tanh(x)
    if code == SIGMOID:
        one = zero + 1
        return one / (one + math.exp(-x)) if x >= zero else math.exp(x) / (one + math.exp(x))
    return x


@jit
def _derivative(code, slope, y):
    # f' from the output y, as the reference's vjp_train does
    one = y - y + 1
    if code == RELU:
        return one if y > 0 else one - one
    if code == LEAKY:
        return one if y > 0 else slope
    if code == TANH:
        return one - y * y
    if code == SIGMOID:
        return y * (one - y)
    return one


@jit
def _loss_rows(kind, factor, z, y, d, nb, k):
    """dLoss/dz of the batch mean into `d`; returns the batch loss (float64)."""
    total = 0.0
    inv = z.dtype.type(1.0 / nb)
    for r in range(nb):
        zr, yr, dr = z[r], y[r], d[r]
        if kind == SOFTMAX_CE:
            m = zr[0]
            for j in range(1, k):
                m = max(m, zr[j])
            s = zr[0] - zr[0]
            for j in range(k):
                dr[j] = math.exp(zr[j] - m)
                s += dr[j]
            log_s = math.log(s)
            ysum = s - s
            for j in range(k):
                total -= yr[j] * (zr[j] - m - log_s)
                ysum += yr[j]
            for j in range(k):
                dr[j] = (dr[j] / s * ysum - yr[j]) * inv
        elif kind == SIGMOID_CE:
            for j in range(k):
                v = zr[j]
                e = math.exp(-abs(v))
                total += max(v, v - v) + math.log1p(e) - yr[j] * v
                one = e - e + 1
                p = one / (one + e) if v >= 0 else e / (one + e)
                dr[j] = (p - yr[j]) * inv
        else:
            c = z.dtype.type(2 * factor / k)
            for j in range(k):
                diff = zr[j] - yr[j]
                total += factor * float(diff) * float(diff) / k
                dr[j] = c * diff * inv
    return total / nb


@jit
def _layer_arrays(flat, layout, layer):
    """Dense layer `layer`'s weights (n_in, n_out) and bias (n_out,): views of `flat`."""
    w_off, b_off, n_in, n_out = (
        layout[layer, 0],
        layout[layer, 1],
        layout[layer, 2],
        layout[layer, 3],
    )
    return flat[w_off : w_off + n_in * n_out].reshape((n_in, n_out)), flat[b_off : b_off + n_out]


@jit
def _forward(w, layout, spec, S, nb):
    for layer in range(layout.shape[0]):
        W, b = _layer_arrays(w, layout, layer)
        n_in, n_out = W.shape
        x, out = S[2 * layer], S[2 * (layer + 1)]
        code, slope = layout[layer, CODE], w.dtype.type(spec[SLOPES + layer])
        for r in range(nb):
            o = out[r]
            for j in range(n_out):
                o[j] = b[j]
            for i in range(n_in):
                xi = x[r, i]
                Wi = W[i]
                for j in range(n_out):
                    o[j] += xi * Wi[j]
            if code != IDENTITY:
                for j in range(n_out):
                    o[j] = _activate(code, slope, o[j])


@jit
def _backward(w, g, layout, spec, S, nb, l2):
    """Gradients into `g` from the last boundary's dLoss/dlogits; returns the L2 penalty."""
    penalty = 0.0
    for layer in range(layout.shape[0] - 1, -1, -1):
        W = _layer_arrays(w, layout, layer)[0]
        gW, gb = _layer_arrays(g, layout, layer)
        n_in, n_out = W.shape
        x, delta = S[2 * layer], S[2 * (layer + 1) + 1]
        gW[:] = 0
        gb[:] = 0
        for r in range(nb):
            dr = delta[r]
            for j in range(n_out):
                gb[j] += dr[j]
            for i in range(n_in):
                xi = x[r, i]
                gWi = gW[i]
                for j in range(n_out):
                    gWi[j] += xi * dr[j]
        if l2 != 0.0 and layout[layer, 4]:
            c = w.dtype.type(l2 / nb)
            for i in range(n_in):
                for j in range(n_out):
                    v = W[i, j]
                    penalty += float(v) * float(v)
                    gW[i, j] += c * v
        if layer == 0:
            continue
        code, slope = layout[layer - 1, CODE], w.dtype.type(spec[SLOPES + layer - 1])
        below, y = S[2 * layer + 1], x
        for r in range(nb):
            for i in range(n_in):
                s = delta[r, 0] - delta[r, 0]
                Wi = W[i]
                for j in range(n_out):
                    s += delta[r, j] * Wi[j]
                below[r, i] = s * _derivative(code, slope, y[r, i])
    return 0.5 * l2 * penalty / nb


@jit
def _gather(X, y, order, start, nb, X0, Y0):
    # rows start:start + nb of X[order] and y[order], element by element: an array
    # assignment would compile the message of its shape check, seconds on an empty cache
    for r in range(nb):
        row = order[start + r] if order.shape[0] else start + r
        for j in range(X.shape[1]):
            X0[r, j] = X[row, j]
        for j in range(y.shape[1]):
            Y0[r, j] = y[row, j]


@jit_inline
def _batch(X, y, order, bounds, step, w, g, layout, spec, S):
    # One batch's gather, forward, loss and backward with the L2 penalty: its loss.
    # Inlined into each run kernel below, so that it adds no level of calls (each level
    # costs its callees' optimization once more on an empty cache).
    loss, factor, l2 = int(spec[0]), spec[1], spec[2]
    last = layout.shape[0]
    X0, Y0 = S[0], S[2 * (last + 1)]
    z, dz = S[2 * last], S[2 * last + 1]
    start, nb = bounds[step, 0], bounds[step, 1] - bounds[step, 0]
    _gather(X, y, order, start, nb, X0, Y0)
    _forward(w, layout, spec, S, nb)
    value = _loss_rows(loss, factor, z, Y0, dz, nb, y.shape[1])
    return value + _backward(w, g, layout, spec, S, nb, l2)


# One run_steps kernel per optimizer family, each calling only its own rule: a kernel
# that took the rule as an argument, or a closure over it, is not cached by Numba. A fit
# compiles the one its optimizer needs; they differ only in the rule they call.
@jit
def _run_sgd(X, y, order, bounds, w, g, s0, s1, s2, kind, consts, layout, spec, S, values):
    for step in range(bounds.shape[0]):
        values[step] = value = _batch(X, y, order, bounds, step, w, g, layout, spec, S)
        if not math.isfinite(value):
            return step
        sgd(kind, w, g, s0, s1, s2, consts[step])
    return bounds.shape[0]


@jit
def _run_adagrad(X, y, order, bounds, w, g, s0, s1, s2, kind, consts, layout, spec, S, values):
    for step in range(bounds.shape[0]):
        values[step] = value = _batch(X, y, order, bounds, step, w, g, layout, spec, S)
        if not math.isfinite(value):
            return step
        adagrad(kind, w, g, s0, s1, s2, consts[step])
    return bounds.shape[0]


@jit
def _run_rmsprop(X, y, order, bounds, w, g, s0, s1, s2, kind, consts, layout, spec, S, values):
    for step in range(bounds.shape[0]):
        values[step] = value = _batch(X, y, order, bounds, step, w, g, layout, spec, S)
        if not math.isfinite(value):
            return step
        rmsprop(kind, w, g, s0, s1, s2, consts[step])
    return bounds.shape[0]


@jit
def _run_adam(X, y, order, bounds, w, g, s0, s1, s2, kind, consts, layout, spec, S, values):
    for step in range(bounds.shape[0]):
        values[step] = value = _batch(X, y, order, bounds, step, w, g, layout, spec, S)
        if not math.isfinite(value):
            return step
        adam(kind, w, g, s0, s1, s2, consts[step])
    return bounds.shape[0]


@jit
def _run_nadam(X, y, order, bounds, w, g, s0, s1, s2, kind, consts, layout, spec, S, values):
    for step in range(bounds.shape[0]):
        values[step] = value = _batch(X, y, order, bounds, step, w, g, layout, spec, S)
        if not math.isfinite(value):
            return step
        nadam(kind, w, g, s0, s1, s2, consts[step])
    return bounds.shape[0]


_RUNS = {"sgd": _run_sgd, "adagrad": _run_adagrad, "rmsprop": _run_rmsprop}
_RUNS.update(adam=_run_adam, nadam=_run_nadam)


def run_steps(
    X: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    bounds: np.ndarray,
    w: np.ndarray,
    g: np.ndarray,
    s0: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    opt_kind: int,
    consts: np.ndarray,
    layout: np.ndarray,
    spec: np.ndarray,
    S: np.ndarray,
    values: np.ndarray,
) -> int:
    """Train on the batches ``bounds[i] = (start, stop)`` of ``X[order]``; returns steps done.

    Per batch as the reference: gather the rows (``order`` empty: no shuffle), forward,
    the loss (``spec = (loss kind, its factor, l2, slope of each layer's activation)``)
    and its gradient, backward with the L2 penalty, then the optimizer's update (the
    kernel of `opt_kind`'s family, :func:`mlplab._kernels._optimizers.kernel`) with the
    step's constants ``consts[i]``. ``values[i]`` gets the batch loss; at a non-finite
    one the run stops before that update (the trainer then handles the divergence).
    ``S``, of shape (2 * layer boundaries + 1, batch, widest layer), is the scratch:
    ``S[2 * i]`` the outputs and ``S[2 * i + 1]`` the gradients at boundary ``i`` (their
    first columns), last the targets.
    """
    run = _RUNS[FAMILY_OF[opt_kind]]
    return run(
        X, y, order, bounds, w, g, s0, s1, s2, opt_kind, consts,
        layout, spec, S, values,
    )  # fmt: skip


class SmallNetwork:
    """The whole-step kernel bound to one fit's network and optimizer arrays.

    Parameters
    ----------
    layout : ndarray of shape (n_layers, 5)
        Per Dense layer: offsets of its weights and bias in the flat parameter array,
        its input and output widths, whether its weights take the L2 penalty.
    codes, slopes : ndarray of shape (n_layers,)
        The activation after each Dense layer (the codes above) and its slope.
    loss : tuple of (int, float)
        The loss code and its factor.
    flat_params, flat_grads : ndarray of shape (n_params,)
        The network's packed parameters and gradients.
    kernel : tuple
        The optimizer's ``(kind, constants, s0, s1, s2)``
        (:attr:`mlplab.optimizers.Optimizer.packed_kernel`).
    batch_size : int
    """

    def __init__(
        self,
        layout: np.ndarray,
        codes: np.ndarray,
        slopes: np.ndarray,
        loss: tuple[int, float],
        flat_params: np.ndarray,
        flat_grads: np.ndarray,
        kernel: tuple[Any, ...],
        batch_size: int,
    ) -> None:
        dtype = flat_params.dtype
        # The activation codes as a column of the layout, and the slopes (of the
        # parameters' dtype, then exactly as float64) after the loss in the kernel's
        # `spec`: each argument of the kernel adds to the cost of its call.
        self.layout = np.ascontiguousarray(np.column_stack((layout, codes)), dtype=np.int64)
        self.slopes = slopes.astype(dtype).astype(np.float64)
        self.loss = loss
        self.w, self.g = flat_params, flat_grads
        self.opt_kind, self.constants, *self.state = kernel
        # the family's whole-step kernel, looked up once (run_steps does it per call)
        self._run_steps = _RUNS[FAMILY_OF[self.opt_kind]]
        widths = [int(layout[0, 2]), *(int(n) for n in layout[:, 3])]
        # One array for all the scratch: the kernel's arguments are what its call costs
        # (a typed list each for outputs and gradients cost microseconds a call, and
        # compile in every process). Per boundary its outputs, then its gradients, then
        # the targets, each (batch, widest layer): slices, where views of a flat array
        # of offsets would compile a reshape at each use (half a second cold).
        self.scratch = np.zeros((2 * len(widths) + 1, batch_size, max(widths)), dtype)
        self._spec: tuple[float, np.ndarray] | None = None
        self._values = np.empty(0)

    def run(
        self,
        X: np.ndarray,
        y: np.ndarray,
        order: np.ndarray | None,
        bounds: np.ndarray,
        consts: np.ndarray,
        l2: float,
    ) -> tuple[int, np.ndarray]:
        """Train on the batches ``bounds`` (rows of ``(start, stop)``) of ``X[order]``.

        Returns the number of steps done and the batch losses (float64), see
        :func:`run_steps`: an array this object reuses, valid until the next call.
        """
        if self._spec is None or self._spec[0] != l2:
            self._spec = (l2, np.array([self.loss[0], self.loss[1], l2, *self.slopes]))
        values = self._values
        if len(values) != len(bounds):
            values = self._values = np.empty(len(bounds))
        s0, s1, s2 = self.state
        done = self._run_steps(
            X, y, _NO_ORDER if order is None else order, bounds, self.w, self.g, s0, s1, s2,
            self.opt_kind, consts, self.layout, self._spec[1],
            self.scratch, values,
        )  # fmt: skip
        return int(done), values


_NO_ORDER = np.empty(0, dtype=np.int64)
