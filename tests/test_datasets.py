"""Toy data sets: shapes, labels, seeds, ranges and exact values."""

import math

import numpy as np
import pytest

from mlplab import datasets

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize(
    ("gate", "expected"), [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0])]
)
def test_truth_tables(gate, expected):
    X, y = datasets.logic(gate)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, expected)
    assert X.dtype == np.float64 and y.dtype.kind == "i"


def test_noisy_xor_labels_follow_the_corner():
    X, y = datasets.logic("xor", noise=0.1, n_samples=400, random_state=0)
    assert X.shape == (400, 2) and y.shape == (400,)
    corner = np.rint(X).clip(0, 1).astype(int)  # noise 0.1: rounding recovers the corner
    np.testing.assert_array_equal(y, corner[:, 0] ^ corner[:, 1])
    assert np.bincount(y).tolist() == [200, 200]
    assert not np.allclose(X, np.rint(X))


GENERATORS = [
    (datasets.circles, {"n_samples": 101}, 2),
    (datasets.spirals, {"n_samples": 301, "n_arms": 3}, 3),
    (datasets.gaussians, {"n_samples": 120, "n_classes": 4}, 4),
    (datasets.moons, {"n_samples": 99}, 2),
    (datasets.checkerboard, {"n_samples": 400, "n_tiles": 4}, 2),
]


@pytest.mark.parametrize(("gen", "kwargs", "n_classes"), GENERATORS)
def test_shapes_labels_and_seeds(gen, kwargs, n_classes):
    X, y = gen(**kwargs, random_state=7)
    n = kwargs["n_samples"]
    assert X.shape == (n, 2) and X.dtype == np.float64 and y.shape == (n,)
    assert set(np.unique(y)) == set(range(n_classes))
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1 or gen is datasets.checkerboard
    X2, y2 = gen(**kwargs, random_state=7)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = gen(**kwargs, random_state=8)
    assert not np.array_equal(X, X3)


def test_circles_radii_without_noise():
    X, y = datasets.circles(200, noise=0.0, factor=0.3, random_state=0)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_checkerboard_labels_and_range():
    X, y = datasets.checkerboard(1000, n_tiles=2, random_state=0)
    assert np.abs(X).max() <= 1
    np.testing.assert_array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int))


@pytest.mark.parametrize("name", datasets.PLAYGROUND_NAMES)
def test_playground_sets(name):
    X, y = datasets.playground(name, n_samples=300, noise=0.0, random_state=1)
    assert X.shape == (300, 2) and X.dtype == np.float64 and y.shape == (300,)
    if name.startswith("reg-"):
        assert y.dtype == np.float64 and np.abs(y).max() <= 1.2 + 1e-12
        assert np.abs(X).max() <= 6
    else:
        assert set(np.unique(y)) == {0, 1}
        assert np.abs(X).max() <= 7.5
    X2, y2 = datasets.playground(name, n_samples=300, noise=0.0, random_state=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_playground_noiseless_labels_follow_the_rules():
    X, y = datasets.playground("circle", 400, random_state=0)
    np.testing.assert_array_equal(y, (np.hypot(X[:, 0], X[:, 1]) < 2.5).astype(int))
    X, y = datasets.playground("xor", 400, random_state=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    assert np.abs(X).min() >= 0.3
    X, y = datasets.playground("reg-plane", 400, random_state=0)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10)
    X, y = datasets.playground("reg-gauss", 400, random_state=0)
    near = np.hypot(X[:, 0] - 4, X[:, 1] - 2.5) < 0.5  # close to the positive bump at (4, 2.5)
    assert near.any() and (y[near] > 0.7).all()


def test_playground_noise_flips_some_labels():
    X, y = datasets.playground("circle", 1000, noise=0.5, random_state=0)
    rule = (np.hypot(X[:, 0], X[:, 1]) < 2.5).astype(int)
    assert 0 < np.mean(rule != y) < 0.4


@pytest.mark.parametrize("name", ["spiral", "gauss"])
def test_playground_multiclass(name):
    _, y = datasets.playground(name, 400, n_classes=4, random_state=0)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="n_classes"):
        datasets.playground(name, 400, n_classes=5)
    with pytest.raises(ValueError, match="n_classes"):
        datasets.playground("circle", 400, n_classes=3)


@pytest.mark.parametrize(
    ("name", "low", "high", "f"),
    [
        ("square", -1, 1, np.square),
        ("reciprocal", 1, 100, lambda x: 1 / x),
        ("sine", 1, 2 * math.pi, np.sin),
    ],
)
def test_functions_match_formulas(name, low, high, f):
    X, y = datasets.function(name, n_samples=50)
    assert X.shape == (50, 1) and y.shape == (50,) and X.dtype == np.float64
    assert X[0, 0] == pytest.approx(low) and X[-1, 0] == pytest.approx(high)
    np.testing.assert_allclose(y, f(X[:, 0]), rtol=1e-14)


def test_step_function_levels_and_noise():
    X, y = datasets.function("step", 301)
    x = X[:, 0]
    # The course's step (001_…): −1 for x < 0, 0 for 0 < x < 1, 1 for x > 1, on [−1, 2].
    assert x[0] == -1.0 and x[-1] == 2.0
    np.testing.assert_array_equal(y[x < 0], -1.0)
    np.testing.assert_array_equal(y[(x > 0) & (x < 1)], 0.0)
    np.testing.assert_array_equal(y[x > 1], 1.0)
    assert set(np.unique(y)) == {-1.0, 0.0, 1.0}
    _, noisy = datasets.function("step", 301, noise=0.1, random_state=0)
    assert 0.05 < np.std(noisy - y) < 0.15
    _, again = datasets.function("step", 301, noise=0.1, random_state=0)
    np.testing.assert_array_equal(noisy, again)


def test_digits():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.dtype.kind == "i" and set(np.unique(y)) == set(range(10))
    assert X.min() == 0 and X.max() == 16


def test_validation_messages():
    with pytest.raises(ValueError, match="Did you mean 'xor'"):
        datasets.logic("xro")
    with pytest.raises(ValueError, match="Valid names: circle"):
        datasets.playground("circel")
    with pytest.raises(ValueError, match="Did you mean 'sine'"):
        datasets.function("sin")
    with pytest.raises(ValueError, match="noise"):
        datasets.moons(noise=-0.1)
    with pytest.raises(ValueError, match="noise"):
        datasets.playground("xor", noise=float("nan"))
    with pytest.raises(ValueError, match="n_samples"):
        datasets.circles(n_samples=0)
    with pytest.raises(ValueError, match="n_arms"):
        datasets.spirals(n_arms=1)
    with pytest.raises(ValueError, match="factor"):
        datasets.circles(factor=1.5)
    with pytest.raises(ValueError, match="std"):
        datasets.gaussians(std=-1)
