"""A source's files read and parsed, waiting to be mapped together into canonical rows.

The loader reads and parses its files one by one, in the order they were listed, and hands each
parsed file here; ``settle`` maps the waiting files in one query per layout of columns
(``mapped_files.canonical_batch``) and keeps their canonical rows, or rejects, in their order,
those whose mapping failed (each alone: the others load). The loader settles before it reports
any other file's rejection or skip, so that its reports list the files in the order they were
listed, as when each file was mapped on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from data_contracts.company.mapping import SourceMapping
from data_contracts.model import Contract
from orchestration.ingestion.listing import LandingEntry
from orchestration.ingestion.mapped_files import canonical_batch, unreadable
from orchestration.ingestion.parsers import UnparseableFile

# Rows waiting at most before they are mapped (a bound on the memory of one query).
MAX_WAITING_ROWS = 1_000_000


@dataclass
class _Waiting:
    entry: LandingEntry
    sha: str
    seen: tuple[int, int, int]  # (size, time, inode) as read
    parsed: pa.Table  # read_file's table
    was_loaded: bool  # an earlier content of the file is in the raw table (a re-export)


@dataclass
class MappedFiles:
    """The canonical rows of a source's files, mapped in batches.

    Attributes:
        reject: called with (entry, sha, error) for a file whose mapping failed.
        tables: each mapped file's canonical rows, in the files' order.
        files: (file, sha, rows, was_loaded) of each mapped file, in the same order.
        read: each mapped file's listing entry and (size, time, inode) as read.
    """

    con: duckdb.DuckDBPyConnection
    contract: Contract
    mapping: SourceMapping
    business_timezone: str
    reject: Callable[[LandingEntry, str, UnparseableFile], None]
    tables: list[pa.Table] = field(default_factory=list)
    files: list[tuple[str, str, int, bool]] = field(default_factory=list)
    read: dict[str, tuple[LandingEntry, tuple[int, int, int]]] = field(default_factory=dict)
    _waiting: list[_Waiting] = field(default_factory=list)
    _waiting_rows: int = 0

    def add(self, entry: LandingEntry, sha: str, seen: tuple[int, int, int], parsed: pa.Table, was_loaded: bool) -> None:
        """Queue a parsed file for mapping (mapped at once when the rows waiting are many)."""
        self._waiting.append(_Waiting(entry, sha, seen, parsed, was_loaded))
        self._waiting_rows += parsed.num_rows
        if self._waiting_rows >= MAX_WAITING_ROWS:
            self.settle()

    def settle(self) -> None:
        """Map the waiting files: keep the canonical rows of each, reject those whose mapping failed."""
        waiting, self._waiting, self._waiting_rows = self._waiting, [], 0
        if not waiting:
            return
        labelled = [(w.entry.relative, w.parsed) for w in waiting]
        for file, result in zip(waiting, canonical_batch(labelled, self.mapping, self.contract, self.business_timezone, self.con)):
            relative = file.entry.relative
            if isinstance(result, Exception):
                self.reject(file.entry, file.sha, unreadable(result, relative, self.mapping))
                continue
            self.tables.append(result)
            self.files.append((relative, file.sha, result.num_rows, file.was_loaded))
            self.read[relative] = (file.entry, file.seen)
