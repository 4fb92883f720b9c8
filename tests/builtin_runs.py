"""Every built-in study at a reduced size, run once per test session from the CLI.

``tests/test_builtins.py`` checks each one's report and ``tests/test_golden.py`` compares each
one's ``summary.csv`` with the saved copy in ``tests/golden/<name>/`` (``make golden`` rewrites
those). The reduction: two replications, a dozen end users, three business days (an adoption
study: 70 business days across the live date), short look-backs; scenario sizes (capacity)
scaled down too; outages (custodian_outage) moved onto the reduced days, the same clock time on
the second business day (Mon 4 May 2026), so the reduced study still has its outage; a study
whose scheduled default lies later (member_default) starts its three days the business day
before it (``REDUCED_DAYS``). A sweep
(xm_policy) keeps the first two values of its first path and the first value of every other
path; a one-at-a-time study (basis_sensitivity) keeps its reference and its first parameter's
low and high scenarios: enough to exercise the grid, the paired differences and the tornado.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from typer.testing import CliRunner

from experiments.cli import app
from experiments.oat import SIDES, oat_name, oat_parameters
from experiments.spec import read_spec
from sim.config import deep_merge

REDUCED_OUTAGE_DAY = dt.date(2026, 5, 4)
# the model settings before issue 11 (funding, liquidation, impact, population, FICC leg), and
# margin models on the key rates only with CME's 110% at the CCP (before issue 12); customer
# equity per CCP (before the joint XM account); one segregated pool per firm (before issue 13)
LEGACY = {
    "cme": {
        "sees_basis": False,
        "stress_weight": 0.25,
        "stress_window_days": 250,
        "cycles": {"eod": {"payout_clock": "08:30"}},  # pay-out at collection, before issue 13
        "liquidity": {"finite": False},  # unlimited CCP liquidity, as before issue 13
        "lsoc": False,  # customer accounts netted as a whole, as before issue 13
        "collateral_cutoffs": False,  # Treasuries count whenever delivered, as before issue 13
    },
    "ficc": {
        "sees_basis": False,
        "noon_rule": "previous_close",
        "ewma_lambda": 1.0,
        "liquidity": {"finite": False},
        "lsoc": False,
        "collateral_cutoffs": False,
    },
    "population": {"model": "legacy", "ficc_leg": "outright"},
    "funding": {"buffer_basis": "standalone"},
    "default_management": {
        "endogenous": False,
        "porting": False,
    },  # no member default, as before issue 13
    "market": {"impact": {"model": "per_bn"}, "dv01_yield": "fixed"},
    "liquidation": {"deleverage": "fixed_fraction", "closeout": "delete", "buffer_floor": 0.0},
    "firms": {
        "speculative_multiplier_at": "ccp",
        "xm_customer_equity": "per_ccp",
        "segregation": "pooled",
        "xm_one_call_per_cycle": False,
        "daylight_overdraft_cap": False,  # no overdraft cap, no payment queue: before issue 13
    },
}
# per study, the spec settings of before issue 12 item 7 (march2020 then started on 3 Feb 2020)
LEGACY_SPEC = {
    "march2020": {"calendar": {"start": "2020-02-03"}, "market": {"replay_from": "2020-02-03"}},
}
# per study, the reduced days when the study's event lies outside the first three: member_default
# runs Fri 13 to Tue 17 Mar 2020 (the replay moved with it), so its scheduled default on Mon 16
# Mar falls on the second reduced day
REDUCED_DAYS = {
    "member_default": {
        "calendar": {"start": "2020-03-13"},
        "market": {"replay_from": "2020-03-13"},
    },
}
SMALL = {
    "population": {"n_end_users": 12},
    "market": {"lookback_days": 300},
    "cme": {"lookback_days": 250},
    "ficc": {"lookback_days": 250},
}


def is_adoption_study(raw: dict) -> bool:
    return raw.get("world") == "adoption"


def _outages_moved(override: dict) -> dict:
    """``override`` with its custodian outages on the reduced days (see the module docstring)."""
    outages = (override.get("operations") or {}).get("outages")
    if not outages:
        return override
    moved = [
        {**o, "start": dt.datetime.combine(REDUCED_OUTAGE_DAY, _as_datetime(o["start"]).time())}
        for o in outages
    ]
    return deep_merge(override, {"operations": {"outages": moved}})


def _as_datetime(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def shrink(raw: dict, legacy: bool = False) -> dict:
    """The reduced spec of a built-in study (see the module docstring); ``legacy``: with the
    model settings as they stood before issue 11 (``LEGACY``)."""
    adoption = is_adoption_study(raw)
    days = {"start": "2026-04-01", "business_days": 70} if adoption else {"business_days": 3}
    base = deep_merge(raw["base"], {**SMALL, "calendar": days})
    base = deep_merge(base, REDUCED_DAYS.get(raw.get("name"), {}))
    if legacy:
        base = deep_merge(base, deep_merge(LEGACY, LEGACY_SPEC.get(raw.get("name"), {})))
    scenarios = {}
    for name, override in (raw.get("scenarios") or {}).items():
        users = ((override or {}).get("population") or {}).get("n_end_users")
        extra = {"population": {"n_end_users": max(users // 25, 2)}} if users else {}
        scenarios[name] = deep_merge(_outages_moved(override or {}), extra)
    reduced = {**raw, "replications": 2, "base": base, "scenarios": _first_oat(raw, scenarios)}
    return {**reduced, "sweep": _sweep_reduced(raw["sweep"])} if "sweep" in raw else reduced


def _sweep_reduced(sweep: dict) -> dict:
    """The first two values of the sweep's first path, the first value of every other."""
    first = next(iter(sweep))
    return {path: values[: 2 if path == first else 1] for path, values in sweep.items()}


def _first_oat(raw: dict, scenarios: dict) -> dict:
    """A one-at-a-time study's reference and first parameter's pair; others unchanged."""
    paths = oat_parameters(list(scenarios), raw.get("reference"))
    if not paths:
        return scenarios
    kept = {raw["reference"], *(oat_name(paths[0], side) for side in SIDES)}
    return {name: override for name, override in scenarios.items() if name in kept}


def run_builtin(name: str, folder: Path, legacy: bool = False) -> Path:
    """Run built-in study ``name`` reduced, in this process, without a history file (with the
    legacy model settings when ``legacy``, and then without figures and report: only the
    summary is compared); returns its results folder."""
    raw, _ = read_spec(name)
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / f"{name}.yaml"
    spec.write_text(yaml.safe_dump(shrink(raw, legacy)))
    out = folder / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(spec), "--out", str(out), "--workers", "1", *(["--no-report"] * legacy)],
        env={"CROSSMARGIN_HISTORY": ""},
    )
    assert result.exit_code == 0, result.output
    return out
