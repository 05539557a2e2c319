"""Learning-rate schedules: do decaying rates make stochastic and mini-batch SGD converge?

The course's claim is about the *stochastic* versions of gradient descent: with a
constant rate, single samples or small batches keep the weights jumping around the
optimum of the full-batch loss; reducing the rate lets them settle there. This
experiment tests exactly that, on a problem the network cannot interpolate (noisy
targets, few hidden units, many samples), so that the full-batch optimum is a loss
above zero that SGD can approach but not pass:

- the fluctuation of the full-data loss over the last 10% of the steps;
- how far the run ends from the full-batch optimum: the excess loss over it and the
  distance between the two fitted functions, where the optimum is found by L-BFGS on
  the full data, started from where the run ended (so each run is compared with the
  optimum of its own basin).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import optimizers as _optimizers
from .. import schedules as _schedules
from ..callbacks import Callback
from ..network import Sequential, mlp
from ..training import Trainer
from ._base import Outcome, register
from ._common import course_quote, figure, function_data, save, standardize

CLAIM = (
    "Reducing the learning rate makes the stochastic (one sample per step) and mini-batch "
    "versions of gradient descent better behaved and helps them converge: on noisy targets, "
    "step, exponential, the course's linear decay and cosine annealing end with a smaller "
    "fluctuation of the loss and closer to the full-batch optimum than the same initial "
    "rate kept constant."
)

COURSE = course_quote(
    "001_f636fab45e5b4fde.txt",
    "TP555, Redes Neurais Artificiais (Parte II)",
    "podemos reduzir o passo de aprendizagem para tornar essas versões mais comportadas e, "
    "esperançosamente, obter a convergência. [...] Podemos utilizar todas as técnicas que "
    "aprendemos antes: redução por degraus, decaimento exponencial ou temporal.",
    "we can reduce the learning step to make these versions [the stochastic and mini-batch "
    "ones] better behaved and, hopefully, obtain convergence. [...] We can use every technique "
    "we learned before: step reduction, exponential or temporal decay.",
)

#: The schedules that decay, compared with "constant"; "constant α₀/100" is a reference.
DECAYING = ("step", "exponential", "linear", "cosine")
SMALL = "constant α₀/100"


def make_schedules(lr: float, steps: int) -> dict[str, _schedules.Schedule]:
    """The schedules compared, all but the last starting at `lr`; t counts SGD steps.

    ``linear`` is the course's ``α_j = (1 − j/τ) α₀ + (j/τ) α_τ`` with α_τ = α₀/100 and
    τ at 80% of the run; step multiplies by 0.2 every third of the run, exponential ends
    at 1% of α₀ and cosine at 0. The last entry keeps α₀/100 from the start.
    """
    return {
        "constant": _schedules.get("constant", lr=lr),
        "step": _schedules.get("step", lr=lr, step_size=max(1, steps // 3), gamma=0.2),
        "exponential": _schedules.get("exponential", lr=lr, gamma=0.01 ** (1 / steps)),
        "linear": _schedules.get(
            "linear", lr=lr, final_lr=lr / 100, decay_steps=max(1, int(0.8 * steps))
        ),
        "cosine": _schedules.get("cosine", lr=lr, period=steps),
        SMALL: _schedules.get("constant", lr=lr / 100),
    }


def _mse(network: Sequential, X: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean((network.predict(X) - Y) ** 2))


class _LossTrace(Callback):
    """Full-data loss `every` steps, and after every step from step `tail_start` on."""

    def __init__(self, X: np.ndarray, Y: np.ndarray, every: int, tail_start: int) -> None:
        self.X, self.Y, self.every, self.tail_start = X, Y, every, tail_start
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.tail: list[float] = []

    def on_batch_end(self, trainer) -> None:
        step = trainer.step
        if step >= self.tail_start or step % self.every == 0:
            value = _mse(trainer.network, self.X, self.Y)
            if step >= self.tail_start:
                self.tail.append(value)
            if step % self.every == 0:
                self.steps.append(step)
                self.losses.append(value)


def polish(network: Sequential, X: np.ndarray, Y: np.ndarray, max_iter: int = 5000) -> float:
    """Move `network` in place to a full-batch optimum (L-BFGS); its loss there.

    Runs :class:`~mlplab.optimizers.LBFGS` on the full-data loss from the network's
    current weights, to convergence or `max_iter` iterations.
    """

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        network.unpack(theta)
        value, _ = network.loss_and_gradients(X, Y, "squared_error")
        return value, network.pack_grads()

    result = _optimizers.LBFGS(max_iter=max_iter, max_fun=10 * max_iter, tol=1e-10).minimize(
        loss_and_grad, network.pack()
    )
    network.unpack(result.x)
    return _mse(network, X, Y)


def run_schedule(
    X: np.ndarray,
    Y: np.ndarray,
    hidden: int,
    batch_size: int,
    epochs: int,
    schedule: _schedules.Schedule,
    seed: int,
    polish_iter: int = 5000,
) -> dict[str, object]:
    """One SGD run and its comparison with the full-batch optimum nearest to its end.

    Returns
    -------
    dict
        ``loss`` (full-data MSE at the end), ``optimum`` (MSE after polishing the end
        point with L-BFGS), ``distance`` (RMS difference between the run's predictions
        and the polished network's, over the training inputs), ``fluctuation`` (standard
        deviation of the full-data MSE over the last 10% of the steps), ``final_rate``,
        and the traced ``steps`` / ``losses`` / ``rates`` for figures.
    """
    n = X.shape[0]
    steps_per_epoch = -(-n // batch_size)
    total = steps_per_epoch * epochs
    trace = _LossTrace(X, Y, max(1, steps_per_epoch // 8), int(0.9 * total))
    network = mlp((1, hidden, 1), "tanh", random_state=seed)
    history = Trainer(
        "squared_error",
        "sgd",
        learning_rate=schedule,
        schedule_unit="step",
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[trace],
        # One sample's loss can be 10⁴ times another's: judge divergence by NaN/inf only.
        divergence_factor=1e300,
        random_state=seed,
    ).fit(network, X, Y)
    end = network.predict(X)
    loss = _mse(network, X, Y)
    optimum = polish(network, X, Y, polish_iter)
    return {
        "loss": loss,
        "optimum": optimum,
        "distance": float(np.sqrt(np.mean((end - network.predict(X)) ** 2))),
        "fluctuation": float(np.std(trace.tail)),
        "final_rate": float(schedule.rate(total - 1)),
        "diverged": history.diverged,
        "steps": np.array(trace.steps) / steps_per_epoch,
        "losses": np.array(trace.losses),
    }


#: (batch size, initial rate, epochs) of each SGD regime.
Regime = tuple[int, float, int]
Runs = dict[tuple[int, str], list[dict[str, object]]]
#: The three measures a decaying schedule must beat the constant rate on.
MEASURES = ("fluctuation (last 10%)", "excess over optimum", "distance to optimum")


def _measure(
    X: np.ndarray,
    Y: np.ndarray,
    hidden: int,
    regimes: list[Regime],
    seeds: list[int],
    polish_iter: int,
) -> tuple[Runs, dict[int, float], dict[int, float]]:
    """Every schedule's runs by ``(batch size, schedule)``, and per seed J₀ and J*.

    J₀ (`reference`) is the full-batch optimum reached from the initialization itself;
    J* (`best`) the lowest full-batch optimum found from any of that seed's runs or J₀.
    """
    n = X.shape[0]
    results: Runs = {}
    reference: dict[int, float] = {}
    for s in seeds:
        # The full-batch optimum reached from the initialization itself, for reference.
        reference[s] = polish(mlp((1, hidden, 1), "tanh", random_state=s), X, Y, polish_iter)
    for batch, lr, epochs in regimes:
        total = -(-n // batch) * epochs
        for label in make_schedules(lr, total):
            results[batch, label] = [
                run_schedule(
                    X, Y, hidden, batch, epochs, make_schedules(lr, total)[label], s, polish_iter
                )
                for s in seeds
            ]
    # J*: per seed, the lowest full-batch optimum found from any of that seed's runs.
    best = {
        s: min([reference[s]] + [float(r[i]["optimum"]) for r in results.values()])
        for i, s in enumerate(seeds)
    }
    return results, reference, best


def _tables(
    results: Runs, best: dict[int, float], regimes: list[Regime], seeds: list[int]
) -> tuple[list[dict[str, object]], dict[tuple[int, str], dict[str, float]]]:
    """The report's table, and its seed-mean measures by ``(batch size, schedule)``."""
    table = []
    summary_of: dict[tuple[int, str], dict[str, float]] = {}
    for batch, lr, _ in regimes:
        for label, schedule in make_schedules(lr, 1).items():
            runs = results[batch, label]
            excess = [float(r["loss"]) - best[s] for r, s in zip(runs, seeds, strict=True)]
            row = {
                "final loss": float(np.mean([r["loss"] for r in runs])),
                "excess over optimum": float(np.mean(excess)),
                "fluctuation (last 10%)": float(np.mean([r["fluctuation"] for r in runs])),
                "distance to optimum": float(np.mean([r["distance"] for r in runs])),
            }
            summary_of[batch, label] = row
            table.append(
                {
                    "batch size": batch,
                    "schedule": label,
                    "initial rate": float(schedule(0)),
                    "final rate": float(runs[0]["final_rate"]),
                    **row,
                    "diverged": any(bool(r["diverged"]) for r in runs),
                }
            )
    return table, summary_of


def _wins(
    summary_of: dict[tuple[int, str], dict[str, float]], regimes: list[Regime]
) -> dict[tuple[int, str], dict[str, bool]]:
    """Whether each decaying schedule beat the constant rate, measure by measure."""
    wins = {}
    for batch, _, _ in regimes:
        const = summary_of[batch, "constant"]
        for label in DECAYING:
            row = summary_of[batch, label]
            wins[batch, label] = {key: row[key] < const[key] for key in MEASURES}
    return wins


def _draw(
    path: Path, results: Runs, best: dict[int, float], regimes: list[Regime], seeds: list[int]
) -> Path:
    """The excess loss over J* against the epoch, one panel per regime, and the schedules."""
    fig, axes = figure(3, 1, 4.3, 3.4)
    colors = {k: f"C{i}" for i, k in enumerate(make_schedules(1.0, 10))}
    for ax, (batch, lr, _) in zip(axes[0, :2], regimes, strict=True):
        for label in make_schedules(lr, 10):
            r = results[batch, label][0]
            excess = np.maximum(np.asarray(r["losses"]) - best[seeds[0]], 1e-7)
            ax.semilogy(
                r["steps"],
                excess,
                color=colors[label],
                lw=0.8 if label in ("constant", SMALL) else 1.2,
                # The constant rate on top: its noise is the point of the figure.
                zorder=3 if label == "constant" else 2,
                ls="--" if label == SMALL else "-",
                label=label,
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("training MSE − full-batch optimum J*")
        kind = "single samples" if batch == 1 else f"mini-batches of {batch}"
        ax.set_title(f"SGD on {kind}, α₀ = {lr} (seed {seeds[0]})", fontsize=9)
        ax.grid(alpha=0.3, which="both")
    axes[0, 0].legend(fontsize=7, title="schedule", title_fontsize=7)
    ax = axes[0, 2]
    steps = 1000
    for label, schedule in make_schedules(1.0, steps).items():
        t = np.arange(steps)
        ax.plot(
            t / steps,
            [schedule(int(k)) for k in t],
            color=colors[label],
            ls="--" if label == SMALL else "-",
            label=label,
        )
    ax.set_xlabel("fraction of the run (steps)")
    ax.set_ylabel("learning rate / α₀")
    ax.set_title("the schedules", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save(fig, path)


def _summary(
    summary_of: dict[tuple[int, str], dict[str, float]],
    wins: dict[tuple[int, str], dict[str, bool]],
    regimes: list[Regime],
) -> str:
    """One sentence: the constant rate against the decaying ones, for each batch size."""

    def describe(batch: int) -> str:
        const = summary_of[batch, "constant"]
        kind = "single samples" if batch == 1 else f"batches of {batch}"
        decayed = [summary_of[batch, k] for k in DECAYING]
        return (
            f"with {kind} the constant rate ended {const['excess over optimum']:.2g} above the "
            f"full-batch optimum, fluctuating by {const['fluctuation (last 10%)']:.2g}; the "
            f"decaying schedules ended {min(r['excess over optimum'] for r in decayed):.2g}–"
            f"{max(r['excess over optimum'] for r in decayed):.2g} above it, fluctuating by "
            f"{min(r['fluctuation (last 10%)'] for r in decayed):.2g}–"
            f"{max(r['fluctuation (last 10%)'] for r in decayed):.2g}"
        )

    n_wins = sum(all(w.values()) for w in wins.values())
    return (
        "; ".join(describe(batch) for batch, _, _ in regimes)
        + f" (MSE; {n_wins} of {len(wins)} schedule × batch-size pairs beat the constant "
        "rate on all three measures)."
    )


def _notes(n: int, noise: float, hidden: int, regimes: list[Regime], n_seeds: int) -> list[str]:
    """The course's words, the setup, the measures and the criterion."""
    return [
        COURSE,
        f"Setup: {n} points of sin x on [1, 2π] plus Gaussian noise of standard deviation "
        f"{noise} (mlplab.datasets.function, inputs standardized), a 1-{hidden}-1 tanh network "
        "(too small to interpolate the noise) and the mean squared error. SGD with single "
        f"samples ({regimes[0][2]} epochs, α₀ = {regimes[0][1]}) and with mini-batches of 16 "
        f"({regimes[1][2]} epochs, α₀ = {regimes[1][1]}); the schedules count SGD steps j as "
        "the course's formula does: step ×0.2 every third of the run, exponential to 1% of "
        "α₀ at the end, the course's linear decay to α_τ = α₀/100 at τ = 80% of the run, "
        "cosine to 0. 'constant α₀/100' is a reference (stable but slow), not part of the "
        f"criterion. The same seed gives every schedule the same initial weights and the same "
        f"order of samples; numbers are means over {n_seeds} seed(s).",
        "Measures, all on the full data: the final loss; its excess over J*, the full-batch "
        "optimum (per seed, the lowest loss L-BFGS reached from the initialization or from "
        "any run's end point); the fluctuation, the standard deviation of the loss after "
        "every step of the last 10% of the run; and the distance to the optimum, the RMS "
        "difference between the run's predictions and those of the same network polished by "
        "full-batch L-BFGS from where the run ended (the optimum of its own basin; measured "
        "on the function, since a network's weights have flat, symmetric directions).",
        "Criterion: the claim holds when, for both batch sizes, every decaying schedule ends "
        "with a smaller fluctuation, a smaller excess loss and a smaller distance to the "
        "optimum than the constant rate.",
    ]


@register("learning-rate-schedules", "Decaying the learning rate makes SGD converge", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    n = 256 if quick else 1024
    noise = 0.3
    hidden = 8
    X, y = function_data("sine", n, noise, seed)
    X = standardize(X)
    Y = y.reshape(-1, 1)
    # (batch size, initial rate, epochs): single samples and mini-batches of 16.
    regimes = [(1, 0.05, 4 if quick else 20), (16, 0.2, 16 if quick else 80)]
    seeds = [seed] if quick else [seed + k for k in range(3)]
    polish_iter = 500 if quick else 5000
    results, reference, best = _measure(X, Y, hidden, regimes, seeds, polish_iter)
    table, summary_of = _tables(results, best, regimes, seeds)
    wins = _wins(summary_of, regimes)
    held = all(all(w.values()) for w in wins.values())
    figures = [_draw(folder / "learning_rate_schedules.png", results, best, regimes, seeds)]
    summary = _summary(summary_of, wins, regimes)
    notes = _notes(n, noise, hidden, regimes, len(seeds))
    data = {
        "summary": {f"{b}/{k}": v for (b, k), v in summary_of.items()},
        "wins": {f"{b}/{k}": v for (b, k), v in wins.items()},
        "optimum": best,
        "reference_optimum": reference,
        "regimes": regimes,
    }
    return Outcome(held, summary, table, figures, data, notes)
