"""Rows whose structure is wrong, and reasons a user can read.

The file readers keep a row whose structure is broken while its file is readable (a JSON line
that is not an object, a key given twice in an object, a CSV line repeating the header of a
concatenated export) with the problem in the raw column ``_parse_problem``. Such a row gets one
quarantine entry with that problem as its reason, instead of one entry per field its odd values
break ("'status' is not an allowed value of 'status'" twelve times): the rules' entries for it
are dropped (``validate.validate_source`` calls this after the rules' evaluation).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from data_contracts.frame import scope_sql
from data_contracts.model import Contract
from data_contracts.text import visible_series

PARSE_PROBLEM = "_parse_problem"
PARSE_RULE = "malformed_row"


def _has_problem_column(con: duckdb.DuckDBPyConnection, contract: Contract) -> bool:
    schema, table = contract.table.split(".")
    sql = "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?"
    return con.execute(sql, [schema, table, PARSE_PROBLEM]).fetchone()[0] > 0


def with_parse_problems(
    con: duckdb.DuckDBPyConnection, contract: Contract, quarantine: pd.DataFrame, scope_files: list[str] | None, detected_at: datetime
) -> pd.DataFrame:
    """``quarantine`` (QUARANTINE_COLUMNS) with one entry per malformed row of the validated rows
    in place of the rules' entries for that row, and every reason's invisible characters escaped."""
    if _has_problem_column(con, contract):
        scope = f" AND {scope_sql(contract.source)}" if scope_files is not None else ""
        problems = con.execute(
            f"SELECT r._source_file AS source_file, r._row_number AS row_number, '{PARSE_RULE}' AS rule, "
            f"'{PARSE_PROBLEM}' AS column_name, CAST(NULL AS VARCHAR) AS bad_value, r.{PARSE_PROBLEM} AS reason "
            f"FROM {contract.table} r WHERE r.{PARSE_PROBLEM} IS NOT NULL{scope} ORDER BY 1, 2",
            {"scope_files": scope_files} if scope_files is not None else None,
        ).df()
        if len(problems):
            problems = problems.assign(source=contract.source, detected_at=detected_at)[list(quarantine.columns)]
            malformed = pd.MultiIndex.from_frame(problems[["source_file", "row_number"]])
            others = quarantine[~pd.MultiIndex.from_frame(quarantine[["source_file", "row_number"]]).isin(malformed)] if len(quarantine) else quarantine
            quarantine = pd.concat([others, problems], ignore_index=True) if len(others) else problems.reset_index(drop=True)
    if len(quarantine):
        quarantine = quarantine.assign(reason=visible_series(quarantine["reason"].astype(object)))
    return quarantine
