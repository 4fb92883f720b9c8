"""The built-in study ``member_default`` and the ``largest_xm_bd_fcm`` firm of a scheduled
default (``sim.config.defaults.resolve_firm``), resolved against the run's population."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from experiments.spec import read_spec
from sim.config import build_config
from sim.config.defaults import LARGEST_XM_BD_FCM, resolve_firm
from sim.errors import ConfigError
from sim.rng import Streams
from sim.run import draw_population

FIELD = "defaults[0].firm"


def _firm(firm_id: str, kind: str, offers: bool, weight: float) -> SimpleNamespace:
    return SimpleNamespace(firm_id=firm_id, kind=kind, offers_xm=offers, size_weight=weight)


def test_the_alias_names_the_largest_bd_fcm_that_offers_xm():
    """By hand: bd_fcm01 is the largest BD-FCM but offers no XM; of bd_fcm02 and bd_fcm03 (both
    offering) bd_fcm02 is larger; fcm01 is larger still but not a BD-FCM."""
    firms = [
        _firm("bd_fcm01", "bd_fcm", False, 1.0),
        _firm("bd_fcm02", "bd_fcm", True, 0.5),
        _firm("bd_fcm03", "bd_fcm", True, 1 / 3),
        _firm("fcm01", "fcm", True, 2.0),
    ]
    assert resolve_firm(LARGEST_XM_BD_FCM, firms, FIELD) == "bd_fcm02"
    assert resolve_firm("bd_fcm03", firms, FIELD) == "bd_fcm03"  # a firm id stays itself


def test_no_bd_fcm_offering_xm_is_a_config_error_naming_the_field():
    firms = [_firm("bd_fcm01", "bd_fcm", False, 1.0), _firm("fcm01", "fcm", True, 2.0)]
    with pytest.raises(ConfigError, match=r"defaults\[0\]\.firm"):
        resolve_firm(LARGEST_XM_BD_FCM, firms, FIELD)


def test_the_study_fails_bd_fcm01_in_its_public_data_population():
    """The study's population model is ``public_data``: firm ids are size-ranked (bd_fcm01 has
    Zipf rank 1) and the largest BD-FCMs are bank-affiliated and offer XM first, so the alias
    resolves to bd_fcm01 on any seed; the spec's default is on Mon 16 Mar 2020, in both
    scenarios (the same population: common random numbers)."""
    raw, _ = read_spec("member_default")
    config = build_config(raw["base"])
    assert config.population.model == "public_data"
    (scheduled,) = config.defaults
    assert scheduled.firm == LARGEST_XM_BD_FCM
    assert scheduled.time.date().isoformat() == "2020-03-16"
    for seed in (raw["seed"], 1, 2):
        firms = draw_population(config, Streams(seed)).firms
        assert resolve_firm(scheduled.firm, firms, FIELD) == "bd_fcm01"
    assert set(raw["scenarios"]) == {"standalone", "cross_margin", "no_xm"}


def test_no_cross_margining_has_no_inter_ccp_transfer(builtin_output):
    """Issue 13 acceptance: with XM off (``no_xm``: no customer XM and ``xm.rule: none``, so no
    house account is cross-margined either) no XM account is liquidated jointly, so no loss is
    shared and the inter-CCP transfer is zero on every replication of the reduced study; with
    customer XM on, the defaulter's XM accounts are shared and a transfer is paid."""
    metrics = pd.read_parquet(builtin_output("member_default") / "metrics.parquet")
    transfer = metrics[metrics["metric"] == "inter_ccp_transfer_usd"]
    by_scenario = transfer.groupby("scenario")["value"]
    assert (by_scenario.get_group("no_xm") == 0).all()
    assert (by_scenario.get_group("cross_margin").abs() > 0).any()
