"""Made-up run-level metric rows for the report's figure tests: two scenarios x 2 replications,
one row per panel metric and entity type, valued ``value`` x (1 + replication)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def made_up_rows(metrics: Iterable[str], entity_types: Iterable[str], value: float) -> pd.DataFrame:
    kinds, names = tuple(entity_types), tuple(metrics)
    rows = [
        {"run_id": f"{scenario}-{rep}", "scenario": scenario, "replication": rep, "seed": rep,
         "date": pd.NaT, "entity": "all", "entity_type": kind, "metric": metric,
         "value": value * (1 + rep)}
        for scenario in ("standalone", "cross_margin")
        for rep in range(2)
        for kind in kinds
        for metric in names
    ]  # fmt: skip
    return pd.DataFrame(rows)
