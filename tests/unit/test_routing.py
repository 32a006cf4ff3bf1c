"""Ship-from routing of online orders (SPEC section 6): availability, then cost, then load."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from ml.inventory.routing import UNROUTED_REASONS, route_online_orders


def _lines(*rows) -> pd.DataFrame:
    """Rows of (order_id, sku_id, quantity, region), arriving a minute apart in that order."""
    frame = pd.DataFrame(rows, columns=["order_id", "sku_id", "quantity", "region"])
    return frame.assign(order_line=1, ordered_at=pd.Timestamp("2026-09-30 08:00") + pd.to_timedelta(np.arange(len(frame)), unit="min"))


def _network(stock, costs, load):
    return (
        pd.DataFrame(stock, columns=["location_id", "sku_id", "available_quantity"]),
        pd.DataFrame(costs, columns=["location_id", "region", "cost_per_unit"]),
        pd.DataFrame(load, columns=["location_id", "open_lines", "capacity_lines"]),
    )


NETWORK = _network(
    stock=[("DC01", "A", 2), ("ST03", "A", 5), ("ST04", "A", 5), ("DC01", "B", 0)],
    costs=[("DC01", "NORTH", 1.0), ("ST03", "NORTH", 2.5), ("ST04", "NORTH", 2.5)],
    load=[("DC01", 0, 10), ("ST03", 5, 10), ("ST04", 1, 10)],
)


def test_cheapest_with_stock_wins_and_an_out_of_stock_cheapest_is_skipped():
    lines = _lines(("W1", "A", 2, "NORTH"), ("W2", "A", 3, "NORTH"))
    result = route_online_orders(lines, *NETWORK)
    assert result["ship_from_location_id"].tolist() == ["DC01", "ST04"]
    assert result["cost_per_unit"].tolist() == [1.0, 2.5]
    assert result["shipping_cost"].tolist() == [2.0, 7.5]
    assert result["candidates_considered"].tolist() == [3, 3]
    assert result["routing_reason"].tolist() == ["cheapest location in reach", "DC01 cheaper (1 per unit) but out of stock; ST04 next (2.5 per unit)"]
    assert result["unrouted_reason"].isna().all()


def test_stock_taken_by_an_earlier_line_sends_a_later_one_further():
    lines = _lines(("W1", "A", 2, "NORTH"), ("W2", "A", 1, "NORTH"))
    result = route_online_orders(lines, *NETWORK)
    assert result["ship_from_location_id"].tolist() == ["DC01", "ST04"]
    assert result["routing_reason"].iloc[1] == "DC01 cheaper (1 per unit) but taken by earlier orders in this run; ST04 next (2.5 per unit)"


def test_a_tie_on_cost_goes_to_the_lower_load_and_spreads_as_lines_are_routed():
    stock, costs, load = _network(
        stock=[("ST03", "A", 50), ("ST04", "A", 50)],
        costs=[("ST03", "NORTH", 2.5), ("ST04", "NORTH", 2.5)],
        load=[("ST03", 5, 10), ("ST04", 2, 10)],
    )
    lines = _lines(*[(f"W{i}", "A", 1, "NORTH") for i in range(6)])
    result = route_online_orders(lines, stock, costs, load)
    # ST04 goes from 2/10 to 5/10 with three lines; at 5/10 each the location id decides, then load alternates
    assert result["ship_from_location_id"].tolist() == ["ST04", "ST04", "ST04", "ST03", "ST04", "ST03"]
    assert result["routing_reason"].iloc[0] == "cheapest in reach, 2 locations at 2.5 per unit: chosen by stock and load"


def test_capacity_is_respected_and_a_full_location_is_not_eligible():
    stock, costs, load = _network(
        stock=[("DC01", "A", 50), ("DC02", "A", 50), ("ST03", "A", 50)],
        costs=[("DC01", "NORTH", 1.0), ("DC02", "NORTH", 1.5), ("ST03", "NORTH", 3.0)],
        load=[("DC01", 8, 10), ("DC02", 10, 10), ("ST03", 0, 5)],  # DC01 has room for 2 lines, DC02 none
    )
    result = route_online_orders(_lines(*[(f"W{i}", "A", 1, "NORTH") for i in range(4)]), stock, costs, load)
    assert result["ship_from_location_id"].tolist() == ["DC01", "DC01", "ST03", "ST03"]
    assert result["routing_reason"].iloc[2] == "DC01 cheaper (1 per unit) but taken by earlier orders in this run; ST03 next (3 per unit)"


def test_unroutable_lines_carry_their_reason():
    stock, costs, load = _network(
        stock=[("DC01", "A", 5), ("DC02", "A", 5)],
        costs=[("DC01", "NORTH", 1.0), ("DC02", "NORTH", 2.0), ("DC02", "SOUTH", 2.0)],
        load=[("DC01", 1, 1), ("DC02", 0, 1)],  # DC01 full; DC02 takes one line
    )
    lines = _lines(("W1", "A", 2, "SOUTH"), ("W2", "A", 2, "NORTH"), ("W3", "A", 9, "NORTH"), ("W4", "A", 1, "EAST"))
    result = route_online_orders(lines, stock, costs, load)
    assert result["ship_from_location_id"].tolist() == ["DC02", None, None, None]
    assert result["unrouted_reason"].tolist()[1:] == ["OVER_CAPACITY", "NO_STOCK_IN_REACH", "NO_LOCATION_IN_REACH"]
    assert pd.isna(result["unrouted_reason"].iloc[0])
    assert np.isnan(result["shipping_cost"].iloc[1])
    assert result["routing_reason"].tolist()[1:] == [
        "2 location(s) shipping to NORTH have 2 of SKU A but are at picking capacity (cheapest DC01)",
        "none of the 2 location(s) shipping to NORTH has 9 of SKU A left",
        "no location ships to region EAST",
    ]
    assert set(result["unrouted_reason"].dropna()) <= set(UNROUTED_REASONS)


def test_the_input_order_and_index_are_kept_while_arrival_decides():
    lines = _lines(("W1", "A", 2, "NORTH"), ("W2", "A", 2, "NORTH")).iloc[::-1]
    lines.index = [7, 3]
    result = route_online_orders(lines, *NETWORK)
    assert result.index.tolist() == [7, 3]
    assert result["ship_from_location_id"].tolist() == ["ST04", "DC01"]  # W1 came first and took DC01's 2


@pytest.mark.parametrize(
    ("argument", "change", "message"),
    [
        (0, lambda f: f.assign(quantity=0), r"lines.quantity must be > 0, got 0 at order_id='W1', order_line=1"),
        (0, lambda f: f.assign(order_line=1, order_id="W"), r"lines has several rows for the key \(order_id, order_line\)"),
        (0, lambda f: f.assign(ordered_at=None), r"lines.ordered_at has missing values"),
        (1, lambda f: f.assign(available_quantity=-1), r"stock.available_quantity must be >= 0, got -1 at location_id='DC01', sku_id='A'"),
        (2, lambda f: f.drop(columns="cost_per_unit"), r"costs lacks the columns \['cost_per_unit'\]"),
        (3, lambda f: f.iloc[1:], r"load.location_id has no row for 'DC01'"),
        (3, lambda f: f.assign(capacity_lines=-3), r"load.capacity_lines must be >= 0, got -3 at location_id='DC01'"),
    ],
)
def test_routing_validation_names_the_field(argument, change, message):
    arguments = [_lines(("W1", "A", 2, "NORTH"), ("W2", "A", 1, "NORTH")), *NETWORK]
    arguments[argument] = change(arguments[argument])
    with pytest.raises(ValueError, match=message):
        route_online_orders(*arguments)


def _arrival(lines):
    return sorted(range(len(lines)), key=lambda i: (lines["ordered_at"].iloc[i], lines["order_id"].iloc[i], lines["order_line"].iloc[i]))


def _state(stock, costs, load):
    remaining = {(r.location_id, r.sku_id): float(r.available_quantity) for r in stock.itertuples()}
    reach = {}
    for r in costs.itertuples():
        reach.setdefault(r.region, {})[r.location_id] = r.cost_per_unit
    return remaining, reach, dict(zip(load["location_id"], load["open_lines"])), dict(zip(load["location_id"], load["capacity_lines"]))


def _greedy(lines, stock, costs, load):
    """The sequential first-come-first-served greedy: each line in turn, given the lines before it."""
    remaining, reach, open_lines, capacity = _state(stock, costs, load)
    assigned, chosen = Counter(), [None] * len(lines)
    for i in _arrival(lines):
        sku, quantity, region = lines["sku_id"].iloc[i], lines["quantity"].iloc[i], lines["region"].iloc[i]
        feasible = [
            (cost, (open_lines[loc] + assigned[loc]) / capacity[loc], loc)
            for loc, cost in reach.get(region, {}).items()
            if remaining.get((loc, sku), 0.0) >= quantity and open_lines[loc] + assigned[loc] + 1 <= capacity[loc]
        ]
        if feasible:
            chosen[i] = min(feasible)[2]
            remaining[(chosen[i], sku)] -= quantity
            assigned[chosen[i]] += 1
    return chosen


def _rounds(lines, stock, costs, load):
    """The documented rounds, one line at a time within each round."""
    remaining, reach, open_lines, capacity = _state(stock, costs, load)
    order = _arrival(lines)
    sku, quantity, region = lines["sku_id"].tolist(), lines["quantity"].tolist(), lines["region"].tolist()
    candidates = {i: {loc for loc in reach.get(region[i], {}) if (loc, sku[i]) in remaining} for i in order}
    assigned, chosen = Counter(), [None] * len(lines)
    while True:
        for i in order:
            candidates[i] = {
                loc
                for loc in candidates[i]
                if chosen[i] is None and remaining[(loc, sku[i])] >= quantity[i] and open_lines[loc] + assigned[loc] + 1 <= capacity[loc]
            }
        waiting = [i for i in order if candidates[i]]
        if not waiting:
            return chosen
        groups, proposal = {}, {}
        for i in waiting:
            cheapest = min(reach[region[i]][loc] for loc in candidates[i])
            groups.setdefault(frozenset(loc for loc in candidates[i] if reach[region[i]][loc] == cheapest), []).append(i)
        for tied, members in groups.items():
            extra = Counter()
            for i in members:
                proposal[i] = min(tied, key=lambda loc: ((open_lines[loc] + assigned[loc] + extra[loc]) / capacity[loc], loc))
                extra[proposal[i]] += 1
        asked, served, accepted = Counter(), Counter(), []
        for i in waiting:
            loc = proposal[i]
            asked[(loc, sku[i])] += quantity[i]
            if asked[(loc, sku[i])] <= remaining[(loc, sku[i])]:
                served[loc] += 1
                if open_lines[loc] + assigned[loc] + served[loc] <= capacity[loc]:
                    accepted.append(i)
        for i in accepted:
            chosen[i] = proposal[i]
            remaining[(chosen[i], sku[i])] -= quantity[i]
            assigned[chosen[i]] += 1


def _random_case(seed, ample):
    rng = np.random.default_rng(seed)
    locations = [f"L{k:02d}" for k in range(6)]
    regions = ["NORTH"] if ample else ["NORTH", "SOUTH"]
    n = 40 if ample else 25
    lines = pd.DataFrame(
        {
            "order_id": [f"W{i:03d}" for i in range(n)],
            "order_line": rng.integers(1, 3, n),
            "sku_id": rng.choice(["A", "B", "C"], n),
            "quantity": rng.integers(1, 5, n),
            "region": rng.choice(regions, n),
            "ordered_at": pd.Timestamp("2026-09-30") + pd.to_timedelta(rng.integers(0, 15, n), unit="min"),  # ties by order id
        }
    )
    pairs = pd.MultiIndex.from_product([locations, ["A", "B", "C"]], names=["location_id", "sku_id"]).to_frame(index=False)
    pairs = pairs[rng.random(len(pairs)) < (1.0 if ample else 0.8)]
    stock = pairs.assign(available_quantity=1000 if ample else rng.integers(0, 8, len(pairs)))
    costs = pd.MultiIndex.from_product([locations, regions], names=["location_id", "region"]).to_frame(index=False)
    costs = costs[rng.random(len(costs)) < (1.0 if ample else 0.7)].assign(cost_per_unit=lambda f: rng.choice([1.0, 2.0, 2.5], len(f)))
    open_lines = rng.integers(0, 6, len(locations))
    capacity = open_lines + (n + 5 if ample else rng.integers(0, 6, len(locations)))
    load = pd.DataFrame({"location_id": locations, "open_lines": open_lines, "capacity_lines": capacity})
    return lines, stock, costs, load


@pytest.mark.parametrize("seed", range(8))
def test_with_ample_stock_and_capacity_rounds_equal_the_sequential_greedy(seed):
    case = _random_case(seed, ample=True)
    result = route_online_orders(*case)
    assert result["ship_from_location_id"].tolist() == _greedy(*case)


@pytest.mark.parametrize("seed", range(12))
def test_scarce_cases_follow_the_documented_rounds_and_respect_stock_and_capacity(seed):
    lines, stock, costs, load = case = _random_case(100 + seed, ample=False)
    result = route_online_orders(*case)
    assert result["ship_from_location_id"].tolist() == _rounds(*case)

    routed = result[result["ship_from_location_id"].notna()]
    taken = routed.groupby(["ship_from_location_id", "sku_id"])["quantity"].sum().rename_axis(["location_id", "sku_id"])
    held = stock.set_index(["location_id", "sku_id"])["available_quantity"]
    assert (taken <= held.reindex(taken.index)).all()
    busy = load.set_index("location_id")
    count = routed["ship_from_location_id"].value_counts().rename_axis("location_id")
    assert (busy["open_lines"].reindex(count.index) + count <= busy["capacity_lines"].reindex(count.index)).all()
    # a line is unrouted only if no location in reach has both its stock and free capacity at the end
    left = held.sub(taken, fill_value=0)
    free = busy["capacity_lines"] - busy["open_lines"] - count.reindex(busy.index, fill_value=0)
    for row in result[result["ship_from_location_id"].isna()].itertuples():
        reachable = costs.loc[costs["region"].eq(row.region), "location_id"]
        assert not any(left.get((loc, row.sku_id), 0) >= row.quantity and free[loc] >= 1 for loc in reachable)
        assert row.unrouted_reason in UNROUTED_REASONS and row.routing_reason
    assert result.loc[result["ship_from_location_id"].notna(), "unrouted_reason"].isna().all()
