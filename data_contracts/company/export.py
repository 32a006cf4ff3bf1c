"""The company's configuration as warehouse tables (schema ``company``), for the contracts and dbt.

The contracts check codes against them (a channel, a unit, a family the company declares) and
dbt's models join them to select by role (``channel_role = 'wholesale'``), never by a company's
code. Written whole at each run before the raw assets read them: small tables, replaced in one
transaction, so that a reader never sees half a configuration.
"""

from __future__ import annotations

import duckdb

from data_contracts.company.config import Company

SCHEMA = "company"


# Each table's columns and SQL types: fixed, so that a company without a list still has the table.
COLUMNS = {
    "channels": {"channel_id": "VARCHAR", "channel_name": "VARCHAR", "channel_role": "VARCHAR", "fulfilled_from": "VARCHAR", "description": "VARCHAR"},
    "location_types": {"location_type": "VARCHAR", "location_role": "VARCHAR", "echelon": "INTEGER"},
    "unit_roles": {"unit": "VARCHAR", "unit_role": "VARCHAR", "factor_to_base": "DOUBLE"},
    "code_systems": {"code_system": "VARCHAR", "code_role": "VARCHAR"},
    "segment_service_levels": {"segment": "VARCHAR", "cycle_service_level": "DOUBLE", "fill_rate": "DOUBLE", "allocation_priority": "INTEGER"},
    "families": {"family": "VARCHAR"},
    "holidays": {"holiday_date": "DATE", "holiday_name": "VARCHAR", "stores_closed": "BOOLEAN"},
    "planning_settings": {
        "company_name": "VARCHAR",
        "business_timezone": "VARCHAR",
        "forecast_horizon_days": "INTEGER",
        "sop_horizon_months": "INTEGER",
        "cycle_service_level": "DOUBLE",
        "fill_rate": "DOUBLE",
        "default_lead_time_days": "DOUBLE",
        "default_review_period_days": "INTEGER",
        "order_cost": "DOUBLE",
        "annual_holding_rate": "DOUBLE",
        "history_spread": "VARCHAR",
    },
}


def company_tables(company: Company) -> dict[str, list[tuple]]:
    """The configuration's tables: name -> rows, in COLUMNS' order."""
    planning = company.planning.model_dump()
    settings = {"company_name": company.name, "business_timezone": company.business_timezone, **planning, "history_spread": company.history.spread}
    return {
        "channels": [(c.code, c.name or c.code, c.role, c.fulfilled_from, c.description) for c in company.channels],
        "location_types": [(t.code, t.role, t.level) for t in company.location_types],
        "unit_roles": [(u.code, u.role, u.factor) for u in company.units],
        "code_systems": [(c.code, c.role) for c in company.code_systems],
        "segment_service_levels": [(s.code, s.cycle_service_level, s.fill_rate, s.allocation_priority) for s in company.segments],
        "families": [(f,) for f in company.families or []],
        "holidays": [(h.date, h.name, h.stores_closed) for h in company.holidays],
        "planning_settings": [tuple(settings[c] for c in COLUMNS["planning_settings"])],
    }


def write_company_tables(con: duckdb.DuckDBPyConnection, company: Company) -> dict[str, int]:
    """Replace the ``company`` schema's tables with the configuration's; rows per table."""
    tables = company_tables(company)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute("BEGIN TRANSACTION")
    try:
        for name, rows in tables.items():
            columns = COLUMNS[name]
            con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.{name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
            if rows:
                con.executemany(f"INSERT INTO {SCHEMA}.{name} VALUES ({', '.join('?' for _ in columns)})", rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {name: len(rows) for name, rows in tables.items()}
