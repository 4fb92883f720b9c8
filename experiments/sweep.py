"""Sweeps: a spec's ``sweep`` maps dotted config paths to lists of values; every scenario (or,
without scenarios, the base alone) is expanded into one scenario per point of the grid, named
``<scenario>[<path>=<value>,...]``. The reference becomes the reference scenario at the grid's
first point (or the first point itself when the spec has no scenarios)::

    sweep:
      population.n_end_users: [150, 300]
      xm.cap: [0.5, 0.8]
"""

from __future__ import annotations

import itertools
from typing import Any

from sim.config import deep_merge


def _nested(path: str, value: Any) -> dict:
    out: Any = value
    for key in reversed(path.split(".")):
        out = {key: out}
    return out


def _check(sweep: Any) -> list[tuple[str, str]]:
    if not isinstance(sweep, dict) or not sweep:
        return [("sweep", "must map config paths (e.g. population.n_end_users) to lists")]
    return [
        (f"sweep.{k}", "must be a non-empty list of values")
        for k, v in sweep.items()
        if not isinstance(v, list) or not v
    ]


def _label(point: tuple[tuple[str, Any], ...]) -> str:
    return ",".join(f"{path}={value}" for path, value in point)


def expand_sweep(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The spec with its sweep expanded into scenarios, and any errors of the sweep itself."""
    if "sweep" not in raw:
        return raw, []
    sweep = raw["sweep"]
    errors = _check(sweep)
    if errors:
        return {k: v for k, v in raw.items() if k != "sweep"}, errors
    grid = [tuple(zip(sweep, values, strict=True)) for values in itertools.product(*sweep.values())]
    scenarios = raw.get("scenarios") or {"base": {}}
    expanded = {}
    for name, override in scenarios.items():
        for point in grid:
            merged = override or {}
            for path, value in point:
                merged = deep_merge(merged, _nested(path, value))
            expanded[f"{name}[{_label(point)}]"] = merged
    reference = raw.get("reference")
    first = reference if reference in scenarios else next(iter(scenarios))
    out = {k: v for k, v in raw.items() if k != "sweep"}
    return {**out, "scenarios": expanded, "reference": f"{first}[{_label(grid[0])}]"}, []
