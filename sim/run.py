"""One replication: the run object that owns all state, and ``run(config, seed, world)``.

``sim`` does not import ``agents``: the caller passes the world builder (a named world from
``agents.worlds.WORLDS``, chosen by the spec), which receives the ``Run`` and creates the agents
in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import networkx as nx
import numpy as np
import pandas as pd
import simpy

from sim.calendar import SimCalendar, parse_clock
from sim.calls import CallBook
from sim.config import SimConfig
from sim.errors import CallStateError, LedgerError
from sim.gc_pacing import paced_collector
from sim.market.feedback import MarketFeedback
from sim.market.path import MarketPath, build_market
from sim.metrics.compute import run_metrics
from sim.metrics.inputs import metric_tables
from sim.population.network import network_from_tables
from sim.population.population import (
    Population,
    firm_records,
    make_population,
    relationship_records,
)
from sim.population.public_data import make_public_population, sample_scale
from sim.records import COLUMNS, TABLES, BalanceDayRecord, EventRecord, Labels, Recorder
from sim.rng import Streams
from sim.settlement.collateral import collateral_prices
from sim.settlement.ledger import SECURITIES, Ledger
from sim.settlement.rails import rails
from sim.table_files import TableFiles

SETTLEMENT_CLOCK = parse_clock("15:00")  # Treasury futures settlement (DESIGN.md section 2)


World = Callable[["Run"], None]  # builds the agents of a run and starts their processes


class Receiver(Protocol):
    agent_id: str

    def receive(self, message: Any) -> None: ...


@dataclass
class RunResult:
    """Tables of one run (DataFrames; of a run with a folder, each read from its file when first
    asked for), its long metrics table, its relationship network at the start (end users' mean
    IM on their nodes) and facts about the run."""

    tables: Mapping[str, pd.DataFrame]
    metrics: pd.DataFrame
    network: nx.MultiDiGraph
    info: dict[str, Any] = field(default_factory=dict)


class Run:
    """All state of one replication: clock, calendar, RNG streams, market, ledger, records."""

    def __init__(
        self,
        config: SimConfig,
        seed: int,
        out_dir: Path | None = None,
        labels: Labels | None = None,
    ) -> None:
        self.config = config
        self.seed = seed
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.calendar = SimCalendar(config.calendar.start, config.calendar.business_days)
        self.ledger = Ledger()
        self.recorder = Recorder(out_dir, labels=labels, calendar=self.calendar)
        self.calls = CallBook(self.env, self.recorder)
        self.rails = rails(config.operations.funds_third_party_cutoff)
        self.market: MarketPath = self._build_market()
        self.population: Population = self._build_population()
        self.collateral_prices = collateral_prices(
            self.market.changes_bp[self.market.lookback_days :]
        )
        self.feedback = self._build_feedback()
        self._price_at: tuple[float, float] = (-1.0, 1.0)
        self.agents: dict[str, Receiver] = {}
        self._counters: dict[str, int] = defaultdict(int)

    def _build_market(self) -> MarketPath:
        """The run's market path, from the ``market`` streams."""
        config = self.config
        return build_market(
            config.market,
            config.calendar.business_days,
            config.calendar.start,
            self.streams.get,
            config.intraday_clocks(),
        )

    def _build_feedback(self) -> MarketFeedback:
        """The market's response to the run's trades (``sim.market.feedback``)."""
        market, cfg = self.market, self.config.market
        run_days = slice(market.lookback_days, None)
        return MarketFeedback(
            market.changes_bp[run_days],
            market.basis_bp,
            market.regimes[run_days],
            market.vol_bp_by_regime,
            cfg.basis.kappa,
            cfg.impact.params(),
            sample_scale(self.config.population),
        )

    def _build_population(self) -> Population:
        """The run's population (``draw_population``); its firms and relationships recorded."""
        population = draw_population(self.config, self.streams)
        self.recorder.add_many(firm_records(population))
        self.recorder.add_many(relationship_records(population))
        return population

    def xm_link_down(self, t: float) -> bool:
        """Whether the CCPs' XM link is in an outage at minute ``t``."""
        start = pd.Timestamp(self.calendar.start)
        for outage in self.config.xm.link_outages:
            t0 = (pd.Timestamp(outage.start) - start).total_seconds() / 60.0
            if t0 <= t < t0 + outage.duration_minutes:
                return True
        return False

    def collateral_price(self) -> float:
        """Price per dollar of face of Treasury collateral at the last close (15:00 ET)."""
        now = self.env.now
        if self._price_at[0] == now:
            return self._price_at[1]
        day = self.calendar.day_index(now)
        after_close = day >= 0 and now >= self.calendar.at(day, SETTLEMENT_CLOCK)
        index = min(max(day + after_close, 0), len(self.collateral_prices) - 1)
        self._price_at = (now, float(self.collateral_prices[index]))
        return self._price_at[1]

    def basis_level(self, day: int) -> np.ndarray:
        """Futures-cash basis (bp) per family at the close of ``day``, with price impact."""
        return self.feedback.level(day)

    def margin_history(self, day: int) -> np.ndarray:
        """Daily key-rate and basis changes (bp, (L + day + 1, 5 + F)) known at the close of
        ``day``, the basis with the price impact so far (``MarketPath.margin_history``)."""
        return self.market.margin_history(day, self.feedback.impact_bp)

    def add_basis_impact(self, day: int, family: int, bp: float) -> None:
        """Move the basis of ``family`` by ``bp`` from ``day`` on, decaying at the basis model's
        mean reversion (the legacy ``per_bn`` impact of forced selling)."""
        move = np.zeros(self.feedback.impact_bp.shape[1])
        move[family] = bp
        self.feedback.add_decaying(day, move)

    def next_id(self, prefix: str) -> str:
        """A run-unique id such as ``C000001`` (never a class counter)."""
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:06d}"

    def register(self, agent: Receiver) -> None:
        if agent.agent_id in self.agents:
            raise ValueError(f"agent id {agent.agent_id!r} registered twice")
        self.agents[agent.agent_id] = agent

    def send(self, to: str, message: Any) -> None:
        """Deliver ``message`` to agent ``to`` now (zero latency; latencies are modelled by the
        agents' own processes)."""
        self.agents[to].receive(message)

    def log(self, kind: str, entity: str, ref: str = "", **facts: Any) -> None:
        """Record an event now; ``facts`` are the typed fields of ``EventRecord`` it has."""
        self.recorder.add(EventRecord(self.env.now, kind, entity, ref, **facts))

    def check_invariants(self) -> None:
        """Cash and securities conserved to the cent, no account beyond its credit line, no
        call left open."""
        self.check_ledger()
        if self.calls.open_calls():
            raise CallStateError(f"{len(self.calls.open_calls())} calls never ended")

    def check_ledger(self) -> None:
        if not self.ledger.conserved():
            raise LedgerError(f"cash or securities not conserved at minute {self.env.now}")
        if self.ledger.below_limit():
            raise LedgerError(f"accounts beyond their limits: {self.ledger.below_limit()}")

    def daily_audit(self, accounts: dict[str, tuple[str, str]], clock: str = "23:00"):
        """Every business day at ``clock``: check the ledger and record the balances of
        ``accounts`` (ledger name -> (entity, entity type)) in ``balances_daily``."""
        for day in range(self.calendar.n_days):
            yield self.env.timeout(self.calendar.at(day, clock) - self.env.now)
            self.check_ledger()
            balance = self.ledger.balance
            records = [
                BalanceDayRecord(day, entity, kind, name, balance(name), balance(name, SECURITIES))
                for name, (entity, kind) in accounts.items()
            ]
            self.recorder.add_many(records)


def draw_population(config: SimConfig, streams: Streams) -> Population:
    """The population of a run with these ``streams`` (``population``,
    ``population.affiliations``): what ``Run`` builds, without the rest of the run."""
    shares = {name: c.share for name, c in config.operations.custodians.items()}
    public = config.population.model == "public_data"
    return (make_public_population if public else make_population)(
        config.population,
        config.firms,
        streams.get("population"),
        shares,
        streams.get("population.affiliations"),
    )


@paced_collector()
def run(
    config: SimConfig,
    seed: int,
    world: World,
    out_dir: Path | None = None,
    labels: Labels | None = None,
) -> RunResult:
    """Build ``world`` for ``config`` with root ``seed``, run it to the end and return its
    tables. With ``out_dir`` the tables stream to ``out_dir/<table>.parquet`` as the run goes;
    ``labels`` (e.g. run id, scenario, replication, seed) lead every row of every table (the
    returned tables are then read from those files when first asked for)."""
    if not isinstance(config, SimConfig):
        raise TypeError(
            f"run() takes a SimConfig, not {type(config).__name__}: build one with"
            " sim.config.build_config(overrides), or call experiments.api.simulate(overrides)"
        )
    the_run = Run(config, seed, out_dir, labels)
    world(the_run)
    the_run.env.run()
    the_run.check_invariants()
    info = {
        "seed": seed,
        "market_source": the_run.market.source,
        "ledger_total_usd": the_run.ledger.total() / 100,
        "sim_end_min": the_run.env.now,
    }
    tables, inputs = finished_tables(the_run.recorder)
    network = network_from_tables(inputs["firms"], inputs["relationships"])  # read once
    return RunResult(tables, run_metrics(inputs, the_run, network), network, info)


def finished_tables(recorder: Recorder) -> tuple[Mapping[str, pd.DataFrame], dict]:
    """A finished run's tables, and those its metrics read: in memory, the same; with a folder,
    the files (``TableFiles``, read when asked for) and the metrics' projection of them
    (``sim.metrics.inputs``), so that no table is held whole."""
    if recorder.out_dir is None:
        tables = recorder.finish()
        return tables, tables
    recorder.close()
    return TableFiles(recorder.out_dir, TABLES), metric_tables(recorder.out_dir, COLUMNS)
