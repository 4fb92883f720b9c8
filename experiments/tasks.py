"""One replication of an experiment as a task (``Task``) and its execution into a run folder
(``runs/<scenario>/<replication>/``, written in a temporary folder then renamed into place, so
that a folder in place is a finished run).

``produce`` writes a run's files into any folder: the local executor (``execute``) lets it write
the run folder itself; a dask worker (``experiments.dask_runs``) lets it write a private
temporary folder and sends the files' bytes back to the client, which puts them in place."""

from __future__ import annotations

import json
import os
import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from agents.worlds import DEFAULT_WORLD, world_named
from experiments.files import NETWORK_FILE, run_folder, write_graphml
from sim.config import SimConfig
from sim.run import run


@dataclass(frozen=True)
class Task:
    scenario: str
    replication: int
    seed: int
    config: SimConfig
    world: str = DEFAULT_WORLD

    @property
    def run_id(self) -> str:
        return f"{self.scenario}/{self.replication}"

    @property
    def labels(self) -> dict[str, str | int]:
        """What leads every row this run writes: run id, scenario, replication, seed."""
        return {
            "run_id": self.run_id,
            "scenario": self.scenario,
            "replication": self.replication,
            "seed": self.seed,
        }


def run_dir(runs: Path, task: Task) -> Path:
    return run_folder(runs.parent, task.scenario, task.replication)


def temporary_dir(final: Path) -> Path:
    """Where a run folder is written before it is renamed to ``final`` (``remove_stale`` in
    ``experiments.runner`` removes those an interrupted experiment left behind)."""
    return final.with_name(f".{final.name}.tmp-{os.getpid()}")


def produce(task: Task, folder: Path) -> dict:
    """Run one replication, writing its tables, metrics, network and ``info.json`` into
    ``folder`` (created); returns its info."""
    started = time.perf_counter()
    result = run(task.config, task.seed, world_named(task.world), folder, task.labels)
    write_graphml(result.network, folder / NETWORK_FILE)
    metrics = result.metrics
    for column, value in reversed(task.labels.items()):
        metrics.insert(0, column, value)
    metrics.to_parquet(folder / "metrics.parquet", index=False)
    info = {**result.info, "seconds": round(time.perf_counter() - started, 3)}
    (folder / "info.json").write_text(json.dumps(info, indent=2, default=str))
    return info


def execute(task: Task, runs: Path) -> dict:
    """Run one replication into a temporary folder and rename it into place when complete."""
    final = run_dir(runs, task)
    tmp = temporary_dir(final)
    shutil.rmtree(tmp, ignore_errors=True)
    info = produce(task, tmp)
    os.replace(tmp, final)
    return info


def safe_execute(task: Task, runs: Path) -> dict:
    try:
        return {"status": "done", **execute(task, runs)}
    except Exception:  # recorded in the manifest; the experiment goes on
        return failure()


def failure() -> dict:
    """The outcome of a run that raised (to be called in its ``except``): its traceback."""
    return {"status": "failed", "error": traceback.format_exc()}


def is_done(runs: Path, task: Task) -> bool:
    return (run_dir(runs, task) / "metrics.parquet").is_file()
