"""Runs of an experiment on a dask cluster, whose workers need not share a filesystem with the
client: a worker runs its replication into a private temporary folder and sends back only that
run's files (a few compressed tables, its metrics, network and ``info.json``, as bytes); the
client writes them into ``runs/<scenario>/<replication>/`` (a temporary folder renamed into
place, as the local executor does), so the results folder is the same file for file as a local
run's. A task carries its ``Task`` (scenario, replication, seed and the resolved config, a few
kB): workers build the market and population themselves."""

from __future__ import annotations

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


def remote_execute(task: Task) -> dict:
    """Run ``task`` in a private temporary folder of this (worker) process and return its
    outcome, with ``files``: each file's path in the run folder and its bytes; the folder is
    removed whatever happens."""
    scratch = Path(tempfile.mkdtemp(prefix="crossmargin-run-"))
    try:
        folder = scratch / "run"
        info = produce(task, folder)
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
        futures = [client.submit(remote_execute, t, pure=False) for t in tasks]
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
