"""A clearing firm's customer segregation under ``firms.segregation: per_customer``.

Each customer's money at the firm sits in its own ledger sub-account ``firm:<firm>:<pool>:<user>``
(owned by the customer: ``sim.settlement.ledger`` refuses any transfer out of it that is not for
that customer's own obligation) in one of two pools: ``4d``, the CEA section 4d pool of futures
customers and customer XM accounts, or ``15c3``, the SEC Rule 15c3-3 reserve pool of FICC customer
accounts outside XM (``pool_of``). The firm's residual interest, its own money placed in each
pool, is ``firm:<firm>:<pool>:residual``. The firm's segregated account ``firm:<firm>:seg`` is
where customers' and CCPs' payments arrive; the firm attributes them at once to sub-accounts
(a customer's payment to its payer; a CCP release to the customers it was released for, as
estimated at the CCP's statement: ``attribute``).

A CCP call on a customer account is split over the account's customers (``attribute``); each
part is paid from that customer's sub-account (its Treasuries for the IM part while Fedwire
Securities is open and before the CCP's collateral cutoff, ``agents.firm_limits``, then its
cash) and the rest is advanced by the firm from residual interest, topped up from own cash
(within its daylight-overdraft cap): the advance is pre-funding (``prefund``), owed by that
customer and taken back from its sub-account when it pays. Residual interest covers the
customers' margin deficits (their open calls, less what the firm has already advanced for
them) from the moment the firm calls them (``immediate``) or, under CFTC Regulation 1.22(c)
(``cftc_1_22c``), the deficits open at one business day's 18:00 ET check by 18:00 ET the next
business day; above that the firm withdraws it to own cash.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Callable

import numpy as np

from agents.base import Agent
from agents.firm_limits import treasuries_for
from sim.messages import MarginCall
from sim.run import Run
from sim.settlement.ledger import CASH, SECURITIES, pro_rata_cents
from sim.settlement.rails import FEDWIRE_FUNDS, FEDWIRE_SECURITIES

FOURD, RESERVE = "4d", "15c3"
POOLS = (FOURD, RESERVE)
CHECK_CLOCK = "18:00"  # CFTC Regulation 1.22(c): residual interest in place by 6:00 p.m. ET

Deficits = Callable[[str, float], dict[str, int]]  # (pool, by minute): deficit per user, kept


def pool_of(ccp: str, account: str) -> str:
    """The pool of a customer's ``account`` at ``ccp``: FICC customer positions outside XM in
    the 15c3-3 reserve pool, futures and customer XM accounts in the 4d pool."""
    return RESERVE if ccp == "ficc" and account == "customer" else FOURD


def split(total: int, weights: dict[str, float]) -> dict[str, int]:
    """``total`` cents over the keys of ``weights`` (sorted) in proportion, negative weights as
    0 (``sim.settlement.ledger.pro_rata_cents``: the parts sum to ``total`` exactly), zero
    parts left out; all to the first key if every weight is zero."""
    keys = sorted(weights)
    w = np.array([max(weights[k], 0.0) for k in keys])
    if w.sum() <= 0:
        return {keys[0]: total}
    parts = pro_rata_cents(total, w).tolist()
    return {k: v for k, v in zip(keys, parts, strict=True) if v}


class Segregation:
    """Sub-accounts, residual interest and advances of firm ``firm`` (money moves on its
    authority); ``cash``: its own cash account; ``transit``: its segregated account;
    ``deficits``: its customers' open calls per pool; CCP ``haircuts`` value Treasuries."""

    def __init__(
        self, run: Run, firm: Agent, cash: str, transit: str, haircuts: dict[str, float]
    ) -> None:
        self.run, self.env, self.firm, self.ledger = run, run.env, firm, run.ledger
        self.cash, self.transit, self.haircuts = cash, transit, haircuts
        self.deficits: Deficits = lambda pool, by: {}
        self.cash_room: Callable[[], float] = lambda: self.ledger.available(cash)  # the firm's
        self.on_advance: Callable[[str], None] = lambda user: None  # a customer's debt changed
        self.owed: dict[tuple[str, str], int] = defaultdict(int)  # (pool, user): advanced
        self.deficit: dict[tuple[str, str], int] = {}  # (pool, user): deficit (``deficits``)
        self.uncovered = dict.fromkeys(POOLS, 0)  # per pool: deficits less advances, summed
        self.releases: dict[tuple[str, str], deque] = defaultdict(deque)  # (CCP, account)
        self.last_im: dict[tuple[str, str], int] = {}  # (user, CCP): IM at the last statement
        self.faces: dict[str, list[tuple[str, int, int]]] = defaultdict(list)  # call: delivered
        deadline = run.config.firms.residual_interest_deadline
        self.cutoff = math.inf if deadline == "immediate" else -math.inf
        self.residuals = {pool: f"firm:{firm.agent_id}:{pool}:residual" for pool in POOLS}
        self.subs: dict[tuple[str, str], str] = {}  # (pool, user): its open sub-account
        for pool in POOLS:
            self.ledger.open(self.residual(pool))

    def residual(self, pool: str) -> str:
        return self.residuals[pool]

    def sub(self, pool: str, user: str) -> str:
        """The customer's sub-account in ``pool`` (opened empty on first use)."""
        name = self.subs.get((pool, user))
        if name is None:
            name = f"firm:{self.firm.agent_id}:{pool}:{user}"
            if not self.ledger.is_open(name):
                self.ledger.open(name, owner=user)
            self.subs[(pool, user)] = name
        return name

    def open_customers(self, rows: list[tuple[str, str, str, int, int]]) -> None:
        """Open the run: per (customer, CCP, account, CCP IM, add-on) the customer's CCP IM sits
        at the CCP and its add-on (cents) in its sub-account."""
        add_on: dict[tuple[str, str], int] = defaultdict(int)
        for user, ccp, account, im, extra in rows:
            add_on[(pool_of(ccp, account), user)] += extra
            self.last_im[(user, ccp)] = im
        for (pool, user), cents in sorted(add_on.items()):
            self.ledger.open(f"firm:{self.firm.agent_id}:{pool}:{user}", cents, owner=user)

    def attribute(self, ccp: str, rows: list[tuple[str, int, int]], amount: int, call: bool):
        """Split a CCP call (``call``) or release of ``amount`` cents on a netted customer
        account over its customers ``rows`` (user, IM, VM in cents), estimated: in proportion
        to each customer's own shortfall (a call) or excess (a release) at the CCP since the
        last statement, the change in its IM less its VM (by IM if none has one). Under LSOC the
        CCP's own per-customer figures are used instead (``FirmTreasury.attribute``). Returns
        {user: cents}."""
        need = {u: im - self.last_im.get((u, ccp), 0) - vm for u, im, vm in rows}
        for user, im, _ in rows:
            self.last_im[(user, ccp)] = im
        weights = {u: (n if call else -n) for u, n in need.items()}
        if not any(w > 0 for w in weights.values()):
            weights = {u: float(im) for u, im, _ in rows}
        return split(amount, weights)

    def expect(self, ccp: str, account: str, parts: dict[str, int]) -> None:
        """A release of ``parts`` (user: cents) from ``account`` at ``ccp`` is due."""
        self.releases[(ccp, account)].append(parts)

    def released(self, ccp: str, account: str, cash: int, face: int, attributed=()) -> None:
        """A release from ``account`` at ``ccp`` arrived in the segregated account (``cash``
        cents and ``face`` cents of Treasuries): as the CCP attributed it per customer
        (``attributed``: customer, cash, face; LSOC), else the oldest release due, its cash to
        each customer in proportion to its part, its Treasuries in proportion to what cash left
        of each part."""
        if attributed:
            cash_parts = {u: c for u, c, _ in attributed}
            face_parts = {u: f for u, _, f in attributed}
        else:
            queue = self.releases[(ccp, account)]
            parts = queue.popleft() if queue else {}
            if not parts:
                return
            cash_parts = split(cash, {u: float(c) for u, c in parts.items()})
            rest = {u: float(c - cash_parts.get(u, 0)) for u, c in parts.items()}
            face_parts = split(face, rest if any(v > 0 for v in rest.values()) else parts)
        pool = pool_of(ccp, account)
        for asset, shares in ((CASH, cash_parts), (SECURITIES, face_parts)):
            for user, cents in sorted(shares.items()):
                if cents > 0:
                    self.firm.transfer(self.transit, self.sub(pool, user), cents, "allocate",
                                       asset=asset)  # fmt: skip

    def receive(self, user: str, pool: str, asset: str, cents: int, ref: str) -> None:
        """The customer's payment arrived: into its sub-account, cash taking back advances."""
        sub = self.sub(pool, user)
        self.firm.transfer(self.transit, sub, cents, "allocate", ref, asset=asset)
        owed = self.owed[(pool, user)]
        back = min(owed, self.ledger.balance(sub)) if asset == CASH else 0
        if back > 0:
            self.owe(pool, user, -back)
            self.firm.transfer(sub, self.residual(pool), back, "reimburse", ref, beneficiary=user)
            self.on_advance(user)

    def deliver(self, call: MarginCall, pool: str, parts: dict[str, int], dst: str) -> int:
        """Pay each customer's part of ``call``: its Treasuries (IM part, before the CCP's
        cutoff: ``agents.firm_limits``) and cash, the rest advanced by the firm. Returns 0, or
        the advance the firm has no room for (then nothing moved)."""
        plan = {user: self.plan(user, pool, call, part) for user, part in sorted(parts.items())}
        advance = sum(rest - own for _, _, _, rest, own in plan.values())
        room = max(self.ledger.balance(self.residual(pool)), 0) + self.cash_room()
        if advance > room:
            return advance
        for user, (face, value, refused, _, _) in plan.items():
            self.post_securities(user, pool, call, dst, (face, value, refused))
        for user, (_, _, _, rest, own) in plan.items():
            if own:
                self.firm.transfer(self.sub(pool, user), dst, own, "ccp_call", call.call_id,
                                   rail=FEDWIRE_FUNDS, beneficiary=user)  # fmt: skip
            if rest - own:
                self.advance(user, pool, dst, rest - own, call.call_id)
        return 0

    def plan(self, user: str, pool: str, call: MarginCall, part: int) -> tuple[int, ...]:
        """How the customer's ``part`` of ``call`` is paid: (face, value and cutoff-refused
        value of its Treasuries, the rest in cash, of which from its own cash), cents."""
        sub = self.sub(pool, user)
        im_part = part * call.im_cents // max(call.amount_cents, 1)
        face, value, refused = treasuries_for(self.run, sub, call, im_part, self.haircuts[call.ccp])
        rest = part - value
        return face, value, refused, rest, min(rest, max(self.ledger.balance(sub), 0))

    def advance(self, user: str, pool: str, dst: str, cents: int, call_id: str) -> None:
        """The firm's own money for ``user``'s part: residual interest, topped up from cash."""
        residual = self.residual(pool)
        short = cents - max(self.ledger.balance(residual), 0)
        if short > 0:
            self.firm.transfer(self.cash, residual, short, "residual_interest", call_id)
        self.firm.transfer(residual, dst, cents, "prefund", call_id, rail=FEDWIRE_FUNDS,
                           beneficiary=user)  # fmt: skip
        self.owe(pool, user, cents)
        self.run.calls.add_prefund(call_id, cents)
        self.on_advance(user)

    def post_securities(self, user: str, pool: str, call: MarginCall, dst: str, planned):
        """Post the customer's Treasuries as ``planned`` (face, value, value the CCP's cutoff
        refused: logged, paid in cash instead)."""
        face, value, refused = planned
        if refused:
            self.run.log("collateral_cutoff_cash", self.firm.agent_id, call.call_id,
                         counterparty=user, amount_cents=refused)  # fmt: skip
        if face <= 0:
            return
        self.firm.transfer(self.sub(pool, user), dst, face, "ccp_call", call.call_id,
                           asset=SECURITIES, rail=FEDWIRE_SECURITIES, value=value,
                           beneficiary=user)  # fmt: skip
        self.faces[call.call_id].append((user, face, value))

    def gap(self, pool: str, user: str) -> int:
        """The customer's deficit in ``pool`` less what the firm advanced for it, at least 0."""
        gap = self.deficit.get((pool, user), 0) - self.owed.get((pool, user), 0)
        return gap if gap > 0 else 0

    def owe(self, pool: str, user: str, cents: int) -> None:
        """The firm advanced ``cents`` more for ``user`` in ``pool`` (< 0: taken back)."""
        before = self.gap(pool, user)
        self.owed[(pool, user)] += cents
        self.uncovered[pool] += self.gap(pool, user) - before

    def set_deficit(self, pool: str, user: str, cents: int) -> None:
        """The customer's deficit in ``pool`` is now ``cents`` (the firm's ``deficits``)."""
        before = self.gap(pool, user)
        if cents:
            self.deficit[(pool, user)] = cents
        else:
            self.deficit.pop((pool, user), None)
        self.uncovered[pool] += self.gap(pool, user) - before

    def target(self, pool: str) -> int:
        """Residual interest the pool must hold now: each customer's deficit due for cover less
        what the firm has already advanced for it (cents); ``deficits`` brings the deficits up
        to the cutoff, which ``set_deficit`` keeps summed."""
        self.deficits(pool, self.cutoff)
        return self.uncovered[pool]

    def rebalance(self, ref: str = "") -> None:
        """Bring each pool's residual interest to its target: top up from own cash (as far as
        it can pay) or withdraw the rest to own cash."""
        for pool in POOLS:
            account, target = self.residual(pool), self.target(pool)
            held = self.ledger.balance(account)
            if held > target:
                self.firm.transfer(account, self.cash, held - target, "residual_withdrawal", ref)
            elif held < target:
                top = int(min(target - held, max(self.cash_room(), 0)))
                if top > 0:
                    self.firm.transfer(self.cash, account, top, "residual_interest", ref)

    def daily_check(self):
        """CFTC Regulation 1.22(c): at 18:00 ET each business day the deficits open at the
        previous check are due for cover; a SimPy process (``cftc_1_22c`` only)."""
        cal = self.run.calendar
        for day in range(cal.n_days):
            yield self.env.timeout(max(cal.at(day, CHECK_CLOCK) - self.env.now, 0.0))
            self.cutoff = cal.at(day - 1, CHECK_CLOCK) if day else -math.inf
            self.rebalance("residual_check")
