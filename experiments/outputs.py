"""Experiment outputs from the per-run tables: metrics.parquet, summary.csv, figures, report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import yaml

from experiments.analysis import summarise
from experiments.files import write_atomic
from experiments.report.page import write_report


def write_outputs(out: Path, metrics: pd.DataFrame, report: bool = True) -> Path | None:
    """Write ``metrics.parquet``, ``summary.csv``, figures and ``report.html``; returns the
    report's path. Reads the spec and manifest already in ``out``. Without ``report`` only the
    metrics and summary are written, an earlier run's report and figures are removed (they no
    longer match the summary) and None is returned."""
    spec_text = (out / "spec.yaml").read_text()
    spec = yaml.safe_load(spec_text)
    manifest = json.loads((out / "manifest.json").read_text())
    metrics.to_parquet(out / ".metrics.parquet.tmp", index=False)
    (out / ".metrics.parquet.tmp").replace(out / "metrics.parquet")
    summary = summarise(metrics, spec["reference"], seed=spec.get("seed"))
    write_atomic(out / "summary.csv", summary.to_csv(index=False))
    if not report:
        remove_report(out)
        return None
    return write_report(
        out,
        spec_yaml=spec_text,
        manifest=manifest,
        metrics=metrics,
        summary=summary,
        title=f"crossmargin: {spec['name']}",
        question=spec.get("question", ""),
        reference=spec["reference"],
        headline_metrics=spec.get("headline_metrics"),
    )


def remove_report(out: Path) -> None:
    """Delete ``report.html`` and ``figures/`` of an earlier run in ``out``, if any."""
    (out / "report.html").unlink(missing_ok=True)
    if (out / "figures").is_dir():
        shutil.rmtree(out / "figures")
