"""The warehouse IO module: versioned appends, table replacement, exports with their manifest."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

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
