"""The call book: every margin call of a run has one id and ends exactly once.

A call ends ``on_time`` (settled by its due time), ``late`` (settled after it, by the final
deadline), ``defaulted`` (not settled by the final deadline, or a CCP call open when its payer
was declared in default) or ``cancelled`` (a customer call open when a CCP declared its payee,
the clearing firm, in default: the firm no longer clears there, ``agents.firm_default``). The
book writes one ``calls`` row when a call ends and raises ``CallStateError`` on any second
ending.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from sim.errors import CallStateError
from sim.messages import MarginCall
from sim.records import CallRecord, Recorder


@dataclass
class _OpenCall:
    call: MarginCall
    paid: simpy.Event
    prefunded_cents: int = 0
    instructed_min: float = float("nan")


class EndedCalls:
    """Status of every ended call in about one byte per call (run ids ``C<number>``), so that
    memory stays flat however long the run; other ids (tests) fall back to a dict."""

    STATUSES = ("", "on_time", "late", "defaulted", "cancelled")

    def __init__(self) -> None:
        self._codes = bytearray()
        self._other: dict[str, str] = {}

    @staticmethod
    def _number(call_id: str) -> int | None:
        return int(call_id[1:]) if call_id[:1] == "C" and call_id[1:].isdigit() else None

    def __setitem__(self, call_id: str, status: str) -> None:
        n = self._number(call_id)
        if n is None:
            self._other[call_id] = status
            return
        if n >= len(self._codes):
            self._codes.extend(bytes(n + 1 - len(self._codes) + 4096))
        self._codes[n] = self.STATUSES.index(status)

    def get(self, call_id: str, default: str | None = None) -> str | None:
        n = self._number(call_id)
        if n is None:
            return self._other.get(call_id, default)
        code = self._codes[n] if n < len(self._codes) else 0
        return self.STATUSES[code] if code else default

    def __getitem__(self, call_id: str) -> str:
        status = self.get(call_id)
        if status is None:
            raise KeyError(call_id)
        return status

    def __contains__(self, call_id: str) -> bool:
        return self.get(call_id) is not None


class CallBook:
    def __init__(self, env: simpy.Environment, recorder: Recorder) -> None:
        self.env = env
        self.recorder = recorder
        self._open: dict[str, _OpenCall] = {}
        self.ended = EndedCalls()
        self.declared: set[str] = set()  # calls ended at their payer's default declaration
        self.on_default: list = []  # callables (call, minute) told of each call that defaults

    def issue(self, call: MarginCall) -> simpy.Event:
        """Open ``call``; returns the event that succeeds when it is settled."""
        if call.call_id in self._open or call.call_id in self.ended:
            raise CallStateError(f"call {call.call_id} issued twice")
        paid = self.env.event()
        self._open[call.call_id] = _OpenCall(call, paid)
        return paid

    def is_open(self, call_id: str) -> bool:
        return call_id in self._open

    def instructed(self, call_id: str, t: float) -> None:
        """Record when the payer instructed payment (the first instruction counts)."""
        entry = self._open.get(call_id)
        if entry is not None and entry.instructed_min != entry.instructed_min:  # still NaN
            entry.instructed_min = t

    def instructed_at(self, call_id: str) -> float:
        """When the payer of the open call ``call_id`` first instructed payment (NaN: not yet)."""
        return self._open[call_id].instructed_min

    def call(self, call_id: str) -> MarginCall:
        """The open call ``call_id`` as it stands (amended or not)."""
        return self._open[call_id].call

    def amend(self, call: MarginCall) -> None:
        """Replace the open call of ``call.call_id`` by ``call`` (a recomputed amount)."""
        entry = self._open.get(call.call_id)
        if entry is None:
            raise CallStateError(f"call {call.call_id} cannot be amended: it is not open")
        entry.call = call

    def add_prefund(self, call_id: str, cents: int) -> None:
        """Count ``cents`` the payer advanced for ``call_id`` (none once the call ended at its
        payer's default declaration: the money stays at the CCP as the defaulter's margin)."""
        if call_id not in self.declared:
            self._open[call_id].prefunded_cents += cents

    def settle(self, call_id: str, t: float) -> str:
        """Mark ``call_id`` paid at ``t``; returns its status."""
        entry = self._take(call_id)
        status = "on_time" if t <= entry.call.due_min else "late"
        self._end(entry, t, status)
        entry.paid.succeed(status)
        return status

    def default(self, call_id: str, t: float) -> None:
        """End ``call_id`` ``defaulted`` at its final deadline and tell ``on_default``; a call
        already ended at its payer's default declaration (``declare_default``) is left as is."""
        if call_id in self.declared:
            return
        entry = self._take(call_id)
        self._end(entry, float("nan"), "defaulted")
        for hook in self.on_default:
            hook(entry.call, t)

    def declare_default(self, call_id: str, t: float) -> None:
        """End open ``call_id`` ``defaulted`` now: its payer was declared in default."""
        self._end(self._take(call_id), float("nan"), "defaulted")
        self.declared.add(call_id)

    def cancel(self, call_id: str) -> None:
        """End open customer call ``call_id`` ``cancelled`` now: its payee firm was declared in
        default at the call's CCP."""
        self._end(self._take(call_id), float("nan"), "cancelled")

    def open_calls(self) -> list[MarginCall]:
        return [e.call for e in self._open.values()]

    def _take(self, call_id: str) -> _OpenCall:
        if call_id not in self._open:
            state = self.ended.get(call_id, "unknown")
            raise CallStateError(f"call {call_id} cannot end: it is {state}")
        return self._open.pop(call_id)

    def _end(self, entry: _OpenCall, settled: float, status: str) -> None:
        c = entry.call
        self.ended[c.call_id] = status
        self.recorder.add(  # CallRecord's fields in order: the call, then how it ended
            CallRecord(
                c.call_id, c.parent_id, c.level, c.ccp, c.cycle, c.payer, c.payee, c.account,
                c.cash_cents, c.im_cents, c.amount_cents, c.issued_min, c.due_min, c.final_min,
                entry.instructed_min, settled, status, entry.prefunded_cents,
            )
        )  # fmt: skip
