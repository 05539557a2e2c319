"""Where an epoch's time goes: each part of a fast-path step, beside the GEMM floor.

Trains the ``wide`` workload of ``bench_training.py`` (20 000 × 784 float32, hidden
(256, 128), 10 classes, batch 128, Adam; ``--workload small``: the digits one) through
mlplab's fast path with the compiled kernels, running each batch's parts one by one as
``Sequential.train_step`` and ``TrainingRun._steps`` do (same calls, same order, same
results) with a clock around
each: the gather, each Dense layer's product, the fused bias + activation, the loss,
the backward products and activation backward, the optimizer update. Epochs alternate
with an epoch of the floor (the same products alone on preallocated arrays, as in
``bench_training.py``), so both see the same machine. Per part: the 10th percentile
and the median over all batches of the measured epochs, in µs per batch.

``--clock cpu`` times the calling thread's CPU time (robust on a loaded machine, only
meaningful with ``--threads 1``); ``wall`` (default) is the elapsed time.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_wide_parts.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_wide_parts.py \\
        --threads 1 --clock cpu --epochs 5
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import statistics
import time


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads")
    parser.add_argument("--epochs", type=int, default=4, help="measured epochs of each")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument(
        "--workload",
        choices=["wide", "small"],
        default="wide",
        help="wide (default), or small: the digits workload of bench_training.py",
    )
    return parser.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
from bench_training import WORKLOADS, make_data  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def _mlplab_run(X: np.ndarray, Y: np.ndarray, hidden: tuple[int, ...], batch: int):
    from mlplab import mlp
    from mlplab.training import Trainer

    widths = [X.shape[1], *hidden, Y.shape[1]]
    net = mlp(widths, "relu", "softmax", dtype=np.float32, random_state=0)
    trainer = Trainer("categorical_crossentropy", "adam", learning_rate=1e-3, epochs=10**6,
                      batch_size=batch, shuffle=True, random_state=0)  # fmt: skip
    run = trainer.start(net, X, Y)
    assert run.plan.kernels and run.plan.small is None, "not the path this measures"
    return run


def mlplab_epoch(run, X, Y, clock, acc) -> None:
    """One epoch of `run`, its parts timed into `acc` (name -> list of ns)."""
    from mlplab._kernels._batches import gather

    plan = run.plan.step
    steps = [f.__self__ for f in plan.forward]  # DenseActivation, ..., DenseLogits
    opt, params = run.optimizer, run._params
    run._open_epoch()
    order = run._order
    for start, stop, Xb, yb, _ in run._batches:
        t0 = clock()
        gather(X, Y, order[start:stop], Xb, yb)
        t1 = clock()
        acc["gather"].append(t1 - t0)
        x = Xb
        for i, step in enumerate(steps):
            t0 = clock()
            if hasattr(step, "family"):  # Dense + activation: product, then the kernel
                dense = step.dense
                if step._shape is None or step._shape[0] != x.shape[0]:
                    step._arrays(x.shape[0])
                dense._x = x
                np.matmul(x, dense.params[0], out=step.u)
                t1 = clock()
                step.family.forward(step.u, dense.params[1], step.y, step.t, step.k)
                step.activation._x, step.activation._y = None, step.y
                x = step.y
                acc[f"forward {i} bias+activation"].append(clock() - t1)
            else:
                x = step.forward(x)
                t1 = clock()
            acc[f"forward {i} x @ W"].append(t1 - t0)
        t0 = clock()
        value, delta = plan.loss_step(yb, x, None)
        acc["loss (+ last bias)"].append(clock() - t0)
        for i, step in zip(reversed(range(len(steps))), reversed(steps), strict=True):
            dense = step.dense
            if hasattr(step, "family"):
                t0 = clock()
                step.family.backward(delta, step.u, step.y, dense.grads[1], step.t, step.k)
                acc[f"backward {i} activation+bias"].append(clock() - t0)
            t0 = clock()
            np.matmul(dense._x.T, delta, out=dense.grads[0])
            acc[f"backward {i} xT @ delta"].append(clock() - t0)
            if dense.need_input_grad:
                t0 = clock()
                gin = dense._buffer("_gin", (delta.shape[0], dense.n_in))
                delta = np.matmul(delta, dense.params[0].T, out=gin)
                acc[f"backward {i} delta @ WT"].append(clock() - t0)
        t0 = clock()
        float(value)
        opt.step(params, plan.grads, run._lr)
        acc["optimizer update"].append(clock() - t0)


def floor_epoch(state, clock, acc) -> None:
    """The floor of ``bench_training.matmul_floor``, each product timed into `acc`."""
    Ws, sizes, bufs, dWs = state
    for b in sizes:
        acts, deltas = bufs[b]
        for i, W in enumerate(Ws):
            t0 = clock()
            np.matmul(acts[i], W, out=acts[i + 1])
            acc[f"forward {i} x @ W"].append(clock() - t0)
        for i in reversed(range(len(Ws))):
            t0 = clock()
            np.matmul(acts[i].T, deltas[i + 1], out=dWs[i])
            acc[f"backward {i} xT @ delta"].append(clock() - t0)
            if i > 0:
                t0 = clock()
                np.matmul(deltas[i + 1], Ws[i].T, out=deltas[i])
                acc[f"backward {i} delta @ WT"].append(clock() - t0)


def main() -> None:
    args = ARGS
    clock = time.thread_time_ns if args.clock == "cpu" else time.perf_counter_ns
    rng = np.random.default_rng(0)
    n, _, k, hidden, batch, _ = WORKLOADS[args.workload]
    X, labels = make_data(args.workload)
    Y = np.eye(k, dtype=np.float32)[labels]
    widths = [X.shape[1], *hidden, k]
    Ws = [rng.standard_normal((a, b), dtype=np.float32) for a, b in itertools.pairwise(widths)]
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    bufs = {
        b: tuple([rng.standard_normal((b, w), dtype=np.float32) for w in widths] for _ in "ad")
        for b in set(sizes)
    }
    state = (Ws, sizes, bufs, [np.empty_like(W) for W in Ws])
    with threadpool_limits(limits=args.threads):
        run = _mlplab_run(X, Y, hidden, batch)
        mlplab_epoch(run, X, Y, clock, collections.defaultdict(list))  # warm-up
        floor_epoch(state, clock, collections.defaultdict(list))
        parts, floor = collections.defaultdict(list), collections.defaultdict(list)
        epochs, floors = [], []
        for _ in range(args.epochs):
            t0 = clock()
            mlplab_epoch(run, X, Y, clock, parts)
            epochs.append(clock() - t0)
            t0 = clock()
            floor_epoch(state, clock, floor)
            floors.append(clock() - t0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.workload}, {args.threads} thread(s), {args.clock} clock, "
          f"{args.epochs} epochs each, load average {load:.1f}; µs per batch")  # fmt: skip
    print(f"{'part':32s} {'p10':>8s} {'median':>8s} | {'floor p10':>9s} {'median':>8s}")

    def q(v: list[int], p: float) -> float:
        return sorted(v)[int(p * (len(v) - 1))] / 1e3

    for name, times in parts.items():
        line = f"{name:32s} {q(times, 0.1):8.1f} {q(times, 0.5):8.1f}"
        if name in floor:
            line += f" | {q(floor[name], 0.1):9.1f} {q(floor[name], 0.5):8.1f}"
        print(line)
    products = [name for name in parts if name in floor]
    other = sum(q(parts[n], 0.1) for n in parts if n not in floor)
    print(
        f"products p10: mlplab {sum(q(parts[n], 0.1) for n in products):.0f}, "
        f"floor {sum(q(floor[n], 0.1) for n in products):.0f}; the rest p10: {other:.0f}"
    )
    e, f = statistics.median(epochs) / 1e6, statistics.median(floors) / 1e6
    ratio = statistics.median([a / b for a, b in zip(epochs, floors, strict=True)])
    print(f"epoch (parts timed) {e:.1f} ms, floor {f:.1f} ms, paired ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
