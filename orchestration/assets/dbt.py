"""dbt models as Dagster assets: staging, intermediate, marts and governance, tests as checks.

Four definitions share one manifest: the incremental facts, partitioned by business day; the
planning models (after the forecast: consensus, replenishment parameters, the inventory marts,
the KPIs); the exceptions (after the plan the Python assets make); and the rest (views,
dimensions, governance marts), rebuilt whole.
"""

import importlib.metadata
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from data_contracts import CONTRACTS
from orchestration.assets.company import COMPANY_KEYS
from orchestration.ingestion.loader import PartitionWindow, loaded_days
from orchestration.partitions import FACT_FRESHNESS, HISTORY_END, WAREHOUSE_POOL, daily_partitions, run_window, single_run, window_environment
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import REPO_ROOT, Settings, load_settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """``variables`` in this process's environment for a block, then as they were: for the dbt
    process started in the block (dagster-dbt gives it this process's environment, and reads
    DBT_TARGET_PATH from it for its run folders). Only while a step starts dbt, never at import."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class PlanlineDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, with the settings dbt reads (``environment``: the warehouse path,
    the business time zone, the calendar, the horizons, dbt's state folder) given to each dbt
    process it starts, and without the two start-up costs it pays at every step and these
    assets do not need: asking the dbt executable its version, and an in-process dbt adapter.

    dagster-dbt runs `dbt --version` in a subprocess once per resource instance, i.e. per step:
    about 6 s here, more than a day's incremental models take. The installed dbt-core is the one
    the executable runs (same environment), so its package version answers.
    """

    environment: dict[str, str] = {}  # Settings.dbt_environment()

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        """No in-process dbt adapter: dagster-dbt builds one at every step (loading every macro of
        the project, about 4 s here) only for ``fetch_row_counts`` and ``fetch_column_metadata``,
        which these assets do not call; dbt itself runs in its own process."""
        return None

    def cli(self, args, **kwargs):
        """dagster-dbt's ``cli`` (the process starts within it), with the settings' environment.
        dagster-dbt has no parameter for a process's environment: it copies this process's."""
        with _environment(self.environment):
            return super().cli(args, **kwargs)


def dbt_resource(settings: Settings | None = None) -> PlanlineDbtCliResource:
    """The dbt resource of ``settings`` (default: loaded now)."""
    settings = settings or load_settings()
    return PlanlineDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE, environment=settings.dbt_environment())


def parse_project(update_manifest: bool = True, settings: Settings | None = None) -> Path:
    """`dbt parse` with the environment runs use, into the dbt state folder runs start from.

    dbt re-parses the whole project (seconds per dbt step) when the profile (the warehouse path)
    differs from the one its partial-parse state was made with; every dbt step copies the state
    folder's ``partial_parse.msgpack``, so priming it once makes every step parse partially. With
    ``update_manifest`` the manifest the definitions load is refreshed too (``make dbt-parse``).
    """
    settings = settings or load_settings()
    state = settings.dbt_state
    state.mkdir(parents=True, exist_ok=True)
    dbt_resource(settings).cli(["parse", "--quiet"], target_path=state).wait()
    if update_manifest:
        dbt_project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(state / "manifest.json", dbt_project.manifest_path)
    return dbt_project.manifest_path


if __name__ == "__main__":  # make dbt-parse: here, before the assets below, which need the manifest it writes
    print(parse_project())
    raise SystemExit(0)


class ManifestMissingError(FileNotFoundError):
    """The code location needs dbt's manifest, which only ``make dbt-parse`` writes."""


def ensure_manifest(manifest: Path | None = None) -> Path:
    """The dbt manifest the assets are made from. The code location never runs dbt: it is parsed
    by ``make dbt-parse`` (``python -m orchestration.assets.dbt``), which ``make ui``, ``make demo``
    and ``make test`` run first; after a change of the dbt project, run it again and reload."""
    manifest = manifest or dbt_project.manifest_path
    if not manifest.exists():
        raise ManifestMissingError(
            f"the dbt manifest {manifest} is missing: run `make dbt-parse` (python -m orchestration.assets.dbt) before loading Planline's code location"
        )
    return manifest


class PlanlineDbtTranslator(DagsterDbtTranslator):
    """Groups follow the project's folders; sources keep the ingestion assets' keys (meta.dagster.asset_key)."""

    GROUPS = {
        "staging": "staging",
        "intermediate": "intermediate",
        "core": "marts",
        "governance": "governance",
        "forecasting": "forecasting",
        "inventory": "inventory",
        "sop": "sop",
        "kpi": "kpi",
        "exceptions": "exceptions",
    }

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec
        if props["resource_type"] == "seed":
            # The seeds are built after the company's configuration is loaded, with its staging
            # views: Dagster gives a dbt definition one step (one dbt process, ~8 s to start) per
            # position in the graph, and seeds without upstream would take a step of their own.
            return spec.replace_attributes(group_name="reference", kinds={"dbt", "duckdb", "csv"}, deps=[*spec.deps, *COMPANY_KEYS])
        folders = props["fqn"][1:-1]
        group = next((self.GROUPS[f] for f in reversed(folders) if f in self.GROUPS), "dbt")
        spec = spec.replace_attributes(group_name=group, kinds={"dbt", "duckdb", "sql"})
        if group == "marts" and props["config"].get("materialized") == "incremental":
            spec = spec.replace_attributes(freshness_policy=FACT_FRESHNESS)  # the daily facts
        return spec


# Partitioned by business day: the incremental models and the transactional sources' staging
# views (tag daily), so that one dbt run holds a day's whole path from raw to facts. Everything
# else (master data, dimensions, governance views) is rebuilt whole.
DAILY_MODELS = "tag:daily config.materialized:incremental"
# Planning models: downstream of the forecasting assets (consensus forecast, forecast value added,
# replenishment parameters), their own definition since the panel they follow is upstream of those
# assets in the other one; and the inventory marts, a snapshot of stock, supply and orders taken
# when the plan is made (after each day's data, which the daily data job only appends to the facts).
FORECAST_MODELS = "source:forecasts+ source:sop+ path:models/marts/inventory path:models/marts/kpi"
# Exceptions: downstream of the plan the Python assets make (projection, allocation, S&OP gaps).
EXCEPTION_MODELS = "path:models/marts/exceptions"


class DbtRunConfig(dg.Config):
    """Run parameters of the dbt models."""

    full_refresh: bool = False  # rebuild the incremental models from scratch (dbt --full-refresh)


def _build_args(config: DbtRunConfig) -> list[str]:
    return ["build", "--full-refresh"] if config.full_refresh else ["build"]


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
DBT_ASSETS = {"manifest": ensure_manifest(), "project": dbt_project, "dagster_dbt_translator": PlanlineDbtTranslator(), "pool": WAREHOUSE_POOL}


@dbt_assets(**DBT_ASSETS, exclude=f"{DAILY_MODELS} {FORECAST_MODELS} {EXCEPTION_MODELS}")
def planline_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig, warehouse: DuckDBWarehouse):
    # A test between a dimension and a fact (relationships) belongs to the fact's step: excluding
    # the facts keeps dbt from running it with the dimension, before the fact exists.
    yield from dbt.cli([*_build_args(config), "--exclude", f"{DAILY_MODELS} {FORECAST_MODELS} {EXCEPTION_MODELS}"], context=context).stream()


@dbt_assets(**DBT_ASSETS, select=DAILY_MODELS, exclude=f"{FORECAST_MODELS} {EXCEPTION_MODELS}", partitions_def=daily_partitions, backfill_policy=single_run)
def planline_daily_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig, warehouse: DuckDBWarehouse):
    """Incremental models: the run's days are replaced (see macros/incremental.sql)."""
    window = _covering_loaded_rows(context, warehouse, run_window(context))
    context.log.info(f"dbt incremental window {window.start} to {window.end} (exclusive)")
    # the window in the environment, read by the in_window macro: dbt vars would make dbt re-parse the project at every new window
    with _environment(window_environment(window)):
        invocation = dbt.cli(_build_args(config), context=context)  # the process starts with the window
    yield from invocation.stream()


@dbt_assets(**DBT_ASSETS, select=FORECAST_MODELS)
def planline_forecast_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse):
    """The consensus forecast, the forecast value added of overrides and the inventory marts, after each forecast."""
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(**DBT_ASSETS, select=EXCEPTION_MODELS)
def planline_exception_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse):
    """The exceptions with their reasons, after the inventory plan and the S&OP balancing."""
    yield from dbt.cli(["build"], context=context).stream()
