"""Learning-rate schedules: constant, step, exponential, the course's linear decay, cosine."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import schedules as _schedules
from ..network import mlp
from ..training import Trainer
from ._base import Outcome, register
from ._common import accuracy, digits_data, figure, one_hot, save, standardize

CLAIM = (
    "With SGD, decaying the learning rate lets training settle: step, exponential, the "
    "course's linear decay (α₀ to α₀/100 over τ epochs, then constant) and cosine "
    "annealing end at a lower training loss than the same initial rate kept constant."
)


def make_schedules(lr: float, epochs: int) -> dict[str, _schedules.Schedule]:
    """The five schedules compared, all starting at `lr` (t counts epochs)."""
    return {
        "constant": _schedules.get("constant", lr=lr),
        "step": _schedules.get("step", lr=lr, step_size=max(1, epochs // 3), gamma=0.2),
        "exponential": _schedules.get("exponential", lr=lr, gamma=0.01 ** (1 / epochs)),
        "linear": _schedules.get(
            "linear", lr=lr, final_lr=lr / 100, decay_steps=max(1, int(0.8 * epochs))
        ),
        "cosine": _schedules.get("cosine", lr=lr, period=epochs),
    }


@register("learning-rate-schedules", "Learning-rate schedules", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    X, y = digits_data()
    X = standardize(X)
    if quick:
        X, y = X[:500], y[:500]
    Y = one_hot(y, 10)
    hidden = (32,) if quick else (64, 64)
    epochs = 12 if quick else 80
    lr = 0.2
    seeds = [seed] if quick else [seed + k for k in range(3)]
    histories = {}
    table = []
    for label in make_schedules(lr, epochs):
        losses, accs = [], []
        for s in seeds:
            net = mlp((X.shape[1], *hidden, 10), "relu", "softmax", random_state=s)
            history = Trainer(
                "categorical_crossentropy",
                "sgd",
                learning_rate=make_schedules(lr, epochs)[label],
                epochs=epochs,
                batch_size=16,
                random_state=s,
            ).fit(net, X, Y)
            losses.append(history["loss"])
            accs.append(accuracy(net, X, y))
        histories[label] = (np.mean(losses, axis=0), history["lr"])
        table.append(
            {
                "schedule": label,
                "final rate": history["lr"][-1],
                "final loss": float(histories[label][0][-1]),
                "best loss": float(np.min(histories[label][0])),
                "train accuracy": float(np.mean(accs)),
            }
        )
    final = {r["schedule"]: r["final loss"] for r in table}
    decayed = [k for k in final if k != "constant"]
    better = [k for k in decayed if final[k] < final["constant"]]
    held = len(better) == len(decayed)

    fig, axes = figure(2, 1, 4.2, 3.3)
    for label, (loss, rates) in histories.items():
        axes[0, 0].semilogy(np.arange(1, len(loss) + 1), loss, label=label)
        axes[0, 1].plot(np.arange(len(rates)), rates, label=label)
    axes[0, 0].set_xlabel("epoch")
    axes[0, 0].set_ylabel("training loss")
    axes[0, 1].set_xlabel("epoch")
    axes[0, 1].set_ylabel("learning rate")
    axes[0, 0].legend(fontsize=8)
    figures = [save(fig, folder / "learning_rate_schedules.png")]

    summary = (
        f"starting from rate {lr}, the constant rate ended at loss {final['constant']:.3g}; "
        + ", ".join(f"{k} {final[k]:.3g}" for k in decayed)
        + f" ({len(better)} of {len(decayed)} decayed schedules ended lower)."
    )
    notes = [
        f"Setup: digits ({len(y)} images, standardized), relu hidden layers {hidden}, "
        f"softmax output, SGD with batches of 16 for {epochs} epochs, initial rate {lr}; "
        "the schedules count epochs: step ×0.2 every third of the run, exponential to 1% "
        "at the end, linear to 1% at 80% of the run, cosine to 0 over the run. Mean over "
        f"{len(seeds)} seed(s).",
        "Criterion: the claim holds when every decaying schedule ends below the constant "
        "rate's final training loss.",
    ]
    data = {"final_loss": final, "curves": {k: v[0].tolist() for k, v in histories.items()}}
    return Outcome(held, summary, table, figures, data, notes)
