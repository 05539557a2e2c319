"""What code written against scikit-learn's MLP reads or sets beyond its public API.

Weights assigned before the first fit, ``_optimizer.learning_rate``,
``_no_improvement_count`` (and ``best_loss_`` set between fits) and
``_loss_grad_lbfgs``: scikit-learn's own tests and users' code reach for them, so the
drop-in keeps them working. They are checked here against formulas written out and
against scikit-learn's public results (never its private API, which may change).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from mlplab import MLPClassifier, MLPRegressor

X4 = np.array([[0.6, 0.8, 0.7], [0.1, -0.4, 0.9], [-0.5, 0.3, 0.2], [0.9, 0.1, -0.6]])
Y4 = np.array([0, 1, 1, 0])
W = [np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0.0]]), np.array([[0.1], [0.2]])]
B = [np.array([0.1, 0.1]), np.array([1.0])]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def one_sgd_step(X, y, lr, alpha):
    """One full-batch SGD step of the 3-2-1 logistic network from (W, B), by hand."""
    n = len(X)
    h = sigmoid(X @ W[0] + B[0])
    out = sigmoid(h @ W[1] + B[1])
    d_out = (out - y.reshape(-1, 1)) / n  # binary log-loss after a sigmoid
    d_h = (d_out @ W[1].T) * h * (1 - h)
    grads_w = [X.T @ d_h + alpha * W[0] / n, h.T @ d_out + alpha * W[1] / n]
    grads_b = [d_h.sum(axis=0), d_out.sum(axis=0)]
    new_w = [w - lr * g for w, g in zip(W, grads_w, strict=True)]
    new_b = [b - lr * g for b, g in zip(B, grads_b, strict=True)]
    return new_w, new_b


def net(**kw):
    params = dict(
        solver="sgd", learning_rate_init=0.1, alpha=0.1, activation="logistic",
        hidden_layer_sizes=2, momentum=0, max_iter=1, random_state=1,
    )  # fmt: skip
    return MLPClassifier(**{**params, **kw})


def preset(clf):
    clf.coefs_ = [w.copy() for w in W]
    clf.intercepts_ = [0, 0]  # set item by item, as scikit-learn's tests do
    for i, b in enumerate(B):
        clf.intercepts_[i] = b.copy()
    return clf


def test_weights_set_before_partial_fit_are_its_start():
    clf = preset(net())
    assert np.array_equal(clf.coefs_[1], W[1])  # read back before any fit
    clf.partial_fit(X4[:1], Y4[:1], classes=[0, 1])
    new_w, new_b = one_sgd_step(X4[:1], Y4[:1], 0.1, 0.1)
    for got, want in zip(clf.coefs_ + clf.intercepts_, new_w + new_b, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_weights_set_before_a_warm_start_fit_are_its_start():
    clf = preset(net(warm_start=True, batch_size=4, shuffle=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X4, Y4)
    new_w, new_b = one_sgd_step(X4, Y4, 0.1, 0.1)
    for got, want in zip(clf.coefs_ + clf.intercepts_, new_w + new_b, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_a_fit_without_warm_start_says_it_draws_new_weights():
    clf = preset(net(batch_size=4, shuffle=False))
    with pytest.warns(UserWarning, match="coefs_ and intercepts_ set before fitting"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X4, Y4)
    new_w, _ = one_sgd_step(X4, Y4, 0.1, 0.1)
    assert not np.allclose(clf.coefs_[0], new_w[0])


def test_preset_weights_of_the_wrong_shape_are_named():
    clf = net()
    clf.coefs_ = [W[0].T, W[1]]
    with pytest.raises(ValueError, match=r"coefs_\[0\] must have shape \(3, 2\)"):
        clf.partial_fit(X4, Y4, classes=[0, 1])


@pytest.mark.parametrize(
    ("solver", "schedule", "rate"),
    [
        ("sgd", "constant", 1e-3),
        # t_ = 24 samples seen over both fits: the next epoch's rate
        ("sgd", "invscaling", 1e-3 / 25**0.25),
        # Adam's count starts again with each fit: 3 epochs of 2 steps
        ("adam", "constant", 1e-3 * np.sqrt(1 - 0.999**6) / (1 - 0.9**6)),
    ],
)
def test_optimizer_rate_is_scikit_learns(solver, schedule, rate):
    """The rate scikit-learn's optimizer object holds after two warm-started fits."""
    clf = MLPClassifier(
        solver=solver, learning_rate=schedule, hidden_layer_sizes=4, max_iter=3,
        power_t=0.25, warm_start=True, batch_size=2, tol=0.0, n_iter_no_change=100,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X4, Y4)
        clf.fit(X4, Y4)
    assert clf.t_ == 24
    assert clf._optimizer.learning_rate == pytest.approx(rate, rel=1e-14)


def test_adaptive_rate_ends_below_its_floor():
    clf = MLPClassifier(solver="sgd", learning_rate="adaptive", tol=0.5, max_iter=3000)
    clf.fit(X4[:2], Y4[:2])
    assert clf.n_iter_ < 3000
    assert clf._optimizer.learning_rate <= 1e-6
    # each reduction divides by 5: the rate is 1e-3 / 5**k
    k = np.log(1e-3 / clf._optimizer.learning_rate) / np.log(5)
    assert k == pytest.approx(round(k), abs=1e-9)


@pytest.mark.parametrize("patience", [2, 7])
def test_no_improvement_count(patience):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier(solver="sgd", tol=0.01, n_iter_no_change=patience, max_iter=3000)
    clf.fit(X, y)
    assert clf.n_iter_ < 3000
    assert clf._no_improvement_count == patience + 1  # scikit-learn stops past patience
    never = MLPClassifier(solver="sgd", tol=1e9, n_iter_no_change=np.inf, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        never.fit(X, y)
    assert never.n_iter_ == 20 and never._no_improvement_count == 19


def test_a_fresh_lbfgs_fit_drops_the_stochastic_counters():
    clf = MLPClassifier(solver="sgd", hidden_layer_sizes=3, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X4, Y4)
        assert hasattr(clf, "_optimizer") and hasattr(clf, "_no_improvement_count")
        clf.set_params(solver="lbfgs").fit(X4, Y4)
    assert not hasattr(clf, "_optimizer") and not hasattr(clf, "_no_improvement_count")


def test_best_loss_and_count_set_between_fits_are_where_the_next_one_starts():
    """scikit-learn keeps its stopping rule's state in ``best_loss_`` and
    ``_no_improvement_count``; a warm-start fit goes on from what they hold."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 3)), np.arange(60) % 3
    common = dict(solver="sgd", learning_rate_init=0.01, tol=1e-3, n_iter_no_change=2,
                  batch_size=32, shuffle=False, random_state=0, warm_start=True)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # No loss is below 0 - tol: every epoch counts one more. From 1, the count passes
        # n_iter_no_change = 2 at the second epoch: "did not improve", and it stops.
        clf = MLPClassifier(max_iter=1, learning_rate="constant", **common).fit(X, y)
        clf.best_loss_, clf._no_improvement_count = 0.0, 1
        clf.set_params(max_iter=30).fit(X, y)
        assert clf.n_iter_ == 2 and clf.best_loss_ == 0.0
        # "adaptive" divides the rate by 5 each time instead (the count starts again at
        # 0): at epochs 2, 5, 8, ..., 17 (0.01 / 5**6 = 6.4e-7), and stops at epoch 20,
        # where the rate is already at most 1e-6.
        clf = MLPClassifier(max_iter=1, learning_rate="adaptive", **common).fit(X, y)
        clf.best_loss_, clf._no_improvement_count = 0.0, 1
        clf.set_params(max_iter=30).fit(X, y)
    assert clf.n_iter_ == 20
    assert clf._optimizer.learning_rate == pytest.approx(0.01 / 5**6)


def numeric_gradient(est, theta, X, Y, eps=1e-6):
    """Central differences of ``est._loss_grad_lbfgs``'s loss at the packed weights."""
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        up = est._loss_grad_lbfgs(theta + step, X, Y, None, [], [], [], [])[0]
        down = est._loss_grad_lbfgs(theta - step, X, Y, None, [], [], [], [])[0]
        numeric[i] = (up - down) / (2 * eps)
    return numeric


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_loss_grad_lbfgs_is_the_gradient_of_its_loss(activation, n_classes):
    rng = np.random.default_rng(3)
    X = rng.random((6, 5))
    y = np.arange(6) % n_classes
    clf = MLPClassifier(
        solver="lbfgs", activation=activation, hidden_layer_sizes=4, alpha=1e-3, max_iter=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    Y = np.eye(n_classes)[y][:, 1:] if n_classes == 2 else np.eye(n_classes)[y]
    theta = np.concatenate([a.ravel() for a in clf.coefs_ + clf.intercepts_])
    theta += 0.05 * rng.standard_normal(theta.size)  # off the kinks of relu at 0 too
    coef_grads, intercept_grads = [], []
    value, grad = clf._loss_grad_lbfgs(theta, X, Y, None, [], [], coef_grads, intercept_grads)
    at_theta = [a.copy() for a in clf.coefs_ + clf.intercepts_]  # it set them to theta
    np.testing.assert_array_equal(np.concatenate([a.ravel() for a in at_theta]), theta)
    assert [g.shape for g in coef_grads] == [c.shape for c in clf.coefs_]
    assert [g.shape for g in intercept_grads] == [b.shape for b in clf.intercepts_]
    np.testing.assert_array_equal(
        grad, np.concatenate([g.ravel() for g in coef_grads + intercept_grads])
    )
    np.testing.assert_allclose(grad, numeric_gradient(clf, theta, X, Y), rtol=1e-6, atol=1e-9)
    # its loss is scikit-learn's log-loss of its own predictions at the same weights,
    # plus the L2 penalty 0.5 * alpha * sum(W**2) / n
    theirs = SkClassifier(
        solver="lbfgs", activation=activation, hidden_layer_sizes=4, alpha=1e-3, max_iter=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
    theirs.coefs_, theirs.intercepts_ = at_theta[:2], at_theta[2:]
    penalty = 0.5 * 1e-3 * sum(float(np.sum(c**2)) for c in at_theta[:2]) / len(X)
    expected = log_loss(y, theirs.predict_proba(X)) + penalty
    assert value == pytest.approx(expected, rel=1e-10)


def test_multi_output_loss_grad_lbfgs_is_sklearns():
    """A 2-output regressor: the value and gradient scikit-learn's own method gives at
    the same weights. The value is half the squared error averaged over the rows and
    outputs plus the L2 term; the gradient is that of the squared error summed over the
    outputs (scikit-learn issue 8349), so without the L2 term it is n_outputs times
    the value's own gradient."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((12, 3))
    Y = np.c_[X[:, 0], X[:, 1] ** 2]
    reg = MLPRegressor(solver="lbfgs", hidden_layer_sizes=3, alpha=0.0, max_iter=2)
    theirs = SkRegressor(solver="lbfgs", hidden_layer_sizes=3, alpha=0.0, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, Y)
        theirs.fit(X, Y)
    theta = np.concatenate([a.ravel() for a in reg.coefs_ + reg.intercepts_])
    value, grad = reg._loss_grad_lbfgs(theta, X, Y, None, [], [], [], [])
    assert value == pytest.approx(0.5 * np.mean((Y - reg.predict(X)) ** 2), rel=1e-12)
    np.testing.assert_allclose(grad, 2 * numeric_gradient(reg, theta, X, Y), rtol=1e-6, atol=1e-9)
    shapes = [c.shape for c in theirs.coefs_ + theirs.intercepts_]
    grads = [np.empty(s) for s in shapes]
    sk_value, sk_grad = theirs._loss_grad_lbfgs(
        theta, X, Y, None, [X] + [None] * (len(shapes) // 2), [None] * (len(shapes) // 2),
        grads[: len(shapes) // 2], grads[len(shapes) // 2 :],
    )  # fmt: skip
    assert value == pytest.approx(sk_value, rel=1e-12)
    np.testing.assert_allclose(grad, sk_grad, rtol=1e-10, atol=1e-14)


def test_loss_grad_lbfgs_refuses_a_wrong_length():
    reg = MLPRegressor(solver="lbfgs", hidden_layer_sizes=3, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X4, np.arange(4.0))
    with pytest.raises(ValueError, match=r"packed_coef_inter must have shape \(16,\)"):
        reg._loss_grad_lbfgs(np.zeros(15), X4, np.arange(4.0), None, [], [], [], [])
