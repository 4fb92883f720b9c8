"""Builds the agents of one run from its config and population, with opening balances.

Opening state: each customer has already posted the initial margin of the day before the run
(standalone, or XM-reduced where XM applies), the firms hold the house add-on in their segregated
accounts, and each end user holds cash of ``cash_buffer_multiple`` times its *standalone* IM, so
that every scenario on the same seed starts from the same liquidity.
"""

from __future__ import annotations

import math

import numpy as np

from agents.ccp import Ccp, CcpBook, to_cents
from agents.clearing_firm import ClearingFirm
from agents.custodian import Custodian
from agents.end_user import EndUser
from sim.config import XmConfig
from sim.instruments import dv01_matrix, side_mask
from sim.ledger import to_cents as dollars_to_cents
from sim.margin import xm_reduction
from sim.model import Run
from sim.population import EndUserSpec


def exposures(users: tuple[EndUserSpec, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Futures-leg and cash-leg key-rate DV01 (dollars per bp) per user, shape (n, 5) each."""
    symbols = sorted({s for u in users for s in u.positions})
    qty = np.array([[u.positions.get(s, 0.0) for s in symbols] for u in users])
    dv01 = dv01_matrix(symbols)
    fut = side_mask(symbols, "futures")
    return qty[:, fut] @ dv01[fut], qty[:, ~fut] @ dv01[~fut]


def make_book(run: Run, ccp_id: str, xm: np.ndarray, fut: np.ndarray, cash: np.ndarray) -> CcpBook:
    users = run.population.users
    firms = tuple(u.futures_firm if ccp_id == "cme" else u.cash_firm for u in users)
    accounts = tuple("customer_xm" if x else "customer" for x in xm)
    return CcpBook(
        tuple(u.user_id for u in users),
        tuple(u.user_type for u in users),
        firms,
        accounts,
        fut,
        cash,
        xm,
    )


def opening_margin(cme: Ccp, ficc: Ccp, xm: XmConfig) -> dict[str, np.ndarray]:
    """IM (dollars) per user at each CCP for the day before the run, and the standalone IMs."""
    sa_cme, legs_cme = cme.margin(-1)
    sa_ficc, legs_ficc = ficc.margin(-1)
    reduction = np.zeros(len(sa_cme))
    reduction[cme.xm_idx] = xm_reduction(xm.rule, xm.cap, legs_cme, legs_ficc)
    return {
        "cme": sa_cme * (1 - reduction),
        "ficc": sa_ficc * (1 - reduction),
        "standalone": sa_cme + sa_ficc,
    }


def open_balances(
    run: Run, ccps: dict[str, Ccp], firms: dict[str, ClearingFirm], im: dict[str, np.ndarray]
) -> None:
    seg = dict.fromkeys(firms, 0)
    for ccp_id, ccp in ccps.items():
        cents = to_cents(im[ccp_id])
        for (firm_id, account), idx in ccp.groups.items():
            run.ledger.open(ccp.account_name(firm_id, account), int(cents[idx].sum()))
            ccp.outstanding[ccp.account_name(firm_id, account)] = 0
            firm = firms[firm_id]
            for i in idx:
                posted = round(int(cents[i]) * firm.cfg.house_multiplier)
                firm.equity[(ccp.book.users[i], ccp_id)] = posted
                seg[firm_id] += posted - int(cents[i])
    for firm_id, firm in firms.items():
        firm.open_segregated(seg[firm_id])


def build_world(run: Run) -> None:
    """Create CCPs, firms, custodians and end users in ``run`` and start the CCP cycles."""
    cfg, pop = run.config, run.population
    run.ledger.open("external", 0, math.inf)
    fut, cash = exposures(pop.users)
    xm_on = cfg.xm.enabled and cfg.xm.rule != "none"
    xm = np.array([xm_on and pop.xm_eligible(u) for u in pop.users], dtype=bool)
    ccps = {
        c: Ccp(run, c, p, getattr(cfg, c), cfg.xm, make_book(run, c, xm, fut, cash))
        for c, p in (("cme", "ficc"), ("ficc", "cme"))
    }
    firms = {
        f.firm_id: ClearingFirm(run, f.firm_id, f.kind, f.offers_xm, cfg.firms, cfg.operations)
        for f in pop.firms
    }
    for c in pop.custodians:
        Custodian(run, c, cfg.operations)
    im = opening_margin(ccps["cme"], ccps["ficc"], cfg.xm)
    open_balances(run, ccps, firms, im)
    types = cfg.population.types
    for i, u in enumerate(pop.users):
        buffer = types[u.user_type].cash_buffer_multiple * im["standalone"][i]
        EndUser(run, u.user_id, u.user_type, u.custodian, cfg.operations, dollars_to_cents(buffer))
    for ccp in ccps.values():
        ccp.start()
