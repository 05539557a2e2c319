"""Every optimizer's update in one pass over the flat parameter array.

Replaces :meth:`mlplab.optimizers.Optimizer._rule` run on the packed flat arrays
(:meth:`~mlplab.optimizers.Optimizer.pack`): the rules there take 5 to 14 NumPy passes
over all parameters, gradients and state; here each entry is read once and written
once. Every entry goes through the same operations, in the same order and in the same
floating-point type, as the rule it replaces, so the result is the same bit for bit
(square roots and divisions are correctly rounded in both).

One function holds every rule, picked by ``kind`` (the codes below), so that a fit
compiles one kernel per dtype whatever its optimizer. The arguments:

``w, g``
    Parameters (updated) and gradients, 1-D of one dtype.
``s0, s1, s2``
    The optimizer's state arrays in its ``slots`` order (updated); unused ones are
    empty arrays of the dtype.
``k``
    The rule's constants, already rounded to the dtype as NumPy rounds a Python float
    that meets an array: hyperparameters and the step's rate (see each rule).

:func:`update_parallel` splits the same work over threads in contiguous chunks, each
the serial kernel on its slice (the entries are independent, so the result is the
same); the optimizers call it from :data:`PARALLEL_MIN` entries on.
"""

from __future__ import annotations

import math

from ._numba import jit, jit_parallel, prange

# What `kind` selects. Constants in k, in order, after each.
SGD = 0  # lr                       — SGD without momentum
SGD_MOMENTUM = 1  # mu, lr*(1-dampening)  — classical momentum (scikit-learn's form)
SGD_NESTEROV = 2  # mu, lr                — classical Nesterov
SGD_AVERAGE = 3  # mu, 1-mu, lr          — the course's moving average of gradients
SGD_AVERAGE_NESTEROV = 4  # mu, 1-mu, lr*(1-mu), lr*mu
ADAGRAD = 5  # eps, lr
RMSPROP = 6  # rho, 1-rho, eps, lr
RMSPROP_CENTERED = 7  # rho, 1-rho, eps, lr
RMSPROP_MOMENTUM = 8  # rho, 1-rho, eps, lr, mu
RMSPROP_CENTERED_MOMENTUM = 9  # rho, 1-rho, eps, lr, mu
ADAM = 10  # b1, 1-b1, b2, 1-b2, eps, lr_t
AMSGRAD = 11  # b1, 1-b1, b2, 1-b2, eps, lr_t
NADAM = 12  # b1, 1-b1, b2, 1-b2, eps, c_m, c_g, c_v, lr

#: From this many entries the update runs on several threads (below it, starting the
#: threads costs more than they save).
PARALLEL_MIN = 1 << 16


@jit
def _maximum(a, b):
    # np.maximum's semantics: NaN wins, and of two equal values the second.
    return a if (a > b or a != a) else b


@jit
def update(kind, w, g, s0, s1, s2, k):
    """One step of the rule `kind` on every entry (see the module docstring)."""
    n = w.shape[0]
    if kind == SGD:
        # SGD._rule without momentum: s = g * lr; w -= s
        lr = k[0]
        for i in range(n):
            w[i] = w[i] - g[i] * lr
    elif kind == SGD_MOMENTUM or kind == SGD_NESTEROV:
        # SGD._rule, classical: v *= mu; s = g * (lr (1 - d)); v -= s; then w += v, or
        # Nesterov: w -= s; w += v * mu
        mu, c = k[0], k[1]
        nesterov = kind == SGD_NESTEROV
        for i in range(n):
            s = g[i] * c
            v = s0[i] * mu - s
            s0[i] = v
            if nesterov:
                w[i] = (w[i] - s) + v * mu
            else:
                w[i] = w[i] + v
    elif kind == SGD_AVERAGE:
        # SGD._rule, "average": v = v mu + g (1 - mu); w -= v lr
        mu, c, lr = k[0], k[1], k[2]
        for i in range(n):
            v = s0[i] * mu + g[i] * c
            s0[i] = v
            w[i] = w[i] - v * lr
    elif kind == SGD_AVERAGE_NESTEROV:
        # SGD._rule, "average" Nesterov: w -= g (lr (1 - mu)); w -= v (lr mu)
        mu, c, c_g, c_v = k[0], k[1], k[2], k[3]
        for i in range(n):
            v = s0[i] * mu + g[i] * c
            s0[i] = v
            w[i] = (w[i] - g[i] * c_g) - v * c_v
    elif kind == ADAGRAD:
        # AdaGrad._rule: G += g²; w -= g / (√G + eps) * lr
        eps, lr = k[0], k[1]
        for i in range(n):
            acc = s0[i] + g[i] * g[i]
            s0[i] = acc
            w[i] = w[i] - (g[i] / (math.sqrt(acc) + eps)) * lr
    elif kind <= RMSPROP_CENTERED_MOMENTUM:
        _rmsprop(kind, w, g, s0, s1, s2, k)
    else:
        _adam(kind, w, g, s0, s1, s2, k)


@jit
def _rmsprop(kind, w, g, s0, s1, s2, k):
    # RMSProp._rule: v = v rho + g² (1 - rho); d = √v + eps, or centred
    # d = √max(v - ḡ², 0) + eps with ḡ = ḡ rho + g (1 - rho); then w -= g / d * lr, or
    # with momentum b = b mu + g / d; w -= b * lr. State: v, [ḡ], [b].
    rho, c, eps, lr = k[0], k[1], k[2], k[3]
    centered = kind == RMSPROP_CENTERED or kind == RMSPROP_CENTERED_MOMENTUM
    momentum = kind == RMSPROP_MOMENTUM or kind == RMSPROP_CENTERED_MOMENTUM
    mu = k[4] if momentum else k[3]
    zero = rho - rho  # 0 in the dtype (rho is finite)
    buf = s2 if centered else s1
    for i in range(w.shape[0]):
        gi = g[i]
        v = s0[i] * rho + (gi * gi) * c
        s0[i] = v
        if centered:
            ga = s1[i] * rho + gi * c
            s1[i] = ga
            d = math.sqrt(_maximum(v - ga * ga, zero)) + eps
        else:
            d = math.sqrt(v) + eps
        s = gi / d
        if momentum:
            b = buf[i] * mu + s
            buf[i] = b
            w[i] = w[i] - b * lr
        else:
            w[i] = w[i] - s * lr


@jit
def _adam(kind, w, g, s0, s1, s2, k):
    # Adam._moments: m = m b1 + g (1 - b1); v = v b2 + g² (1 - b2). Then Adam._rule:
    # w -= m / (√v + eps) * lr_t (AMSGrad: √v_max, v_max = max(v_max, v)), or
    # Nadam._rule: w -= (m c_m + g c_g) / (√(v c_v) + eps) * lr.
    b1, c1, b2, c2, eps = k[0], k[1], k[2], k[3], k[4]
    for i in range(w.shape[0]):
        gi = g[i]
        m = s0[i] * b1 + gi * c1
        v = s1[i] * b2 + (gi * gi) * c2
        s0[i] = m
        s1[i] = v
        if kind == ADAM:
            w[i] = w[i] - (m / (math.sqrt(v) + eps)) * k[5]
        elif kind == AMSGRAD:
            vmax = _maximum(s2[i], v)
            s2[i] = vmax
            w[i] = w[i] - (m / (math.sqrt(vmax) + eps)) * k[5]
        else:
            u = m * k[5] + gi * k[6]
            w[i] = w[i] - (u / (math.sqrt(v * k[7]) + eps)) * k[8]


@jit_parallel
def update_parallel(kind, w, g, s0, s1, s2, k, chunks):
    """:func:`update` in `chunks` contiguous pieces, side by side on Numba's threads."""
    n = w.shape[0]
    size = (n + chunks - 1) // chunks
    for c in prange(chunks):
        lo = c * size
        hi = min(n, lo + size)
        update(
            kind,
            w[lo:hi],
            g[lo:hi],
            s0[lo:hi] if s0.shape[0] else s0,
            s1[lo:hi] if s1.shape[0] else s1,
            s2[lo:hi] if s2.shape[0] else s2,
            k,
        )
