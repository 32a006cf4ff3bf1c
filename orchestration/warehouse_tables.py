"""Reading frames from the warehouse and writing Python assets' tables into it."""

import pandas as pd

from orchestration.resources import DuckDBWarehouse


def read_frame(warehouse: DuckDBWarehouse, sql: str, parameters: list | None = None) -> pd.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return con.execute(sql, parameters or []).df()


def replace_table(warehouse: DuckDBWarehouse, schema: str, table: str, frame: pd.DataFrame) -> None:
    """Create or replace ``schema.table`` with the frame's rows (one transaction)."""
    with warehouse.connect() as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.register("incoming", frame)
        con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS SELECT * FROM incoming")
