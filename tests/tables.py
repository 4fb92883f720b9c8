"""Tiny hand-made tables for the metric tests: records (``sim.records``) turned into the
DataFrame a run hands to the metrics, through ``Recorder`` so that the columns and dtypes are
the table's Arrow schema (also when a table is empty, and with NaN for null floats)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sim.records import TABLE_OF, CallRecord, PaymentRecord, Recorder

NAN = float("nan")


def table(record_type: type, records: Iterable[tuple] = ()) -> pd.DataFrame:
    """The table of ``record_type`` holding ``records`` (none: the empty table)."""
    recorder = Recorder()
    recorder.add_many(list(records))
    return recorder.finish()[TABLE_OF[record_type]]


CALL = CallRecord(
    call_id="P1",
    parent_id="",
    level="ccp",
    ccp="cme",
    cycle="eod",
    payer="fcm01",
    payee="cme",
    account="customer",
    cash_cents=0,
    im_cents=100,
    amount_cents=100,
    issued_min=0.0,
    due_min=60.0,
    final_min=120.0,
    instructed_min=NAN,
    settled_min=30.0,
    status="on_time",
    prefunded_cents=0,
)


def call(**fields) -> CallRecord:
    """A call row: ``CALL`` (a CME end-of-day call, settled on time) with ``fields`` changed."""
    return CALL._replace(**fields)


PAYMENT = PaymentRecord(
    payment_id="Y1",
    call_id="K1",
    purpose="customer_call",
    payer="hf1",
    payee="fcm01",
    src_account="eu:hf1:cash",
    dst_account="firm:fcm01:seg",
    asset="USD",
    amount_cents=100,
    value_cents=100,
    instructed_min=0.0,
    settled_min=30.0,
    via="custodian",
    rail="fedwire_funds_third_party",
)


def payment(**fields) -> PaymentRecord:
    """A payment row: ``PAYMENT`` (a customer's cash for call K1 through its custodian) with
    ``fields`` changed."""
    return PAYMENT._replace(**fields)


def rows_by_key(rows: list[tuple]) -> dict[tuple[str, str], float]:
    """Operations rows ``(metric, entity_type, value)`` as ``{(metric, entity_type): value}``;
    fails on a repeated key."""
    out = {(metric, kind): float(value) for metric, kind, value in rows}
    assert len(out) == len(rows), "a (metric, entity_type) appears twice"
    return out
