"""Layers, the Sequential network, backpropagation and the public gradient check."""

import zlib

import numpy as np
import pytest

import mlplab
from mlplab import activations, losses
from mlplab.layers import Activation, BatchNorm, Dense, Dropout, Maxout, PReLU
from mlplab.network import Sequential, mlp

pytestmark = pytest.mark.filterwarnings("error")

# The output activation and targets that go with each loss.
LOSS_SETUPS = {
    "squared_error": ("identity", "real"),
    "absolute_error": ("identity", "real"),
    "huber": ("identity", "real"),
    "poisson": ("exponential", "counts"),
    "binary_crossentropy": ("sigmoid", "binary"),
    "categorical_crossentropy": ("softmax", "onehot"),
    "hinge": ("identity", "binary"),
}


def _targets(kind: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "counts":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    if kind == "binary":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return np.eye(k)[rng.integers(0, k, size=n)]


def test_loss_setups_cover_every_loss():
    assert set(LOSS_SETUPS) == set(losses.names())


def _away_from_kinks(net, rng: np.random.Generator) -> np.ndarray:
    """Inputs whose hidden pre-activations lie > 1e-3 from any kink of the activation.

    Finite differences straddling a kink measure neither one-sided derivative, so a
    sample that lands within a step of one would make the check fail for no fault
    of backpropagation.
    """
    dense, act = net.layers[0], net.layers[1].function
    for _ in range(1000):
        X = rng.normal(size=(7, 3))
        u = X @ dense.params[0] + dense.params[1]
        if all(np.abs(u - k).min() > 1e-3 for k in act.kinks):
            return X
    raise AssertionError("could not draw inputs away from the kinks")


@pytest.mark.parametrize("loss", sorted(LOSS_SETUPS))
@pytest.mark.parametrize("hidden", activations.names())
def test_gradient_check_every_activation_and_loss(hidden, loss):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}-{loss}".encode()))
    out_act, kind = LOSS_SETUPS[loss]
    net = mlp([3, 5, 3], hidden, out_act, random_state=rng)
    X = _away_from_kinks(net, rng)
    y = _targets(kind, 7, 3, rng)
    errors = mlplab.gradient_check(net, loss, X, y)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize(
    "layers",
    [
        [Dense(4), PReLU(), Dense(2)],
        [Dense(4), PReLU(shared=True), Dense(2)],
        [Maxout(3, pieces=3), Dense(2)],
        [Dense(5), BatchNorm(), Activation("tanh"), Dense(2)],
        [Dense(5), Activation("relu"), Dropout(0.4), Dense(2)],
        [Dense(6), BatchNorm(), Activation("elu"), Dropout(0.3), Maxout(4), PReLU(), Dense(2)],
        [Dense(5), Activation("rrelu"), Dense(2)],
    ],
    ids=["prelu", "prelu-shared", "maxout", "batchnorm", "dropout", "all", "rrelu"],
)
def test_gradient_check_special_layers(layers):
    rng = np.random.default_rng(1)
    net = Sequential([*layers, Activation("softmax")], 3, random_state=2)
    X = rng.normal(size=(9, 3))
    y = np.eye(2)[rng.integers(0, 2, 9)]
    errors = mlplab.gradient_check(net, "categorical_crossentropy", X, y, l2=0.3)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_penalties_and_sample_weights():
    rng = np.random.default_rng(3)
    net = mlp([4, 6, 2], "tanh", random_state=0)
    X, y = rng.normal(size=(10, 4)), rng.normal(size=(10, 2))
    w = rng.uniform(0.1, 2.0, size=10)
    errors = mlplab.gradient_check(net, "squared_error", X, y, sample_weight=w, l2=0.7, l1=0.2)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_detects_a_wrong_gradient():
    """The check can fail: break the backward pass of one layer and it notices."""
    rng = np.random.default_rng(0)
    net = mlp([3, 4, 1], "tanh", random_state=0)
    dense = net.layers[0]
    original = dense.backward

    def wrong_backward(grad):
        out = original(grad)
        dense.grads[0] *= 1.01
        return out

    dense.backward = wrong_backward
    errors = mlplab.gradient_check(net, "squared_error", rng.normal(size=(5, 3)), np.ones((5, 1)))
    assert errors["0.weight"] > 1e-3
    assert errors["2.weight"] < 1e-6


def test_course_2_2_1_example_by_hand():
    """The course's backpropagation example, one sample, sigmoid units, J = e² = (d − y)².

    x = (1, 0.5), d = 1; W¹[i, j] is the weight from input i to hidden node j.
    u¹ = x W¹ + b¹ = (1·0.1 + 0.5·0.2 + 0.05, 1·(−0.3) + 0.5·0.4 − 0.05) = (0.25, −0.15)
    y¹ = σ(u¹) = (0.5621765, 0.4625702)
    u² = 0.5·0.5621765 − 0.6·0.4625702 + 0.1 = 0.1035462,  y² = σ(u²) = 0.5258634
    δ² = −2 (d − y²) σ′(u²) = −2 · 0.4741366 · 0.5258634 · 0.4741366 = −0.2364340
    δ¹ = F′(u¹) (W²)ᵀ δ² = (0.2461341 · 0.5, 0.2485990 · (−0.6)) · (−0.2364340)
       = (−0.0290972, 0.0352664)
    ∂J/∂W¹ = x ⊗ δ¹: row x₁ = 1 → (−0.0290972, 0.0352664), row x₂ = 0.5 → half of it
    ∂J/∂W² = y¹ δ² = (−0.1329176, −0.1093673), ∂J/∂b² = δ² = −0.2364340
    """
    net = mlp([2, 2, 1], "sigmoid", "sigmoid")
    W1, b1, W2, b2 = net.params
    W1[...] = [[0.1, -0.3], [0.2, 0.4]]
    b1[...] = [0.05, -0.05]
    W2[...] = [[0.5], [-0.6]]
    b2[...] = [0.1]
    x, d = np.array([[1.0, 0.5]]), np.array([[1.0]])
    J, (gW1, gb1, gW2, gb2) = net.loss_and_gradients(x, d, "squared_error")
    assert J == pytest.approx(0.4741366**2, abs=1e-7)
    np.testing.assert_allclose(gW1, [[-0.0290972, 0.0352664], [-0.0145486, 0.0176332]], atol=1e-7)
    np.testing.assert_allclose(gb1, [-0.0290972, 0.0352664], atol=1e-7)
    np.testing.assert_allclose(gW2, [[-0.1329176], [-0.1093673]], atol=1e-7)
    np.testing.assert_allclose(gb2, [-0.2364340], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_end_to_end(dtype):
    rng = np.random.default_rng(0)
    net = mlp([4, 8, 8, 3], ["elu", "gelu"], "softmax", batch_norm=True, dropout=0.2, dtype=dtype)
    X = rng.normal(size=(16, 4)).astype(dtype)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 16)]
    assert all(p.dtype == dtype for p in net.params)
    assert net.forward(X).dtype == dtype
    assert net.forward(X, training=True).dtype == dtype
    _, grads = net.loss_and_gradients(X, y, "categorical_crossentropy", l2=0.1)
    assert all(g.dtype == dtype for g in grads)


def test_pack_unpack_round_trip_and_named_parameters():
    net = mlp([3, 4, 2], "relu", random_state=0)
    vec = net.pack()
    assert vec.shape == (net.n_params,) == (3 * 4 + 4 + 4 * 2 + 2,)
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    net.unpack(vec * 2)
    np.testing.assert_array_equal(net.pack(), vec * 2)
    with pytest.raises(ValueError, match="vector must have shape"):
        net.unpack(vec[:-1])


def test_same_seed_same_weights_and_initializer_auto():
    a = mlp([5, 7, 1], "relu", random_state=4)
    b = mlp([5, 7, 1], "relu", random_state=4)
    for p, q in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(p, q)
    # He uniform for relu: bound sqrt(6 / fan_in); Glorot uniform for the identity output.
    assert np.abs(a.params[0]).max() <= np.sqrt(6 / 5)
    assert np.abs(a.params[2]).max() <= np.sqrt(6 / (7 + 1))


def test_training_buffers_do_not_leak_into_inference_results():
    rng = np.random.default_rng(0)
    net = mlp([3, 4, 2], "relu", random_state=0)
    X1, X2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    first = net.forward(X1)
    kept = first.copy()
    net.forward(X2, training=True)
    net.forward(X2)
    np.testing.assert_array_equal(first, kept)


def test_dropout_is_inverted_and_off_at_inference():
    layer = Dropout(0.5)
    layer.build(1000, np.random.default_rng(0), np.float64)
    x = np.ones((200, 1000))
    np.testing.assert_array_equal(layer.forward(x), x)
    out = layer.forward(x, training=True)
    assert set(np.unique(out)) == {0.0, 2.0}
    assert out.mean() == pytest.approx(1.0, abs=0.01)


def test_batchnorm_normalizes_in_training_and_uses_running_stats_after():
    rng = np.random.default_rng(0)
    layer = BatchNorm(momentum=1.0)
    layer.build(3, rng, np.float64)
    x = rng.normal(5.0, 3.0, size=(500, 3))
    out = layer.forward(x, training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-4)
    # With momentum 1 the running stats are the last batch's (unbiased variance).
    np.testing.assert_allclose(layer.running_mean, x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, x.var(axis=0, ddof=1))
    np.testing.assert_allclose(layer.forward(x), out, atol=1e-2)


def test_maxout_takes_the_max_piece():
    layer = Maxout(2, pieces=3)
    layer.build(2, np.random.default_rng(0), np.float64)
    x = np.random.default_rng(1).normal(size=(4, 2))
    z = (x @ layer.params[0] + layer.params[1]).reshape(4, 2, 3)
    np.testing.assert_array_equal(layer.forward(x), z.max(axis=2))


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.ones((4, 2)), ValueError, "3 were expected"),
        (np.ones(3), ValueError, "must be 2-D"),
        (np.ones((4, 3), dtype=int), TypeError, "float32 or float64"),
        (np.ones((4, 3), dtype=bool), TypeError, "float32 or float64"),
        (np.array([[1.0, np.nan, 0.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf, 0.0]]), ValueError, "NaN or infinity"),
        (np.ones((4, 3), dtype=np.float32), TypeError, "cast it explicitly"),
    ],
)
def test_bad_input_names_the_argument(X, error, match):
    net = mlp([3, 4, 1], random_state=0)
    with pytest.raises(error, match=match):
        net.forward(X)


def test_bad_targets_and_parameters():
    net = mlp([3, 4, 2], random_state=0)
    X = np.ones((5, 3))
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss_and_gradients(X, np.ones((5, 1)), "squared_error")
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss_and_gradients(X, np.ones(5), "squared_error")
    with pytest.raises(ValueError, match="rate must be in"):
        Dropout(-0.1)
    with pytest.raises(ValueError, match="units must be"):
        Dense(0)
    with pytest.raises(ValueError, match="layer_sizes"):
        mlp([3, 0, 1])
    with pytest.raises(ValueError, match="hidden_activation has 1 entries"):
        mlp([3, 4, 4, 1], ["relu"])
    with pytest.raises(ValueError, match="unknown activation"):
        mlp([3, 4, 1], "rellu")
    with pytest.raises(TypeError, match="layers\\[1\\] must be a Layer"):
        Sequential([Dense(2), "relu"])
    with pytest.raises(TypeError, match="float32 or float64"):
        mlp([3, 1], dtype=np.int32)
