"""Run a source's contract on its raw table and turn every failing row into a quarantine entry.

The validation frame (``frame.py``) is the raw table plus the contract's typed and problem
columns, computed in SQL inside the warehouse; ``sql_evaluator`` checks every rule of the
contract on it in SQL too, for a full load as for a day's increment. It is the only evaluator:
Great Expectations states the same contracts as expectation suites for the data docs
(``suites.py``, ``docs.py``) and never decides what is quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from data_contracts import sql_evaluator
from data_contracts.frame import QUARANTINE_TABLE, scope_sql, validation_sql
from data_contracts.model import Contract
from data_contracts.registry import contract_for
from data_contracts.row_problems import with_parse_problems

QUARANTINE_COLUMNS = ["source", "source_file", "row_number", "rule", "column_name", "bad_value", "reason", "detected_at"]


@dataclass
class ValidationOutcome:
    """Result of one source's contract.

    Attributes:
        source: source name.
        rows: rows validated (rows read).
        quarantine: one row per broken rule and row (QUARANTINE_COLUMNS).
        rule_counts: quarantined rows per rule.
        freshness: newest timestamp, threshold and whether it passed (None without a timestamp).
        schema_ok: the table has every column of the contract.
    """

    source: str
    rows: int
    quarantine: pd.DataFrame
    rule_counts: dict[str, int] = field(default_factory=dict)
    freshness: dict | None = None
    schema_ok: bool = True

    @property
    def quarantined_rows(self) -> int:
        return int(self.quarantine[["source_file", "row_number"]].drop_duplicates().shape[0]) if len(self.quarantine) else 0

    @property
    def quarantine_share(self) -> float:
        return self.quarantined_rows / self.rows if self.rows else 0.0


def ensure_governance_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS governance")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
            source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, row_number BIGINT NOT NULL,
            rule VARCHAR NOT NULL, column_name VARCHAR, bad_value VARCHAR, reason VARCHAR NOT NULL,
            detected_at TIMESTAMP NOT NULL)"""
    )


def validate_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    as_of: datetime,
    scope_files: list[str] | None = None,
) -> ValidationOutcome:
    """Validate ``raw.<source>`` against its contract, in SQL (``sql_evaluator``); nothing is written.

    With ``scope_files`` the validation is incremental: only the rows of those files and the rows
    in quarantine now are checked (the others passed before and cannot have changed), and ``rows``
    counts the checked rows.
    """
    contract = contract_for(source)
    detected_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    newest = []
    if scope_files is not None and contract.timestamp_column:
        newest += _newest_outside_scope(con, contract, as_of, scope_files)
    sql = validation_sql(contract, incremental=scope_files is not None)
    rows, failures, latest, schema_ok = sql_evaluator.evaluate(con, contract, sql, _bindings(sql, as_of, scope_files), as_of)
    quarantine = failures.assign(source=source, detected_at=detected_at)[QUARANTINE_COLUMNS]
    newest += [latest] if latest is not None else []
    freshness = None
    if contract.timestamp_column:
        latest = max(newest) if newest else None
        fresh_after = as_of - timedelta(hours=contract.freshness_hours)
        freshness = {"newest": str(latest), "fresh_after": str(fresh_after), "passed": latest is not None and latest >= fresh_after}
    quarantine = with_parse_problems(con, contract, quarantine, scope_files, detected_at)  # one entry per malformed row
    counts = quarantine.drop_duplicates(["source_file", "row_number", "rule"]).groupby("rule").size().to_dict() if len(quarantine) else {}
    return ValidationOutcome(source, rows, quarantine, {k: int(v) for k, v in counts.items()}, freshness, schema_ok)


def _bindings(sql: str, as_of: datetime, scope_files: list[str] | None) -> dict | None:
    values = {"as_of": as_of, "scope_files": scope_files}
    return {name: value for name, value in values.items() if f"${name}" in sql} or None


def _newest_outside_scope(con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime, scope_files: list[str]) -> list[pd.Timestamp]:
    """Newest timestamp of the rows an incremental validation does not look at (valid ones)."""
    ts = contract.derived[contract.timestamp_column]
    sql = f"SELECT max({ts}) FROM {contract.table} r WHERE {ts} <= $as_of AND NOT {scope_sql(contract.source)}"
    newest = con.execute(sql, {"as_of": as_of, "scope_files": scope_files}).fetchone()[0]
    return [pd.Timestamp(newest)] if newest is not None else []


def write_quarantine(con: duckdb.DuckDBPyConnection, outcome: ValidationOutcome) -> None:
    """Replace the source's quarantine entries with this validation's, in one transaction.

    A validation, full or incremental, re-checks every row in quarantine, so its entries replace
    all of the source's; an entry found again keeps the time it was first detected.
    """
    ensure_governance_schema(con)
    columns = ", ".join(f"n.{c}" for c in QUARANTINE_COLUMNS if c != "detected_at")
    con.execute("BEGIN TRANSACTION")
    try:
        if not len(outcome.quarantine):
            con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE source = ?", [outcome.source])
            con.execute("COMMIT")
            return
        con.register("new_quarantine", outcome.quarantine)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE quarantine_update AS
                SELECT {columns}, coalesce(o.detected_at, n.detected_at) AS detected_at
                FROM new_quarantine n LEFT JOIN {QUARANTINE_TABLE} o
                  ON o.source = n.source AND o.source_file = n.source_file AND o.row_number = n.row_number
                  AND o.rule = n.rule AND o.column_name IS NOT DISTINCT FROM n.column_name"""
        )
        con.unregister("new_quarantine")
        con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE source = ?", [outcome.source])
        con.execute(f"INSERT INTO {QUARANTINE_TABLE} SELECT {', '.join(QUARANTINE_COLUMNS)} FROM quarantine_update")
        con.execute("DROP TABLE quarantine_update")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
