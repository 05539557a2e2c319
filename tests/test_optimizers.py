"""Tests of mlplab.optimizers: update formulas, convergence, dtypes, state, registry, errors."""

import math
import tracemalloc

import numpy as np
import pytest
import scipy.optimize

from mlplab import optimizers
from mlplab.optimizers import LBFGS, SGD, AdaGrad, Adam, AdamW, Nadam, Optimizer, RMSProp
from mlplab.schedules import Cosine, ExponentialDecay, StepDecay

pytestmark = pytest.mark.filterwarnings("error")

STEPWISE = [n for n in optimizers.names() if isinstance(optimizers.get(n), Optimizer)]

# Configurations exercised by the reference, dtype and checkpoint tests.
CONFIGS = [
    ("sgd", {"learning_rate": 0.1}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.8, "dampening": 0.3}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "convention": "average"}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "convention": "average", "nesterov": True}),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.1}),
    ("rmsprop", {"learning_rate": 0.01}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.9, "centered": True}),
    ("adam", {"learning_rate": 0.01}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1, "decay": [True, False]}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("nadam", {"learning_rate": 0.01}),
]
CONFIG_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in c.items())}" for n, c in CONFIGS]


def test_configs_cover_registry():
    assert {n for n, _ in CONFIGS} == set(STEPWISE)
    assert set(optimizers.names()) == {*STEPWISE, "lbfgs"}


# -- reference implementations: plain per-step formulas, new arrays each time -------------
def ref_sgd(c, st, w, g, lr, t):
    mu, d = c.get("momentum", 0.0), c.get("dampening", 0.0)
    nesterov = c.get("nesterov", False)
    if mu == 0:
        return w - lr * g
    v = st.get("v", np.zeros_like(w))
    if c.get("convention", "classical") == "classical":
        v = mu * v - lr * (1 - d) * g
        st["v"] = v
        return w + mu * v - lr * (1 - d) * g if nesterov else w + v
    v = mu * v + (1 - mu) * g
    st["v"] = v
    return w - lr * (mu * v + (1 - mu) * g) if nesterov else w - lr * v


def ref_adagrad(c, st, w, g, lr, t):
    G = st.get("G", np.full_like(w, c.get("initial_accumulator_value", 0.0))) + g**2
    st["G"] = G
    return w - lr * g / (np.sqrt(G) + c.get("eps", 1e-10))


def ref_rmsprop(c, st, w, g, lr, t):
    rho, eps, mu = c.get("rho", 0.9), c.get("eps", 1e-8), c.get("momentum", 0.0)
    v = rho * st.get("v", 0.0) + (1 - rho) * g**2
    st["v"] = v
    if c.get("centered", False):
        gbar = rho * st.get("gbar", 0.0) + (1 - rho) * g
        st["gbar"] = gbar
        denom = np.sqrt(v - gbar**2) + eps
    else:
        denom = np.sqrt(v) + eps
    if mu == 0:
        return w - lr * g / denom
    b = mu * st.get("b", 0.0) + g / denom
    st["b"] = b
    return w - lr * b


def ref_adam(c, st, w, g, lr, t):
    b1, b2, eps = c.get("beta_1", 0.9), c.get("beta_2", 0.999), c.get("eps", 1e-8)
    w = w * (1 - lr * st.get("wd", 0.0))  # AdamW's decoupled decay, 0 for Adam
    m = b1 * st.get("m", 0.0) + (1 - b1) * g
    v = b2 * st.get("v", 0.0) + (1 - b2) * g**2
    st["m"], st["v"] = m, v
    if c.get("amsgrad", False):
        v = np.maximum(st.get("vmax", 0.0), v)
        st["vmax"] = v
    lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    return w - lr_t * m / (np.sqrt(v) + eps)


def ref_nadam(c, st, w, g, lr, t):
    b1, b2, eps = c.get("beta_1", 0.9), c.get("beta_2", 0.999), c.get("eps", 1e-8)
    m = b1 * st.get("m", 0.0) + (1 - b1) * g
    v = b2 * st.get("v", 0.0) + (1 - b2) * g**2
    st["m"], st["v"] = m, v
    m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


REFERENCE = {
    "sgd": ref_sgd,
    "adagrad": ref_adagrad,
    "rmsprop": ref_rmsprop,
    "adam": ref_adam,
    "adamw": ref_adam,
    "nadam": ref_nadam,
}


def make_params(rng, dtype=np.float64):
    return [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)]


def random_grads(rng, params):
    return [rng.standard_normal(p.shape).astype(p.dtype) for p in params]


# -- one step by hand -----------------------------------------------------------------------
W0, G1, G2 = [1.0, -2.0], [0.5, 1.0], [1.0, -1.0]


@pytest.mark.parametrize(
    ("name", "config", "expected"),
    [
        # w - 0.1 g = [1 - 0.05, -2 - 0.1]
        ("sgd", {"learning_rate": 0.1}, [[0.95, -2.1], [0.85, -2.0]]),
        # v1 = -0.1 g1 = [-0.05, -0.1], w1 = [0.95, -2.1];
        # v2 = 0.9 v1 - 0.1 g2 = [-0.145, 0.01], w2 = [0.805, -2.09]
        ("sgd", {"learning_rate": 0.1, "momentum": 0.9}, [[0.95, -2.1], [0.805, -2.09]]),
        # w1 = w0 + 0.9 v1 - 0.1 g1 = [1 - 0.045 - 0.05, -2 - 0.09 - 0.1]
        (
            "sgd",
            {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
            [[0.905, -2.19]],
        ),
        # v1 = 0.1 g1 = [0.05, 0.1], w1 = w0 - 0.1 v1 = [0.995, -2.01];
        # v2 = 0.9 v1 + 0.1 g2 = [0.145, -0.01], w2 = [0.9805, -2.009]
        (
            "sgd",
            {"learning_rate": 0.1, "momentum": 0.9, "convention": "average"},
            [[0.995, -2.01], [0.9805, -2.009]],
        ),
        # w1 = w0 - 0.1 (0.9 v1 + 0.1 g1) = w0 - 0.1 [0.095, 0.19]
        (
            "sgd",
            {"learning_rate": 0.1, "momentum": 0.9, "convention": "average", "nesterov": True},
            [[0.9905, -2.019]],
        ),
        # G1 = [0.25, 1]: w1 = w0 - 0.1 sign(g1) = [0.9, -2.1];
        # G2 = [1.25, 2]: w2 = w1 - 0.1 [1/√1.25, -1/√2] = [0.8105573, -2.0292893]
        ("adagrad", {"learning_rate": 0.1}, [[0.9, -2.1], [0.8105573, -2.0292893]]),
        # v = 0.1 g² = [0.025, 0.1], g/√v = √10 sign(g): w1 = w0 - 0.01 √10 sign(g)
        ("rmsprop", {"learning_rate": 0.01}, [[1 - 0.0316228, -2 - 0.0316228]]),
        # ḡ = 0.1 g = [0.05, 0.1], v - ḡ² = [0.0225, 0.09], √ = [0.15, 0.3]: g/√ = 10/3
        ("rmsprop", {"learning_rate": 0.01, "centered": True}, [[1 - 0.0333333, -2 - 0.0333333]]),
        # The first Adam step moves each weight by lr against the gradient's sign.
        ("adam", {"learning_rate": 0.001}, [[0.999, -2.001]]),
        ("adam", {"learning_rate": 0.001, "amsgrad": True}, [[0.999, -2.001]]),
        # w0 (1 - 0.001 * 0.1) = [0.9999, -1.9998], then the Adam step: -0.001 sign(g)
        ("adamw", {"learning_rate": 0.001, "weight_decay": 0.1}, [[0.9989, -2.0008]]),
        ("adamw", {"learning_rate": 0.001, "decay": [False]}, [[0.999, -2.001]]),
        # m̂ = 0.9·0.1 g/(1 - 0.81) + 0.1 g/0.1 = (0.09/0.19 + 1) g = 1.4736842 g,
        # v̂ = g²: w1 = w0 - 0.002 · 1.4736842 sign(g) = w0 ∓ 0.0029474
        ("nadam", {"learning_rate": 0.002}, [[1 - 0.0029474, -2 - 0.0029474]]),
    ],
)
def test_steps_by_hand(name, config, expected):
    w = np.array(W0)
    opt = optimizers.get(name, **config)
    for g, want in zip([G1, G2], expected, strict=False):
        opt.step([w], [np.array(g)])
        np.testing.assert_allclose(w, want, rtol=0, atol=1e-7)
    assert opt.t == len(expected)


# -- many steps against the references ------------------------------------------------------
@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
def test_matches_reference(name, config):
    rng = np.random.default_rng(1)
    params = make_params(rng)
    ref_params = [p.copy() for p in params]
    ref_states = [{} for _ in params]
    if name == "adamw":
        decay = config.get("decay") or [True] * len(params)
        for st, d in zip(ref_states, decay, strict=True):
            st["wd"] = config["weight_decay"] if d else 0.0
    opt = optimizers.get(name, **config)
    base = config["learning_rate"]
    for t in range(1, 21):
        grads = random_grads(rng, params)
        lr = None if t % 3 else base * (1 + 0.1 * t)  # also exercise the lr override
        opt.step(params, grads, lr=lr)
        ref_params = [
            REFERENCE[name](config, st, w, g, base if lr is None else lr, t)
            for st, w, g in zip(ref_states, ref_params, grads, strict=True)
        ]
        for p, r in zip(params, ref_params, strict=True):
            np.testing.assert_allclose(p, r, rtol=1e-12, atol=1e-14)
    assert opt.t == 20


def test_schedule_as_learning_rate():
    sched = StepDecay(0.1, step_size=2, gamma=0.5)
    opt = SGD(learning_rate=sched)
    w = np.zeros(1)
    rates = []
    for _ in range(5):
        rates.append(opt.current_lr)
        before = w.copy()
        opt.step([w], [np.ones(1)])
        assert -(w - before)[0] == pytest.approx(rates[-1])
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    # An explicit lr wins over the schedule.
    opt.step([w], [np.ones(1)], lr=1.0)
    assert w[0] == pytest.approx(-(0.1 + 0.1 + 0.05 + 0.05 + 0.025 + 1.0))


def test_zero_lr_step_is_allowed():
    w = np.ones(2)
    opt = Adam()
    opt.step([w], [np.ones(2)], lr=0.0)  # a warm-up starting at 0
    np.testing.assert_array_equal(w, 1.0)
    assert opt.t == 1


# -- scikit-learn compatibility -------------------------------------------------------------
def test_sgd_and_adam_match_scikit_learn():
    # scikit-learn is a core dependency: a missing or moved module must fail, not skip.
    from sklearn.neural_network import _stochastic_optimizers as sk

    rng = np.random.default_rng(2)
    for nesterov in (False, True):
        params, sk_params = make_params(rng), None
        sk_params = [p.copy() for p in params]
        sk_opt = sk.SGDOptimizer(sk_params, 0.05, momentum=0.9, nesterov=nesterov)
        opt = SGD(0.05, momentum=0.9, nesterov=nesterov)
        for _ in range(20):
            grads = random_grads(rng, params)
            opt.step(params, grads)
            sk_opt.update_params(sk_params, grads)
        for p, s in zip(params, sk_params, strict=True):
            np.testing.assert_allclose(p, s, rtol=1e-13, atol=1e-15)
    params = make_params(rng)
    sk_params = [p.copy() for p in params]
    sk_opt = sk.AdamOptimizer(sk_params, 0.01)
    opt = Adam(0.01)
    for _ in range(20):
        grads = random_grads(rng, params)
        opt.step(params, grads)
        sk_opt.update_params(sk_params, grads)
    for p, s in zip(params, sk_params, strict=True):
        np.testing.assert_allclose(p, s, rtol=1e-13, atol=1e-15)


# -- convergence ----------------------------------------------------------------------------
QUADRATIC = [
    ("sgd", {"learning_rate": 0.019}, 1500),
    ("sgd", {"learning_rate": 0.01, "momentum": 0.9}, 400),
    ("sgd", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}, 400),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "convention": "average"}, 400),
    ("adagrad", {"learning_rate": 0.5}, 500),
    ("rmsprop", {"learning_rate": ExponentialDecay(0.05, 0.995)}, 2000),
    ("rmsprop", {"learning_rate": ExponentialDecay(0.05, 0.995), "centered": True}, 2000),
    ("adam", {"learning_rate": ExponentialDecay(0.1, 0.99)}, 1000),
    ("adam", {"learning_rate": ExponentialDecay(0.1, 0.99), "amsgrad": True}, 1000),
    ("adamw", {"learning_rate": ExponentialDecay(0.1, 0.99)}, 1000),
    ("nadam", {"learning_rate": ExponentialDecay(0.1, 0.99)}, 1000),
]


@pytest.mark.parametrize(("name", "config", "steps"), QUADRATIC)
def test_converges_on_ill_conditioned_quadratic(name, config, steps):
    # f(x) = 0.5 xᵀAx with A = diag(1, 10, 100): condition number 100, minimum at 0.
    a = np.array([1.0, 10.0, 100.0])
    x = np.ones(3)
    opt = optimizers.get(name, **config)
    for _ in range(steps):
        opt.step([x], [a * x])
    assert np.abs(x).max() < 1e-4


def rosenbrock_grad(x):
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


ROSENBROCK = [
    ("adagrad", {"learning_rate": 1.0}, 10000),
    ("rmsprop", {"learning_rate": Cosine(0.01, 8000)}, 8000),
    ("adam", {"learning_rate": 0.02}, 5000),
    ("adam", {"learning_rate": Cosine(0.02, 8000), "amsgrad": True}, 8000),
    ("adamw", {"learning_rate": 0.02, "weight_decay": 0.0}, 5000),
    ("nadam", {"learning_rate": 0.02}, 5000),
]


@pytest.mark.parametrize(("name", "config", "steps"), ROSENBROCK)
def test_converges_on_rosenbrock(name, config, steps):
    # (1 - a)² + 100 (b - a²)², minimum at (1, 1), from the usual start (-1.5, 2).
    x = np.array([-1.5, 2.0])
    opt = optimizers.get(name, **config)
    for _ in range(steps):
        opt.step([x], [rosenbrock_grad(x)])
    assert np.abs(x - 1.0).max() < 1e-2


# -- dtypes and in-place updates ------------------------------------------------------------
@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_stays_float32(name, config, grad_dtype):
    rng = np.random.default_rng(3)
    params = make_params(rng, np.float32)
    params64 = [p.astype(np.float64) for p in params]
    opt, opt64 = optimizers.get(name, **config), optimizers.get(name, **config)
    for _ in range(5):
        grads = [g.astype(grad_dtype) for g in random_grads(rng, params64)]
        opt.step(params, grads)
        opt64.step(params64, [g.astype(np.float64) for g in grads])
    assert all(p.dtype == np.float32 for p in params)
    state = opt.state_dict()
    assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))
    for p, p64 in zip(params, params64, strict=True):
        np.testing.assert_allclose(p, p64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
def test_updates_in_place(name, config):
    # Parameters as views of one flat vector, as a network may store them.
    rng = np.random.default_rng(4)
    flat = rng.standard_normal(16)
    params = [flat[:12].reshape(3, 4), flat[12:]]
    ids = [id(p) for p in params]
    before = flat.copy()
    opt = optimizers.get(name, **config)
    opt.step(params, random_grads(rng, params))
    assert [id(p) for p in params] == ids
    assert not np.array_equal(flat, before)
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in params]), flat)


@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
def test_step_allocates_no_temporary_arrays(name, config):
    # After the first step (which creates the state), a step must work in preallocated
    # buffers: nowhere near one 800 kB array may be allocated.
    rng = np.random.default_rng(6)
    params = [rng.standard_normal(100_000), rng.standard_normal(100)]
    grads = random_grads(rng, params)
    opt = optimizers.get(name, **config)
    opt.step(params, grads)
    tracemalloc.start()
    try:
        opt.step(params, grads)
        opt.step(params, grads, lr=1e-3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000


# -- checkpoints ----------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
def test_state_dict_resume_is_bit_identical(name, config, tmp_path):
    rng = np.random.default_rng(5)
    params = make_params(rng)
    grads = [random_grads(rng, params) for _ in range(20)]
    sched = Cosine(config["learning_rate"], 7, restarts=True)
    config = {**config, "learning_rate": sched}

    full = [p.copy() for p in params]
    opt = optimizers.get(name, **config)
    for g in grads:
        opt.step(full, g)

    part = [p.copy() for p in params]
    first = optimizers.get(name, **config)
    for g in grads[:10]:
        first.step(part, g)
    state = first.state_dict()
    assert state["t"] == 10
    # Through np.savez, as a checkpoint file would; the returned arrays are copies.
    np.savez(tmp_path / "opt.npz", **state)
    for v in state.values():
        if isinstance(v, np.ndarray):
            v[...] = np.nan
    with np.load(tmp_path / "opt.npz") as data:
        loaded = dict(data)
    second = optimizers.get(name, **config)
    second.load_state_dict(loaded)
    assert second.t == 10
    for g in grads[10:]:
        second.step(part, g)
    for a, b in zip(full, part, strict=True):
        np.testing.assert_array_equal(a, b)
    for key, value in opt.state_dict().items():
        np.testing.assert_array_equal(value, second.state_dict()[key])


def test_state_dict_keys_and_reset():
    opt = Adam(amsgrad=True)
    assert opt.state_dict() == {"t": 0}
    w = [np.ones((2, 2)), np.ones(2)]
    opt.step(w, [np.ones((2, 2)), np.ones(2)])
    assert sorted(opt.state_dict()) == ["m.0", "m.1", "t", "v.0", "v.1", "v_max.0", "v_max.1"]
    opt.reset()
    assert opt.t == 0 and opt.state_dict() == {"t": 0}
    opt.step([np.ones(3)], [np.ones(3)])  # a new set of parameters after reset()
    # Plain SGD keeps no state but its step count.
    sgd = SGD()
    sgd.step(w, [np.ones((2, 2)), np.ones(2)])
    assert sgd.state_dict() == {"t": 1}


def test_load_state_dict_rejects_foreign_state():
    adam = Adam()
    w = [np.ones(3)]
    adam.step(w, [np.ones(3)])
    with pytest.raises(ValueError, match=r"unexpected key 'm\.0'"):
        SGD(momentum=0.9).load_state_dict(adam.state_dict())
    with pytest.raises(ValueError, match="'t'"):
        Adam().load_state_dict({"m.0": np.ones(3)})
    state = adam.state_dict()
    del state["v.0"]
    with pytest.raises(ValueError, match="different numbers"):
        Adam().load_state_dict(state)
    other = Adam()
    other.load_state_dict(adam.state_dict())
    with pytest.raises(ValueError, match="reset"):
        other.step([np.ones(4)], [np.ones(4)])


# -- L-BFGS ---------------------------------------------------------------------------------
def logistic_problem(seed=0, n=200, d=5, alpha=1e-2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0).astype(float)

    def fun(w):
        z = X @ w
        # log(1 + e^z) - y z, stably; plus an L2 term so the minimum is unique.
        loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * alpha * w @ w
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        return float(loss), X.T @ (p - y) / n + alpha * w

    return fun, d


def test_lbfgs_reaches_scipy_minimum():
    fun, d = logistic_problem()
    reference = scipy.optimize.minimize(fun, np.zeros(d), jac=True, method="BFGS", tol=1e-12)
    opt = LBFGS(tol=1e-8)
    x0 = np.zeros(d)
    result = opt.minimize(fun, x0)
    assert result.success and opt.success_
    np.testing.assert_array_equal(x0, 0.0)  # not modified
    np.testing.assert_allclose(result.x, reference.x, atol=1e-5)
    assert result.fun == pytest.approx(reference.fun, abs=1e-10)
    assert opt.n_iter_ == result.nit > 0
    assert opt.n_fun_ == result.nfev >= opt.n_iter_
    assert isinstance(opt.message_, str) and opt.message_


def test_lbfgs_least_squares():
    rng = np.random.default_rng(1)
    A, b = rng.standard_normal((30, 4)), rng.standard_normal(30)

    def fun(x):
        r = A @ x - b
        return 0.5 * float(r @ r), A.T @ r

    result = optimizers.get("lbfgs", tol=1e-10).minimize(fun, np.zeros((2, 2)))
    np.testing.assert_allclose(result.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-7)


def test_lbfgs_respects_max_iter_and_callback():
    fun, d = logistic_problem()
    opt = LBFGS(max_iter=200, tol=1e-12)
    result = opt.minimize(fun, np.zeros(d), max_iter=3)
    assert result.nit <= 3 and opt.n_iter_ <= 3
    assert not opt.success_
    seen = []

    def callback(x):
        seen.append(x)
        return len(seen) >= 2

    opt.minimize(fun, np.zeros(d), callback=callback)
    assert len(seen) == 2 and not opt.success_
    assert opt.max_iter == 200  # the per-call override does not stick
    assert opt.state_dict() == {}
    opt.load_state_dict({})
    with pytest.raises(ValueError, match="no state"):
        opt.load_state_dict({"t": 1})
    opt.reset()
    assert opt.n_iter_ is None and opt.success_ is None


def test_lbfgs_is_not_stepwise():
    opt = optimizers.get("lbfgs")
    assert not isinstance(opt, Optimizer) and not hasattr(opt, "step")
    assert optimizers.get("l-bfgs", m=5).get_config()["m"] == 5
    with pytest.raises(ValueError, match="max_iter"):
        LBFGS(max_iter=0)
    with pytest.raises(ValueError, match="tol"):
        LBFGS(tol=-1.0)


# -- registry -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
def test_get_config_rebuilds(name, config):
    opt = optimizers.get(name, **config)
    rebuilt = optimizers.get(name, **opt.get_config())
    assert type(rebuilt) is type(opt) and rebuilt.get_config() == opt.get_config()
    assert repr(opt).startswith(type(opt).__name__ + "(")


def test_get_instance_class_and_names():
    opt = Adam()
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(RMSProp, rho=0.5), RMSProp)
    assert isinstance(optimizers.get(" AdamW "), AdamW)
    assert {type(optimizers.get(n)) for n in STEPWISE} == {
        SGD,
        AdaGrad,
        RMSProp,
        Adam,
        AdamW,
        Nadam,
    }
    assert all(issubclass(type(optimizers.get(n)), Optimizer) for n in STEPWISE)
    with pytest.raises(TypeError, match="instance"):
        optimizers.get(opt, learning_rate=0.1)
    with pytest.raises(TypeError, match="optimizer must be"):
        optimizers.get(3)


def test_unnamed_subclass_does_not_register():
    class Logged(SGD):
        pass

    assert optimizers.get("sgd").__class__ is SGD
    w = np.ones(2)
    Logged(0.5).step([w], [np.ones(2)])
    np.testing.assert_array_equal(w, 0.5)


def test_unknown_name_suggests_closest():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adma'.*'adam'.*Valid names"):
        optimizers.get("adma")


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("sgd", {"learning_rate": -0.1}, "learning_rate must be a finite number > 0"),
        ("sgd", {"learning_rate": 0.0}, "learning_rate"),
        ("adam", {"learning_rate": math.nan}, "learning_rate"),
        ("sgd", {"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
        ("sgd", {"momentum": -0.1}, "momentum"),
        ("rmsprop", {"momentum": 1.5}, "momentum"),
        ("sgd", {"momentum": 0.5, "dampening": 1.5}, r"dampening must be in \[0, 1\]"),
        ("sgd", {"nesterov": True}, "nesterov=True requires momentum > 0"),
        ("sgd", {"momentum": 0.9, "nesterov": True, "dampening": 0.1}, "nesterov"),
        ("sgd", {"momentum": 0.9, "convention": "average", "dampening": 0.1}, "dampening"),
        ("sgd", {"convention": "course"}, "convention"),
        ("adam", {"beta_1": 1.0}, r"beta_1 must be in \[0, 1\)"),
        ("nadam", {"beta_2": -0.1}, "beta_2"),
        ("adam", {"eps": 0.0}, "eps"),
        ("adagrad", {"eps": -1e-8}, "eps"),
        ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
        ("rmsprop", {"rho": 1.0}, r"rho must be in \[0, 1\)"),
        ("adamw", {"weight_decay": -0.01}, "weight_decay"),
    ],
)
def test_bad_hyperparameters(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.get(name, **kwargs)


def test_bad_hyperparameter_types():
    with pytest.raises(TypeError, match="learning_rate"):
        SGD(learning_rate="fast")
    with pytest.raises(TypeError, match="nesterov"):
        SGD(momentum=0.9, nesterov=1)
    with pytest.raises(TypeError, match="amsgrad"):
        Adam(amsgrad="yes")


def test_bad_step_arguments():
    opt = SGD()
    with pytest.raises(ValueError, match="2 parameter arrays but 1 gradients"):
        opt.step([np.ones(2), np.ones(3)], [np.ones(2)])
    with pytest.raises(ValueError, match=r"grads\[0\] has shape \(3,\)"):
        opt.step([np.ones(2)], [np.ones(3)])
    with pytest.raises(ValueError, match="lr must be"):
        opt.step([np.ones(2)], [np.ones(2)], lr=-1.0)
    with pytest.raises(TypeError, match=r"params\[0\] must be a float32 or float64"):
        opt.step([np.ones(2, dtype=int)], [np.ones(2)])
    assert opt.t == 0  # nothing counted for refused steps
    opt.step([np.ones(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="reset"):
        opt.step([np.ones(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="decay has 1 flags for 2 arrays"):
        AdamW(decay=[True]).step([np.ones(2), np.ones(2)], [np.ones(2), np.ones(2)])


# -- the packed fast path: the same rule, once, on the flat arrays -------------------------
def _tiled(rng, dtype=np.float64):
    """Parameters and gradients as views of one flat array each, as a network keeps them."""
    shapes = [(3, 4), (4,)]
    flat_p = rng.standard_normal(sum(int(np.prod(s)) for s in shapes)).astype(dtype)
    flat_g = np.empty_like(flat_p)
    params, grads, start = [], [], 0
    for s in shapes:
        n = int(np.prod(s))
        params.append(flat_p[start : start + n].reshape(s))
        grads.append(flat_g[start : start + n].reshape(s))
        start += n
    return params, grads, flat_g


@pytest.mark.parametrize(("name", "config"), CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_packed_steps_equal_per_array_steps(name, config, dtype):
    rng = np.random.default_rng(11)
    params, grads, flat_g = _tiled(rng, dtype)
    ref = [p.copy() for p in params]
    packed, per_array = optimizers.get(name, **config), optimizers.get(name, **config)
    per_array.step(ref, [np.zeros_like(p) for p in ref])  # the same first (zero) step
    packed.step(params, [np.zeros_like(p) for p in params])
    assert packed.pack(params, grads)
    for t in range(12):
        flat_g[...] = rng.standard_normal(flat_g.size)
        lr = None if t % 4 else 0.003
        packed.step(params, grads, lr)
        per_array.step(ref, [g.copy() for g in grads], lr)
        for a, b in zip(params, ref, strict=True):
            np.testing.assert_array_equal(a, b)
    assert packed.t == per_array.t == 13
    for key, value in per_array.state_dict().items():
        np.testing.assert_array_equal(packed.state_dict()[key], value)


def test_pack_is_opt_in_and_refuses_what_it_cannot_do():
    rng = np.random.default_rng(12)
    params, grads, _ = _tiled(rng)
    loose = [p.copy() for p in params]
    assert not Adam().pack(loose, [g.copy() for g in grads])  # not views of one array

    class OwnRule(SGD):
        def _rule(self, lr, w, g, state, scratch):
            w -= lr * g

    assert not OwnRule().pack(params, grads)  # not declared elementwise

    class Recording(SGD):  # overrides step, keeps SGD's rule: packable, and still called
        calls = 0

        def step(self, params, grads, lr=None):
            Recording.calls += 1
            super().step(params, grads, lr)

    rec = Recording(0.1)
    assert rec.pack(params, grads)
    rec.step(params, grads)
    assert Recording.calls == 1
    opt = Adam()
    assert opt.pack(params, grads)
    opt.reset()
    assert opt._packed is None  # reset ends it
