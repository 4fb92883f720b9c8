"""An experiment killed mid-way (kill -9 of the CLI process) is completed by running the same
command again: every replication exactly once, nothing half-written left, and the same summary
as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from tiny import TINY

CLI = [sys.executable, "-c", "from experiments.cli import main; main()"]


def _spec(folder: Path) -> Path:
    base = {**TINY, "population": {"n_end_users": 40}, "calendar": {"business_days": 6}}
    spec = {
        "name": "resume",
        "seed": 3,
        "replications": 3,
        "reference": "standalone",
        "base": base,
        "scenarios": {
            "standalone": {"xm": {"enabled": False}},
            "cross_margin": {"xm": {"enabled": True}},
        },
    }
    path = folder / "resume.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _done(out: Path) -> int:
    try:
        runs = json.loads((out / "manifest.json").read_text())["runs"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0
    return sum(r.get("status") == "done" for r in runs.values())


def _kill_after_two_runs(args: list[str], cwd: Path, out: Path) -> int:
    """Start the CLI, kill -9 its process group once two runs are done; runs done by then."""
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while _done(out) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the experiment finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return _done(out)


def _assert_every_run_once(out: Path) -> None:
    """2 scenarios x 3 replications in the manifest, all done, one folder each, no temp files."""
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    assert sorted(runs) == sorted(
        f"{s}/{r}" for s in ("standalone", "cross_margin") for r in range(3)
    )
    assert all(r["status"] == "done" for r in runs.values())
    leftovers = [p for p in (out / "runs").rglob("*") if ".tmp-" in p.name]
    assert not leftovers
    for scenario in ("standalone", "cross_margin"):
        assert sorted(p.name for p in (out / "runs" / scenario).iterdir()) == ["0", "1", "2"]


def test_killed_run_resumes_to_the_same_results(tmp_path):
    """Killed after at least 2 of the 6 runs (2 scenarios x 3 replications) and before all."""
    spec = _spec(tmp_path)
    killed = tmp_path / "killed"
    args = [*CLI, "run", str(spec), "--out", str(killed), "--workers", "1", "--no-report"]
    assert 2 <= _kill_after_two_runs(args, tmp_path, killed) < 6
    again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    _assert_every_run_once(killed)
    clean = tmp_path / "clean"
    uninterrupted = subprocess.run(
        [*CLI, "run", str(spec), "--out", str(clean), "--no-report"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert (killed / "summary.csv").read_text() == (clean / "summary.csv").read_text()
