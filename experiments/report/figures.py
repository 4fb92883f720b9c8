"""Seaborn figures of experiment results, drawn on ``matplotlib.figure.Figure`` objects directly
(no pyplot state, Agg rendering), and their PNG encoding for the self-contained report.

A figure is described by a ``FigureSpec``: one panel per metric, bars per entity type (x) and
scenario (hue, the reference first, one colour per scenario across all figures), with 95%
error bars across replications from the run-level rows of the long metrics table that respect
the metric's valid range (``experiments.stats.range_mean_ci`` without the bootstrap: log or
logit t-intervals).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from experiments.analysis import per_replication
from experiments.stats import range_mean_ci
from sim.metrics.registry import METRICS

END_USER_IM_METRIC = "end_user_im_usd"
MAX_COLUMNS = 3
# Messages of the (pending) deprecation warnings seaborn 0.13 can trigger in newer matplotlib.
_SEABORN_MPL_WARNINGS = r"(?is).*(\bvert\b|deprecated in matplotlib|pending deprecation).*"


@contextmanager
def seaborn_quiet() -> Iterator[None]:
    """Ignore, inside, only the deprecation warnings seaborn 0.13 triggers in newer matplotlib
    (``_SEABORN_MPL_WARNINGS``); every other warning still shows."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SEABORN_MPL_WARNINGS)
        yield


@dataclass(frozen=True)
class Panel:
    """One metric's bars. Values are divided by ``scale`` (1e6 for $ millions, 0.01 for %);
    ``order``, if given, selects and orders the entity types on the x axis."""

    metric: str
    title: str
    ylabel: str
    scale: float = 1.0
    order: tuple[str, ...] | None = None
    xlabel: str = ""


@dataclass(frozen=True)
class FigureSpec:
    """A figure of one or more panels, written as ``figures/<name>.png``."""

    name: str
    title: str
    caption: str
    panels: tuple[Panel, ...]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(p.metric for p in self.panels)


IM_BY_USER_TYPE = FigureSpec(
    name="im_by_user_type",
    title="Average daily total initial margin per end user",
    caption="Average daily total initial margin per end user by end-user type and scenario, "
    "in $ millions",
    panels=(
        Panel(
            END_USER_IM_METRIC,
            "",
            "initial margin per end user ($ millions)",
            scale=1e6,
            xlabel="end-user type",
        ),
    ),
)


def _tick_label(y: float, _pos: object = None) -> str:
    """Tick label with thousands separators and no needless decimals."""
    if float(y).is_integer():
        return f"{y:,.0f}"
    text = f"{y:,.2f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{y:.2g}"


def range_interval(metric: str, scale: float = 1.0) -> Callable[[pd.Series], tuple[float, float]]:
    """Error-bar interval for seaborn of values of ``metric`` divided by ``scale``: the 95%
    interval that respects the metric's registry range, as in the summary (log or logit scale;
    no bootstrap); unbounded for a metric the registry does not declare."""
    declared = METRICS.get(metric)
    low, high = (declared.low, declared.high) if declared else (-math.inf, math.inf)

    def interval(values: pd.Series) -> tuple[float, float]:
        _, lo, hi, _, _ = range_mean_ci(np.asarray(values, dtype=float) * scale, low, high)
        return lo / scale, hi / scale

    return interval


def scenario_order(metrics: pd.DataFrame, reference: str | None) -> list[str]:
    """Scenarios with run-level rows, the reference first, then alphabetically."""
    scenarios = sorted(metrics.loc[metrics["date"].isna(), "scenario"].dropna().unique())
    if reference in scenarios:
        scenarios = [reference, *(s for s in scenarios if s != reference)]
    return [str(s) for s in scenarios]


def _panel_cells(metrics: pd.DataFrame, panel: Panel) -> tuple[pd.DataFrame, list[str]]:
    """Per-replication finite values of the panel's metric, scaled, and the x order (entity
    types with a value, in ``panel.order`` if given, else alphabetically)."""
    cells = per_replication(metrics.loc[metrics["metric"] == panel.metric])
    cells = cells.assign(y=cells["value"].astype("float64") / panel.scale)
    cells = cells.loc[np.isfinite(cells["y"].to_numpy()) & cells["entity_type"].notna()]
    present = {str(t) for t in cells["entity_type"]}
    order = [t for t in panel.order if t in present] if panel.order else sorted(present)
    return cells.loc[cells["entity_type"].isin(order)], order


def _draw_bars(ax: Axes, cells: pd.DataFrame, order: list[str], palette: dict, panel: Panel):
    hue_order = [s for s in palette if s in set(cells["scenario"])]
    with seaborn_quiet():
        sns.barplot(
            data=cells,
            x="entity_type",
            y="y",
            hue="scenario",
            hue_order=hue_order,
            palette=palette,
            order=order,
            errorbar=range_interval(panel.metric, panel.scale),
            capsize=0.15,
            legend=False,
            ax=ax,
        )


def _label_panel(ax: Axes, panel: Panel, order: list[str]) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(_tick_label))
    ax.set_title(panel.title, fontsize="medium")
    ax.set_ylabel(panel.ylabel)
    ax.set_xlabel(panel.xlabel)
    if order == ["all"]:
        ax.set_xticks([])
    elif len(order) > 2:
        ax.tick_params(axis="x", labelrotation=30)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


def _panels_with_data(
    metrics: pd.DataFrame, spec: FigureSpec
) -> list[tuple[Panel, pd.DataFrame, list[str]]]:
    drawn = [(p, *_panel_cells(metrics, p)) for p in spec.panels]
    return [(p, cells, order) for p, cells, order in drawn if order]


def _shape(n: int) -> tuple[int, int]:
    """(rows, columns) of a grid of ``n`` panels."""
    columns = min(n, MAX_COLUMNS)
    return math.ceil(n / columns), columns


def _legend(fig: Figure, palette: dict[str, object]) -> None:
    handles = [Patch(facecolor=colour, label=name) for name, colour in palette.items()]
    fig.legend(handles=handles, title="scenario", frameon=False, loc="outside right upper")


def metric_figure(
    metrics: pd.DataFrame, spec: FigureSpec, *, reference: str | None = None
) -> Figure | None:
    """The figure of ``spec`` from the run-level rows of ``metrics``, one panel per metric with
    data; ``None`` when no panel has data. ``reference``, if given, is the first scenario."""
    panels = _panels_with_data(metrics, spec)
    if not panels:
        return None
    scenarios = scenario_order(metrics, reference)
    palette = dict(zip(scenarios, sns.color_palette(n_colors=len(scenarios)), strict=True))
    rows, columns = _shape(len(panels))
    width = max(3.6 * columns + 2.4, 8.0)
    fig = Figure(figsize=(width, 3.4 * rows + 1.0), layout="constrained")
    for i, (panel, cells, order) in enumerate(panels):
        ax = fig.add_subplot(rows, columns, i + 1)
        _draw_bars(ax, cells, order, palette, panel)
        _label_panel(ax, panel, order)
    fig.suptitle(spec.title)
    _legend(fig, palette)
    return fig


def im_by_user_type(metrics: pd.DataFrame, *, reference: str | None = None) -> Figure:
    """Bar chart of run-level ``end_user_im_usd`` (average daily total IM per end user, $m) by
    end-user type, one bar per scenario, with 95% error bars across replications.
    ``reference``, if given, is drawn first. Without rows, a figure that says so."""
    fig = metric_figure(metrics, IM_BY_USER_TYPE, reference=reference)
    if fig is not None:
        return fig
    fig = Figure(figsize=(8.0, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, f"no run-level {END_USER_IM_METRIC} rows", ha="center", va="center")
    ax.set_title(IM_BY_USER_TYPE.title)
    return fig


def figure_to_png_bytes(fig: Figure, *, dpi: int = 120) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg renderer, compressed at zlib level 1 (about a
    quarter faster to write than the default 6, for files about a third larger)."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=dpi,
        metadata={"Software": None},
        pil_kwargs={"compress_level": 1},
    )
    return buffer.getvalue()
