"""A clearing firm's close-out of a defaulted customer (``liquidation.closeout: liquidate``).

The firm takes over the customer's positions on the legs it closes (the CCPs' books drop them at
once, as the firm now carries them) and sells them in equal slices over ``closeout_days``
business days after the last close, on the simulated path with price impact
(``sim.market.liquidation``; the slices also move the basis under ``market.impact.model:
depth``). The positions are marked to market at the CCPs (their value is variation margin), so
the close-out loss is what the sales lose against the default mark: impact cost less the mark
P&L. At the close of the last sale day the loss is met from the customer's equity at the firm
(its collateral, in the segregated account), then from the firm's own cash; a gain goes to the
customer's equity, and what is left of the customer's cash equity is returned to it. While the
close-out runs the firm returns none of that customer's excess.
Money in cents unless named ``_usd``.
"""

from __future__ import annotations

import numpy as np

from agents.deleveraging import pricing_day
from sim.market.instruments import CATALOG
from sim.market.liquidation import flow_by_leg, liquidate
from sim.run import SETTLEMENT_CLOCK
from sim.settlement.ledger import CASH, to_cents

EXTERNAL = "external"


def leg_book(book: dict[str, float], legs: tuple[str, ...]) -> dict[str, float]:
    """The positions of ``book`` on ``legs`` (``futures``, ``cash``)."""
    return {s: q for s, q in book.items() if CATALOG[s].side in legs and q}


def close_out(firm, user: str, book: dict[str, float], ref: str):
    """Sell ``book`` (a SimPy process of ``firm``) and settle the loss (module docstring)."""
    run, days = firm.run, firm.run.config.liquidation.closeout_days
    start = pricing_day(run) - 1  # the default mark: the last close
    symbols = list(book)
    quantities = np.array([book[s] for s in symbols], dtype=float)
    fb = run.feedback
    sale = liquidate(symbols, quantities, fb.window(start, days), fb.params, fb.scale, price0=0.0)
    if run.config.market.impact.model == "depth":
        for t, flow in enumerate(flow_by_leg(symbols, sale.sold)):
            if start + 1 + t < run.calendar.n_days:
                fb.trade(start + 1 + t, flow)
    end = run.calendar.at(start + days, SETTLEMENT_CLOCK)
    yield firm.env.timeout(max(end - firm.env.now, 0.0))
    settle_loss(firm, user, int(to_cents(sale.closeout_loss_usd)), ref)
    firm.closing.discard(user)
    for key in firm.customers.keys_of(user):  # what is left of its collateral goes back to it
        left = firm.customers.cash[key]
        if left > 0:
            firm.treasury.return_excess(user, key, left, ref)


def settle_loss(firm, user: str, loss: int, ref: str) -> None:
    """Meet ``loss`` (cents; < 0 a gain) from the customer's equity, then the firm's cash."""
    run, treasury, customers = firm.run, firm.treasury, firm.customers
    run.log("closeout", firm.agent_id, user, amount_cents=loss)
    if loss <= 0:
        if loss < 0:
            key = customers.keys_of(user)[0]
            firm.transfer(EXTERNAL, treasury.customer_account(key), -loss, "closeout_gain", ref)
            customers.credit(key, CASH, -loss)
        return
    for key in customers.keys_of(user):
        src = treasury.customer_account(key)
        taken = min(loss, max(customers.cash[key], 0), run.ledger.balance(src))
        if taken > 0:
            customers.withdraw(key, taken)
            firm.transfer(src, EXTERNAL, taken, "closeout_loss", ref, beneficiary=user)
            loss -= taken
    own = int(min(loss, max(treasury.cash_room(), 0)))  # within its overdraft cap
    if own > 0:
        firm.transfer(treasury.cash, EXTERNAL, own, "closeout_loss", ref)
        run.log("closeout_firm_loss", firm.agent_id, user, amount_cents=own)
    if loss > own:
        run.log("closeout_unfunded", firm.agent_id, user, amount_cents=loss - own)
