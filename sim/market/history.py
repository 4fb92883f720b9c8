"""Reading Treasury par-yield histories (treasury.gov or FRED layout) into key-rate levels.

Units: levels are par yields in **percent** (4.25 means 4.25%); changes are in **basis points**
(1bp = 0.01 percentage point). Maturities are in years. The index is a ``DatetimeIndex`` named
``date``: ascending, unique, one row per day on which at least one key tenor is known.

Accepted layouts (several files may be given; they are outer-joined on date and maturity, and
where two files give a value for the same day and maturity the earlier file in the list wins):

- treasury.gov: a ``Date`` column (``MM/DD/YYYY``, ``MM/DD/YY`` or ``YYYY-MM-DD``, any row order)
  and tenor columns labelled like ``"3 Mo"``, ``"1.5 Month"``, ``"10 Yr"``;
- FRED: an ``observation_date`` or ``DATE`` column and series columns ``DGS1MO``, ``DGS3MO``,
  ``DGS6MO``, ``DGS1``, ``DGS2``, ``DGS3``, ``DGS5``, ``DGS7``, ``DGS10``, ``DGS20``, ``DGS30``.

Blank cells, ``.``, ``N/A``, ``NA`` and ``ND`` mean "not published". Other columns are ignored.

Checks beyond parsing (each a ``HistoryError``): the file must be UTF-8 text; no date may lie
after today; and consecutive dated rows with yields may be at most ``MAX_GAP_DAYS`` (10) calendar
days apart. The longest gap in the Treasury's daily file of 1990-2021 is 4 days (a weekend and a
holiday), so 10 days tolerates a market closure of a week while catching a missing year.

Missing key tenors (the rule). A key tenor not published on a day is filled from that day's
published tenors: by linear interpolation in maturity between the nearest published tenor below
and the nearest above; when there is none on one side, by flat extrapolation from the nearest
published tenor, but only if that tenor's maturity is within a factor of 2 of the key tenor's
(so 30Y is taken flat from 20Y when the Treasury did not publish 30Y, Feb 2002 to Feb 2006, and
3M from 6M when neither 1M nor 3M is published; 3M is never taken from 2Y). Otherwise the value
stays NaN. Rows with no key tenor at all are dropped.

A change between a published value and a filled one mixes two points of the curve (e.g. the
30Y-20Y spread, about 24bp, on 19 Feb 2002); ``read_history_with_mask`` returns which values
were filled, and ``daily_changes_bp(levels, filled)`` sets such changes to NaN.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.inputs import read_text

KEY_TENORS = ("3M", "2Y", "5Y", "10Y", "30Y")
KEY_MATURITIES = (0.25, 2.0, 5.0, 10.0, 30.0)  # years, aligned with KEY_TENORS
MAX_EXTRAPOLATION_RATIO = 2.0  # flat extrapolation only from a tenor within this factor
MAX_GAP_DAYS = 10  # calendar days allowed between consecutive dated rows (module docstring)

_DATE_COLUMNS = ("date", "observation_date")
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y")
_MISSING = frozenset({"", ".", "n/a", "na", "nd", "nan"})
_TREASURY_LABEL = re.compile(r"^(\d+(?:\.\d+)?)\s*(mo|mos|month|months|yr|yrs|year|years)$", re.I)
_FRED_LABEL = re.compile(r"^dgs(\d+)(mo)?$", re.I)

PathLike = str | Path


class HistoryError(ConfigError):
    """A history file cannot be read; the message names the file, where, and what was expected.

    A ``ConfigError`` (bad user input, exit status 2) and so a ``ValueError``.
    """


def maturity_years(label: str) -> float | None:
    """Maturity in years of a column label (``"3 Mo"`` -> 0.25, ``"DGS10"`` -> 10), else None."""
    text = label.strip()
    match = _TREASURY_LABEL.match(text)
    if match:
        months = match.group(2).lower().startswith("mo")
        return float(match.group(1)) / (12.0 if months else 1.0)
    match = _FRED_LABEL.match(text)
    if match:
        return float(match.group(1)) / (12.0 if match.group(2) else 1.0)
    return None


def _read_raw(path: Path) -> pd.DataFrame:
    """All cells as stripped strings; row ``i`` is on line ``i + 2`` of the file."""
    if not path.is_file():
        raise HistoryError(f"{path}: history file not found (expected a CSV file)")
    try:
        text = read_text(path, "history file")
    except ConfigError as exc:
        raise HistoryError(str(exc)) from None
    try:
        raw = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise HistoryError(f"{path}: not a readable CSV file ({exc})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.apply(lambda col: col.str.strip())


def _date_column(raw: pd.DataFrame, path: Path) -> str:
    for column in raw.columns:
        if column.lower() in _DATE_COLUMNS:
            return column
    raise HistoryError(
        f"{path}, line 1: no date column (expected 'Date', 'DATE' or 'observation_date'); "
        f"found columns {list(raw.columns)}"
    )


def _parse_dates(cells: pd.Series, path: Path, column: str) -> pd.DatetimeIndex:
    """Parse with the first format that reads every cell; else report the first bad cell."""
    best: pd.Series | None = None
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(cells, format=fmt, errors="coerce")
        if not parsed.isna().any():
            return pd.DatetimeIndex(parsed, name="date")
        if best is None or parsed.isna().sum() < best.isna().sum():
            best = parsed
    assert best is not None
    row = int(np.flatnonzero(best.isna().to_numpy())[0])
    raise HistoryError(
        f"{path}, line {row + 2}, column {column!r}: cannot parse date {cells.iloc[row]!r} "
        f"(expected MM/DD/YYYY, MM/DD/YY or YYYY-MM-DD)"
    )


def _parse_numbers(raw: pd.DataFrame, columns: list[str], path: Path) -> np.ndarray:
    """Float array (rows, columns) in percent; missing markers become NaN."""
    out = np.empty((len(raw), len(columns)))
    for j, column in enumerate(columns):
        cells = raw[column]
        missing = cells.str.lower().isin(_MISSING).to_numpy()
        values = pd.to_numeric(cells.where(~missing, None), errors="coerce").to_numpy(float)
        bad = np.isnan(values) & ~missing
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise HistoryError(
                f"{path}, line {row + 2}, column {column!r}: cannot parse yield "
                f"{cells.iloc[row]!r} (expected a number in percent, blank or '.')"
            )
        out[:, j] = values
    return out


def _read_one(path: Path) -> pd.DataFrame:
    """One file as a frame indexed by date with float maturity (years) columns, ascending."""
    raw = _read_raw(path)
    date_column = _date_column(raw, path)
    tenor_columns = [c for c in raw.columns if maturity_years(c) is not None]
    blank = (raw == "").all(axis=1)
    raw = raw.loc[~blank]  # blank lines; the index keeps the original positions
    dates = _parse_dates(raw[date_column], path, date_column)
    duplicated = dates.duplicated()
    if duplicated.any():
        row = int(raw.index[np.flatnonzero(duplicated)[0]])
        raise HistoryError(
            f"{path}, line {row + 2}: date {dates[duplicated][0]:%Y-%m-%d} appears twice "
            "(expected one row per date)"
        )
    values = _parse_numbers(raw, tenor_columns, path)
    mats = [maturity_years(c) for c in tenor_columns]
    frame = pd.DataFrame(values, index=dates, columns=pd.Index(mats, dtype=float))
    return frame.sort_index().sort_index(axis=1)


def _interpolate_at(values: np.ndarray, mats: np.ndarray, target: float) -> np.ndarray:
    """Per row: the key-tenor rule of the module docstring using tenors other than ``target``."""
    n, k = values.shape
    rows, idx = np.arange(n), np.arange(k)
    avail = ~np.isnan(values)
    lo = np.where(avail & (mats < target * (1 - 1e-9)), idx, -1).max(axis=1, initial=-1)
    hi = np.where(avail & (mats > target * (1 + 1e-9)), idx, k).min(axis=1, initial=k)
    has_lo, has_hi = lo >= 0, hi < k
    lo_c, hi_c = np.clip(lo, 0, k - 1), np.clip(hi, 0, k - 1)
    y_lo, y_hi = values[rows, lo_c], values[rows, hi_c]
    m_lo, m_hi = mats[lo_c], mats[hi_c]
    out = np.full(n, np.nan)
    both = has_lo & has_hi
    weight = (target - m_lo[both]) / (m_hi[both] - m_lo[both])
    out[both] = y_lo[both] + weight * (y_hi[both] - y_lo[both])
    flat_lo = has_lo & ~has_hi & (target <= MAX_EXTRAPOLATION_RATIO * m_lo)
    flat_hi = ~has_lo & has_hi & (m_hi <= MAX_EXTRAPOLATION_RATIO * target)
    out[flat_lo], out[flat_hi] = y_lo[flat_lo], y_hi[flat_hi]
    return out


def _key_tenor_levels(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(levels, filled): key-tenor levels in percent and where they were filled by the rule."""
    mats = frame.columns.to_numpy(dtype=float)
    values = frame.to_numpy(dtype=float)
    published = _published_key_values(frame)
    levels = published.copy()
    for j, target in enumerate(KEY_MATURITIES):
        gap = np.isnan(published[:, j])
        levels[gap, j] = _interpolate_at(values[gap], mats, target)
    filled = ~np.isnan(levels) & np.isnan(published)
    columns = pd.Index(KEY_TENORS)
    return (
        pd.DataFrame(levels, index=frame.index, columns=columns),
        pd.DataFrame(filled, index=frame.index, columns=columns),
    )


def _published_key_values(frame: pd.DataFrame) -> np.ndarray:
    """The published values at the key maturities (NaN where the column is absent or blank)."""
    mats = frame.columns.to_numpy(dtype=float)
    out = np.full((len(frame), len(KEY_MATURITIES)), np.nan)
    for j, target in enumerate(KEY_MATURITIES):
        exact = np.flatnonzero(np.isclose(mats, target))
        if exact.size:
            out[:, j] = frame.iloc[:, exact[0]].to_numpy(dtype=float)
    return out


def _as_paths(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    out = [Path(p) for p in paths]
    if not out:
        raise HistoryError("no history file given (expected one or more CSV paths)")
    return out


def read_history_with_mask(
    paths: PathLike | Sequence[PathLike],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(levels, filled): as ``read_history``, plus a boolean frame of the filled key values."""
    files = _as_paths(paths)
    frames = [_read_one(p) for p in files]
    names = ", ".join(str(p) for p in files)
    combined = reduce(lambda a, b: a.combine_first(b), frames).sort_index()
    mats = combined.columns.to_numpy(dtype=float)
    if not any(np.isclose(mats, m).any() for m in KEY_MATURITIES):
        raise HistoryError(
            f"{names}: no key-tenor column (expected treasury.gov labels like '3 Mo', '2 Yr', "
            f"'10 Yr' or FRED series DGS3MO, DGS2, DGS5, DGS10, DGS30)"
        )
    levels, filled = _key_tenor_levels(combined)
    keep = levels.notna().any(axis=1)
    levels, filled = levels.loc[keep], filled.loc[keep]
    if len(levels) < 2:
        raise HistoryError(f"{names}: {len(levels)} dated row(s) with yields (expected >= 2)")
    check_dates(levels.index, names)
    return levels, filled


def check_dates(dates: pd.DatetimeIndex, names: str, today: dt.date | None = None) -> None:
    """No date after ``today`` (default: the system's date) and no gap between consecutive
    dates longer than ``MAX_GAP_DAYS`` calendar days; else ``HistoryError``."""
    today = today or dt.date.today()
    if dates[-1].date() > today:
        raise HistoryError(
            f"{names}: date {dates[-1]:%Y-%m-%d} is in the future (today is {today}); "
            "allowed: dates up to today"
        )
    gaps = np.diff(dates.to_numpy()).astype("timedelta64[D]").astype(int)
    if gaps.size and gaps.max() > MAX_GAP_DAYS:
        i = int(gaps.argmax())
        raise HistoryError(
            f"{names}: gap of {gaps[i]} days between {dates[i]:%Y-%m-%d} and "
            f"{dates[i + 1]:%Y-%m-%d}; allowed: at most {MAX_GAP_DAYS} calendar days"
        )


def read_history(paths: PathLike | Sequence[PathLike]) -> pd.DataFrame:
    """Key-tenor par yields in percent, indexed by date (ascending, unique).

    ``paths`` is one CSV path or a list of them (e.g. one FRED file per series). Columns are
    ``KEY_TENORS``; missing key tenors are filled by the rule in the module docstring. Raises
    ``HistoryError`` for a missing or unreadable file, no date column, an unparseable date or
    yield, no key-tenor column, or fewer than 2 rows.
    """
    return read_history_with_mask(paths)[0]


def daily_changes_bp(levels: pd.DataFrame, filled: pd.DataFrame | None = None) -> pd.DataFrame:
    """Day-over-day changes in basis points (percent x 100), rows that are all NaN dropped.

    With ``filled`` (from ``read_history_with_mask``) a change is NaN where a tenor goes from a
    published to a filled value or back, since such a change mixes two points of the curve.
    """
    changes = levels.diff() * 100.0
    if filled is not None:
        flags = filled.reindex(index=levels.index, columns=levels.columns, fill_value=False)
        flags = flags.astype(bool)
        changes = changes.mask(flags.ne(flags.shift(fill_value=False)))
    return changes.iloc[1:].dropna(how="all")


def complete_changes(path: str, until: str | None = None) -> pd.DataFrame:
    """Daily key-rate changes (bp) of a history file on days with every key tenor, up to and
    including ``until`` (YYYY-MM-DD) when given."""
    changes = daily_changes_bp(read_history(path)).dropna()
    if until is not None:
        changes = changes[changes.index <= pd.Timestamp(until)]
    return changes[list(KEY_TENORS)]
