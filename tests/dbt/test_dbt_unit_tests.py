"""Every dbt unit test of the project passes (issue 17 point 8).

A dbt unit test (``unit_tests:`` in the ``_unit_tests.yml`` of a model's folder under
dbt_project/models) gives one model's direct inputs as a few rows and the rows the model must
return, worked out by hand; dbt compiles the model over those rows and compares. dbt reads the
column types of each given input from its relation in the warehouse, so the inputs must exist:
this test builds them with ``--empty`` (no rows, the types a real build gives) over a warehouse
holding only what the data layer creates before dbt runs (the company, raw and quarantine tables;
the tables planning steps write, from the columns their sources declare), then runs
``dbt test --select test_type:unit`` and fails naming each case that did not pass, with dbt's
diff of actual and expected rows. docs/testing.md says how to write and run them.

One dbt process (dbt's Python entry point) parses the project once and runs the build and the
tests from that manifest: the parse is the largest part of the time, and a dbt process per step
would pay it, and dbt's start, again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import yaml

from orchestration.settings import REPO_ROOT, home_environment

# orchestration.dbt_project's, not imported: the dbt process imports this module, and dagster-dbt
# would add seconds to its start
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
MODELS_DIR = DBT_PROJECT_DIR / "models"
UNIT_TEST_FILE = "_unit_tests.yml"


def declared_unit_tests() -> list[tuple[str, Path, dict]]:
    """Every unit test of the project: its name, its file and its YAML."""
    cases = []
    for path in sorted(MODELS_DIR.rglob("*.yml")):
        text = path.read_text()
        if "unit_tests:" not in text:  # the other files are dbt's to read (and to report errors in)
            continue
        for case in (yaml.safe_load(text) or {}).get("unit_tests") or []:
            cases.append((case["name"], path, case))
    return cases


def empty_warehouse(path: Path) -> None:
    """What the data layer creates before dbt's first build: the company's configuration (schema
    company), one raw table per source contract and the quarantine, all without rows."""
    from data_contracts.company.config import Company
    from data_contracts.company.export import write_company_tables
    from data_contracts.registry import CONTRACTS
    from data_contracts.validate import ensure_governance_schema
    from orchestration.ingestion.loader import ensure_raw_tables

    with duckdb.connect(str(path)) as con:
        write_company_tables(con, Company(name="Unit tests"))
        ensure_governance_schema(con)
        for contract in CONTRACTS.values():
            ensure_raw_tables(con, contract)


def _create_declared_sources(manifest, warehouse: str) -> list[str]:
    """The source tables the warehouse lacks (tables planning steps write), created empty from the
    columns and types their YAML declares; a source without every column typed is left missing
    (a unit test giving it dict or csv rows then fails naming it: give it ``format: sql``)."""
    created = []
    with duckdb.connect(warehouse) as con:
        existing = {(schema, name) for schema, name in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
        for source in manifest.sources.values():
            columns = list(source.columns.values())
            if (source.schema, source.identifier) in existing or not columns or not all(column.data_type for column in columns):
                continue
            definitions = ", ".join(f'"{column.name}" {column.data_type}' for column in columns)
            try:
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{source.schema}"')
                con.execute(f'CREATE TABLE "{source.schema}"."{source.identifier}" ({definitions})')
            except duckdb.Error as error:
                raise RuntimeError(
                    f"source {source.source_name}.{source.name} ({source.original_file_path}): its declared columns make no table: {error}"
                ) from error
            existing.add((source.schema, source.identifier))  # a table two sources declare is created once
            created.append(f"{source.schema}.{source.identifier}")
    return created


def _outcomes(invocation) -> list[dict]:
    """What a dbt invocation did to each node, as JSON: its id, file, status and message."""
    results = getattr(invocation.result, "results", None) or []
    return [
        {"id": r.node.unique_id, "name": r.node.name, "file": r.node.original_file_path, "status": str(r.status), "message": r.message or ""} for r in results
    ]


def dbt_session(report_path: str) -> None:
    """In a dbt process of its own (run_unit_tests): parse, the unit tests' inputs built empty,
    the unit tests; what each step did written to ``report_path`` as JSON."""
    from dbt.cli.main import dbtRunner

    # no artifacts (manifest.json, run_results.json, partial parsing's state): nothing reads them
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet", "--no-use-colors", "--no-write-json"]
    report: dict = {"seconds": {}}
    started = time.monotonic()
    parsed = dbtRunner().invoke(["parse", "--no-partial-parse", *project])
    report["seconds"]["parse"] = round(time.monotonic() - started, 1)
    if not parsed.success:
        report["error"] = f"dbt parse failed: {parsed.exception}"
        Path(report_path).write_text(json.dumps(report))
        return
    manifest = parsed.result
    report["created_sources"] = _create_declared_sources(manifest, os.environ["PLANLINE_DUCKDB_PATH"])
    # the tested models' direct inputs: models with everything upstream of them, seeds
    inputs = {node for case in manifest.unit_tests.values() for node in manifest.nodes[case.depends_on.nodes[0]].depends_on.nodes}
    selection = sorted({("+" if node.startswith("model.") else "") + manifest.nodes[node].name for node in inputs if node.startswith(("model.", "seed."))})
    if not selection:
        report["error"] = "no unit test in the project"
        Path(report_path).write_text(json.dumps(report))
        return
    runner = dbtRunner(manifest=manifest)
    started = time.monotonic()
    built = runner.invoke(["build", "--empty", "--select", " ".join(selection), "--exclude", "test_type:data test_type:unit", *project])
    report["seconds"]["build_inputs"] = round(time.monotonic() - started, 1)
    report["build"] = _outcomes(built)
    if built.exception is not None:
        report["error"] = f"dbt build of the unit tests' inputs failed: {built.exception}"
    started = time.monotonic()
    tested = runner.invoke(["test", "--select", "test_type:unit", *project])
    report["seconds"]["unit_tests"] = round(time.monotonic() - started, 1)
    report["unit_tests"] = _outcomes(tested)
    if tested.exception is not None:
        report["error"] = f"dbt test --select test_type:unit failed: {tested.exception}"
    Path(report_path).write_text(json.dumps(report))


def run_unit_tests(home: Path) -> dict:
    """Every dbt unit test over an empty warehouse in ``home``, in a dbt process with the
    environment a home gives; what dbt_session reports."""
    home.mkdir(parents=True, exist_ok=True)
    empty_warehouse(home / "warehouse.duckdb")
    env = {**os.environ, **home_environment(home)}
    # a plain build (every model whole), and every resource type: production runs may exclude unit tests
    for name in ("PLANLINE_WINDOW_START", "PLANLINE_WINDOW_END", "DBT_RESOURCE_TYPES", "DBT_EXCLUDE_RESOURCE_TYPES"):
        env.pop(name, None)
    report = home / "unit_tests.json"
    command = [sys.executable, "-c", f"from tests.dbt.test_dbt_unit_tests import dbt_session; dbt_session({str(report)!r})"]
    ran = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert ran.returncode == 0 and report.exists(), ran.stdout[-4000:] + ran.stderr[-4000:]
    return json.loads(report.read_text())


def test_every_dbt_unit_test_passes(tmp_path):
    report = run_unit_tests(tmp_path / "home")
    assert "error" not in report, report["error"] + "\n" + "\n".join(f"{o['id']}: {o['status']} {o['message']}" for o in report.get("build", []))
    broken_inputs = [f"{o['id']} ({o['file']}): {o['message']}" for o in report["build"] if o["status"] != "success"]
    assert not broken_inputs, "the unit tests' inputs did not build empty:\n" + "\n".join(broken_inputs)
    failed = [f"{o['name']} ({o['file']}): {o['status']}\n{o['message']}" for o in report["unit_tests"] if o["status"] != "pass"]
    assert not failed, f"{len(failed)} dbt unit test(s) failed:\n\n" + "\n\n".join(failed)
    # every case in the YAML ran (none disabled or lost to a selection)
    assert sorted(o["name"] for o in report["unit_tests"]) == sorted(name for name, _, _ in declared_unit_tests()), report["seconds"]


def _dict_rows(section: dict) -> list[dict]:
    """The rows of a given input or an expectation written as dicts (csv and sql rows are text)."""
    rows = section.get("rows")
    return rows if isinstance(rows, list) else []


def test_each_unit_test_sits_beside_its_model_and_names_no_code_of_the_demo_company():
    """A model's cases are in the _unit_tests.yml of its own folder, where the next engineer looks;
    their rows use made-up codes, as the models name no company's codes (test_dbt_project.py)."""
    from orchestration.dbt_project import DBT_PROJECT_DIR as project_dir
    from tests.dbt.test_dbt_project import DEMO_CODES

    assert DBT_PROJECT_DIR == project_dir
    cases = declared_unit_tests()
    assert len(cases) >= 8, [name for name, _, _ in cases]
    problems = []
    for name, path, case in cases:
        if path.name != UNIT_TEST_FILE or not (path.parent / f"{case['model']}.sql").exists():
            problems.append(f"{name}: in {path.relative_to(DBT_PROJECT_DIR)}, not in the {UNIT_TEST_FILE} beside {case['model']}.sql")
        if not (case.get("description") or "").strip():
            problems.append(f"{name}: no description saying the rule")
        rows = [row for section in [*(case.get("given") or []), case["expect"]] for row in _dict_rows(section)]
        problems += [f"{name}: the demo company's code {value!r}" for row in rows for value in row.values() if value in DEMO_CODES]
    assert not problems, "\n".join(problems)
