"""Futures-cash basis factor of the market path.

Units: basis levels are in **basis points** of yield; volatilities are bp per (trading) day.

Basis (``simulate_basis``, ``BasisParams``). One factor per futures family ``FAMILIES`` (2Y, 5Y,
10Y, bond): the basis is the futures-implied yield minus the cash key-rate yield, in bp, as a
deviation from its level at the run start (so it starts at 0). **Sign convention**: a positive
basis means futures cheapen relative to cash (futures-implied yield up against cash). With
DV01 as the dollar gain for a 1bp *fall* in yield (``sim.instruments``), a futures position's
P&L from the basis is ``-(futures DV01) * (basis change)`` (``basis_pnl_usd``): a long futures
position loses when the basis rises, a short futures / long cash basis trade gains. The basis
is an AR(1) (discretised Ornstein-Uhlenbeck) around 0,
``b_t = (1 - kappa) b_{t-1} + sigma_{r_t} eps_t + impact_t``, with calm/stressed shock
volatilities chosen by the day's key-rate regime. Its stationary standard deviation in one
regime is ``sigma / sqrt(1 - (1 - kappa)^2)``. The parameters are **assumptions, not fits** (the
project ships no daily futures-cash basis data); see ``BasisParams``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAMILIES: tuple[str, ...] = ("2Y", "5Y", "10Y", "bond")
FAMILY_OF: dict[str, str] = {
    "TU": "2Y",
    "Z3N": "2Y",
    "FV": "5Y",
    "TY": "10Y",
    "TN": "10Y",
    "TWE": "bond",
    "US": "bond",
    "UB": "bond",
}
AR1_BLOCK_DAYS = 256


@dataclass(frozen=True)
class BasisParams:
    """Futures-cash basis parameters (assumptions, not fits: no basis data ship with the model).

    - ``kappa`` (per day, default 0.15): mean reversion; half-life ln 2 / -ln(0.85), about 4.3
      days, so dislocations fade within a week or two.
    - ``vol_calm_bp`` (bp/day, default 0.3): small day-to-day basis noise in normal markets;
      stationary standard deviation 0.3 / sqrt(1 - 0.85^2), about 0.57bp.
    - ``vol_stressed_bp`` (bp/day, default 2.0): an assumption inspired by March 2020, when the
      basis trade unwound and cash cheapened sharply against futures (OFR Brief 20-01); a
      parameter for scenarios, not an estimate. Stationary standard deviation about 3.8bp.
      On the Treasury history 1990-2021 the causal regime labels (``sim.market.basis_lookback``)
      mark only 25 of the 2,520 look-back days to 28 Feb 2020 stressed (43 to 31 Mar): the
      2010s are calm against the percentile of all days since 1990, so CME's look-back carries
      almost only calm basis and its raw factor for ``experiments/portfolios/basis.yaml`` at 31
      Mar 2020 (median of basis seeds 0-2) is 0.94 at 2bp/day, 0.89 at 4, 0.84 at 6 and 0.79
      at 8: the 0.80 cap binds unless the stressed basis volatility is about 8bp/day, four
      times this assumption (issue 12; not adopted without a daily basis series to fit).
    - ``family_corr`` (default 0.7): correlation of the daily shocks across families, through a
      common factor. Chosen over independent shocks because basis moves are driven by dealer
      balance sheet and repo funding common to the whole curve (in March 2020 every tenor
      dislocated together); independence would understate the risk of a basis book spread over
      several families. 0 gives independent families.
    - ``price_impact_bp_per_bn`` (default 0.5): bp of basis move per $1bn notional of forced
      futures-versus-cash selling, used by deleveraging to build ``impact_bp``.
    """

    kappa: float = 0.15
    vol_calm_bp: float = 0.3
    vol_stressed_bp: float = 2.0
    family_corr: float = 0.7
    price_impact_bp_per_bn: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.kappa <= 1.0:
            raise ValueError(f"kappa must be in [0, 1] per day, got {self.kappa}")
        if self.vol_calm_bp < 0 or self.vol_stressed_bp < 0 or self.price_impact_bp_per_bn < 0:
            raise ValueError("basis volatilities and price impact must be >= 0")
        if not 0.0 <= self.family_corr <= 1.0:
            raise ValueError(f"family_corr must be in [0, 1], got {self.family_corr}")

    @property
    def vol_bp(self) -> np.ndarray:
        """Shock volatility (bp/day) by regime: [calm, stressed]."""
        return np.array([self.vol_calm_bp, self.vol_stressed_bp])


def ar1_filter(shocks: np.ndarray, decay: float, block: int = AR1_BLOCK_DAYS) -> np.ndarray:
    """``x_t = decay * x_{t-1} + u_t`` from ``x_{-1} = 0`` along axis 0 of ``shocks`` (D, F).

    Vectorised in blocks of ``block`` days: within a block, a lower-triangular matrix of powers
    of ``decay`` (only non-negative powers, so no overflow however long the path) times the
    shocks, plus the carried level decayed.
    """
    u = np.asarray(shocks, dtype=float)
    lag = np.subtract.outer(np.arange(block), np.arange(block))
    kernel = np.where(lag >= 0, decay ** np.maximum(lag, 0).astype(float), 0.0)
    carry = decay ** np.arange(1, block + 1, dtype=float)
    out = np.empty_like(u)
    level = np.zeros(u.shape[1:])
    for lo in range(0, u.shape[0], block):
        n = min(block, u.shape[0] - lo)
        out[lo : lo + n] = kernel[:n, :n] @ u[lo : lo + n] + np.multiply.outer(carry[:n], level)
        level = out[lo + n - 1]
    return out


def basis_shocks(
    regimes: np.ndarray, n_families: int, params: BasisParams, rng: np.random.Generator
) -> np.ndarray:
    """Daily basis shocks (D, F) bp: ``sigma_r (sqrt(rho) c_t + sqrt(1 - rho) e_tf)``.

    One common normal ``c_t`` and one per family ``e_tf`` (a single (D, F + 1) draw, whatever
    ``family_corr``, so scenarios differing only in parameters share random numbers).
    """
    states = np.asarray(regimes, dtype=np.int64)
    if states.ndim != 1 or not np.all((states == 0) | (states == 1)):
        raise ValueError("regimes must be a 1-D array of 0 (calm) / 1 (stressed)")
    z = rng.standard_normal((states.size, n_families + 1))
    rho = params.family_corr
    mixed = np.sqrt(rho) * z[:, :1] + np.sqrt(1.0 - rho) * z[:, 1:]
    return params.vol_bp[states][:, None] * mixed


def simulate_basis(
    regimes: np.ndarray,
    n_families: int,
    params: BasisParams,
    rng: np.random.Generator,
    impact_bp: np.ndarray | None = None,
) -> np.ndarray:
    """Basis level (D, F) bp per day and family (positive: futures cheap to cash), from 0.

    ``regimes`` (D,) is the key-rate regime per day (0 calm, 1 stressed). ``impact_bp`` (D, F),
    optional, is added to the level on its day and then decays like any shock (price impact is
    absorbed by mean reversion at rate ``kappa``); its sign follows the basis convention, so
    forced selling of futures against cash is positive, of cash against futures negative.
    """
    shocks = basis_shocks(regimes, n_families, params, rng)
    if impact_bp is not None:
        impact = np.asarray(impact_bp, dtype=float)
        if impact.shape != shocks.shape:
            raise ValueError(f"impact_bp shape {impact.shape} must be {shocks.shape}")
        shocks = shocks + impact
    return ar1_filter(shocks, 1.0 - params.kappa)


def stationary_sd_bp(params: BasisParams, regime: int) -> float:
    """Stationary standard deviation (bp) of the basis staying in ``regime`` (inf if kappa 0)."""
    if params.kappa == 0.0:
        return float("inf")
    return float(params.vol_bp[regime] / np.sqrt(1.0 - (1.0 - params.kappa) ** 2))


def basis_pnl_usd(futures_dv01_usd: np.ndarray, basis_change_bp: np.ndarray) -> np.ndarray:
    """Futures P&L (dollars) from a basis change: ``-(DV01 per bp fall in yield) * change``."""
    return -np.asarray(futures_dv01_usd, dtype=float) * np.asarray(basis_change_bp, dtype=float)
