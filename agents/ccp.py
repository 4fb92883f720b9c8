"""A CCP (``cme`` or ``ficc``): margin cycles, hourly surveillance, XM exchange, settlement.

Each named cycle (``CcpConfig.cycles``) runs every business day: at ``run_clock`` the CCP marks
every account to the day's close or to the intraday mark, computes the variation margin since the
last settlement (CME's futures also move with the futures-cash basis at the close), and the initial
margin of every account in one vectorised margin run (on the key rates, and on the futures-cash
basis if its model sees it: ``CcpConfig.sees_basis``); for XM accounts it sends its figures to the
other CCP. At ``call_clock`` it applies the XM rule with the partner's figures for the same prices
(same-day close for a close cycle; same day or previous close for an intraday one), or margins the
account standalone and records a fallback, and settles one net amount per member account through
the ``MemberAccounts`` it owns (``agents.ccp_accounts``). With ad hoc calls enabled, at each
surveillance clock an account whose unsettled loss exceeds a threshold share of its IM is called
for that loss.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from agents.base import Agent
from agents.ccp_accounts import CcpBook, MemberAccounts
from agents.ccp_liquidity import CcpLiquidity
from agents.xm_continuity import BreakWatch, LastGood, PositionBreaks
from sim.config import CcpConfig, CycleConfig, XmConfig
from sim.config.firms import customer_multiplier
from sim.margin.exposure import dv01_scale, with_basis
from sim.margin.var import N_KEY
from sim.margin.xm import XmLegs, xm_reduction
from sim.messages import (
    CycleStatement,
    PaymentSettled,
    PositionChange,
    SubstitutionRequest,
    XmFigures,
)
from sim.records import AccountDayRecord
from sim.run import Run
from sim.settlement.ledger import to_cents


def customer_ratios(run: Run, ccp_id: str, book: CcpBook) -> np.ndarray:
    """Per account row, what its firm collects per dollar of this CCP's IM (dimensionless):
    ``sim.config.firms.customer_multiplier`` for a customer, 1 for a house account."""
    cfg, ratio = run.config, getattr(run.config, ccp_id).multiplier
    out = np.ones(len(book.users))
    for i, (kind, account) in enumerate(zip(book.user_types, book.accounts, strict=True)):
        if not account.startswith("house") and kind in cfg.population.types:
            speculative = cfg.population.types[kind].cftc_category == "speculative"
            out[i] = customer_multiplier(cfg.firms, kind, speculative, ratio)
    return out


class Ccp(Agent):
    handlers: ClassVar[dict[type, str]] = {
        XmFigures: "on_figures",
        PaymentSettled: "on_payment",
        PositionChange: "on_position",
        SubstitutionRequest: "on_substitution",
    }

    def __init__(
        self,
        run: Run,
        ccp_id: str,
        partner: str,
        cfg: CcpConfig,
        xm: XmConfig,
        book: CcpBook,
        breaks: PositionBreaks | None = None,
    ) -> None:
        super().__init__(run, ccp_id)
        self.cfg, self.xm_cfg, self.book, self.partner = cfg, xm, book, partner
        at_fcm = run.config.firms.speculative_multiplier_at == "fcm"
        self.model = cfg.var_model(maintenance=at_fcm)
        self.customer_ratio = customer_ratios(run, ccp_id, book)
        self.groups = book.groups()
        self.partner_legs: dict[tuple[int, str], XmLegs] = {}
        self.accounts = MemberAccounts(
            run, self, self.groups, cfg.haircut, cfg.late_tolerance_minutes, cfg.lsoc
        )
        self.xm_idx = np.flatnonzero(book.xm)
        n = len(book.users)
        self.settled = np.zeros((n, book.futures_exp.shape[1]))
        self.settled_basis = np.zeros((n, book.family_dv01.shape[1]))
        self.last_im, self.last_standalone = np.zeros(n), np.zeros(n)
        self.sod_im, self.sod_standalone = np.zeros(n), np.zeros(n)  # of the last close cycle
        self._margin_cache: tuple = (None, None)
        self.break_watch, self.last_good = BreakWatch(run, ccp_id, breaks), LastGood()
        self.liquidity = CcpLiquidity(run, self, cfg.liquidity)
        self.defaulted, self.call_vm, self.split = set(), {}, set()  # member_default, porting

    @property
    def own_exp(self) -> np.ndarray:
        return self.book.futures_exp if self.agent_id == "cme" else self.book.cash_exp

    def margin(self, day: int) -> tuple[np.ndarray, XmLegs]:
        """Standalone IM (dollars) of every account, and the IMs of the futures leg, cash leg and
        both combined of XM accounts, all under this CCP's model in one stacked computation;
        reused while neither the history day nor any position has changed (an intraday cycle
        margins on the previous close, like the close cycle before it)."""
        key = (day, self.book.version)
        if self._margin_cache[0] != key:
            self._margin_cache = (key, self._compute_margin(day))
        return self._margin_cache[1]

    def _compute_margin(self, day: int) -> tuple[np.ndarray, XmLegs]:
        """Exposures with their basis columns (``sim.margin.exposure.with_basis``) at the DV01
        of ``day``'s close (``dv01_scale``); a CCP that does not see the basis (``sees_basis``)
        margins the key-rate columns only."""
        i, n, k = self.xm_idx, len(self.book.users), len(self.xm_idx)
        scale = self.dv01_scale(day)
        fut = with_basis(self.book.futures_exp, self.book.family_dv01) * scale
        cash = with_basis(self.book.cash_exp, None) * scale
        own = fut if self.agent_id == "cme" else cash
        stacked = np.vstack([own, fut[i], cash[i], fut[i] + cash[i]])
        im = self.model.requirement(stacked, self.run.margin_history(day))
        return im[:n], XmLegs(im[n : n + k], im[n + k : n + 2 * k], im[n + 2 * k :])

    def dv01_scale(self, day: int) -> np.ndarray:
        """Margin-exposure multipliers (dimensionless, (5 + F,)) to the DV01 at the close of
        ``day`` (``sim.margin.exposure.dv01_scale``); ones under ``market.dv01_yield`` fixed."""
        width = N_KEY + self.book.family_dv01.shape[1]
        if self.run.config.market.dv01_yield == "fixed":
            return np.ones(width)
        return dv01_scale(self.run.market.par_yields_pct(np.array([day]))[0])

    def variation(self, day: int, mark: np.ndarray, close: bool, rows=slice(None)) -> np.ndarray:
        """VM (dollars, + = gain) of ``rows`` since their last settlement, at the DV01 of the
        previous close, and settle them."""
        vm, scale = np.zeros(len(self.book.users)), self.dv01_scale(day - 1)
        exposure = self.own_exp[rows] * scale[:N_KEY]
        vm[rows] = -((mark - self.settled[rows]) * exposure).sum(axis=1)
        self.settled[rows] = 0.0 if close else mark
        if close and self.agent_id == "cme":
            level = self.run.basis_level(day)
            fam = self.book.family_dv01 * scale[N_KEY:]
            vm -= ((level - self.settled_basis) * fam).sum(axis=1)
            self.settled_basis[:] = level
        return vm

    def open_with(self, im: np.ndarray, standalone: np.ndarray) -> None:
        """Open the run: every member account has posted in cash the IM (dollars per row)
        ``im`` of the day before, the last cycle's IMs after and before any XM reduction."""
        cents = to_cents(im)
        for (firm, account), idx in self.groups.items():
            users = [self.book.users[i] for i in idx]
            self.accounts.open(firm, account, users, [int(c) for c in cents[idx]])
        self.last_im, self.last_standalone = im.copy(), standalone.copy()
        self.sod_im, self.sod_standalone = im.copy(), standalone.copy()

    def start(self) -> None:
        """Keep the opening book (``opening``: the books held fixed by the procyclicality
        metrics, ``sim.metrics.procyclicality``), send the partner the XM figures of the close
        before the run, then run the cycles and the surveillance."""
        book = self.book
        self.opening = (book.futures_exp.copy(), book.cash_exp.copy(), book.family_dv01.copy())
        _, legs = self.margin(-1)
        self.env.process(self.publish(-1, "close", legs))
        for name, cycle in self.cfg.cycles.items():
            self.env.process(self.cycle_loop(name, cycle))
        if self.cfg.adhoc.enabled:
            self.env.process(self.surveillance())

    def cycle_loop(self, name: str, cyc: CycleConfig):
        cal, close = self.run.calendar, cyc.mark == "close"
        for day in range(cal.n_days):
            yield self.env.timeout(cal.at(day, cyc.run_clock) - self.env.now)
            mark = (
                self.run.market.change(day)
                if close
                else self.run.market.intraday(day, cyc.run_clock)
            )
            standalone, legs = self.margin(day if close else day - 1)
            exposure = self.leg_exposure(day) if close else None  # frozen at the margin time
            vm = self.variation(day, mark, close)
            self.env.process(self.publish(day, cyc.mark, legs))
            yield self.env.timeout(cal.at(day + cyc.call_next_day, cyc.call_clock) - self.env.now)
            im, reduction = self.requirement(day, cyc.mark, standalone, legs)
            im, standalone = self.floored(close, im, standalone)
            self.last_im, self.last_standalone = im, standalone
            if close:
                self.record_daily(day, (im, standalone, vm, reduction), exposure)
            due = cal.at(day + cyc.due_next_day, cyc.due_clock)
            self.settle_accounts(name, day, im, vm, due, payout_at=cyc.payout_min(cal, day))

    def floored(self, close: bool, im: np.ndarray, standalone: np.ndarray) -> tuple:
        """A close cycle's IMs (dollars) become the start-of-day IMs; under ``noon_rule``
        ``max_start_of_day`` an intraday cycle's are at least those (FICC's noon requirement:
        max(start-of-day IM, noon VaR on noon positions))."""
        if close:
            self.sod_im, self.sod_standalone = im, standalone
        elif self.cfg.noon_rule == "max_start_of_day":
            return np.maximum(im, self.sod_im), np.maximum(standalone, self.sod_standalone)
        return im, standalone

    def surveillance(self):
        cal, adhoc = self.run.calendar, self.cfg.adhoc
        stressed = self.run.market.regimes[self.run.market.lookback_days :] == 1
        for day in range(cal.n_days):
            if adhoc.only_stressed and not stressed[day]:
                continue
            for clock in adhoc.clocks:
                yield self.env.timeout(max(cal.at(day, clock) - self.env.now, 0.0))
                mark = self.run.market.intraday(day, clock)
                loss = ((mark - self.settled) * self.own_exp).sum(axis=1)
                hit = np.flatnonzero(loss > adhoc.threshold * self.last_standalone)
                if len(hit):
                    vm = self.variation(day, mark, False, rows=hit)
                    due = self.env.now + adhoc.deadline_minutes
                    self.settle_accounts("adhoc", day, self.last_im, vm, due, rows=hit)

    def publish(self, day: int, mark: str, legs: XmLegs):
        if self.cfg.factor_publish_delay_minutes:
            yield self.env.timeout(self.cfg.factor_publish_delay_minutes)
        if self.run.xm_link_down(self.env.now):
            self.run.log("xm_link_down", self.agent_id, f"{day}:{mark}", date_index=day)
            return
        users = tuple(self.book.users[i] for i in self.xm_idx)
        message = XmFigures(
            self.agent_id,
            day,
            mark,
            users,
            tuple(legs.futures.tolist()),
            tuple(legs.cash.tolist()),
            tuple(legs.combined.tolist()),
        )
        self.run.send(self.partner, message)

    def on_figures(self, msg: XmFigures) -> None:
        if msg.customers != tuple(self.book.users[i] for i in self.xm_idx):
            raise ValueError(f"{self.agent_id}: XM accounts differ from {msg.ccp}'s")
        legs = XmLegs(*(np.array(x) for x in (msg.futures_usd, msg.cash_usd, msg.combined_usd)))
        self.partner_legs[(msg.date_index, msg.mark)] = legs
        for key in [k for k in self.partner_legs if k[0] < msg.date_index - 2]:
            del self.partner_legs[key]

    def partner_figures(self, day: int, mark: str) -> XmLegs | None:
        """The partner's figures on the same prices: the same day's close for a close cycle;
        the same day's (close or intraday) or the previous close for an intraday cycle."""
        wanted = [(day, "close")]
        if mark == "intraday":
            wanted += [(day, "intraday"), (day - 1, "close")]
        return next((self.partner_legs[k] for k in wanted if k in self.partner_legs), None)

    def requirement(self, day, mark, standalone, legs) -> tuple[np.ndarray, np.ndarray]:
        """IM (dollars) and reduction (fraction) per account at a cycle's call: the XM rule, or
        the fallback (``applied``); under ``hold`` the XM accounts keep the previous cycle's IM,
        never above today's standalone (a fallback charges no more than margining without XM;
        the reduction recorded is the implied ``1 - IM / standalone``, which may exceed the cap);
        customers in a position break, or split by porting (``split``), are margined
        standalone."""
        reduction, hold = self.applied(day, mark, legs)
        im = standalone * (1.0 - reduction)
        if hold:
            i = self.xm_idx
            im[i] = np.minimum(self.last_im[i], standalone[i])
            reduction[i] = np.divide(
                standalone[i] - im[i], standalone[i], out=np.zeros(len(i)), where=standalone[i] > 0
            )
        if len(self.xm_idx) and self.xm_cfg.rule != "none":
            broken = set(self.break_watch.at_cycle(self.env.now, day)) | self.split
            rows = [self.book.index[u] for u in sorted(broken)]
            im[rows], reduction[rows] = standalone[rows], 0.0
        return im, reduction

    def applied(self, day: int, mark: str, mine: XmLegs) -> tuple[np.ndarray, bool]:
        """Reduction per account: the XM rule where the partner's figures arrived, else the
        fallback of ``xm.fallback`` (logged per firm XM account); and whether to hold the
        previous requirement instead."""
        reduction = np.zeros(len(self.book.users))
        if self.xm_cfg.rule == "none" or not len(self.xm_idx):
            return reduction, False
        theirs = self.partner_figures(day, mark)
        if theirs is None:
            return self.fallback(day, reduction)
        cme, ficc = (mine, theirs) if self.agent_id == "cme" else (theirs, mine)
        reduction[self.xm_idx] = xm_reduction(self.xm_cfg.rule, self.xm_cfg.cap, cme, ficc)
        self.last_good.remember(day, reduction[self.xm_idx])
        return reduction, False

    def fallback(self, day: int, reduction: np.ndarray) -> tuple[np.ndarray, bool]:
        mode, expired = self.xm_cfg.fallback, False
        if mode == "last_good":
            good = self.last_good.usable(day)
            expired = good is None
            if good is not None:
                reduction[self.xm_idx] = good
        late = sorted({(self.book.firms[i], self.book.accounts[i]) for i in self.xm_idx})
        for firm, account in late:
            ref = f"{firm}:{account}"
            self.run.log(
                "xm_fallback", self.agent_id, ref, date_index=day, mode=mode, expired=expired
            )
        return reduction, mode == "hold"

    def on_payment(self, msg: PaymentSettled) -> None:
        """Settle the call paid; a payment of a call ended at its payer's default declaration
        stays in the member account as the defaulter's margin (``agents.member_default``), and
        its cash is not drawn again from the facility (``CcpLiquidity.paid_late``)."""
        if msg.call_id in self.run.calls.declared:
            self.run.log("payment_after_declaration", self.agent_id, msg.call_id)
            self.liquidity.paid_late(msg.call_id, msg.value_cents - sum(v for *_, v in msg.faces))
            if self.accounts.lsoc is not None:  # the customers' collateral (agents.ccp_lsoc)
                self.accounts.lsoc.paid_late(msg.call_id, msg.faces)
            return
        self.run.calls.settle(msg.call_id, msg.settled_min)
        self.accounts.paid(msg.call_id, msg.faces)

    def on_position(self, msg: PositionChange) -> None:
        self.book.scale(msg.user, msg.leg, msg.scale)

    def on_substitution(self, msg: SubstitutionRequest) -> None:
        """Substitute collateral, except for a member in default (it is paid nothing)."""
        if msg.firm not in self.defaulted:
            self.accounts.substitute(msg.firm, msg.account, msg.face_cents, msg.user)

    def leg_exposure(self, day: int) -> np.ndarray:
        """The exposure of the leg this CCP clears, per account (dollars per bp, (n, 5 + F)):
        key rates, and on CME's futures legs the basis columns (``with_basis``), at the DV01 of
        the close of ``day`` (``dv01_scale``), as margined and as the next VM settles it."""
        b = self.book
        legs = (b.futures_exp, b.family_dv01) if self.agent_id == "cme" else (b.cash_exp, None)
        return with_basis(*legs) * self.dv01_scale(day)

    def record_daily(self, day: int, margins: tuple, exposure: np.ndarray) -> None:
        """One ``AccountDayRecord`` per account: ``margins`` (IM, standalone IM, VM, reduction,
        arrays per account) and the leg's ``exposure`` at the margin time (``leg_exposure``)."""
        b = self.book
        columns = zip(
            b.users, b.user_types, b.accounts, *(m.tolist() for m in margins),
            self.customer_ratio.tolist(), exposure.tolist(), strict=True,
        )  # fmt: skip
        records = [
            AccountDayRecord(day, user, kind, self.agent_id, account, i, s, v, r, m, *e)
            for user, kind, account, i, s, v, r, m, e in columns
        ]
        self.run.recorder.add_many(records)

    def settling(self, rows):
        """(firm, account, rows of it) to settle: of ``rows`` if given, members in default left
        out; forget the VM of calls that ended."""
        hit = None if rows is None else set(rows.tolist())
        self.call_vm = {k: v for k, v in self.call_vm.items() if self.run.calls.is_open(k)}
        for (firm, account), idx in self.groups.items():
            if firm in self.defaulted:
                continue
            if hit is not None:
                idx = np.array([i for i in idx if i in hit])
                if not len(idx):
                    continue
            yield firm, account, idx

    def settle_accounts(self, cycle, day, im, vm, due, rows=None, payout_at=None) -> None:
        """Settle each member account (of ``rows``, if given): a call due at minute ``due``, or
        a payout at minute ``payout_at`` (the cycle's ``payout_clock``; default ``due``); per
        customer under LSOC (``agents.ccp_lsoc``)."""
        im_c, vm_c, users = to_cents(im), to_cents(vm), self.book.users
        times = (due, due if payout_at is None else payout_at)
        for firm, account, idx in self.settling(rows):
            cols = (tuple(users[i] for i in idx), im_c[idx].tolist(), vm_c[idx].tolist())
            im_sum = int(im_c[self.groups[(firm, account)]].sum())
            call, payout, parts = self.accounts.settle_rows(
                cycle, firm, account, (cols, im_sum), times
            )
            if call is not None:
                self.call_vm[call.call_id] = int(vm_c[idx].sum())
            statement = CycleStatement(
                self.run.next_id("Y"), self.agent_id, cycle, firm, account, day,
                cols[0], tuple(cols[1]), tuple(cols[2]), call, payout, *parts,
            )  # fmt: skip
            self.run.send(firm, statement)
