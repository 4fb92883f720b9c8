"""The credit surviving firms drew after a member default (``survivor_liquidity_drawn_usd``,
``sim.metrics.default_management.survivor_credit_rows``), on hand-made tables."""

from __future__ import annotations

import pandas as pd

from sim.metrics.default_management import survivor_credit_rows

COLUMNS = ["date_index", "entity", "entity_type", "account", "cash_usd"]


def _balances(rows: list[tuple[int, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(d, a.split(":")[1], "firm", a, cash / 100, 0.0) for d, a, cash in rows],
        columns=[*COLUMNS, "securities_usd"],
    )


EVENTS = pd.DataFrame(
    {"kind": ["member_default", "member_default"], "ref": ["bd01", "bd01"], "time_min": [1, 1]}
)


def test_peak_total_drawn_by_survivors_from_the_declaration_day():
    """By hand: day 0 (before the declaration on day 1) is left out, and so is the defaulter
    bd01 and every account but a firm's own cash; day 1: fcm01 -$3.00 and fcm02 +$5.00 (not
    drawn) -> 3.00; day 2: fcm01 -$2.00 and fcm02 -$4.50 -> 6.50; the peak is $6.50."""
    daily = _balances([
        (0, "firm:fcm01:cash", -100_000),
        (1, "firm:fcm01:cash", -300), (1, "firm:fcm02:cash", 500),
        (1, "firm:bd01:cash", -90_000), (1, "firm:fcm01:4d:eu00001", -70_000),
        (2, "firm:fcm01:cash", -200), (2, "firm:fcm02:cash", -450),
    ])  # fmt: skip
    assert survivor_credit_rows(EVENTS, daily, 1) == [("survivor_liquidity_drawn_usd", "all", 6.5)]


def test_no_rows_without_a_default_and_zero_when_nobody_draws():
    daily = _balances([(1, "firm:fcm01:cash", 500)])
    assert survivor_credit_rows(EVENTS.iloc[:0], daily, 0) == []
    assert survivor_credit_rows(EVENTS, daily, 1) == [("survivor_liquidity_drawn_usd", "all", 0.0)]
