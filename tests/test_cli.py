"""The ``crossmargin`` CLI as a user meets it: exit codes, error messages, outputs, determinism."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tiny import write_tiny_spec

CLI = [sys.executable, "-c", "from experiments.cli import main; main()"]

BAD_SPEC = """
name: bad
reference: standalone
scenarios:
  standalone:
    population: {n_end_users: many}
  cross_margin:
    xm: {enabled: true, colour: blue}
    firms: {n_fcm: -2}
"""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_validate_bad_spec_names_every_field_and_exits_2(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC)
    before = sorted(tmp_path.rglob("*"))
    result = cli("validate", str(spec), cwd=tmp_path)
    assert result.returncode == 2
    message = result.stderr
    assert "scenarios.standalone.population.n_end_users" in message  # wrong type
    assert "scenarios.cross_margin.xm.colour" in message  # unknown field
    assert "scenarios.cross_margin.firms.n_fcm" in message  # negative count
    assert "Traceback" not in message + result.stdout
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_run_bad_spec_writes_nothing(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD_SPEC)
    result = cli("run", str(spec), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_world_exits_2_listing_the_worlds(tmp_path):
    spec = tmp_path / "atlantis.yaml"
    spec.write_text("name: w\nworld: atlantis\nreference: a\nscenarios: {a: {}}\n")
    before = sorted(tmp_path.rglob("*"))
    for command in (["validate", str(spec)], ["run", str(spec), "--out", str(tmp_path / "o")]):
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "world" in result.stderr and "'atlantis'" in result.stderr
        assert "clearing" in result.stderr and "adoption" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_unknown_spec_and_bad_yaml_exit_2(tmp_path):
    missing = cli("validate", "no_such_experiment", cwd=tmp_path)
    assert missing.returncode == 2 and "baseline" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    result = cli("validate", str(broken), cwd=tmp_path)
    assert result.returncode == 2 and "line" in result.stderr and "Traceback" not in result.stderr


def test_list_and_validate_builtin(tmp_path):
    listed = cli("list", cwd=tmp_path)
    assert listed.returncode == 0 and "baseline" in listed.stdout
    assert cli("validate", "baseline", cwd=tmp_path).returncode == 0


@pytest.fixture(scope="module")
def tiny_spec(tmp_path_factory) -> Path:
    return write_tiny_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture(scope="module")
def first_run(tiny_spec, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One full run of the tiny spec on 2 workers, report included, shared by the tests that
    need a finished results folder (each works on a copy when it changes it)."""
    out = tmp_path_factory.mktemp("first") / "a"
    return out, cli("run", str(tiny_spec), "--out", str(out), "--workers", "2", cwd=out.parent)


def finished_copy(first_run, folder: Path) -> Path:
    """A copy of the shared finished results folder (file times kept) at ``folder``."""
    out, done = first_run
    assert done.returncode == 0, done.stderr
    return Path(shutil.copytree(out, folder))


def test_run_twice_same_seed_identical_summary(tiny_spec, first_run, tmp_path):
    a_dir, first = first_run
    assert first.returncode == 0, first.stderr
    assert "report.html" in first.stdout and "writing summary, figures and" in first.stderr
    b = ["--out", str(tmp_path / "b"), "--workers", "1", "--no-report"]  # only its summary
    second = cli("run", str(tiny_spec), *b, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    a = (a_dir / "summary.csv").read_text()
    assert a == (tmp_path / "b" / "summary.csv").read_text()
    for name in ("spec.yaml", "manifest.json", "metrics.parquet", "report.html"):
        assert (a_dir / name).is_file()
    provenance = json.loads((a_dir / "manifest.json").read_text())["provenance"]
    keys = {"code_version", "dependencies", "python", "platform", "machine", "history_files"}
    assert set(provenance) == keys
    assert set(provenance["code_version"]) == {"package", "git"}
    assert {"numpy", "pandas", "simpy", "pyarrow"} <= set(provenance["dependencies"])
    assert provenance["history_files"] == "synthetic look-back (no history file)"
    for table in ("calls", "payments", "accounts_daily", "events"):
        assert (a_dir / "runs" / "cross_margin" / "1" / f"{table}.parquet").is_file()
    summary = pd.read_csv(a_dir / "summary.csv")
    im = summary[(summary.metric == "end_user_im_usd") & (summary.entity_type == "all")]
    xm = im[im.scenario == "cross_margin"].iloc[0]
    assert xm.diff_mean <= 0  # XM never raises IM: the reduction is clipped at >= 0


def test_rerun_resumes_without_rerunning(tiny_spec, first_run, tmp_path):
    """The rerun re-runs nothing; with --no-report it writes the same summary and removes the
    first run's report and figures, which it did not redraw."""
    out = finished_copy(first_run, tmp_path / "r")
    assert (out / "report.html").is_file() and (out / "figures").is_dir()
    summary = (out / "summary.csv").read_text()
    stamp = (out / "runs" / "standalone" / "0" / "metrics.parquet").stat().st_mtime_ns
    again = cli("run", str(tiny_spec), "--out", str(out), "--no-report", cwd=tmp_path)
    assert again.returncode == 0
    assert "not written (--no-report)" in again.stdout
    assert (out / "runs" / "standalone" / "0" / "metrics.parquet").stat().st_mtime_ns == stamp
    assert (out / "summary.csv").read_text() == summary
    assert not (out / "report.html").exists() and not (out / "figures").exists()


def test_out_dir_of_another_spec_is_refused(tiny_spec, first_run, tmp_path):
    out = finished_copy(first_run, tmp_path / "x")
    other = cli("run", str(tiny_spec), "--out", str(out), "--seed", "6", cwd=tmp_path)
    assert other.returncode == 2 and "different spec" in other.stderr


def test_bad_history_is_bad_input_and_writes_nothing(tmp_path):
    result = cli(
        "run",
        "march2020",
        "--history",
        str(tmp_path / "absent.csv"),
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "absent.csv" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_march2020_replay_validates_with_and_without_history(tmp_path, shared_history):
    assert cli("validate", "march2020", cwd=tmp_path).returncode == 0
    env_run = subprocess.run(
        [*CLI, "validate", "march2020"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "CROSSMARGIN_HISTORY": str(shared_history)},
    )
    assert env_run.returncode == 0, env_run.stderr


def test_sweep_expands_into_a_grid_of_scenarios():
    """2 x 2 grid over one scenario: four scenarios named by their point; the reference is the
    reference scenario at the first point; errors in the sweep name its path."""
    from experiments.spec import SpecError, resolve

    raw = {
        "name": "s",
        "reference": "xm",
        "scenarios": {"xm": {"xm": {"enabled": True}}},
        "sweep": {"population.n_end_users": [10, 20], "xm.cap": [0.5, 0.8]},
    }
    resolved = resolve(raw)
    assert list(resolved.configs) == [
        "xm[population.n_end_users=10,xm.cap=0.5]",
        "xm[population.n_end_users=10,xm.cap=0.8]",
        "xm[population.n_end_users=20,xm.cap=0.5]",
        "xm[population.n_end_users=20,xm.cap=0.8]",
    ]
    cfg = resolved.configs["xm[population.n_end_users=20,xm.cap=0.5]"]
    assert (cfg.population.n_end_users, cfg.xm.cap, cfg.xm.enabled) == (20, 0.5, True)
    assert resolved.spec.reference == "xm[population.n_end_users=10,xm.cap=0.5]"
    with pytest.raises(SpecError) as bad:
        resolve({**raw, "sweep": {"population.n_end_users": [], "xm.colour": [1]}})
    paths = [p for p, _ in bad.value.errors]
    assert "sweep.population.n_end_users" in paths
