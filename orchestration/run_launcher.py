"""The local run launcher: Dagster's default one, able to tell run monitoring whether a run's
worker still lives (the default launcher cannot, so the monitoring daemon never noticed a killed
run, and the run kept its pool slots). Configured in dagster.yaml by orchestration/instance.py."""

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

from orchestration.recovery import worker_gone


class PlanlineRunLauncher(dg.DefaultRunLauncher):
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        reason = worker_gone(self._instance, run.run_id)  # also runs executed in process (make demo)
        return CheckRunHealthResult(WorkerStatus.FAILED, reason) if reason else CheckRunHealthResult(WorkerStatus.RUNNING)
