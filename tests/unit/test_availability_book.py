"""The availability book of the live service (issue 18 point 3): the plan's ATP, movements since its
watermark, codes of every system, on a hand-made published snapshot.

The snapshot (``make_snapshot``; ``test_promising.py`` uses it too): a plan of 7 days, 2026-10-01
to 2026-10-07, business time zone Europe/Paris (watermark 2026-09-30 22:00 UTC):

- SKU1 at DC01: on hand 100, a receipt of 50 on 10-05, a key account's line of 30 due 10-03 and a
  standard line of 20 due 10-06. Projected balance 100 100 70 70 120 100 100; ATP (minimum over
  this and later days) 70 70 70 70 100 100 100.
- SKU1 at ST01: on hand 10, ATP 10 every day.
- SKU2 at DC01: nothing on hand, 40 due 10-04: ATP 0 0 0 40 40 40 40.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.inventory.availability import available_to_promise
from service.availability import AvailabilityBook
from service.errors import Invalid, NotFound

FIRST = date(2026, 10, 1)
TZ = "Europe/Paris"
FLOWS = [  # sku, location, on hand, {day: receipts}, {day: committed}
    ("SKU1", "DC01", 100, {4: 50}, {2: 30, 5: 20}),
    ("SKU1", "ST01", 10, {}, {}),
    ("SKU2", "DC01", 0, {3: 40}, {}),
]


def _atp_table(first: date, flows) -> pd.DataFrame:
    rows = [
        (sku, loc, pd.Timestamp(first) + pd.Timedelta(days=d), on_hand, receipts.get(d, 0), committed.get(d, 0))
        for sku, loc, on_hand, receipts, committed in flows
        for d in range(7)
    ]
    balances = pd.DataFrame(rows, columns=["sku_id", "location_id", "date", "on_hand", "receipts", "committed"])
    atp = available_to_promise(balances)
    return atp.assign(date=atp["date"].dt.date)


def make_snapshot(folder: Path, first: date = FIRST, flows=FLOWS, name: str = "warehouse.duckdb") -> Path:
    """A published snapshot with the tables the book reads and its manifest."""
    path = folder / name
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for schema in ("inventory", "marts", "intermediate", "company"):
        con.execute(f"CREATE SCHEMA {schema}")
    frames = {
        "inventory.available_to_promise": _atp_table(first, flows),
        # buffers on the first day: the web channel holds back 10 at DC01, 5 at ST01
        "inventory.available_to_sell": pd.DataFrame(
            [
                ("SKU1", "DC01", first, "WHS", 0.0),
                ("SKU1", "DC01", first, "WEB", 10.0),
                ("SKU1", "ST01", first, "WEB", 5.0),
                ("SKU1", "ST01", first, "SHOP", 0.0),
                ("SKU2", "DC01", first, "WHS", 0.0),
                ("SKU2", "DC01", first, "WEB", 10.0),
            ],
            columns=["sku_id", "location_id", "date", "channel_id", "buffer_units"],
        ),
        "intermediate.int_item_codes": pd.DataFrame(
            [
                ("ERP", "SKU1", "SKU1", None, None),
                ("POS", "3000000000017", "SKU1", date(2020, 1, 1), None),
                ("WMS", "W-1", "SKU1", None, None),
                ("ERP", "SKU2", "SKU2", None, None),
                ("POS", "3000000000024", "SKU2", None, None),
            ],
            columns=["source_system", "external_code", "sku_id", "valid_from", "valid_to"],
        ),
        "marts.dim_sku": pd.DataFrame({"sku_id": ["SKU1", "SKU2"]}),
        "marts.dim_location": pd.DataFrame(
            [("DC01", "DC", "SOUTH"), ("ST01", "SHOP", "NORTH"), ("ST02", "SHOP", "NORTH")], columns=["location_id", "location_type", "region"]
        ),
        "company.location_types": pd.DataFrame([("DC", "warehouse"), ("SHOP", "store")], columns=["location_type", "location_role"]),
        "company.channels": pd.DataFrame([("WHS", "wholesale"), ("WEB", "online"), ("SHOP", "store")], columns=["channel_id", "channel_role"]),
        "company.segment_service_levels": pd.DataFrame(
            [("KEY_ACCOUNT", 1), ("COMMITTED_VOLUME", 2), ("STANDARD", 3)], columns=["segment", "allocation_priority"]
        ),
        # CV1 holds 20 % of DC01's stock; ST2 has no ship-from location
        "marts.dim_customer": pd.DataFrame(
            [
                ("KA1", "KEY_ACCOUNT", "SOUTH", "DC01", 0.0),
                ("CV1", "COMMITTED_VOLUME", "SOUTH", "DC01", 20.0),
                ("ST1", "STANDARD", "SOUTH", "DC01", 0.0),
                ("ST2", "STANDARD", "NORTH", None, 0.0),
            ],
            columns=["customer_id", "segment", "region", "ship_from_location_id", "reserved_buffer_pct"],
        ),
        "inventory.fct_committed_orders": pd.DataFrame(
            [
                ("SKU1", "DC01", "KA1", 1, first + pd.Timedelta(days=2), 30.0, False),
                ("SKU1", "DC01", "ST1", 3, first + pd.Timedelta(days=5), 20.0, False),
            ],
            columns=["sku_id", "location_id", "customer_id", "allocation_priority", "due_date", "open_quantity", "is_stale"],
        ),
        # to region NORTH: ST01 (its own region) is cheaper than DC01
        "inventory.dim_shipping_lanes": pd.DataFrame(
            [("DC01", "NORTH", 1.4), ("DC01", "SOUTH", 0.9), ("ST01", "NORTH", 1.1)], columns=["location_id", "region", "cost_per_unit"]
        ),
        "inventory.fct_online_picking_load": pd.DataFrame([("DC01", 0, 100), ("ST01", 0, 10)], columns=["location_id", "open_lines", "capacity_lines"]),
    }
    for table, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
        con.unregister("frame")
    con.close()
    path.with_name(f"{path.name}.json").write_text(json.dumps({"published_at": "2026-10-01T03:00:00+00:00", "run_id": "run-1"}))
    return path


@pytest.fixture
def book(tmp_path) -> AvailabilityBook:
    return AvailabilityBook.from_snapshot(make_snapshot(tmp_path), TZ, reservation_minutes=30)


def movements(*rows) -> pd.DataFrame:
    """Rows of (event_key, sku, location, business_date, on_hand_delta, committed_delta)."""
    frame = pd.DataFrame(rows, columns=["event_key", "sku_id", "location_id", "business_date", "on_hand_delta", "committed_delta"])
    return frame.assign(
        source="wms_events",
        channel_id=None,
        event_time=pd.Timestamp("2026-10-01 09:30", tz="UTC"),
        reference=None,
        business_date=pd.to_datetime(frame["business_date"]).dt.date,
    )


def atp(book: AvailabilityBook, item: str = "SKU1", location: str = "DC01", **kwargs) -> list[float]:
    return book.availability(item, location, None, None, None, **kwargs)["locations"][0]["atp"]


def test_the_plans_atp_watermark_and_manifest(book):
    answer = book.availability("SKU1", "DC01", None, None, None)
    assert answer["locations"][0]["atp"] == [70, 70, 70, 70, 100, 100, 100]
    assert answer["locations"][0]["plan_atp"] == [70, 70, 70, 70, 100, 100, 100]
    # the end of 2026-09-30 in Paris (UTC+2 in summer time)
    assert book.watermark == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert answer["watermark"] == "2026-09-30T22:00:00+00:00" and answer["last_event_time"] is None
    assert (answer["plan"]["run_id"], answer["plan"]["first_day"], answer["plan"]["last_day"]) == ("run-1", "2026-10-01", "2026-10-07")
    every = book.availability("SKU1", None, None, date(2026, 10, 2), date(2026, 10, 3))
    assert {row["location_id"]: row["atp"] for row in every["locations"]} == {"DC01": [70, 70], "ST01": [10, 10]}


def test_a_ship_today_lowers_atp_from_today(book):
    assert book.apply(movements(("e1", "SKU1", "DC01", "2026-10-01", -5.0, 0.0))) == 1
    answer = book.availability("SKU1", "DC01", None, None, None)
    assert answer["locations"][0]["atp"] == [65, 65, 65, 65, 95, 95, 95]
    assert answer["locations"][0]["plan_atp"][0] == 70
    assert answer["locations"][0]["movements"] == 1
    assert answer["last_event_time"] == "2026-10-01T09:30:00+00:00"


def test_a_later_commitment_lowers_earlier_days_by_look_ahead(book):
    # a line of 40 placed for 10-06: balance 100 100 70 70 120 60 60, so every day can promise 60 only
    book.apply(movements(("o1", "SKU1", "DC01", "2026-10-06", 0.0, 40.0)))
    assert atp(book) == [60] * 7


def test_a_receipt_adds_from_its_day(book):
    book.apply(movements(("r1", "SKU2", "DC01", "2026-10-03", 25.0, 0.0)))
    assert atp(book, "SKU2") == [0, 0, 25, 65, 65, 65, 65]


def test_the_same_movement_twice_counts_once(book):
    ship = movements(("e1", "SKU1", "DC01", "2026-10-01", -5.0, 0.0))
    assert book.apply(pd.concat([ship, ship])) == 1
    assert book.apply(ship) == 0
    assert atp(book)[0] == 65


def test_a_movement_of_a_day_before_the_plan_changes_the_stock_it_starts_from(book):
    # an event the plan's loads did not hold, of the last day of history: from the first day on
    assert book.apply(movements(("late", "SKU1", "DC01", "2026-09-30", -5.0, 0.0))) == 1
    assert atp(book)[0] == 65
    assert book.ledger.before_first_day == 1


def test_a_pair_the_plan_lacks_starts_from_zero(book):
    book.apply(movements(("t1", "SKU2", "ST01", "2026-10-02", 5.0, 0.0)))
    assert atp(book, "SKU2", "ST01") == [0, 5, 5, 5, 5, 5, 5]


def test_any_mapped_code_finds_the_item(book):
    assert book.availability("3000000000017", "DC01", None, None, None)["sku_id"] == "SKU1"
    assert book.availability("W-1", "DC01", None, None, None)["locations"][0]["atp"][0] == 70


def test_ats_is_atp_less_the_channels_buffer(book):
    answer = book.availability("SKU1", "DC01", "WEB", None, None)["locations"][0]
    assert answer["ats"] == [60, 60, 60, 60, 90, 90, 90]


def test_unknown_codes_and_dates_outside_the_plan_are_named(book):
    with pytest.raises(NotFound, match="item 'NOPE'"):
        book.availability("NOPE", None, None, None, None)
    with pytest.raises(NotFound, match="location 'XX'"):
        book.availability("SKU1", "XX", None, None, None)
    with pytest.raises(NotFound, match="channel 'TV'"):
        book.availability("SKU1", None, "TV", None, None)
    with pytest.raises(Invalid, match="2026-10-01 to 2026-10-07"):
        book.availability("SKU1", None, None, date(2026, 10, 5), date(2026, 10, 9))


def test_reload_applies_the_movements_the_new_plan_lacks(book, tmp_path):
    book.apply(movements(("a", "SKU1", "DC01", "2026-10-01", -5.0, 0.0), ("b", "SKU1", "DC01", "2026-10-02", -3.0, 0.0)))
    # the next plan starts on 10-02 from the stock after 10-01's ship: 95 on hand; its loads held "a", not "b"
    newer = make_snapshot(tmp_path, date(2026, 10, 2), [("SKU1", "DC01", 95, {}, {})], name="newer.duckdb")
    book.reload(newer, pending=movements(("b", "SKU1", "DC01", "2026-10-02", -3.0, 0.0)))
    assert book.watermark == datetime(2026, 10, 1, 22, 0, tzinfo=UTC)
    assert atp(book) == [92] * 7  # 95 less 10-02's ship of 3; 10-01's is in the plan
    assert book.apply(movements(("b", "SKU1", "DC01", "2026-10-02", -3.0, 0.0))) == 0


def test_the_book_answers_in_well_under_a_millisecond(book):
    book.apply(movements(("e1", "SKU1", "DC01", "2026-10-01", -5.0, 0.0)))
    import time

    started = time.perf_counter()
    for _ in range(200):
        book.availability("3000000000017", None, "WEB", None, None)
    assert (time.perf_counter() - started) / 200 < 1e-3
    assert np.isfinite(atp(book)).all()


def test_the_plan_watermark_table_gives_when_the_plan_was_computed_and_the_loads_it_holds(tmp_path):
    path = make_snapshot(tmp_path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE inventory.plan_watermark AS SELECT TIMESTAMP '2026-10-01 02:15:00' AS computed_at, "
            "TIMESTAMP '2026-10-01 01:50:00' AS raw_loaded_through, DATE '2026-10-01' AS first_plan_day, DATE '2026-09-30' AS history_last_day"
        )
    book = AvailabilityBook.from_snapshot(path, "Europe/Paris", 30)
    # the warehouse's times are UTC
    assert book.watermark == datetime(2026, 10, 1, 2, 15, tzinfo=UTC)
    assert book.loaded_through == datetime(2026, 10, 1, 1, 50, tzinfo=UTC)
