"""Whole training steps of small networks in one call: gather, forward, backward, update.

For a network of a few thousand parameters, a NumPy training step is some 40 library
calls of about a microsecond each, and the arithmetic is a small part of that.
:func:`run_steps` replaces :meth:`mlplab.training.TrainingRun._steps` (the batch gather,
:meth:`mlplab.network.Sequential.train_step` with its L2 penalty, and the optimizer's
packed update, :mod:`mlplab._kernels._optimizers`) for all the batches of an epoch at
once, for the networks :func:`mlplab.network.small_step_layout` accepts: Dense layers
each followed by identity, ReLU, a leaky ReLU (slope >= 0), tanh or sigmoid, ending in
the softmax or sigmoid cross-entropy (fused, from the logits) or the squared error of a
linear output.

Unlike the elementwise kernels, these do their own matrix products (plain loops, in
another summation order than BLAS) and their own exp, log and tanh (the C library's,
where NumPy uses its SIMD versions): the results agree with the reference path to
rounding, not bit for bit (``tests/test_kernels.py`` checks 1e-12 relative in float64
over a few steps). Set ``MLPLAB_JIT=0`` or train a larger network for the bit-exact
paths.

**Compilation.** A fit compiles one kernel, :func:`step_kernel` of its optimizer's
family, its network's activations and its loss: one function, whose forward and
backward passes Numba inlines into it, with no separately compiled helpers (a helper is
optimized and emitted once by itself and again inside each caller: three levels of them
took twice the time to compile), from which Numba drops the other rules, losses and
activations before typing it (inlining the two passes, kept apart to be read, costs
some 15 % of its compilation).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ._numba import jit, jit_inline
from ._optimizers import FAMILIES as FAMILY_OF
from ._optimizers import adagrad, adam, nadam, rmsprop, sgd

__all__ = ["FAMILIES", "MAX_PARAMS", "MAX_WORK", "SmallNetwork", "run_steps", "step_kernel"]

#: Networks up to this many parameters take the whole-step kernel ...
MAX_PARAMS = 16_384
#: ... when a batch's multiply-adds (parameters × batch rows) stay below this: above it,
#: BLAS's matrix products win over the kernel's loops.
MAX_WORK = 1 << 17

# Activation codes (hidden layers) and loss codes.
IDENTITY, RELU, LEAKY, TANH, SIGMOID = 0, 1, 2, 3, 4
SOFTMAX_CE, SIGMOID_CE, SQUARED, SQUARED_SUMMED = 0, 1, 2, 3
# Where the kernel finds a layer's activation code (a column of the layout) and the
# slopes (in its `spec`, after the loss kind, its factor and l2).
CODE, SLOPES = 5, 3
#: The activation families (of :mod:`mlplab._kernels._activations`) this kernel runs, by code.
FAMILIES = {"identity": IDENTITY, "relu": RELU, "sloped": LEAKY, "tanh": TANH, "sigmoid": SIGMOID}


#: The sets of activation codes kernels compile, smallest first: a fit takes the first
#: that holds its network's (ReLU's select vectorizes, beside leaky ReLU's less so;
#: tanh and sigmoid call exp or tanh, which do not vectorize anyway, so the other
#: branches beside them cost nothing). Three sets, not one per network: few kernels.
CODE_SETS = (
    frozenset({IDENTITY, RELU}),
    frozenset({IDENTITY, RELU, LEAKY}),
    frozenset(FAMILIES.values()),
)


@jit_inline
def _forward(w, layout, spec, S, nb, relu, leaky, tanh, sigmoid):
    # The forward pass of step_kernel's kernel (inlined into it by Numba, where the
    # flags are the kernel's constants): S[2 (i + 1)] = act(S[2 i] @ W + b) for Dense
    # layer i, whose W (n_in, n_out) and b lie at offsets w_off and b_off of the flat w.
    # Rows of arrays (views) in the loops, so that Numba's indexing vectorizes.
    for layer in range(layout.shape[0]):
        w_off, b_off = layout[layer, 0], layout[layer, 1]
        n_in, n_out, code = layout[layer, 2], layout[layer, 3], layout[layer, CODE]
        slope = w.dtype.type(spec[SLOPES + layer])
        b = w[b_off : b_off + n_out]
        for r in range(nb):
            x, o = S[2 * layer, r], S[2 * layer + 2, r]
            for j in range(n_out):
                o[j] = b[j]
            for i in range(n_in):
                xi = x[i]
                Wi = w[w_off + i * n_out : w_off + (i + 1) * n_out]
                for j in range(n_out):
                    o[j] += xi * Wi[j]
            if code == IDENTITY:
                continue
            for j in range(n_out):
                v = o[j]
                zero = v - v
                if relu and code == RELU:
                    v = v if v > zero else zero
                elif leaky and code == LEAKY:
                    v = v if v > zero else v * slope
                elif tanh and code == TANH:
                    v = math.tanh(v)
                elif sigmoid and code == SIGMOID:
                    one = zero + 1
                    v = (
                        one / (one + math.exp(-v))
                        if v >= zero
                        else (math.exp(v) / (one + math.exp(v)))
                    )
                o[j] = v


@jit_inline
def _backward(w, g, layout, spec, S, nb, l2, relu, leaky, tanh, sigmoid):
    # The backward pass of step_kernel's kernel (inlined, as _forward), last layer
    # first: the gradients of W and b into g (with the L2 penalty's), then dLoss/d(its
    # input) times the derivative of the activation before it, from that activation's
    # output as the reference's vjp_train does, into S[2 i + 1].
    penalty = 0.0
    for layer in range(layout.shape[0] - 1, -1, -1):
        w_off, b_off = layout[layer, 0], layout[layer, 1]
        n_in, n_out = layout[layer, 2], layout[layer, 3]
        W, gW = w[w_off : w_off + n_in * n_out], g[w_off : w_off + n_in * n_out]
        gb = g[b_off : b_off + n_out]
        gW[:] = 0
        gb[:] = 0
        for r in range(nb):
            x, d = S[2 * layer, r], S[2 * layer + 3, r]
            for j in range(n_out):
                gb[j] += d[j]
            for i in range(n_in):
                xi = x[i]
                gWi = gW[i * n_out : (i + 1) * n_out]
                for j in range(n_out):
                    gWi[j] += xi * d[j]
        if l2 != 0.0 and layout[layer, 4]:
            c = w.dtype.type(l2 / nb)
            for i in range(n_in * n_out):
                v = W[i]
                penalty += float(v) * float(v)
                gW[i] += c * v
        if layer == 0:
            continue
        code = layout[layer - 1, CODE]
        slope = w.dtype.type(spec[SLOPES + layer - 1])
        for r in range(nb):
            x, d, below = S[2 * layer, r], S[2 * layer + 3, r], S[2 * layer + 1, r]
            for i in range(n_in):
                Wi = W[i * n_out : (i + 1) * n_out]
                s = d[0] - d[0]
                for j in range(n_out):
                    s += d[j] * Wi[j]
                v = x[i]
                f = v - v + 1  # the derivative, from the output v
                if relu and code == RELU:
                    f = f if v > 0 else f - f
                elif leaky and code == LEAKY:
                    f = f if v > 0 else slope
                elif tanh and code == TANH:
                    f = f - v * v
                elif sigmoid and code == SIGMOID:
                    f = v * (f - v)
                below[i] = s * f
    return penalty  # the sum of squares of the penalized weights


def _codes(layout: np.ndarray) -> frozenset[int]:
    # the set of activation codes to compile for a kernel layout's layers
    codes = frozenset(int(c) for c in layout[:, CODE])
    return next(s for s in CODE_SETS if codes <= s)


@functools.cache
def step_kernel(family: str, codes: frozenset[int], loss: int) -> Any:
    """The whole-step kernel of an optimizer family, activations and loss (:func:`run_steps`).

    Parameters
    ----------
    family : str
        The optimizer's family of rules, a value of
        :data:`mlplab._kernels._optimizers.FAMILIES` (``"adam"``, ``"sgd"``, ...).
    codes : frozenset of int
        The activation codes to compile (:data:`FAMILIES`' values): one of
        :data:`CODE_SETS` as fits choose them; any set runs the networks within it.
    loss : int
        The loss code (:data:`SOFTMAX_CE`, :data:`SIGMOID_CE`, :data:`SQUARED` or
        :data:`SQUARED_SUMMED`, whose value is :data:`SQUARED`'s divided by the number
        of outputs: ``losses._MeanValueSummedGradient``).

    Returns
    -------
    numba dispatcher
        Called with :func:`run_steps`'s arguments; one per (family, codes, loss), made once.
    """
    # The closure's values are constants to Numba, which prunes the branches they rule
    # out before typing: only this rule, these activations and this loss compile (every
    # loss in the kernel cost a tenth more to compile; the activations a network lacks
    # cost little to compile but, as branches in a ReLU network's loops, up to a third
    # of the speed of its steps). Numba caches a closure over plain values like a
    # function, with the values in the cache's key (not a closure over a jitted
    # function: that is never found again, nor a kernel that takes one as an argument).
    relu, leaky, tanh, sigmoid = (c in codes for c in (RELU, LEAKY, TANH, SIGMOID))
    softmax_ce, sigmoid_ce = loss == SOFTMAX_CE, loss == SIGMOID_CE
    summed = loss == SQUARED_SUMMED
    use_sgd, use_adagrad, use_rmsprop, use_adam = (
        family == name for name in ("sgd", "adagrad", "rmsprop", "adam")
    )

    @jit
    def run(X, y, order, bounds, w, g, s0, s1, s2, kind, consts, layout, spec, S, values):
        n_layers, k = layout.shape[0], y.shape[1]
        factor, l2 = spec[1], spec[2]
        # the squared error's gradient and value factors (SQUARED_SUMMED: the same
        # gradient, the value averaged over the outputs)
        c = w.dtype.type(2 * factor / k)
        value_factor = factor / k if summed else factor
        top = 2 * n_layers  # S[top]: the logits, S[top + 1]: their gradient, then targets
        for step in range(bounds.shape[0]):
            start, nb = bounds[step, 0], bounds[step, 1] - bounds[step, 0]
            # The batch: rows of X[order] and y[order], element by element (an array
            # assignment would compile its shape check's message, seconds when cold).
            X0, Y0 = S[0], S[top + 2]
            for r in range(nb):
                row = order[start + r] if order.shape[0] else start + r
                for j in range(X.shape[1]):
                    X0[r, j] = X[row, j]
                for j in range(k):
                    Y0[r, j] = y[row, j]

            _forward(w, layout, spec, S, nb, relu, leaky, tanh, sigmoid)

            # The loss of the batch mean, and its gradient for the logits into S[top + 1].
            total = 0.0
            inv = w.dtype.type(1.0 / nb)
            for r in range(nb):
                z, dz, t = S[top, r], S[top + 1, r], S[top + 2, r]
                if softmax_ce:
                    m = z[0]
                    for j in range(1, k):
                        m = z[j] if z[j] > m else m  # max(m, z[j])
                    s = z[0] - z[0]
                    for j in range(k):
                        dz[j] = math.exp(z[j] - m)
                        s += dz[j]
                    log_s = math.log(s)
                    ysum = s - s
                    for j in range(k):
                        total -= t[j] * (z[j] - m - log_s)
                        ysum += t[j]
                    for j in range(k):
                        dz[j] = (dz[j] / s * ysum - t[j]) * inv
                elif sigmoid_ce:
                    for j in range(k):
                        v = z[j]
                        e = math.exp(-abs(v))
                        zero = v - v
                        total += (zero if zero > v else v) + math.log1p(e) - t[j] * v  # max(v, 0)
                        one = e - e + 1
                        p = one / (one + e) if v >= 0 else e / (one + e)
                        dz[j] = (p - t[j]) * inv
                else:
                    for j in range(k):
                        diff = z[j] - t[j]
                        total += value_factor * float(diff) * float(diff) / k
                        dz[j] = c * diff * inv
            value = total / nb

            penalty = _backward(w, g, layout, spec, S, nb, l2, relu, leaky, tanh, sigmoid)

            values[step] = value = value + 0.5 * l2 * penalty / nb
            if not math.isfinite(value):
                return step
            if use_sgd:
                sgd(kind, w, g, s0, s1, s2, consts[step])
            elif use_adagrad:
                adagrad(kind, w, g, s0, s1, s2, consts[step])
            elif use_rmsprop:
                rmsprop(kind, w, g, s0, s1, s2, consts[step])
            elif use_adam:
                adam(kind, w, g, s0, s1, s2, consts[step])
            else:
                nadam(kind, w, g, s0, s1, s2, consts[step])
        return bounds.shape[0]

    return run


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
    rule of `opt_kind`'s family, :func:`mlplab._kernels._optimizers.kernel`) with the
    step's constants ``consts[i]``. ``values[i]`` gets the batch loss; at a non-finite
    one the run stops before that update (the trainer then handles the divergence).
    ``layout`` has a row per Dense layer: the offsets of its weights and bias in `w`,
    its input and output widths, whether its weights take the L2 penalty, its
    activation's code. ``S``, of shape (2 * layer boundaries + 1, batch, widest layer),
    is the scratch: ``S[2 * i]`` the outputs and ``S[2 * i + 1]`` the gradients at
    boundary ``i`` (their first columns), last the targets.
    """
    run = step_kernel(FAMILY_OF[opt_kind], _codes(layout), int(spec[0]))
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
        # the kernel of this optimizer, activations and loss, looked up once
        self._run_steps = step_kernel(FAMILY_OF[self.opt_kind], _codes(self.layout), int(loss[0]))
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
