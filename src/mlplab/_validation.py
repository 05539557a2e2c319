"""Argument checks shared by the whole library: clear errors that name the argument.

Every check returns the value it accepted, converted to the plain Python or NumPy type
the caller stores (``float(value)``, a tuple of ints, a float array), so a constructor
reads ``self.eps = check_positive(eps, "eps")``. A wrong type raises TypeError, a wrong
value ValueError, and nothing is silently cast or broadcast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_REAL_TYPES = (int, float, np.integer, np.floating)
_INT_TYPES = (int, np.integer)


# -- arrays ---------------------------------------------------------------------------------
def check_float_array(x: Any, argname: str) -> np.ndarray:
    """Return `x` as a float32/float64 array without changing a float dtype.

    Integer and boolean arrays are refused rather than silently cast; float16 and
    longdouble are computed in float64.

    Parameters
    ----------
    x : array-like of any shape
        The array to check. A float32 or float64 array is returned as is (not copied).
    argname : str
        Name used in error messages.

    Returns
    -------
    ndarray of the shape of `x`, dtype float32 or float64
    """
    arr = np.asarray(x)
    if arr.dtype == np.float32 or arr.dtype == np.float64:
        return arr
    if arr.dtype.kind == "f":
        return arr.astype(np.float64)
    raise TypeError(
        f"{argname} must be a float32 or float64 array, got dtype {arr.dtype}; "
        f"convert it explicitly, e.g. {argname}.astype(np.float64)"
    )


def check_float_dtype(dtype: Any, argname: str = "dtype") -> np.dtype:
    """Return `dtype` as a NumPy dtype, which must be float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{argname} must be float32 or float64, got {dtype!r}") from exc
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{argname} must be float32 or float64, got {dt}")
    return dt


def check_matrix(
    X: Any,
    argname: str = "X",
    *,
    n_features: int | None = None,
    dtype: np.dtype | None = None,
    finite: bool = True,
    sequences: bool = False,
) -> np.ndarray:
    """Check that `X` is a 2-D float array, optionally of a given width and dtype.

    With `sequences`, a 3-D array of sequences instead, as a network that starts with
    a recurrent layer takes it: the same rules (no silent cast, no empty batch, NaN and
    inf refused when `finite`), for shape (n_samples, n_steps, n_features).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or (n_samples, n_steps, n_features)
        The array to check. It is not copied.
    argname : str
        Name used in error messages.
    n_features : int, optional
        Required number of columns (with `sequences`: size of the last axis).
    dtype : numpy dtype, optional
        Required dtype; another float dtype raises TypeError rather than being cast.
    finite : bool
        Refuse NaN and inf.
    sequences : bool
        Check a batch of sequences (3-D) rather than a matrix.

    Returns
    -------
    ndarray of shape (n_samples, n_features), or (n_samples, n_steps, n_features)
    """
    arr = _float_input(X, argname)
    if sequences and arr.ndim != 3:
        raise ValueError(
            f"{argname} must be 3-D of shape (n_samples, n_steps, n_features) for a network "
            f"that starts with a recurrent layer, got {arr.ndim}-D shape {arr.shape}"
        )
    if not sequences and arr.ndim != 2:
        raise ValueError(
            f"{argname} must be 2-D of shape (n_samples, n_features), got {arr.ndim}-D "
            f"shape {arr.shape}; reshape 1-D data with reshape(-1, 1) for one feature "
            "or reshape(1, -1) for one sample"
        )
    if 0 in arr.shape[:-1]:
        what = "no samples or no time steps" if sequences else "no samples"
        raise ValueError(f"{argname} has {what} (shape {arr.shape})")
    if n_features is not None and arr.shape[-1] != n_features:
        per_step = " per step" if sequences else ""
        raise ValueError(
            f"{argname} has {arr.shape[-1]} features{per_step}, but {n_features} were expected"
        )
    return _network_input(arr, argname, dtype, finite)


def _float_input(X: Any, argname: str) -> np.ndarray:
    """`X` as an array, which must be float32 or float64 (nothing is cast)."""
    arr = np.asarray(X)
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{argname} must be a float32 or float64 array, got dtype {arr.dtype}; "
            f"convert it explicitly, e.g. {argname}.astype(np.float64)"
        )
    return arr


def _network_input(arr: np.ndarray, argname: str, dtype: Any, finite: bool) -> np.ndarray:
    """The checks of a network's input after its shape: its dtype, and finite values."""
    if dtype is not None and arr.dtype != dtype:
        raise TypeError(
            f"{argname} has dtype {arr.dtype} but the network computes in {dtype}; "
            f"cast it explicitly with {argname}.astype(np.{dtype})"
        )
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{argname} contains NaN or infinity")
    return arr


def check_sample_weight(
    sample_weight: Any,
    n_samples: int,
    *,
    dtype: Any = np.float64,
    allow_scalar: bool = False,
) -> np.ndarray | None:
    """Check per-sample weights: real, finite, non-negative, not all zero, one per sample.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), scalar or None
        The weights. None means equal weights and is returned as is.
    n_samples : int
        Number of samples the weights must match.
    dtype : float dtype
        dtype of the returned array (float64 by default).
    allow_scalar : bool
        Accept one number for every sample, as scikit-learn's estimators do; otherwise
        a scalar is refused like any other shape.

    Returns
    -------
    ndarray of shape (n_samples,) or None
        The weights, not normalized, in `dtype` (a new array unless `sample_weight` is
        already one of that dtype).
    """
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"sample_weight must hold real numbers, got dtype {w.dtype}")
    if allow_scalar and w.ndim == 0:
        w = np.full(n_samples, w)
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape (n_samples,) = ({n_samples},), got {w.shape}"
        )
    w = w.astype(dtype, copy=False)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if not w.sum() > 0:
        raise ValueError("sample_weight must not be all zero")
    return w


def check_shape(
    shape: Any, argname: str = "shape", *, length: int | None = None
) -> tuple[int, ...]:
    """Check an array shape: a non-empty tuple of positive ints (an int is a 1-tuple).

    Parameters
    ----------
    shape : int or sequence of int
        The shape to check.
    argname : str
        Name used in error messages.
    length : int, optional
        Required number of entries (2 for a pair such as ``(fan_in, fan_out)``).

    Returns
    -------
    tuple of int
    """
    if isinstance(shape, _INT_TYPES) and not isinstance(shape, bool):
        shape = (shape,)
    what = "a non-empty tuple of" if length is None else f"a tuple of {length}"
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{argname} must be {what} positive ints, got {shape!r}") from None
    if (
        not dims
        or (length is not None and len(dims) != length)
        or not all(isinstance(d, _INT_TYPES) and not isinstance(d, bool) and d > 0 for d in dims)
    ):
        raise ValueError(f"{argname} must be {what} positive ints, got {shape!r}")
    return tuple(int(d) for d in dims)


# -- hyperparameters ------------------------------------------------------------------------
def check_int(value: Any, argname: str, *, minimum: int = 1) -> int:
    """Validate an integer hyperparameter that must be at least `minimum` (1 by default)."""
    if isinstance(value, bool) or not isinstance(value, _INT_TYPES):
        raise TypeError(f"{argname} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{argname} must be >= {minimum}, got {value}")
    return int(value)


def check_real(value: Any, argname: str) -> float:
    """Validate a finite real hyperparameter."""
    if isinstance(value, bool) or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{argname} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{argname} must be finite, got {value!r}")
    return value


def check_positive(value: Any, argname: str, *, allow_zero: bool = False) -> float:
    """Validate a real hyperparameter that must be finite and ``> 0`` (``>= 0``: `allow_zero`)."""
    if isinstance(value, bool) or not isinstance(value, _REAL_TYPES):
        raise TypeError(f"{argname} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not math.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{argname} must be a finite number {bound}, got {value!r}")
    return value


def check_non_negative(value: Any, argname: str) -> float:
    """Validate a real hyperparameter that must be finite and ``>= 0`` (a penalty, a tolerance)."""
    return check_positive(value, argname, allow_zero=True)


def check_optional_positive(value: Any, argname: str) -> float | None:
    """Like :func:`check_positive`, but None (the feature is off) passes through."""
    return None if value is None else check_positive(value, argname)


def check_in_range(
    value: Any,
    argname: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Validate a real hyperparameter in an interval such as ``[0, 1)``.

    The error message names the parameter and writes the interval out.
    """
    value = check_real(value, argname)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{argname} must be in {interval}, got {value!r}")
    return value


def check_rate(value: Any, argname: str) -> float:
    """Validate a rate or coefficient in ``[0, 1)``: dropout, momentum, a moment's decay."""
    return check_in_range(value, argname, 0.0, 1.0, high_open=True)


def check_bool(value: Any, argname: str) -> bool:
    """Validate a flag: a Python or NumPy bool (not 0 or 1, not a string)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{argname} must be a bool, got {type(value).__name__}")
    return bool(value)


def check_option(value: Any, argname: str, options: Sequence[str]) -> str:
    """Validate a string that must be one of `options` (a mode, a distribution...)."""
    listed = ", ".join(map(repr, options))
    if not isinstance(value, str):
        raise TypeError(f"{argname} must be one of {listed}, got {type(value).__name__}")
    if value not in options:
        raise ValueError(f"{argname} must be one of {listed}, got {value!r}")
    return value
