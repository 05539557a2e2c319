"""Tests of mlplab.schedules: rates against hand-computed values, state, registry, errors."""

import math
import warnings

import numpy as np
import pytest

from mlplab import schedules
from mlplab.schedules import (
    Constant,
    Cosine,
    ExponentialDecay,
    InverseTime,
    LinearDecay,
    ReduceOnPlateau,
    StepDecay,
    Warmup,
)

pytestmark = pytest.mark.filterwarnings("error")

# One valid configuration per registered name, for the registry-wide checks.
EXAMPLES = {
    "constant": {"lr": 0.1},
    "step": {"lr": 0.1, "step_size": 3, "gamma": 0.5},
    "exponential": {"lr": 0.1, "gamma": 0.9},
    "invscaling": {"lr": 0.1, "power_t": 0.25},
    "linear": {"lr": 0.1, "final_lr": 0.01, "decay_steps": 7},
    "cosine": {"lr": 0.1, "period": 5, "min_lr": 0.01, "restarts": True, "period_mult": 2.0},
    "adaptive": {"lr": 0.1, "patience": 2},
    "warmup": {"schedule": Constant(0.1), "warmup_steps": 3, "start_factor": 0.2},
}


def test_examples_cover_registry():
    assert set(EXAMPLES) == set(schedules.names())


# -- formulas at chosen steps ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (Constant(0.1), {0: 0.1, 1: 0.1, 10**6: 0.1}),
        # 0.1 * 0.5 ** (t // 10)
        (StepDecay(0.1, 10, 0.5), {0: 0.1, 9: 0.1, 10: 0.05, 25: 0.025}),
        (StepDecay(0.1, 1), {0: 0.1, 1: 0.01, 2: 0.001}),
        # 0.1 * 0.5 ** t
        (ExponentialDecay(0.1, 0.5), {0: 0.1, 1: 0.05, 3: 0.0125}),
        (ExponentialDecay(0.1, 1.0), {0: 0.1, 50: 0.1}),
        # 1 / sqrt(t + 1): t=3 -> 1/2, t=8 -> 1/3
        (InverseTime(1.0), {0: 1.0, 3: 0.5, 8: 1 / 3}),
        # 0.1 / (t + 1): t=4 -> 0.02
        (InverseTime(0.1, power_t=1.0), {4: 0.02}),
        (InverseTime(0.1, power_t=0.0), {4: 0.1}),
        # (1 - t/10) * 0.1 + (t/10) * 0.01: t=2 -> 0.08 + 0.002, t=5 -> 0.05 + 0.005
        (LinearDecay(0.1, 0.01, 10), {0: 0.1, 2: 0.082, 5: 0.055, 10: 0.01, 100: 0.01}),
        # 0.5 * (1 + cos(pi t / 10)): t=5 -> 0.5; after the period: min_lr
        (Cosine(1.0, 10), {0: 1.0, 5: 0.5, 10: 0.0, 25: 0.0}),
        # 0.2 + 0.4 * (1 + cos(pi t / 10)): t=5 -> 0.6, t=10 -> 0.2
        (Cosine(1.0, 10, min_lr=0.2), {0: 1.0, 5: 0.6, 10: 0.2, 11: 0.2}),
        # 0.5 * (1 + cos(pi/4)) = 0.853553...
        (Cosine(1.0, 4), {1: 0.5 * (1 + math.sqrt(0.5))}),
    ],
    ids=repr,
)
def test_rates_match_formula(schedule, expected):
    for t, rate in expected.items():
        assert schedule.rate(t) == pytest.approx(rate, rel=1e-12, abs=1e-15)
        assert schedule(t) == schedule.rate(t)


def test_cosine_restarts():
    s = Cosine(1.0, 10, restarts=True)
    # Back to lr at every multiple of the period, half way in the middle of each cycle.
    for t in (0, 10, 20, 100):
        assert s.rate(t) == pytest.approx(1.0)
        assert s.rate(t + 5) == pytest.approx(0.5)
    assert s.rate(9) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.9)))
    assert s.rate(9) < 0.03 < s.rate(10)


def test_cosine_restarts_with_growing_period():
    # period 10, mult 2: cycles [0, 10), [10, 30), [30, 70), [70, 150)
    s = Cosine(1.0, 10, min_lr=0.0, restarts=True, period_mult=2.0)
    expected = {0: 1.0, 5: 0.5, 10: 1.0, 20: 0.5, 30: 1.0, 50: 0.5, 70: 1.0, 110: 0.5}
    for t, rate in expected.items():
        assert s.rate(t) == pytest.approx(rate, abs=1e-12)
    # Fractional lengths: period 4, mult 1.5 -> cycles [0, 4), [4, 10), [10, 19)
    s = Cosine(1.0, 4, restarts=True, period_mult=1.5)
    assert s.rate(4) == pytest.approx(1.0)
    assert s.rate(7) == pytest.approx(0.5)
    assert s.rate(10) == pytest.approx(1.0)
    assert s.rate(9) < 0.1


def test_warmup_ramps_linearly_then_shifts_inner_schedule():
    # Ramp from 0 to rate(0) = 0.1 over 4 steps: 0, 0.025, 0.05, 0.075, then 0.1.
    s = Warmup(Constant(0.1), warmup_steps=4)
    assert [s.rate(t) for t in range(6)] == pytest.approx([0.0, 0.025, 0.05, 0.075, 0.1, 0.1])
    # start_factor 0.5 over 4 steps: 0.05, 0.0625, 0.075, 0.0875; then the inner
    # StepDecay(0.1, 2, 0.5) from its own t = 0: 0.1, 0.1, 0.05, 0.05, 0.025.
    s = Warmup(StepDecay(0.1, 2, 0.5), warmup_steps=4, start_factor=0.5)
    rates = [s.rate(t) for t in range(9)]
    expected = [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1, 0.05, 0.05, 0.025]
    assert rates == pytest.approx(expected)
    assert np.diff(rates[:5]) == pytest.approx([0.0125] * 4)


def test_warmup_accepts_names_and_numbers():
    assert isinstance(Warmup(0.1, 2).schedule, Constant)
    assert Warmup("constant", 2).rate(2) == Constant().rate(0)
    s = Warmup(Cosine(1.0, 4), 2)
    assert s.rate(2) == pytest.approx(1.0)
    assert s.rate(4) == pytest.approx(0.5)


# -- ReduceOnPlateau ------------------------------------------------------------------------
def test_plateau_reduces_by_five_after_patience():
    s = ReduceOnPlateau(0.1, patience=2)
    s.update(1.0)  # first value: an improvement on +inf
    assert s.rate(0) == 0.1
    s.update(1.0)  # 1 epoch without improvement
    s.update(1.0)  # 2: still tolerated
    assert s.rate(5) == 0.1
    assert s.num_bad_epochs == 2
    s.update(1.0)  # 3 > patience: divide by 5, reset the counter
    assert s.rate(0) == pytest.approx(0.02)
    assert s.num_bad_epochs == 0
    assert s.num_reductions == 1
    assert not s.stop
    s.update(0.5)  # improvement
    s.update(0.5)
    s.update(0.5)
    assert s.rate(0) == pytest.approx(0.02)
    s.update(0.5)
    assert s.rate(0) == pytest.approx(0.004)


def test_plateau_tol_and_best():
    s = ReduceOnPlateau(0.1, patience=1, tol=1e-4)
    s.update(1.0)
    s.update(1.0 - 5e-5)  # better, but by less than tol: no improvement
    assert s.num_bad_epochs == 1
    assert s.best == 1.0 - 5e-5  # the best value still moves
    s.update(s.best - 1e-4)  # exactly tol better: an improvement (loss > best - tol is bad)
    assert s.num_bad_epochs == 0
    s.update(math.nan)  # NaN never improves
    assert s.num_bad_epochs == 1


def test_plateau_mode_max():
    s = ReduceOnPlateau(1.0, patience=1, tol=0.01, mode="max")
    s.update(0.5)
    s.update(0.505)  # not better by tol
    assert s.num_bad_epochs == 1
    s.update(0.6)
    assert s.num_bad_epochs == 0
    s.update(0.1)
    s.update(0.1)
    assert s.rate(0) == pytest.approx(0.2)


def test_plateau_stops_at_min_lr():
    # lr 1e-5 -> 2e-6 -> 4e-7; the next due reduction finds lr <= 1e-6 and stops.
    s = ReduceOnPlateau(1e-5, patience=1)
    s.update(1.0)
    history = []
    for _ in range(6):
        s.update(1.0)
        history.append((s.rate(0), s.stop))
    assert history[0] == (1e-5, False)
    assert history[1][0] == pytest.approx(2e-6)
    assert history[3][0] == pytest.approx(4e-7)
    assert not history[3][1]
    assert history[5] == (pytest.approx(4e-7), True)
    assert s.num_reductions == 2


def _sklearn_adaptive(lr, losses, n_iter_no_change=10, tol=1e-4):
    """scikit-learn's MLP loop around SGDOptimizer with learning_rate="adaptive"."""
    best, count, rates = np.inf, 0, []
    for loss in losses:
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count > n_iter_no_change:
            if lr <= 1e-6:
                rates.append((lr, True))
                break
            lr /= 5.0
            count = 0
        rates.append((lr, False))
    return rates


def test_plateau_matches_scikit_learn_loop():
    rng = np.random.default_rng(0)
    losses = np.concatenate([np.linspace(1, 0.5, 20), 0.5 + 0.001 * rng.standard_normal(300)])
    expected = _sklearn_adaptive(0.01, losses)
    s = ReduceOnPlateau(0.01)
    got = []
    for loss in losses:
        s.update(loss)
        got.append((s.rate(0), s.stop))
        if s.stop:
            break
    assert got == expected
    assert got[-1][1]


def test_plateau_state_dict_round_trip(tmp_path):
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]
    a = ReduceOnPlateau(0.1, patience=2)
    b = ReduceOnPlateau(0.1, patience=2)
    for loss in losses[:5]:
        a.update(loss)
        b.update(loss)
    # Through np.savez, as a checkpoint would: scalars come back as 0-d arrays.
    np.savez(tmp_path / "s.npz", **b.state_dict())
    with np.load(tmp_path / "s.npz") as data:
        state = dict(data)
    c = ReduceOnPlateau(0.1, patience=2)
    c.load_state_dict(state)
    for loss in losses[5:]:
        a.update(loss)
        c.update(loss)
        assert c.rate(0) == a.rate(0)
        assert c.state_dict() == a.state_dict()
    with pytest.raises(ValueError, match="keys"):
        c.load_state_dict({"current_lr": 0.1})


def test_warmup_forwards_state_to_inner_schedule():
    s = Warmup(ReduceOnPlateau(0.1, patience=1), warmup_steps=2)
    for _ in range(3):
        s.update(1.0)
    assert s.rate(2) == pytest.approx(0.02)
    assert s.rate(0) == 0.0
    state = s.state_dict()
    assert state["schedule.current_lr"] == pytest.approx(0.02)
    t = Warmup(ReduceOnPlateau(0.1, patience=1), warmup_steps=2)
    t.load_state_dict(state)
    assert t.rate(5) == s.rate(5)
    assert not t.stop


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_stateless_defaults(name):
    s = schedules.get(name, **EXAMPLES[name])
    if name in ("adaptive", "warmup"):
        return
    s.update(1.0)  # a no-op
    assert s.stop is False
    assert s.state_dict() == {}
    s.load_state_dict({})
    with pytest.raises(ValueError, match="no state"):
        s.load_state_dict({"lr": 1.0})


# -- registry -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_get_config_rebuilds(name):
    s = schedules.get(name, **EXAMPLES[name])
    rebuilt = schedules.get(name, **s.get_config())
    assert type(rebuilt) is type(s)
    assert [rebuilt.rate(t) for t in range(30)] == [s.rate(t) for t in range(30)]
    assert type(s).__name__ in repr(s)


def test_names_and_aliases():
    assert {"constant", "step", "exponential", "invscaling", "linear", "cosine", "adaptive"} <= set(
        schedules.names()
    )
    with_aliases = schedules.names(include_aliases=True)
    assert "inverse_time" in with_aliases and "plateau" in with_aliases
    assert isinstance(schedules.get("inverse_time", lr=0.1), InverseTime)
    assert isinstance(schedules.get("Plateau", lr=0.1), ReduceOnPlateau)
    assert isinstance(schedules.get(" Inverse-Time ", lr=0.1), InverseTime)


def test_sklearn_names_have_a_default_rate():
    # scikit-learn's learning_rate options work by name alone, at learning_rate_init.
    for name in ("constant", "invscaling", "adaptive"):
        assert schedules.get(name).rate(0) == 0.001


def test_get_number_instance_and_class():
    c = schedules.get(0.05)
    assert isinstance(c, Constant) and c.rate(3) == 0.05
    assert schedules.get(1).rate(0) == 1.0
    s = Cosine(1.0, 3)
    assert schedules.get(s) is s
    assert isinstance(schedules.get(StepDecay, lr=0.1, step_size=2), StepDecay)
    with pytest.raises(TypeError, match="instance"):
        schedules.get(s, lr=0.1)
    with pytest.raises(TypeError, match="constant"):
        schedules.get(0.1, lr=0.2)
    with pytest.raises(TypeError, match="schedule must be"):
        schedules.get([0.1])
    with pytest.raises(TypeError):
        schedules.get(True)


def test_unnamed_subclass_does_not_register():
    class Halved(Constant):
        def _rate(self, t):
            return 0.5 * self.lr

    assert type(schedules.get("constant")) is Constant
    assert Halved(0.2).rate(3) == pytest.approx(0.1)


def test_unknown_name_suggests_closest():
    with pytest.raises(ValueError, match=r"unknown schedule 'cosin'.*'cosine'.*Valid names"):
        schedules.get("cosin", lr=0.1, period=3)
    with pytest.raises(ValueError, match="Valid names: adaptive"):
        schedules.get("zzzz")


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cls", "kwargs", "argname"),
    [
        (Constant, {"lr": -0.1}, "lr"),
        (Constant, {"lr": 0.0}, "lr"),
        (Constant, {"lr": math.inf}, "lr"),
        (StepDecay, {"lr": 0.1, "step_size": 0}, "step_size"),
        (StepDecay, {"lr": 0.1, "step_size": 2, "gamma": 0.0}, r"gamma must be in \(0, 1\]"),
        (StepDecay, {"lr": 0.1, "step_size": 2, "gamma": 1.5}, "gamma"),
        (ExponentialDecay, {"lr": 0.1, "gamma": -0.5}, "gamma"),
        (InverseTime, {"lr": 0.1, "power_t": -1.0}, "power_t"),
        (LinearDecay, {"lr": 0.1, "final_lr": -0.1, "decay_steps": 3}, "final_lr"),
        (LinearDecay, {"lr": 0.1, "final_lr": 0.0, "decay_steps": 0}, "decay_steps"),
        (Cosine, {"lr": 0.1, "period": 0}, "period"),
        (Cosine, {"lr": 0.1, "period": 3, "min_lr": 0.2}, "min_lr"),
        (Cosine, {"lr": 0.1, "period": 3, "restarts": True, "period_mult": 0.5}, "period_mult"),
        (Warmup, {"schedule": 0.1, "warmup_steps": 0}, "warmup_steps"),
        (Warmup, {"schedule": 0.1, "warmup_steps": 2, "start_factor": 2.0}, "start_factor"),
        (ReduceOnPlateau, {"lr": 0.1, "factor": 1.0}, r"factor must be in \(0, 1\)"),
        (ReduceOnPlateau, {"lr": 0.1, "factor": 0.0}, "factor"),
        (ReduceOnPlateau, {"lr": 0.1, "patience": 0}, "patience"),
        (ReduceOnPlateau, {"lr": 0.1, "tol": -1.0}, "tol"),
        (ReduceOnPlateau, {"lr": -0.1}, "lr"),
        (ReduceOnPlateau, {"lr": 0.1, "mode": "avg"}, "mode"),
    ],
)
def test_bad_parameters(cls, kwargs, argname):
    with pytest.raises(ValueError, match=argname):
        cls(**kwargs)


@pytest.mark.parametrize(
    ("cls", "kwargs", "argname"),
    [
        (Constant, {"lr": "0.1"}, "lr"),
        (StepDecay, {"lr": 0.1, "step_size": 2.5}, "step_size"),
        (Cosine, {"lr": 0.1, "period": 3, "restarts": 1}, "restarts"),
    ],
)
def test_bad_parameter_types(cls, kwargs, argname):
    with pytest.raises(TypeError, match=argname):
        cls(**kwargs)


def test_bad_step():
    s = Constant(0.1)
    with pytest.raises(ValueError, match="t must be >= 0"):
        s.rate(-1)
    with pytest.raises(TypeError, match="t must be an integer"):
        s.rate(1.5)
    assert s.rate(np.int64(3)) == 0.1


# -- the plateau rule, written once ---------------------------------------------------------
def test_plateau_rule():
    from mlplab.schedules import Plateau

    rule = Plateau("min", tol=0.1, patience=2)
    # 1.0 is a best; 0.95 is better but not by tol: a new best, and a bad epoch.
    assert rule.update(1.0) and rule.bad_epochs == 0
    assert rule.update(0.95) and rule.bad_epochs == 1 and rule.best == 0.95
    assert not rule.update(float("nan")) and rule.bad_epochs == 2 and not rule.exhausted
    assert not rule.update(2.0) and rule.exhausted  # the patience + 1-th bad epoch
    assert rule.update(0.5) and rule.bad_epochs == 0  # an improvement by >= tol resets
    score = Plateau("max", tol=0.0, patience=0)
    assert score.update(0.5) and not score.update(0.4) and score.exhausted
    assert not score.update(0.5) and score.bad_epochs == 0  # equal counts as no worse (tol 0)
    never = Plateau("min", patience=math.inf)
    for v in range(100):
        never.update(v)
    assert not never.exhausted
    with pytest.raises(ValueError, match="mode"):
        Plateau("avg")


def test_early_stopping_and_reduce_on_plateau_share_the_rule():
    """EarlyStopping(patience=p) stops when ReduceOnPlateau(patience=p - 1) would reduce."""
    from mlplab.callbacks import EarlyStopping

    rng = np.random.default_rng(3)
    values = list(np.cumsum(rng.normal(0, 1, 200)))

    class Run:
        has_validation, stop_training, stop_reason, network = False, False, None, None

    for p in (1, 3, 7):
        stop = EarlyStopping("loss", patience=p, min_delta=0.05, restore_best_weights=False)
        run = Run()
        stop.on_train_begin(run)
        plateau = ReduceOnPlateau(1.0, patience=max(p - 1, 1), tol=0.05) if p > 1 else None
        for epoch, v in enumerate(values):
            stop.on_epoch_end(run, {"epoch": epoch, "loss": v})
            if plateau is not None:
                plateau.update(v)
            if run.stop_training:
                break
        assert run.stop_training and stop.wait == p
        if plateau is not None:
            assert plateau.num_reductions >= 1  # it fired on the same epoch
            assert plateau.best == stop.best


@pytest.mark.parametrize("name", ["constant", "step", "exponential", "linear", "cosine"])
def test_from_name_constants(name):
    lr, horizon = 0.1, 30
    s = schedules.from_name(name, lr, horizon)
    assert s.rate(0) == pytest.approx(lr)
    end = s.rate(horizon)
    expected = {"constant": lr, "step": lr * 0.01 * 0.1, "exponential": lr / 100}
    expected |= {"linear": lr / 100, "cosine": lr / 100}
    if name == "step":  # ×0.1 every horizon // 3 = 10 units: 1 % at 20, 0.1 % at 30
        assert s.rate(19) == pytest.approx(lr * 0.1) and s.rate(20) == pytest.approx(lr / 100)
    assert end == pytest.approx(expected[name])


def test_from_name_names_and_errors():
    assert isinstance(schedules.from_name("invscaling", 0.1, 5), InverseTime)
    assert isinstance(schedules.from_name("plateau", 0.1, 5), ReduceOnPlateau)
    with pytest.raises(ValueError, match="valid names"):
        schedules.from_name("warmup", 0.1, 5)
    with pytest.raises(ValueError, match="horizon"):
        schedules.from_name("step", 0.1, 0)


def test_estimator_and_command_line_share_the_constants(tmp_path):
    """learning_rate="step" of the estimator and --schedule step are from_name's schedule."""
    from sklearn.exceptions import ConvergenceWarning

    from mlplab import MLPClassifier, callbacks
    from mlplab.cli import main

    rates = []

    class Rates(callbacks.Callback):
        reads_layer_values = False

        def on_epoch_end(self, run, logs):
            rates.append(logs["lr"])

    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    for name in ("step", "cosine", "exponential", "linear"):
        rates.clear()
        clf = MLPClassifier(
            (4,),
            learning_rate=name,
            learning_rate_init=0.1,
            max_iter=9,
            callbacks=[Rates()],
            n_iter_no_change=np.inf,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # 9 epochs, on purpose
            clf.fit(X, y)
        expected = schedules.from_name(name, 0.1, 9)
        assert rates == [expected.rate(t) for t in range(9)]
    out = tmp_path / "runs"
    out.mkdir()
    flags = ["--schedule", "step", "--epochs", "6", "--learning-rate", "0.1"]
    code = main(["train", *flags, "--no-early-stopping", "--out", str(out), "--figures", "none"])
    assert code == 0
    (folder,) = out.iterdir()
    from mlplab.tabular import TabularModel

    model = TabularModel.load(folder / "model")
    assert model.estimator.learning_rate == "step"
