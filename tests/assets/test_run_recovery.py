"""A killed run does not stall the runs after it (issue 15 point 3).

A run is SIGKILLed while its step holds the ``duckdb_warehouse`` pool slot, on a real SQLite
instance with the configuration ``make ui`` and ``make demo`` use; the next run must then
complete unattended: through the daemon's run monitoring (``make ui``) or through the recovery
``make demo`` and ``make recover`` run (no daemon).
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._daemon.monitoring import execute_concurrency_slots_iteration, execute_run_monitoring_iteration

from orchestration.instance import prepare_instance
from orchestration.partitions import WAREHOUSE_POOL
from orchestration.recovery import process_alive, recover_dead_runs
from orchestration.run_launcher import PlanlineRunLauncher

# A run whose step takes the warehouse pool's slot and stays in it (a long dbt build, say).
HOLDER = """
import pathlib, sys, time
import dagster as dg
marker, pool = pathlib.Path(sys.argv[1]), sys.argv[2]

@dg.asset(pool=pool)
def holding_the_pool():
    marker.write_text("in the pool")
    time.sleep(600)

dg.materialize([holding_the_pool], instance=dg.DagsterInstance.get())
"""


@dg.asset(pool=WAREHOUSE_POOL)
def next_in_the_pool() -> None:
    """The next run's step in the same pool."""


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))  # restored after the test
    prepare_instance(tmp_path / "dagster_home")
    with dg.DagsterInstance.get() as instance:
        yield instance


def _claimed(instance: dg.DagsterInstance) -> set[str]:
    return {slot.run_id for slot in instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots}


def _run_killed_in_the_pool(instance: dg.DagsterInstance, folder: Path) -> str:
    """Start the holder in a child process, SIGKILL it once its step holds the slot; its run id."""
    marker = folder / "in_the_pool"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(marker), WAREHOUSE_POOL], env=dict(os.environ))
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the holder's step never started"
    (run_id,) = _claimed(instance)
    assert recover_dead_runs(instance, log=lambda _: None) == []  # a live run is left alone
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED  # what the instance still believes
    return run_id


def _next_run_completes(instance: dg.DagsterInstance, timeout_s: float = 60) -> None:
    """The next run in the pool, in a thread: a run waiting for a slot forever must fail the test, not hang it."""
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(result=dg.materialize([next_in_the_pool], instance=instance)), daemon=True)
    runner.start()
    runner.join(timeout_s)
    assert not runner.is_alive(), f"the next run still waits for the pool after {timeout_s} s (slot held by {_claimed(instance)})"
    assert outcome["result"].success


def test_without_a_daemon_the_recovery_fails_the_dead_run_and_frees_its_slot(instance, tmp_path):
    dead = _run_killed_in_the_pool(instance, tmp_path)
    messages = []
    assert recover_dead_runs(instance, log=messages.append) == [dead]  # what make demo and make recover run
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert "worker process (pid" in messages[0] and not _claimed(instance)
    _next_run_completes(instance)


class _DaemonWorkspace:
    """What the monitoring daemon uses of its workspace here: the instance (no run is resumed)."""

    def __init__(self, instance: dg.DagsterInstance):
        self.instance = instance

    def create_request_context(self) -> None:
        return None


def test_the_daemons_run_monitoring_fails_the_dead_run_and_frees_its_slot(instance, tmp_path):
    assert isinstance(instance.run_launcher, PlanlineRunLauncher) and instance.run_monitoring_enabled
    dead = _run_killed_in_the_pool(instance, tmp_path)
    workspace, logger = _DaemonWorkspace(instance), logging.getLogger("test_run_recovery")
    assert all(error is None for error in execute_run_monitoring_iteration(workspace, logger))
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    deadline = time.monotonic() + instance.run_monitoring_settings["free_slots_after_run_end_seconds"] + 20
    while _claimed(instance) and time.monotonic() < deadline:  # the daemon's next iterations
        list(execute_concurrency_slots_iteration(workspace, logger))
        time.sleep(1)
    assert not _claimed(instance)
    _next_run_completes(instance)


def test_a_worker_is_alive_only_if_it_started_before_its_run():
    assert process_alive(os.getpid(), time.time())
    assert not process_alive(os.getpid(), time.time() - 10 * 24 * 3600)  # the pid was reused since
    assert not process_alive(2**22 + 1, time.time())  # above any pid_max: no such process
