"""``crossmargin margin`` on the shipped example portfolios (synthetic look-back, seed 0)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from experiments.cli import app


def _margin(*args: str) -> dict:
    result = CliRunner().invoke(app, ["margin", *args, "--json"], env={"CROSSMARGIN_HISTORY": ""})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_dv01_neutral_basis_gets_exactly_the_cap():
    """Long $100m 10Y note vs 929 TN (DV01 $88): residual DV01 < one contract, so both CCPs'
    factors exceed 0.8 and the applied reduction is the 80% cap (DESIGN.md section 2)."""
    m = _margin("experiments/portfolios/basis.yaml")
    assert m["reduction"] == 0.8
    assert m["xm_im_cme"] == round(m["im_cme"] * 0.2, 6)
    assert m["xm_im_ficc"] == round(m["im_ficc"] * 0.2, 6)


def test_single_leg_and_same_direction_get_no_reduction():
    assert _margin("experiments/portfolios/outright.yaml")["reduction"] == 0.0
    overlay = _margin("experiments/portfolios/overlay.yaml")
    # same direction: nothing offsets, so the reduction is at most the key-rate diversification
    # of VaR (30-year cash against UB's 10Y/30Y split), which with both CCPs' volatility
    # scaling is slightly positive (0.3% at FICC, 1.9% at CME on seed 0), not a hedge's 80%
    assert 0.0 <= overlay["reduction"] < 0.01


@pytest.mark.parametrize(
    ("positions", "field", "other"),
    [
        ("{XYZ: 3}", "positions.XYZ: unknown instrument", "positions.UST10Y"),
        ("{UST10Y: lots}", "positions.UST10Y: quantity must be a number", "positions.XYZ"),
    ],
    ids=["unknown_symbol", "non_numeric_quantity"],
)
def test_bad_portfolio_exits_2_naming_its_field(tmp_path, positions, field, other):
    """Each portfolio has one error; the message names that field and not the other's."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"positions: {positions}\n")
    result = CliRunner().invoke(app, ["margin", str(bad)], env={"CROSSMARGIN_HISTORY": ""})
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert field in result.output and other not in result.output
    assert "Traceback" not in result.output


def test_backtest_runs_without_a_history_file():
    """Synthetic history: in each view (basis, key_rates), each CCP's VaR (``var``), each
    CCP's charged IM (``xm_im``) and the sum at both (``joint``, model ``both``) on the 3
    reference portfolios. Test days 750 - H + 1: the VaR rows over each CCP's own horizon (749
    for CME's 2 days, 748 for FICC's 3), the charged rows over the longer (748)."""
    result = CliRunner().invoke(app, ["backtest", "--json"], env={"CROSSMARGIN_HISTORY": ""})
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    rows = record["results"]
    kinds = [
        ("var", "cme"),
        ("var", "ficc"),
        ("xm_im", "cme"),
        ("xm_im", "ficc"),
        ("joint", "both"),
    ]
    assert record["rule"] == "min_cap" and len(rows) == 2 * 5 * 3
    assert {(r["view"], r["kind"], r["model"], r["account"]) for r in rows} == {
        (v, k, m, p) for v in ("basis", "key_rates") for k, m in kinds
        for p in ("outright", "basis", "curve")
    }  # fmt: skip
    observations = {(r["kind"], r["model"]): r["observations"] for r in rows}
    assert observations == {**dict.fromkeys(kinds, 748), ("var", "cme"): 749}
    assert {r["zone"] for r in rows} <= {"green", "yellow", "red"}
