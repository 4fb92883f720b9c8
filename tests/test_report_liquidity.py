"""The Liquidity theme's figure of firms' intraday gap and CCPs' liquidity
(``experiments.report.themes.FIRM_CCP_LIQUIDITY``)."""

from __future__ import annotations

import pandas as pd
from report_rows import made_up_rows

from experiments.report.figures import _panels_with_data, figure_to_png_bytes, metric_figure
from experiments.report.themes import FIRM_CCP_LIQUIDITY, LIQUIDITY_USD, THEMES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rows(entity_types: tuple[str, ...]) -> pd.DataFrame:
    """Made-up run-level rows of the figure's and the liquidity figure's metrics."""
    panels = FIRM_CCP_LIQUIDITY.panels + LIQUIDITY_USD.panels
    return made_up_rows((p.metric for p in panels), entity_types, 1e6)


def test_the_figure_is_in_the_liquidity_theme_and_renders_every_panel():
    theme = next(t for t in THEMES if t.title == "Liquidity")
    assert FIRM_CCP_LIQUIDITY in theme.figures
    rows = _rows(("all", "cme", "ficc", "bd_fcm01"))
    panels = _panels_with_data(rows, FIRM_CCP_LIQUIDITY)
    assert [p.metric for p, _, _ in panels] == [p.metric for p in FIRM_CCP_LIQUIDITY.panels]
    fig = metric_figure(rows, FIRM_CCP_LIQUIDITY, reference="standalone")
    assert figure_to_png_bytes(fig).startswith(PNG_SIGNATURE)


def test_per_firm_prefunding_rows_stay_out_of_the_total_bars():
    """``prefunding_usd`` has a row per firm besides ``all`` (issue 13): the liquidity figure
    draws ``all`` only."""
    panels = _panels_with_data(_rows(("all", "bd_fcm01", "fcm01")), LIQUIDITY_USD)
    prefunding = next(data for p, data, _ in panels if p.metric == "prefunding_usd")
    assert set(prefunding["entity_type"]) == {"all"}
