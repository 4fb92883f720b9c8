"""Typed records of one run, gathered into long tables and streamed to Parquet.

Each table has one record type (a ``NamedTuple``) whose field annotations give the table's
columns and Arrow types (``str`` string, ``float`` float64, ``int`` int64, ``bool`` bool,
``datetime.date`` date32; ``X | None`` a nullable ``X``). Agents build records by field name
and hand them to ``Recorder.add``; the recorder keeps each table's records in a buffer and, when
it is given a directory, writes a Parquet row group whenever a buffer reaches ``batch_rows``, so
memory stays flat however long the run. In the records, times are simulation minutes
(``*_min``) and money is integer cents (``*_cents``) or float dollars (``*_usd``); the tables
have dollars only and ET timestamps beside the minutes (``sim.output_columns``).

The adoption tables (``adoption_*``, ``market_shares``; record types in
``sim.adoption_records``, re-exported here) are written by adoption studies and read by
``sim.metrics.adoption``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.adoption_records import (
    AdoptionCountRecord,
    AdoptionDecisionRecord,
    AdoptionRecord,
    MarketShareRecord,
    OnboardingRecord,
)
from sim.output_columns import (
    Column,
    Labels,
    convert_rows,
    labelled,
    output_columns,
    output_schema,
    record_struct,
)

if TYPE_CHECKING:
    from sim.calendar import SimCalendar


class CallRecord(NamedTuple):
    """A margin call when it ends (``sim.calls``): ``status`` on_time, late, defaulted or
    cancelled; ``settled_min`` NaN for a default or a cancellation, ``instructed_min`` NaN when
    no instruction was seen."""

    call_id: str
    parent_id: str
    level: str
    ccp: str
    cycle: str
    payer: str
    payee: str
    account: str
    cash_cents: int
    im_cents: int
    amount_cents: int
    issued_min: float
    due_min: float
    final_min: float
    instructed_min: float
    settled_min: float
    status: str
    prefunded_cents: int


class PaymentRecord(NamedTuple):
    """A settled movement of ``amount_cents`` of ``asset`` (USD cash or UST face), credited at
    ``value_cents``; ``via`` the agent that executed it over ``rail``."""

    payment_id: str
    call_id: str
    purpose: str
    payer: str
    payee: str
    src_account: str
    dst_account: str
    asset: str
    amount_cents: int
    value_cents: int
    instructed_min: float
    settled_min: float
    via: str
    rail: str


class AccountDayRecord(NamedTuple):
    """One account's margin at a CCP's close cycle: IM after any XM reduction, standalone IM and
    variation margin (dollars, + = gain), the applied reduction (fraction) and what its firm
    collects from it per dollar of IM (``customer_multiplier``, 1 for a house account); then the
    exposure of the leg this CCP clears at that margin time, in dollars per bp (the dollar gain
    for a 1bp fall): its key-rate DV01s (``dv01_<tenor>_usd``, ``KEY_TENORS``) and, on CME's
    futures legs, its futures DV01 on each family's futures-cash basis
    (``basis_dv01_<family>_usd``, ``sim.market.basis.FAMILIES``; zero on cash legs). Coverage
    (``sim.metrics.coverage``) freezes these to take the loss over the liquidation horizon."""

    date_index: int
    entity: str
    entity_type: str
    ccp: str
    account: str
    im_usd: float
    standalone_im_usd: float
    vm_usd: float
    reduction: float
    customer_multiplier: float = 1.0
    dv01_3m_usd: float = 0.0
    dv01_2y_usd: float = 0.0
    dv01_5y_usd: float = 0.0
    dv01_10y_usd: float = 0.0
    dv01_30y_usd: float = 0.0
    basis_dv01_2y_usd: float = 0.0
    basis_dv01_5y_usd: float = 0.0
    basis_dv01_10y_usd: float = 0.0
    basis_dv01_bond_usd: float = 0.0


class BalanceDayRecord(NamedTuple):
    """A ledger account's cash and securities (face) at the daily audit."""

    date_index: int
    entity: str
    entity_type: str
    account: str
    cash_cents: int
    securities_cents: int


class DeskRecord(NamedTuple):
    """A firm's operations desk when a customer call joins it: queue length and busy staff."""

    time_min: float
    firm: str
    queue: int
    busy: int


class EventRecord(NamedTuple):
    """Something that happened (``kind``) to ``entity``, about ``ref`` (a call, an account);
    the typed facts that apply to the kind, null otherwise (see ``EVENT_KINDS``)."""

    time_min: float
    kind: str
    entity: str
    ref: str = ""
    counterparty: str | None = None
    date_index: int | None = None
    leg: str | None = None
    scale: float | None = None
    amount_cents: int | None = None
    face_usd: float | None = None
    mode: str | None = None
    expired: bool = False


EVENT_KINDS: dict[str, str] = {
    "firm_liquidity_shortfall": "a firm cannot pay a CCP call (ref call; amount_cents short)",
    "payment_after_default": "a customer paid after its call defaulted or was cancelled"
    " (counterparty payer; the money stays with the firm as the customer's deposit)",
    "collateral_cutoff_cash": "Treasuries a firm would have delivered for a CCP call after the"
    " cycle's collateral cutoff, paid in cash instead (ref call; counterparty the customer,"
    " none pooled; amount_cents their value)",
    "payment_queued": "a firm's CCP payment beyond its daylight-overdraft cap waits for funds"
    " (ref call; amount_cents short)",
    "payment_released": "a queued CCP payment was made (ref call; amount_cents the call)",
    "customer_credit_breach": "a firm's advance for a customer went beyond its credit limit (ref"
    " and counterparty customer; amount_cents over the limit)",
    "customer_limit_closeout": "a customer beyond its credit limit missed its call's due time:"
    " closed out without grace (ref call; counterparty customer)",
    "member_default": "a CCP declared a clearing firm in default (ref firm; mode scheduled,"
    " endogenous: it missed a CCP call's final deadline, or cross_default)",
    "payout_withheld": "a CCP payout falling after the member's default declaration stays in"
    " its account as margin for the close-out (ref the CCP account; amount_cents the payout"
    " value not paid)",
    "payment_after_declaration": "a payment of a call ended at its payer's default declaration"
    " reached the CCP; it stays in the account as margin (ref call)",
    "default_closeout": "a CCP's close-out of a defaulter ended (ref firm; amount_cents the"
    " loss after XM sharing, < 0 a gain)",
    "default_margin": "the defaulter's margin at the CCP usable for its close-out loss: house"
    " collateral and each customer's up to its own loss (ref firm; amount_cents, collateral at"
    " the CCP's haircut)",
    "default_returned": "gains of a defaulter's close-out credited back: each customer's to"
    " its own collateral, the house's net gain to its house account (ref firm; amount_cents)",
    "default_group": "one owner's close-out loss at a CCP (ref firm; counterparty <firm>:<customer>"
    " under LSOC, <firm>:<customer account> without, or <firm>:house; mode customer or house;"
    " amount_cents after XM sharing, with its unpaid VM, < 0 a gain)",
    "default_customer_shortfall": "a defaulter's customer's close-out loss beyond its own"
    " collateral, met by the house's margin and the waterfall (ref firm; counterparty its"
    " group, as in default_group; amount_cents)",
    "customer_collateral_held": "what is left of a defaulter's unported customer's collateral"
    " after its close-out, held for it in the defaulter's customer account (ref firm;"
    " counterparty its group, as in default_group; amount_cents at the CCP's haircut)",
    "default_layer": "a waterfall layer used for a defaulter's loss (ref firm; mode the layer,"
    " amount_cents)",
    "default_uncovered": "the part of a defaulter's loss no waterfall layer met (ref firm;"
    " amount_cents)",
    "customer_porting": "a defaulter's customer was offered for porting at the declaration"
    " (ref defaulter; mode ported, partial: some legs, or not_ported)",
    "customer_ported": "a ported customer's legs and collateral moved (ref defaulter;"
    " counterparty the new firm, the first by id if its legs went to two)",
    "porting_xm_split": "a ported XM customer became standalone legs (ref defaulter;"
    " amount_cents the IM jump of its ported legs, standalone less XM IM)",
    "xm_loss_transfer": "a CCP paid the other its share of a joint XM close-out (ref firm;"
    " counterparty the payee CCP, amount_cents)",
    "ccp_call_default": "a firm missed a CCP call's final deadline (counterparty firm)",
    "ccp_liquidity": "a CCP advanced VM beyond an account's cash (ref account; amount_cents)",
    "ccp_liquidity_shortfall": "a CCP's liquidity need exceeded what was left of its facility"
    " (ref account or call; amount_cents uncovered, mode the need: vm_advance, default_vm or"
    " late_vm, a late call's cash VM bridged)",
    "ccp_default_funding": "a CCP paid a defaulted call's cash VM from its liquidity resources"
    " (ref call; counterparty the firm, amount_cents: the VM less cash paid after the"
    " declaration)",
    "customer_default": "a customer missed its call's final deadline (counterparty customer)",
    "liquidation": "a firm closed a defaulted customer's leg (ref user; leg, scale)",
    "deleverage": "a firm scaled a customer's leg on its request (ref user; leg, scale)",
    "liquidity_shortfall": "an end user cannot pay a call (ref call; amount_cents)",
    "deleverage_sale": "an end user sold cash against futures (ref call; face_usd sold; scale:"
    " the fraction of its book, raise_cash only)",
    "customer_call_added": "a firm added a shortfall to an XM customer's call of the cycle (ref"
    " call, or cycle statement while at the desk; counterparty customer; amount_cents)",
    "customer_call_absorbed": "a firm carried an XM customer's shortfall to the next cycle, its"
    " call of the cycle being paid (ref call; counterparty customer; amount_cents)",
    "call_recomputed": "a firm cut a call after the customer deleveraged (ref call; amount_cents"
    " cut)",
    "closeout": "a firm's close-out of a defaulted customer ended (ref user; amount_cents"
    " loss, < 0 a gain)",
    "closeout_firm_loss": "the part of a close-out loss the firm paid from its own cash (ref"
    " user; amount_cents)",
    "customer_writeoff": "a firm wrote off a closed-out customer's negative equity, VM it had"
    " paid for it (ref user; amount_cents)",
    "closeout_unfunded": "the part of a close-out loss nobody could pay (ref user; amount_cents)",
    "impact_cost": "an end user paid its sales' impact cost at the close (amount_cents)",
    "impact_cost_unpaid": "the part of an impact cost an end user could not pay (amount_cents)",
    "scale_up": "an XM user re-used freed margin (scale of both legs)",
    "xm_link_down": "XM figures lost in a link outage (ref day:mark)",
    "xm_fallback": "an XM firm account's cycle without the partner's figures (ref firm:account;"
    " date_index, mode the xm.fallback applied, expired true when last_good was too old)",
    "xm_break": "a position break margins an XM customer standalone (ref user; date_index, mode"
    " start at its first cycle or end at the first cycle after it)",
    "credit_line_cut": "a lender cut an end user's uncommitted line (ref cash account;"
    " amount_cents withdrawn, date_index)",
    "redemption": "a fund paid redemptions to external (ref cash account; amount_cents,"
    " date_index)",
    "redemption_shortfall": "a fund could not pay a redemption in full (ref cash account;"
    " amount_cents unpaid, date_index)",
    "repo_roll": "an end user's cleared repo rolled with its sponsor (ref and counterparty the"
    " sponsor; date_index, face_usd collateral rolled, scale the new haircut, amount_cents the"
    " haircut cash paid to the sponsor, < 0 returned)",
    "repo_carry": "an end user's net carry over the repo term ended at a roll (ref and"
    " counterparty the sponsor; date_index, face_usd collateral, amount_cents coupon received"
    " less repo interest paid, > 0 earned)",
    "repo_interest_unpaid": "the repo interest an end user could not pay its sponsor at a roll"
    " (ref the sponsor; amount_cents)",
}


class FirmRecord(NamedTuple):
    """A clearing firm of the population: kind (bd_fcm, fcm, bd), whether it offers customer
    XM, its corporate family and size weight."""

    firm: str
    kind: str
    offers_xm: bool
    family: str
    size_weight: float


class RelationshipRecord(NamedTuple):
    """Who clears what where: an end user's ``leg`` (futures or cash) at ``firm``, and its
    custodian."""

    user: str
    user_type: str
    leg: str
    firm: str
    custodian: str


TABLES: dict[str, type] = {
    "calls": CallRecord,
    "payments": PaymentRecord,
    "accounts_daily": AccountDayRecord,
    "balances_daily": BalanceDayRecord,
    "desk": DeskRecord,
    "events": EventRecord,
    "firms": FirmRecord,
    "relationships": RelationshipRecord,
    "adoption_decisions": AdoptionDecisionRecord,
    "adoption_onboarding": OnboardingRecord,
    "adoptions": AdoptionRecord,
    "adoption_counts": AdoptionCountRecord,
    "market_shares": MarketShareRecord,
}
TABLE_OF: dict[type, str] = {record: name for name, record in TABLES.items()}
SCHEMAS: dict[str, pa.Schema] = {name: output_schema(record) for name, record in TABLES.items()}
COLUMNS: dict[str, list[Column]] = {name: output_columns(r) for name, r in TABLES.items()}
STRUCTS: dict[str, pa.StructType] = {name: record_struct(r) for name, r in TABLES.items()}


class Recorder:
    """Buffers records per table; flushes them to ``out_dir/<table>.parquet`` in row groups.
    ``labels`` (the experiment's run id, scenario, replication and seed) lead every row of every
    table as constant columns, so a table read alone still says which run it belongs to. The
    run's ``calendar`` dates the rows (ET timestamps, business dates; null without one)."""

    def __init__(
        self,
        out_dir: Path | None = None,
        batch_rows: int = 50_000,
        labels: Labels | None = None,
        calendar: SimCalendar | None = None,
    ) -> None:
        self.out_dir = out_dir
        self.calendar = calendar
        self.batch_rows = batch_rows
        self.labels = dict(labels or {})
        self.schemas = {t: labelled(SCHEMAS[t], self.labels) for t in TABLES}
        self._rows: dict[str, list[tuple]] = {name: [] for name in TABLES}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
        self.counts: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._closed = False

    def add(self, record: tuple) -> None:
        """Append one record to its table (``TABLE_OF[type(record)]``)."""
        try:
            table = TABLE_OF[type(record)]
        except KeyError:
            raise TypeError(f"not a record type of any table: {type(record).__name__}") from None
        buf = self._rows[table]
        buf.append(tuple(record))  # a plain tuple of scalars: the garbage collector untracks it
        self.counts[table] += 1
        if len(buf) >= self.batch_rows:
            self._flush(table)

    def add_many(self, records: list[tuple]) -> None:
        """Append several records of one type at once (one buffer check for the batch)."""
        if not records:
            return
        table = TABLE_OF[type(records[0])]
        if any(type(r) is not TABLES[table] for r in records):
            raise TypeError(f"add_many: records of more than one type for table {table}")
        buf = self._rows[table]
        buf.extend(map(tuple, records))
        self.counts[table] += len(records)
        if len(buf) >= self.batch_rows:
            self._flush(table)

    def _arrow(self, table: str) -> pa.Table:
        rows = self._rows[table]
        schema = self.schemas[table]
        constant = [
            pa.array([value] * len(rows), type=f.type)
            for value, f in zip(self.labels.values(), schema, strict=False)
        ]
        arrays = convert_rows(rows, STRUCTS[table], COLUMNS[table], self.calendar)
        return pa.Table.from_arrays([*constant, *arrays], schema=schema)

    def _writer(self, table: str) -> pq.ParquetWriter:
        if table not in self._writers:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"{table}.parquet"
            self._writers[table] = pq.ParquetWriter(path, self.schemas[table])
        return self._writers[table]

    def _flush(self, table: str) -> None:
        if not self._rows[table]:
            return
        arrow = self._arrow(table)
        self._rows[table] = []
        if self.out_dir is None:
            self._frames[table].append(arrow.to_pandas())
            return
        self._writer(table).write_table(arrow)

    def close(self) -> None:
        """Flush everything and close the files (without reading the tables back)."""
        for table in TABLES:
            self._flush(table)
            if self.out_dir is not None:
                self._writer(table).close()
                del self._writers[table]
        self._closed = True

    def finish(self) -> dict[str, pd.DataFrame]:
        """Flush everything, close the files and return every table as a DataFrame (may be
        called again: the tables are read back, not rewritten)."""
        if not self._closed:
            self.close()
        if self.out_dir is not None:
            return {t: pd.read_parquet(self.out_dir / f"{t}.parquet") for t in TABLES}
        return {
            t: pd.concat(self._frames[t] or [self._arrow(t).to_pandas()], ignore_index=True)
            for t in TABLES
        }
