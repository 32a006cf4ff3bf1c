"""The cockpit's dbt models (dbt_project/models/marts/reporting) over a hand-made warehouse: the
plan context its header names (company, as-of date, plan versions, the S&OP decision) and the
planner overrides the contract refused, which it lists for their authors. Both are views: what
the page reads follows the tables without a rebuild."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_contracts.validate import ensure_governance_schema
from tests.kpi_fixture import WAREHOUSE, dbt_build

D = dt.date
FILE = "planning/overrides_am.csv"
TABLES = {
    "staging.stg_company__planning_settings": pd.DataFrame({"company_name": ["Fjord Foods"]}),
    # the stock position is as of 29 September; demand runs a day further
    "inventory.fct_stock_position": pd.DataFrame({"sku_id": ["S1", "S2"], "as_of_date": [D(2026, 9, 29)] * 2}),
    "marts.fct_daily_demand": pd.DataFrame({"sku_id": ["S1", "S1"], "demand_date": [D(2026, 9, 28), D(2026, 9, 30)]}),
    "inventory.projected_inventory": pd.DataFrame({"plan_version": ["PLAN-20260929-0a1b2c3d"] * 2, "sku_id": ["S1", "S2"]}),
    "raw.planning_overrides": pd.DataFrame(
        {
            "override_id": ["OV1", "OV2", "OV3"],
            "author": ["a.martin", "a.martin", "b.olsen"],
            "item_or_family": ["1000X444", "10001444", "10001444"],
            "location_or_customer": ["DC01", "DC01", "DC02"],
            "submitted_at": ["2026-09-21T17:26:59Z"] * 3,
            "_source_file": [FILE, FILE, "planning/overrides_bo.csv"],
            "_row_number": [2, 1, 1],
        }
    ),
}
# source, file, row, rule, column, value, reason: OV1 broke two rules, OV3 one; a sales row is no override
QUARANTINE = [
    ("planning_overrides", FILE, 2, "unknown_reference", "item_or_family", "1000X444", "item '1000X444' is not in the ERP item master"),
    ("planning_overrides", FILE, 2, "accepted_values", "adjustment_type", "PCTX", "adjustment_type 'PCTX' is not one of ABS, PCT"),
    ("planning_overrides", "planning/overrides_bo.csv", 1, "unknown_reference", "location_or_customer", "DC02", "location 'DC02' is unknown"),
    ("pos_sales", "pos/ST01/sales_20260930.csv", 2, "not_null", "sku", None, "sku is empty"),
]
CONSENSUS = pd.DataFrame(
    {
        "month": [D(2026, 10, 1)] * 3,
        "family": ["DRINKS"] * 3,
        "plan_version": ["SOP-202609-aaaaaaaa", "SOP-202610-bbbbbbbb", "SOP-202610-cccccccc"],
        "status": ["approved", "proposed", "proposed"],
        "proposed_at": pd.to_datetime(["2026-09-01 06:00", "2026-10-01 06:00", "2026-10-01 06:00"]),
    }
)


def _write(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    with duckdb.connect(str(path)) as con:
        for name, frame in tables.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
            con.register("frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def cockpit_warehouse(tmp_path_factory) -> Path:
    """The hand-made marts before the first S&OP cycle, with the two models and their tests built."""
    folder = tmp_path_factory.mktemp("cockpit")
    _write(folder / WAREHOUSE, TABLES)
    with duckdb.connect(str(folder / WAREHOUSE)) as con:
        ensure_governance_schema(con)
        con.executemany("INSERT INTO governance.quarantine VALUES (?, ?, ?, ?, ?, ?, ?, TIMESTAMP '2026-09-30 06:00:00')", QUARANTINE)
    dbt_build(folder, "plan_context refused_overrides")
    return folder


def test_a_refused_override_is_listed_once_with_every_reason_for_its_author(cockpit_warehouse):
    refused = _rows(
        cockpit_warehouse / WAREHOUSE,
        "SELECT override_id, author, item_or_family, source_file, row_number, reason FROM cockpit.refused_overrides ORDER BY source_file, row_number",
    )
    assert refused == [
        # the reasons in the order of their rules
        ("OV1", "a.martin", "1000X444", FILE, 2, "adjustment_type 'PCTX' is not one of ABS, PCT; item '1000X444' is not in the ERP item master"),
        ("OV3", "b.olsen", "10001444", "planning/overrides_bo.csv", 1, "location 'DC02' is unknown"),
    ]  # OV2 passed its contract; the sales row is no override


def test_the_plan_context_before_the_first_sop_cycle(cockpit_warehouse, tmp_path):
    warehouse = cockpit_warehouse / WAREHOUSE
    sql = "SELECT company_name, history_end, plan_version, sop_plan_version, sop_status FROM cockpit.plan_context"
    assert _rows(warehouse, sql) == [("Fjord Foods", D(2026, 9, 29), "PLAN-20260929-0a1b2c3d", None, None)]  # the stock position's day
    copy = tmp_path / WAREHOUSE
    copy.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:  # a company that sends no stock: the last day of demand
        con.execute("DELETE FROM inventory.fct_stock_position")
    assert _rows(copy, "SELECT history_end FROM cockpit.plan_context") == [(D(2026, 9, 30),)]


def test_the_plan_context_names_the_sop_plan_proposed_last_and_follows_its_approval(cockpit_warehouse, tmp_path):
    folder = tmp_path / "after_the_cycle"
    folder.mkdir()
    (folder / WAREHOUSE).write_bytes((cockpit_warehouse / WAREHOUSE).read_bytes())
    _write(folder / WAREHOUSE, {"sop.consensus_plan": CONSENSUS})
    dbt_build(folder, "plan_context")  # the S&OP cycle's run builds the cockpit's models after the consensus plan
    sql = "SELECT sop_plan_version, sop_status FROM cockpit.plan_context"
    # the latest proposals tie on their time: the smaller version
    assert _rows(folder / WAREHOUSE, sql) == [("SOP-202610-bbbbbbbb", "proposed")]
    with duckdb.connect(str(folder / WAREHOUSE)) as con:  # the approval changes the status in place
        con.execute("UPDATE sop.consensus_plan SET status = CASE plan_version WHEN 'SOP-202610-bbbbbbbb' THEN 'approved' ELSE 'superseded' END")
    assert _rows(folder / WAREHOUSE, sql) == [("SOP-202610-bbbbbbbb", "approved")]  # no rebuild: the page shows the decision
