"""Typed records of adoption studies (``sim.records`` collects them into its ``TABLES``:
``adoption_*`` and ``market_shares``), read by ``sim.metrics.adoption``. Units as in
``sim.records``: minutes, dollars, fractions."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class AdoptionDecisionRecord(NamedTuple):
    """An end user's decision to adopt XM, onboarding at ``firm``: its costs and IMs (dollars),
    the legs it must move, the cleared share (fraction) and its dates."""

    time_min: float
    user: str
    firm: str
    user_type: str
    size: str
    eligible: bool
    moves_futures: bool
    moves_cash: bool
    cleared_share: float
    lead_days: int
    decided: dt.date
    ready: dt.date
    fixed_cost_usd: float
    consolidation_cost_usd: float
    cost_usd: float
    standalone_im_usd: float
    xm_im_usd: float
    annual_savings_usd: float


class OnboardingRecord(NamedTuple):
    """A firm starts onboarding ``user`` in the slot of ``month`` (YYYY-MM)."""

    time_min: float
    user: str
    firm: str
    month: str
    started: dt.date
    queued_days: int


class AdoptionRecord(NamedTuple):
    """``user`` goes live with XM at ``firm``; days from decision (business) and from the live
    date (calendar); the legs it moved."""

    time_min: float
    user: str
    firm: str
    decided: dt.date
    ready: dt.date
    started: dt.date
    adopted: dt.date
    days_to_adopt: int
    days_from_live: int
    moves_futures: bool
    moves_cash: bool


class AdoptionCountRecord(NamedTuple):
    """Counts of one end-user type (and size bucket, or ``all``) on a count date; money (dollars)
    only on the ``all`` rows."""

    date: dt.date
    user_type: str
    size: str
    users: int
    eligible: int
    onboarding: int
    queued: int
    adopted: int
    cost_paid_usd: float | None = None
    im_saved_usd: float | None = None
    savings_realised_usd: float | None = None


class MarketShareRecord(NamedTuple):
    """A firm's users and shares (fractions of users and of DV01) on one leg, at the ``start``
    or ``end`` of an adoption study."""

    when: str
    firm: str
    kind: str
    offers_xm: bool
    leg: str
    users: int
    share: float
    dv01_share: float
