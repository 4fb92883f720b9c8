"""End users' FICC legs: the outright notes of the population's books, or the cleared repo
that finances them (``population.ficc_leg``; DESIGN.md section 2), and the repo's roll schedule,
haircuts and interest as pure functions.

- ``outright`` (today's behaviour): a user's cleared book is its book, the long notes held at
  FICC for the whole run with futures-style variation margin.
- ``cleared_repo``: a user of ``cash_holding: repo`` type finances ``repo_financed_share`` of
  each cash note ``UST<n>Y`` in sponsored repo, sponsored by its cash-leg broker-dealer (its
  ``cash_firm``), which FICC margins on its forward leg: the user repurchases the note at term,
  so its FICC position is ``REPO<n>Y`` of the same collateral face (rounded to $1,000), long the
  collateral's DV01 (``sim.market.instruments``). The rest, and every note of a ``custody``
  type, is settled in custody: no FICC position, so no cross-margining benefit; its futures are
  margined standalone at CME. Futures are unchanged. Repo on collateral of more than one year is
  XM-eligible; bill repo (``REPO3M``) is not.

Sources of the holding and repo terms: ``sim.config.repo``. Firms' house books stay outright.

Rolls (``repo.term_business_days``): user ``i``'s repo rolls on the business days ``d`` with
``(d + i) % term == 0`` (staggered by user, no random draw), and at each roll the sponsor resets
the haircut to the current regime's (``haircut_calm`` or ``haircut_stressed``; assumption); the
user pays (or gets back) the change in haircut times the collateral face at the roll, and
interest at SOFR plus ``rate_spread_bp`` on the financed amount (act/360), against the par
note's coupon accrual (act/360 too: ``repo_carry_usd``). ``agents.worlds.repo`` settles them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim.config import EndUserTypeConfig, PopulationConfig
from sim.config.repo import RepoConfig
from sim.market.instruments import CATALOG
from sim.population.population import Population

# the repo financing each cash note or bond: same collateral, same maturity
REPO_OF = {s: f"REPO{s[3:]}" for s in CATALOG if s.startswith("UST") and f"REPO{s[3:]}" in CATALOG}


def repo_share(kind: EndUserTypeConfig) -> float:
    """Fraction of a user's cash notes financed in cleared repo (0 for custody)."""
    return kind.repo_financed_share if kind.cash_holding == "repo" else 0.0


def cleared_positions(
    positions: Mapping[str, float], kind: EndUserTypeConfig, ficc_leg: str
) -> dict[str, float]:
    """The positions a user clears (CME futures and FICC positions) for ``ficc_leg``; the very
    ``positions`` when ``outright``."""
    if ficc_leg == "outright":
        return dict(positions)
    share, out = repo_share(kind), {}
    for s, q in positions.items():
        if CATALOG[s].side == "futures":
            out[s] = q
        elif s in REPO_OF and round(q * share, -3):
            out[REPO_OF[s]] = out.get(REPO_OF[s], 0.0) + float(round(q * share, -3))
    return out


def custody_face_usd(
    positions: Mapping[str, float], kind: EndUserTypeConfig, ficc_leg: str
) -> float:
    """Face (dollars) of the long cash Treasuries a user holds settled in custody under
    ``cleared_repo`` (the part not financed in cleared repo); 0 under ``outright``, where the
    notes sit at FICC."""
    if ficc_leg == "outright":
        return 0.0
    share = repo_share(kind)
    cash = (q for s, q in positions.items() if CATALOG[s].side == "cash" and q > 0)
    return float(sum(cash)) * (1.0 - share)


def cleared_books(population: Population, pop: PopulationConfig) -> list[dict[str, float]]:
    """Every user's cleared positions (``cleared_positions``), in population order."""
    return [
        cleared_positions(u.positions, pop.types[u.user_type], pop.ficc_leg)
        for u in population.users
    ]


def has_ficc_leg(positions: Mapping[str, float]) -> bool:
    """Whether a cleared book holds an XM-eligible FICC position (a note, bond or repo on
    collateral of more than one year)."""
    return any(
        q and CATALOG[s].side == "cash" and CATALOG[s].xm_eligible for s, q in positions.items()
    )


def xm_capable(books: Sequence[Mapping[str, float]], ficc_leg: str) -> np.ndarray:
    """Which users can gain from cross-margining at all: all under ``outright`` (today's rule),
    those with a FICC leg (``has_ficc_leg``) under ``cleared_repo``."""
    if ficc_leg == "outright":
        return np.ones(len(books), dtype=bool)
    return np.array([has_ficc_leg(b) for b in books], dtype=bool)


# --- repo terms ---------------------------------------------------------------------------------


def roll_days(n_days: int, term: int, offset: int) -> np.ndarray:
    """Business days (indices ``0..n_days-1``) on which a repo of ``term`` business days
    started ``offset`` days into its cycle rolls: ``(d + offset) % term == 0``."""
    days = np.arange(n_days)
    return days[(days + offset) % term == 0]


def roll_schedule(n_users: int, n_days: int, term: int) -> np.ndarray:
    """Roll flags, (n_users, n_days) booleans: user ``i`` rolls on ``roll_days(.., i)``."""
    days, users = np.arange(n_days), np.arange(n_users)[:, None]
    return (days + users) % term == 0


def sticky_regimes(regimes: np.ndarray, relax_days: int, opening: int = 0) -> np.ndarray:
    """The regime a sponsor sets haircuts by, per day (0 calm, 1 stressed): stressed from the
    first stressed day, and calm again only after ``relax_days`` calm days in a row (haircuts
    are raised at once and lowered slowly); ``relax_days`` 0 follows ``regimes`` day by day.
    ``opening``: the regime before the first day."""
    out, state, calm_run = np.empty(len(regimes), dtype=np.int64), int(opening), 0
    for d, r in enumerate(np.asarray(regimes, dtype=np.int64)):
        calm_run = calm_run + 1 if r == 0 else 0
        state = 1 if r == 1 else (0 if calm_run >= relax_days else state)
        out[d] = state
    return out


def haircut_path(regimes: np.ndarray, rolls: np.ndarray, repo: RepoConfig, opening: int = 0):
    """The haircut (fraction) in force on each day (..., n_days): reset at every roll to the
    haircut of that day's regime (0 calm, 1 stressed); before the first roll, the haircut of
    the ``opening`` regime the repo was struck in."""
    levels = np.array([repo.haircut_calm, repo.haircut_stressed])
    days = np.arange(rolls.shape[-1])
    last = np.maximum.accumulate(np.where(rolls, days, -1), axis=-1)
    regime = np.where(last >= 0, np.asarray(regimes)[np.maximum(last, 0)], opening)
    return levels[regime]


def haircut_calls_usd(face_usd: np.ndarray, haircuts: np.ndarray, opening: float) -> np.ndarray:
    """Cash (dollars) a borrower posts each day for haircut resets (negative: returned):
    collateral ``face_usd`` (at par) times the change in the haircut in force."""
    steps = np.diff(haircuts, axis=-1, prepend=opening)
    return np.asarray(face_usd, dtype=float)[..., None] * steps


def repo_interest_usd(face_usd, haircut, sofr_pct, repo: RepoConfig, calendar_days=1):
    """Interest (dollars; scalars or arrays broadcast) over ``calendar_days`` on the amount
    financed, ``face_usd`` (dollars) x (1 - ``haircut``, fraction), at ``sofr_pct`` (percent a
    year) plus ``rate_spread_bp`` (bp a year), act/360."""
    rate = np.asarray(sofr_pct) / 100.0 + repo.rate_spread_bp / 1e4
    return np.asarray(face_usd) * (1.0 - np.asarray(haircut)) * rate * calendar_days / 360.0


def coupon_accrual_usd(face_usd, coupon_pct, calendar_days=1):
    """Coupon (dollars; arrays broadcast) a note of ``face_usd`` (dollars) paying ``coupon_pct``
    (percent a year, floored at 0) accrues over ``calendar_days``, act/360 like the repo (an
    assumption: Treasury coupons accrue actual/actual)."""
    coupon = np.maximum(np.asarray(coupon_pct), 0.0) / 100.0
    return np.asarray(face_usd) * coupon * calendar_days / 360.0


def repo_carry_usd(face_usd, coupon_pct, haircut, sofr_pct, repo: RepoConfig, calendar_days=1):
    """Net carry (dollars; arrays broadcast; positive: earned) of a repo-financed par note over
    ``calendar_days``: ``face x [coupon - (1 - haircut) x (SOFR + spread)] x days / 360``, the
    coupon accrual less the repo interest (units as there)."""
    coupon = coupon_accrual_usd(face_usd, coupon_pct, calendar_days)
    return coupon - repo_interest_usd(face_usd, haircut, sofr_pct, repo, calendar_days)
