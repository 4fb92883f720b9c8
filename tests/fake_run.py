"""A fake run for testing one agent alone, and small builders of agents in it.

``FakeRun`` has what an agent reads from its run (a real SimPy environment, calendar, ledger,
call book, recorder, payment rails, RNG streams and a config built with ``build_config``) but
``send`` only captures each message (to whom, when, what) instead of delivering it, so a test
sees exactly what one agent says to the others. The collateral price is fixed; the market is
a hand-built ``MarketPath`` (``flat_market``: no move but the ones the test puts in); the XM link
never fails; ``add_basis_impact`` is captured.

The calendar starts on Friday 1 May 2026 (the default): business day 0 is Fri 1 May (minute 0
is its midnight), day 1 is Mon 4 May (minute 4320), day 2 Tue 5 May (5760).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from agents.ccp import Ccp
from agents.ccp_accounts import CcpBook
from agents.clearing_firm import ClearingFirm
from agents.custodian import Custodian
from agents.end_user import EndUser
from sim.calendar import SimCalendar
from sim.calls import CallBook
from sim.config import CustodianConfig, OutageConfig, build_config
from sim.market.basis import FAMILIES
from sim.market.history import KEY_TENORS
from sim.market.path import MarketPath
from sim.records import TABLE_OF, EventRecord, Recorder
from sim.rng import Streams
from sim.settlement.ledger import Ledger
from sim.settlement.rails import rails

SEED = 7
USER_CASH = 100_000_000
FIVE_YEAR = KEY_TENORS.index("5Y")


class KeepingRecorder(Recorder):
    """A ``Recorder`` that also keeps every record, for the test to read (``of``)."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[tuple] = []

    def add(self, record: tuple) -> None:
        super().add(record)
        self.kept.append(record)

    def add_many(self, records: list[tuple]) -> None:
        super().add_many(records)
        self.kept.extend(records)

    def of(self, record_type: type) -> list:
        assert record_type in TABLE_OF
        return [r for r in self.kept if type(r) is record_type]


@dataclass(frozen=True)
class Sent:
    to: str
    time: float
    message: Any


class FakeRun:
    """What an agent needs of ``sim.run.Run``; messages are captured in ``sent``."""

    def __init__(self, overrides: dict | None = None, price: float = 1.0, market=None) -> None:
        self.config = build_config(overrides)
        self.env = simpy.Environment()
        self.streams = Streams(SEED)
        self.calendar = SimCalendar(self.config.calendar.start, self.config.calendar.business_days)
        self.ledger = Ledger()
        self.recorder = KeepingRecorder()
        self.calls = CallBook(self.env, self.recorder)
        self.rails = rails(self.config.operations.funds_third_party_cutoff)
        self.market = market
        self.price = price
        self.agents: dict[str, Any] = {}
        self.sent: list[Sent] = []
        self.basis_impacts: list[tuple[int, int, float]] = []
        self._counters: dict[str, int] = defaultdict(int)

    def collateral_price(self) -> float:
        return self.price

    def next_id(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:06d}"

    def register(self, agent: Any) -> None:
        assert agent.agent_id not in self.agents
        self.agents[agent.agent_id] = agent

    def send(self, to: str, message: Any) -> None:
        self.sent.append(Sent(to, self.env.now, message))

    def log(self, kind: str, entity: str, ref: str = "", **facts: Any) -> None:
        self.recorder.add(EventRecord(self.env.now, kind, entity, ref, **facts))

    def xm_link_down(self, t: float) -> bool:
        return False

    def basis_level(self, day: int) -> np.ndarray:
        return self.market.basis_bp[day]

    def margin_history(self, day: int) -> np.ndarray:
        return self.market.margin_history(day)

    def add_basis_impact(self, day: int, family: int, bp: float) -> None:
        self.basis_impacts.append((day, family, bp))

    # --- for the tests ---

    def at(self, day: int, clock: str) -> float:
        """Simulation minute of ``clock`` ET on business day ``day``."""
        return self.calendar.at(day, clock)

    def deliver(self, agent: Any, message: Any, at: float) -> None:
        """Hand ``message`` to ``agent`` at minute ``at``."""

        def later():
            yield self.env.timeout(at - self.env.now)
            agent.receive(message)

        self.env.process(later())

    def messages(self, kind: type) -> list[Sent]:
        return [s for s in self.sent if isinstance(s.message, kind)]

    def events(self, kind: str) -> list[EventRecord]:
        return [e for e in self.recorder.of(EventRecord) if e.kind == kind]


def flat_market(lookback: int, run_days: int, moves: dict[int, float]) -> MarketPath:
    """A market where the 5-year key rate moves by ``moves[row]`` bp on the given rows of the
    daily changes (look-back rows first, then run days) and nothing else ever moves."""
    changes = np.zeros((lookback + run_days, len(KEY_TENORS)))
    for row, bp in moves.items():
        changes[row, FIVE_YEAR] = bp
    return MarketPath(
        changes_bp=changes,
        regimes=np.zeros(lookback + run_days, dtype=int),
        lookback_days=lookback,
        start_curve_pct=np.full(len(KEY_TENORS), 4.0),
        source="test",
        basis_bp=np.zeros((run_days, len(FAMILIES))),
        intraday_bp=np.zeros((run_days, 0, len(KEY_TENORS))),
        intraday_clocks=(),
    )


def five_year(dv01: float) -> list[float]:
    """Key-rate DV01s (dollars per bp) of a position only at the 5-year point."""
    return [dv01 if k == FIVE_YEAR else 0.0 for k in range(len(KEY_TENORS))]


def make_book(rows: list[tuple[str, str, str, float, float]]) -> CcpBook:
    """A CCP book of (user, firm, account, futures 5Y DV01, cash 5Y DV01) rows."""
    users, firms, accounts, fut, cash = zip(*rows, strict=True)
    return CcpBook(
        users,
        ("hedge_fund",) * len(rows),
        firms,
        accounts,
        np.array([five_year(d) for d in fut]),
        np.array([five_year(d) for d in cash]),
        np.zeros((len(rows), len(FAMILIES))),
        np.array([a.endswith("_xm") for a in accounts]),
    )


def make_ccp(fake: FakeRun, ccp_id: str, book: CcpBook) -> Ccp:
    partner = "ficc" if ccp_id == "cme" else "cme"
    cfg = getattr(fake.config, ccp_id)
    return Ccp(fake, ccp_id, partner, cfg, fake.config.xm, book)


def make_custodian(
    fake: FakeRun, minutes: float = 30.0, outages: tuple[OutageConfig, ...] = ()
) -> Custodian:
    """Custodian ``cust`` taking exactly ``minutes`` for cash and for securities (sigma 0)."""
    cfg = CustodianConfig(
        share=1.0,
        cash_median_minutes=minutes,
        cash_sigma=0.0,
        securities_median_minutes=minutes,
        securities_sigma=0.0,
    )
    return Custodian(fake, "cust", cfg, list(outages))


def make_end_user(
    fake: FakeRun,
    user_type: str,
    liquidity: tuple[int, int, int],
    basis: tuple[int, float] = (-1, 0.0),
) -> EndUser:
    """End user ``u1`` of ``user_type`` at custodian ``cust``, futures at ``fcm1`` and cash at
    ``bd1``, with (cash, credit line, Treasuries face) in cents."""
    kind = fake.config.population.types[user_type]
    firms = {"futures": "fcm1", "cash": "bd1"}
    user = EndUser(fake, "u1", user_type, "cust", firms, kind, fake.config.operations, basis)
    user.open_liquidity(*liquidity)
    return user


def make_firm(
    fake: FakeRun, accounts: list[tuple[str, str]], posted: list[tuple[str, str, int]]
) -> ClearingFirm:
    """BD-FCM ``f1`` with hedge fund ``u1`` as its customer in ``accounts`` (CCP, account), opened
    with ``posted`` (customer, CCP, CCP IM cents); the CCPs' member accounts are opened empty,
    and ``u1`` holds ``USER_CASH`` cents (for payments a test makes on its behalf)."""
    cfg = fake.config
    haircuts = {"cme": cfg.cme.haircut, "ficc": cfg.ficc.haircut}
    firm = ClearingFirm(
        fake,
        "f1",
        "bd_fcm",
        True,
        cfg.firms,
        cfg.operations,
        {"u1": "hedge_fund"},
        haircuts,
        accounts,
    )
    account_of = dict(accounts)
    firm.open_customers([(u, ccp, account_of[ccp], cents) for u, ccp, cents in posted])
    for ccp, account in accounts:
        fake.ledger.open(f"ccp:{ccp}:f1:{account}")
    fake.ledger.open("eu:u1:cash", USER_CASH)
    return firm
