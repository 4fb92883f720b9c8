"""A clearing firm's onboarding desk for new customer-XM users in an adoption study: at most
``capacity`` onboardings start per calendar month, first come first served; a user adopts at
06:00 ET on business day max(decision day + lead time, start day) (``agents.worlds.adoption``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import ClassVar

from agents.base import Agent
from sim.errors import CrossmarginError
from sim.messages import Adopted, OnboardingRequest, OnboardingStarted
from sim.population.adoption import date_of, day_index, month_key, month_start
from sim.records import AdoptionRecord, OnboardingRecord
from sim.run import Run

ADOPT_CLOCK = "06:00"
ADOPTERS_ID = "adopters"


def desk_id(firm_id: str) -> str:
    return f"adoption_desk:{firm_id}"


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
