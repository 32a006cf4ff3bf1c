"""The daily chain, expressed once: every successful data run is followed by the forecast, the
plan, the KPIs and the cockpit (the ``daily_forecast`` job selects those layers, ``jobs.py``).

A run of new data (a day's files, master data such as new overrides, a full load) ends; this
sensor requests one ``daily_forecast`` run, unless one is already waiting (it will read this
run's data too) or no demand model has been trained yet (the weekly training, or a first
``demand_forecast_training`` run, comes first).
"""

import dagster as dg

from orchestration.defs.forecasting.assets import DEMAND_MODEL
from orchestration.defs.jobs import daily_data_foundation_job, daily_forecast_job, data_foundation_full_refresh_job, data_foundation_job, master_data_job


@dg.run_status_sensor(
    name="forecast_after_data_runs",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_data_foundation_job, master_data_job, data_foundation_job, data_foundation_full_refresh_job],
    request_job=daily_forecast_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each successful data run (a day's data, master data such as new overrides, a full load), refresh the forecast and the consensus.",
)
def forecast_after_data_runs(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
    if context.instance.get_latest_materialization_event(DEMAND_MODEL) is None:
        return dg.SkipReason("No demand model trained yet: run demand_forecast_training (or wait for its weekly schedule) first.")
    waiting = context.instance.get_run_records(
        dg.RunsFilter(job_name=daily_forecast_job.name, statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]), limit=1
    )
    if waiting:  # a refresh not started yet will read this run's data too
        return dg.SkipReason(f"A daily_forecast run is already waiting ({waiting[0].dagster_run.run_id}).")
    return dg.RunRequest(run_key=f"after:{context.dagster_run.run_id}", tags={"planline/after_run": context.dagster_run.run_id})
