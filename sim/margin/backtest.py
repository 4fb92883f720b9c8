"""Backtesting of margin: Kupiec's proportion-of-failures test and the Basel traffic light.

Conventions as in ``sim.margin.var``: exposures are DV01s in dollars per bp, shape (accounts, K),
the dollar gain for a 1bp fall in each factor (5 key rates, optionally then the basis of each
futures family); daily changes are bp, shape (days, K), positive = yields (basis) rise; P&L =
``-exposure @ change`` dollars over the horizon, every column (``sim.margin.horizon``). A
requirement is a positive dollar amount, and a day is an *exception* when the realised loss
exceeds it (strictly: a loss equal to it is not an exception). ``backtest`` tests a model's VaR
of whole books; ``charged_backtest`` the IM each CCP charges after the XM rule, and the sum
held at both CCPs against the joint loss.

References: Kupiec, P. (1995), "Techniques for verifying the accuracy of risk measurement
models", Journal of Derivatives 3(2); Basel Committee on Banking Supervision (1996),
"Supervisory framework for the use of 'backtesting' in conjunction with the internal models
approach to market risk capital requirements", Table 1.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.margin.horizon import horizon_pnl, shared_cover
from sim.margin.var import VarModel
from sim.margin.xm import xm_legs, xm_reduction
from sim.market.instruments import CATALOG

GREEN_BELOW = 0.95  # Basel (1996): green while P(X <= x) < 95%
YELLOW_BELOW = 0.9999  # Basel (1996): yellow while P(X <= x) < 99.99%, red from there


def _check_counts(exceptions: int, observations: int, confidence: float) -> None:
    if observations < 1 or not 0 <= exceptions <= observations:
        raise ValueError(
            f"need 0 <= exceptions <= observations, observations >= 1; got "
            f"{exceptions} of {observations}"
        )
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1); got {confidence}")


def _tail(confidence: float) -> float:
    """Tail probability ``1 - confidence``, rounded so 1 - 0.9 is exactly 0.1 (as ``var_rank``)."""
    return round(1.0 - confidence, 12)


def _xlogy(x: float, y: float) -> float:
    """``x * ln(y)`` with the convention 0 ln 0 = 0."""
    return 0.0 if x == 0 else x * math.log(y)


def kupiec_pof(exceptions: int, observations: int, confidence: float) -> tuple[float, float]:
    """Kupiec's proportion-of-failures LR statistic and its chi-square(1) p-value.

    ``LR = -2 ln[(1-p)^(n-x) p^x] + 2 ln[(1-x/n)^(n-x) (x/n)^x]`` with ``p = 1 - confidence``,
    ``x`` exceptions in ``n`` observations (days), and 0 ln 0 = 0 so that x = 0 and x = n are
    defined. The p-value is ``P(chi2_1 > LR)`` (``scipy.stats.chi2.sf``, equal to
    ``erfc(sqrt(LR / 2))``); both are dimensionless.
    """
    _check_counts(exceptions, observations, confidence)
    x, n, p = exceptions, observations, _tail(confidence)
    null = _xlogy(n - x, 1.0 - p) + _xlogy(x, p)
    alt = _xlogy(n - x, 1.0 - x / n) + _xlogy(x, x / n)
    lr = max(-2.0 * null + 2.0 * alt, 0.0)  # >= 0 in exact arithmetic
    return lr, float(stats.chi2.sf(lr, df=1))


def binomial_cdf(k: int, n: int, p: float) -> float:
    """``P(X <= k)`` for X ~ Binomial(n, p) (dimensionless), from ``scipy.stats.binom.cdf``:
    0 for k < 0 and 1 for k >= n."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return float(stats.binom.cdf(k, n, p))


def traffic_light(exceptions: int, observations: int, confidence: float = 0.99) -> str:
    """Basel traffic-light zone (``green``, ``yellow`` or ``red``) of an exception count.

    With ``x`` exceptions in ``n`` days and X ~ Binomial(n, 1 - confidence): green if
    P(X <= x) < 0.95, yellow if P(X <= x) < 0.9999, red otherwise. For n = 250 at 99% this
    reproduces the Basel Committee (1996) table: green 0-4, yellow 5-9, red 10 or more
    (P(X <= 4) = 89.22%, P(X <= 5) = 95.88%, P(X <= 9) = 99.97%, P(X <= 10) = 99.99%); for
    other n it scales the table by the same cumulative-probability rule.
    """
    _check_counts(exceptions, observations, confidence)
    cdf = binomial_cdf(exceptions, observations, _tail(confidence))
    if cdf < GREEN_BELOW:
        return "green"
    return "yellow" if cdf < YELLOW_BELOW else "red"


def _reference_portfolios() -> dict[str, dict[str, float]]:
    """The three reference books; cash in dollars of face, futures in contracts."""
    face = 100e6  # dollars of face of the 10Y cash leg
    dv01_10y = CATALOG["UST10Y"].dv01_per_unit * face  # dollars per bp
    tn = -round(dv01_10y / CATALOG["TN"].dv01_per_unit)  # short, whole contracts
    two_face = dv01_10y / CATALOG["UST2Y"].dv01_per_unit  # equal DV01, dollars of face
    return {
        "outright": {"TY": 1000.0},
        "basis": {"UST10Y": face, "TN": float(tn)},
        "curve": {"UST2Y": two_face, "UST10Y": -face},
    }


REFERENCE_PORTFOLIOS: dict[str, dict[str, float]] = _reference_portfolios()
"""``outright``: long 1,000 TY; ``basis``: long $100m UST10Y, short TN DV01-neutral (whole
contracts); ``curve``: 2s10s steepener, long UST2Y and short $100m UST10Y of equal DV01."""


def _check_history(daily_bp: np.ndarray, mpor_days: int, lookback_days: int, start: int) -> None:
    if not np.isfinite(daily_bp).all():
        raise ValueError("daily_bp must be finite (drop or fill NaN changes first)")
    if start < lookback_days or lookback_days < mpor_days:
        raise ValueError("need start >= lookback_days >= mpor_days")


def backtest(
    daily_bp: np.ndarray, exposures: np.ndarray, model: VarModel, *, start: int
) -> dict[str, np.ndarray]:
    """Backtest of a margin ``model`` on each exposure over test days ``start .. T - mpor_days``.

    ``daily_bp``: daily key-rate changes (bp), shape (T, 5), oldest first, finite; row t is the
    change over day t. ``exposures``: dollars per bp, shape (accounts, 5). For test day t the
    requirement (dollars) uses the changes strictly before t (rows t-L .. t-1) and the
    realised P&L (dollars) is ``-exposure @ sum(daily_bp[t : t + mpor_days])``, every column
    (``sim.margin.horizon.horizon_pnl`` of books frozen at the end of row t - 1). Returns ``day``
    (test-day row indices, shape (days,)), ``var`` and ``pnl`` (days, accounts) and
    ``exception`` (bool, loss > VaR).
    """
    daily_bp = np.asarray(daily_bp, dtype=float)
    exposures = np.atleast_2d(np.asarray(exposures, dtype=float))
    n_days, mpor_days = daily_bp.shape[0], model.mpor_days
    _check_history(daily_bp, mpor_days, model.lookback_days, start)
    days = np.arange(start, n_days - mpor_days + 1)
    var = np.empty((days.size, exposures.shape[0]))
    for i, t in enumerate(days):
        var[i] = model.requirement(exposures, daily_bp[:t])
    pnl = horizon_pnl(exposures, daily_bp, days - 1, mpor_days)
    return {"day": days, "var": var, "pnl": pnl, "exception": -pnl > var}


def charged_im(
    daily_bp: np.ndarray,
    legs: tuple[np.ndarray, np.ndarray],
    models,
    rule: str,
    cap: float,
    days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """IM (dollars, (days, accounts)) CME charges on the futures legs and FICC on the cash legs
    (``legs``: dollars per bp, (accounts, K) each) on each test day, on the changes strictly
    before it: each CCP's standalone leg IM times one minus the XM ``rule``'s reduction
    (``sim.margin.xm``; cap ``cap``) from both CCPs' futures, cash and combined IMs.
    ``models``: (CME's, FICC's) ``VarModel``."""
    fut, cash = legs
    im_cme, im_ficc = np.empty((days.size, fut.shape[0])), np.empty((days.size, fut.shape[0]))
    for i, t in enumerate(days):
        cme, ficc = (xm_legs(m, fut, cash, daily_bp[:t]) for m in models)
        kept = 1.0 - xm_reduction(rule, cap, cme, ficc)
        im_cme[i], im_ficc[i] = kept * cme.futures, kept * ficc.cash
    return im_cme, im_ficc


def charged_backtest(
    daily_bp: np.ndarray,
    legs: tuple[np.ndarray, np.ndarray],
    models,
    *,
    rule: str,
    cap: float,
    start: int,
) -> dict[str, dict[str, np.ndarray]]:
    """Backtest of the IM actually charged (``charged_im``) on test days ``start .. T - H``,
    H the longer of the two MPORs. ``cme`` and ``ficc``: each CCP's leg loss (positive dollars,
    over its own MPOR, key rates and basis: ``sim.margin.horizon``) against what covers it: its
    IM, plus under an XM rule (not ``none``) its pro-rata-to-IM share of the other CCP's excess
    (``shared_cover``). ``both``: the joint book's loss over H against the sum held at both.
    Each: ``day``, ``im`` and ``cover`` (dollars), ``loss`` (dollars), ``exception``."""
    daily_bp = np.asarray(daily_bp, dtype=float)
    joint_h = max(m.mpor_days for m in models)
    _check_history(daily_bp, joint_h, max(m.lookback_days for m in models), start)
    days = np.arange(start, daily_bp.shape[0] - joint_h + 1)
    ims = charged_im(daily_bp, legs, models, rule, cap, days)
    return _charged_results(days, ims, _leg_losses(daily_bp, legs, models, days), rule != "none")


def _leg_losses(daily_bp, legs, models, days) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Losses (positive dollars, (days, accounts)) of books frozen at the end of the row before
    each test day: the futures leg over CME's MPOR, the cash leg over FICC's, the whole book
    over the longer."""
    (fut, cash), (m_cme, m_ficc) = legs, models
    joint_h = max(m_cme.mpor_days, m_ficc.mpor_days)
    return (
        -horizon_pnl(fut, daily_bp, days - 1, m_cme.mpor_days),
        -horizon_pnl(cash, daily_bp, days - 1, m_ficc.mpor_days),
        -horizon_pnl(fut + cash, daily_bp, days - 1, joint_h),
    )


def _charged_results(days, ims, losses, shared: bool) -> dict[str, dict[str, np.ndarray]]:
    (im_c, im_f), (loss_c, loss_f, loss_j) = ims, losses
    cover_c = shared_cover(im_c, im_f, loss_f) if shared else im_c
    cover_f = shared_cover(im_f, im_c, loss_c) if shared else im_f
    out = {}
    for name, im, cover, loss in (
        ("cme", im_c, cover_c, loss_c), ("ficc", im_f, cover_f, loss_f),
        ("both", im_c + im_f, im_c + im_f, loss_j),
    ):  # fmt: skip
        out[name] = {"day": days, "im": im, "cover": cover, "loss": loss, "exception": loss > cover}
    return out


def summarise_backtest(
    result: dict[str, np.ndarray], confidence: float, names: list[str] | None = None
) -> list[dict]:
    """Per account: observations (days), exceptions, exception rate, Kupiec LR and p-value,
    and the traffic-light zone (binomial rule, so scaled for n != 250).

    ``names`` labels the accounts (default: their column index).
    """
    exceptions = result["exception"].sum(axis=0)
    n = int(result["exception"].shape[0])
    labels = names if names is not None else list(range(exceptions.size))
    rows = []
    for label, x in zip(labels, exceptions.tolist(), strict=True):
        lr, p_value = kupiec_pof(x, n, confidence)
        rows.append(
            {
                "account": label,
                "observations": n,
                "exceptions": x,
                "exception_rate": x / n,
                "kupiec_lr": lr,
                "kupiec_p_value": p_value,
                "zone": traffic_light(x, n, confidence),
            }
        )
    return rows
