"""Extra peak memory of fitting mlplab on 200 000 × 784 float32 data (≈ 627 MB).

The data set must never be copied: mini-batches are gathered from it one at a time
into reused buffers. This script creates the data, then measures with tracemalloc
(NumPy reports its allocations to it) the peak of everything allocated *during*
``Trainer.fit``: validation, the network's buffers, the optimizer state and the
batches. It prints that peak next to the size of the data.

One full epoch by default (1 563 batches of 128; about a minute on one core); use
``--epochs`` / ``--n-samples`` to change it. The network is the "wide" benchmark's
(hidden (256, 128), 10 classes, Adam, softmax cross-entropy, shuffled batches).

Usage::

    python benchmarks/bench_memory.py [--n-samples 200000] [--epochs 1] [--batch 128]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from mlplab import mlp
from mlplab.training import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=200_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n_samples, 784), dtype=np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, args.n_samples)]
    net = mlp([784, 256, 128, 10], "relu", "softmax", dtype=np.float32, random_state=0)
    trainer = Trainer(
        "categorical_crossentropy",
        "adam",
        learning_rate=1e-3,
        epochs=args.epochs,
        batch_size=args.batch,
        random_state=0,
    )
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    start = time.perf_counter()
    trainer.fit(net, X, Y)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    extra = peak - before
    data = X.nbytes + Y.nbytes
    print(f"data (X + one-hot y): {data / 2**20:8.1f} MiB")
    print(
        f"extra peak during fit: {extra / 2**20:8.1f} MiB  ({100 * extra / data:.2f}% of the data)"
    )
    print(f"{args.epochs} epoch(s) in {seconds:.1f} s")
    if extra >= 0.1 * data:
        raise SystemExit("FAIL: fitting allocated more than 10% of the data's size")
    print("OK: the data set was not copied")


if __name__ == "__main__":
    main()
