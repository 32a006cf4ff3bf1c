"""The intake's events as files of their source's format (encoding) and its sealed segments folded
into the landing folder (fold): read back by the loader's own code, one row per event."""

from __future__ import annotations

import pytest

from data_contracts import contract_for
from data_contracts.company.mapping import SourceMapping
from orchestration.ingestion.mapped_files import canonical_rows
from service.intake.encoding import UnencodableEvent, encode_events, unknown_fields

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
