"""A corpus of malformed inputs, each built from a clean slice of the tiny demo company's exports.

Every case is a delivery (one or two files) and the outcome a user must get: the file rejected
whole with a clear error (``Rejected``), or the bad row quarantined under a rule with the bad value
in its reason (``Quarantined``). Harmless variants a source system produces (a byte-order mark,
Windows line ends, numbers sent as JSON strings...) must load exactly like the clean file
(``LoadsAsClean``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

# The slice each source's cases start from: its first rows that carry no injected dirt and match.
TEMPLATE_ROWS = 3
TEMPLATE_SOURCES = {
    "pos_sales": ("pos/ST01/sales_ST01_2026091*.csv", lambda r: r["line_type"] == "SALE"),
    "wms_events": ("wms/events_2026091*.jsonl", lambda r: r["event_type"] == "SHIP"),
    "oms_events": ("oms/events_2026091*.jsonl", lambda r: r["event_type"] == "LINE_PLACED" and r["channel"] == "WEB"),
    "erp_sales_orders": ("erp/sales_orders_2026-09.csv", lambda r: r["status"] == "DELIVERED"),
    "erp_items": ("erp/items.csv", lambda r: r["make_or_buy"] == "BUY"),
    "erp_production_orders": ("erp/production_orders_2026-09.csv", lambda r: r["status"] == "COMPLETED"),
    "erp_purchase_orders": ("erp/purchase_orders_2026-09.csv", lambda r: r["status"] == "RECEIVED"),
    "erp_suppliers": ("erp/suppliers.csv", lambda r: True),
    "planning_overrides": ("planning/overrides*.csv", lambda r: r["level"] == "SKU"),
    "wms_stock": ("wms/stock_*.jsonl", lambda r: True),
    "erp_production_lines": ("erp/production_lines.csv", lambda r: True),
    "erp_unit_conversions": ("erp/unit_conversions.csv", lambda r: True),
    "erp_prices": ("erp/prices.csv", lambda r: True),
    "erp_item_xref": ("erp/item_xref.csv", lambda r: True),
}
# Sources with fewer rows than TEMPLATE_ROWS (the tiny company has two production lines).
TEMPLATE_ROWS_OF = {"erp_production_lines": 2}


@dataclass(frozen=True)
class Template:
    """A clean file: its path in the landing folder, header (CSV) and data lines as delivered."""

    source: str
    path: str
    separator: str | None  # None: JSON lines
    header: str | None
    rows: tuple[str, ...]

    def columns(self) -> list[str]:
        return self.header.split(self.separator)

    def text(self) -> str:
        return "".join(f"{line}\n" for line in ([self.header] if self.header else []) + list(self.rows))

    def data(self) -> bytes:
        return self.text().encode("utf-8")

    def _edit(self, row: int, change: Callable) -> Template:
        rows = list(self.rows)
        if self.separator is None:
            record = json.loads(rows[row - 1])
            change(record)
            rows[row - 1] = json.dumps(record, separators=(",", ":"))
        else:
            fields = rows[row - 1].split(self.separator)
            change(fields)
            rows[row - 1] = self.separator.join(fields)
        return replace(self, rows=tuple(rows))

    def with_value(self, row: int, column: str, value) -> Template:
        """Row ``row`` (1-based) with ``column`` set to ``value`` (a JSON value for JSON lines)."""
        if self.separator is None:
            return self._edit(row, lambda record: record.__setitem__(column, value))
        index = self.columns().index(column)
        return self._edit(row, lambda fields: fields.__setitem__(index, value))

    def without_key(self, row: int, key: str) -> Template:
        return self._edit(row, lambda record: record.pop(key))

    def with_key_renamed(self, row: int, old: str, new: str) -> Template:
        return self._edit(row, lambda record: record.__setitem__(new, record.pop(old)))

    def without_column(self, column: str) -> Template:
        index = self.columns().index(column)
        drop = lambda line: self.separator.join(f for i, f in enumerate(line.split(self.separator)) if i != index)  # noqa: E731
        return replace(self, header=drop(self.header), rows=tuple(drop(r) for r in self.rows))

    def with_header(self, header: str) -> Template:
        return replace(self, header=header)

    def with_rows(self, *rows: str) -> Template:
        return replace(self, rows=tuple(rows))


def _csv_record(columns: tuple[str, ...], separator: str, line: str) -> dict[str, str]:
    return dict(zip(columns, line.split(separator)))


def load_templates(landing: Path, manifest: dict) -> dict[str, Template]:
    """The clean slice of each source of TEMPLATE_SOURCES, from a generated landing folder."""
    from data_contracts import contract_for
    from tests.demo_sources import DEMO_MAPPINGS

    dirty = {(e["file"], e["row_number"]) for e in manifest["entries"]}
    broken = {f["file"] for f in manifest["rejected_files"]}
    templates = {}
    for source, (pattern, wanted) in TEMPLATE_SOURCES.items():
        contract = contract_for(source)
        mapping = DEMO_MAPPINGS[source]  # how the demo's files are written
        jsonl = mapping.format.type == "jsonl"
        separator = mapping.format.delimiter
        for path in sorted(landing.glob(pattern)):
            relative = path.relative_to(landing).as_posix()
            lines = path.read_text(encoding="utf-8").splitlines()
            header, body = (None, lines) if jsonl else (lines[0], lines[1:])
            parse = json.loads if jsonl else partial(_csv_record, contract.columns, separator)
            rows = [line for number, line in enumerate(body, 1) if (relative, number) not in dirty and wanted(parse(line))]
            wanted_rows = TEMPLATE_ROWS_OF.get(source, TEMPLATE_ROWS)
            if relative not in broken and len(rows) >= wanted_rows:
                templates[source] = Template(source, relative, None if jsonl else separator, header, tuple(rows[:wanted_rows]))
                break
        else:
            raise LookupError(f"no clean slice of {source} in {landing} for the malformed-input corpus")
    return templates


@dataclass(frozen=True)
class Rejected:
    """The file is rejected whole; its error names the file, the line where it applies, and says this."""

    says: str


@dataclass(frozen=True)
class Quarantined:
    """Row ``row`` of the delivered file (``file``: another name than the template's) is quarantined
    under ``rule`` with ``value`` in its reason; every other row passes."""

    row: int
    rule: str
    value: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class LoadsAsClean:
    """The delivery loads the same rows as the clean file, nothing quarantined."""


Files = Callable[[dict[str, Template]], dict[str, bytes]]


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    files: Files
    expect: Rejected | Quarantined | LoadsAsClean


def one_file(source: str, build: Callable[[Template], bytes | Template]) -> Files:
    """A delivery of one file at the template's path."""

    def files(templates: dict[str, Template]) -> dict[str, bytes]:
        template = templates[source]
        content = build(template)
        return {template.path: content.data() if isinstance(content, Template) else content}

    return files


def clean(source: str) -> Case:
    """The clean file itself."""
    return Case("clean", source, one_file(source, lambda t: t), LoadsAsClean())


def _cut(data: bytes) -> bytes:
    """The file cut in the middle of its last line, as a failed transfer leaves it."""
    last_line = data.rstrip(b"\n").rfind(b"\n") + 1
    return data[: last_line + (len(data) - last_line) // 2]


def _latin1(t: Template) -> bytes:
    return t.with_value(1, "description", "Café crème 250g").text().encode("latin-1")


def _second_day_file(source: str, first: Callable[[Template], Template], second_row: Callable[[Template], str]) -> Files:
    """The clean file, then the next day's file holding one extra row."""

    def files(templates: dict[str, Template]) -> dict[str, bytes]:
        template = templates[source]
        return {template.path: first(template).data(), NEXT_DAY[source]: template.with_rows(second_row(template)).data()}

    return files


NEXT_DAY = {"wms_events": "wms/events_20260929.jsonl", "pos_sales": "pos/ST01/sales_ST01_20260929.csv"}


CASES: list[Case] = [
    # ---- files that cannot be read: rejected whole, kept, named by line -------------------------
    Case("truncated_jsonl", "wms_events", one_file("wms_events", lambda t: _cut(t.data())), Rejected("line 3: invalid JSON")),
    Case("truncated_csv", "pos_sales", one_file("pos_sales", lambda t: _cut(t.data())), Rejected("line 4:")),
    Case("latin1_encoding", "erp_items", one_file("erp_items", _latin1), Rejected("not valid UTF-8 at line 2")),
    Case("utf16_encoding", "pos_sales", one_file("pos_sales", lambda t: t.text().encode("utf-16")), Rejected("UTF-16")),
    Case("empty_file", "pos_sales", one_file("pos_sales", lambda t: b""), Rejected("the file is empty")),
    Case("binary_garbage", "wms_events", one_file("wms_events", lambda t: b"PK\x03\x04\x14\x00\x00\x00" + t.data()), Rejected("NUL bytes at line 1")),
    Case(
        "missing_column",
        "pos_sales",
        one_file("pos_sales", lambda t: t.without_column("net_amount")),
        Rejected("missing columns: net_amount"),
    ),
    Case(
        "extra_column",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_header(t.header + ";comment").with_rows(*(r + ";urgent" for r in t.rows))),
        Rejected("unexpected columns: comment"),
    ),
    Case(
        "renamed_column",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_header(t.header.replace(",qty,", ",quantity,"))),
        Rejected("missing columns: qty; unexpected columns: quantity"),
    ),
    Case(
        "columns_in_another_order",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_header(t.header.replace("store,business_date", "business_date,store"))),
        Rejected("columns in a different order"),
    ),
    Case("wrong_separator", "erp_sales_orders", one_file("erp_sales_orders", lambda t: t.text().replace(";", ",").encode()), Rejected("header does not match")),
    Case(
        "unquoted_separator_in_a_value",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(2, "promo_id", "PR,1")),
        Rejected("line 3: 9 fields instead of 8"),
    ),
    Case(
        "unterminated_quote",
        "erp_items",
        one_file("erp_items", lambda t: t.with_value(2, "description", '"Soap 6x')),
        Rejected("line 3: unexpected end of data: a quote opened in this row is never closed"),
    ),
    Case(
        "json_array_instead_of_object",
        "oms_events",
        one_file("oms_events", lambda t: t.with_rows(t.rows[0], "[1, 2, 3]")),
        Quarantined(2, "malformed_row", "line is not a JSON object (found an array)"),
    ),
    # ---- rows that break the contract: quarantined with the rule and the bad value --------------
    Case("json_field_missing", "wms_events", one_file("wms_events", lambda t: t.without_key(2, "qty")), Quarantined(2, "mandatory_field")),
    Case("json_field_renamed", "oms_events", one_file("oms_events", lambda t: t.with_key_renamed(1, "qty", "quantity")), Quarantined(1, "mandatory_field")),
    Case(
        "empty_mandatory_field",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(3, "customer_code", "")),
        Quarantined(3, "mandatory_field"),
    ),
    Case("text_in_a_number", "pos_sales", one_file("pos_sales", lambda t: t.with_value(1, "qty", "two")), Quarantined(1, "number_format", "two")),
    Case("json_boolean_as_quantity", "wms_events", one_file("wms_events", lambda t: t.with_value(1, "qty", True)), Quarantined(1, "number_format", "true")),
    Case("decimal_in_a_whole_number", "oms_events", one_file("oms_events", lambda t: t.with_value(2, "qty", 1.5)), Quarantined(2, "number_format", "1.5")),
    Case(
        "decimal_point_in_french_locale",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(1, "quantity", "12.5")),
        Quarantined(1, "number_format", "12.5"),
    ),
    Case(
        "thousands_separator",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(2, "quantity", "1 200,00")),
        Quarantined(2, "number_format", "1 200,00"),
    ),
    Case("padded_number", "pos_sales", one_file("pos_sales", lambda t: t.with_value(2, "qty", " 4")), Quarantined(2, "number_format", " 4")),
    Case("negative_quantity", "pos_sales", one_file("pos_sales", lambda t: t.with_value(3, "qty", "-3")), Quarantined(3, "negative_quantity")),
    Case("negative_shipment", "wms_events", one_file("wms_events", lambda t: t.with_value(3, "qty", -12)), Quarantined(3, "negative_quantity")),
    Case(
        "absurd_till_quantity",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(1, "qty", "2001508766434")),
        Quarantined(1, "implausible_quantity", "2001508766434"),
    ),
    Case(
        "absurd_order_quantity",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(1, "quantity", "70000000")),
        Quarantined(1, "implausible_quantity", "70000000"),
    ),
    Case(
        "absurd_movement_quantity",
        "wms_events",
        one_file("wms_events", lambda t: t.with_value(2, "qty", 99999999)),
        Quarantined(2, "implausible_quantity", "99999999"),
    ),
    Case(
        "negative_run_hours",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(2, "run_hours", "-1,50")),
        Quarantined(2, "negative_hours", "'run_hours' is negative"),
    ),
    Case(
        "negative_downtime_hours",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(1, "downtime_hours", "-0,25")),
        Quarantined(1, "negative_hours", "'downtime_hours' is negative"),
    ),
    Case(
        "negative_scrap",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(3, "scrap_quantity", "-4")),
        Quarantined(3, "negative_quantity", "'scrap_quantity' is negative"),
    ),
    Case(
        "completed_order_without_run_hours",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(1, "run_hours", "0,00")),
        Quarantined(1, "no_run_hours", "'run_hours' is 0.00 on a completed order"),
    ),
    Case(
        "decimal_point_in_hours",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(2, "downtime_hours", "0.25")),
        Quarantined(2, "number_format", "0.25"),
    ),
    Case(
        "production_order_header_without_a_required_column",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.without_column("completed_quantity")),
        Rejected("missing columns: completed_quantity"),
    ),
    Case("unknown_store", "pos_sales", one_file("pos_sales", lambda t: t.with_value(2, "store", "ST99")), Quarantined(2, "unknown_reference", "ST99")),
    Case(
        "unmapped_barcode",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(1, "ean", "2999999999990")),
        Quarantined(1, "unmapped_code", "2999999999990"),
    ),
    Case(
        "unknown_item",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(2, "item_code", "99999999")),
        Quarantined(2, "unknown_reference", "99999999"),
    ),
    Case(
        "unknown_supplier",
        "erp_items",
        one_file("erp_items", lambda t: t.with_value(3, "supplier_code", "SUP999")),
        Quarantined(3, "unknown_reference", "SUP999"),
    ),
    Case("unknown_unit", "wms_events", one_file("wms_events", lambda t: t.with_value(1, "uom", "BOX")), Quarantined(1, "unknown_unit", "BOX")),
    Case(
        "unit_not_defined_for_the_item",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(3, "unit", "PAL")),
        Quarantined(3, "unknown_unit", "PAL"),
    ),
    Case(
        "unknown_event_type",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(3, "event_type", "LINE_UPDATED")),
        Quarantined(3, "allowed_values", "LINE_UPDATED"),
    ),
    Case("zero_price", "oms_events", one_file("oms_events", lambda t: t.with_value(1, "unit_price", 0)), Quarantined(1, "zero_price")),
    Case("zero_item_cost", "erp_items", one_file("erp_items", lambda t: t.with_value(2, "unit_cost", "0,00")), Quarantined(2, "zero_price")),
    Case("duplicate_line_in_a_file", "pos_sales", one_file("pos_sales", lambda t: t.with_rows(*t.rows, t.rows[0])), Quarantined(4, "duplicate_row", "row 1")),
    Case(
        "duplicate_event_in_the_next_file",
        "wms_events",
        _second_day_file("wms_events", lambda t: t, lambda t: t.rows[1]),
        Quarantined(1, "duplicate_row", "row 2", file=NEXT_DAY["wms_events"]),
    ),
    Case("future_business_date", "pos_sales", one_file("pos_sales", lambda t: t.with_value(3, "business_date", "20270105")), Quarantined(3, "future_date")),
    Case(
        "event_after_its_export",
        "wms_events",
        one_file("wms_events", lambda t: t.with_value(2, "event_time", "2026-09-30T23:00:00Z")),
        Quarantined(2, "future_date"),
    ),
    Case(
        "impossible_date",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(2, "order_date", "31/02/2026")),
        Quarantined(2, "date_format", "31/02/2026"),
    ),
    Case(
        "iso_date_in_the_erp",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(1, "requested_date", "2026-09-12")),
        Quarantined(1, "date_format", "2026-09-12"),
    ),
    Case(
        "timestamp_without_zone",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(2, "event_time", "2026-09-12 10:15:00")),
        Quarantined(2, "date_format", "2026-09-12 10:15:00"),
    ),
]

# Values a later step casts or compares (issue 15): each must fit the type dbt's staging casts it to
# and a plausible range, or be quarantined naming the field; a whole validation and a day's
# incremental one must agree on each (``deliver`` compares them).
CASES += [
    Case(
        "quoted_number_with_a_trailing_newline",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(2, "quantity", '"24\n"')),
        Quarantined(2, "number_format", "in 'quantity'"),
    ),
    Case(
        "two_digit_year",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(1, "order_date", "01/09/26")),
        Quarantined(1, "date_format", "01/09/26"),
    ),
    Case(
        "seven_digit_business_date",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(2, "business_date", "2026091")),
        Quarantined(2, "date_format", "2026091"),
    ),
    Case(
        "year_one_event_time",
        "wms_events",
        one_file("wms_events", lambda t: t.with_value(1, "event_time", "0001-01-01T00:00:00Z")),
        Quarantined(1, "implausible_date", "'0001-01-01T00:00:00Z' in 'event_time'"),
    ),
    Case(
        "event_after_the_as_of_time",
        "wms_events",
        one_file("wms_events", lambda t: t.with_value(3, "event_time", "2026-10-02T08:00:00Z").with_value(3, "exported_at", "2026-10-02T08:05:00Z")),
        Quarantined(3, "future_date", "'event_time' (2026-10-02T08:00:00Z)"),
    ),
    Case(
        "order_line_beyond_32_bits",
        "erp_purchase_orders",
        one_file("erp_purchase_orders", lambda t: t.with_value(2, "po_line", "2147483648")),
        Quarantined(2, "out_of_range", "'2147483648' in 'po_line'"),
    ),
    Case(
        "oms_line_beyond_32_bits",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(1, "line", 99999999999)),
        Quarantined(1, "out_of_range", "in 'line'"),
    ),
    Case(
        "price_of_23_digits",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(3, "unit_price", "12345678901234567890123,00")),
        Quarantined(3, "out_of_range", "in 'unit_price'"),
    ),
    Case(
        "negative_till_price",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(1, "unit_price", "-2.50")),
        Quarantined(1, "out_of_range", "'-2.50' in 'unit_price'"),
    ),
    Case(
        "negative_order_price",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(2, "unit_price", "-3,10")),
        Quarantined(2, "out_of_range", "'-3.10' in 'unit_price'"),
    ),
    Case(
        "negative_lead_time",
        "erp_suppliers",
        one_file("erp_suppliers", lambda t: t.with_value(1, "lead_time_days", "-5")),
        Quarantined(1, "out_of_range", "'-5' in 'lead_time_days'"),
    ),
    Case(
        "negative_lead_time_deviation",
        "erp_suppliers",
        one_file("erp_suppliers", lambda t: t.with_value(2, "lead_time_sd_days", "-0,5")),
        Quarantined(2, "out_of_range", "'-0.5' in 'lead_time_sd_days'"),
    ),
    Case(
        "override_of_minus_500_percent",
        "planning_overrides",
        one_file("planning_overrides", lambda t: t.with_value(1, "adjustment_type", "PCT").with_value(1, "value", "-500")),
        Quarantined(1, "out_of_range", "PCT -500"),
    ),
    Case(
        "override_of_10_to_the_20_units",
        "planning_overrides",
        one_file("planning_overrides", lambda t: t.with_value(2, "adjustment_type", "ABS").with_value(2, "value", "100000000000000000000")),
        Quarantined(2, "out_of_range", "ABS 100000000000000000000"),
    ),
    Case(
        "receipt_for_an_order_no_export_holds",
        "wms_events",
        # row 2 ships packs from a DC that receives packs: as a receipt, only its order is wrong
        one_file("wms_events", lambda t: t.with_value(2, "event_type", "RECEIPT").with_value(2, "reference", "PO999999/1")),
        Quarantined(2, "unknown_reference", "PO999999/1"),
    ),
    Case(
        "another_stores_rows",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(2, "store", "ST02")),
        Quarantined(2, "wrong_file", "ST02 in the file of ST01"),
    ),
    Case(
        "stock_export_time_without_zone",
        "wms_stock",
        one_file("wms_stock", lambda t: t.with_value(3, "exported_at", "2026-09-27 23:00:00")),
        Quarantined(3, "date_format", "'2026-09-27 23:00:00' in 'exported_at'"),
    ),
]

# Harmless variants: the same rows must come out as from the clean file.
TOLERATED: list[Case] = [
    Case("byte_order_mark", "pos_sales", one_file("pos_sales", lambda t: b"\xef\xbb\xbf" + t.data()), LoadsAsClean()),
    Case("windows_line_ends", "erp_sales_orders", one_file("erp_sales_orders", lambda t: t.text().replace("\n", "\r\n").encode()), LoadsAsClean()),
    Case("excel_export", "erp_items", one_file("erp_items", lambda t: b"\xef\xbb\xbf" + t.text().replace("\n", "\r\n").encode()), LoadsAsClean()),
    Case("blank_lines", "wms_events", one_file("wms_events", lambda t: t.text().replace("\n", "\n\n").encode()), LoadsAsClean()),
    Case(
        "quoted_values",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_rows(*(",".join(f'"{v}"' if v else "" for v in r.split(",")) for r in t.rows))),
        LoadsAsClean(),
    ),
    Case("numbers_as_json_strings", "oms_events", one_file("oms_events", lambda t: t.with_value(1, "qty", str(json.loads(t.rows[0])["qty"]))), LoadsAsClean()),
    Case(
        "json_keys_in_another_order",
        "wms_events",
        one_file("wms_events", lambda t: t.with_rows(*(json.dumps(dict(reversed(json.loads(r).items()))) for r in t.rows))),
        LoadsAsClean(),
    ),
]


# ---- hostile inputs (issue 15 point 11): structure broken in one row, odd but valid files -------


def _concatenated(t: Template) -> bytes:
    """Two exports of the same source glued together: the second brings its BOM and header."""
    first, second = t.with_rows(*t.rows[:2]), t.with_rows(t.rows[2])
    return first.data() + b"\xef\xbb\xbf" + second.data()


def _key_twice(t: Template) -> bytes:
    """Row 2 gives qty twice (7, then its own value): json would keep the last silently."""
    rows = list(t.rows)
    rows[1] = '{"qty":7,' + rows[1][1:]
    return t.with_rows(*rows).data()


def _upper_case_extension(source: str) -> Files:
    def files(templates: dict[str, Template]) -> dict[str, bytes]:
        template = templates[source]
        stem, _, extension = template.path.rpartition(".")
        return {f"{stem}.{extension.upper()}": template.data()}

    return files


CASES += [
    Case(
        "json_null_line",
        "wms_events",
        one_file("wms_events", lambda t: t.with_rows(*t.rows, "null")),
        Quarantined(4, "malformed_row", "line is not a JSON object (found null)"),
    ),
    Case(
        # a string where the other rows have a number: the exact parser reads this file, not pyarrow
        "json_null_line_in_a_file_of_mixed_types",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(1, "qty", str(json.loads(t.rows[0])["qty"])).with_rows(*t.rows[:1], "null", *t.rows[1:])),
        Quarantined(2, "malformed_row", "line is not a JSON object (found null)"),
    ),
    Case("json_key_given_twice", "wms_events", one_file("wms_events", _key_twice), Quarantined(2, "malformed_row", "key 'qty' appears twice in the object")),
    Case(
        "repeated_header_of_a_concatenated_export",
        "erp_sales_orders",
        one_file("erp_sales_orders", _concatenated),
        Quarantined(3, "malformed_row", "repeated header (concatenated export?)"),
    ),
    Case(
        "byte_order_mark_inside_a_value",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(2, "store", "\ufeffST01")),
        Quarantined(2, "unknown_reference", "store '\\ufeffST01'"),
    ),
    Case(
        "event_re_sent_with_another_quantity",
        "wms_events",
        _second_day_file("wms_events", lambda t: t.with_value(2, "qty", 5), lambda t: t.with_value(2, "qty", 7).rows[1]),
        Quarantined(1, "duplicate_row", "row 2, re-sent with a different payload (qty 5 -> 7)", file=NEXT_DAY["wms_events"]),
    ),
    Case(
        "trailing_separator",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_header(t.header + ";").with_rows(*(r + ";" for r in t.rows))),
        Rejected("line 1: trailing separator: empty unnamed column at the end of the header"),
    ),
]

TOLERATED += [
    Case("old_mac_line_ends", "erp_sales_orders", one_file("erp_sales_orders", lambda t: t.text().replace("\n", "\r").encode()), LoadsAsClean()),
    Case(
        # numbers as strings in one record: the exact parser reads it (pyarrow reads CR alone already)
        "old_mac_line_ends_in_json_lines",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(1, "qty", str(json.loads(t.rows[0])["qty"])).text().replace("\n", "\r").encode()),
        LoadsAsClean(),
    ),
    Case("upper_case_extension", "pos_sales", _upper_case_extension("pos_sales"), LoadsAsClean()),
]

CASES += [
    # a pattern is matched whole (regexp_full_match; Python's '$' would match before the final newline)
    Case(
        "receipt_reference_with_a_trailing_newline",
        "wms_events",
        one_file("wms_events", lambda t: t.with_value(2, "event_type", "RECEIPT").with_value(2, "reference", "PO100089/1\n")),
        Quarantined(2, "reference_format", "'PO100089/1\\n'"),
    ),
]

# Every value a later step casts or compares is checked with the same type and range (issue 15
# point 11, second round of hostile inputs): each case below was accepted and then crashed a dbt
# step, turned null there, overflowed a mart or broke a planning step.
ROUNDS_UP = "9999999999999999999999,9999999"  # 22 digits, but 23 once rounded to numeric(28,6)

CASES += [
    # a number fits the type dbt casts it to once rounded as dbt rounds it
    Case(
        "quantity_that_rounds_beyond_numeric_28_6",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(1, "quantity", ROUNDS_UP)),
        # shown as the canonical text the contract checks
        Quarantined(1, "out_of_range", f"'{ROUNDS_UP.replace(',', '.')}' in 'quantity'"),
    ),
    Case(
        "decimal_that_rounds_beyond_numeric_28_6",
        "planning_overrides",
        one_file("planning_overrides", lambda t: t.with_value(1, "value", ROUNDS_UP.replace(",", "."))),
        Quarantined(1, "out_of_range", f"'{ROUNDS_UP.replace(',', '.')}' in 'value'"),
    ),
    Case(
        # dbt casts payment terms to integer: 45,5 would become 46
        "fraction_in_a_whole_number",
        "erp_suppliers",
        one_file("erp_suppliers", lambda t: t.with_value(3, "payment_terms_days", "45,5")),
        Quarantined(3, "number_format", "'45.5' in 'payment_terms_days'"),
    ),
    # a date inside the warehouse's calendar (dim_date)
    Case(
        "event_before_the_calendar",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(2, "event_time", "2019-12-31T12:00:00Z")),
        Quarantined(2, "implausible_date", "'2019-12-31T12:00:00Z' in 'event_time'"),
    ),
]

CASES += [
    # plausible business maxima: one row never overflows the marts' products
    Case(
        "unit_cost_beyond_the_plausible_maximum",
        "erp_items",
        one_file("erp_items", lambda t: t.with_value(2, "unit_cost", "100000000000000000,00")),
        Quarantined(2, "out_of_range", "'100000000000000000.00' in 'unit_cost'"),
    ),
    Case(
        "conversion_factor_beyond_the_plausible_maximum",
        "erp_unit_conversions",
        one_file("erp_unit_conversions", lambda t: t.with_value(1, "factor_to_base", "1000000000000000000000")),
        Quarantined(1, "out_of_range", "in 'factor_to_base'"),
    ),
    Case(
        "lead_time_beyond_the_plausible_maximum",
        "erp_suppliers",
        one_file("erp_suppliers", lambda t: t.with_value(2, "lead_time_days", "100000000")),
        Quarantined(2, "out_of_range", "'100000000' in 'lead_time_days'"),
    ),
    Case(
        "received_quantity_beyond_the_plausible_maximum",
        "erp_purchase_orders",
        one_file("erp_purchase_orders", lambda t: t.with_value(2, "received_quantity", "999999999,00")),
        Quarantined(2, "implausible_quantity", "'received_quantity'"),
    ),
    Case(
        "downtime_beyond_the_plausible_maximum",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(2, "downtime_hours", "100000,00")),
        Quarantined(2, "out_of_range", "'100000.00' in 'downtime_hours'"),
    ),
    Case(
        "line_hours_beyond_a_day",
        "erp_production_lines",
        one_file("erp_production_lines", lambda t: t.with_value(2, "hours_per_day", "20,0").with_value(2, "overtime_hours_per_day", "8,0")),
        Quarantined(2, "out_of_range", "hours_per_day 20.0 + overtime_hours_per_day 8.0"),
    ),
    # a value a later step divides by, or requires above zero
    Case(
        "line_without_a_run_rate",
        "erp_production_lines",
        one_file("erp_production_lines", lambda t: t.with_value(1, "run_rate_per_hour", "0")),
        Quarantined(1, "out_of_range", "'0' in 'run_rate_per_hour'"),
    ),
    Case(
        "online_order_line_of_no_units",
        "oms_events",
        one_file("oms_events", lambda t: t.with_value(1, "qty", 0)),
        Quarantined(1, "zero_quantity", "'qty' is 0"),
    ),
    Case(
        "base_unit_with_a_factor_other_than_1",
        "erp_unit_conversions",
        one_file("erp_unit_conversions", lambda t: t.with_value(2, "factor_to_base", "12,000")),
        Quarantined(2, "invalid_factor", "EA is the base unit of 10001000"),
    ),
    # dates in the order the process gives them, periods that end after they start
    Case(
        "receipt_before_its_order",
        "erp_purchase_orders",
        one_file("erp_purchase_orders", lambda t: t.with_value(1, "receipt_date", "04/09/2026")),
        Quarantined(1, "date_order", "receipt_date 2026-09-04 is before order_date 2026-09-05"),
    ),
    Case(
        "completion_before_the_planned_start",
        "erp_production_orders",
        one_file("erp_production_orders", lambda t: t.with_value(1, "completed_date", "31/08/2026")),
        Quarantined(1, "date_order", "completed_date 2026-08-31 is before planned_start_date 2026-09-01"),
    ),
    Case(
        "delivery_before_the_order",
        "erp_sales_orders",
        one_file("erp_sales_orders", lambda t: t.with_value(3, "delivered_date", "02/09/2026")),
        Quarantined(3, "date_order", "delivered_date 2026-09-02 is before order_date 2026-09-03"),
    ),
    Case(
        "price_valid_until_before_it_starts",
        "erp_prices",
        one_file("erp_prices", lambda t: t.with_value(1, "valid_to", "01/07/2026")),
        Quarantined(1, "invalid_period", "valid_to 2026-07-01 is before valid_from 2026-07-09"),
    ),
    Case(
        # the WMS movements of W-00001 after 20/07 would be counted for both items
        "code_mapped_twice_on_the_same_days",
        "erp_item_xref",
        one_file("erp_item_xref", lambda t: t.with_value(2, "external_code", "W-00001").with_value(2, "valid_from", "20/07/2026")),
        Quarantined(2, "overlapping_period", "WMS code W-00001 to item 10001037 from 2026-07-20 overlaps its mapping to item 10001000 from 2026-07-09"),
    ),
    Case(
        "item_discontinued_before_its_launch",
        "erp_items",
        one_file("erp_items", lambda t: t.with_value(1, "launch_date", "01/09/2026").with_value(1, "discontinued_date", "01/08/2026")),
        Quarantined(1, "invalid_period", "discontinued_date 2026-08-01 is before launch_date 2026-09-01"),
    ),
    # an export has happened: its time is not after the as-of time, nor before what it exports
    Case(
        "stock_snapshot_after_its_export",
        "wms_stock",
        one_file("wms_stock", lambda t: t.with_value(2, "exported_at", "2026-07-12T21:45:00Z")),
        Quarantined(2, "future_date", "2026-07-12T21:50:00Z > 2026-07-12T21:45:00Z"),
    ),
    Case(
        "exported_after_the_as_of_time",
        "wms_events",
        one_file("wms_events", lambda t: t.with_value(1, "exported_at", "2026-10-02T08:00:00Z")),
        Quarantined(1, "future_date", "'exported_at' (2026-10-02T08:00:00Z)"),
    ),
    # signs per line type: a return gives units back
    Case(
        "return_of_a_positive_quantity",
        "pos_sales",
        one_file("pos_sales", lambda t: t.with_value(2, "line_type", "RETURN")),
        Quarantined(2, "wrong_sign", "qty 22 on a RETURN line"),
    ),
]
