"""How the asset-group tests run: the code location's Python assets of a group, a temporary
Planline home to run them in, and the hand-made tables they read written as dbt types them (the
tables themselves are in ``tests/assets/inputs.py``).

The assets come from the modules of ``orchestration/defs`` (what ``dg.load_from_defs_folder``
loads for the code location), except the dbt domain and the modules that only wire runs (jobs,
schedules, sensors, resources): importing dagster-dbt and the dbt definitions took 10 s on the
shared 2-core machine (the whole code location 24 s), and none of them defines a Python asset. ``test_asset_scan.py`` checks
that this finds every Python asset of the reviewed graph snapshot, so an asset added to a group is
run by its group's test without editing the test.

The input tables are typed as dbt declares them (``data_type`` of the model's, seed's or
source's YAML, read from dbt's manifest): a test table holds the columns an asset reads, each with
the type dbt would build, and a column the model does not declare is refused, so the inputs
cannot drift away from the models they stand for.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

import orchestration.defs
from orchestration.resources import DuckDBWarehouse, ExportFolder
from orchestration.settings import home_environment, load_settings

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "dbt_project" / "target" / "manifest.json"
# modules of orchestration/defs that define no asset but import the dbt definitions (slow to load)
WIRING_MODULES = ("jobs", "schedules", "automation", "resources", "sensors")
SKIPPED_DOMAINS = ("dbt",)


# -- the code location's Python assets ------------------------------------------------------------
@cache
def python_definitions() -> tuple[tuple[dg.AssetsDefinition, ...], tuple[dg.AssetChecksDefinition, ...]]:
    """Every Python asset and asset check the code location's defs folder defines (see the module's
    docstring for what is left out and why)."""
    modules = []
    for found in pkgutil.walk_packages(orchestration.defs.__path__, "orchestration.defs."):
        parts = found.name.split(".")[2:]
        if found.ispkg or parts[0] in SKIPPED_DOMAINS or parts[-1] in WIRING_MODULES:
            continue
        modules.append(importlib.import_module(found.name))
    assets = dg.load_assets_from_modules(modules)
    checks = dg.load_asset_checks_from_modules(modules)
    return tuple(a for a in assets if isinstance(a, dg.AssetsDefinition)), tuple(checks)


@cache
def python_graph():
    """The asset graph of :func:`python_definitions` (what selections resolve against; Dagster's
    own graph class: a Definitions object would first want every resource of every asset)."""
    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

    assets, checks = python_definitions()
    return AssetGraph.from_assets([*assets, *checks])


def selected_definitions(selection: dg.AssetSelection) -> tuple[list[dg.AssetsDefinition], dg.AssetSelection]:
    """The definitions a run of ``selection`` needs (the Python assets it picks, whole: a
    multi-asset with all its keys; the assets of the checks it picks; those checks) and the
    selection resolved to keys and check keys, which the run executes."""
    assets, checks = python_definitions()
    graph = python_graph()
    keys, check_keys = selection.resolve(graph), selection.resolve_checks(graph)
    needed = keys | {check.asset_key for check in check_keys}
    picked = [a for a in assets if set(a.keys) & needed]
    partial = [a for a in picked if set(a.keys) & keys and not set(a.keys) <= keys]
    if partial:
        raise ValueError(f"the selection takes part of a multi-asset: {[k.to_user_string() for a in partial for k in a.keys]}")
    definitions = [*picked, *(c for c in checks if set(c.check_keys) & check_keys)]
    return definitions, dg.AssetSelection.assets(*keys) | dg.AssetSelection.checks(*check_keys)


def group_assets(*groups: str) -> dg.AssetSelection:
    """The assets of ``groups`` that are not dbt models: what the tests of a group run."""
    return dg.AssetSelection.groups(*groups) - dg.AssetSelection.tag("dagster/kind/dbt", "")


# -- a temporary home -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Home:
    """A Planline home under a test's temporary folder: its warehouse and export folder, and the
    resources the code location would make from its settings (``orchestration/defs/resources.py``)."""

    path: Path
    warehouse: str
    exports: Path

    @property
    def resources(self) -> dict[str, dg.ConfigurableResource]:
        return {"warehouse": DuckDBWarehouse(database=self.warehouse), "exports": ExportFolder(export_dir=str(self.exports))}

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(self.warehouse, read_only=read_only)

    def frame(self, sql: str, parameters: list | None = None) -> pd.DataFrame:
        with self.connect() as con:
            return con.execute(sql, parameters or []).df()


def planning_home(path: Path, monkeypatch: pytest.MonkeyPatch, **variables: str) -> Home:
    """A home at ``path`` with the environment pointing every Planline path into it (the settings
    the assets read, such as the S&OP horizon, come from there), plus ``variables``."""
    for name, value in {**home_environment(path), **variables}.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    settings.exports.mkdir(parents=True, exist_ok=True)
    return Home(path=path, warehouse=str(settings.warehouse), exports=settings.exports)


def copy_home(source: Home, path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A new home at ``path`` holding a copy of ``source``'s warehouse (to run on without changing it)."""
    home = planning_home(path, monkeypatch)
    shutil.copyfile(source.warehouse, home.warehouse)
    return home


def run(home: Home, selection: dg.AssetSelection, run_config: Mapping | None = None, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    """Materialize the Python assets and checks of ``selection`` in ``home``."""
    definitions, resolved = selected_definitions(selection)
    return dg.materialize(definitions, selection=resolved, resources=home.resources, run_config=run_config, raise_on_error=raise_on_error)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The message of the run's (single) failed step, with its causes' (what the run's log shows:
    Dagster wraps an asset's own error in a step execution error)."""
    [failure] = result.get_step_failure_events()
    messages, error = [], failure.event_specific_data.error
    while error is not None:
        messages.append(error.message)
        error = error.cause
    return "\n".join(messages)


def materialization(result: dg.ExecuteInProcessResult, key: str) -> dict:
    """The metadata values of the materialization of ``key`` (``schema/table``) in ``result``."""
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return {name: value.value for name, value in event.materialization.metadata.items()}


def check_result(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    """The evaluation of the check ``name`` in ``result``."""
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return evaluation


# -- input tables typed as dbt declares them --------------------------------------------------------
@cache
def declared_columns() -> dict[str, dict[str, str | None]]:
    """``schema.name`` -> {column: declared data type or None} for every dbt model, seed and source:
    the columns its YAML lists (a seed: its CSV header's), or {} when it lists none."""
    if not MANIFEST.exists():
        raise FileNotFoundError(f"{MANIFEST} is missing: run `make dbt-parse` (python -m orchestration.dbt_project) first")
    manifest = json.loads(MANIFEST.read_text())
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    relations = {}
    for node in [*nodes, *manifest["sources"].values()]:
        columns = {name: column.get("data_type") for name, column in node["columns"].items()}
        if node["resource_type"] == "seed":  # its YAML lists the columns it tests; the file has them all
            header = (REPO / "dbt_project" / node["original_file_path"]).read_text(encoding="utf-8").splitlines()[0]
            columns = {name: columns.get(name) for name in header.split(",")}
        # a table several sources declare (each reader its own) has the union of their columns
        relations.setdefault(f"{node['schema']}.{node['name']}", {}).update(columns)
    return relations


def write_tables(home: Home, tables: Mapping[str, pd.DataFrame]) -> None:
    """Create each ``schema.table`` of ``tables`` (replacing it) with the frame's rows, its columns
    cast to the types dbt declares for them. A relation dbt does not know, or a column it does not
    list (when it lists any), is refused: the tests feed the assets what dbt would give them."""
    relations = declared_columns()
    with duckdb.connect(home.warehouse) as con:
        for relation, frame in tables.items():
            if relation not in relations:
                raise ValueError(f"{relation} is no dbt model, seed or source (dbt_project/target/manifest.json)")
            declared = relations[relation]
            undeclared = [c for c in frame.columns if declared and c not in declared]
            if undeclared:
                raise ValueError(f"{relation} declares no column {undeclared} (its columns: {list(declared)})")
            columns = ", ".join(f'CAST("{c}" AS {declared[c]}) AS "{c}"' if declared.get(c) else f'"{c}"' for c in frame.columns)
            schema = relation.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.register("rows", frame)
            con.execute(f"CREATE OR REPLACE TABLE {relation} AS SELECT {columns} FROM rows")
            con.unregister("rows")
