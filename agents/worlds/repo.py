"""Rolls of the end users' cleared repo (``population.ficc_leg: cleared_repo``;
``sim.population.legs``) and the money they move. On each business day at ``ROLL_CLOCK`` every
repo-financed user whose repo rolls that day (``legs.roll_schedule``,
``population.repo.term_business_days``: user ``i`` rolls on the days ``d`` with
``(d + i) % term == 0``) settles the term just ended and re-strikes the repo with its sponsor
(its cash firm, ``firm:<id>:cash``), on the user's *current* book (its ``EndUser.positions``
after any sale, scale-up or re-use; the repo face of each long note is ``cleared_positions``'):

1. **Net carry** of the term just ended (business day ``d - term`` to ``d``; calendar days
   between their dates, act/360): the par notes' coupon accrual comes from ``external``
   (``repo_coupon``), the repo interest on the financed ``face x (1 - haircut)`` goes to the
   sponsor (``repo_interest``) as far as the user's free cash allows (the rest is logged
   ``repo_interest_unpaid``); logged ``repo_carry`` (``amount_cents`` coupon less interest paid,
   positive: received). The rates are those known when the term started (the close before day
   ``d - term``, ``MarketPath.par_yields_pct``): a note's coupon is the par yield of its tenor
   (interpolated between key tenors), SOFR is proxied by the shortest key tenor (3M), plus
   ``population.repo.rate_spread_bp``; the haircut is the one in force over the term.
2. **Haircut reset** to the haircut of the day's regime (``legs.haircut_path``): the user pays
   the change x its current face to the sponsor (``repo_haircut``), or gets a decrease back.
   When its free cash (credit line included: ``EndUser.free``) cannot pay an increase, the repo
   is rolled for less: it sells the fraction ``1 - free / owed`` of both legs
   (``EndUser.sell``, ref ``repo_roll``: ``deleverage_sale``, the firms and the market are told)
   and pays the haircut change on what is left. Logged ``repo_roll``: ``face_usd`` the face
   rolled, ``scale`` the new haircut, ``amount_cents`` the haircut cash moved (negative:
   returned).

Assumptions: carry accrues on the face at the roll, and only haircut *changes* on the current
face move (the opening haircut was funded before the run; a trade between rolls, a sale or a
scale-up, settles its own haircut and carry with the trade, outside the ledger, like its
proceeds); the roll pays the haircut from all the free cash there is, keeping no buffer for
margin calls; repo cash moves on Fedwire Securities (DVP), the coupon accrual as a book entry.
A user closed out at its sponsor rolls no more. Under ``outright``, or with no repo-financed
user, no process starts.
"""

from __future__ import annotations

import numpy as np

from agents.end_user import EndUser
from sim.market.instruments import CATALOG, key_rate_weights
from sim.population.legs import (
    cleared_positions,
    coupon_accrual_usd,
    haircut_calls_usd,
    haircut_path,
    repo_interest_usd,
    roll_schedule,
    sticky_regimes,
)
from sim.run import Run
from sim.settlement.ledger import CASH, to_cents
from sim.settlement.rails import FEDWIRE_SECURITIES

ROLL_CLOCK = "08:30"  # Fedwire Securities opens: DVP repo rolls settle from then (assumption)
REF = "repo_roll"  # the ref of a sale that funds a haircut increase


def repo_faces(user: EndUser) -> dict[str, float]:
    """Collateral face (dollars) of each long note ``user`` finances in cleared repo now, by
    repo symbol (``REPO<n>Y``), from its current positions."""
    book = cleared_positions(user.positions, user.kind, "cleared_repo")
    return {s: q for s, q in book.items() if s.startswith("REPO") and q > 0}


def roll_table(run: Run, n_users: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roll flags, haircut in force and haircut change (fractions) per user and run day."""
    repo, market, n_days = run.config.population.repo, run.market, run.calendar.n_days
    start = market.lookback_days
    opening = int(np.asarray(market.regimes)[start - 1])
    regimes = sticky_regimes(
        np.asarray(market.regimes)[start : start + n_days], repo.haircut_relax_days, opening
    )
    rolls = roll_schedule(n_users, n_days, repo.term_business_days)
    path = haircut_path(regimes, rolls, repo, opening)
    level = (repo.haircut_calm, repo.haircut_stressed)[opening]
    return rolls, path, haircut_calls_usd(np.ones(n_users), path, level)


class RepoRolls:
    """The rolls of every repo-financed user of ``run`` (module docstring)."""

    def __init__(self, run: Run) -> None:
        self.run, self.repo = run, run.config.population.repo
        self.users = [run.agents[u.user_id] for u in run.population.users]
        self.rolls, self.path, self.steps = roll_table(run, len(self.users))
        self.first = -self.repo.term_business_days - 1  # the earliest close a term uses
        days = np.arange(self.first, run.calendar.n_days)
        self.curves = run.market.par_yields_pct(days)
        self.weights: dict[str, np.ndarray] = {}  # repo symbol: its note's key-rate weights

    def active(self) -> bool:
        """Whether some user finances notes in cleared repo."""
        return any(repo_faces(u) for u in self.users)

    def process(self):
        """The SimPy process: every run day at ``ROLL_CLOCK``, the day's rolls."""
        cal = self.run.calendar
        for day in range(cal.n_days):
            yield self.run.env.timeout(max(cal.at(day, ROLL_CLOCK) - self.run.env.now, 0.0))
            for i in np.flatnonzero(self.rolls[:, day]):
                self.roll(int(i), day)

    def roll(self, i: int, day: int) -> None:
        """User ``i``'s roll on ``day``: the carry of the term ended, then the haircut."""
        user = self.users[i]
        sponsor = self.run.population.users[i].cash_firm
        faces = repo_faces(user)
        if not faces or user.agent_id in getattr(self.run.agents[sponsor], "defaulted", ()):
            return
        self.settle_carry(user, sponsor, faces, self.path[i, day] - self.steps[i, day], day)
        self.reset_haircut(user, sponsor, sum(faces.values()), i, day)

    def rates(self, faces: dict[str, float], day: int) -> tuple[np.ndarray, float]:
        """Coupons (percent a year) of the notes of ``faces`` and SOFR (the 3M par yield,
        percent) at the close before a term that starts on run day ``day``."""
        curve = self.curves[day - 1 - self.first]
        for s in faces.keys() - self.weights.keys():
            self.weights[s] = key_rate_weights(CATALOG[s].maturity_years)
        coupons = np.array([curve @ self.weights[s] for s in faces])
        return coupons, float(curve[0])

    def settle_carry(self, user: EndUser, sponsor: str, faces: dict, haircut: float, day: int):
        """The coupon from ``external`` and the repo interest to the sponsor over the term that
        ends on ``day`` (the interest as far as free cash allows); logs ``repo_carry``."""
        start = day - self.repo.term_business_days
        cal, face = self.run.calendar, np.array(list(faces.values()))
        days = (cal.date_back(day) - cal.date_back(start)).days
        coupons, sofr = self.rates(faces, start)
        coupon = int(to_cents(float(coupon_accrual_usd(face, coupons, days).sum())))
        owed = int(to_cents(float(repo_interest_usd(face.sum(), haircut, sofr, self.repo, days))))
        uid = user.agent_id
        if coupon > 0:
            user.transfer("external", user.cash, coupon, "repo_coupon", parties=("external", uid))
        paid = max(min(owed, user.free(CASH)), 0)
        if paid:
            user.transfer(user.cash, f"firm:{sponsor}:cash", paid, "repo_interest",
                          rail=FEDWIRE_SECURITIES, parties=(uid, sponsor))  # fmt: skip
        self.run.log("repo_carry", uid, sponsor, counterparty=sponsor, date_index=day,
                     amount_cents=coupon - paid, face_usd=float(face.sum()))  # fmt: skip
        if owed > paid:
            self.run.log("repo_interest_unpaid", uid, sponsor, amount_cents=owed - paid)

    def reset_haircut(self, user: EndUser, sponsor: str, face: float, i: int, day: int) -> None:
        """Move the haircut change on ``face`` (selling what the user cannot fund); logs
        ``repo_roll``."""
        step = float(self.steps[i, day])
        owed = int(to_cents(face * step))
        if owed > 0:
            moved, face = self.pay_haircut(user, sponsor, owed, face, step)
        elif owed < 0:
            moved = -self.return_haircut(user, sponsor, -owed)
        else:
            moved = 0
        self.run.log("repo_roll", user.agent_id, sponsor, counterparty=sponsor, date_index=day,
                     scale=float(self.path[i, day]), amount_cents=moved, face_usd=face)  # fmt: skip

    def pay_haircut(self, user: EndUser, sponsor: str, owed: int, face: float, step: float):
        """Pay ``owed`` cents to the sponsor; short of free cash, first sell the fraction of both
        legs whose haircut it cannot fund. Returns (cents paid, face rolled)."""
        free = max(user.free(CASH), 0)
        if owed > free:
            fraction = 1.0 - free / owed
            user.sell(REF, fraction, scale=fraction)
            face *= 1.0 - fraction
            owed = min(int(to_cents(face * step)), free)
        if owed > 0:
            user.transfer(user.cash, f"firm:{sponsor}:cash", owed, "repo_haircut",
                          rail=FEDWIRE_SECURITIES, parties=(user.agent_id, sponsor))  # fmt: skip
        return max(owed, 0), face

    def return_haircut(self, user: EndUser, sponsor: str, cents: int) -> int:
        """The sponsor returns ``cents`` of haircut (what its own cash allows); the cents moved."""
        firm, ledger = self.run.agents[sponsor], self.run.ledger
        src = f"firm:{sponsor}:cash"
        back = cents if ledger.can_pay(src, cents) else max(int(ledger.available(src)), 0)
        if back:
            firm.transfer(src, user.cash, back, "repo_haircut", rail=FEDWIRE_SECURITIES,
                          parties=(sponsor, user.agent_id))  # fmt: skip
        return back


def start_repo_rolls(run: Run) -> None:
    """Start the rolls when some user finances notes in cleared repo."""
    if run.config.population.ficc_leg != "cleared_repo":
        return
    rolls = RepoRolls(run)
    if rolls.active():
        run.env.process(rolls.process())
