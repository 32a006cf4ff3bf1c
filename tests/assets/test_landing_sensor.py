"""The landing sensor's tick on hostile landing folders: no file stops it for the others, links
are never followed, files no source claims are not left unreported (issue 15 point 11).

The sensor is evaluated alone on small hand-made folders (no run): cheap, and it is the tick
that must not raise.
"""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from data_contracts import contract_for
from demo_company.company_config import write_company
from demo_company.config import resolve_scale
from orchestration.resources import LandingZone


def _pos(day: str) -> str:
    columns = contract_for("pos_sales").columns
    return ",".join(columns) + "\n" + ",".join(day if c == "business_date" else "1" for c in columns) + "\n"


def _wms(event_time: str) -> str:
    record = dict.fromkeys(contract_for("wms_events").columns, "1")
    return json.dumps(record | {"event_time": event_time, "exported_at": event_time}) + "\n"


def _tick(home: Path, cursor: str | None = None):
    from orchestration.defs.ingestion.sensors import landing_sensor

    zone = LandingZone(
        landing_dir=str(home / "landing"), rejected_dir=str(home / "rejected"), processed_dir=str(home / "processed"), company_dir=str(home / "company")
    )
    return landing_sensor(dg.build_sensor_context(cursor=cursor, resources={"landing_zone": zone}))


def _requested(result) -> dict[str, set[str]]:
    """Requested partition (or 'master_data') -> sources (raw assets) selected."""
    out: dict[str, set[str]] = {}
    for request in result.run_requests:
        if request.job_name == "master_data":
            out["master_data"] = set()
        else:
            out[request.partition_key] = {k.path[1] for k in request.asset_selection if k.path[0] == "raw"}
    return out


@pytest.fixture
def home(tmp_path) -> Path:
    (tmp_path / "landing" / "pos" / "ST01").mkdir(parents=True)
    (tmp_path / "landing" / "wms").mkdir()
    (tmp_path / "landing" / "wms" / "events_20260920.jsonl").write_text(_wms("2026-09-20T10:00:00Z"))
    write_company(tmp_path / "company", resolve_scale("tiny"))  # how the demo company's files are read
    return tmp_path


def test_a_file_with_cr_only_line_ends_is_read_and_the_good_file_still_gets_its_run(home):
    (home / "landing" / "pos" / "ST01" / "sales_ST01_20260927.csv").write_bytes(_pos("20260927").replace("\n", "\r").encode())  # an old Mac export
    assert _requested(_tick(home)) == {"2026-09-20": {"wms_events"}, "2026-09-27": {"pos_sales"}}


def test_a_file_whose_days_cannot_be_read_is_requested_for_the_last_day_and_the_others_still_run(home, monkeypatch):
    import orchestration.defs.ingestion.sensors as sensors

    (home / "landing" / "pos" / "ST01" / "sales_ST01_20260929.csv").write_text(_pos("20260929"))
    read = sensors.file_days

    def failing(contract, mapping, path, first, last, zone):
        if contract.source == "pos_sales":
            raise RuntimeError("a reader's own bug")
        return read(contract, mapping, path, first, last, zone)

    monkeypatch.setattr(sensors, "file_days", failing)
    assert _requested(_tick(home)) == {"2026-09-20": {"wms_events"}, "2026-09-30": {"pos_sales"}}  # the last day: its run rejects it


def test_links_are_never_read_and_files_no_source_claims_request_the_run_that_rejects_them(home, monkeypatch, tmp_path_factory):
    import orchestration.defs.ingestion.sensors as sensors

    outside = tmp_path_factory.mktemp("outside")
    (outside / "sales_ST09_20260901.csv").write_text(_pos("20260901"))
    (home / "landing" / "pos" / "ST01" / "sales_ST01_20260929.csv").symlink_to(outside / "sales_ST09_20260901.csv")
    (home / "landing" / "pos" / "ST09").symlink_to(outside, target_is_directory=True)
    (home / "landing" / "erp").mkdir()
    (home / "landing" / "erp" / "supplier.csv").write_text("a typo in the name\n")
    peeked = []
    read = sensors.file_days
    monkeypatch.setattr(sensors, "file_days", lambda contract, mapping, path, *args: peeked.append(path.name) or read(contract, mapping, path, *args))
    result = _tick(home)
    # the links count for the last day (their run rejects them, unread); the misnamed file for a master-data run
    assert _requested(result) == {"2026-09-20": {"wms_events"}, "2026-09-30": {"pos_sales"}, "master_data": set()}
    assert peeked == ["events_20260920.jsonl"]
    again = _tick(home, result.cursor)
    assert isinstance(again, dg.SkipReason) or not again.run_requests
