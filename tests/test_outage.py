"""The built-in custodian_outage study (reduced in size): no payment settles at the custodian
while it is down, what it was instructed then waits for the end of the outage, and the report
shows the latency and missed-deadline section."""

from __future__ import annotations

import pandas as pd
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.spec import read_spec

START = pd.Timestamp("2026-05-01")  # the reduced study's first day: minute 0
OUTAGE_START, OUTAGE_END = pd.Timestamp("2026-05-05 07:00"), pd.Timestamp("2026-05-06 07:00")


def _at(minutes: pd.Series) -> pd.Series:
    return START + pd.to_timedelta(minutes, "min")


def _assert_outage_delays(at_custodian: pd.DataFrame) -> None:
    """Nothing settles at the custodian while it is down; what it was instructed during the
    outage settles when the outage ends or later; and there was such an instruction."""
    settled, instructed = _at(at_custodian["settled_min"]), _at(at_custodian["instructed_min"])
    assert not ((settled >= OUTAGE_START) & (settled < OUTAGE_END)).any()
    during = (instructed >= OUTAGE_START) & (instructed < OUTAGE_END)
    assert during.any(), "no payment instructed during the outage: it delayed nothing"
    assert (settled[during] >= OUTAGE_END).all()


def test_outage_study_blocks_payments_and_reports_latency(tmp_path):
    raw, _ = read_spec("custodian_outage")
    raw["replications"] = 2
    raw["base"]["population"] = {"n_end_users": 30}
    raw["base"]["calendar"] = {"start": "2026-05-01", "business_days": 5}
    raw["scenarios"]["outage"]["operations"]["outages"][0]["start"] = "2026-05-05T07:00:00"
    spec = tmp_path / "outage.yaml"
    spec.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(spec), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    for replication in (0, 1):
        payments = pd.read_parquet(out / "runs" / "outage" / str(replication) / "payments.parquet")
        _assert_outage_delays(payments[payments["via"] == "bny_like"])
    html = (out / "report.html").read_text()
    assert "Latency and deadlines" in html
    headline = html.split("Headline")[1].split("</table>")[0]
    assert "missed_deadlines" in headline  # the study's headline paired difference
    assert (out / "figures" / "latency_by_hop.png").is_file()
    assert (out / "figures" / "deadlines.png").is_file()
