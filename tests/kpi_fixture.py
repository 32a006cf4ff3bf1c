"""A tiny hand-made warehouse for the KPI and exception models: January 2026 at one DC (DC01) and
one store (ST01), two SKUs, a production line and a supplier. The expected values in
tests/dbt/test_kpis.py are worked out by hand from these rows (see the comments there).

Only the columns the models read are created; dbt builds the models over these tables as it
would over the real marts (the refs resolve to the same schema.table names). The company's
configuration is the demo company's (its codes are the fixture's), in schema company as the
asset group company writes it.
"""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from data_contracts.company.config import Company
from data_contracts.company.export import write_company_tables
from demo_company import resolve_scale
from demo_company.company_config import company_document
from orchestration.dbt_project import DBT_PROJECT_DIR

D = dt.date


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


TABLES: dict[str, pd.DataFrame] = {
    "marts.dim_location": pd.DataFrame(
        {"location_id": ["DC01", "ST01", "WEB"], "location_type": ["DC", "STORE", "WEB"], "region": ["NORTH", "NORTH", "NORTH"]}
    ),
    "marts.dim_sku": pd.DataFrame(
        {
            "sku_id": ["S1", "S2"],
            "family": ["F1", "F2"],
            "unit_cost": [2.0, 4.0],
            "list_price": [3.0, 6.0],
            "launch_date": [None, None],
            "discontinued_date": [None, D(2026, 1, 20)],  # S2 listed until 19 January
            "marketplace_code": [None, "M2"],  # only S2 sells on the marketplace
        }
    ).astype({"launch_date": "datetime64[ns]", "discontinued_date": "datetime64[ns]"}),
    "marts.dim_customer": pd.DataFrame({"customer_id": ["C1", "C2"], "payment_terms_days": [30, 60]}),
    "marts.dim_supplier": pd.DataFrame({"supplier_id": ["SUP1"], "payment_terms_days": [45]}),
    "marts.dim_production_line": pd.DataFrame({"production_line_id": ["L1"], "run_rate_per_hour": [100.0]}),
    # Demand: the newest non-B2B day (31 January, web) ends the history.
    "marts.fct_daily_demand": pd.DataFrame(
        {
            "sku_id": ["S1", "S1", "S2", "S1"],
            "location_id": ["ST01", "DC01", "DC01", "DC01"],
            "channel_id": ["STORE", "B2B", "MARKETPLACE", "WEB"],
            "demand_date": [D(2026, 1, 6), D(2026, 1, 10), D(2026, 1, 15), D(2026, 1, 31)],
            "units": [5.0, 100.0, 3.0, 1.0],
            "revenue": [15.0, 300.0, 12.0, 5.0],
        }
    ),
    # Weekly counts (end of Sunday): 4 and 25 January.
    "marts.fct_inventory_snapshots": pd.DataFrame(
        {
            "snapshot_date": [D(2026, 1, 4)] * 3 + [D(2026, 1, 25)] * 3,
            "location_id": ["ST01", "DC01", "DC01", "ST01", "DC01", "DC01"],
            "sku_id": ["S1", "S1", "S2", "S1", "S1", "S2"],
            "erp_quantity": [5.0, 100.0, 3.0, 0.0, 48.0, 0.0],
            "wms_quantity": [5.0, 100.0, 3.0, 0.0, 50.0, 0.0],
            "unit_cost": [2.0, 2.0, 4.0, 2.0, 2.0, 4.0],
        }
    ).assign(wms_value=lambda f: f.wms_quantity * f.unit_cost),
    "marts.fct_stock_movements": pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3", "E4"],
            "sku_id": ["S1", "S2", "S1", "S1"],
            "location_id": ["DC01", "DC01", "DC01", "DC01"],
            "event_type": ["SHIP", "SHIP", "RECEIPT", "ADJUSTMENT"],
            "event_date": [D(2026, 1, 10), D(2026, 1, 15), D(2026, 1, 20), D(2026, 1, 22)],
            "available_stock_delta": [-100.0, -3.0, 50.0, 0.0],
            "export_latency_seconds": [10, 20, 30, 400],
        }
    ),
    "intermediate.int_oms_events": pd.DataFrame({"event_date": [D(2026, 1, 31)], "export_latency_seconds": [60]}),
    # O1/2 short and O2/1 late while DC01 held stock; O4 cancelled while DC01 was empty and PO1 late
    "marts.fct_order_lines": pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2", "W1", "O3", "O4"],
            "order_line": [1, 2, 1, 1, 1, 1],
            "channel_id": ["B2B", "B2B", "B2B", "WEB", "B2B", "B2B"],
            "customer_id": ["C1", "C1", "C2", None, "C1", "C1"],
            "customer_segment": ["KEY_ACCOUNT", "KEY_ACCOUNT", "STANDARD", None, "KEY_ACCOUNT", "KEY_ACCOUNT"],
            "sku_id": ["S1"] * 6,
            "ship_from_location_id": ["DC01"] * 6,
            "order_date": [D(2026, 1, 5)] * 4 + [D(2026, 1, 30), D(2026, 1, 12)],
            "promised_date": [D(2026, 1, 10), D(2026, 1, 10), D(2026, 1, 10), D(2026, 1, 12), D(2026, 2, 5), D(2026, 1, 15)],  # O3: not due
            "status": ["DELIVERED", "PARTIAL", "DELIVERED", "DELIVERED", "OPEN", "CANCELLED"],
            "ordered_quantity": [10.0, 10.0, 5.0, 2.0, 7.0, 4.0],
            "delivered_quantity": [10.0, 8.0, 5.0, 2.0, 0.0, 0.0],
            "delivered_date": [D(2026, 1, 10), D(2026, 1, 10), D(2026, 1, 12), D(2026, 1, 12), None, None],
            "unit_price": [3.0, 3.0, 3.0, 5.0, 3.0, 3.0],
            "is_otif": [True, False, False, True, None, False],
        }
    ).astype({"delivered_date": "datetime64[ns]"}),
    "governance_marts.gov_inventory_discrepancies": pd.DataFrame({"sku_id": ["S2"], "location_id": ["DC01"], "snapshot_date": [D(2026, 1, 4)]}),
    "governance_marts.gov_late_events": pd.DataFrame({"event_id": ["E2"], "event_type": ["SHIP"], "event_date": [D(2026, 1, 15)], "hours_late": [30.0]}),
    "marts.fct_receipts": pd.DataFrame(
        {"receipt_date": [D(2026, 1, 20)], "sku_id": ["S1"], "received_quantity": [50.0], "receipt_type": ["PURCHASE"], "source_id": ["SUP1"]}
    ),
    "marts.fct_purchase_order_lines": pd.DataFrame(
        {
            "purchase_order_id": ["PO1"],
            "supplier_id": ["SUP1"],
            "sku_id": ["S1"],
            "location_id": ["DC01"],
            "expected_date": [D(2026, 1, 8)],
            "receipt_date": [D(2026, 1, 20)],  # 12 days late
            "ordered_quantity": [50.0],
            "received_quantity": [50.0],
        }
    ),
    "marts.fct_production_orders": pd.DataFrame(
        {
            "production_order_id": ["MO1", "MO2", "MO3", "MO4"],
            "production_line_id": ["L1"] * 4,
            "sku_id": ["S1"] * 4,
            "location_id": ["DC01"] * 4,
            "due_date": [D(2026, 1, 13), D(2026, 1, 20), D(2026, 1, 27), D(2026, 2, 10)],
            "completed_date": [D(2026, 1, 14), None, D(2026, 1, 27), None],
            "planned_quantity": [1000.0, 500.0, 100.0, 100.0],
            "completed_quantity": [950.0, None, 90.0, None],
            "run_hours": [12.5, None, None, None],  # MO3 has no confirmation hours
            "downtime_hours": [2.5, None, None, None],
            "scrap_quantity": [50.0, None, None, None],
        }
    ).astype({"completed_date": "datetime64[ns]"}),
    "marts.fct_returns": pd.DataFrame(
        {
            "channel_id": ["WEB", "WEB", "WEB", "WEB", "STORE", "WEB"],
            "location_id": ["DC01"] * 4 + ["ST01", "DC01"],
            "return_date": [D(2026, 1, 5), D(2026, 1, 6), D(2026, 1, 7), D(2026, 1, 8), D(2026, 1, 9), D(2026, 1, 31)],
            "returned_at": [
                _ts("2026-01-05 08:00"),
                _ts("2026-01-06 08:00"),
                _ts("2026-01-07 08:00"),
                _ts("2026-01-08 08:00"),
                _ts("2026-01-09"),
                _ts("2026-01-31 10:00"),
            ],
            "disposition": ["RESTOCK", "RESTOCK", "RESTOCK", "SCRAP", "RESTOCK", "RESTOCK"],
            "hours_to_restock": [10.0, 30.0, None, None, None, None],
        }
    ),
    "inventory.fct_inventory_classes": pd.DataFrame({"sku_id": ["S1", "S1"], "location_id": ["DC01", "ST01"], "abc_class": ["A", "B"]}),
    "inventory.fct_replenishment_parameters": pd.DataFrame(
        {
            "sku_id": ["S1", "S1"],
            "location_id": ["DC01", "ST01"],
            "abc_class": ["A", "B"],
            "mean_daily_demand": [10.0, 4.0],  # the DC serves the store too
            "local_mean_daily_forecast": [6.0, 4.0],
        }
    ),
    "inventory.fct_stock_position": pd.DataFrame({"sku_id": ["S1", "S1"], "location_id": ["DC01", "ST01"], "on_hand_units": [50.0, 0.0]}),
    "forecasting.backtest_forecasts": pd.DataFrame(
        {
            "sku_id": ["S1", "S1"],
            "location_id": ["DC01", "ST01"],
            "channel_id": ["B2B", "STORE"],
            "forecast_date": [D(2026, 1, 20), D(2026, 1, 21)],
            "lightgbm": [12.0, 3.0],
            "actual_units": [10.0, 5.0],
        }
    ),
}


def calendar(first: dt.date, last: dt.date) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="D")
    return pd.DataFrame({"date_day": days.date, "week_start": (days - pd.to_timedelta(days.day_of_week, unit="D")).date})


def write_tiny_warehouse(path: str) -> None:
    with duckdb.connect(path) as con:
        write_company_tables(con, Company.model_validate(company_document(resolve_scale("tiny"))))
        for name, frame in {**TABLES, "marts.dim_date": calendar(dt.date(2025, 12, 1), dt.date(2026, 2, 28))}.items():
            schema, table = name.split(".")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.register("incoming", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
            con.unregister("incoming")
        # the date columns as DATE, as the marts have them
        for name, frame in TABLES.items():
            for column in frame.columns:
                if column.endswith("_date") or column == "date_day":
                    con.execute(f"ALTER TABLE {name} ALTER {column} TYPE DATE")


# What dbt builds over: a file of this name in the build's folder (see dbt_build).
WAREHOUSE = "warehouse.duckdb"
# The partial-parse state of this process's first build, which every later build starts from.
_parsed_state: Path | None = None


def dbt_build(folder: Path, select: str, *options: str, env: dict[str, str] | None = None) -> None:
    """``dbt build --select <select>`` over ``folder``/warehouse.duckdb, dbt's files in ``folder``/dbt.

    A dbt process that cannot parse partially parses the whole project again (10 s and more of a
    build's 15), and dbt parses partially only with the state of a build made with the same
    profile, the warehouse path included. So dbt runs from the warehouse's folder and opens it by
    the same relative path every time, and each build starts from the first build's state: only
    that first one, per process, parses the whole project. (tests/dbt/test_history_periods.py too.)
    """
    global _parsed_state
    target = Path(folder) / "dbt"
    target.mkdir(parents=True, exist_ok=True)
    if _parsed_state is not None and _parsed_state.exists():
        shutil.copy(_parsed_state, target / "partial_parse.msgpack")
    env = {**(os.environ if env is None else env), "PLANLINE_DUCKDB_PATH": WAREHOUSE, "DBT_TARGET_PATH": str(target)}
    command = [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command += ["--select", select, *options, "--quiet"]
    built = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-2000:]
    if _parsed_state is None:
        _parsed_state = target / "partial_parse.msgpack"
