"""Shared fixtures: tiny demo data generated once per session, and one end-to-end run of the graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ml.demo_company import generate


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
    env = {
        "PLANLINE_HOME": str(home),
        "PLANLINE_DUCKDB_PATH": str(home / "warehouse.duckdb"),
        "PLANLINE_LANDING_DIR": str(home / "landing"),
        "PLANLINE_REJECTED_DIR": str(home / "rejected"),
        "PLANLINE_AS_OF": manifest["end_date"],
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        from orchestration.definitions import defs

        job = defs.resolve_job_def("data_foundation")
        with dg.instance_for_test() as instance:
            first = job.execute_in_process(instance=instance, raise_on_error=False)
            yield {"home": home, "manifest": manifest, "result": first, "job": job, "instance": instance, "env": env}


def load_manifest(landing: Path) -> dict:
    return json.loads((landing / "demo_manifest.json").read_text())


def duckdb_path(home: Path) -> str:
    return os.fspath(home / "warehouse.duckdb")
