"""Planline's Dagster code location: ``dagster dev -w workspace.yaml``."""

# ruff: noqa: E402 (the settings are checked before the modules that read them are imported)
from __future__ import annotations

from orchestration.settings_check import validate_settings

# Every PLANLINE_* setting checked first (partitions read PLANLINE_AS_OF on import): a bad one
# fails the code location with one message naming each variable, its value and what is expected.
validate_settings()

import dagster as dg

from orchestration.assets.availability import availability_assets
from orchestration.assets.cockpit import cockpit_assets
from orchestration.assets.dbt import (
    dbt_resource,
    planline_daily_dbt_models,
    planline_dbt_models,
    planline_exception_dbt_models,
    planline_forecast_dbt_models,
)
from orchestration.assets.forecasting import MLflowTracking, forecasting_assets
from orchestration.assets.governance import quarantine
from orchestration.assets.ingestion import raw_assets
from orchestration.assets.inventory import inventory_assets, inventory_checks
from orchestration.assets.kpi import kpi_assets
from orchestration.assets.publication import erp_plan_files
from orchestration.assets.sop import sop_assets
from orchestration.assets.sop_approval import approved_consensus_plan
from orchestration.jobs import (
    approve_sop_plan_job,
    daily_data_foundation_job,
    daily_forecast_job,
    daily_schedule,
    data_foundation_full_refresh_job,
    data_foundation_job,
    demand_forecast_training_job,
    master_data_job,
    publish_plan_job,
    sop_monthly_job,
    sop_monthly_schedule,
    weekly_training_schedule,
)
from orchestration.resources import DuckDBWarehouse, ExportFolder, LandingZone
from orchestration.sensors import forecast_after_data_runs, landing_sensor
from orchestration.settings import export_environment, load_settings

# dbt and the resources read the same variables: the warehouse is one file whichever process opens it
export_environment(load_settings())

defs = dg.Definitions(
    assets=[
        *raw_assets,
        quarantine,
        planline_dbt_models,
        planline_daily_dbt_models,
        *forecasting_assets,
        planline_forecast_dbt_models,
        *inventory_assets,
        *availability_assets,
        *sop_assets,
        approved_consensus_plan,
        *kpi_assets,
        planline_exception_dbt_models,
        *cockpit_assets,
        erp_plan_files,
    ],
    asset_checks=inventory_checks,
    jobs=[
        data_foundation_job,
        data_foundation_full_refresh_job,
        daily_data_foundation_job,
        master_data_job,
        demand_forecast_training_job,
        daily_forecast_job,
        publish_plan_job,
        sop_monthly_job,
        approve_sop_plan_job,
    ],
    schedules=[daily_schedule, weekly_training_schedule, sop_monthly_schedule],
    sensors=[landing_sensor, forecast_after_data_runs],
    resources={
        "warehouse": DuckDBWarehouse(database=dg.EnvVar("PLANLINE_DUCKDB_PATH")),
        "landing_zone": LandingZone(
            landing_dir=dg.EnvVar("PLANLINE_LANDING_DIR"),
            rejected_dir=dg.EnvVar("PLANLINE_REJECTED_DIR"),
            processed_dir=dg.EnvVar("PLANLINE_PROCESSED_DIR"),
        ),
        "exports": ExportFolder(export_dir=dg.EnvVar("PLANLINE_EXPORT_DIR")),
        "dbt": dbt_resource(),
        "mlflow_tracking": MLflowTracking(mlflow_dir=dg.EnvVar("PLANLINE_MLFLOW_DIR"), ui_url=dg.EnvVar("PLANLINE_MLFLOW_UI_URL")),
    },
    # DuckDB has one writer at a time: steps run one after the other within a run, and across
    # runs the warehouse pool (dagster.yaml) queues them.
    executor=dg.in_process_executor,
)
