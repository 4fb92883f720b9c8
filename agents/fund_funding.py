"""End users' lenders and investors: uncommitted credit lines cut in stress, redemptions paid.

One process per run (``FundFunding``, agent id ``funding``) wakes at ``funding.review_clock`` ET
on every business day, after the day's futures settlement so the day's move is known, and
decides whether the day is stressed (``funding.cut_on``: the market path's stressed regime, a
daily key-rate move of at least ``cut_move_bp``, or either). On the first stressed day the
lenders cut every uncommitted line: the ledger credit limit of the user's cash account falls to
the committed line, but never below what the user has already drawn or reserved for payments
in flight (the undrawn part is withdrawn, the drawn part stays lent). ``redemption_lag_days``
business days after each stressed day a fund pays its investors ``redemption_rate_daily`` x its
base (``sim.config.funding``) from its cash account to ``external`` (a book transfer), out of
cash that is neither borrowed nor reserved; what it cannot pay is logged as a
``redemption_shortfall``.

Only started when some type has an uncommitted line or a redemption rate, so the legacy run's
events, payments and ids are untouched. It keeps no state outside the run and draws no random
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.base import Agent
from agents.end_user import EndUser
from sim.config import EndUserTypeConfig
from sim.market.sources import STRESSED
from sim.run import Run
from sim.settlement.ledger import CASH, to_cents


@dataclass
class FundedUser:
    """An end user's committed line and uncommitted line (cents) and its redemption per
    stressed day (cents; 0: none)."""

    user: EndUser
    committed_cents: int
    uncommitted_cents: int
    redemption_cents: int
    cut: bool = False


def funded_user(
    run: Run,
    user: EndUser,
    kind: EndUserTypeConfig,
    basis_usd: float,
    standalone_usd: float,
    secured_usd: float = 0.0,
) -> FundedUser:
    """``user`` with lines of its type's multiples of ``basis_usd`` (the IM its buffers are sized
    on; the committed one raised by ``secured_usd``, borrowing against its custody Treasuries,
    which lenders do not cut) and its redemption per stressed day: rate x opening cash, or x NAV
    (``nav_im_multiple`` x ``standalone_usd``)."""
    cfg = run.config.funding
    nav = cfg.nav_im_multiple * standalone_usd
    base = kind.cash_buffer_multiple * basis_usd if cfg.redemption_base == "cash" else nav
    return FundedUser(
        user,
        to_cents(kind.credit_line_multiple * basis_usd + secured_usd),
        to_cents(kind.uncommitted_line_multiple * basis_usd),
        to_cents(kind.redemption_rate_daily * base),
    )


class FundFunding(Agent):
    """The lenders and investors of all end users (see the module docstring)."""

    def __init__(self, run: Run, users: list[FundedUser]) -> None:
        super().__init__(run, "funding")
        self.users, self.cfg = users, run.config.funding
        self.stressed_days: list[bool] = []

    def start(self) -> None:
        self.env.process(self.daily())

    def stressed(self, day: int) -> bool:
        """Whether run day ``day`` is stressed under ``funding.cut_on``."""
        market = self.run.market
        regime = int(market.regimes[market.lookback_days + day]) == STRESSED
        moved = float(abs(market.change(day)).max()) >= self.cfg.cut_move_bp
        return {"stressed_regime": regime, "yield_move": moved, "either": regime or moved}[
            self.cfg.cut_on
        ]

    def daily(self):
        lag = self.cfg.redemption_lag_days
        for day in range(self.run.calendar.n_days):
            yield self.env.timeout(self.run.calendar.at(day, self.cfg.review_clock) - self.env.now)
            self.stressed_days.append(self.stressed(day))
            if self.stressed_days[day]:
                self.cut_lines(day)
            if day >= lag and self.stressed_days[day - lag]:
                self.redeem(day)

    def cut_lines(self, day: int) -> None:
        """Cut every uncommitted line not yet cut to the committed line (or what is drawn or
        reserved, if more)."""
        ledger = self.run.ledger
        for fu in self.users:
            if fu.cut or not fu.uncommitted_cents:
                continue
            fu.cut = True
            name = fu.user.cash
            owed = fu.user.reserved[CASH] - ledger.balance(name)
            old = ledger.limit(name)
            new = min(old, max(fu.committed_cents, owed))
            if new < old:
                ledger.set_limit(name, new)
            self.run.log(
                "credit_line_cut",
                fu.user.agent_id,
                name,
                amount_cents=int(old - new),
                date_index=day,
            )

    def free_cash(self, fu: FundedUser) -> int:
        """Cash the user holds that is neither borrowed nor reserved for payments in flight."""
        ledger, name = self.run.ledger, fu.user.cash
        balance = ledger.balance(name)
        return max(min(balance, int(ledger.available(name)) - fu.user.reserved[CASH]), 0)

    def redeem(self, day: int) -> None:
        """Every redeeming fund pays its daily redemption, or what free cash it has."""
        for fu in self.users:
            if not fu.redemption_cents:
                continue
            uid, name = fu.user.agent_id, fu.user.cash
            paid = min(fu.redemption_cents, self.free_cash(fu))
            if paid:
                self.transfer(name, "external", paid, "redemption", parties=(uid, "external"))
                self.run.log("redemption", uid, name, amount_cents=paid, date_index=day)
            if paid < fu.redemption_cents:
                short = fu.redemption_cents - paid
                self.run.log("redemption_shortfall", uid, name, amount_cents=short, date_index=day)
