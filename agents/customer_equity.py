"""A clearing firm's book of its customers' equity, per customer and CCP.

Per (customer, CCP) the firm keeps the customer's equity: cash (collateral plus variation margin,
may fall below zero) and Treasuries (face), and what it has called from the customer and not yet
received. The house requirement is the CCP's IM times what the firm collects per dollar of it
(``sim.config.firms.customer_multiplier``: the type's house multiplier, and at least the CCP's
speculative ratio, CME's 110% of maintenance, from a speculative customer); a
cycle's ``position`` nets equity and calls in flight with the cycle's variation margin against it
(``sim.settlement.collateral.shortfall``), valuing Treasuries at the firm's haircut.
"""

from __future__ import annotations

from collections import defaultdict

from sim.config import FirmsConfig
from sim.config.firms import customer_multiplier
from sim.run import Run
from sim.settlement.collateral import Shortfall, shortfall, value_cents
from sim.settlement.ledger import SECURITIES

Key = tuple[str, str]  # (customer, CCP)


class CustomerEquity:
    def __init__(self, run: Run, cfg: FirmsConfig, user_types: dict[str, str]) -> None:
        self.run, self.cfg, self.user_types = run, cfg, user_types
        self.cash: dict[Key, int] = defaultdict(int)
        self.securities: dict[Key, int] = defaultdict(int)
        self.called: dict[Key, int] = defaultdict(int)

    def multiplier(self, user: str, ccp: str) -> float:
        """What the firm collects from ``user`` per dollar of ``ccp``'s IM (dimensionless)."""
        kind, cfg = self.user_types[user], self.run.config
        segment = cfg.population.types.get(kind)
        speculative = segment is not None and segment.cftc_category == "speculative"
        return customer_multiplier(self.cfg, kind, speculative, getattr(cfg, ccp).multiplier)

    def open(self, user: str, ccp: str, im_cents: int) -> int:
        """``user`` has posted in cash the house requirement on ``im_cents`` of IM at ``ccp``;
        returns the house add-on (what it posted above the CCP's IM, in cents)."""
        posted = round(im_cents * self.multiplier(user, ccp))
        self.cash[(user, ccp)] = posted
        return posted - im_cents

    def position(self, key: Key, vm: int, im: int) -> Shortfall:
        """What the customer owes or may take back after variation margin ``vm`` (cents,
        + = gain) against the house requirement on CCP IM ``im`` (cents)."""
        price, haircut = self.run.collateral_price(), self.cfg.collateral_haircut
        securities = value_cents(self.securities[key], price, haircut)
        required = round(im * self.multiplier(*key))
        return shortfall(self.cash[key] + self.called[key], securities, vm, required)

    def book_vm(self, key: Key, vm: int) -> None:
        self.cash[key] += vm

    def call(self, key: Key, cents: int) -> None:
        """The firm calls ``cents`` from the customer."""
        self.called[key] += cents

    def call_ended(self, key: Key, cents: int) -> None:
        """A call of ``cents`` was paid in full or defaulted."""
        self.called[key] -= cents

    def has_calls(self, key: Key) -> bool:
        return bool(self.called[key])

    def credit(self, key: Key, asset: str, cents: int) -> None:
        """The customer paid ``cents`` of ``asset`` (cash, or Treasuries' face) into equity."""
        if asset == SECURITIES:
            self.securities[key] += cents
        else:
            self.cash[key] += cents

    def withdraw(self, key: Key, cents: int) -> None:
        """The firm returned ``cents`` of cash equity to the customer."""
        self.cash[key] -= cents
