"""Each CCP's default resources in the ledger, opened with the run (``agents.member_default``).

Ledger accounts per CCP ``c``: ``ccp:c:df:<firm>`` each member's default-fund contribution,
``ccp:c:capital`` the CCP's own capital in the waterfall (skin in the game), both posted before
the run like the opening margin; ``ccp:c:closeout`` where a close-out's money meets (it ends
every close-out at zero); ``ccp:c:uncovered_loss`` (unlimited) the loss no layer met.

The fund (``sim.margin.waterfall``): per member, its stressed loss is the largest loss of its
book at the CCP at the opening (all its accounts, house and customer) over the CCP's margin
period of risk (``mpor_days``) on every window of the run's own margin scenarios (the look-back
known at the opening, ``Run.margin_history(-1)``), less its opening initial margin; the fund is
``fund_scale`` x the sum of the ``cme_cover`` (Cover-2) or ``ficc_cover`` (Cover-1) largest;
members contribute pro rata to their opening initial margin. Money in cents.
"""

from __future__ import annotations

import math

import numpy as np

from sim.margin.horizon import horizon_pnl
from sim.margin.waterfall import cover_n, stressed_losses
from sim.population.public_data import sample_scale
from sim.settlement.ledger import pro_rata_cents, to_cents


def members(ccp) -> list[str]:
    """The firms with an account at ``ccp``, sorted."""
    return sorted({firm for firm, _ in ccp.groups})


def member_rows(ccp, firm: str) -> np.ndarray:
    """Rows of ``ccp``'s book in ``firm``'s accounts."""
    idx = [i for (f, _), rows in ccp.groups.items() if f == firm for i in rows]
    return np.array(sorted(idx), dtype=np.int64)


def contributions(ccp, run) -> dict[str, int]:
    """Each member's default-fund contribution (cents) at ``ccp`` (module docstring)."""
    cfg, firms = run.config.default_management, members(ccp)
    hist = run.margin_history(-1)
    days = ccp.cfg.mpor_days
    starts = np.arange(-1, hist.shape[0] - days)
    exposure = ccp.leg_exposure(-1)
    pnl = horizon_pnl(exposure, hist, starts, days) if len(starts) else np.zeros((1, 0))
    by_firm = np.zeros((pnl.shape[0], len(firms)))
    im = np.zeros(len(firms))
    for j, firm in enumerate(firms):
        rows = member_rows(ccp, firm)
        by_firm[:, j] = pnl[:, rows].sum(axis=1) if pnl.shape[1] else 0.0
        im[j] = ccp.last_im[rows].sum()
    cover = cfg.cme_cover if ccp.agent_id == "cme" else cfg.ficc_cover
    fund = cover_n(stressed_losses(by_firm, im), cover, cfg.fund_scale)
    return dict(zip(firms, pro_rata_cents(int(to_cents(fund)), im).tolist(), strict=True))


def open_resources(ccp, run) -> dict[str, int]:
    """Open ``ccp``'s default-resource accounts (module docstring); returns the contributions."""
    c, cfg, ledger = ccp.agent_id, run.config.default_management, run.ledger
    funds = contributions(ccp, run)
    for firm, cents in funds.items():
        ledger.open(f"ccp:{c}:df:{firm}", int(cents))
    capital = getattr(cfg, f"{c}_capital_usd") * sample_scale(run.config.population)
    ledger.open(f"ccp:{c}:capital", int(to_cents(capital)))
    ledger.open(f"ccp:{c}:closeout", 0, math.inf)
    ledger.open(f"ccp:{c}:uncovered_loss", 0, math.inf)
    return funds
