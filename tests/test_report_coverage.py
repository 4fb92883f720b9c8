"""The Risk theme's coverage figure (``experiments.report.themes.COVERAGE``)."""

from __future__ import annotations

import pandas as pd
from report_rows import made_up_rows

from experiments.report.figures import _panels_with_data, figure_to_png_bytes, metric_figure
from experiments.report.themes import COVERAGE, THEMES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rows() -> pd.DataFrame:
    """Made-up run-level coverage rows per scope."""
    return made_up_rows((p.metric for p in COVERAGE.panels), ("joint", "cme", "ficc"), 2e6)


def test_coverage_figure_is_in_the_risk_theme_and_renders_both_panels():
    risk = next(t for t in THEMES if t.title == "Risk")
    assert COVERAGE in risk.figures
    panels = _panels_with_data(_rows(), COVERAGE)
    assert [p.metric for p, _, _ in panels] == [p.metric for p in COVERAGE.panels]
    fig = metric_figure(_rows(), COVERAGE, reference="standalone")
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)
