"""The live intake, availability and reservations over HTTP, on the hand-made home of conftest.py:
what a system sending events and a sales desk asking for ATP rely on."""

from __future__ import annotations

import time

from data_contracts.model import duplicate_rule
from data_contracts.registry import contract_for
from tests.service.conftest import AUTH, FIRST, SKU1_DC01_ATP, build_home, wms

SALE = {"store": "ST01", "business_date": "2026-09-30", "ean": "3000000000017", "line_type": "SALE", "qty": "2", "unit_price": "3.5", "net_amount": "7"}
PLACED = {
    "event_id": "O-1",
    "event_type": "LINE_PLACED",
    "event_time": "2026-09-30T09:00:00Z",
    "exported_at": "2026-09-30T09:00:05Z",
    "order_id": "ORD-1",
    "line": "1",
    "channel": "WEB",
    "item": "SKU1",
    "qty": "5",
    "uom": "EACH",
    "unit_price": "4.5",
    "ship_from": "DC01",
}


def post(client, source: str, body) -> dict:
    response = client.post(f"/v1/events/{source}", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def logged(client, source: str = "wms_events") -> list[dict]:
    """The records of the intake log for ``source`` (what the fold will hand to the warehouse)."""
    return [record for _, record in client.app.state.live.log.records(source)]


def atp(client, item: str = "SKU1", location: str = "DC01", **params) -> list[float]:
    response = client.get("/v1/availability", params={"item": item, "location": location, **params}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()["locations"][0]["atp"]


# -- intake ---------------------------------------------------------------------------------------


def test_a_batch_is_answered_event_by_event_in_order(client):
    batch = [
        wms("E1"),
        wms("E2", sku="ZZ-9"),  # not in the cross-reference
        wms("E1"),  # the same event again in the batch
        wms("E3", qty="1.5"),  # eaches are whole
        wms(
            "OLD1", event_type="RECEIPT", event_time="2026-09-20T08:00:00Z", exported_at="2026-09-20T08:01:00Z", uom="SIX", reference="PO7/1"
        ),  # loaded from a file
        wms("E4", colour="red"),  # a field the WMS mapping does not read
    ]
    answer = post(client, "wms_events", batch)
    results = answer["results"]
    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (1, 2, 3), results
    assert [r["index"] for r in results] == list(range(6))
    assert [(r["key"], r["status"]) for r in results] == [
        ({"event_id": "E1"}, "accepted"),
        ({"event_id": "E2"}, "rejected"),
        ({"event_id": "E1"}, "duplicate"),
        ({"event_id": "E3"}, "rejected"),
        ({"event_id": "OLD1"}, "duplicate"),
        ({"event_id": "E4"}, "rejected"),
    ]
    assert results[0]["problems"] == [] and results[2]["problems"] == []
    [unmapped] = [p for p in results[1]["problems"] if p["field"] == "sku"]
    assert unmapped["rule"] == "unmapped_code" and unmapped["value"] == "ZZ-9" and "ZZ-9" in unmapped["reason"]
    assert {p["field"] for p in results[3]["problems"]} == {"qty"} and all(p["value"] == "1.5" and p["rule"] and p["reason"] for p in results[3]["problems"])
    [unknown] = results[5]["problems"]
    assert (unknown["rule"], unknown["field"]) == ("unknown_field", "colour") and "sources/wms_events.yaml" in unknown["reason"]
    # logged: the accepted event and the contract's rejections (they reach the quarantine), not the
    # duplicates nor the event of an unknown shape
    assert [(r["key"], r["status"]) for r in logged(client)] == [(["E1"], "accepted"), (["E2"], "rejected"), (["E3"], "rejected")]


def test_an_event_seen_before_adds_nothing(client):
    assert post(client, "wms_events", [wms("E1"), wms("E2")])["accepted"] == 2
    after_first = atp(client)
    again = post(client, "wms_events", [wms("E2"), wms("E1")])
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert len(logged(client)) == 2  # not logged again
    assert atp(client) == after_first  # nor counted again
    # the same key with other content breaks the contract's duplicate rule, naming what changed; it is logged
    changed = post(client, "wms_events", wms("E1", qty="3"))["results"][0]
    rule = duplicate_rule(contract_for("wms_events").key).name
    assert changed["status"] == "rejected" and [p["rule"] for p in changed["problems"]] == [rule]
    assert "qty" in changed["problems"][0]["reason"]
    assert len(logged(client)) == 3 and atp(client) == after_first


def test_pos_lines_are_keyed_by_store_day_barcode_and_line_type(client):
    first = post(client, "pos_sales", SALE)["results"][0]
    assert first["status"] == "accepted" and first["key"] == {"store": "ST01", "business_date": "2026-09-30", "ean": "3000000000017", "line_type": "SALE"}
    assert post(client, "pos_sales", [SALE])["results"][0]["status"] == "duplicate"
    assert atp(client, "3000000000017", "ST01")[0] == 8  # 10 on hand at the store, 2 sold


def test_requests_the_intake_cannot_take_are_refused_with_their_status(client):
    unknown = client.post("/v1/events/erp_items", json=wms("E1"), headers=AUTH)
    assert unknown.status_code == 404 and "wms_events" in unknown.json()["detail"]
    assert client.post("/v1/events/nope", json=wms("E1"), headers=AUTH).status_code == 404
    not_json = client.post("/v1/events/wms_events", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["detail"]
    too_many = client.post("/v1/events/wms_events", json=[wms(f"E{i}") for i in range(10_001)], headers=AUTH)
    assert too_many.status_code == 413 and "10,000" in too_many.json()["detail"]
    for body in (["a", "b"], 3, [wms("E1"), 3]):  # neither an event nor a batch of events
        assert client.post("/v1/events/wms_events", json=body, headers=AUTH).status_code == 422
    assert logged(client) == []
    # the largest batch allowed is taken whole
    assert post(client, "wms_events", [wms(f"B{i}") for i in range(10_000)])["accepted"] == 10_000


# -- availability ---------------------------------------------------------------------------------


def test_availability_reflects_an_accepted_event_at_once(client):
    before = client.get("/v1/availability", params={"item": "SKU1", "location": "DC01"}, headers=AUTH).json()
    assert before["locations"][0]["atp"] == SKU1_DC01_ATP and before["last_event_time"] is None
    assert before["plan"]["first_day"] == FIRST.isoformat()
    # a SHIP of 2 packs of 6 at 10:00 on the plan's first day (Paris): 12 eaches less from that day
    post(client, "wms_events", wms("S1", qty="2", uom="SIX"))
    answer = client.get("/v1/availability", params={"item": "SKU1", "location": "DC01"}, headers=AUTH).json()
    [row] = answer["locations"]
    assert row["atp"] == [a - 12 for a in SKU1_DC01_ATP] and row["plan_atp"] == SKU1_DC01_ATP
    assert row["movements"] == 1 and answer["last_event_time"] == "2026-09-30T08:00:00+00:00"
    # a receipt on the fourth day adds from there (ATP looks ahead: earlier days keep the minimum)
    assert (
        post(
            client,
            "wms_events",
            wms("R1", event_type="RECEIPT", event_time="2026-09-30T20:00:00Z", exported_at="2026-09-30T20:00:00Z", qty="5", uom="SIX", reference="PO7/1"),
        )["accepted"]
        == 1
    )  # 30 eaches
    assert atp(client) == [88.0, 88.0, 88.0, 88.0, 118.0, 118.0, 118.0]
    # an order line placed commits stock at its ship-from location
    assert post(client, "oms_events", PLACED)["accepted"] == 1
    assert atp(client) == [83.0, 83.0, 83.0, 83.0, 113.0, 113.0, 113.0]
    # other locations are left alone
    assert atp(client, "SKU1", "ST01") == [10.0] * 7


def test_any_mapped_code_finds_the_item(client):
    post(client, "wms_events", wms("S1", qty="5"))
    answers = [client.get("/v1/availability", params={"item": code, "location": "DC01"}, headers=AUTH).json() for code in ("SKU1", "W-1", "3000000000017")]
    assert {a["sku_id"] for a in answers} == {"SKU1"}
    assert all(a["locations"][0]["atp"][0] == 65 for a in answers)
    every = client.get("/v1/availability", params={"item": "W-1"}, headers=AUTH).json()
    assert {row["location_id"] for row in every["locations"]} == {"DC01", "ST01"}
    ats = client.get("/v1/availability", params={"item": "W-1", "location": "DC01", "channel": "WEB"}, headers=AUTH).json()
    assert ats["locations"][0]["ats"][0] == 55  # ATP 65 less the web channel's buffer of 10
    unknown = client.get("/v1/availability", params={"item": "NOPE"}, headers=AUTH)
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["detail"]
    outside = client.get("/v1/availability", params={"item": "SKU1", "from": "2026-09-01"}, headers=AUTH)
    assert outside.status_code == 422


def test_a_plan_with_its_watermark_table_is_loaded_and_counts_later_events(tmp_path, make_client):
    """The published copy as the ATP asset writes it (inventory.plan_watermark: computed at the start of
    the first day from the loads up to the warehouse's rows): an event received after counts."""
    client = make_client(build_home(tmp_path / "home", watermark=True))
    ready = client.get("/ready").json()
    assert ready["availability"]["loaded_through"] == "2026-09-29T23:00:00+00:00"
    post(client, "wms_events", wms("S1", qty="4"))
    assert atp(client)[0] == 66


# -- reservations ---------------------------------------------------------------------------------

QUOTE = {"item": "SKU1", "quantity": 30, "requested_date": FIRST.isoformat(), "customer": "KA1", "location": "DC01", "reserve": True}


def quote(client, **changes) -> dict:
    response = client.post("/v1/quotes", json={**QUOTE, **changes}, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_reservation_holds_at_once_and_expires_unless_confirmed(home, make_client):
    client = make_client(home, PLANLINE_RESERVATION_MINUTES="0.02")  # 1.2 s
    held = quote(client)
    assert held["promised_quantity"] == 30 and held["complete_on_requested_date"] is True
    assert held["reservation"]["status"] == "held"
    assert atp(client) == [a - 30 for a in SKU1_DC01_ATP]
    confirmed = quote(client, quantity=10)["reservation"]
    answer = client.post(f"/v1/reservations/{confirmed['id']}/confirm", headers=AUTH)
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    assert atp(client) == [a - 40 for a in SKU1_DC01_ATP]
    time.sleep(1.5)
    client.app.state.live.tick()
    assert atp(client) == [a - 10 for a in SKU1_DC01_ATP]  # the first expired; the confirmed one holds
    late = client.post(f"/v1/reservations/{held['reservation']['id']}/confirm", headers=AUTH)
    assert late.status_code == 404
    # a quote without reservation holds nothing
    assert quote(client, reserve=False)["reservation"] is None and atp(client) == [a - 10 for a in SKU1_DC01_ATP]


def test_reservations_outlive_a_restart_of_the_service(home, make_client):
    client = make_client(home)
    held = quote(client)["reservation"]
    confirmed = quote(client, quantity=10)["reservation"]
    client.post(f"/v1/reservations/{confirmed['id']}/confirm", headers=AUTH)
    cancelled = quote(client, quantity=5)["reservation"]
    client.delete(f"/v1/reservations/{cancelled['id']}", headers=AUTH)
    assert atp(client) == [a - 40 for a in SKU1_DC01_ATP]
    make_client.close(client)
    again = make_client(home)  # a new service on the same home: the held and the confirmed reservations, not the cancelled one
    assert atp(again) == [a - 40 for a in SKU1_DC01_ATP]
    answer = again.post(f"/v1/reservations/{held['id']}/confirm", headers=AUTH)
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    assert again.delete(f"/v1/reservations/{cancelled['id']}", headers=AUTH).status_code == 404


def test_a_cancelled_reservation_is_available_again(client):
    held = quote(client)["reservation"]
    confirmed = quote(client, quantity=10)["reservation"]
    client.post(f"/v1/reservations/{confirmed['id']}/confirm", headers=AUTH)
    assert atp(client)[0] == 30
    cancelled = client.delete(f"/v1/reservations/{held['id']}", headers=AUTH)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert atp(client)[0] == 60
    assert client.delete(f"/v1/reservations/{confirmed['id']}", headers=AUTH).status_code == 200  # a confirmed one too
    assert atp(client) == SKU1_DC01_ATP
    assert client.delete(f"/v1/reservations/{held['id']}", headers=AUTH).status_code == 404


def test_a_short_quote_says_why(client):
    short = quote(client, quantity=90, reserve=False)
    assert short["promised_quantity"] == 90 and short["complete_on_requested_date"] is False
    assert short["lines"][0] == {"location_id": "DC01", "date": FIRST.isoformat(), "quantity": 70.0}
    assert short["shortfalls"] and all(s["reason"] and s["text"] for s in short["shortfalls"])
    refused = client.post("/v1/quotes", json={**QUOTE, "customer": None}, headers=AUTH)
    assert refused.status_code == 422
