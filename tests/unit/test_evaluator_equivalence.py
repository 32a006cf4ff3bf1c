"""The validation frame's duplicate rule found by grouping (``frame.validation_sql``) quarantines
exactly what the window over every row it replaced did: the same entries (file, row, rule, column,
bad value, reason), rows and freshness for every source of the tiny demo company, in a full
validation and in incremental ones, on the company's files and on re-sent rows added to them
(repeats and changed payloads, earlier and later deliveries, empty keys)."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from data_contracts import validate
from data_contracts.frame import expand_valid, freshness_sql, scope_sql
from data_contracts.model import PATH_PROBLEM, UNPARSED, Contract
from data_contracts.registry import CONTRACTS
from data_contracts.validate import ensure_governance_schema, validate_source, write_quarantine

AS_OF = datetime(2026, 9, 30, 21, 0)
LOADED = datetime(2026, 9, 29, 23, 0)
ENTRY = ["source_file", "row_number", "rule", "column_name", "bad_value", "reason"]
LATER_FILE, EARLIER_FILE = "zz_resent.csv", "00_resent.csv"


def _old_payload_changes(contract: Contract) -> str:
    changes = ", ".join(
        f"CASE WHEN r.{c} IS DISTINCT FROM first_value(r.{c}) OVER w THEN "
        f"'{c} ' || coalesce(first_value(r.{c}) OVER w, 'empty') || ' -> ' || coalesce(r.{c}, 'empty') END"
        for c in contract.columns
        if c not in contract.key
    )
    return f"coalesce(', re-sent with a different payload (' || nullif(concat_ws('; ', {changes}), '') || ')', '')" if changes else "''"


def old_validation_sql(contract: Contract, incremental: bool = False) -> str:
    """The frame as built before: the duplicate of a key found by a window over every row."""
    columns = ", ".join(f"r.{c}" for c in contract.columns)
    expressions = {**contract.derived, **{rule.column: rule.sql for rule in contract.rules if rule.sql}}
    if contract.timestamp_column:
        expressions["_freshness_ts"] = freshness_sql(contract)
    derived = "".join(f",\n  {expand_valid(expr)} AS {name}" for name, expr in expressions.items())
    rows = contract.table
    if contract.key:
        key = ", ".join(f"r.{c}" for c in contract.key)
        complete = " AND ".join(f"r.{c} IS NOT NULL" for c in contract.key if c not in contract.key_may_be_empty) or "TRUE"
        candidates = contract.table
        if incremental:
            same_key = " AND ".join(f"s.{c} IS NOT DISTINCT FROM r.{c}" if c in contract.key_may_be_empty else f"s.{c} = r.{c}" for c in contract.key)
            candidates = (
                f"(SELECT * FROM {contract.table} r WHERE {scope_sql(contract.source)} "
                f"OR EXISTS (SELECT 1 FROM {contract.table} s WHERE {same_key} AND {scope_sql(contract.source, 's')}))"
            )
        rows = (
            f"(SELECT r.*, CASE WHEN {complete} AND row_number() OVER w > 1 THEN "
            f"first_value(r._source_file) OVER w || ' row ' || first_value(r._row_number) OVER w || {_old_payload_changes(contract)} END AS _duplicate_of\n"
            f"FROM {candidates} r WINDOW w AS (PARTITION BY {key} ORDER BY r._loaded_at, r._source_file, r._row_number))"
        )
        derived += ",\n  r._duplicate_of"
    if incremental:
        rows = f"(SELECT * FROM {rows} r WHERE {scope_sql(contract.source)})"
    joins = "".join(f"\n{expand_valid(j)}" for j in contract.joins)
    return f"SELECT r._source_file, r._row_number, r.{UNPARSED}, r.{PATH_PROBLEM}, {columns}{derived}\nFROM {rows} r{joins}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, tiny_landing):
    """Every source of the tiny demo company loaded by the loader and validated (master data
    first), then re-sent rows added to each raw table: later and earlier deliveries of its first
    rows, some with a changed payload, and rows with an empty key."""
    from data_contracts.company import load_company
    from data_contracts.company.export import write_company_tables
    from orchestration.ingestion.loader import ensure_raw_tables, load_source

    landing, _ = tiny_landing
    company = load_company(landing.parent / "company")
    con = duckdb.connect(str(tmp_path_factory.mktemp("equivalence") / "warehouse.duckdb"))
    write_company_tables(con, company.company)
    ensure_governance_schema(con)
    for contract in CONTRACTS.values():
        ensure_raw_tables(con, contract)
    for source, contract in CONTRACTS.items():
        if source in company.mappings:
            load_source(con, contract, landing, None, LOADED, mapping=company.mappings[source], business_timezone=company.company.business_timezone)
        write_quarantine(con, validate_source(con, source, AS_OF))
    for contract in CONTRACTS.values():
        _resend(con, contract)
    yield con
    con.close()


def _resend(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    table, payload = contract.table, [c for c in contract.columns if c not in contract.key]
    changed = f"{payload[0]} || '-changed' AS {payload[0]}" if payload else None
    first = f"FROM {table} WHERE _source_file = (SELECT min(_source_file) FROM {table}) AND _row_number <= 6"
    later = f"TIMESTAMP '{LOADED + timedelta(hours=1)}'"
    earlier = f"TIMESTAMP '{LOADED - timedelta(days=1)}'"
    # rows 1-3 re-sent as they were, rows 4-6 with a changed payload; later, and earlier (the demo's rows then become the duplicates)
    for file, loaded in ((LATER_FILE, later), (EARLIER_FILE, earlier)):
        for rows, replace in (("_row_number <= 3", None), ("_row_number > 3", changed)):
            replaced = ", ".join([*([replace] if replace else []), f"'{file}' AS _source_file", "_row_number + 100 AS _row_number", f"{loaded} AS _loaded_at"])
            con.execute(f"INSERT INTO {table} BY NAME SELECT * REPLACE ({replaced}) FROM (SELECT * {first}) WHERE {rows}")
    if contract.key:  # two rows alike with every key column empty, one with a single key column empty
        empty = ", ".join(f"NULL AS {c}" for c in contract.key)
        for row_number, replace in ((200, empty), (201, empty), (202, f"NULL AS {contract.key[0]}")):
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * REPLACE ({replace}, '{LATER_FILE}' AS _source_file, {row_number} AS _row_number, {later} AS _loaded_at) "
                f"FROM {table} WHERE _source_file <> '{LATER_FILE}' AND _source_file <> '{EARLIER_FILE}' LIMIT 1"
            )


def _entries(outcome: validate.ValidationOutcome) -> pd.DataFrame:
    return outcome.quarantine[ENTRY].sort_values(ENTRY).reset_index(drop=True)


def _both(con, monkeypatch, source: str, scope_files: list[str] | None):
    with monkeypatch.context() as patched:
        patched.setattr(validate, "validation_sql", old_validation_sql)
        before = validate_source(con, source, AS_OF, scope_files)
    return before, validate_source(con, source, AS_OF, scope_files)


@pytest.mark.parametrize("source", list(CONTRACTS))
def test_the_frame_quarantines_what_the_window_did(warehouse, monkeypatch, source):
    con = warehouse
    files = [f for (f,) in con.execute(f"SELECT DISTINCT _source_file FROM raw.{source} ORDER BY 1").fetchall()]
    before, after = _both(con, monkeypatch, source, None)
    pd.testing.assert_frame_equal(_entries(after), _entries(before))
    assert (after.rows, after.freshness, after.schema_ok) == (before.rows, before.freshness, before.schema_ok)
    contract = CONTRACTS[source]
    if contract.key and files:  # the re-sent rows are judged, and a changed payload is named
        assert "duplicate_row" in after.rule_counts
        first_file_rows = con.execute(f"SELECT count(*) FROM raw.{source} WHERE _source_file = ?", [files[1] if len(files) > 1 else files[0]]).fetchone()[0]
        if len(contract.columns) > len(contract.key) and first_file_rows > 3:
            assert after.quarantine["reason"].str.contains("re-sent with a different payload").any()
    write_quarantine(con, after)  # an incremental validation re-checks the rows in quarantine
    for scope in ([LATER_FILE], files[:1], files[-1:], []):
        before, after = _both(con, monkeypatch, source, scope)
        pd.testing.assert_frame_equal(_entries(after), _entries(before))
        assert (after.rows, after.freshness) == (before.rows, before.freshness), scope
