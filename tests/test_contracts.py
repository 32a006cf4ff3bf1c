"""Data contracts: suites compile, and validation quarantines exactly the bad rows with a reason."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest

from data_contracts import CONTRACTS
from data_contracts.suites import build_suite
from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine
from orchestration.ingestion.loader import load_source

AS_OF = datetime(2026, 9, 30, 23, 59, 59)
# Great Expectations, and the same rules compiled to SQL (daily increments): same results.
EVALUATORS = ["gx", "sql"]


@pytest.mark.parametrize("source", list(CONTRACTS))
def test_every_contract_compiles_to_a_suite(source):
    suite = build_suite(CONTRACTS[source])
    rules = {e.meta["rule"] for e in suite.expectations}
    assert "schema" in rules and len(suite.expectations) > len(CONTRACTS[source].columns) // 2


def _raw_table(con, source: str, rows: list[dict]) -> None:
    contract = CONTRACTS[source]
    columns = ", ".join(f'"{c}" VARCHAR' for c in contract.columns)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE OR REPLACE TABLE raw.{source} ({columns}, _extra VARCHAR, _source_file VARCHAR, _row_number BIGINT, _loaded_at TIMESTAMP)")
    for number, row in enumerate(rows, start=1):
        values = [row.get(c) for c in contract.columns]
        con.execute(f"INSERT INTO raw.{source} VALUES ({', '.join('?' * (len(values) + 4))})", [*values, None, "pos/x.csv", number, AS_OF])


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
            {"system": "POS", "external_code": "2000000000015", "item_code": "1", "valid_from": "01/01/2026"},
        ],
    )
    yield connection
    connection.close()


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_pos_contract_quarantines_only_bad_rows_with_actionable_reasons(con, evaluator):
    good = {"store": "ST01", "business_date": "20260901", "ean": "2000000000015", "line_type": "SALE", "qty": "2", "unit_price": "1.50", "net_amount": "3.00"}
    _raw_table(
        con,
        "pos_sales",
        [
            good,  # 1 valid
            {**good, "line_type": "RETURN", "qty": "-1", "net_amount": "-1.50"},  # 2 valid: returns are negative
            {**good, "qty": "-2", "business_date": "20260902"},  # 3 negative SALE
            {**good, "ean": "2999999999999", "business_date": "20260903"},  # 4 unknown barcode
            {**good, "business_date": "20560901"},  # 5 in the future
            {**good, "qty": "2..0", "business_date": "20260904"},  # 6 malformed number
            {**good, "ean": None, "business_date": "20260905"},  # 7 missing barcode
            good,  # 8 duplicate of row 1
            {**good, "qty": "0", "net_amount": "0.00", "business_date": "20260906"},  # 9 valid: bounds are inclusive
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
    old = {"store": "ST01", "business_date": "20260901", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(con, "pos_sales", [old, {**old, "business_date": "20560901"}])
    outcome = validate_source(con, "pos_sales", AS_OF, evaluator=evaluator)
    assert outcome.freshness["newest"] == "2026-09-01 00:00:00" and not outcome.freshness["passed"]


def test_quarantine_is_replaced_per_source_not_appended(con):
    _raw_table(con, "pos_sales", [{"store": "ST01", "business_date": "20260901", "ean": None, "line_type": "SALE", "qty": "1", "unit_price": "1"}])
    outcome = validate_source(con, "pos_sales", AS_OF)
    write_quarantine(con, outcome)
    write_quarantine(con, outcome)
    assert con.execute("SELECT count(*) FROM governance.quarantine").fetchone()[0] == 1


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_impossible_dates_and_codes_outside_their_validity_are_quarantined(con, evaluator):
    good = {"store": "ST01", "business_date": "20260901", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(
        con,
        "pos_sales",
        [
            good,  # 1 valid
            {**good, "business_date": "20260231"},  # 2 there is no 31 February
            {**good, "business_date": "20251231"},  # 3 the barcode maps to an item only from 01/01/2026
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
    mapping = {"system": "WMS", "external_code": "W-1", "item_code": "A", "valid_from": "01/01/2026", "valid_to": "30/06/2026"}
    _raw_table(
        con,
        "erp_item_xref",
        [
            mapping,  # 1
            {**mapping, "item_code": "B", "valid_from": "01/07/2026", "valid_to": None},  # 2 valid: starts after 1 ends
            {**mapping, "item_code": "C", "valid_from": "15/08/2026", "valid_to": None},  # 3 while 2 is still valid
            {**mapping, "external_code": "W-2", "valid_to": "10/01/2026"},  # 4
            {**mapping, "external_code": "W-2", "valid_from": "10/01/2026", "valid_to": None},  # 5 on 4's last day
            {**mapping, "external_code": "W-3"},  # 6 valid: another code
        ],
    )
    outcome = validate_source(con, "erp_item_xref", AS_OF, evaluator=evaluator)
    found = {(int(r.row_number), r.rule): r.reason for r in outcome.quarantine.itertuples()}
    assert set(found) == {(3, "overlapping_period"), (5, "overlapping_period")}
    assert found[(3, "overlapping_period")].startswith(
        "WMS code W-1 to item C from 15/08/2026 overlaps its mapping to item B from 01/07/2026 (pos/x.csv row 2)"
    )


def test_validating_in_chunks_finds_the_same_rows(con):
    good = {"store": "ST01", "business_date": "20260901", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    rows = [{**good, "business_date": f"202609{d:02d}"} for d in range(3, 31)]
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
    good = {"store": "ST01", "business_date": "20260901", "ean": "2000000000015", "line_type": "SALE", "qty": "1", "unit_price": "1.50"}
    _raw_table(con, "pos_sales", [good, {**good, "ean": None, "business_date": "20260902"}])  # pos/x.csv: row 2 has no barcode
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
            load_source(con, contract, landing, tmp_path / "rejected", AS_OF)
            by_gx = validate_source(con, source, AS_OF)
            by_sql = validate_source(con, source, AS_OF, evaluator="sql")
            assert_same_quarantine(by_gx, by_sql)
            assert (by_sql.rows, by_sql.freshness, by_sql.schema_ok) == (by_gx.rows, by_gx.freshness, by_gx.schema_ok), source
            write_quarantine(con, by_gx)
        quarantined = con.execute("SELECT count(DISTINCT source) FROM governance.quarantine").fetchone()[0]
    assert quarantined >= 5  # the tiny company's deliberate defects: the comparison covers real entries
