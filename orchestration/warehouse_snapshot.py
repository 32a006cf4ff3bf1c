"""The readers' copy of the warehouse: ``<warehouse folder>/published/<warehouse file>``.

DuckDB has one writer or many readers per file, never both: a read-only connection on the live
warehouse makes every run that writes fail on the file lock, and a writer makes a reader fail to
open it. So people and tools that read (the README's query, notebooks, BI tools, ``make demo``'s
summary, the data docs) open a published copy instead, never the live file:

    .venv/bin/python -m orchestration.warehouse_snapshot "from marts.fct_daily_demand limit 5"
    con = orchestration.warehouse_snapshot.planline_reader()    # a read-only DuckDB connection

Every Dagster run that opened the warehouse publishes it when it ends (the warehouse resource's
teardown): it waits for the warehouse pool's slot like a step, so no other run writes meanwhile,
checkpoints, copies the file to a temporary one and renames it over the published copy. A reader
holding the previous copy keeps reading it (the rename leaves its open file alone); the next
connection sees the new one. A run that changed nothing copies nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

PUBLISH_STEP_KEY = "planline_publish_warehouse_snapshot"  # the pool claim's name, as the UI's pool page lists it
PUBLISH_WAIT_SECONDS = 3600  # a run waits this long for the pool (other runs' steps) before leaving the copy to the next run


def published_path(warehouse: Path) -> Path:
    return warehouse.parent / "published" / warehouse.name


def _signature(warehouse: Path) -> dict:
    stat = warehouse.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def publish_snapshot(con: duckdb.DuckDBPyConnection, warehouse: Path, run_id: str | None = None) -> Path | None:
    """Copy the warehouse to its published path through ``con``, a write connection on it: while
    it is open no other process can write, and after CHECKPOINT the file holds every committed
    row (no WAL). Returns the copy, or None when the published one is already this state."""
    con.execute("CHECKPOINT")
    target = published_path(warehouse)
    manifest = target.with_name(f"{target.name}.json")
    signature = _signature(warehouse)
    if target.exists() and manifest.exists() and json.loads(manifest.read_text()).get("source") == signature:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(warehouse, staging)
    os.replace(staging, target)  # readers holding the old copy keep its inode
    published = {"source": signature, "published_at": datetime.now(UTC).isoformat(timespec="seconds"), "run_id": run_id}
    manifest_staging = manifest.with_name(f".{manifest.name}.tmp")
    manifest_staging.write_text(json.dumps(published))
    os.replace(manifest_staging, manifest)
    return target


@contextmanager
def holding_pool(instance: dg.DagsterInstance, run: dg.DagsterRun, pool: str, log, wait_seconds: float = PUBLISH_WAIT_SECONDS) -> Iterator[None]:
    """Hold one slot of ``pool`` for ``run`` outside any step, queued like a step (FIFO with the
    other runs' steps); log who holds it while waiting. Raises TimeoutError after ``wait_seconds``."""
    # The executor's own claim logic (pool defaults, back-off): Dagster has no public API for a claim outside a step.
    from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

    with InstanceConcurrencyContext(instance, run) as slots:
        started = time.monotonic()
        logged = -60.0
        while not slots.claim(pool, PUBLISH_STEP_KEY):
            waited = time.monotonic() - started
            if waited > wait_seconds:
                raise TimeoutError(f"pool {pool} still busy after {wait_seconds:.0f} s")
            if waited - logged >= 60:
                holders = [f"run {s.run_id} step {s.step_key}" for s in instance.event_log_storage.get_concurrency_info(pool).claimed_slots]
                log.info(f"publishing the warehouse waits for pool {pool}, held by {', '.join(holders) or 'nobody (being assigned)'}")
                logged = waited
            time.sleep(0.5)
        try:
            yield
        finally:
            slots.free_step(PUBLISH_STEP_KEY)


def publish_after_run(warehouse: Path, connect: Callable, instance: dg.DagsterInstance, run: dg.DagsterRun, log) -> None:
    """What a run does last (the warehouse resource's teardown): publish the readers' copy. A
    failure here is logged, never raised: the next run publishes."""
    from orchestration.partitions import WAREHOUSE_POOL

    if not warehouse.exists():
        return
    try:
        started = time.perf_counter()
        with holding_pool(instance, run, WAREHOUSE_POOL, log), connect() as con:
            copy = publish_snapshot(con, warehouse, run.run_id)
        if copy:
            log.info(f"published the warehouse for readers at {copy} ({copy.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.2f} s)")
    except Exception as error:  # the run's work is done and committed; readers keep the previous copy
        log.warning(f"the warehouse was not published for readers (they keep the previous copy): {error}")


def planline_reader(warehouse: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection on the published copy of the warehouse (default: the settings')."""
    if warehouse is None:
        from orchestration.settings import load_settings

        warehouse = load_settings().warehouse
    path = published_path(Path(warehouse))
    if not path.exists():
        raise FileNotFoundError(
            f"no published copy of the warehouse at {path} yet: every run that writes the warehouse publishes one when it ends (make demo, or a run in the UI)"
        )
    return duckdb.connect(str(path), read_only=True)


USAGE = 'usage: python -m orchestration.warehouse_snapshot ["SQL query"]  (no query: where the copy is and which run published it)'


def main(argv: list[str]) -> None:
    query = " ".join(argv).strip()
    if argv and not query:
        sys.exit(f"an empty query. {USAGE}")
    try:
        con = planline_reader()
    except FileNotFoundError as error:
        sys.exit(str(error))
    with con:
        if query:
            try:
                result = con.sql(query)
            except duckdb.Error as error:  # a typo in the query: say so, not a traceback
                sys.exit(f"query failed: {error}")
            if result is None:  # a statement without rows (a comment, a SET)
                print("done: the statement returns no rows")
            else:
                result.show(max_width=220)
        else:  # where the copy is and which run published it
            path = Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])
            manifest = path.with_name(f"{path.name}.json")
            print(path, manifest.read_text() if manifest.exists() else "")


if __name__ == "__main__":  # python -m orchestration.warehouse_snapshot "SQL"
    try:
        main(sys.argv[1:])
    except BrokenPipeError:  # piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
