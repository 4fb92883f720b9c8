"""One replication: the run object that owns all state, and ``run(config, seed)``.

``sim`` does not import ``agents``: the config names the world builder (``module:function``,
default ``agents.world:build_world``), which receives the ``Run`` and creates the agents in it.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import simpy

from sim.calendar import SimCalendar
from sim.calls import CallBook
from sim.config import SimConfig
from sim.errors import CallStateError, LedgerError
from sim.ledger import Ledger
from sim.market import MarketPath, build_market
from sim.population import Population, make_population
from sim.records import Recorder
from sim.rng import Streams


class Receiver(Protocol):
    agent_id: str

    def receive(self, message: Any) -> None: ...


@dataclass
class RunResult:
    """Tables of one run (DataFrames), its long metrics table and facts about the run."""

    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


class Run:
    """All state of one replication: clock, calendar, RNG streams, market, ledger, records."""

    def __init__(self, config: SimConfig, seed: int, out_dir: Path | None = None) -> None:
        self.config = config
        self.seed = seed
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.calendar = SimCalendar(config.calendar.start, config.calendar.business_days)
        self.ledger = Ledger()
        self.recorder = Recorder(out_dir)
        self.calls = CallBook(self.env, self.recorder)
        self.market: MarketPath = build_market(
            config.market, config.calendar.business_days, config.calendar.start, self.streams.get
        )
        self.population: Population = make_population(
            config.population, config.firms, self.streams.get("population")
        )
        self.agents: dict[str, Receiver] = {}
        self._counters: dict[str, int] = defaultdict(int)

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

    def log(self, kind: str, entity: str, ref: str = "", detail: str = "") -> None:
        self.recorder.add("events", (self.env.now, kind, entity, ref, detail))

    def check_invariants(self) -> None:
        """Money conserved to the cent, no account beyond its credit line, no call left open."""
        if self.ledger.total() != self.ledger.endowed():
            raise LedgerError(
                f"money not conserved: {self.ledger.total()} != {self.ledger.endowed()}"
            )
        if self.ledger.below_limit():
            raise LedgerError(f"accounts beyond credit limit: {self.ledger.below_limit()}")
        if self.calls.open_calls():
            raise CallStateError(f"{len(self.calls.open_calls())} calls never ended")


def _builder(path: str):
    module, _, func = path.partition(":")
    return getattr(importlib.import_module(module), func)


def run(config: SimConfig, seed: int, out_dir: Path | None = None) -> RunResult:
    """Build the world of ``config`` with root ``seed``, run it to the end and return its tables.

    With ``out_dir`` the tables stream to ``out_dir/<table>.parquet`` as the run goes.
    """
    from sim.metrics import run_metrics

    the_run = Run(config, seed, out_dir)
    _builder(config.world)(the_run)
    the_run.env.run()
    the_run.check_invariants()
    tables = the_run.recorder.finish()
    info = {
        "seed": seed,
        "market_source": the_run.market.source,
        "ledger_total_cents": the_run.ledger.total(),
        "sim_end_min": the_run.env.now,
    }
    return RunResult(tables, run_metrics(tables, the_run), info)
