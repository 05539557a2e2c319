"""The compiled kernels (``mlplab._kernels``) against the NumPy reference they replace.

Two kinds of check, as the kernels promise:

* The elementwise kernels (optimizer updates, Dense + activation steps, the fused
  cross-entropies, the batch gather) give the reference's bits: a fit with the kernels
  and one without (``mlplab._kernels.jit(False)``, what ``MLPLAB_JIT=0`` does) end
  with equal weights and equal loss curves, over optimizers, activations, losses,
  batch norm, dropout, sample weights and penalties.
* The whole-step kernel of small networks does its own matrix products and
  transcendentals: it agrees with the reference to 1e-12 relative in float64.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from mlplab import _kernels, optimizers
from mlplab._kernels import _optimizers as opt_kernels
from mlplab._kernels import _small
from mlplab.network import mlp
from mlplab.training import FitPlan, Trainer

SRC = os.path.join(os.path.dirname(__file__), os.pardir, "src")


def _data(n=60, d=4, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    Y = np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    return X, Y


def _fit(jit, *, hidden="relu", out="softmax", loss="categorical_crossentropy", opt="adam",
         opt_kw=None, dtype=np.float64, batch_norm=False, dropout=0.0, sample_weight=False,
         sizes=(4, 9, 7, 3), epochs=4, batch=16, **trainer_kw):  # fmt: skip
    X, Y = _data(d=sizes[0], k=sizes[-1], dtype=dtype)
    if loss == "squared_error":
        Y = Y * 2.0 - 0.5
    net = mlp(list(sizes), hidden, out, batch_norm=batch_norm, dropout=dropout, dtype=dtype,
              random_state=0)  # fmt: skip
    optimizer = optimizers.get(opt, **(opt_kw or {"learning_rate": 0.01}))
    trainer = Trainer(loss, optimizer, epochs=epochs, batch_size=batch, shuffle=True,
                      random_state=0, **trainer_kw)  # fmt: skip
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(X)).astype(dtype) if sample_weight else None
    with _kernels.jit(jit):
        history = trainer.fit(net, X, Y, sample_weight=w)
    return net.pack().copy(), [r["loss"] for r in history.records]


@pytest.fixture
def exact(monkeypatch):
    """No whole-step kernel: the bit-exact kernels only."""
    monkeypatch.setattr(_small, "MAX_PARAMS", 0)


def _same(kw):
    on, off = _fit(True, **kw), _fit(False, **kw)
    np.testing.assert_array_equal(on[0], off[0])
    assert on[1] == off[1]


OPTIMIZERS = [
    ("sgd", {"learning_rate": 0.05}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "convention": "average"}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "convention": "average", "nesterov": True}),
    ("adagrad", {"learning_rate": 0.05}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("nadam", {"learning_rate": 0.01}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS)
def test_optimizer_kernel_gives_the_rules_bits(name, kw, dtype, monkeypatch):
    """Serial and parallel kernels against the packed NumPy rule, step by step."""
    monkeypatch.setattr(opt_kernels, "PARALLEL_MIN", 1000)  # the parallel path on small arrays
    rng = np.random.default_rng(0)
    for size in (37, opt_kernels.PARALLEL_MIN + 13):
        w0 = rng.normal(size=size).astype(dtype)
        results = []
        for compiled in (True, False):
            flat_w, flat_g = w0.copy(), np.empty_like(w0)
            w, g = [flat_w[:7], flat_w[7:]], [flat_g[:7], flat_g[7:]]  # as a packed network
            opt = optimizers.get(name, **kw)
            assert opt.pack(w, g, compiled=compiled)
            for step in range(3):
                flat_g[...] = np.random.default_rng(step).normal(size=size).astype(dtype)
                opt.step(w, g)
            results.append((flat_w, [s.copy() for s in opt._packed.rule_arrays[2]]))
        np.testing.assert_array_equal(results[0][0], results[1][0])
        for a, b in zip(results[0][1], results[1][1], strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", sorted(opt_kernels.FAMILIES))
def test_parallel_optimizer_kernel_is_the_serial_one(kind):
    """Each family's kernel compiled with parallel=True, on two threads: the same bits."""
    from mlplab._kernels import _numba

    rng = np.random.default_rng(kind)
    n = 10_007
    w, g = rng.normal(size=n), rng.normal(size=n)
    state = [rng.uniform(0.0, 2.0, n) for _ in range(3)]
    k = rng.uniform(0.01, 0.99, 9)
    arrays = [(w.copy(), [s.copy() for s in state]) for _ in range(2)]
    for _ in range(2):
        (w0, s0), (w1, s1) = arrays
        opt_kernels.kernel(kind)(kind, w0, g, *s0, k)
        _numba.run_parallel(opt_kernels.kernel(kind, parallel=True), 2, kind, w1, g, *s1, k)
    np.testing.assert_array_equal(arrays[0][0], arrays[1][0])
    for a, b in zip(arrays[0][1], arrays[1][1], strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(arrays[0][0], w)  # the rule did update


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS)
def test_fit_with_kernels_is_bit_exact_per_optimizer(name, kw):
    _same({"opt": name, "opt_kw": kw})


HIDDEN = ["identity", "relu", "leaky_relu", "prelu", "relu6", "elu", "selu", "celu", "gelu",
          "silu", "swish", "tanh", "sigmoid", "softplus", "mish", "hard_tanh"]  # fmt: skip


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_fit_with_kernels_is_bit_exact_per_activation(hidden, dtype):
    _same({"hidden": hidden, "dtype": dtype})


@pytest.mark.usefixtures("exact")
def test_gelu_tanh_and_parameters_are_bit_exact():
    from mlplab import activations

    for f in (activations.GELU(approximate="tanh"), activations.LeakyReLU(negative_slope=-0.2),
              activations.ELU(alpha=0.7), activations.Softplus(beta=2.0, threshold=5.0),
              activations.Swish(beta=1.5)):  # fmt: skip
        _same({"hidden": f})


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize(
    ("loss", "out"),
    [("categorical_crossentropy", "softmax"), ("binary_crossentropy", "sigmoid"),
     ("squared_error", "identity"), ("absolute_error", "identity"), ("huber", "identity")],
)  # fmt: skip
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_with_kernels_is_bit_exact_per_loss(loss, out, weighted):
    _same({"loss": loss, "out": out, "sample_weight": weighted})


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize(
    "kw",
    [{"sizes": (4, 1, 5, 1), "loss": "binary_crossentropy", "out": "sigmoid"},
     {"sizes": (4, 1, 2), "hidden": "tanh"}, {"sizes": (4, 300, 2, 3), "hidden": "gelu"},
     {"sizes": (4, 5, 3), "batch": 60, "sample_weight": True}],
)  # fmt: skip
def test_fused_bias_gradients_are_numpys_for_every_width(kw):
    """The kernels' column sums for two or more columns, NumPy's call for one column."""
    _same(kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("kind", "targets"),
    [("categorical_crossentropy", t) for t in ("one-hot", "soft", "weighted")]
    + [("binary_crossentropy", t) for t in ("one-hot", "weighted")],  # 0/1 targets only
)
def test_fused_cross_entropy_kernels_give_numpys_bits_for_every_row_length(kind, targets, dtype):
    """Value, gradient and bias gradient of the compiled loss step equal the reference's.

    Row lengths below 8 (a plain loop in NumPy's row sum), 8 to 128 (eight partial sums
    and a remainder) and above 128 (NumPy's own call), as the kernels' pairwise row sums
    must reproduce each.
    """
    from mlplab import losses

    loss = losses.get(kind)
    rng = np.random.default_rng(7)
    for k in (1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 24, 100, 128, 129):
        n = 37
        z = (3 * rng.standard_normal((n, k))).astype(dtype)
        b = rng.standard_normal(k).astype(dtype)
        if targets == "soft":
            y = rng.dirichlet(np.ones(k), n).astype(dtype) * dtype(1.5)  # rows sum to 1.5
        else:
            y = np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
        unit_rows = kind == "categorical_crossentropy" and targets != "soft"
        w = rng.random(n).astype(dtype) + dtype(0.1) if targets == "weighted" else None
        # Targets as the trainer may hand them over: C-ordered rows (gathered batches),
        # or the caller's Fortran-ordered array (unshuffled batches are views of it).
        for y_layout in (y, np.asfortranarray(y)):
            gb = np.empty(k, dtype)
            step = loss._kernel_step(b, gb, unit_rows, np.dtype(dtype))
            value, grad = step(y_layout, z.copy(), w)
            ref_value, ref_grad = loss._value_and_gradient_from_logits_unchecked(
                y_layout, z + b, w, unit_rows
            )
            assert value == ref_value, (k, value, ref_value)
            np.testing.assert_array_equal(grad, ref_grad, err_msg=f"{k} columns")
            np.testing.assert_array_equal(gb, np.add.reduce(ref_grad, axis=0), err_msg=f"{k}")


@pytest.mark.usefixtures("exact")
def test_unshuffled_fortran_ordered_soft_targets_train_to_the_same_bits():
    """Unshuffled batches are views of the caller's targets: Fortran-ordered soft labels
    with 10 classes (NumPy sums such rows in another order) still give the reference's
    weights."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5))
    Y = np.asfortranarray(rng.dirichlet(np.ones(10), 64) * 1.5)
    weights = []
    for jit in (True, False):
        net = mlp([5, 9, 10], "relu", "softmax", random_state=0)
        trainer = Trainer("categorical_crossentropy", "adam", epochs=3, batch_size=16,
                          shuffle=False, random_state=0)  # fmt: skip
        with _kernels.jit(jit):
            trainer.fit(net, X, Y)
        weights.append(net.pack().copy())
    np.testing.assert_array_equal(weights[0], weights[1])


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize(
    "kw",
    [{"batch_norm": True}, {"dropout": 0.3}, {"l2": 0.05}, {"l1": 0.01},
     {"l2": 0.05, "sample_weight": True}, {"batch_norm": True, "dropout": 0.2, "l2": 0.01},
     {"clip_norm": 0.5}, {"dtype": np.float32, "batch_norm": True, "dropout": 0.2}],
)  # fmt: skip
def test_fit_with_kernels_is_bit_exact_with_layers_weights_and_penalties(kw):
    _same(kw)


# -- the whole-step kernel of small networks ---------------------------------------------
SMALL = [
    {"hidden": h, "loss": loss, "out": out, "opt": opt, "opt_kw": kw, "l2": l2}
    for h in ("relu", "tanh", "sigmoid", "leaky_relu", "identity")
    for loss, out in (("categorical_crossentropy", "softmax"),
                      ("binary_crossentropy", "sigmoid"), ("squared_error", "identity"))
    for (opt, kw), l2 in ((OPTIMIZERS[2], 0.0), (OPTIMIZERS[9], 0.01), (OPTIMIZERS[11], 0.0),
                          (OPTIMIZERS[13], 0.01))
]  # fmt: skip


@pytest.mark.parametrize("kw", SMALL, ids=lambda kw: f"{kw['hidden']}-{kw['loss']}-{kw['opt']}")
def test_whole_step_kernel_agrees_to_rounding(kw):
    net = mlp([4, 9, 7, 3], kw["hidden"], kw["out"], random_state=0)
    loss = kw["loss"]
    from mlplab import losses

    plan = FitPlan.choose(net, losses.get(loss), optimizers.get(kw["opt"], **kw["opt_kw"]), [],
                          _data()[1], batch_size=16)  # fmt: skip
    assert plan.small is not None  # the kernel runs this network
    (w_on, loss_on), (w_off, loss_off) = _fit(True, **kw), _fit(False, **kw)
    np.testing.assert_allclose(w_on, w_off, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss_on, loss_off, rtol=1e-12)


def test_whole_step_kernel_float32_agrees_to_float32_rounding():
    (w_on, loss_on), (w_off, loss_off) = (_fit(j, dtype=np.float32) for j in (True, False))
    np.testing.assert_allclose(w_on, w_off, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(loss_on, loss_off, rtol=1e-5)


def test_whole_step_kernel_is_only_for_small_work():
    from mlplab import losses

    ce, Y = losses.get("categorical_crossentropy"), _data()[1]
    small = mlp([4, 9, 3], "relu", "softmax", random_state=0)
    assert FitPlan.choose(small, ce, optimizers.Adam(), [], Y, batch_size=16).small is not None
    big = mlp([64, 300, 3], "relu", "softmax", random_state=0)  # ~20k parameters
    assert FitPlan.choose(big, ce, optimizers.Adam(), [], Y, batch_size=16).small is None
    wide_batch = mlp([4, 100, 3], "relu", "softmax", random_state=0)  # 803 × 200 > MAX_WORK
    assert FitPlan.choose(wide_batch, ce, optimizers.Adam(), [], Y, batch_size=200).small is None
    adamw = optimizers.AdamW(weight_decay=0.1)  # its decay runs before the rule: not fused
    assert FitPlan.choose(small, ce, adamw, [], Y, batch_size=16).small is None
    softmin = mlp([4, 9, 3], "softsign", "softmax", random_state=0)  # no kernel for softsign
    assert FitPlan.choose(softmin, ce, optimizers.Adam(), [], Y, batch_size=16).small is None
    with _kernels.jit(False):
        assert FitPlan.choose(small, ce, optimizers.Adam(), [], Y, batch_size=16).small is None


def test_whole_step_kernel_stops_at_divergence_as_the_reference():
    kw = {"opt": "sgd", "opt_kw": {"learning_rate": 1e3}, "loss": "squared_error",
          "out": "identity", "hidden": "identity", "epochs": 30}  # fmt: skip
    with pytest.warns(Warning, match="diverged"):
        off = _fit(False, **kw)
    with pytest.warns(Warning, match="diverged"):
        on = _fit(True, **kw)
    np.testing.assert_allclose(on[0], off[0], rtol=1e-12)
    assert len(on[1]) == len(off[1])


# -- gather, switch, cache ---------------------------------------------------------------
@pytest.mark.parametrize("order", ["C", "F"])
def test_gather_copies_the_rows(order):
    from mlplab._kernels._batches import gather

    rng = np.random.default_rng(0)
    X = np.asarray(rng.normal(size=(50, 6)).astype(np.float32), order=order)
    y = rng.normal(size=(50, 2))
    idx = rng.permutation(50)[:17]
    Xb, yb = np.empty((17, 6), np.float32), np.empty((17, 2))
    gather(X, y, idx, Xb, yb)
    np.testing.assert_array_equal(Xb, X[idx])
    np.testing.assert_array_equal(yb, y[idx])


def _python(code: str, **env: str) -> str:
    environ = {**os.environ, "PYTHONPATH": os.path.abspath(SRC), **env}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=environ,
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return out.stdout.strip()


def test_mlplab_jit_0_trains_without_numba():
    code = """
        import sys
        import numpy as np
        from mlplab import _kernels, mlp
        from mlplab.training import Trainer
        X = np.random.default_rng(0).normal(size=(20, 3)); Y = np.eye(2)[[0, 1] * 10]
        Trainer("categorical_crossentropy", "adam", epochs=2, batch_size=8).fit(
            mlp([3, 4, 2], "relu", "softmax", random_state=0), X, Y)
        print(_kernels.enabled(), "numba" in sys.modules)
    """
    assert _python(code, MLPLAB_JIT="0") == "False False"
    assert _python(code, MLPLAB_JIT="1") == "True True"


def test_cache_goes_to_a_user_folder_when_the_package_is_read_only(tmp_path):
    code = """
        import os, pathlib
        touch = pathlib.Path.touch
        def read_only(self, *args, **kwargs):  # the package folder refuses new files
            if "_kernels" in str(self):
                raise PermissionError(str(self))
            return touch(self, *args, **kwargs)
        pathlib.Path.touch = read_only
        import mlplab._kernels._numba
        print(os.environ.get("NUMBA_CACHE_DIR"))
    """
    env = {"XDG_CACHE_HOME": str(tmp_path), "NUMBA_CACHE_DIR": ""}
    assert _python(code, **env) == str(tmp_path / "mlplab" / "numba")
    assert _python(code, **{**env, "NUMBA_CACHE_DIR": "/elsewhere"}) == "/elsewhere"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(64, 128), (7, 3), (200, 2), (2, 5)])
def test_batch_norm_kernels_give_the_layers_bits(shape, dtype):
    """Outputs, the normalized values kept, the running averages and every gradient."""
    import copy

    from mlplab._kernels._batchnorm import BatchNormStep
    from mlplab.layers import BatchNorm

    rng = np.random.default_rng(sum(shape))
    ref = BatchNorm(momentum=0.3, eps=1e-3)
    ref.build(shape[1], rng, dtype)
    for a in (*ref.params, ref.running_mean):
        a[:] = rng.normal(size=shape[1])
    fast = copy.deepcopy(ref)
    step = BatchNormStep(fast)
    for _ in range(2):  # the second time through reused buffers
        x = (rng.normal(size=shape) * 3 + 1).astype(dtype)
        g = rng.normal(size=shape).astype(dtype)
        np.testing.assert_array_equal(step.forward(x), ref.forward(x, training=True))
        np.testing.assert_array_equal(step.backward(g.copy()), ref.backward(g.copy()))
        for a, b in [(fast._xhat, ref._xhat), (fast._inv_std, ref._inv_std),
                     (fast.running_mean, ref.running_mean), (fast.running_var, ref.running_var),
                     *zip(fast.grads, ref.grads, strict=True)]:  # fmt: skip
            np.testing.assert_array_equal(a, b)
    assert step._own  # the kernels ran


def test_a_batch_norm_fit_runs_its_kernels():
    net = mlp([4, 6, 3], "relu", "softmax", batch_norm=True, random_state=0)
    trainer = Trainer("categorical_crossentropy", "adam", epochs=1, batch_size=16)
    with _kernels.jit(True):
        run = trainer.start(net, *_data())
    steps = [getattr(f, "__self__", None) for f in run.plan.step.forward]
    assert any(type(s).__name__ == "BatchNormStep" for s in steps)


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "hidden", ["relu", "elu", "selu", "leaky_relu", "tanh", "sigmoid", "gelu", "swish",
               "softplus", "identity", "mish"]  # mish has no kernel: in place after the norm
)  # fmt: skip
def test_batch_norm_fused_with_each_activation_is_bit_exact(hidden, dtype):
    _same({"hidden": hidden, "batch_norm": True, "dtype": dtype})


def test_batch_norm_step_takes_the_reference_for_other_layouts():
    """A Fortran-ordered gradient (NumPy sums it in another order) goes to the layer's
    own backward, fused with an activation or not: the reference's bits."""
    import copy

    from mlplab._kernels._activations import Family
    from mlplab._kernels._batchnorm import BatchNormStep
    from mlplab.layers import Activation, BatchNorm

    rng = np.random.default_rng(1)
    for fused in (False, True):
        ref_bn, ref_act = BatchNorm(), Activation("elu")
        ref_bn.build(5, rng, np.float64)
        ref_act.build(5, rng, np.float64)
        bn, act = copy.deepcopy(ref_bn), copy.deepcopy(ref_act)
        step = BatchNormStep(bn, *((act, Family("elu", (1.0,))) if fused else ()))
        x, g = rng.normal(size=(9, 5)), np.asfortranarray(rng.normal(size=(9, 5)))
        y = ref_bn.forward(x, training=True)
        if fused:
            y = ref_act.forward(y, training=True)
        np.testing.assert_array_equal(step.forward(x), y)
        gr = ref_act.backward(g.copy(order="F")) if fused else g.copy(order="F")
        out = step.backward(g.copy(order="F"))
        assert step._own and out is not step.gin  # the kernel forward, the layer's backward
        np.testing.assert_array_equal(out, ref_bn.backward(gr))
        for a, b in zip(bn.grads, ref_bn.grads, strict=True):
            np.testing.assert_array_equal(a, b)
