"""Provenance of an experiment run, recorded once per run under ``provenance`` in
``manifest.json``: the code version (package version and ``git describe --always --dirty`` of
the source tree when it is a git checkout, else ``"unknown"``), the versions of the libraries
results depend on, Python and the platform, and the market history files the scenarios read
(SHA-256, first and last date) or that none was read. Gathering it never fails a run: a missing
git or library is recorded as such.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sim.config import SimConfig
from sim.errors import ConfigError
from sim.market.history import read_history

DEPENDENCIES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "simpy",
    "scipy",
    "pyarrow",
    "pydantic",
    "networkx",
    "dask",
    "distributed",
    "matplotlib",
    "seaborn",
    "typer",
    "rich",
)
NOT_INSTALLED = "not installed"
UNKNOWN = "unknown"
SYNTHETIC = "synthetic look-back (no history file)"
SOURCE_ROOT = Path(__file__).resolve().parents[1]  # the folder holding sim/, agents/, experiments/
GIT_TIMEOUT_SECONDS = 10.0
HASH_CHUNK_BYTES = 1 << 20


def git_describe(root: Path = SOURCE_ROOT) -> str:
    """``git describe --always --dirty`` of ``root`` if it is a git checkout (its own ``.git``
    directory or worktree file), else ``"unknown"``; also ``"unknown"`` when git is missing,
    fails or takes longer than ``GIT_TIMEOUT_SECONDS``."""
    if not (root / ".git").exists():
        return UNKNOWN
    command = ["git", "-C", str(root), "describe", "--always", "--dirty"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN
    return done.stdout.strip() or UNKNOWN


def dependency_versions(names: Iterable[str] = DEPENDENCIES) -> dict[str, str]:
    """Installed version of each distribution in ``names``, or ``"not installed"``."""
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = NOT_INSTALLED
    return found


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(HASH_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def history_file_provenance(path: str) -> dict[str, Any]:
    """``file``, ``sha256``, ``first_date`` and ``last_date`` (ISO) of a par-yield history;
    ``error`` instead of the hash and dates when it cannot be read."""
    try:
        dates = read_history(path).index
        return {
            "file": path,
            "sha256": sha256_of(Path(path)),
            "first_date": dates[0].date().isoformat(),
            "last_date": dates[-1].date().isoformat(),
        }
    except (OSError, ConfigError) as exc:
        return {"file": path, "error": str(exc)}


def histories(configs: Iterable[SimConfig]) -> list[dict[str, Any]] | str:
    """The distinct history files the scenario configs name, each described once, or
    ``SYNTHETIC`` when none names one."""
    files = dict.fromkeys(c.market.history_file for c in configs if c.market.history_file)
    return [history_file_provenance(f) for f in files] if files else SYNTHETIC


def provenance(configs: Iterable[SimConfig], package_version: str) -> dict[str, Any]:
    """The manifest's ``provenance`` entry for an experiment of these scenario configs."""
    return {
        "code_version": {"package": package_version, "git": git_describe()},
        "dependencies": dependency_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "history_files": histories(configs),
    }
