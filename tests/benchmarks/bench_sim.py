"""Benchmark: a full-market run (3,000 end users, 20 firms, 250 business days, every cycle).

Reports the SimPy events processed, events per second, the ratio of the run's cost per event to
that of bare SimPy timeout events measured in the same process, and the peak memory (RSS) of a
run of 250 and of 125 days, each in its own process, so that "flat in run length" is visible:
records stream to Parquet in row groups. Targets: ratio <= 3, peak memory <= 2 GB.
Run with ``make bench`` (several minutes); ``CROSSMARGIN_BENCH_DAYS`` shortens it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import simpy

USERS, FIRMS = 3000, {"n_bd_fcm": 10, "n_fcm": 5, "n_bd": 5}
DAYS = int(os.environ.get("CROSSMARGIN_BENCH_DAYS", "250"))

CHILD = """
import json, sys, tempfile, time
from pathlib import Path
from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.run import Run
days, users, firms = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
cfg = build_config({"calendar": {"business_days": days}, "population": {"n_end_users": users},
                    "firms": firms, "xm": {"enabled": True}})
with tempfile.TemporaryDirectory() as out:
    run = Run(cfg, 1, Path(out))
    build_world(run)
    start = time.perf_counter()
    run.env.run()
    seconds = time.perf_counter() - start
    events = next(run.env._eid)  # SimPy's event counter: events scheduled and processed
    run.check_invariants()
    run.recorder.close()  # the tables are on disk; reading them back is not the simulation
# VmHWM is this process's own peak resident set; ru_maxrss would carry over the parent's peak
# across fork and exec (the margin benchmark's in the same pytest session)
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
print(json.dumps({"seconds": seconds, "events": events,
                  "peak_rss": int(status["VmHWM"].split()[0]) * 1024}))
"""


def bare_simpy_seconds_per_event(n_processes: int = 1000, steps: int = 500) -> float:
    env = simpy.Environment()

    def ticker(env):
        for _ in range(steps):
            yield env.timeout(1)

    for _ in range(n_processes):
        env.process(ticker(env))
    start = time.perf_counter()
    env.run()
    return (time.perf_counter() - start) / (n_processes * steps)


def run_child(days: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(days), str(USERS), json.dumps(FIRMS)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_full_market_run():
    full = run_child(DAYS)
    half = run_child(max(DAYS // 2, 1))
    bare = bare_simpy_seconds_per_event()
    per_event = full["seconds"] / full["events"]
    ratio = per_event / bare
    print(
        f"\nsimulation: {USERS:,} end users, 20 firms, {DAYS} days: {full['events']:,} events in "
        f"{full['seconds']:.1f} s = {full['events'] / full['seconds']:,.0f} events/s; "
        f"bare SimPy {1 / bare:,.0f} events/s; ratio {ratio:.1f} (target <= 3)\n"
        f"peak memory: {full['peak_rss'] / 2**30:.2f} GB at {DAYS} days, "
        f"{half['peak_rss'] / 2**30:.2f} GB at {max(DAYS // 2, 1)} days (target <= 2 GB, flat)"
    )
    assert full["peak_rss"] <= 2 * 2**30
