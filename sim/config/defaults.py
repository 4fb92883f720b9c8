"""Configuration of clearing-member defaults (``agents.member_default``): scheduled defaults
(``defaults:`` in the spec) and the default-management rules (``default_management:``).

Sizes (dollars, times the run's share of the market, ``sim.population.public_data.sample_scale``)
and multiples are assumptions registered in ``sim.config.assumptions`` with what public figures
they stand for. With ``porting`` the defaulter's customers are offered to surviving firms
(``agents.porting``; only at a CCP with per-customer attribution, ``CcpConfig.lsoc``); the
customer legs no firm takes are closed out with its house positions.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from sim.calendar import simulated_window
from sim.config.base import Frozen
from sim.errors import ConfigError

LARGEST_XM_BD_FCM = "largest_xm_bd_fcm"


class ScheduledDefault(Frozen):
    """Clearing firm ``firm`` (e.g. ``bd_fcm01``) defaults at ``time`` (ET wall clock).
    ``firm: largest_xm_bd_fcm`` names the largest BD-FCM (by size weight) that offers customer
    XM, resolved against the run's population when the world is built (``resolve_firm``): firm
    ids are size-ranked within a kind, but which BD-FCMs offer XM depends on the population
    model (drawn per seed in the legacy model, by bank-weighted size in ``public_data``)."""

    firm: str
    time: dt.datetime


class DefaultManagementConfig(Frozen):
    """``endogenous``: a firm that misses the final deadline of a CCP call is declared in
    default (false: the call only ends ``defaulted``, the setting before issue 13);
    ``cross_default``: a member of both CCPs (a BD-FCM) declared in default at one is declared
    at the other; ``sharing_rule``: how CME and FICC share the joint close-out of an XM account
    (``sim.margin.waterfall.share_joint_loss``); ``fund_scale``: multiplies both default funds
    (Cover-2 at CME, Cover-1 at FICC, ``cme_cover`` and ``ficc_cover`` members); ``*_capital_usd``
    each CCP's own capital in its waterfall at market scale; ``*_assessment_multiple``: what a
    CCP may assess a surviving member, as a multiple of its default-fund contribution.
    ``porting``: the defaulter's customers are offered to surviving firms
    (``agents.porting``), each firm taking at most ``porting_per_firm_per_day`` a business day,
    accepting an offer with probability ``porting_acceptance``, the move taking effect
    ``porting_latency_minutes`` after the declaration (false: all closed out, as before)."""

    endogenous: bool = True
    cross_default: bool = True
    sharing_rule: Literal["pro_rata_im", "pro_rata_standalone", "own_leg"] = "pro_rata_im"
    fund_scale: float = Field(1.0, ge=0.0, le=100.0)
    cme_cover: int = Field(2, ge=1, le=10)
    ficc_cover: int = Field(1, ge=1, le=10)
    cme_capital_usd: float = Field(100e6, ge=0.0)
    ficc_capital_usd: float = Field(150e6, ge=0.0)
    cme_assessment_multiple: float = Field(2.75, ge=0.0, le=10.0)
    ficc_assessment_multiple: float = Field(1.0, ge=0.0, le=10.0)
    porting: bool = True
    porting_per_firm_per_day: int = Field(5, ge=0, le=10_000)
    porting_acceptance: float = Field(0.8, ge=0.0, le=1.0)
    porting_latency_minutes: float = Field(120.0, ge=0.0, le=1440.0)


def firm_names(n_bd_fcm: int, n_fcm: int, n_bd: int) -> set[str]:
    """The firm ids a population with these counts has (``sim.population.population``)."""
    counts = (("bd_fcm", n_bd_fcm), ("fcm", n_fcm), ("bd", n_bd))
    return {f"{kind}{rank + 1:02d}" for kind, n in counts for rank in range(n)}


def check_defaults(defaults: list[ScheduledDefault], firms: set[str], start, n_days) -> None:
    """``ValueError`` naming the field for a scheduled default of an unknown firm or at a time
    outside the simulated business days."""
    _, first, end = simulated_window(start, n_days)
    for i, d in enumerate(defaults):
        if d.firm not in firms | {LARGEST_XM_BD_FCM}:
            raise ValueError(
                f"defaults[{i}].firm: unknown firm {d.firm!r}; allowed: {sorted(firms)}"
                f" or {LARGEST_XM_BD_FCM!r}"
            )
        at = d.time.replace(tzinfo=None)
        if not first <= at < end:
            raise ValueError(
                f"defaults[{i}].time: {at} lies outside the simulated days; allowed: a time"
                f" from {first} to before {end}"
            )


def resolve_firm(name: str, firms, field: str) -> str:
    """The firm id ``name`` stands for among ``firms`` (objects with ``firm_id``, ``kind``,
    ``offers_xm``, ``size_weight``): itself, or for ``largest_xm_bd_fcm`` the XM-offering
    BD-FCM of the largest size weight (ties to the first id); ``ConfigError`` naming ``field``
    when no BD-FCM offers XM."""
    if name != LARGEST_XM_BD_FCM:
        return name
    offering = [f for f in firms if f.kind == "bd_fcm" and f.offers_xm]
    if not offering:
        raise ConfigError(
            f"{field}: {LARGEST_XM_BD_FCM}: no BD-FCM of the population offers customer XM"
            " (firms.share_bd_fcm_offering_xm); allowed: a firm id"
        )
    return min(offering, key=lambda f: (-f.size_weight, f.firm_id)).firm_id
