"""Projected inventory by day and planned orders, through the DC -> store network.

Rows are SKU x stocking locations with their policy (:func:`ml.inventory.policies.compute_policies`);
matrices are ``[rows, days]`` over the horizon, day 0 the first day after the last day of history.

Each day, for every row at once: scheduled and planned receipts arrive, the day's demand leaves,
and on a review day a row whose inventory position (on hand plus everything on order) is below
its order-up-to level orders the larger of the gap and its lot size, raised to the minimum order
quantity and rounded up to the order multiple; the order arrives after the lead time (whole days).
A row reviews every review period from its ``review_anchor_date`` (a store on its own weekday),
so that plans made on consecutive days keep each store's weekly order day.

- Independent demand (the consensus forecast consumed by the committed orders, computed by the
  dbt model ``fct_projection_inputs``) is an input.
- Stores (supply type TRANSFER) are planned first: their transfer orders leave their DC on the
  release day, which adds them to that DC's demand (dependent demand); the DCs are planned next
  and buy (PURCHASE) or have made (PRODUCTION) what they need.
- Projected on hand may fall below zero: the shortage the plan cannot avoid within lead time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.inventory import policy
from ml.schema import FrameSchema

ORDER_TYPES = {"PURCHASE": "PURCHASE_ORDER", "PRODUCTION": "MANUFACTURING_ORDER", "TRANSFER": "TRANSFER_ORDER"}
POLICY_COLUMNS = (
    "sku_id",
    "location_id",
    "supply_type",
    "source_id",
    "lead_time_days",
    "review_period_days",
    "order_up_to_units",
    "reorder_point_units",
    "safety_stock_units",
    "lot_size",
    "minimum_order_quantity",
    "order_multiple",
)


@dataclass
class ReplenishmentPlan:
    projection: pd.DataFrame  # one row per SKU x location x day
    orders: pd.DataFrame  # one row per planned order


def _matrix(values, rows: int, days: int, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.shape != (rows, days):
        raise ValueError(f"{name} must be [rows, days] = {(rows, days)}, got {array.shape}")
    if np.isnan(array).any() or (array < 0).any():
        raise ValueError(f"{name} must hold quantities >= 0 (no missing values)")
    return array


def _project(rows: np.ndarray, state: dict[str, np.ndarray], policy_frame: pd.DataFrame, days: int) -> None:
    """Run the daily projection for the ``rows`` (indices), writing into the ``state`` matrices."""
    lead = np.maximum(1, np.rint(policy_frame["lead_time_days"].to_numpy(float)[rows])).astype(int)
    review = np.maximum(1, np.rint(policy_frame["review_period_days"].to_numpy(float)[rows])).astype(int)
    offset = state["review_offset"][rows] % review  # day 0 is ``offset`` days after a review day
    target = policy_frame["order_up_to_units"].to_numpy(float)[rows]
    lot = policy_frame["lot_size"].to_numpy(float)[rows]
    moq = policy_frame["minimum_order_quantity"].to_numpy(float)[rows]
    multiple = policy_frame["order_multiple"].to_numpy(float)[rows]
    demand = state["independent"][rows] + state["dependent"][rows]
    arrivals = state["receipts"][rows].copy()
    # on order beyond the horizon never arrives within it but counts in the position
    pipeline = arrivals.sum(axis=1) + state["receipts_after"][rows]
    on_hand = state["on_hand"][rows].copy()
    for day in range(days):  # days, not rows: every row moves at once
        on_hand += arrivals[:, day]
        pipeline -= arrivals[:, day]
        on_hand -= demand[:, day]
        position = on_hand + pipeline
        ordering = ((day + offset) % review == 0) & (position < target - 1e-9)
        quantity = policy.round_order_quantity(np.where(ordering, np.maximum(target - position, lot), 0.0), moq, multiple)
        arrival_day = day + lead
        inside = ordering & (arrival_day < days)
        np.add.at(arrivals, (np.flatnonzero(inside), arrival_day[inside]), quantity[inside])
        pipeline += quantity
        state["position"][rows, day] = position
        state["projected_on_hand"][rows, day] = on_hand
        state["order_quantity"][rows, day] = quantity
        state["demand"][rows, day] = demand[:, day]
    state["planned_receipts"][rows] = arrivals - state["receipts"][rows]


def plan_replenishment(
    policies: pd.DataFrame,
    on_hand,
    receipts,
    independent_demand,
    start_date,
    receipts_after_horizon=None,
) -> ReplenishmentPlan:
    """Project every row day by day and plan its orders.

    ``policies``: one row per SKU x stocking location with :data:`POLICY_COLUMNS` (units and days),
    and optionally ``review_anchor_date`` (a day the row reviews; default: day 0).
    ``on_hand`` [rows]: stock at the start (units, >= 0). ``receipts`` [rows, days]: open supply by
    arrival day (overdue supply on day 0). ``independent_demand`` [rows, days]: the location's own
    demand by day (units). ``receipts_after_horizon`` [rows]: open supply due after the horizon
    (in the position only).
    """
    FrameSchema(dict.fromkeys(POLICY_COLUMNS, "any")).require_columns(policies, "policies")
    policies = policies.reset_index(drop=True)
    rows = len(policies)
    receipts = _matrix(receipts, rows, np.shape(receipts)[1] if np.ndim(receipts) == 2 else -1, "receipts")
    days = receipts.shape[1]
    state = {
        "on_hand": np.asarray(on_hand, dtype=float).reshape(rows),
        "receipts": receipts,
        "receipts_after": np.zeros(rows) if receipts_after_horizon is None else np.asarray(receipts_after_horizon, dtype=float).reshape(rows),
        "independent": _matrix(independent_demand, rows, days, "independent_demand"),
        "dependent": np.zeros((rows, days)),
        "review_offset": _review_offsets(policies, start_date),
        **{name: np.zeros((rows, days)) for name in ("position", "projected_on_hand", "order_quantity", "demand", "planned_receipts")},
    }
    if (state["on_hand"] < 0).any():
        raise ValueError("on_hand must be >= 0")

    transfer = (policies["supply_type"] == "TRANSFER").to_numpy()
    row_of = pd.Series(np.arange(rows), index=pd.MultiIndex.from_frame(policies[["sku_id", "location_id"]]))
    _project(np.flatnonzero(transfer), state, policies, days)
    # a store's transfer orders leave its DC on their release day: demand at the DC's row
    shipping = np.flatnonzero(transfer)
    source_rows = row_of.reindex(pd.MultiIndex.from_arrays([policies["sku_id"].to_numpy()[shipping], policies["source_id"].to_numpy()[shipping]])).to_numpy()
    supplied = ~np.isnan(source_rows)
    np.add.at(state["dependent"], source_rows[supplied].astype(int), state["order_quantity"][shipping[supplied]])
    _project(np.flatnonzero(~transfer), state, policies, days)

    dates = pd.Timestamp(start_date) + pd.to_timedelta(np.arange(days), unit="D")
    projection = _projection_frame(policies, state, dates, np.flatnonzero(transfer)[~supplied])
    orders = _orders_frame(policies, state, dates)
    return ReplenishmentPlan(projection=projection, orders=orders)


def _review_offsets(policies: pd.DataFrame, start_date) -> np.ndarray:
    """Days from each row's review anchor to day 0 (0 without an anchor: day 0 reviews)."""
    if "review_anchor_date" not in policies.columns:
        return np.zeros(len(policies), dtype=int)
    anchor = pd.to_datetime(policies["review_anchor_date"])
    return (pd.Timestamp(start_date) - anchor).dt.days.fillna(0).to_numpy().astype(int)


def _projection_frame(policies: pd.DataFrame, state: dict[str, np.ndarray], dates: pd.DatetimeIndex, unsupplied: np.ndarray) -> pd.DataFrame:
    rows, days = state["independent"].shape
    repeat = np.repeat(np.arange(rows), days)
    frame = pd.DataFrame(
        {
            "sku_id": policies["sku_id"].to_numpy()[repeat],
            "location_id": policies["location_id"].to_numpy()[repeat],
            "projection_date": np.tile(dates.to_numpy(), rows),
            "independent_demand_units": state["independent"].ravel(),
            "dependent_units": state["dependent"].ravel(),
            "demand_units": state["demand"].ravel(),
            "scheduled_receipts": state["receipts"].ravel(),
            "planned_receipts": state["planned_receipts"].ravel(),
            "projected_on_hand": state["projected_on_hand"].ravel(),
            "inventory_position": state["position"].ravel(),
            "planned_order_units": state["order_quantity"].ravel(),
            "safety_stock_units": policies["safety_stock_units"].to_numpy(float)[repeat],
            "reorder_point_units": policies["reorder_point_units"].to_numpy(float)[repeat],
            "order_up_to_units": policies["order_up_to_units"].to_numpy(float)[repeat],
        }
    )
    frame["is_below_safety_stock"] = frame.projected_on_hand < frame.safety_stock_units
    frame["is_short"] = frame.projected_on_hand < 0
    if unsupplied.size:  # a store whose DC has no row (SKU not stocked there): said, not hidden
        frame.attrs["unsupplied_rows"] = policies.iloc[unsupplied][["sku_id", "location_id", "source_id"]].to_dict("records")
    return frame


def _orders_frame(policies: pd.DataFrame, state: dict[str, np.ndarray], dates: pd.DatetimeIndex) -> pd.DataFrame:
    row, day = np.nonzero(state["order_quantity"] > 0)
    p = policies.iloc[row].reset_index(drop=True)
    lead = np.maximum(1, np.rint(p["lead_time_days"].to_numpy(float))).astype(int)
    position = state["position"][row, day]
    on_hand = state["projected_on_hand"][row, day]
    # first projected shortage from the release day until the order arrives: what it cannot prevent
    horizon = np.arange(state["independent"].shape[1])[None, :]
    window = (horizon >= day[:, None]) & (horizon < (day + lead)[:, None])
    short_before = (state["projected_on_hand"][row] < 0) & window
    orders = pd.DataFrame(
        {
            "order_type": p["supply_type"].map(ORDER_TYPES).to_numpy(),
            "sku_id": p["sku_id"].to_numpy(),
            "from_id": p["source_id"].to_numpy(),
            "to_location_id": p["location_id"].to_numpy(),
            "release_date": dates[day],
            "due_date": dates[day] + pd.to_timedelta(lead, unit="D"),
            "quantity_units": state["order_quantity"][row, day],
            "inventory_position": position,
            "projected_on_hand": on_hand,
            "order_up_to_units": p["order_up_to_units"].to_numpy(float),
            "lot_size": p["lot_size"].to_numpy(float),
            "reason_code": np.where(
                short_before.any(axis=1),
                "SHORTAGE_WITHIN_LEAD_TIME",
                np.where(on_hand < p["safety_stock_units"].to_numpy(float), "BELOW_SAFETY_STOCK", "BELOW_ORDER_UP_TO"),
            ),
        }
    )
    orders["reason"] = (
        "position "
        + orders.inventory_position.round(0).astype(int).astype(str)
        + " below order-up-to "
        + orders.order_up_to_units.round(0).astype(int).astype(str)
        + " on "
        + orders.release_date.dt.strftime("%Y-%m-%d")
        + " (projected on hand "
        + orders.projected_on_hand.round(0).astype(int).astype(str)
        + "); "
        + np.where(orders.lot_size > 0, "lot " + orders.lot_size.round(0).astype(int).astype(str) + ", ", "")
        + "rounded to MOQ and multiple"
        + np.where(orders.reason_code == "SHORTAGE_WITHIN_LEAD_TIME", "; stock runs out before it arrives", "")
    )
    return orders.sort_values(["release_date", "order_type", "to_location_id", "sku_id"], kind="stable").reset_index(drop=True)


def shortages_within_lead_time(projection: pd.DataFrame, policies: pd.DataFrame) -> pd.DataFrame:
    """Per SKU x location of a projection (``ReplenishmentPlan.projection``): the units it is projected short before an order placed on the first day
    could arrive (its lead time in whole days), and the first short day (NaT if none). What only
    stock already in the network (rebalancing) can cover."""
    lead = policies.set_index(["sku_id", "location_id"])["lead_time_days"].pipe(lambda s: np.maximum(1, np.rint(s.astype(float))))
    first_day = projection["projection_date"].min()
    window_days = (projection["projection_date"] - first_day).dt.days.to_numpy()
    window = window_days <= lead.reindex(pd.MultiIndex.from_frame(projection[["sku_id", "location_id"]])).to_numpy()
    inside = projection[window].assign(short_units=lambda f: np.maximum(-f["projected_on_hand"], 0.0))
    grouped = inside.groupby(["sku_id", "location_id"], sort=False)
    result = grouped["short_units"].max().rename("projected_shortage_units").to_frame()
    result["shortage_date"] = inside[inside["short_units"] > 0].groupby(["sku_id", "location_id"], sort=False)["projection_date"].min()
    return result.reset_index()
