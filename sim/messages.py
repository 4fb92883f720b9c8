"""Messages that agents exchange. Small, frozen, and the only way agents talk to each other.

Money is integer cents (``*_cents``); time is float minutes since the simulation start (``*_min``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MarginCall:
    """A demand for margin: ``payer`` owes ``amount_cents`` to ``payee`` by ``due_min``.

    ``level`` is ``"ccp"`` (CCP -> clearing firm) or ``"customer"`` (firm -> end user). A call
    not paid by ``final_min`` defaults. ``parent_id`` links a customer call to the CCP call of the
    same cycle ("" when none).
    """

    call_id: str
    level: str
    ccp: str
    payer: str
    payee: str
    account: str
    amount_cents: int
    issued_min: float
    due_min: float
    final_min: float
    parent_id: str = ""


@dataclass(frozen=True, slots=True)
class CycleStatement:
    """A CCP's margin statement for one clearing-firm account and cycle.

    Per customer (gross, customer by customer): the initial margin requirement after any XM
    reduction and the variation margin of the cycle (positive: the customer gained). ``call`` is
    the net demand on the firm when the account is short; ``payout_cents`` what the CCP paid the
    firm when the account had excess.
    """

    cycle_id: str
    ccp: str
    firm: str
    account: str
    date_index: int
    customers: tuple[str, ...]
    im_cents: tuple[int, ...]
    vm_cents: tuple[int, ...]
    call: MarginCall | None
    payout_cents: int


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """An end user's instruction to its custodian to pay a call from its cash account."""

    payment_id: str
    call_id: str
    payer: str
    payee: str
    src_account: str
    dst_account: str
    amount_cents: int
    instructed_min: float


@dataclass(frozen=True, slots=True)
class PaymentSettled:
    """A custodian's confirmation that a payment settled (sent to the payee and the payer)."""

    payment_id: str
    call_id: str
    payer: str
    payee: str
    amount_cents: int
    settled_min: float


@dataclass(frozen=True, slots=True)
class ReductionFactors:
    """One CCP's figures for its XM accounts in a cycle, sent to the other CCP: the IM (dollars,
    under the sender's model) of each account's futures leg, cash leg and both combined, from
    which either CCP derives the sender's reduction factor or a joint requirement."""

    ccp: str
    date_index: int
    customers: tuple[str, ...]
    futures_usd: tuple[float, ...]
    cash_usd: tuple[float, ...]
    combined_usd: tuple[float, ...]
