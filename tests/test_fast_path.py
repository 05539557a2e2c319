"""The fast path trains exactly as the reference path, and fits take it when they may.

The fast path (fused loss without per-batch checks, activations that overwrite their
input, the unit-rows shortcut of the softmax cross-entropy, optimizer updates on the
flat parameter array) is chosen in one place, ``FitPlan.choose``. The reference path is
``Trainer(fast=False)``: the validated ``loss_and_gradients`` and the optimizer's
per-array rule. Both must give the same weights, bit for bit, with the compiled
kernels (``mlplab._kernels``) or without them.

The whole-step kernel of small networks (``mlplab._kernels._small``) does its own
matrix products and transcendentals, so it agrees with the reference only to rounding:
it is turned off here (the fixture below) and checked in ``tests/test_kernels.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from mlplab import MLPClassifier, MLPRegressor, activations, optimizers
from mlplab._kernels import _small
from mlplab._kernels._layers import DenseActivation
from mlplab.callbacks import Callback, EarlyStopping
from mlplab.layers import Activation
from mlplab.network import mlp
from mlplab.schedules import ExponentialDecay
from mlplab.training import FitPlan, Trainer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def _no_whole_step_kernel(monkeypatch):
    """The bit-exact paths only: no network is small enough for the whole-step kernel."""
    monkeypatch.setattr(_small, "MAX_PARAMS", 0)


OPTIMIZERS = [
    ("sgd", {"learning_rate": 0.05}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "convention": "average"}),
    ("adagrad", {"learning_rate": 0.05}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("nadam", {"learning_rate": 0.01}),
]


def _data(n=60, d=4, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    labels = rng.integers(0, k, size=n)
    return X, np.eye(k, dtype=dtype)[labels], rng.uniform(0.2, 2.0, size=n).astype(dtype)


def _train_both(make_net, trainer_kwargs, X, y, **fit_kwargs):
    """Weights, buffers and histories of the same fit through the two paths."""
    out = []
    for fast in (True, False):
        net = make_net()
        trainer = Trainer(random_state=3, fast=fast, **trainer_kwargs)
        history = trainer.fit(net, X, y, **fit_kwargs)
        out.append((net, history, trainer.last_run.plan))
    (fast_net, fast_history, fast_plan), (ref_net, ref_history, ref_plan) = out
    assert ref_plan.step.checked and not ref_plan.packed
    assert not ref_plan.step.inplace_activations
    return fast_net, ref_net, fast_history, ref_history, fast_plan


def _assert_same(fast_net, ref_net, fast_history, ref_history):
    np.testing.assert_array_equal(fast_net.pack(), ref_net.pack())
    for key, value in ref_net.buffers().items():
        np.testing.assert_array_equal(fast_net.buffers()[key], value)
    assert fast_history["loss"] == ref_history["loss"]


@pytest.mark.parametrize(("name", "config"), OPTIMIZERS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_optimizer_with_batch_norm_dropout_weights_and_penalties(name, config, dtype):
    X, Y, w = _data(dtype=dtype)

    def make():
        return mlp(
            [4, 8, 6, 3],
            "relu",
            "softmax",
            batch_norm=True,
            dropout=0.2,
            dtype=dtype,
            random_state=1,
        )

    kwargs = dict(
        loss="categorical_crossentropy",
        optimizer=optimizers.get(name, **config),
        epochs=4,
        batch_size=16,
        l2=0.01,
        l1=0.001,
        weight_decay=0.0 if name == "adamw" else 0.01,
    )
    fast, ref, fh, rh, plan = _train_both(make, kwargs, X, Y, sample_weight=w)
    # The fast path was taken: in place, unit rows (one-hot targets), packed updates.
    assert plan.step.inplace_activations and plan.step.unit_rows and plan.packed
    _assert_same(fast, ref, fh, rh)


@pytest.mark.parametrize("activation", activations.names())
def test_every_activation_as_hidden_layer(activation):
    X, Y, _ = _data(n=40, seed=2)

    def make():
        return mlp([4, 5, 5, 3], activation, "softmax", random_state=4)

    kwargs = dict(
        loss="categorical_crossentropy",
        optimizer="adam",
        learning_rate=1e-3,
        epochs=3,
        batch_size=8,
    )
    with np.errstate(all="ignore"):
        fast, ref, fh, rh, plan = _train_both(make, kwargs, X, Y)
    assert plan.step.inplace_activations
    _assert_same(fast, ref, fh, rh)


@pytest.mark.parametrize(
    ("output", "loss", "targets"),
    [
        ("sigmoid", "binary_crossentropy", "binary"),  # fused
        ("softmax", "categorical_crossentropy", "soft"),  # fused, rows not summing to 1
        ("identity", "squared_error", "real"),
        ("identity", "huber", "real"),
        ("exponential", "poisson", "counts"),  # fused with the exp output
        ("softmax", "squared_error", "onehot"),  # not fused: softmax run and differentiated
        ("tanh", "absolute_error", "real"),
    ],
)
def test_every_output_and_loss(output, loss, targets):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 3))
    Y = {
        "binary": (rng.random((50, 2)) > 0.5).astype(float),
        "soft": rng.dirichlet(np.ones(2), size=50) * 0.9,
        "real": rng.normal(size=(50, 2)),
        "counts": rng.poisson(2.0, size=(50, 2)).astype(float),
        "onehot": np.eye(2)[rng.integers(0, 2, 50)],
    }[targets]

    def make():
        return mlp([3, 6, 2], "tanh", output, batch_norm=True, random_state=6)

    kwargs = dict(
        loss=loss, optimizer="rmsprop", learning_rate=1e-3, epochs=3, batch_size=10, l2=0.1
    )
    fast, ref, fh, rh, plan = _train_both(make, kwargs, X, Y)
    assert not plan.step.unit_rows  # only the softmax cross-entropy has the shortcut
    _assert_same(fast, ref, fh, rh)


def test_clipping_and_step_schedule_and_validation():
    X, Y, _w = _data(seed=7)

    def make():
        return mlp([4, 7, 3], "elu", "softmax", dropout=0.1, random_state=8)

    kwargs = dict(
        loss="categorical_crossentropy",
        optimizer="sgd",
        learning_rate=ExponentialDecay(0.1, gamma=0.99),
        schedule_unit="step",
        epochs=5,
        batch_size=7,
        clip_norm=0.5,
        clip_value=0.2,
    )
    fast, ref, fh, rh, _ = _train_both(make, kwargs, X, Y, validation_data=(X[:9], Y[:9]))
    _assert_same(fast, ref, fh, rh)
    assert fh["val_loss"] == rh["val_loss"]


# -- the one place that chooses ----------------------------------------------------------
class _Reads(Callback):
    """A callback written without knowing about the fast path: it may read layer values."""


class _Blind(Callback):
    reads_layer_values = False


def test_choose_follows_what_callbacks_declare():
    _X, Y, _ = _data()
    net = mlp([4, 6, 3], "relu", "softmax", random_state=0)
    loss = Trainer("categorical_crossentropy").loss
    opt = optimizers.get("adam")
    assert FitPlan.choose(
        net, loss, opt, [_Blind(), EarlyStopping("loss")], Y
    ).step.inplace_activations
    assert not FitPlan.choose(net, loss, opt, [_Blind(), _Reads()], Y).step.inplace_activations
    # Targets whose rows do not all sum to 1 take the general fused form.
    assert not FitPlan.choose(net, loss, opt, [], Y * 0.5).step.unit_rows
    # A rule the optimizer did not declare elementwise is never packed.

    class Custom(optimizers.SGD):
        def _rule(self, lr, w, g, state, scratch):
            w -= lr * g

    assert not FitPlan.choose(net, loss, Custom(0.1), [], Y).packed
    assert FitPlan.choose(net, loss, optimizers.get("sgd"), [], Y).packed


def _count_inplace(monkeypatch):
    """Calls of a hidden activation that works in place: NumPy's, or fused with its Dense."""
    calls = []
    for owner, name in ((Activation, "_forward_train_inplace"), (DenseActivation, "forward")):
        original = getattr(owner, name)

        def counting(self, x, original=original):
            calls.append(1)
            return original(self, x)

        monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_estimator_fits_take_the_fast_path(iris, monkeypatch):
    X, y = iris
    calls = _count_inplace(monkeypatch)
    # 150 rows in batches of 50: 3 steps an epoch, one hidden activation after a Dense.
    MLPClassifier(hidden_layer_sizes=(5,), batch_size=50, max_iter=4, random_state=0).fit(X, y)
    assert len(calls) == 4 * 3
    calls.clear()
    MLPClassifier((5,), batch_size=50, max_iter=4, early_stopping=True, random_state=0).fit(X, y)
    assert len(calls) > 0  # early stopping's rule reads no layer values either
    calls.clear()
    MLPRegressor(hidden_layer_sizes=(5, 4), batch_size=50, max_iter=2, random_state=0).fit(X, y)
    assert len(calls) == 2 * 3 * 2
    calls.clear()
    # Diagnostics reads only what the fast path keeps (tests/test_diagnostics.py pins it).
    MLPClassifier((5,), batch_size=50, max_iter=2, diagnostics=True, random_state=0).fit(X, y)
    assert len(calls) == 2 * 3
    calls.clear()
    # Callbacks that read (or may read) the layers' values get them intact.
    MLPClassifier((5,), batch_size=50, max_iter=2, callbacks=[_Reads()], random_state=0).fit(X, y)
    assert calls == []
    MLPClassifier((5,), batch_size=50, max_iter=2, callbacks=[_Blind()], random_state=0).fit(X, y)
    assert len(calls) == 2 * 3


def test_estimator_fast_and_reference_fits_agree(iris, monkeypatch):
    """An estimator fit through the reference path ends with the very same weights."""
    X, y = iris
    kw = dict(
        hidden_layer_sizes=(6,),
        activation="gelu",
        batch_size=32,
        max_iter=5,
        solver="adam",
        alpha=0.01,
        random_state=0,
    )
    fast = MLPClassifier(**kw).fit(X, y)
    original = Trainer.__init__

    def reference(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "fast": False})

    monkeypatch.setattr(Trainer, "__init__", reference)
    ref = MLPClassifier(**kw).fit(X, y)
    for a, b in zip(fast.coefs_ + fast.intercepts_, ref.coefs_ + ref.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert fast.loss_curve_ == ref.loss_curve_
