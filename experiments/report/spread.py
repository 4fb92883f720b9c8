"""Paired spread of a dated metric to the reference scenario: per other scenario, replication,
date and entity type, the scenario's value minus the reference's in the same replication (same
seed: common random numbers pair them), drawn as curves with a 95% t-band over replications."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from experiments.report.curves import CurveSpec, line_figure
from experiments.report.figures import scenario_order
from experiments.stats import mean_ci

PAIR_KEYS: tuple[str, ...] = ("replication", "date", "entity_type")


@dataclass(frozen=True)
class SpreadSpec(CurveSpec):
    """Curves of the paired spread of the dated rows of ``metric`` to the reference scenario,
    one panel per entity type of ``entity_types``, divided by ``scale``; written as
    ``figures/<name>.png`` (the fields of ``CurveSpec``; drawn by ``spread_figure``)."""


def paired_spread(metrics: pd.DataFrame, metric: str, reference: str) -> pd.DataFrame:
    """``value(scenario) - value(reference)`` of the dated rows of ``metric``, paired by
    replication, date and entity type, for every scenario but ``reference``; several rows of a
    cell are averaged first, and a cell without its reference partner is left out. Columns
    ``scenario, replication, date, entity_type, spread``, sorted by them."""
    rows = metrics[(metrics["metric"] == metric) & metrics["date"].notna()]
    keys = ["scenario", *PAIR_KEYS]
    cells = rows.groupby(keys, sort=True)["value"].mean().reset_index()
    is_reference = cells["scenario"] == reference
    base = cells[is_reference].drop(columns="scenario").rename(columns={"value": "reference"})
    paired = cells[~is_reference].merge(base, on=list(PAIR_KEYS), how="inner")
    paired["spread"] = paired["value"].astype("float64") - paired["reference"]
    return paired[[*keys, "spread"]].sort_values(keys, ignore_index=True)


def _t_band(values: pd.Series) -> tuple[float, float]:
    """The plain 95% t-interval of the mean of paired differences, as in the summary."""
    _, low, high, _ = mean_ci(values)
    return low, high


def spread_figure(
    metrics: pd.DataFrame, spec: SpreadSpec, *, reference: str | None = None
) -> Figure | None:
    """The figure of ``spec``, or ``None`` without a reference or a scenario paired with it."""
    if reference is None:
        return None
    spread = paired_spread(metrics, spec.metric, reference)
    spread = spread[spread["entity_type"].isin(spec.entity_types)]
    if spread.empty:
        return None
    cells = spread.assign(y=spread["spread"] / spec.scale)
    return line_figure(cells, spec, scenario_order(metrics, reference), _t_band, zero=True)
