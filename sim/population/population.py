"""Seeded population of clearing firms and end users with their portfolios and relationships.

Firms are BD-FCMs (members of both CCPs; some offer customer XM), FCM-only and BD-only, with
Zipf-like sizes (weight 1/rank) that decide how many customers pick them. Each end user holds a
cash leg at FICC through a BD (or BD-FCM) and a futures leg at CME through an FCM (or BD-FCM);
with probability ``p_same_bd_fcm`` both legs are at one BD-FCM. Portfolio templates:

- ``basis``: long a cash note, short the future whose cheapest-to-deliver is nearest in maturity.
- ``overlay``: long cash bonds and long futures on top (same direction: no XM offset).
- ``hedged_book``: long cash notes partly hedged with short futures.

Sizes: the cash leg's DV01 (dollars per bp) is lognormal around the type's median; the futures
leg's DV01 is ``hedge_ratio`` times it, in whole contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.config import EndUserTypeConfig, FirmsConfig, PopulationConfig
from sim.market.instruments import CATALOG
from sim.records import FirmRecord, RelationshipRecord

# (cash symbol, futures symbol) pairs by template
PAIRS = {
    "basis": [("UST2Y", "TU"), ("UST5Y", "FV"), ("UST7Y", "TY"), ("UST10Y", "TN")],
    "overlay": [("UST10Y", "TY"), ("UST30Y", "US"), ("UST20Y", "UB")],
    "hedged_book": [("UST5Y", "FV"), ("UST7Y", "TY"), ("UST10Y", "TY")],
}
FUTURES_SIGN = {"basis": -1.0, "overlay": 1.0, "hedged_book": -1.0}


@dataclass(frozen=True)
class FirmSpec:
    """A clearing firm; ``house_positions`` is its own book (a BD-FCM's hedged dealer book of
    10-year notes and TN futures, an FCM's futures, a BD's notes), sized by its size weight.
    ``own_liquidity_usd`` and ``credit_line_usd`` (dollars), where set, replace the firms
    config's one figure for every firm (the ``public_data`` population scales them to size)."""

    firm_id: str
    kind: str
    offers_xm: bool
    size_weight: float
    house_positions: dict[str, float]
    family: str = ""  # corporate family; "" = the firm alone
    bank_affiliated: bool = False
    own_liquidity_usd: float | None = None  # None: ``firms.own_liquidity_usd``
    credit_line_usd: float | None = None  # None: ``firms.credit_line_usd``

    @property
    def family_id(self) -> str:
        return self.family or self.firm_id


@dataclass(frozen=True)
class EndUserSpec:
    user_id: str
    user_type: str
    futures_firm: str
    cash_firm: str
    custodian: str
    positions: dict[str, float]


@dataclass(frozen=True)
class Population:
    firms: tuple[FirmSpec, ...]
    users: tuple[EndUserSpec, ...]
    custodians: tuple[str, ...]

    def firm(self, firm_id: str) -> FirmSpec:
        return next(f for f in self.firms if f.firm_id == firm_id)


def house_book(kind: str, dv01: float) -> dict[str, float]:
    """A firm's own positions with cash-leg DV01 ``dv01`` (dollars per bp)."""
    face = round(dv01 / CATALOG["UST10Y"].dv01_per_unit, -3)
    contracts = round(0.9 * dv01 / CATALOG["TN"].dv01_per_unit)
    books = {
        "bd_fcm": {"UST10Y": face, "TN": -contracts},
        "fcm": {"TY": contracts / 2},
        "bd": {"UST10Y": face / 2},
    }
    return {k: float(v) for k, v in books[kind].items() if v}


def make_firms(cfg: FirmsConfig, rng: np.random.Generator) -> tuple[FirmSpec, ...]:
    firms: list[FirmSpec] = []
    n_offer = round(cfg.n_bd_fcm * cfg.share_bd_fcm_offering_xm)
    offers = rng.permutation([True] * n_offer + [False] * (cfg.n_bd_fcm - n_offer))
    for kind, count in (("bd_fcm", cfg.n_bd_fcm), ("fcm", cfg.n_fcm), ("bd", cfg.n_bd)):
        for rank in range(count):
            offer = bool(offers[rank]) if kind == "bd_fcm" else False
            weight = 1.0 / (rank + 1)
            book = house_book(kind, cfg.house_dv01_usd * weight)
            firms.append(FirmSpec(f"{kind}{rank + 1:02d}", kind, offer, weight, book))
    return tuple(firms)


def affiliate(
    firms: tuple[FirmSpec, ...], cfg: FirmsConfig, rng: np.random.Generator
) -> tuple[FirmSpec, ...]:
    """Corporate families and single-registered firms' willingness to offer XM: the first
    ``n_affiliated_pairs`` FCM-only firms each share a family with a BD-only firm (an FCM and a
    broker-dealer of one group), and each FCM-only or BD-only firm offers customer XM with
    probability ``share_single_offering_xm`` (relevant under the ``affiliate`` and ``any_pair``
    eligibility rules)."""
    fcms = [f for f in firms if f.kind == "fcm"]
    bds = [f for f in firms if f.kind == "bd"]
    pairs = {
        f.firm_id: f"group{i + 1:02d}"
        for i in range(min(cfg.n_affiliated_pairs, len(fcms), len(bds)))
        for f in (fcms[i], bds[i])
    }
    out = []
    for f in firms:
        offers = f.offers_xm
        if f.kind != "bd_fcm":
            offers = bool(rng.random() < cfg.share_single_offering_xm)
        out.append(replace(f, offers_xm=offers, family=pairs.get(f.firm_id, "")))
    return tuple(out)


def _pick(firms: list[FirmSpec], rng: np.random.Generator) -> str:
    weights = np.array([f.size_weight for f in firms])
    return firms[int(rng.choice(len(firms), p=weights / weights.sum()))].firm_id


def _relationships(firms, p_same: float, rng) -> tuple[str, str]:
    bd_fcms = [f for f in firms if f.kind == "bd_fcm"]
    if rng.random() < p_same:
        firm = _pick(bd_fcms, rng)
        return firm, firm
    futures = _pick([f for f in firms if f.kind in ("fcm", "bd_fcm")], rng)
    cash = _pick([f for f in firms if f.kind in ("bd", "bd_fcm")], rng)
    return futures, cash


def _portfolio(t: EndUserTypeConfig, rng: np.random.Generator) -> dict[str, float]:
    cash_sym, fut_sym = PAIRS[t.template][int(rng.integers(len(PAIRS[t.template])))]
    dv01 = t.dv01_median_usd * float(np.exp(t.dv01_sigma * rng.standard_normal()))
    hedge = max(t.hedge_ratio + t.hedge_ratio_sd * float(rng.standard_normal()), 0.0)
    face = round(dv01 / CATALOG[cash_sym].dv01_per_unit, -3)
    contracts = round(FUTURES_SIGN[t.template] * hedge * dv01 / CATALOG[fut_sym].dv01_per_unit)
    return {cash_sym: float(face), fut_sym: float(contracts)}


def make_population(
    pop: PopulationConfig,
    firms_cfg: FirmsConfig,
    rng: np.random.Generator,
    custodian_shares: dict[str, float] | None = None,
    affiliation_rng: np.random.Generator | None = None,
) -> Population:
    """Draw firms and end users (types, and custodians, in proportion to their shares); with
    ``affiliation_rng`` (its own stream), corporate families and single-registered firms' XM
    offers too (``affiliate``)."""
    firms = make_firms(firms_cfg, rng)
    if affiliation_rng is not None:
        firms = affiliate(firms, firms_cfg, affiliation_rng)
    shares_by_name = custodian_shares or {"custodian": 1.0}
    custodians = tuple(shares_by_name)
    weights = np.array(list(shares_by_name.values())) / sum(shares_by_name.values())
    names = list(pop.types)
    shares = np.array([pop.types[n].share for n in names])
    types = rng.choice(len(names), size=pop.n_end_users, p=shares / shares.sum())
    users = []
    for i, k in enumerate(types):
        t = pop.types[names[k]]
        fut, cash = _relationships(list(firms), t.p_same_bd_fcm, rng)
        custodian = custodians[int(rng.choice(len(custodians), p=weights))]
        users.append(
            EndUserSpec(f"eu{i + 1:05d}", names[k], fut, cash, custodian, _portfolio(t, rng))
        )
    return Population(firms, tuple(users), custodians)


def firm_records(population: Population) -> list[FirmRecord]:
    """The ``firms`` table of a population."""
    return [
        FirmRecord(f.firm_id, f.kind, f.offers_xm, f.family_id, float(f.size_weight))
        for f in population.firms
    ]


def relationship_records(population: Population) -> list[RelationshipRecord]:
    """The ``relationships`` table: each end user's futures and cash legs with their firms."""
    return [
        RelationshipRecord(u.user_id, u.user_type, leg, firm, u.custodian)
        for u in population.users
        for leg, firm in (("futures", u.futures_firm), ("cash", u.cash_firm))
    ]
