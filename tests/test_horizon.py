"""Tests of sim.margin.horizon (horizon P&L of frozen books, the pro-rata cover) and of the
charged-IM backtest (sim.margin.backtest.charged_backtest, experiments.backtesting).

Every expected number is worked by hand in the docstring, or the test checks an invariant.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments.backtesting import backtest_rows
from sim.config import SimConfig
from sim.margin.backtest import charged_backtest
from sim.margin.exposure import book_exposures
from sim.margin.horizon import horizon_moves, horizon_pnl, paired_horizon_pnl, shared_cover
from sim.margin.var import N_KEY, VarModel
from sim.market.basis import FAMILIES, BasisParams
from sim.market.basis_lookback import margin_history, seeded_basis_changes
from sim.market.sources import synthetic_with_regimes

TEN_YEAR, TEN_YEAR_BASIS = 3, N_KEY + FAMILIES.index("10Y")


def test_horizon_moves_and_pnl_by_hand():
    """Daily 10Y changes 1, 2, 4, 8 bp (rows 0-3) and 10Y basis -1 bp on row 2. A book frozen
    at the end of row 0 over 2 days earns rows 1-2: 10Y +6bp, basis -1bp. Long $100/bp 10Y
    cash and short 1 contract-like $-50/bp of 10Y futures (key rate and basis):
    P&L = -(100 - 50) x 6 - (-50) x (-1) = -300 - 50 = -$350 (hand); frozen at the end of
    row 1 it earns rows 2-3, 10Y +12bp and basis -1bp: -50 x 12 - 50 = -$650 (hand)."""
    daily = np.zeros((4, N_KEY + len(FAMILIES)))
    daily[:, TEN_YEAR] = [1.0, 2.0, 4.0, 8.0]
    daily[2, TEN_YEAR_BASIS] = -1.0
    book = np.zeros(N_KEY + len(FAMILIES))
    book[TEN_YEAR], book[TEN_YEAR_BASIS] = 50.0, -50.0
    moves = horizon_moves(daily, np.array([0, 1]), 2)
    assert moves[:, TEN_YEAR].tolist() == [6.0, 12.0]
    assert moves[:, TEN_YEAR_BASIS].tolist() == [-1.0, -1.0]
    pnl = horizon_pnl(book[None, :], daily, np.array([0]), 2)
    assert pnl.shape == (1, 1) and pnl[0, 0] == pytest.approx(-350.0)
    paired = paired_horizon_pnl(np.vstack([book, book]), daily, np.array([0, 1]), 2)
    assert paired.tolist() == pytest.approx([-350.0, -650.0])  # rows 2-3: 12bp, basis -1


def test_horizon_needs_a_full_horizon():
    """Start row 2 of 4 with a 2-day horizon needs rows 3 and 4: refused."""
    with pytest.raises(ValueError):
        horizon_moves(np.zeros((4, 5)), np.array([2]), 2)


def test_shared_cover_pro_rata_to_im_by_hand():
    """IM 20 at this CCP, 80 at the other, the other's leg gains 30 (loss -30): its excess is
    80 + 30 = 110, of which this CCP gets 20 / 100 = 20%: cover 20 + 22 = 42 (hand). When the
    other loses more than its IM there is nothing to share: cover = own IM 20."""
    assert shared_cover(np.array([20.0]), np.array([80.0]), np.array([-30.0]))[0] == 42.0
    assert shared_cover(np.array([20.0]), np.array([80.0]), np.array([95.0]))[0] == 20.0


def test_charged_backtest_by_hand_under_no_rule():
    """Rule ``none``: each CCP charges its standalone leg IM, nothing is shared. Futures leg
    -$1,000/bp 10Y, cash leg +$1,000/bp (hedged), 1-day 90% models on 10 days: 10Y moves
    +1, -1, ... so each leg's VaR is $1,000 (the worst of 10). On test day 15 the 10Y jumps
    +5bp: the cash leg loses $5,000 > $1,000 (an exception at FICC), the futures leg gains;
    the joint book loses 0 (hedged), never an exception."""
    daily = np.zeros((30, 5))
    daily[:, TEN_YEAR] = np.where(np.arange(30) % 2 == 0, 1.0, -1.0)
    daily[15, TEN_YEAR] = 5.0
    fut, cash = np.zeros((1, 5)), np.zeros((1, 5))
    fut[0, TEN_YEAR], cash[0, TEN_YEAR] = -1000.0, 1000.0
    model = VarModel(0.9, 1, 10)
    out = charged_backtest(daily, (fut, cash), (model, model), rule="none", cap=0.8, start=10)
    assert out["ficc"]["day"][out["ficc"]["exception"][:, 0]].tolist() == [15]
    assert out["ficc"]["loss"][out["ficc"]["day"] == 15, 0] == pytest.approx(5000.0)
    assert not out["both"]["exception"].any() and not out["both"]["loss"].any()
    assert out["cme"]["im"][0, 0] == pytest.approx(1000.0)


def _history_with_jump(cfg: SimConfig, jump_bp: float, test_days: int = 40):
    """Synthetic key rates (seed 5) and the seeded basis look-back, ``test_days`` after the
    look-back; the 10Y basis family moves ``jump_bp`` on test day 20."""
    lookback = max(cfg.cme.lookback_days, cfg.ficc.lookback_days)
    changes, regimes = synthetic_with_regimes(lookback + test_days, 5)
    basis = seeded_basis_changes(regimes, BasisParams(**cfg.market.basis.model_dump()), 5)
    daily = margin_history(changes, basis)
    daily[lookback + 20, TEN_YEAR_BASIS] += jump_bp
    return daily, lookback


def _row(rows: list[dict], view: str, kind: str, model: str) -> dict:
    (row,) = [
        r for r in rows
        if (r["view"], r["kind"], r["model"], r["account"]) == (view, kind, model, "basis")
    ]  # fmt: skip
    return row


def test_planted_basis_jump_is_an_exception_of_cmes_charged_im_only_where_basis_is_seen():
    """Acceptance (issue 12 item 2): the basis book is long $100m 10Y cash, short 929 TN, so a
    -25bp one-day move of the 10Y basis (futures richen) costs its short futures about
    929 x $88 x 25 = $2.04m (hand), far beyond the largest 2-day 10Y-basis move of the
    look-back (8.3bp, $0.68m).
    Under ``min_cap`` CME's charged-IM row of the basis view gets an exception on the jump day
    (the days whose horizon holds it) that the same history without the jump does not have;
    the key-rate-only row (CME with sees_basis false, P&L on key rates) has none there: its
    count is unchanged, blind to the jump."""
    cfg = SimConfig()
    legs = book_exposures([{"UST10Y": 100e6, "TN": -929.0}]).margin_legs()
    models = (cfg.cme.var_model(), cfg.ficc.var_model())
    counts = {}
    for jump in (0.0, -25.0):
        daily, start = _history_with_jump(cfg, jump)
        out = charged_backtest(daily, legs, models, rule="min_cap", cap=0.8, start=start)
        cme = out["cme"]
        counts[jump] = _row(backtest_rows(daily, start, cfg, "min_cap"), "key_rates", "xm_im",
                            "cme")["exceptions"]  # fmt: skip
        hit = cme["day"][cme["exception"][:, 0]]
        assert (start + 20 in hit) == (jump != 0.0)
    assert counts[0.0] == counts[-25.0]
