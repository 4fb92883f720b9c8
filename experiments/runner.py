"""Runs an experiment: scenarios x replications, each one ``sim.run.run(config, seed, world)``.

Replication k of every scenario uses the same seed (common random numbers). Each finished run is
written atomically to ``runs/<scenario>/<replication>/`` (a temporary folder renamed at the end),
so an interrupted experiment is resumed by running the same command again: finished runs are
skipped, unfinished ones rerun, and finished runs the manifest missed are recorded. A run that
raises is recorded as failed, with its traceback, in ``manifest.json`` and the others go on.
Ctrl-C cancels the queued runs and stops the running ones (local workers terminated, dask futures
cancelled), removes their temporary folders and leaves the manifest listing exactly the finished
runs (``run_tasks``).

Two executors run the unfinished tasks: local processes (``local_results``), each writing its
run folder under ``runs`` itself, or a dask cluster (``experiments.dask_runs.dask_results``),
whose workers send each run's files back to this process, which writes them: dask workers need
the package installed but no filesystem shared with the client.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from agents.worlds import DEFAULT_WORLD
from agents.worlds.clearing import check_position_breaks
from experiments.cancel import ignore_sigint, sigint_deferred, sigint_ignored, terminate_pool
from experiments.dask_runs import dask_results
from experiments.files import write_atomic
from experiments.provenance import provenance
from experiments.spec import ResolvedSpec
from experiments.tasks import Task, is_done, run_dir, safe_execute
from sim.errors import ConfigError
from sim.rng import replication_seeds

__all__ = ["Task", "is_done", "run_dir"]  # the task primitives, re-exported for callers


def remove_stale(runs: Path) -> None:
    """Remove the temporary folders of runs an interrupted experiment left half-written, and the
    temporary files of its atomic writes beside ``runs`` (the results folder is locked: none is
    another run's)."""
    for folder in runs.glob("*/.*.tmp-*"):
        shutil.rmtree(folder, ignore_errors=True)
    for leftover in runs.parent.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def local_results(tasks: list[Task], runs: Path, workers: int) -> Iterator[tuple[Task, dict]]:
    """Run ``tasks`` in this process (workers=1) or in a pool of local processes. Closed before
    the end (the consumer interrupted), the pool's queued runs are cancelled and its workers
    terminated at once."""
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield task, safe_execute(task, runs)
        return
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=ignore_sigint)
    futures: dict[Future, Task] = {}
    try:
        for task in tasks:
            futures[pool.submit(safe_execute, task, runs)] = task
        for future in as_completed(futures):
            yield futures[future], future.result()
    except BaseException:  # KeyboardInterrupt, or GeneratorExit when the consumer stops early
        terminate_pool(pool, list(futures))
        raise
    pool.shutdown()


def package_version() -> str:
    try:
        return version("crossmargin")
    except PackageNotFoundError:
        return "unknown"


def check_markets(resolved: ResolvedSpec) -> None:
    """Build the market of every scenario that reads a file (history or model), so that a bad
    file or replay window is reported as bad input before anything is written."""
    from sim.market.path import build_market
    from sim.rng import Streams

    for cfg in resolved.configs.values():
        if cfg.market.history_file or cfg.market.model_file:
            days = cfg.calendar.business_days
            build_market(cfg.market, days, cfg.calendar.start, Streams(0).get)


def check_breaks(resolved: ResolvedSpec) -> None:
    """Draw the population of every scenario with ``xm.position_breaks`` for each replication's
    seed (``agents.worlds.clearing.check_position_breaks``), so that a break naming no XM
    account is reported as bad input, with its scenario and replication, before anything is
    written."""
    if resolved.spec.world != DEFAULT_WORLD:
        return
    seeds = replication_seeds(resolved.spec.seed, resolved.spec.replications)
    for name, cfg in resolved.configs.items():
        for k in range(resolved.spec.replications) if cfg.xm.position_breaks else ():
            try:
                check_position_breaks(cfg, seeds[k])
            except ConfigError as exc:
                raise ConfigError(f"scenario {name}, replication {k}: {exc}") from None


def preflight(resolved: ResolvedSpec) -> None:
    """What is checked before a run writes anything: markets (``check_markets``) and position
    breaks (``check_breaks``)."""
    check_markets(resolved)
    check_breaks(resolved)


def make_tasks(resolved: ResolvedSpec) -> list[Task]:
    seeds = replication_seeds(resolved.spec.seed, resolved.spec.replications)
    return [
        Task(name, k, seeds[k], cfg, resolved.spec.world)
        for name, cfg in resolved.configs.items()
        for k in range(resolved.spec.replications)
    ]


class Manifest:
    """``manifest.json``: version, seeds, times and per-run status, rewritten atomically."""

    def __init__(self, path: Path, resolved: ResolvedSpec, tasks: list[Task]) -> None:
        self.path = path
        old = json.loads(path.read_text()) if path.is_file() else {}
        spec = resolved.spec
        self.data = {
            "experiment": spec.name,
            "world": spec.world,
            "package_version": package_version(),
            "root_seed": spec.seed,
            "replications": spec.replications,
            "seeds": list(dict.fromkeys(t.seed for t in tasks)),
            "started": old.get("started") or _now(),
            "finished": None,
            "runs": old.get("runs", {}),
            "provenance": provenance(resolved.configs.values(), package_version()),
        }

    def record(self, task: Task, outcome: dict, save: bool = True) -> None:
        self.data["runs"][task.run_id] = {
            "scenario": task.scenario,
            "replication": task.replication,
            "seed": task.seed,
            **outcome,
        }
        if save:
            self.save()

    def finish(self) -> None:
        self.data["finished"] = _now()
        self.save()

    def save(self) -> None:
        with sigint_deferred():  # Ctrl-C waits for the write: no half-written temporary file
            write_atomic(self.path, json.dumps(self.data, indent=2, default=str))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def prepare_out_dir(out: Path, resolved: ResolvedSpec) -> None:
    """Refuse a results folder that holds another experiment's spec; write the resolved spec."""
    spec_file = out / "spec.yaml"
    text = resolved.to_yaml()
    if spec_file.is_file() and spec_file.read_text() != text:
        raise ConfigError(
            f"{out}: holds results of a different spec (its spec.yaml differs);"
            " use --out for a new folder or delete this one"
        )
    write_atomic(spec_file, text)


def open_experiment(resolved: ResolvedSpec, out: Path) -> tuple[list[Task], Manifest]:
    """The one way into a results folder (CLI and Python API): its tasks, the folder checked
    and its spec written, and its manifest (resuming a previous one) saved."""
    tasks = make_tasks(resolved)
    prepare_out_dir(out, resolved)
    manifest = Manifest(out / "manifest.json", resolved, tasks)
    manifest.save()
    return tasks, manifest


def gather_metrics(runs: Path, tasks: list[Task]) -> pd.DataFrame:
    frames = [
        pd.read_parquet(run_dir(runs, t) / "metrics.parquet") for t in tasks if is_done(runs, t)
    ]
    metrics = pd.concat(frames, ignore_index=True)
    keys = ["scenario", "replication", "metric", "entity_type", "entity", "date"]
    return metrics.sort_values(keys, kind="stable", ignore_index=True)


ProgressHook = Callable[[Task, dict], None]
RunningHook = Callable[[int], None]


def run_tasks(
    tasks: list[Task],
    runs: Path,
    manifest: Manifest,
    workers: int,
    on_result: ProgressHook | None = None,
    dask: str | None = None,
    on_running: RunningHook | None = None,
) -> int:
    """Run the unfinished tasks, locally or on the dask cluster at ``dask`` (an address or
    ``"local"``); returns how many failed. ``on_running`` gets the number of runs submitted and
    not finished: all remaining ones for dask, at most ``workers`` for local processes.
    Interrupted (Ctrl-C), the runs in flight and queued are cancelled, their temporary folders
    removed and the manifest left listing exactly the finished runs; then the interrupt goes on."""
    remove_stale(runs)
    reconcile(manifest, tasks, runs)
    todo = [t for t in tasks if not is_done(runs, t)]
    results = dask_results(todo, runs, dask) if dask else local_results(todo, runs, workers)
    slots = min(len(todo) if dask else max(workers, 1), len(todo))
    try:
        return _record(results, manifest, len(todo), slots, on_result, on_running)
    except BaseException:
        with sigint_ignored():
            results.close()  # cancels what is queued or running
            remove_stale(runs)
            reconcile(manifest, tasks, runs)
        raise


def _record(
    results: Iterator[tuple[Task, dict]],
    manifest: Manifest,
    todo: int,
    slots: int,
    on_result: ProgressHook | None,
    on_running: RunningHook | None,
) -> int:
    """Record each outcome as it comes and report progress; returns how many failed."""
    if on_running and todo:
        on_running(slots)
    failed = 0
    for finished, (task, outcome) in enumerate(results, start=1):
        manifest.record(task, outcome)
        failed += outcome["status"] == "failed"
        if on_running:
            on_running(min(slots, todo - finished))
        if on_result:
            on_result(task, outcome)
    return failed


def reconcile(manifest: Manifest, tasks: list[Task], runs: Path) -> None:
    """Make the manifest agree with the run folders: a finished run it does not list as done
    (finished as the experiment was interrupted or killed) is recorded from its ``info.json``;
    one it lists as done whose folder is gone is dropped (it runs again)."""
    recorded = manifest.data["runs"]
    for task in tasks:
        status = recorded.get(task.run_id, {}).get("status")
        if is_done(runs, task) and status != "done":
            info = json.loads((run_dir(runs, task) / "info.json").read_text())
            manifest.record(task, {"status": "done", **info}, save=False)
        elif not is_done(runs, task) and status == "done":
            del recorded[task.run_id]
    manifest.save()
