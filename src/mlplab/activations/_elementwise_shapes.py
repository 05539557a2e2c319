"""Elementwise activations of other shapes: exponential, radial, periodic, shrinkage.

Same conventions as ``_elementwise``: no NumPy warning for inputs in [-1e4, 1e4] or at
±inf where the function has a limit.
"""

from __future__ import annotations

import numpy as np

from mlplab._validation import check_positive

from ._base import Activation
from ._elementwise import _SQUARE_CLIP, _cast, _mul_decay
from ._facts import FACTS


# -- exponential ---------------------------------------------------------------------------
class Exponential(Activation):
    r""":math:`f(x) = e^x = f'(x)`.

    Overflows to inf for x > log(max float) (about 88.7 in float32, 709.8 in
    float64), where the true value is beyond the float range: that inf is the
    correctly rounded result, so the overflow warning is silenced for this
    function only.
    """

    name = "exponential"
    output_derivative = True
    info = FACTS["exponential"]

    def _forward(self, x):
        with np.errstate(over="ignore"):
            return np.exp(x)

    def _derivative(self, x):
        return self._forward(x)

    def _derivative_from_output(self, y):
        return y.copy()


# -- radial, periodic and other shapes -----------------------------------------------------
class Gaussian(Activation):
    r""":math:`f(x) = e^{-x^2}`; :math:`f'(x) = -2x e^{-x^2}`."""

    name = "gaussian"
    info = FACTS["gaussian"]

    def _forward(self, x):
        xc = np.clip(x, -_SQUARE_CLIP, _SQUARE_CLIP)
        return np.exp(-(xc * xc))

    def _derivative(self, x):
        return -2 * _mul_decay(x, self._forward(x))


class Sinusoid(Activation):
    r""":math:`f(x) = \sin x`; :math:`f'(x) = \cos x`.

    Has no limit at ±inf: there the value is nan (with NumPy's warning).
    """

    name = "sinusoid"
    aliases = ("sin",)
    info = FACTS["sinusoid"]

    def _forward(self, x):
        return np.sin(x)

    def _derivative(self, x):
        return np.cos(x)


# Below this |x| the derivative of sinc comes from its Taylor series: the closed form
# cancels there (x cos x - sin x ~ -x^3/3). At 0.25 both lose < 1e-14 relative.
_SINC_SERIES_CUTOFF = 0.25


class Sinc(Activation):
    r"""Unnormalized sinc, :math:`\sin(x)/x`, with sinc(0) = 1.

    Derivative :math:`(\cos x - \mathrm{sinc}\,x) / x`; for |x| < 0.25 its Taylor
    series :math:`-x/3 + x^3/30 - x^5/840 + x^7/45360 - x^9/3991680` (exact near 0).
    Both tend to 0 at ±inf.
    """

    name = "sinc"
    info = FACTS["sinc"]

    def _forward(self, x):
        finite = np.isfinite(x)
        xs = np.where(finite, x, 0)
        out = np.ones_like(x)
        np.divide(np.sin(xs), xs, out=out, where=xs != 0)
        out[~finite] = 0
        return out

    def _derivative(self, x):
        finite = np.isfinite(x)
        small = np.abs(x) < _SINC_SERIES_CUTOFF
        xs = np.where(small, x, 0)
        x2 = xs * xs
        series = xs * (
            -1 / 3 + x2 * (1 / 30 + x2 * (-1 / 840 + x2 * (1 / 45360 + x2 * (-1 / 3991680))))
        )
        xl = np.where(finite & ~small, x, 1)
        closed = (np.cos(xl) - np.sin(xl) / xl) / xl
        return np.where(small, series, np.where(finite, closed, 0))


class BentIdentity(Activation):
    r""":math:`f(x) = (\sqrt{x^2 + 1} - 1)/2 + x`; :math:`f'(x) = x / (2\sqrt{x^2+1}) + 1`.

    Computed as :math:`x^2 / (2(\sqrt{x^2+1} + 1)) + x`, which neither cancels near 0
    nor overflows; f'(±inf) = 1 ± 1/2.
    """

    name = "bent_identity"
    info = FACTS["bent_identity"]

    def _forward(self, x):
        finite = np.isfinite(x)
        xf = np.where(finite, x, 0)
        h = np.hypot(xf, 1)
        return np.where(finite, xf * (xf / (h + 1)) / 2 + xf, x)

    def _derivative(self, x):
        finite = np.isfinite(x)
        xf = np.where(finite, x, 0)
        inner = xf / (2 * np.hypot(xf, 1)) + 1
        return np.where(finite, inner, 1 + np.sign(x) / 2)


class _Shrink(Activation):
    """Unregistered base of the shrink functions: parameter lambd >= 0, kinks ±lambd.

    The derivative is 1 for |x| > lambd and 0 for |x| <= lambd, so 0 at the kinks
    (PyTorch's convention); y != 0 exactly when |x| > lambd, so it is a function of
    the output.
    """

    output_derivative = True
    kinks = (-0.5, 0.5)

    def __init__(self, *, lambd: float = 0.5) -> None:
        self.lambd = check_positive(lambd, "lambd", allow_zero=True)
        self.kinks = tuple(sorted({-self.lambd, self.lambd}))

    def _derivative(self, x):
        return _cast(np.abs(x) > self.lambd, x)

    def _derivative_from_output(self, y):
        return _cast(y != 0, y)


class Softshrink(_Shrink):
    r"""Soft thresholding: x - λ for x > λ, x + λ for x < -λ, else 0.

    Derivative 1 for |x| > λ, else 0 (0 at x = ±λ, as PyTorch).

    Parameters
    ----------
    lambd : float, default 0.5
        Threshold λ >= 0.
    """

    name = "softshrink"
    info = FACTS["softshrink"]

    def _forward(self, x):
        lam = self.lambd
        return _cast(np.where(x > lam, x - lam, np.where(x < -lam, x + lam, 0)), x)


class Hardshrink(_Shrink):
    r"""Hard thresholding: x for |x| > λ, else 0.

    Derivative 1 for |x| > λ, else 0 (0 at x = ±λ, as PyTorch); the function jumps
    at ±λ.

    Parameters
    ----------
    lambd : float, default 0.5
        Threshold λ >= 0.
    """

    name = "hardshrink"
    info = FACTS["hardshrink"]

    def _forward(self, x):
        return _cast(np.where(np.abs(x) > self.lambd, x, 0), x)
