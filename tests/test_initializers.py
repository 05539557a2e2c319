"""Tests of mlplab.initializers: distributions, seeding, dtypes, registry and errors."""

import numpy as np
import pytest
from scipy import stats

from mlplab import activations, initializers
from mlplab.activations import Activation, ActivationInfo
from mlplab.initializers import VarianceScaling

pytestmark = pytest.mark.filterwarnings("error")

SHAPE = (400, 300)  # fan_in m = 400, fan_out n = 300: 120k samples
M, N = SHAPE

RANDOM = [n for n in initializers.names() if n not in {"zeros", "ones", "constant"}]

# Expected distribution of every variance-scaling member for SHAPE (course table).
_TN = stats.truncnorm(-2, 2)  # standard normal cut at ±2 std


def _uniform(limit):
    return stats.uniform(loc=-limit, scale=2 * limit)


def _truncnorm_with_var(var):
    return stats.truncnorm(-2, 2, scale=np.sqrt(var) / _TN.std())


VARIANCE_SCALING = {
    "glorot_uniform": _uniform(np.sqrt(6 / (M + N))),
    "glorot_normal": stats.norm(scale=np.sqrt(2 / (M + N))),
    "he_uniform": _uniform(np.sqrt(6 / M)),
    "he_normal": stats.norm(scale=np.sqrt(2 / M)),
    "lecun_uniform": _uniform(np.sqrt(3 / M)),
    "lecun_normal": stats.norm(scale=np.sqrt(1 / M)),
    "variance_scaling": stats.norm(scale=np.sqrt(1 / M)),  # defaults: 1, fan_in, normal
}

# (initializer, expected scipy distribution of its entries for SHAPE)
CASES = [
    *[(initializers.get(name), dist) for name, dist in VARIANCE_SCALING.items()],
    (VarianceScaling(2.0, "fan_out", "truncated_normal"), _truncnorm_with_var(2 / N)),
    (VarianceScaling(0.5, "fan_avg", "uniform"), _uniform(np.sqrt(3 * 0.5 / ((M + N) / 2)))),
    (VarianceScaling(3.0, "fan_in", "truncated_normal"), _truncnorm_with_var(3 / M)),
    (initializers.get("normal"), stats.norm(scale=0.05)),
    (initializers.get("normal", mean=0.3, std=0.2), stats.norm(loc=0.3, scale=0.2)),
    (initializers.get("uniform"), stats.uniform(loc=-0.05, scale=0.1)),
    (initializers.get("uniform", low=-0.1, high=0.3), stats.uniform(loc=-0.1, scale=0.4)),
    # variance std² · 0.7737... after truncation at ±2 std
    (initializers.get("truncated_normal"), stats.truncnorm(-2, 2, scale=0.05)),
    (
        initializers.get("truncated_normal", mean=0.1, std=0.2),
        stats.truncnorm(-2, 2, loc=0.1, scale=0.2),
    ),
]


def test_every_variance_scaling_member_has_an_expected_distribution():
    members = {n for n in initializers.names() if isinstance(initializers.get(n), VarianceScaling)}
    assert members == set(VARIANCE_SCALING)


@pytest.mark.parametrize(("init", "dist"), CASES, ids=[repr(c[0]) for c in CASES])
def test_mean_and_variance_match_the_formula(init, dist):
    w = init(SHAPE, rng=0)
    assert w.shape == SHAPE and w.dtype == np.float64
    n = w.size
    mean, var = dist.mean(), dist.var()
    excess_kurtosis = float(dist.stats(moments="k"))
    se_mean = np.sqrt(var / n)
    # Var of the sample variance ≈ (mu4 - σ⁴)/n = σ⁴ (kurtosis + 2)/n
    se_var = var * np.sqrt((excess_kurtosis + 2) / n)
    assert abs(w.mean() - mean) < 5 * se_mean
    assert abs(w.var() - var) < 5 * se_var
    # the support is respected (uniform bounds, truncation at ±2 std)
    lo, hi = dist.support()
    assert lo <= w.min() and w.max() <= hi


def test_truncated_normal_variance_factor():
    assert _TN.var() == pytest.approx(0.7737413, abs=1e-7)
    assert initializers._TRUNC_STD == pytest.approx(_TN.std(), rel=1e-12)


def test_fans_override_the_shape():
    w = initializers.get("he_normal")(SHAPE, rng=1, fans=(100, 7))
    var = 2 / 100
    assert abs(w.var() - var) < 5 * var * np.sqrt(2 / w.size)


def test_compute_fans():
    assert initializers.compute_fans((5,)) == (5, 5)
    assert initializers.compute_fans((5, 3)) == (5, 3)
    assert initializers.compute_fans((2, 4, 5, 3)) == (40, 24)


@pytest.mark.parametrize("shape", [(400, 300), (300, 400), (50, 50), (4, 3, 5)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    w = initializers.get("orthogonal", gain=gain)(shape, rng=3)
    assert w.shape == shape
    q = w.reshape(-1, shape[-1])
    gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-10)


def test_orthogonal_refuses_a_vector():
    with pytest.raises(ValueError, match="orthogonal"):
        initializers.get("orthogonal")((5,))


@pytest.mark.parametrize(
    ("name", "params", "value"), [("zeros", {}, 0.0), ("ones", {}, 1.0), ("constant", {}, 0.0)]
)
def test_constants(name, params, value):
    w = initializers.get(name, **params)((3, 2), rng=0)
    np.testing.assert_array_equal(w, np.full((3, 2), value))


def test_constant_value():
    np.testing.assert_array_equal(initializers.get("constant", value=-0.5)((2,)), [-0.5, -0.5])


@pytest.mark.parametrize("name", RANDOM)
def test_seeding(name):
    init = initializers.get(name)
    a = init((20, 10), rng=42)
    np.testing.assert_array_equal(a, init((20, 10), rng=42))
    assert not np.array_equal(a, init((20, 10), rng=43))
    # a Generator is used as passed, and advances
    g = np.random.default_rng(42)
    np.testing.assert_array_equal(init((20, 10), rng=g), a)
    assert not np.array_equal(init((20, 10), rng=g), a)


@pytest.mark.parametrize("name", RANDOM)
def test_no_global_random_state(name):
    # the legacy global state is touched on purpose: it must not matter
    init = initializers.get(name)
    saved = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(0)  # noqa: NPY002
        a = init((20, 10))
        np.random.seed(0)  # noqa: NPY002
        b = init((20, 10))
        assert not np.array_equal(a, b)  # fresh entropy, not the global seed
        before = np.random.get_state()  # noqa: NPY002
        init((20, 10), rng=1)
        after = np.random.get_state()  # noqa: NPY002
        assert before[0] == after[0] and before[2:] == after[2:]
        np.testing.assert_array_equal(before[1], after[1])
    finally:
        np.random.set_state(saved)  # noqa: NPY002


@pytest.mark.parametrize("name", initializers.names())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype(name, dtype):
    w = initializers.get(name)((30, 20), rng=0, dtype=dtype)
    assert w.dtype == dtype and w.shape == (30, 20)
    assert np.all(np.isfinite(w))


def test_float32_values_are_the_cast_float64_values():
    init = initializers.get("glorot_uniform")
    np.testing.assert_array_equal(
        init((5, 4), rng=0, dtype=np.float32), init((5, 4), rng=0).astype(np.float32)
    )


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu", "he_uniform"),
        ("tanh", "glorot_uniform"),
        ("sigmoid", "glorot_uniform"),
        ("softmax", "glorot_uniform"),
        ("identity", "glorot_uniform"),
        (None, "glorot_uniform"),
    ],
)
def test_auto(activation, expected):
    assert initializers.get("auto", activation=activation) == initializers.get(expected)
    assert initializers.for_activation(activation) == initializers.get(expected)


@pytest.mark.parametrize(
    ("family", "expected"),
    [("he", "he_uniform"), ("glorot", "glorot_uniform"), ("lecun", "lecun_normal")],
)
def test_auto_families(family, expected):
    class Fake(Activation):  # no name: not registered
        info = ActivationInfo("x", "", True, True, True, "none", False, family, "")

    assert initializers.get("auto", activation=Fake()) == initializers.get(expected)


@pytest.mark.parametrize("name", activations.names())
def test_auto_for_every_activation(name):
    assert isinstance(initializers.for_activation(name), initializers.Initializer)


def test_activation_is_ignored_for_a_named_initializer():
    assert initializers.get("he_normal", activation="tanh") == initializers.get("he_normal")


def test_registry():
    names = initializers.names()
    for expected in ["zeros", "ones", "constant", "normal", "uniform", "truncated_normal"]:
        assert expected in names
    assert set(initializers.names(include_aliases=True)) >= {"xavier_uniform", "kaiming_normal"}
    assert initializers.get("xavier_uniform") == initializers.get("glorot_uniform")
    assert initializers.get("Kaiming-Normal") == initializers.get("he_normal")
    init = initializers.get("normal", std=0.1)
    assert initializers.get(init) is init
    assert initializers.get(initializers.Normal, std=0.1) == init
    assert repr(init) == "Normal(mean=0.0, std=0.1)"
    assert initializers.get(**{"initializer": "normal", **init.get_config()}) == init


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"unknown initializer 'he_normol'.*'he_normal'"):
        initializers.get("he_normol")


@pytest.mark.parametrize(
    ("name", "params", "argname"),
    [
        ("normal", {"std": 0}, "std"),
        ("normal", {"std": -1.0}, "std"),
        ("normal", {"mean": float("nan")}, "mean"),
        ("truncated_normal", {"std": 0.0}, "std"),
        ("uniform", {"low": 1.0, "high": 0.0}, "low"),
        ("uniform", {"low": 0.5, "high": 0.5}, "low"),
        ("orthogonal", {"gain": 0}, "gain"),
        ("variance_scaling", {"scale": -2}, "scale"),
        ("variance_scaling", {"mode": "fan"}, "mode"),
        ("variance_scaling", {"distribution": "gaussian"}, "distribution"),
        ("constant", {"value": float("inf")}, "value"),
    ],
)
def test_bad_params(name, params, argname):
    with pytest.raises(ValueError, match=argname):
        initializers.get(name, **params)


@pytest.mark.parametrize("shape", [(0, 3), (-1,), (), (2.5, 3), (True, 2)])
def test_bad_shape(shape):
    with pytest.raises(ValueError, match="shape"):
        initializers.get("he_uniform")(shape)


@pytest.mark.parametrize("fans", [(0, 3), (3,), (2.0, 3)])
def test_bad_fans(fans):
    with pytest.raises(ValueError, match="fans"):
        initializers.get("he_uniform")((3, 4), fans=fans)


def test_bad_dtype_and_types():
    with pytest.raises(TypeError, match="dtype"):
        initializers.get("zeros")((3,), dtype=np.int64)
    with pytest.raises(TypeError, match="std"):
        initializers.get("normal", std="1")
    with pytest.raises(TypeError, match="initializer"):
        initializers.get(3)
    with pytest.raises(TypeError, match="params"):
        initializers.get(initializers.get("zeros"), value=1)
    with pytest.raises(TypeError):
        initializers.get("he_normal", scale=3.0)
