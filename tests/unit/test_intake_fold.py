"""The intake's events as files of their source's format (encoding) and its sealed segments folded
into the landing folder (fold): read back by the loader's own code, one row per event."""

from __future__ import annotations

from datetime import datetime

import pytest

from data_contracts import contract_for
from data_contracts.company.mapping import SourceMapping
from orchestration.ingestion.mapped_files import canonical_rows
from service.intake.encoding import UnencodableEvent, encode_events, unknown_fields
from service.intake.fold import fold_pending, fold_segment, landing_name
from service.intake.log import segment_statuses

ZONE = "Europe/Paris"
# A till's sales as a company maps them: one folder per store, YYYYMMDD dates (no demo names).
POS = SourceMapping.model_validate(
    {
        "table": "pos_sales",
        "files": "tills/*/sales_*.csv",
        "format": {"type": "csv", "header": "exact"},
        "values": {"date": "%Y%m%d"},
        "columns": {c: c for c in contract_for("pos_sales").columns},
        "path_values": {"store": "^tills/([^/]+)/"},
    }
)
EVENTS = [
    {
        "store": "S1",
        "business_date": "20261207",
        "ean": "4000000000017",
        "line_type": "SALE",
        "qty": 2,
        "unit_price": 1.5,
        "net_amount": "3.00",
        "promo_id": 'P,"1"',
    },
    {"store": "S1", "business_date": "20261207", "ean": "4000000000024", "line_type": "RETURN", "qty": -1.0, "unit_price": "2", "net_amount": None},
]
EXPECTED = [
    ("S1", "2026-12-07", "4000000000017", "SALE", "2", "1.5", "3.00", 'P,"1"'),
    ("S1", "2026-12-07", "4000000000024", "RETURN", "-1", "2", None, None),
]


def formatted(mapping: SourceMapping, **changes) -> SourceMapping:
    return mapping.model_copy(update={"format": mapping.format.model_copy(update=changes)})


def read_back(data: bytes, mapping: SourceMapping, label: str = "tills/S1/sales_x.csv") -> list[tuple]:
    contract = contract_for(mapping.source)
    table = canonical_rows(data, label, mapping, contract, ZONE)
    assert table["_parse_problem"].null_count == table.num_rows and table["_unparsed"].null_count == table.num_rows
    return [tuple(row[c] for c in contract.columns) for row in table.to_pylist()]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"header": "by_name"},
        {"delimiter": ";", "quote": "'", "encoding": "cp1252"},
        {"type": "jsonl"},
        {"type": "parquet"},
        {"compression": "gzip"},
        {"type": "jsonl", "compression": "gzip"},
    ],
    ids=["csv-exact", "csv-by-name", "csv-cp1252", "jsonl", "parquet", "csv-gzip", "jsonl-gzip"],
)
def test_events_read_back_by_the_loader_give_their_canonical_rows(changes):
    mapping = formatted(POS, **changes)
    data = encode_events(EVENTS, mapping)
    assert read_back(data, mapping) == EXPECTED
    assert encode_events(EVENTS, mapping) == data  # deterministic: same events, same bytes


def test_json_numbers_and_booleans_are_the_text_a_jsonl_file_gives():
    events = [dict(EVENTS[0], qty=3.0, promo_id=True), dict(EVENTS[0], ean="4000000000031", qty=12, promo_id=False)]
    rows = {kind: read_back(encode_events(events, formatted(POS, type=kind)), formatted(POS, type=kind)) for kind in ("csv", "jsonl", "parquet")}
    assert rows["csv"] == rows["jsonl"] == rows["parquet"]
    assert [(r[4], r[7]) for r in rows["csv"]] == [("3", "true"), ("12", "false")]


def test_a_character_the_encoding_lacks_names_the_event_and_field():
    mapping = formatted(POS, encoding="latin-1")
    with pytest.raises(UnencodableEvent, match=r"event 1, field 'promo_id'.*latin-1"):
        encode_events([EVENTS[0], dict(EVENTS[0], promo_id="€5")], mapping)


def test_unknown_fields_are_the_keys_the_mapping_does_not_read():
    event = dict(EVENTS[0], till="T3", cashier="x")
    assert unknown_fields(event, POS) == ["till", "cashier"]
    assert unknown_fields(EVENTS[0], POS) == []
    assert unknown_fields(event, formatted(POS, extra_columns="ignore")) == []


# ---- the fold: sealed segments into the landing folder --------------------------------------

SEGMENT = "20261207T221501123456Z-a1b2c3"
WMS = SourceMapping.model_validate(
    {
        "table": "wms_events",
        "files": "warehouse/events_*.jsonl",
        "format": {"type": "jsonl"},
        "columns": {c: c for c in contract_for("wms_events").columns},
    }
)


def wms_event(n: int) -> dict:
    return {
        "event_id": f"E{n}",
        "event_type": "RECEIPT",
        "event_time": "2026-12-07T10:00:00Z",
        "exported_at": "2026-12-07T10:01:00Z",
        "site": "W1",
        "sku": "K1",
        "qty": n,
        "uom": "EA",
        "reference": f"PO{n}",
    }


def till_event(store: str, n: int) -> dict:
    return {"store": store, "business_date": "20261207", "ean": f"40000000{n:05d}", "line_type": "SALE", "qty": 1, "unit_price": "2.50", "net_amount": "2.50"}


def sealed_segment(folder, source: str, events: list[dict], statuses: list[str] | None = None):
    """A sealed segment of the intake log holding ``events`` (accepted unless said)."""
    from service.intake.log import IntakeLog

    log = IntakeLog(folder, 60, 10**6)
    log.open()
    statuses = statuses or ["accepted"] * len(events)
    log.append(source, [{"key": [str(i)], "status": s, "event": e} for i, (e, s) in enumerate(zip(events, statuses))])
    (path,) = log.close()
    return path


def test_a_landing_name_fills_the_glob_with_path_values_and_the_segment():
    from orchestration.ingestion.listing import source_of

    name = landing_name(POS, SEGMENT, {"store": "S01"})
    assert name == f"tills/S01/sales_intake-{SEGMENT}.csv"
    assert source_of([POS], name) == "pos_sales"  # the listing's own matcher gives it to the source
    assert landing_name(WMS, SEGMENT, {}) == f"warehouse/events_intake-{SEGMENT}.jsonl"
    odd = WMS.model_copy(update={"files": "warehouse/d?_*.jsonl"})
    assert source_of([odd], landing_name(odd, SEGMENT, {})) == "wms_events"


def test_a_glob_no_name_can_fit_is_refused_naming_the_mapping():
    fixed = WMS.model_copy(update={"files": "warehouse/events.jsonl"})
    with pytest.raises(ValueError, match=r"wms_events.*'warehouse/events.jsonl'"):
        landing_name(fixed, SEGMENT, {})
    with pytest.raises(ValueError, match=r"pos_sales.*tills/\*/sales_\*.csv.*store"):
        landing_name(POS.model_copy(update={"path_values": {"store": "^stores/([^/]+)/"}}), SEGMENT, {"store": "S01"})


def test_till_events_fold_into_one_file_per_store_the_listing_gives_to_the_source(tmp_path):
    from orchestration.ingestion.listing import scan_landing

    events = [till_event("S01", 1), till_event("S02", 2), till_event("S01", 3), till_event("", 4)]
    segment = sealed_segment(tmp_path / "intake", "pos_sales", events, ["accepted", "accepted", "accepted", "rejected"])
    landing = tmp_path / "landing"
    folded = fold_segment(segment, POS, landing)
    by_store = {f.relative.split("/")[1]: f for f in folded}
    assert {store: f.events for store, f in by_store.items()} == {"S01": 2, "S02": 1, "intake-unassigned": 1}
    entries, errors = scan_landing([POS], landing)
    assert not errors and sorted(e.relative for e in entries) == sorted(f.relative for f in folded)
    assert all(e.source == "pos_sales" and e.refusal is None for e in entries)
    assert [r[2] for r in read_back(by_store["S01"].path.read_bytes(), POS, by_store["S01"].relative)] == ["4000000000001", "4000000000003"]
    assert not list(landing.rglob(".*")) and not list((tmp_path / "intake" / "staging").iterdir())  # no temporary left


def test_folding_twice_gives_the_same_files_and_bytes(tmp_path):
    segment = sealed_segment(tmp_path / "intake", "wms_events", [wms_event(1), wms_event(2)])
    landing = tmp_path / "landing"
    (first,) = fold_segment(segment, WMS, landing)
    data, mtime = first.path.read_bytes(), first.path.stat().st_mtime_ns
    (second,) = fold_segment(segment, WMS, landing)
    assert second == first and first.path.read_bytes() == data and first.path.stat().st_mtime_ns == mtime
    first.path.unlink()  # moved away by the loader: folded again, identical
    (third,) = fold_segment(segment, WMS, landing)
    assert third.path.read_bytes() == data


def test_a_gzip_csv_segment_folds_into_a_gzip_file_the_loader_reads(tmp_path):
    mapping = formatted(POS.model_copy(update={"files": "tills/*/sales_*.csv.gz"}), compression="gzip", delimiter=";")
    segment = sealed_segment(tmp_path / "intake", "pos_sales", [till_event("S07", 1), till_event("S07", 2)])
    (folded,) = fold_segment(segment, mapping, tmp_path / "landing")
    assert folded.relative == f"tills/S07/sales_intake-{segment.stem}.csv.gz"
    assert folded.path.read_bytes()[:2] == b"\x1f\x8b"
    assert len(read_back(folded.path.read_bytes(), mapping, folded.relative)) == 2


def test_the_loader_loads_every_folded_event_as_a_row(tmp_path):
    import duckdb

    from orchestration.ingestion.loader import load_source

    landing = tmp_path / "landing"
    folder = tmp_path / "intake"
    sealed_segment(folder, "wms_events", [wms_event(n) for n in range(5)])
    sealed_segment(folder, "pos_sales", [till_event("S01", 1), till_event("S02", 2), till_event("S02", 3)])
    folded = fold_pending(folder, {"wms_events": WMS, "pos_sales": POS}, landing)
    assert sorted((f.source, f.events) for f in folded) == [("pos_sales", 1), ("pos_sales", 2), ("wms_events", 5)]
    assert fold_pending(folder, {"wms_events": WMS, "pos_sales": POS}, landing) == []  # nothing left to fold
    statuses = {s.source: s for s in segment_statuses(folder)}
    assert statuses["wms_events"].landing_file == f"warehouse/events_intake-{statuses['wms_events'].segment_id}.jsonl"
    now = datetime(2026, 12, 8, 6, 0)
    with duckdb.connect() as con:
        for mapping in (WMS, POS):
            report = load_source(con, contract_for(mapping.source), landing, None, now, mapping=mapping, business_timezone=ZONE)
            assert not report.rejected
            table = contract_for(mapping.source).table
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == sum(f.events for f in folded if f.source == mapping.source)
        again = load_source(con, contract_for("wms_events"), landing, None, now, mapping=WMS, business_timezone=ZONE)
        assert again.rows_loaded == 0 and again.files_unchanged == 1  # idempotent by the file's hash


def test_fold_pending_seals_what_a_stopped_service_left_open(tmp_path):
    from service.intake.log import IntakeLog

    folder = tmp_path / "intake"
    log = IntakeLog(folder, 60, 1000)
    log.open()
    log.append("wms_events", [{"key": ["E1"], "status": "accepted", "event": wms_event(1)}])
    assert fold_pending(folder, {"wms_events": WMS}, tmp_path / "landing") == []  # the service runs: its open segment waits
    log.close(seal=False)  # killed
    (folded,) = fold_pending(folder, {"wms_events": WMS}, tmp_path / "landing")
    assert folded.events == 1 and folded.path.exists()


def test_a_segment_that_cannot_be_folded_is_named_and_the_others_are_folded(tmp_path):
    from service.intake.fold import FoldError

    folder = tmp_path / "intake"
    sealed_segment(folder, "wms_events", [wms_event(1)])
    sealed_segment(folder, "pos_sales", [till_event("S01", 1)])
    fixed = POS.model_copy(update={"files": "tills/sales.csv", "path_values": {}})
    with pytest.raises(FoldError, match=r"pos_sales segment .*'tills/sales.csv'") as raised:
        fold_pending(folder, {"wms_events": WMS, "pos_sales": fixed}, tmp_path / "landing")
    assert [(f.source, f.events) for f in raised.value.folded] == [("wms_events", 1)]
    assert [f.source for f in fold_pending(folder, {"wms_events": WMS, "pos_sales": POS}, tmp_path / "landing")] == ["pos_sales"]


def test_an_event_whose_store_cannot_name_a_folder_goes_to_the_unassigned_file(tmp_path):
    strict = POS.model_copy(update={"path_values": {"store": "^tills/([A-Za-z0-9-]+)/"}})
    segment = sealed_segment(tmp_path / "intake", "pos_sales", [till_event("S01", 1), till_event("s/02", 2), till_event("x y", 3)])
    files = {f.relative.split("/")[1]: f for f in fold_segment(segment, strict, tmp_path / "landing")}
    assert {store: f.events for store, f in files.items()} == {"S01": 1, "intake-unassigned": 2}
    unassigned = files["intake-unassigned"]
    rows = canonical_rows(unassigned.path.read_bytes(), unassigned.relative, strict, contract_for("pos_sales"), ZONE)
    assert rows["_path_problem"].to_pylist() == [
        "store s/02 in the file of intake-unassigned",
        "store x y in the file of intake-unassigned",
    ]  # quarantined, not lost
