"""When the jobs run by themselves, in the company's time zone (the daemon of ``make ui`` starts them)."""

import dagster as dg

from orchestration.defs.jobs import daily_data_foundation_job, demand_forecast_training_job, sop_monthly_job
from orchestration.partitions import BUSINESS_TIMEZONE

daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_data_foundation_job,
    name="daily_data_foundation_schedule",
    description="03:00 every day: yesterday's business day, once it is over and the night's exports have landed "
    "(the landing sensor has usually loaded them already; this run picks up what it has not).",
    hour_of_day=3,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

weekly_training_schedule = dg.ScheduleDefinition(
    name="weekly_demand_forecast_training",
    job=demand_forecast_training_job,
    cron_schedule="0 5 * * 1",
    execution_timezone=BUSINESS_TIMEZONE,
    description="Monday 05:00, after the night's data run: a new demand model (backtest, champion gate) for the week's planning.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

sop_monthly_schedule = dg.ScheduleDefinition(
    name="sop_monthly_cycle",
    job=sop_monthly_job,
    cron_schedule="0 6 1 * *",
    execution_timezone=BUSINESS_TIMEZONE,
    description="The first day of each month, 06:00, after the night's data and forecast: the S&OP cycle proposes its consensus plan.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
