"""Overhead of the live training plot (mlplab.live.LivePlot) in a real Jupyter kernel.

Runs the same fits with and without a LivePlot, interleaved, in one fresh ipykernel of
this interpreter (driven by nbclient, as the course notebooks are), so that every
redraw is rendered to PNG and sent to the notebook as it is for a user. Prints, per
workload, the median seconds of a plain fit, of a fit followed by the same figure
drawn once (what one does without a live plot), and of a fit with a LivePlot, with the
overheads and the number of redraws.

Run: ``python benchmarks/bench_live.py [--repeats 3] [--threads 1]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETUP = """
import io, json, time, warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from mlplab import MLPClassifier, plotting
from mlplab.live import LivePlot, in_notebook

warnings.filterwarnings("ignore", category=ConvergenceWarning)
assert in_notebook()
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_val, y_val = X[1500:], y[1500:]
X, y = X[:1500], y[:1500]
WORKLOADS = {  # label: (estimator parameters, validation data, diagnostics panels)
    "64-100-10, batch 200, 150 epochs, validation": (
        dict(hidden_layer_sizes=(100,), batch_size=200, max_iter=150), True, False),
    "64-100-10, batch 32, 1000 epochs, validation": (
        dict(hidden_layer_sizes=(100,), batch_size=32, max_iter=1000, n_iter_no_change=1000),
        True, False),
    "64-100-10, batch 32, 600 epochs, diagnostics": (
        dict(hidden_layer_sizes=(100,), batch_size=32, max_iter=600, n_iter_no_change=1000,
             diagnostics=True),
        False, True),
}
plotting.plot_history({"loss": [1.0, 0.5]}).savefig(io.BytesIO(), format="png")  # warm up
"""

RUN = """
results = {}
for label, (params, validation, diagnostics) in WORKLOADS.items():
    times = {"plain": [], "figure after": [], "live": []}
    draws = []
    for repeat in range(REPEATS):
        for how in times:
            est = MLPClassifier(random_state=repeat, **params)
            plot = LivePlot(diagnostics=diagnostics, score_name="accuracy")
            if how == "live":
                est.set_params(callbacks=[plot])
            start = time.perf_counter()
            est.fit(X, y, validation_data=(X_val, y_val) if validation else None)
            if how == "figure after":  # what one draws without a live plot
                fig = plotting.plot_history(est, score_name="accuracy")
                fig.savefig(io.BytesIO(), format="png")
                if diagnostics:
                    flow = plotting.plot_gradient_flow(est.diagnostics_)
                    flow.savefig(io.BytesIO(), format="png")
            times[how].append(time.perf_counter() - start)
            if how == "live":
                draws.append(plot.draws)
    results[label] = {**times, "draws": draws}
print(json.dumps(results))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    # The kernel inherits these: fix the thread count before its NumPy loads a BLAS.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    src = str(ROOT / "src")
    os.environ["PYTHONPATH"] = os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])

    import statistics

    import nbformat
    from nbclient import NotebookClient

    spec = importlib.util.spec_from_file_location("build", ROOT / "notebooks" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)

    cells = [textwrap.dedent(SETUP), textwrap.dedent(RUN.replace("REPEATS", str(args.repeats)))]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    with tempfile.TemporaryDirectory() as folder:
        NotebookClient(
            nb,
            timeout=3600,
            kernel_name="python3",
            kernel_manager_class=build.NativeKernelManager,
            resources={"metadata": {"path": folder}},
        ).execute()
    out = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.get("name") == "stdout")
    results = json.loads(out.strip().splitlines()[-1])
    print(
        "| workload | fit s | fit + one figure after s | fit with LivePlot s "
        "| overhead vs fit | vs fit + figure | redraws | ms per redraw on the way |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, r in results.items():
        plain, after, live = (statistics.median(r[k]) for k in ("plain", "figure after", "live"))
        draws = statistics.median(r["draws"])
        # The last drawing is the figure one would draw anyway; the others are the cost.
        per_draw = f"{1000 * (live - after) / (draws - 1):.0f}" if draws > 1 else "-"
        print(
            f"| {label} | {plain:.2f} | {after:.2f} | {live:.2f} "
            f"| {100 * (live / plain - 1):+.0f}% | {100 * (live / after - 1):+.0f}% "
            f"| {draws:g} | {per_draw} |"
        )
    print("raw:", json.dumps(results), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
