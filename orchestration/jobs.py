"""Jobs and schedules of the data layer.

- ``data_foundation``: every asset; launched over all days (a backfill in the UI, ``make demo``).
- ``data_foundation_full_refresh``: the same, re-validating every row and rebuilding the
  incremental models from scratch.
- ``daily_data_foundation``: the transactional sources, the facts and governance for some days:
  what the daily schedule and the landing sensor run.
- ``master_data``: master-data sources and everything not partitioned (staging views,
  dimensions, governance), when master-data exports change.
- ``demand_forecast_training``: the weekly training (backtest, MLflow, champion gate), then the
  forecast and consensus from the champion.
- ``daily_forecast``: the forecast from the latest history without refitting, the consensus
  with the overrides and their value added, then the inventory plan (policies, projection,
  planned orders, safety-stock placement, rebalancing, ATP, allocation, routing), the KPIs, the
  exceptions and the cockpit; after every data run (see sensors).
- ``publish_plan``: the current (or a chosen) plan version's planned orders as ERP import files.
- ``approve_sop_plan``: approve a consensus plan version and publish it (config: version, approver).
- ``sop_monthly``: the monthly S&OP cycle (demand review, supply review, scenarios balanced, gap
  report, proposed consensus plan), then the exceptions and the cockpit; on the first of each month.
"""

import dagster as dg

from orchestration.assets.availability import availability_assets
from orchestration.assets.cockpit import cockpit_assets
from orchestration.assets.company import COMPANY_KEYS
from orchestration.assets.dbt import planline_daily_dbt_models, planline_dbt_models, planline_exception_dbt_models, planline_forecast_dbt_models
from orchestration.assets.forecasting import PANEL, demand_forecast, demand_model
from orchestration.assets.governance import quarantine
from orchestration.assets.ingestion import MASTER_DATA_RAW_KEYS, PARTITIONED_RAW_KEYS, raw_assets
from orchestration.assets.inventory import inventory_assets
from orchestration.assets.kpi import kpi_assets
from orchestration.assets.publication import erp_plan_files
from orchestration.assets.sop import DEMAND_PLAN, MONTHLY_HISTORY, SUPPLY_CAPACITY, SUPPLY_SOURCES, sop_assets
from orchestration.assets.sop_approval import approved_consensus_plan
from orchestration.partitions import BUSINESS_TIMEZONE, partition_bounds

# What a day's new rows change besides their raw tables: the quarantine summary and the
# incremental models (one dbt invocation); the other governance marts are views.
DAILY_DOWNSTREAM_KEYS = [*planline_daily_dbt_models.keys, quarantine.key]
DAILY_DOWNSTREAM = dg.AssetSelection.assets(*DAILY_DOWNSTREAM_KEYS)

# The forecasting layer: what reads the panel and the models (the panel itself is data layer).
# The inventory plan follows every forecast, then its KPIs, exceptions and the cockpit.
REPORTING = dg.AssetSelection.assets(*kpi_assets, planline_exception_dbt_models, *cockpit_assets)
INVENTORY_PLANNING = dg.AssetSelection.assets(*inventory_assets, *availability_assets) | REPORTING
# the S&OP cycle's models wait for it, monthly
SOP_CYCLE = dg.AssetSelection.assets(MONTHLY_HISTORY, SUPPLY_SOURCES, SUPPLY_CAPACITY, *sop_assets, DEMAND_PLAN)
FORECAST_REFRESH = (dg.AssetSelection.assets(PANEL, demand_forecast, planline_forecast_dbt_models) - SOP_CYCLE) | INVENTORY_PLANNING
FORECASTING = FORECAST_REFRESH | dg.AssetSelection.assets(demand_model)
# one forecasting run at a time (tag_concurrency_limits in dagster.yaml, orchestration/instance.py)
FORECASTING_RUN_TAG = {"planline/forecasting": "true"}
DATA_LAYER = (
    dg.AssetSelection.all()
    - dg.AssetSelection.assets(demand_model, demand_forecast, planline_forecast_dbt_models, erp_plan_files, *sop_assets, approved_consensus_plan)
    - INVENTORY_PLANNING
)

data_foundation_job = dg.define_asset_job(
    "data_foundation",
    selection=DATA_LAYER,
    description="Everything: ingest every source, run the data contracts, harmonize and build the marts. Launch it over all days.",
)

daily_data_foundation_job = dg.define_asset_job(
    "daily_data_foundation",
    selection=dg.AssetSelection.assets(*COMPANY_KEYS, *PARTITIONED_RAW_KEYS) | DAILY_DOWNSTREAM,
    description="One or more business days: load their transactional files, validate, replace the days in the facts, refresh governance.",
)

# Every asset with a full_refresh switch: raw assets (re-validate every row) and dbt (rebuild).
_REFRESHABLE = [*raw_assets, planline_dbt_models, planline_daily_dbt_models]

data_foundation_full_refresh_job = dg.define_asset_job(
    "data_foundation_full_refresh",
    selection=DATA_LAYER,
    config=dg.RunConfig(ops={asset.op.name: {"config": {"full_refresh": True}} for asset in _REFRESHABLE}),
    description="Everything, from scratch: re-validate every raw row and rebuild the incremental models. "
    "After a change of contracts, master data or model code. Launch it over all days.",
)

master_data_job = dg.define_asset_job(
    "master_data",
    selection=dg.AssetSelection.assets(*COMPANY_KEYS, *MASTER_DATA_RAW_KEYS, quarantine) | dg.AssetSelection.assets(planline_dbt_models),
    description="Master data changed: load and validate it, rebuild the views, dimensions and governance marts.",
)

demand_forecast_training_job = dg.define_asset_job(
    "demand_forecast_training",
    selection=FORECASTING,
    description="Weekly: rebuild the panel, backtest and train the demand model (MLflow), pass it through the champion gate, "
    "then forecast from the champion, form the consensus and plan inventory.",
    tags=FORECASTING_RUN_TAG,
)

daily_forecast_job = dg.define_asset_job(
    "daily_forecast",
    selection=FORECAST_REFRESH,
    description="The champion's forecast from the latest history (no refit), the consensus forecast with the planners' overrides and their forecast value added, "
    "then the inventory plan: policies, projected inventory, planned orders, safety-stock placement, rebalancing, ATP and ATS, "
    "allocation of scarce stock and routing of online orders; then the KPIs, the exceptions and the planners' cockpit.",
    tags=FORECASTING_RUN_TAG,
)

publish_plan_job = dg.define_asset_job(
    "publish_plan",
    selection=dg.AssetSelection.assets(erp_plan_files),
    description="Publish a plan version's planned orders as ERP import files (config plan_version; empty: the current plan).",
)

sop_monthly_job = dg.define_asset_job(
    "sop_monthly",
    selection=SOP_CYCLE | dg.AssetSelection.assets(planline_exception_dbt_models, *cockpit_assets),
    description="The monthly S&OP cycle: the demand review (monthly history, the monthly statistical forecast, the demand plan "
    "with the daily consensus and the planners' overrides), the supply review (sources and capacities), the scenarios balanced "
    "by the LP, the gap report and the proposed consensus plan; then the exceptions and the cockpit with the new scenarios.",
)

approve_sop_plan_job = dg.define_asset_job(
    "approve_sop_plan",
    selection=dg.AssetSelection.assets(approved_consensus_plan, *cockpit_assets),
    description="Approve a consensus plan version after the S&OP executive meeting (config plan_version, approved_by, comment): "
    "its status becomes approved, the previous approved version superseded, and the plan is published as CSV under the export folder; "
    "the cockpit shows the decision.",
)

# The first day of each month, 06:00, after the night's data and forecast.
sop_monthly_schedule = dg.ScheduleDefinition(
    name="sop_monthly_cycle",
    job=sop_monthly_job,
    cron_schedule="0 6 1 * *",
    execution_timezone=BUSINESS_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# Yesterday's business day, once it is over and the night's exports have landed.
daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_data_foundation_job,
    name="daily_data_foundation_schedule",
    hour_of_day=3,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


# Monday 05:00, after the night's data run: a new model for the week's planning.
weekly_training_schedule = dg.ScheduleDefinition(
    name="weekly_demand_forecast_training",
    job=demand_forecast_training_job,
    cron_schedule="0 5 * * 1",
    execution_timezone=BUSINESS_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def all_days_tags() -> dict[str, str]:
    """Run tags covering every daily partition in one run (a single-run backfill)."""
    first, last = partition_bounds()
    return {"dagster/asset_partition_range_start": first.isoformat(), "dagster/asset_partition_range_end": last.isoformat()}
