"""The report's Assumptions section: every parameter of the spec's resolved base configuration
with its value and its source, or ``assumption`` (``sim.config.assumptions``), then what each
scenario overrides. Values are read from the spec, never from the registry."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import yaml

from sim.config.assumptions import assumptions_table, leaves

Cells = list[tuple[str, bool]]
TableRenderer = Callable[[Sequence[str], list[Cells]], str]
NOTE = (
    "Every parameter of the resolved base configuration: its value (and the default where the"
    " spec changes it) and where it comes from, a published source or 'assumption' (a"
    " modelling choice without a source). Registry: sim/config/assumptions.py."
)


def spec_data(spec_yaml: str) -> dict[str, Any]:
    """The parsed resolved spec; an empty mapping if it is not a YAML mapping."""
    try:
        data = yaml.safe_load(spec_yaml)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def format_value(value: Any) -> str:
    """A parameter value as the spec would write it: text as is, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def assumption_rows(base: dict[str, Any]) -> list[Cells]:
    """(parameter, value, source) cells of every leaf of ``base``; a value the spec changed
    shows the default beside it, a parameter no entry covers says so as its source."""
    rows = []
    for row in assumptions_table(base, strict=False):
        value = format_value(row.value)
        if row.set_in_spec:
            value = f"{value} (default {format_value(row.default)})"
        rows.append([(row.parameter, False), (value, False), (row.source, False)])
    return rows


def override_rows(scenarios: dict[str, Any]) -> list[Cells]:
    """(scenario, parameter, value) cells of what each scenario sets over the base."""
    return [
        [(str(name), False), (path, False), (format_value(value), False)]
        for name, override in scenarios.items()
        if isinstance(override, dict)
        for path, value in leaves(override).items()
    ]


def assumptions_section(spec_yaml: str, table: TableRenderer) -> str:
    """The section's HTML; ``table(headers, rows)`` renders (and escapes) a table."""
    spec = spec_data(spec_yaml)
    base = spec.get("base") if isinstance(spec.get("base"), dict) else {}
    if not base:
        return "<h2>Assumptions</h2>\n<p>The spec has no resolved base configuration.</p>"
    html = (
        f'<h2>Assumptions</h2>\n<p class="note">{escape(NOTE)}</p>\n'
        f"{table(['Parameter', 'Value', 'Source'], assumption_rows(base))}"
    )
    scenarios = spec.get("scenarios") if isinstance(spec.get("scenarios"), dict) else {}
    overrides = override_rows(scenarios)
    if overrides:
        html += (
            f"\n<h3>Scenario overrides</h3>\n{table(['Scenario', 'Parameter', 'Value'], overrides)}"
        )
    return html
