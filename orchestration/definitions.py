"""Planline's Dagster code location: ``dagster dev -w workspace.yaml``.

Importing it has no side effect: it reads the settings (the environment and the company
configuration, ``orchestration.settings``) and dbt's manifest (``make dbt-parse`` writes it), and
changes nothing: no environment variable is written, dbt does not run, the landing folder is not
looked at (the sensor and the runs read it). The resources take their paths from the settings;
dbt gets the settings it reads when a step starts it.
"""

# ruff: noqa: E402 (the settings are checked before the modules that read them are imported)
from __future__ import annotations

from orchestration.settings_check import validate_settings

# Every setting checked first (partitions read the as-of on import): a bad one fails the code
# location with one message naming each variable (or company.yaml's key), its value and what is
# expected. The folders are probed by the entry points (make ui, make demo), not here: loading
# the code location writes nothing.
validate_settings(folders=False)

import dagster as dg

from orchestration.assets.availability import availability_assets
from orchestration.assets.cockpit import cockpit_assets
from orchestration.assets.company import company_configuration
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
from orchestration.settings import Settings, load_settings


def planline_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources of a deployment, from its settings: every process (Dagster, dbt, a `dbt
    parse`) opens the same warehouse whichever started it."""
    return {
        "warehouse": DuckDBWarehouse(database=str(settings.warehouse)),
        "landing_zone": LandingZone(
            landing_dir=str(settings.landing),
            rejected_dir=str(settings.rejected),
            processed_dir=str(settings.processed),
            company_dir=str(settings.company_dir),
        ),
        "exports": ExportFolder(export_dir=str(settings.exports)),
        "dbt": dbt_resource(settings),
        "mlflow_tracking": MLflowTracking(mlflow_dir=str(settings.mlflow), ui_url=settings.mlflow_ui_url),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    """The code location with the resources of ``settings`` (the assets, partitions and schedules
    are the modules', made from the settings the code location loaded with)."""
    return dg.Definitions(
        assets=[
            company_configuration,
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
        resources=planline_resources(settings),
        # DuckDB has one writer at a time: steps run one after the other within a run, and across
        # runs the warehouse pool (dagster.yaml) queues them.
        executor=dg.in_process_executor,
    )


defs = build_definitions(load_settings())
