"""Shared fixtures: tiny demo data generated once per session, and one run of the data layer on it."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from demo_company import generate
from demo_company.generate import MANIFEST_NAME
from orchestration.settings import home_environment

# The tests live in the demo company's world: its history ends on 2026-09-30, so does "now" (for
# contracts and freshness) and so do the daily partitions (set before definitions are imported).
os.environ.setdefault("PLANLINE_AS_OF", "2026-09-30")
# ... and in its time zone: the contracts and the partitions read the business zone when first
# imported, which in a test process is before a test's home (and its company.yaml) exists; the
# runs' child processes read the home's company.yaml. Both must count the same business days.
os.environ.setdefault("PLANLINE_BUSINESS_TIMEZONE", "Europe/Paris")


@pytest.fixture(scope="session")
def tiny_landing(tmp_path_factory) -> tuple[Path, dict]:
    """A tiny demo company's exports (read-only for tests: copy before changing files)."""
    landing = tmp_path_factory.mktemp("tiny") / "landing"
    manifest = generate(landing, "tiny", seed=7)
    return landing, manifest


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> dict:
    """The tiny demo company through the whole data layer, once for the session and every worker
    (tests/reference_home.py): ``home`` (read only: copy it to run jobs on it), ``manifest`` (the
    generator's), and what the tests read of the run (success, checks, digests of its marts)."""
    from tests.reference_home import reference_home

    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp  # the workers' common folder
    home, summary = reference_home(shared)
    return {"home": home, **summary}


@contextmanager
def running_home(home: Path, **variables: str):
    """In-process runs on ``home``: its environment set (the code location's ``defs()`` called
    within takes its resources' paths from it), dbt's partial-parse state primed for its
    warehouse (else every dbt step re-parses the project), and an in-memory Dagster instance (the
    SQLite one on disk costs about 13 ms per event, thousands per partitioned run).

    Yields the instance and the environment.
    """
    import dagster as dg

    env = {**home_environment(home), **variables}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        from orchestration.dbt_project import parse_project

        parse_project(update_manifest=False)
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance, env


def load_manifest(landing: Path) -> dict:
    return json.loads((landing / MANIFEST_NAME).read_text())


def duckdb_path(home: Path) -> str:
    return os.fspath(home / "warehouse.duckdb")


def marts_digest(con, schemas: tuple[str, ...] = ("marts", "governance_marts")) -> dict[str, str]:
    """Row count and content hash of every table or view of the schemas (marts by default)."""
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE list_contains(?, table_schema) ORDER BY 2", [list(schemas)]
    ).fetchall()
    return {
        name: con.execute(
            f"SELECT count(*) || md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR)), '')) FROM {schema}.\"{name}\" t"
        ).fetchone()[0]
        for schema, name in tables
    }
