"""Every built-in study runs from the CLI (reduced in size) and its report opens with the
study's question and the headline comparison against its reference scenario."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.spec import builtin_names, read_spec
from sim.config import deep_merge

SMALL = {
    "population": {"n_end_users": 12},
    "market": {"lookback_days": 300},
    "cme": {"lookback_days": 250},
    "ficc": {"lookback_days": 250},
}


def _shrink(raw: dict) -> dict:
    """Two replications, a dozen end users, a few days (an adoption study: 70 business days
    across the live date), short look-backs; scenario sizes (capacity) scaled down too."""
    adoption = "adoption_world" in str(raw["base"].get("world", ""))
    days = {"start": "2026-04-01", "business_days": 70} if adoption else {"business_days": 3}
    base = deep_merge(raw["base"], {**SMALL, "calendar": days})
    scenarios = {}
    for name, override in (raw.get("scenarios") or {}).items():
        users = ((override or {}).get("population") or {}).get("n_end_users")
        extra = {"population": {"n_end_users": max(users // 25, 2)}} if users else {}
        scenarios[name] = deep_merge(override or {}, extra)
    return {**raw, "replications": 2, "base": base, "scenarios": scenarios}


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_study_runs_and_reports(name, tmp_path):
    raw, _ = read_spec(name)
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(yaml.safe_dump(_shrink(raw)))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(spec), "--out", str(out), "--workers", "1"],
        env={"CROSSMARGIN_HISTORY": ""},
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text()
    question = raw["question"].split()[0]
    body = html.split("<body>")[1]
    assert body.index(question) < body.index("Headline") < body.index("All results")
    assert f"vs {raw['reference']}" in html
