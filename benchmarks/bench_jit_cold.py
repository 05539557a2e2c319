"""The first fit on an empty Numba cache against a warm one: what the compilation costs.

Each measurement is a fresh Python process (``subprocess``), so that nothing compiled
stays in memory: ``cold`` uses a new, empty ``NUMBA_CACHE_DIR``; ``warm`` reuses the
folder the cold run filled (what every later process on the machine sees). Both time
the same fits with ``time.perf_counter`` around ``Trainer.fit`` only (imports are
outside): the difference is compilation and cache loading. ``MLPLAB_JIT=0`` is shown
for reference.

Three workloads, each measured on its own empty cache: ``digits`` (the usual fit: fused
steps, the fused loss, Adam's kernel), ``tiny`` (a small net that takes the whole-step
kernel) and ``both`` (the two fits one after the other in one process, the stricter
figure: what a first session that runs both kinds of fit compiles).

Usage::

    python benchmarks/bench_jit_cold.py                 # all three workloads
    python benchmarks/bench_jit_cold.py --repeats 5 --workloads both
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent(
    """
    import sys
    import time
    import numpy as np
    from sklearn.datasets import load_digits
    from mlplab import mlp
    from mlplab.training import Trainer

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[y]
    workload = sys.argv[1]
    start = time.perf_counter()
    if workload in ("digits", "both"):  # the usual fit: fused steps, fused loss, Adam's kernel
        net = mlp([64, 100, 10], "relu", "softmax", dtype=np.float32, random_state=0)
        Trainer("categorical_crossentropy", "adam", epochs=2, batch_size=200).fit(net, X, Y)
    if workload in ("tiny", "both"):  # a tiny net: the whole-step kernel
        tiny = mlp([64, 16, 10], "relu", "softmax", dtype=np.float32, random_state=0)
        trainer = Trainer("categorical_crossentropy", "adam", epochs=2, batch_size=4)
        trainer.fit(tiny, X[:40], Y[:40])
    print(time.perf_counter() - start)
    """
)


def _run(env: dict[str, str], workload: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, workload],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=("digits", "tiny", "both"),
        default=["digits", "tiny", "both"],
    )
    args = parser.parse_args()
    for workload in args.workloads:
        _measure(workload, args.repeats)


def _measure(workload: str, repeats: int) -> None:
    cold, warm, off = [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "MLPLAB_JIT": "1"}
            cold.append(_run(env, workload))
            warm.append(_run(env, workload))
        off.append(_run({**os.environ, "MLPLAB_JIT": "0"}, workload))
    med = {k: statistics.median(v) for k, v in (("cold", cold), ("warm", warm), ("off", off))}
    print(f"{workload}: seconds of the fits (median of {repeats} fresh processes):")
    print(f"  cold cache {med['cold']:.2f}   warm cache {med['warm']:.2f}   "
          f"MLPLAB_JIT=0 {med['off']:.2f}")  # fmt: skip
    print(f"  first fit on an empty cache: {med['cold'] - med['warm']:.2f} s slower than warm")
    print("  per run: cold " + ", ".join(f"{t:.2f}" for t in cold)
          + "; warm " + ", ".join(f"{t:.2f}" for t in warm))  # fmt: skip


if __name__ == "__main__":
    main()
