"""Cross-margining maths: each CCP's reduction factor, the rules that turn the two CCPs' figures
into the reduction both apply (DESIGN.md section 2), pure and vectorised.

IMs are dollars, arrays of one value per XM account; reductions are fractions of the standalone
IM. ``XM_RULES`` holds the switchable rules: ``min_cap`` (the default), ``joint_split`` and
``none``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.margin.var import VarModel


def reduction_factor(
    im_combined: np.ndarray, im_futures: np.ndarray, im_cash: np.ndarray
) -> np.ndarray:
    """One CCP's XM reduction factor ``1 - IM(combined) / (IM(futures) + IM(cash))``.

    Zero where the standalone sum is zero (nothing to reduce).
    """
    total = im_futures + im_cash
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(total > 0, 1.0 - im_combined / total, 0.0)
    return r


def applied_reduction(r_cme: np.ndarray, r_ficc: np.ndarray, cap: float) -> np.ndarray:
    """Rule ``min_cap``: both CCPs apply ``clip(min(r_cme, r_ficc), 0, cap)``."""
    return np.clip(np.minimum(r_cme, r_ficc), 0.0, cap)


def leg_requirements(
    model: VarModel, futures_exp: np.ndarray, cash_exp: np.ndarray, daily_bp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IM (dollars) of the futures leg, the cash leg and both combined, for every account.

    One matrix product over all accounts and legs at once.
    """
    n = futures_exp.shape[0]
    stacked = np.vstack([futures_exp, cash_exp, futures_exp + cash_exp])
    im = model.requirement(stacked, daily_bp)
    return im[:n], im[n : 2 * n], im[2 * n :]


@dataclass(frozen=True)
class XmLegs:
    """One CCP's IMs (dollars) of its XM accounts under its own model: the futures leg, the cash
    leg and both combined, arrays of one value per account."""

    futures: np.ndarray
    cash: np.ndarray
    combined: np.ndarray

    @property
    def factor(self) -> np.ndarray:
        return reduction_factor(self.combined, self.futures, self.cash)


def _min_cap(cme: XmLegs, ficc: XmLegs, cap: float) -> np.ndarray:
    return applied_reduction(cme.factor, ficc.factor, cap)


def _joint_split(cme: XmLegs, ficc: XmLegs, cap: float) -> np.ndarray:
    """One joint requirement, the larger of the two CCPs' combined IMs, shared pro rata to the
    standalone IMs: both CCPs apply ``clip(1 - joint / (IM_cme(fut) + IM_ficc(cash)), 0, cap)``."""
    joint = np.maximum(cme.combined, ficc.combined)
    standalone = cme.futures + ficc.cash
    r = np.divide(standalone - joint, standalone, out=np.zeros(joint.shape), where=standalone > 0)
    return np.clip(r, 0.0, cap)


def _no_reduction(cme: XmLegs, ficc: XmLegs, cap: float) -> np.ndarray:
    return np.zeros_like(cme.combined)


XM_RULES = {"min_cap": _min_cap, "joint_split": _joint_split, "none": _no_reduction}


def xm_reduction(rule: str, cap: float, cme: XmLegs, ficc: XmLegs) -> np.ndarray:
    """The reduction both CCPs apply to their standalone IM of each XM account (fraction)."""
    return XM_RULES[rule](cme, ficc, cap)


def xm_legs(model: VarModel, futures_exp, cash_exp, daily_bp) -> XmLegs:
    """``leg_requirements`` as an ``XmLegs``."""
    return XmLegs(*leg_requirements(model, futures_exp, cash_exp, daily_bp))
