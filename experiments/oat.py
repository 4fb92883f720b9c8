"""One-at-a-time sensitivity studies: naming, checks and the tornado table (pure pandas).

A study is one-at-a-time when its scenarios are its reference (the defaults) and, for each
parameter, two scenarios named ``<config path>=low`` and ``<config path>=high`` that set that
path (and nothing else) to a low and a high value, e.g.::

    reference: reference
    scenarios:
      reference: {}
      market.basis.kappa=low: {market: {basis: {kappa: 0.075}}}
      market.basis.kappa=high: {market: {basis: {kappa: 0.3}}}

``check_oat`` (spec validation) rejects a scenario so named that does not set its path. The
report draws a tornado (``experiments.report.tornado``) of the study's first headline metric when
``oat_parameters`` finds the pattern. ``tornado_table`` gives, per parameter, the headline at the
low and at the high value minus the reference (the summary's paired differences), sorted by
swing: the width of the bar, ``max(low, high, 0) - min(low, high, 0)``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

SIDES: tuple[str, str] = ("low", "high")
_NAME = re.compile(r"^(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)=(?P<side>low|high)$")
TORNADO_COLUMNS = ["parameter", "low", "high", "swing", "low_value", "high_value"]


def oat_name(path: str, side: str) -> str:
    return f"{path}={side}"


def parse_oat(name: str) -> tuple[str, str] | None:
    """(config path, side) of a scenario named ``<path>=low|high``, else None."""
    match = _NAME.match(name)
    return (match["path"], match["side"]) if match else None


def oat_parameters(scenarios: list[str], reference: str | None) -> list[str]:
    """The parameters (config paths, in scenario order) when ``scenarios`` are ``reference``
    and a low and a high scenario per parameter, and nothing else; else an empty list."""
    others = [s for s in scenarios if s != reference]
    parsed = [parse_oat(s) for s in others]
    if reference not in scenarios or not others or None in parsed:
        return []
    paths = list(dict.fromkeys(path for path, _ in parsed))
    complete = all(oat_name(p, side) in others for p in paths for side in SIDES)
    return paths if complete and len(others) == 2 * len(paths) else []


def value_at(override: Any, path: str) -> Any:
    """The value ``override`` (nested mappings) sets at dotted ``path``; KeyError if none."""
    node = override
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise KeyError(path)
        node = node[key]
    return node


def check_oat(scenarios: dict[str, Any]) -> list[tuple[str, str]]:
    """Errors (yaml path, message) for scenarios named ``<path>=low|high`` not setting path."""
    errors = []
    for name, override in scenarios.items():
        parsed = parse_oat(str(name))
        if parsed is None:
            continue
        try:
            value_at(override, parsed[0])
        except KeyError:
            message = f"a one-at-a-time scenario named {name!r} must set {parsed[0]}"
            errors.append((f"scenarios.{name}", message))
    return errors


def _effect(rows: pd.DataFrame, scenario: str, reference_mean: float) -> float:
    row = rows.loc[rows["scenario"] == scenario]
    if row.empty:
        return float("nan")
    diff = float(row["diff_mean"].iloc[0]) if "diff_mean" in row else float("nan")
    return diff if np.isfinite(diff) else float(row["mean"].iloc[0]) - reference_mean


def default_entity_type(summary: pd.DataFrame, metric: str) -> str | None:
    """``all`` when ``metric`` has such rows, else its first entity type alphabetically."""
    rows = summary.loc[summary["metric"] == metric]
    types = sorted(rows["entity_type"].dropna().astype(str).unique())
    return "all" if "all" in types else (types[0] if types else None)


def _rows(summary: pd.DataFrame, metric: str, entity_type: str | None) -> pd.DataFrame:
    rows = summary.loc[summary["metric"] == metric]
    chosen = entity_type or default_entity_type(summary, metric)
    return rows.loc[rows["entity_type"].astype(str) == str(chosen)]


def tornado_table(
    summary: pd.DataFrame,
    reference: str,
    metric: str,
    values: dict[str, tuple[Any, Any]] | None = None,
    entity_type: str | None = None,
) -> pd.DataFrame:
    """Per parameter of a one-at-a-time ``summary``: ``metric`` at low and at high minus the
    reference (paired ``diff_mean``, else the difference of means), ``swing`` and the values
    set (from ``values``, if given), sorted by swing, largest first. ``entity_type``: default
    ``all`` when present, else the first alphabetically. Empty unless the pattern holds."""
    paths = oat_parameters(list(dict.fromkeys(summary["scenario"].astype(str))), reference)
    rows = _rows(summary, metric, entity_type)
    ref = rows.loc[rows["scenario"] == reference, "mean"]
    reference_mean = float(ref.iloc[0]) if len(ref) else float("nan")
    records = []
    for path in paths:
        low, high = (_effect(rows, oat_name(path, side), reference_mean) for side in SIDES)
        both = np.array([low, high, 0.0])
        swing = np.nanmax(both) - np.nanmin(both) if np.isfinite(both[:2]).any() else np.nan
        low_value, high_value = (values or {}).get(path, (None, None))
        records.append([path, low, high, swing, low_value, high_value])
    table = pd.DataFrame(records, columns=TORNADO_COLUMNS)
    order = np.argsort(-table["swing"].fillna(-np.inf).to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def oat_values(scenarios: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """(low value, high value) per parameter of a one-at-a-time spec's scenario overrides."""
    out: dict[str, list[Any]] = {}
    for name, override in scenarios.items():
        parsed = parse_oat(str(name))
        if parsed is None:
            continue
        try:
            value = value_at(override, parsed[0])
        except KeyError:
            continue
        out.setdefault(parsed[0], [None, None])[SIDES.index(parsed[1])] = value
    return {path: (pair[0], pair[1]) for path, pair in out.items()}
