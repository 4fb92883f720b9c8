"""A clearing firm's timing limits and day-end limits (issue 13 item 2).

- CME's collateral cutoffs (``CcpConfig.collateral_cutoffs``, ``CycleConfig.collateral_cutoff``;
  sources ``sim.config.ccp.
  CME_CUTOFFS``): Treasuries delivered for a call of a cycle after the cycle's cutoff on the
  business day the call was issued do not count toward the call, so the firm pays that part in
  cash (``treasuries_for``), from the customer's cash or its own (pre-funding), and logs
  ``collateral_cutoff_cash``.
- Daylight-overdraft cap (``firms.daylight_overdraft_cap``; the Federal Reserve's
  Payment System Risk policy caps a bank's daylight overdrafts at a multiple of its capital,
  de minimis 0.40): the firm's own cash account may not go below ``-cap`` (within its credit
  line, the ledger's limit), ``cap`` the multiple times the firm's capital (``firm_capital``).
  A CCP payment beyond it waits (``FundsWatch``: woken by every credit to the firm's cash or
  residual-interest accounts) until it fits or the call's final deadline passes
  (``agents.firm_treasury.FirmTreasury.pay_ccp``; events ``payment_queued``,
  ``payment_released``).
- Per-customer credit limits (``firms.customer_credit_limit_multiple``; CFTC Regulation 1.73:
  a clearing FCM's risk-based limits per customer): ``CreditLimits`` marks a customer whose
  outstanding pre-funding exceeds the multiple of its house requirement as in breach
  (``customer_credit_breach``); its calls then lose their grace period
  (``agents.clearing_firm``).
"""

from __future__ import annotations

from collections.abc import Iterable

import simpy

from sim.config import FirmsConfig
from sim.messages import MarginCall
from sim.run import Run
from sim.settlement.collateral import face_for_value, value_cents
from sim.settlement.ledger import SECURITIES
from sim.settlement.rails import FEDWIRE_SECURITIES


def firm_capital(run: Run, firm_id: str, cfg: FirmsConfig) -> float:
    """The firm's capital (dollars): ``capital_usd`` times its size weight over the mean size
    weight of the population's firms (as ``sim.metrics.capital``), ``capital_usd`` without a
    population."""
    firms = getattr(getattr(run, "population", None), "firms", ())
    weights = {f.firm_id: f.size_weight for f in firms}
    if firm_id not in weights:
        return cfg.capital_usd
    return cfg.capital_usd * weights[firm_id] * len(weights) / sum(weights.values())


def past_cutoff(run: Run, call: MarginCall) -> bool:
    """Whether it is now past the collateral cutoff of ``call``'s CCP cycle on the business day
    the call was issued (False for a cycle without one, and for ad hoc calls)."""
    ccp = getattr(run.config, call.ccp)
    cycle = ccp.cycles.get(call.cycle) if ccp.collateral_cutoffs else None
    clock = None if cycle is None else cycle.collateral_cutoff
    if clock is None:
        return False
    return run.env.now > run.calendar.at(run.calendar.day_index(call.issued_min), clock)


def treasuries_for(
    run: Run, account: str, call: MarginCall, im: int, haircut: float
) -> tuple[int, int, int]:
    """The Treasuries of ``account`` to deliver now for up to ``im`` cents of ``call``'s IM
    part: (face, value at ``haircut``, value refused by the CCP's cutoff), cents. None while
    Fedwire Securities is closed; after the cutoff (``past_cutoff``) face and value are 0 and
    the third figure says what they would have counted."""
    held = run.ledger.balance(account, SECURITIES)
    rail_open = run.rails[FEDWIRE_SECURITIES].contains(run.calendar, run.env.now)
    if not (im > 0 and held and rail_open):
        return 0, 0, 0
    price = run.collateral_price()
    face = min(face_for_value(im, price, haircut), held)
    value = min(value_cents(face, price, haircut), im)
    if value <= 0:
        return 0, 0, 0
    return (0, 0, value) if past_cutoff(run, call) else (face, value, 0)


class FundsWatch:
    """An event that fires at the next credit to any of ``accounts`` (``Ledger.watch``)."""

    def __init__(self, run: Run, accounts: Iterable[str]) -> None:
        self.env = run.env
        self.pending: simpy.Event | None = None
        for name in accounts:
            run.ledger.watch(name, self.arrived)

    def arrived(self) -> None:
        if self.pending is not None and not self.pending.triggered:
            self.pending.succeed()

    def next_credit(self) -> simpy.Event:
        """The event of the next credit (one shared by every waiting payment)."""
        if self.pending is None or self.pending.triggered:
            self.pending = self.env.event()
        return self.pending


class CreditLimits:
    """Firm ``firm_id``'s per-customer credit limits: ``multiple`` x a customer's house
    requirement (cents) bounds what the firm may have advanced for it."""

    def __init__(self, run: Run, firm_id: str, multiple: float) -> None:
        self.run, self.env, self.firm_id, self.multiple = run, run.env, firm_id, multiple
        self.events: dict[str, simpy.Event] = {}  # customer: fires when it is in breach

    def breach(self, user: str) -> simpy.Event:
        """Fires (or has fired) when ``user`` is in breach of its limit."""
        if user not in self.events:
            self.events[user] = self.env.event()
        return self.events[user]

    def update(self, user: str, advanced: int, required: int) -> None:
        """``user`` now owes the firm ``advanced`` cents of pre-funding against a house
        requirement of ``required`` cents: it enters breach above the limit (logged once per
        breach) and leaves it at or below."""
        limit = self.multiple * required
        event = self.breach(user)
        if advanced > limit and not event.triggered:
            event.succeed()
            self.run.log("customer_credit_breach", self.firm_id, user, counterparty=user,
                         amount_cents=int(advanced - limit))  # fmt: skip
        elif advanced <= limit and event.triggered:
            del self.events[user]
