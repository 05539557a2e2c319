"""MLPClassifier / MLPRegressor: the drop-in promise, mlplab's extras and bad input."""

from __future__ import annotations

import importlib.util
import itertools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sknn
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from mlplab import MLPClassifier, MLPRegressor, callbacks, schedules
from mlplab.activations import get as get_activation

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _twin(sk_cls, ml_cls, X, y, **params):
    """An sklearn and an mlplab estimator that start the next fit from the same weights."""
    a = sk_cls(max_iter=1, warm_start=True, random_state=0, **params).fit(X, y)
    b = ml_cls(max_iter=1, warm_start=True, random_state=0, **params).fit(X, y)
    b.coefs_ = a.coefs_
    b.intercepts_ = a.intercepts_
    return a, b


# -- the drop-in: same training trajectory as scikit-learn -----------------------------------
_SOLVER_SETTINGS = [
    dict(solver="sgd", momentum=0.0),
    dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, batch_size=32),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1),
    dict(solver="adam", alpha=0.01, batch_size=16),
]


@pytest.mark.parametrize(
    ("params", "target"),
    [(p, t) for p in _SOLVER_SETTINGS for t in ("multiclass", "binary", "regression")]
    + [(_SOLVER_SETTINGS[1], "poisson"), (_SOLVER_SETTINGS[3], "poisson")],
)
def test_same_loss_curve_as_sklearn(iris, params, target):
    X, y = iris
    sk_cls, ml_cls = sknn.MLPClassifier, MLPClassifier
    extra = {}
    if target == "binary":
        y = y == 1
    elif target in ("regression", "poisson"):
        sk_cls, ml_cls = sknn.MLPRegressor, MLPRegressor
        y = X[:, 0] if target == "regression" else np.exp(X[:, 0])
        extra = {"loss": "poisson"} if target == "poisson" else {}
    a, b = _twin(sk_cls, ml_cls, X, y, shuffle=False, hidden_layer_sizes=(7,), **params, **extra)
    a.set_params(max_iter=6).fit(X, y)
    b.set_params(max_iter=6).fit(X, y)
    # The next six epochs start from the same weights, whatever the first one drew.
    np.testing.assert_allclose(b.loss_curve_[1:], a.loss_curve_[1:], rtol=1e-10)
    np.testing.assert_allclose(b.loss_, a.loss_, rtol=1e-10)
    for cb, ca in zip(b.coefs_, a.coefs_, strict=True):
        np.testing.assert_allclose(cb, ca, rtol=1e-8, atol=1e-12)
    assert b.t_ == a.t_ and b.n_iter_ == a.n_iter_ == 6
    assert b.best_loss_ == min(b.loss_curve_)


@pytest.mark.parametrize(
    ("target", "params"),
    [
        ("multiclass", dict(max_iter=6)),
        ("multiclass", dict(max_iter=6, early_stopping=True, activation="tanh")),
        ("binary", dict(solver="sgd", batch_size=16, max_iter=6, early_stopping=True)),
        ("binary", dict(solver="lbfgs", max_iter=25, activation="logistic")),
        ("regression", dict(solver="sgd", learning_rate="invscaling", max_iter=6)),
        ("regression", dict(early_stopping=True, validation_fraction=0.2, max_iter=6)),
        ("regression", dict(solver="lbfgs", max_iter=25, activation="identity")),
    ],
)
@pytest.mark.parametrize("seed", [0, "RandomState", "global"])
def test_same_random_state_same_model_as_sklearn(iris, target, params, seed):
    """Without copying weights: the same random_state draws the same initial weights,
    early-stopping split and epoch orders, so the fits agree to rounding."""
    X, y = iris
    sk_cls, ml_cls = sknn.MLPClassifier, MLPClassifier
    if target == "binary":
        y = y == 1
    elif target == "regression":
        sk_cls, ml_cls = sknn.MLPRegressor, MLPRegressor
        y = X[:, 0]
    fitted = []
    for cls in (sk_cls, ml_cls):
        np.random.seed(3)  # noqa: NPY002 (random_state=None draws from this global stream)
        state = {0: 0, "RandomState": np.random.RandomState(7), "global": None}[seed]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(hidden_layer_sizes=(9,), random_state=state, **params).fit(X, y)
            est.fit(X, y)  # a second fit draws on from a RandomState, as scikit-learn's
        fitted.append(est)
    a, b = fitted
    assert b.n_iter_ == a.n_iter_
    if hasattr(a, "loss_curve_"):
        np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-9)
    if params.get("early_stopping"):
        np.testing.assert_allclose(b.validation_scores_, a.validation_scores_, rtol=1e-9)
    for cb, ca in zip(b.coefs_ + b.intercepts_, a.coefs_ + a.intercepts_, strict=True):
        np.testing.assert_allclose(cb, ca, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize(("classes", "seed"), [(2, 1), (2, 2), (2, 5), (3, 4)])
def test_lbfgs_classifier_takes_sklearns_path_through_saturated_outputs(classes, seed):
    """L-BFGS's line search tries points where some outputs saturate; there scikit-learn's
    log-loss, computed from clipped probabilities, stops growing. mlplab's value is
    computed the same way with 'lbfgs', so the iterations and weights stay
    scikit-learn's (from the exact log-loss these four fits ended elsewhere)."""
    X, _ = make_classification(80, 5, random_state=seed)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (classes == 3) * (X[:, 2] > 0.5)
    params = dict(hidden_layer_sizes=(10, 4), solver="lbfgs", alpha=0.0, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = sknn.MLPClassifier(max_iter=42, random_state=81, **params).fit(X, y)
        b = MLPClassifier(max_iter=42, random_state=81, **params).fit(X, y)
    assert b.n_iter_ == a.n_iter_
    assert b.loss_ == pytest.approx(a.loss_, rel=1e-8)
    for cb, ca in zip(b.coefs_ + b.intercepts_, a.coefs_ + a.intercepts_, strict=True):
        np.testing.assert_allclose(cb, ca, rtol=1e-6, atol=1e-8)


def test_the_early_stopping_split_is_scikit_learns():
    """Stratified for a binary target on its encoded labels (scikit-learn's error names
    the rare class as it does), not for a multiclass one (one column per class)."""
    X = [[1, 2], [2, 3], [3, 4], [4, 5]]
    with pytest.raises(ValueError, match=r"too few members are: \['True'\]"):
        MLPClassifier(early_stopping=True).fit(X, [0, 0, 0, 1])
    # One member of a class: a plain split, which would fail stratified; the same rows as
    # scikit-learn's, so the same validation scores.
    X3, y3 = np.arange(40.0).reshape(20, 2) / 40, [0] * 18 + [1, 2]
    a, b = (
        cls(early_stopping=True, max_iter=3, validation_fraction=0.2, random_state=1).fit(X3, y3)
        for cls in (sknn.MLPClassifier, MLPClassifier)
    )
    np.testing.assert_allclose(b.validation_scores_, a.validation_scores_)
    np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize(
    "params",
    [
        _SOLVER_SETTINGS[1],
        _SOLVER_SETTINGS[3],
        dict(solver="sgd", learning_rate="adaptive", tol=1e-2, n_iter_no_change=2),
        dict(solver="adam", tol=1e-3, n_iter_no_change=2, learning_rate_init=0.05),
        dict(solver="adam", early_stopping=True, n_iter_no_change=2),
        dict(solver="lbfgs"),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_output_regression_is_sklearns(iris, params, weighted):
    """Several outputs, from the same random_state: scikit-learn's weights, loss curve,
    stopping epoch and L-BFGS iterations. Its loss is half the squared error averaged
    over the outputs while its gradient sums them (scikit-learn issue 8349); the
    stopping rules, the 'adaptive' rate and L-BFGS's line search all read that loss."""
    X, _ = iris
    Y = np.c_[X[:, 0], -X[:, 1], X[:, 2] * X[:, 3]] / 5
    kw = {"sample_weight": np.linspace(0.5, 2.0, len(X))} if weighted else {}
    common = dict(random_state=0, hidden_layer_sizes=(7,), max_iter=40, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = sknn.MLPRegressor(**common).fit(X, Y, **kw)
        b = MLPRegressor(**common).fit(X, Y, **kw)
    assert b.n_iter_ == a.n_iter_ and b.t_ == a.t_
    for cb, ca in zip(b.coefs_ + b.intercepts_, a.coefs_ + a.intercepts_, strict=True):
        np.testing.assert_allclose(cb, ca, rtol=1e-7, atol=1e-10)
    assert b.loss_ == pytest.approx(a.loss_, rel=1e-9)
    if params["solver"] != "lbfgs":
        np.testing.assert_allclose(b.loss_curve_, a.loss_curve_, rtol=1e-9)
        if params.get("early_stopping"):
            np.testing.assert_allclose(b.validation_scores_, a.validation_scores_, rtol=1e-9)
        else:
            assert b.best_loss_ == pytest.approx(a.best_loss_, rel=1e-9)


def test_same_predictions_as_sklearn_for_same_weights(iris):
    X, y = iris
    for yy in (y, y == 2, np.column_stack([y == 0, y == 1])):
        a, b = _twin(sknn.MLPClassifier, MLPClassifier, X, yy)
        np.testing.assert_allclose(b.predict_proba(X), a.predict_proba(X), rtol=1e-12)
        np.testing.assert_array_equal(b.predict(X), a.predict(X))
        assert b.out_activation_ == a.out_activation_
        assert b.n_outputs_ == a.n_outputs_ and b.n_layers_ == a.n_layers_


def test_partial_fit_continues_the_optimizer_as_sklearn(iris):
    X, y = iris
    kw = dict(solver="sgd", momentum=0.9, hidden_layer_sizes=(5,), random_state=0)
    a = sknn.MLPClassifier(**kw).partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    b = MLPClassifier(**kw).partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    b.coefs_, b.intercepts_ = a.coefs_, a.intercepts_
    # scikit-learn orders its state [W1, W2, b1, b2]; mlplab's network [W1, b1, W2, b2].
    velocities = [a._optimizer.velocities[i] for i in (0, 2, 1, 3)]
    b._optimizer_state = {
        "state": {"t": 1, **{f"velocity.{i}": v.copy() for i, v in enumerate(velocities)}},
        "learning_rate": a._optimizer.learning_rate,
    }
    for start in (60, 90, 0):
        a.partial_fit(X[start : start + 60], y[start : start + 60])
        b.partial_fit(X[start : start + 60], y[start : start + 60])
    np.testing.assert_allclose(b.loss_curve_[1:], a.loss_curve_[1:], rtol=1e-10)
    assert b.t_ == a.t_


def test_lbfgs_loss_is_sklearns_objective(iris):
    X, _ = iris
    y = np.exp(X[:, 0])
    reg = MLPRegressor(loss="poisson", solver="lbfgs", alpha=0.1, max_iter=30, random_state=0)
    reg.fit(X[:, 1:], y)
    p = reg.predict(X[:, 1:])
    deviance = np.mean(p - y + y * np.log(y / p))
    penalty = 0.5 * 0.1 * sum(np.sum(W**2) for W in reg.coefs_) / len(y)
    assert reg.loss_ == pytest.approx(deviance + penalty, rel=1e-6)
    assert reg.out_activation_ == "exp"
    assert not hasattr(reg, "loss_curve_") and not hasattr(reg, "best_loss_")
    assert 1 <= reg.n_iter_ <= 30


# -- fitted attributes and training rules ----------------------------------------------------
def test_fitted_attributes_match_sklearn(iris):
    X, y = iris
    for params in (dict(), dict(solver="lbfgs"), dict(early_stopping=True)):
        a = sknn.MLPClassifier(max_iter=20, random_state=0, **params).fit(X, y)
        b = MLPClassifier(max_iter=20, random_state=0, **params).fit(X, y)
        for name in (
            "classes_ loss_ best_loss_ loss_curve_ validation_scores_ best_validation_score_ "
            "t_ coefs_ intercepts_ n_features_in_ n_iter_ n_layers_ n_outputs_ out_activation_"
        ).split():
            assert hasattr(b, name) == hasattr(a, name), name
            va, vb = getattr(a, name, None), getattr(b, name, None)
            assert (va is None) == (vb is None), name
            if isinstance(va, list) and not params.get("early_stopping"):
                assert len(va) == len(vb), name
        assert [W.shape for W in b.coefs_] == [W.shape for W in a.coefs_]


def test_early_stopping_restores_best_weights(iris):
    X, y = iris
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
    clf = MLPClassifier(
        hidden_layer_sizes=(20,),
        solver="sgd",
        learning_rate_init=0.3,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
        max_iter=300,
    )
    clf.fit(X_tr, y_tr, validation_data=(X_val, y_val))
    assert clf.n_iter_ < 300 and clf.best_loss_ is None
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(X_val, y_val) == clf.best_validation_score_
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == len(clf.loss_curve_)
    # Without validation_data the held-out split is stratified and seeded.
    a = MLPClassifier(early_stopping=True, max_iter=30, random_state=3).fit(X, y)
    b = MLPClassifier(early_stopping=True, max_iter=30, random_state=3).fit(X, y)
    assert a.validation_scores_ == b.validation_scores_
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPClassifier(early_stopping=True, validation_fraction=0.01).fit(X[:50], y[:50])


def test_stopping_rule_and_convergence_warnings(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        MLPClassifier(max_iter=3).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPClassifier(solver="lbfgs", max_iter=2).fit(X, y)
    clf = MLPClassifier(solver="sgd", learning_rate_init=0.5, tol=1e-1, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ < 200
    losses = clf.loss_curve_
    # stopped on the first epoch that was the third without an improvement by tol
    assert losses[-1] > clf.best_loss_ - 0.1 and clf.best_loss_ == min(losses)
    inf = MLPClassifier(solver="sgd", n_iter_no_change=np.inf, tol=10.0, max_iter=15)
    with pytest.warns(ConvergenceWarning):
        inf.fit(X, y)
    assert inf.n_iter_ == 15


def test_adaptive_rate_divides_by_five(iris):
    X, y = iris
    seen = []

    class Rates(callbacks.Callback):
        def on_epoch_end(self, trainer, logs):
            seen.append(logs["lr"])

    clf = MLPClassifier(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.5,
        tol=0.5,
        n_iter_no_change=2,
        max_iter=40,
        callbacks=[Rates()],
    ).fit(X, y)
    drops = [b / a for a, b in itertools.pairwise(seen) if b != a]
    assert drops and all(d == pytest.approx(0.2) for d in drops)
    assert clf.n_iter_ <= 40


def test_warm_start_and_partial_fit(iris):
    X, y = iris
    clf = MLPClassifier(max_iter=5, warm_start=True, random_state=0).fit(X, y)
    W = clf.coefs_[0].copy()
    clf.fit(X, y)
    assert len(clf.loss_curve_) == 10 and clf.n_iter_ == 5 and clf.t_ == 10 * len(X)
    assert not np.array_equal(W, clf.coefs_[0])
    with pytest.raises(ValueError, match="warm_start can only be used"):
        clf.fit(X[y < 2], y[y < 2])
    pf = MLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        pf.partial_fit(X, y)
    pf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    pf.partial_fit(X, y)
    assert pf.n_iter_ == 1 and len(pf.loss_curve_) == 2
    with pytest.raises(ValueError, match="classes not in"):
        pf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    lbfgs = MLPClassifier(solver="lbfgs")
    assert not hasattr(lbfgs, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        lbfgs.partial_fit(X, y)
    reg = MLPRegressor(random_state=0).partial_fit(X[:, 1:], X[:, 0])
    reg.partial_fit(X[:, 1:], X[:, 0])
    assert reg.t_ == 2 * len(X)


# -- data handling --------------------------------------------------------------------------
def test_multilabel_multioutput_sparse_strings_pandas(iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 1, y > 0]).astype(int)
    ml = MLPClassifier(max_iter=50, random_state=0).fit(X, Y)
    assert ml.predict(X).shape == Y.shape and ml.predict_proba(X).shape == Y.shape
    assert ml.out_activation_ == "logistic"
    mo = MLPRegressor(max_iter=20, random_state=0).fit(X[:, 2:], X[:, :2])
    assert mo.predict(X[:, 2:]).shape == (150, 2) and mo.n_outputs_ == 2
    dense = MLPClassifier(max_iter=20, random_state=0).fit(X, y)
    for fmt in ("csr", "csc", "coo"):
        Xs = sp.csr_matrix(X).asformat(fmt)
        sparse = MLPClassifier(max_iter=20, random_state=0).fit(Xs, y)
        np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X))
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier(max_iter=20, random_state=0).fit(X, names)
    assert set(clf.predict(X)) <= set(names) and list(clf.classes_) == sorted(set(names))
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = MLPClassifier(max_iter=20, random_state=0).fit(df, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(df[["b", "a", "c", "d"]].set_axis(["x", "a", "c", "d"], axis=1))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X)


def test_float32_is_kept(iris):
    X, y = iris
    clf = MLPClassifier(max_iter=10, random_state=0).fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in clf.coefs_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    reg = MLPRegressor(max_iter=10, random_state=0).fit(X[:, 1:].astype(np.float32), X[:, 0])
    assert reg.predict(X[:, 1:].astype(np.float32)).dtype == np.float32
    ints = MLPClassifier(max_iter=10, random_state=0).fit((X * 10).astype(int), y)
    assert ints.coefs_[0].dtype == np.float64


def test_single_class_is_accepted(iris):
    X, _ = iris
    clf = MLPClassifier(max_iter=5).fit(X, np.full(len(X), "only"))
    assert list(clf.predict(X[:3])) == ["only"] * 3
    np.testing.assert_array_equal(clf.predict_proba(X[:3]), np.ones((3, 1)))


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.array([[np.nan, 1.0], [1.0, 2.0]]), [0, 1], "NaN"),
        (np.array([[np.inf, 1.0], [1.0, 2.0]]), [0, 1], "infinity"),
        (np.ones((2, 2)), [0.0, np.nan], "NaN"),
        (np.ones((0, 2)), [], "0 sample"),
        (np.ones((2, 2, 2)), [0, 1], "3"),
        (np.ones((3, 2)), [0, 1], "inconsistent numbers of samples"),
    ],
)
def test_bad_data_is_refused(X, y, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier().fit(X, y)


def test_bad_parameters_and_predict_input(iris):
    X, y = iris
    for params, match in [
        (dict(activation="relux"), "'activation' parameter of MLPClassifier must be"),
        (dict(solver="newton"), "'solver' parameter"),
        (dict(learning_rate="fast"), "'learning_rate' parameter"),
        (dict(alpha=-1.0), "'alpha' parameter"),
        (dict(batch_size=0), "'batch_size' parameter"),
        (dict(n_iter_no_change=0), "'n_iter_no_change' parameter"),
        (dict(dropout=1.0), "'dropout' parameter"),
        (dict(class_weight="even"), "'class_weight' parameter"),
    ]:
        with pytest.raises(InvalidParameterError, match=match):
            MLPClassifier(**params).fit(X, y)
    with pytest.raises(ValueError, match="2 entries but there are 1 hidden layers"):
        MLPClassifier(activation=["relu", "tanh"], max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPClassifier(hidden_layer_sizes=(3, 0)).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson").fit(X, X[:, 0])
    clf = MLPClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full((1, 4), np.nan))
    with pytest.raises(Exception, match="not fitted"):
        MLPRegressor().predict(X)


# -- beyond scikit-learn --------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["rmsprop", "adagrad", "adamw", "nadam"])
def test_more_solvers_learn(iris, solver):
    X, y = iris
    clf = MLPClassifier(solver=solver, learning_rate_init=0.01, max_iter=60, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.9


@pytest.mark.parametrize(
    "rate", ["step", "exponential", "linear", "cosine", schedules.get("cosine", lr=0.01, period=5)]
)
def test_schedules_change_the_rate(iris, rate):
    X, y = iris
    seen = []

    class Rates(callbacks.Callback):
        def on_epoch_end(self, trainer, logs):
            seen.append(logs["lr"])

    MLPClassifier(learning_rate=rate, max_iter=12, callbacks=[Rates()], random_state=0).fit(X, y)
    assert seen[-1] < seen[0]


def test_modern_options(iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_layer_sizes=(16, 16, 8),
        activation=["elu", get_activation("leaky_relu", negative_slope=0.1), "mish"],
        kernel_initializer="he_normal",
        bias=0.01,
        batch_norm=True,
        dropout=[0.1, 0.1, 0.0],
        l1=1e-4,
        weight_decay=1e-4,
        clip_norm=1.0,
        clip_value=5.0,
        n_init=2,
        max_iter=80,
        batch_size=32,  # 5 steps an epoch: 0.96-0.97 over random_state 0..9 (one step: 0.78-0.95)
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert len(clf.coefs_) == 4 and [W.shape[1] for W in clf.coefs_] == [16, 16, 8, 3]
    assert clf.intercepts_[0][0] != 0  # trained away from the initial 0.01
    reg = MLPRegressor(output_activation="softplus", max_iter=30, random_state=0)
    assert reg.fit(X[:, 1:], np.exp(X[:, 0])).predict(X[:, 1:]).min() > 0
    assert reg.out_activation_ == "softplus"


def test_class_weight_shifts_decisions(iris):
    X, y = iris
    y = (y == 2).astype(int)  # one third positive
    kw = dict(hidden_layer_sizes=(4,), max_iter=100, random_state=0)
    plain = MLPClassifier(**kw).fit(X, y).predict(X).sum()
    heavy = MLPClassifier(class_weight={0: 1, 1: 20}, **kw).fit(X, y).predict(X).sum()
    balanced = MLPClassifier(class_weight="balanced", **kw).fit(X, y)
    assert heavy > plain and balanced.score(X, y) > 0.8
    with pytest.raises(ValueError, match="multilabel"):
        MLPClassifier(class_weight="balanced").fit(X, np.column_stack([y, 1 - y]))


@pytest.mark.parametrize("loss", ["absolute_error", "huber"])
def test_robust_regression_losses(loss):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5]
    y[:10] += 50  # outliers
    robust = MLPRegressor(loss=loss, learning_rate_init=0.01, max_iter=150, random_state=0)
    square = MLPRegressor(learning_rate_init=0.01, max_iter=150, random_state=0)
    clean = slice(10, None)
    err = [np.median(np.abs(m.fit(X, y).predict(X)[clean] - y[clean])) for m in (robust, square)]
    assert err[0] < err[1]


def test_validation_data_callbacks_and_verbose(iris, capsys):
    X, y = iris
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2)
    clf = MLPClassifier(
        solver="sgd", learning_rate_init=0.5, max_iter=200, callbacks=[stop], verbose=True
    )
    clf.fit(X[::2], y[::2], validation_data=(X[1::2], y[1::2]))
    assert clf.n_iter_ < 200
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == len(clf.validation_scores_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    with pytest.raises(ValueError, match="classes not in y"):
        clf.fit(X[y < 2], y[y < 2], validation_data=(X, y))
    with pytest.raises(TypeError, match="mlplab Callback"):
        MLPClassifier(callbacks=[print]).fit(X, y)


def test_diagnostics_flag(iris):
    X, y = iris
    if importlib.util.find_spec("mlplab.diagnostics") is None:
        with pytest.raises(ImportError):
            MLPClassifier(diagnostics=True, max_iter=2).fit(X, y)
        return
    clf = MLPClassifier(hidden_layer_sizes=(6, 5), diagnostics=True, max_iter=3).fit(X, y)
    assert isinstance(clf.diagnostics_, list)
    # one record per epoch and Dense layer
    assert {(r["epoch"], r["layer"]) for r in clf.diagnostics_} == {
        (e, k) for e in range(3) for k in range(3)
    }
    restarts = MLPClassifier(diagnostics=True, n_init=2, max_iter=2, random_state=0).fit(X, y)
    assert len({r["epoch"] for r in restarts.diagnostics_}) == 2


# -- scikit-learn tooling -------------------------------------------------------------------
def test_clone_params_pipeline_search(iris):
    X, y = iris
    est = MLPClassifier(activation=["elu"], dropout=[0.1], learning_rate="cosine")
    assert clone(est).get_params() == est.get_params()
    est.set_params(alpha=0.5, hidden_layer_sizes=(3,))
    assert est.get_params()["alpha"] == 0.5
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0))
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.8
    grid = GridSearchCV(
        MLPClassifier(max_iter=30, random_state=0),
        {
            "activation": ["relu", "gelu"],
            "hidden_layer_sizes": [(5,), (10,)],
            "solver": ["adam", "lbfgs"],
        },
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8 and grid.best_score_ > 0.8
    reg = MLPRegressor(max_iter=20, random_state=0).fit(X[:, 1:], X[:, 0])
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X[:, 1:]), reg.predict(X[:, 1:]))


def test_fit_is_reproducible(iris):
    X, y = iris
    for params in (dict(), dict(batch_norm=True, dropout=0.2), dict(solver="lbfgs")):
        a = MLPClassifier(max_iter=10, random_state=1, **params).fit(X, y)
        b = MLPClassifier(max_iter=10, random_state=1, **params).fit(X, y)
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# -- quality: within one point of scikit-learn on the same split -----------------------------
def _datasets():
    out = {}
    for name, loader in (
        ("digits", load_digits),
        ("iris", load_iris),
        ("breast_cancer", load_breast_cancer),
        ("diabetes", load_diabetes),
    ):
        X, y = loader(return_X_y=True)
        if name == "diabetes":
            y = (y - y.mean()) / y.std()
        strat = None if name == "diabetes" else y
        out[name] = train_test_split(X, y, test_size=0.25, random_state=0, stratify=strat)
    return out


# Seeds per data set: enough to average out the test-set noise of the small sets (one
# iris flower is 2.6 points) while keeping digits, the slow one, to a single fit.
_SEEDS = {"digits": 1, "iris": 3, "breast_cancer": 2, "diabetes": 3}
_MODERN = dict(activation="elu", kernel_initializer="he_uniform", batch_norm=True)


@pytest.mark.parametrize("name", list(_SEEDS))
def test_quality_matches_sklearn(name):
    X_tr, X_te, y_tr, y_te = _datasets()[name]
    regression = name == "diabetes"
    sk_cls = sknn.MLPRegressor if regression else sknn.MLPClassifier
    ml_cls = MLPRegressor if regression else MLPClassifier
    scores = {"sklearn": [], "mlplab": [], "modern": []}
    for seed in range(_SEEDS[name]):
        models = {"sklearn": sk_cls(random_state=seed), "mlplab": ml_cls(random_state=seed)}
        if name != "digits":  # the modern configuration on digits: docs/estimators.md
            models["modern"] = ml_cls(random_state=seed, **_MODERN)
        for key, model in models.items():
            pipe = make_pipeline(StandardScaler(), model).fit(X_tr, y_tr)
            scores[key].append(pipe.score(X_te, y_te))
    reference = np.mean(scores["sklearn"])
    assert np.mean(scores["mlplab"]) >= reference - 0.01
    if scores["modern"]:
        assert np.mean(scores["modern"]) >= reference - 0.01


def test_regressor_validation_data_on_a_fresh_estimator():
    # validation_data on the very first fit: the targets' width comes from y, not from
    # n_outputs_ (which the fit sets), for one and for several outputs.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    for Y in (X @ [1.0, -2.0, 0.5], np.column_stack([X[:, 0], X[:, 1] ** 2])):
        reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.fit(X[:40], Y[:40], validation_data=(X[40:], Y[40:]))
        assert len(reg.validation_loss_curve_) == reg.n_iter_ == 5
        with pytest.raises(ValueError, match="y_val must have shape"):
            MLPRegressor(max_iter=2).fit(X[:40], Y[:40], validation_data=(X[40:], Y[41:]))
