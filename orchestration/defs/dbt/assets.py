"""dbt models as Dagster assets: staging, intermediate, marts and governance, tests as checks.

Two definitions share one manifest: the incremental facts, partitioned by business day, and
every other model, rebuilt whole. Dagster runs the second in as many steps as the graph needs
around the Python assets (the data layer's views and dimensions before the forecast, the
planning marts after it, the exceptions after the plan): one step per position, each a dbt
process selecting its models.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from data_contracts import CONTRACTS
from orchestration.dbt_project import ensure_manifest, planline_dbt_project, process_environment
from orchestration.defs.dbt.translator import PlanlineDbtTranslator
from orchestration.ingestion.loader import PartitionWindow, loaded_days
from orchestration.partitions import HISTORY_END, WAREHOUSE_POOL, daily_partitions, run_window, single_run, window_environment
from orchestration.resources import DuckDBWarehouse

# Partitioned by business day: the models whose run replaces a window of days (the replace_days
# strategy, macros/incremental.sql) and the transactional sources' staging views (tag daily), so
# that one dbt run holds a day's whole path from raw to facts. Everything else (master data,
# dimensions, governance views, the planning marts, a KPI's history kept plan by plan) is rebuilt
# or appended to whole.
DAILY_MODELS = "tag:daily config.incremental_strategy:replace_days"
# A step runs the tests whose models it builds or has already built upstream (dbt's "buildable"
# indirect selection): a relationships test between a dimension and a model of a later step
# (a planning mart, an exception) runs with that later model, once both exist.
BUILDABLE_TESTS = ["--indirect-selection", "buildable"]


class DbtRunConfig(dg.Config):
    """Run parameters of the dbt models."""

    full_refresh: bool = False  # rebuild the incremental models from scratch (dbt --full-refresh)


# dbt's unit tests (tests/dbt/test_dbt_unit_tests.py runs them) check the models' logic on fixed
# rows: development's and CI's work, not a run's (a failing case would skip its model in production).
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def _build_args(config: DbtRunConfig) -> list[str]:
    command = ["build", "--full-refresh"] if config.full_refresh else ["build"]
    return [*command, *NO_UNIT_TESTS]


def _covering_loaded_rows(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, window: PartitionWindow) -> PartitionWindow:
    """The run's window, widened to the days of the valid rows this run loaded: a file is loaded
    whole by the first run of any day it touches (a late event, a row dated days later), and each
    of its rows must be harmonized, and checked by rows_conserved, by that run whatever its date."""
    record = context.instance.get_run_record_by_id(context.run.run_id)
    if record is None or record.start_time is None:
        return window
    since = datetime.fromtimestamp(record.start_time, UTC).replace(tzinfo=None)
    with warehouse.connect(read_only=True) as con:
        days = loaded_days(con, list(CONTRACTS.values()), since)
    if days is None:
        return window
    day_after = HISTORY_END if days[1] >= HISTORY_END - timedelta(days=1) else days[1] + timedelta(days=1)  # date.max has no next day
    widened = replace(window, start=min(window.start, days[0]), end=max(window.end, day_after))
    if widened != window:
        context.log.info(f"rows this run loaded lie on {days[0]} to {days[1]}: the window covers them")
    return widened


# What both dbt asset definitions share: one manifest, one translator, the warehouse's writer pool.
# dbt writes through its own connection; each definition still takes the warehouse resource, whose
# teardown publishes the readers' copy at the end of a run (orchestration/warehouse_snapshot.py).
DBT_ASSETS = {
    "manifest": ensure_manifest(),
    "project": planline_dbt_project(),
    "dagster_dbt_translator": PlanlineDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=True)),
    "pool": WAREHOUSE_POOL,
}


@dbt_assets(**DBT_ASSETS, exclude=DAILY_MODELS)
def planline_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig, warehouse: DuckDBWarehouse):
    """Every model but the daily facts, in the steps the graph needs."""
    yield from dbt.cli([*_build_args(config), *BUILDABLE_TESTS], context=context).stream()


@dbt_assets(**DBT_ASSETS, select=DAILY_MODELS, partitions_def=daily_partitions, backfill_policy=single_run)
def planline_daily_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig, warehouse: DuckDBWarehouse):
    """Incremental models: the run's days are replaced (see macros/incremental.sql)."""
    window = _covering_loaded_rows(context, warehouse, run_window(context))
    context.log.info(f"dbt incremental window {window.start} to {window.end} (exclusive)")
    # the window in the environment, read by the in_window macro: dbt vars would make dbt re-parse the project at every new window
    with process_environment(window_environment(window)):
        invocation = dbt.cli(_build_args(config), context=context)  # the process starts with the window
    yield from invocation.stream()
