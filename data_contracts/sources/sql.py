"""SQL snippets shared by contracts (DuckDB dialect: validation runs inside the embedded warehouse)."""


def fr_decimal(column: str) -> str:
    return f"TRY_CAST(REPLACE(r.{column}, ',', '.') AS DOUBLE)"


def erp_date(column: str) -> str:
    return f"TRY_STRPTIME(r.{column}, '%d/%m/%Y')"


def iso_ts(column: str) -> str:
    return f"TRY_STRPTIME(r.{column}, '%Y-%m-%dT%H:%M:%SZ')"


def number(column: str) -> str:
    return f"TRY_CAST(r.{column} AS DOUBLE)"


def codes(source: str, column: str, where: str = "") -> str:
    """Value set of a master-data column, from rows that passed their own contract."""
    return f"SELECT DISTINCT {column} FROM VALID({source}) WHERE {column} IS NOT NULL {('AND ' + where) if where else ''}"


ITEM_UNIT_PAIRS = "SELECT DISTINCT item_code || '|' || unit FROM VALID(erp_unit_conversions)"
