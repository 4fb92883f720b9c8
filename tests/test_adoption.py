"""Adoption of customer cross-margining: the pure decision maths (``sim.population.adoption``), its
config (``sim.config.adoption``) and a tiny adoption study (``agents.worlds.adoption``) whose
invariants hold under every eligibility rule: nobody adopts before the live date or before its lead
time, adopted <= eligible at every count, no firm starts more onboardings in a month than its
capacity, first come first served, consolidation moves the legs, and a seed fixes everything."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from agents.worlds.adoption import build_adoption_world
from sim.config import AdoptionConfig, SimConfig, build_config
from sim.margin.exposure import book_exposures
from sim.margin.portfolio import charged_models, portfolio_margin, posted_ratios
from sim.population.adoption import (
    accrued_savings,
    adoption_cost,
    annual_savings,
    cleared_share,
    consolidation_target,
    decide,
    evaluation_days,
    lead_times,
    lognormal_draws,
    nth_business_day,
    size_buckets,
    tally_by_type_and_size,
    user_ims,
)
from sim.run import Run

D = dt.date


# --- pure maths -------------------------------------------------------------------------------


def test_annual_savings_and_decision_by_hand():
    standalone = np.array([1e6, 2e6, 5e5, 4e6])
    xm = np.array([4e5, 2e6, 6e5, 8e5])
    spread = np.array([300.0, 100.0, 50.0, 150.0])
    # (1e6 - 4e5) x 300bp = 600,000 x 0.03 = 18,000; nothing freed: 0; XM above standalone: 0
    # (floored); (4e6 - 8e5) x 150bp = 3.2e6 x 0.015 = 48,000 dollars a year
    savings = annual_savings(standalone, xm, spread)
    np.testing.assert_allclose(savings, [18_000.0, 0.0, 0.0, 48_000.0])
    # fixed + consolidation (once) when a leg moves: 30k; 10k + 100k; 0; 50k + 100k
    cost = adoption_cost(
        np.array([30e3, 10e3, 0.0, 50e3]), np.full(4, 100e3), np.array([0, 1, 0, 2])
    )
    np.testing.assert_allclose(cost, [30e3, 110e3, 0.0, 150e3])
    everyone = np.ones(4, dtype=bool)
    # payback 2: 36k > 30k yes; 0 > 110k no; 0 > 0 no (strict); 96k > 150k no
    assert decide(savings, cost, 2.0, everyone).tolist() == [True, False, False, False]
    # payback 4: 192k > 150k yes; a user not open to a decision never decides
    closed = np.array([False, True, True, True])
    assert decide(savings, cost, 4.0, closed).tolist() == [False, False, False, True]


def test_cleared_share_steps_on_the_mandate_dates():
    cfg = AdoptionConfig()
    days = [D(2026, 4, 30), D(2026, 12, 30), D(2026, 12, 31), D(2027, 6, 29), D(2027, 6, 30)]
    shares = cleared_share(days, cfg.cash_mandate_date, cfg.repo_mandate_date, (0.5, 0.75, 1.0))
    assert shares.tolist() == [0.5, 0.5, 0.75, 0.75, 1.0]
    assert cfg.cleared_shares == (0.5, 0.75, 1.0)
    assert cleared_share(D(2030, 1, 1), D(2026, 12, 31), D(2027, 6, 30), (0.2, 0.3, 0.9)) == 0.9


def test_consolidation_target_minimises_moves():
    # firms: 0 BD-FCM offering XM (weight 1), 1 BD-FCM not offering (1/2), 2 FCM (1),
    # 3 BD-FCM offering XM (1/3), 4 BD (1)
    offers = np.array([True, False, False, True, False])
    weight = np.array([1.0, 0.5, 1.0, 1 / 3, 1.0])
    fut = np.array([2, 2, 0, 1, 0, 3])
    cash = np.array([3, 4, 3, 1, 0, 0])
    target, moves = consolidation_target(fut, cash, offers, weight)
    # cash firm offers: move futures there; neither offers: the largest (0), both legs move;
    # both offer: the larger (0), cash moves; already together at an offering firm: no move
    assert target.tolist() == [3, 0, 0, 0, 0, 0]
    assert moves.tolist() == [1, 2, 1, 2, 0, 1]
    none, zero = consolidation_target(fut, cash, np.zeros(5, dtype=bool), weight)
    assert none.tolist() == [-1] * 6 and zero.tolist() == [0] * 6


def test_heterogeneous_draws():
    rng = np.random.default_rng(0)
    assert lognormal_draws(rng, 250_000.0, 0.0, 3).tolist() == [250_000.0] * 3
    draws = lognormal_draws(np.random.default_rng(1), 1e6, 0.7, 20_000)
    assert abs(np.median(draws) / 1e6 - 1) < 0.03
    assert abs(np.log(draws).std() - 0.7) < 0.02
    leads = lead_times(np.random.default_rng(2), 0.4, 0.0, 3)
    assert leads.tolist() == [1, 1, 1] and leads.dtype == np.int64  # rounded, at least 1
    a = lognormal_draws(np.random.default_rng(5), 40.0, 0.5, 4)
    assert a.tolist() == lognormal_draws(np.random.default_rng(5), 40.0, 0.5, 4).tolist()


def test_accrued_savings_and_size_buckets():
    # 252,000 dollars a year = 1,000 a business day; adopted on day 10, accrued over [5, 20):
    # 10 days = 10,000; adopted after the period: 0
    out = accrued_savings(np.array([252_000.0, 252_000.0]), np.array([10, 25]), 5, 20)
    np.testing.assert_allclose(out, [10_000.0, 0.0])
    assert size_buckets(np.array([1.0, 2, 3, 4, 5, -6])).tolist() == [0, 0, 1, 1, 2, 2]


def test_tally_by_type_and_size():
    types = np.array(["hf", "hf", "am"])
    sizes = np.array(["small", "large", "small"])
    flags = {"adopted": np.array([True, False, True])}
    out = tally_by_type_and_size(types, sizes, flags, {"cost_usd": np.array([1.0, 2.0, 4.0])})
    assert out["hf"] == {
        "adopted": 1,
        "cost_usd": 3.0,
        "by_size": {"large": {"adopted": 0}, "small": {"adopted": 1}},
    }
    assert out["am"]["by_size"] == {"small": {"adopted": 1}}


def test_evaluation_days_are_the_nth_business_day_of_each_month():
    assert nth_business_day(2026, 1, 1) == D(2026, 1, 2)  # New Year's Day is a holiday
    assert nth_business_day(2026, 1, 2) == D(2026, 1, 5)
    assert nth_business_day(2026, 2, 25) == D(2026, 2, 27)  # fewer: the last business day
    days = [D(2026, 4, 30), D(2026, 5, 1), D(2026, 5, 4), D(2026, 6, 1), D(2026, 6, 2)]
    assert evaluation_days(days, 1) == [1, 3]  # 1 April is not in the run
    assert evaluation_days(days, 2) == [2, 4]


def test_user_ims_agree_with_portfolio_margin():
    cfg = build_config(
        {
            "market": {"lookback_days": 300},
            "cme": {"lookback_days": 250},
            "ficc": {"lookback_days": 250},
        }
    )
    daily = np.random.default_rng(3).standard_normal((300, 5)) * 5.0
    positions = {"UST10Y": 100_000_000.0, "TN": -900.0}
    pm = portfolio_margin(positions, daily, cfg)
    books = book_exposures([positions], eligible_only=True)
    fut, cash = books.futures, books.cash
    models = (cfg.cme.var_model(), cfg.ficc.var_model())
    standalone, xm = user_ims(*models, cfg.xm.rule, cfg.xm.cap, (fut, cash), daily)
    assert standalone[0] == pytest.approx(pm.im_cme + pm.im_ficc)
    assert xm[0] == pytest.approx(pm.xm_im_cme + pm.xm_im_ficc)
    _, none = user_ims(*models, "none", cfg.xm.cap, (fut, cash), daily)
    assert none[0] == pytest.approx(standalone[0])


def test_a_hedger_posts_cme_maintenance_and_a_speculator_110_percent():
    """Issue 12 item 5 in the adoption study and ``crossmargin margin``: CME holds maintenance
    and the FCM collects the 110% speculative ratio (``cme.multiplier``) from speculative
    customers only (``firms.speculative_multiplier_at: fcm``). By hand: a hedger's CME figure
    is the speculator's / 1.1, its FICC figure (ratio 1) and the reduction are the same; with
    the ratio at the CCP (``ccp``), both post the CCP's 110% figure. ``user_ims`` with the
    hedger's ratios (1, 1) agrees with ``portfolio_margin``."""
    short = {"market": {"lookback_days": 300}, "cme": {"lookback_days": 250}}
    cfg = build_config({**short, "ficc": {"lookback_days": 250}})
    daily = np.random.default_rng(4).standard_normal((300, 5)) * 5.0
    positions = {"UST10Y": 100_000_000.0, "TN": -600.0}
    spec, hedger = (portfolio_margin(positions, daily, cfg, s) for s in (True, False))
    assert hedger.im_cme == pytest.approx(spec.im_cme / 1.1)
    assert hedger.xm_im_cme == pytest.approx(spec.xm_im_cme / 1.1)
    assert (hedger.im_ficc, hedger.reduction) == pytest.approx((spec.im_ficc, spec.reduction))
    at_ccp = build_config({**short, "ficc": {"lookback_days": 250},
                           "firms": {"speculative_multiplier_at": "ccp"}})  # fmt: skip
    assert portfolio_margin(positions, daily, at_ccp, False).im_cme == pytest.approx(spec.im_cme)
    books = book_exposures([positions], eligible_only=True)
    ratios = np.array([posted_ratios(cfg, "regional_bank", False)])
    assert ratios.tolist() == [[1.0, 1.0]]
    standalone, _ = user_ims(*charged_models(cfg), cfg.xm.rule, cfg.xm.cap,
                             (books.futures, books.cash), daily, ratios)  # fmt: skip
    assert standalone[0] == pytest.approx(hedger.im_cme + hedger.im_ficc)


def test_config_errors_name_the_field():
    with pytest.raises(ValidationError, match="cash_mandate_date"):
        AdoptionConfig(cash_mandate_date=D(2026, 1, 1))
    with pytest.raises(ValidationError, match="cleared_share_after_cash"):
        AdoptionConfig(cleared_share_after_cash=0.4)
    with pytest.raises(ValidationError, match="onboarding_per_firm_per_month"):
        AdoptionConfig(onboarding_per_firm_per_month=0)
    with pytest.raises(ValidationError, match="funding_spread_bp"):
        AdoptionConfig(funding_spread_bp={"hedge_fund": -1.0})
    with pytest.raises(ValidationError, match="paybak_years"):  # extra fields are forbidden
        AdoptionConfig(paybak_years=3)
    cfg = AdoptionConfig()
    assert cfg.spread_bp("hedge_fund") == 300.0 and cfg.spread_bp("pension_fund") == 150.0
    with pytest.raises(ValidationError):
        cfg.payback_years = 3.0  # frozen


# --- a tiny adoption study --------------------------------------------------------------------

CAPACITY = 2
ADOPTION = {
    "fixed_cost_median_usd": 100_000.0,
    "consolidation_cost_median_usd": 300_000.0,
    "lead_time_median_days": 20.0,
    "onboarding_per_firm_per_month": CAPACITY,
}
BASE = {
    "calendar": {"start": "2026-03-02", "business_days": 170},  # 2 Mar to late Oct 2026
    "market": {"lookback_days": 300},
    "cme": {"lookback_days": 250},
    "ficc": {"lookback_days": 250},
    "population": {"n_end_users": 60},
}
SEED = 7


def study_config(rule: str = "identical", xm_rule: str = "min_cap", **adoption) -> SimConfig:
    """The study's config: through ``build_config`` once ``SimConfig`` has ``adoption``, until
    then a copy of the config with the field added."""
    overrides = {**BASE, "xm": {"eligibility": rule, "rule": xm_rule}}
    if hasattr(SimConfig(), "adoption"):
        return build_config({**overrides, "adoption": {**ADOPTION, **adoption}})
    return build_config(overrides).model_copy(
        update={"adoption": AdoptionConfig(**{**ADOPTION, **adoption})}
    )


def run_study(cfg: SimConfig, seed: int = SEED) -> tuple[Run, dict[str, pd.DataFrame]]:
    the_run = Run(cfg, seed)
    build_adoption_world(the_run)
    the_run.env.run()
    return the_run, the_run.recorder.finish()


def iso(dates: pd.Series) -> pd.Series:
    return dates.map(lambda d: d.isoformat())


@pytest.fixture(scope="module", params=["identical", "affiliate", "any_pair"])
def study(request):
    return run_study(study_config(request.param))


def test_the_study_is_not_vacuous(study):
    _, tables = study
    decided, adopted = tables["adoption_decisions"], tables["adoptions"]
    assert len(adopted) >= 3
    moves = decided["moves_futures"] | decided["moves_cash"]
    assert moves.any()  # some users consolidate
    assert (~moves).any()  # some are eligible already
    assert (tables["adoption_onboarding"]["queued_days"] > 0).any()  # the capacity binds


def test_nobody_adopts_before_live_or_lead_time(study):
    the_run, tables = study
    live = AdoptionConfig().live_date
    decided, adopted = tables["adoption_decisions"], tables["adoptions"]
    assert (decided["decided"] >= live).all()
    assert (adopted["adopted"] >= live).all()
    index = {d: i for i, d in enumerate(the_run.calendar.days)}
    waited = adopted["adopted"].map(index) - adopted["decided"].map(index)
    lead = adopted["user"].map(decided.set_index("user")["lead_days"])
    assert (waited >= lead).all()
    assert (waited == adopted["days_to_adopt"]).all()
    assert (adopted["adopted"] >= adopted["ready"]).all()
    assert (adopted["adopted"] >= adopted["started"]).all()
    # record times agree with the dates (06:00 ET on the adoption day)
    stamps = adopted["time_min"].map(the_run.calendar.timestamp)
    assert (stamps.dt.date == adopted["adopted"]).all()
    assert (stamps.dt.strftime("%H:%M") == "06:00").all()


def test_adopted_never_exceeds_eligible(study):
    _, tables = study
    counts = tables["adoption_counts"]
    assert counts["date"].nunique() >= 8  # day 0, every month's first business day, the last
    assert (counts["adopted"] <= counts["eligible"]).all()
    assert (counts["eligible"] <= counts["users"]).all()
    assert (counts["queued"] <= counts["onboarding"]).all()
    assert (counts["onboarding"] + counts["adopted"] <= counts["users"]).all()


def test_counts_match_the_records(study):
    _, tables = study
    counts = tables["adoption_counts"]
    last = counts[(counts["date"] == counts["date"].max()) & (counts["size"] == "all")]
    adopted = tables["adoptions"].merge(
        tables["adoption_decisions"][["user", "user_type"]], on="user"
    )
    decided = tables["adoption_decisions"]
    for cell in last.itertuples():
        assert cell.adopted == (adopted["user_type"] == cell.user_type).sum()
        of_type = decided[decided["user_type"] == cell.user_type]
        assert cell.adopted + cell.onboarding == len(of_type)
        assert cell.cost_paid_usd == pytest.approx(of_type["cost_usd"].sum(), abs=0.1)
        assert (cell.savings_realised_usd > 0) == (cell.adopted > 0)


def test_no_firm_onboards_beyond_capacity_first_come_first_served(study):
    _, tables = study
    started = tables["adoption_onboarding"].merge(
        tables["adoption_decisions"][["user", "decided"]], on="user"
    )
    per_month = started.groupby(["firm", "month"]).size()
    assert per_month.max() <= CAPACITY
    assert (started["month"] == iso(started["started"]).str[:7]).all()
    for _, firm in started.groupby("firm"):
        ordered = firm.sort_values(["started", "time_min"])
        assert ordered["decided"].is_monotonic_increasing


def test_consolidation_moves_the_legs(study):
    the_run, tables = study
    shares = tables["market_shares"]
    start, end = (shares[shares["when"] == w] for w in ("start", "end"))
    users = {u.user_id: u for u in the_run.population.users}
    for leg in ("futures", "cash"):
        expected = start[start["leg"] == leg].set_index("firm")["users"].copy()
        for row in tables["adoptions"].itertuples():
            if getattr(row, f"moves_{leg}"):
                expected[getattr(users[row.user], f"{leg}_firm")] -= 1
                expected[row.firm] += 1
        at_end = end[end["leg"] == leg].set_index("firm")
        pd.testing.assert_series_equal(at_end["users"], expected, check_names=False)
        assert at_end["share"].sum() == pytest.approx(1.0, abs=1e-4)
        assert at_end["dv01_share"].sum() == pytest.approx(1.0, abs=1e-4)


def test_a_seed_fixes_the_study():
    cfg = study_config()
    _, first = run_study(cfg)
    _, again = run_study(cfg)
    for name, table in first.items():
        pd.testing.assert_frame_equal(table, again[name])
    _, other = run_study(cfg, SEED + 1)
    assert not first["adoption_decisions"].equals(other["adoption_decisions"])


def test_nothing_to_save_nobody_adopts():
    _, tables = run_study(study_config(xm_rule="none"))
    assert tables["adoption_decisions"].empty and tables["adoptions"].empty
    assert tables["adoption_counts"]["date"].nunique() >= 8
