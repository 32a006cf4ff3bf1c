"""The asset-group tests run what the code location defines: their scan of ``orchestration/defs``
(tests/assets/group_runs.py, which leaves the dbt domain and the wiring modules out) finds every
Python asset of the reviewed graph, so a Python asset added to a group runs in its group's test."""

from __future__ import annotations

import json
from pathlib import Path

from tests.assets.group_runs import MANIFEST, python_definitions

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


def test_the_scan_finds_every_asset_of_the_graph_that_is_not_a_dbt_node():
    graph = {line.split()[1] for line in SNAPSHOT.read_text().splitlines() if line.startswith("asset ")}
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    dbt_keys = {f"{n['schema']}/{n['name']}" for n in nodes if n["resource_type"] in ("model", "seed", "snapshot")}
    assets, checks = python_definitions()
    scanned = {key.to_user_string() for definition in assets for key in definition.keys}
    assert scanned == graph - dbt_keys
    # and their checks, separate (the policy check) or part of an asset (the contract checks, the champion gate)
    graph_checks = {line.split()[1] for line in SNAPSHOT.read_text().splitlines() if line.startswith("check ")}
    scanned_checks = {f"{key.asset_key.to_user_string()}:{key.name}" for definition in (*assets, *checks) for key in definition.check_keys}
    assert scanned_checks <= graph_checks
    assert {"inventory/inventory_policies:policy_levels_are_ordered", "forecasting/demand_model:champion_gate"} <= scanned_checks
