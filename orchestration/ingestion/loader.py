"""Load a source's new or changed files into its raw table, idempotently.

Every raw row keeps its source file, row number and load time; rows of a transactional source
also get their business day (``_partition_date``), the daily partition they belong to. A file
already loaded with the same content is skipped; a file whose content changed (a corrected
re-export) replaces its earlier rows. A file that cannot be parsed is rejected whole: moved to the
rejected folder with an ``.error.txt`` beside it and recorded in ``raw._rejected_files`` (until the
file is delivered intact); the other files load. Each file is read once: its hash and its rows
come from the same bytes. Rows and the load log are written in one transaction, so a crash leaves
no half-loaded file; loaded files then move to the processed folder (a crash between the two
leaves a loaded file in the landing folder, which the next run recognizes by its hash and moves).

With a partition window, only the files holding at least one row of the window are loaded: a
file of late events is loaded by the first run of any day it touches, and its other days are
reported (``days_outside_window``) so that they can be refreshed too.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
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


@dataclass(frozen=True)
class PartitionWindow:
    """Business days ``start`` (inclusive) to ``end`` (exclusive) of a run, within the partitions
    ``first``..``last``: days before the first partition count as the first, days after the last
    (future-dated rows) as the last, so that no row is left without a partition."""

    start: date
    end: date
    first: date
    last: date

    def clamp(self, day: date) -> date:
        return min(max(day, self.first), self.last)

    def contains(self, day: date) -> bool:
        return self.start <= self.clamp(day) < self.end


@dataclass
class LoadReport:
    source: str
    files_seen: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_replaced: list[str] = field(default_factory=list)
    files_unchanged: int = 0
    files_outside_window: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rejected: list[RejectedFile] = field(default_factory=list)
    rows_in_table: int = 0
    days_loaded: set[date] = field(default_factory=set)

    @property
    def files_new(self) -> list[str]:
        return [*self.files_loaded, *self.files_replaced]


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    columns = ", ".join(f'"{c}" VARCHAR' for c in contract.columns)
    partition = ", _partition_date DATE" if contract.partitioned else ""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {contract.table} ({columns}, _extra VARCHAR, _source_file VARCHAR NOT NULL, "
        f"_row_number BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL{partition})"
    )
    # warehouses loaded before a column was added to the contract (an optional field of a newer export)
    existing = {row[0] for row in con.execute(f"SELECT column_name FROM (DESCRIBE {contract.table})").fetchall()}
    for column in [c for c in contract.columns if c not in existing]:
        con.execute(f'ALTER TABLE {contract.table} ADD COLUMN "{column}" VARCHAR')
    if contract.partitioned:
        # warehouses loaded before daily partitions existed: add and fill the column once
        con.execute(f"ALTER TABLE {contract.table} ADD COLUMN IF NOT EXISTS _partition_date DATE")
        if con.execute(f"SELECT count(*) FROM {contract.table} WHERE _partition_date IS NULL").fetchone()[0]:
            con.execute(
                f"UPDATE {contract.table} AS t SET _partition_date = p.day FROM ({partition_dates_sql(contract, contract.table)}) p "
                "WHERE t._source_file = p._source_file AND t._row_number = p._row_number"
            )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._load_log (source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, validated_at TIMESTAMP)"
    )
    # logs made before validations were recorded: their files are validated once more, then marked
    con.execute("ALTER TABLE raw._load_log ADD COLUMN IF NOT EXISTS validated_at TIMESTAMP")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._rejected_files (source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, error VARCHAR NOT NULL, kept_at VARCHAR NOT NULL, rejected_at TIMESTAMP NOT NULL, "
        "resolved_at TIMESTAMP)"
    )


def partition_dates_sql(contract: Contract, relation: str) -> str:
    """(_source_file, _row_number, day) of every row of ``relation``: the row's business day, else
    (no parseable date: the row will be quarantined) the earliest day of its file, else the load day."""
    return (
        f"SELECT _source_file, _row_number, coalesce(day, min(day) OVER (PARTITION BY _source_file), CAST(_loaded_at AS DATE)) AS day "
        f"FROM (SELECT r._source_file, r._row_number, r._loaded_at, {contract.partition_date} AS day FROM {relation} r)"
    )


def outstanding_rejections(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str]]:
    """(file, error) of the source's rejected files not yet delivered intact."""
    return con.execute("SELECT source_file, error FROM raw._rejected_files WHERE source = ? AND resolved_at IS NULL ORDER BY source_file", [source]).fetchall()


def unvalidated_files(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    """Loaded files of the source whose rows no validation has checked yet: new and re-exported
    files, and those of a run stopped between loading and validating (a crash, a kill)."""
    rows = con.execute(
        "SELECT source_file FROM raw._load_log WHERE source = ? AND status = 'loaded' AND validated_at IS NULL ORDER BY source_file", [source]
    ).fetchall()
    return [file for (file,) in rows]


def mark_validated(con: duckdb.DuckDBPyConnection, source: str, files: list[str] | None, now: datetime) -> None:
    """Record that the rows of ``files`` (None: all the source's loaded files) have been validated
    and their quarantine written (call it after the write: a crash in between only validates again)."""
    con.execute(
        "UPDATE raw._load_log SET validated_at = ? WHERE source = ? AND status = 'loaded' AND validated_at IS NULL "
        "AND (CAST(? AS VARCHAR[]) IS NULL OR list_contains(?, source_file))",
        [now, source, files, files],
    )


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


def _archive(path: Path, relative: str, sha: str, processed_dir: Path) -> None:
    """Move a loaded file to the processed folder (an atomic rename; an earlier, different version
    already there is kept under its name suffixed with its hash)."""
    target = processed_dir / relative
    if target.exists():
        kept_sha = hashlib.sha256(target.read_bytes()).hexdigest()
        if kept_sha != sha:
            target.rename(target.with_name(f"{target.name}.{kept_sha[:12]}"))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)


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


def load_source(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    landing: Path,
    rejected_dir: Path,
    now: datetime,
    *,
    processed_dir: Path | None = None,
    window: PartitionWindow | None = None,
) -> LoadReport:
    """Load the new or changed files of ``contract``'s source from ``landing`` into ``raw.<source>``.

    Args:
        processed_dir: where loaded files move to (None: they stay in the landing folder).
        window: for a transactional source, load only the files with a row in these days.
    """
    ensure_raw_tables(con, contract)
    report = LoadReport(contract.source)
    known = dict(con.execute("SELECT source_file, sha256 FROM raw._load_log WHERE source = ? AND status = 'loaded'", [contract.source]).fetchall())
    tables: list[pa.Table] = []
    batch_files: list[tuple[str, str, int, bool]] = []
    paths: dict[str, Path] = {}
    intact: list[str] = []
    for relative, path in source_files(contract, landing):
        report.files_seen += 1
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if known.get(relative) == sha:  # already in raw (a re-delivery, or a crash before the move)
            report.files_unchanged += 1
            intact.append(relative)
            if processed_dir is not None:
                _archive(path, relative, sha, processed_dir)
            continue
        try:
            if contract.file_format == "csv":
                table = read_csv_table(data, relative, contract.columns, contract.separator, contract.optional_columns)
            else:
                table = read_jsonl_table(data, relative, contract.columns)
        except UnparseableFile as error:
            report.rejected.append(_reject(con, contract, relative, path, sha, str(error), rejected_dir, now))
            continue
        tables.append(table)
        batch_files.append((relative, sha, table.num_rows, relative in known))
        paths[relative] = path

    if batch_files:
        incoming = _with_row_origin(pa.concat_tables(tables).combine_chunks(), batch_files, now)
        con.register("incoming_rows", incoming)
        try:
            selection, partition_column = _select_files(con, contract, batch_files, window, report)
            batch_files = [f for f in batch_files if f[0] in selection]
            _insert(con, contract, batch_files, partition_column, now)
        finally:
            con.unregister("incoming_rows")
        report.files_loaded = [f for f, _, _, was_loaded in batch_files if not was_loaded]
        report.files_replaced = [f for f, _, _, was_loaded in batch_files if was_loaded]
        report.rows_loaded = sum(n for _, _, n, _ in batch_files)
        intact += [f for f, _, _, _ in batch_files]
        if processed_dir is not None:
            for relative, sha, _, _ in batch_files:
                _archive(paths[relative], relative, sha, processed_dir)
    _resolve_rejections(con, contract.source, intact, now)
    report.rows_in_table = con.execute(f"SELECT count(*) FROM {contract.table}").fetchone()[0]
    return report


def _select_files(con, contract: Contract, batch_files, window: PartitionWindow | None, report: LoadReport) -> tuple[set[str], str]:
    """Files of the batch to load now, and the SQL of the rows' partition day (``_partition_date``)."""
    if not contract.partitioned:
        return {f for f, *_ in batch_files}, ""
    days_sql = partition_dates_sql(contract, "incoming_rows")
    days_by_file = con.execute(f"SELECT _source_file, list(DISTINCT day) FROM ({days_sql}) GROUP BY _source_file").fetchall()
    selection = set()
    for file, days in days_by_file:
        if window is None or any(window.contains(day) for day in days):
            selection.add(file)
            report.days_loaded.update(window.clamp(day) if window else day for day in days)
        else:
            report.files_outside_window.append(file)
    selection.update(f for f, _, n, _ in batch_files if n == 0)  # a file with a header only: nothing to place, load it
    return selection, days_sql


def _insert(con, contract: Contract, batch_files, days_sql: str, now: datetime) -> None:
    """Replace the rows of re-exported files and insert the batch's rows, with the load log, in one transaction."""
    if not batch_files:
        return
    files = [f for f, *_ in batch_files]
    if days_sql:
        rows = (
            f"SELECT i.*, d.day AS _partition_date FROM incoming_rows i JOIN ({days_sql}) d USING (_source_file, _row_number) "
            "WHERE list_contains($files, i._source_file)"
        )
    else:
        rows = "SELECT * FROM incoming_rows i WHERE list_contains($files, i._source_file)"
    con.execute("BEGIN TRANSACTION")
    try:
        for file in [f for f, _, _, was_loaded in batch_files if was_loaded]:
            con.execute(f"DELETE FROM {contract.table} WHERE _source_file = ?", [file])
            con.execute("UPDATE raw._load_log SET status = 'replaced' WHERE source = ? AND source_file = ? AND status = 'loaded'", [contract.source, file])
        con.execute(f"INSERT INTO {contract.table} BY NAME {rows}", {"files": files})
        con.executemany(
            "INSERT INTO raw._load_log (source, source_file, sha256, rows, loaded_at, status) VALUES (?, ?, ?, ?, ?, 'loaded')",
            [(contract.source, f, sha, n, now) for f, sha, n, _ in batch_files],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
