"""The HTML report: self-contained, escaped, with the question, market data, headline and one
section of embedded figures per theme that has data."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.analysis import summarise
from experiments.report.figures import figure_to_png_bytes, im_by_user_type, range_interval
from experiments.report.page import draw_themes, format_number, market_sources, write_report
from experiments.report.themes import THEMES
from sim.config import build_config

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUESTION = "How much IM does XM free for hedge funds & asset managers?"
MARKET_SOURCE = "par_yields.csv, 2020-03-02 to 2020-03-31 & replay"
# (metric, entity_type, reference value); the other scenario is 0.6 times as much.
IM_ROWS = [("end_user_im_usd", "hedge_fund", 40e6), ("end_user_im_usd", "asset_manager", 12e6)]
OPS_ROWS = [
    ("im_by_account_usd", "cme:customer_xm", 300e6),
    ("im_by_account_usd", "ficc:customer", 500e6),
    ("latency_p50_min", "custodian", 12.0),
    ("latency_p95_min", "custodian", 95.0),
    ("latency_p95_min", "firm_desk", 30.0),
    ("missed_deadlines", "customer", 4.0),
    ("calls_late_share", "ccp", 0.02),
    ("prefunding_usd", "all", 25e6),
    ("liquidity_shortfalls", "all", 2.0),
]
# the resolved spec: 20 business days instead of the default 60, XM on in scenario ``xm``
SPEC_YAML = "name: <script>alert(1)</script>\nreplications: 3\n" + yaml.safe_dump(
    {
        "base": build_config({"calendar": {"business_days": 20}}).model_dump(mode="json"),
        "scenarios": {"separate": {}, "xm": {"xm": {"enabled": True}}},
    }
)
OPS_FIGURES = ["im_by_account", "latency_by_hop", "deadlines", "liquidity", "stress_outcomes"]


def _rows(cells: list[tuple[str, str, float]]) -> list[dict]:
    rows = []
    for scenario, factor in [("separate", 1.0), ("xm", 0.6)]:
        for replication in range(3):
            for metric, entity_type, base in cells:
                rows.append(
                    {
                        "run_id": f"{scenario}-{replication}",
                        "scenario": scenario,
                        "replication": replication,
                        "seed": 7 + replication,
                        "date": None,
                        "entity": "",
                        "entity_type": entity_type,
                        "metric": metric,
                        "value": base * factor * (1 + 0.05 * replication),
                    }
                )
    return rows


def _metrics(cells: list[tuple[str, str, float]] = IM_ROWS) -> pd.DataFrame:
    frame = pd.DataFrame(_rows(cells))
    return frame.assign(date=pd.to_datetime(frame["date"]))


def _manifest() -> dict:
    runs = {
        f"{s}-{k}": {"scenario": s, "replication": k, "status": "done", "market_source": src}
        for s in ("separate", "xm")
        for k, src in enumerate([MARKET_SOURCE, MARKET_SOURCE, None])
    }
    return {"version": "0.1.0", "seeds": [7, 8, 9], "note": "see https://example.com", "runs": runs}


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("results")
    metrics = _metrics(IM_ROWS + OPS_ROWS)
    (out / "figures").mkdir()
    (out / "figures" / "throughput.png").write_bytes(b"stale")
    path = write_report(
        out,
        spec_yaml=SPEC_YAML,
        manifest=_manifest(),
        metrics=metrics,
        summary=summarise(metrics, "separate"),
        title="Baseline <XM>",
        question=QUESTION,
        reference="separate",
    )
    return path, path.read_text(encoding="utf-8")


def test_report_files_exist(report_html: tuple[Path, str]) -> None:
    path, _ = report_html
    assert path.name == "report.html" and path.is_file()
    for name in ["im_by_user_type", *OPS_FIGURES]:
        figure = path.parent / "figures" / f"{name}.png"
        assert figure.read_bytes().startswith(PNG_SIGNATURE), name
    # no throughput metrics: no throughput figure, and the stale one is gone
    assert sorted(p.stem for p in (path.parent / "figures").iterdir()) == sorted(
        ["im_by_user_type", *OPS_FIGURES]
    )
    leftovers = [p.name for p in path.parent.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_report_opens_with_question_and_headline(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    question = html.index("How much IM does XM free for hedge funds &amp; asset managers?")
    top = html.index("Headline: paired differences vs separate")
    assert question < top < html.index("<h2>Margin</h2>") < html.index("<h2>All results</h2>")
    # hedge funds: reference [40, 42, 44]m, xm 0.6 times that; differences [-16, -16.8, -17.6]m,
    # mean -16.8m (-40% of 42m), sd 0.8m, half-width t(2) * 0.8m / sqrt(3) = 1,987,310 with
    # t(2) = 4.3026527 (scipy.stats.t.ppf; the published 3-decimal 4.303 gave 1,987,471).
    assert "-16,800,000" in html
    assert "-18,787,310 to -14,812,690" in html
    assert "-40.0%" in html


def test_report_has_a_section_per_theme_with_data(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    headings = ["Margin", "Latency and deadlines", "Liquidity"]
    positions = [html.index(f"<h2>{h}</h2>") for h in headings]
    assert positions == sorted(positions)
    assert positions[-1] < html.index("<h2>All results</h2>")
    assert "<h2>Throughput and capacity</h2>" not in html
    assert html.count("data:image/png;base64,") == 1 + len(OPS_FIGURES)


def test_report_shows_market_data_under_the_question(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    line = html.index(
        "<strong>Market data:</strong> par_yields.csv, 2020-03-02 to 2020-03-31 &amp;"
    )
    assert html.index("&amp; asset managers?") < line < html.index("Headline: paired")
    assert html.count("Market data:") == 1


def test_tables_show_each_metric_unit_with_its_meaning_on_hover(report_html) -> None:
    _, html = report_html
    assert html.count("<th>Unit</th>") == 3  # the headline, all-results and glossary tables
    assert '<td title="An end user&#x27;s initial margin at both CCPs' in html
    assert ">end_user_im_usd</td><td>USD</td>" in html
    assert ">latency_p95_min</td><td>minutes</td>" in html


def test_report_lists_assumptions_with_values_and_sources(report_html) -> None:
    _, html = report_html
    section = html.index("<h2>Assumptions</h2>")
    assert html.index("<h2>All results</h2>") < section < html.index("<h2>Resolved spec</h2>")
    # CME's 2-day close-out (DESIGN.md section 2), read from the spec, with its source
    assert "<td>cme.mpor_days</td><td>2</td><td>CME futures close-out" in html
    assert "<td>calendar.business_days</td><td>20 (default 60)</td><td>assumption</td>" in html
    assert "<td>xm</td><td>xm.enabled</td><td>true</td>" in html  # a scenario override


def test_market_sources_are_distinct_and_optional() -> None:
    runs = [{"market_source": "b"}, {"market_source": "a"}, {"market_source": "b"}, {}]
    assert market_sources({"runs": runs}) == ["a", "b"]
    assert market_sources(_manifest()) == [MARKET_SOURCE]
    assert market_sources({"runs": {"x-0": {"status": "failed"}}}) == []
    assert market_sources({}) == []


def test_themes_cope_with_any_subset() -> None:
    assert draw_themes(_metrics().iloc[0:0], "separate") == []
    themes = draw_themes(_metrics([("desk_queue_max", "all", 3.0)]), "separate")
    assert [t.title for t in themes] == [THEMES[-1].title]
    assert [f.name for f in themes[0].figures] == ["throughput"]
    # a metric present with no finite value draws nothing
    nan_only = _metrics([("prefunding_usd", "all", float("nan"))])
    assert draw_themes(nan_only, "separate") == []


def test_report_is_self_contained_and_escaped(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    assert "data:image/png;base64," in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?:""", html, re.IGNORECASE)
    assert "<link" not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>Baseline &lt;XM&gt;</title>" in html
    assert "&quot;seeds&quot;: [" in html


def test_figure_encodes_to_png() -> None:
    png = figure_to_png_bytes(im_by_user_type(_metrics(), reference="separate"))
    assert png.startswith(PNG_SIGNATURE)


def test_figure_without_rows_still_renders() -> None:
    empty = _metrics().iloc[0:0]
    assert figure_to_png_bytes(im_by_user_type(empty)).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234567.891, "1,234,568"),
        (12.3456, "12.35"),
        (0.012345, "0.0123"),
        (0, "0"),
        (float("nan"), "–"),
        (pd.NA, "–"),
    ],
)
def test_format_number(value: object, text: str) -> None:
    assert format_number(value) == text


def test_report_has_sentences_warning_and_a_glossary_of_every_metric(report_html) -> None:
    _, html = report_html
    # hedge funds: difference -16.8m of the 42m reference mean = 40.0%, interval as above
    sentence = (
        "xm lowered an end user&#x27;s initial margin at both CCPs by $16.8m per hedge fund"
        " (95% CI $14.8m to $18.8m), 40.0% of its separate level of $42.0m, against separate."
    )
    assert sentence in html
    assert html.index(sentence) < html.index("<h2>Margin</h2>")
    assert "fewer than 5: their intervals are rough" in html  # 3 replications
    glossary = html[html.index("<h2>Glossary</h2>") : html.index("<h2>Assumptions</h2>")]
    for metric, _, _ in IM_ROWS + OPS_ROWS:
        assert f"<td>{metric}</td>" in glossary
    assert "<td>per user: an average end user" in glossary


def test_error_bars_respect_the_metric_range_in_display_units() -> None:
    # USD shown in $m (scale 1e6): [1, 9] $m, log scale, so low * high = mean ** 2 = 25 and
    # low > 0 (a plain t-interval would reach -45.8)
    low, high = range_interval("end_user_im_usd", 1e6)(pd.Series([1.0, 9.0]))
    assert low > 0 and low * high == pytest.approx(25.0)
    # a share shown in % (scale 0.01): [20, 40, 60] % is [0.2, 0.4, 0.6], whose logit interval
    # is [0.07758, 0.84090] by hand (tests/test_stats.py)
    low, high = range_interval("calls_late_share", 0.01)(pd.Series([20.0, 40.0, 60.0]))
    assert (low, high) == (pytest.approx(7.758, abs=0.02), pytest.approx(84.090, abs=0.02))
