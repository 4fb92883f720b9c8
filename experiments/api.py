"""The Python API: one simulation, or a whole experiment, from Python, with DataFrames back.

One run (seconds for a small world)::

    from experiments.api import simulate

    result = simulate({"population": {"n_end_users": 20}, "calendar": {"business_days": 3}})
    result.tables["calls"]        # every margin call, one row each (sim.records.CallRecord)
    result.metrics                # the run's long metrics table (sim.metrics.registry)

An experiment (a built-in name, a YAML path or a spec as a dict), written to a results folder
exactly as ``crossmargin run`` writes it::

    from experiments.api import run_experiment

    study = run_experiment("baseline", out="results/mine", replications=2)
    study.summary                 # summary.csv as a DataFrame

Bad input raises ``sim.errors.ConfigError`` naming the field, as the CLI reports it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from agents.worlds import DEFAULT_WORLD, world_named
from experiments import runner
from experiments.inputs import out_folder
from experiments.lock import results_lock
from experiments.outputs import write_outputs
from experiments.spec import ResolvedSpec, SpecError, load, resolve
from sim.config import SimConfig, build_config
from sim.errors import CrossmarginError
from sim.run import RunResult, run


def as_config(config: SimConfig | Mapping[str, Any] | None) -> SimConfig:
    """``config`` itself, or the defaults deep-merged with a partial nested dict of overrides
    (``sim.config.build_config``); ``SpecError`` naming every bad field."""
    if isinstance(config, SimConfig):
        return config
    if config is not None and not isinstance(config, Mapping):
        raise SpecError("config", [("<config>", f"must be a SimConfig or a dict, got {config!r}")])
    try:
        return build_config(dict(config or {}))
    except ValidationError as exc:
        errors = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise SpecError("config", errors) from None


def simulate(
    config: SimConfig | Mapping[str, Any] | None = None, seed: int = 0, world: str = DEFAULT_WORLD
) -> RunResult:
    """Run one replication of ``config`` (a ``SimConfig`` or partial overrides as a dict) with
    root ``seed`` in the named ``world`` (``agents.worlds.WORLDS``); the tables, metrics and
    network come back in memory (``sim.run.RunResult``)."""
    return run(as_config(config), seed, world_named(world))


@dataclass(frozen=True)
class Experiment:
    """A finished experiment: its results folder, ``summary.csv`` and ``metrics.parquet`` as
    DataFrames, the report's path and how many runs failed."""

    folder: Path
    summary: pd.DataFrame
    metrics: pd.DataFrame
    report: Path
    failed: int


def resolve_spec(
    spec: str | Path | Mapping[str, Any], overrides: dict, history: str | None
) -> ResolvedSpec:
    """A spec by built-in name, YAML path or as a dict, with top-level ``overrides``."""
    if isinstance(spec, Mapping):
        return resolve({**dict(spec), **overrides}, "<dict spec>")
    env_history = os.environ.get("CROSSMARGIN_HISTORY") or None
    return load(str(spec), overrides, history=history, default_history=env_history)


def run_experiment(
    spec: str | Path | Mapping[str, Any],
    out: str | Path | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    history: str | None = None,
) -> Experiment:
    """Run every scenario x replication of ``spec`` into ``out`` (default
    ``results/<name>``), resuming what a previous call left, and write the summary and report;
    like ``crossmargin run`` it holds the folder's lock (``experiments.lock``) meanwhile."""
    overrides = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    resolved = resolve_spec(spec, overrides, history)
    runner.preflight(resolved)
    target = out_folder(Path(out) if out is not None else Path("results") / resolved.spec.name)
    with results_lock(target, warn=warnings.warn):
        return _run_into(resolved, target, workers)


def _run_into(resolved: ResolvedSpec, target: Path, workers: int) -> Experiment:
    tasks, manifest = runner.open_experiment(resolved, target)
    failed = runner.run_tasks(tasks, target / "runs", manifest, workers)
    manifest.finish()
    if failed == len(tasks):
        raise CrossmarginError(f"every run failed: tracebacks in {target / 'manifest.json'}")
    metrics = runner.gather_metrics(target / "runs", tasks)
    report = write_outputs(target, metrics)
    return Experiment(target, pd.read_csv(target / "summary.csv"), metrics, report, failed)
