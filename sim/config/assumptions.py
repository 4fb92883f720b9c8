"""Where every model parameter comes from: a published source, or the literal ``"assumption"``.

``ASSUMPTIONS`` holds one ``Assumption`` per parameter path of the configuration
(``SimConfig().model_dump(mode="json")`` flattened to dotted paths such as ``cme.mpor_days``):
its ``pattern`` and its ``source``. Values are never copied here: ``assumptions_table`` reads
them from the configuration it is given and the defaults from ``default_config_dict()``.

Patterns: ``*`` stands for any one key (``population.types.*.credit_spread_bp`` covers every
end-user type, declared in the defaults or in a spec), and a pattern also covers every path
below it (``cme.cycles.intraday`` covers that cycle's fields, ``adoption.funding_spread_bp`` each
type's spread, an empty mapping too). Where several patterns cover a path the most specific
wins: the one with a literal key where the other has ``*``, at the first segment where they
differ, else the longer one. Sources cite DESIGN.md sections 2 and 7; anything behavioural
without a source (latencies, response times, staff, costs, lead times, spreads, buffers,
deleverage fractions, model refinements) is ``"assumption"``; switches a scenario sets say
``"scenario choice"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sim.config.ccp import CME_FACILITY, FICC_CCLF
from sim.config.default_sources import DEFAULT_MANAGEMENT, LIMITS
from sim.config.simulation import default_config_dict
from sim.config.sources import (
    BUFFER_TARGET,
    CME_LOOKBACK,
    DESIGN,
    FCM_DATA,
    FICC_RISK,
    FIRMS,
    FORM_PF,
    LSOC,
    MANDATE,
    PUBLIC,
    RESIDUAL_DEADLINE,
    SEGREGATION,
    SIZING,
    SPAN2,
    SPONSORED,
    SQRT_LAW,
    TFF,
    TIMELINES,
    XM_ONE_CALL,
)

ASSUMPTION = "assumption"
UNDECLARED = "not declared in sim.config.assumptions"


@dataclass(frozen=True)
class Assumption:
    """The source of the parameters at ``pattern`` (dotted path; ``*`` for any one key)."""

    pattern: str
    source: str = ASSUMPTION

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.pattern.split("."))

    def covers(self, path: str) -> bool:
        """Whether ``path`` is the pattern or lies below it."""
        parts = path.split(".")
        mine = self.segments
        return len(parts) >= len(mine) and all(
            s in ("*", p) for s, p in zip(mine, parts, strict=False)
        )

    @property
    def specificity(self) -> tuple[int, ...]:
        """Greater is more specific: literal keys before ``*``, then longer patterns."""
        return tuple(0 if s == "*" else 1 for s in self.segments)


@dataclass(frozen=True)
class Row:
    """One parameter of a configuration: dotted ``parameter``, its ``value``, its ``source``
    (``"assumption"``, a source text, or ``UNDECLARED``), the ``default`` configuration's value
    there (None where the defaults have no such parameter) and whether the value differs from
    it (``set_in_spec``)."""

    parameter: str
    value: Any
    source: str
    default: Any = None
    set_in_spec: bool = False


def register(*groups: Assumption | list[Assumption]) -> tuple[Assumption, ...]:
    """The registry of the given entries (single or lists); ``ValueError`` on a repeated
    pattern."""
    flat = [a for g in groups for a in ([g] if isinstance(g, Assumption) else g)]
    patterns = [a.pattern for a in flat]
    twice = sorted({p for p in patterns if patterns.count(p) > 1})
    if twice:
        raise ValueError(f"assumption patterns declared twice: {twice}")
    return tuple(flat)


def each(prefix: str, names: str, source: str = ASSUMPTION) -> list[Assumption]:
    """One entry ``<prefix>.<name>`` with ``source`` per blank-separated name of ``names``."""
    return [Assumption(f"{prefix}.{name}", source) for name in names.split()]


ASSUMPTIONS: tuple[Assumption, ...] = register(
    each("calendar", "start business_days"),
    # market model
    Assumption("market.start_curve_pct", "unset: a replay reads the history's curve at the close"
               " before replay_from (data); otherwise the default curve, an assumption"
               " (2024-25-like levels); set: a scenario choice"),
    Assumption("market.lookback_days", f"covers the longest margin look-back, {CME_LOOKBACK}"),
    Assumption("market.model_file", "market model fitted to Treasury par-yield history, shipped"
               " as sim/market/market_model.json (DESIGN.md section 5); a path replaces it"),
    Assumption("market.history_file", "data input: a Treasury par-yield history (treasury.gov or"
               " FRED layout); unset: a synthetic look-back from the market model (DESIGN.md"
               " section 5)"),
    Assumption("market.replay_from", "scenario choice: replay the history from this date"),
    Assumption("market.intraday_clocks", f"marks for FICC's intraday run about 12:00 ET and"
               f" CME's 13:30 ET intraday cycle ({DESIGN} clock)"),
    each("market.basis", "kappa vol_calm_bp vol_stressed_bp family_corr price_impact_bp_per_bn"),
    Assumption("market.impact.coeff", f"square-root law, coefficient of order 1 in futures"
               f" markets ({SQRT_LAW}); 1.0 for Treasuries an assumption"),
    Assumption("market.impact.cost_fraction", "2/3: average execution price over peak impact"
               " of a metaorder under the square-root law (Bouchaud, Bonart, Donier and Gould,"
               " Trades, Quotes and Prices, 2018, ch. 12)"),
    Assumption("market.impact.futures_adv", "about 60% of CME's 2024 roll-month futures ADV"
               " (Feb 2024: TY 3.2m, FV 2.6m, TU 1.4m; May 2024: FV 2.4m, TU 1.4m, TN 0.87m"
               " contracts a day; CME Group monthly volume press releases), as outright depth;"
               " US, UB, TWE, Z3N an assumption of the same order"),
    Assumption("market.impact.cash_adv_usd", "U.S. Treasury average daily trading volume about"
               " $0.9tn in 2024 (SIFMA Fixed Income Market Structure Compendium, Feb 2025)"),
    each("market.impact", "cash_family_share stressed_depth_factor"),
    Assumption("market.impact.model", "model choice: per_bn is the legacy absolute-dollar rule;"
               " depth scales the sample's flow by 1/population.scale against market depth"),
    Assumption("liquidation.deleverage", "model choice: raise_cash sells the smallest fraction"
               " whose released margin covers the shortfall; fixed_fraction is the legacy rule"),
    Assumption("liquidation.closeout", "model choice: liquidate sells a defaulted customer's"
               " book on the path; delete is the legacy rule"),
    Assumption("population.types.*.reuse_speed", "assumption: how fast a fund re-levers freed"
               " margin (1: at once, the rule before issue 11)"),
    Assumption("liquidation.buffer_floor", "fund risk policy: deleverage when free liquidity falls"
               " below this multiple of current margin (assumption; 0 switches it off)"),
    Assumption("liquidation.buffer_target", BUFFER_TARGET),
    Assumption("liquidation.closeout_days", "2 business days: CME's margin period of risk for"
               " futures is 1-2 days (client accounts 2), FICC's 3 for sponsored members; a"
               " firm closing out a customer is taken to be as quick as CME"),
    # CME
    Assumption("cme.confidence", f"CME historical VaR at 99% ({SPAN2}; {DESIGN})"),
    Assumption("cme.mpor_days", f"CME futures close-out of at least 1 day, 2 days a common model"
               f" choice ({SPAN2}; {DESIGN})"),
    Assumption("cme.lookback_days", CME_LOOKBACK),
    Assumption("cme.multiplier", "CME's speculative initial ratio: an FCM collects at least 110%"
               f" of maintenance margin from speculative customers (CME; {DESIGN})"),
    Assumption("cme.cycles.intraday", "CME intraday variation and margin at 13:30 ET (12:30 CT),"
               f" banks confirm within 1 hour ({TIMELINES}; {DESIGN} clock)"),
    Assumption("cme.cycles.eod", "CME end-of-day run in the evening, collected by 08:30 ET"
               " (07:30 CT): CME settlement cycles (cmegroup.com/articles/2023/"
               f"101-overview-settlement.html; {DESIGN} clock); the 19:00 run an assumption"),
    Assumption("cme.cycles.eod.payout_clock", "CME settlement banks confirm collection of the"
               " end-of-day calls at 08:30 ET (07:30 CT) and CME pays out about an hour later,"
               f" 09:30 ET ({DESIGN} clock; CME settlement cycles, cmegroup.com/articles/2023/"
               "101-overview-settlement.html); firms bridge the gap (issue 13)"),
    Assumption("cme.cycles.intraday.payout_clock", "assumption: unset, CME pays the intraday"
               f" cycle's credits at its 14:30 due time ({DESIGN} gives a pay-out lag for the"
               " morning settlement only)"),
    *(Assumption(f"ficc.cycles.{c}.payout_clock", "assumption: unset, FICC pays excess at the"
                 f" cycle's due time ({DESIGN} gives no FICC pay-out lag)")
      for c in ("noon", "sod")),
    each("cme.adhoc", "enabled only_stressed clocks threshold deadline_minutes"),
    # FICC
    Assumption("ficc.confidence", f"FICC GSD VaR at 99% ({FICC_RISK}; {DESIGN})"),
    Assumption("ficc.mpor_days", f"FICC GSD 3-day liquidation horizon ({FICC_RISK}; {DESIGN})"),
    each("ficc", "lookback_days multiplier"),
    Assumption("ficc.cycles.noon", f"FICC intraday run and call about 12:00 ET ({FICC_RISK};"
               f" {DESIGN} clock); the 1-hour deadline an assumption"),
    Assumption("ficc.cycles.sod", "FICC start-of-day run on the positions of end-of-day"
               f" processing (from 18:00 ET), due 1 hour after the call ({FICC_RISK}; {DESIGN}"
               " clock, deadline default 1 hour); the 08:30 call an assumption"),
    each("ficc.adhoc", "enabled clocks", f"FICC hourly surveillance and ad hoc intraday calls"
         f" ({FICC_RISK}; {DESIGN})"),
    each("ficc.adhoc", "only_stressed threshold deadline_minutes"),
    *(each(ccp, "floor_bp apc_buffer haircut late_tolerance_minutes"
           " factor_publish_delay_minutes") for ccp in ("cme", "ficc")),
    each("cme", "ewma_lambda"),
    Assumption("ficc.ewma_lambda", "assumption: volatility scaling (filtered historical"
               " simulation, 0.97 as CME's) so that FICC's VaR follows current volatility;"
               " without it a fixed 10-year cash book's FICC IM rises 2% from the end of"
               " February to the end of March 2020 on the Treasury history (with it 66%),"
               " against published IM increases of 30-90% in March 2020 (FIA; ECB);"
               " FICC's own weighting is not modelled from a published source (issue 12)"),
    each("ficc", "stress_weight stress_window_days"),
    each("cme", "stress_weight stress_window_days", "set to match CME's quoted levels, 2024:"
         " TN $3,000 and UB $6,400 speculative initial margin per contract (CME, cmegroup.com/"
         "articles/2024/micro-treasury-futures-vs-yield-futures.html); SPAN 2 weighs historical"
         f" and stress risk with an undisclosed x ({SPAN2}); tests/test_margin_levels.py"),
    Assumption("cme.sees_basis", "CME's VaR prices futures, so its scenarios carry each"
               " family's futures-cash basis (model choice; CME SPAN 2 margins on futures"
               f" prices, {SPAN2})"),
    Assumption("market.dv01_yield", "day: a bond's DV01 depends on its yield (par-bond modified"
               " duration; a 10-year's is about 16% higher at 1% than at 4%); the published"
               " futures DV01s (CME, 2024) taken at the 4% reference; fixed: before issue 12"),
    Assumption("ficc.noon_rule", "max_start_of_day: FICC's intraday run margins noon positions"
               " and calls the excess over the start-of-day requirement, which stays in place"
               f" ({FICC_RISK}; {DESIGN}); previous_close: the setting before issue 12"),
    Assumption("cme.noon_rule", "previous_close: CME's intraday run re-margins current"
               " positions (assumption; CME collects and may release at the intraday cycle)"),
    *(each(ccp, "liquidity_threshold_dv01 liquidity_cost_bp", "assumption: off by default;"
           " CME SPAN 2 has liquidity and concentration components and FICC a Margin Liquidity"
           " Adjustment, whose parameters are not public (a linear stand-in)")
      for ccp in ("cme", "ficc")),
    Assumption("cme.liquidity.facility_usd", f"{CME_FACILITY}; times population scale"),
    Assumption("ficc.liquidity.facility_usd", f"{FICC_CCLF}; times population scale"),
    *(Assumption(f"{c}.liquidity.finite", "model choice: finite committed facility (CFTC"
                 " 39.33(c), SEC 17Ad-22(e)(7)); false: unlimited, before issue 13")
      for c in ("cme", "ficc")),
    Assumption("ficc.sees_basis", "assumption: false, FICC margins cash and repo, which carry no"
               " futures-cash basis; whether FICC's model sees futures prices for XM accounts"
               " is not public (the arrangement's data sharing is not published)"),
    # cross-margining policy
    Assumption("xm.enabled", "scenario choice: customer XM on, or off (separate margining)"),
    Assumption("xm.rule", "min_cap: each CCP computes its reduction factor, both apply the"
               f" smaller, capped (SR-FICC-2025-025, CFTC proposed order 90 FR 58525; {DESIGN};"
               " switchable)"),
    Assumption("xm.cap", "80% cap on savings (a CFTC sample portfolio falls from $343.24m to"
               " $68.65m): secondary summaries of the CFTC proposed order 90 FR 58525"
               " (DESIGN.md sections 2 and 7)"),
    Assumption("xm.eligibility", "identical BD-FCM rule: one entity registered as BD and FCM and"
               " a member of both CCPs clears both legs (SR-FICC-2025-025; CME FAQ on the"
               f" arrangement's expansion; {DESIGN})"),
    Assumption("xm.link_outages", "scenario choice: times the CCPs' XM link is down"),
    Assumption("xm.fallback", "assumption: standalone, the conservative reading when the partner's"
               " figures are missing (the arrangement's contingency rule is not public);"
               " last_good and hold are alternatives to compare"),
    Assumption("xm.position_breaks", "scenario choice: injected breaks between the CCPs' views of"
               " an XM account's positions"),
    Assumption("xm.random_breaks", "assumption: no random position breaks by default (no"
               " published break rate between the CCPs' position views)"),
    # clearing firms
    each("firms", "n_bd_fcm n_fcm n_bd", FIRMS),
    each("firms", "share_bd_fcm_offering_xm n_affiliated_pairs share_single_offering_xm"
         " own_liquidity_usd credit_line_usd house_multiplier house_multiplier_by_type"
         " min_transfer_usd collateral_haircut desk_staff handling_minutes house_dv01_usd"
         " capital_usd"),
    Assumption("firms.speculative_multiplier_at", "fcm: at the clearing level CME collects"
               " maintenance; an FCM must collect at least 110% of maintenance from speculative"
               f" customers, hedgers and house accounts at maintenance ({DESIGN}); ccp: the"
               " setting before issue 12"),
    Assumption("firms.segregation", SEGREGATION),
    *(Assumption(f"{c}.lsoc", LSOC) for c in ("cme", "ficc")),
    Assumption("firms.residual_interest_deadline", RESIDUAL_DEADLINE),
    Assumption("firms.xm_one_call_per_cycle", XM_ONE_CALL),
    Assumption("firms.xm_customer_equity", "joint: under customer cross-margining both legs of"
               " a cross-margined customer sit in one customer XM account at the BD-FCM (a CEA"
               " section 4d cross-margin account; CME-FICC cross-margining agreement for"
               " customers, approved by the CFTC and SEC in 2023-2024), so the firm nets the"
               " customer's equity and requirements across both legs; per_ccp: the setting"
               " before, equity kept per CCP"),
    Assumption("firms.substitution_clock", "before CME's 12:00 ET (11:00 CT) deadline for"
               f" collateral deposit and withdrawal requests ({TIMELINES}; {DESIGN} clock);"
               " 11:30 itself an assumption"),
    # end-user population
    Assumption("population.n_end_users", f"{SIZING}: 2,700 end users at population scale 1"
               " (FICC sponsored members about 2,400 in 2024 to 3,000 in 2026;"
               f" {DESIGN}); the default 300 is scale about 0.11"),
    Assumption("population.scale", "scenario choice: when set, the counts follow public facts"
               f" ({SIZING})"),
    Assumption("population.types.*.cftc_category", "CFTC/CME account classification: hedge"
               " funds and asset managers speculative, regional banks hedgers (bona fide hedges"
               " of their own books); assumption: the classification is per customer, not"
               " public, and taken per type"),
    Assumption("population.types.*.custody_borrowing", "assumption: a regional bank can borrow"
               " on the day about 95% of its custody Treasuries' face (Federal Home Loan Bank"
               " advances, the Fed's discount window, dealer repo; lendable values of Treasuries"
               " are in the mid-to-high 90s percent of market value); funds 0 (asset managers"
               " hold notes unlevered; hedge funds' notes are in repo)"),
    Assumption("population.types.*.template", "DESIGN.md section 4: hedge funds run basis"
               " trades, asset managers duration overlays, regional banks hedged books"),
    Assumption("population.types.hedge_fund.dv01_median_usd", f"{SIZING}: with dv01_sigma 0.8"
               " and 1,215 hedge funds at scale 1, about $1tn of basis notes, the 2024-25"
               f" basis-trade size ({DESIGN}; tests/test_sizing.py)"),
    Assumption("population.model", "scenario choice: legacy (one pair per user, counts from"
               " FICC sponsored members) or public_data (sim.config.public_data)"),
    Assumption(f"{PUBLIC}.end_users", f"{TFF}; regional banks an assumption (no TFF bank"
               " category; about two thirds of ~150 US banks over $10bn of assets, FDIC QBP 2024)"),
    Assumption(f"{PUBLIC}.end_users.hedge_fund", f"TFF leveraged funds: {TFF}"),
    Assumption(f"{PUBLIC}.end_users.asset_manager", f"TFF asset managers: {TFF}"),
    Assumption(f"{PUBLIC}.gross_type", "Form PF reports hedge funds' gross Treasury exposure"
               f" ({FORM_PF})"),
    Assumption(f"{PUBLIC}.gross_treasury_usd", "$2.39tn gross Treasury exposure ($1.45tn long,"
               f" $0.94tn short), Feb 2020 ({FORM_PF})"),
    Assumption(f"{PUBLIC}.size_sigma", "fitted once so that the top 50 of 200 hedge funds hold"
               f" 83% of gross Treasury exposure; Form PF: 83-85% ({FORM_PF})"),
    each(PUBLIC, "n_bd_fcm n_fcm", f"about 60 FCMs ({FCM_DATA}); the 30/30 split between"
         " BD-FCMs and FCM-only an assumption"),
    Assumption(f"{PUBLIC}.fcm_size_exponent", "Zipf exponent 1.1: largest FCM 25%, top 5"
               " 55%, top 10 68% of customer segregated funds against 22%, 52%, 74%"
               f" ({FCM_DATA})"),
    each(PUBLIC, "n_bd bank_affiliated_share bank_offer_weight max_pairs"),
    each("population.types.*", "share dv01_median_usd dv01_sigma hedge_ratio hedge_ratio_sd"
         " cash_buffer_multiple securities_multiple credit_line_multiple credit_spread_bp"
         " payment_policy deleverage_fraction leverage_appetite p_same_bd_fcm"),
    Assumption("population.types.*.uncommitted_line_multiple", "assumption; lenders pulled"
               " uncommitted funding in March 2020 (Fed Financial Stability Report, May 2020);"
               " default 0: no uncommitted lines (legacy)"),
    Assumption("population.types.*.redemption_rate_daily", "bond mutual funds lost about 5% of"
               " assets in March 2020, a few tenths of a percent a business day (Falato,"
               " Goldstein and Hortacsu, J. Monetary Econ. 2021; Fed FSR May 2020); hedge funds'"
               " quarterly notice makes any intramonth rate an assumption; default 0 (legacy)"),
    # end users' funding (sim.config.funding)
    Assumption("funding.buffer_basis", "scenario choice: standalone (legacy, same liquidity in"
               " every scenario) or scenario (k x the scenario's own IM)"),
    Assumption("funding.cut_on", "assumption: lenders cut uncommitted lines in stress (Fed FSR"
               " May 2020, funding risk in March 2020)"),
    Assumption("funding.cut_move_bp", f"assumption of the order of the large daily moves in"
               f" {DESIGN} (2Y -55.6bp 13 Mar 2023, 10Y about +17bp April 2025)"),
    Assumption("funding.review_clock", f"after the 15:00 ET Treasury futures settlement price"
               f" ({DESIGN} clock); 16:00 itself an assumption"),
    each("funding", "redemption_base nav_im_multiple redemption_lag_days"),
    Assumption("population.ficc_leg", "scenario choice: outright notes at FICC (legacy) or the"
               f" cleared repo that finances them ({DESIGN}: FICC margins repo and net unsettled"
               " positions, a settled holding in custody has no FICC position)"),
    each("population.repo",
         "haircut_calm haircut_stressed term_business_days rate_spread_bp haircut_relax_days",
         "assumption (haircuts 0 by default: hedge funds' repo 74% at zero or negative haircut in"
         " uncleared"
         f" bilateral repo, Dec 2022, {FORM_PF} and FEDS Note 8 Sep 2023; sim.config.repo;"
         " carry at a roll: SOFR proxied by the 3M par yield, coupon and repo interest act/360)"),
    each("population.types.*", "cash_holding repo_financed_share"),
    each("population.types.hedge_fund", "cash_holding repo_financed_share",
         f"basis funds finance the long notes in sponsored repo: {SPONSORED}; the share 1.0"
         " an assumption"),
    # operations
    each("operations", "user_open user_close user_response_mean_minutes customer_due_clock"
         " customer_min_notice_minutes grace_business_days firm_pay_lead_minutes"),
    each("operations.custodians.*", "share cash_median_minutes cash_sigma"
         " securities_median_minutes securities_sigma"),
    Assumption("operations.outages", "scenario choice: custodian outages"),
    Assumption("operations.funds_third_party_cutoff", "Fedwire Funds third-party cutoff 18:45"
               " ET: Federal Reserve, Fedwire Funds Service hours (federalreserve.gov/"
               f"paymentsystems/fedfunds_about.htm; {DESIGN})"),
    # adoption studies
    Assumption("adoption.live_date", "customer XM reported live 30 Apr 2026, after SEC approval"
               f" on 15 Apr 2026 and a CFTC order ({DESIGN} timeline)"),
    Assumption("adoption.cash_mandate_date", "SEC Treasury clearing mandate for cash trades by"
               f" 31 Dec 2026 ({MANDATE}; {DESIGN} timeline)"),
    Assumption("adoption.repo_mandate_date", "SEC Treasury clearing mandate for repo by"
               f" 30 Jun 2027 ({MANDATE}; {DESIGN} timeline)"),
    each("adoption", "cleared_share_before cleared_share_after_cash cleared_share_after_repo"
         " evaluation_day_of_month funding_spread_bp default_funding_spread_bp"
         " fixed_cost_median_usd fixed_cost_sigma consolidation_cost_median_usd"
         " consolidation_cost_sigma lead_time_median_days lead_time_sigma payback_years"
         " onboarding_per_firm_per_month"),
    *(Assumption(pattern, source) for pattern, source in (*DEFAULT_MANAGEMENT, *LIMITS)),
)  # fmt: skip


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping) and node:
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif path:
        yield path, node


def leaves(config: Mapping[str, Any]) -> dict[str, Any]:
    """The leaves of a configuration (JSON-like mappings) by dotted path; a list and an empty
    mapping are leaves too (``operations.outages``, ``firms.house_multiplier_by_type``)."""
    return dict(_walk(config, ""))


def entry_for(path: str) -> Assumption | None:
    """The most specific entry covering ``path`` (see the module docstring), None if none does."""
    covering = [a for a in ASSUMPTIONS if a.covers(path)]
    return max(covering, key=lambda a: a.specificity, default=None)


def uncovered(config: Mapping[str, Any]) -> list[str]:
    """Parameter paths of ``config`` that no entry covers."""
    return [path for path in leaves(config) if entry_for(path) is None]


def assumptions_table(config: Mapping[str, Any], strict: bool = True) -> list[Row]:
    """One ``Row`` per leaf of ``config`` (a resolved configuration as JSON-like data, e.g. a
    spec's ``base``), in its order. A leaf no entry covers raises ``ValueError`` naming them
    all, or with ``strict=False`` gets the source ``UNDECLARED``."""
    missing = uncovered(config)
    if strict and missing:
        raise ValueError(f"parameters not declared in sim.config.assumptions: {missing}")
    defaults = leaves(default_config_dict())
    rows = []
    for path, value in leaves(config).items():
        entry = entry_for(path)
        default = defaults.get(path)
        changed = path not in defaults or value != default
        rows.append(Row(path, value, entry.source if entry else UNDECLARED, default, changed))
    return rows
