"""Rebalancing of one replenishment plan: what each SKU x location of the plan can give or needs,
then the transfers between them (:func:`ml.inventory.rebalancing.plan_rebalancing`).

Units: stock in base units, times in days, costs in currency per unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.inventory.rebalancing import plan_rebalancing
from ml.inventory.replenishment import shortages_within_lead_time
from ml.schema import FrameSchema

KEYS = ["sku_id", "location_id"]
# inventory_policies: a missing list price or cost is an unknown margin
POLICIES = FrameSchema(
    {
        "sku_id": "any",
        "location_id": "any",
        **dict.fromkeys(("lead_time_days", "order_up_to_units", "local_mean_daily_forecast", "list_price", "unit_cost"), "number"),
    },
    nullable=("list_price", "unit_cost"),
    non_negative=("lead_time_days", "order_up_to_units", "local_mean_daily_forecast"),
    unique=KEYS,
)
# projected_inventory: one plan, one row per SKU x location x day; projected on hand may be negative (short)
PROJECTION = FrameSchema(
    {"sku_id": "any", "location_id": "any", "projection_date": "day", "projected_on_hand": "number", "plan_version": "any"},
    unique=(*KEYS, "projection_date"),
)
# fct_stock_position: a position without a quantity gives nothing
STOCK = FrameSchema(
    {"sku_id": "any", "location_id": "any", "on_hand_units": "number"}, nullable=("on_hand_units",), non_negative=("on_hand_units",), unique=KEYS
)
# dim_sku: a SKU without a WMS pack moves by the unit
PACKS = FrameSchema({"sku_id": "any", "pack_size": "number"}, nullable=("pack_size",), positive=("pack_size",), unique=("sku_id",))
# The positions rebalancing weighs, none: what a plan without rows gives it.
NO_POSITIONS = pd.DataFrame(
    {
        "sku_id": pd.Series(dtype=str),
        "location_id": pd.Series(dtype=str),
        **{c: pd.Series(dtype=float) for c in ("on_hand", "order_up_to", "mean_daily_demand", "projected_shortage_units")},
        "shortage_date": pd.Series(dtype="datetime64[ns]"),
        **{c: pd.Series(dtype=float) for c in ("shortage_cost_per_unit", "pack_size")},
    }
)


@dataclass
class PlanRebalancing:
    """Rebalancing of one replenishment plan: ``transfers`` (the rows of :func:`plan_rebalancing`
    and the plan's ``plan_version``), the ``positions`` weighed (:func:`plan_positions`), and how
    many of them have no known margin (no list price or unit cost: no transfer is judged worth its
    cost for them)."""

    transfers: pd.DataFrame
    positions: pd.DataFrame
    positions_without_margin: int


def plan_positions(policies: pd.DataFrame, projection: pd.DataFrame, stock: pd.DataFrame, packs: pd.DataFrame) -> pd.DataFrame:
    """What each SKU x location of a plan can give or needs (``positions`` of :func:`plan_rebalancing`).

    ``policies``: one row per SKU x location (``inventory_policies``: lead time in days,
    order-up-to level in units, local mean daily forecast in units a day, list price and unit cost
    in currency, either may be missing). ``projection``: the plan's projected on hand per SKU x
    location x day (``projected_inventory``, ``projection_date`` as dates or timestamps).
    ``stock``: ``sku_id, location_id, on_hand_units`` now (none: 0). ``packs``: ``sku_id,
    pack_size`` (the WMS pack transfers move in; none: 1).

    A location gives from the lowest of its stock now and its lowest projected on hand until an
    order placed today could make up for it (within its own lead time, at least a day): not just
    what it holds today. It needs what it is projected short within its lead time
    (:func:`ml.inventory.replenishment.shortages_within_lead_time`). A unit short costs the margin
    it loses, ``list_price - unit_cost`` (0 when negative or unknown).
    """
    for schema, frame, name in ((POLICIES, policies, "policies"), (PROJECTION, projection, "projection"), (STOCK, stock, "stock"), (PACKS, packs, "packs")):
        schema.validate(frame, name)  # checked; used as read, so that the transfers' days keep the warehouse's types
    projection = projection.assign(projection_date=pd.to_datetime(projection["projection_date"]))
    shortages = shortages_within_lead_time(projection, policies)
    lead = policies.set_index(KEYS)["lead_time_days"].reindex(pd.MultiIndex.from_frame(projection[KEYS])).to_numpy()
    within_lead = (projection["projection_date"] - projection["projection_date"].min()).dt.days <= np.maximum(1, np.rint(lead))
    lowest = projection[within_lead].groupby(KEYS)["projected_on_hand"].min().rename("lowest_projected")
    merged = (
        policies[list(POLICIES.columns)]
        .merge(stock[[*KEYS, "on_hand_units"]], on=KEYS, how="left")
        .merge(lowest.reset_index(), on=KEYS, how="left")
        .merge(shortages, on=KEYS, how="left")
        .merge(packs[["sku_id", "pack_size"]], on="sku_id", how="left")
    )
    return pd.DataFrame(
        {
            "sku_id": merged["sku_id"],
            "location_id": merged["location_id"],
            "on_hand": np.minimum(merged["on_hand_units"].fillna(0.0), merged["lowest_projected"].fillna(0.0)),
            "order_up_to": merged["order_up_to_units"],
            "mean_daily_demand": merged["local_mean_daily_forecast"],
            "projected_shortage_units": merged["projected_shortage_units"].fillna(0.0),
            "shortage_date": merged["shortage_date"],
            # the margin a short unit loses; unknown (no list price or cost): 0, no transfer is judged worth its cost
            "shortage_cost_per_unit": (merged["list_price"] - merged["unit_cost"]).clip(lower=0.0).fillna(0.0),
            "pack_size": merged["pack_size"].fillna(1.0),  # transfers move whole WMS packs
        }
    )


def rebalance_plan(
    policies: pd.DataFrame, projection: pd.DataFrame, stock: pd.DataFrame, packs: pd.DataFrame, lanes: pd.DataFrame, excess_margin_days: float
) -> PlanRebalancing:
    """The transfers that rebalance one plan (``projection``, a single ``plan_version``), shipped
    on its first day: :func:`plan_positions` of the plan, then :func:`plan_rebalancing` along
    ``lanes`` (``dim_transfer_lanes``)."""
    PROJECTION.require_columns(projection, "projection")
    if projection.empty:
        raise ValueError("projection is empty: no plan to rebalance")
    versions = projection["plan_version"].unique()
    if len(versions) != 1:
        raise ValueError(f"projection holds {len(versions)} plan versions, rebalancing takes one plan")
    positions = plan_positions(policies, projection, stock, packs)
    first_day = pd.to_datetime(projection["projection_date"]).min()
    transfers = plan_rebalancing(positions, lanes, excess_margin_days, as_of_date=first_day).assign(plan_version=versions[0])
    without_margin = int((policies["list_price"] - policies["unit_cost"]).isna().sum())
    return PlanRebalancing(transfers=transfers, positions=positions, positions_without_margin=without_margin)


def no_rebalancing(lanes: pd.DataFrame, excess_margin_days: float) -> pd.DataFrame:
    """The transfers of no plan (nothing to plan daily): none, with the columns and types of
    :func:`rebalance_plan`'s and an empty ``plan_version``."""
    return plan_rebalancing(NO_POSITIONS.copy(), lanes.iloc[0:0], excess_margin_days, as_of_date=pd.Timestamp.now().normalize()).assign(plan_version="")
