"""Re-use of freed margin over time (``agents.reuse``) in a small calm run: XM hedge funds with
``leverage_appetite`` a = 0.5 and ``reuse_speed`` k = 0.5 close half the gap to their target
scale s* each business day, so after n steps the book is ``1 + (s* - 1)(1 - (1 - k)^n)`` times
the opening one (a geometric series, by hand), never above s*; their purchases push the basis
up (compression): on the first day they price, when nobody sells, the basis only rises."""

from __future__ import annotations

import math

import numpy as np

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.run import Run

K = 0.5
CONFIG = {
    "calendar": {"business_days": 6},
    "xm": {"enabled": True},
    "population": {
        "n_end_users": 40,
        "types": {"hedge_fund": {"leverage_appetite": 0.5, "reuse_speed": K}},
    },
    "liquidation": {"buffer_floor": 0.0, "buffer_target": 0.01},
}


def test_xm_funds_relever_step_by_step_towards_their_target():
    the_run = Run(build_config(CONFIG), 3)
    build_world(the_run)
    the_run.env.run()
    the_run.check_invariants()
    events = the_run.recorder.finish()["events"]
    ups = events[(events["kind"] == "scale_up") & (events["ref"] == "")]  # the users' own
    assert ups["entity"].nunique() > 0
    sales = events["kind"].isin(["deleverage_sale", "closeout"])
    # purchases at 16:00 are priced at the next business day's close (day 1, 15:00)
    early_sales = (sales & (events["time_min"] < the_run.calendar.at(1, "15:00"))).any()
    for user, steps in ups.groupby("entity"):
        factors = steps.sort_values("time_min")["scale"].to_numpy()
        target = 1.0 + (factors[0] - 1.0) / K  # the first step is k (s* - 1)
        n = len(factors)
        expected = 1.0 + (target - 1.0) * (1.0 - (1.0 - K) ** n)
        assert math.isclose(float(np.prod(factors)), expected, rel_tol=1e-9), user
        assert np.prod(factors) <= target + 1e-9
    assert not early_sales  # so day 1's basis move is the purchases' alone
    day1 = the_run.feedback.impact_bp[1]
    assert (day1 >= 0.0).all() and day1.max() > 0
