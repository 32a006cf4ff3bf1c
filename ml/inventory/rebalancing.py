"""Rebalancing between locations (SPEC section 6): move excess stock of a SKU from a location
that holds more than it needs to a location projected short, when the transfer costs less per
unit than the shortage it avoids.

Units: stock in base units, times in days, costs in currency per unit.

- Excess of a location: ``max(0, on_hand - order_up_to - excess_margin_days * mean_daily_demand)``,
  the units it can give away and still sit above its order-up-to level plus a margin of days of
  demand. A location projected short has no excess.
- Need of a location: its projected shortage (units short before its own replenishment can
  arrive), from the caller's projection.
- A transfer along a lane (``from_location_id`` to ``to_location_id``) is eligible when the lane
  exists, ``transfer_cost_per_unit < shortage_cost_per_unit`` of the receiver, and the goods shipped
  on ``as_of_date`` arrive by the shortage date: ``as_of_date + transfer_days <= shortage_date``.
- Matching, greedy on the saving per unit ``shortage_cost_per_unit - transfer_cost_per_unit``: the
  eligible (giver, receiver) pairs are ranked once, best first (largest saving, then cheapest
  lane, then fastest lane, then earliest shortage, then ids), and each pair in turn receives
  ``min(giver's remaining excess, receiver's remaining need)``. It runs in rounds over all SKUs at
  once: a round serves every pair that is the best remaining pair of both its giver and its
  receiver (no better pair can take from either of them first), which exhausts at least one of
  the two. The result equals the one-pair-at-a-time greedy; rounds are bounded by the number of
  givers plus receivers of the busiest SKU and are a handful in practice.
- Quantities move in whole packs (``pack_size`` per SKU x location row, default 1): excess and
  need are rounded down to whole packs before matching, so no transfer exceeds the giver's excess
  nor the receiver's shortage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.inventory.policy import checked_array
from ml.schema import FrameSchema

# one row per SKU x location; on_hand may be negative (a book deficit: no excess)
POSITIONS = FrameSchema(
    {
        "sku_id": "any",
        "location_id": "any",
        "on_hand": "number",
        "order_up_to": "number",
        "mean_daily_demand": "number",
        "projected_shortage_units": "number",
        "shortage_date": "date",
        "shortage_cost_per_unit": "number",
    },
    nullable=("shortage_date",),
    non_negative=("order_up_to", "mean_daily_demand", "projected_shortage_units", "shortage_cost_per_unit"),
    unique=("sku_id", "location_id"),
)
PACKS = FrameSchema({"pack_size": "number"}, positive=("pack_size",))  # optional column, default 1
LANES = FrameSchema(
    {"from_location_id": "any", "to_location_id": "any", "transfer_cost_per_unit": "number", "transfer_days": "number"},
    non_negative=("transfer_cost_per_unit", "transfer_days"),
    unique=("from_location_id", "to_location_id"),
)
EXCESS = FrameSchema(
    {column: "number" for column in ("on_hand", "order_up_to", "mean_daily_demand", "projected_shortage_units")},
    non_negative=("order_up_to", "mean_daily_demand", "projected_shortage_units"),
)
RESULT_COLUMNS = (
    "sku_id",
    "from_location_id",
    "to_location_id",
    "quantity",
    "transfer_cost_per_unit",
    "shortage_cost_per_unit",
    "transfer_cost",
    "avoided_shortage_cost",
    "net_saving",
    "ship_date",
    "arrival_date",
    "shortage_date",
    "reason",
)


def _whole_packs(units: np.ndarray, pack: np.ndarray) -> np.ndarray:
    return np.floor(np.round(units / pack, 9))  # round(): 3 packs of 0.1 must stay 3 packs


def _number_text(values: np.ndarray, pattern: str) -> np.ndarray:
    return np.char.mod(pattern, np.asarray(values, dtype=float))


def excess_units(positions: pd.DataFrame, excess_margin_days: float = 7.0) -> np.ndarray:
    """Units each row can give away: ``max(0, on_hand - order_up_to - margin * mean_daily_demand)``,
    zero where the row is projected short. One value per row of ``positions``."""
    margin = float(checked_array(excess_margin_days, "excess_margin_days", minimum=0))
    frame = EXCESS.validate(positions, "positions")
    on_hand, level = frame["on_hand"].to_numpy(), frame["order_up_to"].to_numpy()
    demand, shortage = frame["mean_daily_demand"].to_numpy(), frame["projected_shortage_units"].to_numpy()
    return np.where(shortage > 0, 0.0, np.maximum(on_hand - level - margin * demand, 0.0))


def _greedy_match(giver: np.ndarray, receiver: np.ndarray, capacity: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Quantity per edge; edges sorted best first, ``giver`` and ``receiver`` index ``capacity`` and ``need``."""
    capacity, need = capacity.copy(), need.copy()
    quantity = np.zeros(len(giver))
    dominant_at_giver, dominant_at_receiver = np.zeros(len(giver), bool), np.zeros(len(giver), bool)
    while True:  # rounds, not rows: every dominant pair of every SKU is served at once
        live = np.flatnonzero((capacity[giver] > 0) & (need[receiver] > 0))
        if live.size == 0:
            return quantity
        dominant_at_giver[:], dominant_at_receiver[:] = False, False
        dominant_at_giver[live[np.unique(giver[live], return_index=True)[1]]] = True  # first = best: edges are sorted
        dominant_at_receiver[live[np.unique(receiver[live], return_index=True)[1]]] = True
        served = live[dominant_at_giver[live] & dominant_at_receiver[live]]  # one per giver and per receiver
        moved = np.minimum(capacity[giver[served]], need[receiver[served]])
        quantity[served] = moved
        capacity[giver[served]] -= moved
        need[receiver[served]] -= moved


def plan_rebalancing(positions: pd.DataFrame, lanes: pd.DataFrame, excess_margin_days: float = 7.0, *, as_of_date) -> pd.DataFrame:
    """Transfers from locations with excess to locations projected short, greedy on the saving.

    ``positions``: one row per ``sku_id`` x ``location_id`` with ``on_hand`` (units now),
    ``order_up_to`` (units), ``mean_daily_demand`` (units a day), ``projected_shortage_units`` (>= 0,
    units short before the location's own replenishment can arrive), ``shortage_date`` (first
    projected short day; required where the shortage is positive, NaT otherwise),
    ``shortage_cost_per_unit`` (>= 0, expected cost of a unit short: lost margin or penalty) and
    optionally ``pack_size`` (> 0 units, default 1). ``lanes``: ``from_location_id``,
    ``to_location_id``, ``transfer_cost_per_unit`` (>= 0) and ``transfer_days`` (>= 0); one row per
    pair, a missing pair is no transfer. Transfers ship on ``as_of_date``.

    Returns one row per transfer (``RESULT_COLUMNS``), by SKU and best saving first: ``quantity``
    (units, whole packs), ``transfer_cost`` and ``avoided_shortage_cost`` (quantity times the unit
    costs), ``net_saving`` (their difference), ``ship_date``, ``arrival_date``, the receiver's
    ``shortage_date`` and a ``reason`` a planner can read.
    """
    positions = POSITIONS.validate(positions, "positions")
    lanes = LANES.validate(lanes, "lanes")
    as_of = pd.Timestamp(as_of_date)
    if pd.isna(as_of):
        raise ValueError("as_of_date is missing")

    margin = float(checked_array(excess_margin_days, "excess_margin_days", minimum=0))
    excess = excess_units(positions, margin)
    shortage = positions["projected_shortage_units"].to_numpy()
    shortage_cost = positions["shortage_cost_per_unit"].to_numpy()
    pack = PACKS.validate(positions, "positions")["pack_size"].to_numpy() if "pack_size" in positions else np.ones(len(positions))
    if (pd.Series(pack).groupby(positions["sku_id"].to_numpy()).nunique() > 1).any():
        raise ValueError("positions.pack_size differs between locations of a sku_id")
    shortage_date = positions["shortage_date"].reset_index(drop=True)
    if (shortage_date.isna() & (shortage > 0)).any():
        raise ValueError("positions.shortage_date is missing where projected_shortage_units > 0")
    lane_cost, lane_days = lanes["transfer_cost_per_unit"].to_numpy(), lanes["transfer_days"].to_numpy()

    rows = np.arange(len(positions))
    capacity, need = _whole_packs(excess, pack), _whole_packs(shortage, pack)
    sku, location = positions["sku_id"].to_numpy(), positions["location_id"].to_numpy()
    givers = pd.DataFrame({"giver": rows, "sku_id": sku, "from_location_id": location})[capacity > 0]
    receivers = pd.DataFrame({"receiver": rows, "sku_id": sku, "to_location_id": location})[need > 0]
    lane_frame = pd.DataFrame(
        {
            "from_location_id": lanes["from_location_id"].to_numpy(),
            "to_location_id": lanes["to_location_id"].to_numpy(),
            "transfer_cost_per_unit": lane_cost,
            "transfer_days": lane_days,
        }
    )
    edges = receivers.merge(lane_frame, on="to_location_id").merge(givers, on=["sku_id", "from_location_id"])
    edges["shortage_cost_per_unit"] = shortage_cost[edges["receiver"].to_numpy()]
    edges["shortage_date"] = shortage_date.to_numpy()[edges["receiver"].to_numpy()]
    edges["arrival_date"] = as_of + pd.to_timedelta(edges["transfer_days"], unit="D")
    edges["saving"] = edges["shortage_cost_per_unit"] - edges["transfer_cost_per_unit"]
    eligible = (edges["from_location_id"] != edges["to_location_id"]) & (edges["saving"] > 0) & (edges["arrival_date"] <= edges["shortage_date"])
    edges = edges[eligible].sort_values(
        ["saving", "transfer_cost_per_unit", "transfer_days", "shortage_date", "sku_id", "from_location_id", "to_location_id"],
        ascending=[False, True, True, True, True, True, True],
        kind="stable",
        ignore_index=True,
    )
    giver, receiver = edges["giver"].to_numpy(), edges["receiver"].to_numpy()
    edges["quantity"] = _greedy_match(giver, receiver, capacity, need) * pack[receiver]
    edges["giver_excess"] = excess[giver]
    edges["receiver_shortage"] = shortage[receiver]
    plan = edges[edges["quantity"] > 0].sort_values("sku_id", kind="stable", ignore_index=True)
    return _transfers(plan, as_of, margin)


def _transfers(plan: pd.DataFrame, as_of: pd.Timestamp, margin: float) -> pd.DataFrame:
    """The result rows of the matched pairs, with costs and a reason."""
    out = plan.copy()
    out["transfer_cost"] = out["quantity"] * out["transfer_cost_per_unit"]
    out["avoided_shortage_cost"] = out["quantity"] * out["shortage_cost_per_unit"]
    out["net_saving"] = out["avoided_shortage_cost"] - out["transfer_cost"]
    out["ship_date"] = as_of
    to_text, from_text = out["to_location_id"].astype(str), out["from_location_id"].astype(str)
    number = pd.Series(_number_text(out["receiver_shortage"], "%.0f"), index=out.index, dtype=object)
    held = pd.Series(_number_text(out["giver_excess"], "%.0f"), index=out.index, dtype=object)
    transfer = pd.Series(_number_text(out["transfer_cost_per_unit"], "%.2f"), index=out.index, dtype=object)
    short = pd.Series(_number_text(out["shortage_cost_per_unit"], "%.2f"), index=out.index, dtype=object)
    out["reason"] = (
        to_text
        + " projected short of "
        + number
        + " units from "
        + out["shortage_date"].dt.strftime("%Y-%m-%d").astype(object)
        + "; "
        + from_text
        + " holds "
        + held
        + f" above order-up-to + {margin:.10g} days; transfer "
        + transfer
        + "/unit < shortage "
        + short
        + "/unit"
    ).astype(str)
    return out.loc[:, list(RESULT_COLUMNS)]
