"""Student-t critical values against the published table, the t-interval by hand, and the
range-respecting intervals (log, logit, clipped, bootstrap) by hand or by invariant."""

import itertools
import math

import pytest

from experiments.stats import mean_ci, range_mean_ci, t_quantile_975


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
    # df 4 -> t 2.776 (published table, 3 decimals); half-width 2.776 * 0.70711 = 1.96292;
    # interval [1.03708, 4.96292]. The table's rounding (<= 5e-4 in t) allows 5e-4 * 0.70711.
    mean, low, high, n = mean_ci([1, 2, 3, 4, 5])
    assert n == 5
    assert mean == pytest.approx(3.0)
    assert low == pytest.approx(1.03708, abs=4e-4)
    assert high == pytest.approx(4.96292, abs=4e-4)


def test_mean_ci_drops_nans() -> None:
    assert mean_ci([1.0, math.nan, 2.0, 3.0, 4.0, 5.0]) == mean_ci([1, 2, 3, 4, 5])


def test_mean_ci_single_value_collapses() -> None:
    assert mean_ci([7.5, math.nan]) == (7.5, 7.5, 7.5, 1)


def test_mean_ci_empty_is_nan() -> None:
    mean, low, high, n = mean_ci([math.nan])
    assert n == 0
    assert math.isnan(mean) and math.isnan(low) and math.isnan(high)


INF = math.inf


def test_log_interval_by_hand_stays_positive() -> None:
    # [1, 9]: mean 5, sd sqrt(32) = 5.65685, se 4, t(1) 12.706 (table): plain half-width
    # 50.824 gives [-45.8, 55.8]. Log scale: step exp(50.824 / 5) = exp(10.1648) = 25,948,
    # so [5 / 25,948, 5 * 25,948]; invariant: low * high = mean ** 2.
    mean, low, high, n, method = range_mean_ci([1.0, 9.0], 0.0, INF)
    assert (mean, n, method) == (5.0, 2, "log t")
    assert 0 < low < mean < high
    assert low * high == pytest.approx(25.0)
    assert high == pytest.approx(5 * math.exp(12.706 * 4 / 5), rel=1e-3)


def test_logit_interval_by_hand_stays_inside_zero_one() -> None:
    # [0.2, 0.4, 0.6]: mean 0.4, sd 0.2, se 0.11547, half 4.303 * 0.11547 = 0.49685;
    # logit scale step 0.49685 / (0.4 * 0.6) = 2.07021 around logit(0.4) = -0.405465:
    # [-2.47568, 1.66475] -> expit [0.07758, 0.84090].
    mean, low, high, n, method = range_mean_ci([0.2, 0.4, 0.6], 0.0, 1.0)
    assert (mean, n, method) == (pytest.approx(0.4), 3, "logit t")
    assert low == pytest.approx(0.07758, abs=2e-4)
    assert high == pytest.approx(0.84090, abs=2e-4)


def test_values_on_a_bound_fall_back_to_a_clipped_interval() -> None:
    # all zeros: no spread, the interval is the mean
    assert range_mean_ci([0.0, 0.0, 0.0], 0.0, 1.0) == (0.0, 0.0, 0.0, 3, "t")
    # zeros among positive values keep the log interval of the (positive) mean
    assert range_mean_ci([0.0, 2.0], 0.0, INF)[4] == "log t"
    # a mean on the bound (values outside the declared range): plain t clipped to the range;
    # [-1, 1]: mean 0, se 1, half 12.706 (table) -> [-12.706, 12.706] clipped to [0, 12.706]
    mean, low, high, n, method = range_mean_ci([-1.0, 1.0], 0.0, INF)
    assert (mean, low, n, method) == (0.0, 0.0, 2, "clipped t")
    assert high == pytest.approx(12.706, abs=5e-4)
    # an unbounded range is the plain t-interval
    assert range_mean_ci([1, 2, 3, 4, 5])[:4] == mean_ci([1, 2, 3, 4, 5])


def test_few_values_collapse_or_are_nan() -> None:
    assert range_mean_ci([4.0, math.nan], 0.0, INF) == (4.0, 4.0, 4.0, 1, "single")
    mean, low, _high, n, method = range_mean_ci([], 0.0, INF)
    assert (n, method) == (0, "none") and math.isnan(mean) and math.isnan(low)


def test_bootstrap_from_ten_values_is_seeded_and_in_range() -> None:
    values = [0.1 * k for k in range(10)]  # 0.0 .. 0.9, mean 0.45
    first = range_mean_ci(values, 0.0, 1.0, seed=20260430)
    assert first == range_mean_ci(values, 0.0, 1.0, seed=20260430)  # reruns are identical
    assert first[3:] == (10, "bootstrap")
    assert 0.0 <= first[1] < 0.45 < first[2] <= 0.9  # bootstrap means of the values
    assert range_mean_ci(values, 0.0, 1.0, seed=1)[1:3] != first[1:3]
    # nine values, or no seed: no bootstrap
    assert range_mean_ci(values[:9], 0.0, 1.0, seed=1)[4] == "logit t"
    assert range_mean_ci(values, 0.0, 1.0)[4] == "logit t"
