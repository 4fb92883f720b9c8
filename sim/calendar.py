"""Business-day calendar and the simulation clock.

Simulation time is float **minutes since 00:00 ET on the calendar's start date**. ET is treated
as naive wall-clock time (the simulator does not model the daylight-saving jump: every business
day has the same clock times in ET, which is how the CCPs publish their schedules).

Holidays follow the SIFMA U.S. bond-market full-close recommendations: New Year's Day, Martin
Luther King Jr. Day, Presidents Day, Good Friday, Memorial Day, Juneteenth (from 2022),
Independence Day, Labor Day, Columbus Day, Veterans Day, Thanksgiving and Christmas. A holiday on
a Sunday is observed on the Monday; on a Saturday it is observed on the Friday (as SIFMA did for
Independence Day 2020 and Christmas 2021; Juneteenth is assumed to follow them), except New Year's
Day and Veterans Day, when the Friday is a normal trading day (Fri 31 Dec 2021, Fri 10 Nov 2023).
Early closes are not modelled.
"""

from __future__ import annotations

import bisect
import datetime as dt
from functools import lru_cache

import numpy as np
import pandas as pd

MINUTES_PER_DAY = 24 * 60


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based; -1 for last) given weekday (Mon=0) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date, saturday_to_friday: bool = True) -> dt.date | None:
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    if day.weekday() == 5:
        return day - dt.timedelta(days=1) if saturday_to_friday else None
    return day


@lru_cache(maxsize=256)
def bond_market_holidays(year: int) -> frozenset[dt.date]:
    """SIFMA-style full-close holidays observed in ``year``."""
    fixed = [dt.date(year, 7, 4), dt.date(year, 12, 25)]
    if year >= 2022:
        fixed.append(dt.date(year, 6, 19))
    days = {_observed(d) for d in fixed}
    days.add(_observed(dt.date(year, 1, 1), saturday_to_friday=False))
    days.add(_observed(dt.date(year, 11, 11), saturday_to_friday=False))
    days |= {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Presidents Day
        _easter(year) - dt.timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
    }
    days.discard(None)
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in bond_market_holidays(day.year)


def business_days(start: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` business days on or after ``start``."""
    out: list[dt.date] = []
    day = start
    while len(out) < count:
        if is_business_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def simulated_window(start: dt.date, count: int) -> tuple[list[dt.date], dt.datetime, dt.datetime]:
    """The ``count`` business days from ``start`` (``business_days``) and the ET wall-clock span
    they cover: from 00:00 of the first to 00:00 after the last (naive datetimes)."""
    days = business_days(start, count)
    first = dt.datetime.combine(days[0], dt.time())
    return days, first, dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time())


@lru_cache(maxsize=1024)
def parse_clock(hhmm: str) -> int:
    """'08:30' -> 510 minutes after midnight."""
    hours, minutes = hhmm.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value < MINUTES_PER_DAY):
        raise ValueError(f"not a clock time HH:MM: {hhmm!r}")
    return value


class SimCalendar:
    """The business days of one run and conversions between dates, ET clock times and minutes.

    ``days[i]`` is business day ``i``; ``at(i, "08:30")`` is the simulation minute of 08:30 ET
    on that day; ``timestamp(t)`` turns a simulation minute back into an ET ``pd.Timestamp``.
    """

    def __init__(self, start: dt.date, n_business_days: int) -> None:
        self.start = start
        # spare days after the run so that deadlines after the last day exist
        self.days = business_days(start, n_business_days + 30)
        self.n_days = n_business_days
        self._offset = np.array([(d - start).days * MINUTES_PER_DAY for d in self.days])
        self._starts = [float(x) for x in self._offset]  # plain floats: fast per-event lookups

    def at(self, i: int, clock: str | int) -> float:
        """Simulation minute of an ET clock time (``"HH:MM"`` or minutes) on business day ``i``."""
        minutes = parse_clock(clock) if isinstance(clock, str) else clock
        return self._starts[i] + minutes

    def timestamp(self, t: float) -> pd.Timestamp:
        return pd.Timestamp(self.start) + pd.Timedelta(minutes=float(t))

    def day_index(self, t: float) -> int:
        """Index of the last business day starting at or before minute ``t``."""
        return bisect.bisect_right(self._starts, t) - 1

    def date(self, i: int) -> dt.date:
        return self.days[i]

    def date_back(self, i: int) -> dt.date:
        """The date of business day ``i``, which may precede the run (``i < 0``: the ``-i``-th
        business day before the first)."""
        if i >= 0:
            return self.days[i]
        day, left = self.days[0], -i
        while left:
            day -= dt.timedelta(days=1)
            left -= is_business_day(day)
        return day

    def next_business_time(self, t: float, open_clock: int, close_clock: int) -> float:
        """Earliest minute >= t inside [open, close) ET on a business day."""
        i = max(self.day_index(t), 0)
        while t >= self.at(i, close_clock):
            i += 1
        return max(t, self.at(i, open_clock))

    def in_business_window(self, t: float, open_clock: int, close_clock: int) -> bool:
        """Whether minute ``t`` lies inside [open, close) ET on a business day: exactly
        ``next_business_time(t, open_clock, close_clock) == t``, without building the minute
        (a check made for every payment on a rail)."""
        starts = self._starts
        i = max(bisect.bisect_right(starts, t) - 1, 0)
        while t >= starts[i] + close_clock:
            i += 1
        return t >= starts[i] + open_clock

    def open_minutes(self, t: np.ndarray, open_clock: int, close_clock: int) -> np.ndarray:
        """Minutes from the run start to each minute ``t`` during which a daily window
        [open, close) ET on business days was open (an opening before midnight is negative:
        -180 is 21:00 the evening before). The difference of two values is the business
        minutes between them. NaN stays NaN. Windows must be shorter than a day."""
        length = close_clock - open_clock
        if not 0 < length <= MINUTES_PER_DAY:
            raise ValueError(
                f"a window [{open_clock}, {close_clock}) must be open < close <= open + 1 day"
            )
        starts = self._offset + float(open_clock)
        t = np.asarray(t, dtype=float)
        k = np.searchsorted(starts, np.nan_to_num(t, nan=-np.inf), side="right")
        since = t - starts[np.maximum(k - 1, 0)]
        minutes = np.where(k > 0, (k - 1) * length + np.clip(since, 0, length), 0.0)
        return np.where(np.isnan(t), np.nan, minutes)

    def next_clock(self, t: float, clock: int, business_days_after: int = 0) -> float:
        """The first business-day time at ET ``clock`` that is >= t, then moved on by
        ``business_days_after`` business days."""
        i = max(self.day_index(t), 0)
        if self.at(i, clock) < t:
            i += 1
        return self.at(i + business_days_after, clock)
