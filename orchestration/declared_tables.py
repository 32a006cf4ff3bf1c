"""The tables Planline's Python writes, as dbt's sources declare them: every column and its type.

A dbt source table whose columns carry a ``data_type`` declares a table Python writes (the
planning schemas' tables in ``dbt_project/models/marts/*/_*_sources.yml``, the ingestion's logs).
``data_type`` is the name DuckDB gives the type in ``information_schema.columns.data_type``,
lower-case (``varchar``, ``double``, ``date``, ``timestamp``, ``bigint``, ``decimal(28,6)``...).
A table whose columns vary by run (one column per baseline model) declares its fixed columns and,
in ``config.meta.planline.extra_columns``, the type and a description of the others. A table
several sources declare (each reader may have its own) is the union of their columns; a column
declared twice has one type.

The declarations are read from dbt's manifest (``make dbt-parse`` writes it), so that dbt's docs,
the writers and the check share one statement of each table:

- ``create_if_missing``: the table, empty, with its declared columns and types (a table a run
  had nothing to write into, for its readers);
- ``conformed_select``: what ``orchestration.warehouse_io`` writes a frame through: each declared
  column in its declared type, refused when a value would change (pandas keeps no date type, and
  a column without a value has none at all);
- ``undeclared_differences``: every declared table the warehouse holds against its declaration,
  the columns missing, extra or of another type.

Plain Python, no Dagster (nor dagster-dbt, whose import takes seconds: the manifest's path is
the dbt project's target folder, as ``orchestration.dbt_project`` has it).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from orchestration.settings import REPO_ROOT

# dbt's manifest, where `make dbt-parse` (python -m orchestration.dbt_project) writes it
MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"


class DeclarationError(ValueError):
    """A source declaration that cannot be used: a column without its type, two types for one column."""


@dataclass(frozen=True)
class ExtraColumns:
    """The columns a table may hold beside its declared ones (meta ``planline.extra_columns``)."""

    data_type: str
    description: str


@dataclass(frozen=True)
class DeclaredTable:
    schema: str
    table: str
    columns: dict[str, str]  # column -> DuckDB type, lower-case, in the declared order
    extra_columns: ExtraColumns | None
    declared_in: tuple[str, ...]  # the YAML files, for messages

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def type_of(self, column: str) -> str | None:
        """The declared type of ``column`` (the extra columns' for another one), None when the table allows no such column."""
        return self.columns.get(column) or (self.extra_columns.data_type if self.extra_columns else None)


@dataclass(frozen=True)
class Difference:
    """A column of a table in the warehouse that differs from its declaration."""

    table: str  # schema.table
    column: str
    problem: str  # "missing", "extra" or "type"
    declared: str | None  # the declared type (the extra columns' for an extra one), None for a column not declared
    found: str | None  # the warehouse's type, None when missing

    def __str__(self) -> str:
        if self.problem == "missing":
            return f"{self.table}.{self.column}: declared {self.declared}, missing from the table"
        if self.problem == "extra":
            return f"{self.table}.{self.column}: in the table as {self.found}, not declared"
        return f"{self.table}.{self.column}: declared {self.declared}, in the table as {self.found}"


def declarations(manifest: Mapping) -> dict[tuple[str, str], DeclaredTable]:
    """The declared tables of a dbt manifest (its parsed JSON), by (schema, table). A source table
    without typed columns (a raw table, a described one) declares nothing."""
    found: dict[tuple[str, str], DeclaredTable] = {}
    for source in manifest["sources"].values():
        columns = list(source.get("columns", {}).values())
        if not any(c.get("data_type") for c in columns):
            continue
        key, where = (source["schema"], source["identifier"]), source["original_file_path"]
        name = ".".join(key)
        untyped = [c["name"] for c in columns if not c.get("data_type")]
        if untyped:
            raise DeclarationError(f"{where}: {name} types some of its columns but not {', '.join(untyped)}: give each a data_type")
        extra = source.get("config", {}).get("meta", {}).get("planline", {}).get("extra_columns")
        if extra is not None and not (isinstance(extra, Mapping) and extra.get("data_type") and extra.get("description")):
            raise DeclarationError(f"{where}: {name}'s meta planline.extra_columns needs a data_type and a description, got {extra!r}")
        declared = DeclaredTable(
            *key,
            columns={c["name"]: c["data_type"].lower() for c in columns},
            extra_columns=ExtraColumns(extra["data_type"].lower(), extra["description"].strip()) if extra else None,
            declared_in=(where,),
        )
        found[key] = _merged(found[key], declared) if key in found else declared
    return found


def _merged(first: DeclaredTable, second: DeclaredTable) -> DeclaredTable:
    """One table declared by two sources: their columns together (in the order of the one with more), each with one type."""
    if len(second.columns) > len(first.columns):
        first, second = second, first
    where = " and ".join(first.declared_in + second.declared_in)
    for column in first.columns.keys() & second.columns.keys():
        if first.columns[column] != second.columns[column]:
            raise DeclarationError(f"{first.name}.{column} is declared {first.columns[column]} and {second.columns[column]} (in {where}): one type")
    if first.extra_columns and second.extra_columns and first.extra_columns.data_type != second.extra_columns.data_type:
        raise DeclarationError(f"{first.name}'s extra columns are declared of two types (in {where})")
    return DeclaredTable(
        first.schema,
        first.table,
        columns={**first.columns, **{c: kind for c, kind in second.columns.items() if c not in first.columns}},
        extra_columns=first.extra_columns or second.extra_columns,
        declared_in=first.declared_in + second.declared_in,
    )


def declared_tables(manifest_path: Path | None = None) -> dict[tuple[str, str], DeclaredTable]:
    """The declarations of the project's manifest (default: the one the code location loads)."""
    path = Path(manifest_path or MANIFEST)
    if not path.exists():
        raise FileNotFoundError(
            f"the dbt manifest {path} is missing: run `make dbt-parse` (python -m orchestration.dbt_project), it declares the tables Python writes"
        )
    return _read_declarations(path, path.stat().st_mtime_ns)


@cache
def _read_declarations(manifest_path: Path, modified: int) -> dict[tuple[str, str], DeclaredTable]:
    """Read once per version of the manifest (``modified``: a new parse is read again)."""
    return declarations(json.loads(manifest_path.read_text(encoding="utf-8")))


def declared_table(schema: str, table: str, manifest_path: Path | None = None) -> DeclaredTable | None:
    return declared_tables(manifest_path).get((schema, table))


def create_if_missing(con: duckdb.DuckDBPyConnection, schema: str, table: str, manifest_path: Path | None = None) -> None:
    """``schema.table`` as it is, or empty with its declared columns and types."""
    declared = declared_table(schema, table, manifest_path)
    if declared is None:
        raise KeyError(f"{schema}.{table} is not declared: declare its columns and types in a dbt source (dbt_project/models/marts/*/_*_sources.yml)")
    columns = ", ".join(f'"{column}" {kind}' for column, kind in declared.columns.items())
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{table} ({columns})")


def conformed_select(con: duckdb.DuckDBPyConnection, relation: str, schema: str, table: str, manifest_path: Path | None = None) -> str:
    """The select list that writes ``relation`` (a frame registered on ``con``) as ``schema.table``:
    each column in its declared type (``*`` for an undeclared table). A frame's types are not the
    table's: pandas holds days as timestamps (nanoseconds after some operations), whole numbers as
    floats once a value is missing, and a column without any value (an empty frame, None
    throughout) has no type at all. A cast that would change a value is refused (ValueError naming
    the table, the column and a value). Columns the declaration does not know are written as they
    are, and a frame without rows gets the declared columns it lacks: ``undeclared_differences``
    reports what still differs."""
    declared = declared_table(schema, table, manifest_path)
    if declared is None:
        return "*"
    frame_types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    cast = {c: declared.type_of(c) for c, kind in frame_types.items() if declared.type_of(c) not in (None, kind.lower())}
    _refuse_changed_values(con, relation, declared, {c: (frame_types[c], kind) for c, kind in cast.items()})
    items = [f'CAST("{c}" AS {cast[c]}) AS "{c}"' if c in cast else f'"{c}"' for c in frame_types]
    if not con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]:
        items += [f'CAST(NULL AS {kind}) AS "{c}"' for c, kind in declared.columns.items() if c not in frame_types]
    return ", ".join(items)


def _refuse_changed_values(con: duckdb.DuckDBPyConnection, relation: str, declared: DeclaredTable, casts: dict[str, tuple[str, str]]) -> None:
    """ValueError when a cast of ``casts`` (column -> frame type, declared type) changes a value:
    a value that does not cast, or does not come back the same (a day with a time, a fraction
    into a whole number). A column without values (type NULL) casts to anything."""
    checked = {c: types for c, types in casts.items() if types[0] != '"NULL"'}
    if not checked:
        return
    aggregates = []
    for column, (frame, kind) in checked.items():
        changed = f'"{column}" IS NOT NULL AND TRY_CAST(TRY_CAST("{column}" AS {kind}) AS {frame}) IS DISTINCT FROM "{column}"'
        aggregates += [f"count(*) FILTER (WHERE {changed})", f'CAST(any_value("{column}") FILTER (WHERE {changed}) AS VARCHAR)']
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM {relation}").fetchall()[0]
    for i, (column, (frame, kind)) in enumerate(checked.items()):
        count, example = row[2 * i], row[2 * i + 1]
        if count:
            raise ValueError(
                f"{declared.name}.{column}: declared {kind} ({', '.join(declared.declared_in)}), but {count} of the frame's {frame.lower()} values "
                f"would change as {kind}, e.g. {example}: correct the declaration or the frame"
            )


def undeclared_differences(con: duckdb.DuckDBPyConnection, manifest_path: Path | None = None) -> list[Difference]:
    """Every declared table the warehouse holds against its declaration: the declared columns it
    lacks, the columns it has that are not declared (and are not of its extra columns' type, when
    it allows some), the columns of another type. A table not written yet is no difference."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, column, kind in con.execute(
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns ORDER BY table_schema, table_name, ordinal_position"
    ).fetchall():
        found.setdefault((schema, table), {})[column] = kind.lower()
    differences = []
    for key, declared in sorted(declared_tables(manifest_path).items()):
        actual = found.get(key)
        if actual is None:
            continue
        differences += [Difference(declared.name, c, "missing", kind, None) for c, kind in declared.columns.items() if c not in actual]
        for column, kind in actual.items():
            expected = declared.type_of(column)
            if expected is None:
                differences.append(Difference(declared.name, column, "extra", None, kind))
            elif kind != expected:
                differences.append(Difference(declared.name, column, "type", expected, kind))
    return differences
