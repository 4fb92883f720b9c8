"""Tests of sim.records (typed buffers, Parquet row groups) and sim.calls (the call book).

Invariants (DESIGN section 3): records flushed in batches give the same tables as records kept in
memory, with the schema's columns and types; every margin call has one id and ends exactly once
(on time, late or defaulted), writing exactly one ``calls`` row.
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import simpy

from sim.calls import CallBook
from sim.errors import CallStateError
from sim.messages import MarginCall
from sim.records import SCHEMAS, TABLES, EventRecord, FirmRecord, Recorder

NAN = float("nan")

# call rows: id, parent, level, ccp, cycle, payer, payee, account, cash, im, amount, issued,
# due, final, instructed, settled, status, prefunded
ROWS = {
    "calls": [
        (
            "C1",
            "",
            "ccp",
            "cme",
            "eod",
            "fcm01",
            "cme",
            "house",
            0,
            300_000,
            300_000,
            0.0,
            60.0,
            120.0,
            NAN,
            30.0,
            "on_time",
            0,
        ),
        (
            "C2",
            "C1",
            "customer",
            "cme",
            "eod",
            "eu00001",
            "fcm01",
            "cust",
            23,
            100,
            123,
            1.5,
            61.5,
            121.5,
            20.0,
            90.0,
            "late",
            100,
        ),
        (
            "C3",
            "",
            "ccp",
            "ficc",
            "sod",
            "bd01",
            "ficc",
            "house",
            1,
            0,
            1,
            2.0,
            62.0,
            122.0,
            NAN,
            NAN,
            "defaulted",
            0,
        ),
        (
            "C4",
            "",
            "ccp",
            "ficc",
            "noon",
            "bd02",
            "ficc",
            "xm",
            0,
            2**40,
            2**40,
            3.0,
            63.0,
            123.0,
            NAN,
            10.0,
            "on_time",
            2**40,
        ),
        (
            "C5",
            "C4",
            "customer",
            "ficc",
            "noon",
            "eu00002",
            "bd02",
            "xm",
            5,
            0,
            5,
            4.0,
            64.0,
            124.0,
            50.0,
            100.0,
            "late",
            0,
        ),
    ],
    "payments": [
        (
            "P1",
            "C1",
            "im",
            "fcm01",
            "cme",
            "fcm01:cash",
            "cme:im",
            "USD",
            300_000,
            300_000,
            10.0,
            30.0,
            "fcm01",
            "fedwire_funds",
        ),
        (
            "P2",
            "C2",
            "vm",
            "eu00001",
            "fcm01",
            "eu:cash",
            "fcm01:seg",
            "USD",
            123,
            123,
            20.0,
            90.0,
            "cust",
            "fedwire_funds_third_party",
        ),
        (
            "P3",
            "C4",
            "im",
            "bd02",
            "ficc",
            "bd02:seg",
            "ficc:cf",
            "UST",
            2**40,
            2**39,
            5.0,
            10.0,
            "bd02",
            "fedwire_securities",
        ),
    ],
    "accounts_daily": [],  # an empty table must still come back with its columns and types
    "balances_daily": [(0, "eu00001", "hedge_fund", "eu:eu00001:cash", -5, 0)],
    "desk": [(3.0, "fcm01", 2, 1)],
}
EVENTS = [
    EventRecord(0.0, "start", "run"),
    EventRecord(30.0, "paid", "fcm01", "C1", amount_cents=300000),
    EventRecord(60.0, "call", "cme", "C2", counterparty="fcm01", date_index=2),
    EventRecord(1440.0, "end", "run", scale=0.75, leg="futures"),
]
FIRMS = [FirmRecord("bd_fcm01", "bd_fcm", True, "bd_fcm01", 1.0)]
# an empty table must still come back with its columns and types
RECORDS = {
    **{t: [TABLES[t]._make(row) for row in rows] for t, rows in ROWS.items()},
    "events": EVENTS,
    "firms": FIRMS,
}
COUNTS = {t: len(RECORDS.get(t, [])) for t in TABLES}
# pandas dtype kinds per Arrow type (a nullable int column with nulls comes back as float)
PANDAS_KIND = {pa.int64(): "i", pa.float64(): "f", pa.bool_(): "b", pa.date32(): "O"}


def _record(recorder: Recorder) -> dict[str, pd.DataFrame]:
    for records in RECORDS.values():
        for record in records:
            recorder.add(record)
    return recorder.finish()


def _check_schema(frames: dict[str, pd.DataFrame]) -> None:
    for table, schema in SCHEMAS.items():
        df = frames[table]
        assert list(df.columns) == schema.names
        assert len(df) == COUNTS[table]
        for field in schema:
            kind = df[field.name].dtype.kind
            if field.type == pa.string():
                assert pd.api.types.is_string_dtype(df[field.name]), (table, field.name, kind)
            elif field.nullable and field.type == pa.int64():
                assert kind in "if", (table, field.name, kind)
            else:
                assert kind == PANDAS_KIND[field.type], (table, field.name, kind)


def test_recorder_memory_and_parquet_give_same_tables(tmp_path):
    """batch_rows=2: 5 calls rows -> row groups of 2, 2, 1 = 3; 3 payments -> 2; 4 events -> 2;
    1 balance row -> 1; 1 desk row -> 1;
    the tables equal the in-memory ones (default and small batches) cell for cell."""
    memory = _record(Recorder())
    memory_small = _record(Recorder(batch_rows=2))
    disk = _record(Recorder(tmp_path, batch_rows=2))
    for frames in (memory, memory_small, disk):
        _check_schema(frames)
    for table in SCHEMAS:
        pd.testing.assert_frame_equal(memory[table], memory_small[table])
        pd.testing.assert_frame_equal(memory[table], disk[table])
    groups = {t: pq.ParquetFile(tmp_path / f"{t}.parquet").num_row_groups for t in SCHEMAS}
    assert groups == {t: -(-n // 2) for t, n in COUNTS.items()}  # ceil(rows / 2)
    assert groups["calls"] == 3 and groups["accounts_daily"] == 0
    # values survive: big ints exactly, NaN as NaN, the ids in order
    calls = disk["calls"]
    assert list(calls["call_id"]) == ["C1", "C2", "C3", "C4", "C5"]
    assert calls["amount_cents"].iloc[3] == 2**40
    assert math.isnan(calls["settled_min"].iloc[2])


def test_recorder_counts_rows(tmp_path):
    rec = Recorder(tmp_path, batch_rows=2)
    _record(rec)
    assert rec.counts == COUNTS


def test_recorder_takes_only_record_types():
    rec = Recorder(batch_rows=1)
    with pytest.raises(TypeError, match="not a record type"):
        rec.add((0.0, "start", "run"))
    with pytest.raises(TypeError, match="more than one type"):
        rec.add_many([EVENTS[0], FIRMS[0]])


def test_schemas_follow_the_annotations():
    """str -> string, float -> float64, int -> int64, bool -> bool, date -> date32, X | None a
    nullable X."""
    events = SCHEMAS["events"]
    assert events.field("time_min").type == pa.float64() and not events.field("kind").nullable
    assert events.field("amount_cents").type == pa.int64() and events.field("amount_cents").nullable
    assert SCHEMAS["firms"].field("offers_xm").type == pa.bool_()
    assert SCHEMAS["adoption_counts"].field("date").type == pa.date32()


# --- call book ----------------------------------------------------------------------------------


def _call(call_id: str, due: float = 60.0, final: float = 120.0) -> MarginCall:
    return MarginCall(
        call_id=call_id,
        level="ccp",
        ccp="cme",
        cycle="eod",
        payer="fcm01",
        payee="cme",
        account="house",
        cash_cents=100_000,
        im_cents=200_000,
        issued_min=0.0,
        due_min=due,
        final_min=final,
    )


@pytest.fixture
def book():
    return CallBook(simpy.Environment(), Recorder())


def test_settle_on_or_before_due_is_on_time(book):
    """Due at minute 60: settled at 30 and at exactly 60 are on time."""
    for cid, t in (("A", 30.0), ("B", 60.0)):
        paid = book.issue(_call(cid))
        assert book.is_open(cid)
        assert book.settle(cid, t) == "on_time"
        assert paid.triggered and paid.value == "on_time"
        assert not book.is_open(cid)
        assert book.ended[cid] == "on_time"


def test_settle_after_due_is_late(book):
    """Due at 60: settled at 60.5 and at the final deadline 120 are late."""
    for cid, t in (("A", 60.5), ("B", 120.0)):
        paid = book.issue(_call(cid))
        assert book.settle(cid, t) == "late"
        assert paid.value == "late"


def test_default(book):
    book.issue(_call("A"))
    book.add_prefund("A", 250)
    book.default("A", 120.0)
    assert book.ended["A"] == "defaulted"
    assert not book.is_open("A")
    row = book.recorder.finish()["calls"].iloc[0]
    assert row["status"] == "defaulted"
    assert math.isnan(row["settled_min"])
    assert row["prefunded_cents"] == 250


@pytest.mark.parametrize(
    "first, second",
    [
        ("settle", "settle"),
        ("settle", "default"),
        ("default", "settle"),
        ("default", "default"),
    ],
)
def test_ending_twice_raises_and_writes_nothing_more(book, first, second):
    book.issue(_call("A"))
    getattr(book, first)("A", 30.0)
    status = book.ended["A"]
    with pytest.raises(CallStateError):
        getattr(book, second)("A", 40.0)
    assert book.ended["A"] == status
    assert book.recorder.counts["calls"] == 1


def test_unknown_call_and_double_issue_raise(book):
    with pytest.raises(CallStateError):
        book.settle("nope", 1.0)
    book.issue(_call("A"))
    with pytest.raises(CallStateError):
        book.issue(_call("A"))
    book.settle("A", 1.0)
    with pytest.raises(CallStateError):  # an ended id cannot be reused either
        book.issue(_call("A"))


def test_each_ended_call_writes_exactly_one_row(book):
    """Six calls: two on time, two late, one defaulted, one left open -> five rows, one per
    ended id, with the statuses and prefunding recorded; the open call has no row."""
    plan = {
        "A": ("settle", 10.0),
        "B": ("settle", 60.0),
        "C": ("settle", 61.0),
        "D": ("settle", 119.0),
        "E": ("default", 120.0),
    }
    for cid in [*plan, "F"]:
        book.issue(_call(cid))
    book.add_prefund("C", 1_000)
    book.add_prefund("C", 500)
    for cid, (action, t) in plan.items():
        getattr(book, action)(cid, t)
    assert [c.call_id for c in book.open_calls()] == ["F"]
    calls = book.recorder.finish()["calls"]
    assert sorted(calls["call_id"]) == ["A", "B", "C", "D", "E"]
    status = dict(zip(calls["call_id"], calls["status"], strict=True))
    assert status == {"A": "on_time", "B": "on_time", "C": "late", "D": "late", "E": "defaulted"}
    prefunded = dict(zip(calls["call_id"], calls["prefunded_cents"], strict=True))
    assert prefunded["C"] == 1_500  # 1,000 + 500
    settled = dict(zip(calls["call_id"], calls["settled_min"], strict=True))
    assert settled["D"] == 119.0


def test_waiting_process_receives_the_status():
    """A SimPy process waiting on the paid event resumes at the settle time with the status."""
    env = simpy.Environment()
    book = CallBook(env, Recorder())
    got = []

    def payer():
        yield env.timeout(75.0)
        book.settle("A", env.now)

    def waiter(paid):
        status = yield paid
        got.append((env.now, status))

    env.process(waiter(book.issue(_call("A"))))
    env.process(payer())
    env.run()
    assert got == [(75.0, "late")]
