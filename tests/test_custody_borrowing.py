"""Borrowing against custody Treasuries (``population.types.*.custody_borrowing``): a regional
bank's committed line is raised by that share of the face it holds in custody under
``cleared_repo``; nothing changes under ``outright`` or for a type with share 0."""

from __future__ import annotations

from agents.worlds.clearing import opening_liquidity
from sim.config import EndUserTypeConfig, build_config
from sim.population.legs import custody_face_usd


def _kind(**fields) -> EndUserTypeConfig:
    base = {"share": 1.0, "template": "hedged_book", "dv01_median_usd": 1.0, "hedge_ratio": 0.6}
    return EndUserTypeConfig(**{**base, **fields})


def test_custody_face_by_hand():
    """$100m of 10Y notes and 500 short TN contracts: custody face $100m for a custody type,
    $40m when 60% is financed in cleared repo, 0 under outright (the notes sit at FICC)."""
    book = {"UST10Y": 100_000_000.0, "TN": -500.0}
    assert custody_face_usd(book, _kind(), "cleared_repo") == 100_000_000.0
    repo = _kind(cash_holding="repo", repo_financed_share=0.6)
    assert custody_face_usd(book, repo, "cleared_repo") == 40_000_000.0
    assert custody_face_usd(book, _kind(), "outright") == 0.0


def test_opening_liquidity_by_hand():
    """IM basis $1m, multiples cash 2.5, committed line 1.0, uncommitted 0.5, Treasuries 2.0,
    $95m borrowable against custody: cash $2.5m, line $1.5m + $95m = $96.5m, Treasuries $2m
    (in cents)."""
    kind = _kind(
        cash_buffer_multiple=2.5,
        credit_line_multiple=1.0,
        uncommitted_line_multiple=0.5,
        securities_multiple=2.0,
    )
    assert opening_liquidity(kind, 1_000_000.0, 95_000_000.0) == (
        250_000_000,
        9_650_000_000,
        200_000_000,
    )


def test_regional_banks_borrow_against_custody_by_default():
    """The default types: regional banks 0.95 (assumption in the registry), funds 0."""
    types = build_config({}).population.types
    assert types["regional_bank"].custody_borrowing == 0.95
    assert types["hedge_fund"].custody_borrowing == types["asset_manager"].custody_borrowing == 0
