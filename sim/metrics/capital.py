"""Clearing firms' capital against their regulatory minimum, per firm and close: reported only
(nothing in the run stops a firm short of capital).

- FCM (CFTC Regulation 1.17(a)(1)(i)): adjusted net capital of at least the greater of
  $1,000,000 and 8% of the risk margin of its customer and noncustomer accounts. Risk margin is
  the CCPs' initial margin on the firm's customer accounts at CME (futures; at maintenance, what
  CME collects) and on the FICC leg of its customer XM accounts (held in the same CEA section 4d
  cross-margin account); house (proprietary) accounts are excluded, as in the rule.
- BD (SEC Rule 15c3-1(a)(1)(ii), the alternative standard): net capital of at least the greater
  of $250,000 and 2% of aggregate debit items of the 15c3-3 reserve formula, taken as the margin
  the BD posts to FICC for customers' positions outside XM (the reserve formula's debit for
  margin required and on deposit at a clearing agency, 15c3-3a Item 15, added with the SEC's
  Treasury clearing rule in 2023); the customers' other debits are not modelled.
- BD-FCM: the greater of the two (1.17(a)(1)(i)(D): at least what the SEC requires).

A firm's capital is ``firms.capital_usd`` times its size weight over the mean size weight (an
assumption, ``sim.config.firms``). Rows ``(metric, entity_type, value)``, run level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FCM_FLOOR_USD = 1_000_000.0  # CFTC 1.17(a)(1)(i)(A)
FCM_RISK_MARGIN_SHARE = 0.08  # CFTC 1.17(a)(1)(i)(B): 8% of customer + noncustomer risk margin
BD_FLOOR_USD = 250_000.0  # SEC 15c3-1(a)(1)(ii)(A)
BD_DEBIT_SHARE = 0.02  # SEC 15c3-1(a)(1)(ii)(A): 2% of aggregate debit items
Row = tuple[str, str, float]


def minimum_capital(kind: str, risk_margin_usd: float, debit_items_usd: float) -> float:
    """The minimum capital (dollars) of a firm of ``kind`` (``fcm``, ``bd``, ``bd_fcm``) with
    futures risk margin ``risk_margin_usd`` and aggregate debit items ``debit_items_usd``."""
    fcm = max(FCM_FLOOR_USD, FCM_RISK_MARGIN_SHARE * risk_margin_usd)
    bd = max(BD_FLOOR_USD, BD_DEBIT_SHARE * debit_items_usd)
    return {"fcm": fcm, "bd": bd}.get(kind, max(fcm, bd))


def firm_bases(daily: pd.DataFrame, relationships: pd.DataFrame) -> pd.DataFrame:
    """Per firm and close (``date_index``): ``risk_margin_usd`` (CME customer accounts and the
    FICC leg of customer XM) and ``debit_items_usd`` (FICC customer accounts outside XM), from
    end users' ``daily`` rows and the firm clearing each leg (``relationships``)."""
    cust = daily[~daily["account"].str.startswith("house")]
    leg = cust["ccp"].map({"cme": "futures", "ficc": "cash"})
    firm_of = relationships.set_index(["user", "leg"])["firm"]
    legs = pd.MultiIndex.from_arrays([cust["entity"], leg])
    firm = pd.Series(firm_of.reindex(legs).to_numpy(), index=cust.index)  # NaN: no such leg
    xm, cme = cust["account"] == "customer_xm", cust["ccp"] == "cme"
    frame = pd.DataFrame({
        "firm": firm, "date_index": cust["date_index"],
        "risk_margin_usd": cust["im_usd"].where(cme | xm, 0.0),
        "debit_items_usd": cust["im_usd"].where(~cme & ~xm, 0.0),
    })  # fmt: skip
    return frame.groupby(["firm", "date_index"], as_index=False).sum()


def capital_table(bases: pd.DataFrame, firms: pd.DataFrame, capital_usd: float) -> pd.DataFrame:
    """``bases`` for every firm of ``firms`` on every close of ``bases`` (0 where a firm has no
    customers), with ``required_usd`` and ``capital_usd`` (the firm's size share of the
    average firm's ``capital_usd``)."""
    days = sorted(bases["date_index"].unique())
    grid = pd.MultiIndex.from_product([firms["firm"], days], names=["firm", "date_index"])
    table = bases.set_index(["firm", "date_index"]).reindex(grid, fill_value=0.0).reset_index()
    info = firms.set_index("firm")
    weight = info["size_weight"] / info["size_weight"].mean()
    table["capital_usd"] = table["firm"].map(weight) * capital_usd
    kind = table["firm"].map(info["kind"]).to_numpy()
    table["required_usd"] = minimum_capitals(
        kind, table["risk_margin_usd"].to_numpy(float), table["debit_items_usd"].to_numpy(float)
    )
    return table


def minimum_capitals(kind: np.ndarray, risk_margin_usd: np.ndarray, debit_items_usd: np.ndarray):
    """``minimum_capital`` of each firm-close (arrays of kinds and bases), in one pass."""
    fcm = np.fmax(FCM_FLOOR_USD, FCM_RISK_MARGIN_SHARE * risk_margin_usd)  # fmax: max() on NaN
    bd = np.fmax(BD_FLOOR_USD, BD_DEBIT_SHARE * debit_items_usd)
    return np.where(kind == "fcm", fcm, np.where(kind == "bd", bd, np.fmax(fcm, bd)))


def capital_rows(table: pd.DataFrame) -> list[Row]:
    """Firm-closes and firms whose minimum capital exceeds their capital, and the largest
    requirement-to-capital ratio."""
    short = table["required_usd"] > table["capital_usd"]
    ratio = (table["required_usd"] / table["capital_usd"]).max() if len(table) else 0.0
    return [
        ("firm_capital_breach_days", "all", float(short.sum())),
        ("firm_capital_breach_firms", "all", float(table.loc[short, "firm"].nunique())),
        ("firm_capital_ratio_max", "all", float(ratio)),
    ]
