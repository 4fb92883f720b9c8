"""Money ledger: named accounts holding integer cents.

Money enters the ledger only when an account is opened with a balance (an endowment) and never
after; every later movement is a ``transfer`` from one account to another, so the sum of all
balances is constant to the cent. An account may go negative only down to its credit limit (the
``external`` market counterparty has an unlimited one).
"""

from __future__ import annotations

import math

from sim.errors import LedgerError


class Ledger:
    """Accounts and transfers of one run. Balances and limits are integer cents."""

    def __init__(self) -> None:
        self._balance: dict[str, int] = {}
        self._limit: dict[str, float] = {}
        self._endowed = 0

    def open(self, name: str, balance_cents: int = 0, credit_limit_cents: float = 0) -> None:
        """Open ``name`` with an opening balance; ``credit_limit_cents`` may be ``math.inf``."""
        if name in self._balance:
            raise LedgerError(f"account {name!r} already open")
        if not isinstance(balance_cents, int):
            raise LedgerError(f"opening balance of {name!r} must be int cents")
        if balance_cents < -credit_limit_cents:
            raise LedgerError(f"opening balance of {name!r} below its credit limit")
        self._balance[name] = balance_cents
        self._limit[name] = credit_limit_cents
        self._endowed += balance_cents

    def balance(self, name: str) -> int:
        return self._balance[name]

    def available(self, name: str) -> float:
        """What ``name`` can pay now: balance plus unused credit (may be ``inf``)."""
        return self._balance[name] + self._limit[name]

    def can_pay(self, name: str, amount_cents: int) -> bool:
        return self.available(name) >= amount_cents

    def transfer(self, src: str, dst: str, amount_cents: int) -> None:
        """Move ``amount_cents`` (a positive int) from ``src`` to ``dst``."""
        if type(amount_cents) is not int or amount_cents <= 0:
            raise LedgerError(f"transfer amount must be positive int cents, got {amount_cents!r}")
        if src not in self._balance or dst not in self._balance:
            missing = src if src not in self._balance else dst
            raise LedgerError(f"unknown account {missing!r}")
        if src == dst:
            raise LedgerError(f"transfer from {src!r} to itself")
        if self._balance[src] - amount_cents < -self._limit[src]:
            raise LedgerError(
                f"{src!r} cannot pay {amount_cents} cents: balance {self._balance[src]},"
                f" credit limit {self._limit[src]}"
            )
        self._balance[src] -= amount_cents
        self._balance[dst] += amount_cents

    def total(self) -> int:
        """Sum of all balances; equals ``endowed()`` at all times."""
        return sum(self._balance.values())

    def endowed(self) -> int:
        return self._endowed

    def below_limit(self) -> list[str]:
        """Accounts whose balance is beyond their credit limit (must always be empty)."""
        return [n for n, b in self._balance.items() if b < -self._limit[n]]

    def balances(self) -> dict[str, int]:
        return dict(self._balance)


def to_cents(dollars: float) -> int:
    """Round float dollars to integer cents (half away from zero)."""
    return int(math.copysign(math.floor(abs(dollars) * 100 + 0.5), dollars))
