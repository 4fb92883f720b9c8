"""Builds the agents of one run from its config and population, with opening balances.

Rows of a CCP's book: every end user (both legs, so that XM accounts can be margined jointly),
then the house book of every member firm (BD-FCMs and FCMs at CME, BD-FCMs and BDs at FICC).
Accounts: ``customer`` or ``customer_xm``; ``house``, or ``house_xm`` for a BD-FCM's house book
under the enhanced house cross-margining live since 2024 (unless the XM rule is ``none``).

Opening state: every account has already posted, in cash, the initial margin of the day before
the run; the firms hold the customers' house add-on in their segregated accounts. With a
``leverage_appetite``, XM users first scale their positions up to re-use that share of the
margin XM frees. Each end user then holds ``cash_buffer_multiple`` x and ``securities_multiple``
x its IM in cash and Treasuries (face) and committed and uncommitted credit lines of
``credit_line_multiple`` x and ``uncommitted_line_multiple`` x: with ``funding.buffer_basis:
standalone`` (legacy) its *standalone* IM, so that every scenario on the same seed starts from
the same liquidity; with ``scenario`` its opening IM in the scenario (XM IM for an XM user).
Lenders cut uncommitted lines and funds pay redemptions in stress (``agents.fund_funding``).
"""

from __future__ import annotations

import math

import numpy as np

from agents.ccp import Ccp
from agents.ccp_accounts import CcpBook
from agents.clearing_firm import ClearingFirm
from agents.custodian import Custodian
from agents.deleveraging import crowd_flows
from agents.end_user import EndUser
from agents.fund_funding import FundedUser, FundFunding, funded_user
from agents.member_default import MemberDefaults
from agents.reuse import ReuseDesk
from agents.worlds.repo import start_repo_rolls
from agents.xm_continuity import PositionBreaks, unknown_break_account, xm_account_names
from sim.config import SimConfig, funding_active
from sim.margin.exposure import book_exposures
from sim.margin.xm import xm_reduction
from sim.market.basis import FAMILIES, FAMILY_OF
from sim.market.instruments import CATALOG
from sim.population.eligibility import is_eligible
from sim.population.legs import cleared_books, custody_face_usd, xm_capable
from sim.population.population import EndUserSpec, Population
from sim.rng import Streams
from sim.run import Run, draw_population
from sim.settlement.ledger import to_cents

MEMBERS = {"cme": ("bd_fcm", "fcm"), "ficc": ("bd_fcm", "bd")}


def make_book(cfg: SimConfig, pop: Population, ccp_id: str, xm_users: np.ndarray) -> CcpBook:
    """The CCP's rows: every end user's cleared positions (``population.ficc_leg``:
    ``sim.population.legs``), then its members' house books."""
    xm_rule = cfg.xm.rule
    houses = [f for f in pop.firms if f.kind in MEMBERS[ccp_id]]
    books = cleared_books(pop, cfg.population)
    rows = [
        (
            u.user_id,
            u.user_type,
            u.futures_firm if ccp_id == "cme" else u.cash_firm,
            "customer_xm" if x else "customer",
            book,
        )
        for u, x, book in zip(pop.users, xm_users, books, strict=True)
    ]
    for f in houses:
        xm = f.kind == "bd_fcm" and xm_rule != "none"
        rows.append(
            (f.firm_id, "house", f.firm_id, "house_xm" if xm else "house", f.house_positions)
        )
    exposure = book_exposures([r[4] for r in rows])
    users, types, firms, accounts, _ = zip(*rows, strict=True)
    xm = np.array([a.endswith("_xm") for a in accounts])
    return CcpBook(
        users, types, firms, accounts, exposure.futures, exposure.cash, exposure.family, xm
    )


def opening_margin(cme: Ccp, ficc: Ccp, run: Run) -> dict[str, np.ndarray]:
    """IM (dollars) per row at each CCP for the day before the run, standalone IMs, and what
    the firms collect per dollar of each (``ratio_<ccp>``, ``agents.ccp.customer_ratios``)."""
    sa_cme, legs_cme = cme.margin(-1)
    sa_ficc, legs_ficc = ficc.margin(-1)
    xm = run.config.xm
    r_cme, r_ficc = np.zeros(len(sa_cme)), np.zeros(len(sa_ficc))
    r = xm_reduction(xm.rule, xm.cap, legs_cme, legs_ficc)
    r_cme[cme.xm_idx], r_ficc[ficc.xm_idx] = r, r
    return {
        "cme": sa_cme * (1 - r_cme),
        "ficc": sa_ficc * (1 - r_ficc),
        "sa_cme": sa_cme,
        "sa_ficc": sa_ficc,
        "ratio_cme": cme.customer_ratio,
        "ratio_ficc": ficc.customer_ratio,
    }


REUSE_KEYS = ("cme", "ficc", "sa_cme", "sa_ficc")  # opening IM rows (``opening_margin``)


def scale_up(
    run: Run, ccps: dict[str, Ccp], im: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """XM users re-use ``leverage_appetite`` of the margin XM frees them, on what they post
    (each CCP's IM times the firm's ratio, ``ratio_<ccp>``): the target scale of their
    positions (``agents.reuse``); types with ``reuse_speed`` 1 are scaled there now. Returns
    each user's scale applied now and its target (1: none)."""
    n = len(run.population.users)
    scales, targets = np.ones(n), np.ones(n)
    for i, u in enumerate(run.population.users):
        kind = run.config.population.types[u.user_type]
        posted = {
            k: im[k][i] * im[f"ratio_{c}"][i] for c in ("cme", "ficc") for k in (c, f"sa_{c}")
        }
        used = posted["cme"] + posted["ficc"]
        freed = posted["sa_cme"] + posted["sa_ficc"] - used
        if kind.leverage_appetite > 0 and freed > 0 and used > 0:
            scale = targets[i] = 1.0 + kind.leverage_appetite * freed / used
            if kind.reuse_speed < 1.0:
                continue  # re-levered over time by the re-use desk
            for ccp in ccps.values():
                ccp.book.scale(u.user_id, "futures", scale)
                ccp.book.scale(u.user_id, "cash", scale)
            scales[i] = scale
            run.log("scale_up", u.user_id, scale=scale)
    return scales, targets


def open_balances(ccps: dict[str, Ccp], firms: dict[str, ClearingFirm], im: dict) -> None:
    """Every account has posted in cash the IM of the day before the run (``im``: dollars per
    row at each CCP, ``sa_<ccp>`` the standalone IMs); customers have posted the house
    requirement on it at their firms."""
    posted: dict[str, list[tuple[str, str, str, int]]] = {firm_id: [] for firm_id in firms}
    for ccp_id, ccp in ccps.items():
        ccp.open_with(im[ccp_id], im[f"sa_{ccp_id}"])
        cents = to_cents(im[ccp_id])
        for (firm_id, account), idx in ccp.groups.items():
            if not account.startswith("house"):
                posted[firm_id] += [
                    (ccp.book.users[i], ccp_id, account, int(cents[i])) for i in idx
                ]
    for firm_id, firm in firms.items():
        firm.open_customers(posted[firm_id])


def basis_position(user: EndUserSpec) -> tuple[int, float]:
    """The basis family of the user's first futures position (-1: none), and the face (USD) of
    its cash positions."""
    futures = [s for s in user.positions if s in FAMILY_OF]
    family = FAMILIES.index(FAMILY_OF[futures[0]]) if futures else -1
    return family, sum(q for s, q in user.positions.items() if CATALOG[s].side == "cash")


def liquidity_bases(run: Run, im: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per end user, the IM (dollars, as posted to its firms: the CCPs' IM times
    ``ratio_<ccp>``) its liquidity is sized on (``funding.buffer_basis``: standalone, or its
    opening IM in the scenario) and its standalone IM."""
    n = len(run.population.users)
    cme, ficc = im.get("ratio_cme", np.ones(n))[:n], im.get("ratio_ficc", np.ones(n))[:n]
    standalone = im["sa_cme"][:n] * cme + im["sa_ficc"][:n] * ficc
    if run.config.funding.buffer_basis == "standalone":
        return standalone, standalone
    return im["cme"][:n] * cme + im["ficc"][:n] * ficc, standalone


def make_users(run: Run, im: dict[str, np.ndarray]) -> tuple[dict, list[FundedUser]]:
    """End users with their liquidity in multiples of the IM ``funding.buffer_basis`` names;
    returns their ledger accounts for the daily audit and their lines and redemptions."""
    cfg, audit, funded = run.config, {}, []
    bases, standalone = liquidity_bases(run, im)
    scales = im.get("scale", np.ones(len(run.population.users)))
    for i, u in enumerate(run.population.users):
        kind = cfg.population.types[u.user_type]
        firms = {"futures": u.futures_firm, "cash": u.cash_firm}
        user = EndUser(
            run,
            u.user_id,
            u.user_type,
            u.custodian,
            firms,
            kind,
            cfg.operations,
            basis_position(u),
            {s: q * scales[i] for s, q in u.positions.items()},
        )
        secured = custody_secured_usd(run, user, kind)
        user.open_liquidity(*opening_liquidity(kind, bases[i], secured))
        funded.append(funded_user(run, user, kind, bases[i], standalone[i], secured))
        for account in (user.cash, user.securities):
            audit[account] = (u.user_id, u.user_type)
    return audit, funded


def custody_secured_usd(run: Run, user: EndUser, kind) -> float:
    """What ``user`` can borrow on the day against its custody Treasuries (dollars):
    ``custody_borrowing`` x their face (``sim.population.legs.custody_face_usd``)."""
    custody = custody_face_usd(user.positions, kind, run.config.population.ficc_leg)
    return kind.custody_borrowing * custody


def opening_liquidity(kind, basis_usd: float, secured_usd: float) -> tuple[int, int, int]:
    """(cash, credit line, Treasuries face) in cents: multiples of ``basis_usd`` (IM), the line
    raised by ``secured_usd``, what the user can borrow against its custody Treasuries."""
    lines = kind.credit_line_multiple + kind.uncommitted_line_multiple
    return (
        to_cents(kind.cash_buffer_multiple * basis_usd),
        to_cents(lines * basis_usd + secured_usd),
        to_cents(kind.securities_multiple * basis_usd),
    )


def make_ccps(run: Run) -> dict[str, Ccp]:
    """CME and FICC, each the other's XM partner; XM accounts for the eligible end users when
    XM is on (and, under ``cleared_repo``, they have a FICC position: ``legs.xm_capable``)."""
    cfg = run.config
    books = ccp_books(cfg, run.population)
    breaks = position_breaks(run, books)
    return {
        c: Ccp(run, c, p, getattr(cfg, c), cfg.xm, books[c], breaks)
        for c, p in (("cme", "ficc"), ("ficc", "cme"))
    }


def ccp_books(cfg: SimConfig, pop: Population) -> dict[str, CcpBook]:
    """Both CCPs' books; XM accounts for the eligible end users when XM is on (and, under
    ``cleared_repo``, they have a FICC position: ``legs.xm_capable``)."""
    xm_on = cfg.xm.enabled and cfg.xm.rule != "none"
    rule = cfg.xm.eligibility
    xm_users = np.array([xm_on and is_eligible(pop, u, rule) for u in pop.users], dtype=bool)
    xm_users &= xm_capable(cleared_books(pop, cfg.population), cfg.population.ficc_leg)
    return {c: make_book(cfg, pop, c, xm_users) for c in ("cme", "ficc")}


def break_names(books: dict[str, CcpBook]) -> dict[str, tuple[str, ...]]:
    """The names a position break may use (``xm_account_names``) over both CCPs' books."""
    names: dict[str, tuple[str, ...]] = {}
    for b in books.values():
        xm_idx = np.flatnonzero(b.xm)
        for name, users in xm_account_names(b.users, b.firms, b.accounts, xm_idx).items():
            names[name] = tuple(sorted(set(names.get(name, ())) | set(users)))
    return names


def check_position_breaks(cfg: SimConfig, seed: int) -> None:
    """``ConfigError`` (``agents.xm_continuity.unknown_break_account``) when a break of
    ``xm.position_breaks`` names no XM account of the run with root ``seed``: its population
    is drawn (``sim.run.draw_population``), not run, so the check runs before anything is
    written."""
    if cfg.xm.position_breaks:
        names = break_names(ccp_books(cfg, draw_population(cfg, Streams(seed))))
        unknown_break_account(cfg.xm, names)


def position_breaks(run: Run, books: dict[str, CcpBook]) -> PositionBreaks:
    """The run's position breaks (``agents.xm_continuity``), named by the XM customers and the
    firm XM accounts of both CCPs' books."""
    names = break_names(books)
    cme = books["cme"]
    xm_users = [cme.users[i] for i in np.flatnonzero(cme.xm)]
    return PositionBreaks.of(run, run.config.xm, names, xm_users)


def customer_accounts(ccps: dict[str, Ccp], firm_id: str) -> list[tuple[str, str]]:
    """The (CCP, account) customer accounts ``firm_id`` clears."""
    return sorted(
        (c, account)
        for c, ccp in ccps.items()
        for (firm, account) in ccp.groups
        if firm == firm_id and not account.startswith("house")
    )


def make_firms(run: Run, ccps: dict[str, Ccp]) -> dict[str, ClearingFirm]:
    cfg, pop = run.config, run.population
    types = {u.user_id: u.user_type for u in pop.users}
    haircuts = {c: ccp.cfg.haircut for c, ccp in ccps.items()}
    return {
        f.firm_id: ClearingFirm(
            run,
            f.firm_id,
            f.kind,
            f.offers_xm,
            cfg.firms,
            cfg.operations,
            types,
            haircuts,
            customer_accounts(ccps, f.firm_id),
        )
        for f in pop.firms
    }


def reuse_freed_margin(run: Run, ccps: dict[str, Ccp], im: dict) -> dict[str, np.ndarray]:
    """With a leverage appetite, XM users scale up (``scale_up``) and the opening IMs are those
    of the scaled positions (``scale``: each user's scale); the standalone IMs stay those the
    users' liquidity was sized on."""
    if not any(t.leverage_appetite > 0 for t in run.config.population.types.values()):
        return im
    scales, targets = scale_up(run, ccps, im)
    return {
        **opening_margin(ccps["cme"], ccps["ficc"], run),
        "sa_cme": im["sa_cme"],
        "sa_ficc": im["sa_ficc"],
        "scale": scales,
        "target": np.where(scales == 1.0, targets, 1.0),  # still to reach over time
    }


def tell_firms_positions(firms: dict[str, ClearingFirm], users: list[EndUser]) -> None:
    """Each firm learns the positions of the legs it clears for each customer (after any
    scale-up)."""
    for user in users:
        for leg, firm_id in user.firms.items():
            book = {s: q for s, q in user.positions.items() if CATALOG[s].side == leg}
            firms[firm_id].know_positions(
                user.agent_id, {**firms[firm_id].books.get(user.agent_id, {}), **book}
            )


def start_world(
    run: Run,
    ccps: dict[str, Ccp],
    firms: dict[str, ClearingFirm],
    audit: dict,
    funded: list[FundedUser],
) -> None:
    """Start the CCPs' and firms' processes, the end users' lenders and investors (only when
    some type has an uncommitted line or redeems) and the daily audit of ``audit`` and the
    firms' accounts."""
    if funding_active(run.config.population.types):
        FundFunding(run, funded).start()
    for ccp in ccps.values():
        ccp.start()
    for firm in firms.values():
        for account in firm.ledger_accounts:
            audit[account] = (firm.agent_id, firm.kind)
        firm.start()
    run.env.process(run.daily_audit(audit))


def build_world(run: Run) -> None:
    """Create CCPs, firms, custodians and end users in ``run`` and start their processes."""
    run.ledger.open("external", 0, math.inf)
    ccps = make_ccps(run)
    firms = make_firms(run, ccps)
    ops = run.config.operations
    for name, custodian in ops.custodians.items():
        Custodian(run, name, custodian, ops.outages)
    im = reuse_freed_margin(run, ccps, opening_margin(ccps["cme"], ccps["ficc"], run))
    audit, funded = make_users(run, im)
    users = [run.agents[u.user_id] for u in run.population.users]
    run.feedback.crowds = crowd_flows([(u.user_type, u.positions) for u in users])
    tell_firms_positions(firms, users)
    open_balances(ccps, firms, im)
    MemberDefaults(run, ccps).start()
    start_world(run, ccps, firms, audit, funded)
    start_repo_rolls(run)
    start_reuse(run, im)


def start_reuse(run: Run, im: dict[str, np.ndarray]) -> None:
    """The re-use desk for users who re-lever over time (``agents.reuse``), if any."""
    targets = {
        u.user_id: float(t)
        for u, t in zip(run.population.users, im.get("target", ()), strict=False)
        if t > 1.0
    }
    if targets:
        ReuseDesk(run, targets).start()
