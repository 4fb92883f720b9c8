"""Who may cross-margin: the eligibility rules of DESIGN.md section 2 and two relaxations.

- ``identical`` (the rule in force): both legs clear through one legal entity, a BD-FCM that is
  a member of both CCPs and offers customer XM.
- ``affiliate``: as ``identical``, or the futures leg at an FCM and the cash leg at a
  broker-dealer of the same corporate family, both offering XM.
- ``any_pair``: any FCM (CME member) and any broker-dealer (FICC member) with an inter-firm XM
  agreement, modelled as both firms offering XM.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.population.population import EndUserSpec, FirmSpec, Population

RULES = ("identical", "affiliate", "any_pair")
CME_MEMBERS, FICC_MEMBERS = ("bd_fcm", "fcm"), ("bd_fcm", "bd")


def _identical(fut: FirmSpec, cash: FirmSpec) -> bool:
    return fut.firm_id == cash.firm_id and fut.kind == "bd_fcm" and fut.offers_xm


def _members(fut: FirmSpec, cash: FirmSpec) -> bool:
    return fut.kind in CME_MEMBERS and cash.kind in FICC_MEMBERS


def _affiliate(fut: FirmSpec, cash: FirmSpec) -> bool:
    same_family = fut.family_id == cash.family_id
    both_offer = fut.offers_xm and cash.offers_xm
    return _identical(fut, cash) or (same_family and _members(fut, cash) and both_offer)


def _any_pair(fut: FirmSpec, cash: FirmSpec) -> bool:
    return _identical(fut, cash) or (_members(fut, cash) and fut.offers_xm and cash.offers_xm)


CHECKS: dict[str, Callable[[FirmSpec, FirmSpec], bool]] = {
    "identical": _identical,
    "affiliate": _affiliate,
    "any_pair": _any_pair,
}


def eligible_pair(rule: str, futures_firm: FirmSpec, cash_firm: FirmSpec) -> bool:
    """Whether a user with its futures at ``futures_firm`` and cash/repo at ``cash_firm`` may
    cross-margin under ``rule``."""
    return CHECKS[rule](futures_firm, cash_firm)


def is_eligible(population: Population, user: EndUserSpec, rule: str = "identical") -> bool:
    firms = {f.firm_id: f for f in population.firms}
    return eligible_pair(rule, firms[user.futures_firm], firms[user.cash_firm])
