"""The end users of an adoption study, vectorised over all users: their current firms, their
status (idle, queued, onboarding, adopted), the monthly evaluation and decision, and the records
(counts, market shares). The study is described in ``agents.worlds.adoption``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from agents.adoption_desk import ADOPTERS_ID, desk_id
from agents.base import Agent
from sim.config import AdoptionConfig
from sim.margin.exposure import book_exposures, with_basis
from sim.margin.portfolio import charged_models, posted_ratios
from sim.messages import Adopted, OnboardingRequest, OnboardingStarted
from sim.population.adoption import (
    SIZE_LABELS,
    accrued_savings,
    adoption_cost,
    annual_savings,
    cleared_share,
    consolidation_target,
    count_records,
    date_of,
    decide,
    eligibility_matrix,
    evaluation_days,
    lead_times,
    lognormal_draws,
    share_table,
    size_buckets,
    tally_by_type_and_size,
    user_ims,
)
from sim.population.legs import cleared_books
from sim.records import (
    AdoptionDecisionRecord,
    MarketShareRecord,
)
from sim.run import Run

EVAL_CLOCK = "07:00"
IDLE, QUEUED, ONBOARDING, ADOPTED = 0, 1, 2, 3
NEVER = 10**9  # adoption day of users who have not adopted
LEGS = ("futures", "cash")


@dataclass(frozen=True)
class UserBook:
    """Static per-user arrays of the study: ids, types, size buckets (by the cash DV01 held,
    cleared or not), funding spreads (bp a year), XM legs (the cleared legs of
    ``sim.population.legs``, dollars per bp), consolidation targets (firm index) and moves, and the
    heterogeneous draws: fixed and consolidation costs (dollars), lead times (business days);
    the futures DV01 per basis family (dollars per bp, (n, F)) of the cleared futures leg."""

    ids: tuple[str, ...]
    types: np.ndarray
    size: np.ndarray
    spread_bp: np.ndarray
    legs: tuple[np.ndarray, np.ndarray]
    target: np.ndarray
    moves: np.ndarray
    fixed_usd: np.ndarray
    consolidation_usd: np.ndarray
    lead_days: np.ndarray
    family: np.ndarray | None = None


def user_book(run: Run, cfg: AdoptionConfig, fut: np.ndarray, cash: np.ndarray) -> UserBook:
    """Draw the heterogeneous costs and lead times (streams ``adoption.fixed_cost``,
    ``adoption.consolidation_cost``, ``adoption.lead_time``) and derive the static arrays."""
    pop, n = run.population, len(run.population.users)
    exposure = book_exposures(cleared_books(pop, run.config.population), eligible_only=True)
    legs = (exposure.futures, exposure.cash)
    held = book_exposures([u.positions for u in pop.users], eligible_only=True).cash
    offers = np.array([f.kind == "bd_fcm" and f.offers_xm for f in pop.firms])
    weights = np.array([f.size_weight for f in pop.firms])
    target, moves = consolidation_target(fut, cash, offers, weights)
    types = np.array([u.user_type for u in pop.users])
    return UserBook(
        tuple(u.user_id for u in pop.users),
        types,
        size_buckets(held.sum(axis=1)),
        np.array([cfg.spread_bp(t) for t in types]),
        legs,
        target,
        moves,
        *_draws(run, cfg, n),
        family=exposure.family,
    )


def user_ratios(run: Run) -> np.ndarray:
    """What each user posts per dollar of CME's and FICC's charged IM ((n, 2); by its type's
    CFTC category, ``sim.margin.portfolio.posted_ratios``)."""
    types = run.config.population.types
    return np.array([
        posted_ratios(run.config, u.user_type, types[u.user_type].cftc_category == "speculative")
        if u.user_type in types else (1.0, 1.0)
        for u in run.population.users
    ]).reshape(-1, 2)  # fmt: skip


def _draws(run: Run, cfg: AdoptionConfig, n: int) -> tuple[np.ndarray, ...]:
    """Fixed and consolidation costs (dollars) and lead times (business days), one stream each."""
    get = run.streams.get
    fixed = lognormal_draws(
        get("adoption.fixed_cost"), cfg.fixed_cost_median_usd, cfg.fixed_cost_sigma, n
    )
    move = lognormal_draws(
        get("adoption.consolidation_cost"),
        cfg.consolidation_cost_median_usd,
        cfg.consolidation_cost_sigma,
        n,
    )
    lead = lead_times(get("adoption.lead_time"), cfg.lead_time_median_days, cfg.lead_time_sigma, n)
    return fixed, move, lead


def _cents(dollars: float) -> float:
    """Dollars rounded to the cent, as a plain float (the precision of the adoption tables)."""
    return round(float(dollars), 2)


class Adopters(Agent):
    """The end users' side of adoption, vectorised over all users: their current firms, their
    status (idle, queued, onboarding, adopted), the monthly evaluation and decision, and the
    records (counts, market shares)."""

    handlers: ClassVar[dict[type, str]] = {OnboardingStarted: "on_started", Adopted: "on_adopted"}

    def __init__(self, run: Run, cfg: AdoptionConfig) -> None:
        super().__init__(run, ADOPTERS_ID)
        pop, n = run.population, len(run.population.users)
        self.cfg, self.firm_ids = cfg, [f.firm_id for f in pop.firms]
        index = {f: i for i, f in enumerate(self.firm_ids)}
        self.fut = np.array([index[u.futures_firm] for u in pop.users], dtype=np.int64)
        self.cash = np.array([index[u.cash_firm] for u in pop.users], dtype=np.int64)
        self.book = user_book(run, cfg, self.fut, self.cash)
        self.matrix = eligibility_matrix(pop.firms, run.config.xm.eligibility)
        self.models, self.ratios = charged_models(run.config), user_ratios(run)
        self.rng = run.streams.get("adoption.queue")
        self.status = np.full(n, IDLE, dtype=np.int8)
        self.adopted_day = np.full(n, NEVER, dtype=np.int64)
        self.annual, self.im_saved = np.zeros(n), np.zeros(n)
        self.cost_paid, self.realised = np.zeros(n), np.zeros(n)
        self.accrued_to = 0

    def eligible(self) -> np.ndarray:
        """Users eligible under the rule given their current firms (bool, (n,))."""
        return self.matrix[self.fut, self.cash]

    def study(self):
        """The SimPy process: count on day 0, evaluate monthly, count, and close the study."""
        cal, cfg = self.run.calendar, self.cfg
        evals = set(evaluation_days(cal.days[: cal.n_days], cfg.evaluation_day_of_month))
        last = cal.n_days - 1
        for day in sorted(evals | {0, last}):
            yield self.env.timeout(cal.at(day, EVAL_CLOCK) - self.env.now)
            self.accrue(cal.n_days if day == last else day)
            if day in evals and cal.date(day) >= cfg.live_date:
                self.evaluate(day)
            self.record_counts(day)
        self.record_shares("end")

    def accrue(self, to_day: int) -> None:
        """Adopters' funding savings (dollars) from the last accrual to ``to_day``."""
        self.realised += accrued_savings(self.annual, self.adopted_day, self.accrued_to, to_day)
        self.accrued_to = to_day

    def evaluate(self, day: int) -> None:
        """Every user's IM and savings on ``day``; who decides to adopt, in a random order."""
        b, xm, cfg = self.book, self.run.config.xm, self.cfg
        mandates = (cfg.cash_mandate_date, cfg.repo_mandate_date)
        share = float(cleared_share(self.run.calendar.date(day), *mandates, cfg.cleared_shares))
        legs = (with_basis(b.legs[0], b.family), with_basis(b.legs[1] * share, None))
        history = self.run.margin_history(day - 1)
        standalone, xm_im = user_ims(*self.models, xm.rule, xm.cap, legs, history, self.ratios)
        self.annual = annual_savings(standalone, xm_im, b.spread_bp)
        self.im_saved = np.maximum(standalone - xm_im, 0.0)
        eligible = self.eligible()
        cost = adoption_cost(b.fixed_usd, b.consolidation_usd, np.where(eligible, 0, b.moves))
        open_ = (self.status == IDLE) & (eligible | (b.target >= 0))
        go = decide(self.annual, cost, cfg.payback_years, open_)
        ims = (standalone, xm_im, share)
        for i in self.rng.permutation(np.flatnonzero(go)):
            self.request(int(i), day, bool(eligible[i]), float(cost[i]), ims)

    def request(self, i: int, day: int, eligible: bool, cost: float, ims: tuple) -> None:
        """Record user ``i``'s decision and send it to its onboarding firm's desk."""
        b, cal = self.book, self.run.calendar
        firm = self.firm_ids[int(self.fut[i] if eligible else b.target[i])]
        moved = () if eligible else self.legs_to_move(i, firm)
        lead = int(b.lead_days[i])
        decision = AdoptionDecisionRecord(
            time_min=self.env.now,
            user=b.ids[i],
            firm=firm,
            user_type=str(b.types[i]),
            size=SIZE_LABELS[b.size[i]],
            eligible=eligible,
            moves_futures="futures" in moved,
            moves_cash="cash" in moved,
            cleared_share=ims[2],
            lead_days=lead,
            decided=cal.date(day),
            ready=date_of(cal, day + lead),
            fixed_cost_usd=_cents(b.fixed_usd[i]),
            consolidation_cost_usd=_cents(cost - b.fixed_usd[i]),
            cost_usd=_cents(cost),
            standalone_im_usd=_cents(ims[0][i]),
            xm_im_usd=_cents(ims[1][i]),
            annual_savings_usd=_cents(self.annual[i]),
        )
        self.status[i], self.cost_paid[i] = QUEUED, cost
        self.run.recorder.add(decision)
        self.run.send(desk_id(firm), OnboardingRequest(i, b.ids[i], firm, day, lead, moved))

    def legs_to_move(self, i: int, firm: str) -> tuple[str, ...]:
        """The legs of user ``i`` not yet at ``firm``."""
        current = (self.firm_ids[self.fut[i]], self.firm_ids[self.cash[i]])
        return tuple(leg for leg, f in zip(LEGS, current, strict=True) if f != firm)

    def on_started(self, msg: OnboardingStarted) -> None:
        self.status[msg.user] = ONBOARDING

    def on_adopted(self, msg: Adopted) -> None:
        """The user goes live: its moved legs are now at the onboarding firm."""
        self.status[msg.user], self.adopted_day[msg.user] = ADOPTED, msg.day
        if "futures" in msg.moved:
            self.fut[msg.user] = msg.firm
        if "cash" in msg.moved:
            self.cash[msg.user] = msg.firm

    def counts(self) -> dict[str, dict]:
        """Counts and money by type, with counts by size (``sim.population.adoption.tally``)."""
        adopted = self.status == ADOPTED
        flags = {
            "users": np.ones(len(self.status), dtype=bool),
            "eligible": self.eligible() | adopted,
            "onboarding": (self.status == QUEUED) | (self.status == ONBOARDING),
            "queued": self.status == QUEUED,
            "adopted": adopted,
        }
        money = {
            "cost_paid_usd": self.cost_paid,
            "im_saved_usd": np.where(adopted, self.im_saved, 0.0),
            "savings_realised_usd": self.realised,
        }
        sizes = np.array(SIZE_LABELS)[self.book.size]
        return tally_by_type_and_size(self.book.types, sizes, flags, money)

    def record_counts(self, day: int) -> None:
        """``adoption_counts`` rows of ``day``: per type (size ``all``, with money) and per
        type and size bucket."""
        self.run.recorder.add_many(count_records(self.run.calendar.date(day), self.counts()))

    def record_shares(self, ref: str) -> None:
        """``market_share`` events of every firm: users and DV01 by leg (``start``/``end``)."""
        firms = self.run.population.firms
        table = share_table((self.fut, self.cash), self.book.legs, len(firms))
        records = [
            MarketShareRecord(
                ref,
                f.firm_id,
                f.kind,
                f.offers_xm,
                leg,
                int(table[f"{leg}_users"][j]),
                float(table[f"{leg}_share"][j]),
                float(table[f"{leg}_dv01_share"][j]),
            )
            for j, f in enumerate(firms)
            for leg in LEGS
        ]
        self.run.recorder.add_many(records)
