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


# The units an item's quantities may be in: the ERP's conversions, the item's base unit (its own,
# else the company's one unit of role base, else UNIT, as staging defaults it) and the company's
# units that carry a factor for every item (company.yaml units factor); dbt's int_unit_factors
# gives each its factor.
ITEM_UNIT_PAIRS = (
    "SELECT DISTINCT item_code || '|' || unit FROM VALID(erp_unit_conversions)"
    " UNION SELECT i.item_code || '|' || coalesce(i.base_unit,"
    " (SELECT CASE WHEN count(*) = 1 THEN any_value(unit) END FROM company.unit_roles WHERE unit_role = 'base'), 'UNIT') FROM VALID(erp_items) i"
    " UNION SELECT i.item_code || '|' || u.unit FROM VALID(erp_items) i CROSS JOIN company.unit_roles u WHERE u.factor_to_base IS NOT NULL"
)


# ---- the company's configuration (schema company, data_contracts.company.export) -------------
# A company's codes (channels, location types, units, code systems, segments, families) are its
# configuration's, written into the warehouse before validation; contracts check against those
# tables and select by Planline's roles, never by a company's code.
COMPANY_SCHEMA = "company"
# Planline's roles (data_contracts.company.config): a contract selects a company's codes by them.
ROLES = {
    "channel_role": ("store", "online", "marketplace", "wholesale"),
    "location_role": ("plant", "warehouse", "store", "virtual"),
    "unit_role": ("base", "case", "store_pack", "bundle", "other"),
    "code_role": ("item_master", "warehouse", "point_of_sale", "marketplace", "other"),
}


def company_table(table: str) -> str:
    return f"{COMPANY_SCHEMA}.{table}"


def of_role(table: str, column: str, role_column: str, *roles: str) -> str:
    """Subquery: the company's codes (``column`` of ``company.<table>``) playing one of ``roles``
    (``of_role('code_systems', 'code_system', 'code_role', 'warehouse')``)."""
    unknown = [role for role in roles if role not in ROLES[role_column]]
    if unknown:
        raise ValueError(f"{unknown} are not {role_column}s of Planline ({', '.join(ROLES[role_column])})")
    quoted = ", ".join(f"'{role}'" for role in roles)
    return f"(SELECT {column} FROM {company_table(table)} WHERE {role_column} IN ({quoted}))"


def code_systems_of_role(role: str) -> str:
    """Subquery: the cross-reference systems the company declares with ``role`` (code_systems)."""
    return of_role("code_systems", "code_system", "code_role", role)


def location_types_of_role(role: str) -> str:
    """Subquery: the location types the company declares with ``role`` (location_types)."""
    return of_role("location_types", "location_type", "location_role", role)


def undeclared(value: str, table: str, column: str, only_when_listed: bool = False) -> str:
    """SQL: ``value`` (an expression over the raw row) when ``company.<table>`` does not declare it
    in ``column``, else null; ``only_when_listed``: only when the table lists anything (a company
    that lists no families accepts any)."""
    declared = f"EXISTS (SELECT 1 FROM {company_table(table)} c WHERE c.{column} = {value})"
    listed = f"EXISTS (SELECT 1 FROM {company_table(table)}) AND " if only_when_listed else ""
    return f"CASE WHEN {value} IS NOT NULL AND {listed}NOT {declared} THEN {value} END"


def unit_declared(unit: str) -> str:
    """SQL condition: ``unit`` is one of the company's units, or the company declares none (any unit)."""
    units = company_table("unit_roles")
    return f"(NOT EXISTS (SELECT 1 FROM {units}) OR EXISTS (SELECT 1 FROM {units} c WHERE c.unit = {unit}))"


def local_date(utc_ts: str) -> str:
    """Business day of a UTC timestamp."""
    return f"CAST(timezone('{BUSINESS_TIMEZONE}', timezone('UTC', {utc_ts})) AS DATE)"


def code_not_valid_on(role: str, code: str, day: str) -> str:
    """The code when it is in the cross-reference (under a code system of ``role``) but no mapping
    is valid on ``day`` (a date expression)."""
    valid = f"SELECT 1 FROM VALID(erp_item_xref) v WHERE v.system IN {code_systems_of_role(role)} AND v.external_code = {code}"
    on_day = f" AND {day_of('valid_from', 'v')} <= {day} AND (v.valid_to IS NULL OR {day_of('valid_to', 'v')} >= {day})"
    return f"CASE WHEN EXISTS ({valid}) AND {day} IS NOT NULL AND NOT EXISTS ({valid}{on_day}) THEN {code} || ' on ' || CAST({day} AS VARCHAR) END"


def xref_codes(role: str) -> str:
    """Value set: the cross-reference's codes of the code systems of ``role`` (rows that passed their contract)."""
    return codes("erp_item_xref", "external_code", f"system IN {code_systems_of_role(role)}")


def item_of(role: str, code: str) -> str:
    """Join producing ``mapped.item_code`` for a code of the code systems of ``role`` (one row per
    code: no fan-out)."""
    return (
        f"LEFT JOIN (SELECT external_code, min(item_code) AS item_code FROM VALID(erp_item_xref) WHERE system IN {code_systems_of_role(role)} "
        f"GROUP BY external_code) mapped ON mapped.external_code = {code}"
    )


def unit_not_defined(item: str, unit: str) -> str:
    """'item|unit' when the item is known but has no conversion for the unit."""
    return (
        f"CASE WHEN {item} IS NOT NULL AND {unit} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM VALID(erp_unit_conversions) u "
        f"WHERE u.item_code = {item} AND u.unit = {unit}) THEN {item} || '|' || {unit} END"
    )
