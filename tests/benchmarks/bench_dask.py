"""Benchmark: 8 replications of the built-in ``baseline`` (one scenario, ``cross_margin``) on a
local Dask cluster of 2 worker processes versus 1. Target speed-up >= 1.7 on 2 cores.
Run with ``make bench``."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster, as_completed

from experiments.runner import _safe_execute, make_tasks
from experiments.spec import load

REPLICATIONS = 8


def _wall_seconds(workers: int) -> float:
    resolved = load("baseline", {"replications": REPLICATIONS})
    tasks = [t for t in make_tasks(resolved) if t.scenario == "cross_margin"]
    with (
        tempfile.TemporaryDirectory() as out,
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        runs = Path(out) / "runs"
        client.run(lambda: __import__("agents.worlds"))  # warm the workers' imports
        start = time.perf_counter()
        futures = [client.submit(_safe_execute, t, runs, pure=False) for t in tasks]
        outcomes = [f.result() for f in as_completed(futures)]
        seconds = time.perf_counter() - start
    assert all(o["status"] == "done" for o in outcomes)
    return seconds


def test_dask_speed_up():
    one, two = _wall_seconds(1), _wall_seconds(2)
    speed_up = one / two
    print(
        f"\ndask: {REPLICATIONS} baseline replications: 1 worker {one:.1f} s, 2 workers "
        f"{two:.1f} s, speed-up {speed_up:.2f} (target >= 1.7)"
    )
    assert speed_up > 1.0
