"""Runs of an experiment on a dask cluster, whose workers need not share a filesystem with the
client: a worker runs its replication into a private temporary folder and sends back only that
run's files (a few compressed tables, its metrics, network and ``info.json``, as bytes); the
client writes them into ``runs/<scenario>/<replication>/`` (a temporary folder renamed into
place, as the local executor does), so the results folder is the same file for file as a local
run's. A task carries its ``Task`` (scenario, replication, seed and the resolved config, a few
kB): workers build the market and population themselves. The files a config names
(``market.history_file``, ``market.model_file``) are read by the client and sent to every worker
once (``input_files``); a worker runs on its own copy, under the same file name."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from experiments.dask_cluster import dask_client
from experiments.tasks import Task, failure, produce, run_dir, temporary_dir

if TYPE_CHECKING:
    from distributed import Future as DaskFuture


INPUT_FIELDS = ("history_file", "model_file")  # files a run reads (``MarketConfig``)


def input_files(tasks: list[Task]) -> dict[str, bytes]:
    """The bytes of every file the tasks' configs name (``INPUT_FIELDS``), by its path."""
    paths = {getattr(t.config.market, f) for t in tasks for f in INPUT_FIELDS}
    return {path: Path(path).read_bytes() for path in sorted(paths - {None})}


def localized(task: Task, inputs: dict[str, bytes], folder: Path) -> Task:
    """``task`` reading its own copies of its input files, written into ``folder/<k>/<name>``
    (the file name kept: a run's market source names it)."""
    market, update = task.config.market, {}
    for k, field in enumerate(INPUT_FIELDS):
        path = getattr(market, field)
        if path is not None:
            copy = folder / str(k) / Path(path).name
            copy.parent.mkdir(parents=True)
            copy.write_bytes(inputs[path])
            update[field] = str(copy)
    if not update:
        return task
    config = task.config.model_copy(update={"market": market.model_copy(update=update)})
    return dataclasses.replace(task, config=config)


def remote_execute(task: Task, inputs: dict[str, bytes]) -> dict:
    """Run ``task`` (on its copies of ``inputs``) in a private temporary folder of this (worker)
    process and return its outcome, with ``files``: each file's path in the run folder and its
    bytes; the folder is removed whatever happens."""
    scratch = Path(tempfile.mkdtemp(prefix="crossmargin-run-"))
    try:
        folder = scratch / "run"
        info = produce(localized(task, inputs, scratch / "inputs"), folder)
        files = {
            str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }
        return {"status": "done", **info, "files": files}
    except Exception:  # recorded in the manifest; the experiment goes on
        return failure()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def land(task: Task, runs: Path, outcome: dict) -> dict:
    """Write the ``files`` a worker sent for ``task`` into its run folder (a temporary folder
    renamed into place when complete); the outcome without them."""
    files = outcome.pop("files", None)
    if files is None:
        return outcome
    final = run_dir(runs, task)
    tmp = temporary_dir(final)
    shutil.rmtree(tmp, ignore_errors=True)
    for name, data in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.replace(tmp, final)
    return outcome


def dask_results(tasks: list[Task], runs: Path, address: str) -> Iterator[tuple[Task, dict]]:
    """Run ``tasks`` on a dask cluster (``address`` or ``"local"``), one replication per task,
    writing each run's files as it comes back and yielding its outcome."""
    if not tasks:
        return
    from distributed import as_completed as dask_completed

    with dask_client(address) as client:
        [inputs] = client.scatter([input_files(tasks)], broadcast=True)
        futures = [client.submit(remote_execute, t, inputs, pure=False) for t in tasks]
        pending = {f.key: (f, t) for f, t in zip(futures, tasks, strict=True)}
        del futures  # a future is released (its run's files forgotten) once it is written
        try:
            for future in dask_completed([f for f, _ in pending.values()], loop=client.loop):
                task = pending.pop(future.key)[1]
                yield task, land(task, runs, _dask_outcome(future))
        except BaseException:  # KeyboardInterrupt, or GeneratorExit when the consumer stops
            client.cancel([f for f, _ in pending.values()], force=True)
            raise


def _dask_outcome(future: DaskFuture) -> dict:
    """The task's own outcome, or a failure when the cluster lost it (a worker died)."""
    if future.status == "finished":
        return future.result()
    exc = future.exception()
    error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"status": "failed", "error": error}
