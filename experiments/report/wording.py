"""Numbers and sentences for readers: table numbers, money as $k/$m/$bn, shares as %, and the
report's headline sentences built from the summary's paired differences and the metric
registry's meaning, unit and basis (per user, total or statistic)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from experiments.analysis import headline
from sim.metrics.registry import COUNT, FRACTION, HHI, METRICS, PER_USER, STATISTIC, TOTAL, USD

MISSING = "–"
_ARTICLES = ("a ", "an ", "the ", "all ")


def format_number(value: object) -> str:
    """A number for a table: thousands separators, 2 decimals from 1, 3 significant below."""
    if value is None or pd.isna(value):
        return MISSING
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"


def format_count(value: object) -> str:
    """A count for a table: an integer with thousands separators."""
    if value is None or pd.isna(value):
        return MISSING
    return f"{int(value):,}"


def format_money(value: float) -> str:
    """US dollars in words' style: ``$950``, ``$4.7k``, ``$4.7m``, ``$654m``, ``-$1.3bn``."""
    sign, x = ("-" if value < 0 else ""), abs(float(value))
    for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if x >= scale:
            scaled = x / scale
            return (
                f"{sign}${scaled:.0f}{suffix}" if scaled >= 100 else f"{sign}${scaled:.1f}{suffix}"
            )
    return f"{sign}${x:,.0f}"


def format_plain(value: float) -> str:
    """A count or other number in a sentence: ``1,234``, ``49.5``, ``2``."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}".removesuffix(".0")


def format_amount(value: float, unit: str) -> str:
    """``value`` in ``unit`` for a sentence: money, a share as %, a count, or number and unit."""
    if unit == USD:
        return format_money(value)
    if unit == FRACTION:
        return f"{100 * value:.1f}%"
    if unit in (COUNT, ""):
        return format_plain(value)
    return f"{format_plain(value)} {'points' if unit == HHI else unit}"


def _change(value: float, unit: str) -> str:
    """A difference: shares in percentage points, the rest as ``format_amount``."""
    return (
        f"{100 * value:.1f} percentage points" if unit == FRACTION else format_amount(value, unit)
    )


def _subject(name: str) -> str:
    """What the metric measures, from the registry meaning's first clause, with an article."""
    metric = METRICS.get(name)
    if metric is None:
        return name
    clause = metric.meaning.split(", ")[0].split(" (")[0]
    clause = clause[0].lower() + clause[1:]
    return clause if clause.startswith(_ARTICLES) else f"the {clause}"


def _who(name: str, entity_type: str) -> str:
    """Whose value it is: ``per hedge fund``, ``in total``, ``for ccp`` ..."""
    metric = METRICS.get(name)
    basis = metric.basis if metric else TOTAL
    kind = entity_type.replace("_", " ")
    if basis == PER_USER:
        return f"per {'end user' if entity_type == 'all' else kind}"
    if basis == STATISTIC:
        return "" if entity_type == "all" else f"for {kind}"
    return "in total" if entity_type == "all" else f"in total for {kind}"


def _context(row: pd.Series, unit: str, reference: str) -> str:
    """The change against the reference level: ``26.5% of its standalone level of $17.7m``, or
    ``from 2.0% to 3.2%`` for shares; empty without a positive reference level."""
    if pd.isna(row.ref_mean):
        return ""
    if unit == FRACTION:
        return f", from {format_amount(row.ref_mean, unit)} to {format_amount(row['mean'], unit)}"
    if row.ref_mean <= 0:
        return ""
    share = 100 * abs(row.diff_mean) / row.ref_mean
    return f", {share:.1f}% of its {reference} level of {format_amount(row.ref_mean, unit)}"


def sentence(row: pd.Series, reference: str) -> str:
    """One headline sentence for a summary row with its reference mean (``ref_mean``)."""
    metric = METRICS.get(row.metric)
    unit = metric.unit if metric else ""
    who = f" {_who(row.metric, row.entity_type)}".rstrip()
    diff, low, high = float(row.diff_mean), float(row.diff_ci_low), float(row.diff_ci_high)
    if diff == 0 and low == 0 and high == 0:
        return f"{row.scenario} left {_subject(row.metric)}{who} unchanged, against {reference}."
    verb, sign = ("lowered", -1.0) if diff < 0 else ("raised", 1.0)
    lo, hi = sorted((sign * low, sign * high))
    if unit == FRACTION:
        ci = f"95% CI {100 * lo:.1f} to {100 * hi:.1f} percentage points"
    else:
        ci = f"95% CI {_change(lo, unit)} to {_change(hi, unit)}"
    ci += ", which includes no change" if lo <= 0 <= hi else ""
    return (
        f"{row.scenario} {verb} {_subject(row.metric)} by {_change(abs(diff), unit)}{who}"
        f" ({ci}){_context(row, unit, reference)}, against {reference}."
    )


def headline_sentences(summary: pd.DataFrame, reference: str, metrics: Sequence[str]) -> list[str]:
    """A sentence per paired row of the headline ``metrics`` (see ``analysis.headline``)."""
    rows = headline(summary, metrics)
    ref = summary.loc[summary["scenario"] == reference, ["metric", "entity_type", "mean"]]
    rows = rows.merge(
        ref.rename(columns={"mean": "ref_mean"}), on=["metric", "entity_type"], how="left"
    )
    return [sentence(row, reference) for _, row in rows.iterrows()]
