"""Regression: each built-in study's ``summary.csv`` at reduced size equals the saved copy in
``tests/golden/<name>/summary.csv`` (keys and counts exactly, other numbers to a relative 1e-9),
with no history file and one BLAS thread (``tests/conftest.py``).

A changed golden file is a deliberate change: rewrite them with ``make golden`` and say why in
the commit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.spec import builtin_names

GOLDEN = Path(__file__).parent / "golden"
EXACT = ("scenario", "metric", "entity_type", "n", "diff_n")
RTOL, ATOL = 1e-9, 1e-9  # ATOL only for values that are zero up to float noise


def assert_same_summary(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected), "rows added or removed"
    for column in expected.columns:
        a, e = actual[column], expected[column]
        if column in EXACT or not pd.api.types.is_numeric_dtype(e):
            mismatch = ~((a.astype(str) == e.astype(str)) | (a.isna() & e.isna()))
        else:
            a, e = a.to_numpy(float), e.to_numpy(float)
            mismatch = ~np.isclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True)
        rows = expected.loc[np.asarray(mismatch), ["scenario", "metric", "entity_type"]]
        assert not mismatch.any(), f"{column} differs in rows:\n{rows.head(10)}"


@pytest.mark.parametrize("name", builtin_names())
def test_summary_matches_golden(name, builtin_output, request):
    summary = builtin_output(name) / "summary.csv"
    golden = GOLDEN / name / "summary.csv"
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(summary, golden)
        return
    assert golden.is_file(), f"no golden summary for {name}: run make golden"
    assert_same_summary(pd.read_csv(summary), pd.read_csv(golden))


# Studies added by issue 12 (xm_policy, basis_sensitivity) and issue 13 (member_default) had no
# summary when issue 11 started, so there is no pre-issue-11 golden for the legacy settings to
# reproduce: they are left out.
NEW_SINCE_ISSUE_11 = ("basis_sensitivity", "member_default", "xm_policy")
LEGACY_STUDIES = [name for name in builtin_names() if name not in NEW_SINCE_ISSUE_11]


@pytest.mark.parametrize("name", LEGACY_STUDIES)
def test_legacy_settings_reproduce_the_goldens_of_before_issue_11(name, builtin_output):
    """With the model settings of before issue 11 (``builtin_runs.LEGACY``) every row of the
    golden summary saved when issue 11 started (``golden/legacy``) is reproduced; the rows of
    metrics added since are left out of the comparison."""
    summary = pd.read_csv(builtin_output(name, legacy=True) / "summary.csv")
    golden = pd.read_csv(GOLDEN / "legacy" / name / "summary.csv")
    keys = ["scenario", "metric", "entity_type"]
    kept = golden[keys].merge(summary, on=keys, how="left")[list(golden.columns)]
    assert_same_summary(kept, golden)


def test_comparison_catches_a_changed_number_and_count():
    """The comparison itself can fail: a relative change of 1e-6 or a count off by one."""
    frame = pd.read_csv(GOLDEN / "baseline" / "summary.csv")
    assert_same_summary(frame.copy(), frame)
    nudged = frame.copy()
    nudged.loc[nudged["mean"].abs().idxmax(), "mean"] *= 1 + 1e-6
    with pytest.raises(AssertionError, match="mean differs"):
        assert_same_summary(nudged, frame)
    counted = frame.copy()
    counted.loc[0, "n"] += 1
    with pytest.raises(AssertionError, match="n differs"):
        assert_same_summary(counted, frame)
