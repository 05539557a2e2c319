"""Seconds per epoch of a batch-normalized ELU network: mlplab's kernels, its NumPy path, PyTorch.

The network of ``mlplab train``'s defaults on a table of 30 numeric columns: 30 → 128 → 64
→ 3, each hidden layer Dense → BatchNorm → ELU, softmax cross-entropy, Adam (lr 1e-3),
shuffled mini-batches of 64, float32 data. mlplab runs through ``MLPClassifier`` (as the
CLI does) with the compiled kernels (batch norm fused with the activation after it) and
with ``MLPLAB_JIT=0``'s NumPy path (the same weights bit for bit); PyTorch (CPU) runs the
same layers (``BatchNorm1d``, ``ELU``) with manual batching. scikit-learn has no batch
norm or ELU. One BLAS thread for all (what ``mlplab train`` uses for networks this
size), implementations interleaved in each repeat; medians. Ratios are ``other /
mlplab``: above 1, mlplab's kernels are faster.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_batchnorm.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_batchnorm.py \\
        --rows 155000 --epochs 2 --repeats 3
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy and PyTorch load their BLAS

import numpy as np
from threadpoolctl import threadpool_limits

HIDDEN = (128, 64)
BATCH = 64
LEARNING_RATE = 1e-3


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=40_000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    return p.parse_args()


def make_data(rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 30)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    return X, y


def fit_mlplab(X, y, epochs, seed, jit: bool) -> float:
    from sklearn.exceptions import ConvergenceWarning

    from mlplab import MLPClassifier, _kernels

    est = MLPClassifier(
        hidden_layer_sizes=HIDDEN, activation="elu", batch_norm=True, batch_size=BATCH,
        learning_rate_init=LEARNING_RATE, max_iter=epochs, n_iter_no_change=np.inf,
        random_state=seed,
    )  # fmt: skip
    with _kernels.jit(jit), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the point
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start


def fit_torch(X, y, epochs, seed) -> float:
    import torch

    torch.manual_seed(seed)
    widths = [X.shape[1], *HIDDEN]
    layers: list = []
    for a, b in itertools.pairwise(widths):
        layers += [torch.nn.Linear(a, b), torch.nn.BatchNorm1d(b), torch.nn.ELU()]
    layers.append(torch.nn.Linear(widths[-1], int(y.max()) + 1))
    model = torch.nn.Sequential(*layers)
    criterion = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    start = time.perf_counter()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    n = Xt.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for i in range(0, n - 1, BATCH):  # BatchNorm1d refuses a last batch of one row
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss = criterion(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)  # the epoch loss, as the estimators keep it
    return time.perf_counter() - start


def main() -> None:
    args = _parse()
    X, y = make_data(args.rows)
    fits = {
        "mlplab": lambda e, s: fit_mlplab(X, y, e, s, True),
        "mlplab MLPLAB_JIT=0": lambda e, s: fit_mlplab(X, y, e, s, False),
    }
    try:
        import torch

        torch.set_num_threads(1)
        fits["torch"] = lambda e, s: fit_torch(X, y, e, s)
    except ImportError:
        print("PyTorch is not installed: mlplab's two paths only")
    times: dict[str, list[float]] = {name: [] for name in fits}
    with threadpool_limits(limits=1):
        for fit in fits.values():  # untimed warm-up: imports, kernels, first touch
            fit(1, 0)
        for r in range(args.repeats):
            for name, fit in fits.items():
                times[name].append(fit(args.epochs, r) / args.epochs)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"{args.rows} × 30 float32, 30-128-64-3 (Dense, BatchNorm, ELU), batch {BATCH}, "
          f"Adam, 1 thread; medians of {args.repeats} fits of {args.epochs} epochs")  # fmt: skip
    print("| implementation | s/epoch | ratio to mlplab | per fit |")
    print("|---|---:|---:|---|")
    for name, ts in times.items():
        per_fit = ", ".join(f"{t:.3g}" for t in ts)
        print(f"| {name} | {med[name]:.3g} | {med[name] / med['mlplab']:.2f} | {per_fit} |")


if __name__ == "__main__":
    main()
