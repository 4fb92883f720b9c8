"""The columns a record type becomes in its output table: the one edge where units change.

Inside a run, money is integer cents (``*_cents``, the ledger's unit), time is simulation
minutes since midnight ET of the run's first day (``*_min``) and business days are indices
(``date_index``). In every output table (Parquet files and the DataFrames ``run`` returns):

- ``x_cents`` becomes ``x_usd``: float US dollars, ``cents / 100``;
- each ``x_min`` is kept and followed by ``x_et``: the ET wall-clock timestamp (time zone
  America/New_York), null where the minute is NaN (a call never settled) or no calendar is known;
- ``date_index`` is kept and followed by ``date``: that business day's date (null likewise).

Other fields are copied. The record types themselves (``sim.records``) keep the run's units.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from sim.calendar import SimCalendar

ET = "America/New_York"
ARROW_TYPES: dict[type, pa.DataType] = {
    str: pa.string(),
    float: pa.float64(),
    int: pa.int64(),
    bool: pa.bool_(),
    dt.date: pa.date32(),
}
ET_TIMESTAMP = pa.timestamp("us", tz=ET)


class Column(NamedTuple):
    """An output column: its name, the record field it comes from, how (``copy``, ``usd``,
    ``et``, ``date``), its Arrow type and whether it may be null."""

    name: str
    source: int
    how: str
    type: pa.DataType
    nullable: bool


def _fields(record: type) -> list[tuple[str, pa.DataType, bool]]:
    """(name, Arrow type, nullable) per field of a record type, from its annotations
    (``X | None``: a nullable X)."""
    fields = []
    for name, hint in typing.get_type_hints(record).items():
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else ()
        base = next((a for a in args if a is not type(None)), hint)
        fields.append((name, ARROW_TYPES[base], bool(args)))
    return fields


def output_columns(record: type) -> list[Column]:
    """The output columns of a record type, in field order (see the module docstring)."""
    columns: list[Column] = []
    for i, (name, kind, nullable) in enumerate(_fields(record)):
        if name.endswith("_cents"):
            columns.append(
                Column(name.removesuffix("_cents") + "_usd", i, "usd", pa.float64(), nullable)
            )
            continue
        columns.append(Column(name, i, "copy", kind, nullable))
        if name.endswith("_min"):
            columns.append(Column(name.removesuffix("_min") + "_et", i, "et", ET_TIMESTAMP, True))
        elif name == "date_index":
            columns.append(Column("date", i, "date", pa.date32(), True))
    return columns


def record_schema(record: type) -> pa.Schema:
    """The Arrow schema of a record type's own fields (the run's units)."""
    return pa.schema([pa.field(n, t, nullable=null) for n, t, null in _fields(record)])


def output_schema(record: type) -> pa.Schema:
    """The Arrow schema of a record type's output table."""
    return pa.schema(
        [pa.field(c.name, c.type, nullable=c.nullable) for c in output_columns(record)]
    )


def et_timestamps(minutes: Sequence[float], calendar: SimCalendar | None) -> pa.Array:
    """ET timestamps of simulation minutes (null for NaN, or for all without a calendar). A
    wall-clock time that does not exist (the spring-forward hour) moves forward to 03:00."""
    if calendar is None:
        return pa.nulls(len(minutes), ET_TIMESTAMP)
    wall = pd.Timestamp(calendar.start) + pd.to_timedelta(np.asarray(minutes, float), unit="min")
    wall = pd.DatetimeIndex(wall).round("us")  # float minutes carry sub-microsecond noise
    local = wall.tz_localize(ET, ambiguous="NaT", nonexistent="shift_forward")
    return pa.array(local, type=ET_TIMESTAMP)


def business_dates(
    indices: Sequence[int | None] | pa.Array, calendar: SimCalendar | None
) -> pa.Array:
    """The dates of business-day indices (null for None, out of range or without a calendar)."""
    if calendar is None:
        return pa.nulls(len(indices), pa.date32())
    days = pa.array(calendar.days, type=pa.date32())
    index = pa.array(indices, type=pa.int64())
    known = pc.and_(pc.greater_equal(index, 0), pc.less(index, len(days)))  # null where None
    return pc.take(days, pc.if_else(known, index, pa.scalar(None, pa.int64())))


def _usd(values: Sequence, spec: Column, calendar) -> pa.Array:
    cents = pa.array(values, type=pa.int64())
    return pc.divide(pc.cast(cents, pa.float64()), 100.0)


def _copy(values: Sequence, spec: Column, calendar) -> pa.Array:
    return pa.array(values, type=spec.type)


CONVERTERS = {
    "copy": _copy,
    "usd": _usd,
    "et": lambda values, spec, calendar: et_timestamps(values, calendar),
    "date": lambda values, spec, calendar: business_dates(values, calendar),
}


def convert(columns: Sequence[Sequence], specs: list[Column], calendar) -> list[pa.Array]:
    """Arrow arrays of the output columns ``specs`` from the record fields' value lists (or
    Arrow arrays)."""
    return [CONVERTERS[s.how](columns[s.source], s, calendar) for s in specs]


def record_struct(record: type) -> pa.StructType:
    """The Arrow struct of a record type's own fields: a list of its tuples converts to it in
    one call (``convert_rows``), without transposing them in Python."""
    return pa.struct(list(record_schema(record)))


def convert_rows(
    rows: list[tuple], struct: pa.StructType, specs: list[Column], calendar
) -> list[pa.Array]:
    """Arrow arrays of the output columns ``specs`` from records (plain tuples) of the record
    type whose ``record_struct`` is ``struct``."""
    fields = pa.array(rows, type=struct).flatten() if rows else [[] for _ in struct]
    return convert(fields, specs, calendar)


Labels = Mapping[str, str | int]  # e.g. run_id, scenario, replication, seed


def labelled(schema: pa.Schema, labels: Labels) -> pa.Schema:
    """``schema`` with one leading column per label (string, or int64 for whole numbers)."""
    fields = [pa.field(k, ARROW_TYPES[type(v)], nullable=False) for k, v in labels.items()]
    return pa.schema([*fields, *schema])
