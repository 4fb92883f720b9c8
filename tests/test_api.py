"""The Python API (experiments.api): README's example runs as written, dicts are validated with
the field named, and the low-level run refuses a dict with a message saying what to do."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest

from agents.worlds.clearing import build_world
from experiments.api import as_config, run_experiment, simulate
from experiments.lock import LOCK_FILE
from sim.errors import ConfigError
from sim.run import run

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    section = README.read_text().split("### Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CROSSMARGIN_HISTORY", raising=False)
    scope: dict = {}
    exec(compile(readme_example(), "README.md", "exec"), scope)
    calls, study = scope["calls"], scope["study"]
    assert len(calls) and set(calls["status"]) <= {"on_time", "late", "defaulted"}
    assert (tmp_path / "results" / "xm_small" / "report.html").is_file()
    im = study.summary.query("metric == 'end_user_im_usd' and entity_type == 'all'")
    assert set(im["scenario"]) == {"standalone", "cross_margin"} and study.failed == 0
    # XM can only lower the IM of the same users on the same market path (paired difference)
    assert im.loc[im["scenario"] == "cross_margin", "diff_mean"].iloc[0] <= 0


def test_a_dict_is_validated_and_the_field_named():
    with pytest.raises(ConfigError, match=r"population\.n_end_users"):
        as_config({"population": {"n_end_users": "many"}})
    with pytest.raises(ConfigError, match="SimConfig or a dict"):
        simulate(["not", "a", "config"])


def test_run_refuses_a_dict_saying_what_to_do():
    with pytest.raises(TypeError, match="build_config"):
        run({"population": {"n_end_users": 2}}, 1, build_world)


def test_run_experiment_respects_a_folder_another_run_holds(tmp_path):
    """The API takes the results folder's lock as the CLI does: a folder held by a live process
    (this test's own pid stands in for it) is refused, nothing written, the lock kept."""
    folder = tmp_path / "held"
    folder.mkdir()
    lock = folder / LOCK_FILE
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    spec = {"name": "held", "reference": "a", "scenarios": {"a": {}}}
    with pytest.raises(ConfigError, match=f"in use by process {os.getpid()}"):
        run_experiment(spec, out=folder)
    assert [p.name for p in folder.iterdir()] == [LOCK_FILE]
