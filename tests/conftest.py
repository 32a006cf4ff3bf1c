"""Shared fixtures: tiny demo data generated once per session, and one end-to-end run of the graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ml.demo_company import generate

# The tests live in the demo company's world: its history ends on 2026-09-30, so does "now" (for
# contracts and freshness) and so do the daily partitions (set before definitions are imported).
os.environ.setdefault("PLANLINE_AS_OF", "2026-09-30")


@pytest.fixture(scope="session")
def tiny_landing(tmp_path_factory) -> tuple[Path, dict]:
    """A tiny demo company's exports (read-only for tests: copy before changing files)."""
    landing = tmp_path_factory.mktemp("tiny") / "landing"
    manifest = generate(landing, "tiny", seed=7)
    return landing, manifest


@pytest.fixture(scope="session")
def pipeline_home(tmp_path_factory):
    """A fresh PLANLINE_HOME with tiny data, the whole graph materialized once (in process)."""
    import dagster as dg

    home = tmp_path_factory.mktemp("planline_home")
    manifest = generate(home / "landing", "tiny", seed=7)
    env = {**home_environment(home), "PLANLINE_AS_OF": manifest["end_date"]}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        from orchestration.definitions import defs
        from orchestration.jobs import all_days_tags

        job = defs.resolve_job_def("data_foundation")
        with dg.instance_for_test() as instance:
            first = job.execute_in_process(instance=instance, raise_on_error=False, tags=all_days_tags())
            yield {"home": home, "manifest": manifest, "result": first, "job": job, "instance": instance, "env": env}


def home_environment(home: Path) -> dict[str, str]:
    """The variables that put every Planline path under ``home``."""
    return {
        "PLANLINE_HOME": str(home),
        "PLANLINE_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "PLANLINE_LANDING_DIR": str(home / "landing"),
        "PLANLINE_REJECTED_DIR": str(home / "rejected"),
        "PLANLINE_PROCESSED_DIR": str(home / "processed"),
    }


def load_manifest(landing: Path) -> dict:
    return json.loads((landing / "demo_manifest.json").read_text())


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
