"""Activation race: epochs to a target training error for each activation."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..callbacks import Callback
from ..network import mlp
from ..training import Trainer
from ._base import Outcome, register
from ._common import accuracy, digits_data, figure, one_hot, save, standardize

CLAIM = (
    "ReLU networks converge several times faster than tanh networks (Krizhevsky et al. "
    "2012 report about 6× fewer epochs to 25% training error on CIFAR-10); sigmoid is "
    "slower still. Here: epochs to reach a target training error on a fixed problem."
)

ACTIVATIONS_QUICK = ("relu", "tanh", "sigmoid", "elu")
ACTIVATIONS_FULL = (
    "relu",
    "tanh",
    "sigmoid",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "softplus",
)


class _TargetError(Callback):
    """Record the training error after each epoch; stop once it reaches the target."""

    def __init__(self, X: np.ndarray, y: np.ndarray, target: float) -> None:
        self.X, self.y, self.target = X, y, target
        self.errors: list[float] = []
        self.reached: int | None = None

    def on_epoch_end(self, trainer, logs) -> None:
        error = 1.0 - accuracy(trainer.network, self.X, self.y)
        self.errors.append(error)
        if self.reached is None and error <= self.target:
            self.reached = len(self.errors)
            trainer.stop_training = True


def epochs_to_target(
    activation: str,
    X: np.ndarray,
    y: np.ndarray,
    hidden: tuple[int, ...],
    target: float,
    max_epochs: int,
    seed: int,
    learning_rate: float = 0.01,
) -> tuple[int | None, list[float], float]:
    """Epochs SGD needs to reach `target` training error (None if never), errors, seconds."""
    net = mlp((X.shape[1], *hidden, 10), activation, "softmax", random_state=seed)
    watch = _TargetError(X, y, target)
    trainer = Trainer(
        "categorical_crossentropy",
        "sgd",
        learning_rate=learning_rate,
        epochs=max_epochs,
        batch_size=64,
        callbacks=[watch],
        random_state=seed,
    )
    start = time.perf_counter()
    trainer.fit(net, X, one_hot(y, 10))
    return watch.reached, watch.errors, time.perf_counter() - start


@register("activation-race", "Which activation trains fastest?", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    X, y = digits_data()
    X = standardize(X)
    activations = ACTIVATIONS_QUICK if quick else ACTIVATIONS_FULL
    if quick:
        X, y = X[:400], y[:400]
    hidden = (32, 32, 32, 32) if quick else (64, 64, 64, 64)
    lr = 0.05 if quick else 0.01
    target = 0.05
    max_epochs = 25 if quick else 300
    seeds = [seed] if quick else [seed + k for k in range(5)]
    table = []
    epochs: dict[str, float] = {}
    curves: dict[str, list[float]] = {}
    for act in activations:
        reached = []
        secs = []
        ran = 0
        for s in seeds:
            n, errors, sec = epochs_to_target(act, X, y, hidden, target, max_epochs, s, lr)
            reached.append(n)
            secs.append(sec)
            ran += len(errors)
            if s == seeds[0]:
                curves[act] = errors
        ok = [n for n in reached if n is not None]
        med = float(np.median([n if n is not None else np.inf for n in reached]))
        epochs[act] = med
        table.append(
            {
                "activation": act,
                "median epochs to target": med if np.isfinite(med) else f"> {max_epochs}",
                "runs reaching target": f"{len(ok)}/{len(seeds)}",
                "seconds per epoch": float(np.sum(secs) / max(1, ran)),
            }
        )
    speedup = epochs["tanh"] / epochs["relu"] if np.isfinite(epochs["relu"]) else float("nan")
    held = bool(np.isfinite(speedup) and speedup >= 2.0)

    fig, axes = figure(1, 1, 5.5, 3.6)
    ax = axes[0, 0]
    for act, errors in curves.items():
        ax.plot(
            np.arange(1, len(errors) + 1),
            errors,
            label=act,
            lw=2.2 if act in ("relu", "tanh") else 1.0,
        )
    ax.axhline(target, color="k", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training error")
    ax.set_title(f"digits, {len(hidden)}×{hidden[0]} hidden, SGD; target {target:.0%}")
    ax.legend(fontsize=7, ncol=2)
    figures = [save(fig, folder / "activation_race.png")]

    ranking = sorted(epochs, key=lambda a: epochs[a])
    speed_text = f"{speedup:.1f}×" if np.isfinite(speedup) else "not measurable"
    summary = (
        f"to reach {target:.0%} training error relu needed {epochs['relu']:g} epochs and tanh "
        f"{epochs['tanh']:g}: relu was {speed_text} faster (the paper: ≈6× on CIFAR-10); "
        f"sigmoid needed {epochs['sigmoid']:g}; fastest here: {', '.join(ranking[:3])}."
    )
    notes = [
        f"Setup: digits ({len(y)} images, standardized), {len(hidden)} hidden layers of "
        f"{hidden[0]} units, initialization as each activation recommends, softmax output, "
        f"plain SGD (learning rate {lr}, batches of 64), at most {max_epochs} epochs; "
        f"median over {len(seeds)} seed(s) ('inf' = never reached).",
        "Criterion: the claim holds when relu needs at least 2× fewer epochs than tanh "
        '("several times faster"). The speed-up depends on the problem, the depth and the '
        "optimizer; this is one fixed setting, not CIFAR-10.",
    ]
    data = {"epochs": epochs, "speedup_relu_vs_tanh": speedup, "curves": curves}
    return Outcome(held, summary, table, figures, data, notes)
