"""The registries that say what things mean: every metric a run emits is declared with a unit,
scope and valid range (``sim.metrics.registry``); every model parameter has a source or is an
assumption (``sim.config.assumptions``)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from experiments.spec import builtin_names, load
from sim.config import default_config_dict
from sim.config.assumptions import (
    ASSUMPTION,
    ASSUMPTIONS,
    UNDECLARED,
    assumptions_table,
    entry_for,
    leaves,
    uncovered,
)
from sim.metrics.checking import check_metrics, describe, metric_problems
from sim.metrics.registry import METRICS

RUN_LEVEL = pd.NaT


def _frame(*rows: tuple[object, str, str, float]) -> pd.DataFrame:
    """A long metrics table from (date, entity_type, metric, value) rows."""
    frame = pd.DataFrame(
        [
            {"date": d, "entity": "all", "entity_type": t, "metric": m, "value": v}
            for d, t, m, v in rows
        ]
    )
    return frame.assign(date=pd.to_datetime(frame["date"]))


@pytest.mark.parametrize("name", builtin_names())
def test_every_metric_a_builtin_study_emits_is_declared_and_valid(name, builtin_output):
    metrics = pd.read_parquet(builtin_output(name) / "metrics.parquet")
    assert len(metrics) > 0
    assert metric_problems(metrics) == []


def test_every_declaration_is_complete():
    for name, metric in METRICS.items():
        assert metric.name == name and metric.unit and metric.meaning
        assert metric.low <= metric.high


def test_describe_names_unit_and_says_where_to_declare():
    assert describe("latency_p95_min").unit == "minutes"
    assert describe("hhi_users_cash_end").high == 10_000.0  # HHI: one firm with 100% = 100^2
    with pytest.raises(KeyError, match=r"latency_p50_min.*declare it there"):
        describe("latency_p99_min")


def test_check_metrics_accepts_a_valid_table_and_allowed_nan():
    frame = _frame(
        (RUN_LEVEL, "all", "xm_mean_reduction", 0.8),  # the 80% cap: the largest reduction
        (RUN_LEVEL, "all", "hhi_margin", math.nan),  # undefined with no margin to share
        ("2026-05-01", "all", "xm_savings_usd", 0.0),  # a dated row of a per-day metric
        (RUN_LEVEL, "all", "xm_savings_usd", 0.0),
    )
    assert check_metrics(frame) is frame


def test_check_metrics_rejects_an_undeclared_name():
    with pytest.raises(ValueError, match=r"undeclared metrics \['made_up_usd'\]"):
        check_metrics(_frame((RUN_LEVEL, "all", "made_up_usd", 1.0)))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        # a reduction is a fraction: at most 1 (the cap is at most 1)
        ((RUN_LEVEL, "all", "xm_mean_reduction", 1.5), r"xm_mean_reduction .*out of range: 1\.5"),
        # an HHI is at most 10,000 (one firm with all: 100% squared)
        ((RUN_LEVEL, "all", "hhi_end_users_cash", 10_001.0), "hhi_end_users_cash .*out of range"),
        # a count is never negative
        ((RUN_LEVEL, "ccp", "calls", -1.0), "calls .*out of range"),
        # initial margin is always defined when emitted
        ((RUN_LEVEL, "all", "end_user_im_usd", math.nan), "end_user_im_usd .*never undefined"),
        # call counts are run-level only
        (("2026-05-01", "ccp", "calls", 3.0), "calls .*run-level only"),
    ],
)
def test_check_metrics_rejects_bad_values_and_scopes(row, message):
    with pytest.raises(ValueError, match=message):
        check_metrics(_frame(row))


# --- assumptions -------------------------------------------------------------------------------


def test_every_default_parameter_has_exactly_one_most_specific_entry():
    paths = list(leaves(default_config_dict()))
    assert uncovered(default_config_dict()) == []
    for path in paths:
        ranks = sorted((a.specificity for a in ASSUMPTIONS if a.covers(path)), reverse=True)
        assert len(ranks) == 1 or ranks[0] > ranks[1], path


def test_no_dead_entries():
    """Every entry is the one that applies to at least one parameter of the defaults."""
    used = {entry_for(path).pattern for path in leaves(default_config_dict())}
    assert [a.pattern for a in ASSUMPTIONS if a.pattern not in used] == []


@pytest.mark.parametrize("name", builtin_names())
def test_every_parameter_of_a_builtin_study_is_covered(name):
    resolved = load(name)
    configs = [resolved.base, *(c.model_dump(mode="json") for c in resolved.configs.values())]
    assert [uncovered(c) for c in configs] == [[]] * len(configs)


def test_sources_are_read_where_published_and_assumptions_say_so():
    rows = {r.parameter: r for r in assumptions_table(default_config_dict())}
    # published: CME 2-day close-out, FICC 3-day horizon, Fedwire Funds third-party cutoff 18:45
    assert rows["cme.mpor_days"].value == 2 and "SPAN 2" in rows["cme.mpor_days"].source
    assert rows["ficc.mpor_days"].value == 3 and "FICC" in rows["ficc.mpor_days"].source
    assert rows["operations.funds_third_party_cutoff"].value == "18:45"
    assert "Fedwire" in rows["operations.funds_third_party_cutoff"].source
    assert rows["adoption.live_date"].value == "2026-04-30"  # DESIGN.md section 2 timeline
    custodian = rows["operations.custodians.bny_like.cash_median_minutes"]
    assert custodian.source == ASSUMPTION  # custodian times are not public
    assert not any(r.set_in_spec for r in rows.values())


def test_table_reads_values_from_the_config_and_flags_what_it_cannot_place():
    config = default_config_dict()  # the values set below are inputs read back, not facts
    config["cme"]["mpor_days"] = 3
    config["population"]["types"]["pension_fund"] = {"credit_spread_bp": 80.0}
    config["firms"]["house_multiplier_by_type"] = {"hedge_fund": 1.2}
    rows = {r.parameter: r for r in assumptions_table(config)}
    mpor = rows["cme.mpor_days"]
    assert (mpor.value, mpor.default, mpor.set_in_spec) == (3, 2, True)
    assert rows["population.types.pension_fund.credit_spread_bp"].source == ASSUMPTION
    assert rows["firms.house_multiplier_by_type.hedge_fund"].value == 1.2
    config["cme"]["colour"] = "blue"
    with pytest.raises(ValueError, match=r"\['cme.colour'\]"):
        assumptions_table(config)
    flagged = {r.parameter: r.source for r in assumptions_table(config, strict=False)}
    assert flagged["cme.colour"] == UNDECLARED
