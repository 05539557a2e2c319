"""Seeded toy data sets for learning and teaching: each generator returns ``(X, y)``.

``X`` is always a float64 array of shape (n_samples, n_features); ``y`` has shape
(n_samples,) and holds integer class labels 0, 1, ... for classification sets and float
targets for regression sets. Every generator takes ``random_state`` (an int, a
:class:`numpy.random.Generator` or None): the same seed gives the same data. Generated
samples are shuffled (the truth tables and the function grids are not).

- :func:`logic`: the and / or / xor truth tables, or noisy 2-D clouds around the corners;
- :func:`circles`, :func:`spirals`, :func:`gaussians`, :func:`moons`,
  :func:`checkerboard`: 2-D classification sets;
- :func:`playground`: the TensorFlow Playground's sets, in its [−6, 6]² frame;
- :func:`function`: the course's 1-D function-approximation targets;
- :func:`digits`: scikit-learn's 8×8 handwritten digits (bundled, no download).
"""

from __future__ import annotations

import difflib
import math
from typing import Any

import numpy as np

RandomState = int | np.random.Generator | None

_GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "xor": (0, 1, 1, 0)}
_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
PLAYGROUND_NAMES = (
    "circle",
    "xor",
    "gauss",
    "spiral",
    "moons",
    "checkerboard",
    "reg-plane",
    "reg-gauss",
)
_PLAYGROUND_MULTICLASS = ("spiral", "gauss")
#: Names accepted by :func:`function`, with their input interval.
FUNCTION_DOMAINS = {
    "square": (-1.0, 1.0),
    "reciprocal": (1.0, 100.0),
    "sine": (1.0, 2.0 * math.pi),
    "step": (-1.0, 2.0),
}


# -- validation ------------------------------------------------------------------------
def _check_name(value: Any, valid: tuple[str, ...] | list[str], argname: str) -> str:
    if not isinstance(value, str) or value.strip().lower() not in valid:
        close = difflib.get_close_matches(str(value).strip().lower(), valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown {argname} {value!r}.{hint} Valid names: {', '.join(valid)}")
    return value.strip().lower()


def _check_count(value: Any, argname: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{argname} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_nonneg(value: Any, argname: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not (math.isfinite(value) and value >= 0)
    ):
        raise ValueError(f"{argname} must be a finite number >= 0, got {value!r}")
    return float(value)


def _split(n: int, k: int) -> np.ndarray:
    """Class sizes for n samples over k classes, as even as possible."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float = 0.0):
    """`X` (plus Gaussian noise of standard deviation `noise`, if any) and `y`, shuffled."""
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    order = rng.permutation(len(y))
    return np.ascontiguousarray(X[order], dtype=np.float64), y[order]


# -- classic 2-D sets --------------------------------------------------------------------
def logic(
    gate: str,
    noise: float = 0.0,
    n_samples: int | None = None,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The and / or / xor problem.

    Parameters
    ----------
    gate : {"and", "or", "xor"}
    noise : float
        Standard deviation of Gaussian noise added to each coordinate.
    n_samples : int, optional
        None gives the 4-row truth table (inputs 0/1 in the order 00, 01, 10, 11);
        otherwise `n_samples` points spread evenly over the four corners (shuffled).
    random_state : int, Generator or None

    Returns
    -------
    X : ndarray of shape (4, 2) or (n_samples, 2)
    y : ndarray of shape (4,) or (n_samples,), int labels: the gate of the corner
    """
    gate = _check_name(gate, tuple(_GATES), "gate")
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(random_state)
    table = np.array(_GATES[gate])
    if n_samples is None:
        corner = np.arange(4)
    else:
        n_samples = _check_count(n_samples, "n_samples")
        corner = rng.permutation(np.arange(n_samples) % 4)
    X = _CORNERS[corner].copy()
    if noise:
        X += rng.normal(0.0, noise, X.shape)
    return X, table[corner].astype(np.int64)


def circles(
    n_samples: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on radius 1, class 1 on radius `factor`.

    Parameters
    ----------
    n_samples : int
    noise : float
        Standard deviation of Gaussian noise added to each coordinate.
    factor : float
        Inner radius relative to the outer one, in (0, 1).
    random_state : int, Generator or None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels in {0, 1}
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_nonneg(noise, "noise")
    if not (isinstance(factor, (int, float)) and 0 < factor < 1):
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = np.random.default_rng(random_state)
    sizes = _split(n_samples, 2)
    y = np.repeat([0, 1], sizes)
    angle = rng.uniform(0.0, 2.0 * math.pi, n_samples)
    radius = np.where(y == 0, 1.0, float(factor))
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return _shuffled(rng, X, y, noise)


def spirals(
    n_samples: int = 300,
    n_arms: int = 2,
    noise: float = 0.1,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spirals, one class per arm.

    Arm k is ``r (cos θ, sin θ)`` with ``r = t`` and ``θ = 3.5π t + 2πk / n_arms`` for
    t evenly spaced in [0.05, 1] (one and three-quarter turns out to radius 1).

    Parameters
    ----------
    n_samples : int
        Total number of points, split evenly over the arms.
    n_arms : int
        Number of arms (classes), at least 2.
    noise : float
        Standard deviation of Gaussian noise added to each coordinate.
    random_state : int, Generator or None

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0 .. n_arms − 1
    """
    n_arms = _check_count(n_arms, "n_arms", 2)
    n_samples = _check_count(n_samples, "n_samples", n_arms)
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(random_state)
    parts_X, parts_y = [], []
    for k, size in enumerate(_split(n_samples, n_arms)):
        t = np.linspace(0.05, 1.0, size)
        theta = 3.5 * math.pi * t + 2.0 * math.pi * k / n_arms
        parts_X.append(np.c_[t * np.cos(theta), t * np.sin(theta)])
        parts_y.append(np.full(size, k))
    X, y = np.concatenate(parts_X), np.concatenate(parts_y)
    return _shuffled(rng, X, y, noise)


def gaussians(
    n_samples: int = 200,
    n_classes: int = 2,
    std: float = 1.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one per class, centred on a circle of radius 3.

    Class k is centred at ``3 (cos 2πk/K, sin 2πk/K)`` with standard deviation `std`.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0 .. n_classes − 1
    """
    n_classes = _check_count(n_classes, "n_classes", 2)
    n_samples = _check_count(n_samples, "n_samples", n_classes)
    std = _check_nonneg(std, "std")
    rng = np.random.default_rng(random_state)
    y = np.repeat(np.arange(n_classes), _split(n_samples, n_classes))
    angle = 2.0 * math.pi * y / n_classes
    X = 3.0 * np.c_[np.cos(angle), np.sin(angle)] + rng.normal(0.0, std, (n_samples, 2))
    return _shuffled(rng, X, y)


def moons(
    n_samples: int = 200, noise: float = 0.1, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles.

    Class 0 is ``(cos t, sin t)`` and class 1 ``(1 − cos t, 0.5 − sin t)`` for t in
    [0, π] (scikit-learn's ``make_moons``), plus Gaussian noise of standard deviation
    `noise` on each coordinate.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels in {0, 1}
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_nonneg(noise, "noise")
    rng = np.random.default_rng(random_state)
    n0, n1 = _split(n_samples, 2)
    t0, t1 = np.linspace(0, math.pi, n0), np.linspace(0, math.pi, n1)
    X = np.r_[np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    y = np.repeat([0, 1], [n0, n1])
    return _shuffled(rng, X, y, noise)


def checkerboard(
    n_samples: int = 400, n_tiles: int = 4, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [−1, 1]², labelled by the colour of an n_tiles × n_tiles board.

    The label is ``(i + j) mod 2`` with i, j the tile's column and row.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels in {0, 1}
    """
    n_samples = _check_count(n_samples, "n_samples")
    n_tiles = _check_count(n_tiles, "n_tiles", 2)
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    tile = np.minimum(np.floor((X + 1.0) / 2.0 * n_tiles), n_tiles - 1).astype(np.int64)
    return X, (tile[:, 0] + tile[:, 1]) % 2


# -- TensorFlow Playground ------------------------------------------------------------
def playground(
    name: str,
    n_samples: int = 500,
    noise: float = 0.0,
    random_state: RandomState = None,
    n_classes: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """The TensorFlow Playground's data sets, in its [−6, 6]² frame.

    Parameters
    ----------
    name : str
        ``"circle"``, ``"xor"``, ``"gauss"``, ``"spiral"`` (the Playground's classification
        sets), ``"moons"``, ``"checkerboard"`` (additions in the same frame),
        ``"reg-plane"`` and ``"reg-gauss"`` (its regression sets).
    n_samples : int
    noise : float
        The Playground's noise slider divided by 100, usually in [0, 0.5]. As in the
        Playground it means, per set:

        - circle, xor, checkerboard, reg-plane, reg-gauss: points are drawn without noise
          and labelled as if moved by a uniform offset of ``noise`` × the frame's size
          (±5 for circle and xor, ±6 for the others) on each axis: labels near the
          boundaries get flipped (regression targets blurred);
        - gauss: the variance of each blob grows linearly from 0.5 (noise 0) to 4
          (noise 0.5);
        - spiral: each coordinate moves by a uniform offset in ±noise;
        - moons: each coordinate moves by a uniform offset in ±4·noise.
    random_state : int, Generator or None
    n_classes : int
        2 to 4 for ``"spiral"`` (arms turned by 2π/n_classes) and ``"gauss"`` (blobs at
        (2, 2), (−2, −2), (2, −2), (−2, 2), first n_classes); 2 for the others.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Int labels (the Playground's +1 class is 1, its −1 class 0; class k for k > 1),
        or float targets in about [−1, 1] for the regression sets.
    """
    name = _check_name(name, PLAYGROUND_NAMES, "name")
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_nonneg(noise, "noise")
    n_classes = _check_count(n_classes, "n_classes", 2)
    if name in _PLAYGROUND_MULTICLASS:
        if n_classes > 4:
            raise ValueError(f"n_classes must be between 2 and 4 for {name!r}, got {n_classes}")
    elif n_classes != 2:
        raise ValueError(
            f"n_classes must be 2 for {name!r}; only {_PLAYGROUND_MULTICLASS} take 2 to 4"
        )
    rng = np.random.default_rng(random_state)
    X, y = _PLAYGROUND[name](rng, n_samples, noise, n_classes)
    return _shuffled(rng, X, y)


def _pg_circle(rng, n, noise, _k):
    radius = 5.0
    n_in, n_out = _split(n, 2)[::-1]
    r = np.r_[rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)]
    angle = rng.uniform(0, 2 * math.pi, n)
    X = np.c_[r * np.sin(angle), r * np.cos(angle)]
    moved = X + rng.uniform(-radius, radius, X.shape) * noise
    return X, (np.hypot(moved[:, 0], moved[:, 1]) < radius * 0.5).astype(np.int64)


def _pg_xor(rng, n, noise, _k):
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # keep points off the axes
    moved = X + rng.uniform(-5, 5, X.shape) * noise
    return X, (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)


def _pg_gauss(rng, n, noise, k):
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    # Class 1 is the Playground's positive blob at (2, 2), class 0 its negative one.
    centres = np.array([[-2.0, -2.0], [2.0, 2.0], [2.0, -2.0], [-2.0, 2.0]])[:k]
    y = np.repeat(np.arange(k), _split(n, k))
    return centres[y] + rng.normal(0, math.sqrt(variance), (n, 2)), y


def _pg_spiral(rng, n, noise, k):
    parts_X, parts_y = [], []
    for c, size in enumerate(_split(n, k)):
        i = np.arange(size)
        r = i / size * 5.0
        # With two arms: class 1 starts at angle 0 (the Playground's positive arm), class 0
        # at π.
        t = 1.75 * i / size * 2 * math.pi + math.pi + 2 * math.pi * c / k
        X = np.c_[r * np.sin(t), r * np.cos(t)] + rng.uniform(-1, 1, (size, 2)) * noise
        parts_X.append(X)
        parts_y.append(np.full(size, c))
    return np.concatenate(parts_X), np.concatenate(parts_y)


def _pg_moons(rng, n, noise, _k):
    X, y = moons(n, 0.0, rng)
    X = 4.0 * (X - [0.5, 0.25])
    return X + rng.uniform(-4, 4, X.shape) * noise, y


def _pg_checkerboard(rng, n, noise, _k):
    X = rng.uniform(-6, 6, (n, 2))
    moved = np.clip(X + rng.uniform(-6, 6, X.shape) * noise, -6, 6)
    tile = np.minimum(np.floor((moved + 6.0) / 3.0), 3).astype(np.int64)
    return X, (tile[:, 0] + tile[:, 1]) % 2


def _pg_reg_plane(rng, n, noise, _k):
    X = rng.uniform(-6, 6, (n, 2))
    moved = X + rng.uniform(-6, 6, X.shape) * noise
    return X, (moved[:, 0] + moved[:, 1]) / 10.0


_REG_GAUSS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=float,
)


def _pg_reg_gauss(rng, n, noise, _k):
    X = rng.uniform(-6, 6, (n, 2))
    moved = X + rng.uniform(-6, 6, X.shape) * noise
    # Each bump: sign · max(0, 1 − distance / 2); the target is the bump largest in size.
    dist = np.hypot(moved[:, :1] - _REG_GAUSS[:, 0], moved[:, 1:] - _REG_GAUSS[:, 1])
    bumps = _REG_GAUSS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)
    return X, bumps[np.arange(n), np.argmax(np.abs(bumps), axis=1)]


_PLAYGROUND = {
    "circle": _pg_circle,
    "xor": _pg_xor,
    "gauss": _pg_gauss,
    "spiral": _pg_spiral,
    "moons": _pg_moons,
    "checkerboard": _pg_checkerboard,
    "reg-plane": _pg_reg_plane,
    "reg-gauss": _pg_reg_gauss,
}


# -- function approximation -------------------------------------------------------------
def _step(x: np.ndarray) -> np.ndarray:
    # The course's levels; it leaves x = 0 and x = 1 open: each jump takes the upper level.
    return np.where(x < 0.0, -1.0, np.where(x < 1.0, 0.0, 1.0))


_FUNCTIONS = {
    "square": np.square,
    "reciprocal": np.reciprocal,
    "sine": np.sin,
    "step": _step,
}


def function(
    name: str,
    n_samples: int = 200,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D target from the course's function-approximation exercises.

    Parameters
    ----------
    name : {"square", "reciprocal", "sine", "step"}
        ``"square"``: x² on [−1, 1]; ``"reciprocal"``: 1/x on [1, 100]; ``"sine"``:
        sin x on [1, 2π]; ``"step"``: the course's three-level step on [−1, 2], −1
        for x < 0, 0 for 0 ≤ x < 1 and 1 for x ≥ 1.
    n_samples : int
        Points evenly spaced over the interval, ends included, in increasing order.
    noise : float
        Standard deviation of Gaussian noise added to the targets.
    random_state : int, Generator or None
        Seeds the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,), float targets
    """
    name = _check_name(name, tuple(_FUNCTIONS), "name")
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_nonneg(noise, "noise")
    low, high = FUNCTION_DOMAINS[name]
    x = np.linspace(low, high, n_samples)
    y = _FUNCTIONS[name](x).astype(np.float64)
    if noise:
        y += np.random.default_rng(random_state).normal(0.0, noise, n_samples)
    return x.reshape(-1, 1), y


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits: 1797 images of 8×8 pixels valued 0–16.

    Returns
    -------
    X : ndarray of shape (1797, 64), float64
    y : ndarray of shape (1797,), int labels 0–9
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X.astype(np.float64), y.astype(np.int64)
