"""Exploding gradients: ReLU networks with too-large initial weights; clipping and He init."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import initializers
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


def _network(depth: int, width: int, init, seed: int):
    return mlp((1, *[width] * depth, 1), "relu", kernel_initializer=init, random_state=seed)


@register("exploding-gradients", "Exploding gradients with large weights", CLAIM)
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
    grad = {k: [] for k in inits}
    for depth in depths:
        for label, init in inits.items():
            net = _network(depth, width, init, seed)
            _, grads = net.loss_and_gradients(X, Y, "squared_error")
            grad[label].append(float(np.linalg.norm(grads[0])))
    growth = {k: float(np.log10(v[-1] / v[0])) for k, v in grad.items()}

    # 2. Training a deep network: large weights alone, with clipping, and He init.
    depth = depths[-1]
    runs = {
        "N(0, 1), no clipping": (large, None),
        "N(0, 1), clip global norm 1": (large, 1.0),
        "He init, no clipping": ("he_normal", None),
    }
    histories = {}
    rows = []
    for label, (init, clip) in runs.items():
        net = _network(depth, width, init, seed)
        initial = float(np.mean((net.predict(X) - Y) ** 2)) / 2
        trainer = Trainer(
            "squared_error",
            "sgd",
            learning_rate=0.01,
            epochs=epochs,
            batch_size=32,
            clip_global_norm=clip,
            random_state=seed,
        )
        history = trainer.fit(net, X, Y)
        histories[label] = history
        final = float(np.mean((net.predict(X) - Y) ** 2)) / 2
        rows.append(
            {
                "training run": label,
                "initial loss": initial,
                "final loss": final,
                "epochs run": history.epochs,
                "diverged": history.diverged,
            }
        )
    table = [
        {"depth": d, **{f"‖dW1‖, {k}": grad[k][i] for k in inits}} for i, d in enumerate(depths)
    ]
    final = {r["training run"]: r for r in rows}
    plain, clipped, he = (final[k] for k in runs)
    held = (
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

    fig, axes = figure(2, 1, 4.2, 3.3)
    ax = axes[0, 0]
    for label in inits:
        ax.semilogy(depths, grad[label], "o-", label=label)
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("‖dLoss/dW1‖ at initialization")
    ax.set_title(f"ReLU, {width} units per layer")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for label, history in histories.items():
        ax.semilogy(np.arange(1, history.epochs + 1), history["loss"], label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title(f"training, {depth} hidden layers")
    ax.legend(fontsize=7)
    figures = [save(fig, folder / "exploding_gradients.png")]

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
    data = {"depths": depths, "grad_norms": grad, "growth_orders": growth, "runs": rows}
    return Outcome(
        held, summary, table, figures, data, notes, {f"Training, {depth} hidden layers": rows}
    )
