"""A clearing firm declared in default by a CCP stops clearing there (issue 13 item 4).

From the declaration (``MemberDeclared``, sent by ``agents.member_default``; both CCPs under
cross-default) the firm issues no new customer call for the legs of that CCP (a call still
waiting at the desk is dropped, ``drop_unissued``), makes no payment for them (it pays no CCP
call that is no longer open, returns no customer excess on them, and the CCP takes no collateral
substitution from it, ``Ccp.on_substitution``), and its open customer calls of that CCP end
``cancelled`` at the declaration (``CallBook.cancel``), exactly once: the customer answers a
cancelled call no more, and the call neither defaults nor closes the customer out at its final
deadline. The customer's positions are ported to a surviving firm, which calls it from then on,
or closed out by the CCP (``agents.porting``, ``agents.member_default``). What the customer
holds at the defaulter above its CCP collateral (the house add-on, and any payment instructed
before the declaration that arrives after it, logged ``payment_after_default``) stays with the
defaulter: the model has no bankruptcy trustee to return it.
"""

from __future__ import annotations

from agents.customer_equity import Key
from sim.messages import CycleStatement
from sim.settlement.collateral import Shortfall


def cease_clearing(firm, ccp: str) -> None:
    """``firm`` (a ``ClearingFirm``) was declared in default at ``ccp``: remember it and end its
    open customer calls of ``ccp`` ``cancelled`` now."""
    run = firm.run
    firm.declared_at.add(ccp)
    for call_id, call in sorted(firm.issued.items()):
        if call.ccp == ccp and run.calls.is_open(call_id):
            run.calls.cancel(call_id)
            firm.customers.call_ended(firm.call_key(call), call.amount_cents)
            firm.deficits.track(call_id)


def drop_unissued(firm, key: Key, st: CycleStatement, position: Shortfall) -> None:
    """A call of ``position`` on ``key`` (from statement ``st``) left the desk after the firm was
    declared in default at ``st``'s CCP: it is not issued; the firm's book of calls in flight
    forgets it, with what the cycle added to it at the desk (``agents.xm_cycle``)."""
    entry, extra = firm.cycles.calls.get(key), 0
    if entry is not None and not entry.call_id and entry.cycle == firm.cycles.cycle(key, st):
        extra = entry.extra.amount
        del firm.cycles.calls[key]
    firm.customers.call_ended(key, position.amount + extra)
