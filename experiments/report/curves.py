"""Time-series figures: a dated metric (e.g. the share of end users that adopted XM) per
scenario, the mean over replications with its 95% interval (range-respecting, as the bars') as a
band."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import seaborn as sns
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from experiments.report.figures import range_interval, scenario_order, seaborn_quiet

Interval = Callable[[pd.Series], tuple[float, float]]
FEW_DATES = 8  # up to this many dates, each is a tick


@dataclass(frozen=True)
class CurveSpec:
    """Curves of the dated rows of ``metric`` for ``entity_types`` (one panel each), y values
    divided by ``scale``; written as ``figures/<name>.png``."""

    name: str
    title: str
    caption: str
    metric: str
    entity_types: tuple[str, ...]
    ylabel: str
    scale: float = 1.0

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)


def _curve_cells(metrics: pd.DataFrame, spec: CurveSpec) -> pd.DataFrame:
    rows = metrics[
        (metrics["metric"] == spec.metric)
        & metrics["date"].notna()
        & metrics["entity_type"].isin(spec.entity_types)
    ]
    return rows.assign(y=rows["value"].astype("float64") / spec.scale)


def _curve_panel(ax: Axes, cells: pd.DataFrame, palette: dict, errorbar: Interval, legend: bool):
    with seaborn_quiet():
        sns.lineplot(
            data=cells,
            x="date",
            y="y",
            hue="scenario",
            hue_order=list(palette),
            palette=palette,
            errorbar=errorbar,
            ax=ax,
            legend=legend,
        )


def _date_ticks(ax: Axes, dates: pd.Series) -> None:
    """Day ticks: each date when there are few (no hours between days), else concise labels."""
    days = sorted(pd.to_datetime(dates.dropna().unique()))
    if len(days) <= FEW_DATES:
        ax.set_xticks(days, [d.strftime("%d %b") for d in days])
        return
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def line_figure(
    cells: pd.DataFrame, spec, scenarios: Sequence[str], errorbar: Interval, *, zero: bool = False
) -> Figure:
    """Curves of ``cells`` (columns ``date``, ``y``, ``scenario``, ``entity_type``): one panel
    per entity type of ``spec.entity_types`` with rows, one colour per scenario of
    ``scenarios`` (drawn are those with rows), ``errorbar`` the band; a line at 0 if ``zero``."""
    types = [t for t in spec.entity_types if t in set(cells["entity_type"])]
    colours = dict(zip(scenarios, sns.color_palette(n_colors=len(scenarios)), strict=True))
    palette = {s: c for s, c in colours.items() if s in set(cells["scenario"])}
    fig = Figure(figsize=(max(4.2 * len(types) + 2.0, 8.0), 4.2), layout="constrained")
    for i, entity_type in enumerate(types):
        ax = fig.add_subplot(1, len(types), i + 1)
        if zero:
            ax.axhline(0.0, color="0.6", linewidth=0.8)
        panel = cells[cells["entity_type"] == entity_type]
        _curve_panel(ax, panel, palette, errorbar, legend=i == len(types) - 1)
        ax.set_title(entity_type.replace("_", " "))
        ax.set_xlabel("")
        ax.set_ylabel(spec.ylabel if i == 0 else "")
        _date_ticks(ax, panel["date"])
        ax.tick_params(axis="x", labelrotation=30)
    fig.suptitle(spec.title)
    return fig


def curve_figure(metrics: pd.DataFrame, spec: CurveSpec, *, reference: str | None = None):
    """The figure of ``spec``, or ``None`` without dated rows of its metric."""
    cells = _curve_cells(metrics, spec)
    if cells.empty:
        return None
    scenarios = scenario_order(metrics, reference)
    errorbar = range_interval(spec.metric, spec.scale)
    return line_figure(cells, spec, scenarios, errorbar)
