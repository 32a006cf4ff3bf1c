"""Order promising of the live service (issue 18 point 4): quotes under the allocation and routing
rules, reservations that expire, on the hand-made snapshot of ``test_availability_book``.

SKU1 at DC01: ATP 70 70 70 70 100 100 100 (on hand 100, +50 on 10-05, a key account's line of 30
due 10-03, a standard line of 20 due 10-06). CV1, a committed-volume customer shipped from DC01,
holds 20 % of the pair's stock and receipts: 20 until 10-04, 30 from 10-05 (150 by then). So a
standard customer may take 70 - 20 = 50 until 10-04 and 100 - 30 = 70 from 10-05; a key account
all of the ATP.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from service.availability import AvailabilityBook
from service.errors import Invalid, NotFound
from tests.unit.test_availability_book import TZ, atp, make_snapshot

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
D1, D5 = date(2026, 10, 1), date(2026, 10, 5)


@pytest.fixture
def book(tmp_path) -> AvailabilityBook:
    return AvailabilityBook.from_snapshot(make_snapshot(tmp_path), TZ, reservation_minutes=30)


def request(item="SKU1", quantity=10.0, requested_date=D1, customer=None, channel=None, location=None, reserve=False, region=None):
    return SimpleNamespace(
        item=item, quantity=quantity, requested_date=requested_date, customer=customer, channel=channel, location=location, reserve=reserve, region=region
    )


def lines(quote) -> list[tuple]:
    return [(line.location_id, line.date, line.quantity) for line in quote.lines]


def test_a_quote_fully_available_on_the_requested_date(book):
    quote = book.quote(request(quantity=50, customer="ST1"), now=NOW)
    assert lines(quote) == [("DC01", D1, 50)]
    assert quote.shortfalls == []
    assert quote.as_dict()["complete_on_requested_date"] is True


def test_a_short_quote_is_promised_partly_then_on_a_later_day_with_its_reason(book):
    # a standard customer: 50 on 10-01 (70 less CV1's buffer of 20), the rest when the receipt lands on 10-05
    quote = book.quote(request(quantity=60, customer="ST1"), now=NOW)
    assert lines(quote) == [("DC01", D1, 50), ("DC01", D5, 10)]
    (short,) = quote.shortfalls
    assert (short.quantity, short.reason) == (10, "HIGHER_PRIORITY")
    assert "30 held for open lines of higher tiers" in short.text and "20 for committed-volume buffers" in short.text


def test_what_the_horizon_cannot_cover_is_beyond_it(book):
    # 70 at most for a standard customer by 10-07
    quote = book.quote(request(quantity=100, customer="ST1"), now=NOW)
    assert quote.promised_quantity == 70
    assert [(s.reason, s.quantity) for s in quote.shortfalls] == [("HIGHER_PRIORITY", 50), ("BEYOND_HORIZON", 30)]
    late = book.quote(request(quantity=5, customer="ST1", requested_date=date(2026, 10, 9)), now=NOW)
    assert late.lines == [] and late.shortfalls[0].reason == "BEYOND_HORIZON"


def test_a_key_account_gets_what_the_buffer_holds_from_a_standard_customer(book):
    standard = book.quote(request(quantity=60, customer="ST1"), now=NOW)
    key = book.quote(request(quantity=60, customer="KA1"), now=NOW)
    assert lines(standard)[0] == ("DC01", D1, 50)
    assert lines(key) == [("DC01", D1, 60)] and key.shortfalls == []
    # the committed-volume customer's own buffer is not held against itself
    assert lines(book.quote(request(quantity=70, customer="CV1"), now=NOW)) == [("DC01", D1, 70)]


def test_an_online_quote_without_location_is_routed_by_availability_then_cost(book):
    # web ATS on 10-01: DC01 70 - 10 = 60, ST01 10 - 5 = 5; to NORTH ST01 costs 1.1, DC01 1.4
    cheap = book.quote(request(quantity=4, channel="WEB", region="NORTH"), now=NOW)
    assert lines(cheap) == [("ST01", D1, 4)]
    stocked = book.quote(request(quantity=8, channel="WEB", region="NORTH"), now=NOW)
    assert lines(stocked) == [("DC01", D1, 8)]  # ST01 is cheaper but has 5
    assert "ST01 cheaper" in stocked.routing_reason


def test_a_channel_buffer_explains_a_short_web_quote(book):
    # ST01's ATP is 10 every day, the web's buffer there 5: 5 promised, 3 short on the day and by the horizon's end
    quote = book.quote(request(quantity=8, channel="WEB", location="ST01"), now=NOW)
    assert lines(quote) == [("ST01", D1, 5)]
    assert [(s.reason, s.quantity) for s in quote.shortfalls] == [("CHANNEL_BUFFER", 3), ("BEYOND_HORIZON", 3)]
    assert "5 for the channel's safety buffer" in quote.shortfalls[0].text


def test_a_reservation_holds_at_once_and_is_released_after_expiry(book):
    quote = book.quote(request(quantity=30, customer="KA1", reserve=True), now=NOW)
    reservation = quote.reservation
    assert reservation["expires_at"] == (NOW + timedelta(minutes=30)).isoformat()
    # committed rises by 30 on 10-01: balance 70 70 40 40 90 70 70
    assert atp(book, now=NOW) == [40, 40, 40, 40, 70, 70, 70]
    assert book.availability("SKU1", "DC01", None, None, None, now=NOW)["locations"][0]["reservations"] == 1
    assert book.expire(NOW + timedelta(minutes=29)) == 0
    assert book.expire(NOW + timedelta(minutes=31)) == 1
    assert atp(book, now=NOW) == [70, 70, 70, 70, 100, 100, 100]
    with pytest.raises(NotFound):
        book.confirm(reservation["id"], now=NOW)


def test_a_confirmed_reservation_is_kept_until_a_plan_after_it(book, tmp_path):
    held = book.quote(request(quantity=30, customer="KA1", reserve=True), now=NOW).reservation
    book.confirm(held["id"], now=NOW + timedelta(minutes=5))
    later = NOW + timedelta(hours=2)
    assert book.expire(later) == 0
    assert atp(book, now=later)[0] == 40
    # a plan whose watermark (2026-10-01 22:00 UTC) is after the confirmation has the order
    book.reload(make_snapshot(tmp_path, date(2026, 10, 2), [("SKU1", "DC01", 70, {}, {})], name="newer.duckdb"), now=later)
    assert atp(book, now=later) == [70] * 7


def test_a_cancelled_reservation_is_available_again(book):
    held = book.quote(request(quantity=30, customer="KA1", reserve=True), now=NOW).reservation
    book.cancel(held["id"])
    assert atp(book, now=NOW)[0] == 70


def test_a_quote_names_what_it_does_not_know(book):
    with pytest.raises(NotFound, match="customer 'NOBODY'"):
        book.quote(request(customer="NOBODY"), now=NOW)
    with pytest.raises(Invalid, match="needs its location"):
        book.quote(request(channel="SHOP"), now=NOW)
    with pytest.raises(Invalid, match="before the plan's first day"):
        book.quote(request(customer="ST1", requested_date=date(2026, 9, 1)), now=NOW)


@pytest.mark.parametrize("quantity", [1, 4, 5, 6, 8, 60])
def test_the_routing_of_a_quote_chooses_as_the_batch_routing_does(book, quantity):
    import pandas as pd

    from ml.inventory.routing import route_online_orders

    ats = book.availability("SKU1", None, "WEB", D1, D1)["locations"]
    stock = pd.DataFrame({"location_id": [r["location_id"] for r in ats], "sku_id": "SKU1", "available_quantity": [r["ats"][0] for r in ats]})
    line = pd.DataFrame(
        {"order_id": ["W1"], "order_line": [1], "sku_id": ["SKU1"], "quantity": [quantity], "region": ["NORTH"], "ordered_at": [pd.Timestamp(0)]}
    )
    batch = route_online_orders(line, stock, book.lanes, book.load)["ship_from_location_id"].iloc[0]
    quote = book.quote(request(quantity=quantity, channel="WEB", region="NORTH"), now=NOW)
    assert quote.location_id == batch


def test_a_request_of_whole_units_is_promised_in_whole_units(book):
    # half a unit held (a request of a fractional quantity keeps its fraction): what is left is 0.5
    # off a whole number, and a request of whole units is promised whole units only
    held = book.quote(request(quantity=0.5, channel="WEB", location="DC01", reserve=True), now=NOW)
    assert held.promised_quantity == 0.5
    answer = book.quote(request(quantity=1000, channel="WEB", location="DC01"), now=NOW)
    assert answer.lines and all(float(line.quantity).is_integer() for line in answer.lines)
    assert float(answer.promised_quantity).is_integer() and answer.shortfalls


def test_kept_reservations_read_back_as_they_were_and_a_broken_file_is_named(book, tmp_path):
    from service.availability import reservations

    held = book.quote(request(quantity=30, customer="KA1", reserve=True), now=NOW).reservation
    book.confirm(held["id"], now=NOW)
    reservations.save(tmp_path, list(book.reservations.values()))
    [back] = reservations.load(tmp_path)
    assert back == book.reservations[held["id"]]
    (tmp_path / reservations.FILE).write_text("{not json")
    with pytest.raises(ValueError, match="reservations.json"):
        reservations.load(tmp_path)
