"""Runs whose worker died (SIGKILL, a crash, the machine restarted): fail them and free their slots.

    python -m orchestration.recovery      (make recover; make demo does it before its runs)

A run killed while one of its steps holds the ``duckdb_warehouse`` pool slot keeps the slot: the
instance still believes the run is going, and every later step of the pool waits for it. With
``make ui`` the daemon's run monitoring finds such runs (``dagster.yaml``: ``run_monitoring``,
with ``PlanlineRunLauncher`` telling it whether a worker lives) and frees the slots of runs that
ended (``free_slots_after_run_end_seconds``). Without a daemon (``make demo``, a script), this
module does the same once.

A run's worker is the process that wrote its RUN_START event (Dagster records the pid of every
event). It is gone when no process has that pid, when the process is a zombie, or when the pid
was taken by a process started after the run. The instance is local (SQLite in DAGSTER_HOME),
so every worker runs on this machine.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType

# The statuses of a run that has a worker: STARTING runs (launched, no worker yet) are the run
# monitoring's start timeout's; QUEUED ones have no worker and hold no slot.
RUNNING_STATUSES = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
PID_REUSE_MARGIN_SECONDS = 60


def run_worker(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid of the process executing the run and when it started the run (epoch seconds)."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1, ascending=False).records
    if not records or records[0].event_log_entry.dagster_event is None or records[0].event_log_entry.dagster_event.pid is None:
        return None
    entry = records[0].event_log_entry
    return entry.dagster_event.pid, entry.timestamp


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


def process_alive(pid: int, since: float) -> bool:
    """Whether process ``pid`` is alive and is the one that was there at ``since`` (not a reuse)."""
    stat = Path(f"/proc/{pid}/stat")
    if not Path("/proc/self/stat").exists():  # no procfs: existence only
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (command)", which may hold spaces
    except (FileNotFoundError, ProcessLookupError):
        return False
    if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return False
    started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    # a process started after the run took a dead worker's pid; the margin absorbs a step of the
    # wall clock (boot time is wall-clock based), so a live worker is never declared dead
    return started <= since + PID_REUSE_MARGIN_SECONDS


def worker_gone(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """Why the run's worker is known to be gone, or None (alive, or no worker recorded)."""
    worker = run_worker(instance, run_id)
    if worker is None:
        return None
    pid, since = worker
    return None if process_alive(pid, since) else f"its worker process (pid {pid}) is gone"


def slot_holding_runs(instance: dg.DagsterInstance) -> set[str]:
    """Runs holding or queued for a slot of any pool."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return set()
    held = {slot.run_id for key in storage.get_concurrency_keys() for slot in storage.get_concurrency_info(key).claimed_slots}
    return held | storage.get_concurrency_run_ids()


def recover_dead_runs(instance: dg.DagsterInstance, log: Callable[[str], None] = print) -> list[str]:
    """Fail the runs whose worker is gone, then free the slots of every run that is over.
    Returns the ids of the runs failed or freed."""
    handled = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=RUNNING_STATUSES)):
        run = record.dagster_run
        reason = worker_gone(instance, run.run_id)
        if reason is None:
            continue
        message = f"Run {run.run_id} ({run.job_name}) marked failed by Planline's recovery: {reason}."
        if run.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, message)
        else:
            instance.report_run_failed(run, message)
        log(message)
        handled.append(run.run_id)
    for run_id in sorted(slot_holding_runs(instance)):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            log(f"Freed the pool slots of run {run_id} ({run.status.value if run else 'deleted'}).")
            handled.append(run_id)
    return list(dict.fromkeys(handled))


def main() -> None:
    from orchestration.instance import prepare_instance
    from orchestration.settings import load_settings

    prepare_instance(load_settings().dagster_home)
    with dg.DagsterInstance.get() as instance:
        handled = recover_dead_runs(instance)
    print(f"{len(handled)} run(s) recovered" if handled else "No dead run holds a slot.")
    sys.exit(0)


if __name__ == "__main__":
    main()
