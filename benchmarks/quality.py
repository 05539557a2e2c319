"""Test-set quality of mlplab's estimators against scikit-learn's, on the same splits.

Run ``python benchmarks/quality.py``; it prints the Markdown table of docs/estimators.md.
Every model sits in ``make_pipeline(StandardScaler(), model)`` as users would write it;
the split is 75/25 (stratified for classification) with random_state=0, and each score
is the mean ± standard deviation over the seeds 0..4 of the estimator's random_state. No
download: the four data sets ship with scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import neural_network as sknn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlplab

SEEDS = range(5)
DATASETS = {
    "digits": load_digits,
    "iris": load_iris,
    "breast_cancer": load_breast_cancer,
    "diabetes (R²)": load_diabetes,
}
MODERN = {
    "GELU": dict(activation="gelu", kernel_initializer="he_uniform", batch_norm=True),
    "ELU": dict(activation="elu", kernel_initializer="he_uniform", batch_norm=True),
}


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(
        "| data set | scikit-learn 1.9 | mlplab, same defaults "
        "| mlplab, GELU + He + batch norm | mlplab, ELU + He + batch norm |"
    )
    print("|---|---|---|---|---|")
    for name, loader in DATASETS.items():
        X, y = loader(return_X_y=True)
        regression = "R²" in name
        if regression:
            y = (y - y.mean()) / y.std()
        split = train_test_split(
            X, y, test_size=0.25, random_state=0, stratify=None if regression else y
        )
        sk = sknn.MLPRegressor if regression else sknn.MLPClassifier
        ml = mlplab.MLPRegressor if regression else mlplab.MLPClassifier
        row = []
        for cls, extra in ((sk, {}), (ml, {}), (ml, MODERN["GELU"]), (ml, MODERN["ELU"])):
            scores = []
            for seed in SEEDS:
                X_tr, X_te, y_tr, y_te = split
                model = make_pipeline(StandardScaler(), cls(random_state=seed, **extra))
                model.fit(X_tr, y_tr)
                scores.append(model.score(X_te, y_te))
            row.append(f"{100 * np.mean(scores):.1f} ± {100 * np.std(scores):.1f}")
        print(f"| {name} | " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
