"""Python-written tables against their declarations in dbt's sources (orchestration/declared_tables.py)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.declared_tables import (
    MANIFEST,
    DeclarationError,
    Difference,
    conformed_select,
    create_if_missing,
    declarations,
    declared_tables,
    undeclared_differences,
)

PLAN_FILE = "models/marts/plan/_plan_sources.yml"


def _source(schema: str, table: str, columns: dict[str, str | None], where: str = PLAN_FILE, extra: dict | None = None) -> dict:
    """A source table as dbt's manifest holds it (the keys declared_tables reads)."""
    return {
        "schema": schema,
        "identifier": table,
        "original_file_path": where,
        "columns": {name: {"name": name, "data_type": kind} for name, kind in columns.items()},
        "config": {"meta": {"planline": {"extra_columns": extra}} if extra else {}},
    }


def _manifest(*sources: dict) -> dict:
    return {"sources": {f"source.planline.{s['schema']}.{s['identifier']}.{i}": s for i, s in enumerate(sources)}}


ORDERS = _source("plan", "orders", {"order_id": "varchar", "due_date": "date", "units": "double", "line": "integer"})
BACKTEST = _source(
    "plan", "backtest", {"forecast_date": "date", "model": "double"}, extra={"data_type": "double", "description": "one column per baseline model"}
)
RAW = _source("raw", "sales", {"sku": None, "units": None})  # described, not typed: no declaration


@pytest.fixture
def manifest(tmp_path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(_manifest(ORDERS, BACKTEST, RAW)))
    return path


def test_typed_source_tables_are_declarations_and_untyped_ones_are_not():
    declared = declarations(_manifest(ORDERS, BACKTEST, RAW))
    assert sorted(declared) == [("plan", "backtest"), ("plan", "orders")]
    assert declared["plan", "orders"].columns == {"order_id": "varchar", "due_date": "date", "units": "double", "line": "integer"}
    assert declared["plan", "backtest"].extra_columns.data_type == "double"
    assert declared["plan", "orders"].extra_columns is None


def test_a_table_typing_some_columns_only_is_refused_naming_the_file_and_columns():
    half = _source("plan", "orders", {"order_id": "varchar", "units": None, "line": None})
    with pytest.raises(DeclarationError, match=f"{PLAN_FILE}: plan.orders types some of its columns but not units, line"):
        declarations(_manifest(half))


def test_extra_columns_need_a_type_and_a_description():
    vague = _source("plan", "backtest", {"model": "double"}, extra={"data_type": "double"})
    with pytest.raises(DeclarationError, match="plan.backtest's meta planline.extra_columns needs a data_type and a description"):
        declarations(_manifest(vague))


def test_a_table_declared_by_two_sources_has_their_columns_and_one_type_per_column():
    reader = _source("plan", "orders", {"order_id": "varchar", "status": "varchar"}, where="models/marts/cockpit/_cockpit_sources.yml")
    merged = declarations(_manifest(reader, ORDERS))["plan", "orders"]
    assert list(merged.columns) == ["order_id", "due_date", "units", "line", "status"]  # the fuller declaration's order first
    clash = _source("plan", "orders", {"units": "bigint"}, where="models/marts/cockpit/_cockpit_sources.yml")
    with pytest.raises(DeclarationError, match="plan.orders.units is declared double and bigint"):
        declarations(_manifest(ORDERS, clash))


def test_each_difference_of_a_written_table_is_named(manifest):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA plan")
    # due_date as a timestamp (pandas' days), line missing, comment not declared
    con.execute("CREATE TABLE plan.orders (order_id VARCHAR, due_date TIMESTAMP, units DOUBLE, comment VARCHAR)")
    # a baseline's column is allowed, of the extra columns' type only
    con.execute("CREATE TABLE plan.backtest (forecast_date DATE, model DOUBLE, ets DOUBLE, sba VARCHAR)")
    con.execute("CREATE TABLE plan.undeclared (anything INTEGER)")
    differences = undeclared_differences(con, manifest)
    assert differences == [
        Difference("plan.backtest", "sba", "type", "double", "varchar"),
        Difference("plan.orders", "line", "missing", "integer", None),
        Difference("plan.orders", "due_date", "type", "date", "timestamp"),
        Difference("plan.orders", "comment", "extra", None, "varchar"),
    ]
    assert [str(d) for d in differences[1:]] == [
        "plan.orders.line: declared integer, missing from the table",
        "plan.orders.due_date: declared date, in the table as timestamp",
        "plan.orders.comment: in the table as varchar, not declared",
    ]


def test_a_table_not_written_yet_is_no_difference(manifest):
    assert undeclared_differences(duckdb.connect(), manifest) == []


def test_create_if_missing_makes_the_declared_columns_and_types_and_keeps_a_table_there(manifest):
    con = duckdb.connect()
    create_if_missing(con, "plan", "orders", manifest)
    described = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position").fetchall()
    assert described == [("order_id", "VARCHAR"), ("due_date", "DATE"), ("units", "DOUBLE"), ("line", "INTEGER")]
    con.execute("INSERT INTO plan.orders VALUES ('A', DATE '2026-10-01', 2.0, 1)")
    create_if_missing(con, "plan", "orders", manifest)
    assert con.execute("SELECT count(*) FROM plan.orders").fetchone() == (1,)
    assert undeclared_differences(con, manifest) == []
    with pytest.raises(KeyError, match="plan.unknown is not declared"):
        create_if_missing(con, "plan", "unknown", manifest)


def _written(con, frame: pd.DataFrame, table: str, manifest: Path) -> list[tuple]:
    con.register("incoming", frame)
    con.execute("CREATE SCHEMA IF NOT EXISTS plan")
    con.execute(f"CREATE OR REPLACE TABLE plan.{table} AS SELECT {conformed_select(con, 'incoming', 'plan', table, manifest)} FROM incoming")
    return con.execute(f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position").fetchall()


def test_a_frame_is_written_in_the_declared_types(manifest):
    con = duckdb.connect()
    frame = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "due_date": pd.to_datetime(["2026-10-01", "2026-10-02"]).as_unit("ns"),  # pandas' days: nanosecond timestamps
            "units": [1, 2],  # whole numbers as integers
            "line": [1.0, None],  # a missing value made them floats
        }
    )
    assert _written(con, frame, "orders", manifest) == [("order_id", "VARCHAR"), ("due_date", "DATE"), ("units", "DOUBLE"), ("line", "INTEGER")]
    assert con.execute("SELECT * FROM plan.orders ORDER BY order_id").fetchall() == [
        ("A", pd.Timestamp("2026-10-01").date(), 1.0, 1),
        ("B", pd.Timestamp("2026-10-02").date(), 2.0, None),
    ]


def test_columns_without_a_value_and_an_empty_frame_take_the_declared_types(manifest):
    con = duckdb.connect()
    no_values = pd.DataFrame({"order_id": ["A"], "due_date": [None], "units": [None], "line": [None]})
    assert _written(con, no_values, "orders", manifest) == [("order_id", "VARCHAR"), ("due_date", "DATE"), ("units", "DOUBLE"), ("line", "INTEGER")]
    empty = pd.DataFrame({"order_id": pd.Series(dtype=object)})  # no rows: every declared column, typed
    assert _written(con, empty, "orders", manifest) == [("order_id", "VARCHAR"), ("due_date", "DATE"), ("units", "DOUBLE"), ("line", "INTEGER")]


def test_a_value_the_declared_type_would_change_is_refused_naming_it(manifest):
    con = duckdb.connect()
    with_time = pd.DataFrame(
        {"order_id": ["A", "B"], "due_date": pd.to_datetime(["2026-10-01", "2026-10-02 13:30"], format="ISO8601"), "units": [1.0, 2.0], "line": [1, 2]}
    )
    with pytest.raises(
        ValueError,
        match=r"plan.orders.due_date: declared date \(models/marts/plan/_plan_sources.yml\), but 1 of the frame's timestamp values would change as date, e.g. 2026-10-02 13:30:00",
    ):
        _written(con, with_time, "orders", manifest)
    fraction = pd.DataFrame({"order_id": ["A"], "due_date": pd.to_datetime(["2026-10-01"]), "units": [1.0], "line": [1.5]})
    with pytest.raises(ValueError, match="plan.orders.line: declared integer.*1 of the frame's double values would change as integer, e.g. 1.5"):
        _written(con, fraction, "orders", manifest)


def test_extra_columns_take_their_declared_type_and_undeclared_ones_are_written_as_they_are(manifest):
    con = duckdb.connect()
    backtest = pd.DataFrame({"forecast_date": pd.to_datetime(["2026-10-01"]), "model": [1.0], "ets": [2]})
    assert _written(con, backtest, "backtest", manifest) == [("forecast_date", "DATE"), ("model", "DOUBLE"), ("ets", "DOUBLE")]
    orders = pd.DataFrame({"order_id": ["A"], "due_date": pd.to_datetime(["2026-10-01"]), "units": [1.0], "line": [1], "comment": ["new"]})
    assert ("comment", "VARCHAR") in _written(con, orders, "orders", manifest)  # left for undeclared_differences to report
    assert undeclared_differences(con, manifest) == [Difference("plan.orders", "comment", "extra", None, "varchar")]


def test_every_declaration_of_the_project_names_duckdbs_types():
    """Each declared table made empty from its declaration shows no difference: every data_type is
    the name DuckDB gives the type (integer, not int; varchar, not text; ...). The manifest read is
    the one the code location loads."""
    from orchestration.dbt_project import planline_dbt_project

    assert MANIFEST == planline_dbt_project().manifest_path
    con = duckdb.connect()
    declared = declared_tables()
    assert ("inventory", "order_allocation") in declared and ("forecasting", "backtest_forecasts") in declared
    for schema, table in declared:
        create_if_missing(con, schema, table)
    assert [str(d) for d in undeclared_differences(con)] == []
