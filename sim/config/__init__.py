"""Validated, frozen configuration of one run, built once from a spec; errors name the field.

What lives here: ``SimConfig`` (``simulation``) and its parts, one module per domain: calendar
and XM policy (``simulation``), market model (``market``), CCPs (``ccp``), clearing firms
(``firms``), end-user population (``population``), end users' funding (``funding``), operations
and custodians (``operations``), adoption studies (``adoption``), deleveraging and close-out
(``liquidation``); shared pieces (``base``); and the assumptions registry, the source of every
parameter or the word "assumption" (``assumptions``), which the report prints.

May import: ``sim`` core modules, and the domain constants and pure builders it validates
against (``sim.market.instruments``, ``sim.margin.var``, ``sim.population.sizing``). Never
``agents`` or ``experiments``. This package re-exports the public models, so
``from sim.config import SimConfig`` is the usual import.
"""

from sim.config.adoption import AdoptionConfig
from sim.config.base import Clock, Frozen, check_clock
from sim.config.ccp import AdhocConfig, CcpConfig, CycleConfig, cme_default, ficc_default
from sim.config.firms import FirmsConfig
from sim.config.funding import FundingConfig, funding_active
from sim.config.liquidation import LiquidationConfig
from sim.config.market import BasisConfig, ImpactConfig, MarketConfig
from sim.config.operations import CustodianConfig, OperationsConfig, OutageConfig
from sim.config.population import EndUserTypeConfig, PopulationConfig
from sim.config.simulation import (
    CalendarConfig,
    LinkOutage,
    PositionBreak,
    SimConfig,
    XmConfig,
    build_config,
    deep_merge,
    default_config_dict,
)

__all__ = [
    "AdhocConfig",
    "AdoptionConfig",
    "BasisConfig",
    "CalendarConfig",
    "CcpConfig",
    "Clock",
    "CustodianConfig",
    "CycleConfig",
    "EndUserTypeConfig",
    "FirmsConfig",
    "Frozen",
    "FundingConfig",
    "ImpactConfig",
    "LinkOutage",
    "LiquidationConfig",
    "MarketConfig",
    "OperationsConfig",
    "OutageConfig",
    "PopulationConfig",
    "PositionBreak",
    "SimConfig",
    "XmConfig",
    "build_config",
    "check_clock",
    "cme_default",
    "deep_merge",
    "default_config_dict",
    "ficc_default",
    "funding_active",
]
