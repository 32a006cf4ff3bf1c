"""The door's in-memory database: the master data the stream contracts read, and the seen keys.

Built from a published snapshot of the warehouse, opened read-only (never the writer's file):

- the raw tables of the master sources the intake contracts read (``VALID(source)`` lookups and
  ``raw.<source>`` references, ``registry.tables_read``) and those the ATP movements need (items,
  cross-reference, unit conversions, locations). A table read only through ``VALID()`` is copied
  with its valid rows alone (the same rows ``VALID()`` gives, at a fraction of the cost); one read
  as ``raw.<source>`` keeps every row, with its ``governance.quarantine`` entries;
- the ``company`` schema (channels, units, code systems, location types...);
- an empty ``raw.<source>`` per intake source: a batch is inserted there, checked, then removed;
- the seen keys of each intake source (``seen_<source>``: key text as primary key, md5 of the
  canonical payload, the payload itself for events received by the service): the first row of
  each key of the snapshot's raw table, then every logged event the door is told about.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np

from data_contracts.company.apply import sql_literal
from data_contracts.frame import QUARANTINE_TABLE, valid_rows_sql
from data_contracts.model import Contract
from data_contracts.registry import contract_for, tables_read
from data_contracts.validate import ensure_governance_schema
from orchestration.ingestion.loader import ensure_raw_tables

# Master sources the ATP movements read (sku, unit factors, locations), whatever the contracts read.
MOVEMENT_SOURCES = ("erp_items", "erp_item_xref", "erp_unit_conversions", "erp_locations")
_RAW_REFERENCE = re.compile(r"\braw\.(\w+)")


def contract_sql(contract: Contract) -> str:
    """Every SQL text of a contract (derived columns, joins, parameters, rules)."""
    return " ".join([*contract.derived.values(), *contract.joins, *contract.parameters.values(), *(r.sql or "" for r in contract.rules)])


def seen_table(source: str) -> str:
    return f"seen_{source}"


def key_sql(contract: Contract, alias: str = "r") -> str:
    """SQL: the event's key as text (the key's values joined by '|'), null when a part is empty."""
    parts = [f"{alias}.{c}" for c in contract.key]
    complete = " AND ".join(f"{p} IS NOT NULL" for p in parts)
    return f"CASE WHEN {complete} THEN concat_ws('|', {', '.join(parts)}) END"


def payload_sql(contract: Contract, alias: str = "r") -> str:
    """SQL: the canonical payload as a JSON list of the contract's columns (in order)."""
    return f"to_json([{', '.join(f'CAST({alias}.{c} AS VARCHAR)' for c in contract.columns)}])"


def payload_hash_sql(payload: str) -> str:
    """SQL: the md5 of a payload (``payload_sql``), the one function for snapshot and batch rows."""
    return f"md5_number({payload})"


def _snapshot_tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'snap' AND table_schema = ?", [schema]).fetchall()
    return {name for (name,) in rows}


def _copy_master(con: duckdb.DuckDBPyConnection, source: str, whole: bool, raw_tables: set[str], has_quarantine: bool) -> None:
    """Copy one master source's raw table from the snapshot (``whole``: every row and its
    quarantine entries; else its valid rows only), or create it empty when the snapshot has none."""
    contract = contract_for(source)
    if source in raw_tables:
        quarantined = (
            f" WHERE NOT EXISTS (SELECT 1 FROM snap.{QUARANTINE_TABLE} q WHERE q.source = {sql_literal(source)} "
            "AND q.source_file = r._source_file AND q.row_number = r._row_number)"
            if has_quarantine and not whole
            else ""
        )
        con.execute(f"CREATE TABLE raw.{source} AS SELECT * FROM snap.raw.{source} r{quarantined}")
        if whole and has_quarantine:
            con.execute(f"INSERT INTO {QUARANTINE_TABLE} BY NAME SELECT * FROM snap.{QUARANTINE_TABLE} WHERE source = ?", [source])
    ensure_raw_tables(con, contract)  # a table the snapshot lacks, or columns it lacks


def build_master(snapshot: Path, contracts: list[Contract]) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding what the ``contracts`` (intake sources) and their ATP
    movements read, copied from the snapshot opened read-only, and an empty raw table per source."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {sql_literal(str(snapshot))} AS snap (READ_ONLY)")
        raw_tables, company_tables = _snapshot_tables(con, "raw"), _snapshot_tables(con, "company")
        has_quarantine = "quarantine" in _snapshot_tables(con, "governance")
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE SCHEMA company")
        ensure_governance_schema(con)
        for table in sorted(company_tables):
            con.execute(f"CREATE TABLE company.{table} AS SELECT * FROM snap.company.{table}")
        read_whole = {name for c in contracts for name in _RAW_REFERENCE.findall(contract_sql(c)) if name != c.source}
        masters = {name for c in contracts for name in tables_read(c)} | set(MOVEMENT_SOURCES)
        for source in sorted(masters):
            _copy_master(con, source, source in read_whole, raw_tables, has_quarantine)
        for contract in contracts:
            ensure_raw_tables(con, contract)
            _build_seen(con, contract, contract.source in raw_tables)
        con.execute("DETACH snap")
        # a batch's check is many small statements: one thread plans and runs them faster than two
        # (117 against 140 ms for 200 events at best, 161 against 198 ms median, measured)
        con.execute("SET threads = 1")
    except Exception:
        con.close()
        raise
    return con


def _build_seen(con: duckdb.DuckDBPyConnection, contract: Contract, in_snapshot: bool) -> None:
    """``seen_<source>``: the first row of each key of the snapshot's raw table (loader order:
    load time, file, row number) with its payload hash; the payload is kept for intake events only."""
    table = seen_table(contract.source)
    con.execute(f"CREATE TABLE {table} (key VARCHAR PRIMARY KEY, hash UHUGEINT NOT NULL, payload VARCHAR)")
    if not in_snapshot:
        return
    key = key_sql(contract)
    con.execute(
        f"INSERT INTO {table} SELECT key, {payload_hash_sql('payload')}, NULL FROM ("
        f"SELECT DISTINCT ON (key) {key} AS key, {payload_sql(contract)} AS payload FROM snap.raw.{contract.source} r "
        f"WHERE {key} IS NOT NULL ORDER BY key, r._loaded_at, r._source_file, r._row_number)"
    )


def key_hashes(con: duckdb.DuckDBPyConnection, source: str) -> np.ndarray:
    """The sorted 64-bit hashes (DuckDB ``hash``) of the source's seen keys: a compact prefilter
    (8 bytes a key) telling which keys of a batch may have been seen, so that the index is only
    looked up for those (a join would scan every seen key on every batch)."""
    values = con.execute(f"SELECT hash(key) AS h FROM {seen_table(source)} ORDER BY h").fetchnumpy()["h"]
    return np.asarray(values, dtype=np.uint64)


def valid_rows(source: str) -> str:
    """SQL: the source's rows that passed their contract, in the door's database."""
    return valid_rows_sql(source)
