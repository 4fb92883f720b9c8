"""The report's Market theme: the basis path per futures family, its spread to the reference
scenario paired by replication (common random numbers), and deleveraging bars."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from experiments.report.page import draw_themes
from experiments.report.spread import paired_spread, spread_figure
from experiments.report.themes import BASIS_SPREAD, FIGURE_NAMES

DAYS = pd.to_datetime(["2026-05-01", "2026-05-04"])
MARKET_FIGURES = ["basis_path", "basis_spread", "deleveraging"]


def _row(scenario: str, replication: int, date, family: str, metric: str, value: float) -> dict:
    return {
        "run_id": f"{scenario}/{replication}",
        "scenario": scenario,
        "replication": replication,
        "seed": 7 + replication,
        "date": date,
        "entity": "all",
        "entity_type": family,
        "metric": metric,
        "value": value,
    }


# basis_bp by (scenario, replication) for days 0 and 1, family 2Y; 5Y is 2Y plus 1 bp
BASIS = {
    ("standalone", 0): (0.0, -4.0),
    ("standalone", 1): (0.0, -6.0),
    ("cross_margin", 0): (0.0, -1.0),
    ("cross_margin", 1): (0.5, -2.0),
    ("stress", 0): (0.0, -9.0),  # no replication 1: its day values have no partner to miss
}


def _metrics(scenarios: tuple[str, ...] = ("standalone", "cross_margin", "stress")) -> pd.DataFrame:
    rows = []
    for (scenario, rep), values in BASIS.items():
        if scenario not in scenarios:
            continue
        for date, value in zip(DAYS, values, strict=True):
            rows.append(_row(scenario, rep, date, "2Y", "basis_bp", value))
            rows.append(_row(scenario, rep, date, "5Y", "basis_bp", value + 1.0))
        rows.append(_row(scenario, rep, pd.NaT, "2Y", "basis_impact_min_bp", min(values)))
        rows.append(_row(scenario, rep, pd.NaT, "hedge_fund", "deleveraged_share", 0.1 * rep))
    frame = pd.DataFrame(rows)
    return frame.assign(date=pd.to_datetime(frame["date"]))


def test_paired_spread_by_hand() -> None:
    spread = paired_spread(_metrics(), "basis_bp", "standalone")
    two_year = spread[spread["entity_type"] == "2Y"]
    # cross_margin - standalone, same replication: rep 0: 0 - 0, -1 - -4; rep 1: 0.5 - 0, -2 - -6
    # stress - standalone, rep 0 only: 0 - 0, -9 - -4
    expected = [
        ("cross_margin", 0, DAYS[0], 0.0),
        ("cross_margin", 0, DAYS[1], 3.0),
        ("cross_margin", 1, DAYS[0], 0.5),
        ("cross_margin", 1, DAYS[1], 4.0),
        ("stress", 0, DAYS[0], 0.0),
        ("stress", 0, DAYS[1], -5.0),
    ]
    got = list(two_year[["scenario", "replication", "date", "spread"]].itertuples(index=False))
    assert [tuple(r) for r in got] == expected
    # the 5Y family is 2Y plus 1 bp in every scenario: the same spreads
    five_year = spread.loc[spread["entity_type"] == "5Y", "spread"].to_list()
    assert five_year == [e[3] for e in expected]
    assert list(spread.columns) == ["scenario", "replication", "date", "entity_type", "spread"]


def test_paired_spread_averages_rows_of_a_cell_and_skips_run_level_rows() -> None:
    metrics = _metrics(("standalone", "cross_margin"))
    # a second row per cross_margin cell, 2 bp higher: the cell's mean is 1 bp higher
    extra = metrics[metrics["scenario"] == "cross_margin"]
    doubled = pd.concat([metrics, extra.assign(value=extra["value"] + 2.0)])
    before = paired_spread(metrics, "basis_bp", "standalone")["spread"]
    after = paired_spread(doubled, "basis_bp", "standalone")["spread"]
    assert (after - before).to_list() == [1.0] * 8  # 2 replications x 2 days x 2 families
    assert paired_spread(metrics, "basis_impact_min_bp", "standalone").empty


def test_spread_figure_needs_a_scenario_besides_the_reference() -> None:
    assert spread_figure(_metrics(("standalone",)), BASIS_SPREAD, reference="standalone") is None
    assert spread_figure(_metrics(), BASIS_SPREAD, reference="missing") is None
    assert spread_figure(_metrics(), BASIS_SPREAD, reference="standalone") is not None


def test_market_theme_draws_its_figures() -> None:
    assert [n for n in FIGURE_NAMES if n in MARKET_FIGURES] == MARKET_FIGURES
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stray warnings from seaborn / matplotlib
        themes = draw_themes(_metrics(), "standalone")
    assert [t.title for t in themes] == ["Market"]
    assert [f.name for f in themes[0].figures] == MARKET_FIGURES
    captions = " ".join(f.caption for f in themes[0].figures)
    assert "simulated" in captions and "market.impact.model" in captions and "in bp" in captions
    alone = draw_themes(_metrics(("standalone",)), "standalone")
    assert [f.name for f in alone[0].figures] == ["basis_path", "deleveraging"]


@pytest.mark.parametrize("name", ["baseline"])
def test_a_small_run_reports_the_market_theme(name, builtin_output) -> None:
    out = builtin_output(name)
    html = (out / "report.html").read_text()
    assert "<h2>Market</h2>" in html
    for figure in MARKET_FIGURES:
        assert (out / "figures" / f"{figure}.png").is_file(), figure
