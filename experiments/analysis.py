"""Analysis of the long metrics table: per-scenario means with 95% intervals over replications
that respect each metric's valid range (``experiments.stats.range_mean_ci``: log or logit
t-intervals, a seeded percentile bootstrap from 10 replications) and paired differences against a
reference scenario (common random numbers pair replications) with plain t-intervals, since
differences may be negative. Each row carries the metric's unit from ``sim.metrics.registry``
and a note when it rests on fewer than ``FEW_REPLICATIONS`` replications.

The metrics table has columns ``run_id, scenario, replication, seed, date, entity, entity_type,
metric, value``; run-level rows have ``date`` NaT. Only run-level rows are summarised.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from experiments.stats import mean_ci, range_mean_ci
from sim.errors import ConfigError
from sim.metrics.registry import METRICS

KEYS: tuple[str, ...] = ("scenario", "metric", "entity_type")
PAIR_KEYS: tuple[str, ...] = ("metric", "entity_type", "replication")
SUMMARY_COLUMNS: tuple[str, ...] = (
    "scenario",
    "metric",
    "unit",
    "entity_type",
    "mean",
    "ci_low",
    "ci_high",
    "ci_method",
    "n",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_n",
    "note",
)
FEW_REPLICATIONS = 5  # below this, intervals over replications are too rough to lean on
FEW_NOTE = f"fewer than {FEW_REPLICATIONS} replications: a rough interval"
HEADLINE_COLUMNS: tuple[str, ...] = (
    "scenario",
    "metric",
    "unit",
    "entity_type",
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


def _level_table(cells: pd.DataFrame, seed: int | None) -> pd.DataFrame:
    """Mean, range-respecting interval, its method and count of ``value`` per key; metrics not
    in the registry get an unbounded range."""
    rows = []
    for key, group in cells.groupby(list(KEYS), dropna=False, sort=True):
        metric = METRICS.get(str(key[1]))
        low, high = (metric.low, metric.high) if metric else (-math.inf, math.inf)
        rows.append((*key, *range_mean_ci(group["value"], low, high, seed)))
    table = pd.DataFrame(rows, columns=[*KEYS, "mean", "ci_low", "ci_high", "n", "ci_method"])
    return table.astype({"mean": "float64", "ci_low": "float64", "ci_high": "float64"})


def _diff_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """Mean, plain t-interval and count of the paired differences per key."""
    names = ["diff_mean", "diff_ci_low", "diff_ci_high", "diff_n"]
    rows = [
        (*key, *mean_ci(group["diff"]))
        for key, group in pairs.groupby(list(KEYS), dropna=False, sort=True)
    ]
    table = pd.DataFrame(rows, columns=[*KEYS, *names])
    return table.astype({name: "float64" for name in names[:3]} | {"diff_n": "int64"})


def _annotated(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with each metric's unit (empty when undeclared) and the few-replications
    note."""
    unit = summary["metric"].map(lambda m: METRICS[m].unit if m in METRICS else "")
    few = summary["n"] < FEW_REPLICATIONS
    note = few.map({True: FEW_NOTE, False: ""})
    return summary.assign(unit=unit.astype("str"), note=note.astype("str"))


def _paired_differences(cells: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per-replication differences, scenario minus reference, on the same metric and type."""
    is_ref = cells["scenario"] == reference
    ref = cells.loc[is_ref, [*PAIR_KEYS, "value"]].rename(columns={"value": "ref_value"})
    pairs = cells.loc[~is_ref].merge(ref, on=list(PAIR_KEYS), how="inner")
    return pairs.assign(diff=pairs["value"] - pairs["ref_value"])


def _empty_summary() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype="float64") for column in SUMMARY_COLUMNS})
    text = {k: "str" for k in (*KEYS, "unit", "ci_method", "note")}
    return frame.astype(text | {"n": "int64", "diff_n": "Int64"})


def _sorted(summary: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Reference scenario first, then scenarios, metrics and entity types alphabetically."""
    order = summary.assign(_not_ref=summary["scenario"] != reference)
    order = order.sort_values(["_not_ref", *KEYS], kind="mergesort", na_position="last")
    return order.drop(columns="_not_ref").reset_index(drop=True)


def summarise(metrics: pd.DataFrame, reference: str, seed: int | None = None) -> pd.DataFrame:
    """Per (scenario, metric, entity_type): unit, mean and 95% interval over replications
    (range-respecting; bootstrapped from 10 replications when ``seed``, the spec's root seed, is
    given), and the paired difference to the ``reference`` scenario (same metric, entity_type
    and replication) with its t-interval; ``note`` flags fewer than 5 replications.

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
    levels = _level_table(cells, seed)
    diffs = _diff_table(_paired_differences(cells, reference))
    summary = _annotated(levels.merge(diffs, on=list(KEYS), how="left"))
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
