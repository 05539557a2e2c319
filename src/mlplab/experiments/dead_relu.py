"""Dead ReLU units: the dead fraction against the learning rate, and the effect of a bias."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..network import mlp
from ..training import Trainer
from ._base import Outcome, register
from ._common import accuracy, dead_fraction, figure, one_hot, save, standardized_digits

CLAIM = (
    "A high learning rate kills ReLU units: a large update pushes a unit's pre-activation "
    "below zero for every input, after which it gets no gradient and never recovers, so "
    "the percentage of dead units grows with the learning rate. Leaky ReLU and ELU keep a "
    "gradient on the negative side and do not die that way."
)

ACTIVATIONS = ("relu", "leaky_relu", "elu")


def train_and_count(
    activation: str,
    lr: float,
    X: np.ndarray,
    y: np.ndarray,
    hidden: tuple[int, ...],
    epochs: int,
    seed: int,
    bias: float = 0.0,
) -> dict[str, float]:
    """Train with plain SGD and return the dead fraction, accuracy and final loss."""
    net = mlp((X.shape[1], *hidden, 10), activation, "softmax", bias=bias, random_state=seed)
    trainer = Trainer(
        "categorical_crossentropy",
        "sgd",
        learning_rate=lr,
        epochs=epochs,
        batch_size=32,
        random_state=seed,
    )
    history = trainer.fit(net, X, one_hot(y, 10))
    return {
        "dead": dead_fraction(net, X),
        "accuracy": accuracy(net, X, y),
        "loss": history["loss"][-1] if history.records else float("nan"),
        "diverged": history.diverged,
    }


def _measure(
    rates: list[float],
    X: np.ndarray,
    y: np.ndarray,
    hidden: tuple[int, ...],
    epochs: int,
    seeds: list[int],
) -> tuple[dict[str, list[dict[str, float]]], list[dict[str, float]]]:
    """Seed-averaged :func:`train_and_count` by activation and rate, and the bias rows.

    The bias rows are the course's remedy: ReLU with a small positive initial bias, at the
    two highest rates.
    """
    results: dict[str, list[dict[str, float]]] = {}
    for act in ACTIVATIONS:
        results[act] = []
        for lr in rates:
            runs = [train_and_count(act, lr, X, y, hidden, epochs, s) for s in seeds]
            results[act].append({k: float(np.mean([r[k] for r in runs])) for k in runs[0]})
    bias_rows = []
    for lr in rates[-2:]:
        for bias in (0.0, 0.01, 0.1):
            runs = [train_and_count("relu", lr, X, y, hidden, epochs, s, bias) for s in seeds]
            bias_rows.append(
                {
                    "learning rate": lr,
                    "initial bias": bias,
                    "relu dead %": 100 * float(np.mean([r["dead"] for r in runs])),
                    "train acc": float(np.mean([r["accuracy"] for r in runs])),
                }
            )
    return results, bias_rows


def _draw(
    path: Path,
    rates: list[float],
    results: dict[str, list[dict[str, float]]],
    hidden: tuple[int, ...],
    epochs: int,
    n_seeds: int,
) -> Path:
    """Dead units (left) and training accuracy (right) against the learning rate."""
    fig, axes = figure(2, 1, 4.2, 3.3)
    # Distinct markers and dashes: the curves coincide where no unit dies.
    styles = {"relu": "o-", "leaky_relu": "s--", "elu": "^:"}
    ax = axes[0, 0]
    for act in ACTIVATIONS:
        ax.semilogx(rates, [100 * r["dead"] for r in results[act]], styles[act], label=act)
    ax.set_xlabel("learning rate (SGD)")
    ax.set_ylabel("dead hidden units (%)")
    ax.set_title("dead units after training", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax = axes[0, 1]
    for act in ACTIVATIONS:
        ax.semilogx(rates, [r["accuracy"] for r in results[act]], styles[act], label=act)
    ax.set_xlabel("learning rate (SGD)")
    ax.set_ylabel("training accuracy")
    ax.set_title("accuracy after training", fontsize=10)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(
        f"digits, hidden layers {hidden}, plain SGD for {epochs} epochs, mean of {n_seeds} seed(s)",
        fontsize=10,
    )
    return save(fig, path)


def _notes(
    results: dict[str, list[dict[str, float]]],
    top: float,
    hidden: tuple[int, ...],
    epochs: int,
    n_seeds: int,
    quick: bool,
) -> list[str]:
    """Setup, criterion, and how to read the dead fractions beside the accuracy."""
    trained_dead = max([r["dead"] for r in results["relu"] if r["accuracy"] >= 0.5] or [0.0])
    return [
        f"Setup: digits (standardized{', first 600 images' if quick else ''}), hidden layers "
        f"{hidden}, He initialization, softmax output, plain SGD with batches of 32 for "
        f"{epochs} epochs, mean over {n_seeds} seed(s). A unit is dead when "
        "|f′(u)| < 10⁻³ for every training image (a ReLU unit whose input is never "
        "positive; a leaky ReLU never qualifies, its slope is 0.01).",
        "Criterion: the claim holds when relu's dead fraction at the highest rate exceeds "
        "that at the lowest by more than 5 points, rises with the rate (rank correlation "
        "> 0.5), and leaky_relu and elu have fewer dead units than relu at the highest rate. "
        "The bias rows are reported, not part of the criterion.",
        f"Read the dead fractions beside the accuracy: at rate {top} the training accuracy "
        "was "
        + ", ".join(f"{results[a][-1]['accuracy']:.0%} for {a}" for a in ACTIVATIONS)
        + " (10% is chance): where it is near chance, training itself broke down, with or "
        "without dead units. The largest dead fraction of relu at a rate where it still "
        "trained (accuracy ≥ 50%) was " + f"{100 * trained_dead:.1f}%.",
    ]


@register("dead-relu", "High learning rates kill ReLU units", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    X, y = standardized_digits(600 if quick else None)
    rates = [0.01, 0.1, 0.3, 1.0] if quick else [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 1.0]
    hidden = (64, 64) if quick else (128, 128)
    epochs = 5 if quick else 20
    seeds = [seed] if quick else [seed, seed + 1, seed + 2]
    results, bias_rows = _measure(rates, X, y, hidden, epochs, seeds)
    table = [
        {
            "learning rate": lr,
            **{f"{a} dead %": 100 * results[a][i]["dead"] for a in ACTIVATIONS},
            **{f"{a} train acc": results[a][i]["accuracy"] for a in ACTIVATIONS},
        }
        for i, lr in enumerate(rates)
    ]
    relu = [r["dead"] for r in results["relu"]]
    rho = float(np.corrcoef(np.argsort(np.argsort(relu)), np.arange(len(relu)))[0, 1])
    others_top = max(results[a][-1]["dead"] for a in ACTIVATIONS[1:])
    held = relu[-1] > relu[0] + 0.05 and rho > 0.5 and others_top < relu[-1]
    path = folder / "dead_units_vs_learning_rate.png"
    figures = [_draw(path, rates, results, hidden, epochs, len(seeds))]

    top = rates[-1]
    b0 = next(r for r in bias_rows if r["learning rate"] == top and r["initial bias"] == 0.0)
    b1 = next(r for r in bias_rows if r["learning rate"] == top and r["initial bias"] == 0.01)
    summary = (
        f"relu's dead units went from {100 * relu[0]:.0f}% at learning rate {rates[0]} to "
        f"{100 * relu[-1]:.0f}% at {top} (rank correlation {rho:.2f}); at {top} leaky_relu "
        f"had {100 * results['leaky_relu'][-1]['dead']:.0f}% and elu "
        f"{100 * results['elu'][-1]['dead']:.0f}%; an initial bias of 0.01 gave "
        f"{b1['relu dead %']:.0f}% instead of {b0['relu dead %']:.0f}%."
    )
    notes = _notes(results, top, hidden, epochs, len(seeds), quick)
    data = {"rates": rates, "results": results, "bias": bias_rows, "rank_correlation": rho}
    extra = {"ReLU with a small positive initial bias": bias_rows}
    return Outcome(held, summary, table, figures, data, notes, extra)
