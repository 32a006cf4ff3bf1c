"""Policy simulation against hand-checked trajectories (SPEC section 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.inventory.simulation import (
    aggregate_cycle_service_level,
    aggregate_fill_rate,
    draw_lead_times,
    review_days,
    simulate_policies,
    summarize,
)


def _simulate(demand, s=25.0, big_s=50.0, lead=2, on_hand=50.0, review=None, **options):
    demand = np.atleast_2d(np.asarray(demand, dtype=float))
    shape = demand.shape
    review = np.ones(shape, bool) if review is None else review
    return simulate_policies(demand, np.full(shape[0], s), np.full(shape[0], big_s), review, np.full(shape, lead), np.full(shape[0], on_hand), **options)


def test_constant_demand_follows_the_textbook_sawtooth_without_stockouts():
    result = _simulate([10.0] * 10)
    # orders of 30 on days 2, 5, 8 (position 20 <= 25) arrive on days 4, 7 and after the horizon
    assert result.on_hand[0].tolist() == [40, 30, 20, 10, 30, 20, 10, 30, 20, 10]
    assert result.order_quantity[0].tolist() == [0, 0, 30, 0, 0, 30, 0, 0, 30, 0]
    assert result.orders[0] == 3 and result.ordered_units[0] == 90 and result.on_order_end[0] == 30
    assert result.served_units[0] == 100 and result.fill_rate[0] == 1.0
    assert result.cycles[0] == 2 and result.stockout_cycles[0] == 0 and result.cycle_service_level[0] == 1.0  # days 0-3 and 4-6
    assert result.average_on_hand[0] == pytest.approx(22.0)


def test_a_demand_spike_loses_the_unserved_units():
    result = _simulate([10, 10, 10, 40, 10, 10, 10, 10])
    # day 3: 20 on hand for 40 demanded, 20 lost; the order of day 2 arrives on day 4
    assert result.on_hand[0].tolist() == [40, 30, 20, 0, 20, 10, 30, 20]
    assert result.order_quantity[0].tolist() == [0, 0, 30, 0, 30, 0, 0, 30]
    assert result.demand_units[0] == 110 and result.served_units[0] == 90 and result.unmet_units[0] == 20
    assert result.fill_rate[0] == pytest.approx(90 / 110)
    assert result.cycles[0] == 2 and result.stockout_cycles[0] == 1 and result.cycle_service_level[0] == 0.5
    assert result.backlog_end[0] == 0


def test_backorders_carry_the_unmet_demand_and_lower_the_position():
    result = _simulate([10, 10, 10, 40, 10, 10, 10, 10], backorders=True)
    # day 3: 20 owed, position 0 + 30 - 20 = 10: order 40 (arrives day 5); day 4 fills the 20 owed first
    assert result.order_quantity[0].tolist() == [0, 0, 30, 40, 0, 0, 30, 0]
    assert result.on_hand[0].tolist() == [40, 30, 20, 0, 0, 30, 20, 10]
    assert result.served_units[0] == 90 and result.fill_rate[0] == pytest.approx(90 / 110)  # served on the day only
    assert result.backlog_end[0] == 0
    assert result.cycles[0] == 2 and result.stockout_cycles[0] == 1


def test_orders_are_raised_to_the_moq_then_rounded_up_to_packs():
    result = _simulate([10.0] * 6, minimum_order_quantity=45.0, pack_size=20.0)
    assert result.order_quantity[0, 2] == 60.0  # 30 needed, MOQ 45, 3 packs of 20
    per_series = _simulate(np.full((2, 6), 10.0), minimum_order_quantity=[0.0, 45.0], pack_size=[7.0, 20.0])
    assert per_series.order_quantity[:, 2].tolist() == [35.0, 60.0]


def test_an_order_is_at_least_the_lot_size():
    result = _simulate([10.0] * 6, lot_size=100.0)
    assert result.order_quantity[0, 2] == 100.0  # 30 needed, the EOQ lot of 100 ordered


def test_orders_only_on_review_days():
    mask = review_days(2, 20, period_days=[3, 7], offset_days=[1, 0])
    assert np.flatnonzero(mask[0]).tolist() == [1, 4, 7, 10, 13, 16, 19]
    assert np.flatnonzero(mask[1]).tolist() == [0, 7, 14]
    result = _simulate(np.full((2, 20), 10.0), review=mask)
    assert (result.order_quantity[~mask] == 0).all()
    assert result.orders.tolist() == [(result.order_quantity[0] > 0).sum(), (result.order_quantity[1] > 0).sum()]
    assert result.orders.min() > 0
    # the weekly series waits for day 7 (position 0 there, on hand run out on day 5): stockouts
    assert result.fill_rate[1] < 1.0
    assert review_days(1, 5).all()  # period 1: continuous review


def test_policies_replanned_over_time_and_the_initial_pipeline():
    demand = np.full((1, 6), 10.0)
    s, big_s = np.array([[0, 0, 0, 25, 25, 25]], float), np.array([[50, 50, 50, 80, 80, 80]], float)
    result = simulate_policies(
        demand, s, big_s, np.ones((1, 6), bool), np.full((1, 6), 1), np.array([30.0]), initial_pipeline=np.array([[0, 0, 15, 0, 0, 0, 0, 9]], float)
    )
    # on hand 20, 10, 15 (+15 received), 5 then order up to 80 from 5 + 9 still in the pipeline: 66
    assert result.on_hand[0, :4].tolist() == [20, 10, 15, 5]
    assert result.order_quantity[0, 3] == 66.0
    assert result.on_hand[0, 4] == 61.0 and result.on_order_end[0] == 9.0


def test_a_batch_equals_each_series_alone():
    rng = np.random.default_rng(11)
    n, days = 12, 40
    demand = rng.poisson(rng.uniform(0.5, 8, n)[:, None], (n, days)).astype(float)
    s = rng.uniform(5, 40, (n, days))
    big_s = s + rng.uniform(0, 60, (n, days))
    mask = review_days(n, days, rng.integers(1, 5, n), 0)
    lead = draw_lead_times(rng, [rng.integers(1, 6, rng.integers(1, 6)) for _ in range(n)], days)
    on_hand = rng.uniform(0, 60, n)
    options = {"minimum_order_quantity": rng.uniform(0, 20, n), "pack_size": rng.integers(1, 6, n).astype(float)}
    for backorders in (False, True):
        batch = simulate_policies(demand, s, big_s, mask, lead, on_hand, backorders=backorders, **options)
        for i in range(n):
            alone = simulate_policies(
                demand[i : i + 1],
                s[i : i + 1],
                big_s[i : i + 1],
                mask[i : i + 1],
                lead[i : i + 1],
                on_hand[i : i + 1],
                options["minimum_order_quantity"][i],
                options["pack_size"][i],
                backorders=backorders,
            )
            for field in ("served_units", "cycles", "stockout_cycles", "orders", "on_hand", "order_quantity", "backlog_end"):
                np.testing.assert_allclose(getattr(batch, field)[i], getattr(alone, field)[0], err_msg=field)


def test_lead_time_draws_return_only_observed_values():
    rng = np.random.default_rng(5)
    padded = np.array([[3.0, np.nan, 5.0, np.nan], [np.nan, np.nan, np.nan, 7.0], [1.0, 2.0, 2.0, 9.0]])
    draws = draw_lead_times(rng, padded, 500)
    assert draws.shape == (3, 500) and draws.dtype.kind == "i"
    assert set(draws[0]) == {3, 5} and set(draws[1]) == {7} and set(draws[2]) == {1, 2, 9}
    assert 0.4 < (draws[2] == 2).mean() < 0.6  # drawn with replacement, in proportion to the observations
    ragged = draw_lead_times(rng, [[4], [2, 6, 6], np.array([10, 11])], 200)
    assert set(ragged[0]) == {4} and set(ragged[1]) == {2, 6} and set(ragged[2]) == {10, 11}


@pytest.mark.parametrize(
    ("samples", "field"),
    [([[3.0], []], "samples_per_series"), ([[0.0, 2.0]], "samples_per_series"), (np.array([[1.5, np.nan]]), "samples_per_series")],
)
def test_lead_time_draws_need_whole_observed_days(samples, field):
    with pytest.raises(ValueError, match=field):
        draw_lead_times(np.random.default_rng(0), samples, 5)


def test_aggregates_and_summary_pool_the_series():
    result = _simulate(np.array([[10, 10, 10, 40, 10, 10, 10, 10], [10] * 8, [0] * 8], float))
    assert aggregate_fill_rate(result) == pytest.approx((90 + 80) / (110 + 80))
    assert aggregate_fill_rate(result, [False, True, False]) == 1.0
    assert np.isnan(aggregate_fill_rate(result, [False, False, True])) and np.isnan(result.fill_rate[2])
    assert aggregate_cycle_service_level(result) == pytest.approx(1 - 1 / 4)
    summary = summarize(result, pd.Series(["A", "A", "B"], name="abc_class"), fill_rate_target=[0.95, 0.99, 0.9], cycle_service_target=0.9)
    first = summary.set_index("abc_class").loc["A"]
    assert first["series"] == 2 and first["fill_rate"] == pytest.approx(170 / 190)
    assert first["fill_rate_target"] == pytest.approx((0.95 * 110 + 0.99 * 80) / 190)
    assert first["cycle_service_level"] == pytest.approx(0.75) and first["cycle_service_gap"] == pytest.approx(-0.15)
    assert np.isnan(summary.set_index("abc_class").loc["B", "fill_rate"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"demand": -np.ones((2, 4))}, "demand"),
        ({"reorder_point": np.ones((2, 3))}, "reorder_point"),
        ({"order_up_to": np.zeros(2)}, "order_up_to"),
        ({"review_mask": np.ones((2, 5), bool)}, "review_mask"),
        ({"lead_times": np.zeros((2, 4))}, "lead_times"),
        ({"lead_times": np.full((2, 4), 1.5)}, "lead_times"),
        ({"initial_on_hand": np.ones(3)}, "initial_on_hand"),
        ({"minimum_order_quantity": -1.0}, "minimum_order_quantity"),
        ({"pack_size": 0.0}, "pack_size"),
        ({"initial_pipeline": np.ones(2)}, "initial_pipeline"),
    ],
)
def test_invalid_arguments_are_rejected_naming_them(change, field):
    arguments = {
        "demand": np.ones((2, 4)),
        "reorder_point": np.ones(2),
        "order_up_to": np.full(2, 5.0),
        "review_mask": np.ones((2, 4), bool),
        "lead_times": np.ones((2, 4)),
        "initial_on_hand": np.ones(2),
    }
    with pytest.raises(ValueError, match=field):
        simulate_policies(**(arguments | change))
