"""Tests of sim.calendar: SIFMA-style holidays, Easter, business days and the simulation clock.

Holiday dates are SIFMA's published U.S. full-close recommendations (2024, 2026) and the
observance rules they follow (Saturday New Year's Day: no Friday close; Juneteenth from 2022).
Clock numbers are hand calculations: minute = 1440 * (calendar days since start) + HH*60 + MM.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.calendar import (
    SimCalendar,
    _easter,
    bond_market_holidays,
    business_days,
    is_business_day,
    parse_clock,
)

D = dt.date


# --- holidays -----------------------------------------------------------------------------------


def test_holidays_2026_match_sifma_full_closes():
    """SIFMA 2026 U.S. full closes; Jul 4 2026 is a Saturday so Friday Jul 3 is observed."""
    expected = {
        D(2026, 1, 1),
        D(2026, 1, 19),
        D(2026, 2, 16),
        D(2026, 4, 3),
        D(2026, 5, 25),
        D(2026, 6, 19),
        D(2026, 7, 3),
        D(2026, 9, 7),
        D(2026, 10, 12),
        D(2026, 11, 11),
        D(2026, 11, 26),
        D(2026, 12, 25),
    }
    assert bond_market_holidays(2026) == frozenset(expected)


def test_holidays_2024_match_sifma_full_closes():
    """SIFMA 2024 U.S. full closes (Good Friday 29 Mar 2024, Easter 31 Mar)."""
    expected = {
        D(2024, 1, 1),
        D(2024, 1, 15),
        D(2024, 2, 19),
        D(2024, 3, 29),
        D(2024, 5, 27),
        D(2024, 6, 19),
        D(2024, 7, 4),
        D(2024, 9, 2),
        D(2024, 10, 14),
        D(2024, 11, 11),
        D(2024, 11, 28),
        D(2024, 12, 25),
    }
    assert bond_market_holidays(2024) == frozenset(expected)


def test_saturday_new_year_is_not_observed_on_friday():
    """1 Jan 2022 is a Saturday; SIFMA had only an early close on Friday 31 Dec 2021."""
    assert D(2022, 1, 1).weekday() == 5
    assert D(2021, 12, 31) not in bond_market_holidays(2021)
    assert is_business_day(D(2021, 12, 31))
    assert D(2022, 1, 1) not in bond_market_holidays(2022)
    assert not any(d.month == 1 and d.day <= 3 for d in bond_market_holidays(2022))


def test_sunday_new_year_is_observed_on_monday():
    """1 Jan 2023 is a Sunday: observed Monday 2 Jan 2023."""
    assert D(2023, 1, 1).weekday() == 6
    assert D(2023, 1, 2) in bond_market_holidays(2023)


def test_saturday_christmas_and_sunday_independence_day_2021():
    """25 Dec 2021 is a Saturday -> Friday 24 Dec closed; 4 Jul 2021 a Sunday -> Monday 5 Jul."""
    h = bond_market_holidays(2021)
    assert D(2021, 12, 24) in h
    assert D(2021, 7, 5) in h
    assert D(2021, 7, 4) not in h and D(2021, 12, 25) not in h


def test_memorial_day_is_the_last_monday_in_a_five_monday_may():
    """May 2021 has Mondays 3, 10, 17, 24, 31: Memorial Day was 31 May 2021, not the 4th Monday."""
    h = bond_market_holidays(2021)
    assert D(2021, 5, 31) in h
    assert D(2021, 5, 24) not in h


def test_juneteenth_only_from_2022():
    """SIFMA added Juneteenth from 2022 (no close on Fri 18 Jun 2021); 19 Jun 2022 was a Sunday,
    observed Monday 20 Jun 2022."""
    assert not any(d.month == 6 for d in bond_market_holidays(2021))
    assert is_business_day(D(2021, 6, 18))
    assert D(2022, 6, 20) in bond_market_holidays(2022)
    assert D(2023, 6, 19) in bond_market_holidays(2023)


def test_saturday_veterans_day_2023_is_not_a_bond_market_holiday():
    """11 Nov 2023 is a Saturday. SIFMA closes only when Fedwire is closed, and the Fed does not
    close on the Friday before a Saturday holiday: Friday 10 Nov 2023 was a normal trading day.
    (Regression test: the calendar used to close that Friday.)"""
    assert D(2023, 11, 11).weekday() == 5
    assert is_business_day(D(2023, 11, 10))


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027])
def test_holidays_are_weekdays_of_their_year(year):
    """Invariant: an observed full close is a weekday of the year asked for."""
    for day in bond_market_holidays(year):
        assert day.year == year
        assert day.weekday() < 5


@pytest.mark.parametrize(
    "year, month, day",
    [
        (2000, 4, 23),
        (2008, 3, 23),
        (2011, 4, 24),
        (2019, 4, 21),
        (2020, 4, 12),
        (2021, 4, 4),
        (2024, 3, 31),
        (2025, 4, 20),
        (2026, 4, 5),
        (1818, 3, 22),
        (2038, 4, 25),
    ],
)
def test_easter_known_dates(year, month, day):
    """Published Gregorian Easter Sundays (1818 the earliest possible, 22 Mar; 2038 the latest,
    25 Apr)."""
    assert _easter(year) == D(year, month, day)


# --- business days ------------------------------------------------------------------------------


def test_business_days_skip_weekend_and_holiday():
    """Thu 21 May 2026, Fri 22, (Sat, Sun, Memorial Day Mon 25 skipped), Tue 26, Wed 27."""
    assert business_days(D(2026, 5, 21), 4) == [
        D(2026, 5, 21),
        D(2026, 5, 22),
        D(2026, 5, 26),
        D(2026, 5, 27),
    ]


def test_business_days_starting_on_a_holiday():
    """Christmas 2026 is a Friday: the first business days on/after it are Mon 28 and Tue 29."""
    assert business_days(D(2026, 12, 25), 2) == [D(2026, 12, 28), D(2026, 12, 29)]
    assert business_days(D(2026, 12, 25), 0) == []


def test_business_days_in_2026_count():
    """2026 has 365 days starting on a Thursday: 52 weeks + 1 Thursday = 261 weekdays, less the
    12 holidays (all on weekdays) = 249 business days."""
    days = business_days(D(2026, 1, 1), 260)
    assert len([d for d in days if d.year == 2026]) == 249


# --- clock --------------------------------------------------------------------------------------


def test_parse_clock():
    """8*60 + 30 = 510; 23*60 + 59 = 1439."""
    assert parse_clock("08:30") == 510
    assert parse_clock("00:00") == 0
    assert parse_clock("23:59") == 1439
    for bad in ("24:00", "08:60", "-1:30"):
        with pytest.raises(ValueError):
            parse_clock(bad)


@pytest.fixture
def cal():
    """Start Thu 21 May 2026: day 0 Thu 21 (minute 0), day 1 Fri 22 (1440), day 2 Tue 26 after
    the weekend and Memorial Day (5 * 1440 = 7200), day 3 Wed 27 (8640)."""
    return SimCalendar(D(2026, 5, 21), 5)


def test_days_and_their_first_minute(cal):
    assert cal.days[:4] == [D(2026, 5, 21), D(2026, 5, 22), D(2026, 5, 26), D(2026, 5, 27)]
    assert [cal.at(i, 0) for i in range(4)] == [0.0, 1440.0, 7200.0, 8640.0]
    assert cal.date(2) == D(2026, 5, 26)
    # 30 spare business days beyond the run
    assert len(cal.days) == 5 + 30


def test_at_by_string_and_minutes(cal):
    """08:30 on day 2 = 7200 + 510 = 7710."""
    assert cal.at(2, "08:30") == 7710.0
    assert cal.at(2, 510) == 7710.0


def test_timestamp_round_trip(cal):
    """timestamp(at(i, HH:MM)) is that date at HH:MM ET, for every business day of the run."""
    for i in range(len(cal.days)):
        for clock in ("00:00", "08:30", "18:45", "23:59"):
            h, m = map(int, clock.split(":"))
            expected = pd.Timestamp(cal.date(i)) + pd.Timedelta(hours=h, minutes=m)
            assert cal.timestamp(cal.at(i, clock)) == expected
            assert cal.day_index(cal.at(i, clock)) == i


def test_day_index(cal):
    """The last business day starting at or before t; weekend and holiday map back to Friday."""
    assert cal.day_index(0.0) == 0
    assert cal.day_index(1439.9) == 0
    assert cal.day_index(1440.0) == 1
    assert cal.day_index(3 * 1440 + 600) == 1  # Sun 24 May 10:00
    assert cal.day_index(4 * 1440 + 600) == 1  # Memorial Day Mon 25 May 10:00
    assert cal.day_index(7200.0) == 2


OPEN, CLOSE = 480, 1125  # 08:00 and 18:45


@pytest.mark.parametrize(
    "t, expected",
    [
        (360.0, 480.0),  # Thu 06:00, before open -> Thu 08:00
        (600.0, 600.0),  # Thu 10:00, inside the window -> unchanged
        (480.0, 480.0),  # exactly at open
        (1125.0, 1440.0 + 480.0),  # exactly at close (window is half-open) -> Fri 08:00
        (1140.0, 1440.0 + 480.0),  # Thu 19:00 -> Fri 08:00
        (1440 + 1140.0, 7200.0 + 480.0),  # Fri 19:00 -> over weekend and Memorial Day -> Tue 08:00
        (2 * 1440 + 600.0, 7680.0),  # Sat 10:00 -> Tue 08:00
        (4 * 1440 + 600.0, 7680.0),  # Memorial Day 10:00 -> Tue 08:00
    ],
)
def test_next_business_time(cal, t, expected):
    assert cal.next_business_time(t, OPEN, CLOSE) == expected


def test_next_business_time_when_start_is_not_a_business_day():
    """Start Sat 23 May 2026: business day 0 is Tue 26 May at minute 3 * 1440 = 4320, so minute 0
    (Sat 00:00) moves to Tue 08:00 = 4320 + 480."""
    cal = SimCalendar(D(2026, 5, 23), 3)
    assert cal.at(0, "00:00") == 4320.0
    assert cal.next_business_time(0.0, OPEN, CLOSE) == 4800.0


@pytest.mark.parametrize("window", [(OPEN, CLOSE), (-180, 1140), (510, 915)])
def test_in_business_window_is_next_business_time_unmoved(window):
    """Invariant: ``in_business_window(t)`` is ``next_business_time(t) == t`` (its definition),
    for the test window, Fedwire Funds (21:00 the evening before to 19:00) and Fedwire
    Securities (08:30-15:15), every 5 minutes from before the start (a Saturday) to after a
    holiday weekend, window edges included."""
    cal = SimCalendar(D(2026, 5, 23), 10)
    for t in np.arange(-600.0, 14 * 1440.0, 5.0):
        assert cal.in_business_window(t, *window) == (cal.next_business_time(t, *window) == t)
    assert cal.in_business_window(4320.0 + window[0], *window)  # Tue 26 May opens
    assert not cal.in_business_window(4320.0 + window[1], *window)  # half-open: closed at close


@pytest.mark.parametrize(
    "t, clock, after, expected",
    [
        (420.0, 510, 0, 510.0),  # Thu 07:00 -> Thu 08:30
        (510.0, 510, 0, 510.0),  # exactly at the clock -> itself
        (420.0, 510, 1, 1950.0),  # -> Thu 08:30 then one business day on: Fri 1440 + 510
        (420.0, 510, 2, 7710.0),  # two on: Tue 26 May 7200 + 510
        (540.0, 510, 0, 1950.0),  # Thu 09:00, past 08:30 -> Fri 08:30
        (540.0, 510, 1, 7710.0),  # ... then one business day on -> Tue 08:30
        (1440 + 1140.0, 1140, 0, 2580.0),  # Fri 19:00 at clock 19:00 -> itself
        (1440 + 1141.0, 1140, 0, 8340.0),  # Fri 19:01 -> Tue 19:00 = 7200 + 1140
        (2 * 1440 + 60.0, 510, 0, 7710.0),  # Sat 01:00 -> Tue 08:30
        (2 * 1440 + 60.0, 510, 1, 9150.0),  # ... then one on: Wed 8640 + 510
    ],
)
def test_next_clock(cal, t, clock, after, expected):
    assert cal.next_clock(t, clock, business_days_after=after) == expected


def test_open_minutes_count_only_the_window_on_business_days():
    """From Fri 22 May 2026 (Mon 25 May is Memorial Day), window 07:00-18:00 (660 minutes a
    day): Fri 06:00 -> 0; Fri 08:00 -> 60; Tue 26 May 08:00 (minute 4 x 1440 + 480) -> 660
    (Friday) + 60 = 720; NaN stays NaN."""
    cal = SimCalendar(dt.date(2026, 5, 22), 5)
    got = cal.open_minutes(np.array([360.0, 480.0, 4 * 1440 + 480.0, np.nan]), 420, 1080)
    np.testing.assert_array_equal(got, [0.0, 60.0, 720.0, np.nan])


def test_open_minutes_of_a_window_opening_the_evening_before():
    """Fedwire Funds, 21:00 the evening before to 19:00 (-180 to 1140: 1,320 minutes), from
    Fri 1 May 2026: Fri 18:00 (1080) -> 180 + 1080 = 1260; Mon 08:00 (3 x 1440 + 480 = 4800)
    -> Friday's 1320 + Sun 21:00 to Mon 08:00 (660) = 1980."""
    cal = SimCalendar(dt.date(2026, 5, 1), 5)
    got = cal.open_minutes(np.array([1080.0, 4800.0]), -180, 1140)
    np.testing.assert_array_equal(got, [1260.0, 1980.0])
    with pytest.raises(ValueError, match="window"):
        cal.open_minutes(np.array([0.0]), 600, 600)
