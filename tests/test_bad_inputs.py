"""Bad input across every command exits 2 with one message naming the field or option, no
traceback, and nothing written (issue 10, first acceptance check).

All inputs are written here by hand in one shared folder (``inputs``): a 5-day history of
round made-up yields in the treasury.gov layout, one dated in the future, one with a 13-year gap,
files in Latin-1, UTF-16 and binary, portfolios, specs and a results folder. Each case runs the
CLI in this process (``typer.testing.CliRunner``) from that folder, which is listed before and
after: the lists must be equal.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app

HEADER = "Date,1 Mo,2 Mo,3 Mo,6 Mo,1 Yr,2 Yr,3 Yr,5 Yr,7 Yr,10 Yr,20 Yr,30 Yr"
DAYS_2020 = ("01/02/2020", "01/03/2020", "01/06/2020", "01/07/2020", "01/08/2020")
SPEC = "name: t\nreference: a\nscenarios: {a: {}}\n"


def _history(*dates: str) -> str:
    rows = [f"{d},1.0,1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,2.0,2.1" for d in dates]
    return "\n".join([HEADER, *rows]) + "\n"


TEXT_FILES = {
    "hist.csv": _history(*DAYS_2020),  # 2 Jan to 8 Jan 2020
    "future.csv": _history("01/02/2020", "01/03/2020", "01/02/2099"),
    # 3 Jan 2007 to 3 Jan 2020: 13 x 365 days + 29 Feb of 2008, 2012, 2016 = 4748 days
    "gap.csv": _history("01/02/2007", "01/03/2007", "01/03/2020"),
    "port.yaml": "positions: {UST10Y: 1000000}\n",
    "port_nan.yaml": "positions: {UST10Y: .nan}\n",
    "port_inf.yaml": "positions: {UST10Y: .inf}\n",
    "port_neg_inf.yaml": "positions: {UST10Y: -.inf, TN: 3}\n",
    "port_nan.json": '{"positions": {"UST10Y": NaN}}\n',
    "port_broken.json": '{"positions": {"UST10Y": }\n',
    "port_dup.yaml": "positions: {UST10Y: 1, UST10Y: 2}\n",
    "port_bool.yaml": "positions: {UST10Y: true}\n",
    "port_unknown.yaml": "positions: {XYZ: 3}\n",
    "port_empty.yaml": "name: nothing\n",
    "spec_dup.yaml": "name: t\nname: u\nreference: a\nscenarios: {a: {}}\n",
    "spec_dup_nested.yaml": SPEC + "base: {xm: {cap: 0.5, cap: 0.6}}\n",
    "spec_repl_bool.yaml": SPEC + "replications: true\n",
    "spec_seed_bool.yaml": SPEC + "seed: false\n",
    "spec_repl_float.yaml": SPEC + "replications: 1.5\n",
    "spec_metric.yaml": SPEC + "headline_metrics: [end_user_im_usd, xm_saving_usd]\n",
    "spec_world.yaml": SPEC + "world: clearnig\n",
    "spec_reference.yaml": "name: t\nreference: b\nscenarios: {a: {}}\n",
    "spec_cap_bool.yaml": SPEC + "base: {xm: {cap: true}}\n",
    "spec_users_bool.yaml": SPEC + "base: {population: {n_end_users: true}}\n",
    "spec_cap_nan.yaml": SPEC + "base: {xm: {cap: .nan}}\n",
    "spec_response_inf.yaml": SPEC + "base: {operations: {user_response_mean_minutes: .inf}}\n",
    "spec_custodian.yaml": SPEC.replace(
        "{a: {}}",
        "{a: {operations: {outages: [{custodian: nobody, start: 2026-05-04T10:00:00,"
        " duration_minutes: 60}]}}}",
    ),
    # 3 business days from Fri 1 May 2026 (1, 4, 5 May): an outage on 12 May touches none
    "spec_outage_outside.yaml": SPEC.replace(
        "{a: {}}",
        "{a: {operations: {outages: [{custodian: bny_like, start: 2026-05-12T07:00:00,"
        " duration_minutes: 60}]}}}",
    )
    + "base: {calendar: {start: 2026-05-01, business_days: 3}}\n",
    "spec_link_outside.yaml": SPEC.replace(
        "{a: {}}", "{a: {xm: {link_outages: [{start: 2026-04-30T18:00:00, duration_minutes: 60}]}}}"
    )
    + "base: {calendar: {start: 2026-05-01, business_days: 3}}\n",
    # a break on an account that is no XM account of the run: known once the population is drawn
    "spec_break_account.yaml": SPEC.replace(
        "{a: {}}",
        "{a: {xm: {position_breaks: [{accounts: [nobody], start: 2026-05-04T09:00:00,"
        " duration_cycles: 1}]}}}",
    )
    + "base: {calendar: {start: 2026-05-01, business_days: 3}, population: {n_end_users: 5}}\n",
    "spec_syntax.yaml": "name: t\nreference: [a\n",
    "spec_list.yaml": "- name: t\n",
    "spec_empty.yaml": "",
    "spec_unknown_key.yaml": SPEC + "colour: blue\n",
    "spec_days_text.yaml": SPEC + "base: {calendar: {business_days: many}}\n",
    "spec_scenario_scalar.yaml": "name: t\nreference: a\nscenarios: {a: 3}\n",
    "spec_name.yaml": SPEC.replace("name: t", "name: 'two words'"),
    "results/spec.yaml": SPEC,
    "results/manifest.json": "{}\n",
    "bad_json/spec.yaml": SPEC,
    "bad_json/manifest.json": '{"runs": [\n',
    "bad_parquet/spec.yaml": SPEC,
    "bad_parquet/manifest.json": "{}\n",
    "bad_parquet/metrics.parquet": "PAR1 not really a parquet file",
    "list_json/spec.yaml": SPEC,
    "list_json/manifest.json": "[1, 2]\n",
    "no_manifest/spec.yaml": SPEC,
    "dup_spec/spec.yaml": "name: t\nname: t\n",
    "dup_spec/manifest.json": "{}\n",
    "latin1_manifest/spec.yaml": SPEC,
    "a_file": "not a folder\n",
    "existing_dir/keep.txt": "x\n",
}
BYTE_FILES = {
    "latin1.yaml": "name: caf\xe9\nreference: a\nscenarios: {a: {}}\n".encode("latin-1"),
    "utf16.yaml": SPEC.encode("utf-16"),
    "binary.yaml": bytes(range(256)),
    "port_latin1.yaml": "# caf\xe9\npositions: {UST10Y: 1}\n".encode("latin-1"),
    "port_utf16.yaml": "positions: {UST10Y: 1}\n".encode("utf-16"),
    "port_binary.yaml": bytes(range(256)),
    "latin1.csv": _history(*DAYS_2020).replace("Date", "Dat\xe9").encode("latin-1"),
    "utf16.csv": _history(*DAYS_2020).encode("utf-16"),
    "binary.csv": bytes(range(256)),
    "latin1_manifest/manifest.json": '{"note": "caf\xe9"}\n'.encode("latin-1"),
}
PARQUET_FOLDERS = ("results", "bad_json", "list_json", "dup_spec", "latin1_manifest")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    for name, text in TEXT_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    for name, data in BYTE_FILES.items():
        (folder / name).write_bytes(data)
    metrics = pd.DataFrame({"scenario": ["a"], "metric": ["calls"], "value": [1.0]})
    for name in PARQUET_FOLDERS:
        metrics.to_parquet(folder / name / "metrics.parquet")
    return folder


SPEC_CASES = [
    ("latin1.yaml", "latin1.yaml: spec is not UTF-8"),
    ("utf16.yaml", "utf16.yaml: spec is not UTF-8"),
    ("binary.yaml", "binary.yaml: spec is not UTF-8"),
    ("spec_dup.yaml", "duplicate key 'name'"),
    ("spec_dup_nested.yaml", "duplicate key 'cap'"),
    ("spec_repl_bool.yaml", "replications: Input should be a valid integer (got True)"),
    ("spec_seed_bool.yaml", "seed: Input should be a valid integer (got False)"),
    ("spec_repl_float.yaml", "replications: Input should be a valid integer"),
    ("spec_metric.yaml", "headline_metrics: Value error, unknown metric(s) ['xm_saving_usd']"),
    ("spec_world.yaml", "world: Value error, unknown world 'clearnig'"),
    ("spec_reference.yaml", "reference 'b' is not one of the scenarios"),
    ("spec_cap_bool.yaml", "base.xm: Value error, cap: must be a number, got boolean True"),
    ("spec_users_bool.yaml", "n_end_users: must be a number, got boolean True"),
    ("spec_cap_nan.yaml", "base.xm.cap: Input should be a finite number"),
    ("spec_response_inf.yaml", "user_response_mean_minutes: Input should be a finite number"),
    ("spec_custodian.yaml", "outages name unknown custodians ['nobody']"),
    (
        "spec_outage_outside.yaml",
        "operations.outages[0]: the outage from 2026-05-12 07:00:00 for 60 minutes lies outside"
        " the simulated days; allowed: an outage overlapping 2026-05-01 to 2026-05-05",
    ),
    ("spec_link_outside.yaml", "xm.link_outages[0]: the outage from 2026-04-30 18:00:00"),
    (
        "spec_break_account.yaml",
        "scenario a, replication 0: xm.position_breaks[0].accounts: 'nobody' is not an XM account",
    ),
    ("spec_syntax.yaml", "not valid YAML line"),
    ("spec_list.yaml", "must be a mapping of spec fields"),
    ("spec_empty.yaml", "must be a mapping of spec fields"),
    ("spec_unknown_key.yaml", "colour: Extra inputs are not permitted"),
    ("spec_days_text.yaml", "base.calendar.business_days: Input should be a valid integer"),
    ("spec_scenario_scalar.yaml", "scenarios.a"),
    ("spec_name.yaml", "name: String should match pattern"),
    ("absent.yaml", "absent.yaml: no such spec file"),
]

OTHER_CASES = [
    # margin: dates, portfolios, histories
    (["margin", "port.yaml", "--category", "bank"], "--category: 'bank'; allowed: speculative"),
    (["margin", "port.yaml", "--asof", "yesterday"], "--asof 'yesterday': not a date"),
    (["margin", "port.yaml", "--asof", "2020-13-45"], "--asof '2020-13-45': not a date"),
    (["margin", "port.yaml", "--asof", "2020-1-2"], "--asof '2020-1-2': not a date"),
    (["margin", "port.yaml", "--asof", "2020-01-03"], "--asof 2020-01-03: a date option needs"),
    (
        ["margin", "port.yaml", "--history", "hist.csv", "--asof", "2019-06-03"],
        "asof 2019-06-03 is outside the history; allowed: 2020-01-03 to 2020-01-08",
    ),
    (
        ["margin", "port.yaml", "--history", "hist.csv", "--asof", "2020-02-03"],
        "asof 2020-02-03 is outside the history",
    ),
    (["margin", "port_latin1.yaml"], "port_latin1.yaml: portfolio is not UTF-8"),
    (["margin", "port_utf16.yaml"], "port_utf16.yaml: portfolio is not UTF-8"),
    (["margin", "port_binary.yaml"], "port_binary.yaml: portfolio is not UTF-8"),
    (["margin", "port_nan.yaml"], "positions.UST10Y: quantity: must be a finite number, got nan"),
    (["margin", "port_inf.yaml"], "positions.UST10Y: quantity: must be a finite number, got inf"),
    (["margin", "port_neg_inf.yaml"], "positions.UST10Y: quantity: must be a finite number"),
    (["margin", "port_nan.json"], "positions.UST10Y: quantity must be a number, got 'NaN'"),
    (["margin", "port_broken.json"], "port_broken.json: not valid YAML line"),
    (["margin", "port_dup.yaml"], "duplicate key 'UST10Y'"),
    (["margin", "port_bool.yaml"], "positions.UST10Y: quantity must be a number, got True"),
    (["margin", "port_unknown.yaml"], "positions.XYZ: unknown instrument"),
    (["margin", "port_empty.yaml"], "needs a non-empty mapping 'positions"),
    (["margin", "absent.yaml"], "absent.yaml: cannot read portfolio"),
    (["margin", "port.yaml", "--history", "future.csv"], "date 2099-01-02 is in the future"),
    (["margin", "port.yaml", "--history", "gap.csv"], "gap of 4748 days between 2007-01-03"),
    (["margin", "port.yaml", "--history", "latin1.csv"], "latin1.csv: history file is not UTF-8"),
    (["margin", "port.yaml", "--history", "absent.csv"], "absent.csv: history file not found"),
    # backtest: dates and histories
    (["backtest", "--rule", "max"], "--rule 'max': one of min_cap, joint_split, none"),
    (["backtest", "--from", "last week"], "--from 'last week': not a date"),
    (["backtest", "--to", "2020-02-30"], "--to '2020-02-30': not a date"),
    (
        ["backtest", "--history", "hist.csv", "--from", "2020-01-07", "--to", "2020-01-06"],
        "--from 2020-01-07 is after --to 2020-01-06; allowed: --from on or before --to",
    ),
    (["backtest", "--from", "2020-01-06"], "--from 2020-01-06: a date option needs a history"),
    (["backtest", "--to", "2020-01-06"], "--to 2020-01-06: a date option needs a history"),
    (
        ["backtest", "--history", "hist.csv", "--from", "2030-01-02"],
        "--from 2030-01-02: outside the history; allowed: 2020-01-03 to 2020-01-08",
    ),
    (["backtest", "--history", "hist.csv", "--to", "1999-01-04"], "--to 1999-01-04: outside"),
    (["backtest", "--history", "future.csv"], "is in the future"),
    (["backtest", "--history", "gap.csv"], "allowed: at most 10 calendar days"),
    (["backtest", "--history", "utf16.csv"], "utf16.csv: history file is not UTF-8"),
    # calibrate: histories and --out
    (["calibrate", "absent.csv"], "absent.csv: history file not found"),
    (["calibrate", "binary.csv"], "binary.csv: history file is not UTF-8"),
    (["calibrate", "future.csv"], "future.csv: date 2099-01-02 is in the future"),
    (["calibrate", "gap.csv"], "gap.csv: gap of 4748 days"),
    (["calibrate", "hist.csv", "--out", "existing_dir"], "--out existing_dir: is a folder"),
    (["calibrate", "hist.csv", "--out", "a_file/m.json"], "a_file is a file, not a folder"),
    # history download: argument errors only (offline)
    (["history", "download", "--years", "1980"], "years '1980': expected YYYY or YYYY-YYYY"),
    (["history", "download", "--years", "2021-2019"], "in increasing order"),
    (["history", "download", "--years", "recent"], "years 'recent'"),
    (["history", "download", "--years", "2999"], "years '2999'"),
    (["history", "download", "--years", "2020", "--out", "existing_dir"], "is a folder"),
    (["history", "download", "--years", "2020", "--out", "a_file/h.csv"], "is a file, not"),
    # run: options and --out
    (["run", "--out", "a_file"], "--out a_file: is an existing file"),
    (["run", "--out", "a_file/sub"], "a_file is a file, not a folder"),
    (["run", "--replications", "0"], "--replications"),
    (["run", "--seed", "-1"], "--seed"),
    (["run", "--workers", "0"], "--workers"),
    (["run", "--history", "future.csv", "--out", "new"], "is in the future"),
    (["run", "--history", "binary.csv", "--out", "new"], "binary.csv: history file is not"),
    # report: results folders
    (["report", "absent_dir"], "absent_dir: not a folder"),
    (["report", "a_file"], "a_file: not a folder"),
    (["report", "no_manifest"], "not a results folder (missing"),
    (["report", "bad_json"], "manifest.json: not valid JSON (line 2"),
    (["report", "list_json"], "manifest.json: must be a JSON object, got list"),
    (["report", "bad_parquet"], "metrics.parquet: not a readable parquet table"),
    (["report", "dup_spec"], "duplicate key 'name'"),
    (["report", "latin1_manifest"], "manifest.json: manifest is not UTF-8"),
]

CASES = [
    *[
        pytest.param([cmd, spec, *extra], msg, id=f"{cmd}-{spec}")
        for spec, msg in SPEC_CASES
        for cmd, extra in (("validate", []), ("run", ["--out", "new"]))
    ],
    *[pytest.param(args, msg, id="-".join(args)) for args, msg in OTHER_CASES],
]


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


@pytest.mark.parametrize(("args", "message"), CASES)
def test_bad_input_exits_2_naming_it_and_writes_nothing(
    inputs: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(inputs)
    before = _listing(inputs)
    result = CliRunner().invoke(app, args, env={"CROSSMARGIN_HISTORY": "", "COLUMNS": "200"})
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert message in output
    assert _listing(inputs) == before


def test_the_table_covers_at_least_60_bad_inputs() -> None:
    assert len(CASES) >= 60
    commands = {c.values[0][0] for c in CASES}
    assert commands == {"validate", "run", "margin", "backtest", "calibrate", "history", "report"}


def test_history_gap_tolerance_is_10_calendar_days(tmp_path: Path) -> None:
    """2 to 12 Jan is 10 days (accepted); 2 to 13 Jan is 11 days (refused)."""
    from sim.errors import ConfigError
    from sim.market.history import read_history

    ok = tmp_path / "ok.csv"
    ok.write_text(_history("01/01/2020", "01/02/2020", "01/12/2020"), encoding="utf-8")
    assert len(read_history(ok)) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(_history("01/01/2020", "01/02/2020", "01/13/2020"), encoding="utf-8")
    with pytest.raises(ConfigError, match="gap of 11 days between 2020-01-02 and 2020-01-13"):
        read_history(bad)
