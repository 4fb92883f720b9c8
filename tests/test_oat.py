"""One-at-a-time sensitivity studies (``experiments.oat``): the pattern, the spec check, the
tornado table on a hand-made summary, the reduced built-ins and the report's tornado figure."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from builtin_runs import shrink

from experiments.oat import oat_parameters, oat_values, parse_oat, tornado_table
from experiments.report.tornado import sensitivity_figure
from experiments.spec import SpecError, read_spec, resolve

COLUMNS = ["scenario", "metric", "entity_type", "mean", "diff_mean"]


def _summary() -> pd.DataFrame:
    """Reference savings 100 (all) and 7 (hedge_fund); a: low 90 (paired diff -10), high 130
    (+30); b: low 95 (-5), high 102 (+2); c: low 120 with no paired diff (NaN: the difference of
    means, 120 - 100 = +20), high 110 (+10)."""
    rows = [
        ("ref", "xm_savings_usd", "all", 100.0, math.nan),
        ("ref", "xm_savings_usd", "hedge_fund", 7.0, math.nan),
        ("x.a=low", "xm_savings_usd", "all", 90.0, -10.0),
        ("x.a=high", "xm_savings_usd", "all", 130.0, 30.0),
        ("x.b=low", "xm_savings_usd", "all", 95.0, -5.0),
        ("x.b=high", "xm_savings_usd", "all", 102.0, 2.0),
        ("x.c=low", "xm_savings_usd", "all", 120.0, math.nan),
        ("x.c=high", "xm_savings_usd", "all", 110.0, 10.0),
        ("x.c=high", "end_user_im_usd", "all", 1.0, 1.0),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_tornado_table_by_hand():
    """Swing = max(low, high, 0) - min(low, high, 0): a 30 - (-10) = 40, c 20 - 0 = 20 (both
    above the reference), b 2 - (-5) = 7; sorted a, c, b. The values come from the overrides."""
    values = {"x.a": (1, 4), "x.b": (0.5, 2.0)}
    table = tornado_table(_summary(), "ref", "xm_savings_usd", values)
    assert list(table["parameter"]) == ["x.a", "x.c", "x.b"]
    assert list(table["low"]) == [-10.0, 20.0, -5.0]
    assert list(table["high"]) == [30.0, 10.0, 2.0]
    assert list(table["swing"]) == [40.0, 20.0, 7.0]
    assert table.loc[0, "low_value"] == 1 and table.loc[2, "high_value"] == 2.0
    assert pd.isna(table.loc[1, "low_value"])


def test_pattern_needs_the_reference_and_both_sides():
    """Reference plus both sides per path; a missing side, a stray scenario or a missing
    reference break the pattern."""
    assert oat_parameters(["r", "a.b=low", "a.b=high"], "r") == ["a.b"]
    assert oat_parameters(["r", "a.b=low"], "r") == []
    assert oat_parameters(["r", "a.b=low", "a.b=high", "other"], "r") == []
    assert oat_parameters(["a.b=low", "a.b=high"], "r") == []
    assert parse_oat("market.basis.kappa=high") == ("market.basis.kappa", "high")
    assert parse_oat("calm[xm.cap=0.8]") is None
    assert tornado_table(_summary(), "missing", "xm_savings_usd").empty


def test_a_scenario_named_for_a_path_must_set_it():
    """``<path>=low`` that does not set the path is a spec error naming the scenario."""
    raw = {
        "name": "s",
        "reference": "ref",
        "scenarios": {"ref": {}, "xm.cap=low": {"xm": {"rule": "none"}}, "xm.cap=high": None},
    }
    with pytest.raises(SpecError) as err:
        resolve(raw)
    paths = [path for path, _ in err.value.errors]
    assert paths == ["scenarios.xm.cap=low", "scenarios.xm.cap=high"]
    assert "must set xm.cap" in err.value.errors[0][1]


def test_basis_sensitivity_is_one_at_a_time_and_shrinks_to_one_parameter():
    """Each labelled parameter at a low and a high value (half and double or a documented
    range, so low < default < high); reduced: the reference and the first parameter."""
    raw, _ = read_spec("basis_sensitivity")
    paths = oat_parameters(list(raw["scenarios"]), raw["reference"])
    assert len(paths) == 6 and all(p.startswith(("market.basis.", "market.impact.")) for p in paths)
    defaults = resolve(raw).configs[raw["reference"]].model_dump()
    for path, (low, high) in oat_values(raw["scenarios"]).items():
        default = defaults
        for key in path.split("."):
            default = default[key]
        assert low < default < high, path
    reduced = shrink(raw)["scenarios"]
    assert list(reduced) == ["reference", f"{paths[0]}=low", f"{paths[0]}=high"]


def test_xm_policy_grid_and_its_reduction():
    """3 caps x 2 rules x 2 markets = 12 scenarios, the reference calm under today's rule;
    reduced: both rules at the first cap in both markets (4; the YAML the reduced run reads
    sorts the sweep's paths, so the names list the cap first)."""
    raw, _ = read_spec("xm_policy")
    full = resolve(raw)
    assert len(full.configs) == 12
    assert full.spec.reference == "calm[xm.rule=min_cap,xm.cap=0.8]"
    reduced = resolve(yaml.safe_load(yaml.safe_dump(shrink(raw))))
    assert sorted(reduced.configs) == sorted(
        f"{m}[xm.cap=0.8,xm.rule={r}]"
        for m in ("calm", "march2020")
        for r in ("min_cap", "joint_split")
    )


def test_only_a_one_at_a_time_study_gets_a_tornado(builtin_output):
    """The reduced basis_sensitivity's report draws ``figures/tornado.png``; xm_policy's not."""
    sensitivity = builtin_output("basis_sensitivity")
    assert (sensitivity / "figures" / "tornado.png").is_file()
    assert "Sensitivity to assumptions" in (sensitivity / "report.html").read_text()
    policy = builtin_output("xm_policy")
    assert not (policy / "figures" / "tornado.png").exists()
    summary = pd.read_csv(policy / "summary.csv")
    spec_yaml = (policy / "spec.yaml").read_text()
    reference = yaml.safe_load(spec_yaml)["reference"]
    assert sensitivity_figure(summary, spec_yaml, reference, "xm_savings_usd") is None


def test_tornado_figure_of_a_hand_made_summary():
    """Bars in swing order (a, c, b: see ``test_tornado_table_by_hand``) labelled with the
    values the spec's overrides set; a summary without the pattern draws nothing."""
    spec_yaml = yaml.safe_dump(
        {"scenarios": {"ref": {}, "x.a=low": {"x": {"a": 1}}, "x.a=high": {"x": {"a": 4}}}}
    )
    fig, caption = sensitivity_figure(_summary(), spec_yaml, "ref", "xm_savings_usd")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["x.a (1 / 4)", "x.c", "x.b"]
    assert caption.startswith("Tornado: xm_savings_usd (all)")
    assert sensitivity_figure(_summary(), spec_yaml, "other", "xm_savings_usd") is None
    assert sensitivity_figure(_summary(), spec_yaml, "ref", None) is None
