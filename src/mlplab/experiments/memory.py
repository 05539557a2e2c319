"""Memory: a SimpleRNN recalls a symbol after a lag; accuracy against the lag.

The course (``001_…``, in Portuguese) introduces recurrent networks as the ones with memory,
"Portanto, redes recorrentes possuem memória" (therefore, recurrent networks have memory),
useful "em tarefas que envolvem dependências temporais" (in tasks that involve temporal
dependencies); ``002_…`` warns that vanishing gradients are "a big problem for Recurrent
Neural Networks (RNNs)". This experiment asks how long a memory a SimpleRNN learns by
backpropagation through time.

The task, in the spirit of Bengio, Simard and Frasconi's (1994) latching problems: the first
step of a sequence shows one of four symbols (one-hot), the next `lag` steps carry Gaussian
noise on the same four channels, and a last step raises a query flag; the network must name
the first symbol. Chance is 25%.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..layers import Activation, Dense, SimpleRNN
from ..network import Sequential
from ..training import Trainer
from ._base import Outcome, register
from ._common import figure, save

CLAIM = (
    'Course 001 (in Portuguese): "Portanto, redes recorrentes possuem memória" (therefore, '
    "recurrent networks have memory), for tasks with temporal dependencies; course 002: "
    'vanishing gradients are "a big problem for Recurrent Neural Networks (RNNs)". So a '
    "SimpleRNN trained by backpropagation through time learns to recall a symbol after a "
    "short lag but fails after a long one."
)

N_SYMBOLS = 4
UNITS = 32
#: Noise levels (standard deviations) on the symbol channels during the lag; the first
#: one decides the verdict, 0 leaves the lag's steps blank.
NOISE = (1.0, 0.5, 0.0)
#: Training budget of every run: sequences, epochs, batch size, Adam's rate, clipping.
N_TRAIN, N_TEST = 1000, 500
EPOCHS, BATCH, RATE, CLIP = 20, 32, 0.005, 1.0
#: Test accuracy that counts as learned, and as failed (chance is 1 / N_SYMBOLS).
LEARNED, FAILED = 0.9, 0.4


def recall_task(
    n: int, lag: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences whose first step shows a symbol that the last step asks for.

    Parameters
    ----------
    n : int
        Number of sequences.
    lag : int
        Steps of noise between the symbol and the query.
    noise : float
        Standard deviation of the noise on the symbol channels during the lag.
    rng : numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n, lag + 2, N_SYMBOLS + 1)
        Step 0: the one-hot symbol; steps 1 .. lag: noise on the symbol channels; the
        last step: the query flag (last channel).
    labels : ndarray of shape (n,)
        The symbol of each sequence.
    """
    labels = rng.integers(0, N_SYMBOLS, n)
    X = np.zeros((n, lag + 2, N_SYMBOLS + 1))
    X[np.arange(n), 0, labels] = 1.0
    X[:, 1 : lag + 1, :N_SYMBOLS] = rng.normal(0.0, noise, (n, lag, N_SYMBOLS))
    X[:, -1, N_SYMBOLS] = 1.0
    return X, labels


def train_and_score(lag: int, noise: float, seed: int, epochs: int) -> dict[str, float]:
    """Train one SimpleRNN on the recall task; its accuracies and initial gradient ratio.

    Returns ``test accuracy``, ``train accuracy`` and ``gradient ratio``: at
    initialization, for a unit read-out ``v · h_T`` of the last state, the mean
    ‖∂/∂x‖ at the symbol's step over that at the query's step.
    """
    rng = np.random.default_rng([seed, lag, int(noise * 1000)])
    X, y = recall_task(N_TRAIN, lag, noise, rng)
    X_test, y_test = recall_task(N_TEST, lag, noise, rng)
    net = Sequential(
        [SimpleRNN(UNITS), Dense(N_SYMBOLS), Activation("softmax")],
        N_SYMBOLS + 1,
        random_state=seed,
    )
    rnn = net.layers[0]
    v = rng.normal(size=UNITS)
    v /= np.linalg.norm(v)
    rnn.need_input_grad = True  # the first layer normally skips dLoss/dx
    rnn.forward(X_test, training=True)
    dx = rnn.backward(np.tile(v, (N_TEST, 1)))
    rnn.need_input_grad = False
    norms = np.linalg.norm(dx, axis=2).mean(axis=0)
    trainer = Trainer(
        "categorical_crossentropy",
        "adam",
        learning_rate=RATE,
        epochs=epochs,
        batch_size=BATCH,
        clip_global_norm=CLIP,
        random_state=seed,
    )
    trainer.fit(net, X, np.eye(N_SYMBOLS)[y])
    return {
        "test accuracy": float(np.mean(net.predict(X_test).argmax(axis=1) == y_test)),
        "train accuracy": float(np.mean(net.predict(X).argmax(axis=1) == y)),
        "gradient ratio": float(norms[0] / norms[-1]),
    }


Runs = dict[float, dict[int, list[dict[str, float]]]]


def _mean(runs: Runs, noise: float, lag: int, key: str) -> float:
    """The mean of `key` over the seeds at one noise level and lag."""
    return float(np.mean([r[key] for r in runs[noise][lag]]))


def _longest_learned(lags: list[int], accuracy: list[float]) -> int | None:
    """The longest lag up to which every lag was learned (mean accuracy >= LEARNED)."""
    last = None
    for lag, a in zip(lags, accuracy, strict=True):
        if a < LEARNED:
            break
        last = lag
    return last


def _up_to(lag: int | None) -> str:
    return f"up to a lag of {lag} steps" if lag is not None else "at no lag"


def _table(runs: Runs, lags: list[int], noises: tuple[float, ...]) -> list[dict]:
    """One row per (noise, lag): test accuracy (mean, min, max), train accuracy, ratio."""
    return [
        {
            "noise std": nz,
            "lag (steps)": lag,
            "test accuracy (mean)": _mean(runs, nz, lag, "test accuracy"),
            "min": min(r["test accuracy"] for r in runs[nz][lag]),
            "max": max(r["test accuracy"] for r in runs[nz][lag]),
            "train accuracy (mean)": _mean(runs, nz, lag, "train accuracy"),
            "‖∂/∂x_symbol‖ / ‖∂/∂x_query‖ at init": _mean(runs, nz, lag, "gradient ratio"),
        }
        for nz in noises
        for lag in lags
    ]


def _notes(
    runs: Runs, lags: list[int], learned: dict[float, int | None], epochs: int, n_seeds: int
) -> list[str]:
    """Course texts, task, criterion, reading; with several noise levels, their lesson."""
    noises = list(runs)
    main = noises[0]
    trained = _mean(runs, main, lags[-1], "train accuracy")
    others = [nz for nz in noises if nz != main]
    notes = [
        "Course texts: 001_f636fab45e5b4fde.txt (Portuguese; 'Portanto, redes recorrentes "
        "possuem memória. Essas redes são úteis em tarefas que envolvem dependências "
        "temporais': therefore, recurrent networks have memory; these networks are useful in "
        "tasks that involve temporal dependencies) and 002_1711308be637cbdf.txt (English).",
        f"Task: step 0 shows one of {N_SYMBOLS} symbols (one-hot), steps 1 .. lag carry "
        "Gaussian noise on the same channels (none with std 0), the last step raises a query "
        f"flag; the network (SimpleRNN of {UNITS} tanh units, orthogonal W_h, then Dense and "
        "softmax) must name the symbol, trained with cross-entropy by exact backpropagation "
        f"through time. Every run: {N_TRAIN} training sequences, {epochs} epochs of Adam "
        f"(rate {RATE:g}, batches of {BATCH}), global-norm clipping at {CLIP:g}; accuracy on "
        f"{N_TEST} new sequences; {n_seeds} seed(s) per point.",
        f"Criterion: the claim holds when, with noise std {main:g}, the mean test accuracy is "
        f"at least {LEARNED:g} at every lag up to 10 steps and at most {FAILED:g} at the "
        f"longest lag ({lags[-1]}).",
        f"Reading: at the longest lag the test accuracy is at chance while the training "
        f"accuracy reaches {trained:.2f} (table): the network "
        "fits the training sequences by their noise, which is near the query, and never finds "
        "the symbol, which is far. That is what vanishing gradients predict, and the right "
        "panel measures it on this task: at initialization the gradient that reaches the "
        "symbol's step shrinks exponentially with the lag when noise drives the tanh units "
        "into saturation.",
    ]
    if others:
        notes.append(
            "How long is long depends on the task as much as on the network: "
            + "; ".join(f"with noise std {nz:g} it learned {_up_to(learned[nz])}" for nz in others)
            + f" (std {main:g}: {_up_to(learned[main])}). Weaker inputs keep the units nearer "
            "their linear range, where the gradient survives many steps (see "
            "vanishing-through-time, tanh with small inputs)."
        )
    return notes


def _draw(
    path: Path,
    runs: Runs,
    lags: list[int],
    accuracy: dict[float, list[float]],
    ratio: dict[float, list[float]],
    epochs: int,
) -> Path:
    """Test accuracy (left) and the initial gradient ratio (right) against the lag."""
    noises = list(runs)
    fig, axes = figure(2, 1, 4.6, 3.6)
    ax = axes[0, 0]
    colors = dict(zip(NOISE, ("C0", "C1", "C2"), strict=True))
    for nz in noises:
        color = colors[nz]
        for lag in lags:
            values = [r["test accuracy"] for r in runs[nz][lag]]
            ax.plot([lag] * len(values), values, ".", color=color, alpha=0.35, ms=5)
        label = f"noise std {nz:g}" if nz else "no noise (blank steps)"
        ax.plot(lags, accuracy[nz], "o-", color=color, label=f"{label}: mean")
    ax.axhline(1 / N_SYMBOLS, color="k", ls=":", label="chance (1/4)")
    ax.set_xscale("log")
    ax.set_xticks(lags, [str(lag) for lag in lags], fontsize=7)
    ax.minorticks_off()
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("lag between the symbol and the query (steps)")
    ax.set_ylabel("test accuracy (dots: single seeds)")
    ax.set_title("recalling a symbol after a lag")
    ax.legend(fontsize=7, loc="center left")
    ax = axes[0, 1]
    for nz in noises:
        label = f"noise std {nz:g}" if nz else "no noise (blank steps)"
        ax.semilogy(lags, ratio[nz], "o-", color=colors[nz], label=label)
    ax.set_xscale("log")
    ax.set_xticks(lags, [str(lag) for lag in lags], fontsize=7)
    ax.minorticks_off()
    ax.set_xlabel("lag between the symbol and the query (steps)")
    ax.set_ylabel("‖∂/∂x_symbol‖ / ‖∂/∂x_query‖")
    ax.set_title("gradient reaching the symbol, at initialization")
    ax.legend(fontsize=7)
    fig.suptitle(
        f"SimpleRNN ({UNITS} tanh units), {N_TRAIN} sequences × {epochs} epochs of Adam",
        fontsize=10,
    )
    return save(fig, path)


@register("memory", "Memory in a recurrent network: recall after a lag", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    lags = [5, 40] if quick else [2, 5, 10, 15, 20, 25, 30, 40, 50, 70, 100]
    noises = NOISE[:1] if quick else NOISE
    seeds = [seed + k for k in range(1 if quick else 5)]
    epochs = 15 if quick else EPOCHS
    runs: dict[float, dict[int, list[dict[str, float]]]] = {
        noise: {lag: [train_and_score(lag, noise, s, epochs) for s in seeds] for lag in lags}
        for noise in noises
    }
    accuracy = {nz: [_mean(runs, nz, lag, "test accuracy") for lag in lags] for nz in noises}
    ratio = {nz: [_mean(runs, nz, lag, "gradient ratio") for lag in lags] for nz in noises}
    table = _table(runs, lags, noises)
    main = noises[0]
    learned = {nz: _longest_learned(lags, accuracy[nz]) for nz in noises}
    failed = [lag for lag, a in zip(lags, accuracy[main], strict=True) if a <= FAILED]
    shortest_failed = min(failed) if failed else None
    short = [a for lag, a in zip(lags, accuracy[main], strict=True) if lag <= 10]
    held = min(short) >= LEARNED and accuracy[main][-1] <= FAILED
    figures = [_draw(folder / "memory_vs_lag.png", runs, lags, accuracy, ratio, epochs)]

    summary = (
        f"with noise of std {main:g} during the lag, the mean test accuracy was "
        f"{accuracy[main][0]:.2f} at a lag of {lags[0]} steps and {accuracy[main][-1]:.2f} at "
        f"{lags[-1]} (chance 0.25): learned (mean ≥ {LEARNED:g}) {_up_to(learned[main])}, "
        + (
            f"at chance (mean ≤ {FAILED:g}) from {shortest_failed} steps"
            if shortest_failed is not None
            else f"never down to {FAILED:g}"
        )
        + f"; at initialization the gradient reaching the symbol was {ratio[main][0]:.1e} of "
        f"the query's at lag {lags[0]} and {ratio[main][-1]:.1e} at lag {lags[-1]}."
    )
    notes = _notes(runs, lags, learned, epochs, len(seeds))
    data = {
        "lags": lags,
        "noise": list(noises),
        "accuracy": {str(nz): accuracy[nz] for nz in noises},
        "gradient_ratio": {str(nz): ratio[nz] for nz in noises},
        "runs": {str(nz): {str(lag): runs[nz][lag] for lag in lags} for nz in noises},
        "longest_learned": {str(nz): learned[nz] for nz in noises},
        "shortest_failed": shortest_failed,
    }
    return Outcome(held, summary, table, figures, data, notes)
