"""The tornado figure of a one-at-a-time sensitivity study (``experiments.oat``): one horizontal
bar per parameter from the headline at its low value minus the reference to the headline at its
high value minus the reference, the widest swing on top."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
import yaml
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from experiments.oat import SIDES, default_entity_type, oat_values, tornado_table
from experiments.report.figures import _tick_label, seaborn_quiet
from sim.metrics.registry import METRICS

TORNADO_NAME = "tornado"
TORNADO_INTRO = (
    "One assumption at a time at a low and a high value, everything else at the reference:"
    " how far the first headline metric moves (paired differences against the reference on the"
    " same market paths)."
)
_SCALES = {"USD": (1e6, "$ millions"), "fraction": (0.01, "percentage points")}


def _label(row: pd.Series) -> str:
    if pd.isna(row["low_value"]) and pd.isna(row["high_value"]):
        return str(row["parameter"])
    low, high = (_value(row[side]) for side in ("low_value", "high_value"))
    return f"{row['parameter']} ({low} / {high})"


def _value(value: object) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{value:g}" if numeric else str(value)


def tornado_figure(table: pd.DataFrame, metric: str, entity_type: str) -> Figure:
    """Horizontal bars per row of ``tornado_table``: low and high effects, in the metric's
    unit ($ millions for USD, points for fractions)."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    scale, unit_label = _SCALES.get(unit, (1.0, unit))
    colours = sns.color_palette(n_colors=2)
    fig = Figure(figsize=(9.0, 2.0 + 0.5 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    labels = [_label(row) for _, row in table.iterrows()]
    with seaborn_quiet():
        for side, colour in zip(SIDES, colours, strict=True):
            ax.barh(labels, table[side].fillna(0.0) / scale, color=colour, label=side, alpha=0.85)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_label))
    ax.set_xlabel(f"{metric} ({entity_type}) minus the reference, {unit_label}")
    fig.suptitle(f"Sensitivity of {metric} to one assumption at a time")
    handles = [Patch(facecolor=colours[i], label=f"at the {s} value") for i, s in enumerate(SIDES)]
    fig.legend(handles=handles, frameon=False, loc="outside right upper")
    return fig


def sensitivity_figure(
    summary: pd.DataFrame, spec_yaml: str, reference: str, metric: str | None
) -> tuple[Figure, str] | None:
    """The tornado of ``metric`` and its caption when the summary is one-at-a-time, else None."""
    if not metric or summary.empty:
        return None
    spec = yaml.safe_load(spec_yaml) or {}
    values = oat_values(spec.get("scenarios") or {})
    table = tornado_table(summary, reference, metric, values)
    if table.empty or not table["swing"].notna().any():
        return None
    entity_type = default_entity_type(summary, metric) or ""
    caption = (
        f"Tornado: {metric} ({entity_type}) at each assumption's low and high value (in"
        " brackets) minus the reference scenario's, paired means over replications, widest"
        " swing on top"
    )
    return tornado_figure(table, metric, entity_type), caption
