"""Figures for seeing how an MLP learns; every function returns a matplotlib Figure.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through pyplot:
nothing here picks or changes a backend, opens a window or keeps figures alive in a
global registry, so this works the same on a headless server, in a script and in a
notebook (where a returned Figure displays inline). Each function takes ``path``: when
given, the figure is also written there as PNG or SVG (chosen by the extension),
atomically (a temporary file in the same folder, then :func:`os.replace`).

To compose figures, pass ``ax=``: a function that draws one axes draws into the
:class:`~matplotlib.axes.Axes` given (from ``plt.subplots`` or a Figure of your own) and
returns that Axes instead of a new Figure, as pandas and seaborn do; those that draw
several panels take one Axes per panel (and ``panels=`` to choose them). Nothing else
changes: without ``ax`` every function draws and returns its Figure as before.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from . import activations as _activations
from .diagnostics import Diagnostics, _inference_values, _slots, records_to_arrays

PathLike = str | os.PathLike[str]
_FORMATS = {".png": "png", ".svg": "svg"}
_CLASS_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


# -- saving --------------------------------------------------------------------------
def _check_path(path: PathLike | None) -> Path | None:
    if path is None:
        return None
    p = Path(path)
    if p.suffix.lower() not in _FORMATS:
        raise ValueError(f"path must end in .png or .svg, got {str(path)!r}")
    return p


def save_figure(fig: Figure, path: PathLike) -> Path:
    """Write `fig` to `path` as PNG or SVG (by extension), atomically.

    The file is written beside `path` under a temporary name, then renamed; its mode
    follows the umask (0644 under umask 022), as a plainly opened file's would.

    Raises
    ------
    ValueError
        When `path` does not end in ``.png`` or ``.svg``.
    """
    from .io import atomic_write

    p = _check_path(path)
    assert p is not None
    with atomic_write(p) as fh:
        fig.savefig(fh, format=_FORMATS[p.suffix.lower()], dpi=100)
    return p


def _finish(fig: Figure, path: Path | None) -> Figure:
    if path is not None:
        save_figure(fig, path)
    return fig


def _grid(n: int, max_cols: int = 4) -> tuple[int, int]:
    cols = max(1, min(max_cols, n))
    return math.ceil(n / cols), cols


def _check_ax(ax: Any) -> Axes:
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax


def _one_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The Axes to draw on: `ax` (checked), or the single Axes of a new Figure."""
    if ax is not None:
        ax = _check_ax(ax)
        return ax.get_figure(root=True), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _panel_axes(
    ax: Axes | Sequence[Axes] | None,
    panels: list[str],
    figsize: tuple[float, float],
) -> tuple[Figure, list[Axes]]:
    """One Axes per panel: those given in `ax`, or a row of them in a new Figure."""
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, list(fig.subplots(1, len(panels), squeeze=False).ravel())
    axes = [ax] if isinstance(ax, Axes) else list(ax) if isinstance(ax, Sequence) else None
    if axes is None:
        raise TypeError(f"ax must be a matplotlib Axes or a sequence of them, got {ax!r}")
    if len(axes) != len(panels):
        raise ValueError(
            f"ax must hold one Axes per panel drawn ({len(panels)}: {', '.join(panels)}), "
            f"got {len(axes)}; choose the panels with panels="
        )
    for a in axes:
        _check_ax(a)
    return axes[0].get_figure(root=True), axes


def _choose_panels(
    panels: str | Sequence[str] | None,
    present: list[str],
    valid: tuple[str, ...],
    ax: Any,
    what: str,
) -> list[str]:
    """The panels to draw: `panels` (checked against `valid` and `present`), or the default.

    The default is every panel present, or only the first when `ax` is a single Axes.
    """
    if panels is None:
        return present[:1] if isinstance(ax, Axes) else present
    chosen = [panels] if isinstance(panels, str) else list(panels)
    if not chosen:
        raise ValueError("panels must name at least one panel")
    for name in chosen:
        if name not in valid:
            raise ValueError(f"panels: {name!r} is not one of {', '.join(valid)}")
        if name not in present:
            raise ValueError(f"panels: {what} has no values for the {name!r} panel")
    return chosen


def _finish_on(fig: Figure, path: Path | None, ax: Any, drawn: Any) -> Any:
    """Save if asked; return the Figure, or with `ax` what was drawn on."""
    if path is not None:
        save_figure(fig, path)
    return fig if ax is None else drawn


# -- activations -----------------------------------------------------------------------
def plot_activations(
    names: Iterable[str | _activations.Activation] | str | None = None,
    x_range: tuple[float, float] = (-5, 5),
    derivative: bool = True,
    path: PathLike | None = None,
    *,
    ax: Axes | None = None,
) -> Figure | Axes:
    """A grid of activation functions (solid) and their derivatives (dashed).

    Parameters
    ----------
    names : iterable of str or Activation, optional
        Which activations; all elementwise ones in the catalog by default.
    x_range : (float, float)
        Interval of the horizontal axis.
    derivative : bool
        Also draw the exact derivative.
    path : str or path-like, optional
        Save as PNG or SVG.
    ax : matplotlib.axes.Axes, optional
        Draw every named activation on this one Axes instead (one colour each, the
        derivative dashed in the same colour), to compare them.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        The Figure, or `ax` when it is given.
    """
    out = _check_path(path)
    if names is None:
        functions = [_activations.get(n) for n in _activations.names()]
        functions = [f for f in functions if f.elementwise]
    else:
        if isinstance(names, (str, _activations.Activation)):
            names = [names]
        functions = [_activations.get(n) for n in names]
        for f in functions:
            if not f.elementwise:
                raise ValueError(
                    f"names: {f.name!r} is not elementwise and has no 1-D curve to draw"
                )
    if not functions:
        raise ValueError("names must name at least one activation")
    low, high = (float(v) for v in x_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    x = np.linspace(low, high, 801)
    if ax is not None:
        fig, ax = _one_axes(ax, (0, 0))
        for k, f in enumerate(functions):
            color = f"C{k % 10}"
            with np.errstate(all="ignore"):
                ax.plot(x, f(x), color=color, label=f.name)
                if derivative:
                    ax.plot(x, f.derivative(x), color=color, linestyle="--", linewidth=1)
        _cross(ax)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x), f′(x) dashed" if derivative else "f(x)")
        ax.legend(fontsize=8, loc="best")
        return _finish_on(fig, out, ax, ax)
    rows, cols = _grid(len(functions))
    fig = Figure(figsize=(3.2 * cols, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax_f, f in zip(axes, functions, strict=False):
        with np.errstate(all="ignore"):
            ax_f.plot(x, f(x), color="C0", label="f(x)")
            if derivative:
                ax_f.plot(x, f.derivative(x), color="C3", linestyle="--", label="f′(x)")
        _cross(ax_f)
        ax_f.set_title(f.name, fontsize=10)
    for ax_f in axes[len(functions) :]:
        ax_f.set_visible(False)
    if derivative:
        axes[0].legend(fontsize=8, loc="best")
    return _finish(fig, out)


def _cross(ax: Axes) -> None:
    """The two coordinate axes in grey, and a light grid."""
    ax.axhline(0, color="0.7", linewidth=0.8, zorder=0)
    ax.axvline(0, color="0.7", linewidth=0.8, zorder=0)
    ax.grid(alpha=0.3)


# -- training curves -------------------------------------------------------------------
_HISTORY_ALIASES = {
    "loss": "loss",
    "loss_curve_": "loss",
    "val_loss": "val_loss",
    "validation_loss_curve_": "val_loss",
    "score": "score",
    "val_score": "val_score",
    "validation_scores_": "val_score",
    "lr": "lr",
    "learning_rate": "lr",
    "learning_rate_curve_": "lr",
}


def _history_columns(history: Any) -> dict[str, np.ndarray]:
    """loss / val_loss / score / val_score / lr columns from any supported history."""
    raw: dict[str, Any] = {}
    if isinstance(history, Mapping):
        raw = dict(history)
    elif hasattr(history, "records") and isinstance(history.records, list):
        keys = {k for r in history.records for k in r}
        raw = {k: [r.get(k, np.nan) for r in history.records] for k in keys}
    else:
        for attr in ("loss_curve_", "validation_loss_curve_", "validation_scores_"):
            value = getattr(history, attr, None)
            if value is not None:
                raw[attr] = value
        inner = getattr(history, "history_", None)
        if not raw and inner is not None:
            return _history_columns(inner)
        if not raw:
            raise TypeError(
                "history must be a History, a dict of lists, or an estimator with "
                f"loss_curve_; got {type(history).__name__}"
            )
    cols = {}
    for key, value in raw.items():
        name = _HISTORY_ALIASES.get(key)
        if name is None or value is None:
            continue
        arr = np.asarray(value, dtype=float).ravel()
        if arr.size and np.isfinite(arr).any():
            cols[name] = arr
    if "loss" not in cols and "val_loss" not in cols:
        raise ValueError("history has no loss values to plot")
    return cols


#: The panels of :func:`plot_history`, in their order.
HISTORY_PANELS = ("loss", "score", "lr")


def plot_history(
    history: Any,
    path: PathLike | None = None,
    *,
    score_name: str = "score",
    loss_name: str | None = None,
    x_label: str = "epoch",
    panels: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure | Axes | list[Axes]:
    """Training curves: loss, score and learning rate over epochs (counted from 1).

    Parameters
    ----------
    history : History, dict of lists, or estimator
        A :class:`mlplab.training.History`; a dict with some of ``loss``, ``val_loss``,
        ``score``, ``val_score``, ``lr``; or a fitted estimator with ``loss_curve_`` and
        optionally ``validation_loss_curve_`` and ``validation_scores_``.
    path : str or path-like, optional
    score_name : str
        What the score is ("accuracy", "R²"): the score axis reads "validation accuracy".
    loss_name : str, optional
        What the loss is ("log-loss"), shown on the loss axis.
    x_label : str
        Unit of the horizontal axis ("epoch", or "L-BFGS iteration").
    panels : str or sequence of str, optional
        Which of ``"loss"``, ``"score"``, ``"lr"`` to draw, in that order of the
        sequence; by default every one the history has values for.
    ax : Axes or sequence of Axes, optional
        Draw into these, one per panel, instead of a new Figure. A single Axes draws
        one panel: the loss, unless `panels` names another.

    Returns
    -------
    matplotlib.figure.Figure, Axes or list of Axes
        One panel for the losses, one for scores and one for the learning rate when
        these are present; each with a title and labelled axes. With `ax`, what was
        given.
    """
    out = _check_path(path)
    cols = _history_columns(history)
    present = ["loss"]
    if "score" in cols or "val_score" in cols:
        present.append("score")
    if "lr" in cols:
        present.append("lr")
    chosen = _choose_panels(panels, present, HISTORY_PANELS, ax, "history")
    fig, axes = _panel_axes(ax, chosen, (4.2 * len(chosen), 3.4))
    for a, panel in zip(axes, chosen, strict=True):
        if panel == "loss":
            _draw_loss(a, cols, loss_name, x_label)
        elif panel == "score":
            _draw_score(a, cols, score_name, x_label)
        else:
            _draw_lr(a, cols, x_label)
    return _finish_on(fig, out, ax, axes[0] if isinstance(ax, Axes) else axes)


def _epoch_axis(ax: Axes, x_label: str) -> None:
    ax.set_xlabel(x_label)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)


def _draw_loss(
    ax: Axes, cols: Mapping[str, np.ndarray], loss_name: str | None, x_label: str
) -> None:
    """The training and validation losses over epochs from 1 (log scale over a wide range)."""
    values = []
    for key, label in (("loss", "training"), ("val_loss", "validation")):
        if key in cols:
            ax.plot(np.arange(1, cols[key].size + 1), cols[key], label=label)
            values.append(cols[key])
    finite = np.concatenate(values) if values else np.empty(0)
    finite = finite[np.isfinite(finite)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 50:
        ax.set_yscale("log")
    ax.set_ylabel(f"loss ({loss_name})" if loss_name else "loss")
    ax.set_title("loss", fontsize=10)
    _epoch_axis(ax, x_label)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def _draw_score(ax: Axes, cols: Mapping[str, np.ndarray], score_name: str, x_label: str) -> None:
    """The training and validation scores over epochs from 1."""
    shown = []
    for key, label in (("score", "training"), ("val_score", "validation")):
        if key in cols:
            ax.plot(np.arange(1, cols[key].size + 1), cols[key], label=label)
            shown.append(label)
    what = f"{shown[0]} {score_name}" if len(shown) == 1 else score_name
    ax.set_ylabel(what)
    ax.set_title(what, fontsize=10)
    _epoch_axis(ax, x_label)
    if shown:
        ax.legend(fontsize=8)


def _draw_lr(ax: Axes, cols: Mapping[str, np.ndarray], x_label: str) -> None:
    """The learning rate over epochs from 1 (log scale over a wide range)."""
    ax.plot(np.arange(1, cols["lr"].size + 1), cols["lr"], color="C2")
    lr = cols["lr"][np.isfinite(cols["lr"])]
    if lr.size and lr.min() > 0 and lr.max() / lr.min() > 20:
        ax.set_yscale("log")
    ax.set_ylabel("learning rate")
    ax.set_title("learning rate", fontsize=10)
    _epoch_axis(ax, x_label)


# -- models on data --------------------------------------------------------------------
def _network_of(model: Any) -> Any:
    from .network import Sequential

    if isinstance(model, Sequential):
        return model
    for attr in ("network_", "network"):
        net = getattr(model, attr, None)
        if isinstance(net, Sequential):
            return net
    return None


def _predict_scores(model: Any, grid: np.ndarray, classes: np.ndarray):
    """(class index per point, confidence or P(class 1) per point, n_columns)."""
    from .network import Sequential

    if isinstance(model, Sequential):
        out = model.predict(grid.astype(model.dtype))
        if out.shape[1] == 1:
            p = out[:, 0]
            return (p > 0.5).astype(int), p, 1
        return out.argmax(axis=1), out.max(axis=1), out.shape[1]
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(grid))
        if proba.ndim == 2 and proba.shape[1] == 2:
            return proba.argmax(axis=1), proba[:, 1], 1
        return proba.argmax(axis=1), proba.max(axis=1), proba.shape[1]
    if hasattr(model, "predict"):
        pred = np.asarray(model.predict(grid)).ravel()
        index = np.searchsorted(classes, pred)
        index = np.clip(index, 0, len(classes) - 1)
        return index, None, len(classes)
    raise TypeError(
        f"model must be a Sequential or have predict_proba or predict, got {type(model).__name__}"
    )


def plot_decision_regions(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    path: PathLike | None = None,
    resolution: int = 200,
    *,
    ax: Axes | None = None,
) -> Figure | Axes:
    """Decision regions of a 2-D classifier with the data on top.

    Parameters
    ----------
    model : Sequential or estimator
        A network (one sigmoid output or one column per class), or anything with
        ``predict_proba`` (classes in sorted order) or ``predict``.
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Class labels.
    path : str or path-like, optional
    resolution : int
        Grid points per axis.
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes instead of a new Figure (the colour bar of two classes takes
        its space from it).

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        For two classes the background shows P(class 1) with the 0.5 boundary; for more,
        the predicted class, paler where the model is less confident. With `ax`, `ax`.
    """
    out = _check_path(path)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2), got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have {X.shape[0]} labels, got {y.shape[0]}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    classes = np.unique(y)
    span = X.max(axis=0) - X.min(axis=0)
    pad = np.where(span > 0, 0.08 * span, 1.0)
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.c_[gx.ravel(), gy.ravel()]
    index, score, n_cols = _predict_scores(model, grid, classes)
    n_colors = max(len(classes), n_cols if n_cols > 1 else 2)
    colors = [_CLASS_COLORS[i % len(_CLASS_COLORS)] for i in range(n_colors)]
    given = ax
    fig, ax = _one_axes(ax, (5.2, 4.4))
    if n_cols == 1 and score is not None:
        shading = ax.contourf(
            gx, gy, score.reshape(gx.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.7
        )
        ax.contour(gx, gy, score.reshape(gx.shape), levels=[0.5], colors="k", linewidths=1)
        fig.colorbar(shading, ax=ax, label="P(class 1)")
        colors = ["#2166ac", "#b2182b", *colors[2:]]
    else:
        cmap = ListedColormap(colors)
        regions = index.reshape(gx.shape).astype(float)
        ax.pcolormesh(
            gx, gy, regions, cmap=cmap, vmin=-0.5, vmax=n_colors - 0.5, alpha=0.35, shading="auto"
        )
        if score is not None:
            ax.contour(
                gx, gy, regions, levels=np.arange(n_colors) + 0.5, colors="k", linewidths=0.6
            )
    for k, label in enumerate(classes):
        mask = y == label
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=16,
            color=colors[k % len(colors)],
            edgecolors="white",
            linewidths=0.5,
            label=str(label),
        )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(title="class", fontsize=8, loc="best")
    return _finish_on(fig, out, given, ax)


def plot_regression_fit(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    path: PathLike | None = None,
    *,
    ax: Axes | None = None,
) -> Figure | Axes:
    """A 1-D regression: the data and the fitted curve over the data's range.

    Parameters
    ----------
    model : Sequential or estimator with ``predict``
    X : ndarray of shape (n_samples, 1) or (n_samples,)
    y : ndarray of shape (n_samples,) or (n_samples, 1)
    path : str or path-like, optional
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes instead of a new Figure.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        The Figure, or `ax` when it is given.
    """
    from .network import Sequential

    out = _check_path(path)
    x = np.asarray(X, dtype=float)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"X must have shape (n_samples, 1) or (n_samples,), got {x.shape}")
    target = np.asarray(y, dtype=float).reshape(x.shape[0], -1)[:, 0]
    grid = np.linspace(x.min(), x.max(), 400).reshape(-1, 1)
    if isinstance(model, Sequential):
        pred = model.predict(grid.astype(model.dtype))
    elif hasattr(model, "predict"):
        pred = model.predict(grid)
    else:
        raise TypeError(f"model must be a Sequential or have predict, got {type(model).__name__}")
    pred = np.asarray(pred, dtype=float).reshape(grid.shape[0], -1)[:, 0]
    given = ax
    fig, ax = _one_axes(ax, (5.2, 3.8))
    ax.scatter(x, target, s=12, color="0.4", alpha=0.7, label="data")
    ax.plot(grid[:, 0], pred, color="C3", linewidth=2, label="network")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish_on(fig, out, given, ax)


def plot_predicted_vs_true(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    target: str = "target",
    path: PathLike | None = None,
    *,
    ax: Axes | None = None,
) -> Figure | Axes:
    """A regression's predictions against the true values, with the identity line.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
        True and predicted values, in the target's units.
    target : str
        Name of the target, for the axes.
    path : str or path-like, optional
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes instead of a new Figure.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        Points on the dotted line are perfect predictions; the title gives R². With
        `ax`, `ax`.
    """
    out = _check_path(path)
    t = np.asarray(y_true, dtype=float).ravel()
    p = np.asarray(y_pred, dtype=float).ravel()
    if t.shape != p.shape or t.size == 0:
        raise ValueError(
            f"y_true and y_pred must have the same non-zero length, got {t.size} and {p.size}"
        )
    given = ax
    fig, ax = _one_axes(ax, (4.6, 4.4))
    ax.scatter(t, p, s=10, alpha=0.6 if t.size > 200 else 0.85, color="C0", label="test rows")
    finite = np.r_[t, p][np.isfinite(np.r_[t, p])]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    ax.plot(
        [low, high], [low, high], color="k", linestyle=":", linewidth=1, label="prediction = truth"
    )
    residual = np.sum((t - p) ** 2)
    total = np.sum((t - t.mean()) ** 2)
    r2 = 1 - residual / total if total > 0 else float("nan")
    ax.set_xlabel(f"true {target}")
    ax.set_ylabel(f"predicted {target}")
    ax.set_title(f"test set: predicted vs true (R² = {r2:.3f})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return _finish_on(fig, out, given, ax)


# -- diagnostics -----------------------------------------------------------------------
def _records_of(diagnostics: Diagnostics | Sequence[Mapping[str, Any]]) -> list[Mapping]:
    records = diagnostics.records if isinstance(diagnostics, Diagnostics) else diagnostics
    records = list(records)
    if not records:
        raise ValueError("diagnostics has no records: train with the Diagnostics callback first")
    return records


def _epochs_and_names(records: list[Mapping]) -> tuple[np.ndarray, list[str]]:
    epochs = np.array(sorted({r["epoch"] for r in records}))
    names = {}
    for r in records:
        names.setdefault(r["layer"], r.get("name", f"dense_{r['layer']}"))
    return epochs, [names[k] for k in sorted(names)]


def _log_if_positive(ax: Any, values: np.ndarray) -> None:
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() > 0:
        ax.set_yscale("log")


#: The panels of :func:`plot_gradient_flow`, in their order.
GRADIENT_PANELS = ("gradients", "norm", "update_ratio")
#: The panels of :func:`plot_unit_health`, in their order.
UNIT_PANELS = ("dead", "saturated")


def plot_gradient_flow(
    diagnostics: Diagnostics | Sequence[Mapping[str, Any]],
    path: PathLike | None = None,
    *,
    panels: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure | Axes | list[Axes]:
    """Gradient flow per layer: the last epoch as bars, and its evolution over epochs.

    Parameters
    ----------
    diagnostics : Diagnostics or list of dict
        The callback, or its ``records``.
    path : str or path-like, optional
    panels : str or sequence of str, optional
        Which of ``"gradients"``, ``"norm"``, ``"update_ratio"`` to draw (all three by
        default).
    ax : Axes or sequence of Axes, optional
        Draw into these, one per panel, instead of a new Figure. A single Axes draws
        one panel: the gradients, unless `panels` names another.

    Returns
    -------
    matplotlib.figure.Figure, Axes or list of Axes
        Left ("gradients"): mean and max |dLoss/dW| per layer in the last recorded
        epoch (vanishing gradients show as bars shrinking toward the input). Middle
        ("norm"): the L2 norm of each layer's gradient over epochs. Right
        ("update_ratio"): the update-to-weight ratio over epochs, with 1e-3 marked.
        With `ax`, what was given.
    """
    out = _check_path(path)
    records = _records_of(diagnostics)
    arrays = records_to_arrays(records)
    epochs, names = _epochs_and_names(records)
    chosen = _choose_panels(panels, list(GRADIENT_PANELS), GRADIENT_PANELS, ax, "diagnostics")
    fig, axes = _panel_axes(ax, chosen, (13 * len(chosen) / 3, 3.8))
    draw = {
        "gradients": _draw_gradient_bars,
        "norm": _draw_gradient_norm,
        "update_ratio": _draw_update_ratio,
    }
    for a, panel in zip(axes, chosen, strict=True):
        draw[panel](a, arrays, epochs, names)
        a.grid(alpha=0.3)
    return _finish_on(fig, out, ax, axes[0] if isinstance(ax, Axes) else axes)


def _marker(epochs: np.ndarray) -> str | None:
    return "." if len(epochs) < 30 else None


def _draw_gradient_bars(
    ax: Axes, arrays: Mapping[str, np.ndarray], epochs: np.ndarray, names: list[str]
) -> None:
    """Mean and max |dLoss/dW| per layer in the last recorded epoch, as bars."""
    pos = np.arange(len(names))
    ax.bar(pos - 0.2, arrays["grad_max_abs"][-1], width=0.4, label="max |g|", color="C1")
    ax.bar(pos + 0.2, arrays["grad_mean_abs"][-1], width=0.4, label="mean |g|", color="C0")
    ax.set_xticks(pos, names, rotation=30 if len(names) > 6 else 0)
    ax.set_title(f"weight gradients, epoch {epochs[-1] + 1}", fontsize=10)
    ax.set_xlabel("layer")
    ax.set_ylabel("|dLoss/dW|")
    _log_if_positive(ax, np.r_[arrays["grad_max_abs"][-1], arrays["grad_mean_abs"][-1]])
    ax.legend(fontsize=8)


def _draw_gradient_norm(
    ax: Axes, arrays: Mapping[str, np.ndarray], epochs: np.ndarray, names: list[str]
) -> None:
    """The L2 norm of each layer's weight gradient over epochs (counted from 1)."""
    for j, name in enumerate(names):
        ax.plot(epochs + 1, arrays["grad_l2"][:, j], label=name, marker=_marker(epochs))
    _log_if_positive(ax, arrays["grad_l2"])
    ax.set_title("‖dLoss/dW‖ over epochs", fontsize=10)
    ax.set_xlabel("epoch")
    ax.set_ylabel("L2 norm of the gradient")
    ax.xaxis.get_major_locator().set_params(integer=True)


def _draw_update_ratio(
    ax: Axes, arrays: Mapping[str, np.ndarray], epochs: np.ndarray, names: list[str]
) -> None:
    """‖ΔW‖ / ‖W‖ of each layer over epochs, with the rule-of-thumb 1e-3 marked."""
    for j, name in enumerate(names):
        ax.plot(epochs + 1, arrays["update_ratio"][:, j], label=name, marker=_marker(epochs))
    if np.isfinite(arrays["update_ratio"]).any():
        ax.axhline(
            1e-3, color="0.5", linestyle=":", linewidth=1, label="1e-3 (rule-of-thumb ratio)"
        )
        _log_if_positive(ax, arrays["update_ratio"])
    ax.set_title("update / weight ratio ‖ΔW‖/‖W‖", fontsize=10)
    ax.set_xlabel("epoch")
    ax.set_ylabel("‖ΔW‖ / ‖W‖")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, title="layer")


def _hidden_records(records: list[Mapping]) -> list[Mapping]:
    """The records of the hidden layers (every Dense layer but the last)."""
    output_layer = max(r["layer"] for r in records)
    hidden = [r for r in records if r["layer"] != output_layer]
    if not hidden:
        raise ValueError("diagnostics has no hidden layer: unit health is about hidden units")
    return hidden


def _unit_panels_with_data(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The :data:`UNIT_PANELS` some hidden layer of `records` has values for."""
    keys = {"dead": "dead_fraction", "saturated": "saturated_fraction"}
    hidden = _hidden_records(list(records)) if records else []
    return [p for p in UNIT_PANELS if any(r.get(keys[p]) is not None for r in hidden)]


def plot_unit_health(
    diagnostics: Diagnostics | Sequence[Mapping[str, Any]],
    path: PathLike | None = None,
    *,
    panels: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure | Axes | list[Axes]:
    """Fractions of dead and of saturated units per layer over epochs.

    Parameters
    ----------
    diagnostics : Diagnostics or list of dict
    path : str or path-like, optional
    panels : str or sequence of str, optional
        Which of ``"dead"`` and ``"saturated"`` to draw (both by default).
    ax : Axes or sequence of Axes, optional
        Draw into these, one per panel, instead of a new Figure. A single Axes draws
        one panel: the first family the network has, unless `panels` names one.

    Returns
    -------
    matplotlib.figure.Figure, Axes or list of Axes
        Two panels; a hidden layer appears where its activation defines the quantity
        (dead for the ReLU family, saturated for the sigmoid/tanh family). The output
        layer is left out: its units are the predictions, not features that can die.
        With `ax`, what was given.
    """
    out = _check_path(path)
    records = _hidden_records(_records_of(diagnostics))
    arrays = records_to_arrays(records)
    epochs, names = _epochs_and_names(records)
    if panels is None and isinstance(ax, Axes):
        panels = (_unit_panels_with_data(_records_of(diagnostics)) or ["dead"])[:1]
    chosen = _choose_panels(panels, list(UNIT_PANELS), UNIT_PANELS, ax, "diagnostics")
    fig, axes = _panel_axes(ax, chosen, (4.5 * len(chosen), 3.6))
    for a, panel in zip(axes, chosen, strict=True):
        _draw_unit_fraction(a, arrays, epochs, names, panel)
    return _finish_on(fig, out, ax, axes[0] if isinstance(ax, Axes) else axes)


def _draw_unit_fraction(
    ax: Axes,
    arrays: Mapping[str, np.ndarray],
    epochs: np.ndarray,
    names: list[str],
    panel: str,
) -> None:
    """The fraction of dead (or saturated) units of each hidden layer over epochs."""
    key, title = {
        "dead": ("dead_fraction", "dead units (ReLU family)"),
        "saturated": ("saturated_fraction", "saturated units (sigmoid/tanh family)"),
    }[panel]
    values = arrays[key]
    shown = 0
    for j, name in enumerate(names):
        if np.isfinite(values[:, j]).any():
            ax.plot(epochs + 1, values[:, j], label=name, marker=_marker(epochs))
            shown += 1
    if shown:
        ax.legend(fontsize=8, title="layer")
    else:
        ax.text(
            0.5,
            0.5,
            "no hidden layer of this family",
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="0.4",
        )
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("epoch")
    ax.set_ylabel("fraction of units")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)


def plot_layer_histograms(network: Any, X: np.ndarray, path: PathLike | None = None) -> Figure:
    """Histograms per Dense layer: its activation outputs on `X` (top) and its weights.

    Parameters
    ----------
    network : Sequential, or an estimator with a ``network_`` attribute
    X : ndarray of shape (n_samples, n_inputs)
        Inputs, run through the network in inference mode.
    path : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    out = _check_path(path)
    net = _network_of(network)
    if net is None:
        raise TypeError(f"network must be a Sequential, got {type(network).__name__}")
    net._check_built()
    from ._validation import check_matrix

    X = check_matrix(np.asarray(X, dtype=net.dtype), "X", n_features=net.n_inputs)
    outs = _inference_values(net, X)
    slots = _slots(net, None)
    fig = Figure(figsize=(3.2 * len(slots), 5.4), layout="constrained")
    axes = fig.subplots(2, len(slots), squeeze=False)
    for j, slot in enumerate(slots):
        index = slot.index if slot.act_index is None else slot.act_index
        act = np.asarray(outs[index], dtype=float).ravel()
        W = np.asarray(slot.dense.params[0], dtype=float).ravel()
        _histogram(
            axes[0, j],
            act,
            "C0",
            f"dense_{j}: {slot.activation_name} outputs",
            f"mean {act.mean():.3g}\nstd {act.std():.3g}",
        )
        _histogram(
            axes[1, j],
            W,
            "C2",
            f"dense_{j} weights {slot.dense.params[0].shape}",
            f"std {W.std():.3g}",
        )
    return _finish(fig, out)


def _histogram(ax: Axes, values: np.ndarray, color: str, title: str, note: str) -> None:
    """A 40-bin histogram of `values`, titled, with `note` in its upper right corner."""
    ax.hist(values, bins=40, color=color)
    ax.set_title(title, fontsize=9)
    ax.text(0.98, 0.95, note, ha="right", va="top", transform=ax.transAxes, fontsize=8)


def plot_confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    labels: Sequence[Any] | None = None,
    path: PathLike | None = None,
    *,
    ax: Axes | None = None,
) -> Figure | Axes:
    """Confusion matrix: counts, coloured by the fraction of each true class.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
    labels : sequence, optional
        Classes in display order; by default every label in either array, sorted.
    path : str or path-like, optional
    ax : matplotlib.axes.Axes, optional
        Draw on this Axes instead of a new Figure (the colour bar takes its space from
        it).

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        Rows are true classes, columns predicted ones. With `ax`, `ax`.
    """
    out = _check_path(path)
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}"
        )
    classes = np.unique(np.r_[y_true, y_pred]) if labels is None else np.asarray(labels)
    if classes.size == 0:
        raise ValueError("labels must not be empty")
    index = {c: i for i, c in enumerate(classes.tolist())}
    k = len(classes)
    counts = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        if t in index and p in index:
            counts[index[t], index[p]] += 1
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros((k, k)), where=totals > 0)
    size = max(3.6, 0.45 * k + 2.4)
    given = ax
    fig, ax = _one_axes(ax, (size + 0.8, size))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="fraction of true class")
    if k <= 30:
        for i in range(k):
            for j in range(k):
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if share[i, j] > 0.6 else "black",
                )
    ticks = np.arange(k)
    names = [str(c) for c in classes.tolist()]
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"accuracy {accuracy:.3f}", fontsize=10)
    return _finish_on(fig, out, given, ax)
