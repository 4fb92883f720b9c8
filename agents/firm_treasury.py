"""A clearing firm's treasury: the firm's own cash account and its customers' segregated account,
and every payment between them, the CCPs and the customers: paying CCP calls (pre-funding from
own cash what the segregated account lacks), reimbursing itself from customers' payments,
returning customers' excess, and offering the CCPs collateral substitutions."""

from __future__ import annotations

from collections.abc import Iterable

from agents.base import Agent
from agents.customer_equity import CustomerEquity, Key
from sim.config import FirmsConfig
from sim.messages import MarginCall, PaymentSettled, SubstitutionRequest
from sim.run import Run
from sim.settlement.collateral import face_for_value, value_cents
from sim.settlement.ledger import CASH, SECURITIES, to_cents
from sim.settlement.rails import FEDWIRE_FUNDS, FEDWIRE_SECURITIES


def own_liquidity(run: Run, firm_id: str, cfg: FirmsConfig) -> tuple[float, float]:
    """The firm's own cash and credit line (dollars): its ``FirmSpec``'s where the population
    sized them (``public_data``), else ``cfg``'s one figure for every firm."""
    firms = getattr(getattr(run, "population", None), "firms", ())
    spec = next((f for f in firms if f.firm_id == firm_id), None)
    own = getattr(spec, "own_liquidity_usd", None)
    line = getattr(spec, "credit_line_usd", None)
    return (
        cfg.own_liquidity_usd if own is None else own,
        cfg.credit_line_usd if line is None else line,
    )


class FirmTreasury:
    """Money moves on the authority of ``firm`` (the agent's ``transfer`` and ``until_open``);
    customers' equity is in ``customers``; CCP calls are paid ``pay_lead_minutes`` before their
    deadline, Treasuries counted at each CCP's haircut (``haircuts``)."""

    def __init__(
        self,
        run: Run,
        firm: Agent,
        customers: CustomerEquity,
        cfg: FirmsConfig,
        pay_lead_minutes: float,
        haircuts: dict[str, float],
    ) -> None:
        self.run, self.env, self.firm = run, run.env, firm
        self.firm_id = firm.agent_id
        self.customers, self.pay_lead, self.haircuts = customers, pay_lead_minutes, haircuts
        self.cash, self.seg = f"firm:{self.firm_id}:cash", f"firm:{self.firm_id}:seg"
        self.prefund_outstanding = 0
        own, line = own_liquidity(run, self.firm_id, cfg)
        run.ledger.open(self.cash, to_cents(own), to_cents(line))

    def open_segregated(self, cash_cents: int) -> None:
        """Open the segregated account with the customers' ``cash_cents``."""
        self.run.ledger.open(self.seg, cash_cents, 0, 0)

    def pay_ccp(self, call: MarginCall):
        """Pay ``call`` shortly before its deadline (once Fedwire Funds is open) and confirm it
        to the CCP; a firm that cannot cover its part leaves the call unpaid."""
        pay_at = max(call.due_min - self.pay_lead, self.env.now)
        yield self.env.timeout(pay_at - self.env.now)
        yield from self.firm.until_open(FEDWIRE_FUNDS)
        if self.deliver(call):
            self.confirm(call)

    def deliver(self, call: MarginCall) -> bool:
        """Move ``call``'s amount to the CCP: customer accounts from the segregated account
        (Treasuries for the IM part while Fedwire Securities is open, then cash), pre-funding the
        rest from own cash; house accounts from own cash. False when own cash falls short."""
        house = call.account.startswith("house")
        dst = f"ccp:{call.ccp}:{self.firm_id}:{call.account}"
        securities_value = 0 if house else self.post_securities(call, dst)
        cash = call.amount_cents - securities_value
        from_seg = 0 if house else min(cash, max(self.run.ledger.balance(self.seg), 0))
        own = cash - from_seg
        if own and not self.run.ledger.can_pay(self.cash, own):
            self.run.log("firm_liquidity_shortfall", self.firm_id, call.call_id, amount_cents=own)
            return False
        if from_seg:
            self.firm.transfer(
                self.seg, dst, from_seg, "ccp_call", call.call_id, rail=FEDWIRE_FUNDS
            )
        if own:
            self.pay_own(call, dst, own, house)
        return True

    def pay_own(self, call: MarginCall, dst: str, cents: int, house: bool) -> None:
        """Pay ``cents`` of ``call`` from own cash: a house call, or pre-funding customers."""
        purpose = "house_call" if house else "prefund"
        self.firm.transfer(self.cash, dst, cents, purpose, call.call_id, rail=FEDWIRE_FUNDS)
        if not house:
            self.prefund_outstanding += cents
            self.run.calls.add_prefund(call.call_id, cents)

    def confirm(self, call: MarginCall) -> None:
        paid = call.amount_cents
        self.run.send(
            call.ccp,
            PaymentSettled(
                self.run.next_id("P"),
                call.call_id,
                self.firm_id,
                call.ccp,
                CASH,
                paid,
                paid,
                self.env.now,
            ),
        )

    def post_securities(self, call: MarginCall, dst: str) -> int:
        """Post segregated Treasuries for the IM part if the securities rail is open now;
        returns the value posted (cents, at the CCP's haircut)."""
        held = self.run.ledger.balance(self.seg, SECURITIES)
        rail_open = self.run.rails[FEDWIRE_SECURITIES].contains(self.run.calendar, self.env.now)
        if not (call.im_cents and held and rail_open):
            return 0
        price, haircut = self.run.collateral_price(), self.haircuts[call.ccp]
        face = min(face_for_value(call.im_cents, price, haircut), held)
        value = min(value_cents(face, price, haircut), call.im_cents)
        if value <= 0:
            return 0
        self.firm.transfer(
            self.seg,
            dst,
            face,
            "ccp_call",
            call.call_id,
            asset=SECURITIES,
            rail=FEDWIRE_SECURITIES,
            value=value,
        )
        return value

    def reimburse(self, cents: int, ref: str) -> None:
        """A customer's cash arrived: take back pre-funding from it, as far as any is owed."""
        back = min(self.prefund_outstanding, cents, self.run.ledger.balance(self.seg))
        if back > 0:
            self.prefund_outstanding -= back
            self.firm.transfer(self.seg, self.cash, back, "reimburse", ref)

    def return_excess(self, user: str, key: Key, excess: int, ref: str) -> None:
        """Pay a customer's cash above the house requirement back to it (end users sweep
        excess daily), as far as the segregated account holds it; when Fedwire Funds is closed,
        at its next opening."""
        if self.run.rails[FEDWIRE_FUNDS].contains(self.run.calendar, self.env.now):
            self.pay_excess(user, key, excess, ref)
        else:
            self.env.process(self.excess_when_open(user, key, excess, ref))

    def excess_when_open(self, user: str, key: Key, excess: int, ref: str):
        yield from self.firm.until_open(FEDWIRE_FUNDS)
        self.pay_excess(user, key, excess, ref)

    def pay_excess(self, user: str, key: Key, excess: int, ref: str) -> None:
        free = self.customers.still_free(key, excess)
        amount = min(free, self.customers.cash[key], self.run.ledger.balance(self.seg))
        if amount > 0:
            self.customers.withdraw(key, amount)
            dst = f"eu:{user}:cash"
            self.firm.transfer(self.seg, dst, amount, "excess_return", ref, rail=FEDWIRE_FUNDS)

    def substitutions(self, clock: str, accounts: Iterable[tuple[str, str]]):
        """Every business day at ``clock``: offer each of the CCP customer ``accounts`` (CCP,
        account) the Treasuries in the segregated account in exchange for cash."""
        cal = self.run.calendar
        for day in range(cal.n_days):
            yield self.env.timeout(max(cal.at(day, clock) - self.env.now, 0.0))
            for ccp, account in accounts:
                face = self.run.ledger.balance(self.seg, SECURITIES)
                if face > 0:
                    self.run.send(ccp, SubstitutionRequest(self.firm_id, account, face))
