"""Procyclicality of initial margin: pure, vectorised numpy.

Measures of Murphy, Vause and Wilhelm (2014), "A comparative analysis of tools to limit the
procyclicality of initial margin requirements", Bank of England Staff Working Paper 597
(Murphy, Vause and Wilhelm 2016, Journal of Financial Market Infrastructures): over one run,

- peak-to-trough ratio: the largest IM over the smallest (dimensionless, >= 1);
- largest n-day IM increase, n = 1, 5 and 30 business days: the largest ``IM[t+n] - IM[t]``
  (dollars) and, separately, the largest ``IM[t+n] / IM[t] - 1`` (a fraction: 0.25 is +25%);
  NaN where the series has no pair of days n apart (a run of n days or fewer).

IM series are dollars, shape (T,) or (T, n): one column per portfolio, oldest day first, one row
per business day. ``fixed_book_im`` margins books held fixed (the same positions every day) on
one day's look-back, so that a series of it shows what the model alone does to a constant book.
The margin-to-volatility path divides IM (dollars) by a realised volatility (bp per day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.margin.var import VarModel
from sim.margin.xm import XmLegs, xm_reduction

WINDOWS = (1, 5, 30)  # business days: Murphy, Vause and Wilhelm's 1-, 5- and 30-day increases
VOL_WINDOW_DAYS = 20  # business days of the rolling volatility in the margin-to-volatility path


def _columns(im: np.ndarray) -> np.ndarray:
    arr = np.asarray(im, dtype=float)
    return arr.reshape(len(arr), 1) if arr.ndim == 1 else arr


def peak_to_trough(im: np.ndarray) -> np.ndarray:
    """Max IM over min IM of each column (dimensionless), shape (n,); NaN for an empty series or
    where the minimum is not positive (the ratio is undefined)."""
    cols = _columns(im)
    if cols.shape[0] == 0:
        return np.full(cols.shape[1], np.nan)
    low, high = cols.min(axis=0), cols.max(axis=0)
    return np.divide(high, low, out=np.full(low.shape, np.nan), where=low > 0)


def largest_increase(im: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest ``days``-day increase of each column: in dollars, ``max_t IM[t+days] - IM[t]``,
    and as a fraction, ``max_t IM[t+days] / IM[t] - 1`` over the t with ``IM[t] > 0``; each of
    shape (n,). Negative when IM only fell; NaN when the series has ``days`` rows or fewer (and
    the fraction NaN when no start day has positive IM)."""
    if days < 1:
        raise ValueError("days must be >= 1")
    cols = _columns(im)
    nan = np.full(cols.shape[1], np.nan)
    if cols.shape[0] <= days:
        return nan, nan.copy()
    start, end = cols[:-days], cols[days:]
    usd = (end - start).max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(start > 0, end / start - 1.0, -np.inf)
    frac = rel.max(axis=0)
    return usd, np.where(np.isfinite(frac), frac, np.nan)


def rolling_std(daily_bp: np.ndarray, window: int = VOL_WINDOW_DAYS) -> np.ndarray:
    """Sample standard deviation (ddof 1, bp per day) of the last ``window`` daily changes (bp)
    ending at each row, shape (T,); NaN for the first ``window - 1`` rows."""
    x = np.asarray(daily_bp, dtype=float)
    out = np.full(x.shape[0], np.nan)
    if x.shape[0] >= window:
        views = np.lib.stride_tricks.sliding_window_view(x, window)
        out[window - 1 :] = views.std(axis=1, ddof=1)
    return out


def margin_to_volatility(im: np.ndarray, vol_bp: np.ndarray) -> np.ndarray:
    """IM (dollars) over realised volatility (bp per day): dollars per bp of daily volatility,
    NaN where the volatility is not positive or not known."""
    im, vol = np.asarray(im, dtype=float), np.asarray(vol_bp, dtype=float)
    ok = np.isfinite(vol) & (vol > 0)
    return np.divide(im, vol, out=np.full(im.shape, np.nan), where=ok)


@dataclass(frozen=True)
class FixedBooks:
    """Books held fixed through a run: each book's futures-leg and cash-leg margin exposures
    (dollars per bp, (n, 5 + F): ``sim.margin.exposure.with_basis``) and whether it is
    cross-margined (bool, (n,))."""

    futures: np.ndarray
    cash: np.ndarray
    xm: np.ndarray


def fixed_book_im(
    cme: VarModel, ficc: VarModel, books: FixedBooks, daily_bp: np.ndarray, rule: str, cap: float
) -> np.ndarray:
    """IM (dollars, (n,)) charged at both CCPs on each book on one day's look-back ``daily_bp``
    (bp, (T, 5 + F)): CME margins the futures leg, FICC the cash leg, and an XM book's two IMs
    are reduced by the XM ``rule`` and ``cap`` (``sim.margin.xm``) on both CCPs' leg IMs. One
    VaR call per CCP for all books, as in ``agents.ccp.Ccp.margin``."""
    n, i = len(books.xm), np.flatnonzero(books.xm)
    k, both = len(i), books.futures[i] + books.cash[i]
    im_cme = cme.requirement(np.vstack([books.futures, books.cash[i], both]), daily_bp)
    im_ficc = ficc.requirement(np.vstack([books.cash, books.futures[i], both]), daily_bp)
    legs_cme = XmLegs(im_cme[i], im_cme[n : n + k], im_cme[n + k :])
    legs_ficc = XmLegs(im_ficc[n : n + k], im_ficc[i], im_ficc[n + k :])
    reduction = np.zeros(n)
    if k:
        reduction[i] = xm_reduction(rule, cap, legs_cme, legs_ficc)
    return (im_cme[:n] + im_ficc[:n]) * (1.0 - reduction)
