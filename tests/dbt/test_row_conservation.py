"""Row conservation counts every source (issue 17: a source is added in data_contracts/ alone).

gov_row_conservation takes its sources from the warehouse's raw tables, which each data contract's
raw asset creates: a new contract's rows are counted read and quarantined from its first load. Its
harmonized rows are counted once a model harmonizes it (``harmonized_in`` in the view's SQL);
until then those counts are null and the view's data test passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb

from data_contracts.model import Contract
from data_contracts.registry import CONTRACTS
from orchestration.settings import REPO_ROOT, home_environment
from tests.dbt.test_dbt_unit_tests import DBT_PROJECT_DIR, _outcomes, empty_warehouse

VIEW = "gov_row_conservation"
VIEW_SQL = f"dbt_project/models/marts/governance/{VIEW}.sql"
# a source no dbt model reads yet: its contract just written
NEW_SOURCE = Contract(source="returns_export", system="erp", description="Returns.", columns=("return_id",), rules=())


def test_every_raw_source_dbt_declares_has_its_harmonized_rows_counted():
    """A raw source a staging model reads is harmonized by a model: the view must name it, else its
    rows are counted read and quarantined but never checked against the harmonized model."""
    from orchestration.dbt_project import ensure_manifest

    manifest = json.loads(Path(ensure_manifest()).read_text())
    counted = set(manifest["nodes"][f"model.planline.{VIEW}"]["depends_on"]["nodes"])
    read_by_a_model = {
        dependency
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] != VIEW
        for dependency in node["depends_on"]["nodes"]
        if dependency.startswith("source.planline.raw.")
    }
    missing = sorted(source.rsplit(".", 1)[-1] for source in read_by_a_model - counted)
    assert not missing, (
        f"raw sources read by dbt models whose harmonized rows {VIEW} does not count: {', '.join(missing)}; "
        f"add '<source>': '<the model holding one row per valid raw row>' to harmonized_in in {VIEW_SQL}"
    )
    assert {source.rsplit(".", 1)[-1] for source in read_by_a_model} <= set(CONTRACTS)


def _loaded_warehouse(path: Path) -> None:
    """Every contract's raw table and a new source's, as the raw assets leave them: one row per
    contract, quarantined (the harmonized models are built empty), and two rows of the new source,
    one quarantined."""
    from orchestration.ingestion.loader import ensure_raw_tables

    empty_warehouse(path)
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con, NEW_SOURCE)
        now = datetime(2026, 9, 30)
        for source in [*CONTRACTS, NEW_SOURCE.source]:
            con.execute(f"INSERT INTO raw.{source} (_source_file, _row_number, _loaded_at) VALUES ('{source}/a.csv', 1, ?)", [now])
        con.execute(f"INSERT INTO raw.{NEW_SOURCE.source} (_source_file, _row_number, _loaded_at) VALUES ('{NEW_SOURCE.source}/a.csv', 2, ?)", [now])
        for source in [*CONTRACTS, NEW_SOURCE.source]:
            con.execute(
                "INSERT INTO governance.quarantine VALUES (?, ?, 1, 'mandatory_field', 'x', NULL, 'x is empty', ?)",
                [source, f"{source}/a.csv", now],
            )


def dbt_session(report_path: str) -> None:
    """In a dbt process of its own: the view's inputs built empty, the view over the loaded raw
    tables, its data tests; what each step did written to ``report_path`` as JSON."""
    from dbt.cli.main import dbtRunner

    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet", "--no-use-colors", "--no-write-json"]
    parsed = dbtRunner().invoke(["parse", "--no-partial-parse", *project])
    report: dict = {}
    if not parsed.success:
        Path(report_path).write_text(json.dumps({"error": f"dbt parse failed: {parsed.exception}"}))
        return
    runner = dbtRunner(manifest=parsed.result)
    steps = {
        "inputs": ["build", "--empty", "--select", f"+{VIEW}", "--exclude", VIEW, "test_type:data", "test_type:unit"],
        "view": ["run", "--select", VIEW],
        "tests": ["test", "--select", VIEW, "--exclude", "test_type:unit"],
    }
    for step, arguments in steps.items():
        invocation = runner.invoke([*arguments, *project])
        report[step] = _outcomes(invocation)
        if invocation.exception is not None or not invocation.success:
            report["error"] = f"dbt {step} failed: {invocation.exception or [o for o in report[step] if o['status'] not in ('success', 'pass')]}"
            break
    Path(report_path).write_text(json.dumps(report))


def test_every_contract_and_a_new_source_are_counted_from_their_raw_tables(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    warehouse = home / "warehouse.duckdb"
    _loaded_warehouse(warehouse)
    env = {**os.environ, **home_environment(home)}
    for name in ("PLANLINE_WINDOW_START", "PLANLINE_WINDOW_END", "DBT_RESOURCE_TYPES", "DBT_EXCLUDE_RESOURCE_TYPES"):
        env.pop(name, None)
    report_path = home / "report.json"
    command = [sys.executable, "-c", f"from tests.dbt.test_row_conservation import dbt_session; dbt_session({str(report_path)!r})"]
    ran = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert ran.returncode == 0 and report_path.exists(), ran.stdout[-4000:] + ran.stderr[-4000:]
    report = json.loads(report_path.read_text())
    assert "error" not in report, report["error"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"SELECT source, rows_read, rows_harmonized, rows_quarantined, rows_unaccounted, rows_multiplied FROM governance_marts.{VIEW} ORDER BY source"
        ).fetchall()
    counts = {source: values for source, *values in rows}
    # every contract, each row of it quarantined and none harmonized: accounted for
    assert {source: counts.get(source) for source in CONTRACTS} == {source: [1, 0, 1, 0, 0] for source in CONTRACTS}
    # the new source: read and quarantined; harmonized, unaccounted, multiplied unknown until a model harmonizes it
    assert counts[NEW_SOURCE.source] == [2, None, 1, None, None]
    assert set(counts) == {*CONTRACTS, NEW_SOURCE.source}
    # the view's data tests (rows_unaccounted = 0...) pass with it
    assert report["tests"] and all(o["status"] == "pass" for o in report["tests"]), report["tests"]
