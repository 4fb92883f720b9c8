"""The Risk theme's procyclicality figures (``experiments.report.themes``)."""

from __future__ import annotations

import math

import pandas as pd

from experiments.report.figures import _panels_with_data, figure_to_png_bytes, metric_figure
from experiments.report.themes import PROCYCLICALITY, THEMES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rows(thirty_day: float) -> pd.DataFrame:
    """Two scenarios x 3 replications of made-up run-level rows for two IM series."""
    rows = []
    for scenario in ("standalone", "cross_margin"):
        for rep in range(3):
            for metric, value in [
                ("im_peak_to_trough", 1.3 + 0.1 * rep),
                ("im_max_increase_5d_frac", 0.2 + 0.05 * rep),
                ("im_max_increase_30d_frac", thirty_day),
            ]:
                for entity_type in ("aggregate", "fixed:basis"):
                    rows.append(
                        {
                            "run_id": f"{scenario}-{rep}",
                            "scenario": scenario,
                            "replication": rep,
                            "seed": rep,
                            "date": pd.NaT,
                            "entity": "all",
                            "entity_type": entity_type,
                            "metric": metric,
                            "value": value,
                        }
                    )
    return pd.DataFrame(rows)


def test_procyclicality_figure_is_in_the_risk_theme_and_renders():
    """The figure and the margin-to-volatility curve are in the Risk theme, and the figure
    renders from run-level rows."""
    risk = next(t for t in THEMES if t.title == "Risk")
    names = [f.name for f in risk.figures]
    assert "procyclicality" in names and "margin_to_volatility" in names
    fig = metric_figure(_rows(0.4), PROCYCLICALITY, reference="standalone")
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_a_run_shorter_than_the_window_has_no_30_day_panel():
    """All 30-day increases NaN (runs of 30 days or fewer): that panel is left out, the other
    two are drawn."""
    panels = _panels_with_data(_rows(math.nan), PROCYCLICALITY)
    assert [p.metric for p, _, _ in panels] == ["im_peak_to_trough", "im_max_increase_5d_frac"]
