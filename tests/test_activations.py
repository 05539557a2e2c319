"""Tests of the activation catalog: each property is checked once, over the whole registry."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mlplab.activations as acts
from mlplab.activations import Activation, ActivationInfo, get, names
from mlplab.activations._facts import FACTS

# Any NumPy (or other) warning is a failure.
pytestmark = pytest.mark.filterwarnings("error")

NAMES = names()
ELEMENTWISE = [n for n in NAMES if get(n).elementwise]
ROWWISE = [n for n in NAMES if not get(n).elementwise]
DTYPES = [np.float32, np.float64]

# Every floating-point exception raises, except underflow: exp(-1e4) -> 0 is the
# correctly rounded result (NumPy ignores underflow by default too).
STRICT = {"all": "raise", "under": "ignore"}

# Non-default parameters that move kinks, switch formulas or change output_derivative;
# they go through the same derivative checks as the defaults.
VARIANTS = [
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 0.3}),
    ("gelu", {"approximate": "tanh"}),
    ("swish", {"beta": 2.5}),
    ("leaky_relu", {"negative_slope": -0.2}),
    ("leaky_relu", {"negative_slope": 0.0}),
    ("prelu", {"alpha": 1.5}),
    ("rrelu", {"lower": 0.0, "upper": 0.0}),
    ("softplus", {"beta": 2.0, "threshold": 10.0}),
    ("softshrink", {"lambd": 0.0}),
    ("hardshrink", {"lambd": 1.5}),
    ("hard_tanh", {"min_val": -0.25, "max_val": 2.0}),
    ("squareplus", {"b": 0.0}),
    ("squareplus", {"b": 0.5}),
    ("threshold", {"threshold": 0.5, "value": -2.0}),
    ("threshold", {"threshold": -1.0, "value": 3.0}),
]
VARIANT_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items())}" for n, p in VARIANTS]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
INF = math.inf

# (f(-inf), f(+inf)) and (f'(-inf), f'(+inf)) for every elementwise function with limits
# (default parameters). sinusoid has none.
LIMITS = {
    "arctan": ((-math.pi / 2, math.pi / 2), (0, 0)),
    "bent_identity": ((-INF, INF), (0.5, 1.5)),
    "celu": ((-1, INF), (0, 1)),
    "elu": ((-1, INF), (0, 1)),
    "exponential": ((0, INF), (0, INF)),
    "gaussian": ((0, 0), (0, 0)),
    "gelu": ((0, INF), (0, 1)),
    "hard_sigmoid": ((0, 1), (0, 0)),
    "hard_swish": ((0, INF), (0, 1)),
    "hard_tanh": ((-1, 1), (0, 0)),
    "hardshrink": ((-INF, INF), (1, 1)),
    "identity": ((-INF, INF), (1, 1)),
    "leaky_relu": ((-INF, INF), (0.01, 1)),
    "log_sigmoid": ((-INF, 0), (1, 0)),
    "mish": ((0, INF), (0, 1)),
    "prelu": ((-INF, INF), (0.25, 1)),
    "relu": ((0, INF), (0, 1)),
    "relu6": ((0, 6), (0, 0)),
    "rrelu": ((-INF, INF), ((1 / 8 + 1 / 3) / 2, 1)),
    "selu": ((-SELU_SCALE * SELU_ALPHA, INF), (0, SELU_SCALE)),
    "sigmoid": ((0, 1), (0, 0)),
    "silu": ((0, INF), (0, 1)),
    "sinc": ((0, 0), (0, 0)),
    "softplus": ((0, INF), (0, 1)),
    "softshrink": ((-INF, INF), (1, 1)),
    "softsign": ((-1, 1), (0, 0)),
    "squareplus": ((0, INF), (0, 1)),
    "step": ((0, 1), (0, 0)),
    "swish": ((0, INF), (0, 1)),
    "tanh": ((-1, 1), (0, 0)),
    "tanhshrink": ((-INF, INF), (1, 1)),
    "threshold": ((0, INF), (0, 1)),
}
NO_LIMIT = {"sinusoid"}


# -- helpers -------------------------------------------------------------------------------
def rel_err(a, b):
    """|a - b| / max(1, |a|, |b|): relative for large values, absolute for small ones.

    Equal entries (infinities included) give 0, an infinity against anything else inf.
    """
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    err = np.zeros(a.shape)
    finite = np.isfinite(a) & np.isfinite(b)
    err[~finite & (a != b)] = np.inf
    af, bf = a[finite], b[finite]
    err[finite] = np.abs(af - bf) / np.maximum(1, np.maximum(np.abs(af), np.abs(bf)))
    return err


def fd_step(x):
    """A power-of-two step about 2.4e-7 * max(1, |x|), and x snapped onto its grid.

    On that grid every abscissa x ± h, x ± 2h is exact, so the difference quotient has
    no error from rounding the abscissas (which matters at |x| = 1e4).
    """
    x = np.asarray(x, dtype=np.float64)
    h = np.exp2(np.floor(np.log2(np.maximum(1.0, np.abs(x))))) * 2.0**-22
    return np.round(x / h) * h, h


def fd_derivative(f, x, h):
    """Five-point central difference (error O(h^4)); nan where f is not finite nearby."""
    vals = [f(x + k * h) for k in (-2, -1, 1, 2)]
    ok = np.all([np.isfinite(v) for v in vals], axis=0)
    d = np.full(x.shape, np.nan)
    m2, m1, p1, p2 = (v[ok] for v in vals)
    d[ok] = (8 * (p1 - m1) - (p2 - m2)) / (12 * h[ok])
    return d


def fd_points(act, rng):
    """Random points, 0, ±20, ±1e4 and ±1e-3 around each kink; none on a kink."""
    kinks = np.asarray(act.kinks, dtype=np.float64)
    pts = [
        rng.uniform(-6, 6, 200),
        rng.normal(0, 3, 50),
        [0.0, 0.5, -0.5, 1.0, -1.0, 20.0, -20.0, 1e4, -1e4],
        *([k - 1e-3, k + 1e-3] for k in kinks),
    ]
    x = np.concatenate([np.asarray(p, dtype=np.float64) for p in pts])
    if kinks.size:
        # the difference quotient is meaningless across a kink (conventions are tested apart)
        x = x[np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 1e-4]
    return x


def check_elementwise_derivative(act, rng):
    x, h = fd_step(fd_points(act, rng))
    with np.errstate(**STRICT):
        fd = fd_derivative(act, x, h)
        d = act.derivative(x)
    ok = np.isfinite(fd)
    assert ok.sum() > 200
    err = rel_err(d[ok], fd[ok])
    worst = np.argmax(err)
    assert err[worst] < 1e-6, f"{act!r} at x={x[ok][worst]}: {d[ok][worst]} vs fd {fd[ok][worst]}"


def check_rowwise_derivative_and_vjp(act, rng):
    x = rng.normal(0, 2, size=(4, 6))
    g = rng.normal(size=x.shape)
    _, h = fd_step(x)
    h = np.full_like(x, h.max())  # one step for the matrix: exact on the grid of the largest
    x = np.round(x / h) * h
    diag = np.empty_like(x)
    grad = np.empty_like(x)
    for j in range(x.shape[1]):

        def along(t, j=j):
            xp = x.copy()
            xp[:, j] = t
            return act(xp)

        col = x[:, j]
        hj = h[:, j]
        with np.errstate(**STRICT):
            vals = [along(col + k * hj) for k in (-2, -1, 1, 2)]
        m2, m1, p1, p2 = vals
        jac_col = (8 * (p1 - m1) - (p2 - m2)) / (12 * hj[:, None])  # d f / d x_j, per row
        diag[:, j] = jac_col[:, j]
        grad[:, j] = np.sum(g * jac_col, axis=1)
    with np.errstate(**STRICT):
        assert np.max(rel_err(act.derivative(x), diag)) < 1e-6
        assert np.max(rel_err(act.vjp(x, g), grad)) < 1e-6


def check_vjp_consistency(act, rng):
    x = rng.normal(0, 3, size=(5, 7))
    g = rng.normal(size=x.shape)
    with np.errstate(**STRICT):
        v = act.vjp(x, g)
        if act.elementwise:
            np.testing.assert_array_equal(v, g * act.derivative(x))
        if not act.stochastic:
            vt = act.vjp_train(x, act(x), g.copy())
            assert np.max(rel_err(vt, v)) < 1e-12


def check_derivative_from_output(act, rng):
    x = np.concatenate([rng.normal(0, 3, 300), [0.0, 20.0, -20.0, 1e4, -1e4], act.kinks])
    with np.errstate(**STRICT):
        d = act.derivative(x)
        d_out = act.derivative_from_output(act(x))
    assert np.max(rel_err(d_out, d)) < 1e-9


# -- derivatives -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name):
    act = get(name)
    rng = np.random.default_rng(0)
    if act.elementwise:
        check_elementwise_derivative(act, rng)
    else:
        check_rowwise_derivative_and_vjp(act, rng)


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=VARIANT_IDS)
def test_derivative_of_variants(name, params):
    act = get(name, **params)
    rng = np.random.default_rng(1)
    check_elementwise_derivative(act, rng)
    check_vjp_consistency(act, rng)
    if act.output_derivative:
        check_derivative_from_output(act, rng)


@pytest.mark.parametrize("name", NAMES)
def test_vjp_consistency(name):
    check_vjp_consistency(get(name), np.random.default_rng(2))


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output(name):
    act = get(name)
    if not act.output_derivative:
        with pytest.raises(NotImplementedError, match=name):
            act.derivative_from_output(np.zeros(3))
        return
    check_derivative_from_output(act, np.random.default_rng(3))


KINK_CONVENTIONS = [
    ("relu", {}, 0.0, 0.0),
    ("relu6", {}, 0.0, 0.0),
    ("relu6", {}, 6.0, 0.0),
    ("leaky_relu", {}, 0.0, 0.01),
    ("prelu", {}, 0.0, 0.25),
    ("rrelu", {}, 0.0, (1 / 8 + 1 / 3) / 2),
    ("elu", {"alpha": 0.5}, 0.0, 0.5),
    ("selu", {}, 0.0, SELU_SCALE * SELU_ALPHA),
    ("celu", {"alpha": 0.5}, 0.0, 1.0),
    ("hard_tanh", {}, -1.0, 0.0),
    ("hard_tanh", {}, 1.0, 0.0),
    ("hard_sigmoid", {}, -3.0, 0.0),
    ("hard_sigmoid", {}, 3.0, 0.0),
    ("hard_swish", {}, -3.0, -0.5),
    ("hard_swish", {}, 3.0, 1.5),
    ("softshrink", {}, -0.5, 0.0),
    ("softshrink", {}, 0.5, 0.0),
    ("hardshrink", {}, -0.5, 0.0),
    ("hardshrink", {}, 0.5, 0.0),
    ("threshold", {}, 0.0, 0.0),
    ("step", {}, 0.0, 0.0),
    ("squareplus", {"b": 0.0}, 0.0, 0.5),
]


@pytest.mark.parametrize(("name", "params", "x", "expected"), KINK_CONVENTIONS)
def test_derivative_at_kinks_follows_pytorch(name, params, x, expected):
    act = get(name, **params)
    assert act.derivative(np.array([x]))[0] == pytest.approx(expected, rel=1e-15)


# -- closed forms from the course ------------------------------------------------------------
def test_sigmoid_derivative_peaks_at_quarter():
    x = np.linspace(-10, 10, 200_001)
    d = get("sigmoid").derivative(x)
    assert d[100_000] == 0.25
    assert d.max() == 0.25 and np.argmax(d) == 100_000


def test_tanh_derivative_peaks_at_one():
    x = np.linspace(-10, 10, 200_001)
    d = get("tanh").derivative(x)
    assert d[100_000] == 1.0
    assert d.max() == 1.0 and np.argmax(d) == 100_000


def test_tanh_is_rescaled_sigmoid():
    x = np.random.default_rng(4).normal(0, 4, 1000)
    np.testing.assert_allclose(get("tanh")(x), 2 * get("sigmoid")(2 * x) - 1, atol=1e-15)


def test_relu_derivative_is_indicator():
    x = np.random.default_rng(5).normal(size=1000)
    d = get("relu").derivative(x)
    assert np.all(d[x < 0] == 0) and np.all(d[x > 0] == 1)


def test_swish_with_beta_one_is_silu():
    x = np.concatenate([np.random.default_rng(6).normal(0, 5, 1000), [-INF, 0.0, INF]])
    np.testing.assert_array_equal(get("swish")(x), get("silu")(x))
    np.testing.assert_array_equal(get("swish", beta=1).derivative(x), get("silu").derivative(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_rows_sum_to_one(dtype):
    x = np.random.default_rng(7).normal(0, 10, (20, 9)).astype(dtype)
    for name in ("softmax", "softmin", "sparsemax"):
        p = get(name)(x)
        assert np.all(p >= 0)
        np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_log_softmax_and_softmin_closed_forms():
    x = np.random.default_rng(8).normal(0, 3, (6, 5))
    np.testing.assert_allclose(get("log_softmax")(x), np.log(get("softmax")(x)), atol=1e-14)
    np.testing.assert_allclose(get("softmin")(x), get("softmax")(-x), atol=0)


def test_sparsemax_is_the_simplex_projection():
    x = np.random.default_rng(9).normal(0, 2, (50, 7))
    p = get("sparsemax")(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=1e-14)
    # KKT conditions of min ||p - x||^2 on the simplex: x - p = tau on the support,
    # x <= tau outside it
    for xi, pi in zip(x, p, strict=True):
        support = pi > 0
        tau = xi[support] - pi[support]
        np.testing.assert_allclose(tau, tau[0], atol=1e-13)
        assert np.all(xi[~support] <= tau[0] + 1e-13)


def test_sparsemax_is_sparse_for_spread_inputs():
    sm = get("sparsemax")
    np.testing.assert_array_equal(sm(np.array([3.0, 0.0, -2.0])), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(sm(np.array([0.5, 0.2, 0.1])), [17 / 30, 8 / 30, 5 / 30])
    p = sm(np.random.default_rng(10).normal(0, 5, (20, 10)))
    assert np.all(np.sum(p == 0, axis=-1) >= 1)


# -- stability -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_stable_on_wide_range(name, dtype):
    act = get(name)
    x = np.concatenate(
        [np.linspace(-1e4, 1e4, 2001), [-20.0, -1e-30, 0.0, 1e-30, 20.0], act.kinks]
    ).astype(dtype)
    with np.errstate(**STRICT):
        results = {"value": act(x), "derivative": act.derivative(x)}
        results["vjp"] = act.vjp(x, np.ones_like(x))
        if act.output_derivative:
            results["derivative_from_output"] = act.derivative_from_output(results["value"])
    finite = np.ones(x.shape, dtype=bool)
    if name == "exponential":
        # e^x beyond the float range: inf is the correctly rounded value
        finite = x < np.log(np.finfo(dtype).max)
        assert np.all(np.isposinf(results["value"][~finite]))
    for what, r in results.items():
        assert r.dtype == dtype, what
        assert np.all(np.isfinite(r[finite])), f"{what} not finite at {x[finite & ~np.isfinite(r)]}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_limits_at_infinity(name, dtype):
    if name in NO_LIMIT:
        pytest.skip(f"{name} has no limit at infinity")
    act = get(name)
    x = np.array([-INF, INF], dtype=dtype)
    (values, derivatives) = LIMITS[name]
    # atol: cos^2 of the rounded pi/2 is 1.9e-15 in float32, not 0
    tol = {"rtol": 1e-6 if dtype == np.float32 else 1e-14, "atol": 1e-12}
    with np.errstate(**STRICT):
        y = act(x)
        d = act.derivative(x)
        if act.output_derivative:
            np.testing.assert_allclose(act.derivative_from_output(y), derivatives, **tol)
    np.testing.assert_allclose(y, values, **tol)
    np.testing.assert_allclose(d, derivatives, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise_stable_on_wide_range(name, dtype):
    act = get(name)
    rng = np.random.default_rng(11)
    x = np.vstack(
        [
            rng.uniform(-1e4, 1e4, (5, 8)),
            np.linspace(-1e4, 1e4, 8),
            np.full(8, 1e4),
            np.full(8, -1e4),
            [-INF, 1.0, -INF, 2.0, 0.0, -INF, 1e4, -1e4],
        ]
    ).astype(dtype)
    g = rng.normal(size=x.shape).astype(dtype)
    with np.errstate(**STRICT):
        y = act(x)
        d = act.derivative(x)
        v = act.vjp(x, g)
        vt = act.vjp_train(x, y, g.copy())
    for what, r in {"value": y, "derivative": d, "vjp": v, "vjp_train": vt}.items():
        assert r.dtype == dtype, what
        if name == "log_softmax" and what == "value":
            # log 0 = -inf exactly at the -inf entries, finite elsewhere
            assert np.all(np.isfinite(r[np.isfinite(x)]))
            assert np.all(np.isneginf(r[np.isneginf(x)]))
        else:
            assert np.all(np.isfinite(r)), what


ROW_LIMIT_INPUT = np.array(
    [
        [INF, 0.0, -INF, 1.0],
        [-INF, 2.0, -INF, 0.0],
        [INF, INF, 3.0, -INF],
        [-INF, -INF, -INF, -INF],
    ]
)
E2 = math.exp(2)
SOFTMAX_LIMIT = np.array(
    [
        [1.0, 0.0, 0.0, 0.0],
        [0.0, E2 / (E2 + 1), 0.0, 1 / (E2 + 1)],
        [0.5, 0.5, 0.0, 0.0],
        [0.25, 0.25, 0.25, 0.25],
    ]
)


def _log(p):
    return np.log(p, out=np.full_like(p, -INF), where=p > 0)


ROW_LIMITS = {
    "softmax": SOFTMAX_LIMIT,
    "log_softmax": _log(SOFTMAX_LIMIT),
    "softmin": np.array(
        [
            [0.0, 0.0, 1.0, 0.0],
            [0.5, 0.0, 0.5, 0.0],
            [0.0, 0.0, 0.0, 1.0],
            [0.25, 0.25, 0.25, 0.25],
        ]
    ),
    "sparsemax": np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.5, 0.5, 0.0, 0.0],
            [0.25, 0.25, 0.25, 0.25],
        ]
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ROWWISE)
def test_rowwise_limits_with_infinite_entries(name, dtype):
    """Infinite entries give the limit; an all -inf row counts as equal entries (uniform)."""
    act = get(name)
    x = ROW_LIMIT_INPUT.astype(dtype)
    g = np.random.default_rng(12).normal(size=x.shape).astype(dtype)
    with np.errstate(**STRICT):
        y = act(x)
        d = act.derivative(x)
        v = act.vjp(x, g)
    np.testing.assert_allclose(y, ROW_LIMITS[name], rtol=1e-6 if dtype == np.float32 else 1e-14)
    assert np.all(np.isfinite(d)) and np.all(np.isfinite(v))


# -- dtypes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", NAMES)
def test_dtype_is_preserved(name, dtype):
    act = get(name)
    rng = np.random.default_rng(13)
    x = rng.normal(0, 3, (4, 5)).astype(dtype)
    g = rng.normal(size=x.shape).astype(dtype)
    y = act(x)
    outs = {
        "value": y,
        "derivative": act.derivative(x),
        "vjp": act.vjp(x, g),
        "forward_train": act.forward_train(x, rng),
    }
    outs["vjp_train"] = act.vjp_train(x, outs["forward_train"], g.copy())
    if act.output_derivative:
        outs["derivative_from_output"] = act.derivative_from_output(y)
    for what, r in outs.items():
        assert r.dtype == dtype, what
        assert r.shape == x.shape, what


# -- registry, parameters, metadata ----------------------------------------------------------
def test_every_name_and_alias_resolves():
    assert len(NAMES) == len(set(NAMES)) >= 37
    for key in names(include_aliases=True):
        act = get(key)
        assert isinstance(act, Activation)
        assert key == act.name or key in act.aliases
        assert key in NAMES or act.name in NAMES
    assert get("ReLU").name == "relu"
    assert get("leaky-relu").name == "leaky_relu"
    assert get("hard_silu").name == "hard_swish"
    assert get(None).name == "identity"
    assert get(acts.ELU, alpha=2.0) == acts.ELU(alpha=2.0)


@pytest.mark.parametrize("name", NAMES)
def test_get_passes_instances_through_and_config_round_trips(name):
    act = get(name)
    assert get(act) is act
    assert get(name, **act.get_config()) == act
    assert hash(get(name, **act.get_config())) == hash(act)
    assert type(act).__name__ in repr(act)


@pytest.mark.parametrize(("name", "params"), VARIANTS, ids=VARIANT_IDS)
def test_variant_config_round_trips(name, params):
    act = get(name, **params)
    assert act.get_config() == {**get(name).get_config(), **params}
    assert get(name, **act.get_config()) == act
    assert act != get(name)


@pytest.mark.parametrize(("typo", "closest"), [("rleu", "relu"), ("sigmod", "sigmoid")])
def test_unknown_name_suggests_closest(typo, closest):
    with pytest.raises(ValueError, match=f"Did you mean '{closest}'"):
        get(typo)


def test_get_rejects_non_names():
    with pytest.raises(TypeError):
        get(42)
    with pytest.raises(TypeError):
        get(get("relu"), alpha=1.0)


BAD_PARAMS = [
    ("elu", {"alpha": -1.0}, ValueError),
    ("elu", {"alpha": 0.0}, ValueError),
    ("elu", {"alpha": "1"}, TypeError),
    ("celu", {"alpha": 0.0}, ValueError),
    ("celu", {"alpha": -2.0}, ValueError),
    ("leaky_relu", {"negative_slope": math.nan}, ValueError),
    ("leaky_relu", {"negative_slope": True}, TypeError),
    ("prelu", {"alpha": INF}, ValueError),
    ("softshrink", {"lambd": -0.1}, ValueError),
    ("hardshrink", {"lambd": -1}, ValueError),
    ("rrelu", {"lower": 0.5, "upper": 0.2}, ValueError),
    ("rrelu", {"lower": -0.1}, ValueError),
    ("squareplus", {"b": -1.0}, ValueError),
    ("softplus", {"beta": 0.0}, ValueError),
    ("softplus", {"beta": -1.0}, ValueError),
    ("softplus", {"threshold": INF}, ValueError),
    ("hard_tanh", {"min_val": 1.0, "max_val": 1.0}, ValueError),
    ("swish", {"beta": 0.0}, ValueError),
    ("gelu", {"approximate": "erf"}, ValueError),
    ("gelu", {"approximate": None}, TypeError),
    ("threshold", {"value": INF}, ValueError),
    ("relu", {"alpha": 1.0}, TypeError),
    ("silu", {"beta": 2.0}, TypeError),
]


@pytest.mark.parametrize(("name", "params", "error"), BAD_PARAMS)
def test_bad_params_raise_naming_the_argument(name, params, error):
    with pytest.raises(error, match=next(iter(params))):
        get(name, **params)


GOOD_PARAMS = [
    ("leaky_relu", {"negative_slope": -0.5}),
    ("elu", {"alpha": 5}),
    ("softshrink", {"lambd": 0}),
    ("hardshrink", {"lambd": 0.0}),
    ("rrelu", {"lower": 0.2, "upper": 0.2}),
    ("squareplus", {"b": 0}),
    ("threshold", {"threshold": -3, "value": 7}),
]


@pytest.mark.parametrize(("name", "params"), GOOD_PARAMS)
def test_edge_params_accepted(name, params):
    act = get(name, **params)
    assert all(isinstance(v, float) for k, v in act.get_config().items() if k in params)


@pytest.mark.parametrize("name", NAMES)
def test_integer_and_bool_inputs_raise(name):
    act = get(name)
    for bad in (np.arange(6).reshape(2, 3), np.ones((2, 3), dtype=bool)):
        with pytest.raises(TypeError, match="float"):
            act(bad)
        with pytest.raises(TypeError, match="float"):
            act.derivative(bad)
        with pytest.raises(TypeError, match="float"):
            act.vjp(bad, np.ones((2, 3)))
        with pytest.raises(TypeError, match="grad"):
            act.vjp(np.ones((2, 3)), bad)
        if act.output_derivative:
            with pytest.raises(TypeError, match="float"):
                act.derivative_from_output(bad)


@pytest.mark.parametrize("name", NAMES)
def test_info_and_docs_are_complete(name):
    cls = type(get(name))
    info = cls.info
    assert isinstance(info, ActivationInfo)
    for field in ("formula", "output_range", "saturates", "initializer", "reference"):
        assert isinstance(getattr(info, field), str), field
    assert info.formula and info.output_range
    for field in ("zero_centred", "monotonic", "smooth", "bounded"):
        assert isinstance(getattr(info, field), bool), field
    assert info.saturates in {"none", "left", "right", "both"}
    assert info.initializer in {"he", "glorot", "lecun"}
    assert isinstance(cls.kinks, tuple) and all(isinstance(k, float) for k in cls.kinks)
    assert list(cls.kinks) == sorted(cls.kinks)
    assert cls.__doc__ and len(cls.__doc__) > 20
    assert cls.__name__ in acts.__all__


def test_facts_table_has_a_row_for_each_activation_and_nothing_else():
    assert sorted(FACTS) == NAMES
    for name in NAMES:
        # each class reads its own row, not one inherited from a parent (silu from swish)
        assert type(get(name)).info is FACTS[name], name


INITIALIZERS = {
    "he": [
        "relu", "leaky_relu", "prelu", "rrelu", "elu", "celu", "gelu",
        "silu", "swish", "mish", "relu6", "hard_swish",
    ],
    "glorot": ["sigmoid", "tanh", "softmax", "identity", "softsign", "arctan", "hard_tanh"],
    "lecun": ["selu"],
}  # fmt: skip


@pytest.mark.parametrize("initializer", sorted(INITIALIZERS))
def test_recommended_initializers(initializer):
    for name in INITIALIZERS[initializer]:
        assert get(name).info.initializer == initializer, name


# -- rrelu -----------------------------------------------------------------------------------
def test_rrelu_training_slopes_are_drawn_and_reused():
    act = get("rrelu")
    rng = np.random.default_rng(14)
    x = rng.normal(size=(40, 8))
    y = act.forward_train(x, np.random.default_rng(15))
    neg = x < 0
    slopes = y[neg] / x[neg]
    assert np.all((slopes >= act.lower) & (slopes <= act.upper))
    assert np.std(slopes) > 0.02  # one slope per entry, not a shared one
    np.testing.assert_array_equal(y[~neg], x[~neg])
    np.testing.assert_array_equal(y, act.forward_train(x, np.random.default_rng(15)))
    # the deterministic function uses the mean slope
    mean = (act.lower + act.upper) / 2
    np.testing.assert_allclose(act(x)[neg], mean * x[neg], rtol=1e-15)

    # vjp_train backpropagates through the drawn slopes: compare with finite
    # differences of the piecewise-linear function with those slopes held fixed
    a = np.ones_like(x)
    a[neg] = slopes
    g = rng.normal(size=x.shape)
    xs, h = fd_step(x)

    def fixed(z):
        return np.where(z > 0, z, a * z)

    fd = fd_derivative(fixed, xs, h)
    assert np.max(rel_err(act.vjp_train(x, y, g.copy()), g * fd)) < 1e-9


def test_rrelu_vjp_train_needs_matching_forward():
    act = get("rrelu")
    with pytest.raises(RuntimeError, match="forward_train"):
        act.vjp_train(np.ones(3), np.ones(3), np.ones(3))
    act.forward_train(np.ones(3), np.random.default_rng(0))
    with pytest.raises(ValueError, match="shape"):
        act.vjp_train(np.ones(4), np.ones(4), np.ones(4))
    with pytest.raises(TypeError):
        act.forward_train(np.arange(3), np.random.default_rng(0))
