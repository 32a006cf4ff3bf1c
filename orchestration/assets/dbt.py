"""dbt models as Dagster assets: staging, intermediate, marts and governance, tests as checks."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.settings import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing (outside `dagster dev`, which does it itself)."""
    if not dbt_project.manifest_path.exists():
        DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return dbt_project.manifest_path


class PlanlineDbtTranslator(DagsterDbtTranslator):
    """Groups follow the project's folders; sources keep the ingestion assets' keys (meta.dagster.asset_key)."""

    GROUPS = {"staging": "staging", "intermediate": "intermediate", "core": "marts", "governance": "governance"}

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec
        if props["resource_type"] == "seed":
            return spec.replace_attributes(group_name="reference", kinds={"dbt", "duckdb", "csv"})
        folders = props["fqn"][1:-1]
        group = next((self.GROUPS[f] for f in reversed(folders) if f in self.GROUPS), "dbt")
        return spec.replace_attributes(group_name=group, kinds={"dbt", "duckdb", "sql"})


@dbt_assets(manifest=ensure_manifest(), project=dbt_project, dagster_dbt_translator=PlanlineDbtTranslator())
def planline_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
