"""The one exposure builder (sim.margin.exposure), checked by hand on small books."""

from __future__ import annotations

import numpy as np
import pytest

from sim.margin.exposure import book_exposures
from sim.market.instruments import par_dv01_per_dollar


def test_a_basis_book_by_hand():
    """$1m of the 10Y note sits on the 10Y key rate at its par DV01 (4% yield); 10 short TN
    (CTD 9.5 years, $88 a contract, CME 2024) split 0.1 / 0.9 between the 5Y and 10Y keys:
    -$88 and -$792 per bp; the 10Y basis family carries all -$880."""
    e = book_exposures([{"UST10Y": 1e6, "TN": -10.0}])
    note = 1e6 * par_dv01_per_dollar(10.0)
    np.testing.assert_allclose(e.cash, [[0, 0, 0, note, 0]])
    np.testing.assert_allclose(e.futures, [[0, 0, -88.0, -792.0, 0]])
    np.testing.assert_allclose(e.family, [[0, 0, -880.0, 0]])
    np.testing.assert_allclose(e.total, e.cash + e.futures)


def test_books_share_one_symbol_set_and_bills_are_not_eligible():
    """Rows follow the books; a bill (UST3M) counts in full but not under eligible_only."""
    books = [{"UST3M": 1e6}, {"TY": 2.0}, {}]
    full, eligible = book_exposures(books), book_exposures(books, eligible_only=True)
    assert full.cash.shape == (3, 5) and full.family.shape == (3, 4)
    assert full.cash[0, 0] == pytest.approx(1e6 * par_dv01_per_dollar(0.25))
    assert eligible.cash[0].sum() == 0.0
    assert full.futures[1].sum() == pytest.approx(2 * 64.0)  # TY $64 a contract
    assert not full.total[2].any()


def test_no_books_no_rows():
    e = book_exposures([])
    assert e.futures.shape == (0, 5) and e.family.shape == (0, 4)
