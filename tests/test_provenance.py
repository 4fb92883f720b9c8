"""Provenance in ``manifest.json`` (``experiments.provenance``): code version, libraries,
platform and the history files read; gathering it never fails."""

from __future__ import annotations

import hashlib

import numpy as np

from experiments.provenance import (
    NOT_INSTALLED,
    SOURCE_ROOT,
    SYNTHETIC,
    UNKNOWN,
    dependency_versions,
    git_describe,
    histories,
    history_file_provenance,
)
from sim.config import build_config

# A treasury.gov-layout history of three days, newest first as the Treasury writes it.
HISTORY = (
    'Date,"3 Mo","2 Yr","5 Yr","10 Yr","30 Yr"\n'
    "03/04/2020,0.95,0.70,0.69,1.02,1.64\n"
    "03/03/2020,1.11,0.71,0.73,1.02,1.63\n"
    "03/02/2020,1.35,0.89,0.89,1.16,1.68\n"
)


def test_history_file_is_described_by_hash_and_dates(tmp_path):
    path = tmp_path / "par_yields.csv"
    path.write_bytes(HISTORY.encode())
    described = history_file_provenance(str(path))
    # the hash of the same bytes; the dates are the file's earliest and latest rows
    assert described == {
        "file": str(path),
        "sha256": hashlib.sha256(HISTORY.encode()).hexdigest(),
        "first_date": "2020-03-02",
        "last_date": "2020-03-04",
    }
    configs = [build_config({"market": {"history_file": str(path)}}) for _ in range(2)]
    assert histories(configs) == [described]  # one entry per distinct file
    assert histories([build_config()]) == SYNTHETIC


def test_unreadable_history_is_recorded_not_raised(tmp_path):
    described = history_file_provenance(str(tmp_path / "missing.csv"))
    assert described["file"].endswith("missing.csv") and "error" in described


def test_git_version_is_unknown_without_a_checkout_or_without_git(tmp_path, monkeypatch):
    assert git_describe(tmp_path) == UNKNOWN  # no .git here
    (tmp_path / ".git").mkdir()
    assert git_describe(tmp_path) == UNKNOWN  # an empty .git is not a repository
    monkeypatch.setenv("PATH", "")
    assert git_describe(SOURCE_ROOT) == UNKNOWN  # no git executable


def test_dependency_versions_name_what_is_missing():
    found = dependency_versions(["numpy", "crossmargin-no-such-distribution"])
    assert found == {"numpy": np.__version__, "crossmargin-no-such-distribution": NOT_INSTALLED}
