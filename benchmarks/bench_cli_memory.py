"""Peak memory (RSS) of ``mlplab train`` and ``mlplab predict`` on a 200 000 × 30 CSV.

The script writes a CSV of 200 000 rows × 30 random numeric features and a 3-class
``label`` column (about 55 MB), then runs, each in a fresh Python process, and reads that
process's peak resident set size (``ru_maxrss``):

- ``idle``: the interpreter with what both commands load before they read any data
  (``import mlplab.cli, mlplab.tabular, mlplab.estimators, pandas``: the command's own
  modules, the preprocessing's scikit-learn modules, the estimators and pandas;
  ``import mlplab`` alone loads none of them), and nothing else: the baseline;
- ``pandas.read_csv``: pandas' own one-shot read of the file, for comparison;
- ``mlplab train --data FILE --target label --epochs 2``, and the same with
  ``--figures none`` (matplotlib's import alone is about 26 MiB);
- ``mlplab predict --model RUN --data FILE --output OUT.csv``;
- ``mlplab train`` on the first 100 rows of the same table: what the command costs
  whatever the data (its code, scikit-learn's modules, Numba and the compiled kernels
  its fit loads); and ``mlplab train`` with ``MLPLAB_JIT=0`` (no kernels, no Numba).

It prints each peak and how far above the idle baseline it is, in units of the data's
float32 size (200 000 × 30 × 4 bytes = 22.9 MiB), and for ``train`` also how far above
the same command on 100 rows. The target is under 3× for both commands.

Usage::

    python benchmarks/bench_cli_memory.py [--rows 200000] [--cols 30] [--epochs 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_MEASURE = """
import resource, sys
{body}
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mib(body: str) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of a fresh Python process running `body`."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(body=body)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"measurement failed:\n{proc.stdout}\n{proc.stderr}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("MAXRSS_KB")][-1]
    return int(line.split()[1]) / 1024, seconds


def write_csv(path: Path, rows: int, cols: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, cols)).astype(np.float32)
    label = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    header = ",".join([*(f"x{j}" for j in range(cols)), "label"])
    with path.open("w") as fh:
        fh.write(header + "\n")
        block = 20_000
        for start in range(0, rows, block):
            part = X[start : start + block]
            lines = [
                ",".join(f"{v:.6g}" for v in row) + f",{y}"
                for row, y in zip(part, label[start : start + block], strict=True)
            ]
            fh.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "table.csv"
        write_csv(data, args.rows, args.cols)
        float32_mib = args.rows * args.cols * 4 / 2**20
        print(
            f"data: {args.rows} × {args.cols} numeric + label, CSV {data.stat().st_size / 1e6:.0f}"
            f" MB, float32 size {float32_mib:.1f} MiB"
        )
        runs = Path(tmp) / "runs"
        train = [
            "train", "--data", str(data), "--target", "label",
            "--epochs", str(args.epochs), "--out", str(runs),
        ]  # fmt: skip
        quiet = [*train[:-1], str(runs) + "-quiet", "--figures", "none"]
        small = Path(tmp) / "small.csv"
        with data.open() as src, small.open("w") as dst:
            dst.writelines(line for _, line in zip(range(101), src, strict=False))
        fixed = [*quiet[:2], str(small), *quiet[3:-3], str(runs) + "-small", *quiet[-2:]]
        no_jit = [*quiet[:-3], str(runs) + "-nojit", *quiet[-2:]]
        cases = [
            (
                "idle (import mlplab.cli, mlplab.tabular, mlplab.estimators, pandas)",
                "import mlplab.cli, mlplab.tabular, mlplab.estimators, pandas",
            ),
            ("pandas.read_csv", f"import mlplab, pandas; pandas.read_csv({str(data)!r})"),
            (
                f"mlplab train --epochs {args.epochs}",
                f"from mlplab.cli import main; rc = main({train!r}); assert rc == 0, rc",
            ),
            (
                f"mlplab train --epochs {args.epochs} --figures none",
                f"from mlplab.cli import main; rc = main({quiet!r}); assert rc == 0, rc",
            ),
            (
                "mlplab train --figures none, on 100 rows",
                f"from mlplab.cli import main; rc = main({fixed!r}); assert rc == 0, rc",
            ),
            (
                f"MLPLAB_JIT=0 mlplab train --epochs {args.epochs} --figures none",
                "import os; os.environ['MLPLAB_JIT'] = '0'\n"
                f"from mlplab.cli import main; rc = main({no_jit!r}); assert rc == 0, rc",
            ),
        ]
        results = []
        for name, body in cases:
            results.append((name, *peak_rss_mib(body)))
        (run,) = runs.iterdir()
        predict = [
            "predict", "--model", str(run), "--data", str(data),
            "--output", str(Path(tmp) / "out.csv"),
        ]  # fmt: skip
        body = f"from mlplab.cli import main; rc = main({predict!r}); assert rc == 0, rc"
        results.append(("mlplab predict", *peak_rss_mib(body)))
        n_out = sum(1 for _ in (Path(tmp) / "out.csv").open()) - 1
        assert n_out == args.rows, f"predict wrote {n_out} rows"

    idle = results[0][1]
    fixed_mib = next(mib for name, mib, _ in results if name.endswith("on 100 rows"))
    print()
    print(
        "| command | peak RSS (MiB) | above idle (MiB) | above idle / float32 data "
        "| above train on 100 rows / float32 data | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, mib, seconds in results:
        above = mib - idle
        ratio = "—" if name.startswith("idle") else f"{above / float32_mib:.2f}×"
        full_train = name.startswith("mlplab train --epochs")
        over_fixed = f"{(mib - fixed_mib) / float32_mib:.2f}×" if full_train else "—"
        print(f"| {name} | {mib:.0f} | {above:.0f} | {ratio} | {over_fixed} | {seconds:.1f} |")
    print(f"\ntarget: under 3× = {3 * float32_mib:.0f} MiB above idle; cpus: {os.cpu_count()}")


if __name__ == "__main__":
    main()
