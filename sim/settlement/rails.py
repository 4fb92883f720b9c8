"""Payment rails and their operating windows (ET, DESIGN.md section 2).

- ``fedwire_funds``: opens 21:00 ET the evening before a business day and closes 19:00 ET; a
  custodian's payments for customers are third-party transfers with an 18:45 cutoff.
- ``fedwire_securities``: 08:30-15:15 ET on business days.
- ``book``: entries inside one institution (a CCP's internal netting, a firm moving money between
  its own accounts): no window.

Windows are given in minutes after midnight of the business day; an opening before midnight is
negative (21:00 the evening before is -180).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.calendar import SimCalendar, parse_clock


@dataclass(frozen=True)
class Window:
    open_min: int
    close_min: int

    def next_open(self, calendar: SimCalendar, t: float) -> float:
        """Earliest minute >= t inside the window on a business day."""
        return calendar.next_business_time(t, self.open_min, self.close_min)

    def contains(self, calendar: SimCalendar, t: float) -> bool:
        return calendar.in_business_window(t, self.open_min, self.close_min)


def _window(open_clock: str, close_clock: str, opens_evening_before: bool = False) -> Window:
    start = parse_clock(open_clock) - (24 * 60 if opens_evening_before else 0)
    return Window(start, parse_clock(close_clock))


FUNDS_OPEN, FUNDS_CLOSE, THIRD_PARTY_CUTOFF = "21:00", "19:00", "18:45"
SECURITIES_OPEN, SECURITIES_CLOSE = "08:30", "15:15"


def funds_window(third_party: bool, cutoff: str = THIRD_PARTY_CUTOFF) -> Window:
    """Fedwire Funds for a bank's own transfers (to 19:00) or third-party ones (to ``cutoff``)."""
    return _window(FUNDS_OPEN, cutoff if third_party else FUNDS_CLOSE, opens_evening_before=True)


def securities_window() -> Window:
    return _window(SECURITIES_OPEN, SECURITIES_CLOSE)


BOOK = "book"
FEDWIRE_FUNDS, FEDWIRE_FUNDS_THIRD_PARTY, FEDWIRE_SECURITIES = (
    "fedwire_funds",
    "fedwire_funds_third_party",
    "fedwire_securities",
)


def rails(third_party_cutoff: str = THIRD_PARTY_CUTOFF) -> dict[str, Window]:
    """The windows of a run's rails (the third-party cutoff is a parameter)."""
    return {
        FEDWIRE_FUNDS: funds_window(third_party=False),
        FEDWIRE_FUNDS_THIRD_PARTY: funds_window(third_party=True, cutoff=third_party_cutoff),
        FEDWIRE_SECURITIES: securities_window(),
    }


def settles_in_window(
    calendar: SimCalendar, windows: dict[str, Window], rail: str, t: float
) -> bool:
    """Whether a payment on ``rail`` may settle at minute ``t`` (book entries always may)."""
    return rail == BOOK or windows[rail].contains(calendar, t)
