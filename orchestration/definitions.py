"""Planline's Dagster code location: ``dagster dev -w workspace.yaml``."""

from __future__ import annotations

import os

import dagster as dg

from orchestration.assets.dbt import dbt_resource, planline_dbt_models
from orchestration.assets.governance import quarantine
from orchestration.assets.ingestion import raw_assets
from orchestration.resources import DuckDBWarehouse, LandingZone
from orchestration.settings import load_settings

settings = load_settings()
# dbt and the resources read the same variables; default them from the settings so that the
# warehouse is one file whichever process opens it.
os.environ.setdefault("PLANLINE_DUCKDB_PATH", str(settings.warehouse))
os.environ.setdefault("PLANLINE_LANDING_DIR", str(settings.landing))
os.environ.setdefault("PLANLINE_REJECTED_DIR", str(settings.rejected))

data_foundation_job = dg.define_asset_job(
    "data_foundation",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, run the data contracts, harmonize and build the marts.",
)

defs = dg.Definitions(
    assets=[*raw_assets, quarantine, planline_dbt_models],
    jobs=[data_foundation_job],
    resources={
        "warehouse": DuckDBWarehouse(database=dg.EnvVar("PLANLINE_DUCKDB_PATH")),
        "landing_zone": LandingZone(landing_dir=dg.EnvVar("PLANLINE_LANDING_DIR"), rejected_dir=dg.EnvVar("PLANLINE_REJECTED_DIR")),
        "dbt": dbt_resource(),
    },
    # DuckDB has one writer at a time: run steps one after the other.
    executor=dg.in_process_executor,
)
