"""The HTML report: self-contained, escaped, with the question, headline and embedded figure."""

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from experiments.analysis import summarise
from experiments.figures import figure_to_base64_png, im_by_user_type
from experiments.report import format_number, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QUESTION = "How much IM does XM free for hedge funds & asset managers?"


def _metrics() -> pd.DataFrame:
    base = {"hedge_fund": 40e6, "asset_manager": 12e6}
    rows = []
    for scenario, factor in [("separate", 1.0), ("xm", 0.6)]:
        for replication in range(3):
            for user_type, im in base.items():
                value = im * factor * (1 + 0.05 * replication)
                rows.append(
                    {
                        "run_id": f"{scenario}-{replication}",
                        "scenario": scenario,
                        "replication": replication,
                        "seed": 7 + replication,
                        "date": None,
                        "entity": "",
                        "entity_type": user_type,
                        "metric": "end_user_im_usd",
                        "value": value,
                    }
                )
    frame = pd.DataFrame(rows)
    return frame.assign(date=pd.to_datetime(frame["date"]))


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("results")
    metrics = _metrics()
    path = write_report(
        out,
        spec_yaml="name: <script>alert(1)</script>\nreplications: 3\n",
        manifest={"version": "0.1.0", "seeds": [7, 8, 9], "note": "see https://example.com"},
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
    figure = path.parent / "figures" / "im_by_user_type.png"
    assert figure.read_bytes().startswith(PNG_SIGNATURE)
    leftovers = [p.name for p in path.parent.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_report_opens_with_question_and_headline(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    question = html.index("How much IM does XM free for hedge funds &amp; asset managers?")
    top = html.index("Headline: paired differences vs separate")
    assert question < top < html.index("<h2>Figures</h2>") < html.index("<h2>All results</h2>")
    # hedge funds: reference [40, 42, 44]m, xm 0.6 times that; differences [-16, -16.8, -17.6]m,
    # mean -16.8m (-40% of 42m), sd 0.8m, half-width 4.303 * 0.8m / sqrt(3) = 1,987,471.
    assert "-16,800,000" in html
    assert "-18,787,471 to -14,812,529" in html
    assert "-40.0%" in html


def test_report_is_self_contained_and_escaped(report_html: tuple[Path, str]) -> None:
    _, html = report_html
    assert "data:image/png;base64," in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?:""", html, re.IGNORECASE)
    assert "<link" not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>Baseline &lt;XM&gt;</title>" in html
    assert "&quot;seeds&quot;: [" in html


def test_figure_encodes_to_png() -> None:
    encoded = figure_to_base64_png(im_by_user_type(_metrics(), reference="separate"))
    assert base64.b64decode(encoded).startswith(PNG_SIGNATURE)


def test_figure_without_rows_still_renders() -> None:
    empty = _metrics().iloc[0:0]
    assert base64.b64decode(figure_to_base64_png(im_by_user_type(empty))).startswith(PNG_SIGNATURE)


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
