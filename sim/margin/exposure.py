"""Key-rate exposures of position books: the one place positions become DV01s.

A book maps instrument symbols (``sim.market.instruments.CATALOG``) to quantities: cash and repo
in dollars of face value, futures in contracts (negative = short). Its exposure is the key-rate
DV01 in dollars per bp (the dollar gain for a 1bp fall in each of the key rates 3M, 2Y, 5Y, 10Y,
30Y), split into the futures leg (CME) and the cash leg (FICC), and the futures DV01 per basis
family (``sim.market.basis.FAMILIES``), which the futures-cash basis moves.

For the margin models (``sim.margin.var``) a leg's exposure is its key-rate DV01 followed by its
futures DV01 on each family's basis column (``with_basis``; dollars per bp, (n, 5 + F)); the
cash leg has none (zeros), since only futures prices carry the futures-cash basis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.market.basis import FAMILIES, FAMILY_OF
from sim.market.instruments import (
    CATALOG,
    KEY_TENORS,
    KEY_YEARS,
    dv01_matrix,
    dv01_yield_ratio,
    eligible_mask,
    side_mask,
)

FAMILY_KEY = (1, 2, 3, 4)  # each basis family's key tenor (2Y, 5Y, 10Y, 30Y) in FAMILIES order


@dataclass(frozen=True)
class BookExposures:
    """Per book (rows): futures-leg and cash-leg key-rate DV01 (dollars per bp, (n, 5)) and
    futures DV01 per basis family (dollars per bp, (n, F))."""

    futures: np.ndarray
    cash: np.ndarray
    family: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Both legs together (dollars per bp, (n, 5))."""
        return self.futures + self.cash

    def margin_legs(self) -> tuple[np.ndarray, np.ndarray]:
        """Futures and cash legs with their basis columns (dollars per bp, (n, 5 + F) each)."""
        return with_basis(self.futures, self.family), with_basis(self.cash, None)


def with_basis(key_dv01: np.ndarray, family_dv01: np.ndarray | None) -> np.ndarray:
    """Key-rate DV01 (n, 5) then futures DV01 per basis family (n, F; None: a cash leg, zeros),
    dollars per bp, as one (n, 5 + F) margin exposure: with P&L ``-exposure @ change`` the
    basis columns give ``-(futures DV01) x (basis change)`` (``sim.market.basis``)."""
    key = np.asarray(key_dv01, dtype=float)
    fam = np.zeros((key.shape[0], len(FAMILIES))) if family_dv01 is None else family_dv01
    return np.hstack([key, fam])


def family_dv01(symbols: Sequence[str]) -> np.ndarray:
    """DV01 per unit (dollars per bp) of each symbol on its basis family, (len(symbols), F)."""
    family = np.zeros((len(symbols), len(FAMILIES)))
    for j, s in enumerate(symbols):
        if s in FAMILY_OF:
            family[j, FAMILIES.index(FAMILY_OF[s])] = CATALOG[s].dv01_per_unit
    return family


def book_exposures(
    books: Sequence[Mapping[str, float]], eligible_only: bool = False
) -> BookExposures:
    """The exposures of each book; with ``eligible_only`` just its instruments eligible for
    cross-margining (DESIGN.md section 2: no bills, no repo on bill collateral)."""
    symbols = sorted({s for b in books for s in b})
    qty = np.array([[b.get(s, 0.0) for s in symbols] for b in books], dtype=float)
    qty = qty.reshape(len(books), len(symbols))
    if eligible_only:
        qty = qty * eligible_mask(symbols)
    dv01 = dv01_matrix(symbols).reshape(len(symbols), len(KEY_TENORS))
    fut = side_mask(symbols, "futures").astype(bool).reshape(len(symbols))
    family = qty @ family_dv01(symbols)
    return BookExposures(qty[:, fut] @ dv01[fut], qty[:, ~fut] @ dv01[~fut], family)


def dv01_scale(curve_pct: np.ndarray) -> np.ndarray:
    """Multipliers (dimensionless, (5 + F,)) that bring margin exposures from the reference
    yield (4%) to the curve ``curve_pct`` (key-rate par yields, percent, (5,)): each key-rate
    column by the par DV01 ratio at its tenor and yield (``dv01_yield_ratio``), each family's
    basis column by its key tenor's. Cash DV01 and the futures' cheapest-to-deliver DV01 both
    scale so (contract counts and face unchanged); an instrument between two tenors takes the
    tenors' ratios in proportion to its key-rate weights (an approximation: the ratio is smooth
    in maturity)."""
    key = dv01_yield_ratio(KEY_YEARS, np.asarray(curve_pct, dtype=float))
    return np.concatenate([key, key[list(FAMILY_KEY)]])
