"""Training never copies its data: mini-batches are gathered into reused buffers.

The same check as ``benchmarks/bench_memory.py`` on a smaller table. It uses
tracemalloc, to which NumPy reports its allocations, and measures the peak of
everything a fit allocates, against the size of the data.
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlplab import MLPClassifier, _kernels, mlp
from mlplab.training import Trainer

N, D, K = 20_000, 256, 10  # X is 20 MB of float32


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D), dtype=np.float32)
    y = rng.integers(0, K, N)
    return X, y, np.eye(K, dtype=np.float32)[y]


def peak_of(fit) -> int:
    """Bytes at the peak of what `fit()` allocates (after one call that loads the kernels)."""
    fit()
    tracemalloc.start()
    try:
        fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kernels", [True, False], ids=["kernels", "numpy"])
def test_a_trainer_fit_does_not_copy_the_data(data, kernels):
    X, _, Y = data

    def fit():
        net = mlp([D, 64, K], "relu", "softmax", dtype=np.float32, random_state=0)
        trainer = Trainer(
            "categorical_crossentropy", "adam", epochs=1, batch_size=128, random_state=0
        )
        with _kernels.jit(kernels):
            trainer.fit(net, X, Y)

    # Network, optimizer state, batch buffers and the shuffled order take about 1.2 MB;
    # a copy of X would be 20 MB.
    assert peak_of(fit) < 0.25 * X.nbytes


def test_an_estimator_fit_does_not_copy_float32_data(data):
    X, y, _ = data

    def fit():
        clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        assert clf.coefs_[0].dtype == np.float32

    # About 2.5 MB: the encoded labels (N × K float32, 0.8 MB) and the order are the
    # arrays sized by N; a copy of X would be 20 MB (40 MB in float64).
    assert peak_of(fit) < 0.4 * X.nbytes
