"""Seconds per epoch of the same MLP trained by mlplab, scikit-learn and PyTorch (CPU).

Every implementation trains the same architecture (ReLU hidden layers, softmax
cross-entropy, Adam with rate 1e-3, no weight penalty, a new shuffle each epoch) on the
same float32 data, for a fixed number of epochs, with the same number of BLAS/OpenMP
threads. Each fit is repeated and the median time per epoch is reported, with the
ratios "other / mlplab" (above 1: mlplab is faster).

The "floor" column times only the matrix products an epoch must do at its exact batch
shapes (forward ``X @ W`` per layer, backward ``Xᵀ δ`` per layer and ``δ Wᵀ`` for all
but the first layer), on preallocated float32 arrays: no implementation can beat it.

Usage::

    python benchmarks/bench_training.py                      # all workloads, 2 threads
    python benchmarks/bench_training.py --workloads tiny small --repeats 5
    python benchmarks/bench_training.py --workloads wide --epochs 2 --repeats 3 --threads 1

The thread count is set through environment variables before NumPy, SciPy or PyTorch
are imported, then enforced again with threadpoolctl and ``torch.set_num_threads``.
Each timed fit comes after a short idle and one untimed epoch of the same
implementation (:data:`SETTLE`), so that no implementation is timed while the threads
of the one before it still spin.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
import warnings

WORKLOADS = {
    # name: (n_samples, n_features, n_classes, hidden, batch, default epochs)
    "wide": (20_000, 784, 10, (256, 128), 128, 2),
    "small": (1_797, 64, 10, (100,), 200, 20),
    "tiny": (4, 2, 2, (8,), 4, 2_000),
}
LEARNING_RATE = 1e-3
#: Seconds of idle before each timed fit, then a one-epoch untimed fit of the same
#: implementation. Threads that spin-wait after a library's last parallel call (PyTorch's
#: OpenMP team, OpenBLAS's worker for about 0.1 s) would otherwise still hold the CPUs
#: while the next implementation's fit is timed: on two cores, mlplab's digits epochs
#: right after a PyTorch fit took 2.5× their time for the first 10 ms, and PyTorch's
#: right after scikit-learn's took 1.8×. The untimed epoch then starts the timed fit in
#: its own steady state (its own threads awake, its caches warm), as later epochs are.
SETTLE = 0.25


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=3, help="fits per implementation")
    parser.add_argument("--threads", type=int, default=2, help="BLAS / OpenMP threads for all")
    parser.add_argument(
        "--epochs", type=int, default=None, help="epochs per fit (default: per workload)"
    )
    parser.add_argument(
        "--only", nargs="+", choices=["mlplab", "sklearn", "torch", "floor"], default=None
    )
    return parser.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:
    # Must happen before NumPy/OpenBLAS, MKL or PyTorch read them at import time.
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    ):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


# -- data -------------------------------------------------------------------------------
def make_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """float32 inputs and integer labels of a workload."""
    n, d, k, _, _, _ = WORKLOADS[name]
    if name == "tiny":
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
        return X, np.array([0, 1, 1, 0])
    if name == "small":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return (X / 16.0).astype(np.float32), y
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d), dtype=np.float32)
    return X, rng.integers(0, k, n)


# -- the implementations ----------------------------------------------------------------
def fit_mlplab(X, y, hidden, batch, epochs, seed):
    from mlplab import mlp
    from mlplab.training import Trainer

    k = int(y.max()) + 1
    Y = np.eye(k, dtype=np.float32)[y]
    net = mlp([X.shape[1], *hidden, k], "relu", "softmax", dtype=np.float32, random_state=seed)
    trainer = Trainer(
        "categorical_crossentropy",
        "adam",
        learning_rate=LEARNING_RATE,
        epochs=epochs,
        batch_size=batch,
        shuffle=True,
        random_state=seed,
    )
    start = time.perf_counter()
    trainer.fit(net, X, Y)
    return time.perf_counter() - start


def fit_sklearn(X, y, hidden, batch, epochs, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=batch,
        learning_rate_init=LEARNING_RATE,
        max_iter=epochs,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X, y)
        elapsed = time.perf_counter() - start
    assert clf.n_iter_ == epochs, clf.n_iter_
    return elapsed


def fit_torch(X, y, hidden, batch, epochs, seed):
    import torch

    torch.manual_seed(seed)
    k = int(y.max()) + 1
    widths = [X.shape[1], *hidden]
    layers: list = []
    for a, b in itertools.pairwise(widths):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(widths[-1], k))
    model = torch.nn.Sequential(*layers)
    criterion = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    start = time.perf_counter()
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y.astype(np.int64))
    n = Xt.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for i in range(0, n, batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = criterion(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            # the epoch's training loss, as mlplab and scikit-learn report it
            total += loss.item() * len(idx)
    return time.perf_counter() - start


def matmul_floor(X, y, hidden, batch, epochs, seed):
    """Seconds of one epoch's matrix products only, times `epochs` (comparable to a fit)."""
    n, d = X.shape
    k = int(y.max()) + 1
    widths = [d, *hidden, k]
    rng = np.random.default_rng(seed)
    f32 = np.float32
    Ws = [rng.standard_normal((a, b), dtype=f32) for a, b in itertools.pairwise(widths)]
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    bufs = {}
    for b in set(sizes):
        acts = [rng.standard_normal((b, w), dtype=f32) for w in widths]
        deltas = [rng.standard_normal((b, w), dtype=f32) for w in widths]
        bufs[b] = (acts, deltas)
    dWs = [np.empty_like(W) for W in Ws]
    start = time.perf_counter()
    for _ in range(epochs):
        for b in sizes:
            acts, deltas = bufs[b]
            for i, W in enumerate(Ws):  # forward: a_{i+1} = a_i @ W_i
                np.matmul(acts[i], W, out=acts[i + 1])
            for i in reversed(range(len(Ws))):  # backward
                np.matmul(acts[i].T, deltas[i + 1], out=dWs[i])
                if i > 0:
                    np.matmul(deltas[i + 1], Ws[i].T, out=deltas[i])
    return time.perf_counter() - start


IMPLEMENTATIONS = {
    "mlplab": fit_mlplab,
    "sklearn": fit_sklearn,
    "torch": fit_torch,
    "floor": matmul_floor,
}


def main() -> None:
    args = ARGS
    threads = args.threads
    names = list(args.only or IMPLEMENTATIONS)
    try:
        import torch

        torch.set_num_threads(threads)
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        if "torch" in names:
            names.remove("torch")
    import sklearn

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, torch {torch_version}; "
        f"{os.cpu_count()} CPUs, {threads} thread(s); medians of {args.repeats} fits"
    )
    rows = []
    with threadpool_limits(limits=threads):
        for wl in args.workloads:
            hidden, batch, default_epochs = WORKLOADS[wl][3:]
            epochs = args.epochs or default_epochs
            X, y = make_data(wl)
            times: dict[str, list[float]] = {name: [] for name in names}
            for name in names:  # one untimed warm-up fit (imports, first-touch, caches)
                IMPLEMENTATIONS[name](X, y, hidden, batch, min(epochs, 2), 0)
            for r in range(args.repeats):
                # interleave implementations so that machine noise hits all alike
                for name in names:
                    time.sleep(SETTLE)
                    IMPLEMENTATIONS[name](X, y, hidden, batch, 1, r)
                    t = IMPLEMENTATIONS[name](X, y, hidden, batch, epochs, r)
                    times[name].append(t / epochs)
            med = {name: statistics.median(ts) for name, ts in times.items()}
            rows.append((wl, epochs, med, times))
            _print_rows([rows[-1]], names)
            for name, ts in times.items():
                print(f"    {name} s/epoch per fit: " + ", ".join(f"{t:.3g}" for t in ts))
            sys.stdout.flush()
    print()
    print("Summary (seconds per epoch, medians; ratio = other / mlplab):")
    _print_rows(rows, names, markdown=True)


def _print_rows(rows, names, markdown=False) -> None:
    head = ["workload", "epochs", *[f"{n} s/epoch" for n in names]]
    others = [n for n in names if n != "mlplab"]
    if "mlplab" in names:
        head += [f"{n}/mlplab" for n in others]
    lines = [head]
    for wl, epochs, med, _ in rows:
        line = [wl, str(epochs), *[f"{med[n]:.3g}" for n in names]]
        if "mlplab" in names:
            line += [f"{med[n] / med['mlplab']:.2f}" for n in others]
        lines.append(line)
    if markdown:
        print("| " + " | ".join(lines[0]) + " |")
        print("|" + "---|" * len(lines[0]))
        for line in lines[1:]:
            print("| " + " | ".join(line) + " |")
    else:
        for line in lines:
            print("  ".join(f"{c:>16}" for c in line))


if __name__ == "__main__":
    main()
