"""Evaluate a contract's rules in SQL, inside the warehouse: the one evaluator of the contracts.

Each rule kind is written here once, as the SQL condition under which a row fails it: null values
pass every rule but ``not_null``, ``between`` bounds are inclusive, and a rule's ``when``
condition keeps the rows whose column is in the listed values (the semantics of the Great
Expectations expectation ``suites.py`` states the rule as in the data docs). Patterns are no rule
kind: they are problem columns, computed in SQL with the frame. Set parameters are the contract's
own queries (anti-joins), not literal lists.

Great Expectations also evaluated the suites, on pandas frames, for master data and full
refreshes until issue 17 point 5: on the demo company's full load SQL gave the very same entries
(rule, column, bad value, reason) in a third of the time (docs/data_foundation.md, Contracts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from data_contracts.frame import FRESHNESS_COLUMN, expand_valid
from data_contracts.model import Contract, Rule
from data_contracts.sources.sql import unparsed

_FRAME = "_validation_frame"
# Mark where the bad value and the expected notation go in a reason: templates are filled in by
# SQL, not row by row.
_VALUE_MARK = "\x00value\x00"
_EXPECTED_MARK = "\x00expected\x00"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"unsupported rule parameter {value!r}")


def _bound(value: Any) -> str:
    """A ``between`` bound: a literal, or a ``$PARAMETER`` bound to the query (``as_of``)."""
    if isinstance(value, dict) and "$PARAMETER" in value:
        return f"${value['$PARAMETER']}"
    return _literal(value)


def failure_condition(rule: Rule, contract: Contract) -> str:
    """SQL over the frame ``f`` that is true where ``rule`` fails."""
    column = f"f.{_quoted(rule.column)}"
    if rule.kind == "not_null":
        condition = f"{column} IS NULL"
    elif rule.kind == "null":
        condition = f"{column} IS NOT NULL"
    elif rule.kind == "in_set":
        value_set = rule.params["value_set"]
        if isinstance(value_set, dict):  # a master-data set: anti-join with the contract's query
            query = expand_valid(contract.parameters[value_set["$PARAMETER"]])
            members = f"EXISTS (SELECT 1 FROM ({query}) p(v) WHERE p.v = {column})"
        else:
            members = f"{column} IN ({', '.join(_literal(v) for v in value_set)})" if value_set else "FALSE"
        condition = f"{column} IS NOT NULL AND NOT {members}"
    elif rule.kind == "between":
        limits = []
        if rule.params.get("min_value") is not None:
            limits.append(f"{column} < {_bound(rule.params['min_value'])}")
        if rule.params.get("max_value") is not None:
            limits.append(f"{column} > {_bound(rule.params['max_value'])}")
        condition = f"{column} IS NOT NULL AND ({' OR '.join(limits)})"
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r} in rule {rule.name!r}")
    if rule.when:
        when_column, values = rule.when
        condition = f"f.{_quoted(when_column)} IN ({', '.join(_literal(v) for v in values)}) AND ({condition})"
    return condition


def expected_sql(rule: Rule) -> str:
    """SQL over the frame ``f``: the notation the rule's field is expected in, the row's
    ``_unparsed`` entry for the field (the company's notation) or else the canonical one."""
    return f"coalesce({unparsed(rule.field, 'f')}, {_literal(rule.expected)})"


def quarantine_sql(contract: Contract) -> str:
    """One row per failing rule and row of the frame table: (source_file, row_number, rule,
    column_name, bad_value, reason)."""
    branches = []
    for rule in contract.row_rules:
        value = f"CAST(f.{_quoted(rule.column)} AS VARCHAR)"
        template = rule.reason.replace("{value}", _VALUE_MARK).replace("{expected}", _EXPECTED_MARK).format(column=rule.column)
        reason = _literal(template)
        if _EXPECTED_MARK in template:  # before the value: a value is inserted as it is, never searched
            reason = f"replace({reason}, {_literal(_EXPECTED_MARK)}, {expected_sql(rule)})"
        reason = f"replace({reason}, {_literal(_VALUE_MARK)}, coalesce({value}, ''))"
        branches.append(
            f"SELECT f._source_file AS source_file, f._row_number AS row_number, {_literal(rule.name)} AS rule, "
            f"{_literal(rule.column)} AS column_name, {value} AS bad_value, {reason} AS reason "
            f"FROM {_FRAME} f WHERE {failure_condition(rule, contract)}"
        )
    return "\nUNION ALL\n".join(branches)


def evaluate(
    con: duckdb.DuckDBPyConnection, contract: Contract, frame_sql: str, bindings: dict | None, as_of: datetime
) -> tuple[int, pd.DataFrame, pd.Timestamp | None, bool]:
    """Evaluate the contract on the validation frame ``frame_sql`` (see ``validate.validation_sql``).

    Returns the frame's row count, the failing rows (``quarantine_sql``'s columns, sorted by
    file, row and rule), the newest freshness timestamp (None without one) and whether the frame
    has every column of the contract.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_FRAME} AS {frame_sql}", bindings)
    try:
        frame_columns = {row[0] for row in con.execute(f"DESCRIBE {_FRAME}").fetchall()}
        newest_sql = f"max({FRESHNESS_COLUMN})" if contract.timestamp_column else "NULL"
        rows, value = con.execute(f"SELECT count(*), {newest_sql} FROM {_FRAME}").fetchone()
        newest = pd.Timestamp(value) if value is not None else None
        sql = f"SELECT * FROM ({quarantine_sql(contract)}) ORDER BY source_file, row_number, rule, column_name"
        failures = con.execute(sql, {"as_of": as_of} if "$as_of" in sql else None).df()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_FRAME}")
    return rows, failures, newest, set(contract.columns) <= frame_columns
