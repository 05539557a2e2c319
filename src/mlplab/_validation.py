"""Input checks shared by the engine: clear errors that name the argument, no silent casts."""

from __future__ import annotations

from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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
) -> np.ndarray:
    """Check that `X` is a 2-D float array, optionally of a given width and dtype.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The array to check. It is not copied.
    argname : str
        Name used in error messages.
    n_features : int, optional
        Required number of columns.
    dtype : numpy dtype, optional
        Required dtype; another float dtype raises TypeError rather than being cast.
    finite : bool
        Refuse NaN and inf.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    arr = np.asarray(X)
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{argname} must be a float32 or float64 array, got dtype {arr.dtype}; "
            f"convert it explicitly, e.g. {argname}.astype(np.float64)"
        )
    if arr.ndim != 2:
        raise ValueError(
            f"{argname} must be 2-D of shape (n_samples, n_features), got {arr.ndim}-D "
            f"shape {arr.shape}; reshape 1-D data with reshape(-1, 1) for one feature "
            "or reshape(1, -1) for one sample"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{argname} has no samples (shape {arr.shape})")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{argname} has {arr.shape[1]} features, but {n_features} were expected")
    if dtype is not None and arr.dtype != dtype:
        raise TypeError(
            f"{argname} has dtype {arr.dtype} but the network computes in {dtype}; "
            f"cast it explicitly with {argname}.astype(np.{dtype})"
        )
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{argname} contains NaN or infinity")
    return arr


def check_int(value: Any, argname: str, *, minimum: int = 1) -> int:
    """Validate an integer hyperparameter that must be at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{argname} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{argname} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_rate(value: Any, argname: str) -> float:
    """Validate a probability-like rate in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argname} must be a number in [0, 1), got {value!r}")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{argname} must be in [0, 1), got {value}")
    return value
