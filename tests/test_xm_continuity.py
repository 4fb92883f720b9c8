"""XM continuity (``agents.xm_continuity``): ``xm.fallback`` when the partner's figures are
missing, and position breaks, on the tiny world (``tests/tiny.py``) with 8 end users (7 XM
customers at ``bd_fcm01``; the XM rule's reductions are the 0.8 cap or 0 there).

CME cycles at 13:30 (intraday) and 19:00 (eod); FICC at 12:00 (noon) and 18:00 (sod, called
08:30 the next day). Days: Fri 1 May (0), Mon 4 (1), Tue 5 (2).
"""

from __future__ import annotations

import pandas as pd
import pytest
from tiny import TINY, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config, deep_merge
from sim.errors import ConfigError
from sim.metrics.operations import xm_rows
from sim.records import EventRecord
from sim.run import run

EIGHT = deep_merge(TINY, {"population": {"n_end_users": 8}})
NO_OUTAGE = deep_merge(EIGHT, {"xm": {"link_outages": []}})
# the link is down from Friday 17:00 to Wednesday: every cycle after CME's Friday 13:30 and
# FICC's Friday noon misses the partner's figures
LONG_OUTAGE = deep_merge(
    EIGHT, {"xm": {"link_outages": [{"start": "2026-05-01T17:00:00", "duration_minutes": 7200}]}}
)


def _run(spec: dict):
    return run(build_config(spec), TINY_SEED, build_world)


def _xm(result, ccp: str, day: int) -> pd.DataFrame:
    daily = result.tables["accounts_daily"]
    rows = daily[(daily["ccp"] == ccp) & (daily["date_index"] == day)]
    return rows[rows["account"] == "customer_xm"].set_index("entity")


def _breaks(result) -> list[tuple[str, str, int, str]]:
    events = result.tables["events"]
    rows = events[events["kind"] == "xm_break"]
    return list(zip(rows["entity"], rows["ref"], rows["date_index"], rows["mode"], strict=True))


def test_an_injected_break_margins_only_that_customer_standalone():
    brk = {"accounts": ["eu00004"], "start": "2026-05-04T18:30:00", "duration_cycles": 1}
    broken = _run(deep_merge(NO_OUTAGE, {"xm": {"position_breaks": [brk]}}))
    plain = _run(NO_OUTAGE)
    for ccp in ("cme", "ficc"):  # CME's Monday 19:00 eod, FICC's Monday sod called Tue 08:30
        monday, before = _xm(broken, ccp, 1), _xm(plain, ccp, 1)
        assert monday.loc["eu00004", "im_usd"] == monday.loc["eu00004", "standalone_im_usd"]
        assert before.loc["eu00004", "reduction"] == pytest.approx(0.8)  # capped without it
        others = before.index != "eu00004"
        pd.testing.assert_frame_equal(monday[others], before[others])
        assert _xm(broken, ccp, 2).loc["eu00004", "reduction"] == pytest.approx(0.8)  # over
    assert _breaks(broken) == [  # Mon 19:00, Tue 08:30, Tue 12:00, Tue 13:30
        ("cme", "eu00004", 1, "start"),
        ("ficc", "eu00004", 1, "start"),
        ("ficc", "eu00004", 2, "end"),
        ("cme", "eu00004", 2, "end"),
    ]
    assert set(broken.tables["calls"]["status"]) <= {"on_time", "late"}  # ends normally


def test_a_break_in_minutes_covers_the_cycles_called_inside_it():
    """Monday 18:30 for an hour covers CME's 19:00 call, not FICC's Tuesday 08:30 call."""
    brk = {"accounts": ["bd_fcm01:customer_xm"], "start": "2026-05-04T18:30:00"}
    result = _run(
        deep_merge(NO_OUTAGE, {"xm": {"position_breaks": [{**brk, "duration_minutes": 60}]}})
    )
    assert (_xm(result, "cme", 1)["reduction"] == 0).all()  # every customer of the account
    assert _xm(result, "ficc", 1)["reduction"].max() == pytest.approx(0.8)


def test_last_good_uses_the_last_reduction_for_one_business_day_then_standalone():
    good = _xm(_run(NO_OUTAGE), "cme", 0)["reduction"]
    result = _run(deep_merge(LONG_OUTAGE, {"xm": {"fallback": "last_good"}}))
    # Friday's and Monday's cycles use Friday 13:30's reductions (0 or 1 business day old)
    for day in (0, 1):
        assert _xm(result, "cme", day)["reduction"].to_numpy() == pytest.approx(good.to_numpy())
    assert (_xm(result, "cme", 2)["reduction"] == 0).all()  # 2 days old on Tuesday: expired
    events = result.tables["events"]
    cme = events[(events["kind"] == "xm_fallback") & (events["entity"] == "cme")]
    assert set(cme["mode"]) == {"last_good"}
    expired = cme.groupby("date_index")["expired"].agg(lambda s: set(s.astype(bool)))
    assert expired.to_dict() == {0: {False}, 1: {False}, 2: {True}}


def test_hold_keeps_the_previous_requirement():
    """With CME's eod as its only cycle, Monday's eod (FICC's figures lost 18:00-18:10) holds
    Friday's eod IM; under standalone it is the standalone IM."""
    spec = deep_merge(EIGHT, {"cme": {"cycles": {"intraday": None}}})
    held = _run(deep_merge(spec, {"xm": {"fallback": "hold"}}))
    friday, monday = _xm(held, "cme", 0), _xm(held, "cme", 1)
    assert monday["im_usd"].to_numpy() == pytest.approx(friday["im_usd"].to_numpy(), rel=1e-12)
    standalone = _xm(_run(spec), "cme", 1)
    assert (standalone["im_usd"] == standalone["standalone_im_usd"]).all()
    assert (friday["im_usd"] < friday["standalone_im_usd"]).any()  # so holding differs


def test_a_break_probability_of_zero_changes_no_table_and_one_breaks_every_customer():
    base = _run(NO_OUTAGE)
    zero = _run(deep_merge(NO_OUTAGE, {"xm": {"random_breaks": {"daily_probability": 0.0}}}))
    for name in base.tables:
        pd.testing.assert_frame_equal(base.tables[name], zero.tables[name])
    always = {"daily_probability": 1.0, "duration_cycles": 2}  # each day's two cycles
    every = _run(deep_merge(NO_OUTAGE, {"xm": {"random_breaks": always}}))
    # from 00:00: CME's 13:30 and 19:00 of the day, FICC's 08:30 (the sod before) and noon
    for ccp, days in (("cme", (0, 1, 2)), ("ficc", (0, 1))):
        for day in days:
            broken, plain = _xm(every, ccp, day), _xm(base, ccp, day)
            assert (broken["reduction"] == 0).all()
            pd.testing.assert_series_equal(
                broken["standalone_im_usd"], plain["standalone_im_usd"]
            )  # the same market and books: the draws of other streams do not move


def test_the_metrics_count_fallbacks_by_mode_and_break_starts():
    events = pd.DataFrame(
        [
            EventRecord(1.0, "xm_fallback", "cme", "f:customer_xm", mode="standalone"),
            EventRecord(
                2.0, "xm_fallback", "cme", "f:customer_xm", mode="last_good", expired=False
            ),
            EventRecord(3.0, "xm_fallback", "cme", "f:customer_xm", mode="last_good", expired=True),
            EventRecord(4.0, "xm_fallback", "ficc", "f:customer_xm", mode="hold"),
            EventRecord(5.0, "xm_break", "cme", "eu1", mode="start"),
            EventRecord(6.0, "xm_break", "cme", "eu1", mode="end"),
        ]
    )
    assert xm_rows(events) == [
        ("xm_fallbacks_by_mode", "standalone", 1.0),
        ("xm_fallbacks_by_mode", "last_good", 1.0),
        ("xm_fallbacks_by_mode", "last_good_expired", 1.0),
        ("xm_fallbacks_by_mode", "hold", 1.0),
        ("xm_breaks", "all", 1.0),
    ]


@pytest.mark.parametrize(
    ("brk", "message"),
    [
        ({"start": "2026-05-09T10:00:00", "duration_cycles": 1}, r"position_breaks\[0\].start"),
        ({"start": "2026-05-04T10:00:00"}, "give exactly one"),
        ({"start": "2026-05-04T10:00:00", "duration_cycles": 1, "duration_minutes": 5}, "exactly"),
    ],
)
def test_bad_breaks_are_refused_with_their_field(brk, message):
    with pytest.raises(ValueError, match=message):
        build_config(deep_merge(EIGHT, {"xm": {"position_breaks": [{"accounts": ["eu1"], **brk}]}}))


def test_a_break_of_an_unknown_account_is_refused_with_the_allowed_names():
    brk = {"accounts": ["nobody"], "start": "2026-05-04T10:00:00", "duration_cycles": 1}
    with pytest.raises(ConfigError, match=r"position_breaks\[0\].accounts: 'nobody'.*eu00001"):
        _run(deep_merge(EIGHT, {"xm": {"position_breaks": [brk]}}))
