"""Tests of sim.market.history: both layouts, the missing-tenor rule, HistoryError, and the real
file.

The CSVs here are written by the tests with made-up round numbers; the real treasury.gov file is
only read from ../shared/data (or CROSSMARGIN_HISTORY) and the tests using it skip without it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HISTORY_NAME

from sim.errors import ConfigError
from sim.market.history import (
    KEY_TENORS,
    HistoryError,
    daily_changes_bp,
    maturity_years,
    read_history,
    read_history_with_mask,
)

TREASURY_HEADER = (
    'Date,"1 Mo","3 Mo","6 Mo","1 Yr","2 Yr","3 Yr","5 Yr","7 Yr","10 Yr","20 Yr","30 Yr"'
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def treasury_csv(tmp_path: Path) -> Path:
    """Newest first like treasury.gov; made-up yields; blanks where the rule must fill."""
    rows = [
        "01/06/2020,1.00,,2.00,2.10,2.20,3.00,,4.00,,5.00,",  # 3M, 5Y, 10Y, 30Y blank
        "01/03/2020,1.00,1.50,2.00,2.10,2.40,3.00,3.60,4.00,4.50,5.00,5.50",
        "01/02/2020,,1.25,2.00,2.10,2.30,3.00,3.50,4.00,4.40,5.00,5.40",
    ]
    return write(tmp_path, "treasury.csv", "\n".join([TREASURY_HEADER, *rows]))


def test_maturity_labels() -> None:
    assert maturity_years("3 Mo") == pytest.approx(0.25)
    assert maturity_years("1.5 Month") == pytest.approx(0.125)
    assert maturity_years("10 Yr") == 10.0
    assert maturity_years("DGS3MO") == pytest.approx(0.25)
    assert maturity_years("DGS30") == 30.0
    assert maturity_years("Date") is None


def test_treasury_layout_sorted_float_key_tenors(treasury_csv: Path) -> None:
    levels = read_history(treasury_csv)
    assert list(levels.columns) == list(KEY_TENORS)
    assert isinstance(levels.index, pd.DatetimeIndex)
    assert levels.index.is_monotonic_increasing and levels.index.is_unique
    assert all(dtype == np.float64 for dtype in levels.dtypes)
    assert levels.loc["2020-01-02"].tolist() == [1.25, 2.30, 3.50, 4.40, 5.40]
    assert levels.loc["2020-01-03"].tolist() == [1.50, 2.40, 3.60, 4.50, 5.50]


def test_missing_tenor_rule_by_hand(treasury_csv: Path) -> None:
    """Hand calculation for the 01/06/2020 row (maturities in years).

    3M  between 1 Mo (1/12, 1.00) and 6 Mo (1/2, 2.00): 1.00 + 1.00 * (1/4 - 1/12) / (1/2 - 1/12)
        = 1.00 + (1/6) / (5/12) = 1.40
    5Y  between 3 Yr (3.00) and 7 Yr (4.00): 3.00 + 1.00 * 2/4 = 3.50
    10Y between 7 Yr (4.00) and 20 Yr (5.00): 4.00 + 1.00 * 3/13 = 4.230769...
    30Y nothing above; 20 Yr is within a factor 2 (30/20 = 1.5): flat, 5.00
    """
    levels, filled = read_history_with_mask(treasury_csv)
    row = levels.loc["2020-01-06"]
    np.testing.assert_allclose(row.to_numpy(), [1.40, 2.20, 3.50, 4.0 + 3.0 / 13.0, 5.00])
    assert filled.loc["2020-01-06"].tolist() == [True, False, True, True, True]
    assert not filled.loc["2020-01-02":"2020-01-03"].to_numpy().any()


def test_flat_extrapolation_only_within_factor_two(tmp_path: Path) -> None:
    """3M from 6 Mo alone (0.5/0.25 = 2, allowed); never from 2 Yr (2/0.25 = 8)."""
    header = 'Date,"6 Mo","2 Yr","10 Yr"'
    path = write(tmp_path, "t.csv", f"{header}\n01/03/2020,2.00,2.50,3.00\n01/02/2020,,2.40,3.10")
    levels = read_history(path)
    assert levels.loc["2020-01-03", "3M"] == 2.00
    assert np.isnan(levels.loc["2020-01-02", "3M"])
    assert np.isnan(levels["30Y"]).all()  # 30/10 = 3 > 2: not extrapolated from 10Y


def test_fred_layout_outer_join(tmp_path: Path) -> None:
    """Two FRED files (new and old date headers), '.' for holidays, different dates.

    5Y is interpolated between 2Y and 10Y: 2Y + (10Y - 2Y) * 3/8; 3M and 30Y stay NaN.
    """
    ten = write(
        tmp_path,
        "DGS10.csv",
        "observation_date,DGS10\n2020-01-01,.\n2020-01-02,4.00\n2020-01-03,4.80\n2020-01-06,4.40",
    )
    two = write(tmp_path, "DGS2.csv", "DATE,DGS2\n2020-01-01,.\n2020-01-02,2.00\n2020-01-03,")
    levels = read_history([ten, two])
    assert list(levels.index.strftime("%Y-%m-%d")) == ["2020-01-02", "2020-01-03", "2020-01-06"]
    assert levels.loc["2020-01-02", "5Y"] == pytest.approx(2.00 + 2.00 * 3 / 8)
    assert np.isnan(levels.loc["2020-01-03", "2Y"]) and levels.loc["2020-01-03", "10Y"] == 4.80
    assert levels[["3M", "30Y"]].isna().all().all()


def test_daily_changes_bp_and_filled_mask(treasury_csv: Path) -> None:
    """Changes are x100; published<->filled changes are NaN (3M, 5Y, 10Y, 30Y on 01/06)."""
    levels, filled = read_history_with_mask(treasury_csv)
    changes = daily_changes_bp(levels)
    assert list(changes.index.strftime("%m-%d")) == ["01-03", "01-06"]
    np.testing.assert_allclose(changes.loc["2020-01-03"], [25.0, 10.0, 10.0, 10.0, 10.0])
    masked = daily_changes_bp(levels, filled)
    assert masked.loc["2020-01-06"].isna().tolist() == [True, False, True, True, True]
    assert masked.loc["2020-01-06", "2Y"] == pytest.approx(-20.0)


def test_changes_drop_all_nan_rows() -> None:
    index = pd.DatetimeIndex(["2020-01-02", "2020-01-03", "2020-01-06"], name="date")
    levels = pd.DataFrame([[1.0] * 5, [np.nan] * 5, [1.5] * 5], index=index, columns=KEY_TENORS)
    assert daily_changes_bp(levels).empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Day,DGS10\n2020-01-02,1.0\n2020-01-03,1.1", "no date column"),
        ("DATE,DGS10\n2020-01-02,1.0\n2020-13-45,1.1", "line 3, column 'DATE': cannot parse date"),
        ("DATE,DGS10\n2020-01-02,1.0\n2020-01-03,abc", "line 3, column 'DGS10': cannot parse"),
        ("DATE,Price\n2020-01-02,1.0\n2020-01-03,1.1", "no key-tenor column"),
        ('Date,"1 Mo"\n01/02/2020,1.0\n01/03/2020,1.1', "no key-tenor column"),
        ("DATE,DGS10\n2020-01-02,1.0", "1 dated row(s)"),
        ("DATE,DGS10\n2020-01-02,1.0\n2020-01-03,.", "1 dated row(s)"),
        ("DATE,DGS10\n2020-01-02,1.0\n2020-01-02,1.1", "line 3: date 2020-01-02 appears twice"),
        ("", "not a readable CSV"),
    ],
)
def test_history_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(HistoryError, match=r"bad\.csv") as info:
        read_history(path)
    assert expected in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="not found"):
        read_history(tmp_path / "absent.csv")
    assert issubclass(HistoryError, ValueError) and issubclass(HistoryError, ConfigError)


def test_shared_file_rows_and_fill_rule(shared_history: Path) -> None:
    """8007 data rows, none blank on every key tenor; 30Y is 20Y while 30Y was not published."""
    if shared_history.name != HISTORY_NAME:
        pytest.skip("row counts are for the treasury.gov 1990-2021 file")
    levels, filled = read_history_with_mask(shared_history)
    assert len(levels) == 8007
    assert levels.index[0] == pd.Timestamp("1990-01-02")
    assert levels.index[-1] == pd.Timestamp("2021-12-31")
    assert levels.index.is_monotonic_increasing and levels.index.is_unique
    assert not levels.isna().any().any()
    assert filled.sum().to_dict() == {"3M": 21, "2Y": 0, "5Y": 0, "10Y": 0, "30Y": 994}
    raw = pd.read_csv(shared_history)
    raw.index = pd.to_datetime(raw["Date"], format="%m/%d/%Y")
    gap = raw["30 Yr"].isna()
    np.testing.assert_array_equal(levels.loc[raw.index[gap], "30Y"], raw.loc[gap, "20 Yr"])
    assert raw.index[gap].min().year == 2002 and raw.index[gap].max().year == 2006
