"""A Dense layer's bias add fused with the activation after it, forward and backward.

Replaces, on the fast path, ``out += b`` of :meth:`mlplab.layers.Dense.forward` followed
by the activation's ``forward_train_inplace`` / ``forward_train``, and the activation's
``vjp_train`` followed by the bias gradient ``np.add.reduce(grad, axis=0)`` of
:meth:`~mlplab.layers.Dense.backward`. The matrix products stay NumPy's.

A :class:`Family` runs one activation function's fused passes on the Dense output
``u`` (n_rows, units) and the bias ``b``:

``forward(u, b, y, t, k)``
    Writes the activation of ``u + b`` into ``y``, which is ``u`` itself when the
    backward pass needs only the output (:attr:`Family.inplace`); else ``u`` keeps the
    pre-activation ``u + b``. ``t`` is scratch of u's shape.
``backward(g, u, y, gb, t, k)``
    ``g *= f'`` in place (from the output ``y`` or the pre-activation ``u``, as the
    reference does), and ``gb`` = the column sums of the result, in NumPy's order.

``k`` holds the function's parameters rounded to the dtype. Everything is done as the
reference does it, in its order and type; the transcendental functions (exp, expm1,
log1p, erfc) are the very NumPy and SciPy calls of the reference, run in place on
scratch between two kernels, so the results are the reference's bits. Functions not
listed in :data:`FAMILIES` keep the NumPy path.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from scipy.special import erfc

from ._numba import jit

__all__ = ["FAMILIES", "Family"]

# -- helpers: NumPy's semantics, entry by entry ---------------------------------------------


@jit
def _maximum(a, b):
    # np.maximum: NaN wins, and of two equal values (0.0 and -0.0) the second.
    return a if (a > b or a != a) else b


@jit
def _minimum(a, b):
    return a if (a < b or a != a) else b


@jit
def _mul_decay(x, s):
    # activations._elementwise._mul_decay: x * s, and 0 where s == 0 (no inf * 0 = NaN).
    return x * s if s != 0 else s - s


@jit
def _pairwise_block(a, i, n):
    # np.add.reduce of row i of the C-ordered 2-D a, its first n <= 128 entries (beyond,
    # NumPy recurses on halves; callers leave such sums to NumPy): below 8 a plain loop;
    # else eight interleaved partial sums, combined ((r0 + r1) + (r2 + r3)) + ((r4 + r5)
    # + (r6 + r7)), then the remainder. The row is indexed in place: a view a[i] per row
    # would cost a reference count each (3 µs over 200 rows against 0.9).
    if n < 8:
        res = a[i, 0]
        for j in range(1, n):
            res += a[i, j]
        return res
    r0, r1, r2, r3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
    r4, r5, r6, r7 = a[i, 4], a[i, 5], a[i, 6], a[i, 7]
    j = 8
    stop = n - n % 8
    while j < stop:
        r0 += a[i, j]
        r1 += a[i, j + 1]
        r2 += a[i, j + 2]
        r3 += a[i, j + 3]
        r4 += a[i, j + 4]
        r5 += a[i, j + 5]
        r6 += a[i, j + 6]
        r7 += a[i, j + 7]
        j += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while j < n:
        res += a[i, j]
        j += 1
    return res


def sums_columns(g: np.ndarray) -> bool:
    """Whether a kernel that called :func:`_add_row` for each row of `g` left NumPy's
    ``np.add.reduce(g, axis=0)`` in its output.

    For a C-ordered `g` of two or more columns NumPy adds the rows in order, as
    :func:`_add_row` does; one column is NumPy's pairwise sum, left to NumPy's call
    (a kernel of it would cost seconds of a first fit to compile).
    """
    return g.shape[1] > 1 and g.flags.c_contiguous


@jit
def _add_row(gb, g, i):
    # Dense.backward's bias gradient np.add.reduce(g, axis=0), a row at a time as g's
    # row i is done: for a C-ordered g of two or more columns NumPy copies the first row
    # and adds the others in order (one column is a pairwise sum: Family.backward
    # leaves it to NumPy).
    if i == 0:
        for j in range(g.shape[1]):
            gb[j] = g[0, j]
    else:
        for j in range(g.shape[1]):
            gb[j] += g[i, j]


# -- forward kernels: bias add, the algebra around the transcendental ---------------------
@jit
def _add_bias(u, b):
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            u[i, j] += b[j]


@jit
def _relu_forward(u, b, k):
    # ReLU.forward_train_inplace: np.maximum(x, zeros, out=x)
    zero = b.dtype.type(0)
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            u[i, j] = _maximum(u[i, j] + b[j], zero)


@jit
def _sloped_forward(u, b, y, k, inplace):
    # _SlopedReLU._forward: np.maximum(x, 0) + slope * np.minimum(x, 0) (or the first alone)
    # In place (y is u) the pre-activation is not kept: one store, which vectorizes (two
    # stores to what may be the same array kept the loop scalar, 4x slower).
    zero = b.dtype.type(0)
    slope = k[0]
    n, m = u.shape
    for i in range(n):
        if inplace:
            for j in range(m):
                x = u[i, j] + b[j]
                pos = _maximum(x, zero)
                u[i, j] = pos if slope == 0 else pos + slope * _minimum(x, zero)
        else:
            for j in range(m):
                x = u[i, j] + b[j]
                u[i, j] = x
                pos = _maximum(x, zero)
                y[i, j] = pos if slope == 0 else pos + slope * _minimum(x, zero)


@jit
def _relu6_forward(u, b, k):
    # ReLU6._forward: np.clip(x, 0, 6), which keeps x where it equals a bound
    lo, hi = b.dtype.type(0), b.dtype.type(6)
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j] + b[j]
            u[i, j] = lo if x < lo else (hi if x > hi else x)


@jit
def _negabs_forward(u, b, t, k):
    # x = u + b, and t = -|beta x| (k[0] = beta, or 1): the argument of sigmoid's exp
    beta = k[0]
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j] + b[j]
            u[i, j] = x
            t[i, j] = -abs(x * beta if beta != 1 else x)


@jit
def _sigmoid(x, z):
    # activations._elementwise.sigmoid from z = exp(-|x|)
    one = type(z)(1)
    return one / (one + z) if x >= 0 else z / (one + z)


@jit
def _sigmoid_forward(u, t, k):
    # Sigmoid._forward: z = exp(-|x|); where(x >= 0, 1 / (1 + z), z / (1 + z))
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            u[i, j] = _sigmoid(u[i, j], t[i, j])


@jit
def _swish_forward(u, y, t, k):
    # Swish._forward: _mul_decay(x, sigmoid(beta x))
    beta = k[0]
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            y[i, j] = _mul_decay(x, _sigmoid(x * beta if beta != 1 else x, t[i, j]))


@jit
def _elu_argument(u, b, t, k):
    # x = u + b, and t = np.minimum(x, 0) (ELU, SELU), / alpha (CELU): expm1's argument
    zero = b.dtype.type(0)
    alpha, celu = k[0], k[2]
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j] + b[j]
            u[i, j] = x
            neg = _minimum(x, zero)
            t[i, j] = neg / alpha if celu != 0 else neg


@jit
def _elu_forward(u, t, k):
    # ELU: where(x > 0, x, alpha * expm1(min(x, 0))); SELU: scale * that (k[1] = scale);
    # CELU: where(x > 0, x, alpha * expm1(min(x, 0) / alpha))
    alpha, scale = k[0], k[1]
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            v = x if x > 0 else alpha * t[i, j]
            u[i, j] = v if scale == 1 else scale * v


@jit
def _gelu_argument(u, b, t, k):
    # x = u + b, and t = (-1/√2) x: erfc's argument (GELU._forward)
    c = k[0]
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j] + b[j]
            u[i, j] = x
            t[i, j] = c * x


@jit
def _gelu_forward(u, y, t, k):
    # GELU._forward: _mul_decay(x, 0.5 * erfc(-x / √2))
    half = u.dtype.type(0.5)
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            y[i, j] = _mul_decay(u[i, j], half * t[i, j])


@jit
def _gelu_tanh_two_u(x, k):
    # GELU._tanh_gate: xc = clip(x, ±1e3); 2u = 2√(2/π) xc (1 + 0.044715 xc²), and 2u'
    lim, c2, coef, c3 = k[0], k[1], k[2], k[3]
    one = type(x)(1)
    xc = -lim if x < -lim else (lim if x > lim else x)
    x2 = xc * xc
    return (c2 * xc) * (one + coef * x2), c2 * (one + c3 * x2)


@jit
def _gelu_tanh_argument(u, b, t, k, add_bias):
    # x = u + b, and t = -|2u|: the argument of sigmoid(2u)'s exp
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j] + b[j] if add_bias else u[i, j]
            u[i, j] = x
            t[i, j] = -abs(_gelu_tanh_two_u(x, k)[0])


@jit
def _gelu_tanh_forward(u, y, t, k):
    # GELU._forward, approximate="tanh": _mul_decay(x, sigmoid(2u))
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            y[i, j] = _mul_decay(x, _sigmoid(_gelu_tanh_two_u(x, k)[0], t[i, j]))


@jit
def _softplus_forward(u, y, t, k):
    # Softplus._forward: where(βx > threshold, x, (log1p(exp(-|βx|)) + max(βx, 0)) / β),
    # t holding log1p(exp(-|βx|))
    beta, threshold = k[0], k[1]
    zero = u.dtype.type(0)
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            bx = x * beta if beta != 1 else x
            y[i, j] = x if bx > threshold else (t[i, j] + _maximum(bx, zero)) / beta


# -- backward kernels: g *= f', and the bias gradient ---------------------------------------
@jit
def _relu_backward(g, y, gb, k):
    # ReLU.vjp_train: grad[y <= 0] = 0
    zero = g.dtype.type(0)
    n, m = g.shape
    for i in range(n):
        for j in range(m):
            if y[i, j] <= 0:
                g[i, j] = zero
        _add_row(gb, g, i)


@functools.cache
def scaled_backward(kind: int) -> Any:
    """The kernel ``(g, s, gb, k)``: g *= f'(s) and gb = the column sums of g, for `kind`.

    The kinds are the functions whose derivative is a cheap formula of s (the output, or
    the pre-activation for a negative leaky slope): 0 identity; 1 sloped ReLU:
    where(s > 0, 1, slope); 2 relu6: (0 < s < 6); 3 tanh: 1 - s²; 4 sigmoid: s (1 - s);
    5 ELU: where(s > 0, 1, s + alpha); 6 SELU: where(s > 0, scale, s + scale alpha);
    7 CELU: where(s > 0, 1, s / alpha + 1) (``_derivative_from_output`` of each; `k` as
    :meth:`Family.constants` gives it). One kernel per kind: `kind` is a constant of the
    closure, so Numba compiles that kind's loop alone (a third of the time of all eight),
    and the loop, a plain select and multiply, vectorizes (with the kind tested inside
    it, it did not: 4-7x slower).
    """

    @jit
    def kernel(g, s, gb, k):
        one, zero, six = g.dtype.type(1), g.dtype.type(0), g.dtype.type(6)
        a = k[1] if kind == 6 else k[0]  # the slope or alpha; SELU's scale
        c = k[3] if kind == 6 else k[0]  # SELU's scale * alpha
        n, m = g.shape
        for i in range(n):
            if kind == 1:
                for j in range(m):
                    g[i, j] = g[i, j] * (one if s[i, j] > 0 else a)
            elif kind == 2:
                for j in range(m):
                    v = s[i, j]
                    g[i, j] = g[i, j] * (one if (v > zero and v < six) else zero)
            elif kind == 3:
                for j in range(m):
                    v = s[i, j]
                    g[i, j] = g[i, j] * (one - v * v)
            elif kind == 4:
                for j in range(m):
                    v = s[i, j]
                    g[i, j] = g[i, j] * (v * (one - v))
            elif kind == 5:
                for j in range(m):
                    v = s[i, j]
                    g[i, j] = g[i, j] * (one if v > 0 else v + a)
            elif kind == 6:
                for j in range(m):
                    v = s[i, j]
                    g[i, j] = g[i, j] * (a if v > 0 else v + c)
            elif kind == 7:
                for j in range(m):
                    v = s[i, j]
                    g[i, j] = g[i, j] * (one if v > 0 else v / a + one)
            _add_row(gb, g, i)

    return kernel


@jit
def _negabs(u, t, k):
    # t = -|beta x| for the sigmoid in the derivative (Swish)
    beta = k[0]
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            t[i, j] = -abs(x * beta if beta != 1 else x)


@jit
def _swish_backward(g, u, gb, t, k):
    # Swish._derivative: s = sigmoid(bx); s + _mul_decay(bx, s * sigmoid(-bx)), one
    # exp(-|bx|) serving both sigmoids
    beta = k[0]
    n, m = g.shape
    for i in range(n):
        for j in range(m):
            bx = u[i, j] * beta if beta != 1 else u[i, j]
            z = t[i, j]
            s = _sigmoid(bx, z)
            g[i, j] = g[i, j] * (s + _mul_decay(bx, s * _sigmoid(-bx, z)))
        _add_row(gb, g, i)


@jit
def _softplus_backward(g, u, gb, t, k):
    # Softplus._derivative: where(βx > threshold, 1, sigmoid(βx))
    beta, threshold = k[0], k[1]
    one = g.dtype.type(1)
    n, m = g.shape
    for i in range(n):
        for j in range(m):
            bx = u[i, j] * beta if beta != 1 else u[i, j]
            g[i, j] = g[i, j] * (one if bx > threshold else _sigmoid(bx, t[i, j]))
        _add_row(gb, g, i)


@jit
def _gelu_derivative_arguments(u, t, t2, k):
    # GELU._derivative: t = (-1/√2) x for erfc, t2 = -0.5 xc² (xc = clip(x, ±1e3)) for exp
    c, lim = k[0], k[1]
    minus_half = u.dtype.type(-0.5)
    n, m = u.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            t[i, j] = c * x
            xc = -lim if x < -lim else (lim if x > lim else x)
            t2[i, j] = minus_half * (xc * xc)


@jit
def _gelu_backward(g, u, gb, t, t2, k):
    # GELU._derivative: 0.5 erfc(-x/√2) + _mul_decay(x, exp(-0.5 xc²) / √(2π))
    inv_sqrt_2pi = k[2]
    half = g.dtype.type(0.5)
    n, m = g.shape
    for i in range(n):
        for j in range(m):
            d = half * t[i, j] + _mul_decay(u[i, j], inv_sqrt_2pi * t2[i, j])
            g[i, j] = g[i, j] * d
        _add_row(gb, g, i)


@jit
def _gelu_tanh_backward(g, u, gb, t, k):
    # GELU._derivative, approximate="tanh": s + _mul_decay(x, s σ(-2u) 2u'), s = σ(2u)
    n, m = g.shape
    for i in range(n):
        for j in range(m):
            x = u[i, j]
            two_u, two_du = _gelu_tanh_two_u(x, k)
            z = t[i, j]
            s = _sigmoid(two_u, z)
            g[i, j] = g[i, j] * (s + _mul_decay(x, (s * _sigmoid(-two_u, z)) * two_du))
        _add_row(gb, g, i)


# -- the families ---------------------------------------------------------------------------
#: (inplace, scratch arrays) by family: whether y overwrites u, and how many
#: arrays of u's shape the passes work in.
_LAYOUT = {
    "identity": (True, 0),
    "relu": (True, 0),
    "sloped": (False, 0),  # y separate only for a negative slope (see inplace)
    "relu6": (True, 0),
    "tanh": (True, 0),
    "sigmoid": (True, 1),
    "elu": (True, 1),
    "selu": (True, 1),
    "celu": (True, 1),
    "swish": (False, 1),
    "gelu": (False, 2),
    "gelu_tanh": (False, 1),
    "softplus": (False, 1),
}


class Family:
    """One activation function's fused forward and backward (see the module docstring).

    Parameters
    ----------
    name : str
        The kernel family, e.g. ``"relu"``.
    params : tuple of float
        Its parameters (slope, alpha...), as Python floats.
    """

    def __init__(self, name: str, params: tuple[float, ...] = ()) -> None:
        self.name = name
        self.params = params
        inplace, self.n_scratch = _LAYOUT[name]
        # A leaky slope >= 0: the derivative is a function of the output.
        self.inplace = inplace or (name == "sloped" and params[0] >= 0)
        self._scaled = scaled_backward(_SCALED[name]) if name in _SCALED else None

    def constants(self, dtype: np.dtype) -> np.ndarray:
        """The parameters the kernels read, rounded to `dtype` (at least one entry)."""
        name, p = self.name, self.params
        if name == "elu":  # alpha, scale, celu?, scale * alpha (see _elu_argument)
            p = (p[0], 1.0, 0.0, p[0])
        elif name == "selu":
            p = (p[0], p[1], 0.0, p[1] * p[0])
        elif name == "celu":
            p = (p[0], 1.0, 1.0, p[0])
        elif name == "gelu":
            p = (-1 / math.sqrt(2), 1e3, 1 / math.sqrt(2 * math.pi))
        elif name == "gelu_tanh":
            p = (1e3, 2 * math.sqrt(2 / math.pi), 0.044715, 3 * 0.044715)
        elif name in ("sigmoid", "identity", "relu", "relu6", "tanh"):
            p = (1.0,)  # the sigmoid's beta; unused by the others
        return np.array([*p, 0.0], dtype=dtype)

    def forward(self, u: np.ndarray, b: np.ndarray, y: np.ndarray, t: tuple, k: np.ndarray) -> None:
        """Fill `y` with the activation of ``u + b`` (`y` may be `u`), see the module."""
        name = self.name
        if name == "relu":
            _relu_forward(u, b, k)
        elif name == "sloped":
            _sloped_forward(u, b, y, k, y is u)
        elif name == "relu6":
            _relu6_forward(u, b, k)
        elif name in ("identity", "tanh"):
            _add_bias(u, b)  # Dense's out += b
            if name == "tanh":
                np.tanh(u, out=u)  # Tanh.forward_train_inplace
        elif name == "sigmoid":
            _negabs_forward(u, b, t[0], k)
            np.exp(t[0], out=t[0])
            _sigmoid_forward(u, t[0], k)
        elif name == "swish":
            _negabs_forward(u, b, t[0], k)
            np.exp(t[0], out=t[0])
            _swish_forward(u, y, t[0], k)
        elif name in ("elu", "selu", "celu"):
            _elu_argument(u, b, t[0], k)
            np.expm1(t[0], out=t[0])
            _elu_forward(u, t[0], k)
        elif name == "gelu":
            _gelu_argument(u, b, t[0], k)
            erfc(t[0], out=t[0])
            _gelu_forward(u, y, t[0], k)
        elif name == "gelu_tanh":
            _gelu_tanh_argument(u, b, t[0], k, True)
            np.exp(t[0], out=t[0])
            _gelu_tanh_forward(u, y, t[0], k)
        else:  # softplus
            _negabs_forward(u, b, t[0], k)
            np.exp(t[0], out=t[0])
            np.log1p(t[0], out=t[0])
            _softplus_forward(u, y, t[0], k)

    def backward(
        self,
        g: np.ndarray,
        u: np.ndarray,
        y: np.ndarray,
        gb: np.ndarray,
        t: tuple,
        k: np.ndarray,
    ) -> None:
        """``g *= f'`` in place and ``gb`` = its column sums (see the module)."""
        name = self.name
        if name == "relu":
            _relu_backward(g, y, gb, k)
        elif self._scaled is not None:
            self._scaled(g, y if self.inplace else u, gb, k)
        elif name == "swish":
            _negabs(u, t[0], k)
            np.exp(t[0], out=t[0])
            _swish_backward(g, u, gb, t[0], k)
        elif name == "gelu":
            _gelu_derivative_arguments(u, t[0], t[1], k)
            erfc(t[0], out=t[0])
            np.exp(t[1], out=t[1])
            _gelu_backward(g, u, gb, t[0], t[1], k)
        elif name == "gelu_tanh":
            _gelu_tanh_argument(u, u[0], t[0], k, False)
            np.exp(t[0], out=t[0])
            _gelu_tanh_backward(g, u, gb, t[0], k)
        else:  # softplus
            _negabs(u, t[0], k)
            np.exp(t[0], out=t[0])
            _softplus_backward(g, u, gb, t[0], k)
        if not sums_columns(g):  # Dense.backward's bias gradient, its very call
            np.add.reduce(g, axis=0, out=gb)


_SCALED = {
    "identity": 0,
    "sloped": 1,
    "relu6": 2,
    "tanh": 3,
    "sigmoid": 4,
    "elu": 5,
    "selu": 6,
    "celu": 7,
}

#: The kernel families, by the name an activation's ``kernel`` hook gives.
FAMILIES = tuple(_LAYOUT)
