"""Run a source's contract on its raw table and turn every failing row into a quarantine entry.

The validation frame (``frame.py``) is the raw table plus the contract's typed and problem
columns, computed in SQL inside the warehouse. Two evaluators check it and give the same
entries: Great Expectations runs the suite on the frame's chunks and returns every failing row
(``COMPLETE`` result format with the row's file, number and ``_unparsed`` as index columns);
``sql_evaluator`` compiles the same rules into SQL, which daily increments use (GX's start-up
costs more than a day's rows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal

import duckdb
import pandas as pd

from data_contracts import sql_evaluator
from data_contracts.frame import QUARANTINE_TABLE, expand_valid, scope_sql, validation_sql
from data_contracts.model import UNPARSED, Contract
from data_contracts.registry import contract_for
from data_contracts.row_problems import with_parse_problems
from data_contracts.suites import FRESHNESS_RULE, SCHEMA_RULE, suite_for

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


def validation_frame(con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime) -> pd.DataFrame:
    """The whole validation frame at once (for the data docs of a source that fits in memory)."""
    sql = validation_sql(contract)
    return _as_ns(con.execute(sql, {"as_of": as_of} if "$as_of" in sql else None).df())


def parameters(con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime) -> dict:
    values = {name: [row[0] for row in con.execute(expand_valid(sql)).fetchall()] for name, sql in contract.parameters.items()}
    values["as_of"] = as_of
    values["fresh_after"] = as_of - timedelta(hours=contract.freshness_hours)
    return values


@lru_cache(maxsize=1)
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)  # no usage statistics: the context's setting, not GX_ANALYTICS_ENABLED written into the environment
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("planline_raw").add_dataframe_asset("raw_table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["_source_file", "_row_number", UNPARSED],  # the row's _unparsed: the notation a reason expects
    "return_unexpected_index_query": False,
}


def run_suite(frame: pd.DataFrame, source: str, params: dict):
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite_for(source), result_format=RESULT_FORMAT, expectation_parameters=params)


def _raised(result) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return info.get("exception_message")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return value.get("exception_message")
    return None


# Rows validated at a time: the frame of a big source would not fit in memory whole.
CHUNK_ROWS = 1_000_000


def _as_ns(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps in nanoseconds (GX's fast path needs them); a typed date pandas cannot hold
    (year 0001, 9999) becomes NaT instead of crashing the run: no rule reads typed dates in
    pandas (the date rules' verdicts are computed in SQL), and such a row is quarantined anyway."""
    bounds = (pd.Timestamp.min, pd.Timestamp.max)
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            values = frame[column]
            if values.dtype != "datetime64[ns]":
                values = values.where(values.between(*bounds))
            frame[column] = values.astype("datetime64[ns]")
    return frame


def _bindings(sql: str, as_of: datetime, scope_files: list[str] | None) -> dict | None:
    values = {"as_of": as_of, "scope_files": scope_files}
    return {name: value for name, value in values.items() if f"${name}" in sql} or None


def validation_chunks(con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime, chunk_rows: int = CHUNK_ROWS, scope_files: list[str] | None = None):
    """The validation frame in chunks of about ``chunk_rows`` rows (cross-row columns are computed
    over the whole table in SQL first, so each chunk can be checked on its own)."""
    sql = validation_sql(contract, incremental=scope_files is not None)
    result = con.execute(sql, _bindings(sql, as_of, scope_files))
    while True:
        chunk = result.fetch_df_chunk(max(1, chunk_rows // 2048))
        if chunk.empty:
            return
        yield _as_ns(chunk)


def _expected(meta: dict, unparsed: str | None) -> str:
    """The notation a format rule's field is expected in: the row's ``_unparsed`` entry for the
    field (the company's notation), else the canonical one (as ``sql_evaluator.expected_sql``)."""
    if not meta.get("field"):
        return ""
    entry = json.loads(unparsed).get(meta["field"]) if isinstance(unparsed, str) else None
    return meta["expected"] if entry is None else entry if isinstance(entry, str) else json.dumps(entry)


def _entries(result, source: str, detected_at: datetime) -> list[tuple]:
    meta = result.expectation_config.meta
    column = meta["column"]
    out = []
    for row in result.result.get("unexpected_index_list") or []:
        value = row.get(column)
        value = None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        reason = meta["reason"].format(value=value if value is not None else "", column=column, expected=_expected(meta, row.get(UNPARSED)))
        out.append((source, row["_source_file"], int(row["_row_number"]), meta["rule"], column, value, reason, detected_at))
    return out


Evaluator = Literal["gx", "sql"]


def validate_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    as_of: datetime,
    chunk_rows: int = CHUNK_ROWS,
    scope_files: list[str] | None = None,
    evaluator: Evaluator = "gx",
) -> ValidationOutcome:
    """Validate ``raw.<source>`` against its contract; nothing is written.

    With ``scope_files`` the validation is incremental: only the rows of those files and the rows
    in quarantine now are checked (the others passed before and cannot have changed), and ``rows``
    counts the checked rows.

    ``evaluator``: ``gx`` runs the Great Expectations suite chunk by chunk; ``sql`` evaluates the
    same rules in the warehouse (``sql_evaluator``), for increments too small to be worth GX's
    start-up. Both give the same quarantine entries.
    """
    contract = contract_for(source)
    detected_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    newest = []
    if scope_files is not None and contract.timestamp_column:
        newest += _newest_outside_scope(con, contract, as_of, scope_files)
    if evaluator == "sql":
        sql = validation_sql(contract, incremental=scope_files is not None)
        rows, failures, latest, schema_ok = sql_evaluator.evaluate(con, contract, sql, _bindings(sql, as_of, scope_files), as_of)
        quarantine = failures.assign(source=source, detected_at=detected_at)[QUARANTINE_COLUMNS]
        newest += [latest] if latest is not None else []
    elif evaluator == "gx":
        rows, quarantine, gx_newest, schema_ok = _evaluate_gx(con, contract, as_of, chunk_rows, scope_files, detected_at)
        newest += gx_newest
    else:
        raise ValueError(f"unknown evaluator {evaluator!r}: 'gx' or 'sql'")
    freshness = None
    if contract.timestamp_column:
        latest = max(newest) if newest else None
        fresh_after = as_of - timedelta(hours=contract.freshness_hours)
        freshness = {"newest": str(latest), "fresh_after": str(fresh_after), "passed": latest is not None and latest >= fresh_after}
    quarantine = with_parse_problems(con, contract, quarantine, scope_files, detected_at)  # one entry per malformed row
    counts = quarantine.drop_duplicates(["source_file", "row_number", "rule"]).groupby("rule").size().to_dict() if len(quarantine) else {}
    return ValidationOutcome(source, rows, quarantine, {k: int(v) for k, v in counts.items()}, freshness, schema_ok)


def _evaluate_gx(
    con: duckdb.DuckDBPyConnection, contract: Contract, as_of: datetime, chunk_rows: int, scope_files: list[str] | None, detected_at: datetime
) -> tuple[int, pd.DataFrame, list[pd.Timestamp], bool]:
    """Run the suite on the frame's chunks: rows checked, quarantine entries, newest freshness
    timestamps, whether the schema holds."""
    params = parameters(con, contract, as_of)  # before the frame's query holds the connection
    entries, newest, rows, schema_ok = [], [], 0, True
    for chunk in validation_chunks(con, contract, as_of, chunk_rows, scope_files):
        rows += len(chunk)
        for result in run_suite(chunk, contract.source, params).results:
            meta = result.expectation_config.meta or {}
            error = _raised(result)
            if error:  # a broken contract is a bug to fix, never a silent pass
                raise RuntimeError(f"contract {contract.source}: rule {meta.get('rule')} on {meta.get('column')} could not be evaluated: {error}")
            if meta.get("rule") == FRESHNESS_RULE:
                observed = result.result.get("observed_value")
                if observed is not None and not pd.isna(observed):
                    newest.append(pd.Timestamp(observed))
            elif meta.get("rule") == SCHEMA_RULE:
                schema_ok &= bool(result.success)
            elif not result.success:
                entries += _entries(result, contract.source, detected_at)
    return rows, pd.DataFrame(entries, columns=QUARANTINE_COLUMNS), newest, schema_ok


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
