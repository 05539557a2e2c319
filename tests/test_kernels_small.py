"""Which whole-step kernel a small network's fit takes, and that it is cached.

``mlplab._kernels._small.step_kernel`` makes one kernel per (optimizer family, set of
activation codes, loss), from which Numba drops the other rules, activations and losses
before compiling. These tests pin the choice, check that every choice agrees with the
reference path to rounding (1e-12 relative in float64, as ``tests/test_kernels.py`` does
for single activations), and that a second process loads the kernel from Numba's cache
instead of compiling it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from mlplab import _kernels, losses, optimizers
from mlplab._kernels import _small
from mlplab.network import mlp
from mlplab.training import FitPlan, Trainer

SRC = os.path.join(os.path.dirname(__file__), os.pardir, "src")


def _data(n=48, d=4, k=3, dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)).astype(dtype)
    return X, np.eye(k, dtype=dtype)[rng.integers(0, k, n)]


def _plan(hidden, out="softmax", loss="categorical_crossentropy", opt="adam", sizes=(4, 9, 7, 3)):
    net = mlp(list(sizes), hidden, out, random_state=0)
    optimizer = optimizers.get(opt, learning_rate=0.01)
    return FitPlan.choose(net, losses.get(loss), optimizer, [], _data()[1], batch_size=16)


RELU_SET, PIECEWISE_SET, ALL_SET = _small.CODE_SETS


@pytest.mark.parametrize(
    ("hidden", "out", "loss", "opt", "family", "codes", "loss_code"),
    [
        ("relu", "softmax", "categorical_crossentropy", "adam", "adam", RELU_SET,
         _small.SOFTMAX_CE),
        (["identity", "relu"], "softmax", "categorical_crossentropy", "nadam", "nadam",
         RELU_SET, _small.SOFTMAX_CE),
        ("leaky_relu", "sigmoid", "binary_crossentropy", "adagrad", "adagrad", PIECEWISE_SET,
         _small.SIGMOID_CE),
        ("tanh", "sigmoid", "binary_crossentropy", "sgd", "sgd", ALL_SET, _small.SIGMOID_CE),
        (["leaky_relu", "logistic"], "identity", "squared_error", "rmsprop", "rmsprop",
         ALL_SET, _small.SQUARED),
        ("relu", "identity", losses._MeanValueSummedGradient(3), "adam", "adam", RELU_SET,
         _small.SQUARED_SUMMED),
    ],
)  # fmt: skip
def test_the_kernel_is_chosen_by_family_activations_and_loss(
    hidden, out, loss, opt, family, codes, loss_code
):
    small = _plan(hidden, out, loss, opt).small
    assert small is not None
    assert small._run_steps is _small.step_kernel(family, codes, loss_code)


def test_kernels_are_made_once_and_differ_by_what_they_compile():
    relu = _small.step_kernel("adam", RELU_SET, 0)
    assert relu is _small.step_kernel("adam", frozenset({_small.IDENTITY, _small.RELU}), 0)
    assert relu is not _small.step_kernel("adam", ALL_SET, 0)
    assert relu is not _small.step_kernel("sgd", RELU_SET, 0)
    assert relu is not _small.step_kernel("adam", RELU_SET, _small.SQUARED)
    assert RELU_SET < PIECEWISE_SET < ALL_SET == frozenset(_small.FAMILIES.values())


def test_activations_without_a_whole_step_form_take_the_reference_kernels():
    # GELU, SiLU, softplus, ELU: the elementwise kernels (bit-exact), no whole-step kernel
    for name in ("gelu", "silu", "softplus", "elu"):
        assert _plan(name).small is None, name
        assert _plan(["relu", name]).small is None, name


def _fit(jit, hidden, out, loss, opt, dtype=np.float64, l2=0.0):
    X, Y = _data(dtype=dtype)
    if isinstance(losses.get(loss), losses.SquaredError):
        Y = Y * 2.0 - 0.5
    net = mlp([4, 9, 7, 3], hidden, out, dtype=dtype, random_state=0)
    trainer = Trainer(loss, optimizers.get(opt, learning_rate=0.01), epochs=4, batch_size=16,
                      shuffle=True, random_state=0, l2=l2)  # fmt: skip
    with _kernels.jit(jit):
        history = trainer.fit(net, X, Y)
    return net.pack().copy(), [r["loss"] for r in history.records]


@pytest.mark.parametrize(
    ("hidden", "out", "loss", "opt", "l2"),
    [
        (["tanh", "leaky_relu"], "softmax", "categorical_crossentropy", "adam", 0.0),
        (["logistic", "relu"], "sigmoid", "binary_crossentropy", "sgd", 0.01),
        (["relu", "identity"], "identity", "squared_error", "adagrad", 0.0),
        (["leaky_relu", "tanh"], "identity", "squared_error", "rmsprop", 0.01),
        (["identity", "logistic"], "softmax", "categorical_crossentropy", "nadam", 0.0),
        # scikit-learn's multi-output loss: the mean over outputs, the gradient of the sum
        (["relu", "tanh"], "identity", losses._MeanValueSummedGradient(3), "adam", 0.01),
    ],
)
def test_mixed_activations_agree_with_the_reference_to_rounding(hidden, out, loss, opt, l2):
    assert _plan(hidden, out, loss, opt).small is not None  # the whole-step kernel runs
    (w_on, loss_on), (w_off, loss_off) = (_fit(j, hidden, out, loss, opt, l2=l2) for j in (1, 0))
    np.testing.assert_allclose(w_on, w_off, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss_on, loss_off, rtol=1e-12)


def test_a_second_process_loads_the_kernel_from_the_cache(tmp_path):
    code = """
        import json
        import numpy as np
        from mlplab import mlp
        from mlplab.training import TrainingRun, Trainer
        X = np.random.default_rng(0).normal(size=(12, 3)).astype(np.float32)
        Y = np.eye(2, dtype=np.float32)[[0, 1] * 6]
        net = mlp([3, 5, 2], "relu", "softmax", dtype=np.float32, random_state=0)
        trainer = Trainer("categorical_crossentropy", "adam", epochs=2, batch_size=4,
                          random_state=0)
        run = trainer.start(net, X, Y)
        kernel = run.plan.small._run_steps
        trainer.fit(net, X, Y)
        stats = kernel.stats
        compiled = stats.cache_misses  # a loaded kernel has no LLVM text to inspect
        ir = "".join(kernel.inspect_llvm(s) for s in kernel.signatures) if compiled else ""
        print(json.dumps({"hits": sum(stats.cache_hits.values()),
                          "misses": sum(stats.cache_misses.values()),
                          "tanh": "tanh" in ir, "weights": net.pack().tolist()}))
    """
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC), "NUMBA_CACHE_DIR": str(tmp_path),
           "MLPLAB_JIT": "1"}  # fmt: skip

    def run():
        out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                             capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    cold, warm = run(), run()
    assert cold["misses"] == 1 and cold["hits"] == 0  # compiled in the first process ...
    assert not cold["tanh"]  # ... without the activations the network lacks
    assert warm["misses"] == 0 and warm["hits"] == 1  # ... and loaded in the second
    assert warm["weights"] == cold["weights"]
