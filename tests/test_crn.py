"""Common random numbers (DESIGN.md section 3): replication k of every scenario uses the same
seed, and each component draws from its own named stream, so two scenarios that differ only in
the XM policy see the identical market path, population and end-user draws."""

from __future__ import annotations

import numpy as np
from tiny import TINY

from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.rng import replication_seeds
from sim.run import Run


def _world(xm: dict, seed: int) -> Run:
    run = Run(build_config(deep_merge(TINY, {"xm": xm, "population": {"n_end_users": 12}})), seed)
    build_world(run)
    return run


def test_xm_policy_changes_no_other_component_draws():
    seed = replication_seeds(20260430, 3)[2]
    standalone = _world({"enabled": False}, seed)
    xm = _world({"enabled": True, "rule": "joint_split", "cap": 0.5}, seed)
    a, b = standalone.market, xm.market
    np.testing.assert_array_equal(a.changes_bp, b.changes_bp)
    np.testing.assert_array_equal(a.basis_bp, b.basis_bp)
    np.testing.assert_array_equal(a.intraday_bp, b.intraday_bp)
    assert standalone.population == xm.population
    for user in standalone.population.users:
        draws_a = standalone.agents[user.user_id].rng.exponential(1.0, 5)
        draws_b = xm.agents[user.user_id].rng.exponential(1.0, 5)
        np.testing.assert_array_equal(draws_a, draws_b)


def test_replication_seeds_are_shared_by_scenarios_and_distinct():
    seeds = replication_seeds(7, 5)
    assert seeds == replication_seeds(7, 5) and len(set(seeds)) == 5
