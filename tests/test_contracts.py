"""Data contracts: suites compile, and validation quarantines exactly the bad rows with a reason."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import duckdb
import pytest

from data_contracts import CONTRACTS
from data_contracts.model import CANONICAL_NOTATION
from data_contracts.suites import build_suite
from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
from tests.demo_sources import load_demo_source

AS_OF = datetime(2026, 9, 30, 23, 59, 59)
# Great Expectations, and the same rules compiled to SQL (daily increments): same results.
EVALUATORS = ["gx", "sql"]


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
        f"CREATE OR REPLACE TABLE raw.{source} ({columns}, _extra VARCHAR, _unparsed VARCHAR, _source_file VARCHAR, _row_number BIGINT, _loaded_at TIMESTAMP)"
    )
    for number, row in enumerate(rows, start=1):
        values = [row.get(c) for c in contract.columns]
        con.execute(
            f"INSERT INTO raw.{source} VALUES ({', '.join('?' * (len(values) + 5))})", [*values, None, row.get("_unparsed"), "pos/x.csv", number, AS_OF]
        )


@pytest.fixture
def con():
    connection = duckdb.connect()
    ensure_governance_schema(connection)
    _raw_table(
        connection,
        "erp_locations",
        [
            {"location_code": "ST01", "name": "Store", "location_type": "STORE", "region": "NORTH", "wms_receiving_unit": "EA"},
        ],
    )
    _raw_table(
        connection,
        "erp_item_xref",
        [
            {"system": "POS", "external_code": "2000000000015", "item_code": "1", "valid_from": "2026-01-01"},
        ],
    )
    yield connection
    connection.close()


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_pos_contract_quarantines_only_bad_rows_with_actionable_reasons(con, evaluator):
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
    outcome = validate_source(con, "pos_sales", AS_OF, evaluator=evaluator)
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


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_future_dated_row_does_not_make_a_stale_source_fresh(con, evaluator):
    old = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(con, "pos_sales", [old, {**old, "business_date": "2056-09-01"}])
    outcome = validate_source(con, "pos_sales", AS_OF, evaluator=evaluator)
    assert outcome.freshness["newest"] == "2026-09-01 00:00:00" and not outcome.freshness["passed"]


def test_quarantine_is_replaced_per_source_not_appended(con):
    _raw_table(con, "pos_sales", [{"store": "ST01", "business_date": "2026-09-01", "ean": None, "line_type": "SALE", "qty": "1", "unit_price": "1"}])
    outcome = validate_source(con, "pos_sales", AS_OF)
    write_quarantine(con, outcome)
    write_quarantine(con, outcome)
    assert con.execute("SELECT count(*) FROM governance.quarantine").fetchone()[0] == 1


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_impossible_dates_and_codes_outside_their_validity_are_quarantined(con, evaluator):
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
    outcome = validate_source(con, "pos_sales", AS_OF, evaluator=evaluator)
    found = {(int(r.row_number), r.rule) for r in outcome.quarantine.itertuples()}
    assert found == {(2, "date_format"), (3, "unmapped_code")}
    reason = outcome.quarantine.set_index("row_number").loc[3, "reason"]
    assert "2000000000015 on 2025-12-31" in reason


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_a_code_mapped_twice_on_the_same_day_is_held_back(con, evaluator):
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
    outcome = validate_source(con, "erp_item_xref", AS_OF, evaluator=evaluator)
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
    format rule holds the row back saying it (the same words from both evaluators), and no other
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
    by_gx = validate_source(con, "erp_items", AS_OF)
    by_sql = validate_source(con, "erp_items", AS_OF, evaluator="sql")
    assert_same_quarantine(by_gx, by_sql)
    found = {(int(r.row_number), r.rule, r.bad_value): r.reason for r in by_sql.quarantine.itertuples()}
    assert found == {
        (2, "number_format", "12.5"): f"'12.5' in 'unit_cost' is not a valid cost: expected {COMMA_DECIMALS}{FIX}",
        (3, "date_format", "2026-01-31"): f"'2026-01-31' in 'launch_date' is not a real calendar date: expected {DAY_FIRST}{FIX}",
        (4, "number_format", "2,50"): f"'2,50' in 'list_price' is not a valid price: expected {CANONICAL_NOTATION['decimal']}{FIX}",
        (5, "number_format", "-0.5"): f"'-0.5' in 'unit_cost' is not a valid cost: expected {COMMA_DECIMALS}{FIX}",
        (5, "date_format", "5/1/2026"): f"'5/1/2026' in 'launch_date' is not a real calendar date: expected {DAY_FIRST}{FIX}",
    }


def test_validating_in_chunks_finds_the_same_rows(con):
    good = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    rows = [{**good, "business_date": f"2026-09-{d:02d}"} for d in range(3, 31)]
    rows[3] = {**rows[3], "qty": "-1"}
    rows[20] = {**rows[20], "ean": None}
    rows.append(dict(rows[7]))  # a duplicate of row 8, far from it
    _raw_table(con, "pos_sales", rows)
    whole = validate_source(con, "pos_sales", AS_OF)
    chunked = validate_source(con, "pos_sales", AS_OF, chunk_rows=2048)  # smallest chunk DuckDB fetches
    assert whole.rows == chunked.rows == 29
    key = ["source_file", "row_number", "rule"]
    assert whole.quarantine[key].sort_values(key).values.tolist() == chunked.quarantine[key].sort_values(key).values.tolist()
    assert {(int(r), q) for r, q in zip(whole.quarantine.row_number, whole.quarantine.rule)} == {
        (4, "negative_quantity"),
        (21, "mandatory_field"),
        (29, "duplicate_row"),
    }
    assert whole.freshness["passed"] and chunked.freshness == whole.freshness


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_an_incremental_validation_checks_new_rows_against_all_earlier_ones(con, evaluator):
    good = {"store": "ST01", "business_date": "2026-09-01", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(con, "pos_sales", [good, {**good, "ean": None, "business_date": "2026-09-02"}])  # pos/x.csv: row 2 has no barcode
    write_quarantine(con, validate_source(con, "pos_sales", AS_OF))
    con.execute(  # the next delivery, pos/y.csv, repeats row 1
        "INSERT INTO raw.pos_sales SELECT * REPLACE ('pos/y.csv' AS _source_file, _loaded_at + INTERVAL 1 DAY AS _loaded_at) "
        "FROM raw.pos_sales WHERE _row_number = 1"
    )
    outcome = validate_source(con, "pos_sales", AS_OF, scope_files=["pos/y.csv"], evaluator=evaluator)
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


def test_sql_evaluation_finds_what_great_expectations_finds_on_the_tiny_company(tiny_landing, tmp_path):
    landing = shutil.copytree(tiny_landing[0], tmp_path / "landing")  # loading moves unparseable files away
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for source in load_order():
            contract = CONTRACTS[source]
            load_demo_source(con, contract, landing, tmp_path / "rejected", AS_OF)
            by_gx = validate_source(con, source, AS_OF)
            by_sql = validate_source(con, source, AS_OF, evaluator="sql")
            assert_same_quarantine(by_gx, by_sql)
            assert (by_sql.rows, by_sql.freshness, by_sql.schema_ok) == (by_gx.rows, by_gx.freshness, by_gx.schema_ok), source
            write_quarantine(con, by_gx)
        quarantined = con.execute("SELECT count(DISTINCT source) FROM governance.quarantine").fetchone()[0]
    assert quarantined >= 5  # the tiny company's deliberate defects: the comparison covers real entries
