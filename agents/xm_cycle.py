"""One customer call per margin cycle on an XM customer's 4d statement
(``firms.xm_one_call_per_cycle``, with ``firms.xm_customer_equity: joint``).

Under customer cross-margining both legs of an XM customer sit in one CEA section 4d account at
the BD-FCM, so the firm sends it one statement per cycle: at each CCP statement it compares the
customer's total requirement (both legs, the latest of each CCP) with the total equity of the
joint key (``agents.customer_equity``), and calls at most once per cycle.

A cycle (``cycle_of``) is a business day and a mark, ``(CycleStatement.date_index,
CycleConfig.mark)`` of the statement's CCP cycle (``sim.config.ccp``): with the default cycles
the close cycle of business day d is CME's ``eod`` (run at 19:00 ET on d, issued at once, due
08:30 on d+1) and FICC's ``sod`` (run at 18:00 on d on d's close, issued at 08:30 on d+1, due
09:30), both of date_index d and mark ``close``; the intraday cycle of d is FICC's ``noon``
(12:00) and CME's ``intraday`` (13:30), mark ``intraday``. FICC's ad hoc statements (cycle
``adhoc``, not a configured cycle) belong to no cycle: each calls by itself.

When the second CCP's statement of a cycle finds a further shortfall of at least the minimum
transfer amount, the firm does not issue a second call: the shortfall is added to the cycle's
call while that call is still waiting at the desk or is open with no payment instructed or
received (``CallBook.amend``; the customer pays the call as it stands when it answers), else it
is absorbed: the firm carries it (the CCP call is pre-funded, ``agents.segregation``) and the
next cycle's statement calls it, since the customer's equity still lacks it. Either way the
firm's book of calls in flight (``CustomerEquity.called``) counts exactly what was called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from agents.customer_equity import JOINT, Key
from sim.messages import CycleStatement, MarginCall
from sim.run import Run
from sim.settlement.collateral import Shortfall


def cycle_of(run: Run, st: CycleStatement) -> tuple[int, str] | None:
    """The cycle of ``st``: (business day, mark) of its CCP cycle; None for an ad hoc one."""
    cycle = getattr(run.config, st.ccp).cycles.get(st.cycle)
    return None if cycle is None else (st.date_index, cycle.mark)


def added(a: Shortfall, b: Shortfall) -> Shortfall:
    """``a`` and a further shortfall ``b`` of the same key: parts added, ``b``'s requirement
    (the later, total one)."""
    return Shortfall(a.cash_due + b.cash_due, a.im_due + b.im_due, 0, b.requirement)


@dataclass
class CycleCall:
    """A key's call of ``cycle``: ``call_id`` once issued (empty at the desk), ``extra`` the
    shortfall added while it waited at the desk."""

    cycle: tuple[int, str]
    call_id: str = ""
    extra: Shortfall = field(default_factory=lambda: Shortfall(0, 0, 0))


class CycleCalls:
    """The firm's call of the current cycle per joint key."""

    def __init__(self, run: Run, enabled: bool, received: dict[str, int]) -> None:
        self.run, self.enabled = run, enabled
        self.calls: dict[Key, CycleCall] = {}
        self.received = received  # the firm's: what each call has received (cents)

    def cycle(self, key: Key, st: CycleStatement) -> tuple[int, str] | None:
        """The cycle ``st`` counts in for ``key``: None when calls are not folded (switch off,
        a key per CCP, an ad hoc statement)."""
        return cycle_of(self.run, st) if self.enabled and key[1] == JOINT else None

    def fold(self, key: Key, st: CycleStatement, position: Shortfall) -> tuple[str, str]:
        """A statement finds ``position`` due on ``key``: ("call", "") when it is the first of
        its cycle (a new call), else how the cycle's call ``call_id`` ("" at the desk) took it:
        ("added", call_id) or ("absorbed", call_id)."""
        cycle, entry = self.cycle(key, st), self.calls.get(key)
        if cycle is None or entry is None or entry.cycle != cycle:
            if cycle is not None:
                self.calls[key] = CycleCall(cycle)
            return "call", ""
        if not entry.call_id:
            entry.extra = added(entry.extra, position)
            return "added", ""
        return ("added" if self.can_add(entry.call_id) else "absorbed"), entry.call_id

    def can_add(self, call_id: str) -> bool:
        """A call may grow while open, with no payment instructed or received."""
        calls = self.run.calls
        if not calls.is_open(call_id) or self.received.get(call_id, 0):
            return False
        return math.isnan(calls.instructed_at(call_id))  # no payment instructed yet

    def issued(self, key: Key, st: CycleStatement, call_id: str) -> Shortfall:
        """The call of ``st``'s cycle on ``key`` left the desk as ``call_id``; returns the
        shortfall added to it meanwhile."""
        entry = self.calls.get(key)
        if entry is None or entry.call_id or entry.cycle != self.cycle(key, st):
            return Shortfall(0, 0, 0)
        entry.call_id = call_id
        return entry.extra


def grown(call: MarginCall, more: Shortfall) -> MarginCall:
    """``call`` with the further shortfall ``more`` added (requirement: the later one)."""
    return replace(
        call,
        cash_cents=call.cash_cents + more.cash_due,
        im_cents=call.im_cents + more.im_due,
        required_cents=more.requirement or call.required_cents,
    )
