"""The softmax and sigmoid cross-entropies from logits: value and gradient row by row.

Replace, on the fast path, the fused forms of :class:`mlplab.losses.CategoricalCrossentropy`
(``_fused_value_and_gradient``) and :class:`~mlplab.losses.BinaryCrossentropy`
(``_per_sample_from_logits`` and ``_gradient_from_logits``), about a dozen NumPy passes
each, together with the bias add of the Dense layer that makes the logits and that
layer's bias gradient. What is left in NumPy is its exp and log (softmax) or exp and
log1p (sigmoid), once each, in place on scratch: the very calls the reference makes.
Every other operation is the reference's, in its order and type; row sums are NumPy's
pairwise sums (:func:`mlplab._kernels._activations._pairwise_block`, for rows of at most
:data:`MAX_COLUMNS`), the bias gradient's column sums NumPy's row after row
(:func:`mlplab._kernels._activations._add_row`); the softmax's row sums of exp are
:func:`softmax_sums` (0.9 µs against NumPy's 4 µs for 200 rows of 10), the total over
the rows NumPy's call. So the value and the gradient are the reference's bits; the only
exception is the sign of a zero maximum of a row of fewer than 32 logits holding both
0.0 and -0.0 (NumPy's vectorized maximum may return either), which can only flip the
sign of a loss term that is exactly 0. Soft targets whose rows are not contiguous keep
the loss's own form (NumPy sums such rows in another order).

Arguments: ``z`` the Dense output (n, k), to which the bias ``b`` is added in place
(``b`` empty: no bias to add); ``y`` the targets; ``scale`` of length n the weights
normalized to sum 1 (:func:`mlplab.losses._weights_unchecked`), or of length 1 holding
``1 / n`` in the dtype for equal weights; ``gb`` the bias gradient to fill (empty: none).
"""

from __future__ import annotations

from ._activations import _add_row, _maximum, _sigmoid
from ._activations import _pairwise_block as _row_sum
from ._numba import jit

__all__ = [
    "MAX_COLUMNS",
    "sigmoid_prepare",
    "sigmoid_rows",
    "softmax_prepare",
    "softmax_rows",
    "softmax_sums",
]

#: Rows up to this long are summed here in NumPy's order; longer ones keep NumPy's loss.
MAX_COLUMNS = 128


@jit
def softmax_prepare(z, b, zm):
    """z += b; zm = z - max(z row): the argument of exp (CategoricalCrossentropy)."""
    n, k = z.shape
    has_bias = b.shape[0] > 0
    for i in range(n):
        if has_bias:
            for j in range(k):
                z[i, j] += b[j]
        m = z[i, 0]
        for j in range(1, k):
            m = _maximum(m, z[i, j])  # as np.maximum.reduce over a transposed copy
        for j in range(k):
            zm[i, j] = z[i, j] - m


@jit
def softmax_sums(e, s):
    """s = the row sums of e, as np.add.reduce(e, axis=1) (rows of at most MAX_COLUMNS)."""
    for i in range(e.shape[0]):
        s[i] = _row_sum(e, i, e.shape[1])


@jit
def softmax_rows(zm, e, y, s, log_s, scale, unit_rows, gb, ll):
    """Per-row log-likelihoods into `ll` and the scaled gradient into `e`.

    As CategoricalCrossentropy._fused_value_and_gradient: zm -= log s; zm *= y;
    ll = rows sums of zm; e /= s (softmax); e *= row sums of y (unless every row sums
    to 1); e -= y; then _scale (e *= 1 / n, or e *= w); and gb = the column sums of e
    (Dense.backward's np.add.reduce(e, axis=0), in its order: see _add_row).
    """
    n, k = e.shape
    weighted = scale.shape[0] > 1
    has_bias = gb.shape[0] > 0
    for i in range(n):
        ls, si = log_s[i], s[i]
        for j in range(k):
            zm[i, j] = (zm[i, j] - ls) * y[i, j]
        ll[i] = _row_sum(zm, i, k)
        ysum = si if unit_rows else _row_sum(y, i, k)
        c = scale[i] if weighted else scale[0]
        for j in range(k):
            p = e[i, j] / si
            if not unit_rows:
                p = p * ysum
            e[i, j] = (p - y[i, j]) * c
        if has_bias:
            _add_row(gb, e, i)


@jit
def sigmoid_prepare(z, b, t):
    """z += b; t = -|z|: the argument of exp (BinaryCrossentropy from logits)."""
    n, k = z.shape
    has_bias = b.shape[0] > 0
    for i in range(n):
        for j in range(k):
            v = z[i, j] + b[j] if has_bias else z[i, j]
            z[i, j] = v
            t[i, j] = -abs(v)


@jit
def sigmoid_rows(z, e, lp, y, scale, gb, per_sample):
    """Per-sample losses into `per_sample` and the scaled gradient into `e`.

    As BinaryCrossentropy: softplus = max(z, 0) + log1p(exp(-|z|)) (`lp` holds the
    log1p, `e` the exp); per sample the row sum of softplus - y z; the gradient
    sigmoid(z) - y (from the same exp), then _scale (the caller sums gb). The
    gradient is written into `e`.
    """
    n, k = z.shape
    weighted = scale.shape[0] > 1
    has_bias = gb.shape[0] > 0
    zero = z.dtype.type(0)
    for i in range(n):
        c = scale[i] if weighted else scale[0]
        for j in range(k):
            v = z[i, j]
            lp[i, j] = (_maximum(v, zero) + lp[i, j]) - y[i, j] * v
            e[i, j] = (_sigmoid(v, e[i, j]) - y[i, j]) * c
        per_sample[i] = _row_sum(lp, i, k)
        if has_bias:
            _add_row(gb, e, i)
