"""Vanishing gradients: the first layer's gradient against depth for sigmoid, tanh, relu."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..network import mlp
from ._base import Outcome, register
from ._common import figure, save, spirals_data

CLAIM = (
    "Sigmoid's derivative is at most 0.25, so in a deep sigmoid network the gradient "
    "reaching the first layer shrinks roughly like 0.25^depth; tanh shrinks it less and "
    "ReLU (with He initialization) hardly at all."
)

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def first_layer_gradients(
    activation: str, depth: int, width: int, X: np.ndarray, y: np.ndarray, seeds: list[int]
) -> tuple[float, np.ndarray]:
    """Mean over `seeds` of ‖dLoss/dW1‖ and of every layer's weight-gradient norm.

    The network has `depth` hidden layers, initialized as the activation recommends
    (Glorot for sigmoid and tanh, He for relu); the loss is cross-entropy at initialization.
    """
    norms = []
    for s in seeds:
        net = mlp((X.shape[1], *[width] * depth, 1), activation, "sigmoid", random_state=s)
        _, grads = net.loss_and_gradients(X, y, "binary_crossentropy")
        norms.append([float(np.linalg.norm(g)) for g in grads[0::2]])
    per_layer = np.mean(norms, axis=0)
    return float(per_layer[0]), per_layer


@register("vanishing-gradients", "Sigmoid gradients vanish in deep networks", CLAIM)
def run(folder: Path, quick: bool, seed: int) -> Outcome:
    depths = [2, 5, 10, 15, 20] if quick else list(range(2, 21, 2))
    width = 32 if quick else 64
    seeds = [seed + k for k in range(2 if quick else 5)]
    X, labels = spirals_data(256 if quick else 1000, 0.05, seed)
    y = labels.reshape(-1, 1).astype(float)
    norms = {a: [] for a in ACTIVATIONS}
    profiles = {}
    for act in ACTIVATIONS:
        for depth in depths:
            g1, per_layer = first_layer_gradients(act, depth, width, X, y, seeds)
            norms[act].append(g1)
            if depth == depths[-1]:
                profiles[act] = per_layer
    table = [
        {"depth": d, **{f"{a} ‖dW1‖": norms[a][i] for a in ACTIVATIONS}}
        for i, d in enumerate(depths)
    ]
    # Fall from the shallowest to the deepest network, in orders of magnitude.
    drop = {a: float(np.log10(norms[a][0] / norms[a][-1])) for a in ACTIVATIONS}
    per_layer_factor = {
        a: float((norms[a][-1] / norms[a][0]) ** (1.0 / (depths[-1] - depths[0])))
        for a in ACTIVATIONS
    }
    held = drop["sigmoid"] >= drop["relu"] + 2.0 and drop["sigmoid"] > drop["tanh"]
    table.append(
        {
            "depth": f"orders of magnitude lost, {depths[0]}→{depths[-1]}",
            **{f"{a} ‖dW1‖": drop[a] for a in ACTIVATIONS},
        }
    )
    table.append(
        {
            "depth": "factor per extra layer",
            **{f"{a} ‖dW1‖": per_layer_factor[a] for a in ACTIVATIONS},
        }
    )

    fig, axes = figure(2, 1, 4.2, 3.3)
    ax = axes[0, 0]
    for act in ACTIVATIONS:
        ax.semilogy(depths, norms[act], "o-", label=act)
    ref = norms["sigmoid"][0] * 0.25 ** (np.array(depths) - depths[0])
    ax.semilogy(depths, ref, "k:", label="0.25^depth")
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("‖dLoss/dW1‖ at initialization")
    ax.set_title("first-layer gradient vs depth")
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    for act in ACTIVATIONS:
        ax.semilogy(np.arange(1, len(profiles[act]) + 1), profiles[act], "o-", ms=3, label=act)
    ax.set_xlabel("layer (1 = first)")
    ax.set_ylabel("‖dLoss/dW‖")
    ax.set_title(f"gradient by layer, {depths[-1]} hidden layers")
    ax.legend(fontsize=8)
    figures = [save(fig, folder / "vanishing_gradients.png")]

    summary = (
        f"from {depths[0]} to {depths[-1]} hidden layers the first-layer gradient fell by "
        f"10^{drop['sigmoid']:.1f} for sigmoid (×{per_layer_factor['sigmoid']:.2f} per layer), "
        f"10^{drop['tanh']:.1f} for tanh and 10^{drop['relu']:.1f} for relu."
    )
    notes = [
        f"Setup: {width} units per hidden layer, initialization as each activation "
        "recommends (Glorot for sigmoid and tanh, He for relu), sigmoid output and "
        "cross-entropy on the two-spirals problem; gradient norms at initialization, mean "
        f"over {len(seeds)} seeds.",
        "Criterion: the claim holds when sigmoid loses at least two more orders of "
        "magnitude than relu between the shallowest and the deepest network, and more "
        "than tanh.",
    ]
    data = {
        "depths": depths,
        "norms": norms,
        "drop_orders": drop,
        "per_layer_factor": per_layer_factor,
    }
    return Outcome(held, summary, table, figures, data, notes)
