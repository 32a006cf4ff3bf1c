"""Dagster resources: the DuckDB warehouse and the landing zone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb


class DuckDBWarehouse(dg.ConfigurableResource):
    """The embedded DuckDB warehouse. One writer at a time: open, write, close."""

    database: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.database, read_only=read_only)
        con.execute("SET enable_progress_bar = false")  # logs, not a terminal
        try:
            yield con
        finally:
            con.close()


class LandingZone(dg.ConfigurableResource):
    """Where source systems drop their exports, where loaded files are archived (processed) and
    where unparseable files are kept (rejected)."""

    landing_dir: str
    rejected_dir: str
    processed_dir: str

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def rejected(self) -> Path:
        return Path(self.rejected_dir)

    @property
    def processed(self) -> Path:
        return Path(self.processed_dir)


class ExportFolder(dg.ConfigurableResource):
    """Where Planline writes files for other systems (the ERP's import files of the plan)."""

    export_dir: str

    def folder(self, *parts: str) -> Path:
        """A sub-folder of the export folder, created if missing; the parts may not leave it."""
        root = Path(self.export_dir).resolve()
        folder = root.joinpath(*parts).resolve()
        if not folder.is_relative_to(root):
            raise ValueError(f"export path {'/'.join(parts)} leaves the export folder {root}")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write(self, folder: Path, name: str, data: bytes) -> Path:
        """Write ``folder/name`` (a folder from ``folder()``) through a temporary file, so that a
        reader (the ERP's importer, a browser) never sees half a file."""
        staging = folder / f".{name}.tmp"
        staging.write_bytes(data)
        os.replace(staging, folder / name)
        return folder / name
