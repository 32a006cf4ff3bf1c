"""The live service's intake in Dagster: the fold sensor hands the sealed segments a stopped
service left to the landing folder, and the intake_lag check counts what waits for the warehouse
and fails past the 5-minute sync-latency target, recorded without a run and executable in one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.ingestion.intake import CHECK_NAME, LAG_TARGET, intake_fold_sensor, intake_lag_checks, intake_lags
from orchestration.defs.ingestion.raw import raw_key
from orchestration.resources import LandingZone
from service.intake.log import IntakeLog


def _wms_event(event_id: str) -> dict:
    return {
        "event_id": event_id,
        "event_type": "SHIP",
        "event_time": "2026-09-30T09:00:00Z",
        "exported_at": "2026-09-30T09:00:05Z",
        "site": "DC01",
        "sku": "W-00001",
        "qty": "1",
        "uom": "EA",
    }


@pytest.fixture
def intake_home(tmp_path: Path, tiny_landing) -> dict:
    """A company folder (the tiny demo company's), an empty landing folder and an intake log
    holding three events received ten minutes ago, left open by a service that stopped."""
    landing, _ = tiny_landing
    received = datetime.now(UTC) - timedelta(minutes=10)
    log = IntakeLog(tmp_path / "intake", segment_seconds=3600, segment_events=1000)
    log.open()
    log.append("wms_events", [{"key": [f"E{i}"], "status": "accepted", "event": _wms_event(f"E{i}")} for i in range(3)], now=received)
    log.close(seal=False)
    zone = LandingZone(
        landing_dir=str(tmp_path / "landing"),
        rejected_dir=str(tmp_path / "rejected"),
        processed_dir=str(tmp_path / "processed"),
        company_dir=str(landing.parent / "company"),
        intake_dir=str(tmp_path / "intake"),
    )
    (tmp_path / "landing").mkdir()
    return {"zone": zone, "received": received, "landing": tmp_path / "landing", "intake": tmp_path / "intake"}


def test_the_lag_counts_events_in_open_segments_and_fails_past_five_minutes(intake_home):
    lags = intake_lags(intake_home["intake"], intake_home["landing"])
    assert lags["wms_events"].waiting == 3 and lags["oms_events"].waiting == 0
    now = datetime.now(UTC)
    assert lags["wms_events"].age(now) > LAG_TARGET and not lags["wms_events"].passed(now)
    assert lags["oms_events"].passed(now)


def test_the_sensor_folds_what_a_stopped_service_left_and_records_the_check(intake_home):
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"landing_zone": intake_home["zone"]})
        result = intake_fold_sensor(context)
        assert "1 segment file(s) folded" in result.skip_message
        folded = list(intake_home["landing"].rglob("*intake*"))
        assert len(folded) == 1 and folded[0].read_text().count("\n") == 3
        # the folded file waits in the landing folder for its run: the events still count, and the check fails
        check = dg.AssetCheckKey(raw_key("wms_events"), CHECK_NAME)
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])[check]
        evaluation = record.event.asset_check_evaluation
        assert not evaluation.passed and evaluation.metadata["events_waiting"].value == 3
        # the run loads the file and moves it to processed/: nothing waits any more
        folded[0].unlink()
        assert intake_lags(intake_home["intake"], intake_home["landing"])["wms_events"].waiting == 0


def test_the_check_runs_in_a_run_too(intake_home):
    result = dg.materialize(
        [intake_lag_checks],
        resources={"landing_zone": intake_home["zone"]},
        selection=dg.AssetSelection.checks(dg.AssetCheckKey(raw_key("wms_events"), CHECK_NAME)),
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == CHECK_NAME and not evaluation.passed
