"""The report's themes and the figures each shows: margin, latency and deadlines, liquidity,
default management (``experiments.report.default_figures``), risk, the market (basis and
deleveraging), adoption, and throughput and capacity. Metric names and entity types are those
of ``sim.metrics``; a theme or figure whose metrics have no data is left out of the report."""

from __future__ import annotations

from dataclasses import dataclass

from experiments.report.curves import CurveSpec
from experiments.report.default_figures import DEFAULT_FIGURES
from experiments.report.figures import IM_BY_USER_TYPE, FigureSpec, Panel
from experiments.report.spread import SpreadSpec
from sim.market.basis import FAMILIES

MILLIONS = 1e6
PERCENT = 0.01
HOPS: tuple[str, ...] = ("firm_desk", "end_user", "custodian", "customer_call", "ccp_settlement")
LEVELS: tuple[str, ...] = ("ccp", "customer")
ALL: tuple[str, ...] = ("all",)


@dataclass(frozen=True)
class Theme:
    """A section of the report: a heading, a line of explanation and its figures."""

    title: str
    intro: str
    figures: tuple[FigureSpec | CurveSpec | SpreadSpec, ...]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(m for f in self.figures for m in f.metrics)


IM_BY_ACCOUNT = FigureSpec(
    name="im_by_account",
    title="Average daily total initial margin by CCP and account kind",
    caption="Average daily total initial margin of all end users by CCP and account kind "
    "(<ccp>:<account kind>), in $ millions",
    panels=(Panel("im_by_account_usd", "", "initial margin ($ millions)", MILLIONS),),
)

LATENCY = FigureSpec(
    name="latency_by_hop",
    title="Call latency by hop",
    caption="Median and 95th-percentile business minutes per hop (the minutes the hop's desk "
    "or rail was open: an evening call paid next morning counts only the working hours), and "
    "the 95th percentile on the wall clock: CCP call to customer call (firm desk), customer "
    "call to payment instructed (end user), instructed to settled (custodian), customer call "
    "to settled, and CCP call issued to paid (CCP settlement)",
    panels=(
        Panel("latency_p50_business_min", "median", "business minutes", order=HOPS, xlabel="hop"),
        Panel(
            "latency_p95_business_min",
            "95th percentile",
            "business minutes",
            order=HOPS,
            xlabel="hop",
        ),
        Panel(
            "latency_p95_min", "95th percentile, wall clock", "minutes", order=HOPS, xlabel="hop"
        ),
    ),
)

DEADLINES = FigureSpec(
    name="deadlines",
    title="Missed deadlines and late calls",
    caption="Calls settled late or defaulted, and the share of calls settled late, for CCP "
    "calls to clearing members and firms' calls to customers",
    panels=(
        Panel(
            "missed_deadlines", "missed deadlines", "calls per run", order=LEVELS, xlabel="level"
        ),
        Panel(
            "calls_late_share", "late calls", "share of calls (%)", PERCENT, LEVELS, xlabel="level"
        ),
    ),
)

LIQUIDITY_USD = FigureSpec(
    name="liquidity",
    title="Pre-funding, credit drawn and liquidity need",
    caption="Firms' own cash paid to CCPs for customer accounts before customers pay "
    "(pre-funding, total per run), the peak daily total of credit drawn by end users, and the "
    "peak daily total of customer margin payments, in $ millions",
    panels=(
        Panel("prefunding_usd", "pre-funding", "$ millions", MILLIONS, ALL),
        Panel("credit_drawn_peak_usd", "peak credit drawn", "$ millions", MILLIONS),
        Panel("peak_daily_liquidity_need_usd", "peak daily liquidity need", "$ millions", MILLIONS),
    ),
)

CCPS: tuple[str, ...] = ("cme", "ficc")
FIRM_CCP_LIQUIDITY = FigureSpec(
    name="firm_ccp_liquidity",
    title="Firms' intraday gap and advances; CCPs' liquidity",
    caption="The largest amount a firm has paid a CCP settlement and not yet received back "
    "from its pay-outs (CME collects at 08:30 and pays at 09:30), and the peak of firms' own "
    "money advanced for customers, in $ millions; each CCP's Cover-1 liquidity ratio (its "
    "committed facility at the run's scale over the largest member family's calls in a day; "
    "at least 1: covered) and what it drew on its facility, in $ millions",
    panels=(
        Panel("intraday_liquidity_gap_peak_usd", "intraday gap, peak", "$ millions", MILLIONS, ALL),
        Panel("prefunding_peak_usd", "advances, peak", "$ millions", MILLIONS, ALL),
        Panel("ccp_cover1_liquidity_ratio", "Cover-1", "resources / need", order=CCPS),
        Panel("ccp_liquidity_drawn_usd", "facility drawn", "$ millions", MILLIONS, CCPS),
    ),
)

STRESS_OUTCOMES = FigureSpec(
    name="stress_outcomes",
    title="Shortfalls, defaults and forced deleveraging",
    caption="Liquidity shortfalls and customer defaults per run, and the face value of "
    "positions sold in forced deleveraging, in $ millions",
    panels=(
        Panel("liquidity_shortfalls", "liquidity shortfalls", "count per run"),
        Panel("customer_defaults", "customer defaults", "count per run"),
        Panel("deleveraged_face_usd", "deleveraged face", "$ millions", MILLIONS),
    ),
)

THROUGHPUT = FigureSpec(
    name="throughput",
    title="Peak hourly load",
    caption="Most calls issued in one clock hour by level, and by the busiest single CCP or "
    "clearing firm; most payments settled in one clock hour by rail; and the longest ops-desk "
    "queue",
    panels=(
        Panel("calls_per_hour_peak", "calls", "per hour (peak)", order=LEVELS, xlabel="level"),
        Panel(
            "entity_calls_per_hour_peak", "calls by one entity", "per hour (peak)", xlabel="issuer"
        ),
        Panel("payments_per_hour_peak", "payments", "per hour (peak)", xlabel="rail"),
        Panel("desk_queue_max", "desk queue", "calls waiting (max)"),
    ),
)

ADOPTION_CURVES = CurveSpec(
    name="adoption_curves",
    title="Share of end users that adopted customer cross-margining",
    caption="Share of end users that adopted XM, over the study's months, for all users and by "
    "end-user type",
    metric="adopted_share",
    entity_types=("all", "hedge_fund", "asset_manager", "regional_bank"),
    ylabel="adopted (%)",
    scale=PERCENT,
)
ELIGIBLE_CURVES = CurveSpec(
    name="eligible_curves",
    title="Share of end users eligible for customer cross-margining",
    caption="Share of end users eligible under the scenario's rule given their firms (adopters "
    "included), for all users and by size tercile",
    metric="eligible_share",
    entity_types=("all", "size:small", "size:medium", "size:large"),
    ylabel="eligible (%)",
    scale=PERCENT,
)
ADOPTION_END = FigureSpec(
    name="adoption_end",
    title="Adoption at the end of the study",
    caption="Shares of end users eligible, in onboarding and adopted at the end, by type; "
    "time to adopt (business days from decision); consolidations",
    panels=(
        Panel("adopted_share", "adopted", "share of end users (%)", PERCENT, xlabel="type"),
        Panel("eligible_share", "eligible", "share of end users (%)", PERCENT, xlabel="type"),
        Panel("time_to_adopt_days", "time to adopt", "business days"),
        Panel("consolidations", "consolidations", "end users per run"),
    ),
)

IM_PATH = CurveSpec(
    name="im_path",
    title="End users' initial margin through the run",
    caption="Total initial margin of all end users at each close, in $ "
    "millions: how margin follows the market path (procyclicality)",
    metric="end_user_im_total_usd",
    entity_types=("all",),
    ylabel="initial margin ($ millions)",
    scale=MILLIONS,
)
SAVINGS_PATH = CurveSpec(
    name="xm_savings_path",
    title="Margin saved by cross-margining through the run",
    caption="Standalone minus actual initial margin of all end users at each close, in $ millions",
    metric="xm_savings_usd",
    entity_types=("all",),
    ylabel="saved ($ millions)",
    scale=MILLIONS,
)

PROCYCLICALITY_SERIES: tuple[str, ...] = (
    "aggregate",
    "fixed:accounts",
    "fixed:account_median",
    "fixed:outright",
    "fixed:basis",
    "fixed:curve",
)
PROCYCLICALITY = FigureSpec(
    name="procyclicality",
    title="Procyclicality of initial margin (Murphy, Vause and Wilhelm measures)",
    caption="Peak-to-trough ratio (largest over smallest IM at the run's closes) and largest "
    "5- and 30-business-day IM increase in percent, for all end users' IM as positions evolve "
    "(aggregate), their opening books held fixed (summed, and the median user), and the "
    "reference portfolios held fixed, margined each close with the scenario's models, "
    "look-back and XM rule; a run shorter than the window has no bar",
    panels=(
        Panel(
            "im_peak_to_trough",
            "peak-to-trough",
            "max IM / min IM",
            order=PROCYCLICALITY_SERIES,
            xlabel="IM series",
        ),
        Panel(
            "im_max_increase_5d_frac",
            "largest 5-day increase",
            "increase (%)",
            PERCENT,
            PROCYCLICALITY_SERIES,
            xlabel="IM series",
        ),
        Panel(
            "im_max_increase_30d_frac",
            "largest 30-day increase",
            "increase (%)",
            PERCENT,
            PROCYCLICALITY_SERIES,
            xlabel="IM series",
        ),
    ),
)
MARGIN_TO_VOLATILITY = CurveSpec(
    name="margin_to_volatility",
    title="Margin to volatility through the run",
    caption="All end users' initial margin at each close over the realised 10Y volatility (the "
    "sample standard deviation of the last 20 daily 10Y par-yield changes), in $ millions per "
    "bp of daily volatility: flat if margin moves one for one with volatility, falling when "
    "volatility outruns margin",
    metric="im_to_vol_usd_per_bp",
    entity_types=("aggregate",),
    ylabel="IM / volatility ($ millions per bp)",
    scale=MILLIONS,
)

COVERAGE_SCOPES: tuple[str, ...] = ("joint", "cme", "ficc")
COVERAGE = FigureSpec(
    name="coverage",
    title="Coverage: realised losses against the margin held",
    caption="End users' positions frozen at each close and the realised loss over the "
    "liquidation horizon, simulated basis included (the run's last longer-MPOR days are left "
    "out): the share of account-days whose loss exceeds the cover and the loss beyond it, in $ "
    "millions per run; joint: the whole book over the longer MPOR against IM at both CCPs; cme "
    "or ficc: the leg against that CCP's IM plus, for XM accounts, a pro-rata-to-IM share of "
    "the other CCP's excess (an assumption until default management supplies the rule)",
    panels=(
        Panel(
            "coverage_exception_share",
            "exceptions",
            "share of account-days (%)",
            PERCENT,
            COVERAGE_SCOPES,
            xlabel="scope",
        ),
        Panel(
            "coverage_shortfall_usd",
            "shortfall",
            "loss beyond cover ($ millions)",
            MILLIONS,
            COVERAGE_SCOPES,
            xlabel="scope",
        ),
    ),
)

SIMULATED_BASIS = (
    "simulated: the market model's exogenous basis plus the population's price impact "
    "(market.impact.model)"
)
BASIS_PATH = CurveSpec(
    name="basis_path",
    title="Futures-cash basis through the run",
    caption="Futures-cash basis at each close by futures family, in bp (positive: futures "
    f"cheapen against cash), as a change from the run start; {SIMULATED_BASIS}",
    metric="basis_bp",
    entity_types=FAMILIES,
    ylabel="basis (bp)",
)
BASIS_SPREAD = SpreadSpec(
    name="basis_spread",
    title="Basis spread to the reference scenario",
    caption="Each scenario's basis minus the reference scenario's in the same replication "
    "(paired by seed, common random numbers), at each close by futures family, in bp: "
    "negative where forced sales widened the dislocation, positive where freed arbitrage "
    f"capital compressed it; the basis is {SIMULATED_BASIS}",
    metric="basis_bp",
    entity_types=FAMILIES,
    ylabel="spread to reference (bp)",
)
DELEVERAGING = FigureSpec(
    name="deleveraging",
    title="Deleveraging and the basis impact of the population's trades",
    caption="Share of end users' cash face at the start sold in deleveraging, by end-user type, "
    "in percent; and the most negative basis impact of the population's trades over the run "
    "(the widest forced-selling dislocation) by futures family, in bp, part of the simulated "
    "basis (market.impact.model)",
    panels=(
        Panel("deleveraged_share", "deleveraged", "share of cash face (%)", PERCENT, xlabel="type"),
        Panel(
            "basis_impact_min_bp",
            "widest basis impact",
            "bp",
            order=FAMILIES,
            xlabel="futures family",
        ),
    ),
)

THEMES: tuple[Theme, ...] = (
    Theme(
        "Margin",
        "Initial margin that end users post, by end-user type and by CCP account.",
        (IM_BY_USER_TYPE, IM_BY_ACCOUNT),
    ),
    Theme(
        "Latency and deadlines",
        "How long each hop of a margin call takes and how many calls miss their deadline; "
        "custodian delays and outages show here.",
        (LATENCY, DEADLINES),
    ),
    Theme(
        "Liquidity",
        "Cash that firms advance and end users borrow and pay, what happens when it runs short, "
        "and the liquidity firms bridge intraday and the CCPs hold.",
        (LIQUIDITY_USD, FIRM_CCP_LIQUIDITY, STRESS_OUTCOMES),
    ),
    Theme(
        "Default management",
        "A clearing member in default: each CCP's close-out loss against the defaulter's margin, "
        "how far down the waterfall it reaches, what is left uncovered, what CME and FICC pass "
        "between them to share joint XM close-outs, and the member and call defaults.",
        DEFAULT_FIGURES,
    ),
    Theme(
        "Risk",
        "Margin along the market path: how requirements and XM savings move with volatility, "
        "how procyclical margin is, on evolving positions and on books held fixed, and how "
        "often realised losses over the liquidation horizon exceed the margin held.",
        (IM_PATH, SAVINGS_PATH, PROCYCLICALITY, MARGIN_TO_VOLATILITY, COVERAGE),
    ),
    Theme(
        "Market",
        "The futures-cash basis is endogenous: freed arbitrage capital compresses it and forced "
        "sales widen it. Its path, its spread to the reference scenario, and the deleveraging.",
        (BASIS_PATH, BASIS_SPREAD, DELEVERAGING),
    ),
    Theme(
        "Adoption",
        "Who is eligible under each rule, who adopts, how fast, and what consolidating costs.",
        (ADOPTION_CURVES, ELIGIBLE_CURVES, ADOPTION_END),
    ),
    Theme(
        "Throughput and capacity",
        "Peak hourly calls and payments that firms and payment rails must handle, and desk queues.",
        (THROUGHPUT,),
    ),
)
FIGURE_NAMES: tuple[str, ...] = tuple(f.name for t in THEMES for f in t.figures)
