"""What every metric a run emits means: its unit, scope, valid range and a one-line meaning.

``METRICS`` maps each concrete metric name of the long metrics table (``sim.metrics.compute``,
``sim.metrics.operations``, ``sim.metrics.adoption``, and the network concentration of
``sim.population.network.concentration``) to a ``Metric``. To add one, add a ``Metric(...)`` line
to the ``declare(...)`` call below (names built with f-strings are declared once per concrete
name). ``sim.metrics.checking.check_metrics`` raises ``ValueError`` for a table that emits a name
not declared here, a value outside its range, a NaN where the metric is always defined, or a
row of the wrong scope.

Scope says which rows a metric has in the long table: ``per run`` (run-level rows, ``date``
NaT), ``per day`` (dated rows) or ``per run and per day`` (both). Breakdowns (by end-user type,
CCP account, hop, level, rail, ...) are in ``entity_type`` and named in the meaning.
Basis says what one value measures: ``per user`` (an average end user's or adopter's value),
``total`` (summed over the users, calls, accounts or events counted) or ``statistic`` (a share,
mean, peak, percentile or index of the whole group).
Ranges are closed, ``(low, high)``, with ``math.inf`` where open; they hold for every value but
NaN, which only metrics with ``may_be_nan`` (undefined, e.g. an HHI with nothing to share) emit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sim.margin.waterfall import LAYERS

USD = "USD"
COUNT = "count"
FRACTION = "fraction"
MINUTES = "minutes"
BUSINESS_MINUTES = "business minutes"
BP = "bp"
HHI = "HHI 0-10000"
BUSINESS_DAYS = "business days"
CALENDAR_DAYS = "calendar days"
CALLS_PER_HOUR = "calls per hour"
PAYMENTS_PER_HOUR = "payments per hour"
RATIO = "ratio"
USD_PER_BP = "USD per bp"

PER_RUN = "per run"
PER_DAY = "per day"
PER_RUN_AND_DAY = "per run and per day"
SCOPES = (PER_RUN, PER_DAY, PER_RUN_AND_DAY)
PER_USER = "per user"
TOTAL = "total"
STATISTIC = "statistic"
BASES = (PER_USER, TOTAL, STATISTIC)
INF = math.inf
HOPS = "hop (ccp_settlement, firm_desk, end_user, custodian, customer_call)"
LEVELS = "level (ccp: CCP to firm, customer: firm to end user)"


@dataclass(frozen=True)
class Metric:
    """A metric's declaration: ``name`` as in the table, ``unit``, ``scope`` (one of
    ``SCOPES``), valid range ``low``..``high`` (closed; ``math.inf`` where open), ``meaning``
    (one line), ``may_be_nan`` (whether a value can be undefined, NaN) and ``basis`` (one of
    ``BASES``: per user, total or statistic)."""

    name: str
    unit: str
    scope: str
    low: float
    high: float
    meaning: str
    may_be_nan: bool = False
    basis: str = TOTAL

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"metric {self.name}: scope {self.scope!r}, allowed {SCOPES}")
        if self.basis not in BASES:
            raise ValueError(f"metric {self.name}: basis {self.basis!r}, allowed {BASES}")
        if not self.low <= self.high:
            raise ValueError(f"metric {self.name}: low {self.low} above high {self.high}")

    @property
    def range_text(self) -> str:
        """The valid range for messages, e.g. ``0 to inf``."""
        return f"{self.low:g} to {self.high:g}"


def declare(*metrics: Metric | Iterable[Metric]) -> dict[str, Metric]:
    """The registry of ``metrics`` (single ones or iterables of them) by name; ``ValueError``
    when a name is declared twice."""
    flat = [m for item in metrics for m in ([item] if isinstance(item, Metric) else item)]
    names = [m.name for m in flat]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"metrics declared twice: {twice}")
    return {m.name: m for m in flat}


def _adoption_shares() -> list[Metric]:
    what = {
        "eligible": "eligible for customer XM under the rule given their firms (adopters too)",
        "onboarding": "that decided to adopt and are not live yet",
        "adopted": "live on customer XM",
    }
    return [
        Metric(
            f"{state}_share",
            FRACTION,
            PER_RUN_AND_DAY,
            0.0,
            1.0,
            f"Share of end users {text}, per type, size tercile and all (dated: each count; "
            "run-level: the last)",
            basis=STATISTIC,
        )
        for state, text in what.items()
    ]


PROCYCLICALITY_SCOPES = (
    "per IM series (entity type): aggregate (all end users' IM at each close) and"
    " aggregate:<ccp>; fixed:accounts (end users' opening books held fixed, summed),"
    " fixed:account_median (median over users), fixed:<reference portfolio> (sim.metrics."
    "procyclicality); NaN where the run has no two closes that far apart or IM is zero"
)


METRICS: dict[str, Metric] = declare(
    # margin (sim.metrics.compute)
    Metric("end_user_im_usd", USD, PER_RUN, 0.0, INF,
           "An end user's initial margin at both CCPs (as posted to its firms: the CCPs' IM"
           " times the house multiplier, and CME's 110% of maintenance for speculative"
           " customers), averaged over run days and over the users of the type (entity type) or"
           " all", basis=PER_USER),
    Metric("ccp_im_usd", USD, PER_RUN, 0.0, INF, "Initial margin the CCPs hold for end users"
           " (CME at maintenance when the 110% is collected by the FCM), total of the type"
           " (entity type) or all, averaged over run days"),
    Metric("customer_margin_usd", USD, PER_RUN, 0.0, INF, "Margin end users post to their firms"
           " against both CCPs' IM (with the FCM's 110% for speculative customers), total of the"
           " type (entity type) or all, averaged over run days"),
    Metric("im_by_account_usd", USD, PER_RUN, 0.0, INF, "Total initial margin the CCP holds"
           " for end users per account kind (<ccp>:<account>), averaged over run days"),
    Metric("end_user_im_total_usd", USD, PER_RUN_AND_DAY, 0.0, INF,
           "All end users' initial margin at both CCPs (as posted to their firms; run-level:"
           " mean over days; dated: the day's)"),
    Metric("xm_savings_usd", USD, PER_RUN_AND_DAY, 0.0, INF,
           "End users' standalone minus actual initial margin (as posted to their firms;"
           " run-level: mean over days; dated: the day's)"),
    Metric("xm_accounts", COUNT, PER_RUN, 0.0, INF, "End users with a customer XM account"),
    Metric("xm_mean_reduction", FRACTION, PER_RUN, 0.0, 1.0,
           "Mean reduction factor applied to customer XM accounts over account-days (0 without"
           " any)", basis=STATISTIC),
    # procyclicality (sim.metrics.procyclicality; Murphy, Vause and Wilhelm 2014)
    Metric("im_peak_to_trough", RATIO, PER_RUN, 1.0, INF,
           f"Largest over smallest IM at the run's closes, {PROCYCLICALITY_SCOPES}",
           may_be_nan=True, basis=STATISTIC),
    (Metric(f"im_max_increase_{n}d_usd", USD, PER_RUN, -INF, INF,
            f"Largest {n}-business-day rise of IM in dollars, {PROCYCLICALITY_SCOPES}",
            may_be_nan=True, basis=STATISTIC) for n in (1, 5, 30)),
    (Metric(f"im_max_increase_{n}d_frac", FRACTION, PER_RUN, -1.0, INF,
            f"Largest {n}-business-day rise of IM as a fraction of the starting day's (0.25 ="
            f" +25%), {PROCYCLICALITY_SCOPES}", may_be_nan=True, basis=STATISTIC)
     for n in (1, 5, 30)),
    Metric("vol_10y_20d_bp", BP, PER_DAY, 0.0, INF,
           "Sample standard deviation of the last 20 daily 10Y par-yield changes at each close"
           " (bp per day; entity type 10Y)", basis=STATISTIC),
    Metric("im_to_vol_usd_per_bp", USD_PER_BP, PER_DAY, 0.0, INF,
           "Margin-to-volatility path: all end users' IM at the close over vol_10y_20d_bp"
           " (dollars per bp of daily 10Y volatility; entity type aggregate; NaN at zero"
           " volatility)", may_be_nan=True, basis=STATISTIC),
    # coverage (sim.metrics.coverage): closes without a full joint horizon (the run's last
    # max(cme.mpor_days, ficc.mpor_days) business days) are left out
    Metric("coverage_account_days", COUNT, PER_RUN, 0.0, INF,
           "End-user account-days (closes with a full joint horizon left; the run's last"
           " longer-MPOR days are left out) counted for coverage, per scope: joint (both legs),"
           " cme, ficc (a leg there)"),
    Metric("coverage_exceptions", COUNT, PER_RUN, 0.0, INF,
           "Account-days whose realised loss of the positions frozen at the close exceeds the"
           " cover: joint, the whole book over the longer MPOR against IM at both CCPs; per"
           " CCP, its leg over its MPOR against its IM plus, for XM accounts, its pro-rata-to-IM"
           " share of the other CCP's excess (assumption until the default-management rules)"),
    Metric("coverage_exception_share", FRACTION, PER_RUN, 0.0, 1.0,
           "coverage_exceptions over coverage_account_days, per scope (joint, cme, ficc)",
           basis=STATISTIC),
    Metric("coverage_shortfall_usd", USD, PER_RUN, 0.0, INF,
           "Realised horizon loss beyond the cover, summed over the coverage exceptions, per"
           " scope (joint, cme, ficc; see coverage_exceptions)"),
    Metric("under_collateralisation_events", COUNT, PER_RUN, 0.0, INF,
           "Episodes of joint coverage exceptions: runs of consecutive closes on which one end"
           " user's joint horizon loss exceeds the IM held at both CCPs"),
    Metric("share_capped_account_days", FRACTION, PER_RUN, 0.0, 1.0,
           "Share of XM account-days (customer XM rows at either CCP, every close) whose applied"
           " reduction sits at the cap (not emitted without XM accounts)", basis=STATISTIC),
    # network (sim.metrics.compute, sim.population.network)
    (Metric(f"hhi_end_users_{leg}", HHI, PER_RUN, 0.0, 10_000.0,
            f"Herfindahl index of end users per clearing firm on the {leg} leg at the start"
            " (NaN without end users)", may_be_nan=True, basis=STATISTIC)
     for leg in ("futures", "cash")),
    Metric("hhi_margin", HHI, PER_RUN, 0.0, 10_000.0,
           "Herfindahl index of customer initial margin per clearing firm, both legs (NaN"
           " without margin)", may_be_nan=True, basis=STATISTIC),
    Metric("users_exposed_max_share", FRACTION, PER_RUN, 0.0, 1.0,
           "Largest share of end users one firm's failure cuts off from the CCP (entity type)",
           basis=STATISTIC),
    # population (sim.metrics.compute, sim.population.public_data; public_data model only)
    Metric("top50_hf_share", FRACTION, PER_RUN, 0.0, 1.0,
           "Share of the largest round(50 x scale) funds of the Form PF type (entity type) in"
           " its gross Treasury exposure (Form PF: top 50 hedge funds 83-85%)", may_be_nan=True,
           basis=STATISTIC),
    # operations (sim.metrics.operations)
    Metric("calls", COUNT, PER_RUN, 0.0, INF, f"Margin calls issued, per {LEVELS}"),
    Metric("calls_late_share", FRACTION, PER_RUN, 0.0, 1.0,
           "Share of calls paid after their deadline, per level (0 without calls)",
           basis=STATISTIC),
    Metric("calls_defaulted", COUNT, PER_RUN, 0.0, INF, "Calls that ended defaulted, per level"),
    Metric("missed_deadlines", COUNT, PER_RUN, 0.0, INF,
           "Calls paid late or defaulted, per level"),
    Metric("adhoc_calls", COUNT, PER_RUN, 0.0, INF, "Ad hoc (surveillance) calls of the CCPs"),
    Metric("prefunding_usd", USD, PER_RUN, 0.0, INF,
           "Money clearing firms advanced to the CCPs for customers not yet paid (all), per"
           " firm (entity type: the firm's id); per customer segregation: the firm's own money"
           " for customers' deficits"),
    Metric("prefunding_peak_usd", USD, PER_RUN, 0.0, INF,
           "Peak of clearing firms' advances outstanding (advanced less taken back from"
           " customers) over the run, all firms together (all) and per firm (its id)",
           basis=STATISTIC),
    (Metric(f"latency_p{q}_min", MINUTES, PER_RUN, 0.0, INF,
            f"{label} of a call's minutes per {HOPS} (0 without calls)", basis=STATISTIC)
     for q, label in (("50", "Median"), ("95", "95th percentile"))),
    (Metric(f"latency_p{q}_business_min", BUSINESS_MINUTES, PER_RUN, 0.0, INF,
            f"{label} of a call's minutes while the hop's desk or rail was open, per {HOPS}",
            basis=STATISTIC)
     for q, label in (("50", "Median"), ("95", "95th percentile"))),
    Metric("entity_calls_per_hour_peak", CALLS_PER_HOUR, PER_RUN, 0.0, INF,
           "Most calls one CCP (ccp) or one clearing firm (firm) issued in a clock hour",
           basis=STATISTIC),
    Metric("entity_payments_per_hour_peak", PAYMENTS_PER_HOUR, PER_RUN, 0.0, INF,
           "Most payments one CCP, firm or custodian handled in a clock hour", basis=STATISTIC),
    Metric("calls_per_hour_peak", CALLS_PER_HOUR, PER_RUN, 0.0, INF,
           "Most calls issued in a clock hour, all issuers of the level", basis=STATISTIC),
    Metric("calls_per_hour_mean", CALLS_PER_HOUR, PER_RUN, 0.0, INF,
           "Mean calls issued per clock hour with any, per level", basis=STATISTIC),
    Metric("payments_per_hour_peak", PAYMENTS_PER_HOUR, PER_RUN, 0.0, INF,
           "Most payments settled in a clock hour, per rail", basis=STATISTIC),
    Metric("desk_queue_max", COUNT, PER_RUN, 0.0, INF,
           "Longest queue of customer calls waiting at a firm's operations desk", basis=STATISTIC),
    Metric("desk_queue_mean", COUNT, PER_RUN, 0.0, INF,
           "Mean queue a customer call found at a firm's operations desk", basis=STATISTIC),
    Metric("credit_drawn_peak_usd", USD, PER_RUN, 0.0, INF,
           "Largest daily total of credit end users drew", basis=STATISTIC),
    Metric("credit_cost_usd", USD, PER_RUN, 0.0, INF,
           "Cost of the credit end users drew, at each type's spread (act/360 per business day)"),
    Metric("peak_daily_liquidity_need_usd", USD, PER_RUN, 0.0, INF,
           "Largest value of customer call payments settled in one day", basis=STATISTIC),
    Metric("liquidity_shortfalls", COUNT, PER_RUN, 0.0, INF,
           "Calls an end user could not meet from its liquidity"),
    # intraday liquidity gap (sim.metrics.liquidity_gap)
    Metric("intraday_liquidity_gap_peak_usd", USD, PER_RUN, 0.0, INF,
           "Largest amount a clearing firm had paid to a CCP's settlement and not yet received"
           " back from that settlement's payouts, over firm-days (pay-out lag: CME 08:30 to"
           " 09:30 ET)", basis=STATISTIC),
    Metric("intraday_liquidity_gap_mean_usd", USD, PER_RUN, 0.0, INF,
           "A clearing firm's daily peak of that gap, averaged over firms and business days"
           " (and the morning after the last close)", basis=STATISTIC),
    # market (sim.metrics.market)
    Metric("deleveraged_share", FRACTION, PER_RUN, 0.0, 1.0,
           "Cash face end users sold in deleveraging over their cash face at the start, per"
           " end-user type (for a basis book, the share of gross Treasury exposure)",
           basis=STATISTIC),
    Metric("basis_bp", BP, PER_DAY, -INF, INF,
           "Futures-cash basis at the close, impact included, per futures family (bp; + ="
           " futures cheapen against cash)", basis=STATISTIC),
    Metric("basis_impact_bp", BP, PER_DAY, -INF, INF,
           "The part of the basis moved by the population's trades, per futures family (bp)",
           basis=STATISTIC),
    Metric("basis_impact_min_bp", BP, PER_RUN, -INF, 0.0,
           "Most negative basis impact of the population's trades over the run, per futures"
           " family (bp)", basis=STATISTIC),
    Metric("deleveraged_face_usd", USD, PER_RUN, 0.0, INF,
           "Face value of cash positions end users sold in forced deleveraging"),
    Metric("customer_defaults", COUNT, PER_RUN, 0.0, INF,
           "Customer calls a clearing firm declared defaulted"),
    Metric("ccp_liquidity_advances", COUNT, PER_RUN, 0.0, INF,
           "Variation margin losses a CCP advanced from its liquidity facility"),
    Metric("ccp_cover1_liquidity_ratio", RATIO, PER_RUN, 0.0, INF, "Cover-1: a CCP's liquid"
           " resources over its largest member family's calls due in a day, per CCP (NaN:"
           " unlimited resources or no calls)", may_be_nan=True, basis=STATISTIC),
    Metric("ccp_cover1_need_usd", USD, PER_RUN, 0.0, INF, "Largest total of one member"
           " family's calls due to a CCP in a calendar day, per CCP", basis=STATISTIC),
    Metric("ccp_liquid_resources_usd", USD, PER_RUN, 0.0, INF, "A CCP's committed facility at"
           " the run's scale, per CCP (NaN: unlimited)", may_be_nan=True),
    *(Metric(f"ccp_liquidity_{n}", u, PER_RUN, 0.0, INF, f"{t}, per CCP") for n, u, t in (
        ("drawn_usd", USD, "Liquidity a CCP drew: VM advanced beyond an account's cash and"
         " defaulted calls' cash VM paid out"),
        ("shortfall_usd", USD, "Liquidity needs beyond what was left of a CCP's facility"),
        ("shortfalls", COUNT, "Liquidity needs that exceeded what was left of a CCP's facility"))),
    *(Metric(f"firm_capital_breach_{n}", COUNT, PER_RUN, 0.0, INF, f"{t} whose minimum capital"
             " (CFTC 1.17, SEC 15c3-1) exceeded the firm's assumed capital")
      for n, t in (("days", "Firm-closes"), ("firms", "Firms, at some close,"))),
    Metric("firm_capital_ratio_max", RATIO, PER_RUN, 0.0, INF, "Largest ratio of a firm's"
           " minimum capital to its assumed capital over firms and closes", basis=STATISTIC),
    Metric("credit_lines_cut_usd", USD, PER_RUN, 0.0, INF,
           "Undrawn uncommitted credit lenders withdrew from end users in stress (only when"
           " some type has an uncommitted line or redeems)"),
    Metric("redemptions_usd", USD, PER_RUN, 0.0, INF,
           "Redemptions funds paid to their investors in stress (only with funding active)"),
    Metric("redemptions_unpaid_usd", USD, PER_RUN, 0.0, INF,
           "Redemptions funds could not pay from free cash (only with funding active)"),
    Metric("repo_haircut_paid_usd", USD, PER_RUN, -INF, INF,
           "Net haircut cash end users paid their repo sponsors at rolls (< 0: returned; only"
           " under cleared_repo)"),
    Metric("repo_carry_usd", USD, PER_RUN, -INF, INF,
           "Net carry end users received at repo rolls: coupon accrual less repo interest paid"
           " (only under cleared_repo)"),
    Metric("repo_interest_unpaid_usd", USD, PER_RUN, 0.0, INF,
           "Repo interest end users could not pay from free cash at rolls (only under"
           " cleared_repo)"),
    Metric("repo_deleveraged_face_usd", USD, PER_RUN, 0.0, INF,
           "Face value end users sold at repo rolls because they could not fund a haircut"
           " increase (only under cleared_repo)"),
    Metric("xm_fallbacks", COUNT, PER_RUN, 0.0, INF,
           "XM firm accounts and cycles margined standalone because the other CCP's figures"
           " were missing"),
    Metric("xm_fallbacks_by_mode", COUNT, PER_RUN, 0.0, INF,
           "XM firm account-cycles without the other CCP's figures, by the fallback applied"
           " (standalone, last_good, last_good_expired: too old so standalone, hold; only with"
           " XM on)"),
    Metric("xm_breaks", COUNT, PER_RUN, 0.0, INF,
           "Position breaks started: XM customers margined standalone at a CCP because the"
           " CCPs' position views differ (per customer and CCP; only with XM on)"),
    # firms' timing and day-end limits (sim.metrics.firm_limits)
    Metric("collateral_cutoff_cash_usd", USD, PER_RUN, 0.0, INF, "Treasuries' value firms"
           " paid in cash because a CCP call came after the cycle's collateral cutoff"),
    Metric("collateral_cutoff_payments", COUNT, PER_RUN, 0.0, INF, "Treasury deliveries for"
           " CCP calls refused by a collateral cutoff (paid in cash instead)"),
    Metric("overdraft_queued_payments", COUNT, PER_RUN, 0.0, INF, "CCP payments that waited"
           " for funds beyond a firm's daylight-overdraft cap"),
    Metric("overdraft_queue_delay_minutes", MINUTES, PER_RUN, 0.0, INF, "Mean minutes a queued"
           " CCP payment waited before it was made (0 if none)", basis=STATISTIC),
    Metric("overdraft_queue_unpaid", COUNT, PER_RUN, 0.0, INF, "Queued CCP payments never"
           " made (the call's final deadline passed)"),
    Metric("daylight_overdraft_peak_usd", USD, PER_RUN, 0.0, INF, "Largest negative balance"
           " of any firm's own cash account at any minute", basis=STATISTIC),
    Metric("firm_liquidity_shortfalls", COUNT, PER_RUN, 0.0, INF, "CCP calls a firm could not"
           " pay from its own cash and credit"),
    Metric("customer_credit_breaches", COUNT, PER_RUN, 0.0, INF, "Times a firm's advance for a"
           " customer went beyond its per-customer credit limit"),
    Metric("customer_limit_closeouts", COUNT, PER_RUN, 0.0, INF, "Customers beyond their"
           " credit limit closed out at a call's due time, without grace"),
    # member defaults (sim.metrics.default_management; only runs with one)
    Metric("member_defaults", COUNT, PER_RUN, 0.0, INF, "Clearing firms a CCP declared in"
           " default (scheduled, endogenous or cross-default), per CCP"),
    Metric("ccp_call_defaults", COUNT, PER_RUN, 0.0, INF, "CCP calls that ended defaulted (at"
           " the final deadline or at the payer's default declaration), per CCP"),
    Metric("customer_calls_cancelled", COUNT, PER_RUN, 0.0, INF, "Customer calls of a"
           " defaulter's open at its declaration by the call's CCP, which end cancelled (the"
           " firm stops clearing there), per CCP"),
    Metric("default_closeout_loss_usd", USD, PER_RUN, -INF, INF, "A CCP's close-out loss on"
           " defaulters after XM loss sharing (< 0 a gain), per CCP"),
    Metric("default_margin_usd", USD, PER_RUN, 0.0, INF, "The defaulters' margin at a CCP"
           " usable for their close-out losses: house collateral and each customer's up to its"
           " own loss (at the CCP's haircut), per CCP"),
    Metric("default_gains_returned_usd", USD, PER_RUN, 0.0, INF, "Owners' close-out gains a"
           " CCP credited back (not offset against others' losses: LSOC), per CCP"),
    Metric("default_customer_shortfall_usd", USD, PER_RUN, 0.0, INF, "Defaulters' customers'"
           " losses beyond their own collateral (agents.default_margin), per CCP"),
    Metric("customer_collateral_held_usd", USD, PER_RUN, 0.0, INF, "Unported customers'"
           " collateral left after the close-out, held for them (trustee), per CCP"),
    Metric("default_uncovered_usd", USD, PER_RUN, 0.0, INF, "Close-out loss no layer of a"
           " CCP's waterfall met, per CCP"),
    *(Metric(f"waterfall_{x}_usd", USD, PER_RUN, 0.0, INF, f"Waterfall layer {x} a CCP used"
             " for defaulters' losses, per CCP") for x in LAYERS),
    Metric("inter_ccp_transfer_usd", USD, PER_RUN, 0.0, INF, "What one CCP paid the other to"
           " share joint XM close-outs (sharing_rule; 0 with XM off)"),
    Metric("ported_share", FRACTION, PER_RUN, 0.0, 1.0, "Share of the defaulters' customers"
           " ported with every leg (agents.porting; 0 with porting off)"),
    Metric("time_to_port_minutes", MINUTES, PER_RUN, 0.0, INF, "Mean minutes from the"
           " declaration to a ported customer's move (0 if none moved)"),
    Metric("survivor_liquidity_drawn_usd", USD, PER_RUN, 0.0, INF, "Peak credit surviving"
           " firms drew (own cash below 0 at a daily audit) from a declaration on, summed"),
    Metric("porting_xm_im_jump_usd", USD, PER_RUN, -INF, INF, "IM jump of ported XM customers"
           " split into standalone legs (standalone less XM IM at the last close)"),
    # adoption studies (sim.metrics.adoption)
    _adoption_shares(),
    Metric("time_to_adopt_days", BUSINESS_DAYS, PER_RUN, 0.0, INF,
           "Mean business days from an adopter's decision to going live (0 without adopters)",
           basis=PER_USER),
    Metric("days_from_live", CALENDAR_DAYS, PER_RUN, 0.0, INF,
           "Mean calendar days from the live date to an adopter going live (0 without"
           " adopters)", basis=PER_USER),
    Metric("consolidations", COUNT, PER_RUN, 0.0, INF, "Adopters that moved a leg to a firm"),
    Metric("adoption_cost_usd", USD, PER_RUN, 0.0, INF,
           "Adoption costs committed by end users that decided, at the last count"),
    Metric("im_saved_usd", USD, PER_RUN, 0.0, INF,
           "Initial margin adopters save, at the last evaluation"),
    Metric("savings_realised_usd", USD, PER_RUN, 0.0, INF,
           "Adopters' cumulative funding savings to the end of the run"),
    (Metric(f"hhi_users_{leg}_{when}", HHI, PER_RUN, 0.0, 10_000.0,
            f"Herfindahl index of end users per clearing firm on the {leg} leg at the {when}"
            " of an adoption study (0 without users)", basis=STATISTIC)
     for leg in ("futures", "cash") for when in ("start", "end")),
)  # fmt: skip
