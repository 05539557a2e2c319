"""Optimizers: training loss against epochs and against seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import optimizers as _optimizers
from ..network import mlp
from ..training import Trainer
from ._base import Outcome, register
from ._common import accuracy, figure, one_hot, save, standardized_digits

CLAIM = (
    "Momentum, Nesterov momentum and the adaptive methods (AdaGrad, RMSProp, Adam) reach a "
    "lower training loss than plain SGD in the same number of epochs; L-BFGS, a full-batch "
    "quasi-Newton method, does well on a small problem like this one."
)

OPTIMIZERS = {
    "SGD": ("sgd", {"learning_rate": 0.01}),
    "momentum": ("sgd", {"learning_rate": 0.01, "momentum": 0.9}),
    "Nesterov": ("sgd", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
    "AdaGrad": ("adagrad", {"learning_rate": 0.01}),
    "RMSProp": ("rmsprop", {"learning_rate": 0.001}),
    "Adam": ("adam", {"learning_rate": 0.001}),
    "L-BFGS": ("lbfgs", {}),
}


@register("optimizers", "Momentum, adaptive methods and L-BFGS beat plain SGD", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    X, y = standardized_digits(500 if quick else None)
    Y = one_hot(y, 10)
    hidden = (32,) if quick else (64, 64)
    epochs = 15 if quick else 100
    histories = {}
    table = []
    for label, (name, params) in OPTIMIZERS.items():
        net = mlp((X.shape[1], *hidden, 10), "tanh", "softmax", random_state=seed)
        trainer = Trainer(
            "categorical_crossentropy",
            _optimizers.get(name, **params),
            epochs=epochs,
            batch_size=None if name == "lbfgs" else 32,
            random_state=seed,
            tol=0.0,
        )
        history = trainer.fit(net, X, Y)
        histories[label] = history
        table.append(
            {
                "optimizer": label,
                "settings": ", ".join(f"{k}={v}" for k, v in params.items()) or "full batch",
                "epochs": history.epochs,
                "final loss": history["loss"][-1],
                "train accuracy": accuracy(net, X, y),
                "seconds": float(np.sum(history["seconds"])),
            }
        )
    final = {r["optimizer"]: r["final loss"] for r in table}
    beats = [
        k for k in ("momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam") if final[k] < final["SGD"]
    ]
    held = len(beats) == 5 and final["L-BFGS"] < final["SGD"]

    fig, axes = figure(2, 1, 4.2, 3.3)
    for label, history in histories.items():
        t = np.cumsum(history["seconds"])
        # Nesterov dashed: it runs on top of plain momentum.
        ls = "--" if label == "Nesterov" else "-"
        axes[0, 0].semilogy(np.arange(1, history.epochs + 1), history["loss"], ls=ls, label=label)
        axes[0, 1].semilogy(t, history["loss"], ls=ls, label=label)
    axes[0, 0].set_xlabel("epoch (L-BFGS: iteration)")
    axes[0, 1].set_xlabel("seconds (wall clock)")
    axes[0, 0].set_title("loss against epochs", fontsize=10)
    axes[0, 1].set_title("loss against time", fontsize=10)
    for ax in axes[0]:
        ax.set_ylabel("training loss (cross-entropy)")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(
        f"digits, tanh hidden layers {hidden}, batches of 32 (L-BFGS: full batch)",
        fontsize=10,
    )
    figures = [save(fig, folder / "optimizers_loss.png")]

    best = min(final, key=final.get)
    summary = (
        f"after {epochs} epochs plain SGD was at loss {final['SGD']:.3g}; "
        f"{len(beats)} of the 5 momentum/adaptive methods got lower "
        f"(Adam {final['Adam']:.3g}, momentum {final['momentum']:.3g}), L-BFGS reached "
        f"{final['L-BFGS']:.3g}; lowest: {best}."
    )
    notes = [
        f"Setup: digits ({len(y)} images, standardized), tanh hidden layers {hidden}, "
        f"softmax output and cross-entropy, {epochs} epochs with batches of 32 (L-BFGS: "
        f"{epochs} full-batch iterations), each optimizer with a common default rate (no "
        "tuning). Time per epoch depends on the machine; the loss-vs-seconds panel is "
        "indicative.",
        "Criterion: the claim holds when all five momentum/adaptive methods and L-BFGS end "
        "below plain SGD.",
    ]
    data = {"final_loss": final, "curves": {k: h["loss"] for k, h in histories.items()}}
    return Outcome(held, summary, table, figures, data, notes)
