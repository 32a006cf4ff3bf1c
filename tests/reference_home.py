"""The tiny demo company through the whole data layer, built once per test session and shared by
the pytest-xdist workers.

A data run of the whole graph takes about two minutes on two cores. The end-to-end checks, the
killed-run scenario and the forecasting chain all start from the same loaded company: the first
worker that needs it builds it under a file lock in the session's shared temporary folder (the
pattern pytest-xdist documents for session-wide fixtures), the others wait for it. What the tests
read of the run itself (its success, failed checks, the metadata shown in the UI) is written next
to it in ``run.json``, since only the worker that ran it holds the run's events.

Nobody writes to the reference home: a test that runs jobs on it takes a copy (``copy_home``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from filelock import FileLock

from demo_company import generate
from tests.conftest import duckdb_path, marts_digest, running_home

RUN_SUMMARY = "run.json"
# the digests other scenarios compare their end state with
DIGESTS = {"marts": ("marts", "governance_marts"), "models": ("intermediate", "marts", "governance_marts")}


def _summary(result, home: Path) -> dict:
    """What the end-to-end tests check of the run: steps, blocking checks, the UI's quarantine counts."""
    evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    quarantine = [
        e.event_specific_data.materialization.metadata for e in result.get_asset_materialization_events() if e.asset_key.path == ["governance", "quarantine"]
    ]
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        digests = {name: marts_digest(con, schemas) for name, schemas in DIGESTS.items()}
    return {
        "success": result.success,
        "step_failures": [e.message for e in result.get_step_failure_events()],
        "check_evaluations": len(evaluations),
        "failed_error_checks": [[ev.asset_key.to_user_string(), ev.check_name] for ev in evaluations if not ev.passed and ev.severity.value == "ERROR"],
        "quarantine_metadata": {k: v.value for k, v in quarantine[0].items() if k.startswith("rows/")} if quarantine else None,
        "digests": digests,
    }


def _build(home: Path) -> dict:
    manifest = generate(home / "landing", "tiny", seed=7)
    with running_home(home, PLANLINE_AS_OF=manifest["end_date"]) as (instance, _):
        from orchestration.definitions import defs as planline

        defs = planline()
        from orchestration.partitions import all_days_tags

        result = defs.resolve_job_def("data_foundation").execute_in_process(instance=instance, raise_on_error=False, tags=all_days_tags())
    return {"manifest": manifest, **_summary(result, home)}


def reference_home(shared_root: Path) -> tuple[Path, dict]:
    """The loaded tiny company under ``shared_root`` (built by the first caller) and its run summary."""
    home = shared_root / "reference_home"
    with FileLock(str(shared_root / "reference_home.lock")):
        if not (shared_root / RUN_SUMMARY).exists():
            shutil.rmtree(home, ignore_errors=True)  # a half-built home of an interrupted build
            summary = _build(home)
            (shared_root / RUN_SUMMARY).write_text(json.dumps(summary))
    return home, json.loads((shared_root / RUN_SUMMARY).read_text())


def copy_home(home: Path, target: Path) -> Path:
    """A copy of a loaded home to run jobs on (without dbt's per-step run folders, which no run reads)."""

    def run_folders(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if Path(folder) == home / "dbt" and (home / "dbt" / n).is_dir()]

    shutil.copytree(home, target, ignore=run_folders, symlinks=True)
    return target
