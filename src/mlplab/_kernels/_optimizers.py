"""Every optimizer's update in one pass over the flat parameter array.

Replaces :meth:`mlplab.optimizers.Optimizer._rule` run on the packed flat arrays
(:meth:`~mlplab.optimizers.Optimizer.pack`): the rules there take 5 to 14 NumPy passes
over all parameters, gradients and state; here each entry is read once and written
once. Every entry goes through the same operations, in the same order and in the same
floating-point type, as the rule it replaces, so the result is the same bit for bit
(square roots and divisions are correctly rounded in both).

One kernel per family of rules (:func:`sgd`, :func:`adagrad`, :func:`rmsprop`,
:func:`adam` for Adam and AMSGrad, :func:`nadam`), the rule within it picked by ``kind``
(the codes below), so that a fit compiles only its own optimizer's rule: one kernel
holding all of them took some 1.5 s per dtype to compile on an empty cache, where
Adam's alone takes a fifth of that. :func:`kernel` finds a kind's family. All take the
same arguments:

``w, g``
    Parameters (updated) and gradients, 1-D of one dtype.
``s0, s1, s2``
    The optimizer's state arrays in its ``slots`` order (updated); unused ones are
    empty arrays of the dtype.
``k``
    The rule's constants, already rounded to the dtype as NumPy rounds a Python float
    that meets an array: hyperparameters and the step's rate (see each rule).

:func:`sgd_parallel` and its siblings are the very same functions compiled with
``parallel=True``: each loop over the entries is a ``prange``, which Numba splits in
contiguous chunks over its threads there and which is a plain ``range`` in the serial
kernel (the entries are independent, so the result is the same). The optimizers call
them from :data:`PARALLEL_MIN` entries on.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

from ._activations import _maximum
from ._numba import jit, jit_inline, jit_parallel, prange

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

#: From this many entries the update runs on several threads. A launch on Numba's
#: workqueue threads costs some 35-70 µs (even on one thread), and the update is bound
#: by memory, which two cores share: on a 2-core machine Adam over 235 k float32 entries
#: takes about 50 µs serially and 100 µs on two threads, and 1 M entries are no faster
#: on two (benchmarks/README.md, issue 13).
PARALLEL_MIN = 1 << 22


def _serial_and_parallel(fn: Callable[..., None]) -> tuple[Any, Any]:
    """`fn` compiled twice: serially (its ``prange`` is ``range``) and with ``parallel=True``.

    The parallel one compiles a copy of `fn` under its own name: Numba keys its cache
    by the function's name, not by the compile options, so the two need two names.
    """
    twin = types.FunctionType(
        fn.__code__, fn.__globals__, f"{fn.__name__}_parallel", fn.__defaults__, fn.__closure__
    )
    twin.__qualname__ = f"{fn.__qualname__}_parallel"
    return jit(fn), jit_parallel(twin)


def sgd(kind, w, g, s0, s1, s2, k):
    """SGD's rules (:data:`SGD` to :data:`SGD_AVERAGE_NESTEROV`) on every entry."""
    n = w.shape[0]
    if kind == SGD:
        # SGD._rule without momentum: s = g * lr; w -= s
        lr = k[0]
        for i in prange(n):
            w[i] = w[i] - g[i] * lr
    elif kind == SGD_MOMENTUM or kind == SGD_NESTEROV:
        # SGD._rule, classical: v *= mu; s = g * (lr (1 - d)); v -= s; then w += v, or
        # Nesterov: w -= s; w += v * mu
        mu, c = k[0], k[1]
        nesterov = kind == SGD_NESTEROV
        for i in prange(n):
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
        for i in prange(n):
            v = s0[i] * mu + g[i] * c
            s0[i] = v
            w[i] = w[i] - v * lr
    else:
        # SGD._rule, "average" Nesterov: w -= g (lr (1 - mu)); w -= v (lr mu)
        mu, c, c_g, c_v = k[0], k[1], k[2], k[3]
        for i in prange(n):
            v = s0[i] * mu + g[i] * c
            s0[i] = v
            w[i] = (w[i] - g[i] * c_g) - v * c_v


def adagrad(kind, w, g, s0, s1, s2, k):
    """AdaGrad's rule (:data:`ADAGRAD`) on every entry."""
    # AdaGrad._rule: G += g²; w -= g / (√G + eps) * lr
    eps, lr = k[0], k[1]
    for i in prange(w.shape[0]):
        acc = s0[i] + g[i] * g[i]
        s0[i] = acc
        w[i] = w[i] - (g[i] / (math.sqrt(acc) + eps)) * lr


def rmsprop(kind, w, g, s0, s1, s2, k):
    """RMSProp's rules (:data:`RMSPROP` to :data:`RMSPROP_CENTERED_MOMENTUM`)."""
    # RMSProp._rule: v = v rho + g² (1 - rho); d = √v + eps, or centred
    # d = √max(v - ḡ², 0) + eps with ḡ = ḡ rho + g (1 - rho); then w -= g / d * lr, or
    # with momentum b = b mu + g / d; w -= b * lr. State: v, [ḡ], [b].
    rho, c, eps, lr = k[0], k[1], k[2], k[3]
    centered = kind == RMSPROP_CENTERED or kind == RMSPROP_CENTERED_MOMENTUM
    momentum = kind == RMSPROP_MOMENTUM or kind == RMSPROP_CENTERED_MOMENTUM
    mu = k[4] if momentum else k[3]
    zero = rho - rho  # 0 in the dtype (rho is finite)
    buf = s2 if centered else s1
    for i in prange(w.shape[0]):
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


@jit_inline
def _moments(s0, s1, i, gi, b1, c1, b2, c2):
    # Adam._moments at entry i: m = m b1 + g (1 - b1); v = v b2 + g² (1 - b2), stored
    m = s0[i] * b1 + gi * c1
    v = s1[i] * b2 + (gi * gi) * c2
    s0[i] = m
    s1[i] = v
    return m, v


def adam(kind, w, g, s0, s1, s2, k):
    """Adam's and AMSGrad's rules (:data:`ADAM`, :data:`AMSGRAD`) on every entry."""
    # Adam._moments, then Adam._rule: w -= m / (√v + eps) * lr_t (AMSGrad: √v_max,
    # v_max = max(v_max, v)).
    b1, c1, b2, c2, eps, lr = k[0], k[1], k[2], k[3], k[4], k[5]
    amsgrad = kind == AMSGRAD
    for i in prange(w.shape[0]):
        m, v = _moments(s0, s1, i, g[i], b1, c1, b2, c2)
        if amsgrad:
            v = _maximum(s2[i], v)
            s2[i] = v
        w[i] = w[i] - (m / (math.sqrt(v) + eps)) * lr


def nadam(kind, w, g, s0, s1, s2, k):
    """Nadam's rule (:data:`NADAM`) on every entry."""
    # Adam._moments, then Nadam._rule: w -= (m c_m + g c_g) / (√(v c_v) + eps) * lr.
    b1, c1, b2, c2, eps = k[0], k[1], k[2], k[3], k[4]
    c_m, c_g, c_v, lr = k[5], k[6], k[7], k[8]
    for i in prange(w.shape[0]):
        gi = g[i]
        m, v = _moments(s0, s1, i, gi, b1, c1, b2, c2)
        u = m * c_m + gi * c_g
        w[i] = w[i] - (u / (math.sqrt(v * c_v) + eps)) * lr


# Each family's kernel, serial and parallel (kernel() picks one; only the one a fit
# calls compiles).
sgd, sgd_parallel = _serial_and_parallel(sgd)
adagrad, adagrad_parallel = _serial_and_parallel(adagrad)
rmsprop, rmsprop_parallel = _serial_and_parallel(rmsprop)
adam, adam_parallel = _serial_and_parallel(adam)
nadam, nadam_parallel = _serial_and_parallel(nadam)


#: The family of each kind: its serial kernel's name (the parallel one adds ``_parallel``).
FAMILIES: dict[int, str] = {
    SGD: "sgd",
    SGD_MOMENTUM: "sgd",
    SGD_NESTEROV: "sgd",
    SGD_AVERAGE: "sgd",
    SGD_AVERAGE_NESTEROV: "sgd",
    ADAGRAD: "adagrad",
    RMSPROP: "rmsprop",
    RMSPROP_CENTERED: "rmsprop",
    RMSPROP_MOMENTUM: "rmsprop",
    RMSPROP_CENTERED_MOMENTUM: "rmsprop",
    ADAM: "adam",
    AMSGRAD: "adam",
    NADAM: "nadam",
}


def kernel(kind: int, parallel: bool = False) -> Any:
    """The kernel that runs the rule `kind`: its family's, serial or parallel.

    Parameters
    ----------
    kind : int
        One of the codes above.
    parallel : bool
        The parallel form, launched through :func:`mlplab._kernels._numba.run_parallel`.

    Returns
    -------
    numba dispatcher
        Called as ``kernel(kind, w, g, s0, s1, s2, k)``.
    """
    name = FAMILIES[kind]
    return globals()[f"{name}_parallel" if parallel else name]


def update(kind: int, w: Any, g: Any, s0: Any, s1: Any, s2: Any, k: Any) -> None:
    """One step of the rule `kind` on every entry (see the module docstring)."""
    kernel(kind)(kind, w, g, s0, s1, s2, k)
