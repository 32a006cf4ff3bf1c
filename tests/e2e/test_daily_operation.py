"""Day-to-day operation on tiny data: the landing sensor turns new exports into runs of the days
they touch, late events land on their own day, and the incremental result equals one run over all the files.

The scenario holds three days' event and POS exports back from the first load (one OMS and one
WMS file among them carry late events of earlier days), then delivers them to the landing folder
like the source systems would, evaluates the sensor and executes the runs it requests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from demo_company import generate
from demo_company.generate import MANIFEST_NAME
from orchestration.dbt_project import DBT_PROJECT_DIR
from tests.conftest import duckdb_path, marts_digest, running_home
from tests.reference_home import DIGESTS

pytestmark = pytest.mark.e2e

HELD_BACK = ("oms/events_20260903.jsonl", "wms/events_20260910.jsonl", "oms/events_20260930.jsonl", "wms/events_20260930.jsonl", "pos/*/sales_*_20260930.csv")


@pytest.fixture(scope="module")
def daily_home(tmp_path_factory):
    """A home loaded without the held-back files, then fed them through the landing sensor."""
    home = tmp_path_factory.mktemp("daily_home")
    manifest = generate(home / "landing", "tiny", seed=7)
    held = home / "held_back"
    for pattern in HELD_BACK:
        for path in (home / "landing").glob(pattern):
            target = held / path.relative_to(home / "landing")
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
    with running_home(home) as (instance, _):
        from orchestration.definitions import defs as planline

        defs = planline()
        from orchestration.defs.ingestion.sensors import landing_sensor
        from orchestration.partitions import all_days_tags

        first = defs.resolve_job_def("data_foundation").execute_in_process(instance=instance, tags=all_days_tags(), raise_on_error=False)
        assert first.success
        with duckdb.connect(duckdb_path(home), read_only=True) as con:
            before = con.execute("SELECT count(*) FROM raw.oms_events").fetchone()[0]

        shutil.copytree(held, home / "landing", dirs_exist_ok=True)  # the night's deliveries
        result = landing_sensor(dg.build_sensor_context(instance=instance, definitions=defs, resources={"landing_zone": defs.resources["landing_zone"]}))
        runs = []
        for request in result.run_requests:
            job = defs.resolve_job_def(request.job_name)
            runs.append(
                job.execute_in_process(
                    instance=instance,
                    partition_key=request.partition_key,
                    tags=request.tags,
                    asset_selection=request.asset_selection,
                    raise_on_error=False,
                )
            )
        resources = {"landing_zone": defs.resources["landing_zone"]}
        again = landing_sensor(dg.build_sensor_context(instance=instance, cursor=result.cursor, definitions=defs, resources=resources))
        with duckdb.connect(duckdb_path(home), read_only=True) as con:
            incremental = marts_digest(con, DIGESTS["models"])  # the same deliveries as the reference run's
            after = con.execute("SELECT count(*) FROM raw.oms_events").fetchone()[0]
        manual = _run_one_day_on_a_file_holding_another(home, manifest, instance, defs)
        yield {
            "home": home,
            "manifest": manifest,
            "requests": result.run_requests,
            "runs": runs,
            "again": again,
            "incremental": incremental,
            "raw_growth": after - before,
            **manual,
        }


MANUAL_FILE = "wms/events_20260925_manual.jsonl"


def _run_one_day_on_a_file_holding_another(home: Path, manifest: dict, instance, defs) -> dict:
    """A file of 2026-09-25 holding a late event of 2026-09-12, loaded by a run of 2026-09-25 alone
    (the schedule's run, or a manual one: no run is requested for the 12th): the run must
    harmonize both rows, whatever their date (issue 15 point 11)."""
    from orchestration.defs.ingestion.raw import raw_key
    from orchestration.defs.jobs import DAILY_DOWNSTREAM_KEYS

    dirty = {e["row_number"] for e in manifest["entries"] if e["file"] == "wms/events_20260930.jsonl"}
    lines = (home / "processed" / "wms" / "events_20260930.jsonl").read_text().splitlines()
    ship = next(json.loads(line) for n, line in enumerate(lines, 1) if n not in dirty and json.loads(line)["event_type"] == "SHIP")
    times = ("2026-09-25T09:00:00Z", "2026-09-12T09:00:00Z")
    rows = [ship | {"event_id": f"{ship['event_id']}-M{n}", "event_time": t, "exported_at": "2026-09-25T20:00:00Z"} for n, t in enumerate(times)]
    (home / "landing" / MANUAL_FILE).write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = defs.resolve_job_def("daily_data_foundation").execute_in_process(
        instance=instance, partition_key="2026-09-25", asset_selection=[raw_key("wms_events"), *DAILY_DOWNSTREAM_KEYS], raise_on_error=False
    )
    with duckdb.connect(duckdb_path(home), read_only=True) as con:
        harmonized = con.execute("SELECT count(*) FROM intermediate.int_wms_movements WHERE source_file = ?", [MANUAL_FILE]).fetchone()[0]
    return {"manual_run": run, "manual_rows_harmonized": harmonized}


def _days(request: dg.RunRequest) -> tuple[date, date]:
    if request.partition_key:
        return date.fromisoformat(request.partition_key), date.fromisoformat(request.partition_key)
    tags = request.tags
    return date.fromisoformat(tags["dagster/asset_partition_range_start"]), date.fromisoformat(tags["dagster/asset_partition_range_end"])


def _late_event_days(home, manifest) -> set[date]:
    """Own (business) days of the late events in the held-back files, read from the files."""
    days = set()
    for entry in manifest["entries"]:
        if entry["kind"] == "late_event" and entry["file"] in HELD_BACK:
            line = (home / "processed" / entry["file"]).read_text().splitlines()[entry["row_number"] - 1]
            event_time = datetime.fromisoformat(json.loads(line)["event_time"].replace("Z", "+00:00"))
            days.add(event_time.astimezone(ZoneInfo("Europe/Paris")).date())
    return days


def test_the_sensor_requests_the_days_the_new_files_touch_late_events_included(daily_home):
    ranges = [_days(r) for r in daily_home["requests"]]
    requested = {day for start, end in ranges for day in _span(start, end)}
    late_days = _late_event_days(daily_home["home"], daily_home["manifest"])
    assert late_days and all(day < date(2026, 9, 10) for day in late_days), "the held-back files must carry late events of earlier days"
    first_partition = date(2026, 9, 1)  # PLANLINE_PARTITIONS_START: earlier days belong to it
    assert {date(2026, 9, 3), date(2026, 9, 10), date(2026, 9, 30)} | {max(day, first_partition) for day in late_days} <= requested
    for request in daily_home["requests"]:
        assert request.job_name == "daily_data_foundation"
        assert {k.path[1] for k in request.asset_selection if k.path[0] == "raw"} <= {"oms_events", "wms_events", "pos_sales"}


def _span(start: date, end: date) -> list[date]:
    return [date.fromordinal(n) for n in range(start.toordinal(), end.toordinal() + 1)]


def test_requested_runs_succeed_and_archive_the_files(daily_home):
    assert daily_home["runs"] and all(run.success for run in daily_home["runs"])
    landing = daily_home["home"] / "landing"
    assert not [p for p in landing.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]
    for pattern in HELD_BACK:
        assert list((daily_home["home"] / "processed").glob(pattern))
    assert daily_home["raw_growth"] > 0


def test_the_sensor_does_not_request_the_same_files_twice(daily_home):
    again = daily_home["again"]
    assert isinstance(again, dg.SkipReason) or not again.run_requests


def test_late_events_are_applied_to_their_own_day(daily_home):
    with duckdb.connect(duckdb_path(daily_home["home"]), read_only=True) as con:
        late = con.execute(
            "SELECT source, event_id, event_date, exported_at FROM governance_marts.gov_late_events WHERE source_file IN (?, ?)",
            ["oms/events_20260903.jsonl", "wms/events_20260910.jsonl"],
        ).fetchall()
        assert late
        for source, event_id, event_date, exported_at in late:
            assert event_date < exported_at.date()
            table = "marts.fct_stock_movements" if source == "wms_events" else "intermediate.int_oms_events"
            assert con.execute(f"SELECT event_date FROM {table} WHERE event_id = ?", [event_id]).fetchone() == (event_date,)


def test_incremental_runs_end_where_one_run_over_all_the_files_ends(daily_home, reference):
    """The first load and the sensor's runs of the night's files end with the models
    of one uninterrupted run over the same deliveries (the session's reference run)."""
    assert daily_home["incremental"] == reference["digests"]["models"]


def test_daily_runs_check_that_their_days_rows_are_conserved(daily_home):
    evaluations = [e.event_specific_data for run in daily_home["runs"] for e in run.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    conserved = {ev.asset_key.path[-1]: ev.passed for ev in evaluations if ev.check_name.startswith("rows_conserved")}
    transactional = {
        "pos_sales",
        "oms_events",
        "wms_movements",
        "inventory_wms",
        "inventory_erp",
        "sales_order_lines",
        "purchase_order_lines",
        "production_orders",
    }
    assert conserved == {f"int_{name}": True for name in transactional}


def test_a_run_harmonizes_every_row_it_loads_whatever_its_day(daily_home):
    """The run of the 25th loads a file holding a late event of the 12th: both rows reach the
    model, and the run's conservation checks passed over them."""
    run = daily_home["manual_run"]
    assert run.success and daily_home["manual_rows_harmonized"] == 2
    evaluations = [e.event_specific_data for e in run.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert [ev.passed for ev in evaluations if ev.check_name.startswith("rows_conserved")] == [True] * 8


def test_a_row_lost_between_raw_and_its_model_fails_the_conservation_check(daily_home, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(duckdb_path(daily_home["home"]), warehouse)
    with duckdb.connect(str(warehouse)) as con:
        lost = con.execute(
            "SELECT source_file, source_row_number FROM intermediate.int_pos_sales WHERE partition_date = DATE '2026-09-30' ORDER BY 1, 2 LIMIT 1"
        ).fetchone()
        con.execute("DELETE FROM intermediate.int_pos_sales WHERE source_file = ? AND source_row_number = ?", list(lost))
    env = {
        **os.environ,
        "PLANLINE_DUCKDB_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(tmp_path / "dbt"),
        "PLANLINE_WINDOW_START": "2026-09-30",
        "PLANLINE_WINDOW_END": "2026-10-01",
    }
    command = [str(Path(sys.executable).parent / "dbt"), "test", "--select", "int_pos_sales,test_name:rows_conserved", "--quiet"]
    failed = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert failed.returncode == 1 and "rows_conserved" in failed.stdout, failed.stdout[-2000:]
    assert f"{lost[0]} row {lost[1]} (lost)" in failed.stdout, failed.stdout[-2000:]  # the failure names file and row
    other_day = {**env, "PLANLINE_WINDOW_START": "2026-09-29", "PLANLINE_WINDOW_END": "2026-09-30"}  # the check reads its days only
    assert subprocess.run(command, cwd=DBT_PROJECT_DIR, env=other_day, capture_output=True, text=True, check=False).returncode == 0
