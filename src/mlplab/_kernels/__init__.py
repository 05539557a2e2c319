"""Compiled kernels for the fast path (Numba), and the switch that turns them off.

The NumPy code of :mod:`mlplab.activations`, :mod:`mlplab.losses`,
:mod:`mlplab.optimizers`, :mod:`mlplab.layers` and :mod:`mlplab.network` is the readable
definition of every operation: the reference path. The kernels in this package compute
the same things on the fast path in fewer passes over memory and fewer calls, each
beside a comment naming the reference it replaces:

* :mod:`mlplab._kernels._optimizers` — every optimizer's update in one pass (in
  parallel above a size);
* :mod:`mlplab._kernels._activations` — a Dense layer's bias add fused with the
  activation that follows it, and the activation's backward;
* :mod:`mlplab._kernels._losses` — the softmax and sigmoid cross-entropies, value and
  gradient row by row;
* :mod:`mlplab._kernels._batchnorm` — batch normalization's training forward and
  backward in two passes each, fused with the activation after it;
* :mod:`mlplab._kernels._batches` — the mini-batch gather;
* :mod:`mlplab._kernels._small` — every step of an epoch of a small network (gather,
  forward, backward, update) in one call.

Elementwise kernels give the reference's bits: they do its operations in its order on
the same types (no ``fastmath``, no fused multiply-add), sum in NumPy's order where they
sum, and leave the transcendental functions (exp, log, log1p, expm1, tanh, erfc) to the
very NumPy and SciPy calls the reference makes: on a CPU with AVX-512, NumPy's own SIMD
versions of them round differently from the C library's that Numba calls in 5 to 40 % of
the entries. The whole-step kernel of :mod:`mlplab._kernels._small` does its own matrix
products and transcendentals: it agrees with the reference to rounding (see that module).

Environment
-----------
``MLPLAB_JIT=0``
    Train through the NumPy fast path only, as before the kernels existed (the same
    weights as the reference path, bit for bit). Read each time a fit plans its steps;
    :func:`jit` overrides it within a block.
``NUMBA_CACHE_DIR``
    Where Numba keeps compiled kernels (``cache=True``). Unset, they go next to this
    package's sources, or, when that folder is read-only, to a user folder (see
    :func:`cache_dir`).
``NUMBA_THREADING_LAYER``, ``NUMBA_NUM_THREADS``
    Respected when set; see :mod:`mlplab._kernels._numba` for the defaults chosen.

Numba is imported, and kernels compiled, only when a fit first needs them: importing
mlplab, or training with ``MLPLAB_JIT=0``, never loads it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["ENV", "cache_dir", "enabled", "jit"]

#: The environment variable that turns the kernels off (``"0"``).
ENV = "MLPLAB_JIT"

# Set by jit(): None follows the environment.
_override: list[bool] = []


def enabled() -> bool:
    """Whether fits take the compiled kernels: ``MLPLAB_JIT`` is not ``"0"`` (or :func:`jit`).

    Returns
    -------
    bool
        False also when Numba cannot be imported.
    """
    if _override:
        wanted = _override[-1]
    else:
        wanted = os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")
    return wanted and _numba_available()


@contextlib.contextmanager
def jit(enabled: bool = True) -> Iterator[None]:
    """Within the block, fits take the kernels (or not), whatever ``MLPLAB_JIT`` says.

    The choice is read when a run plans its steps (``Trainer.fit`` or ``start``), so
    one process can train through both paths::

        with jit(False):
            trainer.fit(net, X, y)   # the NumPy fast path

    Parameters
    ----------
    enabled : bool
        Take the kernels inside the block.
    """
    _override.append(bool(enabled))
    try:
        yield
    finally:
        _override.pop()


def cache_dir() -> str | None:
    """Where compiled kernels are kept: ``NUMBA_CACHE_DIR``, or None for Numba's default.

    Numba's default is a ``__pycache__`` folder beside this package's sources. When
    that folder cannot be written (a system-wide install) and the user has not chosen a
    folder, :mod:`mlplab._kernels._numba` sets ``NUMBA_CACHE_DIR`` to ``mlplab/numba`` in the user's
    cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``; ``%LOCALAPPDATA%`` on Windows)
    before it imports Numba, and this returns it.

    Returns
    -------
    str or None
    """
    return os.environ.get("NUMBA_CACHE_DIR") or None


def _numba_available() -> bool:
    global _AVAILABLE
    if _AVAILABLE is None:
        import importlib.util

        _AVAILABLE = importlib.util.find_spec("numba") is not None
    return _AVAILABLE


_AVAILABLE: bool | None = None
