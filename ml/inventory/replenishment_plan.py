"""The replenishment plan of the warehouse's tables, named by its plan version.

:func:`versioned_plan` turns the marts' long tables (policies, daily projection inputs, stock
position, scheduled receipts) into the matrices :func:`ml.inventory.replenishment.plan_replenishment`
projects, and its result into the tables the plan is kept as: the projection with the forecast and
committed units beside it, and the planned orders with their value, both under the plan version
(:func:`ml.inventory.plan_version.plan_version`: as of the stock's day, a hash of the orders).
:func:`empty_plan` is the plan of a company with nothing to plan daily; :func:`why_no_stock` says
why a plan found no stock position.

Units: stock and demand in base units, values in currency, days as dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.inventory.plan_version import plan_version
from ml.inventory.replenishment import POLICY_COLUMNS, plan_replenishment
from ml.schema import FrameSchema

KEYS = ["sku_id", "location_id"]
FLOWS = ("forecast_units", "committed_units", "independent_demand_units", "scheduled_receipts")
# fct_projection_inputs: one row per SKU x location x day of the horizon, units
INPUTS = FrameSchema(
    {"sku_id": "any", "location_id": "any", "projection_date": "day", **dict.fromkeys(FLOWS, "number")},
    non_negative=FLOWS,
    unique=(*KEYS, "projection_date"),
)
# fct_stock_position: a position without a quantity is planned from zero, as one without a row
STOCK = FrameSchema(
    {"sku_id": "any", "location_id": "any", "on_hand_units": "number", "as_of_date": "day"},
    nullable=("on_hand_units",),
    non_negative=("on_hand_units",),
    unique=KEYS,
)
# fct_scheduled_receipts: open supply due at a location, units by due day
RECEIPTS = FrameSchema(
    {"sku_id": "any", "location_id": "any", "due_date": "day", "open_quantity": "number"}, non_negative=("open_quantity",), unique=(*KEYS, "due_date")
)
# a policy's unit cost prices its orders; unknown (no cost in the data): their value is unknown
UNIT_COST = FrameSchema({"unit_cost": "number"}, nullable=("unit_cost",), non_negative=("unit_cost",))
# fct_stock_count_days
COUNT_DAYS = FrameSchema({"snapshot_date": "day", "stock_counts": "number"}, non_negative=("stock_counts",), whole=("stock_counts",), unique=("snapshot_date",))


@dataclass
class VersionedPlan:
    """A replenishment plan as the warehouse keeps it, named by its plan version.

    ``projection``: :attr:`ReplenishmentPlan.projection` with the day's ``forecast_units`` and
    ``committed_units`` beside it and ``plan_version``; ``orders``: :attr:`ReplenishmentPlan.orders`
    with ``plan_version`` and ``order_value`` (units x the policy's unit cost). Day columns hold
    dates (``datetime.date``), as the marts' do."""

    version: str
    projection: pd.DataFrame
    orders: pd.DataFrame
    first_day: pd.Timestamp  # the horizon's first day, the day after the last day of history
    counted_rows: int  # SKU x locations planned from their stock position
    uncounted_rows: int  # SKU x locations without one, planned from zero stock


def _as_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Day columns as dates, like the marts' (the projection works on timestamps)."""
    return frame.assign(**{column: pd.to_datetime(frame[column]).dt.date for column in columns})


def _by_day(inputs: pd.DataFrame, index: pd.MultiIndex, column: str) -> np.ndarray:
    """``inputs[column]`` as a ``[rows, days]`` matrix: rows in ``index`` order (0 for a row
    without inputs), one column per projection day in date order."""
    by_day = inputs.pivot_table(index=KEYS, columns="projection_date", values=column, aggfunc="sum")
    return by_day.reindex(index).fillna(0.0).to_numpy()


def versioned_plan(policies: pd.DataFrame, inputs: pd.DataFrame, stock: pd.DataFrame, scheduled_receipts: pd.DataFrame) -> VersionedPlan:
    """The replenishment plan of the marts' tables, named by its plan version.

    ``policies``: one row per SKU x stocking location (``inventory_policies``: :data:`POLICY_COLUMNS`,
    ``unit_cost`` and optionally ``review_anchor_date``); the plan's rows, in this order.
    ``inputs``: one row per SKU x location x ``projection_date`` over the horizon
    (``fct_projection_inputs``: forecast, committed and independent demand units, scheduled
    receipts); a policy row without inputs has none of them. ``stock``: the stock position per
    SKU x location (``fct_stock_position``: ``on_hand_units``, ``as_of_date`` the last day of
    history); a policy row without one is planned from zero stock. ``scheduled_receipts``: open
    supply per SKU x location x ``due_date`` (``fct_scheduled_receipts``); what is due after the
    horizon counts in the inventory position only.

    The plan version is ``PLAN-<as of>-<hash of the orders>`` (:func:`plan_version`), as of the
    stock's day, else (no stock at all) the day before the horizon's first day.
    """
    FrameSchema(dict.fromkeys(POLICY_COLUMNS, "any")).require_columns(policies, "policies")
    UNIT_COST.validate(policies, "policies")
    inputs = INPUTS.validate(inputs, "inputs")
    stock = STOCK.validate(stock, "stock")
    scheduled_receipts = RECEIPTS.validate(scheduled_receipts, "scheduled_receipts")
    if inputs.empty:
        raise ValueError("inputs is empty: no horizon to plan (the consensus forecast has no day)")
    first_day, last_day = inputs["projection_date"].min(), inputs["projection_date"].max()

    index = pd.MultiIndex.from_frame(policies[KEYS])
    on_hand = stock.set_index(KEYS)["on_hand_units"].reindex(index)
    after_horizon = scheduled_receipts[scheduled_receipts["due_date"] > last_day].groupby(KEYS)["open_quantity"].sum()
    plan = plan_replenishment(
        policies,
        on_hand.fillna(0.0).to_numpy(),
        _by_day(inputs, index, "scheduled_receipts"),
        _by_day(inputs, index, "independent_demand_units"),
        first_day,
        receipts_after_horizon=after_horizon.reindex(index).fillna(0.0).to_numpy(),
    )
    orders = _as_dates(plan.orders, ["release_date", "due_date"])
    as_of = pd.Timestamp(stock["as_of_date"].max()) if not stock.empty else first_day - pd.Timedelta(days=1)
    version = plan_version(as_of, orders)
    unit_cost = policies.set_index(KEYS)["unit_cost"]
    ordered = pd.MultiIndex.from_frame(orders[["sku_id", "to_location_id"]])
    orders = orders.assign(plan_version=version, order_value=orders["quantity_units"] * unit_cost.reindex(ordered).to_numpy())
    # the forecast and the committed orders the independent demand consumed, beside it
    shown = _as_dates(inputs[[*KEYS, "projection_date", "forecast_units", "committed_units"]], ["projection_date"])
    projection = _as_dates(plan.projection, ["projection_date"]).merge(shown, on=[*KEYS, "projection_date"], how="left")
    return VersionedPlan(
        version=version,
        projection=projection.assign(plan_version=version),
        orders=orders,
        first_day=first_day,
        counted_rows=int(on_hand.notna().sum()),
        uncounted_rows=int(on_hand.isna().sum()),
    )


def empty_plan(policies: pd.DataFrame) -> VersionedPlan:
    """No plan (nothing to plan daily): the projection's and the orders' columns without a row,
    day columns typed as dates, no version (``""``)."""
    empty = plan_replenishment(policies.iloc[0:0], np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0)), pd.Timestamp.now().normalize())
    no_day = pd.Series(dtype="date32[pyarrow]")
    projection = empty.projection.assign(projection_date=no_day, forecast_units=0.0, committed_units=0.0, plan_version="")
    orders = empty.orders.assign(release_date=no_day, due_date=no_day, plan_version="", order_value=0.0)
    return VersionedPlan(version="", projection=projection, orders=orders, first_day=pd.NaT, counted_rows=0, uncounted_rows=0)


def why_no_stock(count_days: pd.DataFrame, first_day) -> str:
    """Why a plan found no stock position, from the days the company counted its stock
    (``fct_stock_count_days``: ``snapshot_date``, ``stock_counts``) and the plan's first day: the
    company sends no stock counts, or its counts are dated after the plan's first day (the stock
    position takes the latest count on or before it), or none of them gives a physical count at a
    warehouse or store."""
    count_days = COUNT_DAYS.validate(count_days, "count_days")
    day = pd.Timestamp(first_day)
    dates = count_days["snapshot_date"]
    later = dates > day
    counts, later_counts = int(count_days["stock_counts"].sum()), int(count_days.loc[later, "stock_counts"].sum())
    if later_counts:
        s = "s" * (later_counts != 1)
        return (
            f"{later_counts} stock count{s} dated after {day.date()}, the plan's first day (from {dates[later].min().date()}), "
            f"{'are' if later_counts != 1 else 'is'} not used"
        )
    if counts:
        return f"none of the {counts} stock counts on or before {day.date()} has a physical count at a warehouse or store"
    return "the company sends no stock counts"
