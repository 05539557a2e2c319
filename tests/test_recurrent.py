"""SimpleRNN: backpropagation through time, truncation, and the network and trainer around it."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from mlplab import activations, optimizers
from mlplab.callbacks import Checkpoint
from mlplab.gradient_check import gradient_check
from mlplab.initializers import Orthogonal
from mlplab.layers import Activation, BatchNorm, Dense, Dropout, SimpleRNN
from mlplab.network import Sequential
from mlplab.training import DivergenceWarning, Trainer

pytestmark = pytest.mark.filterwarnings("error")

ELEMENTWISE = [n for n in activations.names() if activations.get(n).elementwise]
ROW_WISE = [n for n in activations.names() if not activations.get(n).elementwise]


# -- a reference written out in plain NumPy --------------------------------------------


def reference_states(x, Wx, Wh, b, f, start=0, stop=None, h=None):
    """h_t = f(x_t Wx + h_{t-1} Wh + b) for steps start .. stop - 1 (0-based), from `h`.

    Returns the list of states (batch-major x of shape (n, T, F)); `h` None is h = 0.
    """
    stop = x.shape[1] if stop is None else stop
    h = np.zeros((x.shape[0], Wh.shape[0])) if h is None else h
    out = []
    for t in range(start, stop):
        h = f(x[:, t] @ Wx + h @ Wh + b)
        out.append(h)
    return out


def built_layer(units, n_in, seed=0, dtype=np.float64, scale=0.6, **kwargs):
    layer = SimpleRNN(units, **kwargs)
    layer.build(n_in, np.random.default_rng(seed), np.dtype(dtype))
    # Random, not-too-small parameters (a zero bias would put relu-like units on their kink).
    rng = np.random.default_rng(seed + 100)
    for p in layer.params:
        p[...] = rng.normal(0.0, scale, p.shape)
    return layer


def central_difference(fun, array, eps=1e-6):
    """∂fun/∂array by the five-point stencil, entry by entry (array modified, restored)."""
    grad = np.empty(array.shape)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        values = []
        for step in (-2, -1, 1, 2):
            flat[i] = old + step * eps
            values.append(fun())
        flat[i] = old
        out[i] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * eps)
    return grad


def assert_close(analytic, numeric, rtol=1e-5, atol=1e-7):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


# -- two steps by hand ----------------------------------------------------------------------


@pytest.mark.parametrize("return_sequences", [False, True])
def test_two_steps_unrolled_by_hand(return_sequences):
    rng = np.random.default_rng(1)
    layer = built_layer(3, 2, return_sequences=return_sequences)
    Wx, Wh, b = (p.copy() for p in layer.params)
    x = rng.normal(size=(4, 2, 2))
    x1, x2 = x[:, 0], x[:, 1]
    # Forward, written out: h0 = 0, h1 = tanh(x1 Wx + b), h2 = tanh(x2 Wx + h1 Wh + b).
    h1 = np.tanh(x1 @ Wx + b)
    h2 = np.tanh(x2 @ Wx + h1 @ Wh + b)
    out = layer.forward(x, training=True)
    if return_sequences:
        np.testing.assert_allclose(out, np.stack([h1, h2], axis=1), rtol=1e-14)
        g = rng.normal(size=(4, 2, 3))
        g1, g2 = g[:, 0], g[:, 1]
    else:
        np.testing.assert_allclose(out, h2, rtol=1e-14)
        g = rng.normal(size=(4, 3))
        g1, g2 = np.zeros((4, 3)), g
    # Backward, written out: tanh' = 1 - h²; δ2 = g2 ⊙ (1 - h2²), δ1 = (g1 + δ2 Whᵀ) ⊙ (1 - h1²).
    d2 = g2 * (1 - h2**2)
    d1 = (g1 + d2 @ Wh.T) * (1 - h1**2)
    dx = layer.backward(g)
    np.testing.assert_allclose(layer.grads[0], x1.T @ d1 + x2.T @ d2, rtol=1e-12)
    np.testing.assert_allclose(layer.grads[1], h1.T @ d2, rtol=1e-12)  # h0 = 0 adds nothing
    np.testing.assert_allclose(layer.grads[2], d1.sum(0) + d2.sum(0), rtol=1e-12)
    np.testing.assert_allclose(dx, np.stack([d1 @ Wx.T, d2 @ Wx.T], axis=1), rtol=1e-12)
    np.testing.assert_allclose(layer.initial_state_gradient, d1 @ Wh.T, rtol=1e-12)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_two_steps_truncated_to_one_step_by_hand(return_sequences):
    rng = np.random.default_rng(2)
    layer = built_layer(3, 2, return_sequences=return_sequences, bptt_steps=1)
    Wx, Wh, b = (p.copy() for p in layer.params)
    x = rng.normal(size=(4, 2, 2))
    x1, x2 = x[:, 0], x[:, 1]
    h1 = np.tanh(x1 @ Wx + b)
    h2 = np.tanh(x2 @ Wx + h1 @ Wh + b)
    layer.forward(x, training=True)
    g = rng.normal(size=(4, 2, 3)) if return_sequences else rng.normal(size=(4, 3))
    g1, g2 = (g[:, 0], g[:, 1]) if return_sequences else (np.zeros((4, 3)), g)
    # One step: each output's error stops at its own step; h1 is a constant for h2.
    d2 = g2 * (1 - h2**2)
    d1 = g1 * (1 - h1**2)
    dx = layer.backward(g)
    np.testing.assert_allclose(layer.grads[0], x1.T @ d1 + x2.T @ d2, rtol=1e-12)
    np.testing.assert_allclose(layer.grads[1], h1.T @ d2, rtol=1e-12)
    np.testing.assert_allclose(layer.grads[2], d1.sum(0) + d2.sum(0), rtol=1e-12)
    np.testing.assert_allclose(dx, np.stack([d1 @ Wx.T, d2 @ Wx.T], axis=1), rtol=1e-12)


# -- finite differences through time ------------------------------------------------------


def _layer_loss(layer, x, weights, seed=0):
    """A scalar of the layer's output: Σ weights ⊙ output (fixed training-time draws)."""
    layer.reseed(np.random.default_rng(seed))
    return float(np.sum(weights * layer.forward(x, training=True)))


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_bptt_matches_finite_differences_for_every_activation(name, return_sequences):
    rng = np.random.default_rng(3)
    # exponential grows like exp(exp(...)) through time: smaller weights keep it finite.
    scale = 0.15 if name == "exponential" else 0.6
    layer = built_layer(3, 2, activation=name, return_sequences=return_sequences, scale=scale)
    x = rng.normal(size=(2, 4, 2))
    weights = rng.normal(size=(2, 4, 3) if return_sequences else (2, 3))
    _layer_loss(layer, x, weights)
    dx = layer.backward(weights.copy())
    analytic = [g.copy() for g in layer.grads]
    for p, g in zip(layer.params, analytic, strict=True):
        assert_close(g, central_difference(lambda: _layer_loss(layer, x, weights), p))
    assert_close(dx, central_difference(lambda: _layer_loss(layer, x, weights), x))


@pytest.mark.parametrize(
    "layers",
    [
        lambda: [SimpleRNN(4, bias=0.1), Dense(2)],
        lambda: [SimpleRNN(4, "relu", bias=0.1), Dense(3), Activation("softmax")],
        lambda: [SimpleRNN(4, "sigmoid", return_sequences=True), SimpleRNN(3, bias=0.1), Dense(2)],
        lambda: [
            SimpleRNN(3, "elu", True),
            Dropout(0.3),
            SimpleRNN(3, "rrelu", bias=0.1),
            Dense(2),
        ],
    ],
    ids=["tanh-dense", "relu-softmax", "stacked", "dropout-rrelu"],
)
def test_networks_pass_the_gradient_check(layers):
    rng = np.random.default_rng(4)
    net = Sequential(layers(), 3, random_state=0)
    X = rng.normal(size=(5, 6, 3))
    if isinstance(net.layers[-1], Activation):
        y, loss = np.eye(3)[rng.integers(0, 3, 5)], "categorical_crossentropy"
    else:
        y, loss = rng.normal(size=(5, 2)), "squared_error"
    errors = gradient_check(net, loss, X, y, l2=0.3, l1=0.1)
    assert set(errors) >= {"0.weight_x", "0.weight_h", "0.bias"}
    assert max(errors.values()) < 1e-6, errors


def test_initial_state_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    layer = built_layer(3, 2, activation="sigmoid", return_sequences=True)
    Wx, Wh, b = layer.params
    x = rng.normal(size=(2, 5, 2))
    weights = rng.normal(size=(2, 5, 3))
    layer.forward(x, training=True)
    layer.backward(weights.copy())
    h0 = np.zeros((2, 3))

    def loss() -> float:
        states = reference_states(x, Wx, Wh, b, activations.get("sigmoid"), h=h0)
        return float(np.sum(weights * np.stack(states, axis=1)))

    assert_close(layer.initial_state_gradient, central_difference(loss, h0))


# -- truncation -------------------------------------------------------------------------------


def truncated_loss(layer, x, weights, k, base_states):
    """The loss whose exact gradient is BPTT truncated to k steps, built explicitly.

    For every output (each step, or the last one), the state k steps before it is taken
    from `base_states` (computed once, a constant), and the last k steps are run again
    with the current parameters and inputs.
    """
    Wx, Wh, b = layer.params
    T = x.shape[1]
    outputs = range(T) if layer.return_sequences else [T - 1]
    total = 0.0
    for t in outputs:
        s = t - k  # index of the constant state h_{t-k} (0-based: steps run s+1 .. t)
        h = None if s < 0 else base_states[s]
        h_t = reference_states(x, Wx, Wh, b, layer.function, start=max(s + 1, 0), stop=t + 1, h=h)
        w = weights[:, t] if layer.return_sequences else weights
        total += float(np.sum(w * h_t[-1]))
    return total


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus"])
def test_truncated_bptt_matches_the_explicitly_truncated_loss(name, k, return_sequences):
    rng = np.random.default_rng(6)
    layer = built_layer(3, 2, activation=name, return_sequences=return_sequences, bptt_steps=k)
    x = rng.normal(size=(2, 6, 2))
    weights = rng.normal(size=(2, 6, 3) if return_sequences else (2, 3))
    layer.forward(x, training=True)
    dx = layer.backward(weights.copy())
    analytic = [g.copy() for g in layer.grads]
    Wx, Wh, b = (p.copy() for p in layer.params)
    base = [h.copy() for h in reference_states(x, Wx, Wh, b, layer.function)]

    def loss() -> float:
        return truncated_loss(layer, x, weights, k, base)

    for p, g in zip(layer.params, analytic, strict=True):
        assert_close(g, central_difference(loss, p))
    assert_close(dx, central_difference(loss, x))
    if not return_sequences and k < 6:
        assert np.all(dx[:, : 6 - k] == 0)  # inputs older than k steps get nothing


@pytest.mark.parametrize("return_sequences", [False, True])
def test_truncation_differs_from_exact_bptt_and_matches_it_past_the_length(return_sequences):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 7, 2))
    weights = rng.normal(size=(3, 7, 4) if return_sequences else (3, 4))
    grads = {}
    for k in (None, 2, 7, 50):
        layer = built_layer(4, 2, return_sequences=return_sequences, bptt_steps=k)
        layer.forward(x, training=True)
        dx = layer.backward(weights.copy())
        grads[k] = [g.copy() for g in layer.grads] + [dx.copy()]
    for a, b in zip(grads[None], grads[7], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    for a, b in zip(grads[None], grads[50], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert not np.allclose(grads[None][1], grads[2][1])  # W_h: truncation does cut credit


# -- forward, initialization, dtype ------------------------------------------------------------


def test_forward_follows_the_recursion_and_training_equals_inference():
    rng = np.random.default_rng(8)
    for return_sequences in (False, True):
        layer = built_layer(5, 3, activation="relu", return_sequences=return_sequences)
        x = rng.normal(size=(4, 9, 3))
        states = np.stack(reference_states(x, *layer.params, activations.get("relu")), axis=1)
        expected = states if return_sequences else states[:, -1]
        np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-13)


def test_parameters_order_shapes_and_keras_initialization():
    net = Sequential([SimpleRNN(16), Dense(1)], 5, random_state=0)
    rnn = net.layers[0]
    Wx, Wh, b = rnn.params
    assert (Wx.shape, Wh.shape, b.shape) == ((5, 16), (16, 16), (16,))
    assert [name for name, _ in net.named_parameters()][:3] == [
        "0.weight_x",
        "0.weight_h",
        "0.bias",
    ]
    assert net.regularized[:3] == [True, True, False]
    np.testing.assert_allclose(Wh.T @ Wh, np.eye(16), atol=1e-12)  # orthogonal W_h
    limit = np.sqrt(6 / (5 + 16))  # Glorot uniform W_x
    assert np.all(np.abs(Wx) <= limit) and Wx.std() > limit / 3
    assert np.all(b == 0)
    custom = SimpleRNN(4, recurrent_initializer=Orthogonal(gain=0.5), kernel_initializer="zeros")
    custom.build(3, np.random.default_rng(0), np.dtype(np.float64))
    np.testing.assert_allclose(custom.params[1].T @ custom.params[1], 0.25 * np.eye(4), atol=1e-12)
    assert np.all(custom.params[0] == 0)
    same = Sequential([SimpleRNN(16), Dense(1)], 5, random_state=0)
    np.testing.assert_array_equal(same.pack(), net.pack())


def test_float32_stays_float32():
    rng = np.random.default_rng(9)
    for return_sequences, k in ((False, None), (True, None), (True, 2), (False, 3)):
        layers = [SimpleRNN(4, "rrelu", return_sequences, k)]
        layers += [SimpleRNN(3, bptt_steps=k)] if return_sequences else []
        net = Sequential([*layers, Dense(2)], 3, dtype=np.float32, random_state=0)
        X = rng.normal(size=(6, 5, 3)).astype(np.float32)
        y = rng.normal(size=(6, 2)).astype(np.float32)
        assert net.predict(X).dtype == np.float32
        _, grads = net.loss_and_gradients(X, y, "squared_error")
        assert all(g.dtype == np.float32 for g in grads)
        assert all(p.dtype == np.float32 for p in net.params)
        rnn = net.layers[0]
        rnn.need_input_grad = True
        out = rnn.forward(X, training=True)
        assert out.dtype == np.float32 and rnn.backward(np.ones_like(out)).dtype == np.float32
        Trainer("squared_error", "adam", epochs=2, batch_size=4, random_state=0).fit(net, X, y)
        assert all(p.dtype == np.float32 for p in net.params)
    with pytest.raises(TypeError, match="float32"):
        net.predict(X.astype(np.float64))


# -- what Sequential and the Trainer accept --------------------------------------------------


def test_bad_arguments_and_inputs_are_refused_with_clear_errors():
    with pytest.raises(ValueError, match=r"elementwise activation.*softmax"):
        SimpleRNN(4, "softmax")
    with pytest.raises(ValueError, match="units"):
        SimpleRNN(0)
    with pytest.raises(ValueError, match="bptt_steps"):
        SimpleRNN(4, bptt_steps=0)
    with pytest.raises(TypeError, match="return_sequences"):
        SimpleRNN(4, return_sequences="yes")
    with pytest.raises(ValueError, match="unknown initializer"):
        SimpleRNN(4, recurrent_initializer="orthogonl")
    net = Sequential([SimpleRNN(4), Dense(1)], 3, random_state=0)
    with pytest.raises(ValueError, match=r"3-D of shape \(n_samples, n_steps, n_features\)"):
        net.predict(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="2 features per step, but 3"):
        net.predict(np.zeros((5, 4, 2)))
    with pytest.raises(ValueError, match="no samples or no time steps"):
        net.predict(np.zeros((5, 0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        net.predict(np.full((2, 4, 3), np.nan))
    trainer = Trainer("squared_error", epochs=1)
    with pytest.raises(ValueError, match="3-D"):
        trainer.fit(net, np.zeros((5, 3)), np.zeros((5, 1)))
    with pytest.raises(ValueError, match="X contains NaN"):
        trainer.fit(net, np.full((5, 2, 3), np.nan), np.zeros((5, 1)))
    with pytest.raises(ValueError, match=r"y must have shape \(5, 1\)"):
        trainer.fit(net, np.zeros((5, 2, 3)), np.zeros((5, 2, 1)))
    mlp_net = Sequential([Dense(2)], 3)
    with pytest.raises(ValueError, match="2-D"):
        mlp_net.predict(np.zeros((5, 2, 3)))


@pytest.mark.parametrize(
    "layers, match",
    [
        ([Dense(3), SimpleRNN(2)], r"layers\[1\] is a SimpleRNN.*first layer"),
        ([SimpleRNN(3), SimpleRNN(2)], r"layers\[1\] is a SimpleRNN.*return_sequences=True"),
        ([SimpleRNN(3, return_sequences=True), Dense(2)], r"layers\[1\] \(Dense\).*sequences"),
        ([SimpleRNN(3, return_sequences=True), BatchNorm(), SimpleRNN(2)], r"\(BatchNorm\)"),
        ([SimpleRNN(3, return_sequences=True)], "would output sequences"),
    ],
)
def test_sequential_refuses_layer_orders_that_cannot_work(layers, match):
    with pytest.raises(ValueError, match=match):
        Sequential(layers, 2)


def test_sequences_pass_through_dropout_and_elementwise_activations():
    net = Sequential(
        [SimpleRNN(3, return_sequences=True), Activation("relu"), Dropout(0.2), SimpleRNN(2)],
        2,
        random_state=0,
    )
    assert net.predict(np.ones((4, 5, 2))).shape == (4, 2)


def _copy_task(n, lag, seed, n_symbols=3):
    """Sequences whose first step shows one of `n_symbols` symbols, then `lag` blank steps."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_symbols, n)
    X = np.zeros((n, lag + 1, n_symbols))
    X[np.arange(n), 0, labels] = 1
    X[:, 1:] = rng.normal(0, 0.1, (n, lag, n_symbols))  # faint noise on the blank steps
    return X, np.eye(n_symbols)[labels], labels


@pytest.mark.parametrize("optimizer", optimizers.names())
def test_the_trainer_learns_a_memory_task_with_every_optimizer(optimizer):
    X, y, labels = _copy_task(96, 4, seed=0)
    net = Sequential([SimpleRNN(8), Dense(3), Activation("softmax")], 3, random_state=0)
    lr = {"sgd": 0.5, "momentum": 0.2, "nesterov": 0.2, "adagrad": 0.3, "lbfgs": None}
    trainer = Trainer(
        "categorical_crossentropy",
        optimizer,
        learning_rate=lr.get(optimizer, 0.03),
        epochs=60 if optimizer != "lbfgs" else 100,
        batch_size=16,
        random_state=0,
    )
    history = trainer.fit(net, X, y)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert np.mean(net.predict(X).argmax(1) == labels) > 0.9


def test_clipping_keeps_a_long_sequence_finite():
    # A linear RNN whose W_h has every singular value 1.05: over 300 steps the gradient
    # is about 1e16, and one plain SGD step makes the next forward pass overflow.
    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(32, 300, 2)), rng.normal(size=(32, 1))

    def fit(clip):
        net = Sequential(
            [SimpleRNN(8, "identity", recurrent_initializer=Orthogonal(1.05)), Dense(1)],
            2,
            random_state=0,
        )
        trainer = Trainer(
            "squared_error", "sgd", learning_rate=0.01, epochs=5, batch_size=8,
            clip_global_norm=clip, random_state=0,
        )  # fmt: skip
        return net, trainer.fit(net, X, y)

    with pytest.warns(DivergenceWarning, match="diverged"):
        _, history = fit(None)
    assert history.diverged
    net, history = fit(1.0)
    assert not history.diverged
    assert np.all(np.isfinite(history["loss"])) and np.all(np.isfinite(net.pack()))
    assert history["loss"][-1] < history["loss"][0]


def test_resume_from_checkpoint_is_bit_identical_with_an_rnn(tmp_path):
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(40, 6, 3)), rng.normal(size=(40, 2))
    Xv, yv = rng.normal(size=(10, 6, 3)), rng.normal(size=(10, 2))

    def run(epochs, callbacks, resume_from=None):
        net = Sequential(
            [SimpleRNN(5, "rrelu", True, bptt_steps=3), Dropout(0.2), SimpleRNN(4), Dense(2)],
            3,
            random_state=1,
        )
        trainer = Trainer(
            "squared_error", "adam", learning_rate=0.01, epochs=epochs, batch_size=8,
            clip_norm=1.0, l2=0.01, random_state=2, callbacks=callbacks,
        )  # fmt: skip
        history = trainer.fit(net, X, y, validation_data=(Xv, yv), resume_from=resume_from)
        return net, history

    uninterrupted, full_history = run(6, [])
    path = tmp_path / "ckpt.npz"
    run(4, [Checkpoint(path, every=2)])  # "interrupted" after 4 epochs
    resumed, history = run(6, [Checkpoint(path)], resume_from=path)
    np.testing.assert_array_equal(resumed.pack(), uninterrupted.pack())
    assert history["loss"] == full_history["loss"]


def test_no_warning_and_no_state_leak_between_batch_sizes():
    # Buffers are reused per shape: a partial last batch and other sequence lengths work.
    rng = np.random.default_rng(12)
    net = Sequential([SimpleRNN(4, return_sequences=True, bptt_steps=2), SimpleRNN(3), Dense(1)], 2)
    net.random_state = 0
    net.build(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n, T in ((5, 3), (2, 3), (5, 7), (1, 1)):
            X, y = rng.normal(size=(n, T, 2)), rng.normal(size=(n, 1))
            errors = gradient_check(net, "squared_error", X, y)
            # Truncated (k=2 < T) gradients are not the loss's gradient; with T <= 2 they are.
            if T <= 2:
                assert max(errors.values()) < 1e-6
            out = net.predict(X)
            assert out.shape == (n, 1) and np.all(np.isfinite(out))


# -- the two experiments, quick mode --------------------------------------------------------


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from mlplab import experiments

    out = tmp_path_factory.mktemp("lab")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning inside the experiments either
        return {
            name: experiments.run(name, out, quick=True, seed=0)
            for name in ("vanishing-through-time", "memory")
        }


def test_vanishing_through_time_experiment(lab):
    result = lab["vanishing-through-time"]
    data = result.data
    main = [
        f"{a}, {i}" for a in ("tanh", "sigmoid", "relu") for i in ("random (Glorot)", "orthogonal")
    ]
    for key in main:
        norms = data["norms"][key]
        assert all(b < a for a, b in itertools.pairwise(norms)), key
        assert data["orders_lost"][key] >= 3
    factor = data["factor_per_step"]
    assert factor["sigmoid, orthogonal"] < 0.26  # sigmoid' <= 1/4
    assert 0.6 < factor["relu, orthogonal"] < 0.8  # half the units pass: about 1/√2
    assert factor["tanh, random (Glorot), inputs ×0.1"] > factor["tanh, random (Glorot)"]
    np.testing.assert_allclose(data["linear"], 1.0, rtol=1e-9)  # orthogonal, no activation
    assert result.held
    assert "Recurrent Neural Networks (RNNs)" in result.claim


def test_memory_experiment(lab):
    result = lab["memory"]
    data = result.data
    assert data["lags"] == [5, 40]
    short, long = data["accuracy"]["1.0"]
    assert short >= 0.9 and long <= 0.45  # chance is 0.25
    ratio = data["gradient_ratio"]["1.0"]
    assert ratio[1] < 1e-2 * ratio[0]
    assert result.held == (short >= 0.9 and long <= 0.4)
    assert "memória" in result.claim
