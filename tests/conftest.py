"""Shared fixtures. The Treasury history file is not part of the project: tests that need it use
``shared_history`` and skip cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HISTORY_NAME = "daily-treasury-par-yield-curve-rates-1990-2021.csv"


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
