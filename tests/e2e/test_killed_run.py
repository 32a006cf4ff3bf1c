"""A data run killed like a crashed machine would kill it, mid-ingestion and then mid-dbt, and run
again: it ends with every delivered file kept once and the marts of an uninterrupted run (the
session's reference run, tests/reference_home.py, over the same deliveries).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from demo_company import generate
from tests.conftest import duckdb_path, marts_digest, running_home
from tests.reference_home import DIGESTS

pytestmark = pytest.mark.e2e


# A run in a child process, so that it can be killed like a crashed machine would kill it.
RUN_IN_CHILD = (
    "import dagster as dg\n"
    "from orchestration.definitions import defs as planline\n"
    "defs = planline()\n"
    "from orchestration.partitions import all_days_tags\n"
    "defs.resolve_job_def('data_foundation').execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=all_days_tags())\n"
)


def _kill_when(home: Path, reached, log: Path, timeout_s: float = 300) -> str:
    """Start a run in a child process and SIGKILL it as soon as ``reached(home)`` holds."""
    with log.open("ab") as output:
        child = subprocess.Popen([sys.executable, "-c", RUN_IN_CHILD], stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ))
        deadline = time.monotonic() + timeout_s
        while not reached(home) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL, f"the run ended before the point to kill it at; see {log}"
    return log.read_text()


def _some_sales_archived(home: Path) -> bool:
    return (home / "processed" / "pos").exists()


def _building_incremental_models(home: Path) -> bool:
    return any("START sql incremental model" in log.read_text(errors="replace") for log in (home / "dbt").glob("*/dbt.log"))


def test_a_run_killed_mid_way_and_run_again_ends_with_the_marts_of_an_uninterrupted_run(reference, tmp_path):
    home = tmp_path / "home"
    generate(home / "landing", "tiny", seed=7)  # the same deliveries as the reference run's
    delivered = sorted(p.relative_to(home / "landing") for p in (home / "landing").rglob("*") if p.is_file())
    with running_home(home, PLANLINE_AS_OF=reference["manifest"]["end_date"]) as (instance, _):
        _kill_when(home, _some_sales_archived, home / "killed_runs.log")  # mid-ingestion: files half moved
        _kill_when(home, _building_incremental_models, home / "killed_runs.log")  # mid-dbt: facts half built
        from orchestration.definitions import defs as planline

        defs = planline()
        from orchestration.partitions import all_days_tags

        again = defs.resolve_job_def("data_foundation").execute_in_process(instance=instance, tags=all_days_tags(), raise_on_error=False)
    assert again.success, [e.message for e in again.get_step_failure_events()]
    kept = sorted(p.relative_to(home / folder) for folder in ("landing", "processed", "rejected") for p in (home / folder).rglob("*") if p.is_file())
    assert [p for p in kept if not p.name.endswith(".error.txt")] == delivered  # every delivered file, once
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        assert marts_digest(con, DIGESTS["models"]) == reference["digests"]["models"]
