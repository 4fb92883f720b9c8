"""summarise and headline on a small hand-made metrics table with hand-computed intervals."""

import math

import pandas as pd
import pytest
from scipy import stats

from experiments.analysis import FEW_NOTE, SUMMARY_COLUMNS, headline, summarise
from sim.errors import ConfigError

REF = "separate"
T2 = float(stats.t.ppf(0.975, 2))  # two-sided 95% t critical value, df 2; table: 4.303
T1 = float(stats.t.ppf(0.975, 1))  # df 1; table: 12.706


def test_t_critical_values_match_the_published_table() -> None:
    assert pytest.approx(4.303, abs=5e-4) == T2
    assert pytest.approx(12.706, abs=5e-4) == T1


def _row(scenario, replication, metric, value, entity_type="hedge_fund", date=None, entity=""):
    return {
        "run_id": f"{scenario}-{replication}",
        "scenario": scenario,
        "replication": replication,
        "seed": 1000 + replication,
        "date": date,
        "entity": entity,
        "entity_type": entity_type,
        "metric": metric,
        "value": float(value),
    }


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return frame.assign(date=pd.to_datetime(frame["date"]))


def _metrics() -> pd.DataFrame:
    im = "end_user_im_usd"
    rows = [_row(REF, r, im, v) for r, v in enumerate([10, 12, 14])]
    rows += [_row("xm", r, im, v) for r, v in enumerate([7, 8, 12])]
    # Daily rows must be ignored.
    rows += [
        _row(s, r, im, 1e9, date="2020-03-02", entity="hf1") for s in (REF, "xm") for r in (0, 1)
    ]
    # Reference lacks replication 2 of this metric: only replications 0 and 1 pair.
    rows += [_row(REF, r, "peak_liquidity_usd", v) for r, v in enumerate([1, 2])]
    rows += [_row("xm", r, "peak_liquidity_usd", v) for r, v in enumerate([2, 4, 100])]
    # A metric only the xm scenario has: nothing pairs.
    rows += [_row("xm", r, "xm_adoption_share", 0.5) for r in range(3)]
    return _frame(rows)


def _one(summary: pd.DataFrame, scenario: str, metric: str) -> pd.Series:
    hit = summary.loc[(summary["scenario"] == scenario) & (summary["metric"] == metric)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_summary_columns_and_order() -> None:
    summary = summarise(_metrics(), REF)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert list(summary.columns[:4]) == ["scenario", "metric", "unit", "entity_type"]
    keys = list(zip(summary["scenario"], summary["metric"], strict=True))
    assert keys == [
        (REF, "end_user_im_usd"),
        (REF, "peak_liquidity_usd"),
        ("xm", "end_user_im_usd"),
        ("xm", "peak_liquidity_usd"),
        ("xm", "xm_adoption_share"),
    ]


def test_levels_by_hand() -> None:
    summary = summarise(_metrics(), REF)
    # end_user_im_usd is USD in [0, inf): a log-scale interval, mean * exp(-+ half / mean).
    # separate: [10, 12, 14], mean 12, sd 2, half-width 4.303 * 2 / sqrt(3) = 4.96868,
    # 4.96868 / 12 = 0.41406, exp 1.51298: [12 / 1.51298, 12 * 1.51298] = [7.9314, 18.1558].
    ref = _one(summary, REF, "end_user_im_usd")
    assert (ref["mean"], ref["n"], ref["unit"]) == (pytest.approx(12.0), 3, "USD")
    assert ref["ci_high"] == pytest.approx(18.1558, abs=2e-3)
    assert ref["ci_low"] == pytest.approx(7.9314, abs=2e-3)
    assert ref["ci_method"] == "log t"
    # xm: [7, 8, 12], mean 9, variance (4 + 1 + 9) / 2 = 7, half-width 4.303 * sqrt(7 / 3)
    # = 6.5727; 6.5727 / 9 = 0.73030, exp 2.07572; 9 / 2.07572 = 4.3358.
    xm = _one(summary, "xm", "end_user_im_usd")
    assert xm["mean"] == pytest.approx(9.0)
    assert xm["ci_low"] == pytest.approx(4.3358, abs=2e-3)


def test_paired_difference_by_hand() -> None:
    summary = summarise(_metrics(), REF)
    # Pairs by replication: 7-10, 8-12, 12-14 = [-3, -4, -2]; mean -3, sd 1,
    # half-width 4.303 * 1 / sqrt(3) = 2.48434 -> [-5.48434, -0.51566].
    xm = _one(summary, "xm", "end_user_im_usd")
    half = T2 / math.sqrt(3)
    assert xm["diff_mean"] == pytest.approx(-3.0)
    assert xm["diff_ci_low"] == pytest.approx(-3.0 - half)
    assert xm["diff_ci_high"] == pytest.approx(-3.0 + half)
    assert xm["diff_n"] == 3
    assert half == pytest.approx(2.48434, abs=5e-4)  # 4.303 / sqrt(3), table rounding


def test_paired_difference_uses_only_replications_in_both() -> None:
    summary = summarise(_metrics(), REF)
    # Replications 0 and 1 pair: 2-1, 4-2 = [1, 2]; mean 1.5, sd sqrt(0.5),
    # half-width 12.706 * sqrt(0.5) / sqrt(2) = 6.353. Replication 2 (100) is unpaired.
    row = _one(summary, "xm", "peak_liquidity_usd")
    assert row["n"] == 3
    assert row["diff_n"] == 2
    assert row["diff_mean"] == pytest.approx(1.5)
    assert row["diff_ci_high"] == pytest.approx(1.5 + T1 * 0.5)


def test_reference_and_unpaired_rows_have_no_difference() -> None:
    summary = summarise(_metrics(), REF)
    for scenario, metric in [(REF, "end_user_im_usd"), ("xm", "xm_adoption_share")]:
        row = _one(summary, scenario, metric)
        assert pd.isna(row["diff_mean"]) and pd.isna(row["diff_ci_low"])
        assert pd.isna(row["diff_ci_high"]) and pd.isna(row["diff_n"])


def test_pairing_respects_entity_type_and_averages_entities() -> None:
    rows = [_row(REF, r, "m", 10, entity_type="bank") for r in range(2)]
    rows += [_row("xm", r, "m", 1, entity_type="fund") for r in range(2)]
    # Two run-level rows in one cell (two entities) are averaged: (4 + 6) / 2 = 5.
    rows += [_row(REF, 0, "m", v, entity_type="fund", entity=e) for v, e in [(4, "a"), (6, "b")]]
    summary = summarise(_frame(rows), REF)
    fund = summary.loc[(summary["scenario"] == "xm") & (summary["entity_type"] == "fund")]
    assert fund["diff_mean"].item() == pytest.approx(1 - 5)
    assert fund["diff_n"].item() == 1
    ref_fund = summary.loc[(summary["scenario"] == REF) & (summary["entity_type"] == "fund")]
    assert ref_fund["mean"].item() == pytest.approx(5.0)


def test_unknown_reference_is_bad_input() -> None:
    with pytest.raises(ConfigError, match="nope"):
        summarise(_metrics(), "nope")


def test_empty_metrics_give_empty_summary() -> None:
    summary = summarise(_metrics().iloc[0:0], REF)
    assert summary.empty
    assert list(summary.columns) == list(SUMMARY_COLUMNS)


def test_headline_picks_paired_rows_in_metric_order() -> None:
    summary = summarise(_metrics(), REF)
    top = headline(summary, ["peak_liquidity_usd", "end_user_im_usd", "xm_adoption_share"])
    assert list(top["metric"]) == ["peak_liquidity_usd", "end_user_im_usd"]
    assert set(top["scenario"]) == {"xm"}
    assert {"diff_mean", "diff_ci_low", "diff_ci_high", "diff_n"} <= set(top.columns)


def test_units_and_few_replications_note() -> None:
    summary = summarise(_metrics(), REF)
    # registry units; a metric the registry does not declare has an empty unit
    assert _one(summary, REF, "end_user_im_usd")["unit"] == "USD"
    assert _one(summary, "xm", "xm_adoption_share")["unit"] == ""
    # every row has 3 replications, fewer than 5
    assert set(summary["note"]) == {FEW_NOTE}
    rows = [_row(s, r, "calls_late_share", 0.1 * (r + 1)) for s in (REF, "xm") for r in range(5)]
    assert set(summarise(_frame(rows), REF)["note"]) == {""}


def test_differences_keep_a_plain_t_interval_and_bootstrap_needs_a_seed() -> None:
    # calls_late_share over 10 replications: 0.00 .. 0.09 in both; differences all 0
    rows = [_row(s, r, "calls_late_share", 0.01 * r) for s in (REF, "xm") for r in range(10)]
    seeded = summarise(_frame(rows), REF, seed=7)
    assert set(seeded["ci_method"]) == {"bootstrap"}
    assert seeded.equals(summarise(_frame(rows), REF, seed=7))  # reruns are identical
    assert set(summarise(_frame(rows), REF)["ci_method"]) == {"logit t"}
    xm = _one(seeded, "xm", "calls_late_share")
    assert (xm["diff_mean"], xm["diff_ci_low"], xm["diff_ci_high"]) == (0.0, 0.0, 0.0)
