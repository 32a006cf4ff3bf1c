"""Inventory planning assets (group ``inventory``), after each consensus forecast.

- ``inventory/inventory_policies``: safety stock, reorder point, order-up-to level and lot size per
  SKU x stocking location, from ``fct_replenishment_parameters`` (``ml.inventory.policies``).
- ``inventory/projected_inventory`` and ``inventory/planned_orders``: the day-by-day projection
  over the forecast horizon and the purchase, transfer and manufacturing orders it plans, under a
  plan version (``ml.inventory.replenishment_plan``). Every plan version's orders are kept.
- ``inventory/safety_stock_placement``: the guaranteed-service placement of safety stock across
  each SKU's DC -> store tree against independent single-echelon policies (``ml.inventory.placement``).
- ``inventory/rebalancing_transfers``: moves of excess stock to locations projected short within
  their lead time, where the transfer costs less than the margin the shortage would lose
  (``ml.inventory.rebalancing_plan``).

The logic lives in ``ml.inventory`` and the inputs' shaping in the dbt models of
``models/marts/inventory``; these assets read the models, call one function and write tables.
"""

import dagster as dg

from ml.inventory.placement import place_safety_stock, placement_summary
from ml.inventory.policies import compute_policies
from ml.inventory.rebalancing_plan import no_rebalancing, rebalance_plan
from ml.inventory.replenishment_plan import VersionedPlan, empty_plan, versioned_plan, why_no_stock
from orchestration.declared_tables import create_if_missing
from orchestration.defs.forecasting.assets import daily_series_missing
from orchestration.metadata import markdown_table
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_io import append_version, read_frame, replace_table

GROUP = "inventory"
SCHEMA = "inventory"
PARAMETERS = dg.AssetKey([SCHEMA, "fct_replenishment_parameters"])
PROJECTION_INPUTS = dg.AssetKey([SCHEMA, "fct_projection_inputs"])
STOCK_POSITION = dg.AssetKey([SCHEMA, "fct_stock_position"])
TRANSFER_LANES = dg.AssetKey([SCHEMA, "dim_transfer_lanes"])
SCHEDULED_RECEIPTS = dg.AssetKey([SCHEMA, "fct_scheduled_receipts"])
STOCK_COUNT_DAYS = dg.AssetKey([SCHEMA, "fct_stock_count_days"])
PLACEMENT_POLICIES = dg.AssetKey([SCHEMA, "fct_placement_policies"])
SKUS = dg.AssetKey(["marts", "dim_sku"])
INVENTORY_POLICIES = dg.AssetKey([SCHEMA, "inventory_policies"])
PROJECTED_INVENTORY = dg.AssetKey([SCHEMA, "projected_inventory"])
PLANNED_ORDERS = dg.AssetKey([SCHEMA, "planned_orders"])
SAFETY_STOCK_PLACEMENT = dg.AssetKey([SCHEMA, "safety_stock_placement"])
REBALANCING_TRANSFERS = dg.AssetKey([SCHEMA, "rebalancing_transfers"])


def planning_asset(key: dg.AssetKey, deps: list, description: str):
    """An inventory planning asset: Python on the warehouse, in the group, one writer at a time."""
    return dg.asset(key=key, deps=deps, group_name=GROUP, kinds={"python", "duckdb"}, pool=WAREHOUSE_POOL, description=description)


def _money(value: float) -> dg.MetadataValue:
    return dg.MetadataValue.float(round(float(value), 2))


@planning_asset(
    INVENTORY_POLICIES,
    [PARAMETERS],
    "Safety stock (type 1 and type 2 targets; negative binomial for intermittent and lumpy demand), reorder point, "
    "order-up-to level, EOQ and lot size per SKU x stocking location.",
)
def inventory_policies(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    parameters = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_replenishment_parameters ORDER BY sku_id, location_id")
    if parameters.empty:
        raise dg.Failure("inventory.fct_replenishment_parameters is empty: materialize the consensus forecast first (daily_forecast job).")
    policies = compute_policies(parameters)
    replace_table(warehouse, SCHEMA, "inventory_policies", policies)
    by_type = policies.groupby(["location_type", "distribution"]).agg(
        rows=("sku_id", "size"), safety_stock_value=("safety_stock_value", "sum"), order_up_to_value=("order_up_to_value", "sum")
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(policies)),
            "safety_stock_value": _money(policies.safety_stock_value.sum()),
            "order_up_to_value": _money(policies.order_up_to_value.sum()),
            "fill_rate_binding_rows": dg.MetadataValue.int(int((policies.binding_target == "fill_rate").sum())),
            "by_location_type": markdown_table(
                ("location type", "distribution", "rows", "safety stock value", "order-up-to value"),
                [(t, d, int(r.rows), f"{r.safety_stock_value:,.0f}", f"{r.order_up_to_value:,.0f}") for (t, d), r in by_type.iterrows()],
            ),
        }
    )


@dg.asset_check(asset=INVENTORY_POLICIES, description="Every policy is coherent: 0 <= safety stock <= reorder point <= order-up-to level.")
def policy_levels_are_ordered(warehouse: DuckDBWarehouse) -> dg.AssetCheckResult:
    bad = read_frame(
        warehouse,
        f"""SELECT sku_id, location_id, safety_stock_units, reorder_point_units, order_up_to_units FROM {SCHEMA}.inventory_policies
            WHERE NOT (safety_stock_units >= 0 AND reorder_point_units >= safety_stock_units AND order_up_to_units >= reorder_point_units)""",
    )
    return dg.AssetCheckResult(passed=bad.empty, metadata={"incoherent_policies": dg.MetadataValue.int(len(bad))})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PROJECTED_INVENTORY,
            deps=[INVENTORY_POLICIES, PROJECTION_INPUTS, STOCK_POSITION, SCHEDULED_RECEIPTS, STOCK_COUNT_DAYS],
            group_name=GROUP,
            kinds={"python", "duckdb"},
            description="Projected on hand by SKU x location x day over the forecast horizon: on hand + scheduled and planned receipts "
            "- demand (independent: the consensus forecast consumed by committed orders; dependent: the stores' transfers at DCs), with the inventory position.",
        ),
        dg.AssetSpec(
            PLANNED_ORDERS,
            deps=[PROJECTED_INVENTORY],
            group_name=GROUP,
            kinds={"python", "duckdb"},
            description="Planned purchase orders (supplier to DC), transfer orders (DC to store) and manufacturing orders (plant line to DC), "
            "each with release and due date and its reason, under a plan version. Every version is kept.",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def replenishment_plan(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse):
    policies = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.inventory_policies ORDER BY sku_id, location_id")
    inputs = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_projection_inputs")
    stock = read_frame(warehouse, f"SELECT sku_id, location_id, on_hand_units, as_of_date FROM {SCHEMA}.fct_stock_position")
    if inputs.empty:
        reason = daily_series_missing(warehouse)
        if reason is None:
            raise dg.Failure("No projection inputs: materialize the inventory marts (data_foundation, daily_forecast).")
        context.log.warning(f"No replenishment plan: {reason}")
        _write_plan(warehouse, empty_plan(policies))  # no new plan version: the plans kept are
        metadata = {"no_daily_series": reason, "dagster/row_count": dg.MetadataValue.int(0)}
        yield dg.MaterializeResult(asset_key=PROJECTED_INVENTORY, metadata=metadata)
        yield dg.MaterializeResult(asset_key=PLANNED_ORDERS, metadata=metadata)
        return
    receipts = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_scheduled_receipts")
    plan = versioned_plan(policies, inputs, stock, receipts)
    if stock.empty:  # a company that sends no stock (the minimal input) or none usable: its plan starts from none, and says why
        count_days = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_stock_count_days")
        context.log.warning(f"No stock position at all ({why_no_stock(count_days, plan.first_day)}): every SKU x location is planned from zero stock")
    context.log.info(f"{plan.uncounted_rows} SKU x locations without a stock count are planned from zero stock")
    versions_kept = _write_plan(warehouse, plan)
    projection, orders = plan.projection, plan.orders
    by_type = orders.groupby("order_type").agg(orders=("sku_id", "size"), units=("quantity_units", "sum"), value=("order_value", "sum"))
    yield dg.MaterializeResult(
        asset_key=PROJECTED_INVENTORY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(projection)),
            "plan_version": plan.version,
            "first_day": str(plan.first_day.date()),
            "stock_counted_rows": dg.MetadataValue.int(plan.counted_rows),
            "planned_from_zero_stock_rows": dg.MetadataValue.int(plan.uncounted_rows),
            "days": dg.MetadataValue.int(projection.projection_date.nunique()),
            "short_location_days": dg.MetadataValue.int(int(projection.is_short.sum())),
            "below_safety_stock_share": dg.MetadataValue.float(round(float(projection.is_below_safety_stock.mean()), 4)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=PLANNED_ORDERS,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(orders)),
            "plan_version": plan.version,
            "plan_versions_kept": dg.MetadataValue.int(versions_kept),
            "order_value": _money(orders.order_value.sum()),
            "by_order_type": markdown_table(
                ("order type", "orders", "units", "value"), [(t, int(r.orders), f"{r.units:,.0f}", f"{r.value:,.0f}") for t, r in by_type.iterrows()]
            ),
            "by_reason": markdown_table(("reason", "orders"), list(orders.reason_code.value_counts().items())),
        },
    )


def _write_plan(warehouse: DuckDBWarehouse, plan: VersionedPlan) -> int:
    """The plan's projection replaces the current one; its orders are appended under its version
    (the same plan twice: its orders replaced). A plan without orders, or no plan (no version),
    leaves the versions kept as they are, the table made if it is not there yet for its readers.
    Returns the number of versions ``planned_orders`` keeps."""
    replace_table(warehouse, SCHEMA, "projected_inventory", plan.projection)
    with warehouse.connect() as con:
        if not plan.orders.empty:
            return append_version(con, SCHEMA, "planned_orders", plan.orders, "plan_version")
        create_if_missing(con, SCHEMA, "planned_orders")  # its declared columns (dbt sources, _inventory_sources.yml)
        return con.execute(f"SELECT count(DISTINCT plan_version) FROM {SCHEMA}.planned_orders").fetchone()[0]


class PlacementConfig(dg.Config):
    """Run parameters of the multi-echelon placement."""

    # Days a DC may take to serve its own customers: every web, marketplace and B2B line of the demo
    # company is promised at least 2 days after it is placed (var online_promise_days).
    direct_service_days: int = 2


@planning_asset(
    SAFETY_STOCK_PLACEMENT,
    [PLACEMENT_POLICIES],
    "Safety stock placed across each SKU's DC -> store tree with the guaranteed-service model (Graves & Willems), "
    "against independent single-echelon policies at the same service targets: service times, net lead times, units and value per node.",
)
def safety_stock_placement(config: PlacementConfig, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    policies = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_placement_policies ORDER BY sku_id, location_id")
    placement = place_safety_stock(policies, config.direct_service_days)
    replace_table(warehouse, SCHEMA, "safety_stock_placement", placement)
    summary = placement_summary(placement)
    total = summary.loc["total"]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(placement)),
            "single_echelon_safety_stock_value": _money(total.single_echelon_safety_stock_value),
            "guaranteed_service_safety_stock_value": _money(total.guaranteed_service_safety_stock_value),
            "saving_share": dg.MetadataValue.float(
                round(float(total.saving / total.single_echelon_safety_stock_value), 4) if total.single_echelon_safety_stock_value else 0.0
            ),
            "by_role": markdown_table(
                ("node", "single-echelon value", "guaranteed-service value", "saving"),
                [
                    (role, f"{r.single_echelon_safety_stock_value:,.0f}", f"{r.guaranteed_service_safety_stock_value:,.0f}", f"{r.saving:,.0f}")
                    for role, r in summary.iterrows()
                ],
            ),
        }
    )


class RebalancingConfig(dg.Config):
    """Run parameters of rebalancing."""

    excess_margin_days: float = 7.0  # days of demand a location keeps above its order-up-to level before giving stock away


@planning_asset(
    REBALANCING_TRANSFERS,
    [PROJECTED_INVENTORY, INVENTORY_POLICIES, STOCK_POSITION, SKUS, TRANSFER_LANES],
    "Transfers of excess stock (the lowest on hand projected within the giver's lead time above order-up-to plus a margin of days, "
    "in whole packs) to locations "
    "projected short before their own replenishment can arrive, where the transfer costs less per unit than the margin a unit short "
    "loses (list price - unit cost). Recommendations for planners: not in the plan's orders.",
)
def rebalancing_transfers(context: dg.AssetExecutionContext, config: RebalancingConfig, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    policies = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.inventory_policies")
    projection = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.projected_inventory")
    stock = read_frame(warehouse, f"SELECT sku_id, location_id, on_hand_units FROM {SCHEMA}.fct_stock_position")
    lanes = read_frame(warehouse, f"SELECT from_location_id, to_location_id, transfer_cost_per_unit, transfer_days FROM {SCHEMA}.dim_transfer_lanes")
    reason = daily_series_missing(warehouse) if projection.empty else None
    if reason:  # no plan to rebalance (the company has no daily demand): no transfer, and why
        context.log.warning(f"No rebalancing: {reason}")
        replace_table(warehouse, SCHEMA, "rebalancing_transfers", no_rebalancing(lanes, config.excess_margin_days))
        return dg.MaterializeResult(metadata={"no_daily_series": reason, "dagster/row_count": dg.MetadataValue.int(0)})
    packs = read_frame(warehouse, "SELECT sku_id, pack_size FROM marts.dim_sku")
    rebalancing = rebalance_plan(policies, projection, stock, packs, lanes, config.excess_margin_days)
    transfers = rebalancing.transfers
    replace_table(warehouse, SCHEMA, "rebalancing_transfers", transfers)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(transfers)),
            "plan_version": projection.plan_version.iloc[0],
            "locations_short_within_lead_time": dg.MetadataValue.int(int((rebalancing.positions.projected_shortage_units > 0).sum())),
            "positions_without_margin": dg.MetadataValue.int(rebalancing.positions_without_margin),
            "units_moved": dg.MetadataValue.float(float(transfers.quantity.sum()) if len(transfers) else 0.0),
            "net_saving": _money(transfers.net_saving.sum() if len(transfers) else 0.0),
        }
    )


inventory_assets = [inventory_policies, replenishment_plan, safety_stock_placement, rebalancing_transfers]
inventory_checks = [policy_levels_are_ordered]
