"""The network an MLP estimator's parameters describe.

``hidden_layer_sizes``, ``activation``, ``output_activation``, ``kernel_initializer``,
``bias``, ``batch_norm`` and ``dropout`` become a :class:`~mlplab.network.Sequential`
(:func:`build_network`), with scikit-learn's weights where it would draw them. A fit
builds it on the first pass; loading a file rebuilds it before the saved weights are
copied in.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np

from .. import activations as _activations
from ..layers import Dense
from ..network import Sequential, mlp
from . import _sklearn

__all__ = ["build_network", "check_same_network", "hidden_sizes"]


def hidden_sizes(est: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list of ints (an int is one hidden layer).

    Raises
    ------
    ValueError
        For an entry that is not an integer, or not > 0.
    """
    sizes = est.hidden_layer_sizes
    sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (Integral, np.integer)):
            raise ValueError(f"hidden_layer_sizes must hold integers, got {s!r}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
    return [int(s) for s in sizes]


def check_same_network(est: Any, hidden: list[int]) -> None:
    """warm_start and partial_fit go on with the fitted network: the sizes must match."""
    old = [layer.units for layer in est.network_.layers if isinstance(layer, Dense)]
    if old[:-1] != hidden:
        raise ValueError(
            f"hidden_layer_sizes is {hidden} but the fitted network has {old[:-1]}: "
            "warm_start and partial_fit continue the same network"
        )


def hidden_activations(est: Any, n_hidden: int) -> list[Any]:
    """One activation (name or object) per hidden layer, each checked against the catalog."""
    act = est.activation
    if isinstance(act, (list, tuple)):
        if len(act) != n_hidden:
            raise ValueError(
                f"activation has {len(act)} entries but there are {n_hidden} hidden layers"
            )
        acts = list(act)
    else:
        acts = [act] * n_hidden
    for i, a in enumerate(acts):
        if not isinstance(a, (str, _activations.Activation)):
            raise TypeError(
                f"activation[{i}] must be an activation name or object, got {type(a).__name__}"
            )
        _activations.get(a)  # unknown names fail here, with the list of valid ones
    return acts


def build_network(
    est: Any,
    n_features: int,
    hidden: list[int],
    n_outputs: int,
    dtype: Any,
    rng: np.random.Generator | np.random.SeedSequence,
    sklearn_rng: np.random.RandomState | None = None,
) -> Sequential:
    """The network of `est`'s parameters, initialized from `rng`.

    Parameters
    ----------
    est : BaseMLP
        The estimator; its ``_default_output_activation()`` fills ``"auto"``.
    n_features, n_outputs : int
        Widths of the input and of the output.
    hidden : list of int
        Widths of the hidden layers (:func:`hidden_sizes`).
    dtype : float32 or float64
        The network's dtype.
    rng : numpy.random.Generator or SeedSequence
        Draws the initial weights of the layers scikit-learn has no rule for.
    sklearn_rng : numpy.random.RandomState, optional
        Draws scikit-learn's Glorot weights (``kernel_initializer="auto"``), in its
        order: the same ``random_state`` then starts from scikit-learn's weights. By
        default `rng` draws them.

    Returns
    -------
    Sequential
    """
    acts = hidden_activations(est, len(hidden))
    out = est.output_activation
    out_fn = _activations.get(est._default_output_activation() if out == "auto" else out)
    bias = 0.0 if isinstance(est.bias, str) else float(est.bias)
    if not math.isfinite(bias):
        raise ValueError(f"bias must be finite, got {est.bias!r}")
    dropout = est.dropout
    if isinstance(dropout, (list, tuple)) and len(dropout) != len(hidden):
        raise ValueError(
            f"dropout has {len(dropout)} entries but there are {len(hidden)} hidden layers"
        )
    net = mlp(
        [n_features, *hidden, n_outputs],
        hidden_activation=acts,
        output_activation=out_fn,
        kernel_initializer=est.kernel_initializer,
        bias=bias,
        batch_norm=bool(est.batch_norm),
        dropout=list(dropout) if isinstance(dropout, tuple) else dropout,
        dtype=dtype,
        random_state=np.random.default_rng(rng),
    )
    if est.kernel_initializer == "auto":
        names = [_activations.get(a).name for a in acts]
        if not names and isinstance(est.activation, str):
            names = [_activations.get(est.activation).name]  # no hidden layer: its rule
        glorot = net.random_state if sklearn_rng is None else sklearn_rng
        _sklearn.draw_glorot_weights(net, names, glorot, biases=est.bias == "auto")
    return net
