"""Benchmark: one margin cycle for 10,000 accounts x 2,500 scenarios.

Reports the time of ``leg_requirements`` with CME's default model (filtered historical
simulation, stress component; futures leg, cash leg and combined IM of every account, as a CCP's
XM cycle needs) and its ratio to raw numpy doing the same irreducible work
on the same arrays: the scenario construction, one matrix product and one partition per leg set.
Target ratio <= 2. Run with ``make bench``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from sim.config import SimConfig
from sim.margin.var import horizon_changes, var_rank
from sim.margin.xm import leg_requirements

N_ACCOUNTS, N_SCENARIOS, N_KEYS = 10_000, 2_500, 5


def _best_of(func, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def test_margin_engine_ratio_to_raw_numpy():
    rng = np.random.default_rng(0)
    mpor = 2
    history = rng.standard_normal((2 * N_SCENARIOS, N_KEYS)) * 5.0  # older days hold the stress
    daily = history[-(N_SCENARIOS + mpor - 1) :]
    fut = rng.standard_normal((N_ACCOUNTS, N_KEYS)) * 1e4
    cash = rng.standard_normal((N_ACCOUNTS, N_KEYS)) * 1e4
    # CME's default model: filtered HS (EWMA), stress component, 110% multiplier
    model = replace(SimConfig().cme.var_model(), lookback_days=daily.shape[0])
    k = var_rank(N_SCENARIOS, 0.99)

    def engine():
        leg_requirements(model, fut, cash, history)

    def raw():
        scen = horizon_changes(daily, mpor)
        stacked = np.vstack([fut, cash, fut + cash])
        pnl = stacked @ scen.T
        np.partition(-pnl, k, axis=1)

    engine_s, raw_s = _best_of(engine), _best_of(raw)
    ratio = engine_s / raw_s
    print(
        f"\nmargin engine: {N_ACCOUNTS:,} accounts x {N_SCENARIOS:,} scenarios x 3 legs: "
        f"{engine_s * 1e3:.1f} ms; raw numpy {raw_s * 1e3:.1f} ms; ratio {ratio:.2f}"
    )
    assert ratio <= 2.0
