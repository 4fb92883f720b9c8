"""The population sized from public facts (sim/population/sizing.py)."""

from __future__ import annotations

from sim.config import build_config
from sim.market.instruments import CATALOG
from sim.population.population import make_population
from sim.rng import Streams


def test_scale_sets_counts():
    """2,700 end users (midpoint of 2,400-3,000 sponsored members) and 55/36/36 firms at 1;
    a tenth: 270 end users and 6/4/4 firms (rounded)."""
    full = build_config({"population": {"scale": 1.0, "model": "legacy"}})
    assert full.population.n_end_users == 2700
    assert (full.firms.n_bd_fcm, full.firms.n_fcm, full.firms.n_bd) == (55, 36, 36)
    tenth = build_config({"population": {"scale": 0.1, "model": "legacy"}})
    assert tenth.population.n_end_users == 270
    assert (tenth.firms.n_bd_fcm, tenth.firms.n_fcm, tenth.firms.n_bd) == (6, 4, 4)


def test_hedge_fund_basis_book_is_about_a_trillion():
    """At scale 1 the hedge funds' cash notes total about $1tn (the 2024-25 basis trade, DESIGN.md
    section 2); the hand estimate in sim/population/sizing.py is $1.04tn. A lognormal with log-sd
    0.8 over ~1,215 funds has a relative standard error of the total of about sqrt(e^0.64 - 1) /
    sqrt(1215) = 2.8%; the tolerance is the published range $0.8-1.3tn."""
    cfg = build_config({"population": {"scale": 1.0, "model": "legacy"}})
    pop = make_population(cfg.population, cfg.firms, Streams(7).get("population"))
    face = sum(
        q
        for u in pop.users
        if u.user_type == "hedge_fund"
        for s, q in u.positions.items()
        if CATALOG[s].side == "cash"
    )
    assert 0.8e12 <= face <= 1.3e12
