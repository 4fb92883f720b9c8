"""A clearing firm's customers' margin deficits per segregation pool (``agents.segregation``).

A customer's deficit in a pool is what its open customer calls in that pool still lack: each
call's amount less what the firm has received for it (at least 0), counted once the call was
issued by the minute residual interest must cover it by (``Segregation.cutoff``: at once under
``immediate``, at the previous 18:00 ET check under ``cftc_1_22c``). Residual interest is
rebalanced after every change of a call, so the sums are kept as calls change (``track``: issued,
amended, paid, settled, defaulted or cancelled; customer calls end only at their firm) instead of
summed over all the firm's calls at each rebalance. ``verify`` checks every answer against that
full sum (``recompute``; tests).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from agents.segregation import POOLS, pool_of


class OpenDeficits:
    """The deficits of ``firm``'s (a ``ClearingFirm``) customers: per pool, customer: cents."""

    verify = False  # check each answer against ``recompute`` (tests)

    def __init__(self, firm) -> None:
        self.firm, self.calls = firm, firm.run.calls
        self.due: dict[str, dict[str, int]] = {pool: {} for pool in POOLS}
        self.counted: dict[str, tuple[str, str, int]] = {}  # call: (pool, payer, cents) counted
        self.later: deque[tuple[float, str]] = deque()  # (issued minute, call) issued after by
        self.by = -math.inf
        self.on_change: Callable[[str, str, int], None] = lambda pool, user, cents: None

    def unpaid(self, call) -> int:
        """What ``call`` still lacks: its amount less what the firm received for it, at least
        0 (cents)."""
        lack = call.cash_cents + call.im_cents - self.firm.received.get(call.call_id, 0)
        return lack if lack > 0 else 0

    def lack(self, call_id: str) -> int:
        """What call ``call_id`` adds to its payer's deficit now (cents)."""
        call = self.firm.issued.get(call_id)
        if call is None or call.issued_min > self.by or not self.calls.is_open(call_id):
            return 0
        return self.unpaid(call)

    def track(self, call_id: str) -> None:
        """Call ``call_id`` was issued or changed: count what it lacks now (a call issued after
        ``by`` waits in ``later``, counting 0)."""
        call, entry = self.firm.issued.get(call_id), self.counted.get(call_id)
        if entry is None:
            if call is None:
                return
            entry = (pool_of(call.ccp, call.account), call.payer, 0)
            if call.issued_min > self.by:
                self.later.append((call.issued_min, call_id))
                self.counted[call_id] = entry
                return
        pool, payer, before = entry
        cents = self.lack(call_id)
        if cents != before:
            due = self.due[pool]
            total = due.get(payer, 0) + cents - before
            if total:
                due[payer] = total
            else:
                del due[payer]
            self.on_change(pool, payer, total)
        if cents or (call is not None and call.issued_min > self.by):
            self.counted[call_id] = (pool, payer, cents)
        else:
            self.counted.pop(call_id, None)

    def deficits(self, pool: str, by: float) -> dict[str, int]:
        """Per customer, its deficit in ``pool`` from calls issued by minute ``by`` (cents; only
        customers with one)."""
        if by != self.by:
            self.move_to(by)
        due = self.due[pool]
        if self.verify:
            full = {u: c for u, c in self.recompute(pool, by).items() if c}
            assert due == full, (self.firm.agent_id, pool, due, full)
            pools = self.firm.treasury.pools
            gaps = sum(max(c - pools.owed[(pool, u)], 0) for u, c in full.items())
            assert pools.uncovered[pool] == gaps, (self.firm.agent_id, pool)
        return due

    def move_to(self, by: float) -> None:
        """Count from minute ``by`` on: the calls issued by then now count."""
        if by < self.by:  # never in a run (the cutoff only advances): count afresh
            for pool, due in self.due.items():
                for user in due:
                    self.on_change(pool, user, 0)
            self.by, self.counted, self.later = by, {}, deque()
            self.due = {pool: {} for pool in POOLS}
            for call_id in self.firm.issued:
                self.track(call_id)
            return
        self.by = by
        while self.later and self.later[0][0] <= by:
            self.track(self.later.popleft()[1])

    def recompute(self, pool: str, by: float) -> dict[str, int]:
        """The deficits summed afresh over all the firm's calls (the reference)."""
        out: dict[str, int] = {}
        for call in self.firm.issued.values():
            if call.issued_min > by or pool_of(call.ccp, call.account) != pool:
                continue
            if self.calls.is_open(call.call_id):
                out[call.payer] = out.get(call.payer, 0) + self.unpaid(call)
        return out
