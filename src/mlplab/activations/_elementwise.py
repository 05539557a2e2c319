"""Elementwise activations: f applies to each entry of the pre-activation on its own.

The classic functions live here (step, the sigmoid and tanh families, the ReLU
family with fixed slopes, softplus) with the shared numerical helpers; the smooth
ReLU successors (ELU, GELU, swish, mish...) are in ``_elementwise_modern`` and the
exponential, radial, periodic and shrinkage functions in ``_elementwise_shapes``.

Every function accepts any float in [-1e4, 1e4] and ±inf (where a limit exists)
without a NumPy warning: exponentials only ever see non-positive arguments,
``x * s`` products whose factor ``s`` vanishes use :func:`_mul_decay`, and squares
are clipped where clipping cannot change the result.
"""

from __future__ import annotations

import numpy as np

from mlplab._validation import check_float_array, check_positive, check_real

from ._base import Activation
from ._facts import FACTS

# exp(-x**2) is exactly 0 in every float type once |x| > ~27, so clipping |x| to this
# bound before squaring changes no result but keeps x*x from overflowing.
_SQUARE_CLIP = 1e3


# -- numerical helpers (shared with the other elementwise modules) ------------------------
def _cast(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`a` in the dtype of `like` (np.where on two Python scalars gives float64)."""
    return np.asarray(a).astype(like.dtype, copy=False)


def _mul_decay(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``x * s`` for a factor `s` that vanishes faster than `x` grows.

    Where ``s == 0`` the product is 0, so ``±inf * 0`` gives the limit 0 instead of
    nan (and no "invalid value" warning).
    """
    out = np.zeros(np.broadcast(x, s).shape, dtype=np.result_type(x, s))
    np.multiply(x, s, out=out, where=(s != 0))
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function, same dtype as `x`.

    Uses ``exp(-|x|)``, which never overflows: for x >= 0, 1/(1+e^{-x});
    for x < 0, e^{x}/(1+e^{x}).
    """
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def softplus(x: np.ndarray) -> np.ndarray:
    """Overflow-free ``log(1 + e^x) = log1p(e^{-|x|}) + max(x, 0)``, same dtype as `x`."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _clipped_unit(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """1 strictly inside (lo, hi), 0 elsewhere: the derivative of clip(x, lo, hi)."""
    return _cast((x > lo) & (x < hi), x)


def _sloped(x: np.ndarray, slope: float) -> np.ndarray:
    """``x`` for x > 0, ``slope * x`` otherwise (no ``-inf * 0`` when slope is 0)."""
    pos = np.maximum(x, 0)
    if slope == 0:
        return pos
    return pos + slope * np.minimum(x, 0)


def _slope_derivative(x: np.ndarray, slope: float) -> np.ndarray:
    return _cast(np.where(x > 0, 1.0, slope), x)


# Below this many entries a boolean-mask assignment is the cheapest way to zero a
# gradient; above it the branch-free bit mask of _zero_where_not_positive is ~5-10x faster.
_MASK_MIN_SIZE = 2048


# Read-only zero arrays by (shape, dtype), for np.maximum(x, zeros): NumPy's maximum
# against a scalar 0 runs a loop about 4x slower than against an array of zeros of the
# same shape, with the same result bit for bit (-0.0 and NaN included). Training batches
# come in one or two shapes per layer; the cache is small and bounded.
_ZEROS: dict[tuple[tuple[int, ...], str], np.ndarray] = {}
_ZEROS_MAX_ENTRIES = 32
_ZEROS_MAX_SIZE = 1 << 20


def _zeros_for(x: np.ndarray) -> np.ndarray | int:
    """A read-only zero array shaped like `x` (cached), or 0 for very large `x`."""
    key = (x.shape, x.dtype.str)
    zeros = _ZEROS.get(key)
    if zeros is None:
        if x.size > _ZEROS_MAX_SIZE:
            return 0
        if len(_ZEROS) >= _ZEROS_MAX_ENTRIES:
            _ZEROS.clear()
        zeros = np.zeros(x.shape, dtype=x.dtype)
        zeros.flags.writeable = False
        _ZEROS[key] = zeros
    return zeros


def _zero_where_not_positive(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``grad[y <= 0] = 0`` in place, bit for bit, without a data-dependent branch.

    Assigning through a boolean mask branches on every entry, which is slow for the
    random signs of hidden units. Instead, AND the bits of `grad` with an integer mask
    that is all ones where ``not (y <= 0)`` and all zeros where ``y <= 0``: kept entries
    are untouched (NaN and inf included) and zeroed ones become +0.0, exactly as the
    assignment does.
    """
    itype = np.dtype(f"i{grad.itemsize}")
    below = np.less_equal(y, 0)
    mask = np.subtract(below.view(np.int8), 1, dtype=itype)  # True -> 0, False -> -1
    bits = grad.view(itype)
    np.bitwise_and(bits, mask, out=bits)
    return grad


# -- identity and step ---------------------------------------------------------------------
class Identity(Activation):
    """Identity, :math:`f(x) = x`; :math:`f'(x) = 1`."""

    name = "identity"
    aliases = ("linear",)
    output_derivative = True
    info = FACTS["identity"]

    def _forward(self, x):
        return x.copy()

    def _derivative(self, x):
        return np.ones_like(x)

    def _derivative_from_output(self, y):
        return np.ones_like(y)

    def vjp_train(self, x, y, grad):
        return grad

    def forward_train_inplace(self, x, rng):
        return x

    def _kernel(self):
        return "identity", ()


class Step(Activation):
    """Heaviside step, f(x) = 1 for x > 0, else 0.

    The derivative is 0 everywhere, including at the jump x = 0 (where it is
    undefined): a step unit passes no gradient, which is why perceptron-style
    networks cannot be trained by backpropagation.
    """

    name = "step"
    aliases = ("heaviside",)
    output_derivative = True
    kinks = (0.0,)
    info = FACTS["step"]

    def _forward(self, x):
        return _cast(x > 0, x)

    def _derivative(self, x):
        return np.zeros_like(x)

    def _derivative_from_output(self, y):
        return np.zeros_like(y)


# -- sigmoid family ------------------------------------------------------------------------
class Sigmoid(Activation):
    r"""Logistic sigmoid, :math:`\sigma(x) = 1 / (1 + e^{-x})`.

    Derivative :math:`\sigma' = \sigma(1-\sigma)`, at most 1/4 (at x = 0).
    """

    name = "sigmoid"
    aliases = ("logistic",)
    output_derivative = True
    info = FACTS["sigmoid"]

    def _forward(self, x):
        return sigmoid(x)

    def _derivative(self, x):
        # σ(x)σ(-x) rather than σ(1-σ): keeps full relative precision in both tails
        return sigmoid(x) * sigmoid(-x)

    def _derivative_from_output(self, y):
        return y * (1 - y)

    def _kernel(self):
        return "sigmoid", ()


class HardSigmoid(Activation):
    r"""Piecewise-linear sigmoid, :math:`\mathrm{relu6}(x + 3) / 6` (PyTorch's form).

    Derivative 1/6 for -3 < x < 3, else 0; at the kinks x = ±3 it is 0, as PyTorch.
    """

    name = "hard_sigmoid"
    output_derivative = True
    kinks = (-3.0, 3.0)
    info = FACTS["hard_sigmoid"]

    def _forward(self, x):
        return np.clip(x + 3, 0, 6) / 6

    def _derivative(self, x):
        return _clipped_unit(x, -3, 3) / 6

    def _derivative_from_output(self, y):
        return _clipped_unit(y, 0, 1) / 6


class LogSigmoid(Activation):
    r"""Log of the sigmoid, :math:`\log\sigma(x) = -\mathrm{softplus}(-x)`.

    Derivative :math:`\sigma(-x) = 1 - e^{f(x)}`, computed from the output as
    ``-expm1(y)`` (accurate when y is near 0).
    """

    name = "log_sigmoid"
    output_derivative = True
    info = FACTS["log_sigmoid"]

    def _forward(self, x):
        return -softplus(-x)

    def _derivative(self, x):
        return sigmoid(-x)

    def _derivative_from_output(self, y):
        return -np.expm1(y)


# -- tanh family ---------------------------------------------------------------------------
class Tanh(Activation):
    r"""Hyperbolic tangent, :math:`\tanh x = 2\sigma(2x) - 1`.

    Derivative :math:`1 - \tanh^2 x`, at most 1 (at x = 0).
    """

    name = "tanh"
    output_derivative = True
    info = FACTS["tanh"]

    def _forward(self, x):
        return np.tanh(x)

    def _derivative(self, x):
        # sech^2 x = 4z / (1 + z)^2 with z = e^{-2|x|} <= 1: accurate in the tails,
        # where 1 - tanh^2 rounds to 0, and never overflows
        z = np.exp(-2 * np.abs(x))
        return 4 * z / ((1 + z) * (1 + z))

    def _derivative_from_output(self, y):
        return 1 - y * y

    def forward_train_inplace(self, x, rng):
        return np.tanh(x, out=x)

    def _kernel(self):
        return "tanh", ()


class HardTanh(Activation):
    r"""Piecewise-linear tanh, :math:`\mathrm{clip}(x, \mathrm{min\_val}, \mathrm{max\_val})`.

    Derivative 1 for min_val < x < max_val, else 0; at the bounds it is 0, as PyTorch.

    Parameters
    ----------
    min_val, max_val : float, default -1 and 1
        The clipping bounds; min_val < max_val.
    """

    name = "hard_tanh"
    output_derivative = True
    kinks = (-1.0, 1.0)
    info = FACTS["hard_tanh"]

    def __init__(self, *, min_val: float = -1.0, max_val: float = 1.0) -> None:
        self.min_val = check_real(min_val, "min_val")
        self.max_val = check_real(max_val, "max_val")
        if not self.min_val < self.max_val:
            raise ValueError(
                f"min_val must be smaller than max_val, got min_val={self.min_val!r}, "
                f"max_val={self.max_val!r}"
            )
        self.kinks = (self.min_val, self.max_val)

    def _forward(self, x):
        return np.clip(x, self.min_val, self.max_val)

    def _derivative(self, x):
        return _clipped_unit(x, self.min_val, self.max_val)

    def _derivative_from_output(self, y):
        return _clipped_unit(y, self.min_val, self.max_val)


# Below this |x| tanhshrink uses its Taylor series (to x^15): there the direct form
# loses ~3 eps / x^2 relative and the series ~2e-3 x^14; the cutoffs balance the two
# (about 1e-14 in float64, 1e-6 in float32).
_TANHSHRINK_SERIES_CUTOFF = {np.dtype(np.float32): 0.4, np.dtype(np.float64): 0.16}
_TANHSHRINK_SERIES = (
    1 / 3,
    -2 / 15,
    17 / 315,
    -62 / 2835,
    1382 / 155925,
    -21844 / 6081075,
    929569 / 638512875,
)


class Tanhshrink(Activation):
    r""":math:`f(x) = x - \tanh x`; :math:`f'(x) = \tanh^2 x`.

    Near 0 the value comes from the series :math:`x^3/3 - 2x^5/15 + 17x^7/315 - \dots`,
    which avoids the cancellation of the direct form.
    """

    name = "tanhshrink"
    info = FACTS["tanhshrink"]

    def _forward(self, x):
        # x - tanh x cancels near 0 (it is ~x^3/3): use the Taylor series there
        small = np.abs(x) < _TANHSHRINK_SERIES_CUTOFF[x.dtype]
        xs = np.where(small, x, 0)
        x2 = xs * xs
        series = np.zeros_like(xs)
        for c in reversed(_TANHSHRINK_SERIES):  # Horner in x^2
            series = series * x2 + c
        series *= xs * x2
        return np.where(small, series, x - np.tanh(x))

    def _derivative(self, x):
        t = np.tanh(x)
        return t * t


class Softsign(Activation):
    r""":math:`f(x) = x / (1 + |x|)`; :math:`f'(x) = 1 / (1 + |x|)^2 = (1 - |f|)^2`.

    Saturates polynomially rather than exponentially like tanh.
    """

    name = "softsign"
    output_derivative = True
    info = FACTS["softsign"]

    def _forward(self, x):
        out = np.sign(x)  # the limit ±1 where x = ±inf (x / inf would be nan)
        np.divide(x, 1 + np.abs(x), out=out, where=np.isfinite(x))
        return out

    def _derivative(self, x):
        r = 1 / (1 + np.abs(x))
        return r * r

    def _derivative_from_output(self, y):
        r = 1 - np.abs(y)
        return r * r


class Arctan(Activation):
    r""":math:`f(x) = \arctan x`; :math:`f'(x) = 1 / (1 + x^2) = \cos^2 f(x)`."""

    name = "arctan"
    output_derivative = True
    info = FACTS["arctan"]

    def _forward(self, x):
        return np.arctan(x)

    def _derivative(self, x):
        a = np.abs(x)
        # for |x| > 1 use 1/x: r^2 / (1 + r^2) never overflows, even for huge x
        r = 1 / np.maximum(a, 1)
        s = np.minimum(a, 1)
        return np.where(a > 1, r * r / (1 + r * r), 1 / (1 + s * s))

    def _derivative_from_output(self, y):
        c = np.cos(y)
        return c * c


# -- ReLU family with fixed slopes ---------------------------------------------------------
class ReLU(Activation):
    r"""Rectified linear unit, :math:`\max(0, x)`.

    Derivative 1 for x > 0, 0 for x < 0; at the kink relu'(0) = 0, as PyTorch.
    """

    name = "relu"
    output_derivative = True
    kinks = (0.0,)
    info = FACTS["relu"]

    def _forward(self, x):
        return np.maximum(x, 0)

    def _derivative(self, x):
        return (x > 0).astype(x.dtype)

    def _derivative_from_output(self, y):
        return (y > 0).astype(y.dtype)

    def vjp_train(self, x, y, grad):
        if grad.size < _MASK_MIN_SIZE:
            grad[y <= 0] = 0
            return grad
        return _zero_where_not_positive(grad, y)

    def forward_train(self, x, rng):
        return np.maximum(x, _zeros_for(x))

    def forward_train_inplace(self, x, rng):
        return np.maximum(x, _zeros_for(x), out=x)

    def _kernel(self):
        return "relu", ()


class ReLU6(Activation):
    r"""ReLU capped at 6, :math:`\min(\max(0, x), 6)`.

    Derivative 1 for 0 < x < 6, else 0; at both kinks (0 and 6) it is 0, as PyTorch.
    """

    name = "relu6"
    output_derivative = True
    kinks = (0.0, 6.0)
    info = FACTS["relu6"]

    def _forward(self, x):
        return np.clip(x, 0, 6)

    def _kernel(self):
        return "relu6", ()

    def _derivative(self, x):
        return _clipped_unit(x, 0, 6)

    def _derivative_from_output(self, y):
        return _clipped_unit(y, 0, 6)


class _SlopedReLU(Activation):
    """x for x > 0, slope * x otherwise; the derivative at 0 is the slope (PyTorch's).

    Unregistered base of leaky_relu and prelu. The derivative is a function of the
    output when the slope is >= 0 (then y > 0 exactly when x > 0).
    """

    output_derivative = True
    kinks = (0.0,)
    slope: float

    def _set_slope(self, slope: float) -> None:
        self.slope = slope
        self.output_derivative = slope >= 0

    def _forward(self, x):
        return _sloped(x, self.slope)

    def _derivative(self, x):
        return _slope_derivative(x, self.slope)

    def _derivative_from_output(self, y):
        return _slope_derivative(y, self.slope)


class LeakyReLU(_SlopedReLU):
    r"""Leaky ReLU, x for x > 0 and ``negative_slope * x`` otherwise.

    Derivative 1 for x > 0, ``negative_slope`` for x <= 0 (PyTorch's convention at 0).

    Parameters
    ----------
    negative_slope : float, default 0.01
        Any finite real; a negative slope makes the function non-monotonic.
    """

    name = "leaky_relu"
    info = FACTS["leaky_relu"]

    def __init__(self, *, negative_slope: float = 0.01) -> None:
        self.negative_slope = check_real(negative_slope, "negative_slope")
        self._set_slope(self.negative_slope)

    def _kernel(self):
        return "sloped", (self.slope,)


class FixedPReLU(_SlopedReLU):
    r"""PReLU with its slope held fixed: x for x > 0, ``alpha * x`` otherwise.

    The catalog's ``"prelu"``: PyTorch's ``prelu(x, weight)`` for a constant weight, i.e.
    a leaky ReLU whose default slope is PReLU's initial 0.25. The *learnable* PReLU,
    whose slope is trained with the weights, is the layer :class:`mlplab.layers.PReLU`.
    Derivative 1 for x > 0, ``alpha`` for x <= 0 (PyTorch's convention at 0).

    Parameters
    ----------
    alpha : float, default 0.25
        Slope of the negative part (PyTorch's initial value), any finite real.
    """

    name = "prelu"
    info = FACTS["prelu"]

    def __init__(self, *, alpha: float = 0.25) -> None:
        self.alpha = check_real(alpha, "alpha")
        self._set_slope(self.alpha)

    def _kernel(self):
        return "sloped", (self.slope,)


class RReLU(_SlopedReLU):
    r"""Randomized leaky ReLU: the negative slope is drawn uniformly in [lower, upper].

    While training (:meth:`forward_train`) each entry with x <= 0 gets its own slope
    a ~ U(lower, upper), which the instance keeps for :meth:`vjp_train`: use one
    instance per layer. Otherwise (``__call__``, :meth:`derivative`) the slope is the
    mean (lower + upper) / 2, i.e. a leaky ReLU. Derivative 1 for x > 0, the slope
    for x <= 0 (as PyTorch, which draws a slope for x <= 0).

    ``output_derivative`` is False although the evaluation derivative is a function
    of the output: training outputs use random slopes, so layers must backpropagate
    with :meth:`vjp_train`.

    Parameters
    ----------
    lower, upper : float, default 1/8 and 1/3
        Range of the slopes, 0 <= lower <= upper.
    """

    name = "rrelu"
    stochastic = True
    output_derivative = False
    info = FACTS["rrelu"]

    def __init__(self, *, lower: float = 1 / 8, upper: float = 1 / 3) -> None:
        self.lower = check_positive(lower, "lower", allow_zero=True)
        self.upper = check_positive(upper, "upper", allow_zero=True)
        if self.lower > self.upper:
            raise ValueError(
                f"lower must be <= upper, got lower={self.lower!r}, upper={self.upper!r}"
            )
        self.slope = (self.lower + self.upper) / 2
        self._noise: np.ndarray | None = None

    def forward_train(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Value with a random slope per entry; the slopes are kept for :meth:`vjp_train`."""
        x = check_float_array(x, "x")
        slopes = rng.uniform(self.lower, self.upper, size=x.shape).astype(x.dtype)
        self._noise = _cast(np.where(x > 0, 1, slopes), x)
        return _mul_decay(x, self._noise)  # slope 0 at x = -inf gives 0, not nan

    def vjp_train(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Backpropagate through the last :meth:`forward_train`, with its slopes."""
        if self._noise is None:
            raise RuntimeError("rrelu.vjp_train needs a forward_train call first")
        if np.shape(grad) != self._noise.shape:
            raise ValueError(
                f"grad has shape {np.shape(grad)}, but the last forward_train had "
                f"shape {self._noise.shape}"
            )
        return grad * self._noise


class Threshold(Activation):
    r"""PyTorch's Threshold: x for x > threshold, else ``value``.

    Derivative 1 for x > threshold, else 0 (0 at x = threshold, as PyTorch). With the
    defaults threshold = value = 0 it equals ReLU. When value > threshold the function
    jumps up and its derivative is not a function of its output.

    Parameters
    ----------
    threshold : float, default 0.0
    value : float, default 0.0
        Output for x <= threshold.
    """

    name = "threshold"
    output_derivative = True
    kinks = (0.0,)
    info = FACTS["threshold"]

    def __init__(self, *, threshold: float = 0.0, value: float = 0.0) -> None:
        self.threshold = check_real(threshold, "threshold")
        self.value = check_real(value, "value")
        self.kinks = (self.threshold,)
        self.output_derivative = self.value <= self.threshold

    def _forward(self, x):
        return _cast(np.where(x > self.threshold, x, self.value), x)

    def _derivative(self, x):
        return _cast(x > self.threshold, x)

    def _derivative_from_output(self, y):
        return _cast(y > self.threshold, y)


# -- softplus ------------------------------------------------------------------------------
class Softplus(Activation):
    r"""Smooth ReLU, :math:`\frac{1}{\beta}\log(1 + e^{\beta x})`; linear where βx > threshold.

    Derivative :math:`\sigma(\beta x)`, and 1 where βx > threshold. As PyTorch, the
    linear switch makes a jump of about e^{-threshold}/β at x = threshold/β (listed
    in :attr:`kinks`). Because of that jump, inputs just below and just above the
    switch share outputs, with derivatives that differ by up to e^{-threshold}: the
    derivative is not exactly a function of the output, so ``output_derivative`` is
    False (the smooth part alone would give :math:`1 - e^{-\beta f(x)}`).

    Parameters
    ----------
    beta : float, default 1
        Sharpness, > 0.
    threshold : float, default 20
        Above ``beta * x > threshold`` the function is ``x``; > 0.
    """

    name = "softplus"
    kinks = (20.0,)
    info = FACTS["softplus"]

    def __init__(self, *, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta = check_positive(beta, "beta")
        self.threshold = check_positive(threshold, "threshold")
        self.kinks = (self.threshold / self.beta,)

    def _forward(self, x):
        bx = self.beta * x
        return np.where(bx > self.threshold, x, softplus(bx) / self.beta)

    def _derivative(self, x):
        bx = self.beta * x
        return np.where(bx > self.threshold, 1, sigmoid(bx))

    def _kernel(self):
        return "softplus", (self.beta, self.threshold)
