"""Shared fixtures. The Treasury history file is not part of the project: tests that need it use
``shared_history`` and skip cleanly when it is absent.

BLAS runs on one thread (set before numpy is imported), so that the golden outputs
(``tests/test_golden.py``) do not depend on how a matrix product is split across cores.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

HISTORY_NAME = "daily-treasury-par-yield-curve-rates-1990-2021.csv"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from this run instead of comparing (make golden)",
    )


def shared_history_path() -> Path:
    """CROSSMARGIN_HISTORY if set, else ../shared/data/<HISTORY_NAME> beside the repo root."""
    env = os.environ.get("CROSSMARGIN_HISTORY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / HISTORY_NAME


@pytest.fixture
def shared_history() -> Path:
    path = shared_history_path()
    if not path.is_file():
        pytest.skip(f"history file not available: {path}")
    return path


@pytest.fixture(scope="session")
def builtin_output(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``get(name)``: the results folder of built-in study ``name`` at reduced size
    (``tests/builtin_runs.py``), run on first request and shared by the whole session."""
    from builtin_runs import run_builtin

    done: dict[tuple[str, bool], Path] = {}

    def get(name: str, legacy: bool = False) -> Path:
        """``legacy``: with the model settings before issue 11 (``builtin_runs.LEGACY``)."""
        if (name, legacy) not in done:
            folder = tmp_path_factory.mktemp(f"{name}_legacy" if legacy else name)
            done[name, legacy] = run_builtin(name, folder, legacy)
        return done[name, legacy]

    return get
