"""Checks of metric tables against the declarations of ``sim.metrics.registry``: ``describe``
a name, ``metric_problems`` of a long table, and ``check_metrics``, which raises ``ValueError``
for a table that emits a name not declared there, a value outside its range, a NaN where the
metric is always defined, or a row of the wrong scope."""

from __future__ import annotations

import pandas as pd

from sim.metrics.registry import METRICS, PER_DAY, PER_RUN, Metric


def describe(name: str) -> Metric:
    """The declaration of metric ``name``; ``KeyError`` naming the closest declared names."""
    try:
        return METRICS[name]
    except KeyError:
        stem = name.split("_")[0]
        near = sorted(m for m in METRICS if m.startswith(stem)) or sorted(METRICS)[:5]
        raise KeyError(
            f"metric {name!r} is not declared in sim.metrics.registry.METRICS"
            f" (similar: {', '.join(near)}); declare it there with its unit, scope and range"
        ) from None


def _examples(rows: pd.DataFrame) -> str:
    """A few offending rows as ``value (entity_type)`` for a message."""
    shown = [f"{v!r} ({t})" for v, t in zip(rows["value"], rows["entity_type"], strict=True)]
    return ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")


def _problems_of(metric: Metric, rows: pd.DataFrame) -> list[str]:
    """What is wrong with ``rows`` of one declared metric: values out of range, NaN where it is
    always defined, run-level or dated rows its scope does not have."""
    values = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    nan, dated = values.isna(), rows["date"].notna()
    outside = ~nan & ((values < metric.low) | (values > metric.high))
    head = f"{metric.name} ({metric.unit}, {metric.scope}, valid {metric.range_text})"
    found = []
    if outside.any():
        found.append(f"{head}: out of range: {_examples(rows.loc[outside])}")
    if nan.any() and not metric.may_be_nan:
        found.append(f"{head}: NaN in {int(nan.sum())} row(s), but it is never undefined")
    if metric.scope == PER_RUN and dated.any():
        found.append(f"{head}: {int(dated.sum())} dated row(s), but it is run-level only")
    if metric.scope == PER_DAY and not dated.all():
        found.append(f"{head}: {int((~dated).sum())} run-level row(s), but it is dated only")
    return found


def metric_problems(frame: pd.DataFrame) -> list[str]:
    """Every problem of a long metrics table (columns ``date``, ``entity``, ``entity_type``,
    ``metric``, ``value``; more are ignored) against ``METRICS``, one message each."""
    names = frame["metric"].astype("string")
    undeclared = sorted(set(names.dropna()) - set(METRICS))
    found = []
    if undeclared:
        found.append(
            f"undeclared metrics {undeclared}: declare each in sim.metrics.registry.METRICS"
        )
    declared = frame.loc[names.isin(list(METRICS)).fillna(False).to_numpy(bool)]
    for name, rows in declared.groupby("metric", sort=True):
        found += _problems_of(METRICS[str(name)], rows)
    return found


def check_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` unchanged if every metric in it is declared, in range and of its scope (see
    ``metric_problems``); else ``ValueError`` listing every problem."""
    found = metric_problems(frame)
    if found:
        raise ValueError("metrics table fails sim.metrics.registry:\n  " + "\n  ".join(found))
    return frame
