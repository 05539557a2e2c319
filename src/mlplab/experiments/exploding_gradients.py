"""Exploding gradients: ReLU networks with too-large initial weights; clipping and He init."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import initializers
from ..callbacks import Callback
from ..network import mlp
from ..training import Trainer
from ._base import Outcome, register
from ._common import figure, function_data, save, standardize

CLAIM = (
    "With ReLU units and initial weights that are too large (here N(0, 1), so each layer "
    "multiplies the signal by about √(fan_in/2) > 1), gradients grow geometrically with "
    "depth and plain gradient descent blows up; gradient clipping keeps training finite "
    "and He initialization avoids the problem."
)


class _FullLoss(Callback):
    """Full-data mean squared error after every step of the first epoch, then per epoch.

    A run that diverges in its first epoch has no epoch in its history: these points
    are what draws it.
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, steps_per_epoch: int) -> None:
        self.X, self.Y, self.spe = X, Y, steps_per_epoch
        self.epochs: list[float] = []
        self.losses: list[float] = []

    def record(self, network, epochs: float) -> None:
        with np.errstate(all="ignore"):
            value = float(np.mean((network.predict(self.X) - self.Y) ** 2))
        self.epochs.append(epochs)
        self.losses.append(value)

    def on_train_begin(self, trainer) -> None:
        self.record(trainer.network, 0.0)

    def on_batch_end(self, trainer) -> None:
        if trainer.step < self.spe:
            self.record(trainer.network, trainer.step / self.spe)

    def on_epoch_end(self, trainer, logs) -> None:
        if trainer.epoch > 1:
            self.record(trainer.network, float(trainer.epoch))


def _network(depth: int, width: int, init, seed: int):
    return mlp((1, *[width] * depth, 1), "relu", kernel_initializer=init, random_state=seed)


def _gradient_norms(
    depths: list[int], width: int, X: np.ndarray, Y: np.ndarray, inits: dict, seed: int
) -> dict[str, list[float]]:
    """‖dLoss/dW1‖ at initialization for each initializer, against depth."""
    grad: dict[str, list[float]] = {k: [] for k in inits}
    for depth in depths:
        for label, init in inits.items():
            net = _network(depth, width, init, seed)
            _, grads = net.loss_and_gradients(X, Y, "squared_error")
            grad[label].append(float(np.linalg.norm(grads[0])))
    return grad


def _train_deep(
    runs: dict, depth: int, width: int, epochs: int, X: np.ndarray, Y: np.ndarray, seed: int
) -> tuple[dict[str, _FullLoss], list[dict]]:
    """Train the deep network once per ``label: (initializer, clip)`` of `runs`.

    Returns each run's full-data loss curve and a table row per run.
    """
    curves = {}
    rows = []
    batch_size = 32
    for label, (init, clip) in runs.items():
        net = _network(depth, width, init, seed)
        watch = _FullLoss(X, Y, -(-X.shape[0] // batch_size))
        trainer = Trainer(
            "squared_error",
            "sgd",
            learning_rate=0.01,
            epochs=epochs,
            batch_size=batch_size,
            clip_global_norm=clip,
            callbacks=[watch],
            random_state=seed,
        )
        history = trainer.fit(net, X, Y)
        curves[label] = watch
        end = float(np.mean((net.predict(X) - Y) ** 2))
        rows.append(
            {
                "training run": label,
                "initial loss": watch.losses[0],
                "final loss": end,
                "epochs run": history.epochs,
                "steps run": trainer.step,
                "diverged": history.diverged,
            }
        )
    return curves, rows


def _held(growth: dict[str, float], plain: dict, clipped: dict, he: dict) -> bool:
    """The criterion stated in the notes."""
    return (
        growth["N(0, 1)"] >= 2.0
        and abs(growth["He"]) < 1.0
        and (
            plain["diverged"]
            or not np.isfinite(plain["final loss"])
            or plain["final loss"] > plain["initial loss"]
        )
        and not clipped["diverged"]
        and np.isfinite(clipped["final loss"])
        and clipped["final loss"] < clipped["initial loss"]
        and he["final loss"] < min(clipped["final loss"], 0.5 * he["initial loss"])
    )


def _draw_training(ax, curves: dict[str, _FullLoss], final: dict[str, dict], depth: int) -> None:
    """The deep network's loss curves; a diverging run is marked where it left the plot."""
    # Clip the y-range a few decades above the highest starting loss: a diverging run
    # leaves it, and is marked on the top edge with the value it reached.
    top = 1e3 * max(w.losses[0] for w in curves.values() if np.isfinite(w.losses[0]))
    for k, (label, watch) in enumerate(curves.items()):
        t = np.asarray(watch.epochs)
        loss = np.asarray(watch.losses)
        shown = np.isfinite(loss) & (loss <= top)
        (line,) = ax.plot(t[shown], loss[shown], color=f"C{k}", label=label)
        if final[label]["diverged"]:
            beyond = ~shown
            stop = t[beyond][0] if beyond.any() else t[-1]
            value = loss[beyond][0] if beyond.any() else loss[-1]
            at = min(value, top) if np.isfinite(value) else top
            if beyond.any():
                ax.plot([t[shown][-1], stop], [loss[shown][-1], at], color=line.get_color())
            ax.plot([stop], [at], "X", color=line.get_color(), ms=9, zorder=4, clip_on=False)
            reached = f"{value:.0e}" if np.isfinite(value) else "inf"
            ax.annotate(
                f"loss {reached} after {final[label]['steps run']} step(s):\ndiverged, run stopped",
                (stop, at),
                xytext=(10, -2),
                textcoords="offset points",
                fontsize=7,
                color=line.get_color(),
                va="top",
            )
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_yscale("log")
    ax.set_xlim(left=0)
    ax.set_ylim(top=top)
    ax.set_xlabel("epoch (linear up to 1, log scale after)")
    ax.set_ylabel("training MSE (full data)")
    ax.set_title(f"training, {depth} hidden layers, SGD rate 0.01", fontsize=10)
    ax.legend(fontsize=7, loc="center right")
    ax.grid(alpha=0.3, which="both")


def _draw(
    path: Path,
    depths: list[int],
    width: int,
    grad: dict[str, list[float]],
    curves: dict[str, _FullLoss],
    final: dict[str, dict],
) -> Path:
    """Gradient against depth (left) and the deep network's training (right)."""
    fig, axes = figure(2, 1, 4.2, 3.3)
    ax = axes[0, 0]
    for label in grad:
        ax.semilogy(depths, grad[label], "o-", label=label)
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("‖dLoss/dW1‖ at initialization")
    ax.set_title(f"gradient at initialization, ReLU, {width} units per layer", fontsize=10)
    ax.legend(fontsize=8)
    _draw_training(axes[0, 1], curves, final, depths[-1])
    return save(fig, path)


@register("exploding-gradients", "Large weights make ReLU gradients explode", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    width = 16 if quick else 32
    depths = [1, 2, 4, 6, 8] if quick else [1, 2, 3, 4, 5, 6, 8, 10]
    epochs = 30 if quick else 150
    X, y = function_data("sine", 200 if quick else 500, 0.0, seed)
    X = standardize(X)
    Y = y.reshape(-1, 1)
    large = initializers.get("normal", std=1.0)
    inits = {"N(0, 1)": large, "He": "he_normal"}

    # 1. Gradient norm of the first layer at initialization, against depth.
    grad = _gradient_norms(depths, width, X, Y, inits, seed)
    growth = {k: float(np.log10(v[-1] / v[0])) for k, v in grad.items()}

    # 2. Training a deep network: large weights alone, with clipping, and He init.
    depth = depths[-1]
    runs = {
        "N(0, 1), no clipping": (large, None),
        "N(0, 1), clip global norm 1": (large, 1.0),
        "He init, no clipping": ("he_normal", None),
    }
    curves, rows = _train_deep(runs, depth, width, epochs, X, Y, seed)
    table = [
        {"depth": d, **{f"‖dW1‖, {k}": grad[k][i] for k in inits}} for i, d in enumerate(depths)
    ]
    final = {r["training run"]: r for r in rows}
    plain, clipped, he = (final[k] for k in runs)
    held = _held(growth, plain, clipped, he)
    figures = [_draw(folder / "exploding_gradients.png", depths, width, grad, curves, final)]

    summary = (
        f"with N(0, 1) weights the first-layer gradient grew by 10^{growth['N(0, 1)']:.1f} "
        f"from {depths[0]} to {depths[-1]} hidden layers (He: 10^{growth['He']:.1f}); at "
        f"depth {depth} plain SGD "
        + ("diverged" if plain["diverged"] else f"ended at loss {plain['final loss']:.3g}")
        + f", clipping ended at {clipped['final loss']:.3g} and He init at "
        f"{he['final loss']:.3g} (initial losses {plain['initial loss']:.3g} and "
        f"{he['initial loss']:.3g})."
    )
    notes = [
        f"Setup: ReLU networks of width {width} fitting the sine target (standardized "
        f"inputs) with squared error; SGD, "
        f"learning rate 0.01, batches of 32, {epochs} epochs. The trainer stops a run "
        "whose loss becomes NaN/inf or 10⁴× its first value and keeps the last finite "
        'weights ("diverged").',
        "Criterion: the claim holds when the N(0, 1) gradient grows by at least two orders "
        "of magnitude with depth while He's changes by less than one; plain SGD from the "
        "large weights diverges or ends worse than it started; the clipped run stays finite "
        "and improves; He init ends below half its initial loss and below the clipped run.",
    ]
    data = {
        "depths": depths,
        "grad_norms": grad,
        "growth_orders": growth,
        "runs": rows,
        # What the right panel draws: (epochs, full-data MSE) of each training run.
        "curves": {k: (w.epochs, w.losses) for k, w in curves.items()},
    }
    return Outcome(
        held, summary, table, figures, data, notes, {f"Training, {depth} hidden layers": rows}
    )
