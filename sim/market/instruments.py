"""Instruments and their DV01 by key rate.

DV01 is the dollar gain of one unit for a 1bp *fall* in yield (dollars per bp). Each instrument's
DV01 is spread over the key rates 3M, 2Y, 5Y, 10Y, 30Y by linear interpolation in maturity
between the two key tenors around its (cheapest-to-deliver) maturity.

Units: cash notes and bonds are held in dollars of face value; futures in contracts. Cash DV01 is
the par-bond DV01 at a reference yield of 4% (semi-annual coupons): modified duration
``(1 - (1 + y/2)^(-2n)) / y`` times 1e-4 per dollar of face. In a run the margin models rescale
both to the day's yield (``dv01_yield_ratio``; ``sim.margin.exposure.dv01_scale``); the
published futures DV01s are taken to hold at the reference yield (2024 yields were near 4%).
Futures DV01 per contract: TN $88 and UB $204.68 are CME's published figures (CME, 2024); the
others are approximate cheapest-to-deliver DV01s of the same period (TU $38, Z3N $53, FV $45,
TY $64, TWE $135, US $125); SOFR 3-month futures move $25 per bp by contract design; 30-day Fed
Funds futures $41.67 per bp ($5m x 1bp x 30/360).

Repo positions (``REPO<n>Y``, dollars of collateral face) carry the DV01 of their Treasury
collateral, as FICC margins a repo on its forward leg. Cross-margin eligibility (DESIGN.md section
2): Treasury notes and bonds and repo on collateral of more than one year on the FICC side; the
Treasury, SOFR and Fed Funds futures on the CME side. Bills (``UST3M``) and repo on bill
collateral (``REPO3M``) are modelled but not eligible; TIPS, STRIPS, agencies and MBS are not
modelled. The simulated population holds eligible instruments only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.market.history import KEY_MATURITIES, KEY_TENORS

KEY_YEARS = np.array(KEY_MATURITIES)
__all__ = ["CATALOG", "KEY_TENORS", "Instrument", "dv01_matrix", "side_mask"]
REFERENCE_YIELD = 0.04


@dataclass(frozen=True)
class Instrument:
    """A tradable instrument. ``side`` is ``futures`` (CME) or ``cash`` (FICC)."""

    symbol: str
    side: str
    ccp: str
    unit: str
    maturity_years: float
    dv01_per_unit: float
    xm_eligible: bool = True

    @property
    def key_dv01(self) -> np.ndarray:
        """DV01 per unit on each key rate (dollars per bp), shape (5,)."""
        return key_rate_weights(self.maturity_years) * self.dv01_per_unit


def key_rate_weights(maturity_years: float) -> np.ndarray:
    """Weights on the key tenors (sum 1) by linear interpolation in maturity, flat outside."""
    weights = np.zeros(len(KEY_YEARS))
    m = float(np.clip(maturity_years, KEY_YEARS[0], KEY_YEARS[-1]))
    hi = int(np.searchsorted(KEY_YEARS, m))
    if KEY_YEARS[hi] == m:
        weights[hi] = 1.0
        return weights
    lo = hi - 1
    frac = (m - KEY_YEARS[lo]) / (KEY_YEARS[hi] - KEY_YEARS[lo])
    weights[lo], weights[hi] = 1.0 - frac, frac
    return weights


def par_dv01_per_dollar(years, y=REFERENCE_YIELD):
    """DV01 of a par bond per dollar of face (dollars per bp), semi-annual coupons, maturity
    ``years`` at yield ``y`` (a fraction, floored at 1e-6); scalars or arrays."""
    y = np.maximum(y, 1e-6)
    return (1.0 - (1.0 + y / 2.0) ** (-2.0 * np.asarray(years))) / y * 1e-4


def dv01_yield_ratio(years, yield_pct) -> np.ndarray:
    """Par DV01 at ``yield_pct`` (percent) over par DV01 at the reference yield (4%), for
    maturities ``years`` (dimensionless; broadcast): a 10-year is about 16% higher at 1%."""
    return np.asarray(par_dv01_per_dollar(years, np.asarray(yield_pct) / 100.0)) / (
        par_dv01_per_dollar(years)
    )


def _cash(tenor: int) -> Instrument:
    return Instrument(
        f"UST{tenor}Y", "cash", "ficc", "usd_face", float(tenor), float(par_dv01_per_dollar(tenor))
    )


def _repo(tenor: int) -> Instrument:
    """Repo on ``tenor``-year collateral: eligible for XM only above one year."""
    return Instrument(
        f"REPO{tenor}Y", "cash", "ficc", "usd_face", float(tenor), float(par_dv01_per_dollar(tenor))
    )


_BILL_DV01 = float(par_dv01_per_dollar(0.25))
BILL = Instrument("UST3M", "cash", "ficc", "usd_face", 0.25, _BILL_DV01, False)
BILL_REPO = Instrument("REPO3M", "cash", "ficc", "usd_face", 0.25, _BILL_DV01, False)


def _future(symbol: str, ctd_years: float, dv01: float) -> Instrument:
    return Instrument(symbol, "futures", "cme", "contract", ctd_years, dv01)


CATALOG: dict[str, Instrument] = {
    i.symbol: i
    for i in [
        *(_cash(t) for t in (2, 3, 5, 7, 10, 20, 30)),
        *(_repo(t) for t in (2, 3, 5, 7, 10, 20, 30)),
        BILL,
        BILL_REPO,
        _future("TU", 1.9, 38.0),
        _future("Z3N", 2.8, 53.0),
        _future("FV", 4.2, 45.0),
        _future("TY", 6.6, 64.0),
        _future("TN", 9.5, 88.0),
        _future("TWE", 19.3, 135.0),
        _future("US", 15.5, 125.0),
        _future("UB", 25.0, 204.68),
        _future("SR3", 0.25, 25.0),
        _future("ZQ", 1 / 12, 41.67),
    ]
}


def dv01_matrix(symbols: list[str]) -> np.ndarray:
    """Key-rate DV01 per unit, shape (n_instruments, 5), dollars per bp."""
    return np.array([CATALOG[s].key_dv01 for s in symbols])


def eligible_mask(symbols: list[str]) -> np.ndarray:
    """Boolean mask of the instruments eligible for cross-margining."""
    return np.array([CATALOG[s].xm_eligible for s in symbols])


def side_mask(symbols: list[str], side: str) -> np.ndarray:
    """Boolean mask of the instruments on ``side`` ('futures' or 'cash')."""
    return np.array([CATALOG[s].side == side for s in symbols])
