"""The built-in ``adoption`` study, reduced in size: it runs from the CLI, its report shows the
adoption curves of the three eligibility rules, and its invariants hold in the outputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.spec import read_spec

LIVE = pd.Timestamp("2026-04-30")


def _reduced_spec(folder: Path) -> Path:
    """The adoption study with 2 replications of 120 end users over 160 business days."""
    raw, _ = read_spec("adoption")
    raw["replications"] = 2
    raw["base"]["population"] = {"n_end_users": 120}
    raw["base"]["calendar"] = {"start": "2026-03-02", "business_days": 160}
    raw["base"]["market"] = {"lookback_days": 300}
    raw["base"]["cme"] = {"lookback_days": 250}
    raw["base"]["ficc"] = {"lookback_days": 250}
    spec = folder / "adoption.yaml"
    spec.write_text(yaml.safe_dump(raw))
    return spec


def test_adoption_study(tmp_path):
    spec = _reduced_spec(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(spec), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    metrics = pd.read_parquet(out / "metrics.parquet")
    dated = metrics[metrics["date"].notna()]
    wide = dated.pivot_table(
        index=["scenario", "replication", "date", "entity_type"], columns="metric", values="value"
    )
    assert (wide["adopted_share"] <= wide["eligible_share"] + 1e-12).all()  # at all times
    assert set(dated["scenario"]) == {"identical", "affiliate", "any_pair"}
    for scenario in ("identical", "affiliate", "any_pair"):
        for rep in (0, 1):
            adopted = pd.read_parquet(out / "runs" / scenario / str(rep) / "adoptions.parquet")
            assert len(adopted) and (pd.to_datetime(adopted["adopted"]) >= LIVE).all()
            assert (adopted["adopted"] >= adopted["ready"]).all()
            assert (out / "runs" / scenario / str(rep) / "network.graphml").is_file()
    html = (out / "report.html").read_text()
    assert "<h2>Adoption</h2>" in html and "Relationship network" in html
    assert (out / "figures" / "adoption_curves.png").is_file()
    # an adoption study trades nothing: no basis rows, no Market theme or its figures
    assert "<h2>Market</h2>" not in html and not (out / "figures" / "basis_path.png").exists()
    summary = pd.read_csv(out / "summary.csv")
    adopted = summary[(summary["metric"] == "adopted_share") & (summary["entity_type"] == "all")]
    assert set(adopted["scenario"]) == {"identical", "affiliate", "any_pair"}
    assert adopted[["ci_low", "ci_high"]].notna().all().all()
