"""Messages that agents exchange. Small, frozen, and the only way agents talk to each other.

Money is integer cents (``*_cents``; securities in cents of face value, their haircut value in
``value_cents``); time is float minutes since the simulation start (``*_min``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MarginCall:
    """A demand for margin: ``payer`` owes ``payee`` ``cash_cents`` in cash (variation margin,
    cash only) plus ``im_cents`` of initial margin (cash or securities at the payee's haircut
    value) by ``due_min``; not paid by ``final_min`` it defaults.

    ``level`` is ``"ccp"`` (CCP -> clearing firm) or ``"customer"`` (firm -> end user);
    ``cycle`` the CCP cycle it comes from; ``parent_id`` links a customer call to the CCP call
    of the same cycle ("" when none); ``required_cents`` the house requirement a customer call
    brings the customer's equity up to (0 when not known), which deleveraging scales down.
    """

    call_id: str
    level: str
    ccp: str
    cycle: str
    payer: str
    payee: str
    account: str
    cash_cents: int
    im_cents: int
    issued_min: float
    due_min: float
    final_min: float
    parent_id: str = ""
    required_cents: int = 0

    @property
    def amount_cents(self) -> int:
        return self.cash_cents + self.im_cents


@dataclass(frozen=True, slots=True)
class CycleStatement:
    """A CCP's margin statement for one clearing-firm account and cycle.

    Per customer (gross, customer by customer): the initial margin requirement after any XM
    reduction and the variation margin of the cycle (positive: the customer gained). ``call`` is
    the net demand on the firm when the account is short; otherwise ``payout_cents`` is the
    value the CCP will release to the firm at the cycle's pay-out time
    (``CycleConfig.payout_clock``; by default its due time). Under LSOC (``CcpConfig.lsoc``,
    customer accounts) ``deficits`` and ``excesses`` are each customer's own deficit and excess
    (cents, in ``customers`` order): the call is the sum of the deficits and the payout the sum
    of the excesses, both may come in one statement; empty for a netted account.
    """

    cycle_id: str
    ccp: str
    cycle: str
    firm: str
    account: str
    date_index: int
    customers: tuple[str, ...]
    im_cents: tuple[int, ...]
    vm_cents: tuple[int, ...]
    call: MarginCall | None
    payout_cents: int
    deficits: tuple[int, ...] = ()
    excesses: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """An instruction to a custodian to move ``amount_cents`` of ``asset`` (``USD`` cash or
    ``UST`` face) for a call; ``value_cents`` is what the payee credits for it."""

    payment_id: str
    call_id: str
    payer: str
    payee: str
    asset: str
    src_account: str
    dst_account: str
    amount_cents: int
    value_cents: int
    instructed_min: float


@dataclass(frozen=True, slots=True)
class PaymentSettled:
    """Confirmation that a payment settled (sent to the payee and the payer). ``faces``: for a
    firm's payment of a CCP call on a customer account, the Treasuries it delivered per customer
    (customer, face cents, value cents; customer ``""`` when not attributed), for the CCP's
    per-customer attribution (LSOC)."""

    payment_id: str
    call_id: str
    payer: str
    payee: str
    asset: str
    amount_cents: int
    value_cents: int
    settled_min: float
    faces: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class XmFigures:
    """One CCP's figures for its XM accounts in a cycle, sent to the other CCP: the IM (dollars,
    under the sender's model) of each account's futures leg, cash leg and both combined, from
    which either CCP derives the sender's reduction factor or a joint requirement. ``mark`` is
    ``close`` or ``intraday``: the prices the figures were computed on."""

    ccp: str
    date_index: int
    mark: str
    customers: tuple[str, ...]
    futures_usd: tuple[float, ...]
    cash_usd: tuple[float, ...]
    combined_usd: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class CollateralReleased:
    """A CCP released ``cash_cents`` of cash and ``face_cents`` of Treasuries (face) from
    ``firm``'s customer ``account`` into the firm's segregated account (a cycle's payout);
    under LSOC ``parts``: per customer (customer, cash cents, face cents), as the CCP
    attributed it."""

    ccp: str
    firm: str
    account: str
    cash_cents: int
    face_cents: int
    parts: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SubstitutionRequest:
    """A firm asks a CCP to take up to ``face_cents`` of Treasuries from its segregated account
    into member account ``account`` and return the same value of cash (collateral
    substitution); ``user``: the customer whose Treasuries they are (``""``: not attributed).
    """

    firm: str
    account: str
    face_cents: int
    user: str = ""


@dataclass(frozen=True, slots=True)
class MemberDeclared:
    """CCP ``ccp`` declared clearing firm ``firm`` in default (``agents.member_default``): sent
    to the firm, which stops clearing there (``agents.firm_default``)."""

    ccp: str
    firm: str


@dataclass(frozen=True, slots=True)
class PositionChange:
    """Scales an end user's ``leg`` (``futures`` or ``cash``) by ``scale`` (0 closes it), for
    ``reason``: deleverage, liquidation, scale_up. Sent by the user to the firm that clears the
    leg, and by that firm to both CCPs (each keeps both legs of XM accounts)."""

    user: str
    leg: str
    scale: float
    reason: str


@dataclass(frozen=True, slots=True)
class Deleveraged:
    """``user`` sold ``fraction`` of both legs to meet call ``call_id``: the firm that made the
    call recomputes it on the smaller positions (``agents.clearing_firm``)."""

    user: str
    call_id: str
    fraction: float


# --- adoption studies (agents.adopters, agents.adoption_desk) ---


@dataclass(frozen=True, slots=True)
class OnboardingRequest:
    """A user's decision to adopt, sent to the desk of the firm that will onboard it (day
    indices are business days of the run)."""

    user: int
    user_id: str
    firm: str
    decided_day: int
    lead_days: int
    moved: tuple[str, ...]

    @property
    def ready_day(self) -> int:
        return self.decided_day + self.lead_days


@dataclass(frozen=True, slots=True)
class OnboardingStarted:
    """A firm's desk started onboarding user ``user`` (its index) on business day ``day``."""

    user: int
    day: int


@dataclass(frozen=True, slots=True)
class Adopted:
    """User ``user`` (index) went live with XM at firm ``firm`` (index) on business day ``day``,
    having moved ``moved`` legs there."""

    user: int
    firm: int
    day: int
    moved: tuple[str, ...]
