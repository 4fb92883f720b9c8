"""Tests of sim.metrics.coverage: realised horizon loss against IM held, on a hand-built
``accounts_daily`` frame (two end users, five closes) whose every number is worked by hand in
the docstrings; and the record's exposure columns against the factor order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.api import as_config, simulate
from sim.config import AdhocConfig
from sim.margin.horizon import paired_horizon_pnl
from sim.margin.var import N_KEY
from sim.market.basis import FAMILIES
from sim.metrics import compute
from sim.metrics.coverage import EXPOSURE_COLUMNS, coverage_metrics
from sim.records import AccountDayRecord

A = AccountDayRecord
MPOR = {"cme": 1, "ficc": 2}  # joint horizon 2: closes 0-2 of 5 have a full horizon


def _changes() -> np.ndarray:
    """Daily changes (bp) of days 0-4: 10Y 0, +2, -1, +3, +1; 10Y basis -2 on day 2."""
    changes = np.zeros((5, N_KEY + len(FAMILIES)))
    changes[:, 3] = [0.0, 2.0, -1.0, 3.0, 1.0]
    changes[2, N_KEY + FAMILIES.index("10Y")] = -2.0
    return changes


def _daily() -> pd.DataFrame:
    """alice (XM): short futures -$100/bp on 10Y and its basis at CME (IM $50), long cash
    +$100/bp at FICC (IM $120), reduction 0.8 (the cap) on days 0-3, 0.5 on day 4. bob
    (standalone, CME only): long futures +$50/bp on 10Y and basis, IM $120."""
    rows = []
    for d in range(5):
        red = 0.8 if d < 4 else 0.5
        rows += [
            A(d, "alice", "hedge_fund", "cme", "customer_xm", 50.0, 250.0, 0.0, red,
              dv01_10y_usd=-100.0, basis_dv01_10y_usd=-100.0),
            A(d, "alice", "hedge_fund", "ficc", "customer_xm", 120.0, 600.0, 0.0, red,
              dv01_10y_usd=100.0),
            A(d, "bob", "asset_manager", "cme", "customer", 120.0, 120.0, 0.0, 0.0,
              dv01_10y_usd=50.0, basis_dv01_10y_usd=50.0),
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=A._fields)


def _metrics() -> dict[tuple[str, str], float]:
    rows = coverage_metrics(_daily(), _changes(), MPOR, cap=0.8)
    return {(m, e): v for m, e, v in rows}


def test_exposure_columns_follow_the_factor_order():
    """The record's exposure fields are the margin models' columns: 5 key rates then F basis."""
    assert A._fields[-len(EXPOSURE_COLUMNS) :] == EXPOSURE_COLUMNS
    assert len(EXPOSURE_COLUMNS) == N_KEY + len(FAMILIES)


def test_joint_coverage_by_hand():
    """Joint horizon 2 days, closes 0-2 (3 and 4 lack a full horizon: left out). Losses are
    minus the P&L: alice's futures lose -100 x (10Y move) - 100 x (basis move), her cash
    100 x (10Y move).
    Close 0 (days 1-2: 10Y +1, basis -2): futures -100 + 200 = 100, cash 100, joint 200 >
    IM 50 + 120 = 170: exception, shortfall 30.
    Close 1 (days 2-3: 10Y +2, basis -2): -200 + 200 + 200 = 200: shortfall 30.
    Close 2 (days 3-4: 10Y +4): -400 + 400 = 0.
    bob (loss 50 x 10Y + 50 x basis, IM 120): close 0 -50, close 1 0, close 2 200: shortfall
    80. So 3 exceptions of 6 account-days, $140, and 2 episodes (alice's closes 0-1: one)."""
    m = _metrics()
    assert m[("coverage_account_days", "joint")] == 6
    assert m[("coverage_exceptions", "joint")] == 3
    assert m[("coverage_exception_share", "joint")] == pytest.approx(0.5)
    assert m[("coverage_shortfall_usd", "joint")] == pytest.approx(140.0)
    assert m[("under_collateralisation_events", "joint")] == 2


def test_per_ccp_coverage_with_pro_rata_sharing_by_hand():
    """CME (1 day): alice's futures lose -200, 300, -300 on closes 0-2 (day 2: 10Y -1, basis
    -2: 100 + 200); FICC's cash leg (2 days) loses 100, 200, 400. Shares pro rata to IM: CME
    50/170, FICC 120/170. CME's cover, close 1: FICC's excess max(120 - 200, 0) = 0, so 50:
    exception, shortfall 250. FICC's cover: close 1, CME excess max(50 - 300, 0) = 0: 120 <
    200, shortfall 80; close 2, CME excess 50 + 300 = 350, cover 120 + 350 x 120/170 =
    367.06 < 400, shortfall 32.94; close 0: 120 + 250 x 12/17 = 296.5 > 100. bob at CME (no
    sharing, standalone): 100, -150, 150 against 120: shortfall 30 on close 2. CME: 2 of 6,
    $280; FICC: 2 of 3 (bob has no FICC leg), 80 + 400 - 120 - 4200/17 = $112.94."""
    m = _metrics()
    assert (m[("coverage_account_days", "cme")], m[("coverage_exceptions", "cme")]) == (6, 2)
    assert m[("coverage_shortfall_usd", "cme")] == pytest.approx(280.0)
    assert (m[("coverage_account_days", "ficc")], m[("coverage_exceptions", "ficc")]) == (3, 2)
    assert m[("coverage_exception_share", "ficc")] == pytest.approx(2 / 3)
    assert m[("coverage_shortfall_usd", "ficc")] == pytest.approx(80 + 280 - 4200 / 17)


def test_share_capped_account_days_by_hand():
    """alice's 10 XM rows (5 closes x 2 CCPs, every close of the run, horizon or not): 8 at the
    0.8 cap, 2 at 0.5: 0.8. Without XM rows the metric is not emitted."""
    assert _metrics()[("share_capped_account_days", "all")] == pytest.approx(0.8)
    daily = _daily()
    standalone = daily[daily["account"] != "customer_xm"]
    rows = coverage_metrics(standalone, _changes(), MPOR, cap=0.8)
    assert "share_capped_account_days" not in {m for m, _, _ in rows}


def test_a_run_shorter_than_the_horizon_has_no_horizon_metrics():
    """Two closes with a 2-day joint horizon: no close has a full horizon left."""
    daily = _daily()
    rows = coverage_metrics(daily[daily["date_index"] < 2], _changes()[:2], MPOR, cap=0.8)
    assert {m for m, _, _ in rows} == {"share_capped_account_days"}


def _close_only_config():
    """A short XM run whose CCPs settle variation only at their close cycle (no intraday
    cycle, no ad hoc calls), so each close's VM is the day's whole P&L; DV01s at the fixed
    reference yield, so that an unchanged recorded exposure means an unchanged position."""
    cfg = as_config(
        {"population": {"n_end_users": 12}, "calendar": {"business_days": 8},
         "xm": {"enabled": True}, "market": {"lookback_days": 300, "dv01_yield": "fixed"},
         "cme": {"lookback_days": 250}, "ficc": {"lookback_days": 250}}
    )  # fmt: skip
    cme = cfg.cme.model_copy(update={"cycles": {"eod": cfg.cme.cycles["eod"]}})
    ficc = cfg.ficc.model_copy(
        update={"cycles": {"sod": cfg.ficc.cycles["sod"]}, "adhoc": AdhocConfig()}
    )
    return cfg.model_copy(update={"cme": cme, "ficc": ficc})


def test_recorded_exposures_and_realised_changes_give_the_ccps_own_vm(monkeypatch):
    """Invariant tying coverage's inputs to the run: a leg whose recorded exposure is the same
    at closes d-1 and d earned, by the CCP's own variation margin at close d, exactly the
    one-day horizon P&L that coverage computes from the exposure at d-1 and the realised
    changes of day d (key rates, and for CME's futures the basis with impact)."""
    seen = {}
    original = compute.coverage_rows

    def spy(daily, run):
        seen["changes"] = run.margin_history(run.calendar.n_days - 1)[-run.calendar.n_days :]
        return original(daily, run)

    monkeypatch.setattr(compute, "coverage_rows", spy)
    daily = simulate(_close_only_config(), seed=2).tables["accounts_daily"]
    daily = daily.sort_values(["ccp", "entity", "account", "date_index"])
    prev = daily.groupby(["ccp", "entity", "account"]).shift(1)
    exposure, before = daily[list(EXPOSURE_COLUMNS)], prev[list(EXPOSURE_COLUMNS)]
    same = (exposure.to_numpy() == before.to_numpy()).all(axis=1) & prev["date_index"].notna()
    rows = daily[same]
    start = rows["date_index"].to_numpy() - 1
    pnl = paired_horizon_pnl(before[same].to_numpy(), seen["changes"], start, 1)
    assert len(rows) > 50 and set(rows["ccp"]) == {"cme", "ficc"}
    np.testing.assert_allclose(pnl, rows["vm_usd"].to_numpy(), rtol=1e-9, atol=1e-6)
