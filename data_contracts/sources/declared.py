"""Rules checking a code against the company's configuration (``company.yaml``, written into the
warehouse schema ``company`` before validation: ``data_contracts.company.export``).

A company names its channels, location types, units, code systems, segments and families its own
way: the contracts name none of them. A value is allowed when the company declares it, and a
reason says which key of ``company.yaml`` declares it, so that a new code is one line of
configuration away from flowing on (or a typo is corrected in the source system).
"""

from __future__ import annotations

from data_contracts.model import Rule, absent
from data_contracts.sources.sql import ROLES, company_table, undeclared, unit_declared

COMPANY_FILE = "company.yaml"
# What a declaration of each kind gives, for reasons: "with its role: store, online, ...".
ROLE_HINTS = {kind: "with its role: " + ", ".join(roles) for kind, roles in ROLES.items()}


def declared(
    column: str,
    key: str,
    table: str,
    code_column: str,
    what: str,
    fix: str,
    name: str = "allowed_values",
    only_when_listed: bool = False,
    hint: str = "",
    also: dict[str, str] | None = None,
) -> Rule:
    """``column`` is empty or a code the company declares under ``key`` of company.yaml (the
    warehouse's ``company.<table>.<code_column>``); ``only_when_listed``: any value when the
    company lists none. ``what`` names the value in the reason ("location type"), ``fix`` is the
    other way out ("correct the location's type in the ERP"), ``hint`` what a declaration gives
    ("with its role: ..."), ``also`` Planline's own words allowed besides (ALL: "every channel")."""
    value, also = f"r.{column}", also or {}
    sql = undeclared(value, table, code_column, only_when_listed)
    if also:
        sql = f"CASE WHEN {value} NOT IN ({', '.join(_literal(word) for word in also)}) THEN {sql} END"
    hint = f" ({hint})" if hint else ""
    if only_when_listed:
        reason = f"{what} '{{value}}' is not one of the company's {key} ({key} in {COMPANY_FILE}): add it under {key} in {COMPANY_FILE} or {fix}"
        statement = f"'{column}' is empty or one of the {key} listed in {COMPANY_FILE} (any value when it lists none)"
    else:
        reason = f"{what} '{{value}}' is not declared in {COMPANY_FILE}: declare it under {key} in {COMPANY_FILE}{hint} or {fix}"
        statement = f"'{column}' is empty or one of the {key} declared in {COMPANY_FILE}"
    reason += "".join(f" ({word}, {meaning}, is allowed too)" for word, meaning in also.items())
    statement += "".join(f" or {word} ({meaning})" for word, meaning in also.items())
    return absent(name, f"_undeclared_{column}", reason, sql=sql, statement=statement)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def declared_unit(column: str, fix: str) -> Rule:
    """``column`` is empty or a unit the company declares under ``units`` (any unit when it declares none)."""
    return absent(
        "unknown_unit",
        f"_undeclared_{column}",
        f"unit '{{value}}' is not one of the company's units (units in {COMPANY_FILE}): declare it under units in {COMPANY_FILE} or {fix}",
        sql=f"CASE WHEN r.{column} IS NOT NULL AND NOT {unit_declared(f'r.{column}')} THEN r.{column} END",
        statement=f"'{column}' is empty or one of the units declared in {COMPANY_FILE} (any unit when it declares none)",
    )


def base_unit(column: str, fix: str) -> Rule:
    """``column`` is empty or a unit of role ``base`` when the company declares units."""
    units = company_table("unit_roles")
    role = f"(SELECT unit_role FROM {units} c WHERE c.unit = r.{column})"
    return absent(
        "allowed_values",
        f"_not_base_{column}",
        f"base unit {{value}}: an item's base unit is a unit of role base under units in {COMPANY_FILE}; {fix} or declare the unit with role base",
        sql=(
            f"CASE WHEN r.{column} IS NOT NULL AND EXISTS (SELECT 1 FROM {units}) AND {role} IS DISTINCT FROM 'base' "
            f"THEN '''' || r.{column} || ''' ' || coalesce('is declared with role ' || {role}, 'is not declared') END"
        ),
        statement=f"'{column}' is empty or a unit of role base in {COMPANY_FILE} (any unit when it declares none)",
    )
