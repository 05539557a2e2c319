"""dask-ml's Incremental drives partial_fit chunk by chunk: the weights of a local loop."""

from __future__ import annotations

import numpy as np
import pytest

# dask and dask-ml are optional extras; the test extra installs them, so CI runs this.
da = pytest.importorskip("dask.array", reason="needs the dask extra: pip install mlplab[dask]")
distributed = pytest.importorskip(
    "dask.distributed", reason="needs the dask extra: pip install mlplab[dask]"
)
wrappers = pytest.importorskip(
    "dask_ml.wrappers", reason="needs dask-ml (the dask extra): pip install mlplab[dask]"
)

import mlplab  # noqa: E402

CHUNK = 250


def make_data(n: int = 1500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0.5).astype(int)
    return X, y


def estimator() -> mlplab.MLPClassifier:
    return mlplab.MLPClassifier(
        hidden_layer_sizes=(16,), activation="elu", learning_rate_init=0.01, random_state=0
    )


def test_incremental_on_a_local_cluster_matches_a_local_loop():
    X, y = make_data()
    classes = np.unique(y)
    X_dask = da.from_array(X, chunks=(CHUNK, X.shape[1]))
    y_dask = da.from_array(y, chunks=CHUNK)
    epochs = 3

    local = estimator()
    for _ in range(epochs):
        for start in range(0, X.shape[0], CHUNK):
            local.partial_fit(X[start : start + CHUNK], y[start : start + CHUNK], classes=classes)

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        inc = wrappers.Incremental(estimator(), shuffle_blocks=False)
        for _ in range(epochs):  # each partial_fit is one pass over the blocks, in order
            inc.partial_fit(X_dask, y_dask, classes=classes)
        remote = inc.estimator_
        accuracy = float(inc.score(X_dask, y_dask))

    assert len(remote.coefs_) == len(local.coefs_)
    for a, b in zip(
        remote.coefs_ + remote.intercepts_, local.coefs_ + local.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert remote.t_ == local.t_ == epochs * X.shape[0]
    # it learned something: the comparison is not between two untrained networks
    majority = np.bincount(y).max() / y.size
    assert accuracy > majority + 0.1, (accuracy, majority)
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))
