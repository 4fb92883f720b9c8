"""Clearing-member default at the CCPs: declaration, close-out, loss sharing, waterfall.

Declaration. A firm defaults at a scheduled time (``defaults:``) or, with
``default_management.endogenous``, when one of its CCP calls passes its final deadline unpaid
(``CallBook.on_default``). Each CCP where it has accounts declares the default (with
``cross_default`` a member of both CCPs, a BD-FCM, is declared at both; without it only at the
CCP whose call it missed); the defaulter's open calls there end ``defaulted`` at the
declaration (``CallBook.declare_default``) and the CCP calls it no more (``Ccp.defaulted``). A
payment already under way stays in its account as margin. The firm is told
(``MemberDeclared``) and stops clearing there: no new customer calls, no payments, its open
customer calls of that CCP end ``cancelled`` (``agents.firm_default``); the CCP pays it
nothing, so a payout falling after the declaration stays in its account as margin
(``MemberAccounts.withheld``).

Porting. With ``default_management.porting`` the defaulter's customers are offered to surviving
firms at the declaration (``agents.porting``); the legs a firm accepted move to it with their
LSOC collateral after the porting latency and are not closed out.

Close-out. Each CCP takes over every other position in the defaulter's accounts, house and
customer alike (those book rows drop to zero at the declaration), and sells them in equal
slices over its margin period of risk (``mpor_days`` business days) after the last close, on
the simulated path: the
loss is the book's horizon loss (``sim.margin.horizon``) plus the sale's price impact
(``sim.margin.ccp_closeout``), plus the variation margin of the calls that ended unpaid (the CCP
owes the winners). Approximations: the sale does not move the run's basis; an intraday call's
VM, marked after the last close, overlaps the horizon's first day. An XM account's two legs are
liquidated jointly when both CCPs declared, and the joint result shared by
``default_management.sharing_rule`` (``sim.margin.waterfall.share_joint_loss``; the formula is
not public); the CCP that realised more than its share is paid the difference by the other (the
inter-CCP transfer, ``xm_loss_transfer``).

Margin by owner (``agents.default_margin``; CEA 4d, CFTC Part 22 LSOC): the losses are kept per
row through the sharing, so each customer's loss is known (plus its part of the unpaid calls'
VM, ``unpaid_parts``); it is met from its own collateral only (per customer under LSOC, per
customer account without), its shortfall joins the house's loss, met from the house collateral;
a customer's gain is credited to its own collateral, what is left of it is held for it in the
defaulter's customer account. A ported customer's collateral still attributed here follows it
first (``Porting.follow``).

Waterfall (``sim.margin.waterfall``), at the close of the longer horizon (or the last run day):
the defaulter's margin so used (cash, then Treasuries at the CCP's haircut, sold to the market),
its default-fund contribution, the CCP's capital, the survivors' contributions (pro rata), then
assessments on the survivors (up to the multiple of their contribution that their own cash
allows, pro rata); the rest is uncovered. The house's net gain goes to its house account.
Every cent moves through ``ccp:<c>:closeout``, which ends at zero (``agents.default_funds``).
Money in cents.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from agents.default_funds import member_rows, members, open_resources
from agents.default_margin import DefaultMargin
from agents.deleveraging import pricing_day
from agents.porting import Porting
from sim.config.defaults import resolve_firm
from sim.margin.ccp_closeout import impact_cost_usd, mark_loss_usd
from sim.margin.waterfall import LAYERS, inter_ccp_transfer, share_joint_loss
from sim.margin.waterfall import waterfall as allocate
from sim.messages import MemberDeclared
from sim.run import SETTLEMENT_CLOCK, Run
from sim.settlement.ledger import pro_rata_cents, to_cents

LEG = {"cme": "futures", "ficc": "cash"}


class MemberDefaults:
    """The default management of both CCPs (``ccps``: ``cme`` and ``ficc`` agents)."""

    def __init__(self, run: Run, ccps: dict) -> None:
        self.run, self.ccps, self.cfg = run, ccps, run.config.default_management
        self.funds: dict[str, dict[str, int]] = {}
        firms = run.population.firms
        self.scheduled_defaults = [
            (resolve_firm(d.firm, firms, f"defaults[{i}].firm"), d.time)
            for i, d in enumerate(run.config.defaults)
        ]  # firm ids, ``largest_xm_bd_fcm`` resolved at world build
        self.frozen: dict[tuple[str, str], dict] = {}  # (ccp, firm) -> what the CCP took over
        self.porting = Porting(run, ccps) if self.cfg.porting else None
        self.margin = DefaultMargin(run, ccps)
        if self.cfg.endogenous:
            run.calls.on_default.append(self.on_call_default)

    def start(self) -> None:
        """Open the default resources (after the opening margin) and schedule the defaults."""
        self.funds = {c: open_resources(ccp, self.run) for c, ccp in self.ccps.items()}
        for firm, time in self.scheduled_defaults:
            origin = dt.datetime.combine(self.run.calendar.start, dt.time())
            at = (time.replace(tzinfo=None) - origin).total_seconds() / 60.0
            self.run.env.process(self.scheduled(firm, at))

    def scheduled(self, firm: str, at: float):
        yield self.run.env.timeout(max(at - self.run.env.now, 0.0))
        self.declare_member(firm, None, "scheduled")

    def on_call_default(self, call, t: float) -> None:
        """A CCP call missed its final deadline: its payer defaults (endogenous)."""
        if call.level == "ccp" and call.payer not in self.ccps[call.ccp].defaulted:
            unpaid = {call.ccp: unpaid_parts(self.ccps[call.ccp], call)}
            self.declare_member(call.payer, call.ccp, "endogenous", unpaid)

    def declare_member(self, firm: str, ccp: str | None, mode: str, unpaid=None) -> None:
        """Declare ``firm`` in default at ``ccp`` (None: wherever it is a member) and, with
        ``cross_default``, at the other CCP too; then close it out."""
        where = [c for c, agent in self.ccps.items() if firm in members(agent)]
        if ccp is not None and not self.cfg.cross_default:
            where = [ccp]
        where = [c for c in where if firm not in self.ccps[c].defaulted]
        plan = self.porting.plan(firm, where, pricing_day(self.run)) if self.porting else {}
        for c in where:
            kept = {self.ccps[c].book.index[u] for u, legs in plan.items() if c in legs}
            self.declare(c, firm, mode if c == ccp or ccp is None else "cross_default", kept)
            add_parts(self.frozen[(c, firm)]["unpaid"], (unpaid or {}).get(c, {}))
        if plan:
            self.run.env.process(self.porting.move_all(firm, plan))
        if where:
            wait = self.cfg.porting_latency_minutes if plan else 0.0
            self.run.env.process(self.close_out(firm, where, self.run.env.now + wait))

    def declare(self, c: str, firm: str, mode: str, kept=frozenset()) -> None:
        """CCP ``c`` declares ``firm`` in default: end its open calls, take over its book but
        the rows ``kept`` (customers being ported)."""
        run, ccp = self.run, self.ccps[c]
        ccp.defaulted.add(firm)
        run.log("member_default", c, firm, mode=mode)
        run.send(firm, MemberDeclared(c, firm))  # it stops clearing here (agents.firm_default)
        unpaid: dict[tuple[str, str], int] = {}
        for call in run.calls.open_calls():
            if call.level == "ccp" and call.ccp == c and call.payer == firm:
                run.calls.declare_default(call.call_id, run.env.now)
                if ccp.accounts.lsoc is not None:  # its customers' parts are never booked
                    ccp.accounts.lsoc.defaulted(call.call_id)
                add_parts(unpaid, unpaid_parts(ccp, call))
        start = pricing_day(run) - 1
        rows = np.array([i for i in member_rows(ccp, firm) if i not in kept], dtype=np.int64)
        self.frozen[(c, firm)] = {
            "rows": rows,
            "start": start,
            "exposure": ccp.leg_exposure(max(start, -1))[rows],
            "im": ccp.last_im[rows].copy(),
            "standalone": ccp.last_standalone[rows].copy(),
            "unpaid": unpaid,
        }
        for i in rows:
            for leg in ("futures", "cash"):
                ccp.book.scale(ccp.book.users[i], leg, 0.0)

    def close_out(self, firm: str, where: list[str], moved: float):
        """Wait for the longer horizon (and the porting moves, at minute ``moved``), then
        settle every CCP's close-out of ``firm``."""
        run, cal = self.run, self.run.calendar
        start = min(self.frozen[(c, firm)]["start"] for c in where)
        days = max(self.ccps[c].cfg.mpor_days for c in where)
        end = cal.at(min(start + days, cal.n_days - 1), SETTLEMENT_CLOCK)
        yield run.env.timeout(max(end - run.env.now, moved - run.env.now, 0.0))
        own = {c: self.row_losses(c, firm) for c in where}
        after, transfer = self.shared(firm, own)
        for c in where:
            realised = int(own[c].sum()) + sum(self.frozen[(c, firm)]["unpaid"].values())
            self.settle(c, firm, after[c], realised)
        if transfer:
            payer, payee = ("cme", "ficc") if transfer > 0 else ("ficc", "cme")
            amount = abs(transfer)
            self.ccps[payer].transfer(
                f"ccp:{payer}:closeout", f"ccp:{payee}:closeout", amount, "xm_loss_sharing"
            )
            run.log("xm_loss_transfer", payer, firm, counterparty=payee, amount_cents=amount)

    def row_losses(self, c: str, firm: str) -> np.ndarray:
        """Close-out loss (cents, < 0 a gain) of each row CCP ``c`` took over from ``firm``:
        horizon loss plus the sale's impact, shared by the rows in proportion to |DV01|."""
        run, f, ccp = self.run, self.frozen[(c, firm)], self.ccps[c]
        days, exposure = ccp.cfg.mpor_days, f["exposure"]
        if not len(exposure):
            return np.zeros(0, dtype=np.int64)
        hist = run.margin_history(run.calendar.n_days - 1)
        row0 = hist.shape[0] - run.calendar.n_days + f["start"]
        mark = np.array([mark_loss_usd(e[None], hist, row0, days) for e in exposure])
        fb = run.feedback
        window = fb.window(f["start"], days)
        impact = impact_cost_usd(exposure, LEG[c], window, fb.params, fb.scale)
        weight = np.abs(exposure).sum(axis=1)
        return to_cents(mark) + pro_rata_cents(int(to_cents(impact)), weight)

    def shared(self, firm: str, own: dict[str, np.ndarray]) -> tuple[dict, int]:
        """Each CCP's per-row losses (cents) after sharing the joint loss of every XM account of
        ``firm`` liquidated at both CCPs, and what CME pays FICC in all (cents, < 0 FICC pays
        CME)."""
        after = {c: loss.copy() for c, loss in own.items()}
        if set(own) != {"cme", "ficc"}:
            return after, 0
        cme, ficc = self.ccps["cme"], self.ccps["ficc"]
        fc, ff = self.frozen[("cme", firm)], self.frozen[("ficc", firm)]
        pos_f = {int(r): j for j, r in enumerate(ff["rows"])}
        pairs = []
        for j, r in enumerate(fc["rows"]):
            user = cme.book.users[r]
            k = ficc.book.index.get(user)
            split = user in cme.split  # ported legs split: not liquidated jointly
            if cme.book.xm[r] and not split and k is not None and int(k) in pos_f:
                pairs.append((j, pos_f[int(k)]))
        if not pairs:
            return after, 0
        a, b = (np.array(x) for x in zip(*pairs, strict=True))
        loss = np.column_stack([own["cme"][a], own["ficc"][b]])
        im = np.column_stack([fc["im"][a], ff["im"][b]])
        sa = np.column_stack([fc["standalone"][a], ff["standalone"][b]])
        share = share_joint_loss(self.cfg.sharing_rule, loss, im, sa)
        after["cme"][a], after["ficc"][b] = share[:, 0], share[:, 1]
        return after, int(inter_ccp_transfer(share, loss).sum())

    def resources(self, c: str, firm: str, margin: int) -> np.ndarray:
        """The waterfall's layers at CCP ``c`` for defaulter ``firm`` (cents, (1, 5)), the
        margin layer ``margin`` as used (``agents.default_margin``)."""
        ledger, funds = self.run.ledger, self.funds[c]
        survivors = sum(ledger.balance(f"ccp:{c}:df:{s}") for s in funds if s != firm)
        assess = sum(self.assessable(c, firm).values())
        own_fund = ledger.balance(f"ccp:{c}:df:{firm}") if firm in funds else 0
        layers = [margin, own_fund, ledger.balance(f"ccp:{c}:capital"), survivors, assess]
        return np.array([[max(int(x), 0) for x in layers]], dtype=np.int64)

    def assessable(self, c: str, firm: str) -> dict[str, int]:
        """Per surviving member: what CCP ``c`` can assess it (cents): its contribution times
        the assessment multiple, at most the cash it can pay now (its balance and credit line,
        within its daylight-overdraft cap, ``FirmTreasury.cash_room``)."""
        multiple = getattr(self.cfg, f"{c}_assessment_multiple")
        out = {}
        for s, cents in self.funds[c].items():
            if s != firm and s not in self.ccps[c].defaulted:
                cash = max(int(self.run.agents[s].treasury.cash_room()), 0)
                out[s] = min(int(multiple * cents), cash)
        return out

    def settle(self, c: str, firm: str, row_loss: np.ndarray, realised: int) -> None:
        """Meet CCP ``c``'s loss (per row, after sharing, ``row_loss``) with the defaulter's
        margin by owner (``agents.default_margin``), then down its waterfall; pay the market the
        loss its own sale ``realised`` (module docstring)."""
        run, ccp, closeout = self.run, self.ccps[c], f"ccp:{c}:closeout"
        if self.porting is not None:
            self.porting.follow(c, firm)
        m = self.margin.settle(c, firm, self.frozen[(c, firm)], row_loss)
        if self.porting is not None:
            self.porting.follow(c, firm)  # the gains just credited to ported customers
        self.margin.hold(c, firm, m.customers)
        used, uncovered = allocate(np.array([m.used + m.rest]), self.resources(c, firm, m.used))
        run.log("default_closeout", c, firm, amount_cents=m.loss)
        run.log("default_margin", c, firm, amount_cents=m.usable)
        run.log("default_returned", c, firm, amount_cents=m.returned)
        self.take_funds(c, firm, used[0])
        if uncovered[0]:
            ccp.transfer(f"ccp:{c}:uncovered_loss", closeout, int(uncovered[0]), "default_loss")
        for layer, cents in zip(LAYERS, used[0].tolist(), strict=True):
            run.log("default_layer", c, firm, mode=layer, amount_cents=int(cents))
        run.log("default_uncovered", c, firm, amount_cents=int(uncovered[0]))
        if realised > 0:
            ccp.transfer(closeout, "external", realised, "default_closeout")
        elif realised < 0:
            ccp.transfer("external", closeout, -realised, "default_closeout")

    def take_funds(self, c: str, firm: str, used: np.ndarray) -> None:
        """Move the default-fund, capital and assessment layers ``used`` to the close-out."""
        ccp, dst, funds = self.ccps[c], f"ccp:{c}:closeout", self.funds[c]
        if used[1]:
            ccp.transfer(f"ccp:{c}:df:{firm}", dst, int(used[1]), "default_fund")
        if used[2]:
            ccp.transfer(f"ccp:{c}:capital", dst, int(used[2]), "ccp_capital")
        survivors = [s for s in funds if s != firm]
        weights = [self.run.ledger.balance(f"ccp:{c}:df:{s}") for s in survivors]
        split = pro_rata_cents(int(used[3]), np.array(weights))
        for s, cents in zip(survivors, split, strict=True):
            if cents:
                ccp.transfer(f"ccp:{c}:df:{s}", dst, int(cents), "default_fund")
        caps = self.assessable(c, firm)
        split = pro_rata_cents(int(used[4]), np.array(list(caps.values())))
        for s, cents in zip(caps, split, strict=True):
            if cents:
                ccp.transfer(f"firm:{s}:cash", dst, int(cents), "assessment")


def unpaid_parts(ccp, call) -> dict[tuple[str, str], int]:
    """The variation margin of ``call`` (ended unpaid) the CCP still owes the market, per
    (account, customer) (cents, > 0 a loss): under LSOC each short customer's own part
    (``Lsoc.undone``), else the account's ("" for the customer)."""
    lsoc = ccp.accounts.lsoc
    if lsoc is not None and call.call_id in lsoc.undone:
        _, parts = lsoc.undone[call.call_id]
        return {(call.account, u): -vm for u, (_, _, vm) in parts.items() if vm}
    return {(call.account, ""): -ccp.call_vm.get(call.call_id, 0)}


def add_parts(into: dict[tuple[str, str], int], parts: dict[tuple[str, str], int]) -> None:
    for key, cents in parts.items():
        into[key] = into.get(key, 0) + cents
