"""The inventory and publication groups' Python assets materialized on a temporary warehouse of
small hand-made dbt models (tests/assets/inputs.py: one SKU, a warehouse W1 and two stores, S1
short, S2 overstocked): what each writes, worked out beside the inputs, and the policy check.

Every Python asset of the groups runs (a new one too, without editing this file); the dbt models
between them are the hand-made tables, so each asset is judged on its own inputs.
"""

from __future__ import annotations

import json
import math

import dagster as dg
import pandas as pd
import pytest
from scipy import stats

from orchestration.defs.inventory.assets import INVENTORY_POLICIES, PLANNED_ORDERS, PROJECTED_INVENTORY
from tests.assets.group_runs import check_result, copy_home, failure_message, group_assets, materialization, planning_home, run, write_tables
from tests.assets.inputs import DAYS, HORIZON_DAYS, LIST_PRICE, NETWORK, ON_HAND, UNIT_COST, inventory_inputs, replenishment_parameters

Z95 = stats.norm.ppf(0.95)


def _levels(location: str) -> tuple[float, float, float]:
    """Safety stock, reorder point and order-up-to level of a location of the network: normal
    demand, no lead-time spread: SS = z sigma sqrt(L + R), ROP = d L + SS, OUT = d (L + R) + SS."""
    row = NETWORK.set_index("location_id").loc[location]
    protection = row.lead_time_days + row.review_period_days
    safety = Z95 * row.forecast_error_sd * math.sqrt(protection)
    return safety, row.mean_daily_demand * row.lead_time_days + safety, row.mean_daily_demand * protection + safety


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The network's inventory group, then its publication group, run once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        home = planning_home(tmp_path_factory.mktemp("inventory"), patch)
        write_tables(home, inventory_inputs())
        plan = run(home, group_assets("inventory"))
        published = run(home, group_assets("publication"))
        yield home, plan, published


def test_every_python_asset_of_the_group_ran_and_the_policy_check_passed(planned):
    _, plan, _ = planned
    ran = {e.asset_key.to_user_string() for e in plan.get_asset_materialization_events()}
    assert {"inventory/inventory_policies", "inventory/planned_orders", "inventory/available_to_promise", "inventory/online_order_routing"} <= ran
    assert check_result(plan, "policy_levels_are_ordered").passed


def test_policies_hold_the_textbook_safety_stock_reorder_point_and_order_up_to_level(planned):
    home, plan, _ = planned
    policies = home.frame("SELECT * FROM inventory.inventory_policies").set_index("location_id")
    assert sorted(policies.index) == ["S1", "S2", "W1"]
    for location in policies.index:
        safety, reorder_point, order_up_to = _levels(location)
        assert policies.loc[location, ["safety_stock_units", "reorder_point_units", "order_up_to_units"]].tolist() == pytest.approx(
            [safety, reorder_point, order_up_to]
        ), location
    assert (policies.binding_target == "cycle_service").all()  # a 50 % fill rate never binds
    assert policies.location_type.to_dict() == {"S1": "store", "S2": "store", "W1": "warehouse"}  # kept for ATS and the exceptions
    expected_value = sum(_levels(location)[0] for location in policies.index) * UNIT_COST
    assert materialization(plan, "inventory/inventory_policies")["safety_stock_value"] == pytest.approx(expected_value, abs=0.01)


def test_a_store_below_its_reorder_point_gets_a_transfer_and_its_warehouse_buys_what_it_ships(planned):
    home, plan, _ = planned
    orders = home.frame("SELECT * FROM inventory.planned_orders ORDER BY release_date, order_type, to_location_id")
    version = materialization(plan, "inventory/planned_orders")["plan_version"]
    assert version.startswith("PLAN-20260930-") and set(orders.plan_version) == {version}
    # S1: 5 on hand, sells 5 on the first day: position 0, below its reorder point; it orders up
    # to its level (55 units, whole units), due after its 2-day lead time, and runs short before
    s1 = orders[orders.to_location_id == "S1"].iloc[0]
    assert (s1.order_type, s1.from_id, s1.release_date.date(), s1.due_date.date()) == ("TRANSFER_ORDER", "W1", DAYS[0], DAYS[2])
    assert s1.quantity_units == math.ceil(_levels("S1")[2]) == 55
    assert s1.reason_code == "SHORTAGE_WITHIN_LEAD_TIME" and s1.order_value == 55 * UNIT_COST
    # S2 is far above its level: no order
    assert "S2" not in set(orders.to_location_id)
    # W1: 30 on hand - 45 for its order book - 55 shipped to S1 + 20 on order = position -50; up to
    # its level in multiples of 10
    first = orders[orders.to_location_id == "W1"].iloc[0]
    assert (first.order_type, first.from_id, first.release_date.date(), first.inventory_position) == ("PURCHASE_ORDER", "V1", DAYS[0], -50.0)
    assert first.quantity_units == math.ceil((_levels("W1")[2] + 50) / 10) * 10 == 80
    projection = home.frame("SELECT * FROM inventory.projected_inventory")
    assert len(projection) == len(NETWORK) * HORIZON_DAYS and set(projection.plan_version) == {version}
    s1_days = projection[projection.location_id == "S1"].sort_values("projection_date").projected_on_hand.tolist()
    assert s1_days == [0.0, -5.0, 45.0, 40.0, 35.0, 30.0, 25.0]  # short the day before the transfer arrives


def test_the_overstocked_store_sends_the_short_store_what_it_lacks_when_the_transfer_pays(planned):
    home, plan, _ = planned
    [transfer] = home.frame("SELECT * FROM inventory.rebalancing_transfers").itertuples()
    # S1 is 5 short on day 2; S2's 97 lowest units within its lead time stay far above its level +
    # 7 days of sales; the lane costs 0.5 a unit against a margin of 10 - 2
    assert (transfer.from_location_id, transfer.to_location_id, transfer.quantity) == ("S2", "S1", 5.0)
    assert transfer.arrival_date.date() == transfer.shortage_date.date() == DAYS[1]
    assert transfer.net_saving == pytest.approx(5 * (LIST_PRICE - UNIT_COST - 0.5))
    assert transfer.plan_version == materialization(plan, "inventory/planned_orders")["plan_version"]


def test_placement_keeps_each_locations_service_and_never_costs_more_than_independent_policies(planned):
    home, plan, _ = planned
    placement = home.frame("SELECT * FROM inventory.safety_stock_placement").set_index("node_id")
    assert sorted(placement.index) == ["S1", "S2", "W1", "W1|direct"]  # W1's own customers are a node of its tree
    for location in ("W1", "S1", "S2"):  # quoting no service time, each node holds its policy's safety stock
        assert placement.loc[location, "single_echelon_safety_stock_units"] == pytest.approx(_levels(location)[0])
    assert placement.guaranteed_service_safety_stock_value.sum() <= placement.single_echelon_safety_stock_value.sum() + 1e-9
    assert materialization(plan, "inventory/safety_stock_placement")["saving_share"] >= 0


def test_atp_promises_nothing_at_the_overcommitted_warehouse_and_ats_holds_the_channel_buffer_back(planned):
    home, plan, _ = planned
    atp = home.frame("SELECT * FROM inventory.available_to_promise ORDER BY location_id, date")
    w1 = atp[atp.location_id == "W1"]
    # 30 on hand, 45 due on day 1, 20 received on day 4, 10 due on day 5: short until the end
    assert w1.projected_balance.tolist() == [-15.0, -15.0, -15.0, 5.0, -5.0, -5.0, -5.0]
    assert (w1.atp == 0).all()
    assert (atp[atp.location_id == "S2"].atp == ON_HAND["S2"]).all()
    ats = home.frame("SELECT * FROM inventory.available_to_sell WHERE date = ?", [DAYS[0]]).set_index("location_id")
    # a store's shop channel keeps back a quarter of the store's safety stock
    assert ats.loc["S2", "channel_id"] == "SHOP" and ats.loc["S2", "ats"] == pytest.approx(ON_HAND["S2"] - 0.25 * _levels("S2")[0])
    assert ats.loc["W1", "ats"] == 0.0
    assert materialization(plan, "inventory/available_to_promise")["pairs_overcommitted"] == 1


def test_the_plan_watermark_says_where_the_atp_starts_and_which_loads_it_holds(planned):
    home, _, _ = planned
    watermark = home.frame("SELECT * FROM inventory.plan_watermark")
    assert len(watermark) == 1
    # the hand-made warehouse has no raw tables: nothing loaded, so no load time
    assert watermark.first_plan_day.iloc[0] == pd.Timestamp(DAYS[0]) and watermark.history_last_day.iloc[0] == pd.Timestamp(DAYS[0]) - pd.Timedelta(days=1)
    assert pd.isna(watermark.raw_loaded_through.iloc[0]) and not pd.isna(watermark.computed_at.iloc[0])


def test_the_key_account_is_served_first_and_the_short_line_says_why(planned):
    home, _, _ = planned
    allocation = home.frame("SELECT * FROM inventory.order_allocation").set_index("order_id")
    assert "O-4" not in allocation.index  # a stale line is not planned
    assert allocation.loc["O-2", ["allocated_quantity", "short_quantity"]].tolist() == [25.0, 0.0]  # the key account, in full
    assert allocation.loc["O-1", ["allocated_quantity", "short_quantity", "short_reason"]].tolist() == [5.0, 15.0, "HIGHER_PRIORITY"]
    # the later line gets the purchase order received in the meantime
    assert allocation.loc["O-3", ["allocated_quantity", "short_quantity"]].tolist() == [10.0, 0.0]


def test_a_web_line_ships_from_where_the_stock_is_and_an_unreachable_region_says_so(planned):
    home, _, _ = planned
    routing = home.frame("SELECT * FROM inventory.online_order_routing").set_index("order_id")
    assert routing.loc["WEB-1", "ship_from_location_id"] == "S2"  # W1 ships cheaper but has none available
    assert routing.loc["WEB-1", "shipping_cost"] == 2 * 2.0
    assert pd.isna(routing.loc["WEB-2", "ship_from_location_id"]) and routing.loc["WEB-2", "unrouted_reason"] == "NO_LOCATION_IN_REACH"


def test_the_plans_orders_go_out_as_erp_files_in_the_erps_units(planned):
    home, plan, published = planned
    version = materialization(plan, "inventory/planned_orders")["plan_version"]
    assert materialization(published, "inventory/erp_plan_files")["plan_version"] == version  # the current plan
    folder = home.exports / "erp" / version
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["planned_transfer_orders.csv"]["lines"] == 1
    purchases = pd.read_csv(folder / "planned_purchase_orders.csv", sep=";", dtype=str)
    # 80 and 10 units bought in cases of 12: 7 and 1 cases, never fewer units than planned
    assert purchases[["quantity", "unit", "base_quantity"]].values.tolist() == [["7", "CS", "84,000"], ["1", "CS", "12,000"]]
    assert manifest["files"]["planned_purchase_orders.csv"]["rounded_up_orders"] == ["PPO000001", "PPO000002"]


def test_the_same_inputs_keep_one_plan_version_and_new_inputs_add_one(planned, tmp_path, monkeypatch):
    first_home, first_run, _ = planned
    first = materialization(first_run, "inventory/planned_orders")["plan_version"]
    home = copy_home(first_home, tmp_path, monkeypatch)
    plan = dg.AssetSelection.assets(INVENTORY_POLICIES, PROJECTED_INVENTORY, PLANNED_ORDERS)  # the policies and the plan only
    again = materialization(run(home, plan), "inventory/planned_orders")
    assert again["plan_version"] == first and again["plan_versions_kept"] == 1  # rewritten, not doubled
    busier = replenishment_parameters(NETWORK.assign(mean_daily_demand=NETWORK.mean_daily_demand * 2))
    write_tables(home, {"inventory.fct_replenishment_parameters": busier})
    changed = materialization(run(home, plan), "inventory/planned_orders")
    assert changed["plan_version"] != first and changed["plan_versions_kept"] == 2  # the earlier plan is kept
    assert set(home.frame("SELECT plan_version FROM inventory.planned_orders").plan_version) == {first, changed["plan_version"]}
    assert set(home.frame("SELECT plan_version FROM inventory.projected_inventory").plan_version) == {changed["plan_version"]}


def test_the_policy_check_fails_on_a_policy_whose_reorder_point_is_below_its_safety_stock(planned, tmp_path, monkeypatch):
    home = copy_home(planned[0], tmp_path, monkeypatch)
    with home.connect(read_only=False) as con:  # a policy table edited by hand (or written by an older release)
        con.execute("UPDATE inventory.inventory_policies SET reorder_point_units = safety_stock_units - 1 WHERE location_id = 'S1'")
    check = dg.AssetCheckKey(INVENTORY_POLICIES, "policy_levels_are_ordered")
    evaluation = check_result(run(home, dg.AssetSelection.checks(check)), check.name)
    assert not evaluation.passed and evaluation.metadata["incoherent_policies"].value == 1


def test_policies_without_parameters_fail_the_run_saying_what_to_materialize_first(tmp_path, monkeypatch):
    home = planning_home(tmp_path, monkeypatch)
    write_tables(home, {"inventory.fct_replenishment_parameters": replenishment_parameters().iloc[0:0]})
    result = run(home, dg.AssetSelection.assets(INVENTORY_POLICIES), raise_on_error=False)
    assert "inventory.fct_replenishment_parameters is empty: materialize the consensus forecast first" in failure_message(result)


@pytest.mark.parametrize("column, value", [("lot_sizing", "monthly"), ("mean_daily_demand", -5.0)])
def test_a_bad_replenishment_parameter_fails_the_run_naming_its_sku_and_location(tmp_path, monkeypatch, column, value):
    home = planning_home(tmp_path, monkeypatch)
    parameters = replenishment_parameters()
    parameters.loc[parameters.location_id == "S2", column] = value
    write_tables(home, {"inventory.fct_replenishment_parameters": parameters})
    result = run(home, dg.AssetSelection.assets(INVENTORY_POLICIES), raise_on_error=False)
    message = failure_message(result)
    assert column.replace("_", " ") in message.replace("_", " ") and "S2" in message and "SKU-1" in message
