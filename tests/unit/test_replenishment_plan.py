"""The replenishment plan and its rebalancing over the warehouse's tables, on hand-made frames:
the long marts' rows reshaped into the projection's matrices, the plan version, the orders'
value, why a plan found no stock, the positions rebalancing weighs (ml.inventory.replenishment_plan,
ml.inventory.rebalancing_plan)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.inventory.plan_version import check_plan_version
from ml.inventory.rebalancing_plan import no_rebalancing, plan_positions, rebalance_plan
from ml.inventory.replenishment import plan_replenishment
from ml.inventory.replenishment_plan import empty_plan, versioned_plan, why_no_stock

DAYS = pd.date_range("2026-10-01", periods=5)


def _policies() -> pd.DataFrame:
    """A DC buying from a supplier and a store it supplies, one SKU; a second SKU at the DC only."""
    return pd.DataFrame(
        {
            "sku_id": ["A", "A", "B"],
            "location_id": ["DC01", "ST01", "DC01"],
            "supply_type": ["PURCHASE", "TRANSFER", "PURCHASE"],
            "source_id": ["SUP1", "DC01", "SUP1"],
            "lead_time_days": [3.0, 1.0, 2.0],
            "review_period_days": [1.0, 7.0, 1.0],
            "order_up_to_units": [60.0, 20.0, 10.0],
            "reorder_point_units": [40.0, 8.0, 5.0],
            "safety_stock_units": [10.0, 4.0, 2.0],
            "lot_size": [50.0, 0.0, 0.0],
            "minimum_order_quantity": [0.0, 6.0, 0.0],
            "order_multiple": [10.0, 6.0, 1.0],
            "unit_cost": [2.0, 2.0, 5.0],
            "local_mean_daily_forecast": [5.0, 2.0, 1.0],
            "list_price": [6.0, 6.0, np.nan],
            "location_type": ["DC", "STORE", "DC"],
        }
    )


def _inputs() -> pd.DataFrame:
    """fct_projection_inputs: A at both locations every day (B has none), a receipt on day 2."""
    rows = []
    for location, demand in (("DC01", 5.0), ("ST01", 2.0)):
        for day, date in enumerate(DAYS):
            receipt = 30.0 if (location, day) == ("DC01", 2) else 0.0
            rows.append(("A", location, date, demand + 1, 1.0, demand, receipt))
    columns = ["sku_id", "location_id", "projection_date", "forecast_units", "committed_units", "independent_demand_units", "scheduled_receipts"]
    return pd.DataFrame(rows, columns=columns)


def _stock(**on_hand) -> pd.DataFrame:
    frame = pd.DataFrame({"sku_id": "A", "location_id": list(on_hand), "on_hand_units": list(on_hand.values())})
    return frame.assign(as_of_date=pd.Timestamp("2026-09-30"))


RECEIPTS = pd.DataFrame(
    {"sku_id": ["A", "A"], "location_id": ["DC01", "DC01"], "due_date": pd.to_datetime(["2026-10-03", "2026-10-20"]), "open_quantity": [30.0, 25.0]}
)


def test_the_marts_rows_give_the_plan_of_the_matrices_in_the_policies_order():
    plan = versioned_plan(_policies(), _inputs(), _stock(DC01=40.0, ST01=5.0), RECEIPTS)
    # the same projection as the matrices written by hand: rows in the policies' order, B without inputs at 0
    receipts = np.zeros((3, 5))
    receipts[0, 2] = 30.0
    demand = np.array([[5.0] * 5, [2.0] * 5, [0.0] * 5])
    expected = plan_replenishment(_policies(), [40.0, 5.0, 0.0], receipts, demand, DAYS[0], receipts_after_horizon=[25.0, 0.0, 0.0])
    got = plan.projection.drop(columns=["forecast_units", "committed_units", "plan_version"])
    pd.testing.assert_frame_equal(got.drop(columns="projection_date"), expected.projection.drop(columns="projection_date"))
    # the 25 units due after the horizon count in the position, never on hand
    dc = plan.projection[(plan.projection.sku_id == "A") & (plan.projection.location_id == "DC01")]
    assert dc.inventory_position.iloc[0] - dc.projected_on_hand.iloc[0] == pytest.approx(30.0 + 25.0 + dc.planned_order_units.iloc[0])
    # the forecast and the committed units beside it; B has none of them
    assert dc.forecast_units.tolist() == [6.0] * 5 and dc.committed_units.tolist() == [1.0] * 5
    assert plan.projection[plan.projection.sku_id == "B"].forecast_units.isna().all()
    # days as dates, like the marts'
    assert isinstance(plan.projection.projection_date.iloc[0], dt.date) and isinstance(plan.orders.due_date.iloc[0], dt.date)
    assert plan.first_day == DAYS[0] and (plan.counted_rows, plan.uncounted_rows) == (2, 1)


def test_the_orders_carry_the_version_as_of_the_stock_and_their_value_at_cost():
    plan = versioned_plan(_policies(), _inputs(), _stock(DC01=40.0, ST01=5.0), RECEIPTS)
    assert len(plan.orders) > 0 and check_plan_version(plan.version).startswith("PLAN-20260930-")
    assert (plan.orders.plan_version == plan.version).all() and (plan.projection.plan_version == plan.version).all()
    cost = {"A": 2.0, "B": 5.0}
    assert plan.orders.order_value.tolist() == pytest.approx((plan.orders.quantity_units * plan.orders.sku_id.map(cost)).tolist())
    # the same marts in another row order: the same plan version
    again = versioned_plan(_policies(), _inputs().iloc[::-1], _stock(ST01=5.0, DC01=40.0), RECEIPTS.iloc[::-1])
    assert again.version == plan.version
    # other stock, other orders: another version
    assert versioned_plan(_policies(), _inputs(), _stock(DC01=0.0, ST01=5.0), RECEIPTS).version != plan.version


def test_without_any_stock_position_the_plan_starts_from_zero_as_of_the_day_before_its_first_day():
    plan = versioned_plan(_policies(), _inputs(), _stock().iloc[0:0], RECEIPTS)
    assert plan.version.startswith("PLAN-20260930-") and (plan.counted_rows, plan.uncounted_rows) == (0, 3)
    first = plan.projection.groupby(["sku_id", "location_id"]).projected_on_hand.first()
    assert first.loc[("B", "DC01")] == 0.0 and first.loc[("A", "ST01")] == -2.0  # its first day's demand, from zero


@pytest.mark.parametrize(
    ("argument", "change", "message"),
    [
        (
            "inputs",
            lambda f: pd.concat([f, f.iloc[:1]]),
            r"inputs has several rows for the key \(sku_id, location_id, projection_date\), e.g. sku_id='A', location_id='DC01', projection_date=2026-10-01",
        ),
        ("inputs", lambda f: f.drop(columns="scheduled_receipts"), r"inputs lacks the columns \['scheduled_receipts'\]"),
        ("inputs", lambda f: f.iloc[0:0], "inputs is empty"),
        ("stock", lambda f: pd.concat([f, f]), r"stock has several rows for the key \(sku_id, location_id\), e.g. sku_id='A', location_id='DC01'"),
        ("stock", lambda f: f.drop(columns="as_of_date"), r"stock lacks the columns \['as_of_date'\]"),
        ("receipts", lambda f: f.drop(columns="due_date"), r"scheduled_receipts lacks the columns \['due_date'\]"),
        ("policies", lambda f: f.drop(columns="unit_cost"), r"policies lacks the columns \['unit_cost'\]"),
    ],
)
def test_the_plans_inputs_are_checked_naming_the_table_and_the_row(argument, change, message):
    frames = {"policies": _policies(), "inputs": _inputs(), "stock": _stock(DC01=40.0), "receipts": RECEIPTS}
    frames[argument] = change(frames[argument])
    with pytest.raises(ValueError, match=message):
        versioned_plan(frames["policies"], frames["inputs"], frames["stock"], frames["receipts"])


def test_no_plan_has_the_tables_columns_typed_and_no_version():
    plan = empty_plan(_policies())
    assert plan.version == "" and plan.projection.empty and plan.orders.empty
    full = versioned_plan(_policies(), _inputs(), _stock(DC01=40.0), RECEIPTS)
    assert list(plan.projection.columns) == list(full.projection.columns)
    assert list(plan.orders.columns) == list(full.orders.columns)
    with duckdb.connect() as con:  # what the warehouse makes of them: the days are DATE, as a plan's are
        for name, frame, days in (("projection", plan.projection, ["projection_date"]), ("orders", plan.orders, ["release_date", "due_date"])):
            con.register(name, frame)
            types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {name})").fetchall())
            assert {types[day] for day in days} == {"DATE"}, types


COUNT_DAYS = pd.DataFrame({"snapshot_date": pd.to_datetime(["2026-09-20", "2026-09-27"]), "stock_counts": [3, 4]})


@pytest.mark.parametrize(
    ("count_days", "first_day", "reason"),
    [
        (COUNT_DAYS, "2026-09-25", "4 stock counts dated after 2026-09-25, the plan's first day (from 2026-09-27), are not used"),
        (COUNT_DAYS.iloc[1:].assign(stock_counts=1), "2026-09-25", "1 stock count dated after 2026-09-25, the plan's first day (from 2026-09-27), is not used"),
        (COUNT_DAYS, "2026-10-01", "none of the 7 stock counts on or before 2026-10-01 has a physical count at a warehouse or store"),
        (COUNT_DAYS.iloc[0:0], "2026-10-01", "the company sends no stock counts"),
    ],
)
def test_a_plan_without_stock_says_why(count_days, first_day, reason):
    assert why_no_stock(count_days, pd.Timestamp(first_day)) == reason


# ---- rebalancing of a plan -------------------------------------------------------------------


def _projection(on_hand: dict[tuple[str, str], list[float]], version="PLAN-20260930-0123abcd") -> pd.DataFrame:
    rows = [(sku, loc, DAYS[d], value) for (sku, loc), values in on_hand.items() for d, value in enumerate(values)]
    return pd.DataFrame(rows, columns=["sku_id", "location_id", "projection_date", "projected_on_hand"]).assign(plan_version=version)


PACKS = pd.DataFrame({"sku_id": ["A"], "pack_size": [6.0]})


def test_a_location_gives_from_its_lowest_stock_within_its_lead_time_and_needs_its_shortage():
    # the DC's lead time is 3 days (days 0 to 3 count), the store's 1 (days 0 and 1)
    projection = _projection({("A", "DC01"): [90.0, 80.0, 70.0, 75.0, 20.0], ("A", "ST01"): [3.0, -4.0, -9.0, 5.0, 5.0], ("B", "DC01"): [1.0] * 5})
    positions = plan_positions(_policies(), projection, _stock(DC01=100.0, ST01=3.0), PACKS).set_index(["sku_id", "location_id"])
    assert positions.loc[("A", "DC01"), "on_hand"] == 70.0  # not day 4's 20: an order placed today arrives by then
    assert positions.loc[("A", "ST01"), "projected_shortage_units"] == 4.0  # day 2's 9 is past its lead time
    assert positions.loc[("A", "ST01"), "shortage_date"] == DAYS[1]
    assert positions.loc[("B", "DC01"), "on_hand"] == 0.0  # no stock position: none to give
    # a unit short loses the margin; B has no list price: 0, and a pack of 1 without a WMS pack
    assert positions.shortage_cost_per_unit.tolist() == [4.0, 4.0, 0.0] and positions.pack_size.tolist() == [6.0, 6.0, 1.0]


def test_rebalancing_a_plan_ships_on_its_first_day_under_its_version():
    # the DC can give 120 - 60 - 7 x 5 = 25 units, the store is 9 short on day 1: one pack of 6 (whole packs within both)
    projection = _projection({("A", "DC01"): [120.0] * 5, ("A", "ST01"): [3.0, -9.0, -12.0, 5.0, 5.0], ("B", "DC01"): [1.0] * 5})
    lanes = pd.DataFrame({"from_location_id": ["DC01"], "to_location_id": ["ST01"], "transfer_cost_per_unit": [0.5], "transfer_days": [0.0]})
    result = rebalance_plan(_policies(), projection, _stock(DC01=130.0, ST01=3.0), PACKS, lanes, excess_margin_days=7.0)
    [transfer] = result.transfers.itertuples()
    assert (transfer.from_location_id, transfer.to_location_id, transfer.quantity, transfer.shortage_date) == ("DC01", "ST01", 6.0, DAYS[1])
    assert transfer.ship_date == DAYS[0] and transfer.plan_version == "PLAN-20260930-0123abcd"
    assert result.positions_without_margin == 1  # B: no list price
    with pytest.raises(ValueError, match="2 plan versions"):
        rebalance_plan(_policies(), pd.concat([projection, projection.assign(plan_version="PLAN-20260929-0123abcd")]), _stock(), PACKS, lanes, 7.0)
    with pytest.raises(ValueError, match=r"stock has several rows for the key \(sku_id, location_id\), e.g. sku_id='A', location_id='DC01'"):
        rebalance_plan(_policies(), projection, _stock(DC01=1.0).pipe(lambda f: pd.concat([f, f])), PACKS, lanes, 7.0)
    none = no_rebalancing(lanes, 7.0)
    assert none.empty and list(none.columns) == list(result.transfers.columns)
