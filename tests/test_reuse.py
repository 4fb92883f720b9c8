"""Re-use of freed margin over time (``agents.reuse``) in a small calm run: XM hedge funds with
``leverage_appetite`` a = 0.5 and ``reuse_speed`` k = 0.5 close half the gap to their target
scale s* each business day, so after n steps the book is ``1 + (s* - 1)(1 - (1 - k)^n)`` times
the opening one (a geometric series, by hand), never above s*; their purchases push the basis
up (compression): on the first day they price, when nobody sells, the basis only rises."""

from __future__ import annotations

import math

import numpy as np
import pytest

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


def test_target_scale_is_sized_on_what_the_user_posts():
    """By hand: standalone IM CME 100 and FICC 100, XM IM 20 and 10. On the CCPs' IM: used
    30, freed 170, target 1 + 0.5 x 170 / 30. A speculative fund posts 110% of CME's IM and
    100% of FICC's: used 22 + 10 = 32, standalone 110 + 100 = 210, freed 178, target
    1 + 0.5 x 178 / 32: the target follows what the fund posts."""
    from types import SimpleNamespace

    from agents.worlds.clearing import scale_up

    kind = SimpleNamespace(leverage_appetite=0.5, reuse_speed=0.5)
    run = SimpleNamespace(
        population=SimpleNamespace(users=[SimpleNamespace(user_type="hf", user_id="u")]),
        config=SimpleNamespace(population=SimpleNamespace(types={"hf": kind})),
    )
    im = {"cme": [20.0], "ficc": [10.0], "sa_cme": [100.0], "sa_ficc": [100.0]}
    _, on_ccp = scale_up(run, {}, {**im, "ratio_cme": [1.0], "ratio_ficc": [1.0]})
    _, posted = scale_up(run, {}, {**im, "ratio_cme": [1.1], "ratio_ficc": [1.0]})
    assert on_ccp[0] == pytest.approx(1 + 0.5 * 170 / 30)
    assert posted[0] == pytest.approx(1 + 0.5 * (210 - 32) / 32)
