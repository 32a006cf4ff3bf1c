"""Inventory planning assets (group ``inventory``), after each consensus forecast.

- ``inventory/inventory_policies``: safety stock, reorder point, order-up-to level and lot size per
  SKU x stocking location, from ``fct_replenishment_parameters`` (``ml.inventory.policies``).
- ``inventory/projected_inventory`` and ``inventory/planned_orders``: the day-by-day projection
  over the forecast horizon and the purchase, transfer and manufacturing orders it plans, under a
  plan version (``ml.inventory.replenishment``). Every plan version's orders are kept.
- ``inventory/safety_stock_placement``: the guaranteed-service placement of safety stock across
  each SKU's DC -> store tree against independent single-echelon policies (``ml.inventory.placement``).
- ``inventory/rebalancing_transfers``: moves of excess stock to locations projected short within
  their lead time, where the transfer costs less than the margin the shortage would lose.

The logic lives in ``ml.inventory``; these assets read the marts, call it and write tables.
"""

import dagster as dg
import numpy as np
import pandas as pd

from data_contracts.company.export import SCHEMA as COMPANY
from ml.inventory.placement import place_safety_stock, placement_summary
from ml.inventory.plan_version import plan_version
from ml.inventory.policies import compute_policies
from ml.inventory.rebalancing import plan_rebalancing
from ml.inventory.replenishment import plan_replenishment, shortages_within_lead_time
from orchestration.defs.forecasting.assets import daily_series_missing
from orchestration.metadata import markdown_table
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_io import read_frame, replace_table

GROUP = "inventory"
SCHEMA = "inventory"
PARAMETERS = dg.AssetKey([SCHEMA, "fct_replenishment_parameters"])
PROJECTION_INPUTS = dg.AssetKey([SCHEMA, "fct_projection_inputs"])
STOCK_POSITION = dg.AssetKey([SCHEMA, "fct_stock_position"])
OPEN_SUPPLY = dg.AssetKey([SCHEMA, "fct_open_supply"])
TRANSFER_LANES = dg.AssetKey([SCHEMA, "dim_transfer_lanes"])
INVENTORY_POLICIES = dg.AssetKey([SCHEMA, "inventory_policies"])
PROJECTED_INVENTORY = dg.AssetKey([SCHEMA, "projected_inventory"])
PLANNED_ORDERS = dg.AssetKey([SCHEMA, "planned_orders"])
SAFETY_STOCK_PLACEMENT = dg.AssetKey([SCHEMA, "safety_stock_placement"])
REBALANCING_TRANSFERS = dg.AssetKey([SCHEMA, "rebalancing_transfers"])
KEYS = ["sku_id", "location_id"]


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


def _matrix(inputs: pd.DataFrame, index: pd.MultiIndex, column: str) -> np.ndarray:
    return inputs.pivot_table(index=KEYS, columns="projection_date", values=column, aggfunc="sum").reindex(index).fillna(0.0).to_numpy()


def _as_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Day columns as dates, like the marts' (the projection works on timestamps)."""
    return frame.assign(**{column: pd.to_datetime(frame[column]).dt.date for column in columns})


def _why_no_stock(warehouse: DuckDBWarehouse, first_day) -> str:
    """Why fct_stock_position is empty: the company sends no stock counts, or its counts are dated
    after the plan's first day (the stock position takes the latest count on or before it), or
    none of them gives a physical count at a warehouse or store."""
    counts = read_frame(
        warehouse,
        "SELECT count(*) AS counts, count(*) FILTER (WHERE snapshot_date > ?) AS later, min(snapshot_date) FILTER (WHERE snapshot_date > ?) AS first_later "
        "FROM marts.fct_inventory_snapshots",
        [first_day, first_day],
    ).iloc[0]
    day = pd.Timestamp(first_day).date()
    if counts.later:
        later = int(counts.later)
        return f"{later} stock count{'s' * (later != 1)} dated after {day}, the plan's first day (from {pd.Timestamp(counts.first_later).date()}), {'are' if later != 1 else 'is'} not used"
    if counts.counts:
        return f"none of the {int(counts.counts)} stock counts on or before {day} has a physical count at a warehouse or store"
    return "the company sends no stock counts"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PROJECTED_INVENTORY,
            deps=[INVENTORY_POLICIES, PROJECTION_INPUTS, STOCK_POSITION, OPEN_SUPPLY],
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
        yield from _no_plan(context, warehouse, policies, reason)
        return
    first_day = inputs.projection_date.min()
    if stock.empty:  # a company that sends no stock (the minimal input) or none usable: its plan starts from none, and says why
        context.log.warning(f"No stock position at all ({_why_no_stock(warehouse, first_day)}): every SKU x location is planned from zero stock")
    after = read_frame(
        warehouse,
        f"SELECT sku_id, location_id, sum(open_quantity) AS units FROM {SCHEMA}.fct_open_supply WHERE location_id IS NOT NULL AND due_date > ? GROUP BY ALL",
        [inputs.projection_date.max()],
    )
    index = pd.MultiIndex.from_frame(policies[KEYS])
    on_hand = stock.set_index(KEYS)["on_hand_units"].reindex(index)
    context.log.info(f"{int(on_hand.isna().sum())} SKU x locations without a stock count are planned from zero stock")
    plan = plan_replenishment(
        policies,
        on_hand.fillna(0.0).to_numpy(),
        _matrix(inputs, index, "scheduled_receipts"),
        _matrix(inputs, index, "independent_demand_units"),
        first_day,
        receipts_after_horizon=after.set_index(KEYS)["units"].reindex(index).fillna(0.0).to_numpy(),
    )
    orders = _as_dates(plan.orders, ["release_date", "due_date"])
    # the plan is as of the stock count, else (no stock at all) as of the day before its first day
    as_of = pd.Timestamp(stock.as_of_date.max()) if not stock.empty else pd.Timestamp(first_day) - pd.Timedelta(days=1)
    version = plan_version(as_of, orders)
    unit_cost = policies.set_index(KEYS)["unit_cost"]
    orders = orders.assign(
        plan_version=version, order_value=lambda o: o.quantity_units * unit_cost.reindex(pd.MultiIndex.from_frame(o[["sku_id", "to_location_id"]])).to_numpy()
    )
    # the forecast and the committed orders the independent demand consumed, beside it
    shown = inputs[[*KEYS, "projection_date", "forecast_units", "committed_units"]]
    projection = _as_dates(plan.projection, ["projection_date"]).merge(_as_dates(shown, ["projection_date"]), on=[*KEYS, "projection_date"], how="left")
    replace_table(warehouse, SCHEMA, "projected_inventory", projection.assign(plan_version=version))
    with warehouse.connect() as con:
        con.register("incoming", orders)
        con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.planned_orders AS SELECT * FROM incoming WITH NO DATA")
        con.execute(f"DELETE FROM {SCHEMA}.planned_orders WHERE plan_version = ?", [version])  # the same plan twice: replaced
        con.execute(f"INSERT INTO {SCHEMA}.planned_orders BY NAME SELECT * FROM incoming")
    by_type = orders.groupby("order_type").agg(orders=("sku_id", "size"), units=("quantity_units", "sum"), value=("order_value", "sum"))
    yield dg.MaterializeResult(
        asset_key=PROJECTED_INVENTORY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(projection)),
            "plan_version": version,
            "first_day": str(first_day.date()),
            "stock_counted_rows": dg.MetadataValue.int(int(on_hand.notna().sum())),
            "planned_from_zero_stock_rows": dg.MetadataValue.int(int(on_hand.isna().sum())),
            "days": dg.MetadataValue.int(projection.projection_date.nunique()),
            "short_location_days": dg.MetadataValue.int(int(projection.is_short.sum())),
            "below_safety_stock_share": dg.MetadataValue.float(round(float(projection.is_below_safety_stock.mean()), 4)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=PLANNED_ORDERS,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(orders)),
            "plan_version": version,
            "order_value": _money(orders.order_value.sum()),
            "by_order_type": markdown_table(
                ("order type", "orders", "units", "value"), [(t, int(r.orders), f"{r.units:,.0f}", f"{r.value:,.0f}") for t, r in by_type.iterrows()]
            ),
            "by_reason": markdown_table(("reason", "orders"), list(orders.reason_code.value_counts().items())),
        },
    )


def _no_plan(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, policies: pd.DataFrame, reason: str):
    """No series to plan (the company has no daily demand, ``reason``): an empty projection and no
    new plan version (the plans kept are), said in the log and in both assets' metadata."""
    context.log.warning(f"No replenishment plan: {reason}")
    empty = plan_replenishment(policies.iloc[0:0], np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)), pd.Timestamp.now().normalize())
    projection = empty.projection.assign(forecast_units=0.0, committed_units=0.0, plan_version="")
    orders = empty.orders.assign(plan_version="", order_value=0.0)
    with warehouse.connect() as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        con.register("projection", projection)
        con.execute(
            f"CREATE OR REPLACE TABLE {SCHEMA}.projected_inventory AS SELECT * REPLACE (CAST(projection_date AS DATE) AS projection_date) FROM projection"
        )
        con.register("orders", orders)
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.planned_orders AS "
            "SELECT * REPLACE (CAST(release_date AS DATE) AS release_date, CAST(due_date AS DATE) AS due_date) FROM orders WITH NO DATA"
        )
    metadata = {"no_daily_series": reason, "dagster/row_count": dg.MetadataValue.int(0)}
    yield dg.MaterializeResult(asset_key=PROJECTED_INVENTORY, metadata=metadata)
    yield dg.MaterializeResult(asset_key=PLANNED_ORDERS, metadata=metadata)


class PlacementConfig(dg.Config):
    """Run parameters of the multi-echelon placement."""

    # Days a DC may take to serve its own customers: every web, marketplace and B2B line of the demo
    # company is promised at least 2 days after it is placed (var online_promise_days).
    direct_service_days: int = 2


@planning_asset(
    SAFETY_STOCK_PLACEMENT,
    [INVENTORY_POLICIES],
    "Safety stock placed across each SKU's DC -> store tree with the guaranteed-service model (Graves & Willems), "
    "against independent single-echelon policies at the same service targets: service times, net lead times, units and value per node.",
)
def safety_stock_placement(config: PlacementConfig, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    # the location's role: a store that buys for itself is a tree of its own
    policies = read_frame(
        warehouse,
        f"""SELECT policies.*, types.location_role FROM {SCHEMA}.inventory_policies AS policies
            LEFT JOIN {COMPANY}.location_types AS types USING (location_type) ORDER BY sku_id, location_id""",
    )
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


# The positions rebalancing weighs, none: what an empty plan gives it (no daily series).
_POSITIONS = pd.DataFrame(
    {
        "sku_id": pd.Series(dtype=str),
        "location_id": pd.Series(dtype=str),
        **{c: pd.Series(dtype=float) for c in ("on_hand", "order_up_to", "mean_daily_demand", "projected_shortage_units")},
        "shortage_date": pd.Series(dtype="datetime64[ns]"),
        **{c: pd.Series(dtype=float) for c in ("shortage_cost_per_unit", "pack_size")},
    }
)


class RebalancingConfig(dg.Config):
    """Run parameters of rebalancing."""

    excess_margin_days: float = 7.0  # days of demand a location keeps above its order-up-to level before giving stock away


@planning_asset(
    REBALANCING_TRANSFERS,
    [PROJECTED_INVENTORY, TRANSFER_LANES],
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
        empty = plan_rebalancing(_POSITIONS.copy(), lanes.iloc[0:0], config.excess_margin_days, as_of_date=pd.Timestamp.now().normalize())
        replace_table(warehouse, SCHEMA, "rebalancing_transfers", empty.assign(plan_version=""))
        return dg.MaterializeResult(metadata={"no_daily_series": reason, "dagster/row_count": dg.MetadataValue.int(0)})
    version = projection.plan_version.iloc[0]
    shortages = shortages_within_lead_time(projection, policies)
    # what a location can give is what it holds at its lowest until an order placed today could make
    # up for it (within its own lead time), not just today
    lead = policies.set_index(KEYS).lead_time_days.reindex(pd.MultiIndex.from_frame(projection[KEYS])).to_numpy()
    within_lead = (pd.to_datetime(projection.projection_date) - pd.to_datetime(projection.projection_date).min()).dt.days <= np.maximum(1, np.rint(lead))
    lowest = projection[within_lead].groupby(KEYS).projected_on_hand.min().rename("lowest_projected")
    packs = read_frame(warehouse, "SELECT sku_id, pack_size FROM marts.dim_sku")
    positions = (
        policies[[*KEYS, "order_up_to_units", "local_mean_daily_forecast", "list_price", "unit_cost"]]
        .merge(stock, on=KEYS, how="left")
        .merge(lowest.reset_index(), on=KEYS, how="left")
        .merge(shortages, on=KEYS, how="left")
        .merge(packs, on="sku_id", how="left")
    )
    unknown_margin = (positions.list_price - positions.unit_cost).isna().sum()
    positions = pd.DataFrame(
        {
            "sku_id": positions.sku_id,
            "location_id": positions.location_id,
            "on_hand": np.minimum(positions.on_hand_units.fillna(0.0), positions.lowest_projected.fillna(0.0)),
            "order_up_to": positions.order_up_to_units,
            "mean_daily_demand": positions.local_mean_daily_forecast,
            "projected_shortage_units": positions.projected_shortage_units.fillna(0.0),
            "shortage_date": positions.shortage_date,
            # the margin a short unit loses; unknown (no list price or cost): 0, no transfer is judged worth its cost
            "shortage_cost_per_unit": (positions.list_price - positions.unit_cost).clip(lower=0.0).fillna(0.0),
            "pack_size": positions.pack_size.fillna(1.0),  # transfers move whole WMS packs
        }
    )
    transfers = plan_rebalancing(positions, lanes, config.excess_margin_days, as_of_date=projection.projection_date.min()).assign(plan_version=version)
    replace_table(warehouse, SCHEMA, "rebalancing_transfers", transfers)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(transfers)),
            "plan_version": version,
            "locations_short_within_lead_time": dg.MetadataValue.int(int((positions.projected_shortage_units > 0).sum())),
            "positions_without_margin": dg.MetadataValue.int(int(unknown_margin)),
            "units_moved": dg.MetadataValue.float(float(transfers.quantity.sum()) if len(transfers) else 0.0),
            "net_saving": _money(transfers.net_saving.sum() if len(transfers) else 0.0),
        }
    )


inventory_assets = [inventory_policies, replenishment_plan, safety_stock_placement, rebalancing_transfers]
inventory_checks = [policy_levels_are_ordered]
