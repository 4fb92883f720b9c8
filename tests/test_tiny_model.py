"""The tiny world (tests/tiny.py) under issue 11's model, the defaults: its exact call log,
re-derived from the log of ``tests/test_tiny_run.py`` (the settings of before), row by row.

Times follow the same schedule by hand as there (customer calls due 11:00 on the first business
day two hours after issue, CCP calls an hour after issue, the custodian's 30 minutes, its
Tuesday 08:00-12:00 outage). Amounts (cents) are regression values of seed 11. What changed:

1. The FICC leg is the cleared repo that finances a hedge fund's notes; asset managers hold
   theirs in custody and have no FICC position (``population.ficc_leg: cleared_repo``). So
   eu00002's FICC calls (old C000001/2, C000009/11, C000023/25, C000028/29) are gone, and
   eu00003, an asset manager with both legs at bd_fcm01, is no longer XM-capable: its old
   ``customer_xm`` calls (C000013, C000016, C000021, C000027) become CME ``customer`` calls
   (C000011/13 Monday intraday, C000015/18 Monday end of day) and its FICC calls are gone.
2. bd_fcm01's FICC and CME ``customer_xm`` accounts now hold eu00001 alone, so each CCP call
   on them equals eu00001's call of the cycle (C000001 = C000002, C000003 = C000005, C000007 =
   C000008); eu00001's amounts at FICC are those of its repo (the same DV01 as the notes).
3. Tuesday, after the Monday link outage made CME margin the XM account standalone (C000016,
   C000019: the standalone requirement), eu00001's buffer policy sells 45.8% of its book at 07:00
   when it pays C000019 (``liquidation.buffer_floor``). The sale is sized counting the margin it
   releases, ``f = (t R - free) / ((1 + t) R)`` with t = ``buffer_target`` 1.25 (calibrated,
   issue 13); the first rule, ``1 - free / (t R)`` at t = 0.75, sold 0.707032, so free / R =
   0.75 x (1 - 0.707032) = 0.219726 (free liquidity and requirements at 07:00 do not depend on
   the rule) and f = (1.25 - 0.219726) / 2.25 = 0.457900 (0.303014 at t = 0.75).
   At 08:30 it cannot meet FICC's start-of-day call C000022, sells 14.0% more (``raise_cash``)
   and the firm recomputes the call, then its buffer policy sells 55.4% of what is left (99.7%
   under the first rule, which emptied the book). Its Tuesday noon FICC call (old C000030) is
   not needed; CME's Tuesday close calls the account on the book left (C000023: 4,478,618 /
   8,103,045 cents; 5,913,148 / 13,313,130 at t = 0.75; 18,430 / 26,170 under the first rule).
4. eu00001's overnight repo rolls at 08:30 each day and settles the term's net carry, coupon
   less repo interest on the full face (haircut 0, ``population.repo``): +$122.01 on Friday,
   +$413.18 on Monday (3 days: 99,164,000 x (4.10% - 4.05%) x 3/360) and, on Tuesday before
   FICC's 08:30 call, +$59.96 on the 53,757,000 face left after the 07:00 sale (Tuesday's rates:
   $1.1154 per $1m of face, as the +$32.41 on the 29,051,800 the first rule left). FICC's call
   C000022 is cut by 8,198,415 cents (58,764,904 - 50,566,489) by the 08:30 ``raise_cash`` sale.
5. CME pays out its end-of-day excess at 09:30, an hour after the 08:30 collection
   (``cme.cycles.eod.payout_clock``, issue 13; tests/tiny.py pins 08:30 for the old log). No row
   changes, by hand: the four payouts that move (Monday 09:30: 2,165,697 cents to bd_fcm01's
   ``customer`` account, eu00003's gain, and 362,276 to fcm01; Wednesday 09:30: 14,563,362 and
   6,223,187 to fcm01, eu00002's Tuesday gain: 5,803,195 at t = 0.75, eu00001's larger Tuesday
   sales of item 3 moving the basis by their impact, and with it eu00002's futures) are each
   firm's only payments between 08:30 and 09:30 but for FICC's start of day,
   which on Monday and Wednesday pays out (no call) and on Tuesday calls C000021 when CME's Monday
   close paid nobody out (C000015-C000017 are all calls); so no firm pays from a segregated account
   that the payout would have filled, and the calls, pre-funding and customers' payments are
   unchanged (run with 08:30, the payments differ only in those four payouts and their variation
   bookings, an hour earlier). The intraday liquidity gap (``sim.metrics.liquidity_gap``) of
   bd_fcm01, by hand from the log: Friday 14:00-14:30 min(847,625 paid on C000003, 4,374,091 CME
   intraday payout) = 847,625; Monday 08:00-09:30 min(4,304,372 on C000007, 2,165,697) = 2,165,697
   (until 08:30 with the old pay-out), and 14:00-14:30 min(69,059,936 on C000011, 66,792,329 to its
   XM account) = 66,792,329; Tuesday none (no settlement both calls and pays it); Wednesday
   08:00-09:30 min(12,581,663 on C000023, 14,563,362) = 12,581,663. fcm01's one account is either
   called or paid out per settlement: no gap. Peak $667,923.29; mean over 2 firms x 4 days (3 run
   days and Wednesday morning) (847,625 + 66,792,329 + 12,581,663) / 8 = 10,027,702.125
   cents, $100,277.02125.
6. Per-customer segregation at the firms with LSOC at the CCPs (``firms.segregation:
   per_customer``, ``cme.lsoc``/``ficc.lsoc`` true; issue 13; tests/tiny.py pins pooled and
   netted for the old log). Each of bd_fcm01's CCP customer accounts holds one customer
   (``customer_xm`` eu00001, ``customer`` eu00003), so LSOC's sum of per-customer deficits is
   the account's net call and no CCP call changes; three rows change through the firm's
   sub-accounts, each by eu00003's 2,165,697-cent CME payout of Monday 09:30 (its Friday-close
   gain, item 5). Pooled, it sat in the one segregated account: at 13:30 Monday the firm paid
   eu00001 an excess of 2,165,697 from it, and FICC's noon call C000009 (49,987,984) was paid
   from the pool's 10,206,021 first, pre-funding 39,781,963. Per customer it sits in eu00003's
   4d sub-account: C000009 is paid from eu00001's own sub-account, 49,987,984 - 41,947,660 =
   8,040,324 (its call C000010 is what it lacks), so pre-funding is 41,947,660 =
   39,781,963 + 2,165,697; CME's intraday call C000011 on eu00003 (69,059,936) takes its
   2,165,697 and pre-funds 69,059,936 - 2,165,697 = 66,894,239 (its call C000013); and
   eu00001's own sub-account is empty at 13:30, so it gets no excess back and its CME equity
   keeps the 2,165,697: its Monday-close call C000019 is 50,060,119 - 2,165,697 = 47,894,422.
   CME's payouts and the liquidity gap of item 5 are unchanged (the excess returns move).
7. One customer call per cycle on an XM customer's 4d statement (``firms.xm_one_call_per_cycle``,
   default true; tests/tiny.py pins false for the old log). No row changes, by hand: the switch
   acts only on a joint XM equity key, and this world keeps eu00001's equity per CCP
   (``firms.xm_customer_equity: per_ccp``, inherited from tests/tiny.py), so each CCP statement
   still calls on its own key. tests/test_xm_cycle.py runs this world under joint equity, where
   the switch changes eu00001's Friday calls (derived there by hand).
8. CME's collateral cutoffs (``cme.collateral_cutoffs``: Treasuries for an intraday call count
   only by 12:00 ET, for an end-of-day call by 15:00 ET) and the firms' daylight-overdraft cap
   with its payment queue (``firms.daylight_overdraft_cap``: 0.4 x capital); issue 13,
   tests/tiny.py pins both off for the old log. No row changes, by hand: nobody in this world
   holds Treasuries (``securities_multiple`` 0, all pay in cash), so no call is met in
   Treasuries for a cutoff to refuse; and neither firm's own cash goes below zero (each starts
   with $3bn and the run's pre-funding is a few $m: the daily audits find it within $1m of
   $3bn), so the cap ($1.2bn for a firm of mean size) holds no payment.
"""

from __future__ import annotations

import pytest
from test_tiny_run import _log
from tiny import TINY_MODEL, TINY_SEED

from agents.worlds.clearing import build_world
from sim.config import build_config
from sim.run import run

# call_id, parent, level, ccp, cycle, payer, payee, account, cash_cents, im_cents, issued, due,
# instructed, settled, status, prefunded_cents
# fmt: off
EXPECTED = [
    ('C000001', '', 'ccp', 'ficc', 'noon', 'bd_fcm01', 'ficc', 'customer_xm',
     0, 5688204, 'Fri 01 12:00', 'Fri 01 13:00', '', 'Fri 01 12:30', 'on_time', 5688204),
    ('C000002', 'C000001', 'customer', 'ficc', 'noon', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 5688204, 'Fri 01 12:00', 'Mon 04 11:00', 'Fri 01 12:00', 'Fri 01 12:30', 'on_time', 0),
    ('C000003', '', 'ccp', 'cme', 'intraday', 'bd_fcm01', 'cme', 'customer_xm',
     0, 847625, 'Fri 01 13:30', 'Fri 01 14:30', '', 'Fri 01 14:00', 'on_time', 847625),
    ('C000004', '', 'ccp', 'cme', 'intraday', 'fcm01', 'cme', 'customer',
     0, 132006, 'Fri 01 13:30', 'Fri 01 14:30', '', 'Fri 01 14:00', 'on_time', 132006),
    ('C000005', 'C000003', 'customer', 'cme', 'intraday', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 847625, 'Fri 01 13:30', 'Mon 04 11:00', 'Fri 01 13:30', 'Fri 01 14:00', 'on_time', 0),
    ('C000006', 'C000004', 'customer', 'cme', 'intraday', 'eu00002', 'fcm01', 'customer',
     0, 132006, 'Fri 01 13:30', 'Mon 04 11:00', 'Fri 01 13:30', 'Fri 01 14:00', 'on_time', 0),
    ('C000007', '', 'ccp', 'cme', 'eod', 'bd_fcm01', 'cme', 'customer_xm',
     0, 4304372, 'Fri 01 19:00', 'Mon 04 08:30', '', 'Mon 04 08:00', 'on_time', 0),
    ('C000008', 'C000007', 'customer', 'cme', 'eod', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 4304372, 'Fri 01 19:00', 'Mon 04 11:00', 'Mon 04 07:00', 'Mon 04 07:30', 'on_time', 0),
    ('C000009', '', 'ccp', 'ficc', 'noon', 'bd_fcm01', 'ficc', 'customer_xm',
     0, 49987984, 'Mon 04 12:00', 'Mon 04 13:00', '', 'Mon 04 12:30', 'on_time', 41947660),
    ('C000010', 'C000009', 'customer', 'ficc', 'noon', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 41947660, 'Mon 04 12:00', 'Tue 05 11:00', 'Mon 04 12:00', 'Mon 04 12:30', 'on_time', 0),
    ('C000011', '', 'ccp', 'cme', 'intraday', 'bd_fcm01', 'cme', 'customer',
     0, 69059936, 'Mon 04 13:30', 'Mon 04 14:30', '', 'Mon 04 14:00', 'on_time', 66894239),
    ('C000012', '', 'ccp', 'cme', 'intraday', 'fcm01', 'cme', 'customer',
     0, 6568697, 'Mon 04 13:30', 'Mon 04 14:30', '', 'Mon 04 14:00', 'on_time', 6206421),
    ('C000013', 'C000011', 'customer', 'cme', 'intraday', 'eu00003', 'bd_fcm01', 'customer',
     0, 66894239, 'Mon 04 13:30', 'Tue 05 11:00', 'Mon 04 13:30', 'Mon 04 14:00', 'on_time', 0),
    ('C000014', 'C000012', 'customer', 'cme', 'intraday', 'eu00002', 'fcm01', 'customer',
     0, 6206421, 'Mon 04 13:30', 'Tue 05 11:00', 'Mon 04 13:30', 'Mon 04 14:00', 'on_time', 0),
    ('C000015', '', 'ccp', 'cme', 'eod', 'bd_fcm01', 'cme', 'customer',
     0, 43935020, 'Mon 04 19:00', 'Tue 05 08:30', '', 'Tue 05 08:00', 'on_time', 0),
    ('C000016', '', 'ccp', 'cme', 'eod', 'bd_fcm01', 'cme', 'customer_xm',
     0, 114686751, 'Mon 04 19:00', 'Tue 05 08:30', '', 'Tue 05 08:00', 'on_time', 0),
    ('C000017', '', 'ccp', 'cme', 'eod', 'fcm01', 'cme', 'customer',
     0, 4187446, 'Mon 04 19:00', 'Tue 05 08:30', '', 'Tue 05 08:00', 'on_time', 0),
    ('C000018', 'C000015', 'customer', 'cme', 'eod', 'eu00003', 'bd_fcm01', 'customer',
     0, 43935020, 'Mon 04 19:00', 'Tue 05 11:00', 'Tue 05 07:00', 'Tue 05 07:30', 'on_time', 0),
    ('C000019', 'C000016', 'customer', 'cme', 'eod', 'eu00001', 'bd_fcm01', 'customer_xm',
     0, 47894422, 'Mon 04 19:00', 'Tue 05 11:00', 'Tue 05 07:00', 'Tue 05 07:30', 'on_time', 0),
    ('C000020', 'C000017', 'customer', 'cme', 'eod', 'eu00002', 'fcm01', 'customer',
     0, 4187446, 'Mon 04 19:00', 'Tue 05 11:00', 'Tue 05 07:00', 'Tue 05 07:30', 'on_time', 0),
    ('C000021', '', 'ccp', 'ficc', 'sod', 'bd_fcm01', 'ficc', 'customer_xm',
     4094241, 58764904, 'Tue 05 08:30', 'Tue 05 09:30', '', 'Tue 05 09:00', 'on_time', 62859145),
    ('C000022', 'C000021', 'customer', 'ficc', 'sod', 'eu00001', 'bd_fcm01', 'customer_xm',
     4094241, 50566489, 'Tue 05 08:30', 'Tue 05 11:00', 'Tue 05 08:30', 'Tue 05 12:00', 'late', 0),
    ('C000023', '', 'ccp', 'cme', 'eod', 'bd_fcm01', 'cme', 'customer_xm',
     4478618, 8103045, 'Tue 05 19:00', 'Wed 06 08:30', '', 'Wed 06 08:00', 'on_time', 0),
]
# fmt: on


@pytest.fixture(scope="module")
def tiny_model():
    return run(build_config(TINY_MODEL), TINY_SEED, build_world)


def test_call_log_under_the_new_model_is_exact(tiny_model):
    assert _log(tiny_model.tables["calls"]) == EXPECTED


def test_the_tuesday_sales_and_the_recomputed_call(tiny_model):
    """Item 3 of the docstring: three sales of eu00001 on Tuesday (07:00 buffer policy, 08:30
    raise_cash and buffer policy), the FICC call cut by what the second sale released
    (58,764,904 - 50,566,489 = 8,198,415 cents), impact costs paid at the 15:00 close."""
    events = tiny_model.tables["events"]
    sales = events[events["kind"] == "deleverage_sale"]
    assert list(sales["entity"]) == ["eu00001"] * 3
    assert list(sales["time_et"].dt.strftime("%a %H:%M")) == ["Tue 07:00", "Tue 08:30", "Tue 08:30"]
    # the 07:00 sale counts the margin it releases (item 3): free / R from the first rule's 0.707032
    assert sales["scale"].iloc[0] == pytest.approx((1.25 - 0.75 * (1 - 0.707032)) / 2.25, abs=1e-6)
    [cut] = events.loc[events["kind"] == "call_recomputed", "amount_usd"]
    assert round(cut * 100) == 58_764_904 - 50_566_489
    costs = events[events["kind"] == "impact_cost"]
    assert set(costs["time_et"].dt.strftime("%a %H:%M")) == {"Tue 15:00"}


def test_cme_pays_out_at_0930_and_the_gap_by_hand(tiny_model):
    """Item 5 of the docstring: CME's end-of-day payouts leave at 09:30 (instructed at the 19:00
    cycle), and the gap metric is the hand figure."""
    pay = tiny_model.tables["payments"]
    cme = pay[(pay["purpose"] == "release") & (pay["payer"] == "cme")]
    eod = cme[cme["instructed_et"].dt.strftime("%H:%M") == "19:00"]
    when = eod["settled_et"].dt.strftime("%a %H:%M")
    assert sorted(zip(when, (eod["value_usd"] * 100).round().astype(int), strict=True)) == [
        ("Mon 09:30", 362_276), ("Mon 09:30", 2_165_697),
        ("Wed 09:30", 6_223_187), ("Wed 09:30", 14_563_362),
    ]  # fmt: skip
    metrics = tiny_model.metrics.set_index("metric")["value"]
    assert metrics["intraday_liquidity_gap_peak_usd"] == pytest.approx(667_923.29)
    assert metrics["intraday_liquidity_gap_mean_usd"] == pytest.approx(
        (847_625 + 66_792_329 + 12_581_663) / 8 / 100
    )
