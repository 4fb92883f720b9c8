"""A clearing firm's treasury: the firm's own cash account and its customers' segregated account,
and every payment between them, the CCPs and the customers: paying CCP calls (pre-funding from
own cash what the customers' money lacks), reimbursing itself from customers' payments,
returning customers' excess, and offering the CCPs collateral substitutions.

CME's collateral cutoffs, the firm's daylight-overdraft cap (a CCP payment beyond it queued for
incoming funds) and its per-customer credit limits are in ``agents.firm_limits``.

Under ``firms.segregation: pooled`` (before issue 13) the segregated account holds all
customers' money and a CCP call is paid from it first; under ``per_customer`` (default) it only
receives payments, attributed at once to customers' sub-accounts (``agents.segregation``)."""

from __future__ import annotations

from collections.abc import Iterable

from agents.base import Agent
from agents.customer_equity import CustomerEquity, Key
from agents.firm_limits import FundsWatch, firm_capital, treasuries_for
from agents.segregation import POOLS, Segregation, pool_of
from sim.config import FirmsConfig
from sim.messages import MarginCall, PaymentSettled, SubstitutionRequest
from sim.run import Run
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
        self.pools = None if cfg.segregation == "pooled" else Segregation(
            run, firm, self.cash, self.seg, haircuts
        )  # fmt: skip
        self.cap, self.watch = None, None  # overdraft cap (cents), waking queued payments
        if cfg.daylight_overdraft_cap:
            self.overdraft_cap(
                cfg.daylight_overdraft_cap_multiple * firm_capital(run, self.firm_id, cfg)
            )
        if self.pools is not None:
            self.pools.cash_room = self.cash_room
        self.key_pool: dict[Key, str] = {}  # equity key: its segregation pool
        self.accounts_of: dict[str, set[tuple[str, str]]] = {}  # customer: (CCP, account)
        self.parts: dict[str, dict[str, int]] = {}  # CCP call: its customers' parts
        self.faces: dict[str, list[tuple[str, int, int]]] = {}  # call: pooled Treasuries sent

    def overdraft_cap(self, cap_usd: float) -> None:
        """Cap the firm's daylight overdraft at ``cap_usd``; watch its cash and residual
        interest for funds that release a queued payment."""
        self.cap = to_cents(cap_usd)
        extra = () if self.pools is None else [self.pools.residual(p) for p in POOLS]
        self.watch = FundsWatch(self.run, [self.cash, *extra])

    def open_segregated(self, rows: list[tuple[str, str, str, int, int]]) -> None:
        """Open the segregated account with the customers' add-ons (rows of customer, CCP,
        account, CCP IM, add-on; cents): all in it when pooled, else each in its sub-account."""
        for user, ccp, account, _, _ in rows:
            self.know(user, ccp, account)
        pooled = self.pools is None
        self.run.ledger.open(self.seg, sum(r[4] for r in rows) if pooled else 0, 0, 0)
        if not pooled:
            self.pools.open_customers(rows)

    def know(self, user: str, ccp: str, account: str) -> str:
        """Remember ``user``'s ``account`` at ``ccp``; returns its pool."""
        pool = pool_of(ccp, account)
        self.key_pool[self.customers.key(user, ccp, account)] = pool
        self.accounts_of.setdefault(user, set()).add((ccp, account))
        return pool

    def customer_account(self, key: Key) -> str:
        """The ledger account holding the customer's cash of ``key``."""
        if self.pools is None:
            return self.seg
        return self.pools.sub(self.key_pool.get(key, "4d"), key[0])

    def attribute(self, ccp: str, account: str, rows: list, call: MarginCall | None, payout: int,
                  deficits: tuple[int, ...] = ()):  # fmt: skip
        """Per customer: split a statement's CCP call or release over the account's customers
        ``rows`` (user, IM, VM cents); a release is expected in the segregated account. Under
        LSOC (``deficits``: each customer's own, from the CCP) the call is split as the CCP
        attributed it, and its release arrives attributed (``CollateralReleased.parts``)."""
        if self.pools is None:
            return
        if deficits:
            if call is not None:
                own = zip((r[0] for r in rows), deficits, strict=True)
                self.parts[call.call_id] = {u: d for u, d in own if d > 0}
            return
        amount = call.amount_cents if call is not None else payout
        parts = self.pools.attribute(ccp, rows, amount, call is not None)
        if call is not None:
            self.parts[call.call_id] = parts
        elif payout > 0:
            self.pools.expect(ccp, account, parts)

    def rebalance(self, ref: str = "") -> None:
        if self.pools is not None:
            self.pools.rebalance(ref)

    def cash_room(self) -> float:
        """Cash the firm can pay from its own account now (cents): balance plus unused credit
        line, and no further below zero than its daylight-overdraft cap (``agents.firm_limits``;
        may be ``inf``)."""
        room = self.run.ledger.available(self.cash)
        if self.cap is None:
            return room
        return min(room, self.run.ledger.balance(self.cash) + self.cap)

    def pay_ccp(self, call: MarginCall):
        """Pay ``call`` shortly before its deadline (once Fedwire Funds is open) and confirm it
        to the CCP, unless it already ended (the firm was declared in default). A firm that
        cannot cover its part leaves the call unpaid: at once without a daylight-overdraft cap,
        else after waiting for funds until the call's final deadline."""
        pay_at = max(call.due_min - self.pay_lead, self.env.now)
        yield self.env.timeout(pay_at - self.env.now)
        yield from self.firm.until_open(FEDWIRE_FUNDS)
        if not self.run.calls.is_open(call.call_id):  # ended at the firm's declaration
            self.parts.pop(call.call_id, None)
            return
        short = self.deliver(call)
        if short and self.watch is not None:
            short = yield from self.queue(call, short)
        if short is None:  # ended at the firm's declaration while it waited
            return
        if short:
            self.run.log("firm_liquidity_shortfall", self.firm_id, call.call_id,
                         amount_cents=short)  # fmt: skip
            return
        self.confirm(call)

    def queue(self, call: MarginCall, short: int):
        """Hold ``call``'s payment, ``short`` cents beyond the cap, until funds arrive and it
        fits, or the call's final deadline; returns what is still short (0: paid; None: the
        call ended meanwhile at the firm's default declaration)."""
        self.run.log("payment_queued", self.firm_id, call.call_id, amount_cents=short)
        while short and self.env.now < call.final_min:
            yield self.watch.next_credit() | self.env.timeout(call.final_min - self.env.now)
            yield from self.firm.until_open(FEDWIRE_FUNDS)
            if not self.run.calls.is_open(call.call_id):
                self.parts.pop(call.call_id, None)
                return None
            if self.env.now < call.final_min:
                short = self.deliver(call)
        if not short:
            self.run.log("payment_released", self.firm_id, call.call_id,
                         amount_cents=call.amount_cents)  # fmt: skip
        return short

    def deliver(self, call: MarginCall) -> int:
        """Move ``call``'s amount to the CCP: customer accounts from the segregated account
        (Treasuries for the IM part while Fedwire Securities is open and before the CCP's
        cutoff, then cash), pre-funding the rest from own cash; house accounts from own cash.
        Returns 0, or the own cash it lacks (then nothing moved)."""
        house = call.account.startswith("house")
        dst = f"ccp:{call.ccp}:{self.firm_id}:{call.account}"
        if not house and self.pools is not None:
            parts = self.parts[call.call_id]
            short = self.pools.deliver(call, pool_of(call.ccp, call.account), parts, dst)
            if not short:
                del self.parts[call.call_id]
            return short
        face, value, refused = (
            (0, 0, 0) if house else treasuries_for(self.run, self.seg, call, call.im_cents,
                                                   self.haircuts[call.ccp])
        )  # fmt: skip
        cash = call.amount_cents - value
        from_seg = 0 if house else min(cash, max(self.run.ledger.balance(self.seg), 0))
        own = cash - from_seg
        if own > self.cash_room():
            return own
        self.post_securities(call, dst, face, value, refused)
        if from_seg:
            self.firm.transfer(
                self.seg, dst, from_seg, "ccp_call", call.call_id, rail=FEDWIRE_FUNDS
            )
        if own:
            self.pay_own(call, dst, own, house)
        return 0

    def pay_own(self, call: MarginCall, dst: str, cents: int, house: bool) -> None:
        """Pay ``cents`` of ``call`` from own cash: a house call, or pre-funding customers."""
        purpose = "house_call" if house else "prefund"
        self.firm.transfer(self.cash, dst, cents, purpose, call.call_id, rail=FEDWIRE_FUNDS)
        if not house:
            self.prefund_outstanding += cents
            self.run.calls.add_prefund(call.call_id, cents)

    def confirm(self, call: MarginCall) -> None:
        """Tell the CCP ``call`` is paid, with the Treasuries delivered per customer."""
        paid = call.amount_cents
        faces = () if self.pools is None else tuple(self.pools.faces.pop(call.call_id, ()))
        faces = tuple(self.faces.pop(call.call_id, ())) or faces
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
                faces,
            ),
        )

    def post_securities(self, call: MarginCall, dst: str, face: int, value: int, refused: int):
        """Post ``face`` of pooled Treasuries worth ``value`` for ``call``; log the value the
        CCP's cutoff ``refused`` (paid in cash instead)."""
        if refused:
            self.run.log("collateral_cutoff_cash", self.firm_id, call.call_id,
                         amount_cents=refused)  # fmt: skip
        if face <= 0:
            return
        self.firm.transfer(self.seg, dst, face, "ccp_call", call.call_id, asset=SECURITIES,
                           rail=FEDWIRE_SECURITIES, value=value)  # fmt: skip
        self.faces[call.call_id] = [("", face, value)]

    def receive(self, key: Key, asset: str, cents: int, ref: str) -> None:
        """A customer's payment arrived in the segregated account: per customer into its
        sub-account (taking back what the firm advanced for it), pooled taking back any
        pre-funding from cash."""
        if self.pools is not None:
            self.pools.receive(key[0], self.key_pool.get(key, "4d"), asset, cents, ref)
        elif asset != SECURITIES:
            self.reimburse(cents, ref)

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
        """Pay back ``excess``, unless a CCP of ``key`` declared the firm in default meanwhile
        (it then pays nothing for that CCP's legs, ``agents.firm_default``)."""
        declared = getattr(self.firm, "declared_at", None)
        if declared and declared & self.key_ccps(key):
            return
        src = self.customer_account(key)
        free = self.customers.still_free(key, excess)
        amount = min(free, self.customers.cash[key], self.run.ledger.balance(src))
        if amount > 0:
            self.customers.withdraw(key, amount)
            dst = f"eu:{user}:cash"
            self.firm.transfer(
                src, dst, amount, "excess_return", ref, rail=FEDWIRE_FUNDS, beneficiary=user
            )

    def key_ccps(self, key: Key) -> set[str]:
        """The CCPs whose accounts ``key`` holds equity for."""
        return {
            c
            for c, a in self.accounts_of.get(key[0], ())
            if self.customers.key(key[0], c, a) == key
        }

    def substitutions(self, clock: str, accounts: Iterable[tuple[str, str]]):
        """Every business day at ``clock``: offer each of the CCP customer ``accounts`` (CCP,
        account) the Treasuries in the segregated account in exchange for cash."""
        cal = self.run.calendar
        for day in range(cal.n_days):
            yield self.env.timeout(max(cal.at(day, clock) - self.env.now, 0.0))
            if self.pools is not None:
                self.substitute_per_customer(set(accounts))
                continue
            for ccp, account in accounts:
                face = self.run.ledger.balance(self.seg, SECURITIES)
                if face > 0:
                    self.run.send(ccp, SubstitutionRequest(self.firm_id, account, face))

    def substitute_per_customer(self, accounts: set[tuple[str, str]]) -> None:
        """Offer each customer's Treasuries to the CCP accounts it has at the firm: they pass
        through the segregated account, and the cash the CCP gives back (and any face it does
        not take) returns to the customer's sub-account."""
        ledger, pools = self.run.ledger, self.pools
        for user, held in sorted(self.accounts_of.items()):
            for ccp, account in sorted(held & accounts):
                sub = pools.sub(pool_of(ccp, account), user)
                face = ledger.balance(sub, SECURITIES)
                if face <= 0:
                    continue
                before = ledger.balance(self.seg), ledger.balance(self.seg, SECURITIES)
                self.firm.transfer(
                    sub, self.seg, face, "substitution", asset=SECURITIES, beneficiary=user
                )
                self.run.send(ccp, SubstitutionRequest(self.firm_id, account, face, user))
                back = ledger.balance(self.seg) - before[0]
                left = ledger.balance(self.seg, SECURITIES) - before[1]
                for asset, cents in ((CASH, back), (SECURITIES, left)):
                    if cents > 0:
                        self.firm.transfer(self.seg, sub, cents, "substitution", asset=asset)
