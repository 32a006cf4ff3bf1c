"""The door of the live intake (service/intake/door.py): posted events checked by the contracts.

Fast tests run on a hand-made snapshot: a DuckDB file holding the few master rows the stream
contracts read (as the loader writes raw tables: canonical text), the company tables and one
event already in the warehouse. The module's e2e test measures ``check`` on the tiny demo company
published by the session's reference run.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from data_contracts.company.config import Company
from data_contracts.company.export import write_company_tables
from data_contracts.company.mapping import SourceMapping
from data_contracts.registry import contract_for
from data_contracts.sources.streams import UNMAPPED_WMS_CODE
from data_contracts.validate import ensure_governance_schema
from orchestration.ingestion.loader import ensure_raw_tables
from service.intake.door import ACCEPTED, DUPLICATE, REJECTED, Door

AS_OF = datetime(2026, 9, 30, 21, 0)
LOADED = datetime(2026, 9, 29, 23, 0)
COMPANY = Company(
    name="Door test company",
    business_timezone="Europe/Paris",
    channels=[{"code": "SHOPS", "role": "store"}, {"code": "SITE", "role": "online"}, {"code": "MKP", "role": "marketplace"}],
    location_types=[{"code": "WH", "role": "warehouse"}, {"code": "SHOP", "role": "store"}],
    units=[{"code": "EACH", "role": "base"}, {"code": "SIX", "role": "store_pack"}, {"code": "BOX", "role": "case"}],
    code_systems=[{"code": "ITEMS", "role": "item_master"}, {"code": "WH", "role": "warehouse"}, {"code": "TILL", "role": "point_of_sale"}],
)
MASTER = {
    "erp_items": [{"item_code": "A1", "base_unit": "EACH"}, {"item_code": "B2", "base_unit": "EACH"}],
    "erp_locations": [
        {"location_code": "W1", "location_type": "WH", "wms_receiving_unit": "SIX"},
        {"location_code": "S1", "location_type": "SHOP"},
        {"location_code": "BAD", "location_type": "WH"},  # quarantined below: not a location for the contracts
    ],
    "erp_item_xref": [
        {"system": "WH", "external_code": "wa1", "item_code": "A1", "valid_from": "2026-01-01"},
        {"system": "TILL", "external_code": "4000001", "item_code": "A1", "valid_from": "2026-01-01"},
    ],
    "erp_unit_conversions": [
        {"item_code": "A1", "unit": "EACH", "factor_to_base": "1"},
        {"item_code": "A1", "unit": "SIX", "factor_to_base": "6"},
        {"item_code": "B2", "unit": "EACH", "factor_to_base": "1"},
    ],
    "erp_purchase_orders": [{"po_number": "PO7", "po_line": "1", "item_code": "A1", "location_code": "W1", "_partition_date": date(2026, 9, 1)}],
    "erp_production_orders": [],
    "wms_events": [
        {
            "event_id": "OLD1",
            "event_type": "RECEIPT",
            "event_time": "2026-09-20T08:00:00Z",
            "exported_at": "2026-09-20T08:01:00Z",
            "site": "W1",
            "sku": "wa1",
            "qty": "1",
            "uom": "SIX",
            "reference": "PO7/1",
            "_partition_date": date(2026, 9, 20),
        }
    ],
}


def _mapping(source: str, kind: str, rename: dict[str, str] | None = None) -> SourceMapping:
    columns = {c: (rename or {}).get(c, c) for c in contract_for(source).columns}
    return SourceMapping(table=source, files=f"{source}/*.{kind}", format={"type": kind, "header": "by_name"}, columns=columns)


MAPPINGS = {
    # the WMS names its quantity column its own way: answers name the fields as the WMS does
    "wms_events": _mapping("wms_events", "jsonl", {"qty": "quantity"}),
    "oms_events": _mapping("oms_events", "jsonl"),
    "pos_sales": _mapping("pos_sales", "csv"),
}


def _write_snapshot(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        write_company_tables(con, COMPANY)
        ensure_governance_schema(con)
        for source, rows in MASTER.items():
            contract = contract_for(source)
            ensure_raw_tables(con, contract)
            for number, row in enumerate(rows, start=1):
                values = {**row, "_source_file": f"{source}.csv", "_row_number": number, "_loaded_at": LOADED}
                names = ", ".join(f'"{name}"' for name in values)
                con.execute(f"INSERT INTO {contract.table} ({names}) VALUES ({', '.join('?' for _ in values)})", list(values.values()))
        con.execute("INSERT INTO governance.quarantine VALUES ('erp_locations', 'erp_locations.csv', 3, 'r', 'c', NULL, 'bad', ?)", [LOADED])
    return path


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    return _write_snapshot(tmp_path_factory.mktemp("door") / "warehouse.duckdb")


@pytest.fixture
def door(snapshot) -> Door:
    return Door(snapshot, MAPPINGS, "Europe/Paris", AS_OF, mapping_files={"wms_events": Path("sources/wms_events.yaml")})


def wms(event_id: str, **changes) -> dict:
    event = {
        "event_id": event_id,
        "event_type": "RECEIPT",
        "event_time": "2026-09-29T22:30:00Z",  # the 30th in Paris
        "exported_at": "2026-09-29T22:35:00Z",
        "site": "W1",
        "sku": "wa1",
        "quantity": 2,
        "uom": "SIX",
        "reference": "PO7/1",
    }
    return {**event, **changes}


def oms(event_id: str, **changes) -> dict:
    event = {
        "event_id": event_id,
        "event_type": "LINE_PLACED",
        "event_time": "2026-09-29T10:00:00Z",
        "exported_at": "2026-09-29T10:00:05Z",
        "order_id": "O1",
        "line": "1",
        "channel": "SITE",
        "item": "A1",
        "qty": "3",
        "uom": "SIX",
        "unit_price": "4.5",
        "ship_from": "W1",
    }
    return {**event, **changes}


def test_an_accepted_wms_receipt_is_a_movement_in_base_units_on_its_business_day(door):
    result = door.check("wms_events", [wms("E1")])
    [verdict] = result.verdicts
    assert (verdict.status, verdict.problems, verdict.key) == (ACCEPTED, [], {"event_id": "E1"})
    assert result.to_log == [0]
    [movement] = result.movements.to_dict("records")
    assert movement["sku_id"] == "A1" and movement["location_id"] == "W1" and movement["event_key"] == "E1"
    assert movement["on_hand_delta"] == 12.0 and movement["committed_delta"] == 0.0  # 2 packs of 6
    assert movement["business_date"] == date(2026, 9, 30) and movement["reference"] == "PO7/1"


def test_an_unmapped_code_is_rejected_with_the_contracts_rule_and_reason_and_logged(door):
    result = door.check("wms_events", [wms("E2", sku="zz9")])
    [verdict] = result.verdicts
    assert verdict.status == REJECTED and result.to_log == [0] and result.movements.empty
    [problem] = [p for p in verdict.problems if p["field"] == "sku"]
    assert problem["rule"] == "unmapped_code" and problem["value"] == "zz9"
    assert problem["reason"].startswith(UNMAPPED_WMS_CODE.format(value="zz9"))


def test_a_malformed_quantity_is_rejected_naming_the_field_as_the_wms_names_it(door):
    result = door.check("wms_events", [wms("E3", quantity="2x")])
    [verdict] = result.verdicts
    assert verdict.status == REJECTED and result.to_log == [0]
    assert {p["field"] for p in verdict.problems} == {"quantity"}
    assert all(p["value"] == "2x" for p in verdict.problems)


def test_a_quarantined_master_row_is_no_reference(door):
    [verdict] = door.check("wms_events", [wms("E4", site="BAD", event_type="SHIP", reference=None)]).verdicts
    assert verdict.status == REJECTED and [p["rule"] for p in verdict.problems if p["field"] == "site"] == ["unknown_reference"]


def test_an_unknown_field_is_rejected_and_not_logged(door):
    result = door.check("wms_events", [wms("E5", colour="red")])
    [verdict] = result.verdicts
    assert verdict.status == REJECTED and result.to_log == []
    assert verdict.problems[0]["rule"] == "unknown_field" and verdict.problems[0]["field"] == "colour"
    assert "sources/wms_events.yaml" in verdict.problems[0]["reason"]


def test_the_door_finds_the_problems_the_loader_finds_in_the_folded_file(door, snapshot, tmp_path):
    from data_contracts.validate import validate_source
    from orchestration.ingestion.loader import load_source
    from service.intake.encoding import encode_events

    events = [wms("C1"), wms("C2", sku="zz9"), wms("C3", quantity="1.5"), wms("C4", reference="PO9/9"), wms("C5", uom="EACH")]
    events += [wms("C6", event_time="2026-10-02T10:00:00Z", exported_at="2026-10-02T10:00:00Z"), wms("C7", site="BAD"), wms("C8", quantity=-3)]
    answered = door.check("wms_events", events)
    landing = tmp_path / "landing"
    (landing / "wms_events").mkdir(parents=True)
    (landing / "wms_events" / "intake.jsonl").write_bytes(encode_events(events, MAPPINGS["wms_events"]))
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(snapshot.read_bytes())
    with duckdb.connect(str(warehouse)) as con:
        load_source(con, contract_for("wms_events"), landing, None, LOADED, mapping=MAPPINGS["wms_events"], business_timezone="Europe/Paris")
        quarantine = validate_source(con, "wms_events", AS_OF, scope_files=["wms_events/intake.jsonl"]).quarantine
    loader = {(int(row) - 1, rule, reason) for row, rule, reason in zip(quarantine["row_number"], quarantine["rule"], quarantine["reason"])}
    door_problems = {(v.index, p["rule"], p["reason"]) for v in answered.verdicts for p in v.problems}
    assert door_problems == loader and len({index for index, _, _ in loader}) == 7
    assert [v.status for v in answered.verdicts] == [ACCEPTED] + [REJECTED] * 7


def test_a_batch_answers_per_event_in_order(door):
    events = [wms("B1"), wms("B2", sku="zz9"), wms("B1"), wms("B3", extra=1), wms("B2", sku="zz9"), wms("B4", event_type="SHIP", reference=None)]
    result = door.check("wms_events", events)
    assert [v.index for v in result.verdicts] == list(range(6))
    assert [v.status for v in result.verdicts] == [ACCEPTED, REJECTED, DUPLICATE, REJECTED, DUPLICATE, ACCEPTED]
    assert result.to_log == [0, 1, 5]
    assert list(result.movements["event_key"]) == ["B1", "B4"] and list(result.movements["on_hand_delta"]) == [12.0, -12.0]


def test_a_duplicate_in_the_batch_with_another_payload_is_rejected_by_the_duplicate_rule(door):
    result = door.check("wms_events", [wms("D1"), wms("D1", quantity=3)])
    assert [v.status for v in result.verdicts] == [ACCEPTED, REJECTED]
    [problem] = result.verdicts[1].problems
    assert problem["rule"] == "duplicate_row" and "qty 2 -> 3" in problem["reason"]
    assert sorted(result.to_log) == [0, 1]


def test_a_re_send_is_a_duplicate_and_nothing_is_logged(door):
    first = door.check("wms_events", [wms("R1")])
    door.remember("wms_events", first)
    again = door.check("wms_events", [wms("R1")])
    assert [v.status for v in again.verdicts] == [DUPLICATE] and again.to_log == [] and again.movements.empty


def test_a_re_send_with_another_quantity_is_rejected_naming_the_change(door):
    door.remember("wms_events", door.check("wms_events", [wms("R2")]))
    again = door.check("wms_events", [wms("R2", quantity=5)])
    [verdict] = again.verdicts
    assert verdict.status == REJECTED and again.to_log == [0]
    [problem] = verdict.problems
    assert problem["rule"] == "duplicate_row" and "quantity 2 -> 5" in problem["reason"] and problem["value"] == "R2"


def test_an_event_the_warehouse_holds_is_a_duplicate_and_another_payload_rejected(door):
    old = MASTER["wms_events"][0]
    event = {**{k: v for k, v in old.items() if not k.startswith("_") and k != "qty"}, "quantity": "1"}
    assert [v.status for v in door.check("wms_events", [event]).verdicts] == [DUPLICATE]
    changed = door.check("wms_events", [{**event, "quantity": "2"}])
    assert changed.verdicts[0].status == REJECTED and changed.to_log == [0]
    assert "re-sent with a different payload (quantity 1 -> 2)" in changed.verdicts[0].problems[0]["reason"]


def test_an_oms_line_placed_commits_at_its_ship_from_location(door):
    result = door.check("oms_events", [oms("O-1"), oms("O-2", event_type="LINE_CANCELLED", qty="1")])
    assert [v.status for v in result.verdicts] == [ACCEPTED, ACCEPTED], result.verdicts
    placed, cancelled = result.movements.to_dict("records")
    assert (placed["location_id"], placed["channel_id"], placed["sku_id"], placed["reference"]) == ("W1", "SITE", "A1", "O1")
    assert (placed["on_hand_delta"], placed["committed_delta"]) == (0.0, 18.0)
    assert cancelled["committed_delta"] == -6.0


def test_a_pos_sale_takes_the_on_hand_at_the_store_on_the_store_channel(door):
    sale = {"store": "S1", "business_date": "2026-09-29", "ean": "4000001", "line_type": "SALE", "qty": "2", "unit_price": "3.5", "net_amount": "7"}
    result = door.check("pos_sales", [sale])
    assert [v.status for v in result.verdicts] == [ACCEPTED], result.verdicts
    [movement] = result.movements.to_dict("records")
    assert (movement["location_id"], movement["channel_id"], movement["sku_id"]) == ("S1", "SHOPS", "A1")
    assert (movement["on_hand_delta"], movement["committed_delta"], movement["business_date"]) == (-2.0, 0.0, date(2026, 9, 29))
    assert movement["event_key"] == "S1|2026-09-29|4000001|SALE"


def test_an_event_its_file_format_cannot_hold_is_rejected_and_not_logged(snapshot):
    latin = {
        **MAPPINGS,
        "pos_sales": MAPPINGS["pos_sales"].model_copy(update={"format": MAPPINGS["pos_sales"].format.model_copy(update={"encoding": "latin-1"})}),
    }
    door = Door(snapshot, latin, "Europe/Paris", AS_OF)
    sale = {"store": "S1", "business_date": "2026-09-29", "ean": "4000001", "line_type": "SALE", "qty": "2", "unit_price": "3.5", "net_amount": "7"}
    result = door.check("pos_sales", [sale, {**sale, "promo_id": "\u20ac5 off", "line_type": "RETURN", "qty": "-1", "net_amount": "-3.5"}])
    assert [v.status for v in result.verdicts] == [ACCEPTED, REJECTED] and result.to_log == [0]
    assert result.verdicts[1].problems[0]["rule"] == "malformed_row" and "latin" in result.verdicts[1].problems[0]["reason"]


def test_replay_remembers_the_log_and_gives_the_accepted_events_movements(door):
    records = [("wms_events", {"event": wms("L1"), "status": ACCEPTED}), ("wms_events", {"event": wms("L2", sku="zz9"), "status": REJECTED})]
    movements = door.replay("wms_events", records)
    assert list(movements["event_key"]) == ["L1"] and list(movements["on_hand_delta"]) == [12.0]
    assert [v.status for v in door.check("wms_events", [wms("L1"), wms("L2", sku="zz9")]).verdicts] == [DUPLICATE, DUPLICATE]


def test_refresh_keeps_the_events_remembered_since_the_snapshot(door, snapshot):
    door.remember("wms_events", door.check("wms_events", [wms("F1")]))
    door.refresh(snapshot)
    assert [v.status for v in door.check("wms_events", [wms("F1"), wms("F1", quantity=4)]).verdicts] == [DUPLICATE, REJECTED]


def test_checks_from_several_threads_go_on_while_a_new_snapshot_is_loaded(door, snapshot):
    from concurrent.futures import ThreadPoolExecutor

    def send(worker: int) -> list[str]:
        statuses = []
        for round_ in range(4):
            result = door.check("wms_events", [wms(f"T{worker}-{round_}"), wms(f"T{worker}-{round_}")])
            door.remember("wms_events", result)
            statuses += [v.status for v in result.verdicts]
        return statuses

    with ThreadPoolExecutor(4) as pool:
        sent = [pool.submit(send, worker) for worker in range(4)]
        door.refresh(snapshot)
        answers = [future.result() for future in sent]
    assert all(statuses == [ACCEPTED, DUPLICATE] * 4 for statuses in answers)
    again = door.check("wms_events", [wms(f"T{worker}-{round_}") for worker in range(4) for round_ in range(4)])
    assert {v.status for v in again.verdicts} == {DUPLICATE}  # none remembered was lost with the old snapshot


def test_sources_are_the_mapped_event_streams(snapshot):
    door = Door(snapshot, {k: v for k, v in MAPPINGS.items() if k != "pos_sales"}, "Europe/Paris", AS_OF)
    assert door.sources == ["wms_events", "oms_events"]
    with pytest.raises(KeyError, match="not an event source"):
        door.check("pos_sales", [])


# ---- the tiny demo company ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory, tiny_landing) -> tuple[Path, object]:
    """The tiny demo company's master data and event streams loaded and validated by the loader
    into a warehouse file (what the door reads of a published snapshot: raw, company, quarantine)."""
    from data_contracts.company import load_company
    from data_contracts.registry import CONTRACTS
    from data_contracts.validate import validate_source, write_quarantine
    from orchestration.ingestion.loader import load_source

    landing, _ = tiny_landing
    company = load_company(landing.parent / "company")
    path = tmp_path_factory.mktemp("demo_door") / "warehouse.duckdb"
    needed = {"erp_locations", "erp_items", "erp_item_xref", "erp_unit_conversions", "erp_purchase_orders", "erp_production_orders"}
    needed |= {"wms_events", "oms_events", "pos_sales"}
    while any(set(CONTRACTS[s].depends_on) - needed for s in needed):  # and what their contracts look up
        needed |= {d for s in needed for d in CONTRACTS[s].depends_on}
    with duckdb.connect(str(path)) as con:
        write_company_tables(con, company.company)
        ensure_governance_schema(con)
        for source, contract in CONTRACTS.items():  # master data first, as a run validates them
            if source in needed and source in company.mappings:
                load_source(con, contract, landing, None, LOADED, mapping=company.mappings[source], business_timezone=company.company.business_timezone)
                write_quarantine(con, validate_source(con, source, AS_OF))
    return path, company


def test_the_demo_companys_events_re_sent_are_duplicates_and_new_ones_accepted_within_the_time(demo_snapshot):
    path, company = demo_snapshot
    started = time.perf_counter()
    door = Door(path, company.mappings, company.company.business_timezone, AS_OF)
    built = time.perf_counter() - started
    assert door.sources == ["wms_events", "oms_events", "pos_sales"]
    contract = contract_for("wms_events")
    with duckdb.connect(str(path), read_only=True) as con:
        valid = con.execute(
            f"SELECT {', '.join(contract.columns)} FROM raw.wms_events r WHERE NOT EXISTS (SELECT 1 FROM governance.quarantine q "
            "WHERE q.source = 'wms_events' AND q.source_file = r._source_file AND q.row_number = r._row_number) ORDER BY _source_file, _row_number LIMIT 1000"
        ).fetchall()
    events = [{c: v for c, v in zip(contract.columns, row) if v is not None} for row in valid]
    assert len(events) == 1000
    resent = door.check("wms_events", events[:200])
    assert {v.status for v in resent.verdicts} == {DUPLICATE} and resent.to_log == []
    timings = {}
    for size in (200, 1000):
        spent = []
        for attempt in range(5):
            batch = [{**event, "event_id": f"{event['event_id']}-{size}-{attempt}"} for event in events[:size]]
            started = time.perf_counter()
            result = door.check("wms_events", batch)
            spent.append((time.perf_counter() - started) * 1000)
            assert result.count(ACCEPTED) == size and len(result.movements) == size
        timings[size] = sorted(spent)
    spent = {size: [round(ms) for ms in runs] for size, runs in timings.items()}
    print(f"\nDoor built in {built:.2f} s; door.check of WMS events on the tiny demo company, ms (5 runs each): {spent}")
    # the movements' quantities are in base units: the demo's receipts come in cases of several units
    receipts = result.movements[result.movements["event_key"].str.endswith("-1000-4")]
    assert receipts["on_hand_delta"].abs().sum() > sum(float(e["qty"]) for e in events if e["event_type"] in ("RECEIPT", "SHIP", "TRANSFER_IN", "RESTOCK"))
