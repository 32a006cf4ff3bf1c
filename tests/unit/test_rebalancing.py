"""Rebalancing transfers against hand-computed cases and a one-pair-at-a-time greedy (SPEC section 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.inventory.rebalancing import RESULT_COLUMNS, excess_units, plan_rebalancing

AS_OF = "2026-09-30"


def _positions(rows: list[tuple]) -> pd.DataFrame:
    """(sku, location, on_hand, order_up_to, daily demand, shortage units, shortage date, shortage cost)"""
    columns = ["sku_id", "location_id", "on_hand", "order_up_to", "mean_daily_demand", "projected_shortage_units", "shortage_date", "shortage_cost_per_unit"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["shortage_date"] = pd.to_datetime(frame["shortage_date"])
    return frame


def _lanes(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["from_location_id", "to_location_id", "transfer_cost_per_unit", "transfer_days"])


# ST01 holds 100 for an order-up-to of 50 and 2 a day: 100 - 50 - 7 * 2 = 36 to give
GIVER = ("A", "ST01", 100.0, 50.0, 2.0, 0.0, None, 4.5)
RECEIVER = ("A", "ST03", 0.0, 20.0, 3.0, 12.0, "2026-10-04", 4.5)


def test_one_giver_serves_one_receiver_short():
    plan = plan_rebalancing(_positions([GIVER, RECEIVER]), _lanes([("ST01", "ST03", 1.2, 2)]), as_of_date=AS_OF)
    assert list(plan.columns) == list(RESULT_COLUMNS)
    assert len(plan) == 1
    row = plan.iloc[0]
    assert (row["sku_id"], row["from_location_id"], row["to_location_id"]) == ("A", "ST01", "ST03")
    assert row["quantity"] == 12.0
    assert row["transfer_cost"] == pytest.approx(14.4)
    assert row["avoided_shortage_cost"] == pytest.approx(54.0)
    assert row["net_saving"] == pytest.approx(39.6)
    assert row["ship_date"] == pd.Timestamp(AS_OF)
    assert row["arrival_date"] == pd.Timestamp("2026-10-02")
    assert (
        row["reason"] == "ST03 projected short of 12 units from 2026-10-04; ST01 holds 36 above order-up-to + 7 days; transfer 1.20/unit < shortage 4.50/unit"
    )


def test_excess_keeps_the_margin_and_a_short_location_has_none():
    positions = _positions([GIVER, RECEIVER, ("A", "ST02", 60.0, 50.0, 2.0, 0.0, None, 1.0), ("A", "ST04", 90.0, 10.0, 0.0, 5.0, "2026-10-09", 1.0)])
    assert excess_units(positions) == pytest.approx([36.0, 0.0, 0.0, 0.0])  # ST02: 60 - 50 - 14 < 0; ST04 is short
    assert excess_units(positions, excess_margin_days=0.0) == pytest.approx([50.0, 0.0, 10.0, 0.0])


def test_the_giver_keeps_its_order_up_to_plus_margin():
    receiver = ("A", "ST03", 0.0, 20.0, 3.0, 100.0, "2026-10-04", 4.5)
    plan = plan_rebalancing(_positions([GIVER, receiver]), _lanes([("ST01", "ST03", 1.2, 2)]), as_of_date=AS_OF)
    assert plan["quantity"].tolist() == [36.0]  # not the whole 100 short: ST01 keeps 50 + 7 days of 2


def test_a_transfer_dearer_than_the_shortage_is_not_planned():
    positions = _positions([GIVER, RECEIVER])
    assert plan_rebalancing(positions, _lanes([("ST01", "ST03", 5.0, 2)]), as_of_date=AS_OF).empty
    assert plan_rebalancing(positions, _lanes([("ST01", "ST03", 4.5, 2)]), as_of_date=AS_OF).empty  # no saving at equal cost


def test_a_transfer_arriving_after_the_shortage_is_not_planned():
    positions = _positions([GIVER, RECEIVER])
    assert plan_rebalancing(positions, _lanes([("ST01", "ST03", 1.2, 5)]), as_of_date=AS_OF).empty  # arrives 10-05
    on_the_day = plan_rebalancing(positions, _lanes([("ST01", "ST03", 1.2, 4)]), as_of_date=AS_OF)  # arrives 10-04
    assert on_the_day["quantity"].tolist() == [12.0]


def test_no_lane_no_transfer_and_lanes_are_directed():
    positions = _positions([GIVER, RECEIVER])
    assert plan_rebalancing(positions, _lanes([("ST03", "ST01", 1.2, 2)]), as_of_date=AS_OF).empty
    assert plan_rebalancing(positions, _lanes([]), as_of_date=AS_OF).empty


def test_competing_receivers_the_larger_saving_is_served_first():
    giver = ("A", "DC01", 60.0, 40.0, 0.0, 0.0, None, 1.0)  # 20 to give
    cheap = ("A", "ST01", 0.0, 10.0, 1.0, 15.0, "2026-10-06", 3.0)  # saves 3 - 1 = 2 a unit
    dear = ("A", "ST02", 0.0, 10.0, 1.0, 15.0, "2026-10-06", 6.0)  # saves 6 - 1 = 5 a unit
    lanes = _lanes([("DC01", "ST01", 1.0, 1), ("DC01", "ST02", 1.0, 1)])
    plan = plan_rebalancing(_positions([giver, cheap, dear]), lanes, as_of_date=AS_OF)
    assert plan[["to_location_id", "quantity"]].values.tolist() == [["ST02", 15.0], ["ST01", 5.0]]
    assert plan["net_saving"].tolist() == pytest.approx([75.0, 10.0])


def test_the_cheapest_lane_is_used_first():
    near = ("A", "ST01", 30.0, 22.0, 0.0, 0.0, None, 1.0)  # 8 to give
    far = ("A", "DC01", 30.0, 22.0, 0.0, 0.0, None, 1.0)  # 8 to give
    receiver = ("A", "ST02", 0.0, 10.0, 1.0, 10.0, "2026-10-06", 5.0)
    lanes = _lanes([("DC01", "ST02", 2.0, 1), ("ST01", "ST02", 1.0, 1)])
    plan = plan_rebalancing(_positions([near, far, receiver]), lanes, as_of_date=AS_OF)
    assert plan[["from_location_id", "quantity"]].values.tolist() == [["ST01", 8.0], ["DC01", 2.0]]


def test_skus_do_not_mix():
    positions = _positions([GIVER, ("B", "ST03", 0.0, 20.0, 3.0, 12.0, "2026-10-04", 4.5)])
    assert plan_rebalancing(positions, _lanes([("ST01", "ST03", 1.2, 2)]), as_of_date=AS_OF).empty


def test_quantities_move_in_whole_packs():
    positions = _positions([GIVER, ("A", "ST03", 0.0, 20.0, 3.0, 15.0, "2026-10-04", 4.5)]).assign(pack_size=6.0)
    plan = plan_rebalancing(positions, _lanes([("ST01", "ST03", 1.2, 2)]), as_of_date=AS_OF)
    assert plan["quantity"].tolist() == [12.0]  # 15 short: 2 packs, not a third above the shortage
    small = _positions([("A", "ST01", 60.0, 50.0, 0.0, 0.0, None, 1.0), ("A", "ST03", 0.0, 20.0, 3.0, 15.0, "2026-10-04", 4.5)]).assign(pack_size=6.0)
    assert plan_rebalancing(small, _lanes([("ST01", "ST03", 1.2, 2)]), as_of_date=AS_OF)["quantity"].tolist() == [6.0]  # 10 excess: 1 pack


def _sequential_greedy(positions: pd.DataFrame, lanes: pd.DataFrame, margin: float, as_of: pd.Timestamp) -> dict:
    """Reference: one pair at a time, in the documented order (deliberately plain loops)."""
    excess = dict(zip(zip(positions.sku_id, positions.location_id), excess_units(positions, margin)))
    need = {}
    for row in positions.itertuples():
        if row.projected_shortage_units > 0:
            need[(row.sku_id, row.location_id)] = np.floor(row.projected_shortage_units)
    excess = {key: np.floor(value) for key, value in excess.items() if value >= 1}
    edges = []
    for row in positions.itertuples():
        if (row.sku_id, row.location_id) not in need:
            continue
        for lane in lanes.itertuples():
            giver = (row.sku_id, lane.from_location_id)
            arrival = as_of + pd.Timedelta(days=lane.transfer_days)
            saving = row.shortage_cost_per_unit - lane.transfer_cost_per_unit
            if lane.to_location_id == row.location_id and giver in excess and saving > 0 and arrival <= row.shortage_date and giver[1] != row.location_id:
                edges.append((-saving, lane.transfer_cost_per_unit, lane.transfer_days, row.shortage_date, row.sku_id, giver[1], row.location_id))
    moved = {}
    for edge in sorted(edges):
        giver, receiver = (edge[4], edge[5]), (edge[4], edge[6])
        quantity = min(excess[giver], need[receiver])
        if quantity > 0:
            moved[(edge[4], edge[5], edge[6])] = quantity
            excess[giver] -= quantity
            need[receiver] -= quantity
    return moved


def test_rounds_match_the_one_pair_at_a_time_greedy_and_conserve_stock():
    rng = np.random.default_rng(3)
    locations = [f"L{i:02d}" for i in range(8)]
    frames = []
    for sku in ["A", "B", "C", "D", "E", "F", "G", "H"]:
        short = rng.random(len(locations)) < 0.5
        frames.append(
            pd.DataFrame(
                {
                    "sku_id": sku,
                    "location_id": locations,
                    "on_hand": np.where(short, 0.0, rng.integers(30, 160, len(locations))).astype(float),
                    "order_up_to": 40.0,
                    "mean_daily_demand": rng.random(len(locations)) * 3,
                    "projected_shortage_units": np.where(short, rng.integers(1, 40, len(locations)), 0).astype(float),
                    "shortage_date": np.where(short, pd.Timestamp(AS_OF) + pd.to_timedelta(rng.integers(0, 10, len(locations)), unit="D"), pd.NaT),
                    "shortage_cost_per_unit": rng.random(len(locations)) * 6,
                }
            )
        )
    positions = pd.concat(frames, ignore_index=True)
    positions["shortage_date"] = pd.to_datetime(positions["shortage_date"])
    pairs = [(a, b) for a in locations for b in locations if rng.random() < 0.7]
    lanes = _lanes([(a, b, rng.random() * 3, int(rng.integers(0, 6))) for a, b in pairs if a != b] + [("L00", "L00", 0.0, 0)])  # a self lane too
    plan = plan_rebalancing(positions, lanes, as_of_date=AS_OF)
    assert len(plan) > 10
    reference = _sequential_greedy(positions, lanes, 7.0, pd.Timestamp(AS_OF))
    assert dict(zip(zip(plan.sku_id, plan.from_location_id, plan.to_location_id), plan.quantity)) == pytest.approx(reference)
    assert (plan["from_location_id"] != plan["to_location_id"]).all()
    keyed = positions.set_index(["sku_id", "location_id"])
    given = plan.groupby(["sku_id", "from_location_id"])["quantity"].sum()
    received = plan.groupby(["sku_id", "to_location_id"])["quantity"].sum()
    excess = pd.Series(excess_units(positions), index=keyed.index)
    assert (given.to_numpy() <= excess.loc[given.index].to_numpy()).all()
    assert (received.to_numpy() <= keyed["projected_shortage_units"].loc[received.index].to_numpy()).all()
    assert (plan["net_saving"] > 0).all() and (plan["arrival_date"] <= plan["shortage_date"]).all()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p, lanes: (p.drop(columns="on_hand"), lanes), "on_hand"),
        (lambda p, lanes: (p.assign(shortage_cost_per_unit=-1.0), lanes), "shortage_cost_per_unit"),
        (lambda p, lanes: (p.assign(projected_shortage_units=[0.0, -2.0]), lanes), "projected_shortage_units"),
        (lambda p, lanes: (p.assign(shortage_date=pd.NaT), lanes), "shortage_date"),
        (lambda p, lanes: (p.assign(pack_size=0.0), lanes), "pack_size"),
        (lambda p, lanes: (p.assign(pack_size=[1.0, 6.0]), lanes), "pack_size"),
        (lambda p, lanes: (p.assign(location_id="ST01"), lanes), "location_id"),
        (lambda p, lanes: (p, lanes.assign(transfer_days=-1)), "transfer_days"),
        (lambda p, lanes: (p, lanes.assign(transfer_cost_per_unit=np.nan)), "transfer_cost_per_unit"),
        (lambda p, lanes: (p, pd.concat([lanes, lanes])), "from_location_id"),
    ],
)
def test_invalid_inputs_are_rejected_naming_the_field(change, field):
    positions, lanes = change(_positions([GIVER, RECEIVER]), _lanes([("ST01", "ST03", 1.2, 2)]))
    with pytest.raises(ValueError, match=field):
        plan_rebalancing(positions, lanes, as_of_date=AS_OF)


def test_the_margin_and_the_date_are_checked():
    positions, lanes = _positions([GIVER, RECEIVER]), _lanes([("ST01", "ST03", 1.2, 2)])
    with pytest.raises(ValueError, match="excess_margin_days"):
        plan_rebalancing(positions, lanes, excess_margin_days=-1.0, as_of_date=AS_OF)
    with pytest.raises(ValueError, match="as_of_date"):
        plan_rebalancing(positions, lanes, as_of_date=None)
