"""The one way Python assets read and write the warehouse and the export folder.

- ``read_frame``: a query's rows as a frame (a read-only connection).
- ``replace_table``: a table replaced by a frame's rows (one statement: readers see the old or
  the new table).
- ``append_version``: a frame's rows appended as one version of a versioned table (planned
  orders, forecasts, consensus plans), the rows of the same version replaced: a rerun of the same
  inputs rewrites its version instead of doubling it. The table is made from the frame's columns
  the first time and gains the columns a later frame adds.
- Tables declared in dbt's sources (``orchestration.declared_tables``: the planning tables) are
  written with their declared types: a frame's days as dates, its whole numbers as declared, a
  column without a value in its declared type; a value the declared type would change is refused.
- ``write_export``: files and their manifest (row counts, SHA-256) written to a folder of the
  export folder, each through a temporary file, the manifest last: a reader that finds the
  manifest finds every file it lists, whole.

Table and schema names come from the code, never from outside; values go as parameters.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from orchestration.declared_tables import conformed_select
from orchestration.resources import DuckDBWarehouse, ExportFolder


def read_frame(warehouse: DuckDBWarehouse, sql: str, parameters: list | None = None) -> pd.DataFrame:
    """The rows of ``sql`` (with ``parameters`` for its ``?``) as a frame."""
    with warehouse.connect(read_only=True) as con:
        return con.execute(sql, parameters or []).df()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchone()
    return bool(found and found[0])


def replace_table(warehouse: DuckDBWarehouse, schema: str, table: str, frame: pd.DataFrame) -> None:
    """Create or replace ``schema.table`` with the frame's rows (one transaction), in its declared types."""
    with warehouse.connect() as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.register("incoming", frame)
        con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS SELECT {conformed_select(con, 'incoming', schema, table)} FROM incoming")


def append_version(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame, version_column: str) -> int:
    """Append ``frame`` (every row of one version, ``frame[version_column]``) to ``schema.table``,
    replacing that version's rows; within the caller's connection, so that the caller can read the
    table in the same transaction. The rows take the declared types of a declared table. Returns
    the number of versions the table holds."""
    versions = frame[version_column].unique()
    if len(versions) != 1:
        raise ValueError(f"{schema}.{table}: append_version takes the rows of one {version_column}, got {len(versions)}")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.register("incoming_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT {conformed_select(con, 'incoming_frame', schema, table)} FROM incoming_frame")
    con.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{table} AS SELECT * FROM incoming WITH NO DATA")
    existing = {
        row[0]
        for row in con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall()
    }
    for column in frame.columns:
        if column not in existing:  # a table made by an older release: the new column, empty for the old versions
            dtype = con.execute(f'SELECT typeof("{column}") FROM incoming LIMIT 1').fetchone()
            con.execute(f'ALTER TABLE {schema}.{table} ADD COLUMN "{column}" {dtype[0] if dtype else "VARCHAR"}')
    con.execute(f"DELETE FROM {schema}.{table} WHERE {version_column} = ?", [versions[0]])
    con.execute(f"INSERT INTO {schema}.{table} BY NAME SELECT * FROM incoming")
    con.execute("DROP VIEW incoming")
    con.unregister("incoming_frame")
    return con.execute(f"SELECT count(DISTINCT {version_column}) FROM {schema}.{table}").fetchone()[0]


def write_export(exports: ExportFolder, parts: tuple[str, ...], files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Path:
    """Write ``files`` to the export sub-folder ``parts`` and, last, ``manifest.json``: the
    manifest given, plus each file's lines (rows under a header) and SHA-256 under ``files``."""
    folder = exports.folder(*parts)
    listed: dict[str, dict] = {name: dict(details) for name, details in manifest.get("files", {}).items()}
    for name, data in files.items():
        exports.write(folder, name, data)
        listed.setdefault(name, {}).update(lines=max(data.count(b"\n") - 1, 0), sha256=hashlib.sha256(data).hexdigest())
    document = {**manifest, "files": listed}
    exports.write(folder, "manifest.json", (json.dumps(document, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8"))
    return folder
