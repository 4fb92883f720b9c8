"""The self-contained HTML report of an experiment: the question, the market data and headline
paired differences; then one section per theme (``experiments.report.themes``) with figures
embedded as base64 PNG data URIs, themes without data left out; then all summary rows, the
resolved spec and the manifest. Inline CSS, no external assets; every text is escaped; files are
written atomically."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from experiments.analysis import FEW_REPLICATIONS, headline
from experiments.files import NETWORK_FILE, run_folder, write_atomic
from experiments.report.assumptions import assumptions_section
from experiments.report.curves import CurveSpec, curve_figure
from experiments.report.figures import FigureSpec, figure_to_png_bytes, metric_figure
from experiments.report.glossary import glossary_section
from experiments.report.network import network_figure
from experiments.report.spread import SpreadSpec, spread_figure
from experiments.report.themes import FIGURE_NAMES, THEMES, Theme
from experiments.report.tornado import TORNADO_INTRO, TORNADO_NAME, sensitivity_figure
from experiments.report.wording import MISSING, format_count, format_number, headline_sentences
from sim.metrics.registry import METRICS

REPORT_NAME = "report.html"
FIGURES_DIR = "figures"
ERROR_BAR_NOTE = (
    "error bars and bands are 95% intervals across replications that respect the metric's range"
    " (log or logit scale, see the glossary)."
)
# Metrics the opening table shows first when present; without any, it shows every metric.
PREFERRED_HEADLINE_METRICS: tuple[str, ...] = ("end_user_im_usd",)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; }
th { background: #f6f8fa; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
pre { background: #f6f8fa; padding: 0.75rem; overflow-x: auto; font-size: 0.8rem; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; }
.question { font-size: 1.1rem; } .note { color: #57606a; font-size: 0.85rem; }
figcaption { color: #57606a; font-size: 0.85rem; }
.warning { background: #fff8c5; border: 1px solid #d4a72c; padding: 0.5rem 0.75rem; }
"""


@dataclass(frozen=True)
class ReportFigure:
    """A drawn figure: its file stem, caption and PNG bytes."""

    name: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class ReportTheme:
    """A theme section with the figures that had data."""

    title: str
    intro: str
    figures: tuple[ReportFigure, ...]


_DRAW = {FigureSpec: metric_figure, CurveSpec: curve_figure, SpreadSpec: spread_figure}


def _draw_theme(theme: Theme, metrics: pd.DataFrame, reference: str) -> ReportTheme:
    drawn = []
    for spec in theme.figures:
        fig = _DRAW[type(spec)](metrics, spec, reference=reference)
        if fig is not None:
            caption = f"{spec.caption}; {ERROR_BAR_NOTE}"
            drawn.append(ReportFigure(spec.name, caption, figure_to_png_bytes(fig)))
    return ReportTheme(theme.title, theme.intro, tuple(drawn))


def draw_themes(metrics: pd.DataFrame, reference: str) -> list[ReportTheme]:
    """The report's themes with their figures from the run-level rows of ``metrics``; a theme
    whose metrics are all absent, or whose figures all lack data, is left out."""
    present = set(metrics["metric"].dropna())
    themes = [t for t in THEMES if present.intersection(t.metrics)]
    drawn = [_draw_theme(t, metrics, reference) for t in themes]
    return [t for t in drawn if t.figures]


def market_sources(manifest: dict) -> list[str]:
    """Distinct ``market_source`` texts of the manifest's runs (a mapping or a list), sorted."""
    runs = manifest.get("runs") or {}
    entries = runs.values() if isinstance(runs, dict) else runs
    sources = {
        str(run["market_source"])
        for run in entries
        if isinstance(run, dict) and run.get("market_source")
    }
    return sorted(sources)


def _label(value: object) -> str:
    return MISSING if value is None or pd.isna(value) else str(value)


Cell = tuple[str, bool] | tuple[str, bool, str]


def _td(cell: Cell) -> str:
    """A table cell from (text, is_numeric) or (text, is_numeric, hover title), escaped."""
    text, num, *title = cell
    hover = f' title="{escape(title[0])}"' if title and title[0] else ""
    css = ' class="num"' if num else ""
    return f"<td{css}{hover}>{escape(text)}</td>"


def _metric_cells(name: object) -> list[Cell]:
    """A metric's name (its meaning on hover) and unit, from ``sim.metrics.registry``."""
    metric = METRICS.get(str(name))
    if metric is None:
        return [(_label(name), False), (MISSING, False)]
    return [(metric.name, False, metric.meaning), (metric.unit, False)]


def _table(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """An HTML table of ``_td`` cells; all text is escaped here."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _headline_metrics(summary: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(summary["metric"].dropna()))
    preferred = [m for m in PREFERRED_HEADLINE_METRICS if m in present]
    return preferred or present


def _with_reference_mean(rows: pd.DataFrame, summary: pd.DataFrame, reference: str) -> pd.DataFrame:
    ref = summary.loc[summary["scenario"] == reference, ["metric", "entity_type", "mean"]]
    ref = ref.rename(columns={"mean": "ref_mean"})
    return rows.merge(ref, on=["metric", "entity_type"], how="left")


def _relative_change(diff: object, ref_mean: object) -> str:
    if pd.isna(diff) or pd.isna(ref_mean) or float(ref_mean) == 0:
        return MISSING
    return f"{100.0 * float(diff) / float(ref_mean):+,.1f}%"


def _interval(low: object, high: object) -> str:
    if pd.isna(low) or pd.isna(high):
        return MISSING
    return f"{format_number(low)} to {format_number(high)}"


def _headline_rows(rows: pd.DataFrame) -> list[list[Cell]]:
    return [
        [
            (_label(r.scenario), False),
            *_metric_cells(r.metric),
            (_label(r.entity_type), False),
            (format_number(r.ref_mean), True),
            (format_number(r.mean), True),
            (format_number(r.diff_mean), True),
            (_interval(r.diff_ci_low, r.diff_ci_high), True),
            (_relative_change(r.diff_mean, r.ref_mean), True),
            (format_count(r.diff_n), True),
        ]
        for r in rows.itertuples(index=False)
    ]


def _market_line(sources: Sequence[str]) -> str:
    if not sources:
        return ""
    return f'<p class="market"><strong>Market data:</strong> {escape("; ".join(sources))}</p>\n'


def few_replications_warning(summary: pd.DataFrame) -> str:
    """A warning paragraph when some result rests on fewer than ``FEW_REPLICATIONS``
    replications, else empty."""
    counts = summary["n"].dropna()
    if counts.empty or counts.min() >= FEW_REPLICATIONS:
        return ""
    return (
        f'<p class="warning"><strong>Warning:</strong> some results rest on as few as'
        f" {int(counts.min())} replication(s), fewer than {FEW_REPLICATIONS}: their intervals are"
        f" rough. Run with --replications {FEW_REPLICATIONS} or more before relying on them.</p>\n"
    )


def _sentences(summary: pd.DataFrame, reference: str, metrics: Sequence[str]) -> str:
    items = "".join(
        f"<li>{escape(s)}</li>" for s in headline_sentences(summary, reference, metrics)
    )
    return f'<ul class="headline">{items}</ul>\n' if items else ""


def _headline_section(
    summary: pd.DataFrame,
    question: str,
    reference: str,
    metrics: Sequence[str],
    sources: Sequence[str] = (),
) -> str:
    rows = _with_reference_mean(headline(summary, metrics), summary, reference)
    intro = (
        f'<p class="question">{escape(question)}</p>\n'
        f"{_market_line(sources)}"
        f"<h2>Headline: paired differences vs {escape(reference)}</h2>\n"
        f"{_sentences(summary, reference, metrics)}{few_replications_warning(summary)}"
        '<p class="note">Difference = scenario minus reference, paired by replication (same seed,'
        " common random numbers); 95% Student-t intervals over replications.</p>"
    )
    if rows.empty:
        return f"{intro}\n<p>No scenario pairs with the reference on these metrics.</p>"
    headers = ["Scenario", "Metric", "Unit", "Entity type", f"Mean ({reference})"]
    headers += ["Mean (scenario)", "Difference", "95% CI", "Change", "Pairs"]
    return f"{intro}\n{_table(headers, _headline_rows(rows))}"


def _figure_html(figure: ReportFigure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        "<figure>\n"
        f'<img src="data:image/png;base64,{data}" alt="{escape(figure.caption)}">\n'
        f"<figcaption>{escape(figure.caption)}</figcaption>\n</figure>"
    )


def _theme_section(theme: ReportTheme) -> str:
    figures = "\n".join(_figure_html(f) for f in theme.figures)
    return f'<h2>{escape(theme.title)}</h2>\n<p class="note">{escape(theme.intro)}</p>\n{figures}'


def _summary_rows(summary: pd.DataFrame) -> list[list[Cell]]:
    return [
        [
            (_label(r.scenario), False),
            *_metric_cells(r.metric),
            (_label(r.entity_type), False),
            (format_number(r.mean), True),
            (_interval(r.ci_low, r.ci_high), True),
            (_label(r.ci_method), False),
            (format_count(r.n), True),
            (format_number(r.diff_mean), True),
            (_interval(r.diff_ci_low, r.diff_ci_high), True),
            (format_count(r.diff_n), True),
        ]
        for r in summary.itertuples(index=False)
    ]


def _summary_section(summary: pd.DataFrame, reference: str) -> str:
    headers = [
        "Scenario",
        "Metric",
        "Unit",
        "Entity type",
        "Mean",
        "95% CI",
        "Interval",
        "n",
        f"Difference vs {reference}",
        "95% CI (difference)",
        "Pairs",
    ]
    return f"<h2>All results</h2>\n{_table(headers, _summary_rows(summary))}"


def _provenance_section(spec_yaml: str, manifest: dict) -> str:
    manifest_json = json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return (
        f"<h2>Resolved spec</h2>\n<pre>{escape(spec_yaml)}</pre>\n"
        f"<h2>Manifest</h2>\n<pre>{escape(manifest_json)}</pre>"
    )


def render_report(
    *,
    spec_yaml: str,
    manifest: dict,
    summary: pd.DataFrame,
    themes: Sequence[ReportTheme],
    title: str,
    question: str,
    reference: str,
    headline_metrics: Sequence[str] | None = None,
) -> str:
    """The report as one self-contained HTML document; ``headline_metrics`` defaults to the
    preferred metrics present, else all (a one-at-a-time study's tornado shows the first)."""
    metrics = list(headline_metrics) if headline_metrics else _headline_metrics(summary)
    sources = market_sources(manifest)
    sections = [
        f"<h1>{escape(title)}</h1>",
        _headline_section(summary, question, reference, metrics, sources),
        *(_theme_section(t) for t in themes),
        _summary_section(summary, reference),
        glossary_section(summary, _table),
        assumptions_section(spec_yaml, _table),
        _provenance_section(spec_yaml, manifest),
    ]
    body = "\n".join(f"<section>\n{s}\n</section>" for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def network_theme(out_dir: Path, reference: str) -> list[ReportTheme]:
    """The relationship network of the reference scenario's first replication, if written."""
    fig = network_figure(run_folder(out_dir, reference, 0) / NETWORK_FILE)
    if fig is None:
        return []
    caption = (
        "CCPs, clearing firms and end users grouped by type at the start of the "
        f"{reference} scenario's first replication; node size and edge width grow with "
        "the end users served (runs/<scenario>/<replication>/network.graphml has the "
        "full graph)"
    )
    figure = ReportFigure("network", caption, figure_to_png_bytes(fig))
    intro = "Who clears what where: the relationships the eligibility rules act on."
    return [ReportTheme("Relationship network", intro, (figure,))]


def sensitivity_theme(
    summary: pd.DataFrame, spec_yaml: str, reference: str, metrics: Sequence[str] | None
) -> list[ReportTheme]:
    """The tornado of the first headline metric of a one-at-a-time study (``experiments.oat``)."""
    drawn = sensitivity_figure(summary, spec_yaml, reference, (metrics or [None])[0])
    if drawn is None:
        return []
    figure = ReportFigure(TORNADO_NAME, drawn[1], figure_to_png_bytes(drawn[0]))
    return [ReportTheme("Sensitivity to assumptions", TORNADO_INTRO, (figure,))]


def _write_figures(folder: Path, themes: Sequence[ReportTheme]) -> None:
    """Write each drawn figure; remove a known figure left from an earlier report that has no
    data now, so that the folder matches the report."""
    drawn = {f.name: f.png for t in themes for f in t.figures}
    for name, png in drawn.items():
        write_atomic(folder / f"{name}.png", png)
    for name in (*FIGURE_NAMES, "network", TORNADO_NAME):
        if name not in drawn:
            (folder / f"{name}.png").unlink(missing_ok=True)


def write_report(
    out_dir: Path,
    *,
    spec_yaml: str,
    manifest: dict,
    metrics: pd.DataFrame,
    summary: pd.DataFrame,
    title: str,
    question: str,
    reference: str,
    headline_metrics: Sequence[str] | None = None,
) -> Path:
    """Write ``figures/<name>.png`` and ``report.html`` into ``out_dir``; return the latter."""
    out_dir = Path(out_dir)
    themes = draw_themes(metrics, reference) + network_theme(out_dir, reference)
    themes += sensitivity_theme(summary, spec_yaml, reference, headline_metrics)
    _write_figures(out_dir / FIGURES_DIR, themes)
    html = render_report(
        spec_yaml=spec_yaml,
        manifest=manifest,
        summary=summary,
        themes=themes,
        title=title,
        question=question,
        reference=reference,
        headline_metrics=headline_metrics,
    )
    report = out_dir / REPORT_NAME
    write_atomic(report, html.encode("utf-8"))
    return report
