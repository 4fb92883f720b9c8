"""A finished run's tables as DataFrames, read from its Parquet files only when asked for.

``sim.run.run`` returns a run folder's tables this way: a caller that writes the run's files and
never looks at its tables (``experiments.tasks.produce``) holds none of them in memory, and the
metrics read their own projection (``sim.metrics.inputs``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd


class TableFiles(Mapping[str, pd.DataFrame]):
    """``folder/<table>.parquet`` of each of ``tables`` as a DataFrame, read on first access
    and kept (as ``Recorder.finish`` reads it)."""

    def __init__(self, folder: Path, tables: Iterable[str]) -> None:
        self.folder = folder
        self.names = list(tables)
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self.names:
            raise KeyError(table)
        if table not in self._read:
            self._read[table] = pd.read_parquet(self.folder / f"{table}.parquet")
        return self._read[table]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
