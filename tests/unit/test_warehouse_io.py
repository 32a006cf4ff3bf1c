"""The warehouse IO module: versioned appends, table replacement in the declared types, exports with their manifest."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from orchestration.declared_tables import declared_table, undeclared_differences
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.warehouse_io import append_version, read_frame, replace_table, write_export


def test_a_version_appended_again_replaces_its_rows_and_keeps_the_others(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = pd.DataFrame({"plan_version": ["A", "A"], "units": [1.0, 2.0]})
    assert append_version(con, "plans", "orders", first, "plan_version") == 1
    assert append_version(con, "plans", "orders", pd.DataFrame({"plan_version": ["B"], "units": [5.0]}), "plan_version") == 2
    assert append_version(con, "plans", "orders", pd.DataFrame({"plan_version": ["A"], "units": [3.0]}), "plan_version") == 2
    rows = con.execute("SELECT plan_version, units FROM plans.orders ORDER BY 1, 2").fetchall()
    assert rows == [("A", 3.0), ("B", 5.0)]


def test_a_new_column_is_added_to_a_table_made_before_it_and_empty_for_older_versions(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    append_version(con, "plans", "orders", pd.DataFrame({"plan_version": ["A"], "units": [1.0]}), "plan_version")
    append_version(con, "plans", "orders", pd.DataFrame({"plan_version": ["B"], "units": [2.0], "reason": ["shortage"]}), "plan_version")
    assert con.execute("SELECT plan_version, reason FROM plans.orders ORDER BY 1").fetchall() == [("A", None), ("B", "shortage")]


def test_rows_of_several_versions_at_once_are_refused(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(ValueError, match="plans.orders: append_version takes the rows of one plan_version, got 2"):
        append_version(con, "plans", "orders", pd.DataFrame({"plan_version": ["A", "B"], "units": [1.0, 2.0]}), "plan_version")


def test_the_warehouse_is_a_duckdb_resource_whose_tables_are_replaced_whole(tmp_path):
    warehouse = DuckDBWarehouse(database=str(tmp_path / "w.duckdb"))
    assert isinstance(warehouse, DuckDBResource)
    replace_table(warehouse, "kpi", "latest", pd.DataFrame({"kpi": ["otif", "fill"], "value": [0.9, 0.8]}))
    replace_table(warehouse, "kpi", "latest", pd.DataFrame({"kpi": ["otif"], "value": [0.95]}))
    assert read_frame(warehouse, "SELECT * FROM kpi.latest WHERE value > ?", [0.5]).to_dict("records") == [{"kpi": "otif", "value": 0.95}]
    with warehouse.get_connection() as con:  # dagster-duckdb's entry point works too
        assert con.execute("SELECT count(*) FROM kpi.latest").fetchone() == (1,)


def test_an_export_lists_each_file_with_its_lines_and_digest_and_stays_in_the_export_folder(tmp_path):
    exports = ExportFolder(export_dir=str(tmp_path / "exports"))
    data = b"sku,qty\nA,1\nB,2\n"
    folder = write_export(exports, ("erp", "PLAN-1"), {"orders.csv": data}, {"plan_version": "PLAN-1", "files": {"orders.csv": {"unit": "case"}}})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == {"plan_version": "PLAN-1", "files": {"orders.csv": {"unit": "case", "lines": 2, "sha256": hashlib.sha256(data).hexdigest()}}}
    assert (folder / "orders.csv").read_bytes() == data and not list(folder.glob(".*.tmp"))
    with pytest.raises(ValueError, match="leaves the export folder"):
        write_export(exports, ("..", "elsewhere"), {"x.csv": b"a\n"}, {})


def _types(con, schema: str, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, table]
    ).fetchall()
    return dict(rows)


def test_a_declared_table_written_empty_has_its_declared_columns_and_types(tmp_path):
    """An allocation without open lines is an empty frame of untyped columns: the table still has
    the types its readers (the exceptions) expect, from its declaration in dbt's sources."""
    warehouse = DuckDBWarehouse(database=str(tmp_path / "w.duckdb"))
    no_lines = pd.DataFrame({column: pd.Series(dtype=object) for column in ("order_id", "sku_id", "short_reason", "order_date")})
    replace_table(warehouse, "inventory", "order_allocation", no_lines)
    with warehouse.connect(read_only=True) as con:
        types = _types(con, "inventory", "order_allocation")
        assert undeclared_differences(con) == []
    declared = declared_table("inventory", "order_allocation")
    assert types == {column: kind.upper() for column, kind in declared.columns.items()}
    assert types["short_reason"] == "VARCHAR" and types["order_date"] == "DATE"


def test_a_declared_tables_days_are_written_as_dates_and_a_time_of_day_is_refused(tmp_path):
    warehouse = DuckDBWarehouse(database=str(tmp_path / "w.duckdb"))
    days = pd.to_datetime(["2026-10-01", "2026-10-03", "2026-10-02"]).as_unit("ns")
    transfer = {"sku_id": ["S1"], "from_location_id": ["DC1"], "to_location_id": ["ST1"], "quantity": [12.0], "ship_date": days[:1]}
    replace_table(warehouse, "inventory", "rebalancing_transfers", pd.DataFrame({**transfer, "arrival_date": days[1:2], "shortage_date": days[2:]}))
    assert read_frame(warehouse, "SELECT typeof(ship_date) AS t, CAST(arrival_date AS VARCHAR) AS d FROM inventory.rebalancing_transfers").to_dict(
        "records"
    ) == [{"t": "DATE", "d": "2026-10-03"}]
    at_noon = pd.DataFrame({**transfer, "arrival_date": days[1:2] + pd.Timedelta(hours=12), "shortage_date": days[2:]})
    with pytest.raises(ValueError, match="inventory.rebalancing_transfers.arrival_date: declared date .* would change as date, e.g. 2026-10-03 12:00:00"):
        replace_table(warehouse, "inventory", "rebalancing_transfers", at_noon)
    assert read_frame(warehouse, "SELECT count(*) AS n FROM inventory.rebalancing_transfers").n.iloc[0] == 1  # the table as it was


def test_a_declared_versioned_table_is_made_and_appended_in_its_declared_types(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    forecast = pd.DataFrame(
        {
            "origin_date": pd.to_datetime(["2026-09-30"] * 2),
            "sku_id": ["S1", "S1"],
            "location_id": ["DC1", "DC1"],
            "channel_id": ["WEB", "WEB"],
            "forecast_date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "forecast_units": [1.5, 2.0],
            "p50_units": [1.0, 2.0],
            "p90_units": [3, 4],  # whole numbers: integers in the frame
            "model_name": ["planline_demand"] * 2,
            "model_version": ["1", "1"],
            "mlflow_run_id": [None, None],  # no value: no type of its own
            "created_at": pd.to_datetime(["2026-10-01 03:00:00.123456"] * 2).as_unit("ns"),
        }
    )
    assert append_version(con, "forecasting", "demand_forecast", forecast, "origin_date") == 1
    assert append_version(con, "forecasting", "demand_forecast", forecast.assign(origin_date=pd.Timestamp("2026-10-01")), "origin_date") == 2
    assert undeclared_differences(con) == []
    assert _types(con, "forecasting", "demand_forecast")["p90_units"] == "DOUBLE"
    assert con.execute("SELECT count(*), max(created_at) FROM forecasting.demand_forecast").fetchone() == (4, pd.Timestamp("2026-10-01 03:00:00.123456"))
