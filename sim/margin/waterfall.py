"""A CCP's default waterfall, the sizing of its default fund and the sharing of a joint XM
close-out between CME and FICC: pure, vectorised numpy on integer cents (money named ``_usd`` is
dollars).

Waterfall (CME Rulebook Rule 802.B, FICC GSD Rule 4; order as in both CCPs' CPMI-IOSCO public
quantitative disclosures): a close-out loss is met by, in this order (``LAYERS``), the
defaulter's margin at the CCP, the defaulter's default-fund contribution, the CCP's own capital
(skin in the game), the non-defaulters' default-fund contributions, assessments on the
non-defaulters; what the layers cannot meet is uncovered. Every cent of a loss is allocated once:
``used.sum(axis=1) + uncovered == max(loss, 0)`` (``waterfall``; a gain uses no layer).

Default fund (CFTC 39.33(a) for a systemically important DCO: Cover-2, the two members whose
default would cause the largest loss in extreme but plausible conditions; SEC 17Ad-22(e)(4) for
a covered clearing agency: Cover-1 for FICC, which is not systemically important in other
jurisdictions): a member's stressed loss is the largest loss of its book over the CCP's margin
period of risk on the run's own margin scenarios, less its initial margin; the fund is the sum
of the ``cover`` largest members' stressed losses times a scale; members contribute pro rata to
their initial margin (an assumption: both CCPs' contributions have margin-based components, their
exact formulas differ).

Joint XM close-out: the public documents of the CME-FICC cross-margining arrangement say the
CCPs liquidate an XM portfolio jointly and share the result; the sharing formula is not public.
``share_joint_loss`` offers three rules (an assumption, registered):
``pro_rata_im`` (each CCP bears the joint loss in proportion to its XM initial margin on the
account), ``pro_rata_standalone`` (in proportion to its standalone initial margin) and
``own_leg`` (each CCP bears its own leg's loss: no sharing).

Segregated margin (CEA section 4d, CFTC Part 22 LSOC; ``segregated_margin``): a defaulting
member's customer collateral meets only customer losses -- under LSOC each customer's only its
own loss, without LSOC a customer account's only that account's loss -- while its house
collateral meets any loss of the member, customers' deficits included. So each customer's loss is
met from its own collateral first, its shortfall joins the house's loss, which the house
collateral meets; the rest goes down the waterfall. A customer's gain is its own (it offsets no
other loss).
"""

from __future__ import annotations

import numpy as np

from sim.settlement.ledger import pro_rata_cents

LAYERS = ("defaulter_margin", "defaulter_fund", "ccp_capital", "survivor_fund", "assessments")
SHARING_RULES = ("pro_rata_im", "pro_rata_standalone", "own_leg")


def waterfall(loss: np.ndarray, resources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Layers used and loss uncovered (cents) for losses ``loss`` (n,) against ``resources``
    (n, L) of each layer in order (cents, >= 0): layer j meets what the layers before it left,
    up to its size. Returns (used (n, L), uncovered (n,)); a loss <= 0 uses nothing."""
    loss = np.maximum(np.asarray(loss, dtype=np.int64), 0)
    res = np.asarray(resources, dtype=np.int64)
    if res.ndim != 2 or res.shape[0] != loss.shape[0] or np.any(res < 0):
        raise ValueError("resources must be (n, layers) of cents >= 0, one row per loss")
    cum = np.cumsum(res, axis=1)
    used = np.clip(loss[:, None] - (cum - res), 0, res)
    return used, np.maximum(loss - cum[:, -1], 0)


def stressed_losses(horizon_pnl_usd: np.ndarray, im_usd: np.ndarray) -> np.ndarray:
    """Per member (dollars, >= 0): its largest loss over the scenarios ``horizon_pnl_usd``
    (scenarios x members, + a gain) beyond its initial margin ``im_usd`` (members,)."""
    worst = np.maximum(-np.asarray(horizon_pnl_usd, dtype=float).min(axis=0), 0.0)
    return np.maximum(worst - np.asarray(im_usd, dtype=float), 0.0)


def cover_n(stressed_usd: np.ndarray, n: int, scale: float = 1.0) -> float:
    """Default fund (dollars): ``scale`` x the sum of the ``n`` largest stressed losses."""
    s = np.sort(np.asarray(stressed_usd, dtype=float))[::-1]
    return float(scale * s[:n].sum())


def share_joint_loss(
    rule: str, own_loss: np.ndarray, im: np.ndarray, standalone: np.ndarray
) -> np.ndarray:
    """Each CCP's share (cents) of the joint close-out result of XM accounts. ``own_loss``,
    ``im`` and ``standalone`` are (n, 2): per account, CME's then FICC's leg loss (cents, < 0 a
    gain), XM initial margin and standalone initial margin (any unit). Shares sum per account to
    the joint loss ``own_loss.sum(axis=1)`` exactly; ``own_leg`` returns ``own_loss``."""
    if rule not in SHARING_RULES:
        raise ValueError(f"sharing rule {rule!r}, allowed {SHARING_RULES}")
    own = np.asarray(own_loss, dtype=np.int64)
    if rule == "own_leg":
        return own.copy()
    weights = np.asarray(im if rule == "pro_rata_im" else standalone, dtype=float)
    joint = own.sum(axis=1)
    out = np.zeros_like(own)
    for i in range(len(joint)):
        out[i] = pro_rata_cents(int(joint[i]), weights[i])
    return out


def inter_ccp_transfer(share: np.ndarray, own_loss: np.ndarray) -> np.ndarray:
    """What CME pays FICC (cents, < 0: FICC pays CME) per account so that each bears its share:
    CME's share less the loss its own liquidation realised."""
    return np.asarray(share, dtype=np.int64)[:, 0] - np.asarray(own_loss, dtype=np.int64)[:, 0]


def segregated_margin(
    customer_loss: np.ndarray, customer_collateral: np.ndarray, house_loss: int, house: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The defaulter's margin layer split by owner (cents; module docstring). Per customer group
    its loss ``customer_loss`` (n,) (< 0 a gain, which takes nothing) against its own collateral
    ``customer_collateral`` (n,); the house's loss ``house_loss`` (< 0 a gain) plus the
    customers' shortfalls against the house collateral ``house``. Returns (taken from each
    customer (n,), each customer's shortfall (n,), taken from the house, left for the later
    layers): ``taken + shortfall == max(customer_loss, 0)`` and ``house_taken + rest ==
    max(house_loss + shortfall.sum(), 0)``."""
    loss = np.maximum(np.asarray(customer_loss, dtype=np.int64), 0)
    own = np.maximum(np.asarray(customer_collateral, dtype=np.int64), 0)
    taken = np.minimum(loss, own)
    short = loss - taken
    need = max(int(house_loss) + int(short.sum()), 0)
    house_taken = min(need, max(int(house), 0))
    return taken, short, house_taken, need - house_taken
