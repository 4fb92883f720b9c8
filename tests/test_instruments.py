"""Tests of sim.market.instruments: key-rate interpolation, par DV01, published futures DV01s,
sides.

Key tenors are 0.25, 2, 5, 10, 30 years; weights interpolate linearly in maturity. Cash DV01 per
dollar of face is the par-bond formula (1 - (1 + y/2)^(-2n)) / y * 1e-4 at y = 4%. Futures DV01s:
TN $88 and UB $204.68 per contract (CME, 2024); SR3 $25 per bp by contract design.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.market.instruments import (
    CATALOG,
    KEY_YEARS,
    dv01_matrix,
    key_rate_weights,
    par_dv01_per_dollar,
    side_mask,
)


@pytest.mark.parametrize(
    "years, weights",
    [
        (7.0, [0, 0, 0.6, 0.4, 0]),  # (7 - 5) / (10 - 5) = 0.4 on 10Y, 0.6 on 5Y
        (9.5, [0, 0, 0.1, 0.9, 0]),  # TN's CTD: 4.5 / 5 = 0.9 on 10Y
        (25.0, [0, 0, 0, 0.25, 0.75]),  # UB's CTD: 15 / 20 = 0.75 on 30Y
        (1.125, [0.5, 0.5, 0, 0, 0]),  # (1.125 - 0.25) / 1.75 = 0.5
        (2.0, [0, 1, 0, 0, 0]),  # exactly a key tenor
        (30.0, [0, 0, 0, 0, 1]),
        (0.1, [1, 0, 0, 0, 0]),  # flat below 3M
        (40.0, [0, 0, 0, 0, 1]),  # flat beyond 30Y
    ],
)
def test_key_rate_weights_hand_interpolation(years, weights):
    np.testing.assert_allclose(key_rate_weights(years), weights, atol=1e-12)


@pytest.mark.parametrize("years", np.linspace(0.0, 35.0, 71))
def test_key_rate_weights_invariants(years):
    """Sum 1, non-negative, at most two adjacent tenors, and (linear interpolation) the weighted
    key maturity gives back the maturity inside [0.25, 30]."""
    w = key_rate_weights(float(years))
    assert w.sum() == pytest.approx(1.0)
    assert np.all(w >= 0)
    nz = np.flatnonzero(w)
    assert len(nz) <= 2 and (len(nz) < 2 or nz[1] == nz[0] + 1)
    assert w @ KEY_YEARS == pytest.approx(np.clip(years, 0.25, 30.0))


def test_par_dv01_two_year_by_hand():
    """2y at 4%: 1.02^4 = 1.08243216, 1 / 1.08243216 = 0.92384543, (1 - 0.92384543) / 0.04 =
    1.9038643 -> 1.9038643e-4 dollars per bp per dollar of face ($190.39 per $1m)."""
    assert par_dv01_per_dollar(2) == pytest.approx((1 - 1.02**-4) / 0.04 * 1e-4, rel=1e-12)
    assert par_dv01_per_dollar(2) == pytest.approx(1.9038643e-4, rel=1e-7)


def test_par_dv01_ten_year_by_hand():
    """10y at 4%: 1.02^20 = 1.4859474, 1 / 1.4859474 = 0.6729713, (1 - 0.6729713) / 0.04 =
    8.175717 -> $817.57 per bp per $1m face."""
    assert par_dv01_per_dollar(10) == pytest.approx(8.175717e-4, rel=1e-6)


def test_par_dv01_rises_with_maturity_and_falls_with_yield():
    """Invariant: longer par bonds have more DV01; higher yields less."""
    dv = [par_dv01_per_dollar(t) for t in (2, 3, 5, 7, 10, 20, 30)]
    assert np.all(np.diff(dv) > 0)
    assert par_dv01_per_dollar(10, 0.05) < par_dv01_per_dollar(10, 0.04)


def test_cash_catalog_uses_par_dv01():
    for tenor in (2, 3, 5, 7, 10, 20, 30):
        inst = CATALOG[f"UST{tenor}Y"]
        assert inst.side == "cash" and inst.ccp == "ficc" and inst.unit == "usd_face"
        assert inst.dv01_per_unit == pytest.approx(par_dv01_per_dollar(tenor), rel=1e-12)


def test_published_futures_dv01():
    """CME (2024): Ultra 10Y (TN) $88, Ultra Bond (UB) $204.68 per contract; SR3 $25 per bp."""
    assert CATALOG["TN"].dv01_per_unit == 88.0
    assert CATALOG["UB"].dv01_per_unit == 204.68
    assert CATALOG["SR3"].dv01_per_unit == 25.0


def test_key_dv01_of_futures_by_hand():
    """TN: 0.1 * 88 = 8.8 on 5Y, 0.9 * 88 = 79.2 on 10Y. UB: 0.25 * 204.68 = 51.17 on 10Y,
    0.75 * 204.68 = 153.51 on 30Y. SR3: all $25 on 3M."""
    np.testing.assert_allclose(CATALOG["TN"].key_dv01, [0, 0, 8.8, 79.2, 0], atol=1e-9)
    np.testing.assert_allclose(CATALOG["UB"].key_dv01, [0, 0, 0, 51.17, 153.51], atol=1e-9)
    np.testing.assert_allclose(CATALOG["SR3"].key_dv01, [25, 0, 0, 0, 0], atol=1e-12)


def test_dv01_matrix_rows_sum_to_unit_dv01():
    """Invariant: spreading over key rates preserves the total DV01 of each instrument."""
    symbols = list(CATALOG)
    m = dv01_matrix(symbols)
    assert m.shape == (len(symbols), 5)
    np.testing.assert_allclose(
        m.sum(axis=1), [CATALOG[s].dv01_per_unit for s in symbols], rtol=1e-12
    )


def test_side_masks_and_ccp():
    symbols = ["UST10Y", "TN", "SR3", "UST2Y", "UB"]
    np.testing.assert_array_equal(side_mask(symbols, "futures"), [False, True, True, False, True])
    np.testing.assert_array_equal(side_mask(symbols, "cash"), [True, False, False, True, False])
    for inst in CATALOG.values():
        assert (inst.side, inst.ccp) in {("futures", "cme"), ("cash", "ficc")}
