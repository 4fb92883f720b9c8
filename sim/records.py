"""Typed record buffers of one run, gathered into long tables and streamed to Parquet.

Every table has a fixed schema (column name -> Arrow type). Agents append plain tuples in schema
order; the recorder keeps them in a buffer and, when it is given a directory, writes a Parquet row
group whenever a buffer reaches ``batch_rows``, so memory stays flat however long the run.
Times are stored as simulation minutes (``*_min``); ``SimCalendar.timestamp`` turns them into
ET timestamps at the edge (reports, tests).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

S, F, INT = pa.string(), pa.float64(), pa.int64()

SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    "calls": [
        ("call_id", S),
        ("parent_id", S),
        ("level", S),
        ("ccp", S),
        ("cycle", S),
        ("payer", S),
        ("payee", S),
        ("account", S),
        ("cash_cents", INT),
        ("im_cents", INT),
        ("amount_cents", INT),
        ("issued_min", F),
        ("due_min", F),
        ("final_min", F),
        ("instructed_min", F),
        ("settled_min", F),
        ("status", S),
        ("prefunded_cents", INT),
    ],
    "payments": [
        ("payment_id", S),
        ("call_id", S),
        ("purpose", S),
        ("payer", S),
        ("payee", S),
        ("src_account", S),
        ("dst_account", S),
        ("asset", S),
        ("amount_cents", INT),
        ("value_cents", INT),
        ("instructed_min", F),
        ("settled_min", F),
        ("via", S),
        ("rail", S),
    ],
    "accounts_daily": [
        ("date_index", INT),
        ("entity", S),
        ("entity_type", S),
        ("ccp", S),
        ("account", S),
        ("im_usd", F),
        ("standalone_im_usd", F),
        ("vm_usd", F),
        ("reduction", F),
    ],
    "balances_daily": [
        ("date_index", INT),
        ("entity", S),
        ("entity_type", S),
        ("account", S),
        ("cash_cents", INT),
        ("securities_cents", INT),
    ],
    "desk": [("time_min", F), ("firm", S), ("queue", INT), ("busy", INT)],
    "events": [("time_min", F), ("kind", S), ("entity", S), ("ref", S), ("detail", S)],
}


class Recorder:
    """Buffers rows per table; flushes them to ``out_dir/<table>.parquet`` in row groups."""

    def __init__(self, out_dir: Path | None = None, batch_rows: int = 50_000) -> None:
        self.out_dir = out_dir
        self.batch_rows = batch_rows
        self._rows: dict[str, list[tuple]] = {name: [] for name in SCHEMAS}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._frames: dict[str, list[pd.DataFrame]] = {name: [] for name in SCHEMAS}
        self.counts: dict[str, int] = dict.fromkeys(SCHEMAS, 0)
        self._closed = False

    def add(self, table: str, row: tuple) -> None:
        buf = self._rows[table]
        buf.append(row)
        self.counts[table] += 1
        if len(buf) >= self.batch_rows:
            self._flush(table)

    def add_many(self, table: str, rows: list[tuple]) -> None:
        """Append several rows at once (one buffer check for the batch)."""
        buf = self._rows[table]
        buf.extend(rows)
        self.counts[table] += len(rows)
        if len(buf) >= self.batch_rows:
            self._flush(table)

    def _arrow(self, table: str) -> pa.Table:
        schema = pa.schema(SCHEMAS[table])
        columns = list(zip(*self._rows[table], strict=True)) or [[] for _ in schema]
        return pa.Table.from_arrays(
            [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
        )

    def _flush(self, table: str) -> None:
        if not self._rows[table]:
            return
        arrow = self._arrow(table)
        self._rows[table] = []
        if self.out_dir is None:
            self._frames[table].append(arrow.to_pandas())
            return
        if table not in self._writers:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"{table}.parquet"
            self._writers[table] = pq.ParquetWriter(path, arrow.schema)
        self._writers[table].write_table(arrow)

    def close(self) -> None:
        """Flush everything and close the files (without reading the tables back)."""
        for table in SCHEMAS:
            if self.out_dir is None:
                self._flush(table)
                continue
            if table not in self._writers:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                self._writers[table] = pq.ParquetWriter(
                    self.out_dir / f"{table}.parquet", pa.schema(SCHEMAS[table])
                )
            self._flush(table)
            self._writers.pop(table).close()
        self._closed = True

    def finish(self) -> dict[str, pd.DataFrame]:
        """Flush everything, close the files and return every table as a DataFrame (may be
        called again: the tables are read back, not rewritten)."""
        if not self._closed:
            self.close()
        if self.out_dir is not None:
            return {t: pd.read_parquet(self.out_dir / f"{t}.parquet") for t in SCHEMAS}
        return {
            t: pd.concat(self._frames[t] or [self._arrow(t).to_pandas()], ignore_index=True)
            for t in SCHEMAS
        }
