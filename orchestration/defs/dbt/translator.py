"""How dbt nodes become Dagster assets: groups by folder, kinds, the facts' freshness, the seeds' place."""

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from orchestration.defs.ingestion.company import COMPANY_KEYS
from orchestration.partitions import FACT_FRESHNESS


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
        "reporting": "cockpit",  # the cockpit's inputs, built in the reporting layer before it
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
