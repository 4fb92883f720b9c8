"""The tables the metrics read, from a run folder's Parquet files, without holding every table
whole: peak memory stays near the simulation's own however long the run.

- Every table but ``payments`` is read without the columns no metric reads (the run's labels,
  and the ET timestamps and dates beside ``*_min`` and ``date_index``), its row groups combined
  into one chunk (sorting and filtering a DataFrame of chunked Arrow strings is slow).
- ``payments`` (most of a run's rows) is read one row group at a time: only the rows and columns
  the metrics read (``METRIC_PAYMENT_COLUMNS``; rows of ``METRIC_PURPOSES`` and cash moves in or
  out of a firm's own cash account, ``sim.metrics.firm_limits``) are kept, in table order, and
  every payment is counted per handler, rail and clock hour (``payment_hours``, what
  ``sim.metrics.operations.throughput`` reads of the rest).

The metrics computed from these tables equal those computed from the whole tables: each metric
filters its payments by purpose or account first, and those rows are all kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.metrics.firm_limits import OWN_CASH
from sim.metrics.liquidity_gap import CALL_PURPOSES
from sim.output_columns import Column

METRIC_PURPOSES = (*CALL_PURPOSES, "release", "prefund", "reimburse", "customer_call")
METRIC_PAYMENT_COLUMNS = [
    "call_id", "purpose", "payer", "src_account", "dst_account", "asset",
    "amount_usd", "value_usd", "instructed_min", "settled_min",
]  # fmt: skip
KEEP_COLUMNS = ["purpose", "asset", "src_account", "dst_account"]  # what _kept reads
HOUR_COLUMNS = ["via", "rail", "settled_min"]


def read_columns(
    path: Path, columns: list[str] | None = None, keep: pa.Array | None = None
) -> pd.DataFrame:
    """A Parquet table (only ``columns``, all if None; only the rows of the mask ``keep``, all
    if None) as a DataFrame of one chunk per column, read one column at a time: little more
    than what is kept is held at once, in few blocks (the memory pool's freed ones given back)."""
    names = pq.read_schema(path).names if columns is None else columns
    arrays = []
    for name in names:
        column = pq.read_table(path, columns=[name]).column(0)
        arrays.append((column if keep is None else pc.filter(column, keep)).combine_chunks())
        del column
        pa.default_memory_pool().release_unused()
    frame = pa.table(arrays, names=names).to_pandas(split_blocks=True, self_destruct=True)
    pa.default_memory_pool().release_unused()
    return frame


def metric_columns(specs: list[Column]) -> list[str]:
    """The output columns a metric may read: all but the ET timestamps and the dates."""
    return [c.name for c in specs if c.how not in ("et", "date")]


def _kept(batch: pa.RecordBatch | pa.Table) -> pa.Array:
    """Which payments of ``batch`` a metric reads (see the module docstring)."""
    own = pc.or_(
        pc.match_substring_regex(batch["src_account"], OWN_CASH),
        pc.match_substring_regex(batch["dst_account"], OWN_CASH),
    )
    cash = pc.and_(pc.equal(batch["asset"], "USD"), own)
    return pc.or_(pc.is_in(batch["purpose"], pa.array(METRIC_PURPOSES)), cash)


def _hour_counts(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    """``payment_hours`` of a batch of payments, as an Arrow table (``via``, ``rail``, ``hour``,
    ``n``): the hour by NumPy's floor division, as pandas' ``//``; no hour for NaN minutes."""
    hour = np.floor_divide(batch["settled_min"].to_numpy(zero_copy_only=False), 60.0)
    keys = pa.table({"via": batch["via"], "rail": batch["rail"], "hour": hour})
    keys = keys.filter(pa.array(~np.isnan(hour)))
    return keys.group_by(["via", "rail", "hour"]).aggregate([([], "count_all")])


def read_payments(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """The payments the metrics read and ``payment_hours`` of all payments: which to keep and
    the hour counts from the columns they need, by row groups; then the kept rows by column."""
    file = pq.ParquetFile(path)
    empty = file.schema_arrow.empty_table()
    kept, hours = [], [_hour_counts(empty)]
    for batch in file.iter_batches(columns=list(dict.fromkeys(KEEP_COLUMNS + HOUR_COLUMNS))):
        kept.append(_kept(batch))
        hours.append(_hour_counts(batch))
    keys = ["via", "rail", "hour"]
    counts = pa.concat_tables(hours).group_by(keys).aggregate([("count_all", "sum")])
    counts = counts.to_pandas().set_index(keys)["count_all_sum"].rename(None)
    keep = pa.chunked_array(kept, type=pa.bool_()).combine_chunks()
    return read_columns(path, METRIC_PAYMENT_COLUMNS, keep), counts


def metric_tables(folder: Path, columns: dict[str, list[Column]]) -> dict[str, pd.DataFrame]:
    """The tables the metrics read from ``folder`` (``<table>.parquet`` for each table of
    ``columns``, its output columns), payments reduced and counted (``payment_hours``)."""
    tables = {
        table: read_columns(folder / f"{table}.parquet", metric_columns(specs))
        for table, specs in columns.items()
        if table != "payments"
    }
    tables["payments"], tables["payment_hours"] = read_payments(folder / "payments.parquet")
    return tables
