"""Procyclicality measures (``sim.margin.procyclicality``) on hand-made IM series.

Every expected number is a hand calculation from the series written in the test (Murphy, Vause
and Wilhelm 2014's definitions: peak-to-trough = max / min; largest n-day increase = the largest
IM[t+n] - IM[t] in dollars and, separately, the largest IM[t+n] / IM[t] - 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.margin.exposure import with_basis
from sim.margin.procyclicality import (
    FixedBooks,
    fixed_book_im,
    largest_increase,
    margin_to_volatility,
    peak_to_trough,
    rolling_std,
)
from sim.margin.var import VarModel
from sim.market.basis import FAMILIES
from sim.metrics.compute import run_metrics
from sim.metrics.procyclicality import fixed_im_path
from sim.population.network import network_from_tables
from sim.run import Run

SERIES = np.array([100.0, 120.0, 90.0, 150.0, 135.0, 180.0])  # dollars, six business days


def test_peak_to_trough_is_max_over_min():
    """180 / 90 = 2 for SERIES; a flat column gives 1; a column touching 0 is undefined."""
    im = np.column_stack([SERIES, np.full(6, 10.0), [0.0, 1, 2, 3, 4, 5]])
    np.testing.assert_allclose(peak_to_trough(im)[:2], [2.0, 1.0])
    assert math.isnan(peak_to_trough(im)[2])
    assert math.isnan(peak_to_trough(np.array([]))[0])


def test_largest_one_and_five_day_increase_by_hand():
    """1-day moves of SERIES: +20, -30, +60, -15, +45 -> largest $60; as fractions +0.2, -0.25,
    150/90 - 1 = 2/3, -0.1, 1/3 -> 2/3 (the largest dollar and fractional rises need not be the
    same day, here they are). 5-day: only 180 - 100 = $80, +80%."""
    usd, frac = largest_increase(SERIES, 1)
    np.testing.assert_allclose([usd[0], frac[0]], [60.0, 2.0 / 3.0])
    usd, frac = largest_increase(SERIES, 5)
    np.testing.assert_allclose([usd[0], frac[0]], [80.0, 0.8])


def test_increase_is_nan_when_the_run_is_too_short_and_negative_when_im_only_falls():
    """Six days hold no pair 30 (or 6) days apart: NaN. 200 then 100: -$100, -50%. From 0 the
    fractional rise is undefined (NaN), the dollar rise is +$50."""
    for days in (6, 30):
        assert all(math.isnan(v[0]) for v in largest_increase(SERIES, days))
    np.testing.assert_allclose(
        [v[0] for v in largest_increase(np.array([200.0, 100]), 1)], [-100.0, -0.5]
    )
    usd, frac = largest_increase(np.array([0.0, 50.0]), 1)
    assert usd[0] == 50.0 and math.isnan(frac[0])
    with pytest.raises(ValueError):
        largest_increase(SERIES, 0)


def test_rolling_std_and_margin_to_volatility_by_hand():
    """Changes 1, 3, 5 bp: 2-day sample stdevs sqrt(2), sqrt(2); the 3-day one is 2. IM $100
    and $200 over vol NaN and 4 bp: NaN, then $50 per bp."""
    np.testing.assert_allclose(rolling_std(np.array([1.0, 3, 5]), 2), [np.nan, 2**0.5, 2**0.5])
    np.testing.assert_allclose(rolling_std(np.array([1.0, 3, 5]), 3), [np.nan, np.nan, 2.0])
    assert np.isnan(rolling_std(np.array([1.0]), 20)).all()
    got = margin_to_volatility(np.array([100.0, 200]), np.array([np.nan, 4.0]))
    np.testing.assert_allclose(got, [np.nan, 50.0])


def _hedged_books(xm: bool) -> FixedBooks:
    fut = with_basis(np.array([[0, 0, 0, 1000.0, 0]]), np.zeros((1, len(FAMILIES))))
    cash = with_basis(np.array([[0, 0, 0, -1000.0, 0]]), None)
    return FixedBooks(fut, cash, np.array([xm]))


def test_fixed_book_im_by_hand():
    """100 daily 10Y changes between -3 and +5 bp, 1-day horizon at 99% (the worst of 100): a
    long $1,000/bp futures leg loses at most $5,000 (+5 bp), the short cash leg $3,000 (-3 bp),
    the hedged pair nothing. Standalone: 5,000 + 3,000 = $8,000. XM under min_cap with cap 0.8:
    each CCP's factor 1 - 0 / 8,000 = 1, capped at 0.8, so 8,000 x 0.2 = $1,600; rule none
    leaves $8,000."""
    daily = np.zeros((100, 5 + len(FAMILIES)))
    daily[:, 3] = np.linspace(-3.0, 5.0, 100)
    model = VarModel(confidence=0.99, mpor_days=1, lookback_days=100)
    alone = fixed_book_im(model, model, _hedged_books(False), daily, "min_cap", 0.8)
    np.testing.assert_allclose(alone, [8000.0])
    xm = fixed_book_im(model, model, _hedged_books(True), daily, "min_cap", 0.8)
    np.testing.assert_allclose(xm, [1600.0])
    none = fixed_book_im(model, model, _hedged_books(True), daily, "none", 0.8)
    np.testing.assert_allclose(none, [8000.0])


@pytest.fixture(scope="module")
def tiny_run():
    """The tiny clearing run of tests/tiny.py (3 end users, 3 days, an XM link outage on day
    1), kept as a ``Run`` with its tables and metrics."""
    the_run = Run(build_config(TINY), TINY_SEED)
    build_world(the_run)
    the_run.env.run()
    tables = the_run.recorder.finish()
    graph = network_from_tables(tables["firms"], tables["relationships"])
    return the_run, tables, run_metrics(tables, the_run, graph)


def test_fixed_books_reproduce_the_run_margin_while_nothing_changes(tiny_run):
    """Invariant: no position changes in the tiny run, so on days 0 and 2 each end user's fixed
    book IM equals its IM at both CCPs in the run; on day 1 the link outage margins the XM
    accounts standalone at CME in the run, which the fixed book (link up) does not."""
    the_run, tables, _ = tiny_run
    daily = tables["accounts_daily"]
    daily = daily[daily["entity_type"] != "house"]
    by_user = daily.pivot_table("im_usd", "date_index", "entity", aggfunc="sum").to_numpy()
    fixed = fixed_im_path(the_run)[:, : len(the_run.population.users)]
    np.testing.assert_allclose(fixed[[0, 2]], by_user[[0, 2]], rtol=1e-9)
    assert by_user[1].sum() > fixed[1].sum()


def _value(metrics, metric: str, entity_type: str) -> float:
    rows = metrics[(metrics["metric"] == metric) & (metrics["entity_type"] == entity_type)]
    assert len(rows) == 1, (metric, entity_type)
    return float(rows["value"].iloc[0])


def test_tiny_run_rows_follow_the_dated_im_and_are_nan_beyond_the_run(tiny_run):
    """Invariants: the aggregate's peak-to-trough and largest 1-day rise are those of the dated
    ``end_user_im_total_usd`` rows; a 3-day run has no 5- or 30-day increase (NaN) in any scope;
    the margin-to-volatility path is the dated IM over the dated 10Y volatility."""
    _, _, metrics = tiny_run
    dated = metrics[metrics["date"].notna()]
    total = dated[dated["metric"] == "end_user_im_total_usd"]["value"].to_numpy()
    assert _value(metrics, "im_peak_to_trough", "aggregate") == pytest.approx(
        total.max() / total.min()
    )
    rise = np.diff(total).max()
    assert _value(metrics, "im_max_increase_1d_usd", "aggregate") == pytest.approx(rise)
    scopes = ["aggregate", "aggregate:cme", "fixed:accounts", "fixed:account_median"]
    for scope in [*scopes, "fixed:outright", "fixed:basis", "fixed:curve"]:
        for days in (5, 30):
            assert math.isnan(_value(metrics, f"im_max_increase_{days}d_frac", scope))
    vol = dated[dated["metric"] == "vol_10y_20d_bp"]["value"].to_numpy()
    ratio = dated[dated["metric"] == "im_to_vol_usd_per_bp"]["value"].to_numpy()
    np.testing.assert_allclose(ratio, total / vol)


def test_fixed_books_take_one_var_call_per_ccp_per_day(tiny_run, monkeypatch):
    """Runtime invariant: all fixed books (3 users + 3 reference portfolios) are margined in one
    VaR call per CCP per close: 2 x 3 days = 6 calls."""
    the_run, _, _ = tiny_run
    calls = []
    original = VarModel.requirement

    def counting(self, exposure, daily_bp):
        calls.append(exposure.shape[0])
        return original(self, exposure, daily_bp)

    monkeypatch.setattr(VarModel, "requirement", counting)
    assert fixed_im_path(the_run).shape == (3, 6)
    assert len(calls) == 6
