"""Shared fixtures. The Treasury history file is not part of the project: tests that need it use
``shared_history`` and skip cleanly when it is absent.

BLAS runs on one thread (set before numpy is imported), so that the golden outputs
(``tests/test_golden.py``) do not depend on how a matrix product is split across cores.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import multiprocessing  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
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


Key = tuple[str, bool]  # (built-in study, with the legacy settings)
WANTED = pytest.StashKey[list]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note the (study, legacy) runs the collected tests will ask ``builtin_output`` for, in
    the order they first do (the study is the test's ``name`` parameter, else baseline)."""
    wanted: list[Key] = []
    for item in items:
        if "builtin_output" not in getattr(item, "fixturenames", ()):
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        key = (params.get("name", "baseline"), "legacy" in item.name)
        if key not in wanted:
            wanted.append(key)
    config.stash[WANTED] = wanted


@pytest.fixture(scope="session", autouse=True)
def builtin_prefetch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """When several built-in studies will be needed, run them from the session's start in one
    background process (the reduced runs take about a minute in all: on two cores they overlap
    the other tests); ``{key: Future of its results folder}``, empty otherwise."""
    wanted = request.config.stash.get(WANTED, [])
    if len(wanted) < 2:
        yield {}
        return
    from builtin_runs import run_builtin

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        yield {
            key: pool.submit(run_builtin, key[0], _study_folder(tmp_path_factory, key), key[1])
            for key in wanted
        }
        pool.shutdown(cancel_futures=True)


def _study_folder(tmp_path_factory: pytest.TempPathFactory, key: Key) -> Path:
    name, legacy = key
    return tmp_path_factory.mktemp(f"{name}_legacy" if legacy else name)


@pytest.fixture(scope="session")
def builtin_output(
    tmp_path_factory: pytest.TempPathFactory, builtin_prefetch: dict
) -> Callable[..., Path]:
    """``get(name, legacy=False)``: the results folder of built-in study ``name`` at reduced size
    (``tests/builtin_runs.py``; ``legacy``: with the model settings before issue 11,
    ``builtin_runs.LEGACY``), from the background runs of ``builtin_prefetch`` or run on first
    request, and shared by the whole session."""
    from builtin_runs import run_builtin

    done: dict[Key, Path] = {}

    def get(name: str, legacy: bool = False) -> Path:
        key = (name, legacy)
        if key not in done:
            future = builtin_prefetch.get(key)
            folder = None if future else _study_folder(tmp_path_factory, key)
            done[key] = future.result() if future else run_builtin(name, folder, legacy)
        return done[key]

    return get
