"""Training that ends in a state a user can trust (issue 9).

Divergence is detected from NaN/inf or an epoch loss that keeps blowing up, never from
batch losses compared with each other; after a divergence the weights kept have a
finite, measured loss that ``loss_`` reports; L-BFGS warns or refuses instead of a
silent success; batch norm never learns from one row; and the smaller behaviours of
scikit-learn (sample-weighted loss curves, verbose lines, early-stopping errors).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings

import numpy as np
import pytest
from scipy.special import xlogy
from sklearn import neural_network as sknn
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from mlplab import MLPClassifier, MLPRegressor, optimizers
from mlplab.callbacks import Callback, Checkpoint
from mlplab.layers import BatchNorm, Dense
from mlplab.network import Sequential, mlp
from mlplab.training import NON_FINITE_WEIGHTS, Divergence, DivergenceWarning, Trainer

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # A divergence a test does not expect is a failure.
    pytest.mark.filterwarnings("error::mlplab.training.DivergenceWarning"),
]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _penalty(est, n):
    return 0.5 * est.alpha * sum(float(np.sum(W * W)) for W in est.coefs_) / n


def _twin(sk_cls, ml_cls, X, y, sample_weight=None, **params):
    """An sklearn and an mlplab estimator whose next fit starts from the same weights."""
    a = sk_cls(max_iter=1, warm_start=True, random_state=0, **params)
    b = ml_cls(max_iter=1, warm_start=True, random_state=0, **params)
    a.fit(X, y, sample_weight=sample_weight)
    b.fit(X, y, sample_weight=sample_weight)
    b.coefs_ = a.coefs_
    b.intercepts_ = a.intercepts_
    return a, b


# -- 1. divergence is detected, never imagined -----------------------------------------------
def test_unshuffled_x_squared_with_small_batches_trains_every_epoch():
    """Sorted inputs: the first batch's loss is ~1e-4, later ones ~1e7. Not a divergence."""
    X = np.sort(np.random.default_rng(1).uniform(0, 10, (1000, 1)), 0)
    y = X[:, 0] ** 2
    kw = dict(hidden_layer_sizes=(32,), batch_size=16, max_iter=30, shuffle=False, random_state=0)
    ours = MLPRegressor(**kw).fit(X, y)
    theirs = sknn.MLPRegressor(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 30 and len(ours.loss_curve_) == 30
    assert np.isfinite(ours.loss_curve_).all()
    assert r2_score(y, ours.predict(X)) >= r2_score(y, theirs.predict(X)) - 0.05
    assert r2_score(y, ours.predict(X)) > 0.8


def test_log_normal_target_trains_every_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))
    y = np.exp(2.5 * X[:, 0] + rng.normal(0, 0.1, 500))
    kw = dict(max_iter=50, batch_size=16, learning_rate_init=0.01, random_state=0)
    ours = MLPRegressor(**kw).fit(X, y)
    theirs = sknn.MLPRegressor(**kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 50
    assert r2_score(y, ours.predict(X)) >= r2_score(y, theirs.predict(X)) - 0.05
    assert r2_score(y, ours.predict(X)) > 0.5


def test_the_rule_never_stops_an_improving_fit():
    rule = Divergence(factor=10.0, patience=2)
    # Decreasing, and a spike that comes back down within the patience: no divergence.
    for loss in [1.0, 0.5, 0.2, 0.1, 50.0, 5.0, 0.9, 0.05, 0.04]:
        assert not rule.epoch_diverged(loss)
    rule.reset()
    # Above 10 × the best for two epochs without coming down: diverged.
    assert [rule.epoch_diverged(v) for v in (1.0, 20.0, 30.0)] == [False, False, True]
    rule.reset()
    # Above the factor but falling: not yet; once it stops falling it is.
    assert [rule.epoch_diverged(v) for v in (1.0, 40.0, 30.0, 20.0, 45.0)] == [
        False,
        False,
        False,
        False,
        True,
    ]
    assert rule.epoch_diverged(math.nan) and rule.epoch_diverged(math.inf)
    off = Divergence(factor=math.inf, patience=1)
    assert not any(off.epoch_diverged(v) for v in (1.0, 1e300, 1e301))
    # A best loss of 0 or below (a custom loss) never makes later epochs "blown up".
    zero = Divergence(factor=10.0, patience=1)
    assert not any(zero.epoch_diverged(v) for v in (0.0, 1e-9, 1e-6, -1.0, 3.0))
    # A resumed run replays its history.
    replayed = Divergence(factor=10.0, patience=2)
    replayed.reset([1.0, 20.0])
    assert replayed.streak == 1 and replayed.best == 1.0 and replayed.epoch_diverged(25.0)
    for bad in (dict(factor=1.0), dict(factor="big"), dict(patience=0)):
        with pytest.raises(ValueError, match="divergence_"):
            Divergence(**bad)


def test_blown_up_epochs_are_caught_and_the_knobs_are_settable():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)), rng.normal(size=(64, 1))

    class Explode(optimizers.SGD):
        """Gradient steps, then from the third step on weights scaled up: finite blow-up."""

        def step(self, params, grads, lr=None):
            super().step(params, grads, lr)
            if self.t > 2:
                for p in params:
                    p *= 1.5

    def run(**kw):
        net = mlp([3, 4, 1], "identity", random_state=0)
        trainer = Trainer("squared_error", Explode(0.01), epochs=40, batch_size=64, **kw)
        return trainer.fit(net, X, y), net

    with pytest.warns(DivergenceWarning, match=r"stayed above 10000 × the best"):
        history, net = run()
    losses = history["loss"]
    assert history.diverged and np.isfinite(losses).all()
    assert min(losses[-3:]) > 1e4 * min(losses[:-3])  # three blown-up epochs, then stop
    # The weights kept are those of the lowest epoch loss, and their loss is reported.
    assert history.final_loss < 2 * min(losses)
    assert history.final_loss == pytest.approx(np.mean((net.predict(X) - y) ** 2))
    with pytest.warns(DivergenceWarning):
        quick, _ = run(divergence_factor=10.0, divergence_patience=1)
    assert quick.epochs < history.epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(DivergenceWarning, match="NaN or infinite|the loss reached"):
            off, _ = run(divergence_factor=math.inf)  # only NaN/inf ends it now
    assert off.epochs > history.epochs


def test_divergence_knobs_are_estimator_parameters(iris):
    X, y = iris
    est = MLPClassifier(divergence_factor=100.0, divergence_patience=2)
    assert est.get_params()["divergence_factor"] == 100.0
    assert est.get_params()["divergence_patience"] == 2
    for bad in (dict(divergence_factor=1.0), dict(divergence_patience=0)):
        with pytest.raises(InvalidParameterError, match="divergence_"):
            MLPClassifier(**bad).fit(X, y)
    MLPRegressor(divergence_factor=np.inf, max_iter=2).fit(X[:, 1:], X[:, 0])


# -- 2. after a divergence the weights are sane and described truthfully ---------------------
def _diverging_fits(iris):
    X, y = iris
    return {
        "classifier, adam 1e6": (
            MLPClassifier(learning_rate_init=1e6, max_iter=30, random_state=0),
            X,
            y,
            lambda est: log_loss(y, est.predict_proba(X)),
        ),
        "regressor, sgd 1e6": (
            MLPRegressor(solver="sgd", learning_rate_init=1e6, max_iter=30, random_state=0),
            X[:, 1:],
            X[:, 0],
            lambda est: 0.5 * np.mean((est.predict(X[:, 1:]) - X[:, 0]) ** 2),
        ),
        "poisson, adam 10": (
            MLPRegressor(loss="poisson", learning_rate_init=10.0, max_iter=30, random_state=0),
            X[:, 1:],
            np.exp(2 * X[:, 0]),
            lambda est: np.mean(
                est.predict(X[:, 1:])
                - np.exp(2 * X[:, 0]) * np.log(est.predict(X[:, 1:]))
                + xlogy(np.exp(2 * X[:, 0]), np.exp(2 * X[:, 0]))
                - np.exp(2 * X[:, 0])
            ),
        ),
    }


@pytest.mark.parametrize("case", ["classifier, adam 1e6", "regressor, sgd 1e6", "poisson, adam 10"])
def test_kept_weights_have_the_loss_reported(iris, case):
    est, X, y, data_loss = _diverging_fits(iris)[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(DivergenceWarning, match="were restored"):
            est.fit(X, y)
    out = est.predict_proba(X) if isinstance(est, MLPClassifier) else est.predict(X)
    assert np.isfinite(out).all()
    assert data_loss(est) + _penalty(est, len(X)) == pytest.approx(est.loss_, rel=1e-9)
    assert est.best_loss_ == est.loss_
    # loss_curve_ records what was measured: the diverged epoch is there, not finite or
    # far above the kept weights' loss.
    assert len(est.loss_curve_) == est.n_iter_
    assert not (est.loss_curve_[-1] <= 10 * est.loss_)


def test_validation_scores_record_the_diverged_epoch_as_measured(iris):
    X, _ = iris
    est = MLPRegressor(
        solver="sgd", learning_rate_init=1e7, early_stopping=True, max_iter=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(DivergenceWarning, match="the loss reached"):
            est.fit(X[:, 1:], X[:, 0])
    # The epoch that broke down mid-way has a non-finite loss and an unmeasured score.
    assert not math.isfinite(est.loss_curve_[-1]) and math.isnan(est.validation_scores_[-1])
    assert len(est.validation_scores_) == len(est.loss_curve_) == est.n_iter_
    assert est.best_validation_score_ == max(s for s in est.validation_scores_ if s == s)
    assert np.isfinite(est.predict(X[:, 1:])).all() and math.isfinite(est.loss_)


def test_a_diverged_early_stopping_fit_says_which_weights_it_keeps():
    """scikit-learn's test_mlp_diverging_loss setting: early stopping has the last word.

    The guard restores the weights the run started from, then early stopping puts back
    those of its best validation score, as scikit-learn does: the warning must say so
    (it named only the first), point at the caller's line, and ``loss_`` describe them.
    """
    X, y = load_iris(return_X_y=True)
    params = dict(
        hidden_layer_sizes=100, activation="identity", solver="sgd", learning_rate_init=1,
        max_iter=20, early_stopping=True, n_iter_no_change=10, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("always", DivergenceWarning)
        est = MLPRegressor(**params).fit(X, y)
    (warning,) = [w for w in caught if w.category is DivergenceWarning]
    assert warning.filename == __file__
    message = str(warning.message)
    assert "weights of the start of the run were restored" in message
    assert "and then early stopping put back those of its best epoch, 0 (val_score" in message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sknn.MLPRegressor(**params).fit(X, y)
    for ours, theirs in zip(
        est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_, strict=True
    ):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert est.best_validation_score_ == est.validation_scores_[0]
    # loss_ is that of the weights kept (measured on the 90 % trained on), not the 0.8
    # of the weights the guard restored first.
    restored = float(re.search(r"restored \(training loss ([0-9.e+-]+)\)", message).group(1))
    loss = 0.5 * np.mean((est.predict(X) - y) ** 2) + _penalty(est, len(X))
    assert est.loss_ > 1e3 * restored and est.loss_ == pytest.approx(loss, rel=0.1)


@pytest.mark.parametrize("restore", [True, False])
def test_divergence_warning_names_what_early_stopping_puts_back(restore):
    from mlplab.callbacks import EarlyStopping

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=(60, 1))
    stopper = EarlyStopping("loss", patience=100, restore_best_weights=restore)
    trainer = Trainer(
        "squared_error", optimizers.SGD(0.05), learning_rate=None, epochs=40,
        callbacks=[stopper], random_state=0,
    )  # fmt: skip
    net = mlp([3, 8, 1], "relu", random_state=0)
    run = trainer.start(net, X, y)
    for _ in range(3):  # three sane epochs, then a rate that blows the weights up
        run.run_epoch()
    run.optimizer.learning_rate = 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(DivergenceWarning) as record:
            while not run.done:
                run.run_epoch()
    history = run.finish()
    message = str(record[0].message)
    assert history.diverged and record[0].filename == __file__
    if restore:
        assert f"early stopping put back those of its best epoch, {stopper.best_epoch}" in message
        np.testing.assert_array_equal(
            net.pack(), np.concatenate([w.ravel() for w in stopper.best_weights])
        )
    else:
        assert "early stopping" not in message


def test_partial_fit_after_a_divergence_starts_a_fresh_optimizer(iris):
    X, _ = iris
    est = MLPRegressor(solver="sgd", learning_rate_init=1e7, batch_size=16, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(DivergenceWarning, match="the loss reached"):
            est.partial_fit(X[:, 1:], X[:, 0])
    kept = est.loss_
    # The velocities of the diverged call are NaN: continuing them would diverge again.
    est.set_params(learning_rate_init=1e-3)
    est.partial_fit(X[:, 1:], X[:, 0])
    assert math.isfinite(est.loss_curve_[-1]) and est.loss_curve_[-1] < 2 * kept
    assert np.isfinite(est.predict(X[:, 1:])).all()


def test_weights_from_before_the_step_that_broke_them():
    """The old trainer snapshotted after the exploding step; the kept loss was 1e31."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 5)), rng.normal(size=(100, 1)) * 10
    for seed in range(5):
        net = mlp([5, 32, 32, 1], "relu", random_state=seed)
        trainer = Trainer("squared_error", "sgd", learning_rate=10.0, epochs=50, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.warns(DivergenceWarning, match="lower learning rate"):
                history = trainer.fit(net, X, y)
        assert history.diverged
        with np.errstate(all="raise"):  # the kept weights predict without any overflow
            mse = float(np.mean((net.predict(X) - y) ** 2))
        assert history.final_loss == pytest.approx(mse, rel=1e-12)
        assert mse < 10 * float(np.mean(y**2))  # sane: near the initial weights' loss


def test_nothing_finite_raises_sklearns_error():
    # 20 features of this size overflow every unit's input, whatever the initial weights
    # (with 3, some draws of weights keep a finite, if useless, classifier).
    X = np.finfo(np.float64).max * np.random.default_rng(0).uniform(0, 1, (50, 20))
    y = np.arange(50.0)
    with pytest.raises(ValueError, match=f"^{re.escape(NON_FINITE_WEIGHTS)}$"):
        MLPRegressor(max_iter=5, random_state=0).fit(X, y)
    assert NON_FINITE_WEIGHTS == (
        "Solver produced non-finite parameter weights. The input data may contain large "
        "values and need to be preprocessed."
    )
    with pytest.raises(ValueError, match="Solver produced non-finite parameter weights"):
        MLPClassifier(max_iter=5, random_state=0).fit(X, y > 20)


def test_a_resumed_diverging_run_keeps_the_same_weights(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))

    class Explode(optimizers.SGD):
        def step(self, params, grads, lr=None):
            super().step(params, grads, lr)
            if self.t > 6:
                for p in params:
                    p *= 3.0

    def run(epochs, callbacks=(), resume_from=None):
        net = mlp([3, 4, 1], "tanh", random_state=1)
        trainer = Trainer(
            "squared_error",
            Explode(0.05),
            epochs=epochs,
            batch_size=20,
            random_state=2,
            callbacks=list(callbacks),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            history = trainer.fit(net, X, y, resume_from=resume_from)
        return net, history

    whole, full = run(40)
    assert full.diverged
    path = tmp_path / "ckpt.npz"
    run(2, [Checkpoint(path)])  # stopped after epoch 2, before the blow-up
    resumed, history = run(40, [Checkpoint(path)], resume_from=path)
    assert history.diverged
    np.testing.assert_array_equal(resumed.pack(), whole.pack())
    assert history.final_loss == full.final_loss


# -- 3. L-BFGS never reports a silent success -------------------------------------------------
def test_lbfgs_refuses_a_non_finite_start(iris):
    X, _ = iris
    with pytest.raises(ValueError, match=r"L-BFGS cannot start.*not finite"):
        MLPRegressor(loss="poisson", solver="lbfgs", random_state=0).fit(
            X[:, 1:] * 1e6, np.exp(X[:, 0])
        )
    with pytest.raises(ValueError, match="L-BFGS cannot start"):
        MLPRegressor(solver="lbfgs", random_state=0).fit(X[:, 1:], X[:, 0] * 1e160)


@pytest.mark.parametrize(
    "params", [dict(max_fun=10, tol=0.0), dict(max_iter=3, tol=0.0), dict(max_iter=500, tol=1.0)]
)
def test_lbfgs_warns_as_sklearn_does(iris, params):
    X, y = iris
    messages = []
    for cls in (sknn.MLPClassifier, MLPClassifier):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cls(solver="lbfgs", hidden_layer_sizes=(8,), random_state=0, **params).fit(X, y)
        found = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
        messages.append(found)
    sk, ours = messages
    assert bool(sk) == bool(ours)
    for a, b in zip(sk, ours, strict=True):
        assert a.split("(status=")[1] == b.split("(status=")[1]  # status, message, advice


_WARNING_CASES = ["max_iter reached", "lbfgs max_iter", "batch_size clipped", "weights set"]


@pytest.mark.parametrize(
    "case, route",
    [(case, route) for case in _WARNING_CASES for route in ("fit", "pipeline", "search")
     if (case, route) != ("weights set", "search")],  # a search clones: no weights set
)  # fmt: skip
def test_estimator_warnings_point_at_the_callers_line(iris, case, route):
    """Each warning of a fit names the line that called it, not a frame of a library.

    They used fixed stack levels, which landed in scikit-learn's fit wrapper
    (``sklearn/base.py``) and moved with every path (a Pipeline, a search).
    """
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    X, y = iris
    params = dict(hidden_layer_sizes=(4,), random_state=0, max_iter=2)
    expected = ConvergenceWarning
    if case == "lbfgs max_iter":
        params.update(solver="lbfgs")
    elif case == "batch_size clipped":
        params.update(batch_size=1000)
        expected = UserWarning
    est = MLPClassifier(**params)
    if case == "weights set":
        est.coefs_ = [np.zeros((4, 4)), np.zeros((4, 3))]
        expected = UserWarning
    if route == "pipeline":
        est = make_pipeline(est)
    elif route == "search":
        est = GridSearchCV(est, {"alpha": [1e-4]}, cv=2, refit=False, error_score="raise")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    found = [w for w in caught if issubclass(w.category, expected)]
    assert found, [str(w.message) for w in caught]
    assert {w.filename for w in found} == {__file__}, [(w.filename, w.lineno) for w in found]


def test_lbfgs_batch_norm_statistics_come_from_the_final_weights(iris):
    X, y = iris
    clf = MLPClassifier(solver="lbfgs", batch_norm=True, hidden_layer_sizes=(6,), max_iter=20)
    clf.set_params(random_state=0).fit(X, y)
    bn = next(layer for layer in clf.network_.layers if isinstance(layer, BatchNorm))
    h = X @ clf.coefs_[0] + clf.intercepts_[0]  # the batch-norm input on the training data
    np.testing.assert_allclose(bn.running_mean, h.mean(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_var, h.var(axis=0, ddof=1), rtol=1e-10)


# -- 4. batch norm never learns from a batch of one -------------------------------------------
def _running_var(h, bounds, epochs, momentum=0.1):
    """BatchNorm's running variance after `epochs` passes over the row ranges `bounds`."""
    running = np.ones(h.shape[1])
    for _ in range(epochs):
        for a, b in bounds:
            running = (1 - momentum) * running + momentum * h[a:b].var(axis=0, ddof=1)
    return running


def test_a_trailing_single_row_joins_the_batch_before():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(401, 2)) * [1.0, 3.0]
    y = rng.normal(size=(401, 1))
    net = Sequential([Dense(3), BatchNorm(momentum=0.1), Dense(1)], 2, random_state=0)
    W, b = (p.copy() for p in net.layers[0].params)
    # A rate so small nothing moves: the running variance averages the batch variances.
    trainer = Trainer(
        "squared_error", optimizers.SGD(1e-300), epochs=30, batch_size=200, shuffle=False
    )
    trainer.fit(net, X, y)
    assert trainer.step == 30 * 2  # batches of 200 and 201, never one of 1
    expected = _running_var(X @ W + b, [(0, 200), (200, 401)], 30)
    np.testing.assert_allclose(net.layers[1].running_var, expected, rtol=1e-10)
    # Without batch norm the batches are scikit-learn's: 200, 200 and 1.
    plain = Trainer("squared_error", optimizers.SGD(1e-300), epochs=2, batch_size=200)
    plain.fit(mlp([2, 3, 1], random_state=0), X, y)
    assert plain.step == 2 * 3


def test_estimator_batch_norm_with_auto_batches_never_sees_one_row():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(401, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier(batch_norm=True, hidden_layer_sizes=(8,), solver="sgd", momentum=0.0)
    clf.set_params(learning_rate_init=1e-300, max_iter=20, shuffle=False, random_state=0)
    clf.fit(X, y)
    bn = next(layer for layer in clf.network_.layers if isinstance(layer, BatchNorm))
    h = X @ clf.coefs_[0] + clf.intercepts_[0]
    expected = _running_var(h, [(0, 200), (200, 401)], clf.n_iter_)
    np.testing.assert_allclose(bn.running_var, expected, rtol=1e-10)
    # A one-row batch would have pulled it far below the data's variance.
    assert np.all(bn.running_var > 0.8 * h.var(axis=0, ddof=1))


def _bn_net():
    return Sequential([Dense(3), BatchNorm(), Dense(1)], 2, random_state=0)


def test_batch_norm_refuses_batches_of_one(iris):
    X, y = iris
    with pytest.raises(ValueError, match="batch_size=1 cannot train a network with batch norm"):
        MLPClassifier(batch_norm=True, batch_size=1).fit(X, y)
    with pytest.raises(ValueError, match=r"batch_size=1.*variance 0"):
        Trainer("squared_error", batch_size=1).fit(_bn_net(), X[:, :2], X[:, 2:3])
    with pytest.raises(ValueError, match="1 sample"):
        MLPRegressor(batch_norm=True).fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="more than 1 row"):
        _bn_net().forward(X[:1, :2], training=True)
    MLPClassifier(batch_norm=True, batch_size=2, max_iter=2).fit(X, y)  # two rows are fine


# -- 5. the smaller defects -------------------------------------------------------------------
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_early_stopping_with_a_weightless_validation_split(iris, cls):
    X, y = iris
    target = y if cls is MLPClassifier else X[:, 0]
    w = np.zeros(len(X))
    w[[0, 60, 120]] = 1.0  # three weighted samples: most splits leave the validation part empty
    raised = 0
    for seed in range(8):
        est = cls(early_stopping=True, max_iter=3, random_state=seed)
        try:
            est.fit(X, target, sample_weight=w)
        except ValueError as exc:
            assert "sample weights of the" in str(exc) and "are all zero" in str(exc)
            raised += 1
    assert raised >= 1


def test_n_init_returns_the_run_that_ranked_best():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=(60, 1))
    Xv, yv = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    finals = []

    class Spy(Callback):
        def on_train_end(self, trainer):
            finals.append(trainer.network.pack())

    def loss_of(weights, Xs, ys):
        probe = mlp([3, 8, 1], "tanh", random_state=0)
        probe.unpack(weights)
        return float(np.mean((probe.predict(Xs) - ys) ** 2))

    # A large rate makes the last epoch of a run worse than its best one: ranking by the
    # best epoch and returning the final weights would disagree.
    for validation in (None, (Xv, yv)):
        finals.clear()
        net = mlp([3, 8, 1], "tanh", random_state=0)
        trainer = Trainer(
            "squared_error", "sgd", learning_rate=0.5, epochs=15, callbacks=[Spy()], random_state=0
        )
        history = trainer.fit(net, X, y, validation_data=validation, n_init=6)
        Xs, ys = (X, y) if validation is None else validation
        scores = [loss_of(w, Xs, ys) for w in finals]
        assert len(set(scores)) == 6
        np.testing.assert_array_equal(net.pack(), finals[int(np.argmin(scores))])
        if validation is None:
            assert history.final_loss == pytest.approx(min(scores), rel=1e-12)


def test_weighted_loss_curve_is_sklearns(iris):
    X, y = iris
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(X))
    for sk_cls, ml_cls, target in (
        (sknn.MLPClassifier, MLPClassifier, y),
        (sknn.MLPRegressor, MLPRegressor, X[:, 0]),
    ):
        kw = dict(hidden_layer_sizes=(5,), solver="sgd", shuffle=False, batch_size=32)
        a, b = _twin(sk_cls, ml_cls, X, target, sample_weight=w, **kw)
        a.set_params(max_iter=4).fit(X, target, sample_weight=w)
        b.set_params(max_iter=4).fit(X, target, sample_weight=w)
        np.testing.assert_allclose(b.loss_curve_[1:], a.loss_curve_[1:], rtol=1e-10)


def _stdout(method, *args, **kwargs):
    """What calling ``method(*args, **kwargs)`` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        method(*args, **kwargs)
    return out.getvalue()


def test_verbose_prints_sklearns_lines(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(6,), solver="sgd", shuffle=False, tol=0.05, n_iter_no_change=2)
    for extra in ({}, dict(learning_rate="adaptive", learning_rate_init=0.5)):
        a, b = _twin(sknn.MLPClassifier, MLPClassifier, X, y, **kw, **extra)
        a.set_params(max_iter=40, verbose=True)
        b.set_params(max_iter=40, verbose=True)
        theirs, ours = _stdout(a.fit, X, y), _stdout(b.fit, X, y)
        assert ours == theirs
        assert re.match(r"Iteration 1, loss = \d+\.\d{8}\n", ours)
        assert "did not improve more than tol=0.050000 for 2 consecutive epochs." in ours
    # partial_fit numbers its single epoch 1, as scikit-learn does.
    pf = MLPClassifier(hidden_layer_sizes=(4,), verbose=True, random_state=0)
    assert re.fullmatch(
        r"Iteration 1, loss = \d+\.\d{8}\n",
        _stdout(pf.partial_fit, X, y, classes=[0, 1, 2]),
    )
    # With early stopping the validation score follows each iteration line.
    es = MLPClassifier(early_stopping=True, max_iter=3, verbose=True, random_state=0)
    lines = _stdout(es.fit, X, y).splitlines()
    assert [line.split(",")[0].split(":")[0] for line in lines] == [
        "Iteration 1",
        "Validation score",
        "Iteration 2",
        "Validation score",
        "Iteration 3",
        "Validation score",
    ]
    assert re.fullmatch(r"Validation score: \d\.\d{6}", lines[1])


def test_early_stopping_names_a_lonely_class_as_given():
    X = np.random.default_rng(0).normal(size=(51, 2))
    y = np.array(["False"] * 50 + ["True"])
    with pytest.raises(ValueError, match=re.escape("['True']")):
        MLPClassifier(early_stopping=True).fit(X, y)


def test_adam_docstring_states_where_epsilon_sits():
    """ε added to √v before bias correction is the paper's rule with ε / √(1 − β₂ᵗ)."""
    rng = np.random.default_rng(0)
    w0, grads = rng.normal(size=5), [rng.normal(size=5) for _ in range(4)]
    b1, b2, eps, lr = 0.9, 0.999, 1e-3, 0.1
    w = [w0.copy()]
    adam = optimizers.Adam(lr, beta_1=b1, beta_2=b2, eps=eps)
    paper, m, v = w0.copy(), 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        adam.step(w, [g])
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        paper -= lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
        np.testing.assert_allclose(w[0], paper, rtol=1e-13)
    doc = optimizers.Adam.__doc__
    assert "ε / √(1 − β₂ᵗ)" in doc and "ε √(1 − β₂ᵗ)" not in doc
