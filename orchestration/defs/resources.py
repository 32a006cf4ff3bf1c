"""The resources every asset, sensor and job of the code location shares, from the settings
(``orchestration.settings``: the environment and the company folder), read when Dagster loads
the code location: every process (Dagster, dbt, a ``dbt parse``) opens the same warehouse."""

import dagster as dg

from orchestration.dbt_project import dbt_resource
from orchestration.resources import DuckDBWarehouse, ExportFolder, LandingZone, MLflowTracking
from orchestration.settings import load_settings


@dg.definitions
def resources() -> dg.Definitions:
    settings = load_settings()
    return dg.Definitions(
        resources={
            "warehouse": DuckDBWarehouse(database=str(settings.warehouse)),
            "landing_zone": LandingZone(
                landing_dir=str(settings.landing),
                rejected_dir=str(settings.rejected),
                processed_dir=str(settings.processed),
                company_dir=str(settings.company_dir),
                intake_dir=str(settings.intake),
            ),
            "exports": ExportFolder(export_dir=str(settings.exports)),
            "dbt": dbt_resource(settings),
            "mlflow_tracking": MLflowTracking(mlflow_dir=str(settings.mlflow), ui_url=settings.mlflow_ui_url),
        }
    )
