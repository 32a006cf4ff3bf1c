"""Load a source's new files into its raw table, idempotently.

Every raw row keeps its source file, row number and load time. A file already loaded with the
same content is skipped; a file whose content changed (a corrected re-export) replaces its
earlier rows. A file that cannot be parsed is rejected whole: moved to the rejected folder with
an ``.error.txt`` beside it and recorded in ``raw._rejected_files`` (until the file is delivered
intact); the other files load. Each file is read once: its hash and its rows come from the same
bytes. Rows and the load log are written in one transaction, so a crash leaves no half-loaded file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from data_contracts.model import Contract
from orchestration.ingestion.parsers import UnparseableFile, read_csv_table, read_jsonl_table


@dataclass
class RejectedFile:
    file: str
    error: str
    kept_at: str


@dataclass
class LoadReport:
    source: str
    files_seen: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_replaced: list[str] = field(default_factory=list)
    files_unchanged: int = 0
    rows_loaded: int = 0
    rejected: list[RejectedFile] = field(default_factory=list)
    rows_in_table: int = 0


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    columns = ", ".join(f'"{c}" VARCHAR' for c in contract.columns)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {contract.table} ({columns}, _extra VARCHAR, _source_file VARCHAR NOT NULL, "
        "_row_number BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._load_log (source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._rejected_files (source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, error VARCHAR NOT NULL, kept_at VARCHAR NOT NULL, rejected_at TIMESTAMP NOT NULL, "
        "resolved_at TIMESTAMP)"
    )


def outstanding_rejections(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str]]:
    """(file, error) of the source's rejected files not yet delivered intact."""
    return con.execute("SELECT source_file, error FROM raw._rejected_files WHERE source = ? AND resolved_at IS NULL ORDER BY source_file", [source]).fetchall()


def source_files(contract: Contract, landing: Path) -> list[tuple[str, Path]]:
    """(path relative to landing, absolute path) of the source's files, confined to the landing folder."""
    root = landing.resolve()
    found = []
    for path in sorted(root.glob(contract.files)):
        resolved = path.resolve()
        if not resolved.is_relative_to(root) or not resolved.is_file():
            continue  # a symlink leading outside the landing folder is never read
        found.append((path.relative_to(root).as_posix(), resolved))
    return found


def _reject(con, contract: Contract, relative: str, path: Path, sha: str, error: str, rejected_dir: Path, now: datetime) -> RejectedFile:
    """Record the rejection, then move the file out of the landing folder (never over another kept copy)."""
    target = rejected_dir / relative
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() != sha:
        target = target.with_name(f"{target.name}.{sha[:12]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw._rejected_files WHERE source = ? AND source_file = ? AND sha256 = ?", [contract.source, relative, sha])
        con.execute("INSERT INTO raw._rejected_files VALUES (?, ?, ?, ?, ?, ?, NULL)", [contract.source, relative, sha, error, str(target), now])
        os.replace(path, target)  # atomic within one filesystem
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    target.with_name(target.name + ".error.txt").write_text(error + "\n", encoding="utf-8")
    return RejectedFile(relative, error, str(target))


def _resolve_rejections(con, source: str, intact_files: list[str], now: datetime) -> None:
    """Mark the source's outstanding rejections whose file is now in the landing folder intact."""
    outstanding = {f for f, _ in outstanding_rejections(con, source)}
    resolved = outstanding.intersection(intact_files)
    if resolved:
        con.executemany(
            "UPDATE raw._rejected_files SET resolved_at = ? WHERE source = ? AND source_file = ? AND resolved_at IS NULL",
            [(now, source, f) for f in sorted(resolved)],
        )


def _with_row_origin(table: pa.Table, files: list[tuple[str, str, int, bool]], now: datetime) -> pa.Table:
    """Append each row's file, 1-based row number in that file, and load time (files in table order)."""
    counts = np.array([n for _, _, n, _ in files], dtype=np.int64)
    names = np.array([f for f, _, _, _ in files], dtype=object)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return (
        table.append_column("_source_file", pa.array(np.repeat(names, counts), type=pa.string()))
        .append_column("_row_number", pa.array(np.arange(counts.sum(), dtype=np.int64) - starts + 1))
        .append_column("_loaded_at", pa.array(np.full(table.num_rows, np.datetime64(now, "us")), type=pa.timestamp("us")))
    )


def load_source(con: duckdb.DuckDBPyConnection, contract: Contract, landing: Path, rejected_dir: Path, now: datetime) -> LoadReport:
    """Load the new or changed files of ``contract``'s source from ``landing`` into ``raw.<source>``."""
    ensure_raw_tables(con, contract)
    report = LoadReport(contract.source)
    known = dict(con.execute("SELECT source_file, sha256 FROM raw._load_log WHERE source = ? AND status = 'loaded'", [contract.source]).fetchall())
    tables: list[pa.Table] = []
    batch_files: list[tuple[str, str, int, bool]] = []
    intact: list[str] = []
    for relative, path in source_files(contract, landing):
        report.files_seen += 1
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if known.get(relative) == sha:
            report.files_unchanged += 1
            intact.append(relative)
            continue
        try:
            if contract.file_format == "csv":
                table = read_csv_table(data, relative, contract.columns, contract.separator)
            else:
                table = read_jsonl_table(data, relative, contract.columns)
        except UnparseableFile as error:
            report.rejected.append(_reject(con, contract, relative, path, sha, str(error), rejected_dir, now))
            continue
        tables.append(table)
        batch_files.append((relative, sha, table.num_rows, relative in known))

    if batch_files:
        incoming = _with_row_origin(pa.concat_tables(tables).combine_chunks(), batch_files, now)
        con.execute("BEGIN TRANSACTION")
        try:
            replaced = [f for f, _, _, was_loaded in batch_files if was_loaded]
            for file in replaced:
                con.execute(f"DELETE FROM {contract.table} WHERE _source_file = ?", [file])
                con.execute("UPDATE raw._load_log SET status = 'replaced' WHERE source = ? AND source_file = ? AND status = 'loaded'", [contract.source, file])
            con.register("incoming_rows", incoming)
            con.execute(f"INSERT INTO {contract.table} SELECT * FROM incoming_rows")
            con.unregister("incoming_rows")
            con.executemany(
                "INSERT INTO raw._load_log VALUES (?, ?, ?, ?, ?, 'loaded')",
                [(contract.source, f, sha, n, now) for f, sha, n, _ in batch_files],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        report.files_loaded = [f for f, _, _, was_loaded in batch_files if not was_loaded]
        report.files_replaced = replaced
        report.rows_loaded = incoming.num_rows
        intact += [f for f, _, _, _ in batch_files]
    _resolve_rejections(con, contract.source, intact, now)
    report.rows_in_table = con.execute(f"SELECT count(*) FROM {contract.table}").fetchone()[0]
    return report
