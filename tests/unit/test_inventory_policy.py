"""Inventory policy formulas against textbook values (SPEC section 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.inventory import policy
from ml.inventory.policies import compute_policies


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


def _direct_shortage(pmf: np.ndarray, x: np.ndarray, level: np.ndarray) -> np.ndarray:
    """``E[(X - S)+]`` summed over the pmf, one row per item."""
    return (np.maximum(x[None, :] - level[:, None], 0.0) * pmf).sum(axis=1)


def test_negative_binomial_fill_rate_level_is_the_smallest_one_over_a_grid_of_overdispersed_items():
    # means from one sale in a hundred cycles to 100 units, variance-to-mean ratios up to 50, beta up to 0.999
    grid = np.array(np.meshgrid([0.01, 0.05, 0.2, 0.5, 1.0, 3.0, 10.0, 100.0], [1.0, 1.5, 3.0, 10.0, 20.0, 50.0], [0.8, 0.95, 0.99, 0.995, 0.999], [1.0, 10.0]))
    mean, ratio, beta, quantity = grid.reshape(4, -1)
    variance = mean * ratio
    level = policy.negative_binomial_fill_rate_level(mean, variance, beta, quantity)
    x = np.arange(0.0, 4000.0)  # the heaviest tail (p = 0.02) leaves below 1e-30 beyond
    overdispersed = ratio > 1
    size = np.where(overdispersed, mean**2 / np.where(overdispersed, variance - mean, 1.0), 1.0)
    success = np.where(overdispersed, 1 / ratio, 0.5)
    pmf = np.where(overdispersed[:, None], stats.nbinom.pmf(x, size[:, None], success[:, None]), stats.poisson.pmf(x, mean[:, None]))
    allowed = (1 - beta) * quantity
    assert (level == np.round(level)).all() and (level >= 0).all()
    assert (_direct_shortage(pmf, x, level) <= allowed * (1 + 1e-9)).all()
    assert ((_direct_shortage(pmf, x, level - 1) > allowed * (1 - 1e-9)) | (level == 0)).all()


def test_negative_binomial_stock_level_is_the_smallest_covering_one_over_a_grid_of_overdispersed_items():
    # scipy's quantile, no bracket of ours: checked over the same ranges as the fill-rate level
    grid = np.array(np.meshgrid([0.01, 0.05, 0.5, 3.0, 100.0], [1.5, 10.0, 50.0], [0.5, 0.9, 0.99, 0.999]))
    mean, ratio, alpha = grid.reshape(3, -1)
    level = policy.negative_binomial_stock_level(mean, mean * ratio, alpha)
    size, success = mean / (ratio - 1), 1 / ratio
    assert (stats.nbinom.cdf(level, size, success) >= alpha).all()
    assert ((stats.nbinom.cdf(level - 1, size, success) < alpha) | (level == 0)).all()


def test_very_overdispersed_items_get_the_level_their_fill_rate_needs():
    # one sale in twenty cycles with a variance of 1: 12 sd above the mean (14) is not enough
    level = policy.negative_binomial_fill_rate_level([0.05, 0.5], [1.0, 10.0], 0.99, 1.0)
    assert level == pytest.approx([17.0, 50.0])
    assert (policy.negative_binomial_expected_shortage([0.05, 0.5], [1.0, 10.0], level) <= 0.01).all()


def test_the_fill_rate_factor_is_not_cut_off_at_the_first_bracket():
    # a spread huge against the order quantity needs z above 8, where the first bracket ended
    z = policy.z_for_fill_rate([0.999, 0.99], [1e15, 10.0], [1.0, 100.0])
    assert z[0] > 8
    assert np.array([1e15, 10.0]) * policy.standard_normal_loss(z) == pytest.approx([1e-3, 1.0], rel=1e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: policy.safety_stock(1.645, np.inf, 10.0, 7.0), "forecast error sd has infinite values"),
        (lambda: policy.z_for_fill_rate(0.99, np.inf, 10.0), "sigma of lead-time demand has infinite values"),
        (lambda: policy.negative_binomial_fill_rate_level(1.0, np.inf, 0.99, 1.0), "variance of lead-time demand has infinite values"),
        (lambda: policy.negative_binomial_stock_level(np.inf, 4.0, 0.95), "mean lead-time demand has infinite values"),
        (lambda: policy.round_order_quantity(10.0, minimum_order_quantity=np.inf), "minimum order quantity has infinite values"),
        (lambda: policy.economic_order_quantity(1200.0, 100.0, np.inf), "annual holding cost has infinite values"),
    ],
)
def test_infinite_parameters_are_refused_with_the_parameter_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _parameters() -> pd.DataFrame:
    """One SKU at two locations (a bad value on the second row is reported at A x L2)."""
    return pd.DataFrame(
        {
            "sku_id": ["A", "A"],
            "location_id": ["L1", "L2"],
            "mean_daily_demand": [2.0, 3.0],
            "forecast_error_sd": [1.0, 1.5],
            "lead_time_days": [4.0, 4.0],
            "lead_time_sd_days": [0.0, 1.0],
            "review_period_days": [7.0, 7.0],
            "cycle_service_level": [0.95, 0.95],
            "fill_rate_target": [0.98, 0.98],
            "unit_cost": [2.0, 2.0],
            "order_cost": [50.0, 50.0],
            "annual_holding_rate": [0.25, 0.25],
            "minimum_order_quantity": [0.0, 0.0],
            "order_multiple": [1.0, 1.0],
            "demand_pattern": ["smooth", "lumpy"],
            "lot_sizing": ["eoq", "none"],
        }
    )


AT_SECOND_ROW = "at sku_id='A', location_id='L2'"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("forecast_error_sd", np.inf, "must be a finite number, got inf"),
        ("unit_cost", np.inf, "must be a finite number, got inf"),
        ("lead_time_days", np.nan, "has missing values, e.g."),
        ("sku_id", None, "has missing values, e.g."),
    ],
)
def test_policies_refuse_parameters_that_are_not_finite_naming_the_column_and_row(column, value, message):
    parameters = _parameters()
    parameters.loc[1, column] = value
    where = AT_SECOND_ROW.replace("'A'", "nan") if column == "sku_id" else AT_SECOND_ROW
    with pytest.raises(ValueError, match=rf"^policy parameters\.{column} {message} {where}$"):
        compute_policies(parameters)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        # the bounds the formulas of ml.inventory.policy hold, checked before them: their own
        # messages ("mean daily demand must be >= 0, got min -5.0") name no row
        ("mean_daily_demand", -5.0, "must be >= 0, got -5"),
        ("forecast_error_sd", -1.0, "must be >= 0, got -1"),
        ("lead_time_days", -2.0, "must be >= 0, got -2"),
        ("lead_time_sd_days", -0.5, "must be >= 0, got -0.5"),
        ("review_period_days", -7.0, "must be >= 0, got -7"),
        ("order_cost", -50.0, "must be >= 0, got -50"),
        ("minimum_order_quantity", -1.0, "must be >= 0, got -1"),
        ("unit_cost", 0.0, "must be > 0, got 0"),
        ("annual_holding_rate", 0.0, "must be > 0, got 0"),
        ("order_multiple", 0.0, "must be > 0, got 0"),
        ("cycle_service_level", 1.0, "must lie strictly between 0 and 1, got 1"),
        ("cycle_service_level", 95.0, "must lie strictly between 0 and 1, got 95"),  # a percentage
        ("fill_rate_target", 0.0, "must lie strictly between 0 and 1, got 0"),
        ("lot_sizing", "monthly", "must be one of eoq, none, got 'monthly'"),
        ("demand_pattern", "Lumpy", "must be one of smooth, erratic, intermittent, lumpy, got 'Lumpy'"),
    ],
)
def test_a_parameter_out_of_its_bounds_is_refused_naming_its_sku_location_column_and_value(column, value, message):
    parameters = _parameters()
    parameters[column] = parameters[column].astype(object)
    parameters.loc[1, column] = value
    with pytest.raises(ValueError, match=rf"^policy parameters\.{column} {message} {AT_SECOND_ROW}$"):
        compute_policies(parameters)


def test_the_bounds_edges_are_valid_parameters():
    """No demand, no error, no lead time, continuous review, free orders and no minimum: a policy
    (zero stock), not an error; a missing demand pattern is sized as smooth."""
    edges = {"mean_daily_demand": 0.0, "forecast_error_sd": 0.0, "lead_time_days": 0.0, "lead_time_sd_days": 0.0}
    edges |= {"review_period_days": 0.0, "order_cost": 0.0, "minimum_order_quantity": 0.0}
    policies = compute_policies(_parameters().assign(**edges, demand_pattern=[None, "lumpy"]))
    assert policies.safety_stock_units.tolist() == [0.0, 0.0] and policies.order_up_to_units.tolist() == [0.0, 0.0]
    assert policies.distribution.tolist() == ["normal", "negative_binomial"]


def test_two_rows_for_one_sku_and_location_are_refused_naming_them():
    parameters = _parameters().assign(location_id=["L2", "L2"])
    with pytest.raises(ValueError, match=r"^policy parameters has several rows for the key \(sku_id, location_id\), e.g. sku_id='A', location_id='L2'$"):
        compute_policies(parameters)


def test_parameters_without_their_sku_and_location_are_refused():
    with pytest.raises(ValueError, match=r"policy parameters lacks the columns \['location_id'\]"):
        compute_policies(_parameters().drop(columns="location_id"))


def test_a_sku_without_unit_cost_gets_its_policy_without_eoq_and_unknown_values():
    """The minimal input has no cost: quantities are computed, the EOQ (which needs a holding
    cost) is not used and the stock values are unknown, not zero."""
    parameters = _parameters().assign(unit_cost=[np.nan, np.nan], lot_sizing=["eoq", "eoq"])
    policies = compute_policies(parameters)
    as_if_unpriced = compute_policies(_parameters().assign(lot_sizing=["none", "none"]))
    assert policies.economic_order_quantity.isna().all() and (policies.lot_size == 0).all()
    assert policies.order_up_to_units.tolist() == pytest.approx(as_if_unpriced.order_up_to_units.tolist())
    assert policies.safety_stock_value.isna().all() and (policies.safety_stock_units > 0).all()
