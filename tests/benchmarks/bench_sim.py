"""Benchmark: the full market (``population.scale`` 1, 250 business days, every cycle,
cross-margining on) run as a user runs it: ``experiments.runner.execute`` (``sim.run.run`` on the
clearing world, then the metrics, the tables and the run folder written), each run in its own
process.

Prints, for issue 14's acceptance:
- the full-market wall time and its ratio to one million bare SimPy timeouts (1,000 processes of
  1,000 timeouts, in its own process, same interpreter; target ratio <= 60); the bare run is
  measured before, between and after the full-market runs and the median taken, since a shared
  virtual machine's speed drifts by tens of percent over minutes (bare runs of 0.91 s and 1.29-1.54
  s on the same idle machine an hour apart);
- the per-event ratio: the run's seconds per SimPy event (events counted by SimPy's own event
  counter, nothing padded) over the bare run's seconds per event, for the whole run and for the
  simulation loop (``env.run``) alone (target <= 3);
- the peak memory (the process's own VmHWM) of 125 and of 250 days (target <= 2 GB, flat);
- the scale ladder: ``population.scale`` 0.2, 0.5, 1 and 2 for the same days, with the end-user
  and firm counts and the time per end user (target: time growing no faster than end users).

Environment (a smoke run): ``CROSSMARGIN_BENCH_DAYS`` (default 250; the memory pair is that and
half of it), ``CROSSMARGIN_BENCH_LADDER`` (comma-separated scales, default ``0.2,0.5,1,2``; empty
for none; scale 1 is always run, being the headline). Run with ``make bench`` (about 10 minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

DAYS = int(os.environ.get("CROSSMARGIN_BENCH_DAYS", "250"))
LADDER = [
    float(s) for s in os.environ.get("CROSSMARGIN_BENCH_LADDER", "0.2,0.5,1,2").split(",") if s
]
SEED = 1

# One replication in its own process. The Run is caught as it is built only to read its SimPy
# event counter and population afterwards; the run itself is the user's (experiments.runner).
CHILD = """
import json, sys, tempfile, time
from pathlib import Path
import sim.run
from experiments.tasks import Task, execute
from sim.config import build_config
days, scale, seed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
runs, init = [], sim.run.Run.__init__
def caught(self, *args, **kwargs):
    init(self, *args, **kwargs)
    runs.append(self)
sim.run.Run.__init__ = caught
env_run = sim.run.simpy.Environment.run
loop = []
def timed(self, *args, **kwargs):
    start = time.perf_counter()
    env_run(self, *args, **kwargs)
    loop.append(time.perf_counter() - start)
sim.run.simpy.Environment.run = timed
start = time.perf_counter()
cfg = build_config({"calendar": {"business_days": days}, "population": {"scale": scale},
                    "xm": {"enabled": True}})
with tempfile.TemporaryDirectory() as out:
    execute(Task("bench", 0, seed, cfg), Path(out) / "runs")
seconds = time.perf_counter() - start
(run,) = runs
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
print(json.dumps({"seconds": seconds, "loop_seconds": loop[0], "events": next(run.env._eid),
                  "users": len(run.population.users), "firms": len(run.population.firms),
                  "peak_rss": int(status["VmHWM"].split()[0]) * 1024}))
"""

# One million bare SimPy timeouts: 1,000 processes of 1,000 timeouts, counted the same way.
BARE = """
import json, time
import simpy
env = simpy.Environment()
def ticker(env):
    for _ in range(1000):
        yield env.timeout(1)
for _ in range(1000):
    env.process(ticker(env))
start = time.perf_counter()
env.run()
print(json.dumps({"seconds": time.perf_counter() - start, "events": next(env._eid)}))
"""


def in_process(code: str, *args: object) -> dict:
    """Run ``code`` in a fresh interpreter (BLAS pinned to one thread); its last JSON line."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def market(days: int, scale: float) -> dict:
    return in_process(CHILD, days, scale, SEED)


def load() -> str:
    return open("/proc/loadavg").read().split(" ", 3)[:3].__repr__()


def report_headline(full: dict, bare: dict) -> None:
    bare_per_event = bare["seconds"] / bare["events"]
    print(
        f"\nbare SimPy: {bare['events']:,} events (1,000 processes x 1,000 timeouts) in "
        f"{bare['seconds']:.2f} s = {1 / bare_per_event:,.0f} events/s\n"
        f"full market: scale 1, {full['users']:,} end users, {full['firms']} firms, {DAYS} days: "
        f"{full['seconds']:.1f} s wall (simulation loop {full['loop_seconds']:.1f} s), "
        f"ratio to one million bare SimPy timeouts {full['seconds'] / bare['seconds']:.1f} "
        f"(target <= 60)\n"
        f"per event: {full['events']:,} SimPy events, "
        f"{full['events'] / full['seconds']:,.0f}/s whole run, "
        f"ratio {full['seconds'] / full['events'] / bare_per_event:.1f} whole run, "
        f"{full['loop_seconds'] / full['events'] / bare_per_event:.1f} simulation loop "
        f"(target <= 3)"
    )


def report_ladder(rungs: dict[float, dict]) -> None:
    print(f"scale ladder ({DAYS} days):")
    for scale, r in sorted(rungs.items()):
        print(
            f"  scale {scale:g}: {r['users']:,} end users, {r['firms']} firms, "
            f"{r['events']:,} events, {r['seconds']:.1f} s, "
            f"{1000 * r['seconds'] / r['users']:.1f} ms per end user, "
            f"peak {r['peak_rss'] / 2**30:.2f} GB"
        )


def test_full_market():
    before = load()
    bares = [in_process(BARE)]
    full = market(DAYS, 1.0)
    bares.append(in_process(BARE))
    half_days = max(DAYS // 2, 1)
    half = market(half_days, 1.0)
    bares.append(in_process(BARE))
    bare = sorted(bares, key=lambda b: b["seconds"])[1]  # the median of before, between, after
    runs = ", ".join(f"{b['seconds']:.2f} s" for b in bares)
    print(f"\nbare SimPy runs (before, between, after the full market): {runs}; median used")
    report_headline(full, bare)
    print(
        f"peak memory: {full['peak_rss'] / 2**30:.2f} GB at {DAYS} days, "
        f"{half['peak_rss'] / 2**30:.2f} GB at {half_days} days (target <= 2 GB, flat)"
    )
    rungs = {s: (full if s == 1.0 else market(DAYS, s)) for s in LADDER}
    if rungs:
        report_ladder(rungs)
    print(f"load average (1, 5, 15 min): before {before}, after {load()}")
    assert full["peak_rss"] <= 2 * 2**30
