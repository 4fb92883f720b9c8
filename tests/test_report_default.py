"""The report's "Default management" theme (``experiments.report.default_figures``)."""

from __future__ import annotations

import pandas as pd
from report_rows import made_up_rows

from experiments.report.default_figures import DEFAULT_FIGURES, WATERFALL
from experiments.report.figures import _panels_with_data, figure_to_png_bytes, metric_figure
from experiments.report.page import draw_themes
from experiments.report.themes import THEMES
from sim.margin.waterfall import LAYERS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = "Default management"


def _rows() -> pd.DataFrame:
    """Made-up run-level rows of every panel's metric, per CCP and for ``all`` (each panel
    keeps the entity types of its ``order``)."""
    metrics = (p.metric for figure in DEFAULT_FIGURES for p in figure.panels)
    return made_up_rows(metrics, ("cme", "ficc", "all"), 5e6)


def test_the_theme_has_every_default_management_metric_and_each_waterfall_layer():
    theme = next(t for t in THEMES if t.title == TITLE)
    assert theme.figures == DEFAULT_FIGURES
    assert [p.metric for p in WATERFALL.panels] == [f"waterfall_{x}_usd" for x in LAYERS]
    expected = {
        "member_defaults",
        "ccp_call_defaults",
        "default_closeout_loss_usd",
        "default_margin_usd",
        "default_uncovered_usd",
        "inter_ccp_transfer_usd",
    }
    assert expected <= set(theme.metrics)


def test_every_figure_renders_every_panel_from_made_up_rows():
    rows = _rows()
    for figure in DEFAULT_FIGURES:
        panels = _panels_with_data(rows, figure)
        assert [p.metric for p, _, _ in panels] == [p.metric for p in figure.panels]
        fig = metric_figure(rows, figure, reference="standalone")
        assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_the_section_is_drawn_with_its_rows_and_left_out_without_them():
    """Made-up rows give the section all three figures; rows of another theme's metric only
    (a run without a member default) leave it out."""
    drawn = draw_themes(_rows(), "separate")
    assert [t.title for t in drawn] == [TITLE]
    assert [f.name for f in drawn[0].figures] == [f.name for f in DEFAULT_FIGURES]
    other = _rows().assign(metric="desk_queue_max")
    assert TITLE not in [t.title for t in draw_themes(other, "separate")]
