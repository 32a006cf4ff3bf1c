"""Hostile landing files against the loader, the stray sweep and the landing sensor (issue 15
point 11): a file that cannot be listed or read never stops the others; nothing is lost (each
file loads, or is rejected and reported with a reason, or is left for the next run, said so);
links are never followed, neither in the landing folder nor among the kept copies of the
rejected folder; a path from outside stays in its folder.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from data_contracts import contract_for
from orchestration.ingestion import loader
from orchestration.ingestion.loader import PartitionWindow, load_source

NOW = datetime(2026, 10, 1, 6, 0)


def _wms(event_time: str, event_id: str) -> bytes:
    record = dict.fromkeys(contract_for("wms_events").columns, "1") | {"event_id": event_id, "event_time": event_time, "exported_at": event_time}
    return (json.dumps(record) + "\n").encode()


@pytest.fixture
def home(tmp_path) -> Path:
    (tmp_path / "landing" / "pos" / "ST02").mkdir(parents=True)
    (tmp_path / "landing" / "wms").mkdir()
    (tmp_path / "landing" / "erp").mkdir()
    (tmp_path / "landing" / "wms" / "events_20260920.jsonl").write_bytes(_wms("2026-09-20T10:00:00Z", "GOOD"))
    return tmp_path


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def _load(con, home: Path, source: str = "pos_sales", window: PartitionWindow | None = None) -> loader.LoadReport:
    return load_source(con, contract_for(source), home / "landing", home / "rejected", NOW, processed_dir=home / "processed", window=window)


def test_an_event_of_year_10000_in_local_time_neither_crashes_a_daily_load_nor_the_sensor(home, con):
    from orchestration.ingestion.landing import file_days

    path = home / "landing" / "wms" / "events_20260921.jsonl"
    path.write_bytes(_wms("2026-09-21T10:00:00Z", "E2") + _wms("9999-12-31T23:59:59Z", "E3"))
    first, last = date(2026, 9, 1), date(2026, 9, 30)
    assert file_days(contract_for("wms_events"), path, first, last) == {date(2026, 9, 21), last}
    window = PartitionWindow(start=date(2026, 9, 21), end=date(2026, 9, 22), first=first, last=last)
    report = _load(con, home, "wms_events", window)
    assert report.files_loaded == ["wms/events_20260921.jsonl"] and report.days_loaded == {date(2026, 9, 21), last}
    days = dict(con.execute("SELECT event_id, _partition_date FROM raw.wms_events").fetchall())
    assert days == {"E2": date(2026, 9, 21), "E3": date(9999, 12, 31)}  # a future day: the contract refuses the row
    con.execute("UPDATE raw.wms_events SET _partition_date = DATE '10000-01-01' WHERE event_id = 'E3'")  # as loaded before
    loader.ensure_raw_tables(con, contract_for("wms_events"))
    assert loader.loaded_days(con, [contract_for("wms_events")], NOW) == (date(2026, 9, 21), date(9999, 12, 31))
