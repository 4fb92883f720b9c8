"""Every built-in study runs from the CLI (reduced in size, ``tests/builtin_runs.py``) and its
report opens with the study's question and the headline comparison against its reference
scenario."""

from __future__ import annotations

import pytest

from experiments.spec import builtin_names, read_spec


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_study_runs_and_reports(name, builtin_output):
    raw, _ = read_spec(name)
    html = (builtin_output(name) / "report.html").read_text()
    question = raw["question"].split()[0]
    body = html.split("<body>")[1]
    assert body.index(question) < body.index("Headline") < body.index("All results")
    assert f"vs {raw['reference']}" in html
