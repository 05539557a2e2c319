"""Elementwise activations from the ReLU successors: ELU family, GELU, swish, mish...

Shares the overflow-free helpers of ``_elementwise``: exponentials of x only ever
see ``min(x, 0)`` and products ``x * s`` with a vanishing factor use ``_mul_decay``,
so ±inf inputs give the limits without nan or warnings.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

from mlplab._validation import check_option, check_positive

from ._base import Activation
from ._elementwise import _SQUARE_CLIP, _cast, _mul_decay, sigmoid, softplus
from ._facts import FACTS

_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_TANH_COEF = 0.044715


# -- ELU family ----------------------------------------------------------------------------
def _elu(x: np.ndarray, alpha: float) -> np.ndarray:
    # expm1 of min(x, 0): no overflow for large positive x, accurate near 0
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_derivative(x: np.ndarray, alpha: float) -> np.ndarray:
    return _cast(np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))), x)


class ELU(Activation):
    r"""Exponential linear unit: x for x > 0, :math:`\alpha(e^x - 1)` otherwise.

    Derivative 1 for x > 0, :math:`\alpha e^x = f(x) + \alpha` for x <= 0; at 0 it is
    alpha (PyTorch's convention), so the function is differentiable there only when
    alpha = 1.

    Parameters
    ----------
    alpha : float, default 1
        Negative saturation value -alpha; > 0.
    """

    name = "elu"
    output_derivative = True
    info = FACTS["elu"]

    def __init__(self, *, alpha: float = 1.0) -> None:
        self.alpha = check_positive(alpha, "alpha")
        self.kinks = () if self.alpha == 1 else (0.0,)

    def _forward(self, x):
        return _elu(x, self.alpha)

    def _derivative(self, x):
        return _elu_derivative(x, self.alpha)

    def _derivative_from_output(self, y):
        return _cast(np.where(y > 0, 1, y + self.alpha), y)

    def _kernel(self):
        return "elu", (self.alpha,)


class SELU(Activation):
    r"""Scaled ELU, :math:`\lambda\,\mathrm{elu}_\alpha(x)` with the self-normalizing constants.

    alpha = 1.6732632423543772848170429916717 and scale (λ) =
    1.0507009873554804934193349852946 (Klambauer et al.). Derivative λ for x > 0,
    :math:`\lambda\alpha e^x = f(x) + \lambda\alpha` for x <= 0; at 0 it is λα
    (PyTorch's convention).
    """

    name = "selu"
    output_derivative = True
    kinks = (0.0,)
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    info = FACTS["selu"]

    def _forward(self, x):
        return self.scale * _elu(x, self.alpha)

    def _derivative(self, x):
        return self.scale * _elu_derivative(x, self.alpha)

    def _derivative_from_output(self, y):
        return _cast(np.where(y > 0, self.scale, y + self.scale * self.alpha), y)

    def _kernel(self):
        return "selu", (self.alpha, self.scale)


class CELU(Activation):
    r"""Continuously differentiable ELU: x for x > 0, :math:`\alpha(e^{x/\alpha} - 1)` otherwise.

    Derivative 1 for x > 0, :math:`e^{x/\alpha} = f(x)/\alpha + 1` for x <= 0: continuous
    at 0 (value 1) for every alpha.

    Parameters
    ----------
    alpha : float, default 1
        > 0.
    """

    name = "celu"
    output_derivative = True
    info = FACTS["celu"]

    def __init__(self, *, alpha: float = 1.0) -> None:
        self.alpha = check_positive(alpha, "alpha")

    def _forward(self, x):
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0) / self.alpha))

    def _derivative(self, x):
        return _cast(np.where(x > 0, 1, np.exp(np.minimum(x, 0) / self.alpha)), x)

    def _derivative_from_output(self, y):
        return _cast(np.where(y > 0, 1, y / self.alpha + 1), y)

    def _kernel(self):
        return "celu", (self.alpha,)


# -- GELU, swish, mish ---------------------------------------------------------------------
class GELU(Activation):
    r"""Gaussian error linear unit, :math:`x\,\Phi(x)` with Φ the standard normal CDF.

    Derivative :math:`\Phi(x) + x\,\varphi(x)`. Φ is computed as
    ``erfc(-x/√2)/2``, which keeps full relative precision for negative x (where
    ``(1 + erf)/2`` cancels).

    With ``approximate="tanh"``: :math:`\frac{x}{2}(1 + \tanh u) = x\,\sigma(2u)`,
    :math:`u = \sqrt{2/\pi}(x + 0.044715 x^3)`, derivative
    :math:`\sigma(2u) + 2x\,\sigma(2u)\sigma(-2u)\,u'`.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
    """

    name = "gelu"
    info = FACTS["gelu"]

    def __init__(self, *, approximate: str = "none") -> None:
        self.approximate = check_option(approximate, "approximate", ("none", "tanh"))

    def _tanh_gate(self, x):
        """σ(2u) and 2u' (the clip is exact: σ(2u) is already 0 or 1 there)."""
        xc = np.clip(x, -_SQUARE_CLIP, _SQUARE_CLIP)
        x2 = xc * xc
        two_u = 2 * _SQRT_2_OVER_PI * xc * (1 + _GELU_TANH_COEF * x2)
        two_du = 2 * _SQRT_2_OVER_PI * (1 + 3 * _GELU_TANH_COEF * x2)
        return two_u, two_du

    def _forward(self, x):
        if self.approximate == "tanh":
            two_u, _ = self._tanh_gate(x)
            return _mul_decay(x, sigmoid(two_u))
        return _mul_decay(x, _cast(0.5 * erfc(-_INV_SQRT2 * x), x))

    def _derivative(self, x):
        if self.approximate == "tanh":
            two_u, two_du = self._tanh_gate(x)
            s = sigmoid(two_u)
            return s + _mul_decay(x, s * sigmoid(-two_u) * two_du)
        cdf = _cast(0.5 * erfc(-_INV_SQRT2 * x), x)
        xc = np.clip(x, -_SQUARE_CLIP, _SQUARE_CLIP)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * (xc * xc))
        return cdf + _mul_decay(x, pdf)

    def _kernel(self):
        return ("gelu_tanh" if self.approximate == "tanh" else "gelu"), ()


class Swish(Activation):
    r"""Swish, :math:`x\,\sigma(\beta x)`.

    Derivative :math:`s + \beta x\,s(1 - s)` with :math:`s = \sigma(\beta x)`; the factor
    1 - s is computed as σ(-βx), which keeps precision for large x. With β = 1 it is
    SiLU, computed by the same code, so ``get("swish")(x) == get("silu")(x)``.

    Parameters
    ----------
    beta : float, default 1
        > 0.
    """

    name = "swish"
    info = FACTS["swish"]

    def __init__(self, *, beta: float = 1.0) -> None:
        self.beta = check_positive(beta, "beta")

    def _forward(self, x):
        return _mul_decay(x, sigmoid(self.beta * x))

    def _derivative(self, x):
        bx = self.beta * x
        s = sigmoid(bx)
        return s + _mul_decay(bx, s * sigmoid(-bx))

    def _kernel(self):
        return "swish", (self.beta,)


class SiLU(Swish):
    r"""Sigmoid linear unit, :math:`x\,\sigma(x)` (swish with β = 1).

    Derivative :math:`\sigma(x)(1 + x(1 - \sigma(x)))`.
    """

    name = "silu"
    info = FACTS["silu"]

    def __init__(self) -> None:
        self.beta = 1.0

    def _kernel(self):
        return "swish", (1.0,)


class HardSwish(Activation):
    r"""Piecewise swish, :math:`x\,\mathrm{relu6}(x + 3)/6`.

    Derivative 0 for x < -3, (2x + 3)/6 = x/3 + 1/2 for -3 <= x <= 3, 1 for x > 3.
    At the kinks this gives -1/2 at x = -3 and 3/2 at x = 3: PyTorch's convention.
    """

    name = "hard_swish"
    aliases = ("hard_silu",)
    kinks = (-3.0, 3.0)
    info = FACTS["hard_swish"]

    def _forward(self, x):
        return _mul_decay(x, np.clip(x + 3, 0, 6) / 6)

    def _derivative(self, x):
        return _cast(np.where(x < -3, 0, np.where(x <= 3, x / 3 + 0.5, 1)), x)


class Mish(Activation):
    r"""Mish, :math:`x \tanh(\mathrm{softplus}(x))`.

    Derivative :math:`t + x(1 - t^2)\sigma(x)` with :math:`t = \tanh(\mathrm{softplus}(x))`
    (softplus' = σ); softplus is the overflow-free form.
    """

    name = "mish"
    info = FACTS["mish"]

    def _forward(self, x):
        return _mul_decay(x, np.tanh(softplus(x)))

    def _derivative(self, x):
        t = np.tanh(softplus(x))
        return t + _mul_decay(x, (1 - t * t) * sigmoid(x))


class Squareplus(Activation):
    r"""Squareplus, :math:`(x + \sqrt{x^2 + b})/2`, an algebraic softplus.

    Derivative :math:`(1 + x/\sqrt{x^2+b})/2`. For x < 0 both are rewritten,
    :math:`f = b / (2(\sqrt{x^2+b} - x))` and :math:`f' = b / (2r(r - x))` with
    :math:`r = \sqrt{x^2+b}`, to avoid cancellation; r is ``hypot(x, √b)``, which
    cannot overflow. With b = 0 it is ReLU, with derivative 1/2 at 0.

    Parameters
    ----------
    b : float, default 4
        Curvature near 0, >= 0.
    """

    name = "squareplus"
    info = FACTS["squareplus"]

    def __init__(self, *, b: float = 4.0) -> None:
        self.b = check_positive(b, "b", allow_zero=True)
        self._sqrt_b = math.sqrt(self.b)
        self.kinks = (0.0,) if self.b == 0 else ()

    def _forward(self, x):
        r = np.hypot(x, self._sqrt_b)
        pos = x >= 0
        neg = np.zeros_like(x)
        np.divide(self.b, 2 * (r - np.minimum(x, 0)), out=neg, where=~pos)
        return np.where(pos, (np.maximum(x, 0) + r) / 2, neg)

    def _derivative(self, x):
        r = np.hypot(x, self._sqrt_b)
        pos = x >= 0
        q = np.sign(x)  # x/r where r is inf (the limit ±1) or 0 (b = 0, x = 0)
        np.divide(x, r, out=q, where=pos & np.isfinite(r) & (r > 0))
        neg = np.zeros_like(x)
        np.divide(self.b, r - np.minimum(x, 0), out=neg, where=~pos)
        np.divide(neg, 2 * r, out=neg, where=~pos)
        return np.where(pos, (1 + q) / 2, neg)
