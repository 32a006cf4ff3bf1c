"""Availability assets (group ``inventory``): ATP and ATS, allocation of scarce stock, routing.

- ``inventory/available_to_promise``: ATP by SKU x location x day over the forecast horizon (on
  hand + scheduled receipts - committed orders, cumulated with look-ahead) and ATS per channel
  (ATP minus the channel's safety buffer: a share of the location's safety stock, seed
  ``channel_safety_buffers`` by location role and channel role, applied to the company's location
  types and channels of those roles), in ``inventory.available_to_sell``.
- ``inventory/order_allocation``: the committed order lines due within the allocation window get
  the stock that is there by then, key accounts first, then committed-volume customers up to their
  reserved buffer, then the rest by order date; every short line says why.
- ``inventory/online_order_routing``: the ship-from location of each web order line to route, by
  availability (ATS for the web), then shipping cost, then load, beside the order management
  system's own choice.

The logic lives in ``ml.inventory.availability``, ``ml.inventory.routing`` and, for the steps over
the warehouse's tables, ``ml.inventory.availability_plan``; the inputs are dbt models of
``models/marts/inventory`` (``fct_atp_inputs``, ``dim_channel_safety_buffers``,
``fct_scheduled_receipts``, ``fct_online_stock_to_route``, ``fct_online_picking_load``).
"""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from data_contracts import CONTRACTS
from data_contracts.company.export import SCHEMA as COMPANY
from ml.inventory.availability_plan import allocate_order_book, availability_of_plan, reroute_online_orders
from orchestration.defs.inventory.assets import INVENTORY_POLICIES, SCHEDULED_RECEIPTS, SCHEMA, STOCK_POSITION, planning_asset
from orchestration.metadata import markdown_table
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_io import read_frame, replace_table, table_exists

AVAILABLE_TO_PROMISE = dg.AssetKey([SCHEMA, "available_to_promise"])
ORDER_ALLOCATION = dg.AssetKey([SCHEMA, "order_allocation"])
ONLINE_ORDER_ROUTING = dg.AssetKey([SCHEMA, "online_order_routing"])
ATP_INPUTS = dg.AssetKey([SCHEMA, "fct_atp_inputs"])
CHANNEL_BUFFERS = dg.AssetKey([SCHEMA, "dim_channel_safety_buffers"])
COMMITTED_ORDERS = dg.AssetKey([SCHEMA, "fct_committed_orders"])
ORDERS_TO_ROUTE = dg.AssetKey([SCHEMA, "fct_online_orders_to_route"])
STOCK_TO_ROUTE = dg.AssetKey([SCHEMA, "fct_online_stock_to_route"])
PICKING_LOAD = dg.AssetKey([SCHEMA, "fct_online_picking_load"])
SHIPPING_LANES = dg.AssetKey([SCHEMA, "dim_shipping_lanes"])
# the company's configuration (company.yaml, written by the asset group company)
SEGMENT_SERVICE_LEVELS = dg.AssetKey([COMPANY, "segment_service_levels"])


@planning_asset(
    AVAILABLE_TO_PROMISE,
    [ATP_INPUTS, INVENTORY_POLICIES, CHANNEL_BUFFERS],
    "ATP by SKU x location x day (on hand + scheduled receipts - committed orders, cumulated with look-ahead) and, in "
    "inventory.available_to_sell, ATS per channel: ATP minus the channel's safety buffer; inventory.plan_watermark says "
    "which loads it was computed from (the live service adds the events after it).",
)
def available_to_promise_asset(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    balances = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_atp_inputs")
    policies = read_frame(warehouse, f"SELECT sku_id, location_id, location_type, safety_stock_units FROM {SCHEMA}.inventory_policies")
    # the buffers are Planline's defaults by role: each of the company's channels of a role, at each location of a role
    shares = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.dim_channel_safety_buffers")
    atp, ats = availability_of_plan(balances, policies, shares)
    replace_table(warehouse, SCHEMA, "available_to_promise", atp)
    replace_table(warehouse, SCHEMA, "available_to_sell", ats)
    replace_table(warehouse, SCHEMA, "plan_watermark", _watermark(warehouse, atp))
    first_day = atp[atp.date == atp.date.min()]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(atp)),
            "ats_rows": dg.MetadataValue.int(len(ats)),
            "pairs_without_atp_today": dg.MetadataValue.int(int((first_day.atp <= 0).sum())),
            "pairs_overcommitted": dg.MetadataValue.int(int((atp.groupby(["sku_id", "location_id"]).projected_balance.min() < 0).sum())),
        }
    )


def _watermark(warehouse: DuckDBWarehouse, atp: pd.DataFrame) -> pd.DataFrame:
    """What this ATP was computed from: the transactional rows loaded up to ``raw_loaded_through``
    (the newest load time of their raw tables now). The live service adds to it the events its
    readers' copy holds loaded later, and those it received itself since (docs/service.md)."""
    with warehouse.connect(read_only=True) as con:
        loaded = [f"SELECT max(_loaded_at) AS t FROM {c.table}" for c in CONTRACTS.values() if c.partitioned and table_exists(con, "raw", c.source)]
        through = con.execute(f"SELECT max(t) FROM ({' UNION ALL '.join(loaded)})").fetchone()[0] if loaded else None
    first_day = atp.date.min() if len(atp) else None
    return pd.DataFrame(
        {
            "computed_at": [datetime.now(UTC).replace(tzinfo=None)],
            "raw_loaded_through": [through],
            "first_plan_day": [first_day],
            "history_last_day": [first_day - pd.Timedelta(days=1) if first_day is not None else None],
        }
    )


class AllocationConfig(dg.Config):
    """Run parameters of the allocation."""

    allocation_days: int = 7  # committed lines due within this many days share the stock there by then


@planning_asset(
    ORDER_ALLOCATION,
    [COMMITTED_ORDERS, STOCK_POSITION, SCHEDULED_RECEIPTS, SEGMENT_SERVICE_LEVELS],
    "Committed order lines due within the allocation window, day by day: the lines due on a day share the stock there by then "
    "(on hand + receipts due by that day, less what earlier days took): key accounts first, committed-volume customers up to "
    "their reserved buffer, then the rest by order date; short lines carry their reason.",
)
def order_allocation(config: AllocationConfig, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    lines = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_committed_orders")
    stock = read_frame(warehouse, f"SELECT sku_id, location_id, on_hand_units FROM {SCHEMA}.fct_stock_position")
    receipts = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_scheduled_receipts")
    segments = read_frame(warehouse, f"SELECT segment, allocation_priority FROM {COMPANY}.segment_service_levels")
    window = allocate_order_book(lines, stock, receipts, segments, config.allocation_days)
    allocation = window.allocation
    replace_table(warehouse, SCHEMA, "order_allocation", allocation)
    if window.window_end is None:  # no open order lines (or a company without order book): an empty allocation, which the exceptions read
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(0), "why_empty": "no open order lines to allocate"})
    short = allocation[allocation.short_quantity > 0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(allocation)),
            "window_end": str(window.window_end.date()),
            "short_lines": dg.MetadataValue.int(len(short)),
            "short_units": dg.MetadataValue.float(float(short.short_quantity.sum())),
            "by_reason": markdown_table(
                ("reason", "lines", "units short"), [(r, len(g), f"{g.short_quantity.sum():,.0f}") for r, g in short.groupby("short_reason")]
            ),
            "segments_ranked_lowest": markdown_table(
                ("segment", "lines", "ranked as"),
                [
                    (segment, count, f"{window.lowest_segment}, the lowest priority: no allocation priority in the company's segments")
                    for segment, count in window.unranked_segments.items()
                ],
            ),
        }
    )


@planning_asset(
    ONLINE_ORDER_ROUTING,
    [ORDERS_TO_ROUTE, STOCK_TO_ROUTE, SHIPPING_LANES, PICKING_LOAD],
    "Ship-from location of each web order line to route: a DC or store in reach with the whole line available to sell "
    "online, then the cheapest, then the least loaded; beside the order management system's own choice.",
)
def online_order_routing(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    lines = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_online_orders_to_route")
    if lines.empty:
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(0)})
    stock = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_online_stock_to_route")
    costs = read_frame(warehouse, f"SELECT location_id, region, cost_per_unit FROM {SCHEMA}.dim_shipping_lanes")
    load = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_online_picking_load")
    routed = reroute_online_orders(lines, stock, costs, load)
    replace_table(warehouse, SCHEMA, "online_order_routing", routed)
    unrouted = routed.ship_from_location_id.isna()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(routed)),
            "unrouted_lines": dg.MetadataValue.int(int(unrouted.sum())),
            "shipping_cost": dg.MetadataValue.float(round(float(routed.shipping_cost.sum()), 2)),
            "oms_shipping_cost": dg.MetadataValue.float(round(float(routed.oms_shipping_cost.sum(skipna=True)), 2)),
            "same_choice_as_oms": dg.MetadataValue.int(int((routed.ship_from_location_id == routed.oms_ship_from_location_id).sum())),
            "by_location": markdown_table(("ship from", "lines"), list(routed.ship_from_location_id.fillna("unrouted").value_counts().items())),
        }
    )


availability_assets = [available_to_promise_asset, order_allocation, online_order_routing]
