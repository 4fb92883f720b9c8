"""What a CCP margins its XM accounts on when the XM rule cannot run as usual.

A cycle without the partner's figures (an XM link outage) falls back by ``xm.fallback``:
``standalone`` (no reduction), ``last_good`` (the reduction last applied with the partner's
figures, while it is at most one business day old, then standalone) or ``hold`` (each account's
requirement of the previous cycle, at most its standalone). A position break (the two CCPs see
an account's positions differently) margins that customer alone standalone for as long as it
lasts: breaks are injected (``xm.position_breaks``) or drawn per XM customer and business day
with ``xm.random_breaks.daily_probability`` on the customer's own stream, and are the same at
both CCPs (``PositionBreaks``); each CCP counts a break's cycles on its own cycles
(``BreakWatch``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import XmConfig
from sim.errors import ConfigError
from sim.run import Run

LAST_GOOD_DAYS = 1  # last_good expires after one business day


@dataclass(frozen=True)
class Break:
    """XM customers ``users`` broken from minute ``start``: until minute ``end`` or for
    ``cycles`` of each CCP's cycles (the other ``None``)."""

    users: tuple[str, ...]
    start: float
    end: float | None
    cycles: int | None


def xm_account_names(users, firms, accounts, xm_idx) -> dict[str, tuple[str, ...]]:
    """Each name a break may use: a customer id, or ``firm:account`` for its customers."""
    names: dict[str, list[str]] = {}
    for i in xm_idx:
        names.setdefault(users[i], []).append(users[i])
        names.setdefault(f"{firms[i]}:{accounts[i]}", []).append(users[i])
    return {k: tuple(v) for k, v in names.items()}


def unknown_break_account(xm: XmConfig, names: dict[str, tuple[str, ...]]) -> None:
    """``ConfigError`` naming the field, the value and some allowed ``names`` for the first
    account of ``xm.position_breaks`` that is no XM account of the run (known only once the
    population is drawn)."""
    for i, brk in enumerate(xm.position_breaks):
        unknown = [a for a in brk.accounts if a not in names]
        if unknown:
            allowed = ", ".join(sorted(names)[:6]) or "none: this run has no XM accounts"
            raise ConfigError(
                f"xm.position_breaks[{i}].accounts: {unknown[0]!r} is not an XM account of this"
                f" run; allowed: an XM customer id or firm:account, e.g. {allowed}"
            )


def injected_breaks(run: Run, xm: XmConfig, names: dict[str, tuple[str, ...]]) -> list[Break]:
    """``xm.position_breaks`` as ``Break``s (``unknown_break_account`` first)."""
    unknown_break_account(xm, names)
    origin, out = pd.Timestamp(run.calendar.start), []
    for brk in xm.position_breaks:
        users = tuple(sorted({u for a in brk.accounts for u in names[a]}))
        start = (pd.Timestamp(brk.start.replace(tzinfo=None)) - origin).total_seconds() / 60
        end = None if brk.duration_minutes is None else start + brk.duration_minutes
        out.append(Break(users, start, end, brk.duration_cycles))
    return out


def random_breaks(run: Run, xm: XmConfig, xm_users: tuple[str, ...]) -> list[Break]:
    """One draw per business day for each XM customer on its own stream
    ``xm.position_breaks.<customer>`` (drawn whatever the probability, so a probability of 0
    draws but breaks nothing, and a customer's draws do not depend on who else is in XM): a
    draw below ``xm.random_breaks.daily_probability`` breaks that customer from 00:00 ET of the
    day for ``duration_cycles`` cycles."""
    cal, rule, out = run.calendar, xm.random_breaks, []
    for user in xm_users:
        draws = run.streams.get(f"xm.position_breaks.{user}").random(cal.n_days)
        days = np.flatnonzero(draws < rule.daily_probability)
        out += [Break((user,), cal.at(int(d), 0), None, rule.duration_cycles) for d in days]
    return out


class PositionBreaks:
    """Every break of the run, shared by both CCPs."""

    def __init__(self, breaks: list[Break]) -> None:
        self.breaks = breaks

    @classmethod
    def of(
        cls, run: Run, xm: XmConfig, names: dict[str, tuple[str, ...]], xm_users
    ) -> PositionBreaks:
        return cls(injected_breaks(run, xm, names) + random_breaks(run, xm, tuple(xm_users)))


class BreakWatch:
    """One CCP's view of the breaks: which customers a cycle at minute ``now`` margins
    standalone, counting each cycle-long break on this CCP's cycles; logs ``xm_break`` start
    and end events."""

    def __init__(self, run: Run, ccp_id: str, breaks: PositionBreaks | None) -> None:
        self.run, self.ccp_id = run, ccp_id
        self.breaks = breaks.breaks if breaks is not None else []
        self.cycles_used = [0] * len(self.breaks)
        self.broken: set[str] = set()

    def _active(self, k: int, now: float) -> bool:
        brk = self.breaks[k]
        if now < brk.start:
            return False
        if brk.end is not None:
            return now < brk.end
        self.cycles_used[k] += 1
        return self.cycles_used[k] <= brk.cycles

    def at_cycle(self, now: float, day: int) -> set[str]:
        """The customers broken at this cycle; logs the breaks that start or end with it."""
        broken = set()
        for k, brk in enumerate(self.breaks):
            if self._active(k, now):
                broken.update(brk.users)
        for user in sorted(broken - self.broken):
            self.run.log("xm_break", self.ccp_id, user, date_index=day, mode="start")
        for user in sorted(self.broken - broken):
            self.run.log("xm_break", self.ccp_id, user, date_index=day, mode="end")
        self.broken = broken
        return broken


class LastGood:
    """The reduction (fraction per XM account) this CCP last applied with the partner's
    figures, and the business day of that cycle."""

    def __init__(self) -> None:
        self.reduction: np.ndarray | None = None
        self.day: int | None = None

    def remember(self, day: int, reduction: np.ndarray) -> None:
        self.reduction, self.day = reduction.copy(), day

    def usable(self, day: int) -> np.ndarray | None:
        """The last good reduction if at most ``LAST_GOOD_DAYS`` business days old, else None."""
        if self.reduction is None or day - self.day > LAST_GOOD_DAYS:
            return None
        return self.reduction
