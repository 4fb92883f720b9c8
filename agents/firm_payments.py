"""The money side of a clearing firm: paying CCP calls, receiving customers' payments, pre-funding
and reimbursing itself, and returning customers' excess. A mixin of ``ClearingFirm``."""

from __future__ import annotations

from sim.messages import MarginCall, PaymentSettled, SubstitutionRequest
from sim.settlement.collateral import face_for_value, value_cents
from sim.settlement.ledger import CASH, SECURITIES
from sim.settlement.rails import FUNDS
from sim.settlement.rails import SECURITIES as SEC_RAIL


class FirmPayments:
    def pay_ccp(self, call: MarginCall):
        """Pay ``call`` shortly before its deadline: customer accounts from the segregated
        account (Treasuries for the IM part while Fedwire Securities is open, then cash),
        pre-funding the rest from the firm's own cash; house accounts from own cash."""
        pay_at = max(call.due_min - self.ops.firm_pay_lead_minutes, self.env.now)
        yield self.env.timeout(pay_at - self.env.now)
        yield from self.until_open(FUNDS)
        house = call.account.startswith("house")
        dst = f"ccp:{call.ccp}:{self.agent_id}:{call.account}"
        securities_value = 0 if house else self.post_securities(call, dst)
        cash = call.amount_cents - securities_value
        from_seg = 0 if house else min(cash, max(self.run.ledger.balance(self.seg), 0))
        own = cash - from_seg
        if own and not self.run.ledger.can_pay(self.cash, own):
            self.run.log("firm_liquidity_shortfall", self.agent_id, call.call_id, amount_cents=own)
            return
        if from_seg:
            self.transfer(self.seg, dst, from_seg, "ccp_call", call.call_id, rail=FUNDS)
        if own:
            purpose = "house_call" if house else "prefund"
            self.transfer(self.cash, dst, own, purpose, call.call_id, rail=FUNDS)
            if not house:
                self.prefund_outstanding += own
                self.run.calls.add_prefund(call.call_id, own)
        self.run.send(
            call.ccp,
            PaymentSettled(
                self.run.next_id("P"),
                call.call_id,
                self.agent_id,
                call.ccp,
                CASH,
                call.amount_cents,
                call.amount_cents,
                self.env.now,
            ),
        )

    def post_securities(self, call: MarginCall, dst: str) -> int:
        """Post segregated Treasuries for the IM part if the securities rail is open now;
        returns the value posted (cents, at the CCP's haircut)."""
        held = self.run.ledger.balance(self.seg, SECURITIES)
        rail_open = self.run.rails[SEC_RAIL].contains(self.run.calendar, self.env.now)
        if not (call.im_cents and held and rail_open):
            return 0
        price, haircut = self.run.collateral_price(), self.haircut[call.ccp]
        face = min(face_for_value(call.im_cents, price, haircut), held)
        value = min(value_cents(face, price, haircut), call.im_cents)
        if value <= 0:
            return 0
        self.transfer(
            self.seg,
            dst,
            face,
            "ccp_call",
            call.call_id,
            asset=SECURITIES,
            rail=SEC_RAIL,
            value=value,
        )
        return value

    def on_payment(self, msg: PaymentSettled) -> None:
        """A customer's payment arrived: it adds to the customer's equity and, once the call's
        amount is covered, settles the call (unless it already defaulted: then it is a
        deposit)."""
        call = self.issued[msg.call_id]
        key = (msg.payer, call.ccp)
        if msg.asset == SECURITIES:
            self.equity_sec[key] += msg.amount_cents
        else:
            self.equity[key] += msg.amount_cents
            self.reimburse(msg.amount_cents, msg.call_id)
        self.received[msg.call_id] = self.received.get(msg.call_id, 0) + msg.value_cents
        if self.received[msg.call_id] < call.amount_cents:
            return
        del self.issued[msg.call_id], self.received[msg.call_id]
        if self.run.calls.is_open(msg.call_id):
            self.called[key] -= call.amount_cents
            self.run.calls.settle(msg.call_id, msg.settled_min)
        else:
            self.run.log(
                "payment_after_default", self.agent_id, msg.call_id, counterparty=msg.payer
            )

    def reimburse(self, cents: int, ref: str) -> None:
        back = min(self.prefund_outstanding, cents, self.run.ledger.balance(self.seg))
        if back > 0:
            self.prefund_outstanding -= back
            self.transfer(self.seg, self.cash, back, "reimburse", ref)

    def return_excess(self, user: str, key: tuple[str, str], excess: int, ref: str) -> None:
        """Pay a customer's cash above the house requirement back to it (end users sweep
        excess daily), as far as the segregated account holds it; when Fedwire Funds is closed,
        at its next opening."""
        if self.run.rails[FUNDS].contains(self.run.calendar, self.env.now):
            self.pay_excess(user, key, excess, ref)
        else:
            self.env.process(self.excess_when_open(user, key, excess, ref))

    def excess_when_open(self, user: str, key: tuple[str, str], excess: int, ref: str):
        yield from self.until_open(FUNDS)
        self.pay_excess(user, key, excess, ref)

    def pay_excess(self, user: str, key: tuple[str, str], excess: int, ref: str) -> None:
        amount = min(excess, self.equity[key], self.run.ledger.balance(self.seg))
        if amount > 0:
            self.equity[key] -= amount
            self.transfer(self.seg, f"eu:{user}:cash", amount, "excess_return", ref, rail=FUNDS)

    def substitutions(self, clock: str):
        """Every business day at ``clock``: offer each CCP customer account the Treasuries
        in the segregated account in exchange for cash (collateral substitution)."""
        cal = self.run.calendar
        for day in range(cal.n_days):
            yield self.env.timeout(max(cal.at(day, clock) - self.env.now, 0.0))
            for ccp, account in self.customer_accounts:
                face = self.run.ledger.balance(self.seg, SECURITIES)
                if face > 0:
                    self.run.send(ccp, SubstitutionRequest(self.agent_id, account, face))
