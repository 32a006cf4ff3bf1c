"""The availability steps of a plan over the warehouse's tables, on hand-made frames: the channels'
safety buffers, the allocation of the order book day by day over its window, the re-routing of the
web orders the order system placed (ml.inventory.availability_plan)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from ml.inventory.availability import allocate_scarce_stock
from ml.inventory.availability_plan import allocate_order_book, availability_of_plan, channel_buffers, reroute_online_orders
from ml.inventory.routing import route_online_orders

POLICIES = pd.DataFrame(
    {"sku_id": ["A", "A", "B"], "location_id": ["DC01", "ST01", "DC01"], "location_type": ["DC", "STORE", "DC"], "safety_stock_units": [10.0, 4.0, 0.0]}
)
SHARES = pd.DataFrame({"location_type": ["DC", "DC", "STORE"], "channel_id": ["WEB", "B2B", "WEB"], "safety_stock_share": [0.5, 0.0, 1.0]})


def test_each_channel_holds_back_its_share_of_the_locations_safety_stock():
    buffers = channel_buffers(POLICIES, SHARES).sort_values(["sku_id", "location_id", "channel_id"])
    assert buffers.values.tolist() == [
        ["A", "DC01", "B2B", 0.0],
        ["A", "DC01", "WEB", 5.0],
        ["A", "ST01", "WEB", 4.0],
        ["B", "DC01", "B2B", 0.0],
        ["B", "DC01", "WEB", 0.0],
    ]
    # a location type without shares sells through no channel
    assert channel_buffers(POLICIES, SHARES[SHARES.location_type == "DC"]).location_id.eq("DC01").all()


@pytest.mark.parametrize(
    ("policies", "shares", "message"),
    [
        (POLICIES.assign(safety_stock_units=[10.0, -1.0, 0.0]), SHARES, "policies.safety_stock_units must be >= 0, got -1 at sku_id='A', location_id='ST01'"),
        (
            POLICIES,
            SHARES.assign(safety_stock_share=[0.5, None, 1.0]),
            "shares.safety_stock_share has missing values, e.g. at location_type='DC', channel_id='B2B'",
        ),
        (
            POLICIES,
            pd.concat([SHARES, SHARES.iloc[:1]]),
            r"shares has several rows for the key \(location_type, channel_id\), e.g. location_type='DC', channel_id='WEB'",
        ),
        (POLICIES.assign(location_type=["DC", None, "DC"]), SHARES, "policies.location_type has missing values"),
        (POLICIES.drop(columns="location_type"), SHARES, r"policies lacks the columns \['location_type'\]"),
    ],
)
def test_buffer_inputs_are_checked_naming_the_field(policies, shares, message):
    with pytest.raises(ValueError, match=message):
        channel_buffers(policies, shares)


def test_atp_and_ats_of_a_plan_hold_back_the_buffers_and_give_days_as_dates():
    days = pd.date_range("2026-10-01", periods=2)
    balances = pd.DataFrame({"sku_id": "A", "location_id": "DC01", "date": days, "on_hand": 20.0, "receipts": [0.0, 5.0], "committed": [8.0, 0.0]})
    atp, ats = availability_of_plan(balances, POLICIES, SHARES)
    assert atp.atp.tolist() == [12.0, 17.0] and atp.date.tolist() == [dt.date(2026, 10, 1), dt.date(2026, 10, 2)]
    web = ats[ats.channel_id == "WEB"]
    assert web.ats.tolist() == [7.0, 12.0] and isinstance(web.date.iloc[0], dt.date)  # 5 held back from the web


# ---- the order book's window ----------------------------------------------------------------

SEGMENTS = pd.DataFrame({"segment": ["KEY_ACCOUNT", "STANDARD"], "allocation_priority": [1, 2]})


def _book(*rows) -> pd.DataFrame:
    """Rows of (order_id, segment, customer, quantity, due day, stale): SKU A at DC01, ordered on 20 September."""
    frame = pd.DataFrame(rows, columns=["order_id", "segment", "customer_id", "open_quantity", "due_date", "is_stale"])
    return frame.assign(
        order_line=1,
        sku_id="A",
        location_id="DC01",
        allocation_priority=frame.segment.map({"KEY_ACCOUNT": 1, "STANDARD": 2, "CONSUMER": 2}),
        reserved_buffer_pct=0.0,
        order_date=pd.Timestamp("2026-09-20"),
        promised_date=pd.to_datetime(frame.due_date),
        due_date=pd.to_datetime(frame.due_date),
    )


STOCK = pd.DataFrame({"sku_id": ["A"], "location_id": ["DC01"], "on_hand_units": [10.0]})
RECEIPTS = pd.DataFrame({"sku_id": ["A"], "location_id": ["DC01"], "due_date": pd.to_datetime(["2026-10-02"]), "open_quantity": [6.0]})


def test_each_day_of_the_window_shares_what_is_there_by_then_less_what_earlier_days_took():
    book = _book(
        ("S1", "STANDARD", "C1", 8.0, "2026-10-01", False),
        ("K1", "KEY_ACCOUNT", "C2", 5.0, "2026-10-02", False),
        ("S2", "STANDARD", "C3", 5.0, "2026-10-02", False),
        ("OLD", "KEY_ACCOUNT", "C2", 50.0, "2026-10-01", True),  # stale: not planned
        ("LATE", "KEY_ACCOUNT", "C2", 50.0, "2026-10-04", False),  # after the 3-day window
    )
    window = allocate_order_book(book, STOCK, RECEIPTS, SEGMENTS, allocation_days=3)
    allocated = window.allocation.set_index("order_id").allocated_quantity
    # day 1: S1 takes 8 of 10; day 2: 2 left + 6 received = 8, the key account first (5), S2 gets 3
    assert allocated.to_dict() == {"S1": 8.0, "K1": 5.0, "S2": 3.0}
    assert window.window_end == pd.Timestamp("2026-10-03") and window.lowest_segment == "STANDARD"
    # the same as allocating each day by hand
    first = allocate_scarce_stock(
        book.iloc[[0]].rename(columns={"allocation_priority": "priority"}), STOCK.rename(columns={"on_hand_units": "available_quantity"}), SEGMENTS
    )
    second = allocate_scarce_stock(
        book.iloc[[1, 2]].rename(columns={"allocation_priority": "priority"}),
        STOCK.rename(columns={"on_hand_units": "available_quantity"}).assign(available_quantity=8.0),
        SEGMENTS,
    )
    expected = pd.concat([first, second], ignore_index=True)
    pd.testing.assert_frame_equal(window.allocation[expected.columns], expected)


def test_a_segment_without_priority_ranks_lowest_and_a_line_without_customer_is_its_own():
    book = _book(("W1", "CONSUMER", None, 4.0, "2026-10-01", False), ("W2", "CONSUMER", None, 4.0, "2026-10-01", False))
    window = allocate_order_book(book, STOCK, RECEIPTS.iloc[0:0], SEGMENTS, allocation_days=7)
    assert window.allocation.segment.tolist() == ["STANDARD", "STANDARD"] and window.allocation.customer_id.tolist() == ["W1", "W2"]
    assert window.unranked_segments.to_dict() == {"CONSUMER": 2}


def test_an_order_book_without_open_lines_gives_an_empty_allocation_with_its_columns():
    window = allocate_order_book(_book(("OLD", "STANDARD", "C1", 5.0, "2026-10-01", True)), STOCK, RECEIPTS, SEGMENTS, allocation_days=7)
    assert window.allocation.empty and window.window_end is None
    assert {"priority", "allocated_quantity", "short_quantity", "allocation_tier", "fill_status", "short_reason", "short_reason_text"} <= set(
        window.allocation.columns
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(allocation_days=0), "allocation_days must be a whole number >= 1, got 0"),
        (dict(stock=pd.concat([STOCK, STOCK])), r"stock has several rows for the key \(sku_id, location_id\), e.g. sku_id='A', location_id='DC01'"),
        (dict(lines=_book(("S1", "STANDARD", "C1", 8.0, None, False))), "lines.due_date has missing values"),
        (dict(scheduled_receipts=RECEIPTS.drop(columns="open_quantity")), r"scheduled_receipts lacks the columns \['open_quantity'\]"),
    ],
)
def test_the_order_books_inputs_are_checked_naming_the_field(change, message):
    arguments = {
        "lines": _book(("S1", "STANDARD", "C1", 8.0, "2026-10-01", False)),
        "stock": STOCK,
        "scheduled_receipts": RECEIPTS,
        "segments": SEGMENTS,
        "allocation_days": 7,
    }
    with pytest.raises(ValueError, match=message):
        allocate_order_book(**(arguments | change))


# ---- web orders placed by the order system ---------------------------------------------------


def _web_lines(*rows) -> pd.DataFrame:
    """Rows of (order_id, quantity, where the order system put it), SKU A to region NORTH, a minute apart."""
    frame = pd.DataFrame(rows, columns=["order_id", "quantity", "oms_ship_from_location_id"])
    return frame.assign(
        order_line=1, sku_id="A", region="NORTH", ordered_at=pd.Timestamp("2026-09-30 08:00") + pd.to_timedelta(np.arange(len(frame)), unit="min")
    )


COSTS = pd.DataFrame({"location_id": ["DC01", "ST01"], "region": ["NORTH", "NORTH"], "cost_per_unit": [1.0, 3.0]})
LOAD = pd.DataFrame({"location_id": ["DC01", "ST01"], "open_lines": [0, 0], "capacity_lines": [10, 10]})


def test_a_line_routed_again_gets_back_the_stock_the_order_system_held_for_it():
    # the order system put the line at DC01, whose ATS (0) already counts it out: it is DC01's again
    lines = _web_lines(("W1", 3.0, "DC01"), ("W2", 2.0, "ST09"))
    stock = pd.DataFrame({"location_id": ["DC01", "ST01"], "sku_id": ["A", "A"], "available_quantity": [0.0, 5.0]})
    routed = reroute_online_orders(lines, stock, COSTS, LOAD)
    assert routed.ship_from_location_id.tolist() == ["DC01", "ST01"]
    # the order system's choice at its lane's cost; ST09 ships nowhere: no cost
    assert routed.oms_shipping_cost.iloc[0] == 3.0 and np.isnan(routed.oms_shipping_cost.iloc[1])
    # without the held stock given back, the line would have gone to the dearer store
    plain = route_online_orders(lines, stock, COSTS, LOAD)
    assert plain.ship_from_location_id.iloc[0] == "ST01"
