"""The CLI's input layer: every option and every file a command reads goes through here.

Each check turns a parsing, type, range or cross-field problem into one ``ConfigError`` naming
the option or file, the field, the value and what is allowed, before anything is written. The
file readers themselves live where the reading lives: specs in ``experiments.spec``, portfolios
in ``sim.margin.portfolio``, histories in ``sim.market.history``, all built on ``sim.inputs``
(UTF-8 text, YAML without duplicate keys, finite numbers).

Output paths: ``--out`` of ``run`` is a results folder (created with its parents when missing);
``--out`` of ``calibrate`` and ``history download`` is a file (missing parent folders are
created). Either is refused when it is the wrong kind of thing (a file where a folder is wanted
or the reverse) or when its nearest existing folder is not writable.

Outages (custodian or XM link) whose window lies entirely outside a scenario's simulated days are
refused by the config itself (``SimConfig``), so the Python API refuses them too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pandas as pd

from sim.errors import ConfigError
from sim.inputs import load_yaml, read_text

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RESULTS_FILES = ("spec.yaml", "manifest.json", "metrics.parquet")


def parse_date(value: str | None, option: str) -> dt.date | None:
    """``value`` (``YYYY-MM-DD``) as a date, None when not given; else ``ConfigError``."""
    if value is None:
        return None
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{option} {value!r}: not a date; allowed: a calendar date as YYYY-MM-DD"
        ) from None


def date_window(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """``--from`` and ``--to`` checked as dates and in order; returned as ISO strings."""
    first, last = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if first is not None and last is not None and first > last:
        raise ConfigError(f"--from {first} is after --to {last}; allowed: --from on or before --to")
    return (first and first.isoformat()), (last and last.isoformat())


def dates_need_history(history: str | None, **options: str | None) -> None:
    """Date options (name -> value) only mean something with a history file."""
    given = [f"{name} {value}" for name, value in options.items() if value is not None]
    if given and history is None:
        raise ConfigError(
            f"{', '.join(given)}: a date option needs a history file; allowed: give --history"
            " CSV (or set CROSSMARGIN_HISTORY), or leave the date out"
        )


def date_in_range(day: str | None, option: str, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """``day`` (ISO) between ``first`` and ``last`` of a history, inclusive."""
    if day is not None and not first <= pd.Timestamp(day) <= last:
        raise ConfigError(
            f"{option} {day}: outside the history; allowed: {first.date()} to {last.date()}"
        )


def _nearest_existing(path: Path) -> Path:
    for parent in (path, *path.parents):
        if parent.exists():
            return parent
    return Path.cwd()


def _writable_below(path: Path, option: str) -> None:
    """The nearest existing folder at or above ``path`` is a folder we may write in."""
    base = _nearest_existing(path.parent if not path.exists() else path)
    if not base.is_dir():
        raise ConfigError(
            f"{option} {path}: {base} is a file, not a folder; allowed: a path in a folder"
        )
    if not os.access(base, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{option} {path}: folder {base} is not writable; allowed: a writable place"
        )


def out_folder(path: Path, option: str = "--out") -> Path:
    """A results folder to write: a folder or nothing yet, somewhere writable."""
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"{option} {path}: is an existing file; allowed: a folder (new or a results folder)"
        )
    _writable_below(path, option)
    return path


def out_file(path: Path, option: str = "--out") -> Path:
    """A file to write: a file or nothing yet (not a folder), somewhere writable."""
    if path.is_dir():
        raise ConfigError(f"{option} {path}: is a folder; allowed: a file path")
    _writable_below(path, option)
    return path


def _check_manifest(path: Path) -> None:
    try:
        data = json.loads(read_text(path, "manifest"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "allowed: the manifest.json a run writes"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a JSON object, got {type(data).__name__}")


def _read_metrics(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise ConfigError(
            f"{path}: not a readable parquet table ({type(exc).__name__}); allowed: the "
            "metrics.parquet a run writes"
        ) from None


def results_folder(path: Path) -> pd.DataFrame:
    """Check a results folder for ``report`` (its spec, manifest and metrics readable) and
    return its metrics table."""
    if not path.is_dir():
        raise ConfigError(f"{path}: not a folder; allowed: a results folder written by run")
    missing = [str(path / name) for name in RESULTS_FILES if not (path / name).is_file()]
    if missing:
        raise ConfigError(f"{path}: not a results folder (missing {', '.join(missing)})")
    load_yaml(read_text(path / "spec.yaml", "spec"), str(path / "spec.yaml"))
    _check_manifest(path / "manifest.json")
    return _read_metrics(path / "metrics.parquet")
