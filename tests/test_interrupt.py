"""Safe outputs (issue 10): Ctrl-C stops a run with queued work within seconds, leaves the
manifest listing exactly the finished runs and no temporary folders, says how to resume, and the
resume completes every replication once; one run at a time writes a results folder (a second run
is refused, naming the holder; a lock left by a dead process is taken over with a warning)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from tiny import write_tiny_spec

from experiments.lock import LOCK_FILE, results_lock
from sim.errors import ConfigError

CLI = [sys.executable, "-c", "from experiments.cli import main; main()"]
REPLICATIONS = 6
SCENARIOS = ("standalone", "cross_margin")
ALL_RUNS = sorted(f"{s}/{r}" for s in SCENARIOS for r in range(REPLICATIONS))


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    """The tiny spec with 6 replications: 12 short runs, queued on 2 workers."""
    path = write_tiny_spec(tmp_path_factory.mktemp("interrupt"))
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, "replications": REPLICATIONS}))
    return path


def start(spec: Path, out: Path, *where: str) -> subprocess.Popen:
    """The CLI running ``spec`` into ``out`` (on 2 local workers unless ``where`` says
    otherwise), in its own process group; no figures or report (not what is tested here).
    Ctrl-C is restored to its default in the CLI, as in a terminal: a test session started in
    the background of a non-interactive shell (``pytest &``) ignores SIGINT, and a child would
    inherit that and never see the Ctrl-C the test sends."""
    return subprocess.Popen(
        [*CLI, "run", str(spec), "--out", str(out), "--no-report", *(where or ("--workers", "2"))],
        cwd=spec.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=default_sigint,
    )


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def manifest_runs(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text())["runs"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return {}


def wait_for(condition, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before the test could act"
    assert condition()


def finished_on_disk(out: Path) -> list[str]:
    """The runs whose folder is in place (temporary ``.<replication>.tmp-<pid>`` ones aside)."""
    folders = (p.parent for p in (out / "runs").glob("*/*/metrics.parquet"))
    return sorted(f"{f.parent.name}/{f.name}" for f in folders if not f.name.startswith("."))


def leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if ".tmp" in p.name or p.name == LOCK_FILE]


@pytest.fixture(scope="module")
def contested(spec) -> tuple[Path, subprocess.CompletedProcess, subprocess.CompletedProcess, int]:
    """A run holding its folder's lock (paused with SIGSTOP, so it surely still holds it) and a
    second run on the same folder meanwhile; (folder, first, second, first's pid)."""
    out = spec.parent / "clean"
    first = start(spec, out)
    wait_for(lambda: (out / "manifest.json").is_file(), first)
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        second = subprocess.run(
            [*CLI, "run", str(spec), "--out", str(out), "--no-report"],
            cwd=spec.parent,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    stdout, stderr = first.communicate(timeout=120)
    done = subprocess.CompletedProcess(first.args, first.returncode, stdout, stderr)
    return out, done, second, first.pid


def test_second_run_on_a_folder_is_refused_naming_the_holder(contested):
    _, _, second, holder = contested
    assert second.returncode == 2, second.stderr
    assert f"in use by process {holder}" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout


def test_the_holder_completes_every_run(contested):
    out, first, _, _ = contested
    assert first.returncode == 0, first.stderr
    runs = manifest_runs(out)
    assert sorted(runs) == ALL_RUNS
    assert {r["status"] for r in runs.values()} == {"done"}
    assert finished_on_disk(out) == ALL_RUNS
    assert not leftovers(out)


def interrupt(
    spec: Path, out: Path, whole_group: bool, *where: str, signum: int = signal.SIGINT
) -> tuple[subprocess.Popen, str, float]:
    """Start a run, Ctrl-C it (or send ``signum``) once a run is done; (process, its stderr,
    seconds to exit)."""
    proc = start(spec, out, *where)
    wait_for(lambda: finished_on_disk(out), proc)
    sent = time.monotonic()
    (os.killpg if whole_group else os.kill)(proc.pid, signum)
    _, stderr = proc.communicate(timeout=30)
    return proc, stderr, time.monotonic() - sent


def assert_interrupted(
    out: Path, proc: subprocess.Popen, stderr: str, seconds: float, code: int = 130
) -> None:
    """Exit 130 within 10 s, no traceback, the manifest listing exactly the finished runs (as
    done), queued runs cancelled, nothing temporary left, and the command that resumes."""
    assert proc.returncode == code, stderr
    assert seconds < 10
    assert "Traceback" not in stderr
    finished = finished_on_disk(out)
    assert 1 <= len(finished) < len(ALL_RUNS), "queued runs were not cancelled"
    runs = manifest_runs(out)
    assert sorted(runs) == finished
    assert {r["status"] for r in runs.values()} == {"done"}
    assert not leftovers(out)
    assert shlex.join(["crossmargin", *proc.args[3:]]) in stderr


def resume(proc: subprocess.Popen, out: Path, clean: Path) -> subprocess.CompletedProcess:
    """Run the interrupted command again: every run once, done, and the uninterrupted summary."""
    again = subprocess.run(proc.args, cwd=out.parent, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert sorted(manifest_runs(out)) == finished_on_disk(out) == ALL_RUNS
    assert {r["status"] for r in manifest_runs(out).values()} == {"done"}
    assert not leftovers(out)
    assert (out / "summary.csv").read_text() == (clean / "summary.csv").read_text()
    return again


def test_ctrl_c_to_the_process_alone_stops_it(spec):
    """SIGINT to the CLI's pid only (the workers never see it); the resume after an interrupt is
    checked once, in the process-group test below."""
    out = spec.parent / "interrupted"
    proc, stderr, seconds = interrupt(spec, out, whole_group=False)
    assert_interrupted(out, proc, stderr, seconds)


def test_ctrl_c_to_the_process_group_then_a_resume_over_a_stale_lock(spec, contested):
    """A terminal's Ctrl-C reaches the workers too; the resume also finds the lock a killed run
    would leave (a dead pid) and takes it over with a warning."""
    out = spec.parent / "interrupted-group"
    proc, stderr, seconds = interrupt(spec, out, whole_group=True)
    assert_interrupted(out, proc, stderr, seconds)
    write_lock(out, dead_pid())
    again = resume(proc, out, clean=contested[0])
    assert "taking over the lock" in again.stderr


def test_ctrl_c_cancels_the_dask_futures(spec):
    """On a local dask cluster: the queued and running futures are cancelled, the cluster closed
    (its workers leave the terminal's Ctrl-C to the client), the manifest consistent."""
    pytest.importorskip("distributed")
    out = spec.parent / "interrupted-dask"
    proc, stderr, seconds = interrupt(spec, out, True, "--dask", "local")
    assert_interrupted(out, proc, stderr, seconds)


def test_kill_stops_the_run_as_ctrl_c_does(spec):
    """SIGTERM (``kill PID``) to the CLI: the same clean stop, with exit code 143."""
    out = spec.parent / "terminated"
    proc, stderr, seconds = interrupt(spec, out, False, signum=signal.SIGTERM)
    assert_interrupted(out, proc, stderr, seconds, code=143)


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(folder: Path, pid: int, host: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    holder = {"pid": pid, "host": host or socket.gethostname(), "started": "earlier"}
    (folder / LOCK_FILE).write_text(json.dumps(holder))


def test_a_dead_process_lock_is_taken_over_with_a_warning(tmp_path):
    write_lock(tmp_path, dead_pid())
    warnings: list[str] = []
    with results_lock(tmp_path, warnings.append):
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert len(warnings) == 1 and "gone" in warnings[0]
    assert not (tmp_path / LOCK_FILE).exists()


@pytest.mark.parametrize("host", [None, "another-host"], ids=["live-pid", "other-host"])
def test_a_live_or_foreign_lock_is_refused_and_kept(tmp_path, host):
    pid = os.getppid() if host is None else dead_pid()
    write_lock(tmp_path, pid, host)
    before = (tmp_path / LOCK_FILE).read_text()
    refused = pytest.raises(ConfigError, match=f"in use by process {pid}")
    with refused, results_lock(tmp_path, lambda text: None):
        pass
    assert (tmp_path / LOCK_FILE).read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_FILE]


def test_the_lock_goes_with_the_run_and_an_unused_new_folder_too(tmp_path):
    folder = tmp_path / "new" / "results"
    with pytest.raises(RuntimeError), results_lock(folder, lambda text: None):
        assert (folder / LOCK_FILE).is_file()
        raise RuntimeError("a later check refused the run")
    assert not folder.exists()
    assert (tmp_path / "new").is_dir()
