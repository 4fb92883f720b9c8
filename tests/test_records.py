"""Tests of sim.records (typed buffers, Parquet row groups, run labels).

Invariants (DESIGN section 3): records flushed in batches give the same tables as records kept in
memory, with the schema's columns and types; every row of a run's tables says which run it is.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.calendar import SimCalendar
from sim.output_columns import et_timestamps
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
PANDAS_KIND[pa.timestamp("us", tz="America/New_York")] = "M"


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
    assert calls["amount_usd"].iloc[3] == 2**40 / 100  # cents in the record, dollars in the table
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
    assert events.field("amount_usd").type == pa.float64() and events.field("amount_usd").nullable
    assert SCHEMAS["firms"].field("offers_xm").type == pa.bool_()
    assert SCHEMAS["adoption_counts"].field("date").type == pa.date32()


LABELS = {"run_id": "xm/1", "scenario": "xm", "replication": 1, "seed": 7}


def test_labels_lead_every_row_of_every_table(tmp_path):
    """A recorder given the run's labels writes them as the first columns of every table, one
    constant value per row (string or int64), empty tables included."""
    frames = _record(Recorder(tmp_path, batch_rows=2, labels=LABELS))
    for table, frame in frames.items():
        assert list(frame.columns) == [*LABELS, *SCHEMAS[table].names]
        assert len(frame) == COUNTS[table]
        for column, value in LABELS.items():
            assert (frame[column] == value).all()
    assert frames["calls"]["replication"].dtype.kind == "i"


def test_an_experiments_run_tables_say_which_run_they_are(builtin_output):
    """In a results folder each per-run table carries its run id, scenario, replication and seed
    (the manifest's seed of that replication)."""
    out = builtin_output("baseline")
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    seeds = {run_id: run["seed"] for run_id, run in runs.items()}
    for table in ("calls", "payments", "accounts_daily", "relationships"):
        frame = pd.read_parquet(out / "runs" / "cross_margin" / "1" / f"{table}.parquet")
        assert len(frame) and set(frame["run_id"]) == {"cross_margin/1"}
        assert set(frame["scenario"]) == {"cross_margin"} and set(frame["replication"]) == {1}
        assert set(frame["seed"]) == {seeds["cross_margin/1"]}


def test_tables_have_dollars_et_timestamps_and_dates():
    """The output edge (sim.output_columns), by hand: a run starting Fri 8 Mar 2024; minute
    3 x 1440 + 510 is Mon 11 Mar 08:30 ET, the first business day after the spring-forward
    Sunday (UTC-4, so 12:30 UTC); minute 510 is Fri 08:30 ET (UTC-5, 13:30 UTC); 123 cents are
    $1.23; business day 1 is Mon 11 Mar; NaN minutes and a missing day index give nulls."""
    calendar = SimCalendar(dt.date(2024, 3, 8), 5)
    frames = _record(Recorder(calendar=calendar))
    calls = frames["calls"].set_index("call_id")
    assert calls.loc["C2", "amount_usd"] == 1.23
    columns = list(calls.columns)
    assert "amount_cents" not in columns
    assert columns.index("issued_et") == columns.index("issued_min") + 1
    assert calls.loc["C1", "instructed_et"] is pd.NaT
    events = frames["events"].set_index("ref")
    friday = events.loc["C2", "time_et"]  # minute 60: 01:00 ET on Fri 8 Mar
    assert friday == pd.Timestamp("2024-03-08 06:00", tz="UTC")
    monday = et_timestamps([3 * 1440 + 510, 510, NAN], calendar).to_pandas()
    assert list(monday[:2]) == [
        pd.Timestamp("2024-03-11 12:30", tz="UTC"),
        pd.Timestamp("2024-03-08 13:30", tz="UTC"),
    ]
    assert monday.isna().tolist() == [False, False, True]
    assert events.loc["C2", "date"] == dt.date(2024, 3, 12)  # business day 2: Tue 12 Mar
    assert pd.isna(events.loc["C1", "date"])
    balances = frames["balances_daily"]
    assert balances["date"].tolist() == [dt.date(2024, 3, 8)]
    assert balances["cash_usd"].tolist() == [-0.05]


def test_without_a_calendar_the_timestamps_and_dates_are_null():
    frames = _record(Recorder())
    assert frames["calls"]["issued_et"].isna().all()
    assert frames["balances_daily"]["date"].isna().all()
