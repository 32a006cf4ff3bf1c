"""The availability steps of a plan over the warehouse's tables: ATP and ATS per channel, the
allocation of the order book over a window of days, the re-routing of the web orders the order
system placed.

The rules are in :mod:`ml.inventory.availability` (ATP, ATS, allocation of scarce stock) and
:mod:`ml.inventory.routing`; this module shapes their inputs from the marts and combines their
results as the plan keeps them.

Units: quantities in base units (eaches), costs in currency, days as whole dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.inventory.availability import LINE_KEY, PAIR, SegmentTiers, allocate_scarce_stock, available_to_promise, available_to_sell
from ml.inventory.routing import route_online_orders
from ml.schema import FrameSchema

# inventory_policies: each SKU x location's safety stock, units
SAFETY_STOCK = FrameSchema(
    {"sku_id": "any", "location_id": "any", "location_type": "any", "safety_stock_units": "number"}, non_negative=("safety_stock_units",), unique=PAIR
)
# dim_channel_safety_buffers: the share of a location type's safety stock held back from a channel
SHARES = FrameSchema(
    {"location_type": "any", "channel_id": "any", "safety_stock_share": "number"},
    non_negative=("safety_stock_share",),
    unique=("location_type", "channel_id"),
)
# fct_committed_orders: a line without a segment or customer is ranked and named by the allocation
ORDER_BOOK = FrameSchema(
    {
        **dict.fromkeys([*LINE_KEY, *PAIR, "segment", "customer_id", "allocation_priority", "is_stale"], "any"),
        "due_date": "day",
    },
    nullable=("segment", "customer_id", "allocation_priority"),
    unique=LINE_KEY,
)
# fct_stock_position: a position without a quantity has none
ON_HAND = FrameSchema(
    {"sku_id": "any", "location_id": "any", "on_hand_units": "number"}, nullable=("on_hand_units",), non_negative=("on_hand_units",), unique=PAIR
)
# fct_scheduled_receipts: units due at a location by due day
RECEIPTS = FrameSchema(
    {"sku_id": "any", "location_id": "any", "due_date": "day", "open_quantity": "number"}, non_negative=("open_quantity",), unique=(*PAIR, "due_date")
)
# fct_online_orders_to_route: the order system's ship-from location may name no lane
PLACED_LINES = FrameSchema(
    {**dict.fromkeys([*LINE_KEY, "sku_id", "region", "oms_ship_from_location_id"], "any"), "quantity": "number"},
    nullable=("oms_ship_from_location_id",),
    positive=("quantity",),
    unique=LINE_KEY,
)
ONLINE_STOCK = FrameSchema(
    {"location_id": "any", "sku_id": "any", "available_quantity": "number"}, non_negative=("available_quantity",), unique=("location_id", "sku_id")
)
COSTS = FrameSchema({"location_id": "any", "region": "any", "cost_per_unit": "number"}, non_negative=("cost_per_unit",), unique=("location_id", "region"))
# what allocate_scarce_stock adds to a line: the columns of an allocation without lines
ALLOCATION_RESULT = {
    "allocated_quantity": float,
    "short_quantity": float,
    "allocation_tier": "int64",
    "fill_status": object,
    "short_reason": object,
    "short_reason_text": object,
}


def channel_buffers(policies: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Each channel's safety buffer at each SKU x location: ``safety_stock_share x safety_stock_units``.

    ``policies``: one row per ``sku_id`` x ``location_id`` with its ``location_type`` and
    ``safety_stock_units`` (>= 0 units; ``inventory_policies``). ``shares``: ``location_type,
    channel_id, safety_stock_share`` (>= 0, the share of a location's safety stock held back from
    the channel; ``dim_channel_safety_buffers``).

    Returns ``sku_id, location_id, channel_id, buffer_units`` (units): one row per policy and
    channel its location type has a share for; the channels :func:`available_to_sell` sells
    through at the location.
    """
    policies = SAFETY_STOCK.validate(policies, "policies")
    shares = SHARES.validate(shares, "shares")
    rows = policies[list(SAFETY_STOCK.columns)].merge(shares[list(SHARES.columns)], on="location_type")
    rows["buffer_units"] = rows["safety_stock_share"] * rows["safety_stock_units"]
    return rows[[*PAIR, "channel_id", "buffer_units"]].reset_index(drop=True)


def availability_of_plan(balances: pd.DataFrame, policies: pd.DataFrame, shares: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ATP by SKU x location x day and ATS by channel, their ``date`` as ``datetime.date`` values
    (as the marts hold days).

    ``balances``: the daily flows of ``fct_atp_inputs`` (see :func:`available_to_promise`);
    ``policies`` and ``shares``: the safety stock and the channels' shares of it
    (:func:`channel_buffers`), which :func:`available_to_sell` holds back from each channel.
    """
    atp = available_to_promise(balances)
    ats = available_to_sell(atp, channel_buffers(policies, shares))
    return atp.assign(date=atp["date"].dt.date), ats.assign(date=pd.to_datetime(ats["date"]).dt.date)


@dataclass
class WindowAllocation:
    """The allocation of the order book's window: ``allocation`` (its lines with ``priority`` and
    :func:`allocate_scarce_stock`'s columns), its last day (None without open lines), the lowest
    priority's segment and, per segment without an allocation priority, the lines ranked with it."""

    allocation: pd.DataFrame
    window_end: pd.Timestamp | None
    lowest_segment: str | None
    unranked_segments: pd.Series


def allocate_order_book(
    lines: pd.DataFrame, stock: pd.DataFrame, scheduled_receipts: pd.DataFrame, segments: pd.DataFrame, allocation_days: int
) -> WindowAllocation:
    """Allocate the open order lines due within ``allocation_days`` (>= 1) of the first due day.

    ``lines``: the order book (``fct_committed_orders``: one row per ``order_id, order_line`` with
    ``due_date``, ``is_stale``, ``allocation_priority`` and the columns of
    :func:`allocate_scarce_stock`); stale lines are left out (reported, not planned).
    ``stock``: ``sku_id, location_id, on_hand_units`` (units now; a pair without a row has none).
    ``scheduled_receipts``: ``sku_id, location_id, due_date, open_quantity`` (units due at the
    location that day; ``fct_scheduled_receipts``). ``segments``: ``segment,
    allocation_priority`` (see :class:`SegmentTiers`).

    A line whose segment has no allocation priority (consumers' web and marketplace orders have
    none) ranks with the lowest priority's segment, as ``fct_committed_orders`` ranks it; a line
    without a customer is its own customer (its order). Day by day over the window (a loop over
    its few days, each allocating all its lines at once), the lines due that day share what is
    there by then: on hand plus the receipts due by that day, less what earlier days' lines took.
    """
    if isinstance(allocation_days, bool) or not float(allocation_days).is_integer() or allocation_days < 1:
        raise ValueError(f"allocation_days must be a whole number >= 1, got {allocation_days!r}")
    # checked; the lines are used as read, so that the allocation's days keep the warehouse's types
    ORDER_BOOK.validate(lines, "lines")
    stock = ON_HAND.validate(stock, "stock")
    scheduled_receipts = RECEIPTS.validate(scheduled_receipts, "scheduled_receipts")
    open_lines = lines[~lines["is_stale"].astype(bool)]
    if open_lines.empty:  # no open order lines (or a company without order book): an empty allocation
        empty = open_lines.rename(columns={"allocation_priority": "priority"})
        empty = empty.assign(**{column: pd.Series(dtype=dtype) for column, dtype in ALLOCATION_RESULT.items()})
        return WindowAllocation(allocation=empty, window_end=None, lowest_segment=None, unranked_segments=pd.Series(dtype="int64"))

    due = pd.to_datetime(open_lines["due_date"])
    window_end = due.min() + pd.Timedelta(days=int(allocation_days) - 1)
    in_window = (due <= window_end).to_numpy()
    window, due = open_lines[in_window].rename(columns={"allocation_priority": "priority"}), due[in_window]
    tiers = SegmentTiers(segments)
    unranked = ~window["segment"].isin(list(tiers.priority.index))
    unranked_segments = window["segment"][unranked].fillna("none").value_counts()
    window = window.assign(segment=window["segment"].where(~unranked, tiers.lowest()), customer_id=window["customer_id"].fillna(window["order_id"]))

    on_hand = stock.set_index(PAIR)["on_hand_units"]
    receipt_day = scheduled_receipts["due_date"]
    taken = pd.Series(0.0, index=on_hand.index)
    parts = []
    for day in np.sort(due.unique()):
        arrived = scheduled_receipts[receipt_day <= day].groupby(PAIR)["open_quantity"].sum()
        available = on_hand.add(arrived, fill_value=0.0).sub(taken, fill_value=0.0).clip(lower=0.0)
        part = allocate_scarce_stock(window[(due == day).to_numpy()], available.rename("available_quantity").reset_index(), segments)
        taken = taken.add(part.groupby(PAIR)["allocated_quantity"].sum(), fill_value=0.0)
        parts.append(part)
    return WindowAllocation(
        allocation=pd.concat(parts, ignore_index=True), window_end=window_end, lowest_segment=tiers.lowest(), unranked_segments=unranked_segments
    )


def reroute_online_orders(lines: pd.DataFrame, stock: pd.DataFrame, costs: pd.DataFrame, load: pd.DataFrame) -> pd.DataFrame:
    """Route again the web order lines the order management system placed, beside its choice.

    ``lines``: as for :func:`route_online_orders`, with ``oms_ship_from_location_id`` (where the
    order system put the line; ``fct_online_orders_to_route``). ``stock``: ``location_id, sku_id,
    available_quantity`` (what each location has available to sell online,
    ``fct_online_stock_to_route``). ``costs`` (``dim_shipping_lanes``) and ``load``
    (``fct_online_picking_load``): as for :func:`route_online_orders`.

    The lines already hold stock where the order system put them (shipped today, or committed
    there): that stock is theirs to be routed again, added to the location's available quantity
    before routing. Returns :func:`route_online_orders`'s rows with ``oms_shipping_cost``, the
    order system's choice's cost: its lane's cost per unit x quantity (NaN without a lane).
    """
    # checked; route_online_orders checks the rest and keeps the lines' columns as read
    PLACED_LINES.validate(lines, "lines")
    ONLINE_STOCK.validate(stock, "stock")
    COSTS.validate(costs, "costs")
    held = lines.groupby(["oms_ship_from_location_id", "sku_id"])["quantity"].sum()
    held.index = held.index.set_names(["location_id", "sku_id"])
    available = stock.set_index(["location_id", "sku_id"])["available_quantity"].add(held, fill_value=0.0)
    routed = route_online_orders(lines, available.rename("available_quantity").reset_index(), costs, load)
    lane = pd.MultiIndex.from_frame(routed[["oms_ship_from_location_id", "region"]])
    routed["oms_shipping_cost"] = costs.set_index(["location_id", "region"])["cost_per_unit"].reindex(lane).to_numpy() * routed["quantity"].to_numpy()
    return routed
