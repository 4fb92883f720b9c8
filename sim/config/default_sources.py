"""Sources of the default-management parameters (``sim.config.defaults``) and of the timing
limits and day-end limits of issue 13 item 2 (``LIMITS``: CME's collateral cutoffs, firms'
daylight-overdraft caps and per-customer credit limits), as (pattern, source) pairs the
assumptions registry (``sim.config.assumptions``) turns into entries."""

from __future__ import annotations

from sim.config.ccp import CME_CUTOFFS

PSR = (
    "Federal Reserve Policy on Payment System Risk, net debit caps as multiples of capital:"
    " zero 0, exempt-from-filing 0.20 (or $10m), de minimis 0.40, self-assessed average 1.125,"
    " above average 1.875, high 2.25 (single day; Federal Reserve Bank of Cleveland, 'Net Debit"
    " Cap'; de minimis raised from 0.20 to 0.40 in 1994, Docket R-0806); uncollateralized"
    " daylight overdrafts charged 50 bp a year since 2011"
)
LIMITS: tuple[tuple[str, str], ...] = (
    ("cme.cycles.intraday.collateral_cutoff", f"12:00 ET (11:00 CT): {CME_CUTOFFS}"),
    ("cme.cycles.eod.collateral_cutoff", f"15:00 ET (2:00 p.m. CT, non-cash): {CME_CUTOFFS}"),
    *(
        (
            f"ficc.cycles.{c}.collateral_cutoff",
            "assumption: unset, FICC's deadlines for"
            " non-cash collateral are not modelled (Treasuries count whenever delivered)",
        )
        for c in ("noon", "sod")
    ),
    (
        "firms.daylight_overdraft_cap_multiple",
        f"assumption: 0.4 x the firm's capital, the de minimis net debit cap ({PSR}), standing"
        " for a settlement bank's limit on a clearing firm's intraday overdraft (banks' limits"
        " on FCMs are not public)",
    ),
    (
        "firms.daylight_overdraft_cap",
        "model choice: true, a firm's intraday overdraft is capped and a payment beyond it"
        " waits for incoming funds until the call's final deadline (banks queue payments"
        " against intraday limits); false: no cap, a short payment fails at once (before issue"
        " 13)",
    ),
    *(
        (
            f"{c}.collateral_cutoffs",
            "model choice: true, the cycles' collateral cutoffs apply;"
            " false: Treasuries count whenever delivered (before issue 13)",
        )
        for c in ("cme", "ficc")
    ),
    (
        "firms.customer_credit_limit_multiple",
        "CFTC Regulation 1.73(a): a clearing FCM establishes risk-based limits for each"
        " customer account (position, order size, margin or similar); no public figure, so"
        " null (unlimited, an assumption); a multiple of the customer's house requirement",
    ),
)

DEFAULT_MANAGEMENT: tuple[tuple[str, str], ...] = (
    ("defaults", "scenario choice: clearing firms that default, and when (ET)"),
    (
        "default_management.endogenous",
        "model choice: a clearing member that fails to meet a"
        " settlement obligation is in default and the CCP may declare it (CME Rule 802.A, FICC"
        " GSD Rule 21/22A); false: the call only ends defaulted, before issue 13",
    ),
    (
        "default_management.cross_default",
        "assumption: a member in default at one CCP is in"
        " default at the other (both rulebooks treat a member's default at another clearing"
        " organisation as grounds to declare it; automatic here)",
    ),
    (
        "default_management.sharing_rule",
        "assumption: the CME-FICC cross-margining agreement"
        " says the CCPs liquidate an XM portfolio jointly and share the result; the formula is not"
        " public. pro_rata_im by default; pro_rata_standalone and own_leg to compare",
    ),
    (
        "default_management.fund_scale",
        "assumption: 1, the default funds as sized (Cover-2 for"
        " CME, CFTC 39.33(a); Cover-1 for FICC, SEC 17Ad-22(e)(4)) from the run's own scenarios",
    ),
    ("default_management.cme_cover", "Cover-2: CFTC 39.33(a) for a systemically important DCO"),
    (
        "default_management.ficc_cover",
        "Cover-1: SEC 17Ad-22(e)(4)(iii) for a covered clearing"
        " agency not systemically important in multiple jurisdictions",
    ),
    (
        "default_management.cme_capital_usd",
        "assumption: CME's contribution ahead of the"
        " non-defaulters' guaranty fund is of the order of $100m for base products (CME Rule"
        " 802.B; CME Clearing CPMI-IOSCO public quantitative disclosures 4.1); times population"
        " scale",
    ),
    (
        "default_management.ficc_capital_usd",
        "assumption: FICC's corporate contribution (GSD"
        " Rule 4) taken as $150m, order of magnitude of DTCC's disclosed corporate contributions"
        " (FICC CPMI-IOSCO public quantitative disclosures 4.1); times population scale",
    ),
    (
        "default_management.cme_assessment_multiple",
        "assumption: 2.75 x a member's guaranty fund"
        " requirement for one default, CME Rule 802.B's assessment cap for base products",
    ),
    (
        "default_management.ficc_assessment_multiple",
        "assumption: 1 x the member's required"
        " fund deposit, the loss-allocation cap a member can elect under FICC GSD Rule 4",
    ),
    (
        "default_management.porting",
        "model choice: the CCP ports a defaulter's customers with their LSOC collateral to"
        " surviving members (CFTC 39.16(d), Part 22 LSOC; CME Rule 802 / FICC GSD Rule 22A"
        " transfer of customer positions); false: all closed out, before this change",
    ),
    (
        "default_management.porting_per_firm_per_day",
        "assumption: 5 customers a business day per receiving firm (onboarding, credit and"
        " KYC capacity; no public figure)",
    ),
    (
        "default_management.porting_acceptance",
        "assumption: a receiving firm accepts an offered customer with probability 0.8 (no"
        " public figure)",
    ),
    (
        "default_management.porting_latency_minutes",
        "assumption: 120 minutes from the declaration to the transfer of positions and"
        " collateral (no public figure)",
    ),
)
