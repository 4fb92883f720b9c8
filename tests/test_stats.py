"""Student-t critical values against the published table, and the t-interval by hand."""

import itertools
import math

import pytest

from experiments.stats import mean_ci, t_quantile_975


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (20, 2.086), (30, 2.042), (120, 1.980)],
)
def test_t_quantile_matches_published_table(df: int, expected: float) -> None:
    assert t_quantile_975(df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_beyond_table_is_accurate() -> None:
    # Published values: df 40 -> 2.021, df 60 -> 2.000.
    assert t_quantile_975(40) == pytest.approx(2.021, abs=5e-4)
    assert t_quantile_975(60) == pytest.approx(2.000, abs=5e-4)


def test_t_quantile_tends_to_normal_quantile() -> None:
    assert t_quantile_975(10**6) == pytest.approx(1.960, abs=5e-4)
    assert t_quantile_975(10**9) == pytest.approx(1.959964, abs=1e-6)


def test_t_quantile_decreases_with_df_across_table_edge() -> None:
    values = [t_quantile_975(df) for df in range(1, 500)]
    assert all(a > b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("df", [0, -3, 2.5, True])
def test_t_quantile_rejects_bad_df(df: object) -> None:
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile_975(df)  # type: ignore[arg-type]


def test_mean_ci_by_hand() -> None:
    # [1, 2, 3, 4, 5]: mean 3; squared deviations 4+1+0+1+4 = 10, variance 10/4 = 2.5,
    # sd sqrt(2.5) = 1.58114; standard error sqrt(2.5)/sqrt(5) = sqrt(0.5) = 0.70711;
    # df 4 -> t 2.776; half-width 2.776 * 0.70711 = 1.96292; interval [1.03708, 4.96292].
    mean, low, high, n = mean_ci([1, 2, 3, 4, 5])
    half = 2.776 * math.sqrt(2.5) / math.sqrt(5)
    assert n == 5
    assert mean == pytest.approx(3.0)
    assert low == pytest.approx(3.0 - half)
    assert high == pytest.approx(3.0 + half)
    assert half == pytest.approx(1.96292, abs=1e-5)


def test_mean_ci_drops_nans() -> None:
    assert mean_ci([1.0, math.nan, 2.0, 3.0, 4.0, 5.0]) == mean_ci([1, 2, 3, 4, 5])


def test_mean_ci_single_value_collapses() -> None:
    assert mean_ci([7.5, math.nan]) == (7.5, 7.5, 7.5, 1)


def test_mean_ci_empty_is_nan() -> None:
    mean, low, high, n = mean_ci([math.nan])
    assert n == 0
    assert math.isnan(mean) and math.isnan(low) and math.isnan(high)
