"""Universal approximation: error by depth × width on the course's four target functions.

The claim is about capacity: how closely a network of a given shape *can* fit a
function. Two things decide whether an experiment sees that capacity or something else:

- scaling: inputs *and* target are standardized. 1/x on [1, 100] has a variance of
  about 0.01; fitted raw, its squared error is so small next to L-BFGS's stopping
  tolerances that the fit stops near 1% of the variance whatever the width;
- measuring: the error is measured on a dense grid of the interval (10,000 points,
  how well the network approximates the function) beside the course homework's
  cross-validated error on the training points.

The widths go up to where one hidden layer stops improving.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, KFold, ShuffleSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ._base import Outcome, register
from ._common import TARGET_FUNCTIONS, course_quote, figure, function_data, save

CLAIM = (
    "One hidden layer with enough units approximates any continuous function (x², 1/x, "
    "sin x) as closely as we like; with two hidden layers even discontinuous functions (the "
    "step) are approximated (better than with one)."
)

COURSE = course_quote(
    "001_f636fab45e5b4fde.txt",
    "TP555, Redes Neurais Artificiais (Parte II)",
    "uma rede neural com uma camada oculta com um número suficientemente grande de nós pode "
    "aproximar praticamente qualquer função contínua. Com duas camadas ocultas, até funções "
    "descontínuas podem ser aproximadas.",
    "a neural network with one hidden layer with a large enough number of nodes can "
    "approximate practically any continuous function. With two hidden layers, even "
    "discontinuous functions can be approximated.",
)

#: Relative error (MSE / variance on the dense grid) below which a fit counts as close.
CLOSE = 1e-3


def make_model(
    hidden: tuple[int, ...],
    max_iter: int,
    seed: int,
    scale_target: bool = True,
    n_init: int = 1,
):
    """Standardized inputs → tanh MLPRegressor (L-BFGS), with a standardized target.

    ``n_init > 1`` keeps the best of that many random initializations (by training loss).
    """
    from ..estimators import MLPRegressor

    network = make_pipeline(
        StandardScaler(),
        MLPRegressor(
            hidden_layer_sizes=hidden,
            activation="tanh",
            solver="lbfgs",
            # No weight penalty: the targets are noiseless and the question is capacity.
            alpha=0.0,
            max_iter=max_iter,
            tol=1e-8,
            n_init=n_init,
            random_state=seed,
        ),
    )
    if not scale_target:
        return network
    return TransformedTargetRegressor(regressor=network, transformer=StandardScaler())


def _hidden_param(model) -> str:
    prefix = "regressor__" if isinstance(model, TransformedTargetRegressor) else ""
    return f"{prefix}mlpregressor__hidden_layer_sizes"


def dense_error(model: TransformedTargetRegressor | Pipeline, name: str, n_dense: int) -> float:
    """MSE of a fitted model on `n_dense` evenly spaced points, divided by var(f)."""
    X, y = function_data(name, n_dense, 0.0, 0)
    return float(np.mean((model.predict(X) - y) ** 2) / np.var(y))


def grid_search(
    X: np.ndarray,
    y: np.ndarray,
    architectures: list[tuple[int, ...]],
    max_iter: int,
    folds: int,
    seed: int,
) -> dict[tuple[int, ...], float]:
    """Cross-validated MSE of every architecture, relative to the variance of `y`."""
    model = make_model(architectures[0], max_iter, seed)
    # folds == 1: a single 70/30 split (quick mode).
    cv = (
        ShuffleSplit(1, test_size=0.3, random_state=seed)
        if folds == 1
        else KFold(folds, shuffle=True, random_state=seed)
    )
    key = _hidden_param(model)
    search = GridSearchCV(
        model, {key: architectures}, scoring="neg_mean_squared_error", cv=cv, refit=False
    )
    search.fit(X, y)
    scale = float(np.var(y))
    return {
        tuple(p[key]): float(-s) / scale
        for p, s in zip(
            search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
        )
    }


def converged_width(
    errors: dict[int, float], factor: float = 2.0, floor: float = 1e-5
) -> int | None:
    """Smallest width beyond which no wider layer lowers the error by more than `factor`.

    An error at or below `floor` counts as converged: near 1e-5 of the variance,
    L-BFGS's stopping tolerances, not the number of units, end the fit. None when the
    widest width tried is the first to qualify: the grid did not show convergence.
    """
    widths = sorted(errors)
    for i, w in enumerate(widths[:-1]):
        if errors[w] <= floor or min(errors[v] for v in widths[i + 1 :]) * factor >= errors[w]:
            return w
    return None


def _fit_all(
    widths: dict[int, list[int]],
    n: int,
    n_dense: int,
    max_iter: int,
    folds: int,
    n_init: int,
    seed: int,
):
    """Fit every architecture to every target function; errors by CV and on a dense grid.

    Returns ``(cv, dense, raw, fitted)``: the CV and dense-grid errors by function and
    architecture, the dense-grid errors of one layer on the raw target by width, and the
    one-layer fits by ``(function, target scaled?, width)``.
    """
    architectures = [(w,) * d for d, ws in widths.items() for w in ws]
    cv: dict[str, dict[tuple[int, ...], float]] = {}
    dense: dict[str, dict[tuple[int, ...], float]] = {}
    raw: dict[str, dict[int, float]] = {}
    # The one-layer fits, kept for the residual panels: (function, scaled?, width).
    fitted: dict[tuple[str, bool, int], object] = {}
    for name in TARGET_FUNCTIONS:
        X, y = function_data(name, n, 0.0, seed)
        cv[name] = grid_search(X, y, architectures, max_iter, folds, seed)
        dense[name] = {}
        for hidden in architectures:
            model = make_model(hidden, max_iter, seed, n_init=n_init).fit(X, y)
            dense[name][hidden] = dense_error(model, name, n_dense)
            if len(hidden) == 1:
                fitted[name, True, hidden[0]] = model
        raw[name] = {}
        for w in widths[1]:
            model = make_model((w,), max_iter, seed, False, n_init).fit(X, y)
            raw[name][w] = dense_error(model, name, n_dense)
            fitted[name, False, w] = model
    return cv, dense, raw, fitted


def _tables(errors: dict, best: dict, best_cv: dict, converged: dict, widths: dict):
    """The errors by function, network and width; and the best of each function.

    `errors` holds the dense-grid errors ``one``, ``two`` and ``raw`` by function and
    width, and the CV errors ``cv`` by function and architecture.
    """
    one, two, raw, cv = errors["one"], errors["two"], errors["raw"], errors["cv"]
    table = []
    for f in TARGET_FUNCTIONS:
        for label, errors in (
            ("1 layer, dense grid", one[f]),
            ("1 layer, CV", {w: cv[f][(w,)] for w in widths[1]}),
            ("1 layer, raw target, dense grid", raw[f]),
            ("2 layers, dense grid", two[f]),
            ("2 layers, CV", {w: cv[f][(w, w)] for w in widths[2]}),
        ):
            table.append(
                {
                    "function": f,
                    "network, error measured on": label,
                    **{f"width {w}": errors.get(w) for w in widths[1]},
                }
            )
    summary_rows = [
        {
            "function": f,
            "best 1 layer (dense)": best[f][1],
            "best 1 layer (CV)": best_cv[f][1],
            "1 layer converged at width": converged[f]
            if converged[f] is not None
            else f"> {widths[1][-2]}",
            "best 1 layer, raw target (dense)": min(raw[f].values()),
            "best 2 layers (dense)": best[f][2],
            "best 2 layers (CV)": best_cv[f][2],
        }
        for f in TARGET_FUNCTIONS
    ]
    return table, summary_rows


def _draw(
    path: Path,
    errors: dict,
    widths: dict[int, list[int]],
    converged: dict,
    fitted: dict,
    sizes: tuple[int, int],
) -> Path:
    """Error against the width (top) and the fit's residuals along x (bottom)."""
    one, two, raw, cv = errors["one"], errors["two"], errors["raw"], errors["cv"]
    n, n_dense = sizes
    fig, axes = figure(4, 2, 3.1, 2.8)
    for j, f in enumerate(TARGET_FUNCTIONS):
        ax = axes[0, j]
        ax.loglog(widths[1], [one[f][w] for w in widths[1]], "o-", color="C0", label="1 layer")
        ax.loglog(widths[2], [two[f][w] for w in widths[2]], "s-", color="C1", label="2 layers")
        ax.loglog(
            widths[1],
            [raw[f][w] for w in widths[1]],
            "o--",
            color="C0",
            alpha=0.5,
            label="1 layer, raw target",
        )
        ax.loglog(widths[1], [cv[f][(w,)] for w in widths[1]], ":", color="C0", label="1 layer, CV")
        ax.loglog(
            widths[2], [cv[f][(w, w)] for w in widths[2]], ":", color="C1", label="2 layers, CV"
        )
        ax.axhline(CLOSE, color="0.5", lw=0.8, ls="-.")
        ax.set_title(_FUNCTION_LABELS[f], fontsize=9)
        ax.set_xticks(widths[1], [str(w) for w in widths[1]])
        ax.minorticks_off()
        ax.set_xlabel("units per hidden layer")
        ax.grid(alpha=0.3)
        # Residuals of one hidden layer at the width where it converged.
        w = converged[f] or widths[1][-1]
        Xd, yd = function_data(f, n_dense, 0.0, 0)
        ax = axes[1, j]
        # Same styles as the "1 layer" and "1 layer, raw target" lines above.
        for scale_target, style, alpha in ((False, "--", 0.5), (True, "-", 1.0)):
            model = fitted[f, scale_target, w]
            ax.plot(Xd[:, 0], model.predict(Xd) - yd, style, color="C0", alpha=alpha, lw=1)
        ax.axhline(0, color="k", lw=0.6)
        where = "where it converged" if converged[f] else "widest, not converged"
        ax.set_title(f"1 layer × {w} ({where})", fontsize=9)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("MSE / var(f)")
    axes[1, 0].set_ylabel("network − f(x), dense grid")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=5, fontsize=8)
    fig.suptitle(
        f"tanh MLPs by L-BFGS on {n} points; top: error on a {n_dense:,}-point grid and by "
        f"cross-validation (dash-dot: {CLOSE:g}); bottom: the fit's error along x",
        fontsize=10,
    )
    return save(fig, path)


def _notes(
    architectures: list, n: int, n_dense: int, max_iter: int, folds: int, n_init: int
) -> list[str]:
    """The course, setup, the two errors, convergence and criterion."""
    return [
        COURSE,
        f"Setup: {n} evenly spaced points of each function (mlplab.datasets.function: x² on "
        "[−1, 1], 1/x on [1, 100], sin x on [1, 2π], the three-level step on [−1, 1]); "
        "inputs and target standardized (StandardScaler, and TransformedTargetRegressor for "
        "the target); MLPRegressor with tanh units trained by L-BFGS (up to "
        f"{max_iter} iterations, no weight penalty), as in the course's homework; hidden "
        f"layers {architectures}.",
        f"Two errors, both as MSE divided by the variance of the target (0 = perfect, 1 = no "
        f"better than the mean): on a dense grid ({n_dense:,} evenly spaced points of the "
        f"interval, the network refitted on all {n} points, best of {n_init} random "
        "initializations by training loss, as the course advises against local minima), "
        "which measures how well the network approximates the function; and, beside it, "
        "the homework's cross-validated error on the training points ("
        + ("one 70/30 split" if folds == 1 else f"GridSearchCV, {folds}-fold shuffled")
        + "). 'raw target': the same one-layer networks with only the inputs standardized.",
        "A width counts as converged when no wider single layer in the grid lowers the "
        "dense-grid error by more than a factor 2, or when the error is already below 1e-5 "
        "of the variance: past that point L-BFGS's stopping tolerances, not the number of "
        "units, limit the fit, and the error wanders with the initialization.",
        f"Criterion: the claim holds when one hidden layer gets below {CLOSE:g} of the "
        "variance on the dense grid for each continuous function, and two hidden layers beat "
        "one on the step.",
    ]


@register("universal-approximation", "One hidden layer approximates continuous functions", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    widths = {
        1: [2, 8] if quick else [1, 2, 4, 8, 16, 32, 64],
        2: [2, 8] if quick else [1, 2, 4, 8, 16, 32],
    }
    architectures = [(w,) * d for d, ws in widths.items() for w in ws]
    max_iter = 100 if quick else 5000
    folds = 1 if quick else 5
    n = 60 if quick else 300
    n_dense = 1000 if quick else 10_000
    # The dense-grid fits keep the best of a few initializations (the course's remedy
    # for local minima): a fit stuck in one is not what the network can represent.
    n_init = 1 if quick else 3

    cv, dense, raw, fitted = _fit_all(widths, n, n_dense, max_iter, folds, n_init, seed)

    one = {f: {w: dense[f][(w,)] for w in widths[1]} for f in TARGET_FUNCTIONS}
    two = {f: {w: dense[f][(w, w)] for w in widths[2]} for f in TARGET_FUNCTIONS}
    best = {f: {1: min(one[f].values()), 2: min(two[f].values())} for f in TARGET_FUNCTIONS}
    best_cv = {
        f: {d: min(cv[f][(w,) * d] for w in widths[d]) for d in widths} for f in TARGET_FUNCTIONS
    }
    converged = {f: converged_width(one[f]) for f in TARGET_FUNCTIONS}
    continuous = [f for f in TARGET_FUNCTIONS if f != "step"]
    held = all(best[f][1] < CLOSE for f in continuous) and best["step"][2] < best["step"][1]

    errors = {"one": one, "two": two, "raw": raw, "cv": cv}
    table, summary_rows = _tables(errors, best, best_cv, converged, widths)
    path = folder / "universal_approximation.png"
    figures = [_draw(path, errors, widths, converged, fitted, (n, n_dense))]

    summary = (
        "best MSE / var(f) on a dense grid with one hidden layer (inputs and target "
        "standardized): "
        + ", ".join(
            f"{f} {best[f][1]:.1e} (converged at width {converged[f]})"
            if converged[f] is not None
            else f"{f} {best[f][1]:.1e} (still improving at width {widths[1][-1]})"
            for f in continuous
        )
        + f"; 1/x with the raw target: {min(raw['reciprocal'].values()):.1e}; the step: "
        f"{best['step'][1]:.1e} with one hidden layer vs {best['step'][2]:.1e} with two."
    )
    notes = _notes(architectures, n, n_dense, max_iter, folds, n_init)
    data = {
        "dense": {f"{f}/{len(h)}/{h[0]}": v for f in dense for h, v in dense[f].items()},
        "cv": {f"{f}/{len(h)}/{h[0]}": v for f in cv for h, v in cv[f].items()},
        "raw": {f"{f}/1/{w}": v for f in raw for w, v in raw[f].items()},
        "best": best,
        "best_cv": best_cv,
        "converged_width": converged,
        "widths": widths,
    }
    return Outcome(held, summary, table, figures, data, notes, {"Best of each": summary_rows})


_FUNCTION_LABELS = {
    "square": "x² on [−1, 1]",
    "reciprocal": "1/x on [1, 100]",
    "sine": "sin x on [1, 2π]",
    "step": "step on [−1, 1]",
}
