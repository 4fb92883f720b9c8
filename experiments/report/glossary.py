"""The report's glossary: every metric of the summary with its unit, scope, basis (per user,
total or statistic), the breakdowns present and its meaning from ``sim.metrics.registry``; and
what the interval methods of ``summary.csv`` mean."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import pandas as pd

from experiments.analysis import FEW_REPLICATIONS
from sim.metrics.registry import METRICS, PER_USER, STATISTIC, TOTAL

MISSING = "–"
BASIS_TEXT = {
    PER_USER: "per user: an average end user's (or adopter's) value",
    TOTAL: "total: summed over the users, calls, accounts or events counted",
    STATISTIC: "statistic: a share, mean, peak, percentile or index of the group",
}
INTERVALS = {
    "log t": "t-interval of the mean on a log scale (positive quantities), back-transformed",
    "logit t": "t-interval of the mean on a logit scale (shares), back-transformed",
    "t": "plain Student-t interval (or the mean itself when replications agree)",
    "clipped t": "plain t-interval clipped to the metric's valid range (mean on a bound)",
    "bootstrap": "percentile bootstrap of the mean (10+ replications, seeded by the spec's seed)",
    "single": "one replication: no interval",
}


def glossary_rows(summary: pd.DataFrame) -> list[tuple[str, str, str, str, str, str]]:
    """(metric, unit, scope, basis, breakdowns, meaning) for every metric of ``summary``, by
    name; metrics the registry does not declare say so."""
    rows = []
    for name, group in summary.groupby("metric", sort=True):
        kinds = ", ".join(sorted(set(group["entity_type"].astype(str))))
        metric = METRICS.get(str(name))
        if metric is None:
            rows.append((str(name), MISSING, MISSING, MISSING, kinds, "not in the metric registry"))
            continue
        basis = BASIS_TEXT[metric.basis]
        rows.append((metric.name, metric.unit, metric.scope, basis, kinds, metric.meaning))
    return rows


def _intervals_note(summary: pd.DataFrame) -> str:
    used = [m for m in INTERVALS if m in set(summary.get("ci_method", pd.Series(dtype=str)))]
    items = "".join(f"<li><code>{escape(m)}</code>: {escape(INTERVALS[m])}</li>" for m in used)
    return (
        '<p class="note">Intervals of the means are 95% and respect each metric\'s valid range'
        " (column <code>ci_method</code> of summary.csv); differences between scenarios keep a"
        f" plain t-interval, as they may be negative. Fewer than {FEW_REPLICATIONS}"
        f" replications give rough intervals.</p>\n<ul>{items}</ul>"
    )


def glossary_section(summary: pd.DataFrame, table: Callable[..., str]) -> str:
    """The glossary as HTML, using the report's ``table(headers, rows)`` renderer."""
    headers: Sequence[str] = ("Metric", "Unit", "Scope", "Basis", "Breakdowns", "Meaning")
    rows = [[(text, False) for text in row] for row in glossary_rows(summary)]
    return f"<h2>Glossary</h2>\n{table(headers, rows)}\n{_intervals_note(summary)}"
