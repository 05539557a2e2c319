"""Tests of mlplab._validation: each check accepts what it should, converts it, and names
the argument in the error it raises for anything else."""

import math

import numpy as np
import pytest

from mlplab import _validation as v

pytestmark = pytest.mark.filterwarnings("error")

INF, NAN = math.inf, math.nan


# -- hyperparameters: (check, extra arguments, good values -> expected, bad values -> error)
CASES = {
    "check_real": (
        {},
        [(1, 1.0), (-2.5, -2.5), (np.float32(0.5), 0.5), (np.int64(3), 3.0)],
        [(INF, ValueError), (NAN, ValueError), (True, TypeError), ("1", TypeError)],
    ),
    "check_positive": (
        {},
        [(1, 1.0), (1e-300, 1e-300), (np.float64(2.0), 2.0)],
        [(0, ValueError), (-1.0, ValueError), (INF, ValueError), (None, TypeError)],
    ),
    "check_non_negative": (
        {},
        [(0, 0.0), (0.5, 0.5)],
        [(-1e-9, ValueError), (NAN, ValueError), (False, TypeError), ([1.0], TypeError)],
    ),
    "check_optional_positive": (
        {},
        [(None, None), (2, 2.0)],
        [(0.0, ValueError), (-3, ValueError), ("none", TypeError)],
    ),
    "check_rate": (
        {},
        [(0, 0.0), (0.999, 0.999)],
        [(1.0, ValueError), (-0.1, ValueError), (NAN, ValueError), (True, TypeError)],
    ),
    "check_in_range": (
        {"low": 0.0, "high": 1.0, "low_open": True},
        [(1, 1.0), (0.5, 0.5)],
        [(0.0, ValueError), (1.5, ValueError), ("0.5", TypeError)],
    ),
    "check_int": (
        {"minimum": 0},
        [(0, 0), (np.int32(7), 7)],
        [(-1, ValueError), (1.0, TypeError), (True, TypeError), ("3", TypeError)],
    ),
    "check_bool": (
        {},
        [(True, True), (np.bool_(False), False)],
        [(1, TypeError), ("yes", TypeError), (None, TypeError)],
    ),
    "check_option": (
        {"options": ("min", "max")},
        [("min", "min"), ("max", "max")],
        [("MIN", ValueError), ("mean", ValueError), (None, TypeError), (0, TypeError)],
    ),
}
GOOD = [(name, value, out) for name, (_, good, _) in CASES.items() for value, out in good]
BAD = [(name, value, error) for name, (_, _, bad) in CASES.items() for value, error in bad]


@pytest.mark.parametrize(("check", "value", "expected"), GOOD)
def test_good_values_come_back_converted(check, value, expected):
    out = getattr(v, check)(value, "arg", **CASES[check][0])
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(("check", "value", "error"), BAD)
def test_bad_values_raise_naming_the_argument(check, value, error):
    with pytest.raises(error, match=r"^my_arg must be"):
        getattr(v, check)(value, "my_arg", **CASES[check][0])


def test_messages_say_what_was_expected():
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -1\.0"):
        v.check_positive(-1, "lr")
    with pytest.raises(ValueError, match=r"tol must be a finite number >= 0, got -1\.0"):
        v.check_non_negative(-1, "tol")
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1\.0"):
        v.check_rate(1.0, "beta")
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\], got 0\.0"):
        v.check_in_range(0.0, "gamma", 0.0, 1.0, low_open=True)
    with pytest.raises(ValueError, match=r"units must be >= 1, got 0"):
        v.check_int(0, "units")
    with pytest.raises(TypeError, match=r"units must be an integer >= 1, got 2\.0"):
        v.check_int(2.0, "units")
    with pytest.raises(ValueError, match=r"mode must be one of 'min', 'max', got 'avg'"):
        v.check_option("avg", "mode", ("min", "max"))


# -- shapes -----------------------------------------------------------------------------------
def test_check_shape():
    assert v.check_shape(3) == (3,)
    assert v.check_shape([2, np.int64(4)]) == (2, 4)
    assert v.check_shape((5, 6), "fans", length=2) == (5, 6)
    for bad in [(), (0, 3), (-1,), (2.5, 3), (True, 2)]:
        with pytest.raises(ValueError, match="shape must be a non-empty tuple of positive ints"):
            v.check_shape(bad)
    with pytest.raises(TypeError, match="shape must be"):
        v.check_shape(None)
    for bad in [(3,), (1, 2, 3), (0, 2)]:
        with pytest.raises(ValueError, match="fans must be a tuple of 2 positive ints"):
            v.check_shape(bad, "fans", length=2)


# -- arrays -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_check_float_array_keeps_float_dtypes_without_copying(dtype):
    x = np.arange(3, dtype=dtype)
    assert v.check_float_array(x, "x") is x


def test_check_float_array_widens_odd_floats_and_refuses_the_rest():
    out = v.check_float_array(np.ones(2, dtype=np.float16), "x")
    assert out.dtype == np.float64
    assert v.check_float_array(1.5, "x").dtype == np.float64
    for bad in [np.ones(2, dtype=int), np.ones(2, dtype=bool), ["a"]]:
        with pytest.raises(TypeError, match="z must be a float32 or float64 array"):
            v.check_float_array(bad, "z")


# -- sample weights ---------------------------------------------------------------------------
def test_sample_weight_none_and_good_weights():
    assert v.check_sample_weight(None, 3) is None
    w = v.check_sample_weight([1, 0, 2], 3)
    np.testing.assert_array_equal(w, [1.0, 0.0, 2.0])  # not normalized
    assert w.dtype == np.float64
    assert v.check_sample_weight(np.ones(3), 3, dtype=np.float32).dtype == np.float32
    kept = np.ones(3)
    assert v.check_sample_weight(kept, 3) is kept  # already float64: no copy


def test_sample_weight_scalar_only_when_allowed():
    np.testing.assert_array_equal(v.check_sample_weight(2, 3, allow_scalar=True), [2.0] * 3)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(n_samples,\) = \(3,\)"):
        v.check_sample_weight(2, 3)


@pytest.mark.parametrize(
    ("weights", "error", "match"),
    [
        (np.ones(2), ValueError, r"shape \(n_samples,\) = \(3,\), got \(2,\)"),
        (np.ones((3, 1)), ValueError, r"got \(3, 1\)"),
        ([1.0, -1.0, 1.0], ValueError, "finite and non-negative"),
        ([1.0, NAN, 1.0], ValueError, "finite and non-negative"),
        ([1.0, INF, 1.0], ValueError, "finite and non-negative"),
        (np.zeros(3), ValueError, "not be all zero"),
        (np.ones(3, dtype=bool), TypeError, "real numbers"),
        (["a", "b", "c"], TypeError, "real numbers"),
    ],
)
def test_sample_weight_refused(weights, error, match):
    with pytest.raises(error, match=f"^sample_weight .*{match}"):
        v.check_sample_weight(weights, 3, allow_scalar=True)
