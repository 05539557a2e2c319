"""Diagnostics: gradient norms, update ratios, dead and saturated units."""

import math

import numpy as np
import pytest

from mlplab import Activation, Dense, Sequential
from mlplab.activations import get
from mlplab.diagnostics import STATISTICS, Diagnostics, can_die, can_saturate, layer_statistics
from mlplab.network import mlp
from mlplab.training import Trainer

pytestmark = pytest.mark.filterwarnings("error")


def _data(n=200, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, :1] + X[:, 1:2] ** 2 > 0.5).astype(float)
    return X, y


def _fit(net, X, y, diag, **kw):
    options = {"epochs": 3, "batch_size": 32, "random_state": 0, **kw}
    return Trainer(
        "binary_crossentropy", "sgd", learning_rate=0.1, callbacks=[diag], **options
    ).fit(net, X, y)


def test_family_detection():
    assert can_die(get("relu")) and can_die(get("relu6"))
    assert not can_die(get("leaky_relu")) and not can_die(get("elu")) and not can_die(get("tanh"))
    assert can_saturate(get("sigmoid")) and can_saturate(get("tanh"))
    assert not can_saturate(get("relu")) and not can_saturate(get("softmax"))


def test_records_count_keys_and_arrays():
    X, y = _data()
    net = mlp([4, 8, 6, 1], "relu", "sigmoid", random_state=0)
    diag = Diagnostics()
    _fit(net, X, y, diag, epochs=4)
    assert len(diag.records) == 4 * 3
    assert [r["name"] for r in diag.records[:3]] == ["dense_0", "dense_1", "dense_2"]
    assert [r["epoch"] for r in diag.records[::3]] == [0, 1, 2, 3]
    for key in ("epoch", "layer", "name", *STATISTICS):
        assert key in diag.records[0]
    arrays = diag.as_arrays()
    assert set(arrays) == set(STATISTICS)
    assert arrays["grad_l2"].shape == (4, 3)
    assert np.isfinite(arrays["grad_l2"]).all() and (arrays["grad_l2"] > 0).all()
    assert np.isfinite(arrays["update_ratio"]).all() and (arrays["update_ratio"] > 0).all()
    # Output layer: sigmoid fused with the loss, no dead units, but a saturation measure.
    assert np.isnan(arrays["dead_fraction"][:, 2]).all()
    assert np.isfinite(arrays["saturated_fraction"][:, 2]).all()
    assert np.isnan(arrays["saturated_fraction"][:, :2]).all()
    assert list(diag.epochs) == [0, 1, 2, 3]
    assert diag.layer_names == ["dense_0", "dense_1", "dense_2"]
    frame = diag.to_dataframe()
    assert frame.shape[0] == 12 and "grad_l2" in frame.columns


def test_every_skips_epochs():
    X, y = _data()
    net = mlp([4, 5, 1], "tanh", "sigmoid", random_state=0)
    diag = Diagnostics(every=2)
    _fit(net, X, y, diag, epochs=5)
    assert sorted({r["epoch"] for r in diag.records}) == [0, 2, 4]
    assert len(diag.records) == 3 * 2


def test_gradient_norms_match_hand_computation_full_batch():
    X, y = _data()
    net = mlp([4, 7, 5, 1], "tanh", "sigmoid", random_state=3)
    W0 = [p.copy() for p in net.params]
    _, grads = net.loss_and_gradients(X, y, "binary_crossentropy")
    expected = [g.copy() for g in grads[0::2]]  # weight gradients of the 3 Dense layers
    for p, w in zip(net.params, W0, strict=True):
        p[...] = w
    diag = Diagnostics(monitor_X=X)
    _fit(net, X, y, diag, epochs=1, batch_size=None)
    for rec, g, w_before, w_after in zip(
        diag.records, expected, W0[0::2], net.params[0::2], strict=True
    ):
        assert rec["grad_mean_abs"] == pytest.approx(np.abs(g).mean(), rel=1e-12)
        assert rec["grad_max_abs"] == pytest.approx(np.abs(g).max(), rel=1e-12)
        assert rec["grad_l2"] == pytest.approx(np.linalg.norm(g), rel=1e-12)
        ratio = np.linalg.norm(w_after - w_before) / np.linalg.norm(w_before)
        assert rec["update_ratio"] == pytest.approx(ratio, rel=1e-9)
        # SGD at lr 0.1: the update is 0.1 * g.
        assert rec["update_ratio"] == pytest.approx(
            0.1 * np.linalg.norm(g) / np.linalg.norm(w_before), rel=1e-9
        )


def test_monitor_activation_statistics_match_inference_pass():
    X, y = _data()
    net = mlp([4, 6, 1], "tanh", "sigmoid", random_state=1)
    diag = Diagnostics(monitor_X=X[:50])
    _fit(net, X, y, diag, epochs=1)
    hidden = np.tanh(X[:50] @ net.params[0] + net.params[1])
    rec = diag.records[0]
    assert rec["act_mean"] == pytest.approx(hidden.mean(), rel=1e-9)
    assert rec["act_std"] == pytest.approx(hidden.std(), rel=1e-9)


def _relu_net(bias: float, seed: int = 0) -> Sequential:
    return Sequential(
        [Dense(32, "he_normal", bias=bias), Activation("relu"), Dense(1)], 4, random_state=seed
    )


def test_dead_fraction_is_one_with_very_negative_biases():
    X, y = _data()
    X = (X - X.mean(0)) / X.std(0)
    net = _relu_net(bias=-100.0)
    diag = Diagnostics()
    Trainer("mse", "sgd", learning_rate=0.01, epochs=2, batch_size=32, callbacks=[diag]).fit(
        net, X, y
    )
    assert [r["dead_fraction"] for r in diag.records if r["layer"] == 0] == [1.0, 1.0]
    assert diag.records[1]["dead_fraction"] is None  # identity output
    stats = layer_statistics(_relu_net(bias=-100.0), X, y, "mse")
    assert stats[0]["dead_fraction"] == 1.0
    assert stats[0]["act_mean"] == 0.0 and stats[0]["grad_l2"] == 0.0


def test_dead_fraction_is_zero_for_fresh_he_relu_layer():
    X, y = _data(n=500)
    X = (X - X.mean(0)) / X.std(0)
    net = _relu_net(bias=0.0)
    diag = Diagnostics()
    Trainer("mse", "sgd", learning_rate=1e-3, epochs=1, batch_size=50, callbacks=[diag]).fit(
        net, X, y
    )
    assert diag.records[0]["dead_fraction"] == 0.0
    assert layer_statistics(_relu_net(bias=0.0), X, y, "mse")[0]["dead_fraction"] == 0.0
    monitored = Diagnostics(monitor_X=X)
    Trainer("mse", "sgd", learning_rate=1e-3, epochs=1, callbacks=[monitored]).fit(
        _relu_net(0.0), X, y
    )
    assert monitored.records[0]["dead_fraction"] == 0.0


def test_saturated_fraction_near_one_with_huge_sigmoid_weights():
    X, y = _data()
    X = (X - X.mean(0)) / X.std(0)
    net = Sequential([Dense(20), Activation("sigmoid"), Dense(1)], 4, random_state=0)
    net.params[0][...] *= 1000.0
    stats = layer_statistics(net, X, y, "mse")
    assert stats[0]["saturated_fraction"] >= 0.95
    assert stats[0]["dead_fraction"] is None
    diag = Diagnostics()
    Trainer("mse", "sgd", learning_rate=1e-3, epochs=1, batch_size=40, callbacks=[diag]).fit(
        net, X, y
    )
    assert diag.records[0]["saturated_fraction"] >= 0.95
    # Small weights: nothing saturated.
    calm = Sequential([Dense(20), Activation("sigmoid"), Dense(1)], 4, random_state=0)
    calm.params[0][...] *= 0.1
    assert layer_statistics(calm, X, y, "mse")[0]["saturated_fraction"] == 0.0


def test_layer_statistics_has_no_side_effects_and_matches_gradients():
    from mlplab import BatchNorm, Dropout

    X, y = _data()
    labels = y[:, 0].astype(int)
    net = Sequential(
        [Dense(8), BatchNorm(), Activation("relu"), Dropout(0.3), Dense(2), Activation("softmax")],
        4,
        random_state=0,
    )
    buffers = {k: v.copy() for k, v in net.buffers().items()}
    state = net.rng.bit_generator.state
    stats = layer_statistics(net, X, labels, "cross_entropy")
    assert len(stats) == 2 and "update_ratio" in stats[0] and stats[0]["update_ratio"] is None
    assert "epoch" not in stats[0]
    for k, v in net.buffers().items():
        np.testing.assert_array_equal(v, buffers[k])
    assert net.rng.bit_generator.state == state
    assert stats[1]["act_mean"] == pytest.approx(0.5)  # softmax rows sum to 1 over 2 units
    one_hot = np.eye(2)[labels]
    assert layer_statistics(net, X, one_hot, "cross_entropy")[1]["grad_l2"] == pytest.approx(
        stats[1]["grad_l2"]
    )
    with pytest.raises(ValueError, match="class labels"):
        layer_statistics(net, X, labels + 5, "cross_entropy")


def test_lbfgs_records_each_iteration():
    X, y = _data()
    net = mlp([4, 6, 1], "relu", "sigmoid", random_state=0)
    diag = Diagnostics()
    history = Trainer(
        "binary_crossentropy", "lbfgs", epochs=5, callbacks=[diag], random_state=0
    ).fit(net, X, y)
    assert len(diag.records) == 2 * len(history)
    assert all(r["grad_l2"] is not None and math.isfinite(r["grad_l2"]) for r in diag.records)


def test_sampled_steps_still_count_every_step_when_max_steps_is_none():
    X, y = _data(n=320)
    a, b = Diagnostics(max_steps=None), Diagnostics(max_steps=2)
    _fit(mlp([4, 6, 1], "relu", "sigmoid", random_state=0), X, y, a, epochs=3)
    _fit(mlp([4, 6, 1], "relu", "sigmoid", random_state=0), X, y, b, epochs=3)
    # Gradient statistics come from every step (a) or from 2 steps per epoch (b), so
    # their means differ; dead units are checked on every batch by both, so they agree.
    assert a.records[-1]["grad_l2"] != b.records[-1]["grad_l2"]
    assert b.records[-1]["grad_l2"] > 0
    assert [r["dead_fraction"] for r in a.records] == [r["dead_fraction"] for r in b.records]


def test_checkpoint_resume_keeps_records(tmp_path):
    from mlplab.callbacks import Checkpoint

    X, y = _data()
    path = tmp_path / "ck.npz"
    diag = Diagnostics()
    net = mlp([4, 5, 1], "relu", "sigmoid", random_state=0)
    Trainer(
        "binary_crossentropy",
        "sgd",
        learning_rate=0.1,
        epochs=2,
        callbacks=[diag, Checkpoint(path)],
    ).fit(net, X, y)
    resumed = Diagnostics()
    Trainer(
        "binary_crossentropy",
        "sgd",
        learning_rate=0.1,
        epochs=4,
        callbacks=[resumed, Checkpoint(path)],
    ).fit(mlp([4, 5, 1], "relu", "sigmoid", random_state=0), X, y, resume_from=path)
    assert [r["epoch"] for r in resumed.records] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_validation():
    with pytest.raises(ValueError, match="every"):
        Diagnostics(every=0)
    with pytest.raises(ValueError, match="monitor_X"):
        Diagnostics(monitor_X=np.ones(3))


def _records_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            u, v = x[key], y[key]
            same = u == v or (isinstance(u, float) and math.isnan(u) and math.isnan(v))
            assert same, (x["epoch"], x["layer"], key, u, v)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "tanh", "sigmoid", "gelu",
                                        "swish", "mish", "softplus", "hard_sigmoid"])  # fmt: skip
@pytest.mark.parametrize(
    ("head", "loss", "extra"),
    [("softmax", "categorical_crossentropy", {}),
     ("sigmoid", "binary_crossentropy", {"batch_norm": True, "dtype": np.float32}),
     ("identity", "squared_error", {"batch_norm": True, "dropout": 0.2})],
)  # fmt: skip
def test_the_fast_path_gives_the_same_records(activation, head, loss, extra):
    """Diagnostics reads only what the fast path keeps (activation outputs, the
    pre-activations that are kept, Dense outputs with no activation after them): with
    the fast path on, the fit and its records are the reference path's, bit for bit."""
    rng = np.random.default_rng(0)
    dtype = extra.get("dtype", np.float64)
    X, Y = rng.normal(size=(150, 5)).astype(dtype), np.eye(3, dtype=dtype)[rng.integers(0, 3, 150)]
    fitted = []
    for fast in (True, False):
        net = mlp([5, 8, 6, 3], activation, head, random_state=0, **extra)
        diagnostics = Diagnostics(max_steps=None)
        trainer = Trainer(loss, "adam", epochs=3, batch_size=32, random_state=0,
                          callbacks=[diagnostics], fast=fast)  # fmt: skip
        trainer.fit(net, X, Y)
        fitted.append((net.pack().copy(), diagnostics.records, trainer.last_run.plan))
    (w_fast, r_fast, plan), (w_ref, r_ref, _) = fitted
    assert plan.step.inplace_activations  # the fast path ran
    np.testing.assert_array_equal(w_fast, w_ref)
    _records_equal(r_fast, r_ref)
