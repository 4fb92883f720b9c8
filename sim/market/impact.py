"""Price impact of the simulated population's trades, relative to the market's depth.

Units: flows and depths in **dollars of DV01 per bp** (a trade's size is ``units x DV01 per
unit``: dollars of face for cash, contracts for futures, ``sim.market.instruments``); depths per
**business day**; impacts in **bp of yield**; money in USD.

Square-root law (Almgren, Thum, Hauptmann and Li, "Direct estimation of equity market impact",
Risk 2005; Toth et al., "Anomalous price impact and the critical nature of liquidity in financial
markets", Phys. Rev. X 1, 021006, 2011; Bouchaud, Bonart, Donier and Gould, "Trades, Quotes and
Prices", 2018, ch. 12): a metaorder of size ``Q`` traded within a day against a daily volume
``V`` moves the price by ``Y sigma sqrt(Q / V)``, with ``sigma`` the daily volatility and ``Y``
of order 1 in futures markets. Its average execution price is ``2/3`` of that peak impact (the
integral of a square root), so a seller's cost is ``(2/3) Y sigma sqrt(Q / V) x Q``.

**Population scale.** The simulated population is a sample of the market at ``population.scale``
``s``: a sample flow ``q`` stands for the market flow ``q / s``, and that is what moves prices:
``impact_bp(q, s) = Y sigma sqrt(|q| / s / V)``. Duplicating every user while doubling ``s``
leaves every impact, and every user's cost per unit, unchanged.

**Sign convention** (``sim.market.basis``: positive basis = futures cheapen relative to cash).
Yields stay exogenous; the impact of the sample's trades goes into the futures-cash basis. A
signed flow is positive when buying duration. Buying cash richens cash (cash yield down, basis
up); buying futures richens futures (futures yield down, basis down):
``basis impact = +I_cash(cash flow) - I_futures(futures flow)``, each ``I`` signed like its flow.
So a forced unwind of basis trades (selling cash, buying back futures) makes the basis
**negative** (cash cheapens against futures), and freed arbitrage capital put into new basis
trades (buying cash, selling futures) makes it **positive**: it compresses the futures' richness
that the trade earns (``compression_bp``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.market.basis import FAMILIES, FAMILY_OF
from sim.market.history import KEY_TENORS
from sim.market.instruments import CATALOG, par_dv01_per_dollar

FUTURES, CASH, NO_LEG = 0, 1, -1
CASH_FAMILY: dict[str, str] = {
    "UST2Y": "2Y",
    "UST3Y": "2Y",
    "UST5Y": "5Y",
    "UST7Y": "5Y",
    "UST10Y": "10Y",
    "UST20Y": "bond",
    "UST30Y": "bond",
}
CASH_TENOR_YEARS: dict[str, float] = {"2Y": 2.0, "5Y": 5.0, "10Y": 10.0, "bond": 25.0}
FAMILY_KEY_TENOR: dict[str, str] = {"2Y": "2Y", "5Y": "5Y", "10Y": "10Y", "bond": "30Y"}


def default_futures_adv() -> dict[str, float]:
    return {
        "TU": 850_000.0,
        "Z3N": 5_000.0,
        "FV": 1_500_000.0,
        "TY": 1_900_000.0,
        "TN": 520_000.0,
        "TWE": 30_000.0,
        "US": 450_000.0,
        "UB": 300_000.0,
    }


def default_cash_family_share() -> dict[str, float]:
    return {"2Y": 0.20, "5Y": 0.28, "10Y": 0.18, "bond": 0.10}


@dataclass(frozen=True)
class ImpactParams:
    """Market depth and the impact law (``sim.config.market.ImpactConfig`` mirrors it).

    - ``coeff`` (``Y``, default 1.0): Toth et al. 2011 find ``Y`` of order 1 in futures markets;
      an assumption for Treasuries.
    - ``cost_fraction`` (default 2/3): average execution price over peak impact under the
      square-root law (Bouchaud et al. 2018, ch. 12).
    - ``futures_adv`` (contracts per business day by contract): outright depth, an assumption
      of about 60% of CME's 2024 roll-month figures (Feb 2024: TY 3.2m, FV 2.6m, TU 1.4m; May
      2024: FV 2.4m, TU 1.4m, TN 0.87m; CME Group monthly volume press releases), since calendar
      spreads in roll months are not outright depth; US, UB, TWE, Z3N assumptions of the same
      order. Depth by family: contracts x CME DV01 (TY 1.9m x $64 + TN 0.52m x $88, ...).
    - ``cash_adv_usd`` (default $900bn of face per business day): U.S. Treasury average daily
      trading volume in 2024, about $0.9tn (SIFMA Fixed Income Market Structure Compendium,
      Feb 2025; Coalition Greenwich: about $1tn a day in Oct 2025).
    - ``cash_family_share``: the part of it in each family's maturity bucket (the rest: bills,
      TIPS, FRNs); an assumption in the spirit of FINRA TRACE Treasury aggregates by maturity.
    - ``stressed_depth_factor`` (default 0.5): dealers' balance-sheet capacity binds in stress
      and the depth that absorbs a flow shrinks (Duffie 2020, "Still the world's safe haven?",
      Hutchins WP 62; He, Nagel and Song 2022, JFE 143; Schrimpf, Shin and Sushko 2020, BIS
      Bulletin 2): an assumption.
    """

    coeff: float = 1.0
    cost_fraction: float = 2.0 / 3.0
    futures_adv: Mapping[str, float] = field(default_factory=default_futures_adv)
    cash_adv_usd: float = 900e9
    cash_family_share: Mapping[str, float] = field(default_factory=default_cash_family_share)
    stressed_depth_factor: float = 0.5

    def __post_init__(self) -> None:
        if self.coeff < 0 or not 0.0 <= self.cost_fraction <= 1.0:
            raise ValueError("coeff must be >= 0 and cost_fraction in [0, 1]")
        if not 0.0 < self.stressed_depth_factor <= 1.0:
            raise ValueError("stressed_depth_factor must be in (0, 1]")
        if set(self.cash_family_share) != set(FAMILIES):
            raise ValueError(f"cash_family_share must give exactly the families {FAMILIES}")
        if set(self.futures_adv) - set(FAMILY_OF):
            raise ValueError(f"futures_adv takes Treasury futures only: {sorted(FAMILY_OF)}")
        if self.cash_adv_usd <= 0 or min(self.futures_adv.values(), default=1.0) < 0:
            raise ValueError("volumes must be positive")

    def depth_dv01(self) -> np.ndarray:
        """Daily depth (dollars of DV01 per bp per business day), shape (2, F): row 0 futures,
        row 1 cash, columns ``FAMILIES``."""
        depth = np.zeros((2, len(FAMILIES)))
        for symbol, adv in self.futures_adv.items():
            depth[FUTURES, FAMILIES.index(FAMILY_OF[symbol])] += adv * CATALOG[symbol].dv01_per_unit
        for f, name in enumerate(FAMILIES):
            face = self.cash_adv_usd * self.cash_family_share[name]
            depth[CASH, f] = face * par_dv01_per_dollar(CASH_TENOR_YEARS[name])
        return depth


def legs(symbols: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(leg, family) per symbol: leg ``FUTURES`` (Treasury futures), ``CASH`` (Treasury notes
    and bonds) or ``NO_LEG``, family an index into ``FAMILIES`` or -1. Repo, bills, SOFR and Fed
    Funds futures have no leg: their markets' depth is taken as far beyond the sample's flows,
    so they trade at the mark without impact (an assumption)."""
    leg = np.full(len(symbols), NO_LEG)
    family = np.full(len(symbols), -1)
    for j, s in enumerate(symbols):
        name = FAMILY_OF.get(s) or CASH_FAMILY.get(s)
        if name is not None:
            leg[j] = FUTURES if s in FAMILY_OF else CASH
            family[j] = FAMILIES.index(name)
    return leg, family


def impact_bp(
    flow_dv01: np.ndarray, scale: float, depth_dv01: np.ndarray, sigma_bp: np.ndarray, coeff: float
) -> np.ndarray:
    """Signed peak impact (bp of yield, the sign of the flow) of a sample flow (dollars of DV01
    per bp, + buying) on one business day: ``coeff sigma sqrt(|flow| / scale / depth)``.
    ``scale`` is the population scale (> 0); ``depth_dv01`` the market's daily depth (dollars of
    DV01 per bp); ``sigma_bp`` the daily yield volatility (bp). Broadcasts."""
    if scale <= 0:
        raise ValueError(f"population scale must be > 0, got {scale}")
    flow = np.asarray(flow_dv01, dtype=float)
    market = np.abs(flow) / scale / np.asarray(depth_dv01, dtype=float)
    return np.sign(flow) * coeff * np.asarray(sigma_bp, dtype=float) * np.sqrt(market)


def leg_impact_bp(
    flow_dv01: np.ndarray,
    scale: float,
    sigma_bp: np.ndarray,
    params: ImpactParams,
    stressed: np.ndarray | bool = False,
) -> np.ndarray:
    """Signed impact (bp) of flows shaped (..., 2, F) (futures row, cash row, by family) on
    days whose regime ``stressed`` (shape (...,) or scalar) shrinks depth by
    ``stressed_depth_factor``; ``sigma_bp`` (..., F) bp per day."""
    factor = np.where(np.asarray(stressed, dtype=bool), params.stressed_depth_factor, 1.0)
    depth = params.depth_dv01() * np.asarray(factor, dtype=float)[..., None, None]
    sigma = np.asarray(sigma_bp, dtype=float)[..., None, :]
    return impact_bp(flow_dv01, scale, depth, sigma, params.coeff)


def basis_impact_bp(leg_bp: np.ndarray) -> np.ndarray:
    """Basis move (bp, (..., F)) from signed leg impacts (..., 2, F): ``+cash - futures``."""
    leg = np.asarray(leg_bp, dtype=float)
    return leg[..., CASH, :] - leg[..., FUTURES, :]


def incremental_basis_bp(
    flow_before_dv01: np.ndarray,
    flow_added_dv01: np.ndarray,
    scale: float,
    sigma_bp: np.ndarray,
    params: ImpactParams,
    stressed: np.ndarray | bool = False,
) -> np.ndarray:
    """Basis move (bp, (..., F)) that a flow (..., 2, F) adds to a day on which the sample has
    already traded ``flow_before_dv01``: the impact of the day's total flow minus that of the
    flow before. Summing the increments of a day's sales in any order gives the impact of their
    total, so splitting the sample into more users at a larger scale changes nothing."""
    before = np.asarray(flow_before_dv01, dtype=float)
    after = before + np.asarray(flow_added_dv01, dtype=float)
    total = leg_impact_bp(after, scale, sigma_bp, params, stressed)
    return basis_impact_bp(total - leg_impact_bp(before, scale, sigma_bp, params, stressed))


def compression_bp(
    freed_margin_usd: np.ndarray,
    margin_per_dv01_usd: float,
    scale: float,
    sigma_bp: np.ndarray,
    params: ImpactParams,
    stressed: np.ndarray | bool = False,
) -> np.ndarray:
    """Basis move (bp, >= 0, (..., F)) when the sample re-uses freed margin (USD, (..., F) by
    family) in new basis trades that need ``margin_per_dv01_usd`` of margin per dollar of DV01
    (per bp): buying ``freed / margin_per_dv01`` of cash DV01 and selling as much futures DV01."""
    dv01 = np.maximum(np.asarray(freed_margin_usd, dtype=float), 0.0) / margin_per_dv01_usd
    flow = np.stack([-dv01, dv01], axis=-2)
    return basis_impact_bp(leg_impact_bp(flow, scale, sigma_bp, params, stressed))


def family_sigma_bp(vol_bp_by_regime: np.ndarray, regimes: np.ndarray) -> np.ndarray:
    """Daily yield volatility (bp, (N, F)) per day and family from a market model's key-rate
    volatilities by regime (R, 5) (``sim.market.calibration``: calm, stressed) and the days'
    regimes (N,): each family takes its key tenor's (``FAMILY_KEY_TENOR``)."""
    cols = [KEY_TENORS.index(FAMILY_KEY_TENOR[f]) for f in FAMILIES]
    return np.asarray(vol_bp_by_regime, dtype=float)[np.asarray(regimes, dtype=int)][:, cols]
