"""Planline's Dagster code location ``planline`` (workspace.yaml): ``make ui``.

The definitions are assembled, not listed: each domain under ``orchestration/defs/`` (ingestion,
dbt, forecasting, inventory, sop, reporting, publication) holds its assets, checks, jobs,
schedules and sensors, and Dagster collects whatever those modules define. Adding an asset means
adding it to its domain's folder; its group places it in the jobs (``defs/layers.py``).

Importing this module does nothing: Dagster calls ``defs`` when it loads the code location. The
call checks every setting first (a bad one fails the load with one message naming each variable
or company.yaml key, its value and what is expected), then imports the domains, which read the
settings (the partitions, the business time zone) and dbt's manifest (``make dbt-parse``). No
environment variable is written, dbt does not run, the landing folder is not looked at.
"""

import warnings
from pathlib import Path

import dagster as dg

DEFS_FOLDER = Path(__file__).parent / "defs"


@dg.definitions
def defs() -> dg.Definitions:
    from orchestration.owners import with_group_owner
    from orchestration.settings_check import validate_settings

    validate_settings(folders=False)  # before the domains, which read the settings on import
    domains = dg.load_from_defs_folder(path_within_project=DEFS_FOLDER)
    # every asset with its group's owner and a link to the code that makes it (code references
    # are a beta feature of Dagster 1.13: its warning would be printed at every load)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        assets = dg.with_source_code_references(dg.map_asset_specs(with_group_owner, domains.assets or []))
    return dg.Definitions(
        assets=assets,
        asset_checks=domains.asset_checks,
        jobs=domains.jobs,
        schedules=domains.schedules,
        sensors=domains.sensors,
        resources=domains.resources,
        # DuckDB has one writer at a time: steps run one after the other within a run, and across
        # runs the warehouse pool (dagster.yaml) queues them.
        executor=dg.in_process_executor,
    )
