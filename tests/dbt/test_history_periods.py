"""A sales history of weeks and months (issue 16 point 3): dbt spreads a period evenly over its days
where company.yaml ``history.spread`` is ``even``, and with ``none`` counts it in the monthly S&OP
history only, a week across two months in each by its days.

dbt builds the history's path, raw rows to the monthly history and row conservation, over a
hand-made warehouse: the company's configuration, valid raw rows (the contract passes them; its
rules are tested in test_contracts.py) and every other raw table empty, as the raw assets leave
them. Each figure is worked out next to the rows."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_contracts.company.config import Company
from data_contracts.company.export import write_company_tables
from data_contracts.registry import CONTRACTS
from data_contracts.validate import ensure_governance_schema, validate_source
from orchestration.ingestion.loader import ensure_raw_tables
from tests.kpi_fixture import WAREHOUSE, dbt_build

AS_OF = date(2026, 9, 30)
ITEMS = {"A": "F1", "B": "F2"}
SELECT = "+gov_row_conservation +fct_monthly_demand_history"


def _raw(con, table: str, rows: list[dict], partition: str | None = None) -> None:
    frame = pd.DataFrame(rows).assign(
        _source_file=f"{table}.csv", _row_number=range(1, len(rows) + 1), _loaded_at=datetime(2026, 9, 30, 6), _partition_date=None
    )
    if partition:
        frame["_partition_date"] = pd.to_datetime(frame[partition]).dt.date
    else:
        frame = frame.drop(columns="_partition_date")
    con.register("incoming", frame)
    con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM incoming")
    con.unregister("incoming")


def history_warehouse(folder: Path, spread: str, sales: list[dict]) -> str:
    """A warehouse of items A (family F1) and B (F2), the shop S1 (region R1) and ``sales``, built
    by dbt up to the monthly history and row conservation; its path."""
    warehouse = str(folder / WAREHOUSE)
    company = Company.model_validate(
        {
            "name": "Periods Co",
            "channels": [{"code": "SHOP", "role": "store"}],
            "location_types": [{"code": "SHOP", "role": "store"}],
            "history": {"spread": spread},
        }
    )
    with duckdb.connect(warehouse) as con:
        write_company_tables(con, company)
        ensure_governance_schema(con)
        for contract in CONTRACTS.values():
            ensure_raw_tables(con, contract)
        _raw(con, "erp_items", [{"item_code": item, "family": family} for item, family in ITEMS.items()])
        _raw(con, "erp_locations", [{"location_code": "S1", "location_type": "SHOP", "region": "R1"}])
        _raw(con, "sales_history", [{"item_code": "A", "location_code": "S1", **sale} for sale in sales], partition="sale_date")
        outcome = validate_source(con, "sales_history", datetime(2026, 9, 30, 23, 59, 59))
        assert outcome.quarantine.empty, outcome.quarantine.reason.tolist()
    env = dict(os.environ)
    env.pop("PLANLINE_WINDOW_START", None)
    dbt_build(folder, SELECT, "--indirect-selection", "cautious", env=env)  # the second module build parses partially
    return warehouse


# A weekly company that spreads its weeks to days; item A's weeks start on Mondays, one across
# August and September; a day row and a month row overlap a week.
WEEKS = [
    {"sale_date": "2026-08-31", "period": "week", "quantity": "14"},  # 1: 2 a day, 31 August to 6 September
    {"sale_date": "2026-09-07", "period": "week", "quantity": "7"},  # 2: 1 a day, but 8 September is row 3's
    {"sale_date": "2026-09-08", "quantity": "5"},  # 3: a day row (no period): kept over the week's share
    {"sale_date": "2026-09-14", "period": "week", "quantity": "10"},  # 4: a seventh each, 6 decimals, adding up to 10
    {"sale_date": "2026-09-21", "period": "week", "quantity": "0"},  # 5: a week without sale
    {"sale_date": "2026-09-01", "period": "month", "quantity": "3000", "item_code": "B"},  # 6: B's September, 100 a day
]


@pytest.fixture(scope="module")
def weekly(tmp_path_factory):
    with duckdb.connect(history_warehouse(tmp_path_factory.mktemp("weekly"), "even", WEEKS), read_only=True) as con:
        yield con


def test_a_week_becomes_seven_days_of_a_seventh_where_the_company_spreads_periods(weekly):
    days = {
        (sku, day.isoformat()): float(units)
        for sku, day, units in weekly.execute("SELECT sku_id, demand_date, units FROM marts.fct_daily_demand WHERE channel_id = 'SHOP'").fetchall()
    }
    first = date(2026, 8, 31)
    a_days = {day for sku, day in days if sku == "A"}
    assert a_days == {(first + timedelta(days=d)).isoformat() for d in range(28)}  # four weeks, every day, zeros included
    assert [days["A", (first + timedelta(days=d)).isoformat()] for d in range(7)] == [2.0] * 7
    assert days["A", "2026-09-08"] == 5.0 and days["A", "2026-09-07"] == days["A", "2026-09-09"] == 1.0  # the day row over the week's share
    tenth = [days["A", (date(2026, 9, 14) + timedelta(days=d)).isoformat()] for d in range(7)]
    assert sum(tenth) == pytest.approx(10, abs=1e-9) and max(tenth) - min(tenth) <= 2e-6  # even, and the week's 10 exactly
    assert days["A", "2026-09-27"] == 0.0
    assert {day for sku, day in days if sku == "B"} == {(date(2026, 9, 1) + timedelta(days=d)).isoformat() for d in range(30)}
    assert {days[key] for key in days if key[0] == "B"} == {100.0}


def test_a_row_spread_to_seven_days_is_still_one_row_read_and_one_harmonized(weekly):
    conservation = weekly.execute(
        "SELECT rows_read, rows_harmonized, rows_quarantined, rows_unaccounted, rows_multiplied FROM governance_marts.gov_row_conservation WHERE source = 'sales_history'"
    ).fetchone()
    assert conservation == (len(WEEKS), len(WEEKS), 0, 0, 0)
    assert weekly.execute("SELECT count(*) FROM intermediate.int_history_sales_days").fetchone()[0] == 4 * 7 + 1 + 30


def test_spread_weeks_count_in_the_monthly_history_by_their_days(weekly):
    months = {(str(m), f): float(u) for m, f, u in weekly.execute("SELECT month, family, units FROM sop.fct_monthly_demand_history").fetchall()}
    # history from 31 August (row 1's first day) to 30 September (B's month): September alone is whole
    assert months == {("2026-09-01", "F1"): 6 * 2 + (6 * 1 + 5) + 10 + 0, ("2026-09-01", "F2"): 3000.0}


# A monthly company that does not spread: item A's months, and a week of B across July and August.
MONTHS = [
    {"sale_date": "2026-06-01", "period": "month", "quantity": "300"},
    {"sale_date": "2026-07-01", "period": "month", "quantity": "310"},
    {"sale_date": "2026-08-01", "period": "month", "quantity": "62"},
    {"sale_date": "2026-07-30", "period": "week", "quantity": "7", "item_code": "B"},  # 30 and 31 July, 1 to 5 August
]


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    with duckdb.connect(history_warehouse(tmp_path_factory.mktemp("monthly"), "none", MONTHS), read_only=True) as con:
        yield con


def test_a_monthly_history_not_spread_feeds_the_monthly_history_and_no_daily_demand(monthly):
    assert monthly.execute("SELECT count(*) FROM marts.fct_daily_demand").fetchone()[0] == 0  # no daily series: nothing for daily planning
    months = {(str(m), f): float(u) for m, f, u in monthly.execute("SELECT month, family, units FROM sop.fct_monthly_demand_history").fetchall()}
    assert months == {
        ("2026-06-01", "F1"): 300.0,
        ("2026-07-01", "F1"): 310.0,
        ("2026-07-01", "F2"): 2.0,  # the week's two July days
        ("2026-08-01", "F1"): 62.0,
        ("2026-08-01", "F2"): 5.0,
    }
    # the S&OP cycle's history ends with its last month: the daily one has no day at all
    assert monthly.execute("SELECT max(demand_date), min(period) FROM sop.fct_sop_daily_demand").fetchone() == (date(2026, 8, 31), "month")
    conservation = monthly.execute("SELECT rows_read, rows_harmonized FROM governance_marts.gov_row_conservation WHERE source = 'sales_history'").fetchone()
    assert conservation == (len(MONTHS), len(MONTHS))


def test_without_daily_series_the_forecast_and_the_plan_say_why_instead_of_failing(tmp_path):
    """A monthly history not spread leaves the panel empty: the training, the forecast, the plan,
    rebalancing and the ERP files materialize nothing (empty tables for what reads them) and name
    the reason, the week and month rows and the setting to change, in their metadata."""
    import dagster as dg

    from ml.inventory.replenishment import POLICY_COLUMNS
    from orchestration.defs.forecasting.assets import demand_forecast, demand_model
    from orchestration.defs.inventory.assets import rebalancing_transfers, replenishment_plan
    from orchestration.defs.publication.assets import erp_plan_files
    from orchestration.resources import DuckDBWarehouse, ExportFolder, MLflowTracking

    warehouse = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(warehouse) as con:
        write_company_tables(con, Company(name="Monthly Co"))  # history.spread: none
        tables = {
            "forecasting.fct_demand_panel": "sku_id VARCHAR, location_id VARCHAR, channel_id VARCHAR, demand_date DATE, units DOUBLE, is_future BOOLEAN",
            "intermediate.int_history_sales_days": "period VARCHAR, source_file VARCHAR, source_row_number BIGINT",
            "inventory.inventory_policies": ", ".join(f"{c} {'VARCHAR' if c.endswith('_id') or c == 'supply_type' else 'DOUBLE'}" for c in POLICY_COLUMNS),
            "inventory.fct_projection_inputs": "sku_id VARCHAR, location_id VARCHAR, projection_date DATE, forecast_units DOUBLE",
            "inventory.fct_stock_position": "sku_id VARCHAR, location_id VARCHAR, on_hand_units DOUBLE, as_of_date DATE",
            "inventory.dim_transfer_lanes": "from_location_id VARCHAR, to_location_id VARCHAR, transfer_cost_per_unit DOUBLE, transfer_days DOUBLE",
        }
        for table, columns in tables.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
            con.execute(f"CREATE TABLE {table} ({columns})")
        # three month rows of the history, on all their days: two of one row's days shown
        con.execute(
            "INSERT INTO intermediate.int_history_sales_days VALUES ('month', 'h.csv', 1), ('month', 'h.csv', 1), ('month', 'h.csv', 2), ('month', 'h.csv', 3)"
        )
    resources = {
        "warehouse": DuckDBWarehouse(database=warehouse),
        "mlflow_tracking": MLflowTracking(mlflow_dir=str(tmp_path / "mlflow")),
        "exports": ExportFolder(export_dir=str(tmp_path / "exports")),
    }
    result = dg.materialize([demand_model, demand_forecast, replenishment_plan, rebalancing_transfers, erp_plan_files], resources=resources)
    assert result.success
    reasons = {"/".join(event.asset_key.path): event.materialization.metadata["no_daily_series"].value for event in result.get_asset_materialization_events()}
    assert set(reasons) == {
        "forecasting/demand_model",
        "forecasting/backtest_forecasts",
        "forecasting/backtest_scores",
        "forecasting/demand_forecast",
        "inventory/projected_inventory",
        "inventory/planned_orders",
        "inventory/rebalancing_transfers",
        "inventory/erp_plan_files",
    }
    assert {*reasons.values()} == {reasons["forecasting/demand_model"]}
    assert reasons["forecasting/demand_model"].startswith("no daily series: the demand history is 3 week and month rows of the sales history")
    assert "Set history.spread: even in company.yaml" in reasons["forecasting/demand_model"]
    (gate,) = result.get_asset_check_evaluations()  # champion_gate: a warning, the champion (none) unchanged
    assert not gate.passed and gate.description.startswith("No model trained: no daily series")
    with duckdb.connect(warehouse, read_only=True) as con:
        for table in ("forecasting.demand_forecast", "forecasting.backtest_forecasts", "inventory.projected_inventory", "inventory.planned_orders"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE inventory.planned_orders)").fetchall())["due_date"] == "DATE"
