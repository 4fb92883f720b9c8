"""Tests of sim.margin.backtest: Kupiec POF, the Basel traffic light, reference books and the
backtest.

Every expected number is worked by hand in a comment or is a published figure (Basel Committee
on Banking Supervision, 1996, backtesting framework, Table 1: n = 250 days at 99% coverage;
chi-square(1) 5% critical value 3.841).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.margin.backtest import (
    REFERENCE_PORTFOLIOS,
    backtest,
    binomial_cdf,
    kupiec_pof,
    summarise_backtest,
    traffic_light,
)
from sim.margin.exposure import book_exposures
from sim.margin.var import VarModel
from sim.market.instruments import CATALOG

TEN_YEAR = 3  # index of the 10Y key rate in (3M, 2Y, 5Y, 10Y, 30Y)

# --- Kupiec POF ---------------------------------------------------------------------------------


def test_kupiec_no_exceptions_in_250_days():
    """x = 0, n = 250, p = 0.01: the alternative term is 250 ln 1 = 0, so
    LR = -2 * 250 * ln(0.99) = 500 * 0.0100503 = 5.025 (hand)."""
    lr, p_value = kupiec_pof(0, 250, 0.99)
    assert lr == pytest.approx(-2 * 250 * math.log(0.99))
    assert lr == pytest.approx(5.025, abs=1e-3)
    assert p_value == pytest.approx(math.erfc(math.sqrt(lr / 2)))
    assert p_value < 0.05  # 5.025 > 3.841: 0 of 250 rejects at 5%


def test_kupiec_exact_coverage_is_zero():
    """x = n p exactly (5 of 500 at 99%): the null and alternative likelihoods coincide, so
    LR = 0 and the p-value is erfc(0) = 1 (hand)."""
    assert kupiec_pof(5, 500, 0.99) == pytest.approx((0.0, 1.0), abs=1e-12)
    assert kupiec_pof(25, 250, 0.90) == pytest.approx((0.0, 1.0), abs=1e-12)


def test_kupiec_all_exceptions():
    """x = n = 250 at 99%: alternative term 250 ln 1 = 0, null term 250 ln 0.01, so
    LR = -2 * 250 * ln(0.01) = 500 * 4.60517 = 2302.585 (hand), p-value 0."""
    lr, p_value = kupiec_pof(250, 250, 0.99)
    assert lr == pytest.approx(2302.585, abs=1e-3)
    assert p_value == pytest.approx(0.0, abs=1e-300)


def test_chi_square_p_value_at_the_critical_value():
    """The published 5% critical value of chi-square(1) is 3.841: erfc(sqrt(3.841/2)) = 0.05.
    x = 1 of 250 at 99% gives LR = -2[249 ln .99 + ln .01] + 2[249 ln(249/250) + ln(1/250)]
    = 2[2.50254 + 4.60517] - 2[0.99799 + 5.52146] = 14.21542 - 13.03890 = 1.176 (hand)."""
    assert math.erfc(math.sqrt(3.841 / 2)) == pytest.approx(0.05, abs=1e-4)
    lr, p_value = kupiec_pof(1, 250, 0.99)
    assert lr == pytest.approx(1.176, abs=2e-3)
    assert p_value == pytest.approx(math.erfc(math.sqrt(lr / 2)))


@pytest.mark.parametrize("args", [(-1, 250, 0.99), (251, 250, 0.99), (0, 0, 0.99), (1, 10, 1.0)])
def test_kupiec_rejects_bad_counts(args):
    with pytest.raises(ValueError):
        kupiec_pof(*args)


# --- traffic light ------------------------------------------------------------------------------

# Basel (1996) Table 1, n = 250, p = 1%: cumulative probability P(X <= x) for x exceptions.
BASEL_CUMULATIVE = {0: 0.0811, 4: 0.8922, 5: 0.9588, 8: 0.9989, 9: 0.9997}


@pytest.mark.parametrize(("x", "published"), sorted(BASEL_CUMULATIVE.items()))
def test_binomial_cdf_matches_basel_table(x, published):
    assert binomial_cdf(x, 250, 0.01) == pytest.approx(published, abs=5e-5)


def test_binomial_cdf_hand_cases():
    """P(X <= 0) = 0.99^250 (hand); P(X <= 1) for n = 2, p = 0.5 is 3/4 (hand); edges 0 and 1."""
    assert binomial_cdf(0, 250, 0.01) == pytest.approx(0.99**250)
    assert binomial_cdf(1, 2, 0.5) == pytest.approx(0.75)
    assert binomial_cdf(-1, 10, 0.1) == 0.0
    assert binomial_cdf(10, 10, 0.1) == 1.0


def test_traffic_light_reproduces_basel_250_day_table():
    """Basel (1996): green 0-4, yellow 5-9, red 10 or more exceptions in 250 days at 99%."""
    zones = [traffic_light(x, 250, 0.99) for x in range(16)]
    assert zones == ["green"] * 5 + ["yellow"] * 5 + ["red"] * 6
    assert (traffic_light(4, 250), traffic_light(5, 250)) == ("green", "yellow")
    assert (traffic_light(9, 250), traffic_light(10, 250)) == ("yellow", "red")


def test_traffic_light_scales_with_observations():
    """Same rule at n = 2 days, p = 0.5 (hand): P(X<=0) = 0.25 green, P(X<=1) = 0.75 green,
    P(X<=2) = 1 red."""
    assert [traffic_light(x, 2, 0.5) for x in range(3)] == ["green", "green", "red"]


# --- reference portfolios -----------------------------------------------------------------------


def test_basis_portfolio_is_dv01_neutral_to_one_contract():
    """Long $100m UST10Y has DV01 1e8 * (1 - 1.02^-20) / 0.04 * 1e-4 = $81,757/bp (hand);
    81,757 / 88 = 929.06, so short 929 TN; the residual 81,757 - 929 * 88 = $5.17/bp is below
    one TN contract's $88/bp."""
    book = REFERENCE_PORTFOLIOS["basis"]
    assert book == {"UST10Y": 100e6, "TN": -929.0}
    exposure = book_exposures([book]).total[0]
    assert abs(exposure.sum()) < CATALOG["TN"].dv01_per_unit
    assert exposure.sum() == pytest.approx(5.17, abs=0.01)


def test_outright_and_curve_portfolios():
    """Outright: 1,000 TY at $64 = $64,000/bp (hand). Curve: short $100m 10Y ($81,757/bp) and
    long 2Y of the same DV01, so key-rate DV01 +81,757 on 2Y and -81,757 on 10Y, total 0."""
    assert REFERENCE_PORTFOLIOS["outright"] == {"TY": 1000.0}
    exp = book_exposures(list(REFERENCE_PORTFOLIOS.values())).total
    assert exp.shape == (3, 5)
    assert exp[0].sum() == pytest.approx(64_000.0)
    assert REFERENCE_PORTFOLIOS["curve"]["UST10Y"] == -100e6
    assert exp[2, 1] == pytest.approx(81_757.17, abs=0.01)
    assert exp[2, TEN_YEAR] == pytest.approx(-81_757.17, abs=0.01)
    assert exp[2].sum() == pytest.approx(0.0, abs=1e-6)


# --- backtest -----------------------------------------------------------------------------------


def _jump_history(n_days: int = 30, jump_day: int = 15, jump_bp: float = 5.0) -> np.ndarray:
    """10Y moves +1, -1, +1, ... bp (row t: +1 if t even), except +jump_bp on ``jump_day``.
    The other key rates move wildly, but the test exposures have no DV01 on them."""
    daily = np.zeros((n_days, 5))
    daily[:, TEN_YEAR] = np.where(np.arange(n_days) % 2 == 0, 1.0, -1.0)
    daily[jump_day, TEN_YEAR] = jump_bp
    daily[:, 1] = np.arange(n_days) * 37.0 - 400.0  # irrelevant 2Y noise
    return daily


def test_backtest_one_day_horizon_counts_one_exception():
    """Long $1,000/bp of 10Y, 1-day VaR at 90% over 10 days: rank ceil(10 * 0.1) = 1, the worst
    of 10 scenarios. Before the jump the worst day is +1bp, so VaR = $1,000; a +1bp day loses
    $1,000, equal to the VaR, not an exception. Day 15 (+5bp) loses $5,000 > $1,000: the one
    exception. Days 16-25 see day 15 in their look-back (VaR $5,000); days 26-29 $1,000 again.
    Test days 10..29: 20 observations (hand)."""
    exposure = np.array([[0.0, 0.0, 0.0, 1000.0, 0.0]])
    res = backtest(_jump_history(), exposure, VarModel(0.9, 1, 10), start=10)
    np.testing.assert_array_equal(res["day"], np.arange(10, 30))
    expected_var = np.where((res["day"] >= 16) & (res["day"] <= 25), 5000.0, 1000.0)
    np.testing.assert_allclose(res["var"][:, 0], expected_var)
    assert res["pnl"][15 - 10, 0] == pytest.approx(-5000.0)
    assert res["exception"].dtype == bool
    assert np.flatnonzero(res["exception"][:, 0]).tolist() == [15 - 10]


def test_backtest_two_day_horizon_and_sign():
    """2-day horizon, 10-day look-back: 9 overlapping scenarios, rank ceil(9 * 0.1) = 1, worst.
    Without the jump every 2-day sum is +1 - 1 = 0, so VaR = 0. The 2-day windows (14, 15) and
    (15, 16) sum to 1 + 5 = 6bp: a loss of $6,000 for the long, exceptions on t = 14 and 15.
    The short (-$1,000/bp) gains there, and its VaR is 0 too: no exception. Test days 10..28:
    19 observations (hand)."""
    exposure = np.array([[0.0, 0.0, 0.0, 1000.0, 0.0], [0.0, 0.0, 0.0, -1000.0, 0.0]])
    res = backtest(_jump_history(), exposure, VarModel(0.9, 2, 10), start=10)
    assert res["var"].shape == res["pnl"].shape == res["exception"].shape == (19, 2)
    assert res["day"][res["exception"][:, 0]].tolist() == [14, 15]
    assert not res["exception"][:, 1].any()
    assert res["var"][res["day"] == 14, 0] == pytest.approx(0.0)
    assert res["var"][res["day"] == 16, 0] == pytest.approx(6000.0)  # (14, 15) in look-back
    assert res["pnl"][res["day"] == 14, 1] == pytest.approx(6000.0)


def test_backtest_rejects_short_lookback_and_nan():
    daily, exposure = _jump_history(), np.ones((1, 5))
    with pytest.raises(ValueError):
        backtest(daily, exposure, VarModel(0.9, 1, 10), start=9)
    daily[3, 0] = np.nan
    with pytest.raises(ValueError):
        backtest(daily, exposure, VarModel(0.9, 1, 10), start=10)


def test_summarise_backtest_hand_counts():
    """From the 1-day case: 1 exception in 20 days (rate 0.05). At 90% coverage
    LR = -2[19 ln .9 + ln .1] + 2[19 ln .95 + ln .05] = 2[2.00185 + 2.30259]
    - 2[0.97457 + 2.99573] = 8.60888 - 7.94060 = 0.668 (hand). Binomial(20, 0.1):
    P(X <= 1) = 0.9^20 + 20 * 0.1 * 0.9^19 = 0.12158 + 0.27017 = 0.392 < 0.95: green."""
    exposure = np.array([[0.0, 0.0, 0.0, 1000.0, 0.0]])
    res = backtest(_jump_history(), exposure, VarModel(0.9, 1, 10), start=10)
    (row,) = summarise_backtest(res, 0.9, names=["long10y"])
    assert row["account"] == "long10y"
    assert (row["observations"], row["exceptions"]) == (20, 1)
    assert row["exception_rate"] == pytest.approx(0.05)
    assert row["kupiec_lr"] == pytest.approx(0.668, abs=2e-3)
    assert row["kupiec_p_value"] == pytest.approx(math.erfc(math.sqrt(row["kupiec_lr"] / 2)))
    assert row["zone"] == "green"
