"""Universal approximation: MSE by depth × width on the course's four target functions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV, KFold, ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._base import Outcome, register
from ._common import TARGET_FUNCTIONS, figure, function_data, save

CLAIM = (
    "One hidden layer approximates continuous functions (x², 1/x, sin x) as closely as "
    "we like given enough units; a discontinuous function (the step) is approximated "
    "better with two hidden layers."
)


def grid_search(
    X: np.ndarray,
    y: np.ndarray,
    widths: list[int],
    depths: list[int],
    max_iter: int,
    folds: int,
    seed: int,
) -> tuple[dict[tuple[int, int], float], GridSearchCV]:
    """Cross-validated MSE of every (depth, width), relative to the variance of `y`."""
    from ..estimators import MLPRegressor

    model = make_pipeline(
        StandardScaler(),
        MLPRegressor(
            activation="tanh", solver="lbfgs", max_iter=max_iter, tol=1e-8, random_state=seed
        ),
    )
    grid = {"mlpregressor__hidden_layer_sizes": [(w,) * d for d in depths for w in widths]}
    # folds == 1: a single 70/30 split (quick mode).
    cv = (
        ShuffleSplit(1, test_size=0.3, random_state=seed)
        if folds == 1
        else KFold(folds, shuffle=True, random_state=seed)
    )
    search = GridSearchCV(model, grid, scoring="neg_mean_squared_error", cv=cv)
    search.fit(X, y)
    scale = float(np.var(y))
    mse = {
        (
            len(p["mlpregressor__hidden_layer_sizes"]),
            p["mlpregressor__hidden_layer_sizes"][0],
        ): float(-s) / scale
        for p, s in zip(
            search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
        )
    }
    return mse, search


@register("universal-approximation", "Universal approximation: depth × width", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    widths = [3, 12] if quick else [1, 2, 4, 8, 16, 32]
    depths = [1, 2]
    max_iter = 80 if quick else 3000
    folds = 1 if quick else 5
    n = 60 if quick else 300
    results = {}
    searches = {}
    data_xy = {}
    for name in TARGET_FUNCTIONS:
        X, y = function_data(name, n, 0.0, seed)
        results[name], searches[name] = grid_search(X, y, widths, depths, max_iter, folds, seed)
        data_xy[name] = (X, y)
    table = [
        {
            "function": name,
            "hidden layers": d,
            **{f"width {w}": results[name][d, w] for w in widths},
        }
        for name in TARGET_FUNCTIONS
        for d in depths
    ]
    best = {
        name: {d: min(results[name][d, w] for w in widths) for d in depths}
        for name in TARGET_FUNCTIONS
    }
    continuous = [f for f in TARGET_FUNCTIONS if f != "step"]
    held = all(best[f][1] < 0.01 for f in continuous) and best["step"][2] < best["step"][1]

    fig, axes = figure(4, 2, 2.9, 2.6)
    for j, name in enumerate(TARGET_FUNCTIONS):
        ax = axes[0, j]
        for d in depths:
            ax.loglog(
                widths,
                [max(results[name][d, w], 1e-12) for w in widths],
                "o-",
                label=f"{d} hidden layer{'s' if d > 1 else ''}",
            )
        ax.set_title(name)
        ax.set_xlabel("units per layer")
        ax = axes[1, j]
        X, y = data_xy[name]
        ax.plot(X[:, 0], y, "k.", ms=2, label="target")
        ax.plot(X[:, 0], searches[name].predict(X), "r-", lw=1.2, label="best fit")
        params = searches[name].best_params_["mlpregressor__hidden_layer_sizes"]
        ax.set_title(f"best: {params}", fontsize=9)
    axes[0, 0].set_ylabel("CV MSE / var(y)")
    axes[0, 0].legend(fontsize=7)
    axes[1, 0].legend(fontsize=7)
    figures = [save(fig, folder / "universal_approximation.png")]

    summary = (
        "best cross-validated MSE relative to var(y) with one hidden layer: "
        + ", ".join(f"{f} {best[f][1]:.1e}" for f in continuous)
        + f"; the step: {best['step'][1]:.1e} with one hidden layer vs "
        f"{best['step'][2]:.1e} with two."
    )
    notes = [
        f"Setup: {n} evenly spaced points of each function (mlplab.datasets.function), "
        "inputs standardized, MLPRegressor with tanh units trained by L-BFGS "
        f"(up to {max_iter} iterations), GridSearchCV over hidden_layer_sizes "
        f"{[(w,) * d for d in depths for w in widths]} with "
        + ("one 70/30 split" if folds == 1 else f"{folds}-fold shuffled cross-validation")
        + ". Numbers are the mean validation MSE divided by the variance of "
        "the target (0 = perfect, 1 = no better than the mean).",
        "Criterion: the claim holds when one hidden layer gets below 1% of the variance on "
        "each continuous function, and two hidden layers beat one on the step.",
    ]
    data = {
        "relative_mse": {f"{f}/{d}/{w}": v for f in results for (d, w), v in results[f].items()},
        "best": best,
    }
    return Outcome(held, summary, table, figures, data, notes)
