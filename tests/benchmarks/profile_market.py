"""Profile a shorter full-market run: population.scale 1, every cycle, run as a user runs it
(``experiments.runner.execute``: the clearing world, metrics, tables and the run folder written).

Prints cProfile's top functions by own time (tottime) and by cumulative time (cumtime) and a
summary of own time by source file (agents' call handling, ledger transfers, record writes,
margin runs, metrics, SimPy's core). Not collected by ``make bench``
(the file name does not start with ``bench_``). Usage::

    PYTHONPATH=. python tests/benchmarks/profile_market.py [days] [scale] [top] [--save FILE]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from experiments.tasks import Task, execute
from sim.config import build_config


def market_config(days: int, scale: float):
    """The full market (``population.scale``) for ``days`` business days, cross-margining on."""
    return build_config(
        {
            "calendar": {"business_days": days},
            "population": {"scale": scale},
            "xm": {"enabled": True},
        }
    )


def profile_run(days: int, scale: float) -> tuple[pstats.Stats, float]:
    """One profiled replication; the stats and its wall time (seconds)."""
    task = Task("profile", 0, 1, market_config(days, scale))
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        profiler.enable()
        execute(task, Path(out) / "runs")
        profiler.disable()
        seconds = time.perf_counter() - start
    return pstats.Stats(profiler), seconds


def own_time_by_file(stats: pstats.Stats) -> dict[str, float]:
    """Own time (tottime, seconds) summed by source file, largest first."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = "/".join(Path(filename).parts[-3:])
        totals[key] = totals.get(key, 0.0) + tottime
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def print_top(stats: pstats.Stats, order: str, top: int) -> None:
    text = io.StringIO()
    stats.stream = text
    stats.sort_stats(order).print_stats(top)
    print(f"\n=== top {top} by {order} ===")
    lines = text.getvalue().splitlines()
    first = next(i for i, line in enumerate(lines) if "ncalls" in line)
    print("\n".join(lines[first:]))


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    days = int(args[0]) if args else 30
    scale = float(args[1]) if len(args) > 1 else 1.0
    top = int(args[2]) if len(args) > 2 else 40
    stats, seconds = profile_run(days, scale)
    print(f"profiled run: scale {scale}, {days} business days, {seconds:.1f} s (with profiler)")
    if "--save" in argv:
        stats.dump_stats(argv[argv.index("--save") + 1])
    print_top(stats, "tottime", top)
    print_top(stats, "cumtime", top)
    print("\n=== own time by source file (top 25) ===")
    for name, secs in list(own_time_by_file(stats).items())[:25]:
        print(f"{secs:8.2f} s  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
