"""Ledger: named accounts holding integer amounts of two assets.

``USD`` is cash in cents; ``UST`` is Treasury collateral in cents of face value (valued with a
price and a haircut only where it is used: ``sim.settlement.collateral``). An asset enters the
ledger only when an account is opened with a balance (an endowment) and never after; every later
movement is a ``transfer`` from one account to another, so the sum of all balances of each asset is
constant to the cent. A cash account may go negative only down to its credit limit (the ``external``
market counterparty has an unlimited one); securities never go negative.

Customer protection (CFTC Regulation 1.22, SEC Rule 15c3-3): an account opened with an ``owner``
is one customer's segregated sub-account. Money leaves it only for that customer's own
obligations: every transfer out of it names its ``beneficiary``, and a transfer whose
beneficiary is not the owner (another customer's deficit, or none named) raises ``LedgerError``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.errors import LedgerError

CASH, SECURITIES = "USD", "UST"
ASSETS = (CASH, SECURITIES)


class Ledger:
    """Accounts and transfers of one run. Balances and limits are integer cents."""

    def __init__(self) -> None:
        self._balance: dict[str, dict[str, int]] = {a: {} for a in ASSETS}
        self._limit: dict[str, float] = {}
        self._endowed = dict.fromkeys(ASSETS, 0)
        self._owner: dict[str, str] = {}  # customer sub-account: the customer it belongs to
        self._watch: dict[str, Callable[[], None]] = {}  # account: called after a credit

    def open(
        self,
        name: str,
        balance_cents: int = 0,
        credit_limit_cents: float = 0,
        securities_cents: int = 0,
        owner: str | None = None,
    ) -> None:
        """Open ``name`` with opening cash and securities; the credit limit may be ``math.inf``;
        ``owner``: the customer whose segregated sub-account it is (see the module docstring)."""
        if name in self._limit:
            raise LedgerError(f"account {name!r} already open")
        for value in (balance_cents, securities_cents):
            if type(value) is not int:
                raise LedgerError(f"opening balances of {name!r} must be int cents")
        if balance_cents < -credit_limit_cents or securities_cents < 0:
            raise LedgerError(f"opening balance of {name!r} below its limit")
        self._balance[CASH][name] = balance_cents
        self._balance[SECURITIES][name] = securities_cents
        self._limit[name] = credit_limit_cents
        if owner is not None:
            self._owner[name] = owner
        self._endowed[CASH] += balance_cents
        self._endowed[SECURITIES] += securities_cents

    def owner(self, name: str) -> str | None:
        """The customer owning sub-account ``name`` (None: not a customer sub-account)."""
        return self._owner.get(name)

    def is_open(self, name: str) -> bool:
        return name in self._limit

    def balance(self, name: str, asset: str = CASH) -> int:
        return self._balance[asset][name]

    def available(self, name: str) -> float:
        """Cash ``name`` can pay now: balance plus unused credit (may be ``inf``)."""
        return self._balance[CASH][name] + self._limit[name]

    def limit(self, name: str) -> float:
        """The credit limit of ``name`` (cents; may be ``inf``)."""
        return self._limit[name]

    def set_limit(self, name: str, credit_limit_cents: float) -> None:
        """Change the credit limit of ``name`` (a lender cuts or grants a line); refused when
        the account's cash balance is already below the new limit, or the limit is negative."""
        if name not in self._limit:
            raise LedgerError(f"unknown account {name!r}")
        if not credit_limit_cents >= 0:
            raise LedgerError(f"credit limit of {name!r} must be >= 0, got {credit_limit_cents}")
        if self._balance[CASH][name] < -credit_limit_cents:
            raise LedgerError(
                f"credit limit of {name!r} cannot fall to {credit_limit_cents} cents: balance"
                f" {self._balance[CASH][name]}"
            )
        self._limit[name] = credit_limit_cents

    def watch(self, name: str, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every transfer into ``name`` (one watcher per account):
        a payer waiting for incoming funds (``agents.firm_limits``)."""
        self._watch[name] = callback

    def can_pay(self, name: str, amount_cents: int) -> bool:
        return self.available(name) >= amount_cents

    def transfer(
        self,
        src: str,
        dst: str,
        amount_cents: int,
        asset: str = CASH,
        beneficiary: str | None = None,
    ) -> None:
        """Move ``amount_cents`` (a positive int) of ``asset`` from ``src`` to ``dst``, for the
        obligation of customer ``beneficiary`` (required, and equal to the owner, when ``src`` is
        a customer's segregated sub-account)."""
        if src in self._owner:
            self.check_segregation(src, beneficiary)
        if type(amount_cents) is not int or amount_cents <= 0:
            raise LedgerError(f"transfer amount must be positive int cents, got {amount_cents!r}")
        book = self._balance[asset]
        if src not in book or dst not in book:
            raise LedgerError(f"unknown account {src if src not in book else dst!r}")
        if src == dst:
            raise LedgerError(f"transfer from {src!r} to itself")
        floor = -self._limit[src] if asset == CASH else 0
        if book[src] - amount_cents < floor:
            raise LedgerError(
                f"{src!r} cannot pay {amount_cents} cents of {asset}: balance {book[src]},"
                f" limit {floor}"
            )
        book[src] -= amount_cents
        book[dst] += amount_cents
        if self._watch and dst in self._watch:
            self._watch[dst]()

    def check_segregation(self, src: str, beneficiary: str | None) -> None:
        """Raise ``LedgerError`` if money out of ``src``, a customer's sub-account, would fund
        an obligation other than its owner's."""
        owner = self._owner.get(src)
        if owner is not None and beneficiary != owner:
            raise LedgerError(
                f"segregation breach: {src!r} (customer {owner}) would fund the obligation of"
                f" {beneficiary or 'no named customer'}"
            )

    def total(self, asset: str = CASH) -> int:
        """Sum of all balances of ``asset``; equals ``endowed(asset)`` at all times."""
        return sum(self._balance[asset].values())

    def endowed(self, asset: str = CASH) -> int:
        return self._endowed[asset]

    def below_limit(self) -> list[str]:
        """Accounts beyond their credit limit or with negative securities (always empty)."""
        cash = [n for n, b in self._balance[CASH].items() if b < -self._limit[n]]
        return cash + [n for n, b in self._balance[SECURITIES].items() if b < 0]

    def conserved(self) -> bool:
        return all(self.total(a) == self._endowed[a] for a in ASSETS)

    def balances(self, asset: str = CASH) -> dict[str, int]:
        return dict(self._balance[asset])


def to_cents(dollars: float | np.ndarray) -> int | np.ndarray:
    """Float dollars to integer cents, the project's one rounding rule: to the nearest cent,
    halves away from zero (12.5 cents -> 13, -12.5 -> -13), as ``math.floor(|x| 100 + 0.5)``
    with the sign of ``x``. A scalar gives an ``int``, an array an ``int64`` array."""
    scaled = np.floor(np.abs(np.asarray(dollars, dtype=float)) * 100.0 + 0.5)
    cents = np.copysign(scaled, dollars)
    return int(cents) if cents.ndim == 0 else cents.astype(np.int64)


def pro_rata_cents(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` cents split in proportion to ``weights`` (>= 0) in whole cents that sum to
    ``total`` exactly (largest remainders; equal weights when all are 0)."""
    w = np.asarray(weights, dtype=float)
    if not len(w):
        return np.zeros(0, dtype=np.int64)
    w = np.ones_like(w) if w.sum() <= 0 else w
    exact = total * w / w.sum()
    out = np.floor(exact).astype(np.int64)
    rest = int(total - out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:rest]] += 1
    return out
