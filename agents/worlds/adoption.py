"""The world of an adoption study: end users deciding monthly whether to take up customer
cross-margining, and the clearing firms' onboarding queues (DESIGN.md sections 2 and 4).

Use the spec's ``world: adoption`` with ``config.adoption``
(``sim.config.adoption.AdoptionConfig``) and a calendar spanning the study (e.g. 18 months from
2026-04-30). No ledger, CCP or margin call is involved: only the population, the market path and
the CCPs' margin models.

On each month's ``evaluation_day_of_month``-th business day at 07:00 ET from ``live_date`` on,
``Adopters`` computes every user's standalone and XM IM of its XM-eligible legs (both CCPs'
models, ``xm.rule``/``cap``, the history known at the previous close, the cash leg scaled by the
cleared share of that date), vectorised over all users. Users not yet decided whose savings over
``payback_years`` beat their cost decide (for good). A user eligible under ``xm.eligibility``
given its current firms pays the fixed cost and onboards at its futures firm (which opens the XM
account); any other pays fixed + consolidation cost and onboards at its consolidation target
(``sim.population.adoption.consolidation_target``), where its moved legs go on its adoption date;
with no target it cannot adopt. ``xm.enabled`` is ignored (``live_date`` rules); ``xm.rule: none``
frees nothing. Each firm's ``AdoptionDesk`` starts at most ``onboarding_per_firm_per_month``
onboardings per calendar month, first come first served (same-day deciders in a random order, stream
``adoption.queue``): a user starts in the first month from its decision month with a free slot (at
once in its decision month, else at 06:00 ET on that month's first business day) and adopts at 06:00
ET on business day max(decision day + lead time, start day): never before ``live_date`` nor before
its lead time has passed.

Tables (``sim.records``): ``adoption_decisions``, ``adoption_onboarding``, ``adoptions``,
``adoption_counts`` (day 0, each evaluation day and the last day) and ``market_shares`` (start
and end); ``sim.metrics.adoption`` turns them into metrics.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from agents.base import Agent
from sim.config import AdoptionConfig
from sim.errors import CrossmarginError
from sim.margin.exposure import book_exposures
from sim.population.adoption import (
    SIZE_LABELS,
    accrued_savings,
    adoption_cost,
    annual_savings,
    cleared_share,
    consolidation_target,
    count_records,
    date_of,
    day_index,
    decide,
    eligibility_matrix,
    evaluation_days,
    lead_times,
    lognormal_draws,
    month_key,
    month_start,
    share_table,
    size_buckets,
    tally_by_type_and_size,
    user_ims,
)
from sim.records import (
    AdoptionDecisionRecord,
    AdoptionRecord,
    MarketShareRecord,
    OnboardingRecord,
)
from sim.run import Run

EVAL_CLOCK, ADOPT_CLOCK = "07:00", "06:00"
ADOPTERS_ID = "adopters"
IDLE, QUEUED, ONBOARDING, ADOPTED = 0, 1, 2, 3
NEVER = 10**9  # adoption day of users who have not adopted
LEGS = ("futures", "cash")


@dataclass(frozen=True, slots=True)
class OnboardingRequest:
    """A user's decision to adopt, sent to the desk of the firm that will onboard it (day
    indices are business days of the run)."""

    user: int
    user_id: str
    firm: str
    decided_day: int
    lead_days: int
    moved: tuple[str, ...]

    @property
    def ready_day(self) -> int:
        return self.decided_day + self.lead_days


@dataclass(frozen=True, slots=True)
class OnboardingStarted:
    user: int
    day: int


@dataclass(frozen=True, slots=True)
class Adopted:
    user: int
    firm: int
    day: int
    moved: tuple[str, ...]


def desk_id(firm_id: str) -> str:
    return f"adoption_desk:{firm_id}"


def adoption_config(run: Run) -> AdoptionConfig:
    """The run's adoption config (``config.adoption``; the defaults if the field is absent)."""
    return getattr(run.config, "adoption", None) or AdoptionConfig()


@dataclass(frozen=True)
class UserBook:
    """Static per-user arrays of the study: ids, types, size buckets, funding spreads (bp a
    year), XM legs (dollars per bp), consolidation targets (firm index) and moves, and the
    heterogeneous draws: fixed and consolidation costs (dollars), lead times (business days)."""

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


def user_book(run: Run, cfg: AdoptionConfig, fut: np.ndarray, cash: np.ndarray) -> UserBook:
    """Draw the heterogeneous costs and lead times (streams ``adoption.fixed_cost``,
    ``adoption.consolidation_cost``, ``adoption.lead_time``) and derive the static arrays."""
    pop, n = run.population, len(run.population.users)
    exposure = book_exposures([u.positions for u in pop.users], eligible_only=True)
    legs = (exposure.futures, exposure.cash)
    offers = np.array([f.kind == "bd_fcm" and f.offers_xm for f in pop.firms])
    weights = np.array([f.size_weight for f in pop.firms])
    target, moves = consolidation_target(fut, cash, offers, weights)
    types = np.array([u.user_type for u in pop.users])
    return UserBook(
        tuple(u.user_id for u in pop.users),
        types,
        size_buckets(legs[1].sum(axis=1)),
        np.array([cfg.spread_bp(t) for t in types]),
        legs,
        target,
        moves,
        *_draws(run, cfg, n),
    )


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
        self.models = (run.config.cme.var_model(), run.config.ficc.var_model())
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
        legs = (b.legs[0], b.legs[1] * share)
        history = self.run.market.history(day - 1)
        standalone, xm_im = user_ims(*self.models, xm.rule, xm.cap, legs, history)
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


class AdoptionDesk(Agent):
    """A firm's onboarding of new XM customers: at most ``capacity`` starts per calendar month,
    first come first served."""

    handlers: ClassVar[dict[type, str]] = {OnboardingRequest: "on_request"}

    def __init__(self, run: Run, firm_id: str, capacity: int, live_date: dt.date) -> None:
        super().__init__(run, desk_id(firm_id))
        self.firm_id, self.capacity, self.live_date = firm_id, capacity, live_date
        self.firm_index = [f.firm_id for f in run.population.firms].index(firm_id)
        self.used: dict[int, int] = defaultdict(int)

    def slot(self, month: int) -> int:
        """The first month from ``month`` with a free onboarding slot, taken."""
        while self.used[month] >= self.capacity:
            month += 1
        self.used[month] += 1
        return month

    def on_request(self, req: OnboardingRequest) -> None:
        cal = self.run.calendar
        decided = month_key(cal.date(req.decided_day))
        month = self.slot(decided)
        start = req.decided_day if month == decided else day_index(cal, month_start(month))
        if start >= cal.n_days:
            return  # the slot lies beyond the run: the user stays queued
        if start == req.decided_day:
            self.begin(req, month, start)
        self.env.process(self.onboard(req, month, start))

    def onboard(self, req: OnboardingRequest, month: int, start: int):
        """Wait for the slot (unless it is now), then for the adoption day, and adopt."""
        cal = self.run.calendar
        if start != req.decided_day:
            yield self.env.timeout(cal.at(start, ADOPT_CLOCK) - self.env.now)
            self.begin(req, month, start)
        day = max(req.ready_day, start)
        if day >= cal.n_days:
            return
        yield self.env.timeout(cal.at(day, ADOPT_CLOCK) - self.env.now)
        self.adopt(req, start, day)

    def begin(self, req: OnboardingRequest, month: int, start: int) -> None:
        month_label = f"{month // 12:04d}-{month % 12 + 1:02d}"
        started = self.run.calendar.date(start)
        queued = start - req.decided_day
        record = OnboardingRecord(
            self.env.now, req.user_id, self.firm_id, month_label, started, queued
        )
        self.run.recorder.add(record)
        self.run.send(ADOPTERS_ID, OnboardingStarted(req.user, start))

    def adopt(self, req: OnboardingRequest, start: int, day: int) -> None:
        cal = self.run.calendar
        adopted = cal.date(day)
        if adopted < self.live_date or day < req.ready_day:
            raise CrossmarginError(f"{req.user_id} adopting on {adopted}: before live or lead")
        record = AdoptionRecord(
            time_min=self.env.now,
            user=req.user_id,
            firm=self.firm_id,
            decided=cal.date(req.decided_day),
            ready=date_of(cal, req.ready_day),
            started=cal.date(start),
            adopted=adopted,
            days_to_adopt=day - req.decided_day,
            days_from_live=(adopted - self.live_date).days,
            moves_futures="futures" in req.moved,
            moves_cash="cash" in req.moved,
        )
        self.run.recorder.add(record)
        self.run.send(ADOPTERS_ID, Adopted(req.user, self.firm_index, day, req.moved))


def build_adoption_world(run: Run) -> None:
    """Create the firms' onboarding desks and the adopters in ``run`` and start the study."""
    cfg = adoption_config(run)
    for f in run.population.firms:
        AdoptionDesk(run, f.firm_id, cfg.onboarding_per_firm_per_month, cfg.live_date)
    adopters = Adopters(run, cfg)
    adopters.record_shares("start")
    run.env.process(adopters.study())
