"""Data contracts: suites compile, and validation (in SQL) quarantines exactly the bad rows with a reason."""

from __future__ import annotations

import json
import shutil
import types
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from data_contracts import CONTRACTS, registry
from data_contracts.company.export import write_company_tables
from data_contracts.model import CANONICAL_NOTATION, Contract
from data_contracts.suites import build_suite
from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
from tests.demo_sources import load_demo_source, write_demo_company_tables

AS_OF = datetime(2026, 9, 30, 23, 59, 59)


@pytest.mark.parametrize("source", list(CONTRACTS))
def test_every_contract_compiles_to_a_suite(source):
    suite = build_suite(CONTRACTS[source])
    rules = {e.meta["rule"] for e in suite.expectations}
    assert "schema" in rules and len(suite.expectations) > len(CONTRACTS[source].columns) // 2


def _raw_table(con, source: str, rows: list[dict]) -> None:
    """raw.<source> as the loader writes it: canonical text, and ``_unparsed`` (a row's key, JSON
    text) naming the fields the loader kept verbatim with the notation they were expected in."""
    contract = CONTRACTS[source]
    columns = ", ".join(f'"{c}" VARCHAR' for c in contract.columns)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        f"CREATE OR REPLACE TABLE raw.{source} ({columns}, _extra VARCHAR, _unparsed VARCHAR, _path_problem VARCHAR, "
        "_source_file VARCHAR, _row_number BIGINT, _loaded_at TIMESTAMP)"
    )
    for number, row in enumerate(rows, start=1):
        values = [row.get(c) for c in contract.columns]
        con.execute(
            f"INSERT INTO raw.{source} VALUES ({', '.join('?' * (len(values) + 6))})",
            [*values, None, row.get("_unparsed"), row.get("_path_problem"), "pos/x.csv", number, AS_OF],
        )


@pytest.fixture
def con():
    connection = duckdb.connect()
    ensure_governance_schema(connection)
    write_demo_company_tables(connection)  # the codes the contracts check against: the demo company's configuration
    _raw_table(
        connection,
        "erp_locations",
        [
            {"location_code": "ST01", "name": "Store", "location_type": "STORE", "region": "NORTH", "wms_receiving_unit": "EA"},
        ],
    )
    _raw_table(connection, "calendar_periods", [])  # the price list's period codes: none
    _raw_table(
        connection,
        "erp_item_xref",
        [
            {"system": "POS", "external_code": "2000000000015", "item_code": "1", "valid_from": "2026-01-01"},
        ],
    )
    yield connection
    connection.close()


def test_pos_contract_quarantines_only_bad_rows_with_actionable_reasons(con):
    good = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "2", "unit_price": "1.50", "net_amount": "3.00"}
    _raw_table(
        con,
        "pos_sales",
        [
            good,  # 1 valid
            {**good, "line_type": "RETURN", "qty": "-1", "net_amount": "-1.50"},  # 2 valid: returns are negative
            {**good, "qty": "-2", "business_date": "2026-09-02"},  # 3 negative SALE
            {**good, "ean": "2999999999999", "business_date": "2026-09-03"},  # 4 unknown barcode
            {**good, "business_date": "2056-09-01"},  # 5 in the future
            {**good, "qty": "2..0", "business_date": "2026-09-04"},  # 6 malformed number
            {**good, "ean": None, "business_date": "2026-09-05"},  # 7 missing barcode
            good,  # 8 duplicate of row 1
            {**good, "qty": "0", "net_amount": "0.00", "business_date": "2026-09-06"},  # 9 valid: bounds are inclusive
        ],
    )
    outcome = validate_source(con, "pos_sales", AS_OF)
    found = {(int(r.row_number), r.rule) for r in outcome.quarantine.itertuples()}
    assert found == {
        (3, "negative_quantity"),
        (4, "unmapped_code"),
        (5, "future_date"),
        (6, "number_format"),
        (7, "mandatory_field"),
        (8, "duplicate_row"),
    }
    reasons = dict(((int(r.row_number), r.rule), r.reason) for r in outcome.quarantine.itertuples())
    assert "2999999999999" in reasons[(4, "unmapped_code")]
    assert "pos/x.csv row 1" in reasons[(8, "duplicate_row")]
    assert outcome.rows == 9 and outcome.quarantined_rows == 6
    assert outcome.freshness["newest"] == "2026-09-06 00:00:00"  # row 5, in 2056, cannot have happened


def test_a_future_dated_row_does_not_make_a_stale_source_fresh(con):
    old = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(con, "pos_sales", [old, {**old, "business_date": "2056-09-01"}])
    outcome = validate_source(con, "pos_sales", AS_OF)
    assert outcome.freshness["newest"] == "2026-09-01 00:00:00" and not outcome.freshness["passed"]


def test_quarantine_is_replaced_per_source_not_appended(con):
    _raw_table(con, "pos_sales", [{"store": "ST01", "business_date": "2026-09-01", "ean": None, "line_type": "SALE", "qty": "1", "unit_price": "1"}])
    outcome = validate_source(con, "pos_sales", AS_OF)
    write_quarantine(con, outcome)
    write_quarantine(con, outcome)
    assert con.execute("SELECT count(*) FROM governance.quarantine").fetchone()[0] == 1


def test_impossible_dates_and_codes_outside_their_validity_are_quarantined(con):
    good = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(
        con,
        "pos_sales",
        [
            good,  # 1 valid
            {**good, "business_date": "2026-02-31"},  # 2 there is no 31 February
            {**good, "business_date": "2025-12-31"},  # 3 the barcode maps to an item only from 2026-01-01
        ],
    )
    outcome = validate_source(con, "pos_sales", AS_OF)
    found = {(int(r.row_number), r.rule) for r in outcome.quarantine.itertuples()}
    assert found == {(2, "date_format"), (3, "unmapped_code")}
    reason = outcome.quarantine.set_index("row_number").loc[3, "reason"]
    assert "2000000000015 on 2025-12-31" in reason


def test_a_code_mapped_twice_on_the_same_day_is_held_back(con):
    """The staging joins a movement to the mappings valid on its day: two of them would count it twice."""
    _raw_table(con, "erp_items", [{"item_code": code} for code in "ABC"])
    mapping = {"system": "WMS", "external_code": "W-1", "item_code": "A", "valid_from": "2026-01-01", "valid_to": "2026-06-30"}
    _raw_table(
        con,
        "erp_item_xref",
        [
            mapping,  # 1
            {**mapping, "item_code": "B", "valid_from": "2026-07-01", "valid_to": None},  # 2 valid: starts after 1 ends
            {**mapping, "item_code": "C", "valid_from": "2026-08-15", "valid_to": None},  # 3 while 2 is still valid
            {**mapping, "external_code": "W-2", "valid_to": "2026-01-10"},  # 4
            {**mapping, "external_code": "W-2", "valid_from": "2026-01-10", "valid_to": None},  # 5 on 4's last day
            {**mapping, "external_code": "W-3"},  # 6 valid: another code
        ],
    )
    outcome = validate_source(con, "erp_item_xref", AS_OF)
    found = {(int(r.row_number), r.rule): r.reason for r in outcome.quarantine.itertuples()}
    assert set(found) == {(3, "overlapping_period"), (5, "overlapping_period")}
    assert found[(3, "overlapping_period")].startswith(
        "WMS code W-1 to item C from 2026-08-15 overlaps its mapping to item B from 2026-07-01 (pos/x.csv row 2)"
    )


# The loader's words for notations of a company's source mapping (data_contracts.company.apply).
COMMA_DECIMALS = "a number with ',' before decimals, no thousands separator, e.g. 1234,50"
DAY_FIRST = "a date written %d/%m/%Y, e.g. 01/03/2026"
FIX = "; correct it in the source system (or the source mapping's notation, if the whole file is written this way)"


def test_a_value_not_written_as_the_mapping_says_is_held_back_naming_the_notation_expected(con):
    """The loader keeps such a value verbatim and names the notation in the row's _unparsed: the
    format rule holds the row back saying it, and no other
    rule reads the value ('12.5' from a file of decimal commas is not twelve and a half)."""
    _raw_table(con, "erp_suppliers", [{"supplier_code": "S1", "name": "S", "lead_time_days": "5", "payment_terms_days": "30"}])
    _raw_table(con, "erp_production_lines", [])
    good = {
        "item_code": "1",
        "description": "Crisps",
        "family": "SNACKS",
        "base_unit": "EA",
        "unit_cost": "1.25",
        "list_price": "2.50",
        "make_or_buy": "BUY",
        "supplier_code": "S1",
        "moq_cases": "10.00",
        "launch_date": "2026-01-05",
    }
    _raw_table(
        con,
        "erp_items",
        [
            good,  # 1 valid
            {**good, "item_code": "2", "unit_cost": "12.5", "_unparsed": json.dumps({"unit_cost": COMMA_DECIMALS})},  # 2 a dot in a file of commas
            {  # 3 a day-first file's ISO date: its discontinuation, before it, is no invalid_period
                **good,
                "item_code": "3",
                "launch_date": "2026-01-31",
                "discontinued_date": "2025-01-01",
                "_unparsed": json.dumps({"launch_date": DAY_FIRST}),
            },
            {**good, "item_code": "4", "list_price": "2,50"},  # 4 not canonical and not named by the loader: the canonical notation
            {  # 5 two fields: one entry each, each with its own notation; a negative cost kept verbatim is no out_of_range
                **good,
                "item_code": "5",
                "unit_cost": "-0.5",
                "launch_date": "5/1/2026",
                "_unparsed": json.dumps({"unit_cost": COMMA_DECIMALS, "launch_date": DAY_FIRST}),
            },
        ],
    )
    outcome = validate_source(con, "erp_items", AS_OF)
    found = {(int(r.row_number), r.rule, r.bad_value): r.reason for r in outcome.quarantine.itertuples()}
    assert found == {
        (2, "number_format", "12.5"): f"'12.5' in 'unit_cost' is not a valid cost: expected {COMMA_DECIMALS}{FIX}",
        (3, "date_format", "2026-01-31"): f"'2026-01-31' in 'launch_date' is not a real calendar date: expected {DAY_FIRST}{FIX}",
        (4, "number_format", "2,50"): f"'2,50' in 'list_price' is not a valid price: expected {CANONICAL_NOTATION['decimal']}{FIX}",
        (5, "number_format", "-0.5"): f"'-0.5' in 'unit_cost' is not a valid cost: expected {COMMA_DECIMALS}{FIX}",
        (5, "date_format", "5/1/2026"): f"'5/1/2026' in 'launch_date' is not a real calendar date: expected {DAY_FIRST}{FIX}",
    }


def test_an_incremental_validation_checks_new_rows_against_all_earlier_ones(con):
    good = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(con, "pos_sales", [good, {**good, "ean": None, "business_date": "2026-09-02"}])  # pos/x.csv: row 2 has no barcode
    write_quarantine(con, validate_source(con, "pos_sales", AS_OF))
    con.execute(  # the next delivery, pos/y.csv, repeats row 1
        "INSERT INTO raw.pos_sales SELECT * REPLACE ('pos/y.csv' AS _source_file, _loaded_at + INTERVAL 1 DAY AS _loaded_at) "
        "FROM raw.pos_sales WHERE _row_number = 1"
    )
    outcome = validate_source(con, "pos_sales", AS_OF, scope_files=["pos/y.csv"])
    found = {(r.source_file, int(r.row_number), r.rule) for r in outcome.quarantine.itertuples()}
    assert found == {("pos/y.csv", 1, "duplicate_row"), ("pos/x.csv", 2, "mandatory_field")}
    assert outcome.rows == 2  # the new row and the one in quarantine, not the whole table


QUARANTINE_ENTRY = ["source_file", "row_number", "rule", "column_name", "bad_value", "reason"]


def assert_same_quarantine(expected, actual) -> None:
    """Two validations found the same entries: same rows, rules, bad values and reasons."""

    def entries(outcome):
        return outcome.quarantine[QUARANTINE_ENTRY].astype({"row_number": "int64"}).sort_values(QUARANTINE_ENTRY[:4]).reset_index(drop=True)

    assert entries(expected).equals(entries(actual)), entries(expected).merge(entries(actual), how="outer", indicator=True).query("_merge != 'both'")
    assert expected.rule_counts == actual.rule_counts


def load_order() -> list[str]:
    """Every source after the sources its contract looks up (as the asset graph orders them)."""
    order: list[str] = []
    while len(order) < len(CONTRACTS):
        ready = [s for s, c in CONTRACTS.items() if s not in order and set(c.depends_on) <= set(order)]
        assert ready, f"contracts depending on each other or on unknown sources: {set(CONTRACTS) - set(order)}"
        order += ready
    return order


def test_the_tiny_company_quarantines_its_injected_defects_alike_in_full_and_by_increment(tiny_landing, tmp_path):
    """Every source of the tiny company validated whole (master data, a full refresh) and as a
    first increment (a day's run: every file new) gives the same entries, and the rows held back
    are the generator's injected defects, each entry with its reason filled in."""
    landing = shutil.copytree(tiny_landing[0], tmp_path / "landing")  # loading moves unparseable files away
    manifest = tiny_landing[1]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_governance_schema(con)
        for source in load_order():
            load_demo_source(con, CONTRACTS[source], landing, tmp_path / "rejected", AS_OF)
            full = validate_source(con, source, AS_OF)
            files = [file for (file,) in con.execute(f"SELECT DISTINCT _source_file FROM raw.{source}").fetchall()]
            increment = validate_source(con, source, AS_OF, scope_files=files)
            assert_same_quarantine(full, increment)
            assert (increment.rows, increment.freshness, increment.schema_ok) == (full.rows, full.freshness, full.schema_ok), source
            write_quarantine(con, full)
        held = con.execute("SELECT source, source_file, row_number, rule, bad_value, reason FROM governance.quarantine").df()
    injected = {(e["source"], e["file"], e["row_number"]) for e in manifest["entries"] if e["kind"] in manifest["quarantine_kinds"]}
    assert set(zip(held.source, held.source_file, held.row_number)) == injected
    assert held.source.nunique() >= 5 and held.reason.str.len().min() > 30
    assert not held.reason.str.contains("{value}|{expected}|\x00", regex=True).any()  # every reason filled in


# ---- the company's codes are its configuration's (issue 16 point 1) ---------------------------


def _company(**changes):
    """The demo company's configuration with ``changes`` to its company.yaml keys."""
    from data_contracts.company.config import Company
    from demo_company import resolve_scale
    from demo_company.company_config import company_document

    return Company.model_validate({**company_document(resolve_scale("tiny")), **changes})


def _found(outcome) -> dict[tuple[int, str], str]:
    return {(int(r.row_number), r.rule): r.reason for r in outcome.quarantine.itertuples()}


ITEM = {
    "item_code": "1",
    "description": "Crisps",
    "family": "SNACKS",
    "base_unit": "EA",
    "unit_cost": "1.25",
    "list_price": "2.50",
    "make_or_buy": "BUY",
    "supplier_code": "S1",
}


def _items(con, rows: list[dict]) -> None:
    _raw_table(con, "erp_suppliers", [{"supplier_code": "S1", "name": "S", "lead_time_days": "5", "payment_terms_days": "30"}])
    _raw_table(con, "erp_production_lines", [])
    _raw_table(con, "erp_items", rows)


def test_a_family_the_company_does_not_list_is_held_back_and_any_family_passes_when_it_lists_none(con):
    _items(con, [ITEM, {**ITEM, "item_code": "2", "family": "GARDEN"}])
    found = _found(validate_source(con, "erp_items", AS_OF))
    assert set(found) == {(2, "allowed_values")}
    assert found[(2, "allowed_values")].startswith("family 'GARDEN' is not one of the company's families (families in company.yaml): add it under families")
    write_company_tables(con, _company(families=None))  # a company that does not check families
    assert validate_source(con, "erp_items", AS_OF).quarantine.empty
    write_company_tables(con, _company(families=["SNACKS", "GARDEN"]))
    assert validate_source(con, "erp_items", AS_OF).quarantine.empty


def test_a_base_unit_is_a_unit_of_role_base_when_the_company_declares_units(con):
    _items(con, [ITEM, {**ITEM, "item_code": "2", "base_unit": "CS"}, {**ITEM, "item_code": "3", "base_unit": "KG"}])
    found = _found(validate_source(con, "erp_items", AS_OF))
    assert set(found) == {(2, "allowed_values"), (3, "allowed_values")}
    assert found[(2, "allowed_values")].startswith(
        "base unit 'CS' is declared with role case: an item's base unit is a unit of role base under units in company.yaml"
    )
    assert found[(3, "allowed_values")].startswith("base unit 'KG' is not declared: ")
    write_company_tables(con, _company(units=[]))  # no units declared: any unit
    assert validate_source(con, "erp_items", AS_OF).quarantine.empty


# An undeclared code of each kind: (source, raw tables, the row of the undeclared code, rule, the
# reason's start, the company.yaml change that declares it).
UNDECLARED = {
    "location_type": (
        "erp_locations",
        {},
        {"location_code": "K1", "name": "Kiosk", "location_type": "KIOSK", "region": "Anywhere at all", "wms_receiving_unit": "EA"},
        "allowed_values",
        "location type 'KIOSK' is not declared in company.yaml: declare it under location_types in company.yaml (with its role: plant, warehouse, store, virtual)",
        {"location_types": [{"code": "KIOSK", "role": "store"}]},
    ),
    "receiving_unit": (
        "erp_locations",
        {},
        {"location_code": "S9", "name": "Store", "location_type": "STORE", "region": "N", "wms_receiving_unit": "PAL"},
        "unknown_unit",
        "unit 'PAL' is not one of the company's units (units in company.yaml): declare it under units in company.yaml",
        {"units": [{"code": "PAL", "role": "other"}]},
    ),
    "channel": (
        "erp_prices",
        {"erp_items": [ITEM], "erp_unit_conversions": [{"item_code": "1", "unit": "EA", "factor_to_base": "1"}]},
        {"item_code": "1", "channel": "TELESALES", "valid_from": "2026-01-01", "price": "2.00", "unit": "EA"},
        "allowed_values",
        "channel 'TELESALES' is not declared in company.yaml: declare it under channels in company.yaml (with its role: store, online, marketplace, wholesale)",
        {"channels": [{"code": "TELESALES", "role": "wholesale"}]},
    ),
    "code_system": (
        "erp_item_xref",
        {"erp_items": [ITEM]},
        {"system": "EDI", "external_code": "E-1", "item_code": "1", "valid_from": "2026-01-01"},
        "allowed_values",
        "code system 'EDI' is not declared in company.yaml: declare it under code_systems in company.yaml (with its role: item_master, warehouse,",
        {"code_systems": [{"code": "EDI", "role": "other"}]},
    ),
    "unit": (
        "erp_unit_conversions",
        {"erp_items": [ITEM]},
        {"item_code": "1", "unit": "PAL", "factor_to_base": "480"},
        "unknown_unit",
        "unit 'PAL' is not one of the company's units (units in company.yaml): declare it under units in company.yaml or correct the unit in the ERP",
        {"units": [{"code": "EA", "role": "base"}, {"code": "PAL", "role": "other"}]},
    ),
    "segment": (
        "erp_customers",
        {"erp_locations": [{"location_code": "DC01", "name": "DC", "location_type": "DC", "region": "N", "wms_receiving_unit": "EA"}]},
        {"customer_code": "C1", "name": "C", "segment": "VIP", "priority": "1", "ship_from": "DC01"},
        "allowed_values",
        "segment 'VIP' is not declared in company.yaml: declare it under segments in company.yaml (with its allocation_priority, cycle_service_level and fill_rate)",
        {"segments": [{"code": "VIP", "allocation_priority": 1, "cycle_service_level": 0.99, "fill_rate": 0.99}]},
    ),
}


@pytest.mark.parametrize("kind", list(UNDECLARED))
def test_a_code_the_company_has_not_declared_is_held_back_naming_the_key_that_declares_it(con, kind):
    source, tables, row, rule, reason, declaration = UNDECLARED[kind]
    if "erp_items" in tables:
        _items(con, tables["erp_items"])
        write_quarantine(con, validate_source(con, "erp_items", AS_OF))
    for table, rows in [(t, r) for t, r in tables.items() if t != "erp_items"]:
        _raw_table(con, table, rows)
        write_quarantine(con, validate_source(con, table, AS_OF))
    _raw_table(con, source, [row])
    found = _found(validate_source(con, source, AS_OF))
    assert list(found) == [(1, rule)] and found[(1, rule)].startswith(reason), found
    write_company_tables(con, _company(**declaration))  # declared: the row flows on
    assert validate_source(con, source, AS_OF).quarantine.empty


def test_a_promotion_runs_on_a_channel_the_company_declares_or_on_all(con):
    _items(con, [ITEM])
    write_quarantine(con, validate_source(con, "erp_items", AS_OF))
    promotion = {"promo_id": "P1", "item_code": "1", "channel": "WEB", "start_date": "2026-09-01", "end_date": "2026-09-07", "discount_pct": "10"}
    _raw_table(con, "erp_promotions", [promotion, {**promotion, "promo_id": "P2", "channel": "ALL"}, {**promotion, "promo_id": "P3", "channel": "TV"}])
    found = _found(validate_source(con, "erp_promotions", AS_OF))
    assert set(found) == {(3, "allowed_values")} and "channel 'TV' is not declared in company.yaml" in found[(3, "allowed_values")]


def test_a_price_holds_at_a_location_or_everywhere_over_its_dates_or_its_period(con):
    """A price per store and week code (M5's price list) passes; one without dates nor period, for
    an unknown store or an unknown period is held back; the same price sent twice for the same
    store and week, or twice without store, is a duplicate, not a price of another store."""
    _items(con, [ITEM])
    write_quarantine(con, validate_source(con, "erp_items", AS_OF))
    _raw_table(con, "erp_unit_conversions", [])
    _raw_table(con, "calendar_periods", [{"calendar_date": f"2026-09-0{d}", "period_code": "W36"} for d in range(1, 8)])
    write_quarantine(con, validate_source(con, "calendar_periods", AS_OF))
    price = {"item_code": "1", "channel": "STORE", "location_code": "ST01", "valid_period": "W36", "price": "2.5", "unit": "EA"}
    everywhere = {"item_code": "1", "channel": "STORE", "valid_from": "2026-09-01", "price": "2.4", "unit": "EA"}
    _raw_table(
        con,
        "erp_prices",
        [
            price,  # 1 valid: a store's price for a week
            everywhere,  # 2 valid: the channel's price at every location
            {**price, "valid_period": None},  # 3 neither a first day nor a period
            {**price, "location_code": "ST99", "valid_period": "W37"},  # 4 unknown store, unknown week
            {**price, "price": "2.6"},  # 5 the same store and week again
            {**everywhere, "price": "2.2"},  # 6 the channel's price again
        ],
    )
    found = _found(validate_source(con, "erp_prices", AS_OF))
    assert set(found) == {(3, "mandatory_field"), (4, "unknown_reference"), (4, "unknown_period"), (5, "duplicate_row"), (6, "duplicate_row")}, found
    assert "valid_from" in found[(3, "mandatory_field")] and "valid_period" in found[(3, "mandatory_field")]
    assert "period 'W37' is not a period code" in found[(4, "unknown_period")] and "ST99" in found[(4, "unknown_reference")]
    assert found[(6, "duplicate_row")].startswith("duplicate of pos/x.csv row 2, re-sent with a different payload (price 2.4 -> 2.2)")


def test_a_calendar_event_is_for_the_company_a_region_or_a_location(con):
    event = {"event_date": "2026-10-04", "event_name": "SNAP", "event_type": "Benefits"}
    _raw_table(
        con,
        "calendar_events",
        [
            event,  # 1 valid: company-wide
            {**event, "region": "NORTH"},  # 2 valid: the region's locations
            {**event, "location_code": "ST01"},  # 3 valid: one location
            {**event, "region": "SOUHT"},  # 4 a region no location has
            {**event, "region": "NORTH"},  # 5 the region's event again
            {**event, "event_name": None},  # 6 no name
            {**event, "event_date": "2029-12-31"},  # 7 more than the plausible future ahead
        ],
    )
    found = _found(validate_source(con, "calendar_events", AS_OF))
    assert set(found) == {(4, "unknown_region"), (5, "duplicate_row"), (6, "mandatory_field"), (7, "implausible_date")}, found
    assert "region 'SOUHT' is not the region of any location" in found[(4, "unknown_region")]


# A company that names everything its own way: its channels, code systems and location types
# play Planline's roles, and the contracts check its rows by those roles.
OTHER_COMPANY = {
    "channels": [{"code": "SHOP", "role": "online"}, {"code": "AMZ", "role": "marketplace"}, {"code": "TILL", "role": "store"}],
    "location_types": [{"code": "BOUTIQUE", "role": "store"}, {"code": "HUB", "role": "warehouse"}],
    "units": [{"code": "PC", "role": "base"}, {"code": "DUO", "role": "bundle"}],
    "code_systems": [{"code": "SAP", "role": "item_master"}, {"code": "ASIN", "role": "marketplace"}, {"code": "GTIN", "role": "point_of_sale"}],
    "segments": [],
    "families": None,
}


@pytest.fixture
def other_company():
    connection = duckdb.connect()
    ensure_governance_schema(connection)
    write_company_tables(connection, _company(**OTHER_COMPANY))
    _raw_table(
        connection,
        "erp_locations",
        [
            {"location_code": "B1", "name": "Boutique", "location_type": "BOUTIQUE", "region": "Paris", "wms_receiving_unit": "PC"},
            {"location_code": "H1", "name": "Hub", "location_type": "HUB", "region": "Lyon", "wms_receiving_unit": "PC"},
        ],
    )
    _items(connection, [{**ITEM, "item_code": "100", "family": "Anything", "base_unit": "PC"}])
    _raw_table(
        connection,
        "erp_unit_conversions",
        [{"item_code": "100", "unit": "PC", "factor_to_base": "1"}, {"item_code": "100", "unit": "DUO", "factor_to_base": "2"}],
    )
    _raw_table(
        connection,
        "erp_item_xref",
        [
            {"system": "ASIN", "external_code": "B0-100", "item_code": "100", "valid_from": "2026-01-01"},
            {"system": "GTIN", "external_code": "3000000000100", "item_code": "100", "valid_from": "2026-01-01"},
        ],
    )
    for source in ("erp_locations", "erp_suppliers", "erp_production_lines", "erp_items", "erp_unit_conversions", "erp_item_xref"):
        outcome = validate_source(connection, source, AS_OF)
        assert outcome.quarantine.empty, outcome.quarantine.reason.tolist()
        write_quarantine(connection, outcome)
    yield connection
    connection.close()


def test_online_lines_carry_item_master_codes_and_a_marketplaces_lines_its_own_by_the_channels_role(other_company):
    line = {
        "event_id": "1",
        "event_type": "LINE_PLACED",
        "event_time": "2026-09-01T10:00:00Z",
        "exported_at": "2026-09-01T11:00:00Z",
        "order_id": "O1",
        "line": "1",
        "channel": "SHOP",
        "item": "100",
        "qty": "1",
        "uom": "PC",
        "unit_price": "9.90",
        "ship_from": "H1",
    }
    _raw_table(
        other_company,
        "oms_events",
        [
            line,  # 1 valid: the web shop sends the item master's code
            {**line, "event_id": "2", "channel": "AMZ", "item": "B0-100", "uom": "DUO"},  # 2 valid: the marketplace its listing
            {**line, "event_id": "3", "channel": "AMZ", "item": "100"},  # 3 an item master code on a marketplace line
            {**line, "event_id": "4", "item": "B0-100"},  # 4 a listing on a web-shop line
            {**line, "event_id": "5", "channel": "TILL"},  # 5 a store channel's sales come from the tills, not the OMS
            {**line, "event_id": "6", "channel": "WEB"},  # 6 a channel the company does not have
            {**line, "event_id": "7", "uom": "EA"},  # 7 a unit the company does not have
        ],
    )
    found = _found(validate_source(other_company, "oms_events", AS_OF))
    # row 4's code is no item, so no conversion of it is found either: both are said
    assert set(found) == {(3, "unmapped_code"), (4, "unmapped_code"), (4, "unknown_unit"), (5, "allowed_values"), (6, "allowed_values"), (7, "unknown_unit")}
    assert "marketplace code '100'" in found[(3, "unmapped_code")] and "code system of role marketplace" in found[(3, "unmapped_code")]
    assert found[(4, "unmapped_code")].startswith("item 'B0-100' of an online order is not in the ERP item master")
    assert found[(5, "allowed_values")].startswith("channel TILL has role store: the OMS sends the lines of online and marketplace channels")
    assert found[(6, "allowed_values")].startswith("channel 'WEB' is not declared in company.yaml: declare it under channels")
    assert found[(7, "unknown_unit")].startswith("unit 'EA' is not one of the company's units (units in company.yaml)")


def test_tills_are_the_locations_of_a_store_type_and_their_barcodes_a_point_of_sale_systems(other_company):
    good = {"store": "B1", "business_date": "2026-09-01", "ean": "3000000000100", "line_type": "SALE", "qty": "1", "unit_price": "9.90"}
    _raw_table(
        other_company,
        "pos_sales",
        [
            good,  # 1 valid: a boutique is a store
            {**good, "store": "H1"},  # 2 a hub is no store
            {**good, "ean": "B0-100", "business_date": "2026-09-02"},  # 3 a marketplace listing is no barcode
        ],
    )
    found = _found(validate_source(other_company, "pos_sales", AS_OF))
    assert set(found) == {(2, "unknown_reference"), (3, "unmapped_code")}
    assert found[(2, "unknown_reference")].startswith("store 'H1' is not a store in the ERP location master (a location whose type has role store")
    assert "code system of role point_of_sale (code_systems in company.yaml)" in found[(3, "unmapped_code")]


def test_a_family_override_names_a_family_of_the_item_master(other_company):
    override = {
        "override_id": "1",
        "level": "FAMILY",
        "item_or_family": "Anything",
        "location_or_customer": "B1",
        "start_date": "2026-10-01",
        "end_date": "2026-10-31",
        "adjustment_type": "PCT",
        "value": "10",
        "author": "kam",
        "reason": "promo",
        "submitted_at": "2026-09-30T08:00:00Z",
    }
    _raw_table(other_company, "erp_customers", [])
    _raw_table(other_company, "planning_overrides", [override, {**override, "override_id": "2", "item_or_family": "Nothing"}])
    found = _found(validate_source(other_company, "planning_overrides", AS_OF))
    assert set(found) == {(2, "allowed_values")}
    assert found[(2, "allowed_values")].startswith("family 'Nothing' is not a family of the ERP item master")


def test_the_contracts_read_the_company_tables_the_configuration_writes():
    """Every company.<table>.<column> a contract's SQL names is one export writes, and the roles a
    contract selects by are Planline's (a typo would select nothing, silently)."""
    import re
    import typing

    from data_contracts.company import config
    from data_contracts.company.export import COLUMNS
    from data_contracts.sources.sql import ROLES

    named = set()
    for contract in CONTRACTS.values():
        sql = " ".join([*contract.derived.values(), *contract.joins, *contract.parameters.values(), *(r.sql or "" for r in contract.rules)])
        for table in re.findall(r"\bcompany\.(\w+)", sql):
            assert table in COLUMNS, (contract.source, table)
            named.add(table)
        for column in re.findall(r"\b(?:c|channel)\.(\w+)", sql):
            assert any(column in columns for columns in COLUMNS.values()), (contract.source, column)
    assert {"families", "unit_roles", "location_types", "channels", "code_systems", "segment_service_levels"} <= named
    literals = {"channel_role": config.ChannelRole, "location_role": config.LocationRole, "unit_role": config.UnitRole, "code_role": config.CodeRole}
    assert {kind: set(typing.get_args(literal)) for kind, literal in literals.items()} == {kind: set(roles) for kind, roles in ROLES.items()}


# ---- the minimal input: items, locations, sales history (issue 16 point 3) -------------------


SALE = {"item_code": "1", "location_code": "ST01", "sale_date": "2026-09-01", "quantity": "3", "unit_price": "2.50"}


def test_sales_history_quarantines_only_bad_rows_with_actionable_reasons(con):
    _items(con, [ITEM])
    _raw_table(
        con,
        "sales_history",
        [
            SALE,  # 1 valid: no channel (the store channel's, or ALL, in dbt)
            {**SALE, "channel": "WEB"},  # 2 valid: a channel the company declares
            {**SALE, "quantity": "5"},  # 3 duplicate of 1: same item, location and day, both without channel
            {**SALE, "channel": "WEB", "quantity": "4"},  # 4 duplicate of 2
            {**SALE, "item_code": "99", "sale_date": "2026-09-02"},  # 5 unknown item
            {**SALE, "location_code": "XX", "sale_date": "2026-09-02"},  # 6 unknown location
            {**SALE, "channel": "TELESALES"},  # 7 a channel the company does not declare
            {**SALE, "quantity": "-2", "sale_date": "2026-09-03"},  # 8 negative
            {**SALE, "sale_date": "2056-09-01"},  # 9 in the future
            {**SALE, "quantity": None, "sale_date": "2026-09-04"},  # 10 no quantity
            {**SALE, "quantity": "3,5", "sale_date": "2026-09-05", "_unparsed": '{"quantity": "digits with a \',\' decimal part"}'},  # 11
            {**SALE, "quantity": "0", "unit_price": None, "sale_date": "2026-09-06"},  # 12 valid: a day without sale, no price
            {**SALE, "quantity": "2000000", "sale_date": "2026-09-07"},  # 13 implausible
            {**SALE, "unit_price": "-1", "sale_date": "2026-09-08"},  # 14 negative price
        ],
    )
    found = _found(validate_source(con, "sales_history", AS_OF))
    assert set(found) == {
        (3, "duplicate_row"),
        (4, "duplicate_row"),
        (5, "unknown_reference"),
        (6, "unknown_reference"),
        (7, "allowed_values"),
        (8, "negative_quantity"),
        (9, "future_date"),
        (10, "mandatory_field"),
        (11, "number_format"),
        (13, "implausible_quantity"),
        (14, "out_of_range"),
    }, found
    assert found[(3, "duplicate_row")].startswith(
        "duplicate of pos/x.csv row 1, re-sent with a different payload (quantity 3 -> 5) (same item_code, location_code, channel, sale_date, both without channel)"
    )
    assert found[(4, "duplicate_row")].startswith("duplicate of pos/x.csv row 2, re-sent with a different payload (quantity 3 -> 4) (same item_code,")
    assert found[(5, "unknown_reference")].startswith("item '99' is not in the ERP item master")
    assert found[(6, "unknown_reference")].startswith("location 'XX' is not in the ERP location master")
    assert found[(7, "allowed_values")].startswith("channel 'TELESALES' is not declared in company.yaml: declare it under channels")
    assert "digits with a ',' decimal part" in found[(11, "number_format")]


def test_sales_history_duplicates_are_found_incrementally_as_in_full(con):
    """A re-delivered day without channel duplicates the rows loaded before, not the other way round."""
    _items(con, [ITEM])
    _raw_table(con, "sales_history", [SALE, {**SALE, "sale_date": "2026-09-02"}])
    con.execute("UPDATE raw.sales_history SET _source_file = 'history/august.csv', _loaded_at = TIMESTAMP '2026-09-01 06:00:00'")
    con.execute(
        "INSERT INTO raw.sales_history BY NAME SELECT * REPLACE ('7' AS quantity, 'history/again.csv' AS _source_file, TIMESTAMP '2026-09-30 06:00:00' AS _loaded_at) "
        "FROM raw.sales_history WHERE sale_date = '2026-09-02'"
    )
    full = validate_source(con, "sales_history", AS_OF)
    assert set(_found(full)) == {(2, "duplicate_row")} and set(full.quarantine.source_file) == {"history/again.csv"}
    assert full.quarantine.reason.iloc[0].startswith("duplicate of history/august.csv row 2, re-sent with a different payload (quantity 3 -> 7)")
    increment = validate_source(con, "sales_history", AS_OF, scope_files=["history/again.csv"])
    assert_same_quarantine(full, increment)
    assert full.freshness["newest"] == "2026-09-02 00:00:00"


def test_a_sales_history_row_may_cover_a_week_or_a_month_from_its_first_day(con):
    """period: day (empty), week (7 days from any weekday) or month (dated on its 1st); a period
    not over at the as-of time, an unknown period and a month dated mid-month are held back."""
    _items(con, [ITEM])
    _raw_table(
        con,
        "sales_history",
        [
            {**SALE, "period": "day"},  # 1 valid
            {**SALE, "sale_date": "2026-09-02"},  # 2 valid: no period, a day
            {**SALE, "period": "week", "sale_date": "2026-08-05"},  # 3 valid: a week from a Wednesday
            {**SALE, "period": "month", "sale_date": "2026-08-01", "quantity": "12000000"},  # 4 valid: 12,000,000 over 31 days is plausible
            {**SALE, "period": "month", "sale_date": "2026-07-15"},  # 5 a month not dated on its 1st
            {**SALE, "period": "weekly", "sale_date": "2026-07-20"},  # 6 not a period
            {**SALE, "period": "week", "sale_date": "2026-09-28"},  # 7 the week runs to 4 October, after the as-of
            {**SALE, "period": "month"},  # 8 September (over at the as-of time), but dated as row 1: one figure sent twice
            {**SALE, "period": "week", "sale_date": "2026-09-24"},  # 9 valid: its last day is the as-of day
            {**SALE, "period": "week", "sale_date": "2026-07-06", "quantity": "8000000"},  # 10 above 1,000,000 a day on average
            {**SALE, "period": "week", "sale_date": "2026-08-05", "quantity": "9"},  # 11 the same first day as row 3: sent twice
            {**SALE, "period": "month", "sale_date": "2027-01-01"},  # 12 in the future: future_date alone
        ],
    )
    outcome = validate_source(con, "sales_history", AS_OF)
    found = _found(outcome)
    assert set(found) == {
        (5, "period_start"),
        (6, "allowed_values"),
        (7, "period_not_over"),
        (8, "duplicate_row"),
        (10, "implausible_quantity"),
        (11, "duplicate_row"),
        (12, "future_date"),
    }, found
    assert found[(5, "period_start")].startswith("'sale_date' 2026-07-15 is not the first day of a month: a month row is dated on the 1st")
    assert found[(6, "allowed_values")].startswith("'weekly' in 'period' is not a period: a row covers a day, a week or a month (empty: a day)")
    assert found[(7, "period_not_over")].startswith("the week 2026-09-28 to 2026-10-04 is not over at the as-of time of the load")
    assert "a week's or a month's row: per day on average" in found[(10, "implausible_quantity")]
    assert found[(8, "duplicate_row")].startswith("duplicate of pos/x.csv row 1, re-sent with a different payload (period day -> month)")
    assert found[(11, "duplicate_row")].startswith("duplicate of pos/x.csv row 3, re-sent with a different payload (quantity 3 -> 9)")
    # the newest row is as recent as its period's last day (the week of row 9 ends on the as-of day)
    assert outcome.freshness["newest"] == "2026-09-30 00:00:00" and outcome.freshness["passed"]


def test_the_minimal_master_data_is_an_item_code_and_a_location_code_and_type(con):
    """Items and locations drawn from a sales file carry no more; a value given is still checked,
    and a made item still needs its line (a bought one without supplier gets the default lead time)."""
    _items(
        con,
        [
            {"item_code": "A"},  # 1 valid: the code alone
            {"item_code": "B", "make_or_buy": "BUY"},  # 2 valid: bought, no supplier
            {"item_code": "C", "make_or_buy": "MAKE"},  # 3 made, no production line
            {"item_code": "D", "unit_cost": "0"},  # 4 a cost given is checked
            {"item_code": "E", "family": "GARDEN"},  # 5 and so is a family
            {"description": "no code"},  # 6
        ],
    )
    found = _found(validate_source(con, "erp_items", AS_OF))
    assert set(found) == {(3, "sourcing_missing"), (4, "zero_price"), (5, "allowed_values"), (6, "mandatory_field")}, found
    assert found[(3, "sourcing_missing")].startswith("MAKE item without production line: a made item needs the production line that makes it")
    _raw_table(
        con,
        "erp_locations",
        [
            {"location_code": "S1", "location_type": "STORE"},  # 1 valid
            {"location_code": "S2"},  # 2 no type: its role places it in the network
            {"location_code": "S3", "location_type": "STORE", "wms_receiving_unit": "PAL"},  # 3 a unit given is checked
        ],
    )
    found = _found(validate_source(con, "erp_locations", AS_OF))
    assert set(found) == {(2, "mandatory_field"), (3, "unknown_unit")}, found


def test_the_sourcing_rule_says_a_bought_item_without_supplier_gets_the_default_lead_time():
    rule = next(r for r in CONTRACTS["erp_items"].rules if r.name == "sourcing_missing")
    assert "default lead time" in rule.statement and "planning.default_lead_time_days" in rule.statement


# ---- the registry: every module of data_contracts/sources/ collected, master data first ----------

# The order the registry gave before it collected the modules itself (issue 17): raw assets,
# docs and listings keep it.
ORDER_BEFORE_DISCOVERY = [
    "calendar_periods",
    "erp_suppliers",
    "erp_locations",
    "erp_customers",
    "erp_production_lines",
    "erp_items",
    "erp_item_xref",
    "erp_unit_conversions",
    "erp_prices",
    "erp_promotions",
    "calendar_events",
    "sales_history",
    "erp_purchase_orders",
    "erp_production_orders",
    "erp_sales_orders",
    "erp_inventory",
    "wms_events",
    "wms_stock",
    "pos_sales",
    "oms_events",
    "planning_overrides",
]


def _contract(source: str, depends_on: tuple[str, ...] = (), lookup: str | None = None) -> Contract:
    """A contract of one column; ``lookup`` names a source its SQL reads (VALID(lookup))."""
    parameters = {"codes": f"SELECT code FROM VALID({lookup})"} if lookup else {}
    return Contract(source=source, system="erp", description="", columns=("code",), rules=(), parameters=parameters, depends_on=depends_on)


def _module(name: str, **stages) -> types.ModuleType:
    module = types.ModuleType(f"data_contracts.sources.{name}")
    for stage, contracts in stages.items():
        setattr(module, stage, contracts)
    return module


def test_the_registry_collects_every_sources_module_in_the_order_it_had():
    assert list(CONTRACTS) == ORDER_BEFORE_DISCOVERY
    modules = {path.stem for path in Path(registry.sources.__file__).parent.glob("*.py")} - {"__init__"}
    assert {Path(file).stem for file in registry.CONTRACT_FILES.values()} <= modules
    assert registry.CONTRACT_FILES["erp_items"] == "data_contracts/sources/erp.py"


def test_a_new_module_is_collected_stage_by_stage_after_the_master_data_it_looks_up():
    items, locations = _contract("erp_items"), _contract("erp_locations")
    returns = _contract("erp_returns", depends_on=("erp_items",), lookup="erp_items")
    overrides = _contract("planning_overrides", depends_on=("erp_locations",))
    # modules come by name, a stage's contracts from every module before the next stage's
    found = registry.collect(
        [
            _module("erp", MASTER_DATA=(items,), PLANNER_INPUTS=(overrides,)),
            _module("returns", TRANSACTIONS=(returns,)),
            _module("zones", MASTER_DATA=(locations,)),
        ]
    )
    assert list(found) == ["erp_items", "erp_locations", "erp_returns", "planning_overrides"]
    assert found["erp_returns"] == (returns, "data_contracts/sources/returns.py")


def test_a_contract_looking_up_a_source_validated_after_it_is_an_error_naming_both():
    returns = _contract("erp_returns", depends_on=("erp_items",), lookup="erp_items")
    with pytest.raises(ValueError, match=r"returns\.py: contract 'erp_returns' looks up 'erp_items' \(data_contracts/sources/erp\.py\), validated after it"):
        registry.collect([_module("erp", TRANSACTIONS=(_contract("erp_items"),)), _module("returns", MASTER_DATA=(returns,))])
    with pytest.raises(ValueError, match="'erp_returns' looks up 'erp_items', which no contract"):
        registry.collect([_module("returns", TRANSACTIONS=(returns,))])


def test_a_contract_reading_a_source_it_does_not_depend_on_is_an_error():
    reads_items = _contract("erp_returns", lookup="erp_items")
    with pytest.raises(ValueError, match="returns.py: contract 'erp_returns' reads erp_items without naming it in depends_on"):
        registry.collect([_module("erp", MASTER_DATA=(_contract("erp_items"),)), _module("returns", TRANSACTIONS=(reads_items,))])


def test_a_contract_in_no_stage_tuple_or_exported_twice_is_an_error_naming_its_file():
    forgotten = _module("returns", TRANSACTIONS=())
    forgotten.RETURNS = _contract("erp_returns")
    with pytest.raises(ValueError, match=r"returns\.py: contract RETURNS \(erp_returns\) is in no stage tuple: export it in one of MASTER_DATA"):
        registry.collect([forgotten])
    twice = _contract("erp_returns")
    with pytest.raises(ValueError, match=r"b\.py: source 'erp_returns' is exported twice \(also by data_contracts/sources/a\.py\)"):
        registry.collect([_module("a", TRANSACTIONS=(twice,)), _module("b", TRANSACTIONS=(twice,))])
