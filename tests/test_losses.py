"""Tests of mlplab.losses: values, exact gradients, fused forms, weights, dtypes, errors."""

import numpy as np
import pytest

from mlplab import activations, losses

pytestmark = pytest.mark.filterwarnings("error")

NAMES = losses.names()
FUSED = [n for n in NAMES if losses.get(n).fused_activation is not None]
N_SAMPLES, N_OUTPUTS = 7, 3

# Output activations of the fused losses, for the checks not relying on the registry
# (the exponential activation may not exist yet).
REFERENCE_ACTIVATION = {
    "sigmoid": activations.sigmoid,
    "softmax": activations.softmax,
    "exponential": np.exp,
}


def make_data(name, rng, n=N_SAMPLES, k=N_OUTPUTS):
    """Valid (y_true, y_pred) for the loss `name`, away from kinks and clip bounds."""
    if name == "poisson":
        return rng.poisson(2.0, (n, k)).astype(float), rng.uniform(0.5, 4.0, (n, k))
    if name == "binary_crossentropy":
        return rng.integers(0, 2, (n, k)).astype(float), rng.uniform(0.05, 0.95, (n, k))
    if name == "categorical_crossentropy":
        y = np.eye(k)[rng.integers(0, k, n)]
        y[0] = [0.2, 0.5, 0.3][:k]  # a soft target too
        return y, rng.uniform(0.05, 0.95, (n, k))
    if name == "hinge":
        y = rng.integers(0, 2, (n, k)).astype(float)
        p = rng.uniform(-2.0, 2.0, (n, k))
        p[np.abs(np.abs(p) - 1) < 0.05] += 0.1  # away from the kink t p = 1
        return y, p
    y = rng.normal(size=(n, k))
    p = y + rng.choice([-1, 1], (n, k)) * rng.uniform(0.1, 2.5, (n, k))  # p - y away from 0
    return y, p


def make_logits(name, rng, n=N_SAMPLES, k=N_OUTPUTS):
    y, _ = make_data(name, rng, n, k)
    return y, rng.uniform(-2.0, 2.0, (n, k))


def weights(rng, n=N_SAMPLES):
    w = rng.uniform(0.0, 3.0, n)
    w[1] = 0.0
    return w


def finite_difference(f, x, h=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)


# -- gradients --------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name, weighted):
    rng = np.random.default_rng(0)
    loss = losses.get(name)
    y, p = make_data(name, rng)
    w = weights(rng) if weighted else None
    g = loss.gradient(y, p, w)
    assert g.shape == p.shape and g.dtype == p.dtype
    g_fd = finite_difference(lambda q: loss(y, q, w), p)
    assert relative_error(g, g_fd) < 1e-6
    if weighted:
        np.testing.assert_array_equal(g[1], 0)  # zero weight, zero gradient


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", FUSED)
def test_gradient_from_logits_matches_finite_differences(name, weighted):
    rng = np.random.default_rng(1)
    loss = losses.get(name)
    y, z = make_logits(name, rng)
    w = weights(rng) if weighted else None
    g = loss.gradient_from_logits(y, z, w)
    assert g.shape == z.shape and g.dtype == z.dtype
    g_fd = finite_difference(lambda q: loss.value_from_logits(y, q, w), z)
    assert relative_error(g, g_fd) < 1e-6


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", FUSED)
def test_value_from_logits_is_loss_of_activation(name, weighted):
    rng = np.random.default_rng(2)
    loss = losses.get(name)
    y, z = make_logits(name, rng)
    w = weights(rng) if weighted else None
    p = REFERENCE_ACTIVATION[loss.fused_activation](z)
    assert loss.value_from_logits(y, z, w) == pytest.approx(loss(y, p, w), rel=1e-12)
    # chain rule: d/dz loss(act(z)) = vjp of the activation applied to d/dp
    act = activations.get(loss.fused_activation)
    np.testing.assert_allclose(
        loss.gradient_from_logits(y, z, w), act.vjp(z, loss.gradient(y, p, w)), atol=1e-12
    )


@pytest.mark.parametrize("name", FUSED)
def test_fused_activation_is_a_registered_activation(name):
    fused = losses.get(name).fused_activation
    assert fused in activations.names()  # a canonical name, so the fast path finds it
    act = activations.get(fused)
    z = np.linspace(-2, 2, 6).reshape(2, 3)
    np.testing.assert_allclose(act(z), REFERENCE_ACTIVATION[fused](z), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(set(NAMES) - set(FUSED)))
def test_unfused_losses_have_no_logit_form(name):
    loss = losses.get(name)
    y, p = make_data(name, np.random.default_rng(0))
    with pytest.raises(NotImplementedError):
        loss.value_from_logits(y, p)
    with pytest.raises(NotImplementedError):
        loss.gradient_from_logits(y, p)


# -- numerical stability ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_finite_at_certain_probabilities(dtype):
    bce = losses.get("bce")
    y = np.array([[1.0, 0.0, 1.0, 0.0]])
    p = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    value = bce(y, p)
    eps = np.finfo(dtype).eps
    # two confidently wrong outputs at -log(eps) each, two right ones at -log(1 - eps)
    assert value == pytest.approx(-2 * np.log(eps) - 2 * np.log1p(-eps), rel=1e-5)
    g = bce.gradient(y, p)
    assert np.all(np.isfinite(g)) and g.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_from_huge_logits(dtype):
    bce = losses.get("binary_crossentropy")
    y = np.array([[1.0, 0.0, 1.0, 0.0]])
    z = np.array([[1e4, -1e4, -1e4, 1e4]], dtype=dtype)
    # right outputs cost log(1 + e^-1e4) = 0; wrong ones 1e4 each
    assert bce.value_from_logits(y, z) == pytest.approx(2e4)
    g = bce.gradient_from_logits(y, z)
    np.testing.assert_array_equal(g, [[0.0, 0.0, -1.0, 1.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_categorical_from_huge_logits(dtype):
    cce = losses.get("categorical_crossentropy")
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    z = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]], dtype=dtype)
    # sample 1 right (loss 0), sample 2: -log softmax_2 = 2e4; mean 1e4
    assert cce.value_from_logits(y, z) == pytest.approx(1e4)
    g = cce.gradient_from_logits(y, z)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [[0, 0, 0], [0.5, -0.5, 0]], atol=1e-30)
    # from probabilities at exact 0/1 too
    p = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], dtype=dtype)
    assert np.isfinite(cce(y, p)) and np.all(np.isfinite(cce.gradient(y, p)))


# -- sample weights and dtypes ------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_integer_weights_equal_repeated_rows(name):
    rng = np.random.default_rng(3)
    loss = losses.get(name)
    y, p = make_data(name, rng)
    w = np.array([1, 0, 2, 3, 1, 4, 2])
    yr, pr = np.repeat(y, w, axis=0), np.repeat(p, w, axis=0)
    assert loss(y, p, w) == pytest.approx(loss(yr, pr), rel=1e-12)
    # each row's gradient is the sum of its copies' gradients
    summed = np.zeros_like(p)
    np.add.at(summed, np.repeat(np.arange(len(w)), w), loss.gradient(yr, pr))
    np.testing.assert_allclose(loss.gradient(y, p, w), summed, rtol=1e-12, atol=1e-15)
    if loss.fused_activation is not None:
        y, z = make_logits(name, rng)
        zr, yr = np.repeat(z, w, axis=0), np.repeat(y, w, axis=0)
        assert loss.value_from_logits(y, z, w) == pytest.approx(
            loss.value_from_logits(yr, zr), rel=1e-12
        )
        summed = np.zeros_like(z)
        np.add.at(summed, np.repeat(np.arange(len(w)), w), loss.gradient_from_logits(yr, zr))
        np.testing.assert_allclose(
            loss.gradient_from_logits(y, z, w), summed, rtol=1e-12, atol=1e-15
        )


@pytest.mark.parametrize("name", NAMES)
def test_uniform_weights_equal_no_weights(name):
    rng = np.random.default_rng(4)
    loss = losses.get(name)
    y, p = make_data(name, rng)
    w = np.full(N_SAMPLES, 2.5)
    assert loss(y, p, w) == pytest.approx(loss(y, p), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y, p, w), loss.gradient(y, p), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(name, dtype):
    rng = np.random.default_rng(5)
    loss = losses.get(name)
    y, p = make_data(name, rng)
    y_int = y.astype(np.int64) if name in {"poisson", "hinge", "binary_crossentropy"} else y
    p32 = p.astype(dtype)
    w = weights(rng)
    value = loss(y_int, p32, w)
    assert isinstance(value, float)
    assert value == pytest.approx(loss(y, p32.astype(np.float64), w), rel=1e-5)
    assert loss.gradient(y_int, p32).dtype == dtype
    assert loss.gradient(y, p32, w).dtype == dtype
    if loss.fused_activation is not None:
        _, z = make_logits(name, rng)
        assert loss.gradient_from_logits(y_int, z.astype(dtype)).dtype == dtype
        assert loss.gradient_from_logits(y, z.astype(dtype), w).dtype == dtype
        assert isinstance(loss.value_from_logits(y, z.astype(dtype)), float)


def test_boolean_labels():
    y = np.array([[True], [False]])
    p = np.array([[0.8], [0.3]])
    bce = losses.get("bce")
    assert bce(y, p) == bce(y.astype(float), p)


# -- hand-computed values -------------------------------------------------------------------

Y = np.array([[1.0, 0.0], [0.0, 1.0]])
P = np.array([[0.8, 0.4], [0.5, 0.5]])

HAND = [
    # rows: mean((0.2², 0.4²)) = 0.1, mean((0.5², 0.5²)) = 0.25; mean 0.175
    ("squared_error", {}, Y, P, None, 0.175),
    # factor 0.5 (scikit-learn): 0.0875
    ("squared_error", {"factor": 0.5}, Y, P, None, 0.0875),
    # weights (1, 3): (0.1 + 3 * 0.25) / 4 = 0.2125
    ("squared_error", {}, Y, P, np.array([1, 3]), 0.2125),
    # rows: mean(0.2, 0.4) = 0.3, mean(0.5, 0.5) = 0.5; mean 0.4
    ("absolute_error", {}, Y, P, None, 0.4),
    # delta 0.3: |r| = 0.2 → 0.02; 0.4 → 0.3 (0.4 - 0.15) = 0.075; 0.5 → 0.3 · 0.35 = 0.105
    # rows: (0.02 + 0.075)/2 = 0.0475, 0.105; mean 0.07625
    ("huber", {"delta": 0.3}, Y, P, None, 0.07625),
    # delta 1: all quadratic, half the squared error: 0.0875
    ("huber", {}, Y, P, None, 0.0875),
    # y = (2, 0), p = (1, e): mean(1 - 2 log 1, e - 0) = (1 + e)/2 = 1.8591409
    ("poisson", {}, np.array([[2.0, 0.0]]), np.array([[1.0, np.e]]), None, (1 + np.e) / 2),
    # rows: -(log 0.8 + log 0.6) = 0.7339692, -(log 0.5 + log 0.5) = 1.3862944; mean 1.0601318
    ("binary_crossentropy", {}, Y, P, None, 1.0601317681000455),
    # rows: -log 0.8 = 0.2231436, -log 0.5 = 0.6931472; mean 0.4581454
    ("categorical_crossentropy", {}, Y, P, None, 0.45814536593707755),
    # t = (1, -1), (-1, 1); margins t p = (0.8, -0.4), (-0.5, 0.5)
    # rows: mean(0.2, 1.4) = 0.8, mean(1.5, 0.5) = 1.0; mean 0.9
    ("hinge", {}, Y, P, None, 0.9),
    # the same with {-1, 1} labels
    ("hinge", {}, 2 * Y - 1, P, None, 0.9),
]


@pytest.mark.parametrize(("name", "params", "y", "p", "w", "expected"), HAND)
def test_hand_computed_value(name, params, y, p, w, expected):
    assert losses.get(name, **params)(y, p, w) == pytest.approx(expected, rel=1e-12)


def test_every_loss_has_a_hand_computed_value():
    assert {case[0] for case in HAND} == set(NAMES)


HAND_LOGITS = [
    # z = (0, log 3): mean(1 - 0, 3 - 2 log 3) = (4 - 2 log 3)/2 = 0.9013877
    ("poisson", np.array([[1.0, 2.0]]), np.array([[0.0, np.log(3)]]), 2 - np.log(3)),
    # softplus(0) = log 2 for both outputs, minus y z = 0: 2 log 2
    ("binary_crossentropy", np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]), 2 * np.log(2)),
    # z = (log 3, 0): softmax = (3/4, 1/4); -log(3/4) = 0.2876821
    ("categorical_crossentropy", np.array([[1, 0]]), np.array([[np.log(3), 0.0]]), np.log(4 / 3)),
]


@pytest.mark.parametrize(("name", "y", "z", "expected"), HAND_LOGITS)
def test_hand_computed_value_from_logits(name, y, z, expected):
    assert losses.get(name).value_from_logits(y, z) == pytest.approx(expected, rel=1e-12)


def test_subgradient_conventions():
    y = np.array([[1.0, 0.0]])
    # absolute error: 0 where p == y
    np.testing.assert_array_equal(losses.get("mae").gradient(y, y.copy()), [[0.0, 0.0]])
    # hinge: 0 at the kink t p == 1, -t/k inside the margin
    p = np.array([[1.0, 0.0]])
    np.testing.assert_array_equal(losses.get("hinge").gradient(y, p), [[0.0, 0.5]])


# -- registry and errors ----------------------------------------------------------------------


def test_registry():
    assert set(NAMES) == {
        "squared_error",
        "absolute_error",
        "huber",
        "poisson",
        "binary_crossentropy",
        "categorical_crossentropy",
        "hinge",
    }
    for alias, name in [
        ("mse", "squared_error"),
        ("mae", "absolute_error"),
        ("bce", "binary_crossentropy"),
        ("binary_log_loss", "binary_crossentropy"),
        ("cross_entropy", "categorical_crossentropy"),
        ("log_loss", "categorical_crossentropy"),
        ("Log-Loss", "categorical_crossentropy"),
    ]:
        assert losses.get(alias) == losses.get(name)
    assert set(losses.names(include_aliases=True)) > set(NAMES)
    huber = losses.get("huber", delta=0.5)
    assert losses.get(huber) is huber
    assert repr(huber) == "Huber(delta=0.5)"
    assert losses.get("huber", **huber.get_config()) == huber
    assert losses.get(losses.Huber, delta=0.5) == huber
    assert {losses.get(n).fused_activation for n in FUSED} == {
        "sigmoid",
        "softmax",
        "exponential",
    }


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"unknown loss 'hubber'.*'huber'"):
        losses.get("hubber")
    with pytest.raises(TypeError, match="loss"):
        losses.get(None)
    with pytest.raises(TypeError, match="params"):
        losses.get(losses.get("mse"), factor=2.0)


@pytest.mark.parametrize(
    ("name", "params", "argname"),
    [("huber", {"delta": 0}, "delta"), ("squared_error", {"factor": -1.0}, "factor")],
)
def test_bad_params(name, params, argname):
    with pytest.raises(ValueError, match=argname):
        losses.get(name, **params)


@pytest.mark.parametrize(
    ("name", "method"),
    [(n, m) for n in NAMES for m in ("__call__", "gradient")]
    + [(n, m) for n in FUSED for m in ("value_from_logits", "gradient_from_logits")],
)
def test_bad_inputs(name, method):
    loss = losses.get(name)
    f = getattr(loss, method)
    pred = "z" if "logits" in method else "y_pred"
    y, p = make_data(name, np.random.default_rng(6))
    with pytest.raises(ValueError, match=rf"y_true.*{pred}.*\(7, 3\).*\(7, 2\)"):
        f(y, p[:, :2])
    with pytest.raises(ValueError, match=r"y_true.*\(1, 3\)"):
        f(y[:1], p)  # no broadcasting
    with pytest.raises(ValueError, match="2-D"):
        f(y[:, 0], p[:, 0])
    with pytest.raises(TypeError, match=pred):
        f(y, p.astype(np.int64))
    y_nan = y.copy()
    y_nan[2, 1] = np.nan
    with pytest.raises(ValueError, match="y_true"):
        f(y_nan, p)
    for bad_w in [np.r_[-1.0, np.ones(6)], np.ones(6), np.zeros(7), np.r_[np.nan, np.ones(6)]]:
        with pytest.raises(ValueError, match="sample_weight"):
            f(y, p, bad_w)
    with pytest.raises(TypeError, match="sample_weight"):
        f(y, p, np.ones(7, dtype=bool))


def test_loss_specific_checks():
    with pytest.raises(ValueError, match="y_true"):
        losses.get("poisson")(np.array([[-1.0]]), np.array([[1.0]]))
    with pytest.raises(ValueError, match="y_pred"):
        losses.get("poisson")(np.array([[1.0]]), np.array([[0.0]]))
    with pytest.raises(ValueError, match="y_true"):
        losses.get("hinge")(np.array([[0.0, 2.0]]), np.array([[1.0, 1.0]]))
    with pytest.raises(ValueError, match="y_true"):
        losses.get("hinge")(np.array([[-1.0, 0.0]]), np.array([[1.0, 1.0]]))


@pytest.mark.parametrize("weighted", [False, True])
def test_sklearns_multi_output_squared_error(weighted):
    """The estimators' private loss: the value averages over the outputs, the gradient is
    that of the sum over them (scikit-learn's MLPRegressor), k times the value's own."""
    rng = np.random.default_rng(5)
    y, p = rng.normal(size=(N_SAMPLES, 3)), rng.normal(size=(N_SAMPLES, 3))
    w = weights(rng) if weighted else None
    loss = losses._MeanValueSummedGradient(3)
    mean_w = np.ones(N_SAMPLES) / N_SAMPLES if w is None else w / w.sum()
    assert loss(y, p, w) == pytest.approx(0.5 * np.sum(mean_w[:, None] * (y - p) ** 2) / 3)
    numeric = finite_difference(lambda q: loss(y, q, w), p)
    np.testing.assert_allclose(loss.gradient(y, p, w), 3 * numeric, rtol=1e-6, atol=1e-10)
    assert loss == losses._MeanValueSummedGradient(3) != losses._MeanValueSummedGradient(2)
    # private: the catalog's "squared_error" is still the consistent loss
    assert type(losses.get("squared_error")) is losses.SquaredError
