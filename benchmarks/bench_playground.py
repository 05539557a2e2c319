"""Benchmark of the playground server: training speed and how fast it answers under load.

The server runs in its own process (``python -m mlplab.playground``), as in a classroom;
this script plays the browser tabs.

1. *Light*: one 4-4 tanh network on the circle (500 points, batch size 10) plays while
   its page polls the state (thumbnails included) at 12 Hz. Epochs per second and the
   poll latency.
2. *Six heavy*: six tabs train 8 hidden layers of 16 ReLU units on 2000 points
   (1000 for training) with batch size 1, each polling its state at 12 Hz like a page. A
   seventh client meanwhile loads ``GET /`` and one heavy session's ``/state`` five times
   a second and times them. The issue's target: well under 100 ms while they train.

Run: ``python benchmarks/bench_playground.py [--seconds 8] [--workers 1 2]``
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

HEAVY = {
    "dataset": "spiral",
    "n_samples": 2000,
    "hidden": [16] * 8,
    "activations": ["relu"] * 8,
    "batch_size": 1,
    "learning_rate": 0.001,
    "optimizer": "adam",
}
LIGHT = {"dataset": "circle", "n_samples": 500, "hidden": [4, 4], "activations": ["tanh"] * 2}


_EPOCH = re.compile(rb'"epoch":(\d+)')
_REVISION = re.compile(rb'"revision":(\d+)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The playground in a subprocess, on a free loopback port."""

    def __init__(self, workers: int | None, src: Path | None = None) -> None:
        self.port = _free_port()
        src = src or Path(__file__).resolve().parents[1] / "src"
        env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        args = ["--no-browser", "--port", str(self.port), "--max-sessions", "32"]
        if workers is not None:  # None: a checkout from before the option
            args += ["--workers", str(workers)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mlplab.playground", *args], env=env, stdout=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/catalog", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.close()
        raise RuntimeError("the playground server did not start")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _start(client: httpx.Client, url: str, sid: str, config: dict) -> None:
    client.post(f"{url}/api/session/{sid}/config", json=config).raise_for_status()
    client.post(f"{url}/api/session/{sid}/control", json={"action": "play"}).raise_for_status()


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    v = sorted(values)
    return 1000 * statistics.median(v), 1000 * v[int(0.95 * (len(v) - 1))], 1000 * v[-1]


def _poller(url: str, sid: str, hz: float, stop: threading.Event, out: dict) -> None:
    """A page: poll the state with thumbnails at `hz`, as the playground's page does."""
    latencies = []
    with httpx.Client(timeout=30) as client:
        version = client.get(f"{url}/api/session/{sid}/state").json()["data_version"]
        first = client.get(f"{url}/api/session/{sid}/state?thumbs=0").json()["epoch"]
        t_first = time.perf_counter()
        epoch, params = first, {"thumbs": 1, "data_version": version}
        while not stop.is_set():
            t0 = time.perf_counter()
            r = client.get(f"{url}/api/session/{sid}/state", params=params)
            latencies.append(time.perf_counter() - t0)
            # Only the epoch and revision, without parsing the whole answer: a browser
            # parses in its own process, while this script shares the CPUs with the server.
            head = r.content[:1000]
            if b'"unchanged"' not in head:
                epoch = int(_EPOCH.search(head).group(1))
                found = _REVISION.search(head)  # (a baseline may have no revisions)
                if found:
                    params["revision"] = int(found.group(1))
            time.sleep(max(0.0, 1.0 / hz - (time.perf_counter() - t0)))
        elapsed = time.perf_counter() - t_first
    out[sid] = {"epochs_per_s": (epoch - first) / elapsed, "latencies": latencies,
                "polls_per_s": len(latencies) / elapsed}  # fmt: skip


def light(seconds: float, workers: int | None, src: Path | None = None) -> dict[str, float]:
    server = Server(workers, src)
    try:
        with httpx.Client(timeout=10) as client:
            _start(client, server.url, "light-session-0", LIGHT)
        stop, out = threading.Event(), {}
        t = threading.Thread(target=_poller, args=(server.url, "light-session-0", 12, stop, out))
        t.start()
        time.sleep(seconds)
        stop.set()
        t.join()
    finally:
        server.close()
    r = out["light-session-0"]
    med, p95, mx = _percentiles(r["latencies"])
    return {"epochs_per_s": r["epochs_per_s"], "polls_per_s": r["polls_per_s"],
            "state_median_ms": med, "state_p95_ms": p95, "state_max_ms": mx}  # fmt: skip


def six_heavy(
    seconds: float, workers: int | None, src: Path | None = None, n_heavy: int = 6
) -> dict[str, float]:
    server = Server(workers, src)
    sids = [f"heavy-session-{i}" for i in range(n_heavy)]
    try:
        with httpx.Client(timeout=30) as client:
            for i, sid in enumerate(sids):
                _start(client, server.url, sid, {**HEAVY, "seed": i + 1})
        stop, out = threading.Event(), {}
        pollers = [
            threading.Thread(target=_poller, args=(server.url, sid, 12, stop, out)) for sid in sids
        ]
        for t in pollers:
            t.start()
        time.sleep(1.0)  # everything running
        page, state = [], []
        with httpx.Client(timeout=30) as probe:
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                probe.get(f"{server.url}/").raise_for_status()
                t1 = time.perf_counter()
                probe.get(f"{server.url}/api/session/{sids[0]}/state?thumbs=1").raise_for_status()
                t2 = time.perf_counter()
                page.append(t1 - t0)
                state.append(t2 - t1)
                time.sleep(max(0.0, 0.2 - (t2 - t0)))
        stop.set()
        for t in pollers:
            t.join()
    finally:
        server.close()
    eps = [out[s]["epochs_per_s"] for s in sids]
    polls = [out[s]["polls_per_s"] for s in sids]
    poll_lat = [v for s in sids for v in out[s]["latencies"]]
    res = {
        "epochs_per_s_each_min": min(eps),
        "epochs_per_s_each_max": max(eps),
        "epochs_per_s_total": sum(eps),
        "polls_per_s_each": statistics.mean(polls),
    }
    for name, values in (("page", page), ("state", state), ("poll", poll_lat)):
        med, p95, mx = _percentiles(values)
        res |= {f"{name}_median_ms": med, f"{name}_p95_ms": p95, f"{name}_max_ms": mx}
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also measure the playground of another checkout's src/ (e.g. an older commit "
        "extracted with git archive), labelled 'baseline'",
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    runs: list[tuple[str, int | None, Path | None]] = [
        (f"workers={w}", w, None) for w in args.workers
    ]
    if args.baseline is not None:
        runs.insert(0, ("baseline", None, args.baseline))
    for label, w, src in runs:
        r = light(args.seconds, w, src)
        print(
            f"{label} light (4-4 tanh, 250 training points, batch 10, polled at 12 Hz): "
            f"{r['epochs_per_s']:.0f} epochs/s; {r['polls_per_s']:.1f} polls/s, /state median "
            f"{r['state_median_ms']:.1f} ms, p95 {r['state_p95_ms']:.1f} ms"
        )
    for label, w, src in runs:
        r = six_heavy(args.seconds, w, src)
        print(
            f"{label} six heavy (8x16 ReLU, 1000 training points, batch 1, each polled at "
            f"12 Hz): {r['epochs_per_s_each_min']:.2f}-{r['epochs_per_s_each_max']:.2f} epochs/s "
            f"each ({r['epochs_per_s_total']:.2f} in all), {r['polls_per_s_each']:.1f} polls/s "
            f"each\n"
            f"    GET /        median {r['page_median_ms']:.1f} ms, p95 {r['page_p95_ms']:.1f} ms, "
            f"max {r['page_max_ms']:.1f} ms\n"
            f"    GET /state   median {r['state_median_ms']:.1f} ms, p95 {r['state_p95_ms']:.1f} "
            f"ms, max {r['state_max_ms']:.1f} ms (probe)\n"
            f"    page polls   median {r['poll_median_ms']:.1f} ms, p95 {r['poll_p95_ms']:.1f} ms, "
            f"max {r['poll_max_ms']:.1f} ms"
        )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
