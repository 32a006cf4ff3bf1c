"""Forecast metrics against hand-computed values (SPEC section 5 definitions)."""

from __future__ import annotations

import numpy as np
import pytest

from ml.forecasting import metrics


def test_wape_and_bias_aggregate_over_series_and_days():
    actual = [[10, 0], [5, 5]]
    forecast = [[8, 1], [5, 7]]
    # |errors| 2 + 1 + 0 + 2 = 5 over demand 20; signed -2 + 1 + 0 + 2 = 1
    assert metrics.wape(actual, forecast) == pytest.approx(5 / 20)
    assert metrics.bias(actual, forecast) == pytest.approx(1 / 20)
    assert np.isnan(metrics.wape([[0, 0]], [[1, 1]]))


def test_rmsse_scales_by_the_one_step_naive_error_since_the_first_sale():
    # leading zeros before the launch are not demand: the scale uses 2, 4, 4, 6 only
    history = [[0, 0, 2, 4, 4, 6]]
    # squared one-step differences 4, 0, 4 -> mean 8/3
    actual, forecast = [[6, 8]], [[5, 6]]  # squared errors 1, 4 -> mean 2.5
    assert metrics.rmsse(actual, forecast, history) == pytest.approx([np.sqrt(2.5 / (8 / 3))])


def test_mase_scales_by_the_seasonal_naive_error():
    history = [[1, 2, 3, 5, 6, 7]]  # lag 3: |5-1|, |6-2|, |7-3| -> mean 4
    assert metrics.mase([[8, 8]], [[6, 9]], history, season=3) == pytest.approx([1.5 / 4])


def test_a_series_without_a_scale_is_left_out_not_divided_by_zero():
    history = [[0, 0, 0, 0], [3, 3, 3, 3], [1, 2, 1, 2]]  # never sold, constant, usable
    scores = metrics.rmsse([[1, 1], [3, 3], [2, 2]], [[0, 0], [3, 3], [1, 1]], history)
    assert np.isnan(scores[0]) and np.isnan(scores[1]) and scores[2] == pytest.approx(1.0)
    # weights renormalized over the usable series
    assert metrics.wrmsse([[1, 1], [3, 3], [2, 2]], [[0, 0], [3, 3], [1, 1]], history, [0.5, 0.25, 0.25]) == pytest.approx(1.0)


def test_wrmsse_weights_series_by_dollar_sales():
    units = [[1, 1], [2, 2]]
    prices = [[10.0, 10.0], [5.0, 20.0]]  # dollars 20 and 50
    weights = metrics.dollar_weights(units, prices)
    assert weights == pytest.approx([20 / 70, 50 / 70])
    history = [[1, 2, 1, 2], [2, 4, 2, 4]]  # scales 1 and 4
    actual, forecast = [[2, 2], [4, 4]], [[1, 1], [2, 2]]  # RMSSE 1 and sqrt(4/4) = 1
    assert metrics.wrmsse(actual, forecast, history, weights) == pytest.approx(1.0)
    forecast = [[2, 2], [2, 2]]  # series 1 perfect: only series 2's weight remains
    assert metrics.wrmsse(actual, forecast, history, weights) == pytest.approx(50 / 70)


def test_pinball_loss_and_coverage_of_a_quantile_forecast():
    actual = [[10, 0, 4]]
    p90 = [[8, 2, 4]]
    # under by 2 -> 0.9 * 2; over by 2 -> 0.1 * 2; exact -> 0
    assert metrics.pinball_loss(actual, p90, 0.9) == pytest.approx((1.8 + 0.2 + 0) / 3)
    assert metrics.coverage(actual, p90) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="quantile"):
        metrics.pinball_loss(actual, p90, 1.5)


def test_mismatched_shapes_are_refused_with_the_shapes_named():
    with pytest.raises(ValueError, match=r"actual \(1, 2\) and forecast \(1, 3\)"):
        metrics.wape([[1, 2]], [[1, 2, 3]])
    with pytest.raises(ValueError, match="history has 2 series"):
        metrics.rmsse([[1, 2]], [[1, 2]], [[1, 2, 3], [1, 2, 3]])
