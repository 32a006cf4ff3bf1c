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

The landing folder is listed without following symbolic links (``listing``): a link, a device,
pipe or socket, a name that is not valid UTF-8 or one no source's pattern matches is rejected
unread, with its reason; nothing waits in the landing folder unreported. Only the regular file
listed is ever opened; one gone or swapped since the listing is left for the next run, reported.
A loaded file changed since it was read stays in the landing folder (the next run loads it as a
re-export). Kept copies go to the rejected folder by the same relative path, never through a link
or over another's name (``kept_copies``); a rejection that cannot be moved is recorded all the
same, "left in the landing folder". Folders that cannot be listed are reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from data_contracts.company.apply import PATH_PROBLEM, UNPARSED
from data_contracts.company.mapping import SourceMapping
from data_contracts.model import Contract
from orchestration.ingestion.batch import MappedFiles
from orchestration.ingestion.kept_copies import archive, keep_rejected
from orchestration.ingestion.listing import (
    NO_SOURCE_NAME,
    ChangedSinceListing,
    LandingEntry,
    ListingError,
    fingerprint,
    name_sha,
    read_regular,
    scan_landing,
    source_of,
    unchanged_since,
)
from orchestration.ingestion.mapped_files import read_file, unreadable
from orchestration.ingestion.parsers import PARSE_PROBLEM, UnparseableFile

# Where a rejected file is said to be when it could not be moved out of the landing folder.
LEFT_IN_LANDING = "left in the landing folder"


@dataclass
class RejectedFile:
    file: str
    error: str
    kept_at: str  # its path in the rejected folder, or why it was left in the landing folder

    @property
    def placement(self) -> str:
        return self.kept_at if self.kept_at.startswith(LEFT_IN_LANDING) else f"kept at {self.kept_at}"


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
    rows_per_file: dict[str, int] = field(default_factory=dict)  # of the files loaded or replaced
    rejected: list[RejectedFile] = field(default_factory=list)
    rows_in_table: int = 0
    days_loaded: set[date] = field(default_factory=set)
    # files loaded but left in the landing folder (their move failed, or they changed since they
    # were read): the next run moves or reloads them
    not_archived: list[str] = field(default_factory=list)
    # files gone or changed since the listing (left for the next run), with why
    skipped: list[str] = field(default_factory=list)
    # folders that could hold the source's files and could not be listed, with the error
    unlisted: list[str] = field(default_factory=list)
    # files loaded and left in the landing folder for the other tables they feed
    waiting: list[str] = field(default_factory=list)

    @property
    def files_new(self) -> list[str]:
        return [*self.files_loaded, *self.files_replaced]


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    columns = ", ".join(f'"{c}" VARCHAR' for c in contract.columns)
    partition = ", _partition_date DATE" if contract.partitioned else ""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {contract.table} ({columns}, _extra VARCHAR, {PARSE_PROBLEM} VARCHAR, {UNPARSED} VARCHAR, {PATH_PROBLEM} VARCHAR, _source_file VARCHAR NOT NULL, "
        f"_row_number BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL{partition})"
    )
    # warehouses loaded before rows carried their structural problem (see parsers.py)
    con.execute(f"ALTER TABLE {contract.table} ADD COLUMN IF NOT EXISTS {PARSE_PROBLEM} VARCHAR")
    # warehouses loaded before source mappings: their rows were all read as their source wrote them
    con.execute(f"ALTER TABLE {contract.table} ADD COLUMN IF NOT EXISTS {UNPARSED} VARCHAR")
    con.execute(f"ALTER TABLE {contract.table} ADD COLUMN IF NOT EXISTS {PATH_PROBLEM} VARCHAR")
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
        # days loaded before they were kept within Python's dates (a year 10000 east of UTC)
        con.execute(
            f"UPDATE {contract.table} SET _partition_date = {python_date_sql('_partition_date')} "
            "WHERE _partition_date NOT BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'"
        )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._load_log (source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, validated_at TIMESTAMP)"
    )
    # logs made before validations were recorded: their files are validated once more, then marked
    con.execute("ALTER TABLE raw._load_log ADD COLUMN IF NOT EXISTS validated_at TIMESTAMP")
    ensure_rejection_log(con)


def ensure_rejection_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._rejected_files (source VARCHAR NOT NULL, source_file VARCHAR NOT NULL, "
        "sha256 VARCHAR NOT NULL, error VARCHAR NOT NULL, kept_at VARCHAR NOT NULL, rejected_at TIMESTAMP NOT NULL, "
        "resolved_at TIMESTAMP)"
    )


def python_date_sql(day: str) -> str:
    """SQL: the date column ``day`` within the dates Python holds (years 1 to 9999): DuckDB gives a
    later one (year 10000, east of UTC) or a date BC as text. A later date counts as 9999-12-31 (a
    future date: the last partition), an earlier one as 0001-01-01; the contract refuses the row."""
    return f"CASE WHEN {day} > DATE '9999-12-31' THEN DATE '9999-12-31' WHEN {day} < DATE '0001-01-01' THEN DATE '0001-01-01' ELSE {day} END"


def partition_dates_sql(contract: Contract, relation: str) -> str:
    """(_source_file, _row_number, day) of every row of ``relation``: the row's business day, else
    (no parseable date: the row will be quarantined) the earliest day of its file, else the load day."""
    days = f"SELECT r._source_file, r._row_number, r._loaded_at, {contract.partition_date} AS day FROM {relation} r"
    return (
        f"SELECT _source_file, _row_number, coalesce(day, min(day) OVER (PARTITION BY _source_file), CAST(_loaded_at AS DATE)) AS day "
        f"FROM (SELECT _source_file, _row_number, _loaded_at, {python_date_sql('day')} AS day FROM ({days}))"
    )


def loaded_days(con: duckdb.DuckDBPyConnection, contracts: list[Contract], since: datetime) -> tuple[date, date] | None:
    """First and last business day of the rows loaded since ``since`` (a run's start) into the
    contracts' raw tables that no contract quarantined: the days a run must harmonize so that
    none of the rows it loaded is left behind, whatever its date (None: no such row)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'").fetchall()}
    quarantine = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'governance' AND table_name = 'quarantine'").fetchone()[0]
    parts = []
    for contract in contracts:
        if contract.partitioned and contract.source in tables:
            valid = (
                f" AND NOT EXISTS (SELECT 1 FROM governance.quarantine q WHERE q.source = '{contract.source}' "
                "AND q.source_file = r._source_file AND q.row_number = r._row_number)"
                if quarantine
                else ""
            )
            parts.append(f"SELECT min(_partition_date) AS lo, max(_partition_date) AS hi FROM {contract.table} r WHERE r._loaded_at >= $since{valid}")
    if not parts:
        return None
    low, high = con.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(parts)})", {"since": since}).fetchone()
    return (low, high) if low is not None else None


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


def _reject(con, source: str, entry: LandingEntry, sha: str, error: str, rejected_dir: Path | None, now: datetime) -> RejectedFile | None:
    """Move the entry out of the landing folder (never over another kept copy, never through a
    link) and record the rejection. A move that fails (a read-only landing folder) leaves it in
    place, recorded and said so (``rejected_dir`` None: a check, which moves nothing). None: gone
    since the listing, nothing to reject."""
    try:
        kept_at = keep_rejected(entry, sha, error, rejected_dir) if rejected_dir is not None else f"{LEFT_IN_LANDING}: a check moves nothing"
    except FileNotFoundError:
        return None
    except OSError as failure:
        kept_at = f"{LEFT_IN_LANDING}: it could not be moved ({failure.strerror or failure})"
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM raw._rejected_files WHERE source = ? AND source_file = ? AND sha256 = ?", [source, entry.relative, sha])
        con.execute("INSERT INTO raw._rejected_files VALUES (?, ?, ?, ?, ?, ?, NULL)", [source, entry.relative, sha, error, kept_at, now])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return RejectedFile(entry.relative, error, kept_at)


def _refuse(con, source: str, entry: LandingEntry, rejected_dir: Path | None, now: datetime) -> RejectedFile | None:
    """Reject an entry that is not read (a link, a device, a name that is not UTF-8) or that no
    source claims (None: gone or changed since the listing)."""
    try:
        sha = fingerprint(entry)
    except (FileNotFoundError, ChangedSinceListing):
        return None
    return _reject(con, source, entry, sha, f"{entry.relative}: {entry.refusal}", rejected_dir, now)


def _unlisted_folder(error: ListingError) -> RejectedFile:
    message = f"{error.folder}: the folder cannot be listed ({error.reason}): its files are neither loaded nor rejected; make it readable"
    return RejectedFile(error.folder, message, f"{LEFT_IN_LANDING}: not listed")


def reject_strays(
    con: duckdb.DuckDBPyConnection, contracts: list[SourceMapping], landing: Path, rejected_dir: Path | None, now: datetime
) -> list[RejectedFile]:
    """Move what no source claims out of the landing folder: files whose name matches no
    source's pattern, and links and devices that match none (recorded under ``(no source)``).
    A folder no source claims that cannot be listed is returned too (not recorded: nothing moved)."""
    ensure_rejection_log(con)
    entries, errors = scan_landing(contracts, landing)
    refused = [_refuse(con, NO_SOURCE_NAME, entry, rejected_dir, now) for entry in entries if entry.source is None]
    unlisted = [_unlisted_folder(e) for e in errors if e.folder != "." and source_of(contracts, e.folder, folder=True) is None]
    return [r for r in refused if r is not None] + unlisted


def _waiting_for(con, entry: LandingEntry, sha: str, source: str) -> list[str]:
    """The other sources the file feeds that have not loaded this content yet."""
    others = [s for s in entry.sources if s != source]
    if not others:
        return []
    loaded = {
        source
        for (source,) in con.execute(
            "SELECT DISTINCT source FROM raw._load_log WHERE source_file = ? AND sha256 = ? AND status = 'loaded'", [entry.relative, sha]
        ).fetchall()
    }
    return [s for s in others if s not in loaded]


def _archive_reported(con, entry: LandingEntry, sha: str, seen: tuple[int, int, int], processed_dir: Path, report: LoadReport) -> None:
    """Archive a loaded file; a failed move (the rows are committed) is reported, not raised: the
    file stays in the landing folder and the next run recognizes it by its hash and moves it. A
    file changed since it was read (rows appended meanwhile) stays too: the next run loads it as
    a re-export. A file that feeds several tables stays until each has loaded it."""
    waiting = _waiting_for(con, entry, sha, report.source)
    if waiting:
        report.waiting.append(f"{entry.relative}: loaded; it also feeds {', '.join(waiting)}, which will move it once loaded")
        return
    if not unchanged_since(entry.path, seen):
        report.not_archived.append(f"{entry.relative}: loaded, but changed since it was read: left in the landing folder, the next run loads it again")
        return
    try:
        archive(entry.path, entry.parts, sha, processed_dir)
    except OSError as error:
        report.not_archived.append(f"{entry.relative}: loaded, but not moved to the processed folder ({error.strerror or error})")


def _parse(con, contract: Contract, mapping: SourceMapping, data: bytes, relative: str, business_timezone: str):
    """The file's rows as read (``read_file``: its columns as text), to be mapped with the others'
    (``MappedFiles``); any failure of the readers names the file."""
    try:
        return read_file(data, relative, mapping, contract)
    except Exception as error:  # a reader's own failure on odd input: the file is rejected, named, not the run crashed
        raise unreadable(error, relative, mapping) from error


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
    rejected_dir: Path | None,
    now: datetime,
    *,
    mapping: SourceMapping,
    business_timezone: str = "UTC",
    company_mappings: list[SourceMapping] | None = None,
    processed_dir: Path | None = None,
    window: PartitionWindow | None = None,
) -> LoadReport:
    """Load the new or changed files of ``contract``'s source from ``landing`` into ``raw.<source>``.

    Args:
        rejected_dir: where unreadable files move to (None: a check, they stay where they are).
        mapping: the company's mapping of the source: where its files are, how they are written.
        business_timezone: the zone of timestamps the mapping says are written in business time.
        company_mappings: all the company's mappings: a file another table's mapping also reads
            stays in the landing folder until that table has loaded it too.
        processed_dir: where loaded files move to (None: they stay in the landing folder).
        window: for a transactional source, load only the files with a row in these days.
    """
    ensure_raw_tables(con, contract)
    report = LoadReport(contract.source)
    known = dict(con.execute("SELECT source_file, sha256 FROM raw._load_log WHERE source = ? AND status = 'loaded'", [contract.source]).fetchall())

    def reject(entry: LandingEntry, sha: str, error: UnparseableFile) -> None:
        _reported(report, entry, _reject(con, contract.source, entry, sha, str(error), rejected_dir, now))

    mapped = MappedFiles(con, contract, mapping, business_timezone, reject)
    intact: list[str] = []
    entries, errors = scan_landing([mapping, *(m for m in company_mappings or () if m.source != mapping.source)], landing)
    report.unlisted = [str(e) for e in errors if e.folder == "." or source_of([mapping], e.folder, folder=True)]
    for entry in [e for e in entries if contract.source in e.sources]:
        relative = entry.relative
        report.files_seen += 1
        content = _read_entry(con, contract.source, entry, rejected_dir, now, report, mapped.settle)
        if content is None:
            continue
        data, sha, seen = content
        if known.get(relative) == sha:  # already in raw (a re-delivery, or a crash before the move)
            report.files_unchanged += 1
            intact.append(relative)
            if processed_dir is not None:
                _archive_reported(con, entry, sha, seen, processed_dir, report)
            continue
        try:
            parsed = _parse(con, contract, mapping, data, relative, business_timezone)
        except UnparseableFile as error:
            mapped.settle()  # the files before it first: rejections are reported in the files' order
            reject(entry, sha, error)
            continue
        mapped.add(entry, sha, seen, parsed, relative in known)
    mapped.settle()
    batch_files, read = mapped.files, mapped.read
    if batch_files:
        incoming = _with_row_origin(pa.concat_tables(mapped.tables).combine_chunks(), batch_files, now)
        con.register("incoming_rows", incoming)
        try:
            selection, partition_column = _select_files(con, contract, batch_files, window, report)
            batch_files = [f for f in batch_files if f[0] in selection]
            _insert(con, contract, batch_files, partition_column, now)
        finally:
            con.unregister("incoming_rows")
        report.files_loaded = [f for f, _, _, was_loaded in batch_files if not was_loaded]
        report.files_replaced = [f for f, _, _, was_loaded in batch_files if was_loaded]
        report.rows_per_file = {f: n for f, _, n, _ in batch_files}
        report.rows_loaded = sum(report.rows_per_file.values())
        intact += [f for f, _, _, _ in batch_files]
        if processed_dir is not None:
            for relative, sha, _, _ in batch_files:
                entry, seen = read[relative]
                _archive_reported(con, entry, sha, seen, processed_dir, report)
    _resolve_rejections(con, contract.source, intact, now)
    report.rows_in_table = con.execute(f"SELECT count(*) FROM {contract.table}").fetchone()[0]
    return report


def _reported(report: LoadReport, entry: LandingEntry, rejected: RejectedFile | None) -> None:
    """Report a rejection; None: the file was gone when it was to be moved."""
    if rejected is None:
        report.skipped.append(f"{entry.relative}: gone since the listing")
    else:
        report.rejected.append(rejected)


def _read_entry(con, source: str, entry: LandingEntry, rejected_dir: Path | None, now: datetime, report: LoadReport, settle: Callable[[], None]):
    """The entry's (bytes, hash, (size, time, inode) as read); None when it is refused unread (a
    link, a device, a name that is not UTF-8) or cannot be read (both rejected and reported), or
    is gone or changed since the listing (reported, left for the next run). ``settle`` is called
    before any of these is reported (the files read before it are mapped: the files' order)."""
    if entry.refusal:
        settle()
        _reported(report, entry, _refuse(con, source, entry, rejected_dir, now))
        return None
    try:
        data, seen = read_regular(entry.path, entry.inode)
    except (FileNotFoundError, ChangedSinceListing) as error:
        settle()
        report.skipped.append(f"{entry.relative}: gone or changed since the listing ({error.strerror}): left for the next run")
        return None
    except OSError as error:  # unreadable (permissions): rejected with the reason, the others load
        settle()
        sha = name_sha(entry)
        _reported(report, entry, _reject(con, source, entry, sha, f"{entry.relative}: cannot be read ({error.strerror})", rejected_dir, now))
        return None
    return data, hashlib.sha256(data).hexdigest(), seen


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
    replaced = [f for f, _, _, was_loaded in batch_files if was_loaded]
    con.execute("BEGIN TRANSACTION")
    try:
        if replaced:  # one statement each for all the files (a statement per file cost a millisecond or two each)
            con.execute(f"DELETE FROM {contract.table} WHERE list_contains($replaced, _source_file)", {"replaced": replaced})
            con.execute(
                "UPDATE raw._load_log SET status = 'replaced' WHERE source = $source AND list_contains($replaced, source_file) AND status = 'loaded'",
                {"source": contract.source, "replaced": replaced},
            )
        con.execute(f"INSERT INTO {contract.table} BY NAME {rows}", {"files": files})
        con.execute(
            "INSERT INTO raw._load_log (source, source_file, sha256, rows, loaded_at, status) "
            "SELECT $source, unnest($files), unnest($shas), unnest($rows), $now, 'loaded'",
            {"source": contract.source, "files": files, "shas": [sha for _, sha, _, _ in batch_files], "rows": [n for *_, n, _ in batch_files], "now": now},
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
