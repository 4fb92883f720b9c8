"""Downloading the Treasury's daily par-yield curve CSVs into one history file.

The Treasury publishes one CSV per year (newest first, dates ``MM/DD/YYYY``, a ``Date`` column
and tenor columns like ``"1 Mo"``, ``"1.5 Month"``, ``"10 Yr"``; recent years add ``"2 Mo"``,
``"4 Mo"`` and ``"1.5 Month"``). ``download_history`` fetches the years asked for and writes ONE
CSV in the same layout: ``Date`` plus the union of the tenor columns in maturity order, rows
newest first and unique by date, blank cells where a year lacks a column. The file is checked
with ``sim.market.history.read_history`` before it is moved into place, so a failed download never
leaves a file (or a half-written one) at the output path. HTTP uses the standard library only.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from experiments.files import write_atomic
from sim.errors import ConfigError
from sim.market.history import HistoryError, maturity_years, read_history

TREASURY_URL = (
    "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
    "daily-treasury-rates.csv/{year}/all?type=daily_treasury_yield_curve"
    "&field_tdr_date_value={year}&page&_format=csv"
)
FIRST_YEAR = 1990  # the first year of the Treasury's daily par-yield curve
USER_AGENT = "crossmargin (Treasury par-yield download; Python urllib)"

_YEARS = re.compile(r"^(\d{4})(?:\s*-\s*(\d{4}))?$")
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y")


@dataclass
class YearTable:
    """One yearly file: tenor labels by maturity (years) and the rows' cells by maturity."""

    year: int
    url: str
    labels: dict[float, str] = field(default_factory=dict)
    rows: list[tuple[date, dict[float, str]]] = field(default_factory=list)


def parse_years(text: str) -> list[int]:
    """``"2019-2021"`` -> ``[2019, 2020, 2021]``; ``"2020"`` -> ``[2020]``.

    Years run from 1990 to the current year; anything else raises ``ConfigError``.
    """
    last = date.today().year
    expected = f"expected YYYY or YYYY-YYYY with years from {FIRST_YEAR} to {last}"
    match = _YEARS.match(text.strip())
    if not match:
        raise ConfigError(f"years {text!r}: {expected}")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if not FIRST_YEAR <= start <= end <= last:
        order = " in increasing order" if start > end else ""
        raise ConfigError(f"years {text!r}: {expected}{order}")
    return list(range(start, end + 1))


def _fetch(year: int, url: str, timeout: float) -> str:
    """The body of ``url`` as text; network and HTTP failures become ``ConfigError``."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ConfigError(
            f"year {year}: cannot download {url}: HTTP {exc.code} {exc.reason} "
            "(is the year published? is the URL right?)"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(
            f"year {year}: cannot download {url}: {reason} (no internet access?)"
        ) from exc
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"year {year}: {url} is not UTF-8 text ({exc})") from exc


def _parse_date(cell: str, where: str) -> date:
    for fmt in _DATE_FORMATS:
        with contextlib.suppress(ValueError):
            return datetime.strptime(cell, fmt).date()
    raise ConfigError(f"{where}: cannot parse date {cell!r} (expected MM/DD/YYYY)")


def _header(header: list[str], year: int, url: str) -> tuple[int, dict[int, float]]:
    """(index of the Date column, {index: maturity} of the tenor columns)."""
    names = [name.strip() for name in header]
    lowered = [name.lower() for name in names]
    if "date" not in lowered:
        raise ConfigError(
            f"year {year}: {url}, line 1: no 'Date' column (expected the treasury.gov par-yield "
            f"layout); found columns {names}"
        )
    tenors = {i: maturity_years(name) for i, name in enumerate(names)}
    return lowered.index("date"), {i: m for i, m in tenors.items() if m is not None}


def parse_year(text: str, year: int, url: str) -> YearTable:
    """One yearly CSV (treasury.gov layout) as a ``YearTable``; bad content -> ``ConfigError``."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ConfigError(f"year {year}: {url} is empty (expected a CSV with a 'Date' column)")
    date_col, tenors = _header(header, year, url)
    table = YearTable(year, url, {m: header[i].strip() for i, m in tenors.items()})
    for line, row in enumerate(reader, start=2):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        where = f"year {year}: {url}, line {line}"
        if len(cells) > len(header):
            raise ConfigError(f"{where}: {len(cells)} cells (expected {len(header)})")
        cells += [""] * (len(header) - len(cells))
        day = _parse_date(cells[date_col], where)
        table.rows.append((day, {m: cells[i] for i, m in tenors.items()}))
    return table


def combine(tables: list[YearTable]) -> list[list[str]]:
    """Header and rows of the combined file: union of tenors in maturity order, newest first.

    A date in several tables keeps the row of the first table (then the first row) giving it.
    """
    labels: dict[float, str] = {}
    rows: dict[date, dict[float, str]] = {}
    for table in tables:
        for maturity, label in table.labels.items():
            labels.setdefault(maturity, label)
        for day, cells in table.rows:
            rows.setdefault(day, cells)
    order = sorted(labels)
    out = [["Date", *(labels[m] for m in order)]]
    for day in sorted(rows, reverse=True):
        out.append([f"{day:%m/%d/%Y}", *(rows[day].get(m, "") for m in order)])
    return out


def _write_checked(rows: list[list[str]], out: Path) -> None:
    """Write ``rows`` atomically to ``out`` after checking that the file parses as a history."""
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(rows)

    def parses(tmp: Path) -> None:
        try:
            read_history(tmp)
        except HistoryError as exc:
            raise ConfigError(f"{out}: the downloaded history does not parse: {exc}") from exc

    write_atomic(out, text.getvalue(), check=parses)


def download_history(
    years: list[int],
    out: Path,
    *,
    url_template: str = TREASURY_URL,
    timeout: float = 30.0,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Download the Treasury par-yield CSV of each year and write them as one CSV at ``out``.

    ``url_template`` has a ``{year}`` field; ``progress(year)`` is called before each download.
    Returns ``out``. Raises ``ConfigError`` naming the year and URL when a download fails or a
    file is not in the treasury.gov layout, and when the combined file does not parse with
    ``read_history``; then nothing is written at ``out``.
    """
    if not years:
        raise ConfigError("no year to download (expected e.g. 2019-2021)")
    tables = []
    for year in dict.fromkeys(years):
        if progress is not None:
            progress(year)
        url = url_template.format(year=year)
        tables.append(parse_year(_fetch(year, url, timeout), year, url))
    out = Path(out)
    _write_checked(combine(tables), out)
    return out
