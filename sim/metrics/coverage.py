"""Coverage in runs: the realised loss over the liquidation horizon of the positions held at each
margin time, against the initial margin held for them (end users; house books excluded).

From the ``accounts_daily`` table (``sim.records.AccountDayRecord``: per account and CCP at each
close, the IM after any XM reduction and the leg's exposure, key-rate DV01s and on futures legs
the basis DV01s, dollars per bp) and the run's realised daily key-rate and basis changes (bp,
price impact included: ``Run.margin_history``). Positions are frozen at each close and earn the
changes of the following business days (``sim.margin.horizon``):

- ``joint``: an end user's whole book (both legs) over the *joint horizon*, the longer of the
  two CCPs' MPORs (``cme.mpor_days``, ``ficc.mpor_days``), against the IM held at both CCPs;
- ``cme`` / ``ficc``: the leg a CCP clears over that CCP's own MPOR, against its IM plus, for an
  XM account, its share of the other CCP's excess under the sharing assumption
  ``sim.margin.horizon.SHARING_RULE`` (pro rata to IM), until the default-management rules
  supply one.

Only closes with a full joint horizon left in the run are counted: the last ``H`` business days
of a run (``H`` the joint horizon) are left out, on every scope alike. Everything is vectorised
over account-days (one pass per CCP, no loop over rows).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.margin.horizon import paired_horizon_pnl, shared_cover
from sim.market.basis import FAMILIES
from sim.market.history import KEY_TENORS

KEY_COLUMNS = tuple(f"dv01_{t.lower()}_usd" for t in KEY_TENORS)
BASIS_COLUMNS = tuple(f"basis_dv01_{f.lower()}_usd" for f in FAMILIES)
EXPOSURE_COLUMNS = KEY_COLUMNS + BASIS_COLUMNS
CCPS = ("cme", "ficc")
SCOPES = ("joint", *CCPS)
CAP_TOLERANCE = 1e-9  # a reduction within this of the cap sits at the cap (float noise)

Row = tuple[str, str, float]


def leg_losses(daily: pd.DataFrame, changes_bp: np.ndarray, mpor: Mapping[str, int]):
    """The ``daily`` rows (``accounts_daily`` columns) of closes with a full joint horizon,
    with ``loss_usd`` (the leg's loss over its CCP's MPOR ``mpor[ccp]``, positive dollars) and
    ``joint_loss_usd`` (over the longer MPOR). ``changes_bp``: the run's daily factor changes,
    (run days, 5 + F), row d the change over business day d."""
    horizon = max(mpor.values())
    rows = daily[daily["date_index"].to_numpy() + horizon < changes_bp.shape[0]]
    exposure = rows[list(EXPOSURE_COLUMNS)].to_numpy(float)
    start, ccp = rows["date_index"].to_numpy(np.int64), rows["ccp"].to_numpy()
    loss = np.zeros(len(rows))
    for name, days in mpor.items():
        mine = ccp == name
        loss[mine] = -paired_horizon_pnl(exposure[mine], changes_bp, start[mine], days)
    joint = -paired_horizon_pnl(exposure, changes_bp, start, horizon)
    return rows.assign(loss_usd=loss, joint_loss_usd=joint)


def account_days(legs: pd.DataFrame) -> pd.DataFrame:
    """One row per end user and close (index ``entity``, ``date_index``): ``im_<ccp>`` and
    ``loss_<ccp>`` (dollars, 0 without a leg there), ``has_<ccp>`` (a leg there), ``joint_loss``
    (dollars) and ``xm`` (an XM account at either CCP)."""
    key = ["entity", "date_index"]
    frame = legs.assign(has=1.0, xm=(legs["account"] == "customer_xm").astype(float))
    wide = frame.pivot_table(
        index=key, columns="ccp", values=["im_usd", "loss_usd", "has"], aggfunc="sum"
    ).fillna(0.0)
    out = pd.DataFrame(index=wide.index)
    for ccp in CCPS:
        for value, name in (("im_usd", "im"), ("loss_usd", "loss"), ("has", "has")):
            col = (value, ccp)
            out[f"{name}_{ccp}"] = wide[col] if col in wide.columns else 0.0
    grouped = frame.groupby(key)
    out["joint_loss"] = grouped["joint_loss_usd"].sum()
    out["xm"] = grouped["xm"].max() > 0
    return out


def covers(days: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per scope (``joint``, ``cme``, ``ficc``): (loss, cover, counted) arrays over account-days
    (dollars, dollars, bool). A CCP's cover of an XM account-day adds its pro-rata share of the
    other CCP's excess (``shared_cover``); ``counted``: account-days with a leg in the scope."""
    im = {c: days[f"im_{c}"].to_numpy() for c in CCPS}
    loss = {c: days[f"loss_{c}"].to_numpy() for c in CCPS}
    xm = days["xm"].to_numpy()
    out = {"joint": (days["joint_loss"].to_numpy(), im["cme"] + im["ficc"], np.ones(len(xm), bool))}
    for ccp, other in (("cme", "ficc"), ("ficc", "cme")):
        shared = shared_cover(im[ccp], im[other], loss[other])
        cover = np.where(xm, shared, im[ccp])
        out[ccp] = (loss[ccp], cover, days[f"has_{ccp}"].to_numpy() > 0)
    return out


def under_collateralisation_events(days: pd.DataFrame, exception: np.ndarray) -> int:
    """Episodes: maximal runs of consecutive closes (business days) on which the same end
    user's joint loss exceeds the IM held at both CCPs (overlapping horizons make one large move
    an exception on several closes; they count once)."""
    frame = days.index.to_frame(index=False)[exception]
    if frame.empty:
        return 0
    frame = frame.sort_values(["entity", "date_index"])
    same = frame["entity"].eq(frame["entity"].shift())
    follows = frame["date_index"].diff().eq(1) & same
    return int((~follows).sum())


def capped_share(daily: pd.DataFrame, cap: float) -> float | None:
    """Share of XM account-days (``customer_xm`` rows at either CCP, every close of the run)
    whose applied reduction sits at the cap; None without XM account-days."""
    xm = daily[daily["account"] == "customer_xm"]
    if not len(xm):
        return None
    return float((xm["reduction"].to_numpy() >= cap - CAP_TOLERANCE).mean())


def scope_rows(loss: np.ndarray, cover: np.ndarray, counted: np.ndarray, scope: str) -> list[Row]:
    """Account-days, exceptions (loss > cover, strictly), their share and the shortfall
    (dollars beyond the cover, summed) of one scope; no share without account-days."""
    loss, cover = loss[counted], cover[counted]
    beyond = loss - cover
    n, hits = int(counted.sum()), int((beyond > 0).sum())
    rows = [
        ("coverage_account_days", scope, float(n)),
        ("coverage_exceptions", scope, float(hits)),
        ("coverage_shortfall_usd", scope, float(np.maximum(beyond, 0.0).sum())),
    ]
    return rows + ([("coverage_exception_share", scope, hits / n)] if n else [])


def coverage_metrics(
    daily: pd.DataFrame, changes_bp: np.ndarray, mpor: Mapping[str, int], cap: float
) -> list[Row]:
    """Every coverage metric (``metric``, ``entity_type``, value) of one run's end-user
    ``accounts_daily`` rows (see the module docstring); none of the horizon metrics when no
    close has a full joint horizon left."""
    legs = leg_losses(daily, changes_bp, mpor)
    rows: list[Row] = []
    if len(legs):
        days = account_days(legs)
        scoped = covers(days)
        rows = [r for scope, arrays in scoped.items() for r in scope_rows(*arrays, scope)]
        loss, cover, _ = scoped["joint"]
        events = under_collateralisation_events(days, loss > cover)
        rows.append(("under_collateralisation_events", "joint", float(events)))
    share = capped_share(daily, cap)
    return rows + ([] if share is None else [("share_capped_account_days", "all", share)])
