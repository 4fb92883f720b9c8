"""Seaborn figures of experiment results, drawn on ``matplotlib.figure.Figure`` objects directly
(no pyplot state, Agg rendering), and their PNG encoding for the self-contained report."""

from __future__ import annotations

import base64
import io
import warnings

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from experiments.analysis import per_replication
from experiments.stats import mean_ci

END_USER_IM_METRIC = "end_user_im_usd"
# Messages of the (pending) deprecation warnings seaborn 0.13 can trigger in newer matplotlib.
_SEABORN_MPL_WARNINGS = r"(?is).*(\bvert\b|deprecated in matplotlib|pending deprecation).*"


def _millions_label(y: float, _pos: object = None) -> str:
    """Tick label in $ millions with thousands separators and no needless decimals."""
    if float(y).is_integer():
        return f"{y:,.0f}"
    return f"{y:,.2f}".rstrip("0")


def _t_interval(values: pd.Series) -> tuple[float, float]:
    """Error-bar interval for seaborn: the same 95% t-interval as the summary table."""
    _, low, high, _ = mean_ci(values)
    return low, high


def _im_frame(metrics: pd.DataFrame, reference: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Per-replication end-user IM in $ millions and the scenario (hue) order."""
    cells = per_replication(metrics.loc[metrics["metric"] == END_USER_IM_METRIC])
    cells = cells.assign(im_musd=cells["value"] / 1e6)
    scenarios = sorted(cells["scenario"].unique())
    if reference in scenarios:
        scenarios = [reference, *(s for s in scenarios if s != reference)]
    return cells, scenarios


def _draw_im_bars(ax, cells: pd.DataFrame, scenarios: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SEABORN_MPL_WARNINGS)
        sns.barplot(
            data=cells,
            x="entity_type",
            y="im_musd",
            hue="scenario",
            hue_order=scenarios,
            order=sorted(cells["entity_type"].dropna().unique()),
            errorbar=_t_interval,
            capsize=0.15,
            ax=ax,
        )


def im_by_user_type(metrics: pd.DataFrame, *, reference: str | None = None) -> Figure:
    """Bar chart of run-level ``end_user_im_usd`` (average daily total IM per end user, $m) by
    end-user type, one bar per scenario, with 95% t-interval error bars across replications.
    ``reference``, if given, is drawn first."""
    fig = Figure(figsize=(8.0, 4.8), layout="constrained")
    ax = fig.add_subplot()
    cells, scenarios = _im_frame(metrics, reference)
    if cells["im_musd"].notna().any():
        _draw_im_bars(ax, cells, scenarios)
        ax.legend(title="scenario", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        ax.text(0.5, 0.5, f"no run-level {END_USER_IM_METRIC} rows", ha="center", va="center")
    ax.yaxis.set_major_formatter(FuncFormatter(_millions_label))
    ax.set_xlabel("end-user type")
    ax.set_ylabel("initial margin per end user ($ millions)")
    ax.set_title("Average daily total initial margin per end user (95% CI over replications)")
    return fig


def figure_to_png_bytes(fig: Figure, *, dpi: int = 120) -> bytes:
    """Render ``fig`` to PNG bytes with the Agg renderer."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def figure_to_base64_png(fig: Figure, *, dpi: int = 120) -> str:
    """``fig`` as base64-encoded PNG text (without the ``data:`` prefix)."""
    return base64.b64encode(figure_to_png_bytes(fig, dpi=dpi)).decode("ascii")
