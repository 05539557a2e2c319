"""A training run driven a piece at a time, and what a run gives back to its trainer.

``Trainer.start`` begins a :class:`~mlplab.training.TrainingRun`; ``run_epoch`` and
``run_steps`` train it as a program that draws between steps would (the playground),
``finish`` ends it. Whatever the pieces, the weights are those of one ``fit``.
"""

from __future__ import annotations

import numpy as np
import pytest

from mlplab import optimizers
from mlplab.callbacks import Callback, EarlyStopping
from mlplab.diagnostics import Diagnostics
from mlplab.network import mlp
from mlplab.schedules import ExponentialDecay
from mlplab.training import NON_FINITE_WEIGHTS, DivergenceWarning, RunStart, Trainer


def _data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])


def _net(seed=0, **kwargs):
    return mlp([3, 6, 2], "tanh", random_state=seed, **kwargs)


def _trainer(**kwargs):
    defaults = dict(loss="squared_error", optimizer="adam", learning_rate=0.01, epochs=6)
    return Trainer(**{**defaults, "batch_size": 8, "random_state": 1, **kwargs})


class _Log(Callback):
    reads_layer_values = False

    def __init__(self):
        self.seen = []

    def on_epoch_end(self, run, logs):
        self.seen.append((run.epoch, run.step, logs["loss"]))


def test_steps_and_epochs_in_pieces_give_the_weights_of_one_fit():
    X, y = _data()
    whole = _net()
    reference = _trainer().fit(whole, X, y)
    for pieces in ([1] * 60, [3, 5, 7, 11, 100], [7] * 9):
        net, log = _net(), _Log()
        run = _trainer(callbacks=[log]).start(net, X, y)
        taken = [run.run_steps(k) for k in pieces if not run.done]
        history = run.finish()
        # 50 rows in batches of 8: 7 steps an epoch, 6 epochs.
        assert sum(taken) == run.step == 42 and run.done
        np.testing.assert_array_equal(net.pack(), whole.pack())
        assert history["loss"] == reference["loss"]
        assert [s for _, s, _ in log.seen] == [7, 14, 21, 28, 35, 42]
    net = _net()
    run = _trainer().start(net, X, y)
    records = []
    while not run.done:
        records.append(run.run_epoch())
    assert [r["epoch"] for r in records] == list(range(6))
    assert run.run_epoch() is None  # nothing left
    run.finish()
    np.testing.assert_array_equal(net.pack(), whole.pack())


def test_an_epoch_can_be_finished_after_some_steps():
    X, y = _data()
    net = _net()
    run = _trainer().start(net, X, y)
    assert run.run_steps(3) == 3 and run.epoch == 0 and not run.done
    record = run.run_epoch()  # the 4 steps left of epoch 0
    assert record["epoch"] == 0 and run.step == 7 and run.epoch == 1


def test_finish_and_misuse():
    X, y = _data()
    run = _trainer().start(_net(), X, y)
    run.run_epoch()
    history = run.finish()
    assert run.finish() is history and len(history) == 1
    with pytest.raises(RuntimeError, match="finished"):
        run.run_epoch()
    with pytest.raises(ValueError, match="steps"):
        _trainer().start(_net(), X, y).run_steps(0)
    with pytest.raises(TypeError, match="L-BFGS"):
        _trainer(optimizer="lbfgs").start(_net(), X, y).run_epoch()
    lbfgs = _trainer(optimizer="lbfgs", epochs=5).start(_net(), X, y)
    assert len(lbfgs.run()) >= 1  # L-BFGS runs as a whole


def test_divergence_in_pieces_is_handled_as_in_fit():
    X, y = _data()
    y = y * 1e3
    kw = dict(optimizer=optimizers.SGD(50.0), learning_rate=None, epochs=20)
    fitted = _net()
    with pytest.warns(DivergenceWarning):
        expected = _trainer(**kw).fit(fitted, X, y)
    net = _net()
    run = _trainer(**kw).start(net, X, y)
    with pytest.warns(DivergenceWarning):
        while not run.done:
            run.run_steps(2)
    history = run.finish()
    assert history.diverged and run.stop_reason == expected.stop_reason
    np.testing.assert_array_equal(net.pack(), fitted.pack())
    assert history.final_loss == expected.final_loss


def test_nothing_finite_raises_at_finish():
    X = np.finfo(np.float64).max * np.random.default_rng(0).uniform(0, 1, (50, 3))
    y = np.ones((50, 2))
    run = _trainer().start(mlp([3, 6, 2], "relu", random_state=0), X, y)
    assert run.run_epoch() is None and run.done and run.history.diverged
    with pytest.raises(ValueError, match="non-finite"):
        run.finish()
    assert NON_FINITE_WEIGHTS.startswith("Solver produced non-finite")


def test_a_run_start_continues_the_optimizer():
    """Two runs of 3 epochs, the second started from the first's optimizer, are one of 6."""
    X, y = _data()
    one = _net()
    Trainer("squared_error", "adam", epochs=6, batch_size=50, shuffle=False).fit(one, X, y)
    two = _net()
    first = Trainer("squared_error", "adam", epochs=3, batch_size=50, shuffle=False)
    first.fit(two, X, y)
    state = first.last_run.optimizer.state_dict()
    second = Trainer("squared_error", "adam", epochs=3, batch_size=50, shuffle=False)
    second.fit(two, X, y, start=RunStart(optimizer=state, samples_seen=150))
    np.testing.assert_array_equal(two.pack(), one.pack())
    assert second.last_run.samples_seen == 150 + 3 * 50
    with pytest.raises(ValueError, match="n_init"):
        second.fit(two, X, y, n_init=2, start=RunStart())


def test_the_trainer_is_not_changed_by_training():
    X, y = _data()
    opt = optimizers.Adam(0.01)
    trainer = Trainer("squared_error", opt, epochs=2, random_state=0)
    trainer.fit(_net(), X, y)
    assert trainer.optimizer is opt and opt.t == 0  # each run trains its own copy
    assert trainer.last_run.optimizer is not opt and trainer.last_run.optimizer.t > 0
    assert trainer.step == trainer.last_run.step and trainer.history is trainer.last_run.history


def test_n_init_gives_the_callbacks_the_state_of_the_kept_run():
    X, y = _data()
    Xv, yv = _data(20, seed=1)
    stop = EarlyStopping("val_loss", patience=3)
    diagnostics = Diagnostics()
    trainer = _trainer(epochs=15, callbacks=[stop, diagnostics], random_state=4)
    history = trainer.fit(_net(), X, y, validation_data=(Xv, yv), n_init=3)
    kept = trainer.last_run
    assert kept.index == 1  # not the last restart: its state had to come back
    assert len(diagnostics.runs) == 3
    assert diagnostics.records is diagnostics.runs[kept.index]
    assert len(diagnostics.runs[2]) != len(diagnostics.runs[1])  # the last run's are its own
    assert {r["epoch"] for r in diagnostics.records} == set(range(len(history)))
    best = int(np.argmin(history["val_loss"]))
    assert stop.best_epoch == best and stop.best == min(history["val_loss"])
    # The fit lets the data go when it is done with its runs (no cycle keeps it alive).
    with pytest.raises(RuntimeError, match="let its data go"):
        kept.measure()


def test_validation_is_scored_a_block_of_rows_at_a_time(monkeypatch):
    import mlplab.training as training

    X, y = _data()
    Xv, yv = _data(301, seed=2)
    full = _trainer(epochs=2).fit(_net(), X, y, validation_data=(Xv, yv))
    # Blocks of 10 rows (the hidden layers hold 6 numbers per row).
    monkeypatch.setattr(training, "BLOCK_ELEMENTS", 60)
    blocks = _trainer(epochs=2).fit(_net(), X, y, validation_data=(Xv, yv))
    np.testing.assert_allclose(blocks["val_loss"], full["val_loss"], rtol=1e-12)
    assert blocks["loss"] == full["loss"]


def test_weight_decay_is_adamws_decay_in_the_same_order():
    """Trainer(adam, weight_decay) and AdamW decay the weights alike, before the step."""
    X, y = _data()
    a, b = _net(), _net()
    _trainer(optimizer=optimizers.Adam(0.01), learning_rate=None, weight_decay=0.3).fit(a, X, y)
    adamw = optimizers.AdamW(0.01, weight_decay=0.3, decay=b.regularized)
    _trainer(optimizer=adamw, learning_rate=None).fit(b, X, y)
    np.testing.assert_array_equal(a.pack(), b.pack())


def test_decoupled_decay_by_hand():
    """One full-batch SGD step: w ← w (1 − lr λ) − lr g, biases not decayed."""
    X, y = _data()
    net = _net()
    before = [p.copy() for p in net.params]
    _, grads = net.loss_and_gradients(X, y, "squared_error")
    grads = [g.copy() for g in grads]
    lr, wd = 0.1, 0.5
    trainer = Trainer(
        "squared_error", "sgd", learning_rate=lr, epochs=1, batch_size=None, weight_decay=wd
    )
    trainer.fit(net, X, y)
    for p, p0, g, reg in zip(net.params, before, grads, net.regularized, strict=True):
        expected = p0 * (1 - lr * wd) - lr * g if reg else p0 - lr * g
        np.testing.assert_allclose(p, expected, rtol=1e-13, atol=1e-15)


def test_a_fit_lets_its_data_go():
    """After fit, nothing of the trainer keeps the training matrices alive (no gc needed)."""
    import gc
    import weakref

    X, y = _data()
    refs = [weakref.ref(X), weakref.ref(y)]
    trainer = _trainer(epochs=2)
    gc.disable()
    try:
        trainer.fit(_net(), X, y, n_init=2)
        del X, y
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()
    assert len(trainer.history) == 2  # the run itself stays readable


def test_a_new_configuration_goes_on_from_the_old_run():
    """As a playground does on a hot change: finish, and start a new trainer's run from it."""
    X, y = _data()
    net = _net()
    schedule = ExponentialDecay(0.05, gamma=0.9)
    first = _trainer(optimizer="sgd", learning_rate=schedule, epochs=1000).start(net, X, y)
    first.run_epoch()
    first.run_epoch()
    old = first.finish()
    second = _trainer(optimizer="sgd", learning_rate=schedule, epochs=1000, l2=0.1).start(
        net,
        X,
        y,
        start=RunStart(
            optimizer=first.optimizer.state_dict(),
            epoch=first.epoch,
            step=first.step,
            samples_seen=first.samples_seen,
        ),
    )
    record = second.run_epoch()
    assert record["epoch"] == 2 and record["lr"] == pytest.approx(0.05 * 0.9**2)
    assert second.step == first.step + 7 and len(old) == 2
