"""Analysis of the long metrics table: per-scenario means with t-intervals over replications and
paired differences against a reference scenario (common random numbers pair replications).

The metrics table has columns ``run_id, scenario, replication, seed, date, entity, entity_type,
metric, value``; run-level rows have ``date`` NaT. Only run-level rows are summarised.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from experiments.stats import mean_ci
from sim.errors import ConfigError

KEYS: tuple[str, ...] = ("scenario", "metric", "entity_type")
PAIR_KEYS: tuple[str, ...] = ("metric", "entity_type", "replication")
SUMMARY_COLUMNS: tuple[str, ...] = (
    *KEYS,
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_n",
)
HEADLINE_COLUMNS: tuple[str, ...] = (
    *KEYS,
    "mean",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_n",
)


def per_replication(metrics: pd.DataFrame) -> pd.DataFrame:
    """One value per (scenario, metric, entity_type, replication) from the run-level rows.

    Several run-level rows in one such cell (e.g. one per entity) are averaged, NaNs skipped.
    Returns columns ``scenario, metric, entity_type, replication, value``.
    """
    runs = metrics.loc[metrics["date"].isna()]
    cells = runs.groupby([*KEYS, "replication"], dropna=False, sort=True)["value"]
    return cells.mean().reset_index()


def _interval_table(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """Mean, t-interval and count of ``column`` per (scenario, metric, entity_type)."""
    names = [f"{prefix}mean", f"{prefix}ci_low", f"{prefix}ci_high", f"{prefix}n"]
    rows = [
        (*key, *mean_ci(group[column]))
        for key, group in frame.groupby(list(KEYS), dropna=False, sort=True)
    ]
    table = pd.DataFrame(rows, columns=[*KEYS, *names])
    return table.astype({name: "float64" for name in names[:3]} | {names[3]: "int64"})


def _paired_differences(cells: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per-replication differences, scenario minus reference, on the same metric and type."""
    is_ref = cells["scenario"] == reference
    ref = cells.loc[is_ref, [*PAIR_KEYS, "value"]].rename(columns={"value": "ref_value"})
    pairs = cells.loc[~is_ref].merge(ref, on=list(PAIR_KEYS), how="inner")
    return pairs.assign(diff=pairs["value"] - pairs["ref_value"])


def _empty_summary() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in SUMMARY_COLUMNS})
    return frame.astype({k: "str" for k in KEYS} | {"n": "int64", "diff_n": "Int64"})


def _sorted(summary: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Reference scenario first, then scenarios, metrics and entity types alphabetically."""
    order = summary.assign(_not_ref=summary["scenario"] != reference)
    order = order.sort_values(["_not_ref", *KEYS], kind="mergesort", na_position="last")
    return order.drop(columns="_not_ref").reset_index(drop=True)


def summarise(metrics: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per (scenario, metric, entity_type): mean and 95% t-interval over replications, and the
    paired difference to the ``reference`` scenario (same metric, entity_type and replication).

    The diff columns are NaN (``diff_n`` <NA>) for the reference itself and wherever no
    replication pairs. Raises ``ConfigError`` if ``reference`` is not a scenario of the table.
    """
    cells = per_replication(metrics)
    if cells.empty:
        return _empty_summary()
    scenarios = sorted(cells["scenario"].unique())
    if reference not in scenarios:
        raise ConfigError(
            f"reference scenario {reference!r} is not in the metrics; scenarios are {scenarios}"
        )
    levels = _interval_table(cells, "value", "")
    diffs = _interval_table(_paired_differences(cells, reference), "diff", "diff_")
    summary = levels.merge(diffs, on=list(KEYS), how="left")
    summary = summary.astype({k: "str" for k in KEYS} | {"diff_n": "Int64"})
    return _sorted(summary[list(SUMMARY_COLUMNS)], reference)


def headline(summary: pd.DataFrame, metrics_of_interest: Sequence[str]) -> pd.DataFrame:
    """Rows of ``summary`` for the report's opening table: the paired differences (rows that
    pair with the reference) of the metrics of interest, in the order the metrics are given,
    then by scenario and entity type."""
    rank = {metric: i for i, metric in enumerate(dict.fromkeys(metrics_of_interest))}
    chosen = summary.loc[summary["metric"].isin(list(rank)) & summary["diff_n"].notna()]
    chosen = chosen.assign(_rank=chosen["metric"].map(rank))
    chosen = chosen.sort_values(["_rank", "scenario", "entity_type"], kind="mergesort")
    return chosen[list(HEADLINE_COLUMNS)].reset_index(drop=True)
