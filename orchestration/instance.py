"""The local Dagster instance's configuration (dagster.yaml in DAGSTER_HOME).

    python -m orchestration.instance    (``make ui`` does it through ``orchestration.ui``)

The warehouse pool has one slot: DuckDB has a single writer, so steps that open it queue across
runs (op granularity: a run waits at the step, not before it starts). Run monitoring fails runs
whose worker died and frees their slots (orchestration/recovery.py).
"""

from __future__ import annotations

import os
from pathlib import Path

HEADER = "# Planline's local Dagster instance, written by orchestration/instance.py (edit that file, not this one)."
DAGSTER_YAML = f"""{HEADER}
# No telemetry: this machine has no network beyond the package registries.
telemetry:
  enabled: false
# DuckDB has one writer at a time: one step of the warehouse pool runs at a time, across all runs.
concurrency:
  pools:
    default_limit: 1
    granularity: op
  runs:
    max_concurrent_runs: 4
    # one forecasting run (training or refresh) at a time: a second one waits in the queue,
    # where the forecast_after_data_runs sensor sees it and requests no third
    tag_concurrency_limits:
      - key: planline/forecasting
        limit: 1
# Evaluate the assets' freshness policies (raw partitions by 06:00, facts by 09:00).
freshness:
  enabled: true
# A run whose worker died (SIGKILL, a crash) is failed by the daemon's run monitoring, which asks
# the launcher whether the worker lives (the default launcher cannot tell), and its pool slots
# are freed soon after: else every later step of the warehouse pool waits for it forever.
# Without a daemon: python -m orchestration.recovery (make recover; make demo runs it first).
run_launcher:
  module: orchestration.run_launcher
  class: PlanlineRunLauncher
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  max_resume_run_attempts: 0
  poll_interval_seconds: 30
  free_slots_after_run_end_seconds: 10
"""


def prepare_instance(dagster_home: Path) -> None:
    """Write dagster.yaml (unless someone else's is there) and point DAGSTER_HOME at the folder."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists() or config.read_text().startswith(HEADER) or config.read_text().startswith("# Planline's local Dagster instance (no telemetry"):
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(dagster_home)


if __name__ == "__main__":
    from orchestration.settings_check import settings_or_exit

    home = settings_or_exit().dagster_home
    prepare_instance(home)
    print(home)
