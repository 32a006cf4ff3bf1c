"""The validation frame: a raw table plus its contract's typed and problem columns, in SQL.

The frame keeps the row's file, number and ``_unparsed`` (the fields not written as the source
mapping says, with the notation expected): the reasons of format rules name that notation.

Lookups read master data that passed its own contract (``VALID(source)`` in a contract's SQL).
Cross-row columns (the duplicate of a key) are computed over the table before any row is
checked, so an incremental validation can check the rows in scope alone (``sql_evaluator``).
"""

from __future__ import annotations

import re

from data_contracts.fields import EARLIEST_DATE
from data_contracts.model import PATH_PROBLEM, UNPARSED, Contract

QUARANTINE_TABLE = "governance.quarantine"
# Timestamp of the rows that are not in the future: the newest is the source's freshness.
FRESHNESS_COLUMN = "_freshness_ts"
_VALID = re.compile(r"\bVALID\((\w+)\)")


def valid_rows_sql(source: str) -> str:
    """Rows of a raw table that no contract rule quarantined."""
    return (
        f"(SELECT * FROM raw.{source} v WHERE NOT EXISTS (SELECT 1 FROM {QUARANTINE_TABLE} q "
        f"WHERE q.source = '{source}' AND q.source_file = v._source_file AND q.row_number = v._row_number))"
    )


def expand_valid(sql: str) -> str:
    """``sql`` with every ``VALID(source)`` replaced by the source's rows that passed their contract."""
    return _VALID.sub(lambda m: valid_rows_sql(m.group(1)), sql)


def scope_sql(source: str, alias: str = "r") -> str:
    """Rows (of ``alias``) an incremental validation looks at: those of the files ``$scope_files``
    (new or re-exported) and those in quarantine now (master data may have been fixed since)."""
    return (
        f"(list_contains($scope_files, {alias}._source_file) OR EXISTS (SELECT 1 FROM {QUARANTINE_TABLE} q "
        f"WHERE q.source = '{source}' AND q.source_file = {alias}._source_file AND q.row_number = {alias}._row_number))"
    )


def _payload_changes(contract: Contract) -> str:
    """SQL over a duplicate ``r`` and its key's first occurrence (the struct ``d._first``) naming
    the fields whose value differs from the first occurrence's (", re-sent with a different payload
    (qty 5 -> 7)"), else '': a re-sent row that changes a value must not read like a plain repeat,
    since only the first occurrence flows on."""
    changes = ", ".join(
        f"CASE WHEN r.{c} IS DISTINCT FROM d._first.{c} THEN '{c} ' || coalesce(d._first.{c}, 'empty') || ' -> ' || coalesce(r.{c}, 'empty') END"
        for c in _payload_columns(contract)
    )
    return f"coalesce(', re-sent with a different payload (' || nullif(concat_ws('; ', {changes}), '') || ')', '')" if changes else "''"


def _payload_columns(contract: Contract) -> list[str]:
    return [c for c in contract.columns if c not in contract.key]


def _first_occurrences(contract: Contract, candidates: str) -> str:
    """SQL: per key of the rows ``candidates`` (a table or CTE name), ``_first``: the struct of its
    first occurrence (file, row number and payload), earliest by load time, then file and row
    number, and ``_n``: its number of rows. A grouping, not a window over the rows: DuckDB's window
    carries every column of every row through its sort (about 20 ms for 1,000 events)."""
    key = ", ".join(f"r.{c}" for c in contract.key)
    fields = ", ".join(f"'{c}': r.{c}" for c in ["_source_file", "_row_number", *_payload_columns(contract)])
    return f"SELECT {key}, arg_min({{{fields}}}, (r._loaded_at, r._source_file, r._row_number)) AS _first, count(*) AS _n FROM {candidates} r GROUP BY {key}"


def freshness_sql(contract: Contract) -> str:
    """SQL over a raw row ``r``: its timestamp when it can have happened, else null (``$as_of`` bound).

    Freshness looks at such rows only: future-dated rows are quarantined anyway, and so are dates
    before the earliest plausible one (year 0001)."""
    ts = contract.derived[contract.timestamp_column]
    return f"CASE WHEN {ts} <= $as_of AND {ts} >= TIMESTAMP '{EARLIEST_DATE.isoformat()}' THEN {ts} END"


def validation_sql(contract: Contract, incremental: bool = False) -> str:
    """SQL of the validation frame; ``$as_of`` is bound when the contract has a timestamp,
    ``$scope_files`` when ``incremental``.

    A duplicate is a row whose key an earlier row already has: earlier by load time, then file and
    row number, so that rows already validated never become duplicates of rows delivered later
    (an incremental validation then agrees with a full one). Rows alike in a key column that may
    be empty are alike whether empty or not (``IS NOT DISTINCT FROM``).
    """
    columns = ", ".join(f"r.{c}" for c in contract.columns)
    expressions = {**contract.derived, **{rule.column: rule.sql for rule in contract.rules if rule.sql}}
    if contract.timestamp_column:
        expressions[FRESHNESS_COLUMN] = freshness_sql(contract)
    derived = "".join(f",\n  {expand_valid(expr)} AS {name}" for name, expr in expressions.items())
    rows = contract.table
    if contract.key:
        complete = " AND ".join(f"r.{c} IS NOT NULL" for c in contract.key if c not in contract.key_may_be_empty) or "TRUE"
        candidates = contract.table
        if incremental:  # a row in scope can only duplicate a row with its key: leave the others out
            same_key = " AND ".join(f"s.{c} IS NOT DISTINCT FROM r.{c}" if c in contract.key_may_be_empty else f"s.{c} = r.{c}" for c in contract.key)
            candidates = (
                f"(SELECT * FROM {contract.table} r WHERE {scope_sql(contract.source)} "
                f"OR EXISTS (SELECT 1 FROM {contract.table} s WHERE {same_key} AND {scope_sql(contract.source, 's')}))"
            )
        same_group = " AND ".join(f"d.{c} IS NOT DISTINCT FROM r.{c}" for c in contract.key)
        # a row is a duplicate when its key has an earlier row: it is not its key's first occurrence
        # (a file's row number is unique, so the first occurrence is one row)
        later = "d._n > 1 AND NOT (r._source_file = d._first._source_file AND r._row_number = d._first._row_number)"
        rows = (
            f"(WITH _candidates AS (SELECT * FROM {candidates} r)\nSELECT r.*, CASE WHEN {complete} AND {later} THEN "
            f"d._first._source_file || ' row ' || d._first._row_number || {_payload_changes(contract)} END AS _duplicate_of\n"
            f"FROM _candidates r LEFT JOIN ({_first_occurrences(contract, '_candidates')}) d ON {same_group})"
        )
        derived += ",\n  r._duplicate_of"
    if incremental:
        rows = f"(SELECT * FROM {rows} r WHERE {scope_sql(contract.source)})"
    joins = "".join(f"\n{expand_valid(j)}" for j in contract.joins)
    return f"SELECT r._source_file, r._row_number, r.{UNPARSED}, r.{PATH_PROBLEM}, {columns}{derived}\nFROM {rows} r{joins}"
