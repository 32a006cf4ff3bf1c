"""SQL snippets shared by contracts (DuckDB dialect: validation runs inside the embedded warehouse)."""

from data_contracts.dbt_vars import dbt_var
from data_contracts.model import UNPARSED

# Business days are local days: stores, the ERP and cross-reference validity dates live in it
# (PLANLINE_BUSINESS_TIMEZONE, read as dbt reads it: the contracts and the models agree).
BUSINESS_TIMEZONE = dbt_var("business_timezone")


# Canonical text of typed values in the raw tables (the loader writes it from the company's notation).
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # UTC
NUMBER_PATTERN = r"-?[0-9]+(?:\.[0-9]+)?"
DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIMESTAMP_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"


def unparsed(column: str, alias: str = "r") -> str:
    """SQL: the notation ``column`` was expected in when its value is not written as the source
    mapping says (the row's ``_unparsed`` entry; the value is then kept verbatim), else null."""
    return f"json_extract_string({alias}.{UNPARSED}, '$.\"{column}\"')"


def canonical(column: str, pattern: str, alias: str = "r") -> str:
    """SQL: ``column`` holds canonical text of ``pattern`` (whole match), not a verbatim value."""
    return f"{unparsed(column, alias)} IS NULL AND regexp_full_match({alias}.{column}, '{pattern}')"


def number(column: str, alias: str = "r") -> str:
    """SQL: a canonical number as DOUBLE, null when the value is not one (``12.5`` kept verbatim
    in a file of decimal commas is no number: it never feeds another rule)."""
    return f"CASE WHEN {canonical(column, NUMBER_PATTERN, alias)} THEN TRY_CAST({alias}.{column} AS DOUBLE) END"


def date_of(column: str, alias: str = "r") -> str:
    """SQL: a canonical date as a TIMESTAMP (its midnight), null unless a real ``YYYY-MM-DD`` date."""
    return f"CASE WHEN {canonical(column, DATE_PATTERN, alias)} THEN TRY_STRPTIME({alias}.{column}, '{DATE_FORMAT}') END"


def day_of(column: str, alias: str = "r") -> str:
    """SQL: a canonical date as a DATE."""
    return f"CAST({date_of(column, alias)} AS DATE)"


def time_of(column: str, alias: str = "r") -> str:
    """SQL: a canonical UTC time as a TIMESTAMP, null unless a real ``YYYY-MM-DDTHH:MM:SSZ`` time."""
    return f"CASE WHEN {canonical(column, TIMESTAMP_PATTERN, alias)} THEN TRY_STRPTIME({alias}.{column}, '{TIMESTAMP_FORMAT}') END"


def codes(source: str, column: str, where: str = "") -> str:
    """Value set of a master-data column, from rows that passed their own contract."""
    return f"SELECT DISTINCT {column} FROM VALID({source}) WHERE {column} IS NOT NULL {('AND ' + where) if where else ''}"


ITEM_UNIT_PAIRS = "SELECT DISTINCT item_code || '|' || unit FROM VALID(erp_unit_conversions)"


def local_date(utc_ts: str) -> str:
    """Business day of a UTC timestamp."""
    return f"CAST(timezone('{BUSINESS_TIMEZONE}', timezone('UTC', {utc_ts})) AS DATE)"


def code_not_valid_on(system: str, code: str, day: str) -> str:
    """The code when it is in the cross-reference but no mapping is valid on ``day`` (a date expression)."""
    valid = "SELECT 1 FROM VALID(erp_item_xref) v WHERE v.system = '{s}' AND v.external_code = {c}"
    on_day = f" AND {day_of('valid_from', 'v')} <= {day} AND (v.valid_to IS NULL OR {day_of('valid_to', 'v')} >= {day})"
    return (
        f"CASE WHEN EXISTS ({valid.format(s=system, c=code)}) AND {day} IS NOT NULL "
        f"AND NOT EXISTS ({valid.format(s=system, c=code)}{on_day}) THEN {code} || ' on ' || CAST({day} AS VARCHAR) END"
    )


def item_of(system: str, code: str) -> str:
    """Join producing ``mapped.item_code`` for a system code (one row per code: no fan-out)."""
    return (
        f"LEFT JOIN (SELECT external_code, min(item_code) AS item_code FROM VALID(erp_item_xref) WHERE system = '{system}' "
        f"GROUP BY external_code) mapped ON mapped.external_code = {code}"
    )


def unit_not_defined(item: str, unit: str) -> str:
    """'item|unit' when the item is known but has no conversion for the unit."""
    return (
        f"CASE WHEN {item} IS NOT NULL AND {unit} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM VALID(erp_unit_conversions) u "
        f"WHERE u.item_code = {item} AND u.unit = {unit}) THEN {item} || '|' || {unit} END"
    )
