"""Dagster resources: the DuckDB warehouse, the landing zone, the export folder, MLflow tracking."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from ml.forecasting.tracking import TrackingStore, tracking_store


class DuckDBWarehouse(DuckDBResource):
    """The embedded DuckDB warehouse: dagster-duckdb's ``DuckDBResource`` (``get_connection()``
    works as there), with what a single-file warehouse shared by runs and readers needs.

    - ``connect(read_only=...)``: readers open it read-only; a writer finding the file locked by
      another process waits ``lock_wait_seconds`` with a log line naming that process (dagster-duckdb
      retries blindly), then fails saying readers must open the published copy.
    - At the end of a run it publishes the readers' copy (``orchestration.warehouse_snapshot``).

    One writer at a time: steps queue for it in the warehouse pool; readers outside runs open the
    copy every run publishes, not this file."""

    # Someone holding the live file anyway (a reader that ignored the published copy) is waited
    # for this long, with a log line naming the process, before the step fails.
    lock_wait_seconds: float = 120.0

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        return False  # Planline's subclass, not dagster-duckdb's resource as shipped

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """dagster-duckdb's entry point: a writer's connection."""
        with self.connect() as con:
            yield con

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        con = self._open(read_only)
        con.execute("SET enable_progress_bar = false")  # logs, not a terminal
        try:
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        started = time.monotonic()
        while True:
            try:
                return duckdb.connect(self.database, read_only=read_only, config=self.connection_config)
            except duckdb.IOException as error:
                waited = time.monotonic() - started
                if "Could not set lock" not in str(error):
                    raise
                holder = lock_holder(str(error))
                if waited >= self.lock_wait_seconds:
                    raise duckdb.IOException(
                        f"the warehouse {self.database} is still locked by {holder} after {waited:.0f} s: readers must open the published copy "
                        "(python -m orchestration.warehouse_snapshot), not the live file"
                    ) from error
                dg.get_dagster_logger().warning(
                    f"the warehouse {self.database} is locked by {holder}: waiting ({waited:.0f} of {self.lock_wait_seconds:.0f} s)"
                )
                time.sleep(min(LOCK_RETRY_SECONDS, self.lock_wait_seconds - waited))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """At the end of a run (the in-process executor builds resources once per run), publish
        the readers' copy of the warehouse."""
        if context.run is None or context.instance is None:  # a sensor or a direct call: no run
            return
        from orchestration.warehouse_snapshot import publish_after_run

        publish_after_run(Path(self.database), self.connect, context.instance, context.run, context.log or dg.get_dagster_logger())


LOCK_RETRY_SECONDS = 2.0


def lock_holder(message: str) -> str:
    """The process DuckDB names in a lock error ("... is held in /usr/bin/python3 (PID 123) ...")."""
    found = re.search(r"held in (.+?\(PID \d+\))", message)
    return found.group(1) if found else "another process"


class LandingZone(dg.ConfigurableResource):
    """Where source systems drop their exports, where loaded files are archived (processed) and
    where unparseable files are kept (rejected), and the company folder saying how to read them
    (its source mappings; empty: the settings' company folder)."""

    landing_dir: str
    rejected_dir: str
    processed_dir: str
    company_dir: str = ""
    # the live service's intake log, whose sealed segments are folded into the landing folder (docs/service.md)
    intake_dir: str = ""

    def company(self):
        """The company configuration, read and checked now (CompanyConfigError naming file and key)."""
        from data_contracts.company import load_company
        from orchestration.company import company_folder

        return load_company(Path(self.company_dir) if self.company_dir else company_folder())

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def rejected(self) -> Path:
        return Path(self.rejected_dir)

    @property
    def processed(self) -> Path:
        return Path(self.processed_dir)

    @property
    def intake(self) -> Path | None:
        return Path(self.intake_dir) if self.intake_dir else None


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


class MLflowTracking(dg.ConfigurableResource):
    """Where trainings are logged and models registered: the local store in ``mlflow_dir``
    unless MLFLOW_TRACKING_URI points elsewhere; ``ui_url`` makes the links in the metadata."""

    mlflow_dir: str
    ui_url: str = "http://127.0.0.1:5000"

    def store(self) -> TrackingStore:
        return tracking_store(Path(self.mlflow_dir))
