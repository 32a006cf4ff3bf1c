"""The Dagster code location loads and wires ingestion, contracts and dbt into one graph."""

from __future__ import annotations

import dagster as dg

from data_contracts import CONTRACTS


def test_definitions_load_as_one_graph():
    from orchestration.definitions import defs

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
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    checks = {(key.asset_key.path[-1], key.name) for key in graph.asset_check_keys}
    for source in CONTRACTS:
        assert (source, "contract") in checks and (source, "files_parsed") in checks
    dbt_checks = [k for k in graph.asset_check_keys if k.asset_key.path[-1] == "gov_row_conservation"]
    assert dbt_checks, "row conservation must be an asset check"
