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

The logic lives in ``ml.inventory.availability`` and ``ml.inventory.routing``.
"""

import dagster as dg
import numpy as np
import pandas as pd

from data_contracts.company.export import SCHEMA as COMPANY
from ml.inventory.availability import PAIR, SegmentTiers, allocate_scarce_stock, available_to_promise, available_to_sell
from ml.inventory.routing import route_online_orders
from orchestration.defs.inventory.assets import INVENTORY_POLICIES, OPEN_SUPPLY, PROJECTION_INPUTS, SCHEMA, STOCK_POSITION, planning_asset
from orchestration.metadata import markdown_table
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_io import read_frame, replace_table

AVAILABLE_TO_PROMISE = dg.AssetKey([SCHEMA, "available_to_promise"])
ORDER_ALLOCATION = dg.AssetKey([SCHEMA, "order_allocation"])
ONLINE_ORDER_ROUTING = dg.AssetKey([SCHEMA, "online_order_routing"])
COMMITTED_ORDERS = dg.AssetKey([SCHEMA, "fct_committed_orders"])
ORDERS_TO_ROUTE = dg.AssetKey([SCHEMA, "fct_online_orders_to_route"])
SHIPPING_LANES = dg.AssetKey([SCHEMA, "dim_shipping_lanes"])
CHANNEL_BUFFERS = dg.AssetKey(["reference", "channel_safety_buffers"])
# the company's configuration (company.yaml, written by the asset group company)
CHANNELS = dg.AssetKey([COMPANY, "channels"])
LOCATION_TYPES = dg.AssetKey([COMPANY, "location_types"])
SEGMENT_SERVICE_LEVELS = dg.AssetKey([COMPANY, "segment_service_levels"])
# the channels by role: the web shop's ATS routes its orders, whose load counts with the marketplace's
ONLINE_CHANNELS = f"(SELECT channel_id FROM {COMPANY}.channels WHERE channel_role = 'online')"
SHIPPED_ONLINE_CHANNELS = f"(SELECT channel_id FROM {COMPANY}.channels WHERE channel_role IN ('online', 'marketplace'))"


@planning_asset(
    AVAILABLE_TO_PROMISE,
    [PROJECTION_INPUTS, STOCK_POSITION, INVENTORY_POLICIES, CHANNEL_BUFFERS, LOCATION_TYPES, CHANNELS],
    "ATP by SKU x location x day (on hand + scheduled receipts - committed orders, cumulated with look-ahead) and, in "
    "inventory.available_to_sell, ATS per channel: ATP minus the channel's safety buffer.",
)
def available_to_promise_asset(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    balances = read_frame(
        warehouse,
        f"""SELECT inputs.sku_id, inputs.location_id, inputs.projection_date AS date, coalesce(stock.on_hand_units, 0) AS on_hand,
                   inputs.scheduled_receipts AS receipts, inputs.committed_units AS committed
            FROM {SCHEMA}.fct_projection_inputs AS inputs
            LEFT JOIN {SCHEMA}.fct_stock_position AS stock ON stock.sku_id = inputs.sku_id AND stock.location_id = inputs.location_id""",
    )
    atp = available_to_promise(balances)
    # the buffers are Planline's defaults by role: each of the company's channels of a role, at each location of a role
    buffers = read_frame(
        warehouse,
        f"""SELECT policies.sku_id, policies.location_id, channels.channel_id, buffers.safety_stock_share * policies.safety_stock_units AS buffer_units
            FROM {SCHEMA}.inventory_policies AS policies
            JOIN {COMPANY}.location_types AS location_types ON location_types.location_type = policies.location_type
            JOIN reference.channel_safety_buffers AS buffers ON buffers.location_role = location_types.location_role
            JOIN {COMPANY}.channels AS channels ON channels.channel_role = buffers.channel_role""",
    )
    ats = available_to_sell(atp, buffers)
    replace_table(warehouse, SCHEMA, "available_to_promise", atp.assign(date=atp.date.dt.date))
    replace_table(warehouse, SCHEMA, "available_to_sell", ats.assign(date=pd.to_datetime(ats.date).dt.date))
    first_day = atp[atp.date == atp.date.min()]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(atp)),
            "ats_rows": dg.MetadataValue.int(len(ats)),
            "pairs_without_atp_today": dg.MetadataValue.int(int((first_day.atp <= 0).sum())),
            "pairs_overcommitted": dg.MetadataValue.int(int((atp.groupby(["sku_id", "location_id"]).projected_balance.min() < 0).sum())),
        }
    )


class AllocationConfig(dg.Config):
    """Run parameters of the allocation."""

    allocation_days: int = 7  # committed lines due within this many days share the stock there by then


@planning_asset(
    ORDER_ALLOCATION,
    [COMMITTED_ORDERS, STOCK_POSITION, OPEN_SUPPLY, SEGMENT_SERVICE_LEVELS],
    "Committed order lines due within the allocation window, day by day: the lines due on a day share the stock there by then "
    "(on hand + receipts due by that day, less what earlier days took): key accounts first, committed-volume customers up to "
    "their reserved buffer, then the rest by order date; short lines carry their reason.",
)
def order_allocation(config: AllocationConfig, warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    lines = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_committed_orders WHERE NOT is_stale")
    if lines.empty:  # no open order lines (or a company without order book): an empty allocation, which the exceptions read
        empty = lines.rename(columns={"allocation_priority": "priority"}).assign(
            allocated_quantity=pd.Series(dtype=float),
            short_quantity=pd.Series(dtype=float),
            allocation_tier=pd.Series(dtype="int64"),
            fill_status=pd.Series(dtype=object),
            short_reason=pd.Series(dtype=object),
            short_reason_text=pd.Series(dtype=object),
        )
        replace_table(warehouse, SCHEMA, "order_allocation", empty)
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(0), "why_empty": "no open order lines to allocate"})
    window_end = lines.due_date.min() + pd.Timedelta(days=config.allocation_days - 1)
    lines = lines[lines.due_date <= window_end].rename(columns={"allocation_priority": "priority"})
    segments = read_frame(warehouse, f"SELECT segment, allocation_priority FROM {COMPANY}.segment_service_levels")
    tiers = SegmentTiers(segments)
    # a segment without an allocation priority (consumers' web and marketplace orders have none)
    # ranks with the lowest priority's segment, as fct_committed_orders ranks it; each order its own customer
    unranked = ~lines.segment.isin(list(tiers.priority.index))
    unranked_segments = lines.segment[unranked].fillna("none").value_counts()
    lines["segment"] = lines.segment.where(~unranked, tiers.lowest())
    lines["customer_id"] = lines.customer_id.fillna(lines.order_id)
    on_hand = read_frame(warehouse, f"SELECT sku_id, location_id, on_hand_units FROM {SCHEMA}.fct_stock_position").set_index(PAIR).on_hand_units
    receipts = read_frame(
        warehouse,
        f"SELECT sku_id, location_id, due_date, open_quantity FROM {SCHEMA}.fct_open_supply WHERE location_id IS NOT NULL AND due_date <= ?",
        [window_end.date()],
    )
    taken = pd.Series(0.0, index=on_hand.index)
    parts = []
    for day in sorted(lines.due_date.unique()):  # the window's days (7), each allocating all its lines at once
        arrived = receipts[receipts.due_date <= day].groupby(PAIR).open_quantity.sum()
        available = on_hand.add(arrived, fill_value=0.0).sub(taken, fill_value=0.0).clip(lower=0.0)
        part = allocate_scarce_stock(lines[lines.due_date == day], available.rename("available_quantity").reset_index(), segments)
        taken = taken.add(part.groupby(PAIR).allocated_quantity.sum(), fill_value=0.0)
        parts.append(part)
    allocation = pd.concat(parts, ignore_index=True)
    replace_table(warehouse, SCHEMA, "order_allocation", allocation)
    short = allocation[allocation.short_quantity > 0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(allocation)),
            "window_end": str(window_end.date()),
            "short_lines": dg.MetadataValue.int(len(short)),
            "short_units": dg.MetadataValue.float(float(short.short_quantity.sum())),
            "by_reason": markdown_table(
                ("reason", "lines", "units short"), [(r, len(g), f"{g.short_quantity.sum():,.0f}") for r, g in short.groupby("short_reason")]
            ),
            "segments_ranked_lowest": markdown_table(
                ("segment", "lines", "ranked as"),
                [
                    (segment, count, f"{tiers.lowest()}, the lowest priority: no allocation priority in the company's segments")
                    for segment, count in unranked_segments.items()
                ],
            ),
        }
    )


@planning_asset(
    ONLINE_ORDER_ROUTING,
    [ORDERS_TO_ROUTE, AVAILABLE_TO_PROMISE, SHIPPING_LANES, COMMITTED_ORDERS, CHANNELS],
    "Ship-from location of each web order line to route: a DC or store in reach with the whole line available to sell "
    "online, then the cheapest, then the least loaded; beside the order management system's own choice.",
)
def online_order_routing(warehouse: DuckDBWarehouse) -> dg.MaterializeResult:
    lines = read_frame(warehouse, f"SELECT * FROM {SCHEMA}.fct_online_orders_to_route")
    if lines.empty:
        return dg.MaterializeResult(metadata={"dagster/row_count": dg.MetadataValue.int(0)})
    stock = read_frame(
        warehouse,
        f"""SELECT location_id, sku_id, ats AS available_quantity FROM {SCHEMA}.available_to_sell
            WHERE channel_id IN {ONLINE_CHANNELS} AND date = (SELECT min(date) FROM {SCHEMA}.available_to_sell)""",
    )
    # the lines to route already hold stock where the order system put them (shipped today, or
    # committed there): that stock is theirs to be routed again
    held = lines.groupby(["oms_ship_from_location_id", "sku_id"]).quantity.sum()
    held.index = held.index.set_names(["location_id", "sku_id"])
    stock = stock.set_index(["location_id", "sku_id"]).available_quantity.add(held, fill_value=0.0).rename("available_quantity").reset_index()
    costs = read_frame(warehouse, f"SELECT location_id, region, cost_per_unit FROM {SCHEMA}.dim_shipping_lanes")
    load = read_frame(
        warehouse,
        f"""SELECT lanes.location_id, count(DISTINCT orders.order_id || '|' || orders.order_line) AS open_lines,
                   any_value(lanes.online_lines_capacity_per_day) AS capacity_lines
            FROM {SCHEMA}.dim_shipping_lanes AS lanes
            LEFT JOIN {SCHEMA}.fct_committed_orders AS orders
              ON orders.location_id = lanes.location_id AND NOT orders.is_stale AND orders.channel_id IN {SHIPPED_ONLINE_CHANNELS}
            GROUP BY 1""",
    )
    routed = route_online_orders(lines, stock, costs, load)
    oms_cost = costs.set_index(["location_id", "region"]).cost_per_unit.reindex(pd.MultiIndex.from_frame(routed[["oms_ship_from_location_id", "region"]]))
    routed["oms_shipping_cost"] = oms_cost.to_numpy() * routed.quantity.to_numpy()
    replace_table(warehouse, SCHEMA, "online_order_routing", routed)
    unrouted = routed.ship_from_location_id.isna()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(routed)),
            "unrouted_lines": dg.MetadataValue.int(int(unrouted.sum())),
            "shipping_cost": dg.MetadataValue.float(round(float(routed.shipping_cost.sum()), 2)),
            "oms_shipping_cost": dg.MetadataValue.float(round(float(np.nansum(routed.oms_shipping_cost)), 2)),
            "same_choice_as_oms": dg.MetadataValue.int(int((routed.ship_from_location_id == routed.oms_ship_from_location_id).sum())),
            "by_location": markdown_table(("ship from", "lines"), list(routed.ship_from_location_id.fillna("unrouted").value_counts().items())),
        }
    )


availability_assets = [available_to_promise_asset, order_allocation, online_order_routing]
