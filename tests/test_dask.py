"""``crossmargin run --dask``: a real two-worker ``distributed.LocalCluster``, and a cluster of a
``dask scheduler`` and two ``dask worker`` processes started by their command-line tools on
loopback, give the same tables as the local executor (byte for byte: the workers send each run's
files back and the client writes them, so no filesystem is shared), and an unreachable
scheduler is bad input (exit 2, no traceback)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal
from tiny import write_tiny_spec

pytest.importorskip("distributed")

CLI = [sys.executable, "-c", "from experiments.cli import main; main()"]
DASK = str(Path(sys.executable).with_name("dask"))  # the venv's dask command-line tool
ROOT = Path(__file__).resolve().parents[1]  # the project, on the workers' PYTHONPATH
ALL_RUNS = ("cross_margin/0", "cross_margin/1", "standalone/0", "standalone/1")  # tiny spec's


def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The CLI with ``args``; ``env``: variables added to this process's environment."""
    return subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = proc.communicate(timeout=180)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny spec run by the local executor and on a local dask cluster, side by side."""
    folder = tmp_path_factory.mktemp("dask")
    spec = str(write_tiny_spec(folder))
    local = start("run", spec, "--out", str(folder / "local"), "--workers", "1", cwd=folder)
    dask = start(
        "run", spec, "--out", str(folder / "dask"), "--dask", "local", "--no-report", cwd=folder
    )
    for proc in (local, dask):
        result = finish(proc)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    assert (folder / "local" / "report.html").is_file()
    return folder / "local", folder / "dask"


def run_tables(results: Path) -> list[Path]:
    return sorted(p.relative_to(results) for p in (results / "runs").glob("*/*/*.parquet"))


def test_dask_local_cluster_matches_local_executor(both_runs):
    local, dask = both_runs
    tables = run_tables(local)
    assert len(tables) >= 2 * 2 * 5  # calls, payments, accounts_daily, events, metrics per run
    assert run_tables(dask) == tables
    for name in (*tables, Path("metrics.parquet")):
        assert_frame_equal(pd.read_parquet(dask / name), pd.read_parquet(local / name))
    assert_frame_equal(pd.read_csv(dask / "summary.csv"), pd.read_csv(local / "summary.csv"))
    assert (dask / "summary.csv").read_text() == (local / "summary.csv").read_text()


def test_dask_run_records_every_run_in_manifest(both_runs):
    _, dask = both_runs
    manifest = yaml.safe_load((dask / "manifest.json").read_text())
    assert sorted(manifest["runs"]) == [
        "cross_margin/0",
        "cross_margin/1",
        "standalone/0",
        "standalone/1",
    ]
    assert {run["status"] for run in manifest["runs"].values()} == {"done"}
    assert manifest["finished"]


def test_unreachable_scheduler_is_bad_input(tmp_path):
    spec = str(write_tiny_spec(tmp_path))
    address = "tcp://127.0.0.1:1"
    out = tmp_path / "out"
    quick = {"CROSSMARGIN_DASK_TIMEOUT": "2"}  # a refused connection is retried until then
    result = finish(
        start("run", spec, "--out", str(out), "--dask", address, cwd=tmp_path, env=quick)
    )
    assert result.returncode == 2
    assert address in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists()  # checked before anything is written


def test_dask_run_writes_the_local_executors_files_byte_for_byte(both_runs):
    """Every file of a run folder but ``info.json`` (which holds the run's seconds)."""
    local, dask = both_runs
    assert_same_run_files(local, dask)


def assert_same_run_files(local: Path, other: Path, runs: tuple[str, ...] = ALL_RUNS) -> None:
    files = sorted(p.relative_to(local) for p in (local / "runs").rglob("*") if p.is_file())
    assert sorted(p.relative_to(other) for p in (other / "runs").rglob("*") if p.is_file()) == files
    musts = {"calls.parquet", "metrics.parquet", "network.graphml", "info.json"}
    assert {run: musts for run in runs} == {
        run: musts & {f.name for f in files if f.parent.as_posix() == f"runs/{run}"} for run in runs
    }
    for name in files:
        if name.name != "info.json":
            assert (other / name).read_bytes() == (local / name).read_bytes(), name


def dask_tool(args: list[str], folder: Path, log: str) -> subprocess.Popen:
    """``dask ARGS`` in ``folder`` (its own temporary folder inside: nothing shared with the
    client but the network), logging to ``folder/log``, in its own process group."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(folder / "tmp")}
    with open(folder / log, "w") as out:
        return subprocess.Popen(
            [DASK, *args],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_file(path: Path, procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.is_file() and time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), "a dask process ended at start-up"
        time.sleep(0.05)
    assert path.is_file(), f"{path} never appeared"


def stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to each process group started here, then SIGKILL to any left after 10 s."""
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A ``dask scheduler`` on a free loopback port (the OS picks it: ``--port 0``, read back
    from its scheduler file) and two ``dask worker`` processes of one thread each, each in its
    own folder; (scheduler address, folder). Torn down whatever happens."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("cluster")
    info = folder / "scheduler" / "scheduler.json"
    loopback = ["--no-dashboard", "--host", "127.0.0.1"]
    scheduler = ["scheduler", "--port", "0", "--scheduler-file", str(info), *loopback]
    procs = [dask_tool(scheduler, folder / "scheduler", "log.txt")]
    try:
        wait_for_file(info, procs)
        address = json.loads(info.read_text())["address"]
        for i in (1, 2):
            worker = ["worker", address, "--nthreads", "1", "--name", f"w{i}", *loopback]
            procs.append(dask_tool(worker, folder / f"w{i}", "log.txt"))
        with Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, folder
    finally:
        stop(procs[::-1])


def test_dask_scheduler_and_workers_by_their_tools_match_local_run(both_runs, cli_cluster):
    """``crossmargin run --dask tcp://127.0.0.1:PORT`` on the tiny spec: every file a local run
    writes (but info.json, seconds), the metrics and the summary, byte for byte; the workers'
    private temporary folders end empty (each run's scratch folder removed)."""
    local, _ = both_runs
    address, folder = cli_cluster
    client = folder / "client"
    client.mkdir()
    spec = str(write_tiny_spec(client))
    args = ("run", spec, "--out", "out", "--dask", address, "--no-report")
    result = finish(start(*args, cwd=client))
    assert result.returncode == 0, result.stderr
    assert address.startswith("tcp://127.0.0.1:")
    assert_same_run_files(local, client / "out")
    for name in ("metrics.parquet", "summary.csv"):
        assert (client / "out" / name).read_bytes() == (local / name).read_bytes()
    private = [folder / w / "tmp" for w in ("w1", "w2")]
    assert all((tmp / "dask-scratch-space").is_dir() for tmp in private)  # TMPDIR is theirs
    assert [list(tmp.glob("crossmargin-run-*")) for tmp in private] == [[], []]


def test_a_worker_runs_on_its_own_copy_of_the_history_file(shared_history, tmp_path):
    """The client reads the history file and sends its bytes; a worker (here this process, the
    client's copy already gone) runs on its own copy and sends back the files a local run
    writes, byte for byte (info.json too but for the seconds: its market source names the file)."""
    from experiments.dask_runs import input_files, land, remote_execute
    from experiments.runner import make_tasks
    from experiments.spec import load
    from experiments.tasks import execute

    client_copy = tmp_path / "client" / shared_history.name
    client_copy.parent.mkdir()
    client_copy.write_bytes(shared_history.read_bytes())
    spec = write_tiny_spec(tmp_path)
    task = make_tasks(load(str(spec), {"replications": 1}, history=str(client_copy)))[0]
    local_info = execute(task, tmp_path / "local" / "runs")
    inputs = input_files([task])
    client_copy.unlink()
    outcome = land(task, tmp_path / "worker" / "runs", remote_execute(task, inputs))
    assert outcome["status"] == "done", outcome.get("error")
    assert outcome["market_source"] == local_info["market_source"]
    assert shared_history.name in outcome["market_source"]
    assert_same_run_files(tmp_path / "local", tmp_path / "worker", (task.run_id,))
