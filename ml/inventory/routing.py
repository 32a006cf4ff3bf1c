"""Ship-from routing of online orders (SPEC section 6): availability, then cost, then load.

Units: quantities in base units (eaches), costs in currency per unit, loads in order lines.
``route_online_orders`` routes every line of a batch at once, in a handful of rounds over all
lines (no loop over lines, SKUs or locations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.inventory.availability import LINE_KEY, _units
from ml.schema import FrameSchema

LINES = FrameSchema(
    {**dict.fromkeys([*LINE_KEY, "sku_id"], "any"), "quantity": "number", "region": "any", "ordered_at": "date"},
    positive=("quantity",),
    unique=LINE_KEY,
)
STOCK = FrameSchema(
    {"location_id": "any", "sku_id": "any", "available_quantity": "number"}, non_negative=("available_quantity",), unique=("location_id", "sku_id")
)
COSTS = FrameSchema({"location_id": "any", "region": "any", "cost_per_unit": "number"}, non_negative=("cost_per_unit",), unique=("location_id", "region"))
LOAD = FrameSchema(
    {"location_id": "any", "open_lines": "number", "capacity_lines": "number"}, non_negative=("open_lines", "capacity_lines"), unique=("location_id",)
)

UNROUTED_REASONS = {
    "NO_LOCATION_IN_REACH": "no location ships to the line's region",
    "NO_STOCK_IN_REACH": "no location shipping to the region has the whole line in stock",
    "OVER_CAPACITY": "the locations in reach that have the stock are at their picking capacity",
}
_TOLERANCE = 1e-9
_HASH_SEED = 6  # fixed: the same batch always routes the same way


def route_online_orders(lines: pd.DataFrame, stock: pd.DataFrame, costs: pd.DataFrame, load: pd.DataFrame) -> pd.DataFrame:
    """Choose the ship-from location of each online order line: availability, then cost, then load.

    ``lines``: ``order_id, order_line, sku_id, quantity`` (> 0 units), ``region`` and
    ``ordered_at`` (timestamp: first come, first served; ties by order id and line).
    ``stock``: ``location_id, sku_id, available_quantity`` (>= 0 units available to sell online at
    each DC or store; no row: none).
    ``costs``: ``location_id, region, cost_per_unit`` (>= 0; no row: the location does not ship
    to the region).
    ``load``: ``location_id, open_lines, capacity_lines`` (>= 0 picking lines already open and the
    day's capacity), a row for every location of ``costs``.

    A location can take a line when it ships to the line's region, has the whole quantity left
    (no split shipments) and is under its capacity (``open_lines`` plus the lines routed to it in
    this run below ``capacity_lines``: a location at capacity is not eligible). Among those the
    line goes to the lowest ``cost_per_unit``, then the lowest load ratio ``(open_lines + lines
    routed in this run) / capacity_lines``, then the lowest ``location_id``.

    The batch is routed in rounds. Each round, every waiting line drops the locations that can no
    longer take it and proposes its best remaining one; lines whose cheapest locations tie spread
    over them by load ratio, each location's ratio rising with every line of the same tied group
    before it (exactly the one-line-at-a-time choice within such a group). Each location serves
    the proposals in arrival order while the cumulative quantity of each SKU fits its stock,
    then while the count of served lines fits its capacity; a refused line waits for the next
    round. Every round routes at least one line per location with proposals.

    This is the sequential first-come-first-served greedy (each line in turn takes its best
    location given the lines before it) whenever no proposal is refused and lines tie over the
    same sets of locations, e.g. ample stock and capacity. Otherwise it departs from it in three
    ways: a line refused at its first choice queues at its next choice behind later lines that
    chose that location first; the spread of tied lines counts only the lines of the same tied
    group in that round; and a location refusing a line that does not fit what the earlier
    proposals left also refuses, for that round, later ones that would have fit (they retry).
    It never leaves a line unrouted while a location in reach has both its stock and free
    capacity at the end of the run, and never exceeds a stock or a capacity.

    Returns the input rows in their order (index and columns kept) with
    ``ship_from_location_id`` (None when unrouted), ``cost_per_unit``, ``shipping_cost``
    (``cost_per_unit * quantity``; NaN when unrouted), ``candidates_considered`` (locations that
    ship to the region), ``routing_round`` (0 when unrouted), ``routing_reason`` (a sentence: why this location, or
    why none) and ``unrouted_reason`` (a code of ``UNROUTED_REASONS``; null when routed).
    """
    location, sku = ["location_id"], ["sku_id"]
    work = LINES.validate(lines, "lines")
    stock = STOCK.validate(stock, "stock")
    costs = COSTS.validate(costs, "costs")
    load = LOAD.validate(load, "load")
    unknown = ~costs["location_id"].isin(load["location_id"])
    if unknown.any():
        raise ValueError(
            f"load.location_id has no row for {costs['location_id'][unknown].iloc[0]!r}, a location of costs (each needs open_lines and capacity_lines)"
        )

    result = work.copy()
    work = work.reset_index(drop=True)
    n = len(work)
    rank = np.empty(n, dtype=np.int64)
    rank[work.sort_values(["ordered_at", *LINE_KEY], kind="stable").index.to_numpy()] = np.arange(n)
    load = load.sort_values("location_id", kind="stable").reset_index(drop=True)  # location codes follow location_id
    locations = pd.Index(load["location_id"])
    open_lines, capacity = load["open_lines"].to_numpy(), load["capacity_lines"].to_numpy()
    stock = stock.reset_index(drop=True)
    remaining = stock["available_quantity"].to_numpy().copy()

    # candidates: locations holding the line's SKU that ship to its region
    held = work[["sku_id", "quantity", "region"]].assign(line=np.arange(n)).merge(stock[[*location, *sku]].assign(stock_row=np.arange(len(stock))), on=sku)
    held = held.merge(costs, on=[*location, "region"])
    held["loc"] = locations.get_indexer(held["location_id"])
    cand = {
        name: held[column].to_numpy()
        for name, column in (("line", "line"), ("loc", "loc"), ("stock", "stock_row"), ("cost", "cost_per_unit"), ("qty", "quantity"))
    }

    hashes = np.random.default_rng(_HASH_SEED).integers(np.iinfo(np.uint64).max, size=len(locations), dtype=np.uint64)
    chosen, routed_in = np.full(n, -1), np.zeros(n, dtype=np.int64)
    assigned = np.zeros(len(locations))
    round_number = 0
    while True:
        live = (
            (chosen[cand["line"]] < 0)
            & (remaining[cand["stock"]] >= cand["qty"] - _TOLERANCE)
            & (open_lines[cand["loc"]] + assigned[cand["loc"]] + 1 <= capacity[cand["loc"]] + _TOLERANCE)
        )
        cand = {name: values[live] for name, values in cand.items()}  # a location that cannot take a line now never will
        if not len(cand["line"]):
            break
        round_number += 1
        proposal = _propose(cand, rank, open_lines + assigned, capacity, hashes)
        proposal = proposal.sort_values("rank", kind="stable")
        fits = proposal.groupby("stock", sort=False)["qty"].cumsum().to_numpy() <= remaining[proposal["stock"].to_numpy()] + _TOLERANCE
        served = proposal[fits].groupby("loc", sort=False).cumcount().reindex(proposal.index).to_numpy() + 1
        accepted = proposal[fits & (open_lines[proposal["loc"]] + assigned[proposal["loc"]] + served <= capacity[proposal["loc"]] + _TOLERANCE)]
        chosen[accepted["line"].to_numpy()] = accepted["loc"].to_numpy()
        routed_in[accepted["line"].to_numpy()] = round_number
        remaining = remaining - np.bincount(accepted["stock"], weights=accepted["qty"], minlength=len(remaining))
        assigned = assigned + np.bincount(accepted["loc"], minlength=len(locations))

    routed = chosen >= 0
    result["ship_from_location_id"] = pd.Series(np.where(routed, locations.to_numpy()[np.maximum(chosen, 0)], None), index=result.index, dtype=object)
    on_chosen = held[held["loc"].to_numpy() == chosen[held["line"].to_numpy()]]
    cost = np.full(n, np.nan)
    cost[on_chosen["line"].to_numpy()] = on_chosen["cost_per_unit"].to_numpy()
    result["cost_per_unit"] = cost
    result["shipping_cost"] = cost * work["quantity"].to_numpy()
    reach = costs.assign(loc=locations.get_indexer(costs["location_id"]))
    result["candidates_considered"] = (
        work[["region"]].merge(reach.groupby("region").size().rename("n").reset_index(), on="region", how="left")["n"].fillna(0).astype(int).to_numpy()
    )
    result["routing_round"] = routed_in
    left = held[remaining[held["stock_row"].to_numpy()] >= held["quantity"].to_numpy() - _TOLERANCE]  # still holding the line's quantity at the end
    codes, texts = _routing_reasons(
        work, reach, stock, left, result["candidates_considered"].to_numpy(), chosen, cost, open_lines >= capacity - _TOLERANCE, locations
    )
    result["routing_reason"] = texts.to_numpy(dtype=object)
    result["unrouted_reason"] = pd.Series(codes, index=result.index, dtype=object).where(~routed)
    return result


def _cheapest(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by``: the location of lowest ``cost_per_unit`` then code (``loc``), its cost and how
    many locations share that cost."""
    at_minimum = frame[frame["cost_per_unit"].to_numpy() <= frame.groupby(by, sort=False)["cost_per_unit"].transform("min").to_numpy()]
    return at_minimum.groupby(by, sort=False).agg(loc=("loc", "min"), cost=("cost_per_unit", "first"), tied=("loc", "size"))


def _propose(cand: dict[str, np.ndarray], rank: np.ndarray, load_lines: np.ndarray, capacity: np.ndarray, hashes: np.ndarray) -> pd.DataFrame:
    """One proposal per waiting line: its cheapest locations, spread over by load ratio.

    Lines whose cheapest locations are the same set form a group; in arrival order the ``j``-th
    line of a group takes the ``j``-th lowest of the group's slots, slot ``k`` of location ``L``
    ranking by ``(load_lines_L + k) / capacity_L`` then location code (the ratio the location
    would have after ``k`` more lines): the one-line-at-a-time choice within the group. A group
    is identified by the sum (mod 2**64) of random 64-bit hashes of its locations and their
    count; a collision (about 1 in 2**64 per pair of sets) could only change the spread, never
    feasibility.
    """
    frame = pd.DataFrame(cand)
    cheapest = frame["cost"].to_numpy() <= frame.groupby("line", sort=False)["cost"].transform("min").to_numpy()
    tied = frame[cheapest]
    line, loc = tied["line"].to_numpy(), tied["loc"].to_numpy()
    key = np.zeros(len(rank), dtype=np.uint64)
    np.add.at(key, line, hashes[loc])  # wraps modulo 2**64
    size = np.bincount(line, minlength=len(rank))
    waiting = np.flatnonzero(size)
    group = pd.DataFrame({"key": key[waiting], "size": size[waiting]}).groupby(["key", "size"], sort=False).ngroup().to_numpy()
    by_arrival = np.lexsort((rank[waiting], group))
    members = waiting[by_arrival]  # lines by group, then arrival
    group_of = np.full(len(rank), -1)
    group_of[waiting] = group
    start = np.searchsorted(group[by_arrival], np.arange(group.max() + 1))
    position = np.empty(len(rank), dtype=np.int64)
    position[members] = np.arange(len(members)) - start[group_of[members]]

    slots = tied.assign(group=group_of[line], ratio=(load_lines[loc] + position[line]) / capacity[loc])
    slots = slots.sort_values(["group", "ratio", "loc"], kind="stable")
    slots["slot"] = slots.groupby("group", sort=False).cumcount().to_numpy()
    slots = slots[slots["slot"].to_numpy() < np.bincount(group)[slots["group"].to_numpy()]]
    taker = members[start[slots["group"].to_numpy()] + slots["slot"].to_numpy()]
    # the slot's location for its taker, with the taker's stock row and quantity at that location
    proposal = pd.DataFrame({"line": taker, "loc": slots["loc"].to_numpy()}).merge(
        tied[["line", "loc", "stock", "qty"]], on=["line", "loc"], validate="one_to_one"
    )
    return proposal.assign(rank=rank[proposal["line"].to_numpy()])


def _routing_reasons(work, reach, stock, left, considered, chosen, cost, full, locations) -> tuple[np.ndarray, pd.Series]:
    """Unrouted code (for every line; meaningful where unrouted) and the sentence of each line.

    ``reach``: the cost table with location codes; ``left``: candidate rows that still hold the
    line's quantity at the end; ``full``: per location code, at capacity before the run."""
    index, n = work.index, len(work)
    quantity, region, sku = work["quantity"], work["region"].astype(str), work["sku_id"].astype(str)
    cheapest = work[["region", "sku_id"]].merge(_cheapest(reach, "region"), left_on="region", right_index=True, how="left")
    cheap_loc = cheapest["loc"].fillna(0).to_numpy().astype(int)
    cheapest["location_id"] = locations.to_numpy()[cheap_loc]
    initial = cheapest.merge(stock[["location_id", "sku_id", "available_quantity"]], on=["location_id", "sku_id"], how="left")["available_quantity"].fillna(0.0)
    stocked = _cheapest(left, "line").reindex(np.arange(n))
    n_stocked = np.bincount(left["line"], minlength=n)
    codes = np.select([considered == 0, n_stocked > 0], ["NO_LOCATION_IN_REACH", "OVER_CAPACITY"], "NO_STOCK_IN_REACH")

    cheap_id = pd.Series(cheapest["location_id"].to_numpy(), index=index).astype(str)
    cheap_cost = _units(pd.Series(cheapest["cost"].fillna(0.0).to_numpy(), index=index))
    chosen_id = pd.Series(locations.to_numpy()[np.maximum(chosen, 0)], index=index).astype(str)
    why = pd.Series("taken by earlier orders in this run", index=index).where(~full[cheap_loc], "at picking capacity")
    why = why.where(~(initial.to_numpy() < quantity.to_numpy() - _TOLERANCE), "out of stock")
    chosen_cost = pd.Series(np.nan_to_num(cost), index=index)
    dearer = chosen_cost.to_numpy() > cheapest["cost"].to_numpy()
    texts = (cheap_id + " cheaper (" + cheap_cost + " per unit) but " + why + "; " + chosen_id + " next (" + _units(chosen_cost) + " per unit)").where(
        dearer, "cheapest location in reach"
    )
    tied = cheapest["tied"].fillna(1).to_numpy()
    tie_text = (
        "cheapest in reach, " + pd.Series(tied.astype(int), index=index).astype(str) + " locations at " + cheap_cost + " per unit: chosen by stock and load"
    )
    texts = texts.where(dearer | (tied <= 1), tie_text)
    stocked_id = pd.Series(locations.to_numpy()[stocked["loc"].fillna(0).to_numpy().astype(int)], index=index).astype(str)
    unrouted = {
        "NO_LOCATION_IN_REACH": "no location ships to region " + region,
        "NO_STOCK_IN_REACH": "none of the "
        + pd.Series(considered, index=index).astype(str)
        + " location(s) shipping to "
        + region
        + " has "
        + _units(quantity)
        + " of SKU "
        + sku
        + " left",
        "OVER_CAPACITY": pd.Series(n_stocked, index=index).astype(str)
        + " location(s) shipping to "
        + region
        + " have "
        + _units(quantity)
        + " of SKU "
        + sku
        + " but are at picking capacity (cheapest "
        + stocked_id
        + ")",
    }
    for code, text in unrouted.items():  # three codes, not rows
        texts = texts.where(~((chosen < 0) & (codes == code)), text)
    return codes, texts
