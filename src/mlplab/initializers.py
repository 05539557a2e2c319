"""Weight initializers: fill a new parameter array from a named distribution.

Look one up with :func:`get` (``get("he_normal")``, ``get("normal", std=0.1)``) and list
them with :func:`names`. ``get("auto", activation="relu")`` picks what the activation
recommends (see :func:`for_activation`).

Every initializer is called as ``init(shape, rng=None, dtype=np.float64, fans=None)``.
For a Dense weight matrix ``shape`` is ``(fan_in, fan_out) = (n_inputs, n_units)``,
the layout of scikit-learn's ``coefs_``. Random numbers always come from
``np.random.default_rng(rng)``, never from NumPy's global random state.

The variance-scaling family (course table, ``m = fan_in``, ``n = fan_out``):

==============  ==================  ===========================
name            alias               distribution
==============  ==================  ===========================
glorot_uniform  xavier_uniform      U(-sqrt(6/(m+n)), sqrt(6/(m+n)))
glorot_normal   xavier_normal       N(0, 2/(m+n))
he_uniform      kaiming_uniform     U(-sqrt(6/m), sqrt(6/m))
he_normal       kaiming_normal      N(0, 2/m)
lecun_uniform                       U(-sqrt(3/m), sqrt(3/m))
lecun_normal                        N(0, 1/m)
==============  ==================  ===========================

The ``*_normal`` members use a plain (untruncated) normal, so the variance is exactly
the table's; :class:`VarianceScaling` with ``distribution="truncated_normal"`` gives
the truncated variant (Keras's default), rescaled to keep the same variance.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from mlplab import activations
from mlplab._registry import EqualByConfig, Registry, normalize
from mlplab._validation import check_option, check_positive, check_real, check_shape

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Normal",
    "Ones",
    "Orthogonal",
    "TruncatedNormal",
    "Uniform",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "for_activation",
    "get",
    "names",
]

# Truncation point of the truncated normals, in standard deviations.
_CUT = 2.0
# Standard deviation of N(0, 1) truncated to [-2, 2]: sqrt(1 - 2 c φ(c) / (2Φ(c) - 1)), c = 2.
_TRUNC_STD = math.sqrt(
    1.0
    - 2.0
    * _CUT
    * math.exp(-0.5 * _CUT**2)
    / math.sqrt(2.0 * math.pi)
    / math.erf(_CUT / math.sqrt(2))
)


class Initializer(EqualByConfig):
    """A rule that fills a new parameter array.

    Subclasses implement :meth:`_sample`, which returns a float64 array (or one of the
    requested dtype). Calling the object checks the arguments, builds the random
    generator and casts to `dtype`. A subclass that sets ``name`` (and optionally
    ``aliases``) registers under it, so :func:`mlplab.initializers.get` finds it.
    """

    def __call__(
        self,
        shape: tuple[int, ...],
        rng: int | np.random.Generator | None = None,
        dtype: Any = np.float64,
        fans: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """Return a new array of the given shape.

        Parameters
        ----------
        shape : tuple of int
            Shape of the parameter, positive ints; ``(fan_in, fan_out)`` for a Dense
            weight matrix.
        rng : int, numpy.random.Generator or None
            Seed or generator, passed to ``np.random.default_rng`` (a Generator is used
            as is and advances).
        dtype : float dtype
            dtype of the result (float64 by default).
        fans : (int, int) or None
            ``(fan_in, fan_out)`` to use instead of :func:`compute_fans` of `shape`,
            e.g. for a layer whose units see several weight slices (maxout).

        Returns
        -------
        ndarray of shape `shape` and dtype `dtype`
        """
        shape = check_shape(shape)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"dtype must be a floating dtype, got {dtype}")
        fans = compute_fans(shape) if fans is None else check_shape(fans, "fans", length=2)
        out = self._sample(shape, fans, np.random.default_rng(rng), dtype)
        return out.astype(dtype, copy=False)

    def _sample(
        self,
        shape: tuple[int, ...],
        fans: tuple[int, int],
        rng: np.random.Generator,
        dtype: np.dtype,
    ) -> np.ndarray:
        raise NotImplementedError


# Filled by each subclass that names itself, as it is defined (__init_subclass__);
# "auto" is answered by get() itself.
REGISTRY: Registry[Initializer] = Registry("initializer", Initializer, reserved=("auto",))
Initializer._registry = REGISTRY


# -- helpers -------------------------------------------------------------------------


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a parameter array.

    Parameters
    ----------
    shape : tuple of int
        ``(n,)`` gives ``(n, n)``; ``(fan_in, fan_out)`` is a Dense weight matrix;
        with more axes, ``shape[-2:]`` are ``(in, out)`` and the leading axes multiply
        both (a receptive field, as in Keras).

    Returns
    -------
    (int, int)
    """
    shape = check_shape(shape)
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """N(0, 1) samples with those outside [-2, 2] redrawn until none is left."""
    x = rng.standard_normal(shape)
    bad = np.flatnonzero(np.abs(x) > _CUT)
    flat = x.reshape(-1)
    while bad.size:
        flat[bad] = rng.standard_normal(bad.size)
        bad = bad[np.abs(flat[bad]) > _CUT]
    return x


# -- constant initializers -------------------------------------------------------------


class Constant(Initializer):
    """Every entry equal to `value` (biases use this, with value 0 by default)."""

    name = "constant"

    def __init__(self, value: float = 0.0) -> None:
        self.value = check_real(value, "value")

    def _sample(self, shape, fans, rng, dtype):
        return np.full(shape, self.value, dtype=dtype)


class Zeros(Initializer):
    """Every entry 0."""

    name = "zeros"
    aliases = ("zero",)

    def _sample(self, shape, fans, rng, dtype):
        return np.zeros(shape, dtype=dtype)


class Ones(Initializer):
    """Every entry 1."""

    name = "ones"
    aliases = ("one",)

    def _sample(self, shape, fans, rng, dtype):
        return np.ones(shape, dtype=dtype)


# -- fixed-scale random initializers -------------------------------------------------


class Normal(Initializer):
    """Gaussian entries, N(mean, std²); ``std=0.05`` as Keras's RandomNormal."""

    name = "normal"
    aliases = ("random_normal", "gaussian")

    def __init__(self, mean: float = 0.0, std: float = 0.05) -> None:
        self.mean = check_real(mean, "mean")
        self.std = check_positive(std, "std")

    def _sample(self, shape, fans, rng, dtype):
        return rng.normal(self.mean, self.std, size=shape)


class Uniform(Initializer):
    """Uniform entries on [low, high)."""

    name = "uniform"
    aliases = ("random_uniform",)

    def __init__(self, low: float = -0.05, high: float = 0.05) -> None:
        self.low = check_real(low, "low")
        self.high = check_real(high, "high")
        if not self.low < self.high:
            raise ValueError(f"low must be < high, got low={self.low!r}, high={self.high!r}")

    def _sample(self, shape, fans, rng, dtype):
        return rng.uniform(self.low, self.high, size=shape)


class TruncatedNormal(Initializer):
    """N(mean, std²) cut at mean ± 2 std, values outside redrawn.

    The variance is ``std² · 0.7737...`` (truncation shrinks it); `std` is the scale
    of the normal before truncation, as in Keras and PyTorch.
    """

    name = "truncated_normal"

    def __init__(self, mean: float = 0.0, std: float = 0.05) -> None:
        self.mean = check_real(mean, "mean")
        self.std = check_positive(std, "std")

    def _sample(self, shape, fans, rng, dtype):
        return self.mean + self.std * _truncated_standard_normal(rng, shape)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times `gain` (Saxe et al. 2014).

    The QR decomposition of a Gaussian matrix, with the signs of R's diagonal moved
    into Q so that Q is uniformly (Haar) distributed. For ``shape = (rows, cols)``,
    ``Q.T @ Q = gain² I`` when rows >= cols, else ``Q @ Q.T = gain² I``. With more than
    two axes the leading ones are flattened into rows.
    """

    name = "orthogonal"

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = check_positive(gain, "gain")

    def _sample(self, shape, fans, rng, dtype):
        if len(shape) < 2:
            raise ValueError(f"orthogonal needs a shape with at least 2 axes, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.where(np.diag(r) < 0, -1.0, 1.0)  # sign correction → Haar measure
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape)


# -- variance scaling -----------------------------------------------------------------

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("normal", "uniform", "truncated_normal")


class VarianceScaling(Initializer):
    """Zero-mean entries with variance ``scale / fan``.

    Parameters
    ----------
    scale : float
        Target variance times the fan, > 0 (2 for He, 1 for LeCun and Glorot).
    mode : {"fan_in", "fan_out", "fan_avg"}
        The fan: ``m``, ``n`` or ``(m + n) / 2`` with ``(m, n) = (fan_in, fan_out)``.
    distribution : {"normal", "uniform", "truncated_normal"}
        ``"normal"``: N(0, scale/fan). ``"uniform"``: U(±sqrt(3 scale/fan)).
        ``"truncated_normal"``: a normal cut at ±2 of its std, rescaled by 1/0.8796...
        so the variance after truncation is still ``scale / fan``.
    """

    name = "variance_scaling"

    def __init__(
        self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "normal"
    ) -> None:
        self.scale = check_positive(scale, "scale")
        self.mode = check_option(mode, "mode", _MODES)
        self.distribution = check_option(distribution, "distribution", _DISTRIBUTIONS)

    def variance(self, fans: tuple[int, int]) -> float:
        """Variance of the entries for ``fans = (fan_in, fan_out)``."""
        fan_in, fan_out = fans
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / fan

    def _sample(self, shape, fans, rng, dtype):
        std = math.sqrt(self.variance(fans))
        if self.distribution == "normal":
            return rng.normal(0.0, std, size=shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0) * std
            return rng.uniform(-limit, limit, size=shape)
        return (std / _TRUNC_STD) * _truncated_standard_normal(rng, shape)


class _Preset(VarianceScaling):
    """A named, parameter-free member of the variance-scaling family."""

    _preset: ClassVar[tuple[float, str, str]]

    def __init__(self) -> None:
        super().__init__(*self._preset)


class GlorotUniform(_Preset):
    """Glorot & Bengio 2010: U(±sqrt(6/(fan_in + fan_out)))."""

    name = "glorot_uniform"
    aliases = ("xavier_uniform",)
    _preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot & Bengio 2010: N(0, 2/(fan_in + fan_out)), untruncated."""

    name = "glorot_normal"
    aliases = ("xavier_normal",)
    _preset = (1.0, "fan_avg", "normal")


class HeUniform(_Preset):
    """He et al. 2015: U(±sqrt(6/fan_in))."""

    name = "he_uniform"
    aliases = ("kaiming_uniform",)
    _preset = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    """He et al. 2015: N(0, 2/fan_in), untruncated."""

    name = "he_normal"
    aliases = ("kaiming_normal",)
    _preset = (2.0, "fan_in", "normal")


class LecunUniform(_Preset):
    """LeCun et al. 1998: U(±sqrt(3/fan_in))."""

    name = "lecun_uniform"
    _preset = (1.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """LeCun et al. 1998: N(0, 1/fan_in), untruncated."""

    name = "lecun_normal"
    _preset = (1.0, "fan_in", "normal")


# -- registry ------------------------------------------------------------------------

_RECOMMENDED: dict[str, type[Initializer]] = {
    "he": HeUniform,
    "glorot": GlorotUniform,
    "lecun": LecunNormal,
}


def for_activation(activation: str | activations.Activation | None) -> Initializer:
    """The initializer an activation recommends (its ``info.initializer``).

    ``"he"`` gives he_uniform, ``"glorot"`` glorot_uniform and ``"lecun"``
    lecun_normal.

    Parameters
    ----------
    activation : str, Activation or None
        Anything :func:`mlplab.activations.get` accepts (None is identity).
    """
    family = activations.get(activation).info.initializer
    return _RECOMMENDED[family]()


def names(*, include_aliases: bool = False) -> list[str]:
    """Names of the registered initializers, sorted, as :func:`get` accepts them.

    With ``include_aliases=True`` the aliases (``"xavier_uniform"``...) are listed too;
    see :meth:`mlplab._registry.Registry.names`. ``"auto"``, which :func:`get` also
    accepts, is never listed.
    """
    return REGISTRY.names(include_aliases=include_aliases)


def get(
    initializer: str | Initializer | type[Initializer],
    *,
    activation: str | activations.Activation | None = None,
    **params: Any,
) -> Initializer:
    """An :class:`Initializer` by name, from a subclass, or the instance given.

    Parameters
    ----------
    initializer : str, Initializer or Initializer subclass
        A name from :func:`names` or an alias, ``"auto"`` (the initializer that
        `activation` recommends), an instance or a subclass. None is refused.
    activation : str, Activation or None
        Read only by ``"auto"``, which returns :func:`for_activation` of it; ignored
        otherwise, so a layer can always pass its activation.
    **params
        The initializer's parameters, e.g. ``get("normal", std=0.1)``; none with
        ``"auto"``.

    Returns
    -------
    Initializer
        Called as ``init(shape, rng)``, a new parameter array of that shape.

    See Also
    --------
    mlplab._registry.Registry.get : What every catalog's ``get()`` accepts, and the
        ValueError (unknown name, with the closest one) and TypeError it raises.
    """
    if isinstance(initializer, str) and normalize(initializer) == "auto":
        if params:
            raise TypeError(f"'auto' takes no parameters, got {', '.join(params)}")
        return for_activation(activation)
    return REGISTRY.get(initializer, **params)
