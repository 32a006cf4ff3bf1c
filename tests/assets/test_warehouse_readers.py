"""Readers never break a run, and a run never breaks a reader (issue 15 point 2).

Readers open the copy every run publishes when it ends (``orchestration.warehouse_snapshot``);
a reader held open on the live file anyway is waited for, with its process named in the log.
The whole-graph version (a reader held through a tiny ``data_foundation`` run) is in
``tests/e2e/test_end_to_end.py``.
"""

import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.instance import prepare_instance
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_snapshot import planline_reader, published_path

# A reader in a process of its own (a notebook, a BI tool): it opens the file, answers each
# query sent on stdin with one line, and keeps the connection open until stdin closes.
READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
for line in sys.stdin:
    print(con.execute(line).fetchall(), flush=True)
"""


@contextmanager
def held_reader(path: Path) -> Iterator:
    """A read-only connection on ``path`` held by another process; yields ``query(sql) -> str``."""
    process = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def query(sql: str) -> str:
        process.stdin.write(sql.replace("\n", " ") + "\n")
        process.stdin.flush()
        answer = process.stdout.readline()
        assert answer, f"the reader died (exit code {process.poll()})"
        return answer.strip()

    try:
        assert process.stdout.readline().strip() == "open", "the reader could not open the file"
        yield query
    finally:
        process.stdin.close()
        process.wait(timeout=30)


class Step(dg.Config):
    value: int = 1


@dg.asset(pool=WAREHOUSE_POOL)
def written(config: Step, warehouse: DuckDBWarehouse) -> None:
    """A step that writes the warehouse, in its pool, like every Planline writer."""
    with warehouse.connect() as con:
        con.execute("CREATE OR REPLACE TABLE written AS SELECT ? AS value", [config.value])


def _run(instance: dg.DagsterInstance, database: Path, value: int) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [written],
        instance=instance,
        resources={"warehouse": DuckDBWarehouse(database=str(database), lock_wait_seconds=5)},
        run_config={"ops": {"written": {"config": {"value": value}}}},
        raise_on_error=False,
    )


def test_a_reader_of_the_published_copy_held_through_runs_breaks_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))  # restored after the test
    prepare_instance(tmp_path / "dagster_home")  # the pool configuration of make ui and make demo
    database = tmp_path / "warehouse.duckdb"
    with dg.DagsterInstance.get() as instance:
        assert _run(instance, database, 1).success
        with pytest.raises(FileNotFoundError, match="no published copy"):
            planline_reader(tmp_path / "elsewhere.duckdb")
        with planline_reader(database) as con:  # what readers are told to open
            assert con.execute("SELECT value FROM written").fetchall() == [(1,)]
        with held_reader(published_path(database)) as query:
            assert query("SELECT value FROM written") == "[(1,)]"
            result = _run(instance, database, 2)
            assert result.success, [e.message for e in result.get_step_failure_events()]
            assert query("SELECT value FROM written") == "[(1,)]"  # the copy it opened, whole
        with planline_reader(database) as con:  # the next reader sees the run's state
            assert con.execute("SELECT value FROM written").fetchall() == [(2,)]
        # the publication held the pool and gave it back
        assert not instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots


def test_a_reader_on_the_live_file_is_waited_for_and_named(tmp_path, caplog):
    database = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(database)).close()
    warehouse = DuckDBWarehouse(database=str(database), lock_wait_seconds=1)
    with held_reader(database) as query:
        query("SELECT 1")
        with caplog.at_level(logging.WARNING), pytest.raises(duckdb.IOException, match=r"still locked by .*\(PID \d+\).*published copy"):
            with warehouse.connect():
                pass
        assert "is locked by" in caplog.text and "PID" in caplog.text
    with DuckDBWarehouse(database=str(database), lock_wait_seconds=1).connect() as con:  # the reader gone, the writer opens
        con.execute("CREATE TABLE t AS SELECT 1 AS a")


def test_the_query_command_says_what_is_wrong_with_a_query_instead_of_a_traceback(monkeypatch, capsys):
    from orchestration import warehouse_snapshot

    monkeypatch.setattr(warehouse_snapshot, "planline_reader", lambda: duckdb.connect())
    warehouse_snapshot.main(["SELECT 41 + 1 AS answer"])
    assert "42" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        warehouse_snapshot.main(["SELECT nothing FROM nowhere"])
    assert str(stop.value).startswith("query failed:") and "nowhere" in str(stop.value)
    warehouse_snapshot.main(["-- only a comment"])
    assert "returns no rows" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="an empty query"):
        warehouse_snapshot.main([" "])
