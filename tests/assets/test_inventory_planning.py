"""Inventory planning steps on tiny hand-made data: policies, projection and planned orders,
safety-stock placement across the network, ERP import files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.inventory import echelon, policy
from ml.inventory.placement import network_nodes, place_safety_stock, placement_summary
from ml.inventory.plan_version import check_plan_version, plan_version
from ml.inventory.policies import compute_policies
from ml.inventory.replenishment import plan_replenishment, shortages_within_lead_time
from publication.erp_files import erp_import_files


def _parameters(**overrides) -> pd.DataFrame:
    row = {
        "sku_id": "A",
        "location_id": "DC01",
        "supply_type": "PURCHASE",
        "source_id": "SUP1",
        "mean_daily_demand": 20.0,
        "forecast_error_sd": 10.0,
        "local_forecast_error_sd": 10.0,
        "lead_time_days": 4.0,
        "lead_time_sd_days": 1.0,
        "review_period_days": 1.0,
        "cycle_service_level": 0.95,
        "fill_rate_target": 0.5,
        "unit_cost": 2.0,
        "order_cost": 50.0,
        "annual_holding_rate": 0.25,
        "minimum_order_quantity": 0.0,
        "order_multiple": 1.0,
        "demand_pattern": "smooth",
        "lot_sizing": "eoq",
    }
    return pd.DataFrame([{**row, **overrides}])


def test_a_smooth_item_gets_the_textbook_safety_stock_and_levels():
    p = compute_policies(_parameters()).iloc[0]
    z = stats.norm.ppf(0.95)  # a 50 % fill rate never binds
    assert p.binding_target == "cycle_service" and p.distribution == "normal"
    assert p.safety_stock_units == pytest.approx(z * np.sqrt(5 * 100 + 400 * 1))  # L + R = 5 days
    assert p.reorder_point_units == pytest.approx(20 * 4 + p.safety_stock_units)
    assert p.order_up_to_units == pytest.approx(20 * 5 + p.safety_stock_units)
    # EOQ = sqrt(2 * 7300 * 50 / 0.5) = 1208.3, the lot rounded up to whole units
    assert p.economic_order_quantity == pytest.approx(np.sqrt(2 * 7300 * 50 / 0.5))
    assert p.lot_size == 1209.0


def test_a_demanding_fill_rate_with_small_orders_raises_the_safety_factor():
    # a store: no lot, weekly orders of about 7 days of demand, 99.9 % of units from the shelf
    p = compute_policies(_parameters(fill_rate_target=0.999, cycle_service_level=0.6, lot_sizing="none", review_period_days=7.0)).iloc[0]
    assert p.binding_target == "fill_rate"
    sigma = policy.lead_time_demand_sd(10.0, 20.0, 4.0, 1.0, 7.0)
    assert sigma * policy.standard_normal_loss(p.safety_factor) == pytest.approx(0.001 * p.expected_order_quantity, rel=1e-6)
    assert p.expected_order_quantity == 140.0  # a review period's demand


def test_intermittent_items_are_sized_on_the_negative_binomial():
    p = compute_policies(_parameters(demand_pattern="lumpy", mean_daily_demand=0.5, forecast_error_sd=2.0, lead_time_sd_days=0.0)).iloc[0]
    mean, variance = 0.5 * 5, 5 * 4.0
    level = policy.negative_binomial_stock_level(mean, variance, 0.95)
    assert p.distribution == "negative_binomial"
    assert p.safety_stock_units == pytest.approx(level - mean)
    assert p.order_up_to_units == pytest.approx(level)


def test_an_item_without_demand_keeps_the_cycle_service_safety_stock():
    # a forecast overridden to zero (phase-out) with an error spread left: no orders, so no fill rate to weigh
    p = compute_policies(_parameters(mean_daily_demand=0.0, lot_sizing="none", fill_rate_target=0.999)).iloc[0]
    assert p.binding_target == "cycle_service"
    assert p.safety_stock_units == pytest.approx(stats.norm.ppf(0.95) * np.sqrt(5 * 100))


def test_orders_are_raised_to_the_moq_and_the_case():
    p = compute_policies(_parameters(minimum_order_quantity=2000.0, order_multiple=24.0)).iloc[0]
    assert p.lot_size == 2016.0  # EOQ 1208 -> MOQ 2000 -> 84 cases of 24


def test_bad_policy_parameters_name_the_field():
    with pytest.raises(ValueError, match="lot_sizing"):
        compute_policies(_parameters(lot_sizing="monthly"))
    with pytest.raises(ValueError, match="unit_cost"):
        compute_policies(_parameters(unit_cost=0.0))
    with pytest.raises(ValueError, match="demand_pattern"):
        compute_policies(_parameters().drop(columns="demand_pattern"))


def _network() -> pd.DataFrame:
    """One SKU: DC01 buying in 3 days with a lot of 50, store ST01 on weekly transfers in 1 day."""
    return pd.DataFrame(
        {
            "sku_id": ["A", "A"],
            "location_id": ["DC01", "ST01"],
            "supply_type": ["PURCHASE", "TRANSFER"],
            "source_id": ["SUP1", "DC01"],
            "lead_time_days": [3.0, 1.0],
            "review_period_days": [1.0, 7.0],
            "order_up_to_units": [60.0, 20.0],
            "reorder_point_units": [40.0, 8.0],
            "safety_stock_units": [10.0, 4.0],
            "lot_size": [50.0, 0.0],
            "minimum_order_quantity": [0.0, 6.0],
            "order_multiple": [10.0, 6.0],
            "unit_cost": [1.0, 1.0],
        }
    )


def test_the_projection_orders_up_to_the_level_and_feeds_the_stores_orders_to_the_dc():
    days = 8
    demand = np.array([[5.0] * days, [2.0] * days])
    demand[0, 1] = 9.0
    receipts = np.zeros((2, days))
    receipts[0, 2] = 30.0
    plan = plan_replenishment(_network(), [40.0, 5.0], receipts, demand, "2026-10-01")
    store = plan.projection[plan.projection.location_id == "ST01"].reset_index(drop=True)
    dc = plan.projection[plan.projection.location_id == "DC01"].reset_index(drop=True)
    # day 0 is a review: the store's position 5 - 2 = 3 is below 20: order 17 -> 18 (3 packs), arriving on day 1
    assert store.projected_on_hand.tolist()[:3] == [3.0, 19.0, 17.0]
    first_transfer = plan.orders[plan.orders.order_type == "TRANSFER_ORDER"].iloc[0]
    assert (first_transfer.quantity_units, first_transfer.from_id, str(first_transfer.due_date.date())) == (18.0, "DC01", "2026-10-02")
    # the store's next review is day 7
    assert set(plan.orders[plan.orders.order_type == "TRANSFER_ORDER"].release_date.dt.day) == {1, 8}
    # the DC ships the transfer on day 0 besides its own 5; day 1 its own 9
    assert dc.dependent_units[0] == 18.0 and dc.demand_units.tolist()[:2] == [23.0, 9.0]
    assert dc.projected_on_hand[0] == 17.0
    # position 17 + 30 on order = 47 < 60: order max(13, lot 50) -> 50, due on day 3
    purchase = plan.orders[plan.orders.order_type == "PURCHASE_ORDER"].iloc[0]
    assert (purchase.quantity_units, str(purchase.release_date.date()), str(purchase.due_date.date())) == (50.0, "2026-10-01", "2026-10-04")
    assert dc.planned_receipts[3] == 50.0
    # the stock identity holds every day for every row
    for frame, start in ((dc, 40.0), (store, 5.0)):
        previous = np.concatenate([[start], frame.projected_on_hand.to_numpy()[:-1]])
        expected = previous + frame.scheduled_receipts + frame.planned_receipts - frame.demand_units
        assert frame.projected_on_hand.to_numpy() == pytest.approx(expected.to_numpy())
    assert plan.orders.reason.str.contains("below order-up-to").all()


def test_a_store_reviews_on_its_own_weekday_whatever_the_day_the_plan_starts():
    network = _network().assign(review_anchor_date=pd.to_datetime(["2026-09-30", "2026-09-28"]))  # the store last ordered on a Monday
    days = 14
    plan = plan_replenishment(network, [40.0, 5.0], np.zeros((2, days)), np.array([[5.0] * days, [2.0] * days]), "2026-10-01")
    transfers = plan.orders[plan.orders.order_type == "TRANSFER_ORDER"]
    assert set(transfers.release_date.dt.day_name()) == {"Monday"} and set(transfers.release_date.dt.day) == {5, 12}


def test_shortages_within_lead_time_are_what_replenishment_cannot_prevent():
    days = 6
    demand = np.array([[30.0] * days, [1.0] * days])
    plan = plan_replenishment(_network(), [40.0, 5.0], np.zeros((2, days)), demand, "2026-10-01")
    short = shortages_within_lead_time(plan.projection, _network()).set_index("location_id")
    dc = plan.projection[plan.projection.location_id == "DC01"]
    # day 0: its own 30 and the store's first transfer of 18 exceed its 40; an order placed on day 0
    # arrives on day 3, so the shortage up to then stays
    assert dc.projected_on_hand.iloc[0] == -8.0
    assert short.loc["DC01", "projected_shortage_units"] == pytest.approx(-dc.projected_on_hand.iloc[:4].min())
    assert short.loc["DC01", "shortage_date"] == pd.Timestamp("2026-10-01")
    assert short.loc["ST01", "projected_shortage_units"] == 0 and pd.isna(short.loc["ST01", "shortage_date"])


def test_the_projection_refuses_inputs_of_the_wrong_shape():
    with pytest.raises(ValueError, match="independent_demand"):
        plan_replenishment(_network(), [1.0, 1.0], np.zeros((2, 5)), np.zeros((2, 4)), "2026-10-01")
    with pytest.raises(ValueError, match="independent_demand"):
        plan_replenishment(_network(), [1.0, 1.0], np.zeros((2, 5)), -np.ones((2, 5)), "2026-10-01")


def _policies_for_placement() -> pd.DataFrame:
    stores = [f"ST0{i}" for i in range(1, 5)]
    frame = pd.DataFrame(
        {
            "sku_id": "A",
            "location_id": ["DC01", *stores],
            "supply_type": ["PURCHASE"] + ["TRANSFER"] * 4,
            "source_id": ["SUP1"] + ["DC01"] * 4,
            "lead_time_days": [13.5, 1.3, 1.3, 1.3, 1.3],
            "review_period_days": [1.0, 7.0, 7.0, 7.0, 7.0],
            "local_forecast_error_sd": [6.0, 3.0, 3.0, 3.0, 3.0],
            "unit_cost": 2.0,
        }
    )
    # policies sized at z 1.645 on sigma * sqrt(L + R)
    sigma = np.array([np.sqrt(36 + 4 * 9), 3.0, 3.0, 3.0, 3.0])
    frame["lead_time_demand_sd"] = sigma * np.sqrt(frame.lead_time_days + frame.review_period_days)
    frame["safety_stock_units"] = 1.645 * frame.lead_time_demand_sd
    return frame


def test_the_network_has_a_tree_per_sku_and_dc_with_the_dcs_own_customers_as_a_child():
    nodes = network_nodes(_policies_for_placement(), direct_service_days=2)
    assert len(nodes) == 6 and nodes.tree_id.nunique() == 1
    dc = nodes.set_index("node_id").loc["DC01"]
    assert dc.processing_time_days == 15 and np.isinf(dc.max_service_time_days)  # ceil(13.5 + 1)
    assert dc.z == pytest.approx(1.645)  # the policy's own safety factor
    assert nodes.set_index("node_id").loc["ST01"].processing_time_days == 9  # ceil(1.3 + 7)
    direct = nodes[nodes.role == "direct"].iloc[0]
    assert (direct.parent_id, direct.processing_time_days, direct.max_service_time_days, direct.demand_sd) == ("DC01", 0, 2.0, 6.0)


def test_guaranteed_service_never_holds_more_than_independent_policies_which_hold_the_policies_safety_stock():
    policies = _policies_for_placement()
    placement = place_safety_stock(policies, direct_service_days=2)
    summary = placement_summary(placement)
    assert summary.loc["total", "guaranteed_service_safety_stock_value"] <= summary.loc["total", "single_echelon_safety_stock_value"] + 1e-9
    _, overall = echelon.compare(network_nodes(policies, 2))
    assert summary.loc["total", "guaranteed_service_safety_stock_value"] == pytest.approx(overall.guaranteed_service_cost)
    # single echelon: every node covers its own processing time: the policies' safety stock at cost
    assert summary.loc["total", "single_echelon_safety_stock_value"] == pytest.approx(2.0 * policies.safety_stock_units.sum())


def _orders(version: str = "PLAN-20260930-0123abcd") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "plan_version": version,
            "order_type": ["TRANSFER_ORDER", "PURCHASE_ORDER", "MANUFACTURING_ORDER"],
            "sku_id": ["10001000", "10001000", "10002000"],
            "from_id": ["DC01", "SUP001", "LINE-1"],
            "to_location_id": ["ST01", "DC01", "DC02"],
            "release_date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-02"]),
            "due_date": pd.to_datetime(["2026-10-02", "2026-10-18", "2026-10-06"]),
            "quantity_units": [18.0, 240.0, 96.0],
            "reason_code": "BELOW_ORDER_UP_TO",
            "reason": ["position 3 below order-up-to 20; rounded", "x", "y"],
        }
    )


# as seed erp_order_units configures them: purchases in the purchase unit (cases), transfers in WMS
# packs, manufacturing in the base unit
UNITS = pd.DataFrame(
    {
        "sku_id": ["10001000"] * 3 + ["10002000"] * 3,
        "order_type": ["PURCHASE_ORDER", "TRANSFER_ORDER", "MANUFACTURING_ORDER"] * 2,
        "unit": ["CS", "PK6", "EA"] * 2,
        "factor_to_base": [12.0, 6.0, 1.0, 24.0, 6.0, 1.0],
        "base_unit": "EA",
    }
)


def _fields(text: str, line: int = 1) -> dict[str, str]:
    rows = text.splitlines()
    return dict(zip(rows[0].split(";"), rows[line].split(";"), strict=True))


def test_erp_files_use_the_erps_codes_units_and_format():
    files = erp_import_files(_orders(), UNITS, {"LINE-1": "PL01"}).files
    assert set(files) == {"planned_purchase_orders.csv", "planned_transfer_orders.csv", "planned_manufacturing_orders.csv"}
    assert files["planned_transfer_orders.csv"].splitlines()[0].split(";")[:4] == ["plan_version", "order_number", "order_type", "item_code"]
    transfer = _fields(files["planned_transfer_orders.csv"])
    # 18 eaches go to the store as 3 packs of 6, not as 1.5 cases
    assert (transfer["quantity"], transfer["unit"], transfer["base_quantity"], transfer["base_unit"]) == ("3", "PK6", "18,000", "EA")
    assert (transfer["from_location"], transfer["to_location"], transfer["due_date"]) == ("DC01", "ST01", "02/10/2026")
    assert transfer["reason"] == "position 3 below order-up-to 20, rounded"  # no separator inside a field
    purchase = _fields(files["planned_purchase_orders.csv"])
    assert (purchase["quantity"], purchase["unit"], purchase["base_quantity"]) == ("20", "CS", "240,000")
    manufacturing = _fields(files["planned_manufacturing_orders.csv"])
    assert (manufacturing["from_location"], manufacturing["production_line"], manufacturing["quantity"], manufacturing["unit"]) == (
        "PL01",
        "LINE-1",
        "96",
        "EA",
    )


def test_an_order_that_is_not_whole_units_is_rounded_up_and_says_so():
    # 14 eaches are 2.33 packs: 3 packs go out (never short), the line and the notes say what was rounded;
    # 17.9999999999 eaches (sums' last bits) are 3 packs, not 4
    orders = pd.concat([_orders(), _orders().iloc[[0]].assign(to_location_id="ST02", quantity_units=14.0, reason="r")], ignore_index=True)
    orders.loc[0, "quantity_units"] = 17.9999999999
    published = erp_import_files(orders, UNITS, {"LINE-1": "PL01"})
    text = published.files["planned_transfer_orders.csv"]
    first, second = _fields(text, 1), _fields(text, 2)
    assert (first["quantity"], first["base_quantity"], first["reason"]) == ("3", "18,000", "position 3 below order-up-to 20, rounded")
    assert (second["order_number"], second["quantity"], second["unit"], second["base_quantity"]) == ("PTO000002", "3", "PK6", "18,000")
    assert second["reason"] == "r, rounded up from 14 EA to whole PK6"
    notes = published.notes["files"]["planned_transfer_orders.csv"]
    assert notes == {"units": ["PK6"], "rounded_up_lines": 1, "rounded_up_base_units": 4.0, "rounded_up_orders": ["PTO000002"]}
    assert published.notes["files"]["planned_purchase_orders.csv"]["rounded_up_lines"] == 0 and published.notes["unit_fallbacks"] == []
    # however large the unit, an order is at least one of it: never 0 (the plan is never short)
    huge = erp_import_files(_orders(), UNITS.assign(factor_to_base=UNITS.factor_to_base.where(UNITS.unit != "CS", 3e9)), {"LINE-1": "PL01"})
    purchase = _fields(huge.files["planned_purchase_orders.csv"])
    assert (purchase["quantity"], purchase["unit"]) == ("1", "CS") and "rounded up from 240 EA to whole CS" in purchase["reason"]


def test_a_sku_without_a_conversion_for_its_unit_goes_out_in_its_base_unit_and_the_notes_say_so():
    units = UNITS.assign(factor_to_base=np.where(UNITS.order_type == "TRANSFER_ORDER", np.nan, UNITS.factor_to_base))
    published = erp_import_files(_orders(), units, {"LINE-1": "PL01"})
    transfer = _fields(published.files["planned_transfer_orders.csv"])
    assert (transfer["quantity"], transfer["unit"], transfer["base_quantity"]) == ("18", "EA", "18,000")
    assert published.notes["unit_fallbacks"] == [{"sku_id": "10001000", "order_type": "TRANSFER_ORDER", "configured_unit": "PK6", "published_in": "EA"}]
    assert published.notes["files"]["planned_transfer_orders.csv"]["units"] == ["EA"]
    # an item without a purchase unit in the item master: the same
    no_unit = erp_import_files(_orders(), UNITS.assign(unit=UNITS.unit.where(UNITS.unit != "CS", None)), {"LINE-1": "PL01"})
    purchase = _fields(no_unit.files["planned_purchase_orders.csv"])
    assert (purchase["quantity"], purchase["unit"]) == ("240", "EA")
    assert no_unit.notes["unit_fallbacks"] == [{"sku_id": "10001000", "order_type": "PURCHASE_ORDER", "configured_unit": None, "published_in": "EA"}]


def test_publishing_the_same_plan_twice_gives_the_same_files_whatever_the_row_order():
    first = erp_import_files(_orders(), UNITS, {"LINE-1": "PL01"})
    again = erp_import_files(_orders().iloc[::-1], UNITS.iloc[::-1], {"LINE-1": "PL01"})
    assert first == again


@pytest.mark.parametrize(
    ("orders", "units", "message"),
    [
        (
            _orders(),
            UNITS[UNITS.order_type != "MANUFACTURING_ORDER"],
            "no ERP unit for the MANUFACTURING_ORDER of SKU 10002000: configure the order type in seed erp_order_units",
        ),
        (
            _orders(),
            pd.concat([UNITS, UNITS.iloc[[1]]]),
            r"order units has several rows for the key \(sku_id, order_type\), e.g. SKU 10001000 for TRANSFER_ORDER",
        ),
        (
            _orders(),
            UNITS.assign(factor_to_base=UNITS.factor_to_base.where(UNITS.unit != "CS", 0.0)),
            r"order units.factor_to_base must be > 0, got 0 at SKU 10001000 for PURCHASE_ORDER \(CS\)",
        ),
        (
            _orders().assign(quantity_units=[18.0, np.nan, 96.0]),
            UNITS,
            r"planned orders.quantity_units has missing values, e.g. at the PURCHASE_ORDER of 10001000 to DC01",
        ),
        (pd.concat([_orders(), _orders("PLAN-20261001-0123abcd")]), UNITS, "one plan version"),
        (_orders(), UNITS.assign(base_unit=UNITS.base_unit.where(UNITS.unit != "CS", None)), "SKU 10001000 has no base unit for PURCHASE_ORDER"),
        (_orders().assign(quantity_units=[18.0, 9.3e18, 96.0]), UNITS, "PURCHASE_ORDER of SKU 10001000 to DC01 is .* more than 9007199254740992 whole units"),
    ],
)
def test_publication_refuses_what_it_cannot_express_in_the_erps_units(orders, units, message):
    with pytest.raises(ValueError, match=message):
        erp_import_files(orders, units, {"LINE-1": "PL01"})


def test_publication_refuses_unsafe_versions():
    with pytest.raises(ValueError, match="plan version"):
        check_plan_version("../../etc")


def test_the_plan_version_names_the_plans_content_not_the_last_bits_of_its_sums():
    orders = _orders().drop(columns="plan_version").assign(order_up_to_units=[20.0, 300.0, 120.0])
    version = plan_version(pd.Timestamp("2026-09-30"), orders)
    assert check_plan_version(version) == version and version.startswith("PLAN-20260930-")
    noisy = orders.assign(order_up_to_units=orders.order_up_to_units + 3e-11)  # another run's parallel sums
    assert plan_version(pd.Timestamp("2026-09-30"), noisy.iloc[::-1]) == version
    assert plan_version(pd.Timestamp("2026-09-30"), orders.assign(reason="another reason")) != version


def test_the_erp_plan_files_asset_writes_a_manifest_of_units_and_roundings_and_the_same_bytes_twice(tmp_path):
    import dagster as dg
    import duckdb

    from orchestration.defs.publication.assets import erp_plan_files
    from orchestration.resources import DuckDBWarehouse, ExportFolder

    version = "PLAN-20260930-0123abcd"
    orders = _orders(version)
    orders.loc[0, "quantity_units"] = 14.0  # 2.33 packs: 3 go out
    units = UNITS.assign(factor_to_base=UNITS.factor_to_base.where(UNITS.unit != "CS", np.nan))  # no case conversion: base unit
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for schema, table, frame in [
            ("inventory", "planned_orders", orders),
            ("inventory", "projected_inventory", pd.DataFrame({"plan_version": [version]})),
            ("marts", "dim_sku_order_units", units),
            ("marts", "dim_production_line", pd.DataFrame({"production_line_id": ["LINE-1"], "plant_location_id": ["PL01"]})),
        ]:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {schema}.{table} AS SELECT * FROM frame")
            con.unregister("frame")
    resources = {"warehouse": DuckDBWarehouse(database=str(tmp_path / "warehouse.duckdb")), "exports": ExportFolder(export_dir=str(tmp_path / "exports"))}
    folder = tmp_path / "exports" / "erp" / version
    contents = []
    for _ in range(2):
        assert dg.materialize([erp_plan_files], resources=resources).success
        contents.append({path.name: path.read_bytes() for path in sorted(folder.iterdir())})
    assert contents[0] == contents[1]
    manifest = json.loads(contents[0]["manifest.json"])
    assert "rounded up" in manifest["rounding"]
    assert manifest["files"]["planned_transfer_orders.csv"] | {"sha256": ""} == {
        "lines": 1,
        "sha256": "",
        "units": ["PK6"],
        "rounded_up_lines": 1,
        "rounded_up_base_units": 4.0,
        "rounded_up_orders": ["PTO000001"],
    }
    assert manifest["files"]["planned_purchase_orders.csv"]["units"] == ["EA"]
    assert manifest["unit_fallbacks"] == [{"sku_id": "10001000", "order_type": "PURCHASE_ORDER", "configured_unit": "CS", "published_in": "EA"}]
