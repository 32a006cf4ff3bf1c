"""The data docs' validation results: the pipeline's verdict, not a second evaluation.

The contracts are evaluated in SQL (``validate.py``, ``sql_evaluator.py``) and every row a rule
held back is in ``governance.quarantine``. A source's validation page reports that verdict in
Great Expectations' terms, expectation by expectation: the rows of the raw table, how many a rule
held back and their most frequent values; the schema expectation observes the raw table's
columns, the freshness expectation its newest row not after the as-of time (as the frame's
freshness column). So the pages agree with ``quarantine.html`` and with what flowed on by
construction, no rule is evaluated twice with two semantics, and no table is read into memory.

A row held back as malformed (``row_problems``) has one quarantine entry of its own, not one per
rule its odd values break: it is counted under no expectation here, and listed in ``quarantine.html``.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

from data_contracts.docs_site import has_quarantine
from data_contracts.frame import QUARANTINE_TABLE, freshness_sql
from data_contracts.model import Contract
from data_contracts.suites import FRESHNESS_RULE, SCHEMA_RULE

if TYPE_CHECKING:
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier

# Values shown per expectation, most frequent first (GX's default partial_unexpected_count).
EXAMPLE_VALUES = 20
EVALUATED_BY = "Planline's SQL evaluator (data_contracts/sql_evaluator.py): the rows held back are in governance.quarantine"


def _rows_held(con: duckdb.DuckDBPyConnection, source: str) -> dict[tuple[str, str], int]:
    """Rows held back per (rule, column) of the source."""
    sql = f"SELECT rule, column_name, count(DISTINCT (source_file, row_number)) FROM {QUARANTINE_TABLE} WHERE source = ? GROUP BY ALL"
    return {(rule, column): count for rule, column, count in con.execute(sql, [source]).fetchall()}


def _values_held(con: duckdb.DuckDBPyConnection, source: str) -> dict[tuple[str, str], list[tuple[str | None, int]]]:
    """The most frequent bad values per (rule, column) of the source, with their counts."""
    sql = f"""SELECT rule, column_name, bad_value, n FROM (
                  SELECT rule, column_name, bad_value, count(*) AS n FROM {QUARANTINE_TABLE} WHERE source = ? GROUP BY rule, column_name, bad_value)
              QUALIFY row_number() OVER (PARTITION BY rule, column_name ORDER BY n DESC, bad_value NULLS FIRST) <= {EXAMPLE_VALUES}
              ORDER BY rule, column_name, n DESC, bad_value NULLS FIRST"""
    values: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
    for rule, column, value, count in con.execute(sql, [source]).fetchall():
        values.setdefault((rule, column), []).append((value, count))
    return values


def _row_result(rows: int, held: int, values: list[tuple[str | None, int]]) -> dict:
    share = 100 * held / rows if rows else 0.0
    return {
        "element_count": rows,
        "unexpected_count": held,
        "unexpected_percent": share,
        "unexpected_percent_total": share,
        "partial_unexpected_list": [value for value, count in values for _ in range(count)][:EXAMPLE_VALUES],
        "partial_unexpected_counts": [{"value": value, "count": count} for value, count in values],
    }


def _table_columns(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """The raw table's source columns (the loader's own, ``_source_file``..., left out)."""
    schema, table = contract.table.split(".")
    sql = "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position"
    return [name for (name,) in con.execute(sql, [schema, table]).fetchall() if not name.startswith("_")]


def _newest(con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime) -> datetime | None:
    return con.execute(f"SELECT max({freshness_sql(contract)}) FROM {contract.table} r", {"as_of": as_of}).fetchone()[0]


def _last_validated(con: duckdb.DuckDBPyConnection, source: str) -> str | None:
    """When the pipeline last validated rows of the source's new files (the load log's), if known."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = '_load_log'").fetchone()[0]:
        return None
    latest = con.execute("SELECT max(validated_at) FROM raw._load_log WHERE source = ?", [source]).fetchone()[0]
    return latest.isoformat(sep=" ") if latest else None


def validation_result(
    con: duckdb.DuckDBPyConnection, contract: Contract, suite: gx.ExpectationSuite, as_of: datetime, run_id: RunIdentifier
) -> ExpectationSuiteValidationResult:
    """The source's validation in the warehouse ``con`` (its raw table and the quarantine), as a
    Great Expectations result of ``suite`` (``suites.build_suite(contract)``)."""
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult

    rows = con.execute(f"SELECT count(*) FROM {contract.table}").fetchone()[0]
    held, values = (_rows_held(con, contract.source), _values_held(con, contract.source)) if has_quarantine(con) else ({}, {})
    fresh_after = as_of - timedelta(hours=contract.freshness_hours)
    results = []
    for expectation in suite.expectations:
        config = copy.deepcopy(expectation.configuration)
        rule = config.meta["rule"]
        if rule == SCHEMA_RULE:
            observed = _table_columns(con, contract)
            missing = [c for c in contract.columns if c not in observed]
            success, result = not missing, {"observed_value": observed, "details": {"mismatched": {"missing": missing}} if missing else {}}
        elif rule == FRESHNESS_RULE:
            newest = _newest(con, contract, as_of)
            config.kwargs["min_value"] = fresh_after.isoformat(sep=" ")  # the parameter's value at this as-of time
            success, result = newest is not None and newest >= fresh_after, {"observed_value": newest.isoformat(sep=" ") if newest else None}
        else:
            key = (rule, config.kwargs["column"])
            success, result = key not in held, _row_result(rows, held.get(key, 0), values.get(key, []))
        results.append(ExpectationValidationResult(success=success, expectation_config=config, result=result))
    passed = sum(r.success for r in results)
    return ExpectationSuiteValidationResult(
        success=passed == len(results),
        results=results,
        suite_name=suite.name,
        suite_parameters={"fresh_after": fresh_after.isoformat(sep=" ")},
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100 * passed / len(results),
        },
        meta={
            "run_id": run_id,
            "validation_time": run_id.run_time,
            "batch_spec": {
                "data_asset_name": contract.source,
                "table": contract.table,
                "rows": rows,
                "evaluated_by": EVALUATED_BY,
                "last_validated_at": _last_validated(con, contract.source),
            },
            "active_batch_definition": {"datasource_name": "planline_warehouse", "data_asset_name": contract.source},
        },
    )
