"""SQL snippets shared by contracts (DuckDB dialect: validation runs inside the embedded warehouse)."""

from data_contracts.dbt_vars import dbt_var

# Business days are local days: stores, the ERP and cross-reference validity dates live in it
# (PLANLINE_BUSINESS_TIMEZONE, read as dbt reads it: the contracts and the models agree).
BUSINESS_TIMEZONE = dbt_var("business_timezone")


def fr_decimal(column: str) -> str:
    return f"TRY_CAST(REPLACE(r.{column}, ',', '.') AS DOUBLE)"


def erp_date(column: str) -> str:
    return f"TRY_STRPTIME(r.{column}, '%d/%m/%Y')"


def erp_day(column: str) -> str:
    return f"CAST({erp_date(column)} AS DATE)"


def iso_ts(column: str) -> str:
    return f"TRY_STRPTIME(r.{column}, '%Y-%m-%dT%H:%M:%SZ')"


def number(column: str) -> str:
    return f"TRY_CAST(r.{column} AS DOUBLE)"


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
    on_day = f" AND TRY_STRPTIME(v.valid_from, '%d/%m/%Y') <= {day} AND (v.valid_to IS NULL OR TRY_STRPTIME(v.valid_to, '%d/%m/%Y') >= {day})"
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
