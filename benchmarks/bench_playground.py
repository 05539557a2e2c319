"""Benchmark of the playground server: training speed while a page polls its state.

Starts the app with uvicorn on a free loopback port, configures a 4-4 network on 500
points (the circle, tanh, SGD, batch size 10), presses play and polls
``/api/session/{id}/state`` (with neuron thumbnails) as fast as a page would, at a target
of 12 Hz, for a few seconds. Prints the epochs per second and the poll rate achieved,
and the poll latency. Target from the issue: at least 20 epochs/s with at least 10
refreshes/s.

Run: ``python benchmarks/bench_playground.py [--seconds 5] [--batch-size 10]``
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time

import httpx
import uvicorn

from mlplab.playground.app import create_app


def run(seconds: float, batch_size: int, hz: float) -> dict[str, float]:
    """Measure for `seconds`; return epochs/s, polls/s and latency percentiles (ms)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}/api/session/benchmark-session"
    config = {
        "dataset": "circle",
        "n_samples": 500,
        "hidden": [4, 4],
        "activations": ["tanh", "tanh"],
        "batch_size": batch_size,
    }
    try:
        with httpx.Client(timeout=10) as client:
            client.post(f"{base}/config", json=config).raise_for_status()
            client.post(f"{base}/control", json={"action": "play"}).raise_for_status()
            latencies = []
            start = time.perf_counter()
            first_epoch = None
            epoch = 0
            while (now := time.perf_counter()) - start < seconds:
                t0 = time.perf_counter()
                state = client.get(f"{base}/state", params={"thumbs": 1, "data_version": 1})
                state.raise_for_status()
                latencies.append(time.perf_counter() - t0)
                epoch = state.json()["epoch"]
                if first_epoch is None:
                    first_epoch, start = epoch, time.perf_counter()
                    latencies.clear()
                    continue
                time.sleep(max(0.0, 1.0 / hz - (time.perf_counter() - now)))
            elapsed = time.perf_counter() - start
            client.post(f"{base}/control", json={"action": "pause"})
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    lat = sorted(latencies)
    return {
        "epochs_per_s": (epoch - (first_epoch or 0)) / elapsed,
        "polls_per_s": len(latencies) / elapsed,
        "latency_median_ms": 1000 * statistics.median(lat),
        "latency_p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--hz", type=float, default=12.0, help="target poll rate")
    args = parser.parse_args()
    r = run(args.seconds, args.batch_size, args.hz)
    print(
        f"4-4 network, 500 points (250 for training), batch size {args.batch_size}:\n"
        f"  {r['epochs_per_s']:.1f} epochs/s (target >= 20)\n"
        f"  {r['polls_per_s']:.1f} state polls/s (target >= 10), "
        f"latency median {r['latency_median_ms']:.1f} ms, p95 {r['latency_p95_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
