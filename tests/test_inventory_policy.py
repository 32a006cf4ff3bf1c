"""Inventory policy formulas against textbook values (SPEC section 6)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ml.inventory import policy


def test_the_standard_normal_loss_matches_the_tables():
    # Silver, Pyke and Peterson, table B.1: G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085
    assert policy.standard_normal_loss([0.0, 1.0, 2.0]) == pytest.approx([0.3989, 0.0833, 0.0085], abs=1e-4)


def test_cycle_service_levels_give_the_usual_safety_factors():
    assert policy.z_for_cycle_service([0.5, 0.95, 0.98]) == pytest.approx([0.0, 1.6449, 2.0537], abs=1e-4)


def test_the_fill_rate_factor_solves_the_loss_equation_row_by_row():
    beta, sigma, quantity = np.array([0.98, 0.95, 0.99]), np.array([50.0, 20.0, 100.0]), np.array([200.0, 100.0, 500.0])
    z = policy.z_for_fill_rate(beta, sigma, quantity)
    assert sigma * policy.standard_normal_loss(z) == pytest.approx((1 - beta) * quantity, rel=1e-9)
    assert 1.02 < z[0] < 1.03  # G(z) = 0.08 lies between the table values G(1.02) = 0.0802 and G(1.03) = 0.0787


def test_a_fill_rate_the_order_quantity_alone_serves_needs_no_safety_stock():
    z = policy.z_for_fill_rate(0.5, 1.0, 1000.0)
    assert z == pytest.approx(-8.0)
    assert policy.safety_stock(z, 5.0, 10.0, 7.0) == 0.0


def test_safety_stock_combines_forecast_error_and_lead_time_variability():
    # z 1.645, L 4 days, sigma_e 10, d 20, sigma_L 1 day: sqrt(4 * 100 + 400 * 1) = 28.28
    assert policy.safety_stock(1.645, 10.0, 20.0, 4.0, 1.0) == pytest.approx(1.645 * np.sqrt(800.0))
    # periodic review of 7 days exposes the stock over L + R
    assert policy.safety_stock(1.645, 10.0, 20.0, 4.0, 0.0, 7.0) == pytest.approx(1.645 * np.sqrt(11 * 100.0))


def test_reorder_point_order_up_to_and_eoq():
    assert policy.reorder_point(20.0, 4.0, 46.5) == pytest.approx(126.5)
    assert policy.order_up_to(20.0, 4.0, 7.0, 46.5) == pytest.approx(266.5)
    assert policy.economic_order_quantity(1200.0, 100.0, 5.0) == pytest.approx(np.sqrt(48_000.0))  # 219.09


def test_order_quantities_are_raised_to_the_moq_then_rounded_up_to_packs():
    rounded = policy.round_order_quantity([0.0, 7.0, 130.0, 0.3], minimum_order_quantity=[50.0, 50.0, 50.0, 0.0], pack_size=[12.0, 12.0, 12.0, 0.1])
    assert rounded == pytest.approx([0.0, 60.0, 132.0, 0.3])


def test_negative_binomial_stock_level_is_the_smallest_covering_level():
    mean, variance, alpha = np.array([4.0, 4.0, 30.0, 0.0]), np.array([20.0, 3.0, 400.0, 0.0]), np.array([0.95, 0.95, 0.9, 0.95])
    level = policy.negative_binomial_stock_level(mean, variance, alpha)
    size, success = mean[[0, 2]] ** 2 / (variance[[0, 2]] - mean[[0, 2]]), mean[[0, 2]] / variance[[0, 2]]
    covered = stats.nbinom.cdf(level[[0, 2]], size, success)
    assert (covered >= alpha[[0, 2]]).all() and (stats.nbinom.cdf(level[[0, 2]] - 1, size, success) < alpha[[0, 2]]).all()
    assert level[1] == stats.poisson.ppf(0.95, 4.0)  # no overdispersion: Poisson
    assert level[3] == 0.0
    # lumpy demand needs more stock than a normal with the same moments would suggest
    assert level[0] > 4.0 + 1.645 * np.sqrt(20.0)


def test_bad_parameters_are_refused_with_the_parameter_named():
    with pytest.raises(ValueError, match="cycle service level must lie strictly between 0 and 1"):
        policy.z_for_cycle_service(1.0)
    with pytest.raises(ValueError, match="lead time must be >= 0"):
        policy.safety_stock(1.0, 1.0, 1.0, -2.0)
    with pytest.raises(ValueError, match="pack size must be > 0"):
        policy.round_order_quantity(10.0, pack_size=0.0)


def test_negative_binomial_expected_shortage_matches_the_sum_over_the_distribution():
    mean, variance, level = np.array([4.0, 30.0, 4.0]), np.array([20.0, 400.0, 3.0]), np.array([6.0, 40.0, 5.0])
    shortage = policy.negative_binomial_expected_shortage(mean, variance, level)
    x = np.arange(0, 5000)
    for i in range(2):
        size, success = mean[i] ** 2 / (variance[i] - mean[i]), mean[i] / variance[i]
        expected = (np.maximum(x - level[i], 0) * stats.nbinom.pmf(x, size, success)).sum()
        assert shortage[i] == pytest.approx(expected, rel=1e-9)
    assert shortage[2] == pytest.approx((np.maximum(x - 5.0, 0) * stats.poisson.pmf(x, 4.0)).sum(), rel=1e-9)


def test_negative_binomial_fill_rate_level_is_the_smallest_level_meeting_the_fill_rate():
    mean, variance = np.array([4.0, 30.0, 2.0, 0.0]), np.array([20.0, 400.0, 1.5, 0.0])
    beta, quantity = np.array([0.98, 0.95, 0.9, 0.95]), np.array([10.0, 60.0, 5.0, 1.0])
    level = policy.negative_binomial_fill_rate_level(mean, variance, beta, quantity)
    allowed = (1 - beta) * quantity
    shortage = policy.negative_binomial_expected_shortage(mean, variance, level)
    below = policy.negative_binomial_expected_shortage(mean, variance, np.maximum(level - 1, 0))
    assert (shortage[:3] <= allowed[:3]).all()
    assert ((below[:3] > allowed[:3]) | (level[:3] == 0)).all()
    assert level[3] == 0.0


def test_the_base_stock_level_agrees_with_stockpyl():
    # stockpyl 1.0.2: newsvendor_normal(holding_cost=1.0, stockout_cost=19.0, demand_mean=20, demand_sd=10, lead_time=4)
    # returns the base-stock level 136.78004522900574 (periodic review: the lead time plus one period);
    # the critical ratio 19 / 20 is a 95 % cycle service level
    z = policy.z_for_cycle_service(19.0 / 20.0)
    safety = policy.safety_stock(z, 10.0, 20.0, 4.0, 0.0, 1.0)
    assert policy.order_up_to(20.0, 4.0, 1.0, safety) == pytest.approx(136.78004522900574, rel=1e-9)
