"""scikit-learn's estimator checks on mlplab's estimators.

Each instance below runs the whole suite that ``parametrize_with_checks`` generates:
the defaults (scikit-learn's own configuration, which a drop-in must pass), L-BFGS, and
mlplab's extras (batch norm + dropout + ELU; a per-layer activation list with another
solver, a schedule and a robust loss). The only expected failures are explained in
``_expected_failures``.
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from mlplab import MLPClassifier, MLPRegressor

_BATCH_STATISTICS = (
    "batch normalization and dropout make training depend on which rows share a batch, "
    "not only on the weighted loss: batch norm averages the rows of a batch without "
    "sample weights (a row repeated k times shifts the batch mean and variance, a row of "
    "weight k does not), and dropout draws an independent mask for every row (k repeats "
    "get k masks, one weighted row gets one). So weighting by k cannot equal repeating k "
    "times, by construction of these layers, whatever the solver. The same estimator "
    "without batch norm and dropout passes this check (see the default instances)."
)


def _expected_failures(estimator):
    if estimator.batch_norm or estimator.dropout:
        return {
            "check_sample_weight_equivalence_on_dense_data": _BATCH_STATISTICS,
            "check_sample_weight_equivalence_on_sparse_data": _BATCH_STATISTICS,
        }
    return {}


# Non-default instances use a smaller max_iter (scikit-learn's common tests use 100 for
# its MLPs) to keep the suite fast; the defaults run with max_iter=200.
ESTIMATORS = [
    MLPClassifier(),
    MLPRegressor(),
    MLPClassifier(solver="lbfgs", max_iter=50),
    MLPRegressor(solver="lbfgs", max_iter=50),
    MLPClassifier(batch_norm=True, dropout=0.1, activation="elu", max_iter=100),
    MLPRegressor(
        loss="huber",
        hidden_layer_sizes=(16, 8),
        activation=["gelu", "tanh"],
        solver="rmsprop",
        learning_rate="cosine",
        # RMSProp's default rate scores R² 0.1-0.6 on the checks' data after 100 epochs,
        # by luck of the seed; 0.01 scores 0.91-0.94 (random_state 0..9).
        learning_rate_init=0.01,
        max_iter=100,
    ),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
