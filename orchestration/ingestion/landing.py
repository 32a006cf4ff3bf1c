"""What is waiting in the landing folder, and which business days each waiting file touches.

Plain Python (no Dagster): the landing sensor turns this into run requests. A file's days come
from its rows (a file of events exported today may hold late events of earlier days), clamped to
the existing partitions; a file that cannot be parsed counts for the last day, so that a run
picks it up and rejects it with its error. Symbolic links, devices and pipes, and names that are
not valid UTF-8 are listed, never followed nor read (the run rejects them); entries no source
claims are listed with no source (the master-data run rejects them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from data_contracts.company.mapping import SourceMapping
from data_contracts.model import Contract
from orchestration.ingestion.listing import ListingError, read_regular, scan_landing
from orchestration.ingestion.loader import python_date_sql
from orchestration.ingestion.mapped_files import canonical_rows
from orchestration.ingestion.parsers import UnparseableFile


@dataclass(frozen=True)
class LandedFile:
    source: str | None  # None: no source's pattern matches the name (rejected by the next run)
    relative: str  # path relative to the landing folder
    fingerprint: str  # size and modification time: a re-delivered file is seen again
    refusal: str | None = None  # why it is never read here (a link, a device, a name that is not UTF-8...)
    sources: tuple[str, ...] = ()  # every source the file feeds (one file may feed several tables)

    @property
    def readable(self) -> bool:
        return self.refusal is None

    @property
    def token(self) -> str:
        return f"{self.relative}@{self.fingerprint}"


def landed_files(contracts: list[SourceMapping], landing: Path) -> tuple[list[LandedFile], list[ListingError]]:
    """Entries waiting in the landing folder with their source, and the folders that could not be
    listed (their error). Links are never followed: their own size and time fingerprint them."""
    entries, errors = scan_landing(contracts, landing)
    found = []
    for entry in entries:
        try:
            stat = entry.path.lstat()
        except OSError:  # gone since the listing
            continue
        found.append(LandedFile(entry.source, entry.relative, f"{stat.st_size}:{stat.st_mtime_ns}", entry.refusal, entry.sources))
    return found, errors


def file_days(contract: Contract, mapping: SourceMapping, path: Path, first: date, last: date, business_timezone: str = "UTC") -> set[date]:
    """Business days (clamped to ``first``..``last``) of a transactional file's rows, read as its
    mapping says. Only a regular file is opened (a pipe would block the tick), never through a link."""
    try:
        data, _ = read_regular(path)
        table = canonical_rows(data, path.name, mapping, contract, business_timezone)
    except (UnparseableFile, OSError):
        return {last}
    with duckdb.connect() as con:
        con.register("landed", table)
        query = f"SELECT DISTINCT {python_date_sql('day')} FROM (SELECT DISTINCT {contract.partition_date} AS day FROM landed r)"
        days = {row[0] for row in con.execute(query).fetchall()}
    days.discard(None)
    return {min(max(day, first), last) for day in days} or {last}


def day_ranges(days: set[date]) -> list[tuple[date, date]]:
    """Contiguous runs of days as (first, last) pairs, in order."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def batch_key(files: list[LandedFile]) -> str:
    """A short, stable id of a set of landed files (run keys: one request per delivery)."""
    return hashlib.sha256("\n".join(sorted(f.token for f in files)).encode("utf-8", "surrogateescape")).hexdigest()[:16]
