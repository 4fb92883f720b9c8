"""The population from public data (``population.model: public_data``); the parameters and their
sources are in ``sim.config.public_data``.

- Counts: end users by type and firms by kind are the market's (CFTC Traders in Financial
  Futures; CFTC FCM financial data) times ``population.scale`` (``sim.population.sizing``);
  without a scale, ``n_end_users`` over the market's end users is the scale. End users are
  shared among the types by largest remainder; types the population does not declare (a spec
  may delete one) are left out.
- Hedge-fund concentration (Form PF, FEDS Note 6 Oct 2021): the gross Treasury exposure (dollars
  of face, long plus short, futures at their contract face) of the ``gross_type`` funds sits at
  the quantile midpoints ``(i + 0.5) / n`` of a lognormal of log-sd ``size_sigma``
  (``scipy.stats.lognorm``), scaled so that they total ``scale x gross_treasury_usd``, and dealt
  to the funds in a random order. Quantiles rather than draws make the top-50 share a property
  of the calibration, not of the seed: 83% at scale 1 (Form PF: 83-85%, range 75-90%).
- Other types keep their lognormal cash-leg DV01 (``dv01_median_usd``, ``dv01_sigma``).
- Books: each user holds 1..``max_pairs`` distinct (cash, futures) pairs of its template
  (``sim.population.population.PAIRS``), its size split evenly; a futures symbol shared by two
  pairs holds the sum.
- Firms: Zipf sizes over rank (``scipy.stats.zipfian``), BD-FCMs on the largest ranks (the
  largest FCMs are dually registered bank dealers), FCM-only and BD-only firms on the ranks
  after them; the largest ``bank_affiliated_share`` of BD-FCMs are bank-affiliated; the
  ``firms.share_bd_fcm_offering_xm`` of BD-FCMs with the largest size (a bank-affiliated firm's
  times ``bank_offer_weight``) offer customer XM, so offering rises with size; own liquidity and
  credit line are ``firms.own_liquidity_usd`` and ``firms.credit_line_usd`` times the firm's
  size over the mean size (the mean firm keeps the configured figures; assumption).

Draws come from the ``population`` stream only in this mode; the legacy population is untouched.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.config import FirmsConfig, PopulationConfig
from sim.config.public_data import PublicDataConfig
from sim.market.instruments import CATALOG
from sim.population.population import (
    FUTURES_SIGN,
    PAIRS,
    EndUserSpec,
    FirmSpec,
    Population,
    _relationships,
    affiliate,
    house_book,
)
from sim.population.sizing import END_USERS_AT_SCALE_1, type_counts

# face value of one futures contract (dollars): CME contract specifications (2-Year and 3-Year
# T-Note $200,000; 5-Year, 10-Year, Ultra 10-Year, 20-Year, Bond and Ultra Bond $100,000)
FUTURES_FACE_USD = {"TU": 2e5, "Z3N": 2e5, "FV": 1e5, "TY": 1e5, "TN": 1e5}
FUTURES_FACE_USD |= {"TWE": 1e5, "US": 1e5, "UB": 1e5}
TOP_N_FUNDS = 50  # Form PF: the top 50 hedge funds' share of gross Treasury exposure


def market_counts(pop: PopulationConfig) -> dict[str, int]:
    """The market's end users by type (scale 1), for the types the population declares."""
    return {k: n for k, n in pop.public_data.end_users.items() if k in pop.types}


def sample_scale(pop: PopulationConfig) -> float:
    """The population's share of the market in either model: ``public_data`` as
    ``effective_scale``; ``legacy``: ``scale``, else ``n_end_users`` over its 2,700 end users
    at scale 1 (``sim.population.sizing``)."""
    if pop.model == "public_data":
        return effective_scale(pop)
    return float(pop.scale) if pop.scale is not None else pop.n_end_users / END_USERS_AT_SCALE_1


def effective_scale(pop: PopulationConfig) -> float:
    """The population's share of the market: ``scale``, else ``n_end_users`` over the market's
    end users."""
    if pop.scale is not None:
        return float(pop.scale)
    return pop.n_end_users / sum(market_counts(pop).values())


# --- sizes ------------------------------------------------------------------------------------


def lognormal_quantiles(n: int, sigma: float) -> np.ndarray:
    """The ``n`` quantile midpoints ``(i + 0.5) / n`` of a lognormal of log-sd ``sigma`` and
    median 1, largest first."""
    return stats.lognorm.ppf((np.arange(n) + 0.5) / n, sigma)[::-1]


def top_share_of_quantiles(n: int, sigma: float, top: int = TOP_N_FUNDS) -> float:
    """Share of the largest ``top`` of ``lognormal_quantiles(n, sigma)`` in their total (the
    calibration target of ``size_sigma``)."""
    q = lognormal_quantiles(n, sigma)
    return float(q[:top].sum() / q.sum())


def gross_sizes(n: int, public: PublicDataConfig, scale: float) -> np.ndarray:
    """Gross Treasury exposure (dollars) of ``n`` funds, largest first, totalling
    ``scale x gross_treasury_usd``."""
    q = lognormal_quantiles(n, public.size_sigma)
    return q / q.sum() * scale * public.gross_treasury_usd


def gross_exposure_usd(positions: dict[str, float]) -> float:
    """Gross Treasury exposure of a book (dollars): cash face plus futures contracts at their
    contract face, long and short alike."""
    face = {s: FUTURES_FACE_USD[s] if CATALOG[s].side == "futures" else 1.0 for s in positions}
    return float(sum(abs(q) * face[s] for s, q in positions.items()))


def top_share(population: Population, user_type: str, top: int) -> float:
    """Share of the ``top`` largest ``user_type`` users in that type's gross exposure (NaN when
    there are none)."""
    gross = sorted(
        (gross_exposure_usd(u.positions) for u in population.users if u.user_type == user_type),
        reverse=True,
    )
    total = sum(gross)
    return sum(gross[:top]) / total if total > 0 else float("nan")


def top_funds(scale: float) -> int:
    """The sample's counterpart of Form PF's top 50 funds at ``scale``: ``round(50 x scale)``,
    at least 1."""
    return max(round(TOP_N_FUNDS * scale), 1)


# --- books ------------------------------------------------------------------------------------


def _pair_dv01_per_gross(cash: str, fut: str, hedge: float) -> float:
    """Cash-leg DV01 (dollars per bp) per dollar of the pair's gross exposure."""
    per_dv01 = 1.0 / CATALOG[cash].dv01_per_unit
    per_dv01 += hedge * FUTURES_FACE_USD[fut] / CATALOG[fut].dv01_per_unit
    return 1.0 / per_dv01


def _book(template: str, picks: list[int], dv01s: list[float], hedge: float) -> dict[str, float]:
    """Positions of the pairs ``picks`` of ``template`` with cash-leg DV01s ``dv01s``."""
    book: dict[str, float] = {}
    for k, dv01 in zip(picks, dv01s, strict=True):
        cash, fut = PAIRS[template][k]
        face = round(dv01 / CATALOG[cash].dv01_per_unit, -3)
        contracts = round(FUTURES_SIGN[template] * hedge * dv01 / CATALOG[fut].dv01_per_unit)
        book[cash] = book.get(cash, 0.0) + float(face)
        book[fut] = book.get(fut, 0.0) + float(contracts)
    return {s: q for s, q in book.items() if q}


def portfolio(
    pop: PopulationConfig, user_type: str, gross: float | None, rng: np.random.Generator
) -> dict[str, float]:
    """A user's book: 1..``max_pairs`` pairs of its template, sized by ``gross`` (dollars of
    gross exposure) or, when None, by its type's lognormal cash-leg DV01."""
    t = pop.types[user_type]
    n_pairs = min(pop.public_data.max_pairs.get(user_type, 1), len(PAIRS[t.template]))
    size = int(rng.integers(1, n_pairs + 1))
    picks = sorted(int(k) for k in rng.choice(len(PAIRS[t.template]), size, replace=False))
    hedge = max(t.hedge_ratio + t.hedge_ratio_sd * float(rng.standard_normal()), 0.0)
    if gross is None:
        dv01 = t.dv01_median_usd * float(np.exp(t.dv01_sigma * rng.standard_normal()))
        dv01s = [dv01 / len(picks)] * len(picks)
    else:
        pairs = [PAIRS[t.template][k] for k in picks]
        dv01s = [gross / len(picks) * _pair_dv01_per_gross(c, f, hedge) for c, f in pairs]
    return _book(t.template, picks, dv01s, hedge)


# --- firms ------------------------------------------------------------------------------------


def _ranked(cfg: FirmsConfig) -> list[tuple[str, int]]:
    """(kind, size rank from 1) of every firm: BD-FCMs on ranks 1..n_bd_fcm, FCM-only and
    BD-only firms each on the ranks after them."""
    out = [("bd_fcm", r + 1) for r in range(cfg.n_bd_fcm)]
    for kind, count in (("fcm", cfg.n_fcm), ("bd", cfg.n_bd)):
        out += [(kind, cfg.n_bd_fcm + r + 1) for r in range(count)]
    return out


def offers_by_size(weights: np.ndarray, bank: np.ndarray, share: float, bank_weight: float):
    """Which BD-FCMs (``weights``: sizes; ``bank``: bank-affiliated) offer customer XM: the
    ``round(share x n)`` with the largest size, a bank-affiliated firm's size counted
    ``bank_weight`` times (ties to the larger firm)."""
    score = np.where(bank, bank_weight, 1.0) * weights
    order = np.lexsort((-weights, -score))
    offers = np.zeros(len(weights), dtype=bool)
    offers[order[: round(share * len(weights))]] = True
    return offers


def public_firms(cfg: FirmsConfig, public: PublicDataConfig) -> tuple[FirmSpec, ...]:
    """The clearing firms (deterministic: no draws): Zipf sizes, bank affiliation and XM offers
    by size, liquidity in proportion to size (module docstring)."""
    ranked = _ranked(cfg)
    w = stats.zipfian.pmf([r for _, r in ranked], public.fcm_size_exponent, len(ranked))
    nb = cfg.n_bd_fcm
    bank = np.arange(len(ranked)) < round(public.bank_affiliated_share * nb)
    offers = np.zeros(len(ranked), dtype=bool)
    offers[:nb] = offers_by_size(
        w[:nb], bank[:nb], cfg.share_bd_fcm_offering_xm, public.bank_offer_weight
    )
    firms, index = [], {"bd_fcm": 0, "fcm": 0, "bd": 0}
    for i, (kind, _) in enumerate(ranked):
        index[kind] += 1
        rel = float(w[i] / w.mean())
        book = house_book(kind, cfg.house_dv01_usd * float(w[i] / w[0]))
        firms.append(
            FirmSpec(
                f"{kind}{index[kind]:02d}",
                kind,
                bool(offers[i]),
                float(w[i]),
                book,
                bank_affiliated=bool(bank[i]),
                own_liquidity_usd=cfg.own_liquidity_usd * rel,
                credit_line_usd=cfg.credit_line_usd * rel,
            )
        )
    return tuple(firms)


# --- the population ---------------------------------------------------------------------------


def _user_types(pop: PopulationConfig, rng: np.random.Generator) -> list[tuple[str, float | None]]:
    """(type, gross exposure or None) of every user, types in the order of ``end_users``."""
    public, scale = pop.public_data, effective_scale(pop)
    out: list[tuple[str, float | None]] = []
    for name, n in type_counts(market_counts(pop), pop.n_end_users).items():
        if name == public.gross_type:
            out += [(name, float(g)) for g in rng.permutation(gross_sizes(n, public, scale))]
        else:
            out += [(name, None)] * n
    return out


def make_public_population(
    pop: PopulationConfig,
    firms_cfg: FirmsConfig,
    rng: np.random.Generator,
    custodian_shares: dict[str, float] | None = None,
    affiliation_rng: np.random.Generator | None = None,
) -> Population:
    """The ``public_data`` population (module docstring); arguments as
    ``sim.population.population.make_population``."""
    firms = public_firms(firms_cfg, pop.public_data)
    if affiliation_rng is not None:
        firms = affiliate(firms, firms_cfg, affiliation_rng)
    shares = custodian_shares or {"custodian": 1.0}
    custodians = tuple(shares)
    weights = np.array(list(shares.values())) / sum(shares.values())
    users = []
    for i, (name, gross) in enumerate(_user_types(pop, rng)):
        fut, cash = _relationships(list(firms), pop.types[name].p_same_bd_fcm, rng)
        custodian = custodians[int(rng.choice(len(custodians), p=weights))]
        book = portfolio(pop, name, gross, rng)
        users.append(EndUserSpec(f"eu{i + 1:05d}", name, fut, cash, custodian, book))
    return Population(firms, tuple(users), custodians)
