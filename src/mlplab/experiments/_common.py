"""Helpers shared by the experiments: data, one-hot targets, unit statistics, figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import datasets
from ..layers import Activation, Dense
from ..network import Sequential

# -- data -------------------------------------------------------------------------------


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points and their labels."""
    X, y = datasets.logic("xor")
    return np.asarray(X, dtype=float), np.asarray(y).astype(int).ravel()


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """The 8×8 digits (1797 images): raw pixel values (non-negative) and labels."""
    X, y = datasets.digits()
    return np.asarray(X, dtype=float), np.asarray(y).astype(int)


def standardized_digits(n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The digits standardized over all 1797 images, then the first `n` of them if given."""
    X, y = digits_data()
    X = standardize(X)
    return (X, y) if n is None else (X[:n], y[:n])


def spirals_data(n_samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (a problem no linear model gets far on)."""
    X, y = datasets.spirals(n_samples=n_samples, n_arms=2, noise=noise, random_state=seed)
    return np.asarray(X, dtype=float), np.asarray(y).astype(int)


TARGET_FUNCTIONS = ("square", "reciprocal", "sine", "step")


def function_data(
    name: str, n_samples: int, noise: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Samples ``(x, f(x))`` of one of the course's four target functions."""
    X, y = datasets.function(name, n_samples=n_samples, noise=noise, random_state=seed)
    return np.asarray(X, dtype=float).reshape(-1, 1), np.asarray(y, dtype=float).ravel()


def standardize(X: np.ndarray) -> np.ndarray:
    """Columns shifted to mean 0 and scaled to standard deviation 1 (constant ones kept)."""
    std = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)


def one_hot(y: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Integer labels as one-hot rows."""
    n = int(y.max()) + 1 if n_classes is None else n_classes
    return np.eye(n)[y]


# -- inside the network -------------------------------------------------------------------


def hidden_values(network: Sequential, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(pre-activation, activation)`` of each hidden layer in inference mode."""
    out = []
    x = X
    pending: np.ndarray | None = None
    for layer in network.layers:
        x = layer.forward(x, training=False)
        if isinstance(layer, Dense):
            pending = x
        elif isinstance(layer, Activation) and pending is not None:
            out.append((pending, x))
            pending = None
    # The last pair belongs to the output layer when it has an activation.
    n_hidden = sum(isinstance(layer, Dense) for layer in network.layers) - 1
    return out[:n_hidden]


def dead_fraction(network: Sequential, X: np.ndarray, threshold: float = 1e-3) -> float:
    """Fraction of hidden units that pass (almost) no gradient for any example of `X`.

    A unit is dead when ``|f'(u)| < threshold`` for every example: a ReLU unit whose
    pre-activation is never positive, or an ELU unit pushed far into its flat left side.
    A leaky ReLU's slope (0.01) never counts as dead.
    """
    dead = total = 0
    acts = [layer.function for layer in network.layers if isinstance(layer, Activation)]
    for (u, _), function in zip(hidden_values(network, X), acts, strict=False):
        d = np.abs(function.derivative(u))
        dead += int(np.sum(np.all(d < threshold, axis=0)))
        total += u.shape[1]
    return dead / total if total else 0.0


def accuracy(network: Sequential, X: np.ndarray, y: np.ndarray) -> float:
    """Classification accuracy of a network with one output per class (or one sigmoid)."""
    out = network.predict(X)
    pred = (out.ravel() > 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
    return float(np.mean(pred == y))


# -- reports ----------------------------------------------------------------------------


def course_quote(seed_file: str, deck: str, quote: str, translation: str | None = None) -> str:
    """A report paragraph quoting the course: the slide deck's file in shared/seeds/.

    Parameters
    ----------
    seed_file : str
        File name in the course material (``shared/seeds/``).
    deck : str
        The deck's title, as a reader would look it up.
    quote : str
        The sentence as the slides write it.
    translation : str, optional
        An English translation, for slides in Portuguese or Spanish.
    """
    text = f"**The course** (`shared/seeds/{seed_file}`, {deck}): “{quote}”"
    if translation:
        text += f" — in English: “{translation}”"
    return text


# -- figures ----------------------------------------------------------------------------


def figure(
    ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.2
) -> tuple[Figure, Any]:
    """A matplotlib Figure (no pyplot state) with a grid of axes."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def save(fig: Figure, path: Path) -> Path:
    """Save as a small PNG and return the path."""
    fig.savefig(path, dpi=90)
    return path
