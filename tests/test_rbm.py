"""mlplab.BernoulliRBM: scikit-learn's results, its checks, the theory, files and ONNX."""

from __future__ import annotations

import inspect
import itertools
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM as SkBernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import mlplab
from mlplab import BernoulliRBM
from mlplab.io import ModelFileError, save_tree

X_DIGITS = load_digits().data / 16.0  # pixels 0..16 scaled to [0, 1]
Y_DIGITS = load_digits().target
ATTRIBUTES = ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_")
CONTAINERS = {
    "dense": np.asarray,
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
    "lil": sp.lil_matrix,
    "csr_array": sp.csr_array,
}
# Same random draws and the same operations as scikit-learn: the runs agree to rounding
# (bit for bit on one machine). Any stream mismatch flips Bernoulli samples and shows up
# as differences of the size of a learning step (~1e-2), far above these tolerances.
RTOL = {np.float64: 1e-12, np.float32: 1e-5}


def _same_fit(ours: BernoulliRBM, theirs: SkBernoulliRBM, dtype) -> None:
    for name in ATTRIBUTES:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.dtype == b.dtype == dtype, name
        assert a.shape == b.shape, name
        assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * 1e-3, err_msg=name)
    assert_array_equal(ours.h_samples_, theirs.h_samples_)  # binary: must agree exactly


# -- the differential test against scikit-learn ------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("container", list(CONTAINERS))
def test_fit_matches_scikit_learn(container, dtype):
    X = CONTAINERS[container](X_DIGITS[:300].astype(dtype))
    # 300 rows in batches of 7: the last batch is short (300 = 42 * 7 + 6)
    params = dict(n_components=24, learning_rate=0.2, batch_size=7, n_iter=3, random_state=5)
    ours, theirs = BernoulliRBM(**params).fit(X), SkBernoulliRBM(**params).fit(X)
    _same_fit(ours, theirs, dtype)
    rtol = RTOL[dtype]
    assert_allclose(ours.transform(X), theirs.transform(X), rtol=rtol)
    assert ours.transform(X).dtype == dtype
    # score_samples: same corrupted features, same free energies
    if dtype == np.float32 and container in ("csr", "csc", "lil"):
        # scikit-learn's sparse-matrix path builds the flips with np.matrix arithmetic,
        # which promotes them to float64 (its score is then float64, half computed in
        # float32); ours stays float32. Both carry the float32 cancellation error of
        # F(x') - F(x), about 1e-5 relative on scores of about -20.
        assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-4, atol=1e-4)
    else:
        assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("container", ["dense", "csr", "csc"])
def test_partial_fit_matches_scikit_learn(container):
    params = dict(n_components=16, batch_size=5, random_state=9)
    ours, theirs = BernoulliRBM(**params), SkBernoulliRBM(**params)
    # mini-batches of unequal sizes, three passes
    chunks = np.array_split(np.arange(200), 13)
    for _, rows in itertools.product(range(3), chunks):
        batch = CONTAINERS[container](X_DIGITS[rows])
        assert ours.partial_fit(batch) is ours
        theirs.partial_fit(batch)
    _same_fit(ours, theirs, np.float64)
    # the generator carries on: the same Gibbs samples next
    assert_array_equal(ours.gibbs(X_DIGITS[:40]), theirs.gibbs(X_DIGITS[:40]))


def test_gibbs_and_random_state_instances_match_scikit_learn():
    ours = BernoulliRBM(n_components=8, n_iter=2, random_state=np.random.RandomState(3))
    theirs = SkBernoulliRBM(n_components=8, n_iter=2, random_state=np.random.RandomState(3))
    ours.fit(X_DIGITS[:100])
    theirs.fit(X_DIGITS[:100])
    _same_fit(ours, theirs, np.float64)
    # score_samples draws from the shared generator too, so two calls differ and match
    for _ in range(2):
        assert_allclose(ours.score_samples(X_DIGITS[:50]), theirs.score_samples(X_DIGITS[:50]))
    first = ours.gibbs(X_DIGITS[:30])
    assert first.dtype == bool and first.shape == (30, 64)
    assert_array_equal(first, theirs.gibbs(X_DIGITS[:30]))
    assert_array_equal(ours.gibbs(X_DIGITS[:30]), theirs.gibbs(X_DIGITS[:30]))


def test_fit_after_partial_fit_and_zero_iterations_match_scikit_learn():
    ours, theirs = (
        BernoulliRBM(n_components=6, random_state=1),
        SkBernoulliRBM(n_components=6, random_state=1),
    )
    ours.partial_fit(X_DIGITS[:20])
    theirs.partial_fit(X_DIGITS[:20])
    ours.fit(X_DIGITS[:90])  # refits from scratch; random_state_ stays as it was
    theirs.fit(X_DIGITS[:90])
    _same_fit(ours, theirs, np.float64)
    assert_array_equal(ours.gibbs(X_DIGITS[:9]), theirs.gibbs(X_DIGITS[:9]))
    ours = BernoulliRBM(n_components=6, n_iter=0, random_state=2).fit(X_DIGITS)
    theirs = SkBernoulliRBM(n_components=6, n_iter=0, random_state=2).fit(X_DIGITS)
    _same_fit(ours, theirs, np.float64)
    assert not ours.intercept_hidden_.any() and not ours.h_samples_.any()


def test_fit_gibbs_reproduces_scikit_learns_published_weights():
    # scikit-learn's own test_fit_gibbs: these weights come from its random stream
    X = np.array([[0.0], [1.0]])
    for data in (X, sp.csc_matrix(X)):
        rng = np.random.RandomState(42)  # gibbs goes on with the fit's generator
        rbm = BernoulliRBM(n_components=2, batch_size=2, n_iter=42, random_state=rng)
        rbm.fit(data)
        assert_allclose(rbm.components_, [[0.02649814], [0.02009084]], atol=1e-8)
        assert_array_equal(rbm.gibbs(data), X.astype(bool))


def test_same_signature_as_scikit_learn():
    ours = inspect.signature(BernoulliRBM.__init__).parameters
    theirs = inspect.signature(SkBernoulliRBM.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]
    assert BernoulliRBM().get_params() == SkBernoulliRBM().get_params()
    for method in ("fit", "partial_fit", "transform", "fit_transform", "score_samples", "gibbs"):
        assert callable(getattr(BernoulliRBM, method))


def test_verbose_output_like_scikit_learn(capsys):
    # the printed pseudo-likelihoods are scikit-learn's (same fit, same scoring draws)
    BernoulliRBM(n_components=8, n_iter=3, verbose=1, random_state=0).fit(X_DIGITS[:200])
    ours = capsys.readouterr().out
    SkBernoulliRBM(n_components=8, n_iter=3, verbose=1, random_state=0).fit(X_DIGITS[:200])
    theirs = capsys.readouterr().out
    pattern = (
        r"\[BernoulliRBM\] Iteration (\d+), pseudo-likelihood = (-?\d+\.\d\d), time = \d+\.\d\ds"
    )
    lines = ours.strip().splitlines()
    assert len(lines) == 3
    assert all(re.fullmatch(pattern, line) for line in lines)
    assert re.findall(pattern, ours) == re.findall(pattern, theirs)
    BernoulliRBM(n_components=2, batch_size=2, n_iter=1, verbose=True).fit(
        sp.csc_matrix([[0.0], [1.0]])
    )
    assert re.fullmatch(pattern, capsys.readouterr().out.strip())
    BernoulliRBM(n_components=2, n_iter=2).fit(X_DIGITS[:20])
    assert capsys.readouterr().out == ""


# -- the theory ----------------------------------------------------------------------------
def _small_model(seed: int = 0, n_features: int = 5, n_components: int = 3) -> BernoulliRBM:
    rng = np.random.default_rng(seed)
    X = (rng.random((40, n_features)) < 0.4).astype(float)
    rbm = BernoulliRBM(n_components=n_components, n_iter=5, learning_rate=0.3, random_state=seed)
    rbm.fit(X)
    # larger weights than training gives make the checks below sharper
    rbm.components_ = np.asfortranarray(rng.normal(0, 1.0, rbm.components_.shape))
    rbm.intercept_hidden_ = rng.normal(0, 0.5, n_components)
    rbm.intercept_visible_ = rng.normal(0, 0.5, n_features)
    return rbm


def _states(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def test_free_energy_sums_the_hidden_states_out():
    # F(v) = -log sum_h exp(-E(v, h)), E = -b.v - c.h - h.W.v, by brute force over h
    rbm = _small_model()
    V = _states(5)
    H = _states(3)
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    energies = -(V @ b)[:, None] - (H @ c)[None, :] - (V @ W.T) @ H.T
    expected = -np.log(np.exp(-energies).sum(axis=1))
    assert_allclose(rbm._free_energy(V), expected, rtol=1e-12)


def test_score_samples_is_the_pseudo_likelihood_of_a_random_flip():
    # n * log P(x_i | x_-i) with P(x | x_-i) ∝ exp(-F(x)), i drawn as RandomState(seed).randint
    rbm = _small_model(seed=1)
    V = _states(5)
    cols = np.random.RandomState(1).randint(0, 5, len(V))
    flipped = V.copy()
    flipped[np.arange(len(V)), cols] = 1 - flipped[np.arange(len(V)), cols]
    p_x = np.exp(-rbm._free_energy(V))
    p_flip = np.exp(-rbm._free_energy(flipped))
    expected = 5 * np.log(p_x / (p_x + p_flip))
    assert_allclose(rbm.score_samples(V), expected, rtol=1e-12)
    assert (rbm.score_samples(V) <= 0).all()


def test_score_samples_is_stable_for_huge_inputs():
    # scikit-learn's #2785: no overflow, no infinities
    rbm = BernoulliRBM(n_components=10, batch_size=2, n_iter=10, random_state=42)
    X = np.vstack([np.zeros(1000), np.ones(1000)])
    rbm.fit(X)
    assert (rbm.score_samples(X) < -300).all()
    with np.errstate(under="ignore"):
        score = rbm.score_samples([np.arange(1000) * 100])
    assert np.isfinite(score).all()


def test_gibbs_step_follows_the_conditionals():
    # one Gibbs step from v: P(v' | v) = sum_h P(h | v) P(v' | h), computed exactly
    rbm = _small_model(seed=2, n_features=3, n_components=3)
    v = np.array([[1.0, 0.0, 1.0]])
    H, Vp = _states(3), _states(3)
    ph = rbm.transform(v)[0]
    p_h = np.prod(np.where(H == 1, ph, 1 - ph), axis=1)
    pv = 1 / (1 + np.exp(-(H @ rbm.components_ + rbm.intercept_visible_)))
    p_v_given_h = np.prod(np.where(Vp[:, None, :] == 1, pv[None], 1 - pv[None]), axis=2)
    expected = p_v_given_h @ p_h
    n = 20000
    samples = rbm.gibbs(np.repeat(v, n, axis=0))
    codes = samples.astype(int) @ np.array([4, 2, 1])
    observed = np.bincount(codes, minlength=8) / n
    # binomial standard error at most 0.0036; 5 sigma
    assert np.abs(observed - expected).max() < 0.018
    assert_allclose(expected.sum(), 1.0)


def test_transform_is_the_hidden_conditional():
    rbm = BernoulliRBM(n_components=16, batch_size=5, n_iter=5, random_state=42)
    X = X_DIGITS[:100]
    rbm.fit(X)
    W, c = rbm.components_, rbm.intercept_hidden_
    assert_allclose(rbm.transform(X), 1 / (1 + np.exp(-(X @ W.T + c))), rtol=1e-12)
    assert_array_equal(rbm.transform(X), rbm._mean_hiddens(X))
    assert_array_equal(rbm.fit_transform(X), rbm.transform(X))


def test_one_step_is_the_pcd_gradient_of_the_free_energy():
    """ΔW/lr = mean over data of ∂(-F)/∂W minus mean over the chains' samples of it.

    The derivatives of the free energy come from central differences of _free_energy;
    the chains' visible samples are replayed from the same RandomState: normals for the
    weights, then uniforms u < sigmoid(h0 W + b) with h0 = 0 and b = 0, i.e. u < 0.5.
    """
    X = X_DIGITS[:12]
    rbm = BernoulliRBM(n_components=4, batch_size=3, learning_rate=0.5, random_state=7)
    rbm.partial_fit(X)
    replay = np.random.RandomState(7)
    W0 = replay.normal(0, 0.01, (4, 64))
    v_model = (replay.uniform(size=(3, 64)) < 0.5).astype(float)

    start = BernoulliRBM(n_components=4).fit(X[:1])
    start.components_ = np.asfortranarray(W0.copy())
    start.intercept_hidden_ = np.zeros(4)
    start.intercept_visible_ = np.zeros(64)

    def mean_neg_free_energy(V: np.ndarray, W: np.ndarray) -> float:
        start.components_ = np.asfortranarray(W)
        return float(-start._free_energy(V).mean())

    eps = 1e-6
    grad = np.zeros_like(W0)
    for j, i in itertools.product(range(4), range(64)):
        bump = np.zeros_like(W0)
        bump[j, i] = eps
        data = mean_neg_free_energy(X, W0 + bump) - mean_neg_free_energy(X, W0 - bump)
        model = mean_neg_free_energy(v_model, W0 + bump) - mean_neg_free_energy(v_model, W0 - bump)
        # the chains' term is summed over 3 chains and divided by the 12 data rows
        grad[j, i] = (data - model * 3 / 12) / (2 * eps)
    assert_allclose((rbm.components_ - W0) / 0.5, grad, rtol=1e-6, atol=1e-8)
    # biases: ∂(-F)/∂b = v and ∂(-F)/∂c = P(h | v)
    start.components_ = np.asfortranarray(W0)
    db = X.mean(axis=0) - v_model.sum(axis=0) / 12
    dc = start.transform(X).mean(axis=0) - start.transform(v_model).sum(axis=0) / 12
    assert_allclose(rbm.intercept_visible_ / 0.5, db, rtol=1e-12, atol=1e-15)
    assert_allclose(rbm.intercept_hidden_ / 0.5, dc, rtol=1e-12, atol=1e-15)


def test_learns_the_digits():
    # scikit-learn's test_fit: a mean pseudo-likelihood of about -21 after 7 passes
    X = X_DIGITS.copy()
    rbm = BernoulliRBM(n_components=64, learning_rate=0.1, batch_size=10, n_iter=7, random_state=9)
    rbm.fit(X)
    assert rbm.score_samples(X).mean() == pytest.approx(-21.0, abs=0.5)
    assert_array_equal(X, X_DIGITS)  # not modified


# -- input handling ---------------------------------------------------------------------------
@pytest.mark.parametrize("container", list(CONTAINERS))
def test_sparse_input_gives_the_dense_results(container):
    X = X_DIGITS[:150]
    params = dict(n_components=12, batch_size=8, n_iter=2, random_state=3)
    dense = BernoulliRBM(**params).fit(X)
    other = BernoulliRBM(**params).fit(CONTAINERS[container](X))
    for name in ATTRIBUTES:
        assert_allclose(getattr(other, name), getattr(dense, name), rtol=1e-12, atol=1e-15)
    assert_allclose(other.transform(CONTAINERS[container](X)), dense.transform(X), rtol=1e-12)
    assert_allclose(
        other.score_samples(CONTAINERS[container](X)), dense.score_samples(X), rtol=1e-12
    )
    assert_array_equal(BernoulliRBM(**params).fit(sp.csr_matrix(X[:4])).components_.shape, (12, 64))


@pytest.mark.parametrize(
    ("dtype_in", "dtype_out"),
    [(np.float32, np.float32), (np.float64, np.float64), (int, np.float64), (bool, np.float64)],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_dtypes(method, dtype_in, dtype_out):
    X = (X_DIGITS[:100] > 0.5).astype(dtype_in)
    rbm = BernoulliRBM(n_components=16, batch_size=5, n_iter=5, random_state=42)
    getattr(rbm, method)(X)
    for name in ATTRIBUTES:
        assert getattr(rbm, name).dtype == dtype_out, name
    assert rbm.transform(X).dtype == dtype_out
    assert rbm.score_samples(X).dtype == dtype_out
    if method == "partial_fit":
        rbm.partial_fit(X.astype(np.float64))  # later data is converted to the model's dtype
        assert rbm.components_.dtype == dtype_out


def test_float32_and_float64_runs_agree():
    # scikit-learn's test_convergence_dtype_consistency, tolerances included
    rbm64 = BernoulliRBM(n_components=16, batch_size=5, n_iter=5, random_state=42)
    rbm32 = BernoulliRBM(n_components=16, batch_size=5, n_iter=5, random_state=42)
    Xt64 = rbm64.fit_transform(X_DIGITS[:100])
    Xt32 = rbm32.fit_transform(X_DIGITS[:100].astype(np.float32))
    assert_allclose(Xt64, Xt32, rtol=1e-6, atol=0)
    assert_allclose(rbm64.intercept_hidden_, rbm32.intercept_hidden_, rtol=1e-6, atol=0)
    assert_allclose(rbm64.intercept_visible_, rbm32.intercept_visible_, rtol=1e-5, atol=0)
    assert_allclose(rbm64.components_, rbm32.components_, rtol=1e-3, atol=0)
    assert_array_equal(rbm64.h_samples_, rbm32.h_samples_)


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_input_is_never_modified(container):
    X = CONTAINERS[container](X_DIGITS[:60].astype(np.float32))
    before = X.toarray().copy() if sp.issparse(X) else X.copy()
    rbm = BernoulliRBM(n_components=5, n_iter=2, random_state=0).fit(X)
    rbm.partial_fit(X)
    rbm.transform(X)
    rbm.score_samples(X)
    rbm.gibbs(X)
    after = X.toarray() if sp.issparse(X) else X
    assert_array_equal(after, before)


def test_bad_input_gets_clear_errors(tmp_path):
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0)
    unfitted = [
        lambda: rbm.transform(X_DIGITS),
        lambda: rbm.score_samples(X_DIGITS),
        lambda: rbm.gibbs(X_DIGITS),
        rbm.get_feature_names_out,
        lambda: rbm.save(tmp_path / "unfitted.npz"),
    ]
    for call in unfitted:
        with pytest.raises(NotFittedError, match="not fitted"):
            call()
    with pytest.raises(ValueError, match="NaN"):
        rbm.fit([[0.0, np.nan], [1.0, 0.0]])
    with pytest.raises(ValueError, match="infinity"):
        rbm.fit([[0.0, np.inf], [1.0, 0.0]])
    with pytest.raises(ValueError, match="Expected 2D array"):
        rbm.fit([0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="0 sample"):
        rbm.fit(np.zeros((0, 4)))
    rbm.fit(X_DIGITS[:20])
    for method in ("transform", "score_samples", "gibbs", "partial_fit"):
        with pytest.raises(ValueError, match="X has 3 features, but BernoulliRBM is expecting 64"):
            getattr(rbm, method)(np.zeros((2, 3)))


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("n_components", 0),
        ("n_components", 2.5),
        ("learning_rate", 0.0),
        ("learning_rate", -1.0),
        ("batch_size", 0),
        ("n_iter", -1),
        ("random_state", "seed"),
    ],
)
def test_bad_parameters_are_named(param, value):
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        BernoulliRBM(**{param: value}).fit(X_DIGITS[:10])
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        BernoulliRBM(**{param: value}).partial_fit(X_DIGITS[:10])


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_feature_names(method):
    pd = pytest.importorskip("pandas")
    rbm = BernoulliRBM(n_components=10, n_iter=1, random_state=0)
    getattr(rbm, method)(X_DIGITS)
    assert_array_equal(rbm.get_feature_names_out(), [f"bernoullirbm{i}" for i in range(10)])
    assert not hasattr(rbm, "feature_names_in_")
    columns = [f"px{i}" for i in range(64)]
    frame = pd.DataFrame(X_DIGITS[:50], columns=columns)
    rbm = BernoulliRBM(n_components=4, n_iter=1, random_state=0).set_output(transform="pandas")
    out = getattr(rbm, method)(frame).transform(frame)
    assert_array_equal(rbm.feature_names_in_, columns)
    assert list(out.columns) == [f"bernoullirbm{i}" for i in range(4)]


# -- scikit-learn's estimator checks ----------------------------------------------------------
_STOCHASTIC_SCORE = (
    "score_samples corrupts one random feature per row, drawn for the whole batch at once "
    "(scikit-learn's semantics, kept for identical results), so a row's score depends on "
    "its position among the rows; scikit-learn lists the same expected failure for its "
    "BernoulliRBM"
)


@parametrize_with_checks(
    [BernoulliRBM(), BernoulliRBM(n_components=8, learning_rate=0.5, batch_size=3, n_iter=5)],
    expected_failed_checks=lambda est: {
        "check_methods_subset_invariance": _STOCHASTIC_SCORE,
        "check_methods_sample_order_invariance": _STOCHASTIC_SCORE,
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -- scikit-learn's example: RBM features for a linear classifier -----------------------------
def test_pipeline_features_beat_raw_pixels_on_nudged_digits():
    from mlplab.experiments.rbm_features import RAW_CS, nudge

    # 400 images and their shifted copies, split before nudging (no copy of a test
    # image in training)
    X_train, X_test, y_train, y_test = train_test_split(
        X_DIGITS[:400], Y_DIGITS[:400], test_size=0.2, random_state=0, stratify=Y_DIGITS[:400]
    )
    X_train, y_train = nudge(X_train, y_train)
    X_test, y_test = nudge(X_test, y_test)
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # newton-cg may stop at max_iter on raw pixels
        raw = max(
            LogisticRegression(C=C, solver="newton-cg", max_iter=200)
            .fit(X_train, y_train)
            .score(X_test, y_test)
            for C in RAW_CS
        )
        model = Pipeline(
            [
                (
                    "rbm",
                    BernoulliRBM(n_components=64, learning_rate=0.06, n_iter=20, random_state=0),
                ),
                ("logistic", LogisticRegression(C=6000, solver="newton-cg", max_iter=200)),
            ]
        ).fit(X_train, y_train)
        rbm_accuracy = model.score(X_test, y_test)
    assert raw < 0.9  # shifted digits are hard for a linear model of the pixels
    assert rbm_accuracy > raw + 0.04


# -- files -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip_continues_exactly(tmp_path, dtype):
    X = X_DIGITS[:120].astype(dtype)
    rbm = BernoulliRBM(n_components=10, batch_size=6, n_iter=2, random_state=4).fit(X)
    rbm.partial_fit(X[:30])  # makes random_state_
    path = rbm.save(tmp_path / "rbm.npz")
    loaded = mlplab.load(path)
    assert type(loaded) is BernoulliRBM
    assert loaded.get_params() == rbm.get_params()
    for name in ATTRIBUTES:
        assert_array_equal(getattr(loaded, name), getattr(rbm, name))
        assert getattr(loaded, name).dtype == dtype
    assert loaded.n_features_in_ == 64
    assert_array_equal(loaded.transform(X), rbm.transform(X))
    assert_array_equal(loaded.score_samples(X), rbm.score_samples(X))
    # the saved generator state: both continue with the same draws
    assert_array_equal(loaded.gibbs(X[:20]), rbm.gibbs(X[:20]))
    loaded.partial_fit(X[30:60])
    rbm.partial_fit(X[30:60])
    for name in ATTRIBUTES:
        assert_array_equal(getattr(loaded, name), getattr(rbm, name))
    # nothing in the file needs pickle
    with np.load(path, allow_pickle=False) as data:
        assert "__meta__" in data.files


def test_save_keeps_feature_names_and_refuses_what_is_not_data(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_DIGITS[:40], columns=[f"p{i}" for i in range(64)])
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=None).fit(frame)
    loaded = mlplab.load(rbm.save(tmp_path / "named.npz"))
    assert_array_equal(loaded.feature_names_in_, rbm.feature_names_in_)
    assert_array_equal(loaded.get_feature_names_out(), rbm.get_feature_names_out())
    assert not hasattr(loaded, "random_state_")
    rbm.set_params(random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match="random_state"):
        rbm.save(tmp_path / "state.npz")
    assert not (tmp_path / "state.npz").exists()


def test_load_refuses_tampered_and_inconsistent_files(tmp_path):
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(X_DIGITS[:20])
    path = rbm.save(tmp_path / "rbm.npz")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelFileError):
        mlplab.load(bad)
    tree = {
        "estimator_format": 1,
        "params": rbm.get_params(),
        "fitted": {
            "components_": np.zeros((3, 64)),
            "intercept_hidden_": np.zeros(3),
            "intercept_visible_": np.zeros(5),  # does not match the 64 features
            "h_samples_": np.zeros((10, 3)),
            "n_features_in_": 64,
        },
    }
    save_tree(tmp_path / "shapes.npz", tree, kind="BernoulliRBM")
    with pytest.raises(ModelFileError, match="shapes"):
        mlplab.load(tmp_path / "shapes.npz")
    tree["estimator_format"] = 99
    save_tree(tmp_path / "newer.npz", tree, kind="BernoulliRBM")
    with pytest.raises(ModelFileError, match="upgrade mlplab"):
        mlplab.load(tmp_path / "newer.npz")


def test_pickle_round_trip():
    import pickle

    rbm = BernoulliRBM(n_components=4, n_iter=1, random_state=0).fit(X_DIGITS[:30])
    again = pickle.loads(pickle.dumps(rbm))
    assert_array_equal(again.transform(X_DIGITS[:30]), rbm.transform(X_DIGITS[:30]))


# -- ONNX ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_onnx_export_of_transform(tmp_path, dtype, rtol):
    pytest.importorskip("onnx", reason="needs the onnx extra: pip install mlplab[onnx]")
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    X = X_DIGITS[:200]
    rbm = BernoulliRBM(n_components=20, n_iter=2, random_state=0).fit(X.astype(dtype))
    # large weights reach the sigmoid's saturated tails as well
    rbm.components_ *= 50
    path = mlplab.export_onnx(rbm, tmp_path / "rbm.onnx", dtype=dtype)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["X"]
    (out,) = session.run(["output"], {"X": X.astype(dtype)})
    expected = rbm.transform(X.astype(dtype))
    assert out.dtype == dtype and out.shape == (200, 20)
    assert_allclose(out, expected, rtol=rtol, atol=rtol * 1e-3)


def test_onnx_export_defaults_to_float32_and_checks_its_arguments(tmp_path):
    pytest.importorskip("onnx", reason="needs the onnx extra: pip install mlplab[onnx]")
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    rbm = BernoulliRBM(n_components=5, n_iter=1, random_state=0).fit(X_DIGITS[:30])
    path = mlplab.export_onnx(rbm, tmp_path / "rbm.onnx", input_name="pixels", output_name="h")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(["h"], {"pixels": X_DIGITS[:30].astype(np.float32)})
    assert out.dtype == np.float32
    assert_allclose(out, rbm.transform(X_DIGITS[:30]), rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="not fitted"):
        mlplab.export_onnx(BernoulliRBM(), tmp_path / "unfitted.onnx")
    with pytest.raises(ValueError, match="dtype"):
        mlplab.export_onnx(rbm, tmp_path / "f16.onnx", dtype=np.float16)
    with pytest.raises(ValueError, match="must differ"):
        mlplab.export_onnx(rbm, tmp_path / "same.onnx", input_name="a", output_name="a")
    assert not (tmp_path / "unfitted.onnx").exists()


# -- the experiment --------------------------------------------------------------------------
def test_rbm_features_experiment(tmp_path):
    from mlplab import experiments

    assert "rbm-features" in experiments.names()
    result = experiments.run("rbm-features", tmp_path, quick=True, seed=0)
    data = result.data
    nudged = data["accuracy"]["nudged"]
    assert set(nudged["rbm"]) == {16, 64}
    assert nudged["best_raw"] == max(nudged["raw"].values())
    assert data["gain_points"]["nudged"] == pytest.approx(
        100 * (nudged["rbm"][data["shown"]] - nudged["best_raw"])
    )
    assert result.held == (data["gain_points"]["nudged"] >= 5)
    assert result.held  # the quick setting shows the gain too (about 9 points, seed 0)
    assert data["components_shape"] == [64, 64]
    assert [p.name for p in result.figures] == ["rbm_features.png"]
    assert result.figures[0].stat().st_size > 10_000
