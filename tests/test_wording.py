"""The report's words: money and shares formatted for readers, headline sentences from a
hand-made summary, the glossary covering every metric of a real summary, and the
few-replications warning."""

from pathlib import Path

import pandas as pd
import pytest

from experiments.analysis import SUMMARY_COLUMNS
from experiments.report.glossary import glossary_rows
from experiments.report.page import few_replications_warning
from experiments.report.wording import format_amount, format_money, headline_sentences

GOLDEN = Path(__file__).parent / "golden"
REF, XM = "standalone", "cross_margin"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (950.0, "$950"),
        (4_700.0, "$4.7k"),
        (4_700_000.0, "$4.7m"),
        (-2_400_000.0, "-$2.4m"),
        (654_000_000.0, "$654m"),
        (1_260_000_000.0, "$1.3bn"),
    ],
)
def test_money_in_k_m_bn(value: float, text: str) -> None:
    assert format_money(value) == text


def test_amounts_by_unit() -> None:
    assert format_amount(0.265, "fraction") == "26.5%"
    assert format_amount(1234.0, "count") == "1,234"
    assert format_amount(49.5, "count") == "49.5"
    assert format_amount(35.0, "minutes") == "35 minutes"


def _pair(metric: str, entity_type: str, ref_mean: float, mean: float, ci: tuple) -> list[dict]:
    diff = mean - ref_mean
    return [
        {"scenario": REF, "metric": metric, "entity_type": entity_type, "mean": ref_mean, "n": 5},
        {"scenario": XM, "metric": metric, "entity_type": entity_type, "mean": mean, "n": 5,
         "diff_mean": diff, "diff_ci_low": ci[0], "diff_ci_high": ci[1], "diff_n": 5},
    ]  # fmt: skip


def _summary() -> pd.DataFrame:
    rows = _pair("end_user_im_usd", "hedge_fund", 20e6, 15e6, (-7.1e6, -2.4e6))
    rows += _pair("xm_savings_usd", "all", 0.0, 654e6, (600e6, 700e6))
    rows += _pair("calls_late_share", "ccp", 0.02, 0.032, (-0.005, 0.029))
    rows += _pair("calls", "customer", 50.0, 50.0, (0.0, 0.0))
    return pd.DataFrame(rows).reindex(columns=list(SUMMARY_COLUMNS))


def test_headline_sentences_from_a_hand_made_summary() -> None:
    metrics = ["end_user_im_usd", "xm_savings_usd", "calls_late_share", "calls"]
    sentences = headline_sentences(_summary(), REF, metrics)
    # per hedge fund: 15m - 20m = -5m, 5 / 20 = 25.0% of the reference; the interval of the
    # reduction is the difference's interval negated: [2.4m, 7.1m]
    assert sentences[0] == (
        "cross_margin lowered an end user's initial margin at both CCPs by $5.0m per hedge fund"
        " (95% CI $2.4m to $7.1m), 25.0% of its standalone level of $20.0m, against standalone."
    )
    # a total with a zero reference level: no percentage
    assert sentences[1] == (
        "cross_margin raised the end users' standalone minus actual initial margin by $654m in"
        " total (95% CI $600m to $700m), against standalone."
    )
    # a share: 0.032 - 0.02 = 1.2 percentage points; the interval straddles 0
    assert sentences[2] == (
        "cross_margin raised the share of calls paid after their deadline by 1.2 percentage"
        " points for ccp (95% CI -0.5 to 2.9 percentage points, which includes no change), from"
        " 2.0% to 3.2%, against standalone."
    )
    assert sentences[3] == (
        "cross_margin left the margin calls issued in total for customer unchanged, against"
        " standalone."
    )


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.iterdir() if p.name != "legacy"))
def test_glossary_covers_every_metric_of_a_summary(name: str) -> None:
    summary = pd.read_csv(GOLDEN / name / "summary.csv", keep_default_na=False)
    rows = glossary_rows(summary)
    assert [r[0] for r in rows] == sorted(set(summary["metric"]))
    units = dict(zip(summary["metric"], summary["unit"], strict=True))
    assert all(unit == units[metric] for metric, unit, *_ in rows)


def test_glossary_says_per_user_or_total() -> None:
    rows = {r[0]: r for r in glossary_rows(_summary())}
    assert rows["end_user_im_usd"][3].startswith("per user")
    assert rows["xm_savings_usd"][3].startswith("total")
    assert rows["calls_late_share"][3].startswith("statistic")
    assert rows["end_user_im_usd"][2] == "per run"
    assert rows["calls"][4] == "customer"  # the breakdowns present


def test_warning_below_five_replications() -> None:
    summary = _summary()
    assert few_replications_warning(summary) == ""  # n = 5 everywhere
    summary.loc[0, "n"] = 2
    assert "as few as 2 replication(s), fewer than 5" in few_replications_warning(summary)
