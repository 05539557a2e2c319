"""Compare backpropagation with central finite differences."""

from __future__ import annotations

import numpy as np

from . import losses as _losses
from .network import Sequential


def gradient_check(
    network: Sequential,
    loss: str | _losses.Loss,
    X: np.ndarray,
    y: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    l2: float = 0.0,
    l1: float = 0.0,
    eps: float = 1e-5,
    seed: int = 0,
) -> dict[str, float]:
    """Largest relative error between backprop and finite differences, per parameter array.

    The network must compute in float64. Every evaluation reseeds the training-time
    generator with `seed`, so dropout masks and rrelu slopes stay fixed and the loss
    is a deterministic function of the parameters. Batch norm uses batch statistics
    (training mode), which is exactly what backpropagation differentiates.

    Parameters
    ----------
    network : Sequential
        A built float64 network; its parameters are restored on return.
    loss : str or Loss
    X : ndarray of shape (n_samples, n_inputs)
    y : ndarray of shape (n_samples, n_outputs)
    sample_weight, l2, l1
        As for :meth:`Sequential.loss_and_gradients`.
    eps : float
        Finite-difference step.
    seed : int
        Seed for training-time randomness.

    Returns
    -------
    dict
        ``{"0.weight": err, ...}``: for each array, the largest over its entries of
        |g_bp − g_fd| / max(|g_bp|, |g_fd|, 1e-4 · max(1, |loss|)); the floor keeps two
        tiny gradients that agree to within finite-difference rounding from counting as
        a large relative error.
    """
    if network.dtype != np.float64:
        raise TypeError(
            "gradient_check needs a float64 network: finite differences in float32 are too coarse"
        )
    loss = _losses.get(loss)
    saved_buffers = {k: v.copy() for k, v in network.buffers().items()}

    def evaluate() -> float:
        network.reseed(seed)
        network.set_buffers(saved_buffers)
        value, _ = network.loss_and_gradients(X, y, loss, sample_weight=sample_weight, l2=l2, l1=l1)
        return value

    base = evaluate()
    analytic = [g.copy() for g in network.grads]
    # Rounding in the differences is about machine eps · |loss| / h: entries smaller than
    # this floor are compared in absolute terms, at a level far below any real error.
    floor = 1e-4 * max(1.0, abs(base))
    errors: dict[str, float] = {}
    for (name, p), g in zip(network.named_parameters(), analytic, strict=True):
        flat = p.ravel()
        numeric = np.empty(p.size)
        for i in range(p.size):
            old = flat[i]
            h = eps * max(1.0, abs(old))
            values = []
            for k in (-2, -1, 1, 2):
                flat[i] = old + k * h
                values.append(evaluate())
            flat[i] = old
            # Five-point stencil: truncation error O(h⁴), so h can stay large enough
            # that rounding (≈ machine eps · |loss| / h) is negligible.
            numeric[i] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h)
        g = g.ravel()
        scale = np.maximum(np.maximum(np.abs(g), np.abs(numeric)), floor)
        errors[name] = float(np.max(np.abs(g - numeric) / scale)) if p.size else 0.0
    evaluate()
    network.set_buffers(saved_buffers)
    return errors
