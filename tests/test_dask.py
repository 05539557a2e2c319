"""Hyperparameter searches on a Dask cluster through joblib give the local results."""

from __future__ import annotations

import numpy as np
import pytest

# dask is an optional extra; the test extra installs it, so CI runs this test.
pytest.importorskip("dask", reason="needs the dask extra: pip install mlplab[dask]")
distributed = pytest.importorskip(
    "dask.distributed", reason="needs the dask extra: pip install mlplab[dask]"
)

import joblib  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import mlplab  # noqa: E402

GRID = {"hidden_layer_sizes": [(4,), (12,)], "alpha": [1e-4, 1.0]}


def make_search(n_jobs: int | None) -> GridSearchCV:
    estimator = mlplab.MLPClassifier(max_iter=50, random_state=0)
    return GridSearchCV(estimator, GRID, cv=3, n_jobs=n_jobs)


def test_grid_search_on_local_dask_cluster_matches_local_run():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)

    local = make_search(n_jobs=1).fit(X, y)

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_backend("dask"),
    ):
        remote = make_search(n_jobs=-1).fit(X, y)
        workers = set(client.scheduler_info()["workers"])

    # the fits really ran on the cluster's workers (joblib batches them into tasks)
    assert len(workers) == 2
    assert tasks.data and all(task["worker"] in workers for task in tasks.data)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    # the scores differ between candidates: the grid is not degenerate
    assert np.ptp(local.cv_results_["mean_test_score"]) > 0
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))
