"""Digits: GridSearchCV over hidden layers and nodes, with test accuracy."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._base import Outcome, register
from ._common import digits_data, figure, save

CLAIM = (
    "A grid search over the number of hidden layers and nodes, scored by cross-validation "
    "on the training set, picks a network that recognizes at least 95% of held-out "
    "handwritten digits, and its cross-validated accuracy predicts its test accuracy "
    "within 2 points."
)


def _n_weights(n_features: int, hidden: tuple[int, ...]) -> int:
    """Trainable parameters (weights and biases) of a digits network."""
    sizes = (n_features, *hidden, 10)
    return sum((a + 1) * b for a, b in itertools.pairwise(sizes))


def _draw_search(
    path: Path,
    scores: dict[tuple[int, ...], float],
    widths: list[int],
    depths: list[int],
    n_features: int,
    search,
    accuracies: tuple[float, float],
    n_test: int,
) -> Path:
    """CV accuracy against the width (left) and the size (right), with the chosen one."""
    cv_acc, test_acc = accuracies
    best = search.best_params_["mlpclassifier__hidden_layer_sizes"]

    def n_weights(hidden: tuple[int, ...]) -> int:
        return _n_weights(n_features, hidden)

    fig, axes = figure(2, 1, 4.2, 3.4)
    ax = axes[0, 0]
    for d in depths:
        ax.semilogx(
            widths,
            [scores[(w,) * d] for w in widths],
            "o-",
            base=2,
            label=f"{d} hidden layer{'s' if d > 1 else ''}",
        )
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.minorticks_off()
    ax.set_xlabel("nodes per hidden layer")
    ax.set_ylabel(f"mean CV accuracy ({search.n_splits_} folds)")
    ax.legend(fontsize=8)
    ax.set_title("grid search on the training set", fontsize=10)
    ax.grid(alpha=0.3)
    # The same scores against the size of the network, with the chosen one and its test.
    ax = axes[0, 1]
    for d in depths:
        ax.semilogx(
            [n_weights((w,) * d) for w in widths],
            [scores[(w,) * d] for w in widths],
            "o-",
            label=f"{d} hidden layer{'s' if d > 1 else ''}",
        )
    ax.plot(n_weights(best), cv_acc, "*", color="k", ms=14, label=f"chosen {best}: CV")
    ax.plot(n_weights(best), test_acc, "D", color="C3", ms=7, label="chosen: held-out test")
    ax.axhline(0.95, color="0.5", ls=":", lw=1, label="claim's bar: 95%")
    ax.set_xlabel("trainable parameters (weights and biases)")
    ax.set_ylabel("accuracy")
    ax.set_title(
        f"chosen {best}: CV {cv_acc:.3f}, test {test_acc:.3f} ({n_test} images)",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return save(fig, path)


@register("digits-grid", "A grid search over layers and nodes finds a good digits network", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    from ..estimators import MLPClassifier

    X, y = digits_data()
    if quick:
        X, y = X[:500], y[:500]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    widths = [32] if quick else [8, 16, 32, 64, 128]
    depths = [1, 2] if quick else [1, 2, 3]
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            activation="relu",
            solver="adam",
            max_iter=40 if quick else 300,
            alpha=1e-3,
            random_state=seed,
        ),
    )
    grid = {"mlpclassifier__hidden_layer_sizes": [(w,) * d for d in depths for w in widths]}
    search = GridSearchCV(model, grid, cv=2 if quick else 5)
    search.fit(X_train, y_train)
    scores = {
        p["mlpclassifier__hidden_layer_sizes"]: float(s)
        for p, s in zip(
            search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
        )
    }
    best = search.best_params_["mlpclassifier__hidden_layer_sizes"]
    test_acc = float(accuracy_score(y_test, search.predict(X_test)))
    cv_acc = float(search.best_score_)
    held = test_acc >= 0.95 and abs(test_acc - cv_acc) <= 0.02
    table = [
        {"hidden layers": d, **{f"{w} nodes": scores[(w,) * d] for w in widths}} for d in depths
    ]
    result_rows = [
        {
            "best architecture": str(best),
            "CV accuracy": cv_acc,
            "test accuracy": test_acc,
            "train images": len(y_train),
            "test images": len(y_test),
        }
    ]
    path = folder / "digits_grid.png"
    accuracies = (cv_acc, test_acc)
    figures = [
        _draw_search(path, scores, widths, depths, X.shape[1], search, accuracies, len(y_test))
    ]
    from ..plotting import plot_confusion_matrix

    cm = plot_confusion_matrix(y_test, search.predict(X_test), np.arange(10))
    cm.axes[0].set_title(
        f"chosen network {best} on {len(y_test)} held-out digits: accuracy {test_acc:.3f}",
        fontsize=9,
    )
    figures.append(save(cm, folder / "digits_confusion_matrix.png"))

    summary = (
        f"the grid search chose hidden layers {best} (CV accuracy {cv_acc:.3f}), which "
        f"scored {test_acc:.3f} on {len(y_test)} held-out images."
    )
    notes = [
        f"Setup: digits ({len(y)} images), 75/25 stratified split, StandardScaler + "
        "MLPClassifier (relu, Adam, alpha 1e-3), GridSearchCV over hidden_layer_sizes "
        f"{grid['mlpclassifier__hidden_layer_sizes']} with {2 if quick else 5}-fold "
        "cross-validation; the "
        "table shows the mean CV accuracy of each architecture.",
        "Criterion: the claim holds when the chosen network's test accuracy is at least "
        "0.95 and within 0.02 of its CV accuracy.",
    ]
    data = {
        "cv_accuracy": {str(k): v for k, v in scores.items()},
        "best": best,
        "test_accuracy": test_acc,
        "best_cv_accuracy": cv_acc,
    }
    return Outcome(held, summary, table, figures, data, notes, {"Chosen network": result_rows})
