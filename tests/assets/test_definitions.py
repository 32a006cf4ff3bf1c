"""The Dagster code location loads and wires ingestion, contracts and dbt into one graph."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import dagster as dg

from data_contracts import CONTRACTS


def test_definitions_load_as_one_graph():
    from orchestration.definitions import defs as planline

    defs = planline()

    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"raw", "governance", "staging", "intermediate", "marts", "reference", "forecasting"} <= groups
    # every raw asset feeds a staging model: the dbt source is mapped onto the ingestion asset
    for source in CONTRACTS:
        children = graph.get(dg.AssetKey(["raw", source])).child_keys
        assert any(graph.get(child).group_name == "staging" for child in children), f"raw/{source} feeds no staging model"
    pos_staging = graph.get(dg.AssetKey(["staging", "stg_pos__sales"]))
    assert {dg.AssetKey(["raw", "pos_sales"]), dg.AssetKey(["governance", "quarantine"])} <= set(pos_staging.parent_keys)


def test_every_raw_asset_has_its_contract_check_blocking():
    from orchestration.definitions import defs as planline

    defs = planline()

    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.path[-1], key.name) for key in graph.asset_check_keys}
    for source in CONTRACTS:
        assert (source, "contract") in checks and (source, "files_parsed") in checks
    dbt_checks = [k for k in graph.asset_check_keys if k.asset_key.path[-1] == "gov_row_conservation"]
    assert dbt_checks, "row conservation must be an asset check"


def test_forecasting_runs_weekly_through_the_champion_gate_and_refreshes_after_each_data_run():
    from orchestration.definitions import defs as planline

    defs = planline()

    graph = defs.resolve_asset_graph()
    key = dg.AssetKey
    assert key(["forecasting", "fct_demand_panel"]) in graph.get(key(["forecasting", "demand_model"])).parent_keys
    assert key(["forecasting", "demand_model"]) in graph.get(key(["forecasting", "demand_forecast"])).parent_keys
    assert key(["forecasting", "demand_forecast"]) in graph.get(key(["forecasting", "fct_consensus_forecast"])).parent_keys
    assert dg.AssetCheckKey(key(["forecasting", "demand_model"]), "champion_gate") in graph.asset_check_keys
    weekly = defs.resolve_schedule_def("weekly_demand_forecast_training")
    assert weekly.job_name == "demand_forecast_training" and weekly.cron_schedule == "0 5 * * 1"
    refresh = defs.resolve_sensor_def("forecast_after_data_runs")
    assert refresh.job_name == "daily_forecast"
    daily_data = defs.resolve_job_def("daily_data_foundation").asset_layer.executable_asset_keys  # the data runs stay data runs
    assert key(["forecasting", "demand_model"]) not in daily_data
    assert key(["forecasting", "demand_model"]) not in defs.resolve_job_def("data_foundation").asset_layer.executable_asset_keys


def test_a_successful_data_run_requests_a_forecast_refresh_once_a_model_is_trained():
    from orchestration.defs.automation import forecast_after_data_runs
    from orchestration.defs.forecasting.assets import DEMAND_MODEL

    @dg.op
    def noop():
        pass

    @dg.job
    def stand_in_data_run():
        noop()

    with dg.DagsterInstance.ephemeral() as instance:
        finished = stand_in_data_run.execute_in_process(instance=instance)

        def evaluate():
            context = dg.build_run_status_sensor_context(
                sensor_name=forecast_after_data_runs.name,
                dagster_event=finished.get_run_success_event(),
                dagster_instance=instance,
                dagster_run=finished.dagster_run,
            )
            return forecast_after_data_runs(context)

        assert isinstance(evaluate(), dg.SkipReason), "no forecast before the first training"
        instance.report_runless_asset_event(dg.AssetMaterialization(DEMAND_MODEL))
        request = evaluate()
        assert isinstance(request, dg.RunRequest) and request.run_key == f"after:{finished.run_id}"


def test_the_company_configuration_feeds_the_models_through_tested_staging_views():
    """company/<table> (the asset group company) is the dbt source company, upstream of one
    staging view per table; the views' tests (the roles' rules) are asset checks; no seed holds a
    company's configuration any more."""
    from data_contracts.company.export import COLUMNS, SCHEMA
    from orchestration.definitions import defs as planline

    defs = planline()

    graph = defs.resolve_asset_graph()
    for table in COLUMNS:
        view = dg.AssetKey(["staging", f"stg_company__{table}"])
        assert view in graph.get(dg.AssetKey([SCHEMA, table])).child_keys, f"company/{table} feeds no staging view"
        assert graph.get(view).group_name == "staging"
    checks = {(key.asset_key.path[-1], key.name) for key in graph.asset_check_keys}
    assert any(asset == "stg_company__channels" and name.startswith("unique_stg_company__channels_channel_role") for asset, name in checks)
    assert any(asset == "stg_company__code_systems" and name.startswith("unique_stg_company__code_systems_code_role") for asset, name in checks)
    assert not [key for key in graph.get_all_asset_keys() if key.path[0] == "reference" and key.path[-1] in COLUMNS]
    # Planline's Python assets read the configuration too, not a seed: the channels' safety buffers
    # through the views of the company's channels and location types, the allocation its segments
    buffers = dg.AssetKey(["inventory", "dim_channel_safety_buffers"])
    assert buffers in graph.get(dg.AssetKey(["inventory", "available_to_promise"])).parent_keys
    views = {dg.AssetKey(["staging", f"stg_company__{table}"]) for table in ("channels", "location_types")}
    assert views <= graph.get(buffers).parent_keys
    assert dg.AssetKey([SCHEMA, "segment_service_levels"]) in graph.get(dg.AssetKey(["inventory", "order_allocation"])).parent_keys


SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


def asset_graph_snapshot() -> str:
    """The code location's graph as text: every asset with its group, owners and parents, every
    check, every job's selection and every schedule and sensor, sorted (one line each)."""
    from orchestration.definitions import defs as planline

    defs = planline()
    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        parents = ",".join(sorted(p.to_user_string() for p in node.parent_keys))
        lines.append(f"asset {key.to_user_string()} group={node.group_name} owners={','.join(node.owners)} parents={parents}")
    lines += sorted(f"check {c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys)
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if not job.name.startswith("__"):
            lines.append(f"job {job.name} " + ",".join(sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys)))
    lines += sorted(f"schedule {s.name} {s.job_name} {s.cron_schedule}" for s in defs.get_repository_def().schedule_defs)
    lines += sorted(f"sensor {s.name}" for s in defs.get_repository_def().sensor_defs)
    return "\n".join(lines) + "\n"


def test_the_asset_graph_is_the_reviewed_one():
    """A change to the graph (an asset, a group, an owner, a dependency, a check, a job's
    selection) shows as a diff of tests/assets/snapshots/asset_graph.txt. After a deliberate change:
    PLANLINE_UPDATE_SNAPSHOT=1 pytest tests/assets/test_definitions.py, and review the diff."""
    current = asset_graph_snapshot()
    if os.environ.get("PLANLINE_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(current)
    assert SNAPSHOT.exists(), "no snapshot yet: run with PLANLINE_UPDATE_SNAPSHOT=1"
    expected = SNAPSHOT.read_text()
    diff = "".join(difflib.unified_diff(expected.splitlines(True), current.splitlines(True), "reviewed", "current", n=0))
    assert current == expected, f"the asset graph changed (PLANLINE_UPDATE_SNAPSHOT=1 to accept):\n{diff[:4000]}"


def test_every_asset_has_an_owner_and_a_code_reference():
    from orchestration.definitions import defs as planline
    from orchestration.owners import OWNERS_BY_GROUP

    graph = planline().resolve_asset_graph()
    nodes = [graph.get(k) for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    assert {n.group_name for n in nodes} <= set(OWNERS_BY_GROUP), "a group without an owner: add it to orchestration/owners.py"
    assert all(n.owners for n in nodes)
    assert all("dagster/code_references" in n.metadata for n in nodes)


def test_the_dagster_dbt_private_members_overridden_still_exist():
    """PlanlineDbtCliResource overrides two private members of dagster-dbt's DbtCliResource
    (pinned to a range in pyproject.toml): if an upgrade renames them, the overrides silently stop
    saving their seconds per dbt step; this test fails instead."""
    from dagster_dbt import DbtCliResource

    from orchestration.dbt_project import PlanlineDbtCliResource

    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer defines DbtCliResource.{name}: review PlanlineDbtCliResource"
        assert name in vars(PlanlineDbtCliResource)


def test_asset_descriptions_keep_their_globs_and_underscores_through_markdown():
    """Dagster's UI renders an asset's description as Markdown (GitHub's flavour): a file glob
    written bare, pos/*/sales_*.csv, loses its stars and turns italic, and a placeholder such as
    <export folder> is taken for an HTML tag and dropped. Every ``*``, ``_`` and ``<`` a description
    holds must still be in the rendered text: file names, globs and paths go in backticks."""
    from markdown_it import MarkdownIt

    from orchestration.definitions import defs as planline

    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])

    def lost_characters(description: str) -> dict[str, int]:
        """How many of the description's stars and underscores the rendered text lacks."""
        written = description.replace("\\*", "*").replace("\\_", "_")  # an escaped one is shown as itself
        shown = "".join(
            leaf.content
            for token in markdown.parse(description)
            for leaf in (token.children or [token])
            if leaf.type in ("text", "code_inline", "fence", "code_block")
        )
        return {c: written.count(c) - shown.count(c) for c in "*_<" if written.count(c) != shown.count(c)}

    # the check itself: a bare glob is caught, the same in backticks (and a lone star) is not
    assert lost_characters("Files: pos/*/sales_*.csv and erp/inventory_*.csv.") == {"*": 2}
    assert lost_characters("Written to <export folder>/cockpit.html.") == {"<": 1}
    assert lost_characters("Files: `pos/*/sales_*.csv`, seed kpi_targets, a * for all.\n\n```sql\nselect * from t\n```") == {}

    graph = planline().resolve_asset_graph()
    lost = {key.to_user_string(): lost_characters(graph.get(key).description or "") for key in graph.get_all_asset_keys()}
    lost = {key: characters for key, characters in lost.items() if characters}
    assert not lost, f"descriptions whose * or _ Markdown takes for emphasis (put file names and globs in backticks): {lost}"
