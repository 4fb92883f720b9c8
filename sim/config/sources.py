"""Source citations shared by the entries of the assumptions registry
(``sim.config.assumptions``): documents, data sets and the project's own sizing module."""

from __future__ import annotations

DESIGN = "DESIGN.md section 2"
FICC_RISK = "DTCC FICC market risk, dtcc.com/managing-risk/market-risk-management/ficc-market-risk"
SPAN2 = (
    "CME SPAN 2 methodology, cmegroup.com/clearing/risk-management/span-overview/"
    "span-2-methodology.html"
)
TIMELINES = (
    "CME transaction timelines, cmegroup.com/clearing/operations-and-deliveries/"
    "transaction-timelines.html"
)
SIZING = "sim/population/sizing.py"
SQRT_LAW = "Almgren, Thum, Hauptmann and Li, Risk 2005; Toth et al., Phys. Rev. X 1, 021006, 2011"
MANDATE = "SEC Treasury clearing rule compliance dates, extended 25 Feb 2025, FR 2025-03350"
CME_LOOKBACK = f"CME: at least 10 years of history, 2,520 business days ({SPAN2}; {DESIGN})"
TFF = (
    "CFTC Traders in Financial Futures, futures only, UST 10Y NOTE (code 043602), number of"
    " traders by category, 2024 weekly reports (e.g. 10 Sep 2024): roughly 150-250 leveraged"
    " funds and 150-250 asset managers; the figure used is not verified against one report"
    " (assumption: check the report of the date used)"
)
FORM_PF = "Form PF via FEDS Note 'Hedge Fund Treasury Exposures, Repo, and Margining', 6 Oct 2021"
FCM_DATA = "CFTC FCM financial data (monthly), 2016 and 2024-25 (DESIGN.md section 2)"
PUBLIC = "population.public_data"
SPONSORED = (
    "hedge funds borrow in repo almost exclusively through FICC's sponsored DVP service and"
    " uncleared bilateral repo; hedge fund sponsored repo borrowing $233bn against $715bn of"
    " 2/5/10Y futures shorts, May 2023 (Barth, Kahn and Mann, FEDS Note, 30 Aug 2023; OFR"
    " Cleared Repo Collection)"
)
FIRMS = (
    f"{SIZING}: 55 BD-FCMs, 36 FCMs and 36 BDs at population scale 1 (127 of about 218 FICC"
    f" netting members, {DESIGN}) in the default's 6:4:4 proportion"
)
LSOC = (
    "true: CFTC Regulation 39.13(g)(8)(i) has a DCO collect customer initial margin gross,"
    " customer by customer, not net across customers, and CFTC Part 22 (LSOC) attributes cleared"
    " swaps customer collateral per customer; applying the per-customer attribution of"
    " collateral and variation margin to FICC's and to futures accounts is an assumption;"
    " false: the setting before issue 13"
)
SEGREGATION = (
    "per_customer: an FCM may not use one customer's funds to margin another's positions (CFTC"
    " Regulation 1.22(a); SEC Rule 15c3-3 for FICC customers outside XM); a deficit is covered"
    f" by that customer or by the firm's own money, residual interest ({DESIGN}); pooled: the"
    " setting before issue 13"
)
RESIDUAL_DEADLINE = (
    "cftc_1_22c: CFTC Regulation 1.22(c), the FCM's residual interest must cover its customers'"
    " margin deficits computed as of each business day's close by 6:00 p.m. ET the next"
    " business day; immediate: the stricter reading (at once), an assumption"
)
XM_ONE_CALL = (
    "true: under customer cross-margining both legs sit in one CEA section 4d account, for which"
    " the FCM issues one margin statement and call per cycle (CFTC Regulation 1.22, FCM"
    " practice of one daily call on the account's total requirement); cycles paired by"
    " business day and mark, and carrying a later shortfall to the next cycle, are"
    " assumptions; false: the setting before issue 13"
)
HF_SALES = (
    "Banegas, Monin and Petrasek, 'Sizing hedge funds' Treasury market activities and holdings',"
    " FEDS Notes, 6 Oct 2021: large hedge funds sold $173bn of Treasury securities on net in"
    " March 2020, of about $1.1tn held"
)
BUFFER_TARGET = (
    "fund risk policy: the multiple of current margin a deleveraging fund restores; 1.25"
    " calibrated to hedge funds' net Treasury sales in March 2020 (about 16% of holdings,"
    f" {HF_SALES})"
)
