"""Overhead of recording per-layer diagnostics, as a fraction of an epoch.

Trains the same digits-sized networks with and without the
:class:`mlplab.diagnostics.Diagnostics` callback, interleaved, and prints the median
seconds per epoch of each and the overhead. The lab's aim is under 10% of an epoch.

Run: ``python benchmarks/bench_diagnostics.py [--repeats 5] [--epochs 20] [--threads 1]``
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    # Thread count must be fixed before NumPy loads its BLAS.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import time

    import numpy as np
    from sklearn.datasets import load_digits

    from mlplab.diagnostics import Diagnostics
    from mlplab.network import mlp
    from mlplab.training import Trainer

    X, labels = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[labels]
    configs = {
        "64-100-10 relu, batch 200": ((64, 100, 10), "relu", 200),
        "64-256-256-10 relu, batch 200": ((64, 256, 256, 10), "relu", 200),
        "64-100-10 tanh, batch 32": ((64, 100, 10), "tanh", 32),
    }
    print("| network | plain s/epoch | with diagnostics s/epoch | overhead |")
    print("|---|---|---|---|")
    for label, (sizes, act, batch) in configs.items():
        times: dict[bool, list[float]] = {False: [], True: []}
        for repeat in range(args.repeats):
            for with_diag in (False, True):
                net = mlp(sizes, act, "softmax", dtype=np.float32, random_state=repeat)
                callbacks = [Diagnostics()] if with_diag else []
                trainer = Trainer(
                    "categorical_crossentropy",
                    "adam",
                    epochs=args.epochs,
                    batch_size=batch,
                    callbacks=callbacks,
                    random_state=repeat,
                )
                start = time.perf_counter()
                trainer.fit(net, X, y)
                times[with_diag].append((time.perf_counter() - start) / args.epochs)
        plain, diag = (float(np.median(times[k])) for k in (False, True))
        print(f"| {label} | {plain:.4g} | {diag:.4g} | {100 * (diag / plain - 1):+.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
