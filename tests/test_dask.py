"""``crossmargin run --dask``: a real two-worker ``distributed.LocalCluster`` gives the same tables
as the local executor, and an unreachable scheduler is bad input (exit 2, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal
from tiny import write_tiny_spec

pytest.importorskip("distributed")

CLI = [sys.executable, "-c", "from experiments.cli import main; main()"]


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
